//! `PMS_HOTEL_<ID>_OPERA_OHIP_*`: OHIP cashiering credentials of an OPERA hotel.
#![allow(clippy::unwrap_used)]
use std::collections::HashMap;

use pms_core::{Config, Error, OhipGrant, PmsSettings};
use secrecy::ExposeSecret;

const SECRET: &str = "ohip-secret-Zm9vYmFy";

fn opera() -> HashMap<&'static str, String> {
    HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        (
            "PMS_HOTEL_GRAND_BASE_URL",
            "https://ows.example.com/OWS_WS_51".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "cloud".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_HOTEL_CODE", "SAND01".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", "ows-password".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
    ])
}

fn with_ohip() -> HashMap<&'static str, String> {
    let mut vars = opera();
    vars.extend([
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_URL",
            "https://gw.example.com".to_owned(),
        ),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_owned(),
        ),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_ID",
            "partner_client".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET", SECRET.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME", "INTEGRATION".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD", format!("{SECRET}-user")),
    ]);
    vars
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

fn ohip(config: &Config) -> Option<&pms_core::OhipSettings> {
    match &config.hotels[0].pms {
        PmsSettings::Opera(opera) => opera.ohip.as_deref(),
        other => panic!("not opera: {other:?}"),
    }
}

#[test]
fn without_the_url_there_is_no_ohip() {
    assert!(ohip(&load(&opera()).unwrap()).is_none());
}

#[test]
fn password_grant_is_read_into_secrets() {
    let config = load(&with_ohip()).unwrap();
    let settings = ohip(&config).unwrap();
    assert_eq!(settings.gateway_url.as_str(), "https://gw.example.com/");
    assert_eq!(settings.client_id, "partner_client");
    assert_eq!(settings.client_secret.expose_secret(), SECRET);
    assert_eq!(settings.cashier_id, None);
    let OhipGrant::Password { username, password } = &settings.grant else {
        panic!("{:?}", settings.grant)
    };
    assert_eq!(username, "INTEGRATION");
    assert_eq!(password.expose_secret(), format!("{SECRET}-user"));
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "Debug shows a secret");
    assert!(!debug.contains("3fa85f64"), "Debug shows the app key");
    assert_eq!(
        settings.app_key.expose_secret(),
        "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    );
}

#[test]
fn scope_selects_client_credentials() {
    let mut vars = with_ohip();
    vars.remove("PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME");
    vars.remove("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD");
    vars.insert(
        "PMS_HOTEL_GRAND_OPERA_OHIP_SCOPE",
        "urn:opc:hgbu:ws:__myscopes__".into(),
    );
    vars.insert("PMS_HOTEL_GRAND_OPERA_OHIP_ENTERPRISE_ID", "ACME01".into());
    vars.insert("PMS_HOTEL_GRAND_OPERA_OHIP_CASHIER_ID", "42".into());
    let config = load(&vars).unwrap();
    let settings = ohip(&config).unwrap();
    assert_eq!(settings.cashier_id, Some(42));
    let OhipGrant::ClientCredentials { scope, enterprise_id } = &settings.grant else {
        panic!("{:?}", settings.grant)
    };
    assert_eq!(scope, "urn:opc:hgbu:ws:__myscopes__");
    assert_eq!(enterprise_id.as_deref(), Some("ACME01"));
}

#[test]
fn errors_name_the_variable_at_fault() {
    type Change = Box<dyn Fn(&mut HashMap<&'static str, String>)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|v| {
                v.remove("PMS_HOTEL_GRAND_OPERA_OHIP_URL");
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_URL",
        ),
        (
            Box::new(|v| {
                v.insert("PMS_HOTEL_GRAND_OPERA_OHIP_URL", "http://gw.example.com".into());
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_URL",
        ),
        (
            Box::new(|v| {
                v.insert("PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY", "not-a-uuid".into());
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY",
        ),
        (
            Box::new(|v| {
                v.remove("PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET");
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET",
        ),
        (
            Box::new(|v| {
                v.remove("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD");
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD",
        ),
        (
            Box::new(|v| {
                v.remove("PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME");
                v.remove("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD");
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME",
        ),
        (
            Box::new(|v| {
                v.insert("PMS_HOTEL_GRAND_OPERA_OHIP_SCOPE", "x".into());
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_SCOPE",
        ),
        (
            Box::new(|v| {
                v.insert("PMS_HOTEL_GRAND_OPERA_OHIP_CASHIER_ID", "-1".into());
            }),
            "PMS_HOTEL_GRAND_OPERA_OHIP_CASHIER_ID",
        ),
    ];
    for (change, variable) in cases {
        let mut vars = with_ohip();
        change(&mut vars);
        assert_eq!(config_error(&vars).0, variable);
    }
}

#[test]
fn loopback_http_is_allowed_for_the_simulator() {
    let mut vars = with_ohip();
    vars.insert("PMS_HOTEL_GRAND_OPERA_OHIP_URL", "http://127.0.0.1:8080".into());
    assert!(ohip(&load(&vars).unwrap()).is_some());
}
