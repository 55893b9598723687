//! The OPERA OWS front over HTTP: SOAP envelopes written by hand (not by the
//! connector), state changes readable back through the SOAP API, FAIL results,
//! faults, and namespace prefixes other than the usual ones.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use pms_sim::{HotelSpec, OperaSim, ReservationState, RoomState, SimHandle, SimOptions};

const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const CORE: &str = "http://webservices.micros.com/og/4.3/Core/";
const COMMON: &str = "http://webservices.micros.com/og/4.3/Common/";
const HC: &str = "http://webservices.micros.com/og/4.3/HotelCommon/";
const RES_WSDL: &str = "http://webservices.micros.com/ows/5.1/Reservation.wsdl";
const RSA: &str = "http://webservices.micros.com/og/4.3/ResvAdvanced/";
const HK_WSDL: &str = "http://webservices.micros.com/ows/5.1/HouseKeeping.wsdl";
const GS: &str = "http://webservices.micros.com/og/4.3/GuestServices/";
const NAME_WSDL: &str = "http://webservices.micros.com/ows/5.1/Name.wsdl";
const WSSE: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

async fn start() -> SimHandle {
    OperaSim::start(SimOptions::with_hotel(HotelSpec::small(21)))
        .await
        .unwrap()
}

fn password(sim: &SimHandle) -> String {
    sim.access_token().to_owned()
}

/// An on-premise envelope with the OGHeader credentials.
fn onprem(sim: &SimHandle, tx: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="{SOAP}"><soap:Header>
<OGHeader xmlns="{CORE}" transactionID="{tx}" timeStamp="2026-03-01T10:00:00Z" primaryLangID="E">
<Origin entityID="KIOSK" systemType="WEB"/><Destination entityID="TI" systemType="PMS"/>
<Authentication><UserCredentials><UserName>{user}</UserName><UserPassword>{pw}</UserPassword><Domain>{hotel}</Domain></UserCredentials></Authentication>
</OGHeader></soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"#,
        user = OperaSim::USER_NAME,
        pw = password(sim),
        hotel = OperaSim::HOTEL_CODE,
    )
}

/// A Cloud-gateway envelope: WS-Security token and timestamp, `{user}@I{hotel}`.
fn cloud(sim: &SimHandle, created: chrono::DateTime<Utc>, body: &str) -> String {
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    format!(
        r#"<env:Envelope xmlns:env="{SOAP}"><env:Header>
<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{c}</wsu:Created><wsu:Expires>{e}</wsu:Expires></wsu:Timestamp>
<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password>{pw}</wsse:Password></wsse:UsernameToken></wsse:Security>
<core:OGHeader xmlns:core="{CORE}" transactionID="cloud-1"><core:Origin entityID="OWS" systemType="WEB"/><core:Destination entityID="OWS" systemType="PMS"/>
<core:Authentication><core:UserCredentials><core:UserName>{user}@I{hotel}</core:UserName><core:Domain>{hotel}</core:Domain></core:UserCredentials></core:Authentication></core:OGHeader>
</env:Header><env:Body>{body}</env:Body></env:Envelope>"#,
        c = stamp(created),
        e = stamp(created + Duration::minutes(3)),
        user = OperaSim::USER_NAME,
        pw = password(sim),
        hotel = OperaSim::HOTEL_CODE,
    )
}

async fn post(sim: &SimHandle, path: &str, action: &str, envelope: String) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(envelope)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn action(service: &str, op: &str) -> String {
    format!("http://webservices.micros.com/ows/5.1/{service}.wsdl#{op}")
}

fn reservation_request(element: &str, id: &str) -> String {
    format!(
        r#"<{element}><HotelReference hotelCode="{hotel}"/><ReservationID><c:UniqueID xmlns:c="{COMMON}" type="EXTERNAL" source="RESV_NAME_ID">{id}</c:UniqueID></ReservationID></{element}>"#,
        hotel = OperaSim::HOTEL_CODE
    )
}

