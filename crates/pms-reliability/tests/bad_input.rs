//! Bad input: configuration that is missing, malformed or conflicting fails
//! with an error naming the variable (and never echoing a secret), and the
//! webhook receiver's Cloudbeds path refuses hostile deliveries with a 4xx,
//! stores nothing and stays healthy. The Mews receiver path is covered in
//! pms-sync's `tests/webhook_receiver.rs`, the common config cases in
//! pms-core's `tests/config.rs`; this file adds what those do not.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use pms_core::{Config, Error, PmsKind, SystemClock};
use pms_reliability::hotel;
use pms_sync::store::Store;
use pms_sync::{
    Cipher, FnWebhookSource, MAX_WEBHOOK_BYTES, SqliteStore, SyncError, WebhookRequest, WebhookSource,
    webhook_router,
};
use secrecy::SecretString;

const SECRET: &str = "s3cr3t-value-that-must-never-print";

// ---- configuration ----

fn mews_vars() -> HashMap<&'static str, String> {
    HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", "https://api.mews-demo.com".to_owned()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", SECRET.to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", format!("{SECRET}-access")),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "reliability 1.0".to_owned()),
    ])
}

fn opera_vars() -> HashMap<&'static str, String> {
    HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        (
            "PMS_HOTEL_GRAND_BASE_URL",
            "https://ows.example.com/OWS_WS_51".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Asia/Singapore".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "SGD".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "on_premise".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_HOTEL_CODE", "GRAND".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", SECRET.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "GRAND".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
    ])
}

