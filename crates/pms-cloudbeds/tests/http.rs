//! wiremock tests per endpoint, replaying `fixtures/cloudbeds/`. Every server
//! has a catch-all mock that expects zero calls, so an unexpected request
//! fails the test when the server is dropped.
#![allow(clippy::unwrap_used)] // tests may unwrap; vendor data in src/ never is

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_cloudbeds::CloudbedsClient;
use pms_core::{
    ChangeQuery, ChargeKind, ChargeRequest, CheckInRequest, CheckOutRequest, CloudbedsAuth,
    CloudbedsSettings, Currency, ErrorKind, HotelConfig, HotelId, HousekeepingStatus, ManualClock, Money,
    PageToken, PmsClient, PmsSettings, RequestId, RoomStatusUpdate, VendorId, VoidChargeRequest,
};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};
use wiremock::matchers::{any, body_string_contains, header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const BASE: &str = "/api/v1.3";
const REQUEST_ID: &str = "2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cloudbeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", "req-abc")
        .set_body_raw(fixture(name), "application/json")
}

fn api(name: &str) -> String {
    format!("{BASE}/{name}")
}

/// The form body must be exactly these pairs, in any order.
struct FormIs(BTreeSet<(String, String)>);

fn form(pairs: &[(&str, &str)]) -> FormIs {
    FormIs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

impl Match for FormIs {
    fn matches(&self, request: &Request) -> bool {
        let is_form = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let got: Vec<(String, String)> = serde_urlencoded::from_bytes(&request.body).unwrap_or_default();
        is_form && got.into_iter().collect::<BTreeSet<_>>() == self.0
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .named("catch-all: no unexpected request")
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn config(server: &MockServer, auth: CloudbedsAuth) -> HotelConfig {
    HotelConfig {
        id: HotelId::new("harbor").unwrap(),
        base_url: format!("{}{BASE}", server.uri()).parse().unwrap(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::USD,
        features: BTreeSet::new(),
        pms: PmsSettings::Cloudbeds(CloudbedsSettings {
            property_id: "318267".into(),
            auth,
        }),
    }
}

fn api_key() -> CloudbedsAuth {
    CloudbedsAuth::ApiKey(SecretString::from("cbat_test_key"))
}

fn oauth() -> CloudbedsAuth {
    CloudbedsAuth::OAuth {
        client_id: "client-1".into(),
        client_secret: SecretString::from("secret-1"),
        refresh_token: SecretString::from("rt-1"),
    }
}

fn key_client(server: &MockServer) -> CloudbedsClient {
    CloudbedsClient::from_hotel(&config(server, api_key())).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn vid(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

async fn mount_get_reservation(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .and(query_param("reservationID", "8176082119429"))
        .and(query_param("propertyID", "318267"))
        .respond_with(json("get_reservation.json"))
        .mount(server)
        .await;
}

/// One page of the Accounting search of reservation 8176082119429: the body
/// must be exactly what `src/accounting-v1.0-openapi.json` asks for (a
/// `source_identifier` + `source_kind` base filter, our limit and sort, the
/// page's token), sent as JSON with a Bearer credential and `X-Property-ID`.
struct AccountingPage(Option<&'static str>);

impl Match for AccountingPage {
    fn matches(&self, request: &Request) -> bool {
        let mut want = serde_json::json!({
            "filters": {"and": [
                {"field": "source_identifier", "operator": "equals", "value": "8176082119429"},
                {"field": "source_kind", "operator": "equals", "value": "RESERVATION"}
            ]},
            "limit": 1000,
            "sort": [{"field": "id", "direction": "asc"}]
        });
        if let Some(token) = self.0 {
            want["pageToken"] = token.into();
        }
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        serde_json::from_slice::<serde_json::Value>(&request.body).ok() == Some(want)
            && header("content-type").is_some_and(|v| v.starts_with("application/json"))
            && header("authorization") == Some("Bearer cbat_test_key")
            && header("x-property-id") == Some("318267")
    }
}

const ACCOUNTING: &str = "/accounting/v1.0/transactions";

/// Both pages of the stay's Accounting transactions, each expected `times`.
async fn mount_accounting(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(ACCOUNTING))
        .and(AccountingPage(None))
        .respond_with(json("accounting_transactions_page1.json"))
        .expect(times)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(ACCOUNTING))
        .and(AccountingPage(Some("eyJvZmZzZXQiOjN9")))
        .respond_with(json("accounting_transactions_page2.json"))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_reservation_sends_api_key_and_property_header() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .and(query_param("reservationID", "8176082119429"))
        .and(header("x-api-key", "cbat_test_key"))
        .and(header("x-property-id", "318267"))
        .respond_with(json("get_reservation.json"))
        .expect(1)
        .mount(&server)
        .await;
    let got = key_client(&server)
        .reservation(&vid("8176082119429"))
        .await
        .unwrap();
    assert_eq!(got.external.id.as_str(), "8176082119429");
    assert_eq!(got.total, Some(Money::new(dec!(3908.28), Currency::USD)));
}

#[tokio::test]
async fn reservations_modified_pages_with_local_time_filters() {
    let server = server().await;
    for (page, file) in [
        ("1", "get_reservations_page1.json"),
        ("2", "get_reservations_page2.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(api("getReservations")))
            .and(query_param("pageNumber", page))
            .and(query_param("pageSize", "2"))
            // 05:00Z is midnight in New York (EST).
            .and(query_param("modifiedFrom", "2026-01-20 00:00:00"))
            .and(query_param("modifiedTo", "2026-01-21 00:00:00"))
            // Rows carrying rooms and guests as getReservation does.
            .and(query_param("includeAllRooms", "true"))
            .and(query_param("includeGuestsDetails", "true"))
            .respond_with(json(file))
            .expect(1)
            .mount(&server)
            .await;
    }
    // What no row carries (total, ETA): one call per page for the page's ids.
    for ids in ["8176082119429,8176082119430", "8176082119431"] {
        Mock::given(method("GET"))
            .and(path(api("getReservationsWithRateDetails")))
            .and(query_param("reservationID", ids))
            .respond_with(json("get_reservations_with_rate_details.json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = key_client(&server);
    let mut query = ChangeQuery {
        since: utc("2026-01-20T05:00:00Z"),
        until: utc("2026-01-21T05:00:00Z"),
        page: None,
        page_size: 2,
    };
    let first = client.reservations_modified(&query).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next, Some(PageToken::new("2")));
    let completed = &first.items[0];
    assert_eq!(completed.external.id.as_str(), "8176082119429");
    assert_eq!(completed.total, Some(Money::new(dec!(3908.28), Currency::USD)));
    // 16:30 in New York on the arrival day (2026-02-01, EST).
    assert_eq!(completed.eta, Some(utc("2026-02-01T21:30:00Z")));
    assert_eq!(
        first.items[1].total,
        Some(Money::new(dec!(412.50), Currency::USD))
    );
    assert_eq!(first.items[1].eta, None);
    query.page = first.next;
    let second = client.reservations_modified(&query).await.unwrap();
    let ids: Vec<_> = second
        .items
        .iter()
        .map(|r| r.external.id.as_str().to_owned())
        .collect();
    assert_eq!(ids, ["8176082119431"]);
    assert_eq!(second.next, None);
}

#[tokio::test]
async fn success_false_inside_http_200_is_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(json("error_success_false.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).reservation(&vid("404404")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor_request_id(), Some("req-abc"));
}

/// Issue 18: `{"code": "ACCESS_DENIED", "description": "Access denied"}`
/// (the body `omniboost/go-cloudbeds` recorded, `error.access_denied.json`)
/// became "cloudbeds error 200:" with no message, a vendor error. The code
/// and message are kept, quoted values redacted, classified by code.
#[tokio::test]
async fn coded_error_bodies_keep_the_vendor_code_and_message_and_classify_by_code() {
    let cases = [
        (
            200,
            r#"{"id": null, "timestamp": "2024-12-27T12:31:53.318020618", "code": "ACCESS_DENIED", "description": "Access denied"}"#,
            ErrorKind::Auth,
            "ACCESS_DENIED: Access denied",
        ),
        (
            400,
            r#"{"id":"e-2","timestamp":"2026-02-01T00:00:00Z","errorCode":"BOOKING_NOT_FOUND","errorDetails":"Booking \"8176082119429\" not found"}"#,
            ErrorKind::NotFound,
            r#"BOOKING_NOT_FOUND: Booking "<redacted>" not found"#,
        ),
        (
            200,
            r#"{"success": false, "code": "INVALID_PARAMETER", "message": "Invalid email \"jane.roe@example.com\""}"#,
            ErrorKind::Validation,
            r#"INVALID_PARAMETER: Invalid email "<redacted>""#,
        ),
        (
            409,
            r#"{"message": "A profile with this code already exists.", "code": "DUPLICATE_PROFILE_CODE", "timestamp": "2024-01-15T10:30:45.123Z"}"#,
            ErrorKind::Conflict,
            "DUPLICATE_PROFILE_CODE: A profile with this code already exists.",
        ),
    ];
    for (status, body, kind, text) in cases {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path(api("getReservation")))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .expect(1)
            .mount(&server)
            .await;
        let err = key_client(&server)
            .reservation(&vid("8176082119429"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{body}: {err}");
        let shown = err.to_string();
        assert!(shown.contains(text), "{shown} lacks {text}");
        assert!(
            !shown.contains("jane.roe") && !shown.contains("\"8176082119429\""),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after_and_not_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).reservation(&vid("1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn rate_limit_message_in_200_is_rate_limited() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getHousekeepingStatus")))
        .respond_with(json("error_rate_limited.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).room_statuses().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
}

#[tokio::test]
async fn api_key_401_is_auth_without_retry() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"success":false,"message":"Unauthorized"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).reservation(&vid("1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

async fn mount_token(server: &MockServer, refresh_token: &str, body: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path(api("access_token")))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(
            format!("refresh_token={refresh_token}").as_str(),
        ))
        .and(body_string_contains("client_id=client-1"))
        .and(body_string_contains("client_secret=secret-1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json"))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn oauth_401_refreshes_once_then_retries() {
    let server = server().await;
    // First refresh rotates the refresh token (rt-1 -> rt-2-rotated).
    mount_token(&server, "rt-1", &fixture("access_token.json"), 1).await;
    mount_token(
        &server,
        "rt-2-rotated",
        r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#,
        1,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .and(header("authorization", "Bearer at-1-example"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .and(header("authorization", "Bearer at-2"))
        .respond_with(json("get_reservation.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::from_hotel(&config(&server, oauth())).unwrap();
    let got = client.reservation(&vid("8176082119429")).await.unwrap();
    assert_eq!(got.external.id.as_str(), "8176082119429");
    assert_eq!(
        client.current_refresh_token().unwrap().expose_secret(),
        "rt-2-rotated"
    );
}

#[tokio::test]
async fn oauth_second_401_after_refresh_is_auth() {
    let server = server().await;
    mount_token(
        &server,
        "rt-1",
        r#"{"access_token":"at-x","token_type":"Bearer","expires_in":3600}"#,
        2,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let client = CloudbedsClient::from_hotel(&config(&server, oauth())).unwrap();
    let err = client.reservation(&vid("1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn refresh_refused_is_auth_and_calls_no_api() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("access_token")))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":"invalid_grant","error_description":"expired"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::from_hotel(&config(&server, oauth())).unwrap();
    let err = client.reservation(&vid("1")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!err.to_string().contains("secret-1") && !err.to_string().contains("rt-1"));
}

#[tokio::test]
async fn refresh_answered_with_success_false_is_auth() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("access_token")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"success":false,"message":"Invalid refresh token"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::from_hotel(&config(&server, oauth())).unwrap();
    let err = client.rooms().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn token_is_cached_and_refreshed_before_expiry_with_injected_time() {
    let server = server().await;
    mount_token(
        &server,
        "rt-1",
        r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#,
        2,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(api("getHousekeepingStatus")))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(json("get_housekeeping_status.json"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(utc("2026-01-20T12:00:00Z")));
    let client = CloudbedsClient::builder(&config(&server, oauth()))
        .unwrap()
        .clock(clock.clone())
        .build()
        .unwrap();
    client.room_statuses().await.unwrap(); // refresh #1
    clock.advance(chrono::Duration::seconds(3000));
    client.room_statuses().await.unwrap(); // cached: 600 s left
    clock.advance(chrono::Duration::seconds(560));
    client.room_statuses().await.unwrap(); // 40 s left < 60 s skew: refresh #2
}

#[tokio::test]
async fn post_charge_validates_the_reservation_and_posts_reference_id() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("POST"))
        .and(path(api("postCustomItem")))
        .and(header("x-api-key", "cbat_test_key"))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("subReservationID", "8176082119429"),
            ("referenceID", REQUEST_ID),
            // 2026-02-02T02:30:00Z is 21:30 on the 1st in New York.
            ("saleDate", "2026-02-01 21:30:00"),
            ("itemPaid", "false"),
            ("items[0][appItemID]", "MINIBAR"),
            ("items[0][itemName]", "Minibar"),
            ("items[0][itemQuantity]", "2"),
            ("items[0][itemPrice]", "12.25"),
            (
                "items[0][itemNote]",
                "pms-ref:2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f",
            ),
            ("items[0][itemCategoryName]", "Bar"),
        ]))
        .respond_with(json("post_custom_item.json"))
        .expect(1)
        .mount(&server)
        .await;
    let posted = key_client(&server).post_charge(&charge()).await.unwrap();
    assert_eq!(posted.external.id.as_str(), "p_64862080");
    assert_eq!(posted.request_id, charge().request_id);
}

fn charge() -> ChargeRequest {
    ChargeRequest {
        request_id: REQUEST_ID.parse::<RequestId>().unwrap(),
        reservation: vid("8176082119429"),
        kind: ChargeKind::Minibar,
        description: "Minibar".into(),
        unit_amount: Money::new(dec!(12.25), Currency::USD),
        quantity: dec!(2),
        transaction_code: Some("MINIBAR".into()),
        outlet: Some("Bar".into()),
        consumed_at: utc("2026-02-02T02:30:00Z"),
    }
}

#[tokio::test]
async fn post_charge_to_an_unknown_reservation_posts_nothing() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(json("error_success_false.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = key_client(&server).post_charge(&charge()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn post_charge_to_a_cancelled_stay_is_refused_without_posting() {
    let server = server().await;
    let cancelled =
        fixture("get_reservation.json").replacen(r#""status": "confirmed""#, r#""status": "canceled""#, 1);
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(cancelled, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    // No postCustomItem mock: the catch-all fails the test if one is sent.
    let err = key_client(&server).post_charge(&charge()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    // Not dressed up as a Cloudbeds answer: no vendor request id, says nothing was sent.
    assert_eq!(err.vendor_request_id(), None);
    assert!(
        err.to_string()
            .contains("postCustomItem not sent: reservation is canceled"),
        "{err}"
    );
}

#[tokio::test]
async fn post_charge_in_another_currency_is_refused_before_any_call() {
    let server = server().await;
    let mut c = charge();
    c.unit_amount = Money::new(dec!(1), Currency::EUR);
    let err = key_client(&server).post_charge(&c).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn duplicate_reference_id_reads_the_first_charge_back() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("POST"))
        .and(path(api("postCustomItem")))
        .respond_with(json("post_custom_item_duplicate.json"))
        .expect(1)
        .mount(&server)
        .await;
    mount_accounting(&server, 1).await;
    let posted = key_client(&server).post_charge(&charge()).await.unwrap();
    // Found by the `itemNote` marker in the Accounting line's `notes`.
    assert_eq!(posted.external.id.as_str(), "54741583610068");
}

#[tokio::test]
async fn write_timeout_is_outcome_unknown_and_read_timeout_is_transient() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("postHousekeepingStatus")))
        .respond_with(json("post_housekeeping_status.json").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .respond_with(json("get_rooms.json").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::builder(&config(&server, api_key()))
        .unwrap()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let update = RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: vid("544559-0"),
        status: HousekeepingStatus::Clean,
    };
    let err = client.set_room_status(&update).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    let err = client.rooms().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn set_room_status_always_sends_the_condition() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("postHousekeepingStatus")))
        .and(form(&[
            ("propertyID", "318267"),
            ("roomID", "544559-0"),
            ("roomCondition", "clean"),
        ]))
        .respond_with(json("post_housekeeping_status.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let update = RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: vid("544559-0"),
        status: HousekeepingStatus::Clean,
    };
    client.set_room_status(&update).await.unwrap();
    let ooo = RoomStatusUpdate {
        status: HousekeepingStatus::OutOfOrder,
        ..update
    };
    assert_eq!(
        client.set_room_status(&ooo).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[tokio::test]
async fn check_in_puts_the_status_form_encoded() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("PUT"))
        .and(path(api("putReservation")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("status", "checked_in"),
        ]))
        .respond_with(json("put_reservation.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let request = CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vid("8176082119429"),
        room: Some(pms_core::RoomNumber::new("101").unwrap()),
    };
    client.check_in(&request).await.unwrap();
    let wrong_room = CheckInRequest {
        room: Some(pms_core::RoomNumber::new("999").unwrap()),
        ..request
    };
    assert_eq!(
        client.check_in(&wrong_room).await.unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[tokio::test]
async fn check_out_refuses_an_open_balance_unless_allowed() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("PUT"))
        .and(path(api("putReservation")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("status", "checked_out"),
        ]))
        .respond_with(json("put_reservation.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let request = CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: vid("8176082119429"),
        allow_open_balance: false,
    };
    assert_eq!(
        client.check_out(&request).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let allowed = CheckOutRequest {
        allow_open_balance: true,
        ..request
    };
    client.check_out(&allowed).await.unwrap();
}

#[tokio::test]
async fn find_charge_and_folio_read_the_accounting_api() {
    let server = server().await;
    mount_get_reservation(&server).await;
    mount_accounting(&server, 3).await;
    let client = key_client(&server);
    let found = client
        .find_charge(&vid("8176082119429"), REQUEST_ID.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.external.id.as_str(), "54741583610068");
    // 2450 at currencyScale 2.
    assert_eq!(found.total, Money::new(dec!(24.50), Currency::USD));
    assert_eq!(found.unit_amount, Money::new(dec!(12.25), Currency::USD));
    assert!(
        client
            .find_charge(&vid("8176082119429"), RequestId::new_random())
            .await
            .unwrap()
            .is_none()
    );
    let folio = client.folio(&vid("8176082119429")).await.unwrap();
    // Cloudbeds' own balance from getReservation wins over the recomputed one.
    assert_eq!(folio.balance, Money::new(dec!(1954.14), Currency::USD));
    assert_eq!(folio.charges.len(), 3);
    assert_eq!(folio.charges.iter().filter(|c| c.voided).count(), 1);
    let paid: Vec<_> = folio.payments.iter().map(|p| p.amount.amount).collect();
    assert_eq!(paid, [dec!(500), dec!(-50)]);
}

fn accounting_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(
        r#"{{"id":"e-1","timestamp":"2026-02-01T00:00:00Z","errorCode":"{code}","errorDetails":"refused"}}"#
    ))
}

/// The Accounting API refuses (403 `ACCESS_DENIED`, 404, 405, 501): the folio
/// comes from `getTransactions`, as for properties not on the Accounting service.
#[tokio::test]
async fn a_refused_accounting_search_falls_back_to_get_transactions() {
    for refusal in [
        accounting_error(403, "ACCESS_DENIED"),
        ResponseTemplate::new(404),
        ResponseTemplate::new(405),
        ResponseTemplate::new(501),
        accounting_error(400, "ACCOUNTS_RECEIVABLE_LEDGER_FEATURE_DISABLED"),
    ] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path(ACCOUNTING))
            .respond_with(refusal)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(api("getTransactions")))
            .and(query_param("reservationID", "8176082119429"))
            .and(query_param("includeDeleted", "true"))
            .and(query_param("pageNumber", "1"))
            .respond_with(json("get_transactions.json"))
            .expect(1)
            .mount(&server)
            .await;
        let found = key_client(&server)
            .find_charge(&vid("8176082119429"), REQUEST_ID.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.external.id.as_str(), "t-101");
    }
}

/// Not a refusal: our request is wrong (400), the credential is refused
/// (401) or the service failed (500): no fallback (the catch-all would see
/// a `getTransactions`), the error is the answer, classified by its code.
#[tokio::test]
async fn a_failed_accounting_search_is_an_error_not_a_fallback() {
    for (answer, kind) in [
        (
            accounting_error(400, "INVALID_ARGUMENT_ERROR"),
            ErrorKind::Validation,
        ),
        (accounting_error(401, "ACCESS_DENIED"), ErrorKind::Auth),
        (accounting_error(500, "UNEXPECTED_ERROR"), ErrorKind::Transient),
        (
            ResponseTemplate::new(200).set_body_string("not json"),
            ErrorKind::Decode,
        ),
    ] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path(ACCOUNTING))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let err = key_client(&server)
            .find_charge(&vid("8176082119429"), REQUEST_ID.parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
    }
}

/// A `nextPageToken` equal to the token asked with would loop for ever.
#[tokio::test]
async fn a_repeated_page_token_is_a_decode_error() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(ACCOUNTING))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"transactions":[],"nextPageToken":"same"}"#),
        )
        .expect(2)
        .mount(&server)
        .await;
    let err = key_client(&server)
        .find_charge(&vid("8176082119429"), REQUEST_ID.parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
}

#[tokio::test]
async fn void_charge_posts_void_item_and_accepts_already_voided() {
    let server = server().await;
    // The id is looked up among the stay's transactions first (not one of them:
    // it is the soldProductID postCustomItem answered).
    mount_accounting(&server, 2).await;
    Mock::given(method("POST"))
        .and(path(api("postVoidItem")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("soldProductID", "p_64862080"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true}"#))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("postVoidItem")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"success":false,"message":"Item already voided"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let request = VoidChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vid("8176082119429"),
        charge: vid("p_64862080"),
        reason: "guest dispute".into(),
    };
    client.void_charge(&request).await.unwrap();
    client.void_charge(&request).await.unwrap();
}

/// A line known only by its transaction id (what `find_charge` reads back)
/// names no `soldProductID` in the Accounting API: nothing is sent to
/// `postVoidItem` (the catch-all would fail) and the answer is `Unsupported`.
#[tokio::test]
async fn void_charge_of_a_transaction_id_is_unsupported_not_sent() {
    let server = server().await;
    mount_accounting(&server, 1).await;
    let err = key_client(&server)
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: vid("8176082119429"),
            charge: vid("54741583610068"),
            reason: "recovered".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), pms_core::ErrorKind::Unsupported, "{err}");
}

#[tokio::test]
async fn adjustments_payments_and_their_voids() {
    let server = server().await;
    let request_id: RequestId = REQUEST_ID.parse().unwrap();
    Mock::given(method("POST"))
        .and(path(api("postAdjustment")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("type", "rate"),
            ("amount", "-20.00"),
            ("notes", "pms-ref:2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f"),
        ]))
        .respond_with(json("post_adjustment.json"))
        .expect(1)
        .mount(&server)
        .await;
    // POST with a form body, as SDK 1.19.0 `AdjustmentApi.delete_adjustment_post` sends it.
    Mock::given(method("POST"))
        .and(path(api("deleteAdjustment")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("adjustmentID", "3301"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("postPayment")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("type", "cash"),
            ("amount", "100.00"),
            ("description", "pms-ref:2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f"),
            ("isDeposit", "false"),
        ]))
        .respond_with(json("post_payment.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("postVoidPayment")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("paymentID", "5512"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let adjustment = client
        .post_adjustment(&pms_cloudbeds::AdjustmentRequest {
            request_id,
            reservation: vid("8176082119429"),
            kind: pms_cloudbeds::AdjustmentType::Rate,
            amount: Money::new(dec!(-20.00), Currency::USD),
            item_id: None,
        })
        .await
        .unwrap();
    assert_eq!(adjustment.as_str(), "3301");
    client
        .delete_adjustment(&vid("8176082119429"), &adjustment)
        .await
        .unwrap();
    let payment = client
        .post_payment(&pms_cloudbeds::PaymentRequest {
            request_id,
            reservation: vid("8176082119429"),
            method: "cash".into(),
            card_type: None,
            amount: Money::new(dec!(100.00), Currency::USD),
            is_deposit: false,
        })
        .await
        .unwrap();
    assert_eq!(payment.payment_id.as_str(), "5512");
    assert_eq!(payment.transaction_id.as_deref(), Some("318267000555"));
    client
        .void_payment(&vid("8176082119429"), &payment.payment_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn rooms_housekeeping_guest_and_arrivals() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .and(query_param("propertyIDs", "318267"))
        .and(query_param("pageNumber", "1"))
        .respond_with(json("get_rooms.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getHousekeepingStatus")))
        .and(query_param("pageSize", "5000"))
        .respond_with(json("get_housekeeping_status.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getGuest")))
        .and(query_param("guestID", "71224431"))
        .respond_with(json("get_guest.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getReservations")))
        .and(query_param("checkInFrom", "2026-03-10"))
        .and(query_param("checkInTo", "2026-03-10"))
        .and(query_param("pageSize", "100"))
        .respond_with(json("get_reservations_page2.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getReservationsWithRateDetails")))
        .and(query_param("reservationID", "8176082119431"))
        .respond_with(json("get_reservations_with_rate_details.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    assert_eq!(client.rooms().await.unwrap().len(), 2);
    assert_eq!(client.room_statuses().await.unwrap().len(), 2);
    let guest = client.guest(&vid("71224431")).await.unwrap();
    assert_eq!(guest.external.id.as_str(), "71224431");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    let arrivals = client.arrivals(pms_core::DateRange::day(day)).await.unwrap();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].total, Some(Money::new(dec!(220), Currency::USD)));
}

#[tokio::test]
async fn webhook_subscriptions() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("postWebhook")))
        .and(form(&[
            ("propertyID", "318267"),
            ("object", "reservation"),
            ("action", "created"),
            ("endpointUrl", "https://hooks.example.com/webhooks/harbor"),
            ("authHeaderName", "X-PMS-Webhook-Token"),
            ("authHeaderValue", "0123456789abcdef-secret"),
        ]))
        .respond_with(json("post_webhook.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getWebhooks")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":true,"data":[{"id":"sub-981","event":{"entity":"reservation","action":"created"},
               "key":{"type":"property","id":"318267"},"subscriptionType":"webhook",
               "subscriptionData":{"endpoint":"https://hooks.example.com/cloudbeds/0123456789abcdef"}}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(api("deleteWebhook")))
        .and(query_param("subscriptionID", "sub-981"))
        .and(query_param("propertyIDs", "318267"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let url: url::Url = "https://hooks.example.com/webhooks/harbor".parse().unwrap();
    let secret = SecretString::from("0123456789abcdef-secret");
    let id = client
        .subscribe_webhook("reservation", "created", &url, &secret)
        .await
        .unwrap();
    assert_eq!(id, "sub-981");
    // A secret in the URL next to the header is refused before anything is sent.
    let leaky: url::Url = "https://hooks.example.com/webhooks/harbor?token=x"
        .parse()
        .unwrap();
    let err = client
        .subscribe_webhook("reservation", "created", &leaky, &secret)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    let list = client.list_webhooks().await.unwrap();
    assert_eq!(list[0].id.as_deref(), Some("sub-981"));
    assert_eq!(
        list[0]
            .subscription_data
            .as_ref()
            .and_then(|d| d.endpoint.as_deref()),
        Some("https://hooks.example.com/cloudbeds/0123456789abcdef")
    );
    client.delete_webhook("sub-981").await.unwrap();
}

/// Subscriptions made the old way send no auth header fields: the secret is
/// the URL's `token`.
#[tokio::test]
async fn webhook_subscription_with_a_url_token_sends_no_auth_header() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(api("postWebhook")))
        .and(form(&[
            ("propertyID", "318267"),
            ("object", "guest"),
            ("action", "created"),
            (
                "endpointUrl",
                "https://hooks.example.com/webhooks/harbor?token=0123456789abcdef",
            ),
        ]))
        .respond_with(json("post_webhook.json"))
        .expect(1)
        .mount(&server)
        .await;
    let url: url::Url = "https://hooks.example.com/webhooks/harbor?token=0123456789abcdef"
        .parse()
        .unwrap();
    let id = key_client(&server)
        .subscribe_webhook_with_url_token("guest", "created", &url)
        .await
        .unwrap();
    assert_eq!(id, "sub-981");
}

#[tokio::test]
async fn health_probes_hotel_details() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getHotelDetails")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"success":true,"data":{"propertyID":"318267"}}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = key_client(&server).health().await;
    assert!(report.healthy, "{report:?}");
}

