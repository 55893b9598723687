//! Every operation against a wiremock OWS: endpoint path per deployment,
//! SOAPAction, the envelope sent, the record read back; a catch-all mock
//! fails the test on any unexpected request.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use std::time::Duration;

use common::{client, fixture, fixture_str, options};
use pms_core::{
    ChangeQuery, ChargeKind, ChargeRequest, CheckInRequest, CheckOutRequest, Currency, DateRange,
    DecodeContext, Decoded, ErrorKind, HotelId, HousekeepingStatus, Money, OperaDeployment, PayloadDecoder,
    PayloadKind, PmsClient, RequestId, RoomAssignment, RoomNumber, RoomStatusUpdate, VendorId,
};
use pms_opera::{OperaClient, OperaDecoder, OperaOptions};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use wiremock::matchers::{any, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ONPREM_BASE: &str = "/ows_51";
const CLOUD_BASE: &str = "/OPERAOSB/OPERA_OWS/OWS_WS_51";

/// A server whose catch-all answers 599 and must never be hit (verified on drop).
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .named("catch-all: unexpected request")
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn action(service: &str, operation: &str) -> String {
    format!("http://webservices.micros.com/ows/5.1/{service}.wsdl#{operation}")
}

fn soap(fixture_name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml; charset=utf-8")
        .set_body_string(fixture_str(fixture_name))
}

/// The vendor ids of `reservations`, in order.
fn external_ids(reservations: &[pms_core::Reservation]) -> Vec<String> {
    reservations
        .iter()
        .map(|r| r.external.id.as_str().to_owned())
        .collect()
}

/// Mounts `Reservation.FutureBookingSummary` answering the fixture, for a body holding every needle.
async fn expect_future_booking_summary(server: &MockServer, needles: &[&str], times: u64) {
    expect_call(
        server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FutureBookingSummary",
        needles,
        soap("future_booking_summary.response.xml"),
        times,
    )
    .await;
}

/// Mounts `POST {endpoint}` with the SOAPAction and content type, expecting `times` calls.
async fn expect_call(
    server: &MockServer,
    endpoint: &str,
    service: &str,
    operation: &str,
    body_has: &[&str],
    response: ResponseTemplate,
    times: u64,
) {
    let mut mock = Mock::given(method("POST"))
        .and(path(endpoint.to_owned()))
        .and(header("SOAPAction", action(service, operation).as_str()))
        .and(header("content-type", "text/xml; charset=utf-8"));
    for needle in body_has {
        mock = mock.and(body_string_contains(*needle));
    }
    mock.respond_with(response)
        .named(format!("{service}.{operation}"))
        .expect(times)
        .mount(server)
        .await;
}

fn onprem(server: &MockServer) -> OperaClient {
    client(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
        options(),
    )
}

fn cloud(server: &MockServer) -> OperaClient {
    client(
        &format!("{}{CLOUD_BASE}/", server.uri()),
        OperaDeployment::Cloud,
        options(),
    )
}

fn decoded(kind: PayloadKind, fixture_name: &str) -> Decoded {
    let ctx = DecodeContext {
        hotel: HotelId::new("grand").unwrap(),
        time_zone: chrono_tz::Asia::Kolkata,
        currency: Currency::new("INR").unwrap(),
    };
    OperaDecoder::new()
        .decode(kind, &fixture(fixture_name), &ctx)
        .unwrap()
}

fn transaction_ids(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            body.split("transactionID=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap().to_owned())
        })
        .collect()
}

fn charge(id: u128) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::from_uuid(uuid::Uuid::from_u128(id)),
        reservation: VendorId::new("102135879").unwrap(),
        kind: ChargeKind::Spa,
        description: "Spa massage".into(),
        unit_amount: Money::new(dec!(600), Currency::new("INR").unwrap()),
        quantity: dec!(2),
        transaction_code: Some("2010".into()),
        outlet: None,
        consumed_at: "2026-03-01T14:00:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn fetch_booking_on_premise_uses_the_asmx_endpoint() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[
            r#"<ResvNameId type="INTERNAL" source="RESVID">102135879</ResvNameId>"#,
            "<UserPassword>",
        ],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
    let reservation = onprem(&server)
        .reservation(&VendorId::new("102135879").unwrap())
        .await
        .unwrap();
    assert_eq!(
        Decoded::Reservations(vec![reservation]),
        decoded(PayloadKind::Reservations, "fetch_booking.response.xml")
    );
}

