//! OHIP cashiering against a wiremock gateway: the exact token and charge
//! requests (path, headers, JSON body), the answer mapping, the token cache
//! and its renewal on expiry and on 401, read-back found / not found, and the
//! error classes. A catch-all mock fails the test on any unexpected request.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{hotel, now, options};
use pms_core::{
    Capability, ChargeKind, ChargeRequest, Currency, Error, ErrorKind, ManualClock, Money, OhipGrant,
    OperaDeployment, PmsClient, RequestId, VendorId,
};
use pms_opera::{OhipConfig, OperaClient, OperaOptions};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use wiremock::matchers::{any, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.sim-token-one.c2ln";
const CHARGES: &str = "/csh/v1/hotels/BLRWE/reservations/12345/charges";
const TRANSACTIONS: &str = "/csh/v1/hotels/BLRWE/transactions";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ohip")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

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

fn config(server: &MockServer) -> OhipConfig {
    OhipConfig {
        gateway: server.uri().parse().unwrap(),
        app_key: SecretString::from(APP_KEY.to_owned()),
        client_id: "partner_client".into(),
        client_secret: SecretString::from("client-s3cret".to_owned()),
        grant: OhipGrant::Password {
            username: "INTEGRATION".into(),
            password: SecretString::from("us3r&pass".to_owned()),
        },
        hotel_id: "BLRWE".into(),
        cashier_id: None,
        token_margin: Duration::from_secs(300),
    }
}

fn client_with(server: &MockServer, clock: Arc<ManualClock>, options: OperaOptions) -> OperaClient {
    // The OWS base points at the same server: any OWS call would hit the catch-all.
    OperaClient::builder(&hotel(&server.uri(), OperaDeployment::OnPremise))
        .unwrap()
        .options(options)
        .clock(clock)
        .build()
        .unwrap()
        .ohip_cashiering(config(server))
}

fn client(server: &MockServer) -> (OperaClient, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(now()));
    (client_with(server, clock.clone(), options()), clock)
}

fn request_id(n: u128) -> RequestId {
    RequestId::from_uuid(uuid::Uuid::from_u128(n))
}

fn charge(n: u128) -> ChargeRequest {
    ChargeRequest {
        request_id: request_id(n),
        reservation: VendorId::new("12345").unwrap(),
        kind: ChargeKind::RoomService,
        description: "Club sandwich".into(),
        unit_amount: Money::new(dec!(625), Currency::new("INR").unwrap()),
        quantity: dec!(2),
        transaction_code: Some("2000".into()),
        outlet: None,
        consumed_at: now(),
    }
}

fn token_answer(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": token,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "oracle_tk_context": "user_assertion"
    }))
}

/// The token request as oauth.json specifies it (password grant).
async fn mount_token(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path("/oauth/v1/tokens"))
        .and(header("x-app-key", APP_KEY))
        // base64("partner_client:client-s3cret")
        .and(header(
            "authorization",
            "Basic cGFydG5lcl9jbGllbnQ6Y2xpZW50LXMzY3JldA==",
        ))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "grant_type=password&username=INTEGRATION&password=us3r%26pass",
        ))
        .respond_with(answer)
        .expect(times)
        .named("token")
        .mount(server)
        .await;
}

fn charges_mock(bearer: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(CHARGES))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .and(header("x-app-key", APP_KEY))
        .and(header("x-hotelid", "BLRWE"))
        .and(header("content-type", "application/json"))
}

