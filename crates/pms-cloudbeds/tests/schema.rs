//! Contract tests against the Cloudbeds API v1.3 OpenAPI document
//! (`cloudbeds/pms-v1.3-openapi.yaml` in the folder `PMS_VENDOR_SPECS`
//! names; unset: skipped, set and missing: failed).
//!
//! The client is driven through every call the connector makes, against the
//! simulator behind a recording proxy: every query string and form body
//! must validate against the method's parameters (undeclared parameters are
//! violations), and every answer against the response schema. The methods
//! the simulator serves that the client never calls are driven directly.
//! `getTransactions` left the public v1.3 document in 2025; its exchanges
//! are counted but cannot be checked (the Accounting API replaces it).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use pms_cloudbeds::{AdjustmentRequest, AdjustmentType, CloudbedsClient, PaymentRequest};
use pms_contract::{Contract, Erratum, Exchange, Formats, Known, Recorder, Report, Spec, VendorSpecs};
use pms_core::*;
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, ReservationState, RoomState, SimHandle, SimOptions};

/// Answer fields the simulator sends that the schema does not declare, as
/// `(operation, field)`, each with its reason beside it. Empty: the
/// simulator sends none (the ones it did were removed, see CHANGELOG).
const ALLOWED_EXTRA: &[(&str, &str)] = &[];

/// Where the document contradicts itself. `getHousekeepingStatus` lists
/// `roomCondition` as `dirty|clean`, while `postHousekeepingStatus` in the
/// same document takes `inspected` ("available only if the property has the
/// feature enabled") and the `housekeeping/room_condition_changed` webhook
/// reports it; a property with inspections reads its inspected rooms back
/// as `inspected` (the SDK maps the value to `unknown_default_open_api`
/// rather than failing).
const ERRATA: &[Erratum<'static>] = &[Erratum {
    operation: "GET /getHousekeepingStatus",
    rule: "/components/schemas/GetHousekeepingStatusResponse/properties/data/items/properties/roomCondition/enum",
    message: "\"inspected\"",
    why: "postHousekeepingStatus in the same document sets inspected",
}];

const KNOWN: Known<'static> = Known {
    extra_fields: ALLOWED_EXTRA,
    errata: ERRATA,
};

/// Every v1.3 method the connector calls (ids are `METHOD /path`: the
/// document names no `operationId`s).
const CLIENT_OPERATIONS: &[&str] = &[
    "cloudbeds:GET /getHotelDetails",
    "cloudbeds:GET /getReservations",
    "cloudbeds:GET /getReservationsWithRateDetails",
    "cloudbeds:GET /getReservation",
    "cloudbeds:GET /getGuest",
    "cloudbeds:GET /getRooms",
    "cloudbeds:GET /getHousekeepingStatus",
    "cloudbeds:POST /postHousekeepingStatus",
    "cloudbeds:PUT /putReservation",
    "cloudbeds:POST /postRoomAssign",
    "cloudbeds:POST /postCustomItem",
    "cloudbeds:POST /postVoidItem",
    "cloudbeds:POST /postAdjustment",
    "cloudbeds:DELETE /deleteAdjustment",
    "cloudbeds:POST /postPayment",
    "cloudbeds:POST /postVoidPayment",
    "cloudbeds:POST /postWebhook",
    "cloudbeds:GET /getWebhooks",
    "cloudbeds:DELETE /deleteWebhook",
    "cloudbeds:GET /oauth/metadata",
    "cloudbeds:POST /access_token",
];

/// The methods the simulator serves beyond those.
const SIMULATOR_ONLY: &[&str] = &["cloudbeds:GET /getGuestList"];

/// The Cloudbeds tech-specs page gives "DateTime: YYYY-MM-DD HH:MM:SS (e.g.
/// 2015-12-31 23:59:59)" (developers.cloudbeds.com/docs/tech-specs) while
/// the document types the same fields `format: date-time` (RFC 3339): both
/// forms are the vendor's, so both pass.
fn is_cloudbeds_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
}

/// The same page's "Time: HH:MM:SS (e.g. 23:59:59)", beside RFC 3339's
/// `full-time` that `format: time` means.
fn is_cloudbeds_time(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M:%S").is_ok_and(|_| s.len() == 8)
        || chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T{s}")).is_ok()
}