#[tokio::test]
async fn webhook_authentication_and_property_check() {
    let token = SecretString::from("0123456789abcdef-token");
    let verifier = pms_cloudbeds::WebhookVerifier::new(&token).unwrap();
    let body = fixture("webhooks/reservation_created.json");
    let hotel = HotelId::new("harbor").unwrap();
    let now = utc("2026-01-01T00:00:00Z");
    let ok = pms_cloudbeds::authenticate_and_parse(
        &verifier,
        "0123456789abcdef-token",
        body.as_bytes(),
        "318267",
        &hotel,
        now,
    )
    .unwrap();
    assert_eq!(ok.events.len(), 1);
    let bad_token =
        pms_cloudbeds::authenticate_and_parse(&verifier, "guess", body.as_bytes(), "318267", &hotel, now)
            .unwrap_err();
    assert_eq!(bad_token.kind(), ErrorKind::Auth);
    let other_property = pms_cloudbeds::authenticate_and_parse(
        &verifier,
        "0123456789abcdef-token",
        body.as_bytes(),
        "999",
        &hotel,
        now,
    )
    .unwrap_err();
    assert_eq!(other_property.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn api_key_can_go_in_the_authorization_header() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getHotelDetails")))
        .and(header("authorization", "Bearer cbat_test_key"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true,"data":{}}"#))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::builder(&config(&server, api_key()))
        .unwrap()
        .api_key_header(pms_cloudbeds::ApiKeyHeader::AuthorizationBearer)
        .build()
        .unwrap();
    assert!(client.health().await.healthy);
}

#[tokio::test]
#[should_panic(expected = "Verifications failed")]
async fn the_catch_all_fails_loudly_on_an_unexpected_request() {
    let server = server().await;
    let err = key_client(&server).reservation(&vid("1")).await.unwrap_err();
    // The 599 answer classifies as a server error; dropping the server then panics.
    assert_eq!(err.kind(), ErrorKind::Transient);
    drop(server);
}

#[test]
fn debug_output_never_shows_credentials() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    let with_key = key_client(&server);
    let with_oauth = CloudbedsClient::from_hotel(&config(&server, oauth())).unwrap();
    for text in [format!("{with_key:?}"), format!("{with_oauth:?}")] {
        for secret in ["cbat_test_key", "secret-1", "rt-1"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
}

#[tokio::test]
async fn oauth_metadata_names_the_regional_base_url() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("oauth/metadata")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":"true","data":{"api":{"url":"https://api.eu.cloudbeds.com/api/v1.3/"}}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let url = key_client(&server).api_url_from_metadata().await.unwrap();
    assert_eq!(url.as_str(), "https://api.eu.cloudbeds.com/api/v1.3/");
}

#[tokio::test]
async fn empty_guest_list_sent_as_a_php_array_is_empty() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":true,"data":{"reservationID":"9","status":"confirmed","startDate":"2026-02-01",
               "endDate":"2026-02-02","guestList":[],"assigned":[],"unassigned":[],"total":"0","balance":0}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let got = key_client(&server).reservation(&vid("9")).await.unwrap();
    assert_eq!(got.primary_guest, None);
    assert_eq!(got.total, Some(Money::new(dec!(0), Currency::USD)));
}

