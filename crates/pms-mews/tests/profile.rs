//! `PmsClient::property_profile` over `configuration/get` (wiremock, with the
//! documented example answer `fixtures/mews/configuration_get.response.json`)
//! and its check against the configuration.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use pms_core::secrecy::SecretString;
use pms_core::{Currency, Error, ErrorKind, HotelId, PmsClient, ProfileField, PropertyProfile};
use pms_mews::{ChargeSettings, MEWS_RATE_LIMIT, MewsClient, MewsConfig};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{any, body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_TOKEN: &str = "CLIENTTOKEN-secret-0001";
const ACCESS_TOKEN: &str = "ACCESSTOKEN-secret-0002";
const CLIENT_NAME: &str = "pms-connectors test 0.1.0";
const ENTERPRISE: &str = "851df8c8-90f2-4c4a-8e01-a4fc46b25178";

fn fixture() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mews/configuration_get.response.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

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

fn client(server: &MockServer, enterprise_id: Option<&str>) -> MewsClient {
    MewsClient::builder(MewsConfig {
        hotel: HotelId::new("grand").unwrap(),
        base_url: Url::parse(&server.uri()).unwrap(),
        client_token: SecretString::from(CLIENT_TOKEN),
        access_token: SecretString::from(ACCESS_TOKEN),
        client_name: CLIENT_NAME.into(),
        enterprise_id: enterprise_id.map(str::to_owned),
        time_zone: chrono_tz::Europe::Budapest,
        currency: Currency::EUR,
        timeout: Duration::from_secs(5),
        page_size: 1000,
        rate_limit: MEWS_RATE_LIMIT,
        charges: ChargeSettings::default(),
        child_age_category_ids: BTreeSet::new(),
        max_response_bytes: pms_mews::MAX_RESPONSE_BYTES,
    })
    .build()
    .unwrap()
}

async fn expect_configuration(server: &MockServer, request: Value, reply: Value) {
    Mock::given(method("POST"))
        .and(path("/api/connector/v1/configuration/get"))
        .and(body_json(request))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .named("configuration/get")
        .mount(server)
        .await;
}

fn tokens() -> Value {
    json!({"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": CLIENT_NAME})
}

#[tokio::test]
async fn the_profile_is_the_enterprise_time_zone_and_default_currency() {
    let server = server().await;
    expect_configuration(&server, tokens(), fixture()).await;
    let profile = client(&server, None).property_profile().await.unwrap();
    assert_eq!(
        profile,
        PropertyProfile {
            name: Some("Connector API Hotel".into()),
            // `Currencies`: GBP is the default, USD only accepted.
            currency: Some(Currency::new("GBP").unwrap()),
            time_zone: Some(chrono_tz::Europe::Budapest),
        }
    );
}

#[tokio::test]
async fn a_portfolio_token_asks_for_the_configured_enterprise() {
    let server = server().await;
    let mut request = tokens();
    request["EnterpriseId"] = json!(ENTERPRISE);
    expect_configuration(&server, request, fixture()).await;
    let profile = client(&server, Some(ENTERPRISE))
        .property_profile()
        .await
        .unwrap();
    assert_eq!(profile.time_zone, Some(chrono_tz::Europe::Budapest));
}

#[tokio::test]
async fn a_profile_that_disagrees_with_the_configuration_names_the_variable() {
    let server = server().await;
    expect_configuration(&server, tokens(), fixture()).await;
    let profile = client(&server, None).property_profile().await.unwrap();
    // The client is configured with EUR; the enterprise books in GBP.
    let hotel = pms_core::Config::from_lookup(|name| {
        Ok(match name {
            "PMS_HOTELS" => Some("grand".into()),
            "PMS_HOTEL_GRAND_PMS" => Some("mews".into()),
            "PMS_HOTEL_GRAND_BASE_URL" => Some(server.uri()),
            "PMS_HOTEL_GRAND_TIME_ZONE" => Some("Europe/Budapest".into()),
            "PMS_HOTEL_GRAND_CURRENCY" => Some("EUR".into()),
            "PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN" => Some(CLIENT_TOKEN.into()),
            "PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN" => Some(ACCESS_TOKEN.into()),
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME" => Some(CLIENT_NAME.into()),
            _ => None,
        })
    })
    .unwrap()
    .hotels
    .remove(0);
    let err = profile.check(&hotel).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let Error::ProfileMismatch { mismatches, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].field, ProfileField::Currency);
    let text = err.to_string();
    assert!(
        text.contains("PMS_HOTEL_GRAND_CURRENCY is EUR but mews reports GBP"),
        "{text}"
    );
    assert!(
        !text.contains(CLIENT_TOKEN) && !text.contains(ACCESS_TOKEN),
        "{text}"
    );
}

#[tokio::test]
async fn a_zone_that_is_not_iana_is_a_decode_error_naming_the_field_not_the_value() {
    let server = server().await;
    let mut reply = fixture();
    reply["Enterprise"]["TimeZoneIdentifier"] = json!("Central Europe Standard Time");
    expect_configuration(&server, tokens(), reply).await;
    let err = client(&server, None).property_profile().await.unwrap_err();
    let Error::Decode { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "Enterprise.TimeZoneIdentifier");
    assert!(!err.to_string().contains("Central Europe"), "{err}");
}

#[tokio::test]
async fn no_default_currency_leaves_the_currency_unreported() {
    let server = server().await;
    let mut reply = fixture();
    reply["Enterprise"]["Currencies"] = json!([{"Currency": "USD", "IsDefault": false, "IsEnabled": true}]);
    expect_configuration(&server, tokens(), reply).await;
    let profile = client(&server, None).property_profile().await.unwrap();
    assert_eq!(profile.currency, None);
    assert_eq!(profile.time_zone, Some(chrono_tz::Europe::Budapest));
}

#[tokio::test]
async fn the_simulator_reports_the_profile_its_hotel_is_configured_with() {
    use pms_sim::{HotelSpec, MewsSim, SimOptions};
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(5)))
        .await
        .unwrap();
    let client = MewsClient::builder(MewsConfig {
        base_url: Url::parse(&sim.base_url()).unwrap(),
        client_token: SecretString::from(sim.client_token().to_owned()),
        access_token: SecretString::from(sim.access_token().to_owned()),
        time_zone: pms_sim::TIME_ZONE,
        ..client(&server().await, None).config().clone()
    })
    .build()
    .unwrap();
    let profile = client.property_profile().await.unwrap();
    assert_eq!(profile.time_zone, Some(pms_sim::TIME_ZONE));
    assert_eq!(profile.currency, Some(Currency::EUR));
}
