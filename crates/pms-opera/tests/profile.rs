//! `PmsClient::property_profile`: over OWS `Information.QueryHotelInformation`
//! (name and hotel code only: OWS reports neither currency nor time zone),
//! with OHIP `getOperaHotelContext` (currency and time zone), against
//! wiremock and the simulator. The SOAP answer is written from the schema
//! the module docs of `ops/query_hotel_information.rs` cite; the OHIP answer
//! from `entcfg.json` (`operaHotelContextDetails`). No captured answer exists.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{client, hotel, now, options};
use pms_core::{
    Config, Currency, Error, ErrorKind, HotelConfig, ManualClock, OhipGrant, OperaDeployment, PmsClient,
    ProfileField, PropertyProfile,
};
use pms_opera::{OhipConfig, OperaClient};
use pretty_assertions::assert_eq;
use secrecy::SecretString;
use wiremock::matchers::{any, body_string_contains, header, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

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

fn information_answer(hotel_code: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <OGHeader xmlns="http://webservices.micros.com/og/4.3/Core/" transactionID="1" primaryLangID="E">
      <Origin entityID="TI" systemType="PMS"/><Destination entityID="KIOSK" systemType="WEB"/>
    </OGHeader>
  </soap:Header>
  <soap:Body>
    <HotelInformationResponse xmlns="http://webservices.micros.com/ows/5.1/Information.wsdl"
        xmlns:c="http://webservices.micros.com/og/4.3/Common/">
      <Result resultStatusFlag="SUCCESS"/>
      <HotelInformation>
        <HotelInformation hotelCode="{hotel_code}" chainCode="CHA">Bengaluru Whitefield</HotelInformation>
        <HotelContactInformation>
          <c:Addresses><c:Address><c:CityName>Bengaluru</c:CityName><c:CountryCode>IN</c:CountryCode></c:Address></c:Addresses>
        </HotelContactInformation>
      </HotelInformation>
    </HotelInformationResponse>
  </soap:Body>
</soap:Envelope>"#
    )
}

async fn expect_information(server: &MockServer, answer: String) {
    Mock::given(method("POST"))
        .and(path("/ows_51/Information.asmx"))
        .and(header(
            "SOAPAction",
            "http://webservices.micros.com/ows/5.1/Information.wsdl#QueryHotelInformation",
        ))
        .and(body_string_contains(
            r#"<HotelInformationRequest xmlns="http://webservices.micros.com/ows/5.1/Information.wsdl">"#,
        ))
        .and(body_string_contains(
            r#"<HotelInformationQuery hotelCode="BLRWE"/>"#,
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/xml; charset=utf-8")
                .set_body_string(answer),
        )
        .expect(1)
        .named("Information.QueryHotelInformation")
        .mount(server)
        .await;
}

fn ows(server: &MockServer) -> OperaClient {
    client(
        &format!("{}/ows_51", server.uri()),
        OperaDeployment::OnPremise,
        options(),
    )
}

#[tokio::test]
async fn over_ows_the_profile_is_the_name_and_reports_no_currency_or_zone() {
    let server = server().await;
    expect_information(&server, information_answer("BLRWE")).await;
    let profile = ows(&server).property_profile().await.unwrap();
    assert_eq!(
        profile,
        PropertyProfile {
            name: Some("Bengaluru Whitefield".into()),
            currency: None,
            time_zone: None,
        }
    );
    let check = profile
        .check(&hotel(&server.uri(), OperaDeployment::OnPremise))
        .unwrap();
    assert_eq!(
        check.unchecked(),
        [ProfileField::Currency, ProfileField::TimeZone]
    );
}

#[tokio::test]
async fn over_ows_an_answer_about_another_hotel_is_a_decode_error() {
    let server = server().await;
    expect_information(&server, information_answer("OTHER")).await;
    let err = ows(&server).property_profile().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("@hotelCode"), "{err}");
}

