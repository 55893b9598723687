//! wiremock tests per operation: exact request bodies, fixture replies, and
//! a catch-all that fails the test on any request no mock expects.
#![allow(clippy::unwrap_used)] // tests may unwrap, helpers included

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use pms_core::secrecy::SecretString;
use pms_core::{
    ChangeQuery, ChargeKind, ChargeRequest, CheckInRequest, CheckOutRequest, Currency, DateRange, ErrorKind,
    HotelId, HousekeepingStatus, ManualClock, Money, PageToken, PmsClient, RequestId, RoomAssignment,
    RoomNumber, RoomStatusUpdate, VendorId, VoidChargeRequest,
};
use pms_mews::{ChargePricing, ChargeSettings, MEWS_RATE_LIMIT, MewsClient, MewsConfig};
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{any, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_TOKEN: &str = "CLIENTTOKEN-secret-0001";
const ACCESS_TOKEN: &str = "ACCESSTOKEN-secret-0002";
const CLIENT_NAME: &str = "pms-connectors test 0.1.0";
const RES_ID: &str = "0f515589-99b4-423d-b83a-b237009f0509";
const ACCOUNT_ID: &str = "fadd5bb6-b428-45d5-94f8-fd0d89fece6d";
/// The `Day` ("Accommodation") service of `services_getall.response.json`.
const STAY_SERVICE: &str = "bd26d8db-86da-4f96-9efc-e5a4654a4a94";

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/mews")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// A server whose catch-all answers 599 and fails verification on drop.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all: no unexpected requests")
        .mount(&server)
        .await;
    server
}

fn config(base: &str) -> MewsConfig {
    MewsConfig {
        hotel: HotelId::new("grand").unwrap(),
        base_url: Url::parse(base).unwrap(),
        client_token: SecretString::from(CLIENT_TOKEN),
        access_token: SecretString::from(ACCESS_TOKEN),
        client_name: CLIENT_NAME.into(),
        enterprise_id: None,
        time_zone: chrono_tz::Europe::Budapest,
        currency: Currency::EUR,
        timeout: Duration::from_secs(5),
        page_size: 1000,
        rate_limit: MEWS_RATE_LIMIT,
        charges: ChargeSettings {
            service_id: Some("d2a8c3a3-0000-4000-8000-000000000001".into()),
            tax_codes: vec!["DE-2020-1-L".into()],
            pricing: ChargePricing::Gross,
        },
        child_age_category_ids: BTreeSet::new(),
        max_response_bytes: pms_mews::MAX_RESPONSE_BYTES,
    }
}

fn client(server: &MockServer) -> MewsClient {
    MewsClient::builder(config(&server.uri())).build().unwrap()
}

/// The body we expect: credentials plus the operation's parameters.
fn with_tokens(params: Value) -> Value {
    let mut body = json!({"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": CLIENT_NAME});
    for (k, v) in params.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn op(name: &str) -> String {
    format!("/api/connector/v1/{name}")
}

async fn expect_call(server: &MockServer, operation: &str, params: Value, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(op(operation)))
        .and(body_json(with_tokens(params)))
        .respond_with(reply)
        .expect(1)
        .named(operation.to_owned())
        .mount(server)
        .await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("Request-Id", "req-ok")
}

async fn expect_reservation_by_id(server: &MockServer, reply: Value) {
    expect_call(
        server,
        "reservations/getAll/2023-06-06",
        json!({"ServiceIds": [STAY_SERVICE], "ReservationIds": [RES_ID], "Limitation": {"Count": 1}}),
        ok(reply),
    )
    .await;
}

async fn expect_resources(server: &MockServer) {
    expect_call(
        server,
        "resources/getAll",
        json!({"Extent": {"Resources": true, "Inactive": false}, "Limitation": {"Count": 1000}}),
        ok(fixture("resources_getall.response.json")),
    )
    .await;
}

/// `services/getAll`, read once per client: every stay read sends the
/// stay services as `ServiceIds`.
async fn expect_stay_services(server: &MockServer) {
    expect_call(
        server,
        "services/getAll",
        json!({"Limitation": {"Count": 1000}}),
        ok(fixture("services_getall.response.json")),
    )
    .await;
}

fn reservation_in_state(state: &str) -> Value {
    let mut body = fixture("reservations_getall_2023_06_06.response.json");
    body["Reservations"][0]["State"] = json!(state);
    body
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn res_id() -> VendorId {
    VendorId::new(RES_ID).unwrap()
}

#[tokio::test]
async fn reservation_read_sends_tokens_in_the_body_and_fills_the_room_number() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_resources(&server).await;
    let client = client(&server);
    let reservation = client.reservation(&res_id()).await.unwrap();
    assert_eq!(reservation.confirmation_number.as_deref(), Some("52"));
    assert_eq!(reservation.room_number, Some(RoomNumber::new("101").unwrap()));
    let debug = format!("{client:?}");
    assert!(
        !debug.contains(CLIENT_TOKEN) && !debug.contains(ACCESS_TOKEN),
        "{debug}"
    );
}