#[tokio::test]
async fn post_charge_sends_the_spec_request_with_our_reference() {
    let server = server().await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_string(fixture("token.json")),
        1,
    )
    .await;
    charges_mock(TOKEN)
        .and(header("x-request-id", request_id(0xb1).to_string().as_str()))
        .respond_with(ResponseTemplate::new(201).set_body_string(fixture("post_charge.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    assert!(client.capabilities().supports(Capability::ChargeReadBack));

    let posted = client.post_charge(&charge(0xb1)).await.unwrap();
    assert_eq!(posted.request_id, request_id(0xb1));
    assert_eq!(
        posted.external.id.as_str(),
        "887766",
        "the transactionNo OPERA returned"
    );
    let debug = format!("{client:?}");
    for secret in [APP_KEY, "client-s3cret", "us3r&pass", TOKEN] {
        assert!(!debug.contains(secret), "client Debug shows {secret}");
    }

    let requests: Vec<Request> = server.received_requests().await.unwrap();
    let sent = requests.iter().find(|r| r.url.path() == CHARGES).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body, json("post_charge.request.json"));
    // The amount goes out as the decimal's digits, never through a float.
    assert!(String::from_utf8_lossy(&sent.body).contains(r#""amount":1250.00"#));
}

#[tokio::test]
async fn the_token_is_cached_until_its_margin_and_then_renewed() {
    let server = server().await;
    mount_token(&server, token_answer("tok-1", 3600), 1).await;
    charges_mock("tok-1")
        .respond_with(ResponseTemplate::new(201))
        .expect(2)
        .mount(&server)
        .await;
    let (client, clock) = client(&server);
    client.post_charge(&charge(1)).await.unwrap();
    // 3600 s lifetime, renewed 300 s early: still valid at +3299 s.
    clock.advance(chrono::Duration::seconds(3299));
    let posted = client.post_charge(&charge(2)).await.unwrap();
    assert_eq!(
        posted.external.id.as_str(),
        pms_opera::ohip::posting_reference(request_id(2)),
        "an empty 201 leaves our reference as the id"
    );
    server.verify().await;
    server.reset().await;

    let server2 = &server;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599))
        .with_priority(u8::MAX)
        .expect(0)
        .mount(server2)
        .await;
    mount_token(server2, token_answer("tok-2", 3600), 1).await;
    charges_mock("tok-2")
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(server2)
        .await;
    clock.advance(chrono::Duration::seconds(2));
    client.post_charge(&charge(3)).await.unwrap();
}

#[tokio::test]
async fn a_401_renews_the_token_and_resends_once() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v1/tokens"))
        .respond_with(token_answer("revoked", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_token(&server, token_answer("fresh", 3600), 1).await;
    charges_mock("revoked")
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    charges_mock("fresh")
        .respond_with(ResponseTemplate::new(201).set_body_string(fixture("post_charge.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.post_charge(&charge(0xb1)).await.unwrap();
}

#[tokio::test]
async fn a_second_401_is_an_auth_error() {
    let server = server().await;
    mount_token(&server, token_answer("tok", 3600), 2).await;
    charges_mock("tok")
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let err = client.post_charge(&charge(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn a_refused_grant_is_an_auth_error_that_names_no_secret() {
    let server = server().await;
    mount_token(
        &server,
        ResponseTemplate::new(401).set_body_string(r#"{"title":"Unauthorized","detail":"bad us3r&pass"}"#),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let core = client.post_charge_request(&charge(1)).await.unwrap_err();
    assert!(matches!(core, Error::Auth { .. }), "{core:?}");
    assert!(core.to_string().contains("HTTP 401"), "{core}");
    assert!(!format!("{core} {core:?}").contains("us3r"));
}

#[tokio::test]
async fn find_charge_reads_the_posting_back_by_reference() {
    let server = server().await;
    mount_token(&server, token_answer(TOKEN, 3600), 1).await;
    Mock::given(method("GET"))
        .and(path(TRANSACTIONS))
        .and(query_param("reservationList", "12345"))
        .and(query_param(
            "referenceNumberWildCard",
            pms_opera::ohip::posting_reference(request_id(0xb1)).as_str(),
        ))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("x-app-key", APP_KEY))
        .and(header("x-hotelid", "BLRWE"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("transactions.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let found = client
        .find_charge(&VendorId::new("12345").unwrap(), request_id(0xb1))
        .await
        .unwrap()
        .unwrap();
    let inr = Currency::new("INR").unwrap();
    assert_eq!(found.request_id, Some(request_id(0xb1)));
    assert_eq!(found.external.id.as_str(), "887766");
    assert_eq!(found.total, Money::new(dec!(1250.00), inr));
    assert_eq!(found.unit_amount, Money::new(dec!(625.00), inr));
    assert_eq!(found.quantity, dec!(2));
    assert_eq!(found.transaction_code.as_deref(), Some("2000"));
    assert_eq!(found.description, "Restaurant");
    assert_eq!(found.business_date, chrono::NaiveDate::from_ymd_opt(2026, 3, 1));
}

#[tokio::test]
async fn find_charge_answers_none_when_no_posting_carries_the_reference() {
    let server = server().await;
    mount_token(&server, token_answer(TOKEN, 3600), 1).await;
    let reservation = VendorId::new("12345").unwrap();
    // Another request's reference only (the server ignored the filter).
    Mock::given(method("GET"))
        .and(path(TRANSACTIONS))
        .and(query_param(
            "referenceNumberWildCard",
            pms_opera::ohip::posting_reference(request_id(7)).as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("transactions.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    // 204: "GuestsTransactions not found".
    Mock::given(method("GET"))
        .and(path(TRANSACTIONS))
        .and(query_param(
            "referenceNumberWildCard",
            pms_opera::ohip::posting_reference(request_id(8)).as_str(),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    assert_eq!(
        client.find_charge(&reservation, request_id(7)).await.unwrap(),
        None
    );
    assert_eq!(
        client.find_charge(&reservation, request_id(8)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn error_bodies_are_classified_and_keep_guest_text_out() {
    let server = server().await;
    mount_token(&server, token_answer(TOKEN, 3600), 1).await;
    charges_mock(TOKEN)
        .respond_with(ResponseTemplate::new(400).set_body_string(fixture("error_400.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let core = client.post_charge_request(&charge(1)).await.unwrap_err();
    // The public face is pms_core::Error: kind, vendor code and request id kept.
    let Error::Vendor { code, .. } = &core else {
        panic!("{core:?}")
    };
    assert_eq!(code, "CSH-POSTING_NOT_ALLOWED");
    assert!(core.to_string().contains("HTTP 400"), "{core}");
    assert!(!format!("{core} {core:?}").contains("Lovelace"));
    assert_eq!(core.kind(), ErrorKind::Vendor);
    assert_eq!(core.vendor_request_id(), Some(request_id(1).to_string().as_str()));
    assert!(!core.to_string().contains("Lovelace"));
}

#[tokio::test]
async fn a_lost_answer_is_outcome_unknown_and_an_unavailable_gateway_is_transient() {
    let server = server().await;
    mount_token(&server, token_answer(TOKEN, 3600), 1).await;
    charges_mock(TOKEN)
        .and(header("x-request-id", request_id(1).to_string().as_str()))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    charges_mock(TOKEN)
        .and(header("x-request-id", request_id(2).to_string().as_str()))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    charges_mock(TOKEN)
        .and(header("x-request-id", request_id(3).to_string().as_str()))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    charges_mock(TOKEN)
        .and(header("x-request-id", request_id(4).to_string().as_str()))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(now()));
    let client = client_with(
        &server,
        clock,
        OperaOptions {
            timeout: Duration::from_millis(300),
            ..options()
        },
    );
    let kind = |r: Result<_, Error>| r.unwrap_err().kind();
    assert_eq!(
        kind(client.post_charge(&charge(1)).await),
        ErrorKind::OutcomeUnknown
    );
    assert_eq!(kind(client.post_charge(&charge(2)).await), ErrorKind::Transient);
    assert_eq!(
        kind(client.post_charge(&charge(3)).await),
        ErrorKind::OutcomeUnknown
    );
    let limited = client.post_charge(&charge(4)).await.unwrap_err();
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn without_ohip_charges_stay_on_ows() {
    let server = server().await;
    let client = common::client(&server.uri(), OperaDeployment::OnPremise, options());
    assert!(client.ohip().is_none());
    assert!(!client.capabilities().supports(Capability::ChargeReadBack));
    let err = client
        .find_charge(&VendorId::new("12345").unwrap(), request_id(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

/// A posting whose `transactionDate` is a number (serde's message would quote
/// it in backticks) and one whose `quantity` is an object holding a name:
/// the error names the JSON path and never carries the values.
#[tokio::test]
async fn an_undecodable_posting_names_its_json_path_and_never_its_value() {
    let cases = [
        (
            r#""transactionDate": "2026-03-01""#,
            r#""transactionDate": 19310231"#,
            "19310231",
            "postings[1].transactionDate",
        ),
        (
            r#""quantity": "2""#,
            r#""quantity": {"guest": "Lovelace"}"#,
            "Lovelace",
            "postings[1].quantity",
        ),
    ];
    for (from, to, needle, spot) in cases {
        let server = server().await;
        mount_token(&server, token_answer(TOKEN, 3600), 1).await;
        let body = fixture("transactions.response.json");
        // The second posting's field (the first has its own `transactionDate`).
        let at = body.rfind(from).unwrap();
        let body = format!("{}{to}{}", &body[..at], &body[at + from.len()..]);
        Mock::given(method("GET"))
            .and(path(TRANSACTIONS))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .expect(1)
            .mount(&server)
            .await;
        let (client, _) = client(&server);
        let err = client
            .find_charge(&VendorId::new("12345").unwrap(), request_id(0xb1))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{to}");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(needle), "{needle} leaked: {text}");
            assert!(text.contains(spot), "{text} does not name {spot}");
        }
    }
}