fn ohip_client(server: &MockServer) -> OperaClient {
    OperaClient::builder(&hotel(&server.uri(), OperaDeployment::OnPremise))
        .unwrap()
        .options(options())
        .clock(Arc::new(ManualClock::new(now())))
        .build()
        .unwrap()
        .ohip_cashiering(OhipConfig {
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
        })
}

async fn expect_context(server: &MockServer, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/oauth/v1/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "tok-1", "expires_in": 3600, "token_type": "Bearer"
        })))
        .expect(1)
        .named("token")
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ent/config/v1/hotels/BLRWE/operaContext"))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-app-key", APP_KEY))
        .and(header("x-hotelid", "BLRWE"))
        // entcfg.json / csh.json `parameters.x-request-id`: a hyphenated UUID.
        .and(header_regex(
            "x-request-id",
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .named("getOperaHotelContext")
        .mount(server)
        .await;
}

#[tokio::test]
async fn with_ohip_the_profile_is_the_hotel_context_currency_and_zone() {
    let server = server().await;
    expect_context(
        &server,
        serde_json::json!({
            "hotelContext": {
                "hotelId": "BLRWE", "hotelName": "Bengaluru Whitefield", "businessDate": "2026-03-01",
                "countryMode": "IN", "languageCode": "E", "currencyCode": "USD",
                "timezone": "Asia/Kolkata", "chainCode": "CHA"
            },
            "links": []
        }),
    )
    .await;
    let profile = ohip_client(&server).property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::USD));
    assert_eq!(profile.time_zone, Some(chrono_tz::Asia::Kolkata));
    // The hotel is configured in INR: every amount would be wrong.
    let err = profile
        .check(&hotel(&server.uri(), OperaDeployment::OnPremise))
        .unwrap_err();
    let Error::ProfileMismatch { mismatches, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(mismatches[0].variable, "PMS_HOTEL_GRAND_CURRENCY");
    assert!(err.to_string().contains("is INR but opera reports USD"), "{err}");
    assert!(
        !err.to_string().contains("s3cret") && !err.to_string().contains("p&ss"),
        "{err}"
    );
}

/// The simulator's OPERA hotel, configured as an operator would (with OHIP or not).
fn sim_config(sim: &pms_sim::SimHandle, ohip: bool) -> HotelConfig {
    use pms_sim::OperaSim;
    let password = sim.access_token().to_owned();
    let mut vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        (
            "PMS_HOTEL_GRAND_BASE_URL",
            format!("{}/OWS_WS_51", sim.base_url()),
        ),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "on_premise".to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_HOTEL_CODE",
            OperaSim::HOTEL_CODE.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", OperaSim::USER_NAME.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", password.clone()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
    ]);
    if ohip {
        vars.extend([
            ("PMS_HOTEL_GRAND_OPERA_OHIP_URL", sim.base_url()),
            ("PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY", APP_KEY.to_owned()),
            (
                "PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_ID",
                OperaSim::OHIP_CLIENT_ID.to_owned(),
            ),
            ("PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET", password.clone()),
            (
                "PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME",
                OperaSim::USER_NAME.to_owned(),
            ),
            ("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD", password),
        ]);
    }
    Config::from_lookup(|name| Ok(vars.get(name).cloned()))
        .unwrap()
        .hotels
        .remove(0)
}

#[tokio::test]
async fn the_simulator_answers_both_reads_for_its_hotel() {
    use pms_sim::{HotelSpec, OperaSim, SimOptions};
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(3)))
        .await
        .unwrap();

    let ows_only = sim_config(&sim, false);
    let client = OperaClient::builder(&ows_only)
        .unwrap()
        .options(options())
        .build()
        .unwrap();
    let profile = client.property_profile().await.unwrap();
    assert!(profile.name.is_some());
    assert_eq!((profile.currency, profile.time_zone), (None, None));

    let with_ohip = sim_config(&sim, true);
    let client = OperaClient::builder(&with_ohip)
        .unwrap()
        .options(options())
        .build()
        .unwrap();
    let profile = client.property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::EUR));
    assert_eq!(profile.time_zone, Some(pms_sim::TIME_ZONE));
    assert!(profile.check(&with_ohip).is_ok());
}