fn contract(specs: &VendorSpecs) -> Contract {
    let path = specs.file("cloudbeds/pms-v1.3-openapi.yaml").unwrap();
    let formats = Formats::default()
        .with("date-time", is_cloudbeds_date_time)
        .with("time", is_cloudbeds_time);
    Contract::new(vec![Spec::load("cloudbeds", &path, formats).unwrap()])
}

fn hotel_config(sim: &SimHandle, base_url: String, auth: &[(&str, String)]) -> HotelConfig {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), "harbor".into()),
        ("PMS_HOTEL_HARBOR_PMS".into(), "cloudbeds".into()),
        ("PMS_HOTEL_HARBOR_BASE_URL".into(), base_url),
        ("PMS_HOTEL_HARBOR_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_HARBOR_CURRENCY".into(), "EUR".into()),
        (
            "PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID".into(),
            sim.state().with_hotel(CloudbedsIds::property_id),
        ),
    ]);
    for (k, v) in auth {
        vars.insert(format!("PMS_HOTEL_HARBOR_CLOUDBEDS_{k}"), v.clone());
    }
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    config.hotels[0].clone()
}

fn vendor(id: impl Into<String>) -> VendorId {
    VendorId::new(id.into()).unwrap()
}

fn money(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap()
}

/// Drives the client through every call it makes.
async fn client_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let base = proxy.rebase(&CloudbedsSim::api_url(sim));
    let config = hotel_config(sim, base.clone(), &[("API_KEY", sim.access_token().to_owned())]);
    let cb = CloudbedsClient::builder(&config)
        .unwrap()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tz = pms_sim::TIME_ZONE;
    let today = Utc::now().with_timezone(&tz).date_naive();

    assert!(cb.health().await.healthy, "getHotelDetails");
    let page = cb
        .reservations_modified(&ChangeQuery {
            since: Utc::now() - chrono::Duration::days(30),
            until: Utc::now() + chrono::Duration::days(1),
            page: None,
            page_size: 50,
        })
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    let range = DateRange::new(today, today + chrono::Duration::days(1)).unwrap();
    cb.arrivals(range).await.unwrap();
    cb.departures(range).await.unwrap();
    cb.rooms().await.unwrap();
    let statuses = cb.room_statuses().await.unwrap();

    let (in_house, guest, arriving, leaving) = sim.state().with_hotel(|h| {
        let in_house = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        let arriving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id.and_then(|id| h.room(id)).map(|x| x.state) == Some(RoomState::Inspected)
            })
            .unwrap();
        let leaving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Started
                    && r.id != in_house.id
                    && h.business_date(r.scheduled_end) == today
            })
            .unwrap();
        (
            CloudbedsIds::reservation_id(in_house),
            CloudbedsIds::guest_id(h.guest(in_house.guest_id).unwrap()),
            CloudbedsIds::reservation_id(arriving),
            CloudbedsIds::reservation_id(leaving),
        )
    });
    cb.reservation(&vendor(&in_house)).await.unwrap();
    cb.guest(&vendor(guest)).await.unwrap();
    // getTransactions (folio and read-back): not in the v1.3 document.
    cb.folio(&vendor(&in_house)).await.unwrap();

    let charge = ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&in_house),
        kind: ChargeKind::Minibar,
        description: "Sparkling water".into(),
        unit_amount: money("6.50"),
        quantity: 2.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    };
    let posted = cb.post_charge(&charge).await.unwrap();
    assert!(
        cb.find_charge(&charge.reservation, charge.request_id)
            .await
            .unwrap()
            .is_some()
    );
    cb.void_charge(&VoidChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&in_house),
        charge: posted.external.id.clone(),
        reason: "contract test".into(),
    })
    .await
    .unwrap();
    let adjustment = cb
        .post_adjustment(&AdjustmentRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&in_house),
            kind: AdjustmentType::Rate,
            amount: money("-5.00"),
            item_id: None,
        })
        .await
        .unwrap();
    cb.delete_adjustment(&vendor(&in_house), &adjustment)
        .await
        .unwrap();
    let payment = cb
        .post_payment(&PaymentRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&in_house),
            method: "cash".into(),
            card_type: None,
            amount: money("10.00"),
            is_deposit: false,
        })
        .await
        .unwrap();
    cb.void_payment(&vendor(&in_house), &payment.payment_id)
        .await
        .unwrap();

    let room = statuses.first().unwrap();
    cb.set_room_status(&RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: room.room.id.clone(),
        status: HousekeepingStatus::Dirty,
    })
    .await
    .unwrap();
    cb.check_in(&CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&arriving),
        room: None,
    })
    .await
    .unwrap();
    cb.check_out(&CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&leaving),
        allow_open_balance: true,
    })
    .await
    .unwrap();

    // A room move: a confirmed stay to a room nobody holds then.
    let (confirmed, free_room) = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some())
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    room.category_id == r.category_id
                        && Some(room.id) != r.room_id
                        && !h.reservations.iter().any(|o| {
                            o.room_id == Some(room.id)
                                && !matches!(
                                    o.state,
                                    ReservationState::Canceled | ReservationState::Processed
                                )
                                && o.scheduled_start < r.scheduled_end
                                && o.scheduled_end > r.scheduled_start
                        })
                })?;
                Some((CloudbedsIds::reservation_id(r), free.number.clone()))
            })
            .unwrap()
    });
    cb.assign_room(&RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: vendor(confirmed),
        room: RoomNumber::new(free_room).unwrap(),
    })
    .await
    .unwrap();

    let hook = url::Url::parse("https://hooks.example.com/cloudbeds/harbor").unwrap();
    let secret = secrecy::SecretString::from("contract-test-webhook-secret");
    let subscription = cb
        .subscribe_webhook("reservation", "status_changed", &hook, &secret)
        .await
        .unwrap();
    assert!(!cb.list_webhooks().await.unwrap().is_empty());
    cb.delete_webhook(&subscription).await.unwrap();
    cb.api_url_from_metadata().await.unwrap();

    // An error answer: `success: false` for an unknown reservation.
    let missing = cb.reservation(&vendor("no-such-reservation")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    // OAuth: the refresh grant at /access_token, then a call with the token.
    let config = hotel_config(
        sim,
        base,
        &[
            ("CLIENT_ID", CloudbedsSim::CLIENT_ID.to_owned()),
            ("CLIENT_SECRET", sim.client_token().to_owned()),
            ("REFRESH_TOKEN", CloudbedsSim::REFRESH_TOKEN.to_owned()),
        ],
    );
    let oauth = CloudbedsClient::from_hotel(&config).unwrap();
    oauth.reservation(&vendor(&in_house)).await.unwrap();
    proxy.take()
}