async fn resv_advanced(sim: &SimHandle, op: &str, inner: String) -> (u16, String) {
    let body = format!(r#"<{op}Request xmlns="{RSA}">{inner}</{op}Request>"#);
    let tx = format!("tx-{op}");
    post(
        sim,
        "/OWS_WS_51/ResvAdvanced.asmx",
        &action("ResvAdvanced", op),
        onprem(sim, &tx, &body),
    )
    .await
}

async fn fetch_booking(sim: &SimHandle, resv_name_id: &str) -> (u16, String) {
    let body = format!(
        r#"<FetchBookingRequest xmlns="{RES_WSDL}"><HotelReference hotelCode="{}"/><ResvNameId type="INTERNAL" source="RESVID">{resv_name_id}</ResvNameId></FetchBookingRequest>"#,
        OperaSim::HOTEL_CODE
    );
    post(
        sim,
        "/Reservation.asmx",
        &action("Reservation", "FetchBooking"),
        onprem(sim, "tx-fetch", &body),
    )
    .await
}

async fn room_statuses(sim: &SimHandle) -> String {
    let body = format!(
        r#"<FetchHouseKeepingRoomStatusRequest xmlns="{HK_WSDL}"><HotelReference hotelCode="{}"/><Criteria/></FetchHouseKeepingRoomStatusRequest>"#,
        OperaSim::HOTEL_CODE
    );
    let (status, xml) = post(
        sim,
        "/HouseKeeping.asmx",
        &action("HouseKeeping", "FetchHouseKeepingRoomStatus"),
        onprem(sim, "tx-hk", &body),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    xml
}

/// The `RoomStatus` the answer gives for room `number`.
fn status_of(xml: &str, number: &str) -> String {
    let at = xml.find(&format!("RoomNumber>{number}<")).unwrap();
    let rest = &xml[at..];
    let start = rest.find("RoomStatus>").unwrap() + "RoomStatus>".len();
    rest[start..start + rest[start..].find('<').unwrap()].to_owned()
}

/// An arrival today in state Confirmed whose room is in `room_state`: (resv_name_id, room number).
fn arrival(sim: &SimHandle, room_state: RoomState) -> (String, String) {
    sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find_map(|r| {
                let room = r.room_id.and_then(|id| h.room(id))?;
                (r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && room.state == room_state)
                    .then(|| (OperaSim::resv_name_id(h, r.id).unwrap(), room.number.clone()))
            })
            .unwrap()
    })
}

fn in_house(sim: &SimHandle) -> String {
    sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .map(|r| OperaSim::resv_name_id(h, r.id).unwrap())
            .unwrap()
    })
}