#[tokio::test]
async fn missing_reservation_is_not_found() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, json!({"Reservations": [], "Cursor": null})).await;
    let err = client(&server).reservation(&res_id()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn modified_reservations_follow_the_top_level_cursor_across_pages() {
    let server = server().await;
    expect_stay_services(&server).await;
    let window = json!({"StartUtc": "2023-04-01T00:00:00Z", "EndUtc": "2023-05-01T00:00:00Z"});
    expect_call(
        &server,
        "reservations/getAll/2023-06-06",
        json!({"ServiceIds": [STAY_SERVICE], "UpdatedUtc": window, "Limitation": {"Count": 1}}),
        ok(fixture("reservations_getall_2023_06_06.response.json")),
    )
    .await;
    expect_call(
        &server,
        "reservations/getAll/2023-06-06",
        json!({"ServiceIds": [STAY_SERVICE], "UpdatedUtc": window, "Limitation": {"Count": 1, "Cursor": RES_ID}}),
        ok(json!({"Reservations": [], "Cursor": null})),
    )
    .await;
    // Room names are looked up once and cached.
    expect_resources(&server).await;
    let client = client(&server);
    let mut query = ChangeQuery {
        since: utc("2023-04-01T00:00:00Z"),
        until: utc("2023-05-01T00:00:00Z"),
        page: None,
        page_size: 1,
    };
    let first = client.reservations_modified(&query).await.unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].external.id.as_str(), RES_ID);
    query.page = first.next;
    assert!(query.page.is_some());
    let second = client.reservations_modified(&query).await.unwrap();
    assert!(second.items.is_empty());
    assert_eq!(second.next, None);
}