#[test]
fn the_client_is_an_object_safe_shareable_pms_client() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<CloudbedsClient>();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    let client: Arc<dyn PmsClient> = Arc::new(key_client(&server));
    assert_eq!(client.kind(), pms_core::PmsKind::Cloudbeds);
    let caps = client.capabilities();
    for cap in [
        pms_core::Capability::PostCharge,
        pms_core::Capability::ChargeReadBack,
        pms_core::Capability::VoidCharge,
        pms_core::Capability::RoomStatusWrite,
        pms_core::Capability::Webhooks,
    ] {
        assert!(caps.supports(cap), "{cap:?}");
    }
    assert!(!caps.supports(pms_core::Capability::CardHold));
    assert_eq!(client_rate_limit(&server), pms_cloudbeds::DEFAULT_RATE_LIMIT);
}

fn client_rate_limit(server: &MockServer) -> pms_core::RateLimit {
    let partner = CloudbedsClient::builder(&config(server, api_key()))
        .unwrap()
        .rate_limit(pms_cloudbeds::PARTNER_RATE_LIMIT)
        .build()
        .unwrap();
    assert_eq!(partner.rate_limit().requests, 10);
    key_client(server).rate_limit()
}

#[tokio::test]
async fn malformed_vendor_data_is_a_decode_error_naming_the_path() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(api("getReservations")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":true,"data":[{"reservationID":"1","status":"confirmed","startDate":"2026-02-01",
               "endDate":"2026-02-02","adults":"two"}],"count":1,"total":1}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let query = ChangeQuery {
        since: utc("2026-01-20T05:00:00Z"),
        until: utc("2026-01-21T05:00:00Z"),
        page: None,
        page_size: 100,
    };
    let err = key_client(&server)
        .reservations_modified(&query)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("$.data[0].adults"), "{err}");
}