#[tokio::test]
async fn fetch_booking_answers_the_reservation_and_echoes_the_header_swapped() {
    let sim = start().await;
    let (id, room) = arrival(&sim, RoomState::Inspected);
    let (status, xml) = fetch_booking(&sim, &id).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains(r#"transactionID="tx-fetch""#), "{xml}");
    // Origin and Destination swapped: the PMS answers as the destination.
    assert!(xml.contains(r#"Origin entityID="TI" systemType="PMS""#), "{xml}");
    assert!(
        xml.contains(r#"Destination entityID="KIOSK" systemType="WEB""#),
        "{xml}"
    );
    assert!(!xml.contains(&password(&sim)), "credentials are never echoed");
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#));
    assert!(xml.contains(r#"reservationStatus="RESERVED""#), "{xml}");
    assert!(xml.contains(r#"computedReservationStatus="DUEIN""#), "{xml}");
    assert!(
        xml.contains(&format!(r#"source="RESVID" type="INTERNAL">{id}<"#)),
        "{xml}"
    );
    assert!(xml.contains(&format!("RoomNumber>{room}<")), "{xml}");
    let (status, xml) = fetch_booking(&sim, "99999999999").await;
    assert_eq!(status, 200);
    assert!(xml.contains(r#"resultStatusFlag="FAIL""#), "{xml}");
    assert!(xml.contains("RESERVATION_NOT_FOUND"), "{xml}");
}

#[tokio::test]
async fn check_in_and_out_change_state_readable_through_fetch_booking() {
    let sim = start().await;
    let (id, _) = arrival(&sim, RoomState::Inspected);
    let (status, xml) = resv_advanced(&sim, "CheckIn", reservation_request("ReservationRequest", &id)).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    let (_, booking) = fetch_booking(&sim, &id).await;
    assert!(booking.contains(r#"reservationStatus="INHOUSE""#), "{booking}");

    // Checking in twice is an invalid transition: FAIL in HTTP 200.
    let (status, xml) = resv_advanced(&sim, "CheckIn", reservation_request("ReservationRequest", &id)).await;
    assert_eq!(status, 200);
    assert!(
        xml.contains(r#"resultStatusFlag="FAIL""#) && xml.contains("CHECKIN_NOT_ALLOWED"),
        "{xml}"
    );

    // An in-house stay with an open folio cannot check out.
    let leaving = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Started
                    && h.business_date(r.scheduled_end) == today
                    && !h.stay_balance(r.id).is_zero()
            })
            .map(|r| (r.id, OperaSim::resv_name_id(h, r.id).unwrap()))
            .unwrap()
    });
    let (status, xml) = resv_advanced(
        &sim,
        "CheckOut",
        reservation_request("ReservationRequest", &leaving.1),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xml.contains("FOLIO_BALANCE_NOT_ZERO"), "{xml}");
    // Settled, it checks out and the room goes dirty.
    sim.state().with_hotel_mut(|h| {
        let balance = h.stay_balance(leaving.0);
        let guest = h.reservation(leaving.0).unwrap().guest_id;
        h.add_external_payment(
            pms_sim::NewPayment {
                account_id: guest,
                bill_id: None,
                reservation_id: Some(leaving.0),
                amount: balance,
                external_identifier: None,
                external_type: None,
            },
            Utc::now(),
        )
        .unwrap();
    });
    let (_, xml) = resv_advanced(
        &sim,
        "CheckOut",
        reservation_request("ReservationRequest", &leaving.1),
    )
    .await;
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    let (_, booking) = fetch_booking(&sim, &leaving.1).await;
    assert!(booking.contains(r#"reservationStatus="CHECKEDOUT""#), "{booking}");
}

#[tokio::test]
async fn check_in_on_a_dirty_room_fails_with_a_result_not_a_fault() {
    let sim = start().await;
    let (id, _) = arrival(&sim, RoomState::Dirty);
    let (status, xml) = resv_advanced(&sim, "CheckIn", reservation_request("ReservationRequest", &id)).await;
    assert_eq!(status, 200);
    assert!(xml.contains(r#"resultStatusFlag="FAIL""#), "{xml}");
    assert!(xml.contains("OperaErrorCode") && xml.contains("GDSError") && xml.contains("TextElement"));
    let checked_in = sim.state().with_hotel(|h| {
        let uuid = OperaSim::reservation_id(h, &id).unwrap();
        h.reservation(uuid).unwrap().state
    });
    assert_eq!(checked_in, ReservationState::Confirmed);
}

#[tokio::test]
async fn room_status_updates_are_read_back_and_pickup_is_refused() {
    let sim = start().await;
    let number = sim.state().with_hotel(|h| {
        h.rooms
            .iter()
            .find(|r| r.state == RoomState::Dirty)
            .unwrap()
            .number
            .clone()
    });
    assert_eq!(status_of(&room_statuses(&sim).await, &number), "DIRTY");
    let update = |status: &str| {
        format!(
            r#"<UpdateRoomStatusRequest xmlns="{GS}"><HotelReference hotelCode="{}"/><RoomNumber>{number}</RoomNumber><RoomStatus>{status}</RoomStatus></UpdateRoomStatusRequest>"#,
            OperaSim::HOTEL_CODE
        )
    };
    let (status, xml) = post(
        &sim,
        "/GuestServices.asmx",
        &action("GuestServices", "UpdateRoomStatus"),
        onprem(&sim, "tx-up", &update("Clean")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    assert_eq!(status_of(&room_statuses(&sim).await, &number), "CLEAN");
    let (_, xml) = post(
        &sim,
        "/GuestServices.asmx",
        &action("GuestServices", "UpdateRoomStatus"),
        onprem(&sim, "tx-up2", &update("Pickup")),
    )
    .await;
    assert!(xml.contains("ROOM_STATUS_NOT_ALLOWED"), "{xml}");
    assert_eq!(status_of(&room_statuses(&sim).await, &number), "CLEAN");
}

#[tokio::test]
async fn post_charge_keeps_long_info_and_the_invoice_shows_the_line_without_it() {
    let sim = start().await;
    let id = in_house(&sim);
    let today = Utc::now().format("%Y-%m-%d");
    let body = format!(
        r#"<PostChargeRequest xmlns="{RSA}" Account="3000"><Posting ShortInfo="Spa &amp; massage" LongInfo="PMSREQ:abc123" Charge="42.50" PostDate="{today}" PostTime="00:30:00">{}</Posting></PostChargeRequest>"#,
        reservation_request("ReservationRequestBase", &id)
    );
    let (status, xml) = post(
        &sim,
        "/ResvAdvanced.asmx",
        &action("ResvAdvanced", "PostCharge"),
        onprem(&sim, "tx-post", &body),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    assert_eq!(
        sim.state()
            .with_hotel(|h| OperaSim::postings_with_long_info(h, "PMSREQ:abc123")),
        1
    );
    let (_, invoice) = resv_advanced(&sim, "Invoice", reservation_request("ReservationRequest", &id)).await;
    assert!(
        invoice.contains(r#"Description="Spa &amp; massage""#),
        "{invoice}"
    );
    assert!(
        invoice.contains(">42.50<") && invoice.contains(">3000<"),
        "{invoice}"
    );
    // The OWS BillItem has no field for LongInfo: the reference is not echoed.
    assert!(!invoice.contains("PMSREQ"), "{invoice}");

    // An unknown transaction code and a stay not in house are FAILs, nothing posted.
    let before = sim.state().summary().charges;
    let bad = body.replace(r#"Account="3000""#, r#"Account="7777""#);
    let (_, xml) = post(
        &sim,
        "/ResvAdvanced.asmx",
        &action("ResvAdvanced", "PostCharge"),
        onprem(&sim, "tx-bad", &bad),
    )
    .await;
    assert!(xml.contains("INVALID_TRANSACTION_CODE"), "{xml}");
    let (arrival_id, _) = arrival(&sim, RoomState::Dirty);
    let not_in_house = body.replace(&id, &arrival_id);
    let (_, xml) = post(
        &sim,
        "/ResvAdvanced.asmx",
        &action("ResvAdvanced", "PostCharge"),
        onprem(&sim, "tx-nih", &not_in_house),
    )
    .await;
    assert!(xml.contains("POSTING_NOT_ALLOWED"), "{xml}");
    assert_eq!(sim.state().summary().charges, before);
}

#[tokio::test]
async fn arrival_window_lists_exactly_the_arrivals() {
    let sim = start().await;
    let (today, expected) = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        let ids: Vec<String> = h
            .reservations
            .iter()
            .filter(|r| h.business_date(r.scheduled_start) == today)
            .map(|r| OperaSim::resv_name_id(h, r.id).unwrap())
            .collect();
        (today, ids)
    });
    assert!(!expected.is_empty());
    let body = format!(
        r#"<FutureBookingSummaryRequest xmlns="{RES_WSDL}"><QueryDateRange dateType="ARRIVAL_DATE"><hc:StartDate xmlns:hc="{HC}">{today}</hc:StartDate><hc:EndDate xmlns:hc="{HC}">{today}</hc:EndDate></QueryDateRange></FutureBookingSummaryRequest>"#
    );
    let (status, xml) = post(
        &sim,
        "/Reservation.asmx",
        &action("Reservation", "FutureBookingSummary"),
        onprem(&sim, "tx-fbs", &body),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(
        xml.matches("<s0:HotelReservation ").count(),
        expected.len(),
        "{xml}"
    );
    for id in expected {
        assert!(xml.contains(&format!(">{id}<")), "{id} missing");
    }
}

#[tokio::test]
async fn bad_credentials_get_a_soap_fault_with_http_500() {
    let sim = start().await;
    let body = format!(
        r#"<FetchProfileRequest xmlns="{NAME_WSDL}"><NameID type="INTERNAL">20000000</NameID></FetchProfileRequest>"#
    );
    let wrong = onprem(&sim, "tx-auth", &body).replace(&password(&sim), "wrong-password");
    let (status, xml) = post(&sim, "/Name.asmx", &action("Name", "FetchProfile"), wrong).await;
    assert_eq!(status, 500);
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    assert!(xml.contains("AUTHENTICATION_FAILED"), "{xml}");
    // The same body with the right password answers the profile.
    let (status, xml) = post(
        &sim,
        "/Name.asmx",
        &action("Name", "FetchProfile"),
        onprem(&sim, "tx-ok", &body),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("firstName"), "{xml}");
}

#[tokio::test]
async fn cloud_path_needs_ws_security_with_a_current_timestamp() {
    let sim = start().await;
    let id = in_house(&sim);
    let body = format!(
        r#"<FetchBookingRequest xmlns="{RES_WSDL}"><ResvNameId>{id}</ResvNameId></FetchBookingRequest>"#
    );
    let path = "/OPERAOSB/OPERA_OWS/OWS_WS_51/Reservation";
    let fetch = action("Reservation", "FetchBooking");
    let (status, xml) = post(&sim, path, &fetch, cloud(&sim, Utc::now(), &body)).await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("wsse:Security") && xml.contains("wsu:Timestamp"),
        "{xml}"
    );
    assert!(xml.contains(r#"reservationStatus="INHOUSE""#), "{xml}");
    // Expired timestamp: a WS-Security fault.
    let stale = cloud(&sim, Utc::now() - Duration::hours(1), &body);
    let (status, xml) = post(&sim, path, &fetch, stale).await;
    assert_eq!(status, 500);
    assert!(xml.contains("wsse:MessageExpired"), "{xml}");
    // The on-premise envelope (no wsse:Security) on the Cloud path is refused.
    let (status, xml) = post(&sim, path, &fetch, onprem(&sim, "tx", &body)).await;
    assert_eq!(status, 500);
    assert!(xml.contains("wsse:InvalidSecurity"), "{xml}");
    // A wrong token password.
    let wrong = cloud(&sim, Utc::now(), &body).replace(&password(&sim), "nope");
    let (status, xml) = post(&sim, path, &fetch, wrong).await;
    assert_eq!(status, 500);
    assert!(xml.contains("wsse:FailedAuthentication"), "{xml}");
}

#[tokio::test]
async fn unusual_prefixes_and_default_namespaces_are_accepted() {
    let sim = start().await;
    let id = in_house(&sim);
    let envelope = format!(
        r#"<S:Envelope xmlns:S="{SOAP}"><S:Header><q:OGHeader xmlns:q="{CORE}" transactionID="odd"><q:Origin entityID="A" systemType="WEB"/><Destination xmlns="{CORE}" entityID="B" systemType="PMS"/><q:Authentication><UserCredentials xmlns="{CORE}"><UserName>{user}</UserName><UserPassword>{pw}</UserPassword><zz:Domain xmlns:zz="{CORE}">{hotel}</zz:Domain></UserCredentials></q:Authentication></q:OGHeader></S:Header><S:Body><s9:InvoiceRequest xmlns:s9="{RSA}"><s9:ReservationRequest><h:HotelReference xmlns:h="{HC}" hotelCode="{hotel}"/><s9:ReservationID><k:UniqueID xmlns:k="{COMMON}" type="EXTERNAL">{id}</k:UniqueID></s9:ReservationID></s9:ReservationRequest></s9:InvoiceRequest></S:Body></S:Envelope>"#,
        user = OperaSim::USER_NAME,
        pw = password(&sim),
        hotel = OperaSim::HOTEL_CODE,
    );
    let (status, xml) = post(&sim, "/ResvAdvanced.asmx", "", envelope).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    assert!(xml.contains("BillItems"), "{xml}");
    assert!(xml.contains(r#"transactionID="odd""#));
}

#[tokio::test]
async fn hostile_or_misrouted_requests_get_faults_and_wrong_hotels_fail() {
    let sim = start().await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol2;</soap:Body></soap:Envelope>"#;
    for body in [laughs, "not xml at all", "<a><b></a>", ""] {
        let (status, xml) = post(&sim, "/Reservation.asmx", "", body.to_owned()).await;
        assert_eq!(status, 500, "{body}");
        assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    }
    let id = in_house(&sim);
    let fetch = format!(
        r#"<FetchBookingRequest xmlns="{RES_WSDL}"><HotelReference hotelCode="OTHER"/><ResvNameId>{id}</ResvNameId></FetchBookingRequest>"#
    );
    let (status, xml) = post(
        &sim,
        "/Reservation.asmx",
        &action("Reservation", "FetchBooking"),
        onprem(&sim, "tx", &fetch),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xml.contains("PROPERTY_RESTRICTED"), "{xml}");
    // A SOAPAction naming another operation is not routed.
    let (status, xml) = post(
        &sim,
        "/Reservation.asmx",
        &action("Reservation", "CreateBooking"),
        onprem(&sim, "tx", &fetch),
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        xml.contains("did not recognize the value of HTTP Header SOAPAction"),
        "{xml}"
    );
    // A request element sent to the wrong service.
    let (status, _) = post(&sim, "/Name.asmx", "", onprem(&sim, "tx", &fetch)).await;
    assert_eq!(status, 500);
    // Oversized bodies are refused before parsing.
    let huge = onprem(&sim, "tx", &" ".repeat(2 * 1024 * 1024));
    let (status, _) = post(&sim, "/Reservation.asmx", "", huge).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn injected_faults_take_the_deployment_shape_and_ambiguous_writes_apply() {
    let sim = start().await;
    let id = in_house(&sim);
    sim.faults().update(|f| f.error_5xx = 1.0);
    let (status, xml) = fetch_booking(&sim, &id).await;
    assert_eq!(status, 500);
    assert!(
        xml.contains("soap:Server") && xml.contains("connection from the pool"),
        "{xml}"
    );
    let body = format!(
        r#"<FetchBookingRequest xmlns="{RES_WSDL}"><ResvNameId>{id}</ResvNameId></FetchBookingRequest>"#
    );
    let (status, page) = post(
        &sim,
        "/Reservation",
        &action("Reservation", "FetchBooking"),
        cloud(&sim, Utc::now(), &body),
    )
    .await;
    assert_eq!(status, 503);
    assert!(page.contains("Error 503--Service Unavailable"));
    sim.faults().clear();

    // A write whose answer is withheld is applied all the same.
    sim.faults().update(|f| {
        f.timeout_after_write = 1.0;
        f.ambiguous_hang = std::time::Duration::from_secs(5);
    });
    let posting = format!(
        r#"<PostChargeRequest xmlns="{RSA}" Account="2000"><Posting ShortInfo="Dinner" LongInfo="PMSREQ:lost" Charge="10.00">{}</Posting></PostChargeRequest>"#,
        reservation_request("ReservationRequestBase", &id)
    );
    let request = reqwest::Client::new()
        .post(format!("{}/ResvAdvanced.asmx", sim.base_url()))
        .header("SOAPAction", action("ResvAdvanced", "PostCharge"))
        .timeout(std::time::Duration::from_millis(300))
        .body(onprem(&sim, "tx-lost", &posting))
        .send()
        .await;
    assert!(
        request.is_err(),
        "the answer is withheld past the client's patience"
    );
    assert_eq!(
        sim.state()
            .with_hotel(|h| OperaSim::postings_with_long_info(h, "PMSREQ:lost")),
        1
    );
    let counters = sim.state().counters();
    assert_eq!((counters.injected_5xx, counters.ambiguous_timeouts), (2, 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_vendor_parses_and_displays_as_opera() {
    let vendor: pms_sim::Vendor = "OPERA".parse().unwrap();
    assert_eq!(vendor, pms_sim::Vendor::Opera);
    assert_eq!(vendor.to_string(), "opera");
    let sim = start().await;
    assert_eq!(sim.vendor(), pms_sim::Vendor::Opera);
    // Every request is journaled without its header (which holds the password).
    let _ = fetch_booking(&sim, &in_house(&sim)).await;
    let record = sim.state().requests().pop().unwrap();
    assert_eq!(record.body["operation"], "FetchBooking");
    assert_eq!(record.credential.as_deref(), Some(OperaSim::USER_NAME));
    assert!(!record.body.to_string().contains(&password(&sim)));
}

#[tokio::test]
async fn over_budget_requests_are_delayed_not_refused() {
    let window = std::time::Duration::from_millis(300);
    let mut options = SimOptions::with_hotel(HotelSpec::small(21));
    options.faults.rate_limit = Some(pms_sim::RateLimit { requests: 1, window });
    let sim = OperaSim::start(options).await.unwrap();
    let id = in_house(&sim);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let (status, xml) = fetch_booking(&sim, &id).await;
        assert_eq!(status, 200, "{xml}");
    }
    // A lower bound only (sleeps never end early), so this cannot flake:
    // the second and third requests each waited for the window to slide.
    assert!(started.elapsed() >= window * 2);
    let counters = sim.state().counters();
    assert_eq!((counters.requests, counters.total_429()), (3, 0));
}

async fn assign_room(sim: &SimHandle, resv_name_id: &str, room: &str) -> (u16, String) {
    // Prefixed, as JAXB/Axis2 clients write it (children qualified in the
    // Reservation WSDL namespace).
    let body = format!(
        r#"<r:AssignRoomRequest xmlns:r="{RES_WSDL}"><r:HotelReference hotelCode="{}"/><r:ResvNameId type="INTERNAL" source="RESVID">{resv_name_id}</r:ResvNameId><r:RoomNoRequested>{room}</r:RoomNoRequested></r:AssignRoomRequest>"#,
        OperaSim::HOTEL_CODE
    );
    post(
        sim,
        "/OWS_WS_51/Reservation.asmx",
        &action("Reservation", "AssignRoom"),
        onprem(sim, "tx-assign", &body),
    )
    .await
}

#[tokio::test]
async fn assign_room_moves_a_confirmed_stay_and_refuses_unknown_or_occupied_rooms() {
    let sim = start().await;
    let (id, old_room) = arrival(&sim, RoomState::Dirty);
    // A room with no in-house stay; the small hotel is nearly full, so the
    // not-yet-arrived stays holding it are unassigned first (test setup).
    let free = sim.state().with_hotel_mut(|h| {
        let uuid = OperaSim::reservation_id(h, &id).unwrap();
        let own = h.reservation(uuid).unwrap().room_id;
        let (room_id, number) = h
            .rooms
            .iter()
            .filter(|room| Some(room.id) != own)
            .find(|room| {
                !h.reservations
                    .iter()
                    .any(|r| r.room_id == Some(room.id) && r.state == ReservationState::Started)
            })
            .map(|room| (room.id, room.number.clone()))
            .unwrap();
        for r in h.reservations.iter_mut() {
            if r.id != uuid && r.room_id == Some(room_id) && r.state == ReservationState::Confirmed {
                r.room_id = None;
            }
        }
        number
    });
    let (status, xml) = assign_room(&sim, &id, &free).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains(r#"resultStatusFlag="SUCCESS""#), "{xml}");
    assert!(
        xml.contains(&format!("<s0:RoomNoAssigned>{free}</s0:RoomNoAssigned>")),
        "{xml}"
    );
    assert!(xml.contains(r#"transactionID="tx-assign""#), "{xml}");
    let (_, booking) = fetch_booking(&sim, &id).await;
    assert!(booking.contains(&format!("RoomNumber>{free}<")), "{booking}");
    assert!(!booking.contains(&format!("RoomNumber>{old_room}<")), "{booking}");

    // Again: the same room succeeds.
    let (_, again) = assign_room(&sim, &id, &free).await;
    assert!(again.contains(r#"resultStatusFlag="SUCCESS""#), "{again}");

    // Unknown room, room of an in-house stay, an in-house stay itself: FAILs.
    let (status, unknown) = assign_room(&sim, &id, "NOPE-999").await;
    assert_eq!(status, 200);
    assert!(unknown.contains(r#"resultStatusFlag="FAIL""#), "{unknown}");
    assert!(unknown.contains("INVALID_ROOM"), "{unknown}");
    // The room of an in-house stay still there when this one arrives.
    let occupied = sim.state().with_hotel(|h| {
        let arriving = h.reservation(OperaSim::reservation_id(h, &id).unwrap()).unwrap();
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Started && r.scheduled_end > arriving.scheduled_start)
            .find_map(|r| {
                r.room_id
                    .and_then(|id| h.room(id))
                    .map(|room| room.number.clone())
            })
            .unwrap()
    });
    let (_, taken) = assign_room(&sim, &id, &occupied).await;
    assert!(taken.contains("ROOM_OCCUPIED"), "{taken}");
    let (_, moved) = assign_room(&sim, &in_house(&sim), &free).await;
    assert!(moved.contains("ASSIGN_NOT_ALLOWED"), "{moved}");
    let (_, missing) = assign_room(&sim, "1", &free).await;
    assert!(missing.contains("RESERVATION_NOT_FOUND"), "{missing}");
    // Nothing of that changed the stay.
    let (_, booking) = fetch_booking(&sim, &id).await;
    assert!(booking.contains(&format!("RoomNumber>{free}<")), "{booking}");
}