#[tokio::test]
async fn long_change_windows_are_split_into_89_day_windows() {
    let server = server().await;
    expect_stay_services(&server).await;
    for (start, end) in [
        ("2024-01-01T00:00:00Z", "2024-03-30T00:00:00Z"),
        ("2024-03-30T00:00:00Z", "2024-06-01T00:00:00Z"),
    ] {
        expect_call(
            &server,
            "reservations/getAll/2023-06-06",
            json!({"ServiceIds": [STAY_SERVICE], "UpdatedUtc": {"StartUtc": start, "EndUtc": end}, "Limitation": {"Count": 1000}}),
            ok(json!({"Reservations": [], "Cursor": null})),
        )
        .await;
    }
    let client = client(&server);
    let mut query = ChangeQuery {
        since: utc("2024-01-01T00:00:00Z"),
        until: utc("2024-06-01T00:00:00Z"),
        page: None,
        page_size: 5000,
    };
    let mut pages = 0;
    loop {
        let page = client.reservations_modified(&query).await.unwrap();
        pages += 1;
        match page.next {
            Some(next) => query.page = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn foreign_page_tokens_are_rejected_without_a_call() {
    let server = server().await;
    let query = ChangeQuery {
        since: utc("2024-01-01T00:00:00Z"),
        until: utc("2024-02-01T00:00:00Z"),
        page: Some(PageToken::new("7")),
        page_size: 10,
    };
    let err = client(&server).reservations_modified(&query).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn arrivals_query_local_days_converted_to_utc() {
    let server = server().await;
    expect_stay_services(&server).await;
    // 2023-04-23 in Budapest (CEST, +2) is [04-22T22:00Z, 04-23T22:00Z).
    expect_call(
        &server,
        "reservations/getAll/2023-06-06",
        json!({"ServiceIds": [STAY_SERVICE],
            "ScheduledStartUtc": {"StartUtc": "2023-04-22T22:00:00Z", "EndUtc": "2023-04-23T22:00:00Z"},
            "Limitation": {"Count": 1000}
        }),
        ok(fixture("reservations_getall_2023_06_06.response.json")),
    )
    .await;
    expect_resources(&server).await;
    let day = NaiveDate::from_ymd_opt(2023, 4, 23).unwrap();
    let arrivals = client(&server).arrivals(DateRange::day(day)).await.unwrap();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].arrival, day);
}

#[tokio::test]
async fn guest_read_uses_customer_ids_and_extent() {
    let server = server().await;
    expect_call(
        &server,
        "customers/getAll",
        json!({
            "CustomerIds": [ACCOUNT_ID],
            "Extent": {"Customers": true, "Addresses": false},
            "Limitation": {"Count": 1}
        }),
        ok(fixture("customers_getall.response.json")),
    )
    .await;
    let guest = client(&server)
        .guest(&VendorId::new(ACCOUNT_ID).unwrap())
        .await
        .unwrap();
    assert_eq!(guest.external.id.as_str(), ACCOUNT_ID);
    assert_eq!(guest.email.unwrap().expose(), "j.smith@example.com");
}

#[tokio::test]
async fn room_statuses_read_all_resources() {
    let server = server().await;
    expect_resources(&server).await;
    let statuses = client(&server).room_statuses().await.unwrap();
    let states: Vec<_> = statuses.iter().map(|s| s.status.housekeeping.clone()).collect();
    assert_eq!(
        states,
        [
            HousekeepingStatus::Clean,
            HousekeepingStatus::Inspected,
            HousekeepingStatus::Dirty
        ]
    );
}

#[tokio::test]
async fn folio_reads_items_account_items_and_payments() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_call(
        &server,
        "orderItems/getAll",
        json!({"ServiceOrderIds": [RES_ID], "Limitation": {"Count": 1000}}),
        ok(fixture("orderitems_getall.response.json")),
    )
    .await;
    // The owner's items consumed from a day before arrival to a day after departure.
    expect_call(
        &server,
        "orderItems/getAll",
        json!({
            "AccountIds": [ACCOUNT_ID],
            "ConsumedUtc": {"StartUtc": "2023-04-22T14:00:00Z", "EndUtc": "2023-04-26T12:00:00Z"},
            "Limitation": {"Count": 1000}
        }),
        ok(json!({"OrderItems": [], "Cursor": null})),
    )
    .await;
    let mut payments = fixture("payments_getall.response.json");
    payments["Payments"] = json!([payments["Payments"][0].clone()]);
    expect_call(
        &server,
        "payments/getAll",
        json!({"ReservationIds": [RES_ID], "Limitation": {"Count": 1000}}),
        ok(payments),
    )
    .await;
    let folio = client(&server).folio(&res_id()).await.unwrap();
    assert_eq!(folio.charges.len(), 2);
    assert_eq!(folio.payments.len(), 1);
    // 5 + 100 charged, 3700 paid.
    assert_eq!(folio.balance, Money::parse("-3595", Currency::EUR).unwrap());
    assert_eq!(folio.computed_balance().unwrap(), folio.balance);
}

#[tokio::test]
async fn set_room_status_sends_the_update_value() {
    let server = server().await;
    expect_call(
        &server,
        "resources/update",
        json!({"ResourceUpdates": [{"ResourceId": "20e00c32-d561-4008-8609-82d8aa525714", "State": {"Value": "Inspected"}}]}),
        ok(json!({})),
    )
    .await;
    let client = client(&server);
    let update = |status| RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: VendorId::new("20e00c32-d561-4008-8609-82d8aa525714").unwrap(),
        status,
    };
    client
        .set_room_status(&update(HousekeepingStatus::Inspected))
        .await
        .unwrap();
    // Not writable through resources/update: refused before any request.
    let err = client
        .set_room_status(&update(HousekeepingStatus::OutOfOrder))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

fn charge(request_id: RequestId) -> ChargeRequest {
    ChargeRequest {
        request_id,
        reservation: res_id(),
        kind: ChargeKind::Spa,
        description: "Spa massage".into(),
        unit_amount: Money::parse("45.50", Currency::EUR).unwrap(),
        quantity: Decimal::from(2),
        transaction_code: Some("c0610937-0165-4091-a79c-44eb34173daf".into()),
        outlet: None,
        consumed_at: utc("2023-04-24T10:00:00Z"),
    }
}

fn add_order_params(request_id: RequestId) -> Value {
    json!({
        "ServiceId": "d2a8c3a3-0000-4000-8000-000000000001",
        "AccountId": ACCOUNT_ID,
        "Items": [{
            "Name": "Spa massage",
            "UnitCount": 2,
            "UnitAmount": {"Currency": "EUR", "TaxCodes": ["DE-2020-1-L"], "GrossValue": 45.5},
            "AccountingCategoryId": "c0610937-0165-4091-a79c-44eb34173daf",
            "ExternalIdentifier": request_id.to_string()
        }],
        "ConsumptionUtc": "2023-04-24T10:00:00Z",
        "LinkedReservationId": RES_ID
    })
}

#[tokio::test]
async fn post_charge_carries_our_request_id_as_external_identifier() {
    let server = server().await;
    expect_stay_services(&server).await;
    let request_id = RequestId::new_random();
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_call(
        &server,
        "orders/add",
        add_order_params(request_id),
        ok(fixture("orders_add.response.json")),
    )
    .await;
    let posted = client(&server).post_charge(&charge(request_id)).await.unwrap();
    assert_eq!(posted.request_id, request_id);
    assert_eq!(
        posted.external.id.as_str(),
        "cdfd5caa-2868-411b-ba95-322e70035f1a"
    );
}

#[tokio::test]
async fn a_timeout_after_sending_a_charge_is_outcome_unknown_and_not_retried() {
    let server = server().await;
    expect_stay_services(&server).await;
    let request_id = RequestId::new_random();
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    // expect(1): the client must not resend on its own.
    expect_call(
        &server,
        "orders/add",
        add_order_params(request_id),
        ok(fixture("orders_add.response.json")).set_delay(Duration::from_secs(1)),
    )
    .await;
    let mut config = config(&server.uri());
    config.timeout = Duration::from_millis(200);
    let err = MewsClient::builder(config)
        .build()
        .unwrap()
        .post_charge(&charge(request_id))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert!(!err.kind().is_retryable());
}

#[tokio::test]
async fn find_charge_reads_back_by_external_identifier() {
    let server = server().await;
    expect_stay_services(&server).await;
    let request_id = RequestId::new_random();
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    let mut items = fixture("orderitems_getall.response.json");
    items["OrderItems"][1]["ExternalIdentifier"] = json!(request_id.to_string());
    expect_call(
        &server,
        "orderItems/getAll",
        json!({"AccountIds": [ACCOUNT_ID], "Limitation": {"Count": 1000}}),
        ok(items),
    )
    .await;
    let client = client(&server);
    let found = client.find_charge(&res_id(), request_id).await.unwrap().unwrap();
    assert_eq!(found.request_id, Some(request_id));
    assert_eq!(found.external.id.as_str(), "bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2");
}

#[tokio::test]
async fn find_charge_answers_none_when_absent() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_call(
        &server,
        "orderItems/getAll",
        json!({"AccountIds": [ACCOUNT_ID], "Limitation": {"Count": 1000}}),
        ok(fixture("orderitems_getall.response.json")),
    )
    .await;
    let found = client(&server)
        .find_charge(&res_id(), RequestId::new_random())
        .await
        .unwrap();
    assert_eq!(found, None);
}