#[tokio::test]
async fn fetch_booking_cloud_uses_the_gateway_endpoint_and_ws_security() {
    let server = server().await;
    expect_call(
        &server,
        "/OPERAOSB/OPERA_OWS/OWS_WS_51/Reservation",
        "Reservation",
        "FetchBooking",
        &[
            "<wsse:Security",
            "<wsse:Password>",
            "<UserName>KIOSK@IBLRWE</UserName>",
        ],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
    let reservation = cloud(&server).fetch_booking("102135879").await.unwrap();
    assert_eq!(reservation.room_number, Some(RoomNumber::new("1420").unwrap()));
}

/// `OperaOptions::security_ttl` is the caller's: one past chrono's range
/// makes the WS-Security timestamp unwritable, which is a validation error
/// before anything is sent, not a panic (the catch-all expects no request).
#[tokio::test]
async fn a_security_ttl_out_of_range_is_an_error_not_a_panic() {
    let server = server().await;
    let client = client(
        &format!("{}{CLOUD_BASE}/", server.uri()),
        OperaDeployment::Cloud,
        OperaOptions {
            security_ttl: chrono::Duration::MAX,
            ..options()
        },
    );
    let err = client.fetch_booking("102135879").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
}

#[tokio::test]
async fn arrivals_and_departures_use_future_booking_summary_windows() {
    let server = server().await;
    expect_future_booking_summary(&server, &[
            r#"<QueryDateRange dateType="ARRIVAL_DATE"><hc:StartDate>2026-03-10</hc:StartDate><hc:EndDate>2026-03-12</hc:EndDate></QueryDateRange>"#,
            r#"<AdditionalFilters xmlns:r="http://webservices.micros.com/og/4.3/Reservation/" GetList="true"><r:HotelReference hotelCode="BLRWE"/></AdditionalFilters>"#,
        ], 1).await;
    // No departure filter in OWS: arrivals from 30 nights before the range.
    expect_future_booking_summary(&server, &[r#"<QueryDateRange dateType="ARRIVAL_DATE"><hc:StartDate>2026-02-08</hc:StartDate><hc:EndDate>2026-03-12</hc:EndDate>"#], 1).await;
    let client = onprem(&server);
    let range = DateRange::new("2026-03-10".parse().unwrap(), "2026-03-12".parse().unwrap()).unwrap();
    let arrivals = client.arrivals(range).await.unwrap();
    assert_eq!(
        Decoded::Reservations(arrivals),
        decoded(PayloadKind::Reservations, "future_booking_summary.response.xml")
    );
    // 900001 departs 2026-03-13 (outside), 900002 departs 2026-03-12.
    let departures = client.departures(range).await.unwrap();
    let ids = external_ids(&departures);
    assert_eq!(ids, ["900002"]);
}

#[tokio::test]
async fn guest_uses_name_fetch_profile() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Name.asmx",
        "Name",
        "FetchProfile",
        &[r#"<NameID type="INTERNAL">4471190</NameID>"#],
        soap("fetch_profile.response.xml"),
        1,
    )
    .await;
    let guest = onprem(&server)
        .guest(&VendorId::new("4471190").unwrap())
        .await
        .unwrap();
    assert_eq!(
        Decoded::Guests(vec![guest]),
        decoded(PayloadKind::Guests, "fetch_profile.response.xml")
    );
}

#[tokio::test]
async fn room_statuses_read_and_write() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/HouseKeeping.asmx",
        "HouseKeeping",
        "FetchHouseKeepingRoomStatus",
        &[r#"<FetchHouseKeepingRoomStatusRequest xmlns="http://webservices.micros.com/ows/5.1/HouseKeeping.wsdl">"#],
        soap("fetch_housekeeping_room_status.response.xml"),
        2,
    )
    .await;
    let update_id = RequestId::from_uuid(uuid::Uuid::from_u128(7));
    expect_call(
        &server,
        "/ows_51/GuestServices.asmx",
        "GuestServices",
        "UpdateRoomStatus",
        &[
            "<RoomNumber>101</RoomNumber><RoomStatus>Inspected</RoomStatus>",
            &format!(r#"transactionID="{}""#, update_id.simple()),
        ],
        soap("update_room_status.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    assert_eq!(
        Decoded::RoomStatuses(client.room_statuses().await.unwrap()),
        decoded(
            PayloadKind::RoomStatuses,
            "fetch_housekeeping_room_status.response.xml"
        )
    );
    assert_eq!(
        Decoded::Rooms(client.rooms().await.unwrap()),
        decoded(PayloadKind::Rooms, "fetch_housekeeping_room_status.response.xml")
    );
    let update = |status| RoomStatusUpdate {
        request_id: update_id,
        room: VendorId::new("101").unwrap(),
        status,
    };
    client
        .set_room_status(&update(HousekeepingStatus::Inspected))
        .await
        .unwrap();
    // Out of order cannot be set through UpdateRoomStatus: refused before any request.
    let err = client
        .set_room_status(&update(HousekeepingStatus::OutOfOrder))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn check_in_and_check_out_use_resv_advanced() {
    let server = server().await;
    let id = RequestId::from_uuid(uuid::Uuid::from_u128(42));
    let reservation_request = r#"<ReservationRequest><HotelReference hotelCode="BLRWE"/><ReservationID><c:UniqueID type="EXTERNAL" source="RESV_NAME_ID">102135879</c:UniqueID></ReservationID></ReservationRequest>"#;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckIn",
        &[reservation_request, &id.simple()],
        soap("check_in.response.xml"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckOut",
        &[reservation_request],
        soap("check_out.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    let reservation = VendorId::new("102135879").unwrap();
    client
        .check_in(&CheckInRequest {
            request_id: id,
            reservation: reservation.clone(),
            room: None,
        })
        .await
        .unwrap();
    client
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation,
            allow_open_balance: false,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn check_in_fail_is_a_conflict_with_the_transaction_id() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckIn",
        &[],
        soap("check_in.fail.response.xml"),
        1,
    )
    .await;
    let id = RequestId::new_random();
    let err = onprem(&server)
        .check_in(&CheckInRequest {
            request_id: id,
            reservation: VendorId::new("102135879").unwrap(),
            room: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.vendor_request_id(), Some(id.simple().as_str()));
    assert!(
        !err.to_string().contains("already checked in"),
        "vendor text leaked: {err}"
    );
}

#[tokio::test]
async fn post_charge_then_find_charge_reads_the_reference_back_from_the_invoice() {
    let server = server().await;
    let read_back = OperaOptions {
        charge_read_back: true,
        ..options()
    };
    let charge = charge(0x0d5e6c1a_2b3c_4d5e_8f9a_0b1c2d3e4f50);
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "PostCharge",
        &[
            r#"Account="2010""#,
            r#"LongInfo="PMSREQ:0d5e6c1a2b3c4d5e8f9a0b1c2d3e4f50""#,
            r#"Charge="1200.00""#,
        ],
        soap("post_charge.response.xml"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "Invoice",
        &["<InvoiceRequest", "102135879"],
        soap("invoice.response.xml"),
        2,
    )
    .await;
    let client = client(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
        read_back,
    );
    assert!(
        client
            .capabilities()
            .supports(pms_core::Capability::ChargeReadBack)
    );
    let posted = client.post_charge(&charge).await.unwrap();
    assert_eq!(posted.request_id, charge.request_id);
    assert_eq!(
        posted.external.id.as_str(),
        "PMSREQ:0d5e6c1a2b3c4d5e8f9a0b1c2d3e4f50"
    );
    let found = client
        .find_charge(&charge.reservation, charge.request_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.external.id.as_str(), "102135879/1/2");
    assert_eq!(
        found.total,
        Money::new(dec!(1200.00), Currency::new("INR").unwrap())
    );
    assert_eq!(
        client
            .find_charge(&charge.reservation, RequestId::new_random())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn folio_reads_the_invoice() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "Invoice",
        &[],
        soap("invoice.response.xml"),
        1,
    )
    .await;
    let folio = onprem(&server)
        .folio(&VendorId::new("102135879").unwrap())
        .await
        .unwrap();
    assert_eq!(
        Decoded::Folio(vec![folio]),
        decoded(PayloadKind::Folio, "invoice.response.xml")
    );
}

#[tokio::test]
async fn post_charge_fail_and_currency_checks() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "PostCharge",
        &[],
        soap("post_charge.fail.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    let err = client.post_charge(&charge(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "PROPERTY_RESTRICTED");
    assert!(err.to_string().contains("PROPERTY_RESTRICTED"));
    // Refused before sending: another currency, or more decimals than INR allows.
    let mut eur = charge(2);
    eur.unit_amount = Money::new(dec!(10), Currency::EUR);
    assert_eq!(
        client.post_charge(&eur).await.unwrap_err().kind(),
        ErrorKind::Validation
    );
    let mut fractional = charge(3);
    fractional.unit_amount = Money::new(dec!(10.005), Currency::new("INR").unwrap());
    fractional.quantity = dec!(1);
    assert_eq!(
        client.post_charge(&fractional).await.unwrap_err().kind(),
        ErrorKind::Validation
    );
}

/// `FetchBooking` answers `first` once, then the booking.
async fn fetch_booking_after(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/ows_51/Reservation.asmx"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(server)
        .await;
    expect_call(
        server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
}

#[tokio::test]
async fn a_read_retry_reuses_the_transaction_id() {
    let server = server().await;
    fetch_booking_after(
        &server,
        ResponseTemplate::new(503).set_body_string(fixture_str("weblogic_503.html")),
    )
    .await;
    onprem(&server).fetch_booking("102135879").await.unwrap();
    let ids = transaction_ids(&server.received_requests().await.unwrap());
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn a_write_retried_by_the_sync_layer_carries_the_same_transaction_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/ows_51/ResvAdvanced.asmx"))
        .respond_with(ResponseTemplate::new(503).set_body_string(fixture_str("weblogic_503.html")))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "PostCharge",
        &[],
        soap("post_charge.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    let charge = charge(9);
    // A 503 page means the write was not processed: transient, not retried here.
    let err = client.post_charge(&charge).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    client.post_charge(&charge).await.unwrap();
    let ids = transaction_ids(&server.received_requests().await.unwrap());
    assert_eq!(ids, vec![charge.request_id.simple(), charge.request_id.simple()]);
}

#[tokio::test]
async fn a_timeout_after_sending_post_charge_is_outcome_unknown() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "PostCharge",
        &[],
        soap("post_charge.response.xml").set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
    let client = client(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
        OperaOptions {
            timeout: Duration::from_millis(300),
            ..options()
        },
    );
    let charge = charge(10);
    let err = client.post_charge(&charge).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(err.vendor_request_id(), Some(charge.request_id.simple().as_str()));
}

#[tokio::test]
async fn a_502_on_a_write_is_outcome_unknown_and_on_a_read_is_retried() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckOut",
        &[],
        ResponseTemplate::new(502),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        ResponseTemplate::new(502),
        3,
    )
    .await;
    let client = onprem(&server);
    let err = client
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation: VendorId::new("1").unwrap(),
            allow_open_balance: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    let err = client
        .reservation(&VendorId::new("1").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn faults_with_http_500_rate_limits_and_not_found_are_classified() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Name.asmx",
        "Name",
        "FetchProfile",
        &[],
        ResponseTemplate::new(500).set_body_string(fixture_str("soap_fault.response.xml")),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/HouseKeeping.asmx",
        "HouseKeeping",
        "FetchHouseKeepingRoomStatus",
        &[],
        ResponseTemplate::new(429).insert_header("Retry-After", "7"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.fail.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    let fault = client.guest(&VendorId::new("1").unwrap()).await.unwrap_err();
    assert_eq!(fault.kind(), ErrorKind::Auth, "timestamp fault");
    assert!(
        !fault.to_string().contains("has expired"),
        "fault text leaked: {fault}"
    );
    let limited = client.room_statuses().await.unwrap_err();
    assert_eq!(limited.kind(), ErrorKind::RateLimited);
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
    let missing = client
        .reservation(&VendorId::new("1").unwrap())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn billion_laughs_from_the_server_is_a_decode_error() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        ResponseTemplate::new(200).set_body_string(fixture_str("billion_laughs.xml")),
        1,
    )
    .await;
    let err = onprem(&server).fetch_booking("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn reservations_modified_sweeps_windows_and_filters_by_update_date() {
    let server = server().await;
    expect_future_booking_summary(
        &server,
        &[r#"<hc:StartDate>2026-03-10</hc:StartDate><hc:EndDate>2026-03-16</hc:EndDate>"#],
        1,
    )
    .await;
    let client = onprem(&server);
    // Records updated 2026-03-01T04:30Z (kept) and 2026-02-20T08:00Z (outside).
    let query = ChangeQuery {
        since: "2026-02-28T00:00:00Z".parse().unwrap(),
        until: "2026-03-01T10:00:00Z".parse().unwrap(),
        page: Some(pms_core::PageToken::new("2026-03-10")),
        page_size: 100,
    };
    let page = client.reservations_modified(&query).await.unwrap();
    let ids = external_ids(&page.items);
    assert_eq!(ids, ["900001"]);
    assert_eq!(page.next.unwrap().as_str(), "2026-03-17");
}

#[tokio::test]
async fn poll_changes_walks_the_sweep_and_moves_the_checkpoint_only_at_its_end() {
    let server = server().await;
    expect_future_booking_summary(&server, &[r#"dateType="ARRIVAL_DATE""#], 3).await;
    // After the arrivals, the sweep asks for bookings created in the change
    // window, in a call (and a checkpoint) of its own.
    expect_future_booking_summary(&server, &[r#"<QueryDateRange dateType="BOOKED_DATE"><hc:StartDate>2026-02-28</hc:StartDate><hc:EndDate>2026-03-01</hc:EndDate>"#], 1).await;
    let client = client(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
        OperaOptions {
            poll: pms_opera::PollConfig {
                lookback_days: 2,
                lookahead_days: 10,
                window_days: 5,
                ..pms_opera::PollConfig::default()
            },
            ..options()
        },
    );
    // now = 2026-03-01T10:00Z (15:30 in Kolkata): sweep 2026-02-27 ..= 2026-03-11.
    let first = client.poll_changes(None).await.unwrap();
    assert!(!first.sweep_done);
    // First change window: the last day. Only 900001 (updated 2026-03-01T04:30Z) is in it.
    let ids = |batch: &pms_opera::PollBatch| external_ids(&batch.reservations);
    assert_eq!(ids(&first), ["900001"]);
    let sweep = first.checkpoint.sweep.clone().unwrap();
    assert_eq!(sweep.next_window.to_string(), "2026-03-04");
    assert!(!sweep.booked);
    assert_eq!(
        first.checkpoint.modified_since.to_rfc3339(),
        "2026-02-28T10:00:00+00:00"
    );
    // The checkpoint survives a round trip through the store.
    let stored: pms_opera::PollCheckpoint =
        serde_json::from_str(&serde_json::to_string(&first.checkpoint).unwrap()).unwrap();
    let second = client.poll_changes(Some(&stored)).await.unwrap();
    assert!(!second.sweep_done);
    let third = client.poll_changes(Some(&second.checkpoint)).await.unwrap();
    // The last arrival window is not the end: the booking dates come next,
    // from the change window's first property-local date.
    assert!(!third.sweep_done);
    let sweep = third.checkpoint.sweep.clone().unwrap();
    assert!(sweep.booked);
    assert_eq!(sweep.next_window.to_string(), "2026-02-28");
    assert_eq!(
        third.checkpoint.modified_since.to_rfc3339(),
        "2026-02-28T10:00:00+00:00"
    );
    let fourth = client.poll_changes(Some(&third.checkpoint)).await.unwrap();
    assert!(fourth.sweep_done);
    assert_eq!(ids(&fourth), ["900001"]);
    assert_eq!(fourth.checkpoint.sweep, None);
    // Next change window starts 10 minutes before the sweep's end.
    assert_eq!(
        fourth.checkpoint.modified_since.to_rfc3339(),
        "2026-03-01T09:50:00+00:00"
    );
    let bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(bodies.len(), 4, "one request per poll");
    assert!(bodies[0].contains("<hc:StartDate>2026-02-27</hc:StartDate><hc:EndDate>2026-03-03</hc:EndDate>"));
    assert!(bodies[2].contains("<hc:StartDate>2026-03-09</hc:StartDate><hc:EndDate>2026-03-11</hc:EndDate>"));
    assert!(bodies[3].contains(r#"dateType="BOOKED_DATE""#));
}

#[tokio::test]
async fn reservations_modified_reads_booking_dates_in_bounded_pages_after_the_arrivals() {
    let server = server().await;
    // Change window 2026-02-10T00:00Z .. 2026-03-01T10:00Z = Kolkata dates
    // 2026-02-10 ..= 2026-03-01, seven days per call: three booked-date pages.
    for (first, last) in [
        ("2026-02-10", "2026-02-16"),
        ("2026-02-17", "2026-02-23"),
        ("2026-02-24", "2026-03-01"),
    ] {
        expect_future_booking_summary(&server, &[&format!(
                r#"<QueryDateRange dateType="BOOKED_DATE"><hc:StartDate>{first}</hc:StartDate><hc:EndDate>{last}</hc:EndDate>"#
            )], 1).await;
    }
    expect_future_booking_summary(&server, &[r#"dateType="ARRIVAL_DATE""#], 1).await;
    let client = onprem(&server);
    let mut query = ChangeQuery {
        since: "2026-02-10T00:00:00Z".parse().unwrap(),
        until: "2026-03-01T10:00:00Z".parse().unwrap(),
        page: None,
        page_size: 100,
    };
    // The default sweep's last arrival window: today (2026-03-01) + 365 days.
    query.page = Some(pms_core::PageToken::new("2027-03-01"));
    let mut tokens = Vec::new();
    loop {
        let page = client.reservations_modified(&query).await.unwrap();
        let ids = external_ids(&page.items);
        // Updated 2026-03-01T04:30Z: in the window; 2026-02-20T08:00Z: too.
        assert_eq!(ids, ["900001", "900002"], "{tokens:?}");
        let Some(next) = page.next else { break };
        tokens.push(next.as_str().to_owned());
        query.page = Some(next);
    }
    assert_eq!(
        tokens,
        ["booked:2026-02-10", "booked:2026-02-17", "booked:2026-02-24"]
    );
}

#[tokio::test]
async fn check_in_with_a_room_checks_the_assignment_first() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.response.xml"),
        2,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckIn",
        &[],
        soap("check_in.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    let request = |room: &str| CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: VendorId::new("102135879").unwrap(),
        room: Some(RoomNumber::new(room).unwrap()),
    };
    // The booking already holds 1420: checked in.
    client.check_in(&request("1420")).await.unwrap();
    // check_in never assigns: another room is refused and nothing is written
    // (the flow calls assign_room first).
    let err = client.check_in(&request("999")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

fn assignment(id: u128, room: &str) -> RoomAssignment {
    RoomAssignment {
        request_id: RequestId::from_uuid(uuid::Uuid::from_u128(id)),
        reservation: VendorId::new("102135879").unwrap(),
        room: RoomNumber::new(room).unwrap(),
    }
}

#[tokio::test]
async fn assign_room_reads_the_booking_then_sends_assign_room() {
    let server = server().await;
    // The booking holds 1420 (fetch_booking.response.xml).
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[r#"<ResvNameId type="INTERNAL" source="RESVID">102135879</ResvNameId>"#],
        soap("fetch_booking.response.xml"),
        2,
    )
    .await;
    let request = assignment(0x5a, "1502");
    let tx = request.request_id.simple();
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "AssignRoom",
        &[
            concat!(
                r#"<AssignRoomRequest xmlns="http://webservices.micros.com/ows/5.1/Reservation.wsdl">"#,
                r#"<HotelReference hotelCode="BLRWE"/>"#,
                r#"<ResvNameId type="INTERNAL" source="RESVID">102135879</ResvNameId>"#,
                r#"<RoomNoRequested>1502</RoomNoRequested></AssignRoomRequest>"#
            ),
            &format!(r#"transactionID="{tx}""#),
        ],
        soap("assign_room.response.xml"),
        1,
    )
    .await;
    let client = onprem(&server);
    assert!(client.capabilities().supports(pms_core::Capability::AssignRoom));
    // The room the booking already has: confirmed by the read alone, no write.
    client.assign_room(&assignment(0x5b, " 1420 ")).await.unwrap();
    // Another room: FetchBooking, then AssignRoom with our request id as transactionID.
    client.assign_room(&request).await.unwrap();
    // The raw call reads RoomNoAssigned.
    let server2 = answering("assign_room.response.xml").await;
    let raw = onprem(&server2)
        .assign_room_number(request.request_id, "102135879", "1502")
        .await
        .unwrap();
    assert_eq!(raw.as_deref(), Some("1502"));
}

/// A server answering every POST with `fixture`.
async fn answering(fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(soap(fixture_name))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn assign_room_fail_is_classified_and_nothing_else_is_sent() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "AssignRoom",
        &["<RoomNoRequested>1502</RoomNoRequested>"],
        soap("assign_room.fail.response.xml"),
        1,
    )
    .await;
    let request = assignment(0x5c, "1502");
    let err = onprem(&server).assign_room(&request).await.unwrap_err();
    // GDSError errorCode="-220" (keypr: no room available) with unclassified text.
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let message = err.to_string();
    assert!(message.contains("AssignRoom"), "{message}");
    assert!(message.contains("-220"), "{message}");
    assert_eq!(
        err.vendor_request_id(),
        Some(request.request_id.simple().as_str())
    );
    // The vendor text stays out of the message.
    assert!(!message.contains("cannot be assigned"), "{message}");
}

#[tokio::test]
async fn assign_room_to_a_different_room_than_asked_is_a_decode_error() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "AssignRoom",
        &["<RoomNoRequested>1601</RoomNoRequested>"],
        soap("assign_room.response.xml"),
        1,
    )
    .await;
    let err = onprem(&server)
        .assign_room(&assignment(0x5d, "1601"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    // The element is named; the room OPERA chose is a vendor value, kept out.
    assert!(err.to_string().contains("RoomNoAssigned"), "{err}");
    assert!(!err.to_string().contains("1502"), "{err}");
}

#[tokio::test]
async fn health_probes_with_a_one_day_summary() {
    let server = server().await;
    expect_future_booking_summary(
        &server,
        &["<hc:StartDate>2026-03-01</hc:StartDate><hc:EndDate>2026-03-01</hc:EndDate>"],
        1,
    )
    .await;
    let report = onprem(&server).health().await;
    assert!(report.healthy, "{report:?}");
    assert_eq!(report.error, None);
    // Read-back is opt-in (no BillItem field is documented to echo LongInfo).
    let default = onprem(&server);
    assert!(
        !default
            .capabilities()
            .supports(pms_core::Capability::ChargeReadBack)
    );
    let err = default
        .find_charge(&VendorId::new("1").unwrap(), RequestId::new_random())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused() {
    let server = server().await;
    expect_call(
        &server,
        "/ows_51/Reservation.asmx",
        "Reservation",
        "FetchBooking",
        &[],
        soap("fetch_booking.response.xml"),
        1,
    )
    .await;
    expect_call(
        &server,
        "/ows_51/ResvAdvanced.asmx",
        "ResvAdvanced",
        "CheckOut",
        &[],
        ResponseTemplate::new(200).set_body_string("x".repeat(4096)),
        1,
    )
    .await;
    let client = client(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
        OperaOptions {
            limits: pms_opera::Limits {
                max_bytes: 1024,
                ..pms_opera::Limits::default()
            },
            ..options()
        },
    );
    // A read: a decode error, not retried.
    let err = client.fetch_booking("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    // A write answered 200 with a body we cannot take: it may have been applied.
    let err = client
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation: VendorId::new("1").unwrap(),
            allow_open_balance: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn a_transient_fail_is_resent_by_the_transport_in_virtual_time() {
    let server = server().await;
    // A FAIL whose text says the server is busy: transient, sent again.
    let busy = r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<FetchBookingResponse xmlns="http://webservices.micros.com/ows/5.1/Reservation.wsdl" xmlns:c="http://webservices.micros.com/og/4.3/Common/">
<Result resultStatusFlag="FAIL"><c:Text><c:TextElement>Service unavailable, try again</c:TextElement></c:Text></Result>
</FetchBookingResponse></soap:Body></soap:Envelope>"#;
    fetch_booking_after(
        &server,
        ResponseTemplate::new(200).set_body_raw(busy, "text/xml; charset=utf-8"),
    )
    .await;
    let clock = std::sync::Arc::new(pms_core::ManualClock::new(common::now()));
    let sleeper = pms_core::VirtualSleeper::new(clock.clone());
    let client = OperaClient::builder(&common::hotel(
        &format!("{}{ONPREM_BASE}", server.uri()),
        OperaDeployment::OnPremise,
    ))
    .unwrap()
    .clock(clock)
    .sleeper(std::sync::Arc::new(sleeper.clone()))
    .build()
    .unwrap();
    client.fetch_booking("102135879").await.unwrap();
    let slept = sleeper.slept();
    assert_eq!(slept.len(), 1, "{slept:?}");
    // DEFAULT_READ_RETRY: the first resend waits at most 500 ms.
    assert!(slept[0] <= Duration::from_millis(500), "{slept:?}");
    let ids = transaction_ids(&server.received_requests().await.unwrap());
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
}
