//! Golden tests: the exact XML the client sends (captured by wiremock),
//! compared byte for byte with `fixtures/opera/*.request.xml`.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{client, fixture_str, options};
use pms_core::{ChargeKind, ChargeRequest, Currency, Money, OperaDeployment, RequestId, VendorId};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (review the diff!).
fn check_golden(name: &str, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(common::fixture_path(name), format!("{actual}\n")).unwrap();
    }
    assert_eq!(actual, fixture_str(name).trim_end());
}

async fn sent_body(server: &MockServer) -> String {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request expected");
    String::from_utf8(requests[0].body.clone()).unwrap()
}

async fn server_answering(fixture: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture_str(fixture)))
        .mount(&server)
        .await;
    server
}

fn charge() -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::from_uuid(uuid::Uuid::from_u128(0x0d5e6c1a_2b3c_4d5e_8f9a_0b1c2d3e4f50)),
        reservation: VendorId::new("102135879").unwrap(),
        kind: ChargeKind::Spa,
        description: "Spa massage <60'> & oil".into(),
        unit_amount: Money::new(dec!(600), Currency::new("INR").unwrap()),
        quantity: dec!(2),
        transaction_code: Some("2010".into()),
        outlet: None,
        // 19:30 in Kolkata.
        consumed_at: "2026-03-01T14:00:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn fetch_booking_on_premise_envelope_is_exact() {
    let server = server_answering("fetch_booking.response.xml").await;
    let client = client(
        &format!("{}/ows_51", server.uri()),
        OperaDeployment::OnPremise,
        options(),
    );
    client.fetch_booking("102135879").await.unwrap();
    let body = sent_body(&server).await;
    // The transactionID of a read is fresh per call: normalize it.
    let tx = body
        .split("transactionID=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(tx.len(), 32);
    check_golden("fetch_booking.request.xml", &body.replace(&tx, "TX"));
}

#[tokio::test]
async fn post_charge_envelope_is_exact_and_escapes_text() {
    let server = server_answering("post_charge.response.xml").await;
    let client = client(&server.uri(), OperaDeployment::OnPremise, options());
    client.post_charge_request(&charge()).await.unwrap();
    check_golden("post_charge.request.xml", &sent_body(&server).await);
}

#[tokio::test]
async fn assign_room_envelope_is_exact() {
    let server = server_answering("assign_room.response.xml").await;
    let client = client(&server.uri(), OperaDeployment::OnPremise, options());
    let request_id = RequestId::from_uuid(uuid::Uuid::from_u128(0x7a55_1900_0000_4000_8000_0000_0000_1502));
    let assigned = client
        .assign_room_number(request_id, "102135879", "1502")
        .await
        .unwrap();
    assert_eq!(assigned.as_deref(), Some("1502"));
    // A write: the transactionID is the request id, stable across retries.
    let body = sent_body(&server).await;
    assert!(body.contains(&format!("transactionID=\"{}\"", request_id.simple())));
    check_golden("assign_room.request.xml", &body);
}

#[tokio::test]
async fn cloud_envelope_has_ws_security_and_no_password_in_og_header() {
    let server = server_answering("post_charge.response.xml").await;
    let client = client(&server.uri(), OperaDeployment::Cloud, options());
    client.post_charge_request(&charge()).await.unwrap();
    let body = sent_body(&server).await;
    check_golden("post_charge.cloud.request.xml", &body);
    assert!(!body.contains("<UserPassword>"));
}

#[test]
fn the_password_never_shows_in_debug() {
    let client = client("http://127.0.0.1:9/ows", OperaDeployment::Cloud, options());
    let debug = format!("{client:?}");
    assert!(!debug.contains("p&ss"), "{debug}");
    assert!(debug.contains("BLRWE"));
}

#[test]
fn endpoints_per_service_and_deployment() {
    use pms_opera::Service;
    let services = [
        Service::Reservation,
        Service::ResvAdvanced,
        Service::Name,
        Service::HouseKeeping,
        Service::GuestServices,
    ];
    let onprem = client(
        "https://opera.example.com/OWS_WS_51/",
        OperaDeployment::OnPremise,
        options(),
    );
    let cloud = client(
        "https://env-ssd-osb.oracleindustry.com:443/OPERAOSB/OPERA_OWS/OWS_WS_51",
        OperaDeployment::Cloud,
        options(),
    );
    let onprem: Vec<String> = services.iter().map(|s| onprem.endpoint(*s)).collect();
    let cloud: Vec<String> = services.iter().map(|s| cloud.endpoint(*s)).collect();
    assert_eq!(
        onprem,
        [
            "https://opera.example.com/OWS_WS_51/Reservation.asmx",
            "https://opera.example.com/OWS_WS_51/ResvAdvanced.asmx",
            "https://opera.example.com/OWS_WS_51/Name.asmx",
            "https://opera.example.com/OWS_WS_51/HouseKeeping.asmx",
            "https://opera.example.com/OWS_WS_51/GuestServices.asmx",
        ]
    );
    assert_eq!(
        cloud,
        [
            "https://env-ssd-osb.oracleindustry.com/OPERAOSB/OPERA_OWS/OWS_WS_51/Reservation",
            "https://env-ssd-osb.oracleindustry.com/OPERAOSB/OPERA_OWS/OWS_WS_51/ResvAdvanced",
            "https://env-ssd-osb.oracleindustry.com/OPERAOSB/OPERA_OWS/OWS_WS_51/Name",
            "https://env-ssd-osb.oracleindustry.com/OPERAOSB/OPERA_OWS/OWS_WS_51/HouseKeeping",
            "https://env-ssd-osb.oracleindustry.com/OPERAOSB/OPERA_OWS/OWS_WS_51/GuestServices",
        ]
    );
    assert_eq!(
        pms_opera::ops::post_charge::OP.soap_action(),
        "http://webservices.micros.com/ows/5.1/ResvAdvanced.wsdl#PostCharge"
    );
}

#[test]
fn a_non_opera_hotel_is_a_config_error() {
    let mut hotel = common::hotel("http://127.0.0.1:9", OperaDeployment::OnPremise);
    hotel.pms = pms_core::PmsSettings::Mews(pms_core::MewsSettings {
        client_token: secrecy::SecretString::from("t".to_owned()),
        access_token: secrecy::SecretString::from("a".to_owned()),
        client_name: "x".into(),
        enterprise_id: None,
        integration_id: None,
        charge_service_id: None,
        charge_tax_codes: Vec::new(),
    });
    let err = pms_opera::OperaClient::from_hotel(&hotel).unwrap_err();
    assert_eq!(err.kind(), pms_core::ErrorKind::Config);
}