/// The variable a config error names; asserts no secret is echoed.
fn config_error(vars: &HashMap<&'static str, String>) -> String {
    match Config::from_lookup(|name| Ok(vars.get(name).cloned())) {
        Err(err @ Error::Config { .. }) => {
            let message = err.to_string();
            assert!(!message.contains(SECRET), "error leaks a secret: {message}");
            let Error::Config { variable, .. } = err else {
                unreachable!()
            };
            variable
        }
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn blank_values_count_as_missing_and_are_named() {
    for var in [
        "PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN",
        "PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN",
        "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
        "PMS_HOTEL_GRAND_BASE_URL",
        "PMS_HOTEL_GRAND_TIME_ZONE",
        "PMS_HOTEL_GRAND_CURRENCY",
        "PMS_HOTEL_GRAND_PMS",
    ] {
        for blank in ["", "   ", "\t\n"] {
            let mut vars = mews_vars();
            vars.insert(var, blank.to_owned());
            assert_eq!(config_error(&vars), var, "{var} = {blank:?}");
        }
    }
}

#[test]
fn a_hotel_list_of_separators_only_is_refused() {
    for list in [",", " , ,", ""] {
        let mut vars = mews_vars();
        vars.insert("PMS_HOTELS", list.to_owned());
        assert_eq!(config_error(&vars), "PMS_HOTELS", "{list:?}");
    }
}

#[test]
fn a_listed_hotel_without_its_variables_is_named() {
    let mut vars = mews_vars();
    vars.insert("PMS_HOTELS", "grand, harbor".to_owned());
    assert!(config_error(&vars).starts_with("PMS_HOTEL_HARBOR_"));
}

#[test]
fn opera_settings_missing_or_malformed_are_named() {
    for var in [
        "PMS_HOTEL_GRAND_OPERA_DEPLOYMENT",
        "PMS_HOTEL_GRAND_OPERA_HOTEL_CODE",
        "PMS_HOTEL_GRAND_OPERA_USERNAME",
        "PMS_HOTEL_GRAND_OPERA_PASSWORD",
        "PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID",
        "PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE",
    ] {
        let mut vars = opera_vars();
        vars.remove(var);
        assert_eq!(config_error(&vars), var, "missing {var}");
    }
    let mut vars = opera_vars();
    vars.insert("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "hybrid".to_owned());
    assert_eq!(config_error(&vars), "PMS_HOTEL_GRAND_OPERA_DEPLOYMENT");
    // A secret pasted into the wrong variable is named, not printed.
    vars.insert("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", SECRET.to_owned());
    assert_eq!(config_error(&vars), "PMS_HOTEL_GRAND_OPERA_DEPLOYMENT");
}

#[test]
fn a_lookup_failure_surfaces_as_an_error_not_a_panic() {
    let result = Config::from_lookup(|name| {
        if name == "PMS_HOTELS" {
            Err(Error::config(name, "is not valid unicode"))
        } else {
            Ok(None)
        }
    });
    let Err(Error::Config { variable, .. }) = result else {
        panic!("expected a config error, got {result:?}")
    };
    assert_eq!(variable, "PMS_HOTELS");
}

fn cipher_error(vars: &[(&str, &str)]) -> (String, String) {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    match Cipher::from_lookup(|name| vars.get(name).cloned()) {
        Err(err @ SyncError::Config { .. }) => {
            let message = err.to_string();
            let SyncError::Config { variable, .. } = err else {
                unreachable!()
            };
            (variable, message)
        }
        Err(other) => panic!("expected a config error, got {other:?}"),
        Ok(_) => panic!("expected a config error for {vars:?}"),
    }
}

#[test]
fn store_key_problems_name_the_variable_and_never_the_key() {
    // 32 bytes and 16 bytes, base64.
    let good = "cmVsaWFiaWxpdHktc3RvcmUta2V5LTMyLWJ5dGVzISE=";
    let short = "c2hvcnQta2V5LTE2Ynl0ZQ==";
    let old_short = format!("k1:{short}");
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("no key id", vec![("PMS_STORE_KEY", good)], "PMS_STORE_KEY_ID"),
        (
            "blank key id",
            vec![("PMS_STORE_KEY", good), ("PMS_STORE_KEY_ID", "  ")],
            "PMS_STORE_KEY_ID",
        ),
        ("no key", vec![("PMS_STORE_KEY_ID", "k1")], "PMS_STORE_KEY"),
        (
            "key not base64",
            vec![("PMS_STORE_KEY_ID", "k1"), ("PMS_STORE_KEY", "not*base64!")],
            "PMS_STORE_KEY",
        ),
        (
            "key too short",
            vec![("PMS_STORE_KEY_ID", "k1"), ("PMS_STORE_KEY", short)],
            "PMS_STORE_KEY",
        ),
        (
            "old keys without ids",
            vec![
                ("PMS_STORE_KEY_ID", "k2"),
                ("PMS_STORE_KEY", good),
                ("PMS_STORE_OLD_KEYS", good),
            ],
            "PMS_STORE_OLD_KEYS",
        ),
        (
            "old key too short",
            vec![
                ("PMS_STORE_KEY_ID", "k2"),
                ("PMS_STORE_KEY", good),
                ("PMS_STORE_OLD_KEYS", &old_short),
            ],
            "PMS_STORE_OLD_KEYS",
        ),
    ];
    for (name, vars, expected) in cases {
        let (variable, message) = cipher_error(&vars);
        assert_eq!(variable, expected, "{name}");
        assert!(
            !message.contains(good) && !message.contains(short),
            "{name}: {message}"
        );
    }
}

#[test]
fn store_key_ring_with_well_formed_old_keys_loads() {
    let good = "cmVsaWFiaWxpdHktc3RvcmUta2V5LTMyLWJ5dGVzISE=";
    let vars: HashMap<&str, String> = HashMap::from([
        ("PMS_STORE_KEY_ID", "k2".to_owned()),
        ("PMS_STORE_KEY", good.to_owned()),
        ("PMS_STORE_OLD_KEYS", format!(" k1:{good} , ,k0:{good}")),
    ]);
    let cipher = Cipher::from_lookup(|name| vars.get(name).cloned()).unwrap();
    assert_eq!(cipher.current_key_id(), "k2");
    assert!(!format!("{cipher:?}").contains(good));
}

// ---- the webhook receiver, Cloudbeds path ----

const TOKEN: &str = "cloudbeds-receiver-token-4e7a19";
const PROPERTY: &str = "318267";
const STATUS_CHANGED: &str = r#"{"version":"1.0","event":"reservation/status_changed","timestamp":1766005502.104,"propertyID":318267,"propertyID_str":"318267","reservationID":"8176082119429","status":"checked_in","actor":{"type":"user","id":"4411"}}"#;

async fn cloudbeds_receiver() -> (String, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let verifier = pms_cloudbeds::WebhookVerifier::new(&SecretString::from(TOKEN.to_owned())).unwrap();
    // As `pms serve` wires it: the subscription's auth header, else the URL token.
    let source = FnWebhookSource::new(PmsKind::Cloudbeds, move |request: &WebhookRequest, at| {
        let presented = pms_cloudbeds::Presented::from_request(&request.headers, request.query.as_deref());
        let delivery = pms_cloudbeds::authenticate_delivery(
            &verifier,
            &presented,
            &request.body,
            PROPERTY,
            &hotel(),
            at,
        )?;
        Ok(delivery.events)
    });
    let router = webhook_router(
        store.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, store)
}

async fn post(url: &str, content_type: &str, body: impl Into<reqwest::Body>) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stored(store: &Arc<dyn Store>) -> usize {
    store.inbox_pending(&hotel(), 1000).await.unwrap().len()
}

#[tokio::test]
async fn cloudbeds_hostile_deliveries_are_refused_and_store_nothing() {
    let (base, store) = cloudbeds_receiver().await;
    let good = format!("{base}/webhooks/grand?Token={TOKEN}");
    let json = "application/json";
    let nested = format!(
        r#"{{"version":"1.0","event":"reservation/status_changed","actor":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let other_property = STATUS_CHANGED.replace("318267", "999999");
    let cases: Vec<(&str, String, Vec<u8>, u16)> = vec![
        (
            "no token",
            format!("{base}/webhooks/grand"),
            STATUS_CHANGED.into(),
            401,
        ),
        (
            "wrong token",
            format!("{base}/webhooks/grand?Token=cloudbeds-receiver-token-4e7a18"),
            STATUS_CHANGED.into(),
            401,
        ),
        (
            "token prefix",
            format!("{base}/webhooks/grand?Token={}", &TOKEN[..12]),
            STATUS_CHANGED.into(),
            401,
        ),
        (
            "another property's event",
            good.clone(),
            other_property.into_bytes(),
            401,
        ),
        (
            "truncated",
            good.clone(),
            STATUS_CHANGED.as_bytes()[..70].to_vec(),
            400,
        ),
        ("not json", good.clone(), b"propertyID=318267".to_vec(), 400),
        ("json array", good.clone(), b"[]".to_vec(), 400),
        ("deeply nested", good.clone(), nested.into_bytes(), 400),
        ("oversized", good.clone(), vec![b' '; MAX_WEBHOOK_BYTES + 1], 413),
    ];
    for (name, url, body, expected) in cases {
        let status = post(&url, json, body).await;
        assert_eq!(status, expected, "{name}");
        assert_eq!(stored(&store).await, 0, "{name} stored something");
    }
    // Still healthy: a good delivery is taken, and its replays are stored once.
    for _ in 0..3 {
        assert_eq!(post(&good, json, STATUS_CHANGED).await, 200);
    }
    assert_eq!(stored(&store).await, 1);
}

async fn post_with_header(url: &str, header: &str, body: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header(pms_cloudbeds::WEBHOOK_AUTH_HEADER, header)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Issue 17 item 8 (bug 17): a timestamp chrono cannot hold panicked in the
/// parser and the receiver dropped the connection. It is a 400 now, nothing
/// is stored, and the next delivery is taken.
#[tokio::test]
async fn cloudbeds_a_timestamp_out_of_range_is_400_and_the_receiver_stays_up() {
    let (base, store) = cloudbeds_receiver().await;
    let good = format!("{base}/webhooks/grand?Token={TOKEN}");
    for stamp in ["-8334601228800.5", "8210266876800.5", "1e300"] {
        let body = STATUS_CHANGED.replace("1766005502.104", stamp);
        assert_eq!(post(&good, "application/json", body).await, 400, "{stamp}");
        assert_eq!(stored(&store).await, 0, "{stamp} stored something");
    }
    assert_eq!(post(&good, "application/json", STATUS_CHANGED).await, 200);
    assert_eq!(stored(&store).await, 1);
}

/// Subscriptions made with `authHeaderName` deliver the secret in our header
/// and no URL token; a wrong header is refused even beside a right URL token.
#[tokio::test]
async fn cloudbeds_the_subscription_auth_header_is_checked() {
    let (base, store) = cloudbeds_receiver().await;
    let bare = format!("{base}/webhooks/grand");
    let with_token = format!("{base}/webhooks/grand?Token={TOKEN}");
    assert_eq!(
        post_with_header(&bare, "cloudbeds-receiver-token-4e7a18", STATUS_CHANGED).await,
        401
    );
    assert_eq!(post_with_header(&with_token, "wrong", STATUS_CHANGED).await, 401);
    assert_eq!(stored(&store).await, 0);
    assert_eq!(post_with_header(&bare, TOKEN, STATUS_CHANGED).await, 200);
    assert_eq!(stored(&store).await, 1);
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let (base, store) = cloudbeds_receiver().await;
    let good = format!("{base}/webhooks/grand?Token={TOKEN}");
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let status = post(&good, content_type, STATUS_CHANGED).await;
        assert!((400..500).contains(&status), "{content_type}: {status}");
        assert_eq!(stored(&store).await, 0, "{content_type} stored something");
    }
}

// ---- OPERA: XML entity expansion ----

#[test]
fn opera_billion_laughs_is_refused_by_every_decoder_kind() {
    use pms_core::{DecodeContext, PayloadDecoder, PayloadKind};
    let mut entities = String::from(r#"<!ENTITY lol0 "lol">"#);
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1);
        entities.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, prev.repeat(10)));
    }
    let body = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&lol9;</x></soap:Body></soap:Envelope>"#
    );
    let context = DecodeContext {
        hotel: hotel(),
        time_zone: pms_core::chrono_tz::Europe::Berlin,
        currency: pms_core::Currency::EUR,
    };
    let decoder = pms_opera::OperaDecoder::new();
    for kind in PayloadKind::ALL {
        let result = decoder.decode(kind, body.as_bytes(), &context);
        assert!(result.is_err(), "{kind:?} accepted a DOCTYPE");
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.len() < 1_000, "{kind:?}: the error is bounded");
    }
}
