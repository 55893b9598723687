//! The property reads the connectors check the configuration against, on the
//! wire: Cloudbeds `getHotels` / `getHotelDetails` (field names checked
//! against `GetHotelsResponse` / `GetHotelDetailsResponse` of the vendor's
//! OpenAPI file when `PMS_VENDOR_SPECS` is set), Mews `configuration/get`
//! currencies, and OPERA `Information.QueryHotelInformation`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, MewsSim, OperaSim, SimHandle, SimOptions};
use serde_json::{Value, json};

/// The property names one level under `schema` → `data` in the Cloudbeds
/// OpenAPI YAML (`properties` at `indent` spaces), or `None` when
/// `PMS_VENDOR_SPECS` is unset. A set variable with a missing file fails.
fn cloudbeds_schema_keys(schema: &str, indent: usize) -> Option<BTreeSet<String>> {
    let dir = std::env::var("PMS_VENDOR_SPECS").ok()?;
    let path = std::path::Path::new(&dir).join("cloudbeds/pms-v1.3-openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = format!("        {schema}:");
    let mut lines = text.lines().skip_while(|l| *l != start).skip(1);
    let mut keys = BTreeSet::new();
    for line in lines.by_ref() {
        let spaces = line.len() - line.trim_start().len();
        if spaces <= 8 && !line.trim().is_empty() {
            break; // the next schema
        }
        if spaces == indent && line.trim_end().ends_with(':') {
            keys.insert(line.trim().trim_end_matches(':').to_owned());
        }
    }
    assert!(!keys.is_empty(), "{schema} not found in {}", path.display());
    Some(keys)
}

fn keys(object: &Value) -> BTreeSet<String> {
    object.as_object().unwrap().keys().cloned().collect()
}

async fn cloudbeds_get(sim: &SimHandle, method: &str, query: &[(&str, &str)]) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{method}", CloudbedsSim::api_url(sim)))
        .header("x-api-key", sim.access_token())
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn cloudbeds_get_hotels_reports_the_property_time_zone_and_currency() {
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(11)))
        .await
        .unwrap();
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let all = cloudbeds_get(&sim, "getHotels", &[]).await;
    let mine = cloudbeds_get(&sim, "getHotels", &[("propertyIDs", &format!("1,{property}"))]).await;
    assert_eq!(all, mine);
    assert_eq!(
        (
            mine["success"].clone(),
            mine["count"].clone(),
            mine["total"].clone()
        ),
        (json!(true), json!(1), json!(1))
    );
    let hotel = &mine["data"][0];
    assert_eq!(hotel["propertyID"], property.as_str());
    assert_eq!(hotel["propertyTimezone"], "Europe/Berlin");
    assert_eq!(hotel["propertyCurrency"][0]["currencyCode"], "EUR");
    let other = cloudbeds_get(&sim, "getHotels", &[("propertyIDs", "1")]).await;
    assert_eq!(other["data"], json!([]));

    let details = cloudbeds_get(&sim, "getHotelDetails", &[("propertyID", &property)]).await;
    assert_eq!(details["data"]["propertyCurrency"]["currencyCode"], "EUR");
    assert!(details["data"].get("propertyTimezone").is_none(), "{details}");

    if let Some(spec) = cloudbeds_schema_keys("GetHotelsResponse", 28) {
        assert!(keys(hotel).is_subset(&spec), "{:?} not in {spec:?}", keys(hotel));
    }
    if let Some(spec) = cloudbeds_schema_keys("GetHotelDetailsResponse", 24) {
        let sent = keys(&details["data"]);
        assert!(sent.is_subset(&spec), "{sent:?} not in {spec:?}");
    }
}

#[tokio::test]
async fn mews_configuration_reports_one_default_accounting_currency() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(12)))
        .await
        .unwrap();
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/api/connector/v1/configuration/get", sim.base_url()))
        .json(&json!({"ClientToken": sim.client_token(), "AccessToken": sim.access_token(), "Client": "tests 0.1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enterprise = &reply["Enterprise"];
    assert_eq!(enterprise["TimeZoneIdentifier"], "Europe/Berlin");
    let defaults: Vec<&Value> = enterprise["Currencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["IsDefault"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "{enterprise}");
    // `CurrencyAcceptance` requires all three (connector-api.openapi.yaml).
    assert_eq!(
        keys(defaults[0]),
        ["Currency", "IsDefault", "IsEnabled"].map(String::from).into()
    );
    assert_eq!(defaults[0]["Currency"], "EUR");
}

#[tokio::test]
async fn opera_query_hotel_information_answers_in_the_information_namespace() {
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(13)))
        .await
        .unwrap();
    let envelope = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Header><OGHeader xmlns="http://webservices.micros.com/og/4.3/Core/" transactionID="77">
<Origin entityID="KIOSK" systemType="WEB"/><Destination entityID="TI" systemType="PMS"/>
<Authentication><UserCredentials><UserName>{user}</UserName><UserPassword>{password}</UserPassword>
<Domain>{code}</Domain></UserCredentials></Authentication></OGHeader></soap:Header>
<soap:Body><HotelInformationRequest xmlns="http://webservices.micros.com/ows/5.1/Information.wsdl">
<HotelInformationQuery hotelCode="{code}"/></HotelInformationRequest></soap:Body></soap:Envelope>"#,
        user = OperaSim::USER_NAME,
        password = sim.access_token(),
        code = OperaSim::HOTEL_CODE,
    );
    let post = |body: String, action: &'static str| {
        reqwest::Client::new()
            .post(format!("{}/OWS_WS_51/Information.asmx", sim.base_url()))
            .header("content-type", "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(body)
            .send()
    };
    let response = post(
        envelope.clone(),
        "http://webservices.micros.com/ows/5.1/Information.wsdl#QueryHotelInformation",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"HotelInformationResponse xmlns:s0="http://webservices.micros.com/ows/5.1/Information.wsdl""#
        ),
        "{text}"
    );
    assert!(text.contains(r#"resultStatusFlag="SUCCESS""#), "{text}");
    assert!(
        text.contains(&format!(r#"hotelCode="{}""#, OperaSim::HOTEL_CODE)),
        "{text}"
    );
    // No currency and no time zone: the OWS schema has no element for them.
    assert!(!text.contains("EUR") && !text.contains("Europe/Berlin"), "{text}");
    // Another hotel code is refused like every OWS read of another property.
    let other = envelope.replace(r#"hotelCode="SAND01""#, r#"hotelCode="OTHER""#);
    let text = post(other, "").await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"resultStatusFlag="FAIL""#), "{text}");
}