/// The methods only the simulator serves, called directly.
async fn simulator_only_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = proxy.rebase(&CloudbedsSim::api_url(sim));
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let answer = http
        .get(format!(
            "{}getGuestList",
            base.trim_end_matches('/').to_owned() + "/"
        ))
        .header("x-api-key", sim.access_token())
        .query(&[
            ("propertyIDs", property.as_str()),
            ("pageNumber", "1"),
            ("pageSize", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    proxy.take()
}

/// `getTransactions` exchanges: not in the v1.3 document, so not checked.
fn without_get_transactions(mut exchanges: Vec<Exchange>) -> (Vec<Exchange>, usize) {
    let before = exchanges.len();
    exchanges.retain(|e| !e.request.path.ends_with("/getTransactions"));
    let dropped = before - exchanges.len();
    (exchanges, dropped)
}

#[tokio::test]
async fn client_requests_and_simulator_answers_follow_the_cloudbeds_schema() {
    let Some(specs) = VendorSpecs::from_env_or_skip("cloudbeds schema") else {
        return;
    };
    let contract = contract(&specs);
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(82)))
        .await
        .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();

    let (client, unchecked) = without_get_transactions(client_traffic(&sim, &proxy).await);
    assert!(unchecked > 0, "the folio and read-back use getTransactions");
    let mut report = Report::default();
    report.merge(contract.report(&client, &KNOWN));
    report.assert_covers(CLIENT_OPERATIONS);
    report.merge(contract.report(&simulator_only_traffic(&sim, &proxy).await, &KNOWN));
    report.assert_covers(SIMULATOR_ONLY);
    println!(
        "{} exchanges over {} methods ({unchecked} getTransactions not checked); allowed extra fields seen: {:?}",
        report.exchanges,
        report.covered.len(),
        report.allowed_seen
    );
    report.assert_clean();
    proxy.shutdown().await;
    sim.shutdown().await;
}