#[tokio::test]
async fn void_charge_cancels_the_order_item() {
    let server = server().await;
    expect_call(
        &server,
        "orderItems/cancel",
        json!({"OrderItemIds": ["bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2"]}),
        ok(json!({})),
    )
    .await;
    client(&server)
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: res_id(),
            charge: VendorId::new("bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2").unwrap(),
            reason: "posted twice".into(),
        })
        .await
        .unwrap();
}

fn check_in() -> CheckInRequest {
    CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: res_id(),
        room: None,
    }
}

#[tokio::test]
async fn check_in_starts_the_reservation() {
    let server = server().await;
    expect_call(
        &server,
        "reservations/start",
        json!({"ReservationId": RES_ID}),
        ok(json!({})),
    )
    .await;
    client(&server).check_in(&check_in()).await.unwrap();
}

fn refusal(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(
            json!({"Message": "Reservation is not in a state allowing this.", "RequestId": "body-req"}),
        )
        .insert_header("Request-Id", "req-refused")
}

#[tokio::test]
async fn check_in_refused_because_already_started_is_success_after_read_back() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_call(
        &server,
        "reservations/start",
        json!({"ReservationId": RES_ID}),
        refusal(403),
    )
    .await;
    expect_reservation_by_id(&server, reservation_in_state("Started")).await;
    client(&server).check_in(&check_in()).await.unwrap();
}

#[tokio::test]
async fn check_in_refused_for_another_reason_is_a_conflict() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_call(
        &server,
        "reservations/start",
        json!({"ReservationId": RES_ID}),
        refusal(403),
    )
    .await;
    expect_reservation_by_id(&server, reservation_in_state("Confirmed")).await;
    let err = client(&server).check_in(&check_in()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.vendor_request_id(), Some("req-refused"));
    assert!(err.to_string().contains("Reservation is not in a state"), "{err}");
}

#[tokio::test]
async fn check_out_with_open_balance_writes_notes() {
    let server = server().await;
    let request = CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: res_id(),
        allow_open_balance: true,
    };
    expect_call(
        &server,
        "reservations/process",
        json!({
            "ReservationId": RES_ID,
            "CloseBills": false,
            "AllowOpenBalance": true,
            "Notes": format!("Checked out with open balance, request {}", request.request_id)
        }),
        ok(json!({})),
    )
    .await;
    client(&server).check_out(&request).await.unwrap();
}

#[tokio::test]
async fn check_out_already_processed_is_success() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_call(
        &server,
        "reservations/process",
        json!({"ReservationId": RES_ID, "CloseBills": false, "AllowOpenBalance": false}),
        refusal(400),
    )
    .await;
    expect_reservation_by_id(&server, reservation_in_state("Processed")).await;
    client(&server)
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation: res_id(),
            allow_open_balance: false,
        })
        .await
        .unwrap();
}