#[tokio::test]
async fn an_accepted_write_with_an_unreadable_answer_is_outcome_unknown() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("POST"))
        .and(path(api("postCustomItem")))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"success":true,"data":{}}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("postPayment")))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let err = client.post_charge(&charge()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    let err = client
        .post_payment(&pms_cloudbeds::PaymentRequest {
            request_id: RequestId::new_random(),
            reservation: vid("8176082119429"),
            method: "cash".into(),
            card_type: None,
            amount: Money::new(dec!(1), Currency::USD),
            is_deposit: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn status_changes_go_through_put_reservation() {
    let server = server().await;
    for status in ["canceled", "no_show"] {
        Mock::given(method("PUT"))
            .and(path(api("putReservation")))
            .and(form(&[
                ("propertyID", "318267"),
                ("reservationID", "8176082119429"),
                ("status", status),
            ]))
            .respond_with(json("put_reservation.json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = key_client(&server);
    client
        .put_reservation_status("8176082119429", &pms_core::ReservationStatus::Cancelled)
        .await
        .unwrap();
    client
        .put_reservation_status("8176082119429", &pms_core::ReservationStatus::NoShow)
        .await
        .unwrap();
    let err = client
        .put_reservation_status("8176082119429", &pms_core::ReservationStatus::Waitlisted)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn rooms_keep_paging_while_the_total_counts_more_rooms() {
    let server = server().await;
    // A server that caps pageSize below ours: 2 rooms per page, total 3.
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .and(query_param("pageNumber", "1"))
        .respond_with(json("get_rooms.json").set_body_raw(
            fixture("get_rooms.json").replace(r#""total": 2"#, r#""total": 3"#),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .and(query_param("pageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":true,"data":[{"propertyID":"318267","rooms":[{"roomID":"544559-1","roomName":"102",
               "roomTypeID":"544559","roomTypeName":"Queen Room"}]}],"count":1,"total":3}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let rooms = key_client(&server).rooms().await.unwrap();
    let names: Vec<_> = rooms.iter().map(|r| r.number.as_str().to_owned()).collect();
    assert_eq!(names, ["101", "Garden Suite", "102"]);
}

#[tokio::test]
async fn opted_in_read_retries_resend_a_failed_read_and_never_a_write() {
    let server = server().await;
    // A 503 and then a 429 (Retry-After 7 s, waited in virtual time), then the answer.
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .up_to_n_times(1)
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(json("get_reservation.json"))
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let sleeper = pms_core::VirtualSleeper::new(clock.clone());
    let client = CloudbedsClient::builder(&config(&server, api_key()))
        .unwrap()
        .clock(clock)
        .sleeper(Arc::new(sleeper.clone()))
        .retry(pms_core::RetryPolicy {
            max_attempts: 3,
            ..pms_core::RetryPolicy::default()
        })
        .build()
        .unwrap();
    let got = client.reservation(&vid("8176082119429")).await.unwrap();
    assert_eq!(got.external.id.as_str(), "8176082119429");
    let slept = sleeper.slept();
    assert_eq!(slept.len(), 2, "{slept:?}");
    assert!(
        slept[1] >= Duration::from_secs(7),
        "Retry-After is a floor: {slept:?}"
    );

    // A write that fails is answered as is: the journal decides, after a read-back.
    Mock::given(method("POST"))
        .and(path(api("postHousekeepingStatus")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: vid("544559-0"),
            status: HousekeepingStatus::Clean,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown | ErrorKind::Transient),
        "{err:?}"
    );
    assert_eq!(sleeper.slept().len(), 2, "the write was not resent");
}

#[tokio::test]
async fn assign_room_resolves_the_number_and_posts_the_form() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .and(query_param("propertyIDs", "318267"))
        .respond_with(json("get_rooms.json"))
        .mount(&server)
        .await;
    // Reassignment: the new room's id and type, and the room it leaves.
    Mock::given(method("POST"))
        .and(path(api("postRoomAssign")))
        .and(form(&[
            ("propertyID", "318267"),
            ("reservationID", "8176082119429"),
            ("newRoomID", "601917-0"),
            ("roomTypeID", "601917"),
            ("oldRoomID", "544559-0"),
        ]))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", REQUEST_ID)
                .set_body_string(r#"{"success":true}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    assert!(client.capabilities().supports(pms_core::Capability::AssignRoom));
    let request = pms_core::RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: vid("8176082119429"),
        room: pms_core::RoomNumber::new("Garden Suite").unwrap(),
    };
    client.assign_room(&request).await.unwrap();
    // The room it already has: success without a write (expect(1) above).
    let same = pms_core::RoomAssignment {
        room: pms_core::RoomNumber::new("101").unwrap(),
        ..request.clone()
    };
    client.assign_room(&same).await.unwrap();
    // A number getRooms does not know: Validation, nothing sent.
    let unknown = pms_core::RoomAssignment {
        room: pms_core::RoomNumber::new("999").unwrap(),
        ..request
    };
    assert_eq!(
        client.assign_room(&unknown).await.unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[tokio::test]
async fn assign_room_refused_with_success_false_is_an_error() {
    let server = server().await;
    mount_get_reservation(&server).await;
    Mock::given(method("GET"))
        .and(path(api("getRooms")))
        .respond_with(json("get_rooms.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("postRoomAssign")))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"success":false,"message":"Room 601917-0 is already assigned to another reservation on these dates"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = key_client(&server);
    let err = client
        .assign_room(&pms_core::RoomAssignment {
            request_id: RequestId::new_random(),
            reservation: vid("8176082119429"),
            room: pms_core::RoomNumber::new("Garden Suite").unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn an_answer_over_the_body_limit_is_refused_not_buffered() {
    // Reads were read whole before the transport; now a 4 KiB answer against
    // a 1 KiB limit is an error naming the limit.
    let server = server().await;
    let big = format!(
        r#"{{"success":true,"data":{{"padding":"{}"}}}}"#,
        "x".repeat(4096)
    );
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = CloudbedsClient::builder(&config(&server, api_key()))
        .unwrap()
        .body_limit(1024)
        .build()
        .unwrap();
    let err = client.reservation(&vid("8176082119429")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor, "{err:?}");
    assert!(err.to_string().contains("1024 bytes"), "{err}");
}

/// A gate that counts admissions.
#[derive(Debug, Default)]
struct Counting(std::sync::atomic::AtomicUsize);

impl pms_core::Gate for Counting {
    fn admit(&self, _write: bool) -> futures::future::BoxFuture<'_, ()> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async {})
    }

    fn answered(&self, _answer: pms_core::GateAnswer) {}
}

#[tokio::test]
async fn the_gate_admits_every_http_request_the_token_refresh_included() {
    let server = server().await;
    mount_token(&server, "rt-1", &fixture("access_token.json"), 1).await;
    Mock::given(method("GET"))
        .and(path(api("getReservation")))
        .and(header("authorization", "Bearer at-1-example"))
        .respond_with(json("get_reservation.json"))
        .expect(1)
        .mount(&server)
        .await;
    let gate = Arc::new(Counting::default());
    let client = CloudbedsClient::builder(&config(&server, oauth()))
        .unwrap()
        .gate(gate.clone())
        .build()
        .unwrap();
    client.reservation(&vid("8176082119429")).await.unwrap();
    // `access_token`, then `getReservation`.
    assert_eq!(gate.0.load(std::sync::atomic::Ordering::SeqCst), 2);
}
