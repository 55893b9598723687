//! `PmsClient::property_profile` over `GET /getHotels` (wiremock) and against
//! the simulator. Bodies follow `GetHotelsResponse` of
//! `src/pms-v1.3-openapi.yaml` (`cloudbeds/openapi-specs`); no captured
//! answer exists, so they are written from the schema.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use pms_cloudbeds::CloudbedsClient;
use pms_core::{
    CloudbedsAuth, CloudbedsSettings, Currency, Error, ErrorKind, HotelConfig, HotelId, PmsClient,
    PmsSettings, ProfileField, PropertyProfile,
};
use pretty_assertions::assert_eq;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{any, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BASE: &str = "/api/v1.3";
const PROPERTY: &str = "318267";
const KEY: &str = "cbat_test_key_secret";

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

fn config(base: String, property_id: &str, key: &str, currency: &str) -> HotelConfig {
    HotelConfig {
        id: HotelId::new("harbor").unwrap(),
        base_url: base.parse().unwrap(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::new(currency).unwrap(),
        features: BTreeSet::new(),
        pms: PmsSettings::Cloudbeds(CloudbedsSettings {
            property_id: property_id.into(),
            auth: CloudbedsAuth::ApiKey(SecretString::from(key.to_owned())),
        }),
    }
}

fn hotels(items: Value) -> Value {
    let n = items.as_array().map_or(0, Vec::len);
    json!({"success": true, "data": items, "count": n, "total": n})
}

fn harbor(zone: Value, currency: Value) -> Value {
    json!({
        "propertyID": PROPERTY,
        "organizationID": "5432",
        "propertyName": "Harbor Inn",
        "propertyImage": "https://hotels.cloudbeds.com/photos/318267.jpg",
        "propertyDescription": "",
        "propertyTimezone": zone,
        "propertyCurrency": currency
    })
}

async fn expect_get_hotels(server: &MockServer, body: Value) {
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/getHotels")))
        .and(query_param("propertyIDs", PROPERTY))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .named("getHotels")
        .mount(server)
        .await;
}

fn client(server: &MockServer, currency: &str) -> (CloudbedsClient, HotelConfig) {
    let hotel = config(format!("{}{BASE}", server.uri()), PROPERTY, KEY, currency);
    (CloudbedsClient::from_hotel(&hotel).unwrap(), hotel)
}

#[tokio::test]
async fn the_profile_is_the_property_time_zone_and_currency_of_get_hotels() {
    let server = server().await;
    let usd = json!([{"currencyCode": "USD", "currencySymbol": "$", "currencyPosition": "before"}]);
    expect_get_hotels(&server, hotels(json!([harbor(json!("America/New_York"), usd)]))).await;
    let (client, hotel) = client(&server, "USD");
    let profile = client.property_profile().await.unwrap();
    assert_eq!(
        profile,
        PropertyProfile {
            name: Some("Harbor Inn".into()),
            currency: Some(Currency::USD),
            time_zone: Some(chrono_tz::America::New_York),
        }
    );
    assert!(profile.check(&hotel).is_ok());
}

#[tokio::test]
async fn a_property_in_another_currency_fails_the_check_naming_the_variable() {
    let server = server().await;
    let cad = json!([{"currencyCode": "CAD", "currencySymbol": "$", "currencyPosition": "before"}]);
    // Another property of the same account comes first in the list.
    let other = json!({"propertyID": "1", "propertyTimezone": "Europe/Paris",
        "propertyCurrency": [{"currencyCode": "EUR"}]});
    expect_get_hotels(
        &server,
        hotels(json!([other, harbor(json!("America/New_York"), cad)])),
    )
    .await;
    let (client, hotel) = client(&server, "USD");
    let err = client
        .property_profile()
        .await
        .unwrap()
        .check(&hotel)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let Error::ProfileMismatch { mismatches, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        mismatches.iter().map(|m| m.field).collect::<Vec<_>>(),
        [ProfileField::Currency]
    );
    let text = err.to_string();
    assert!(
        text.contains("PMS_HOTEL_HARBOR_CURRENCY is USD but cloudbeds reports CAD"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn missing_facts_are_unreported_and_a_bad_zone_is_a_decode_error() {
    let server = server().await;
    expect_get_hotels(&server, hotels(json!([harbor(json!(null), json!([]))]))).await;
    let (client, _) = client(&server, "USD");
    let profile = client.property_profile().await.unwrap();
    assert_eq!((profile.currency, profile.time_zone), (None, None));

    let server = self::server().await;
    expect_get_hotels(
        &server,
        hotels(json!([harbor(
            json!("Eastern Time"),
            json!({"currencyCode": "USD"})
        )])),
    )
    .await;
    let (client, _) = self::client(&server, "USD");
    let err = client.property_profile().await.unwrap_err();
    let Error::Decode { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "data[0].propertyTimezone");
    assert!(!err.to_string().contains("Eastern"), "{err}");
}

#[tokio::test]
async fn a_credential_that_does_not_reach_the_property_is_not_found() {
    let server = server().await;
    expect_get_hotels(&server, hotels(json!([]))).await;
    let (client, _) = client(&server, "USD");
    assert_eq!(
        client.property_profile().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn the_simulator_reports_the_profile_its_hotel_is_configured_with() {
    use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, SimOptions};
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(9)))
        .await
        .unwrap();
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let hotel = config(CloudbedsSim::api_url(&sim), &property, sim.access_token(), "EUR");
    let client = CloudbedsClient::from_hotel(&hotel).unwrap();
    let profile = client.property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::EUR));
    assert_eq!(profile.time_zone, Some(pms_sim::TIME_ZONE));
    // A property the credential does not reach.
    let elsewhere = config(CloudbedsSim::api_url(&sim), "1", sim.access_token(), "EUR");
    let err = CloudbedsClient::from_hotel(&elsewhere)
        .unwrap()
        .property_profile()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
