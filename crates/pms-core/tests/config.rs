#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
use std::collections::HashMap;

use pms_core::{CloudbedsAuth, Config, Error, ErrorKind, Feature, OperaDeployment, PmsKind, PmsSettings};
use secrecy::ExposeSecret;

const SECRET: &str = "sk_live_ZmFrZS1idXQtc2VjcmV0";

fn base() -> HashMap<&'static str, String> {
    HashMap::from([
        ("PMS_HOTELS", "grand, harbor".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", "https://api.mews-demo.com".to_owned()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Prague".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        (
            "PMS_HOTEL_GRAND_FEATURES",
            "webhooks,polling,digital_keys".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", SECRET.to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", format!("{SECRET}-access")),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
            "pms-connectors 0.1.0".to_owned(),
        ),
        ("PMS_HOTEL_HARBOR_PMS", "cloudbeds".to_owned()),
        (
            "PMS_HOTEL_HARBOR_BASE_URL",
            "https://api.cloudbeds.com".to_owned(),
        ),
        ("PMS_HOTEL_HARBOR_TIME_ZONE", "America/New_York".to_owned()),
        ("PMS_HOTEL_HARBOR_CURRENCY", "USD".to_owned()),
        ("PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID", "173890".to_owned()),
        ("PMS_HOTEL_HARBOR_CLOUDBEDS_API_KEY", format!("cbat_{SECRET}")),
    ])
}

fn load(vars: &HashMap<&'static str, String>) -> Result<Config, Error> {
    Config::from_lookup(|name| Ok(vars.get(name).cloned()))
}

fn config_error(vars: &HashMap<&'static str, String>) -> (String, String) {
    match load(vars) {
        Err(err @ Error::Config { .. }) => {
            let message = err.to_string();
            assert!(!message.contains(SECRET), "error leaks a secret: {message}");
            let Error::Config { variable, .. } = err else {
                unreachable!()
            };
            (variable, message)
        }
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn loads_every_hotel_with_typed_settings() {
    let config = load(&base()).unwrap();
    let ids: Vec<_> = config.hotels.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["grand", "harbor"]);

    let grand = &config.hotels[0];
    assert_eq!(grand.pms_kind(), PmsKind::Mews);
    assert_eq!(grand.time_zone, chrono_tz::Europe::Prague);
    assert_eq!(grand.currency.code(), "EUR");
    assert!(grand.has(Feature::DigitalKeys) && grand.has(Feature::Webhooks) && !grand.has(Feature::Charges));
    let PmsSettings::Mews(mews) = &grand.pms else {
        panic!("not mews")
    };
    assert_eq!(mews.client_token.expose_secret(), SECRET);
    assert_eq!(mews.enterprise_id, None);

    let harbor = &config.hotels[1];
    let PmsSettings::Cloudbeds(cloudbeds) = &harbor.pms else {
        panic!("not cloudbeds")
    };
    assert_eq!(cloudbeds.property_id, "173890");
    assert!(
        matches!(&cloudbeds.auth, CloudbedsAuth::ApiKey(key) if key.expose_secret().starts_with("cbat_"))
    );
}

#[test]
fn debug_of_the_config_hides_secrets() {
    let config = load(&base()).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "{debug}");
}

#[test]
fn missing_variables_are_named() {
    let mut vars = base();
    vars.remove("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN");
    let (variable, message) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN");
    assert!(message.contains("is required"), "{message}");

    let (variable, _) = config_error(&HashMap::new());
    assert_eq!(variable, "PMS_HOTELS");
}

#[test]
fn malformed_values_are_named_without_echoing_them() {
    let cases = [
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Mars/Olympus_Mons"),
        ("PMS_HOTEL_GRAND_CURRENCY", "EURO"),
        ("PMS_HOTEL_GRAND_BASE_URL", "not a url"),
        ("PMS_HOTEL_GRAND_BASE_URL", "ftp://example.com"),
        ("PMS_HOTEL_GRAND_BASE_URL", "http://api.mews-demo.com"),
        ("PMS_HOTEL_GRAND_PMS", "protel"),
        ("PMS_HOTEL_GRAND_FEATURES", "webhooks,teleport"),
        ("PMS_HOTELS", "grand,Harbor!"),
        ("PMS_HOTELS", "grand,grand"),
    ];
    for (name, value) in cases {
        let mut vars = base();
        vars.insert(name, value.to_owned());
        let (variable, message) = config_error(&vars);
        assert_eq!(variable, name, "{message}");
    }
}

#[test]
fn a_secret_in_the_wrong_place_is_not_printed() {
    // An operator pastes a token into the time zone variable by mistake.
    let mut vars = base();
    vars.insert("PMS_HOTEL_GRAND_TIME_ZONE", SECRET.to_owned());
    let (variable, message) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_GRAND_TIME_ZONE");
    assert!(!message.contains(SECRET));
}