async fn read_error(reply: ResponseTemplate) -> pms_core::Error {
    let server = server().await;
    expect_resources_reply(&server, reply).await;
    client(&server).rooms().await.unwrap_err()
}

async fn expect_resources_reply(server: &MockServer, reply: ResponseTemplate) {
    expect_call(
        server,
        "resources/getAll",
        json!({"Extent": {"Resources": true, "Inactive": false}, "Limitation": {"Count": 1000}}),
        reply,
    )
    .await;
}

#[tokio::test]
async fn rate_limit_carries_retry_after_seconds_and_request_id() {
    let err = read_error(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "7")
            .insert_header("Request-Id", "req-429"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.vendor_request_id(), Some("req-429"));
}

#[tokio::test]
async fn rate_limit_accepts_an_http_date() {
    let server = server().await;
    expect_resources_reply(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "Wed, 25 Nov 2026 03:00:30 GMT"),
    )
    .await;
    let clock = Arc::new(ManualClock::new(utc("2026-11-25T03:00:00Z")));
    let err = MewsClient::builder(config(&server.uri()))
        .clock(clock)
        .build()
        .unwrap()
        .rooms()
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn unauthorized_is_auth_and_never_shows_tokens() {
    let err = read_error(
        ResponseTemplate::new(401)
            .set_body_json(json!({"Message": "Invalid AccessToken."}))
            .insert_header("Request-Id", "req-401"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.vendor_request_id(), Some("req-401"));
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Invalid AccessToken."), "{shown}");
    assert!(
        !shown.contains(ACCESS_TOKEN) && !shown.contains(CLIENT_TOKEN),
        "{shown}"
    );
}

#[tokio::test]
async fn bad_request_is_validation_with_the_mews_message() {
    let err =
        read_error(ResponseTemplate::new(400).set_body_json(fixture("error_400.constructed.json"))).await;
    assert_eq!(err.kind(), ErrorKind::Validation);
    let text = err.to_string();
    assert!(text.contains("Invalid ServiceIds"), "{text}");
    // No Request-Id header: the body's RequestId is kept instead.
    assert!(text.contains("4e3a5cde-2f44-4d8e-9a0b-7c1f0d2e9b11"), "{text}");
}

#[tokio::test]
async fn server_errors_are_transient_on_reads_and_outcome_unknown_on_writes() {
    let err = read_error(ResponseTemplate::new(500).set_body_json(json!({"Message": "Boom"}))).await;
    assert_eq!(err.kind(), ErrorKind::Transient);
    let err =
        read_error(ResponseTemplate::new(408).set_body_json(json!({"Message": "Transaction has timed out"})))
            .await;
    assert_eq!(err.kind(), ErrorKind::Transient);

    let server = server().await;
    expect_call(
        &server,
        "orderItems/cancel",
        json!({"OrderItemIds": ["bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2"]}),
        ResponseTemplate::new(500),
    )
    .await;
    let err = client(&server)
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: res_id(),
            charge: VendorId::new("bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2").unwrap(),
            reason: "test".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn wrong_address_is_a_configuration_error() {
    let err = read_error(ResponseTemplate::new(404)).await;
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn a_read_timeout_is_transient() {
    let server = server().await;
    expect_resources_reply(
        &server,
        ok(json!({"Resources": []})).set_delay(Duration::from_secs(1)),
    )
    .await;
    let mut config = config(&server.uri());
    config.timeout = Duration::from_millis(200);
    let err = MewsClient::builder(config)
        .build()
        .unwrap()
        .rooms()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn a_shared_http_client_still_gets_the_configured_timeout() {
    let server = server().await;
    expect_resources_reply(
        &server,
        ok(json!({"Resources": []})).set_delay(Duration::from_secs(1)),
    )
    .await;
    let mut config = config(&server.uri());
    config.timeout = Duration::from_millis(200);
    // A shared client with no timeout of its own.
    let shared = reqwest::Client::new();
    let client = MewsClient::builder(config).http_client(shared).build().unwrap();
    let err = client.rooms().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn a_refused_connection_on_a_write_is_transient_because_nothing_was_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = MewsClient::builder(config(&base))
        .build()
        .unwrap()
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: VendorId::new("20e00c32-d561-4008-8609-82d8aa525714").unwrap(),
            status: HousekeepingStatus::Dirty,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn malformed_success_body_is_a_decode_error_naming_the_path() {
    let err = read_error(ok(json!({"Resources": [{"Id": "r", "Name": "1", "State": 5}]}))).await;
    match err {
        pms_core::Error::Decode { path, .. } => assert_eq!(path, "Resources[0].State"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn health_probes_configuration() {
    let server = server().await;
    expect_call(
        &server,
        "configuration/get",
        json!({}),
        ok(fixture("configuration_get.response.json")),
    )
    .await;
    let report = client(&server).health().await;
    assert!(report.healthy, "{report:?}");
    assert_eq!(report.error, None);
}

#[tokio::test]
async fn rate_limit_is_exposed() {
    let server = server().await;
    assert_eq!(client(&server).rate_limit(), MEWS_RATE_LIMIT);
    assert_eq!(MEWS_RATE_LIMIT.requests, 200);
    assert_eq!(MEWS_RATE_LIMIT.window, Duration::from_secs(30));
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let server = server().await;
    expect_resources_reply(&server, ok(fixture("resources_getall.response.json"))).await;
    expect_call(
        &server,
        "orderItems/cancel",
        json!({"OrderItemIds": ["bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2"]}),
        ok(json!({"Padding": "x".repeat(200)})),
    )
    .await;
    let mut config = config(&server.uri());
    config.max_response_bytes = 100;
    let client = MewsClient::builder(config).build().unwrap();
    assert_eq!(client.rooms().await.unwrap_err().kind(), ErrorKind::Vendor);
    // A write that answered 2xx happened; what it answered is unknown.
    let err = client
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: res_id(),
            charge: VendorId::new("bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2").unwrap(),
            reason: "test".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn list_reads_follow_the_cursor_until_a_short_page() {
    let server = server().await;
    let all = fixture("resources_getall.response.json");
    let mut first = all.clone();
    first["Resources"] = json!([all["Resources"][0].clone(), all["Resources"][1].clone()]);
    first["Cursor"] = json!("1ec29188-01ca-4294-9983-fac59f85a448");
    let mut second = all.clone();
    second["Resources"] = json!([all["Resources"][2].clone()]);
    let extent = json!({"Resources": true, "Inactive": false});
    expect_call(
        &server,
        "resources/getAll",
        json!({"Extent": extent, "Limitation": {"Count": 2}}),
        ok(first),
    )
    .await;
    expect_call(
        &server,
        "resources/getAll",
        json!({"Extent": extent, "Limitation": {"Count": 2, "Cursor": "1ec29188-01ca-4294-9983-fac59f85a448"}}),
        ok(second),
    )
    .await;
    let mut config = config(&server.uri());
    config.page_size = 2;
    let rooms = MewsClient::builder(config)
        .build()
        .unwrap()
        .rooms()
        .await
        .unwrap();
    let names: Vec<_> = rooms.iter().map(|r| r.number.as_str().to_owned()).collect();
    assert_eq!(names, ["101", "101A", "Suite 1"]);
}

#[tokio::test]
async fn check_in_into_the_assigned_room_starts_it() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_resources(&server).await;
    expect_call(
        &server,
        "reservations/start",
        json!({"ReservationId": RES_ID}),
        ok(json!({})),
    )
    .await;
    let mut request = check_in();
    request.room = Some(RoomNumber::new("101").unwrap());
    client(&server).check_in(&request).await.unwrap();
}

#[tokio::test]
async fn check_in_into_another_room_is_refused_without_starting() {
    let server = server().await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    expect_resources(&server).await;
    let mut request = check_in();
    request.room = Some(RoomNumber::new("Suite 1").unwrap());
    let err = client(&server).check_in(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn services_are_listed_with_their_kind() {
    use pms_mews::wire::services::ServiceDataDiscriminator;
    let server = server().await;
    expect_call(
        &server,
        "services/getAll",
        json!({"Limitation": {"Count": 1000}}),
        ok(fixture("services_getall.response.json")),
    )
    .await;
    let services = client(&server).services().await.unwrap();
    let kinds: Vec<_> = services
        .iter()
        .map(|s| {
            (
                s.name.as_deref().unwrap(),
                s.data.as_ref().unwrap().discriminator.clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Restaurant", ServiceDataDiscriminator::Additional),
            ("Accommodation", ServiceDataDiscriminator::Bookable)
        ]
    );
}

/// Only `Bookable` services whose `TimeUnitPeriod` is not `Hour` are stays
/// (operations/services.md#time-unit-period: `Day`, `Month`, `Hour`); the
/// hourly spa service of the agenda fixture is never sent with a stay read.
#[tokio::test]
async fn stay_reads_name_the_day_and_month_services_but_not_hourly_ones() {
    let server = server().await;
    let mut services = fixture("agenda/services_getall.response.json");
    let mut monthly = services["Services"][1].clone();
    monthly["Id"] = json!("0a6f7c1e-3b1d-4c8e-9f00-000000000002");
    monthly["IsActive"] = json!(false);
    monthly["Data"]["Value"]["TimeUnitPeriod"] = json!("Month");
    services["Services"].as_array_mut().unwrap().push(monthly);
    expect_call(
        &server,
        "services/getAll",
        json!({"Limitation": {"Count": 1000}}),
        ok(services),
    )
    .await;
    expect_call(
        &server,
        "reservations/getAll/2023-06-06",
        json!({
            "ServiceIds": ["0a6f7c1e-3b1d-4c8e-9f00-000000000002", STAY_SERVICE],
            "ReservationIds": [RES_ID],
            "Limitation": {"Count": 1}
        }),
        ok(json!({"Reservations": [], "Cursor": null})),
    )
    .await;
    let err = client(&server).reservation(&res_id()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// An enterprise without a stay service has no filter that keeps hourly
/// bookings out: the listing is refused, and no reservation is read.
#[tokio::test]
async fn without_a_stay_service_stay_listings_are_refused_unsent() {
    let server = server().await;
    let mut services = fixture("agenda/services_getall.response.json");
    services["Services"].as_array_mut().unwrap().remove(1);
    expect_call(
        &server,
        "services/getAll",
        json!({"Limitation": {"Count": 1000}}),
        ok(services),
    )
    .await;
    let day = NaiveDate::from_ymd_opt(2023, 4, 23).unwrap();
    let err = client(&server).arrivals(DateRange::day(day)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

/// Configured stay services are sent as they are, without `services/getAll`.
#[tokio::test]
async fn configured_stay_services_are_sent_without_reading_services() {
    let server = server().await;
    let configured = "11111111-2222-4333-8444-555555555555";
    expect_call(
        &server,
        "reservations/getAll/2023-06-06",
        json!({"ServiceIds": [configured], "ReservationIds": [RES_ID], "Limitation": {"Count": 1}}),
        ok(json!({"Reservations": [], "Cursor": null})),
    )
    .await;
    let client = MewsClient::builder(config(&server.uri()))
        .stay_service_ids([configured.to_owned()])
        .build()
        .unwrap();
    let err = client.reservation(&res_id()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Resource `101A` of `resources_getall.response.json` (the reservation
/// fixture is assigned to `101`, `20e00c32-…`).
const ROOM_101A: &str = "1ec29188-01ca-4294-9983-fac59f85a448";

fn assignment(room: &str) -> RoomAssignment {
    RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: res_id(),
        room: RoomNumber::new(room).unwrap(),
    }
}

fn update_params(request: &RoomAssignment, resource: &str) -> Value {
    json!({
        "Reason": format!("Room assignment, request {}", request.request_id),
        "Reprice": false,
        "ReservationUpdates": [
            {"ReservationId": RES_ID, "AssignedResourceId": {"Value": resource}}
        ]
    })
}

#[tokio::test]
async fn assign_room_sends_the_resource_id_as_an_update_value() {
    let server = server().await;
    expect_resources(&server).await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    let request = assignment("101A");
    // The documented answer carries the updated reservations; it is not needed.
    expect_call(
        &server,
        "reservations/update",
        update_params(&request, ROOM_101A),
        ok(json!({"Reservations": [], "Customers": []})),
    )
    .await;
    client(&server).assign_room(&request).await.unwrap();
    assert!(
        client(&server)
            .capabilities()
            .supports(pms_core::Capability::AssignRoom)
    );
}

#[tokio::test]
async fn assign_room_to_the_room_it_has_writes_nothing() {
    let server = server().await;
    expect_resources(&server).await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    client(&server).assign_room(&assignment("101")).await.unwrap();
}

#[tokio::test]
async fn assign_room_to_a_number_the_hotel_lacks_is_validation_and_unsent() {
    let server = server().await;
    expect_resources(&server).await;
    let err = client(&server).assign_room(&assignment("999")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("999"), "{err}");
}

#[tokio::test]
async fn assign_room_refused_by_a_business_rule_is_a_conflict() {
    let server = server().await;
    expect_resources(&server).await;
    expect_stay_services(&server).await;
    // Read before the write, and read back after the refusal.
    Mock::given(method("POST"))
        .and(path(op("reservations/getAll/2023-06-06")))
        .and(body_json(with_tokens(json!({
            "ServiceIds": [STAY_SERVICE], "ReservationIds": [RES_ID], "Limitation": {"Count": 1}
        }))))
        .respond_with(ok(fixture("reservations_getall_2023_06_06.response.json")))
        .expect(2)
        .mount(&server)
        .await;
    let request = assignment("101A");
    expect_call(
        &server,
        "reservations/update",
        update_params(&request, ROOM_101A),
        refusal(403),
    )
    .await;
    let err = client(&server).assign_room(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.vendor_request_id(), Some("req-refused"));
}

#[tokio::test]
async fn assign_room_answered_by_a_server_error_is_outcome_unknown() {
    let server = server().await;
    expect_resources(&server).await;
    expect_stay_services(&server).await;
    expect_reservation_by_id(&server, fixture("reservations_getall_2023_06_06.response.json")).await;
    let request = assignment("101A");
    expect_call(
        &server,
        "reservations/update",
        update_params(&request, ROOM_101A),
        ResponseTemplate::new(500).set_body_json(json!({"Message": "Server error."})),
    )
    .await;
    let err = client(&server).assign_room(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn room_block_reads_the_block_active_or_deleted_for_its_room() {
    let server = server().await;
    // The deleted block of the docs' example: a removed block still names its room.
    let mut page = fixture("resourceblocks_getall.response.json");
    let deleted = page["ResourceBlocks"][2].clone();
    page["ResourceBlocks"] = json!([deleted]);
    expect_call(
        &server,
        "resourceBlocks/getAll",
        json!({
            "ResourceBlockIds": ["63f4ebee-7e36-4ca9-b7d8-6331a8b009e5"],
            "ActivityStates": ["Active", "Deleted"],
            "Limitation": {"Count": 1}
        }),
        ok(page),
    )
    .await;
    let block = client(&server)
        .room_block(&VendorId::new("63f4ebee-7e36-4ca9-b7d8-6331a8b009e5").unwrap())
        .await
        .unwrap();
    assert_eq!(block.room.id.as_str(), "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    assert_eq!(block.kind, pms_core::RoomBlockKind::OutOfOrder);
    assert!(!block.active);
}

#[tokio::test]
async fn room_block_missing_from_the_answer_is_not_found() {
    let server = server().await;
    expect_call(
        &server,
        "resourceBlocks/getAll",
        json!({
            "ResourceBlockIds": ["7f8e9d0c-1b2a-3c4d-5e6f-7a8b9c0d1e2f"],
            "ActivityStates": ["Active", "Deleted"],
            "Limitation": {"Count": 1}
        }),
        ok(json!({"ResourceBlocks": [], "Cursor": null})),
    )
    .await;
    let err = client(&server)
        .room_block(&VendorId::new("7f8e9d0c-1b2a-3c4d-5e6f-7a8b9c0d1e2f").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_folio_of_a_stay_at_the_end_of_time_is_an_error_not_a_panic() {
    // The docs' reservation with a departure chrono can hold but not move a
    // day further (RELIABILITY.md bug 17: unchecked date arithmetic on vendor data).
    let server = server().await;
    expect_stay_services(&server).await;
    let mut page = fixture("reservations_getall_2023_06_06.response.json");
    page["Reservations"][0]["ScheduledEndUtc"] = json!("+262142-12-31T23:59:59Z");
    page["Reservations"][0]["ActualEndUtc"] = Value::Null;
    expect_reservation_by_id(&server, page).await;
    expect_call(
        &server,
        "orderItems/getAll",
        json!({"ServiceOrderIds": [RES_ID], "Limitation": {"Count": 1000}}),
        ok(json!({"OrderItems": [], "Cursor": null})),
    )
    .await;
    let err = client(&server).folio(&res_id()).await.unwrap_err();
    match err {
        pms_core::Error::Decode { path, .. } => assert_eq!(path, "Reservations[0].ScheduledEndUtc"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_read_is_resent_per_the_retry_policy_in_virtual_time_and_a_write_never() {
    let server = server().await;
    // resources/getAll answers 503 once, then the page.
    Mock::given(method("POST"))
        .and(path(op("resources/getAll")))
        .respond_with(ResponseTemplate::new(503).insert_header("Request-Id", "req-503"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    expect_resources(&server).await;
    expect_call(
        &server,
        "resources/update",
        json!({"ResourceUpdates": [{"ResourceId": "20e00c32-d561-4008-8609-82d8aa525714", "State": {"Value": "Inspected"}}]}),
        ResponseTemplate::new(503),
    )
    .await;
    let clock = Arc::new(ManualClock::new(utc("2026-11-25T03:00:00Z")));
    let sleeper = pms_core::VirtualSleeper::new(clock.clone());
    let client = MewsClient::builder(config(&server.uri()))
        .clock(clock)
        .sleeper(Arc::new(sleeper.clone()))
        .retry(pms_core::RetryPolicy {
            max_attempts: 3,
            ..pms_core::RetryPolicy::default()
        })
        .build()
        .unwrap();
    assert!(!client.rooms().await.unwrap().is_empty());
    assert_eq!(sleeper.slept().len(), 1);
    // The write's 503 is sent once (wiremock checks `expect(1)` on drop).
    let err = client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: VendorId::new("20e00c32-d561-4008-8609-82d8aa525714").unwrap(),
            status: HousekeepingStatus::Inspected,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(sleeper.slept().len(), 1);
}