#[test]
fn plain_http_is_allowed_only_to_loopback_simulators() {
    for local in [
        "http://127.0.0.1:18080",
        "http://localhost:9000/api",
        "http://[::1]:8080",
    ] {
        let mut vars = base();
        vars.insert("PMS_HOTEL_GRAND_BASE_URL", local.to_owned());
        assert!(load(&vars).is_ok(), "{local}");
    }
    let mut vars = base();
    vars.insert("PMS_HOTEL_GRAND_BASE_URL", "http://10.0.0.8/api".to_owned());
    let (variable, message) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_GRAND_BASE_URL");
    assert!(message.contains("https"), "{message}");
}

#[test]
fn cloudbeds_api_key_and_oauth_conflict() {
    let mut vars = base();
    vars.insert("PMS_HOTEL_HARBOR_CLOUDBEDS_CLIENT_ID", "client".to_owned());
    let (variable, message) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_HARBOR_CLOUDBEDS_API_KEY");
    assert!(
        message.contains("PMS_HOTEL_HARBOR_CLOUDBEDS_CLIENT_ID"),
        "{message}"
    );
}

#[test]
fn cloudbeds_oauth_needs_all_three_parts() {
    let mut vars = base();
    vars.remove("PMS_HOTEL_HARBOR_CLOUDBEDS_API_KEY");
    let (variable, _) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_HARBOR_CLOUDBEDS_CLIENT_ID");
    vars.insert("PMS_HOTEL_HARBOR_CLOUDBEDS_CLIENT_ID", "client".to_owned());
    vars.insert("PMS_HOTEL_HARBOR_CLOUDBEDS_CLIENT_SECRET", SECRET.to_owned());
    let (variable, _) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_HARBOR_CLOUDBEDS_REFRESH_TOKEN");
    vars.insert("PMS_HOTEL_HARBOR_CLOUDBEDS_REFRESH_TOKEN", SECRET.to_owned());
    let config = load(&vars).unwrap();
    let PmsSettings::Cloudbeds(settings) = &config.hotels[1].pms else {
        panic!()
    };
    assert!(matches!(settings.auth, CloudbedsAuth::OAuth { .. }));
}

#[test]
fn opera_settings_load_with_deployment() {
    let mut vars = base();
    vars.insert("PMS_HOTELS", "opal".to_owned());
    for (k, v) in [
        ("PMS_HOTEL_OPAL_PMS", "opera"),
        ("PMS_HOTEL_OPAL_BASE_URL", "https://ows.example.com/OWS_WS_51"),
        ("PMS_HOTEL_OPAL_TIME_ZONE", "Asia/Singapore"),
        ("PMS_HOTEL_OPAL_CURRENCY", "SGD"),
        ("PMS_HOTEL_OPAL_OPERA_DEPLOYMENT", "on_premise"),
        ("PMS_HOTEL_OPAL_OPERA_HOTEL_CODE", "OPAL"),
        ("PMS_HOTEL_OPAL_OPERA_USERNAME", "KIOSKUSER"),
        ("PMS_HOTEL_OPAL_OPERA_PASSWORD", SECRET),
        ("PMS_HOTEL_OPAL_OPERA_ORIGIN_ENTITY_ID", "KIOSK"),
        ("PMS_HOTEL_OPAL_OPERA_ORIGIN_SYSTEM_TYPE", "WEB"),
        ("PMS_HOTEL_OPAL_OPERA_DESTINATION_ENTITY_ID", "KIOSK"),
        ("PMS_HOTEL_OPAL_OPERA_DESTINATION_SYSTEM_TYPE", "PMS"),
    ] {
        vars.insert(k, v.to_owned());
    }
    let config = load(&vars).unwrap();
    let PmsSettings::Opera(opera) = &config.hotels[0].pms else {
        panic!()
    };
    assert_eq!(opera.deployment, OperaDeployment::OnPremise);
    assert_eq!(opera.destination.system_type, "PMS");

    vars.insert("PMS_HOTEL_OPAL_OPERA_DEPLOYMENT", "hybrid".to_owned());
    let (variable, _) = config_error(&vars);
    assert_eq!(variable, "PMS_HOTEL_OPAL_OPERA_DEPLOYMENT");
}

#[test]
fn lookup_failures_propagate_as_config_errors() {
    let err = Config::from_lookup(|name| Err(Error::config(name, "is not valid UTF-8"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("PMS_HOTELS"));
}

/// The repository's `.env.example`, as a user copies it to `.env`.
fn env_example() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn env_example_parses_as_is_and_loads_as_a_configuration() {
    let text = env_example();
    pms_core::check_dotenv(&text).unwrap();
    let vars: HashMap<String, String> = dotenvy::from_read_iter(text.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    // The value a user would otherwise get cut at the first space.
    assert_eq!(vars["PMS_HOTEL_GRAND_MEWS_CLIENT_NAME"], "pms-connectors 0.1.0");
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let ids: Vec<&str> = config.hotels.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["grand", "harbor", "opal"]);
}
