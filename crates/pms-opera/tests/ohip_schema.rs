//! Contract tests of the OHIP REST path against Oracle's own Swagger 2.0
//! documents (`ohip/csh.json` and `ohip/oauth.json` in the folder
//! `PMS_VENDOR_SPECS` names; unset: skipped, set and missing: failed).
//!
//! The OPERA client, configured for OHIP cashiering, posts and reads back
//! charges against the simulator's OHIP front behind a recording proxy:
//! every token request, posting and read must validate against the
//! operation's parameters and body schema (undeclared fields are
//! violations), every answer against the schema of its status. The
//! simulator's error answers and its JSON 404 for unserved paths are
//! checked too.
//!
//! Not checked: `getOperaHotelContext` (`GET
//! /ent/config/v1/hotels/{hotelId}/operaContext`, the property profile).
//! Its document is the Enterprise Configuration API's `entcfg.json`
//! (oracle/hospitality-api-docs, `rest-api-specs/property/entcfg.json`),
//! which is not among the vendor specs `PMS_VENDOR_SPECS` holds: the call
//! is driven and its exchanges counted ([`UNCHECKED`]), its answer's shape
//! cited in `crates/pms-opera/src/ohip/context.rs` and the simulator only.
//! Its request headers are still checked against the header parameters
//! every OHIP document defines alike ([`SHARED_HEADERS`], read from
//! csh.json).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use pms_contract::{
    Contract, Erratum, Exchange, Formats, Known, Recorder, Report, Spec, Unchecked, VendorSpecs,
};
use pms_core::*;
use pms_opera::ohip::OhipConfig;
use pms_opera::{OperaClient, OperaOptions};
use pms_sim::{HotelSpec, OperaSim, ReservationState, SimHandle, SimOptions};
use secrecy::SecretString;
use serde_json::Value;

const APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// Where the documents are wrong. csh.json gives `summaryPostingType.
/// transactionDate` `format: date` with `maxLength: 8`, but a `date` is
/// `YYYY-MM-DD` (RFC 3339 `full-date`), ten characters: the length bound
/// cannot hold for any valid value.
const ERRATA: &[Erratum<'static>] = &[
    Erratum {
        operation: "getGuestsTransactions",
        rule: "/definitions/summaryPostingType/properties/transactionDate/maxLength",
        message: "longer than 8",
        why: "format date is 10 characters; maxLength 8 contradicts it",
    },
    Erratum {
        operation: "postBillingCharges",
        rule: "/definitions/summaryPostingType/properties/transactionDate/maxLength",
        message: "longer than 8",
        why: "format date is 10 characters; maxLength 8 contradicts it",
    },
];

/// Exchanges no document in the vendor specs describes.
const UNCHECKED: &[Unchecked<'static>] = &[Unchecked {
    method: "GET",
    path: "/ent/config/v1/hotels/{hotelId}/operaContext",
    why: "getOperaHotelContext is in entcfg.json, which is not among the vendor specs",
}];

const KNOWN: Known<'static> = Known {
    extra_fields: &[],
    request_fields: &[],
    errata: ERRATA,
    verbs: &[],
    unchecked: UNCHECKED,
};

/// The header parameters every OHIP operation takes, as csh.json defines
/// them (`authorization` required, `x-app-key` a v4 UUID, `x-hotelid`
/// required, `x-request-id` a hyphenated UUID); oauth.json and the
/// Enterprise Configuration document define the same names the same way.
const SHARED_HEADERS: &[&str] = &[
    "/parameters/authKey",
    "/parameters/x-app-key",
    "/parameters/x-hotelid",
    "/parameters/x-request-id",
];

/// Every OHIP operation the connector calls whose document is in the vendor
/// specs, compared with `crates/pms-opera/src/ohip` (`token.rs`,
/// `charges.rs`, `context.rs`: every call names its path); the fourth,
/// `getOperaHotelContext`, is [`UNCHECKED`]. The simulator's OHIP front
/// (`crates/pms-sim/src/opera/mod.rs`, `ohip.rs`) serves these four and
/// answers every other OHIP path with a JSON 404/405
/// (`ohip_error_answers_are_exception_details`).
const CLIENT_OPERATIONS: &[&str] = &[
    "oauth:getToken",
    "csh:postBillingCharges",
    "csh:getGuestsTransactions",
];

fn contract(specs: &VendorSpecs) -> Contract {
    let load =
        |name: &str, file: &str| Spec::load(name, &specs.file(file).unwrap(), Formats::default()).unwrap();
    Contract::new(vec![
        load("csh", "ohip/csh.json"),
        load("oauth", "ohip/oauth.json"),
    ])
}

fn config(sim: &SimHandle, gateway: &str) -> HotelConfig {
    let password = sim.access_token().to_owned();
    let vars = HashMap::from([
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
        ("PMS_HOTEL_GRAND_OPERA_OHIP_URL", gateway.to_owned()),
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
    Config::from_lookup(|name| Ok(vars.get(name).cloned()))
        .unwrap()
        .hotels
        .remove(0)
}

fn charge(reservation: &VendorId) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: reservation.clone(),
        kind: ChargeKind::Spa,
        description: "Hot stone massage".into(),
        unit_amount: Money::parse("30.25", Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: Some("3000".into()),
        outlet: None,
        consumed_at: Utc::now(),
    }
}

/// The client's OHIP calls: password and client-credentials tokens, a
/// posting, its read-back by reference, a read that finds nothing (204),
/// and a posting refused for an unknown reservation.
async fn client_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let gateway = proxy.origin();
    let client = OperaClient::builder(&config(sim, &gateway))
        .unwrap()
        .options(OperaOptions::default())
        .build()
        .unwrap();
    let stay = sim.state().with_hotel(|h| {
        let r = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        VendorId::new(OperaSim::resv_name_id(h, r.id).unwrap()).unwrap()
    });
    let request = charge(&stay);
    let posted = client.post_charge(&request).await.unwrap();
    let found = client
        .find_charge(&stay, request.request_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.external, posted.external);
    assert_eq!(
        found.total,
        Money::parse("60.50", Currency::EUR).unwrap(),
        "numbers decode"
    );
    assert_eq!(
        client.find_charge(&stay, RequestId::new_random()).await.unwrap(),
        None
    );
    let unknown = VendorId::new("999999999").unwrap();
    assert!(client.post_charge(&charge(&unknown)).await.is_err());

    // The client-credentials grant (scope, enterpriseId header).
    let credentials = client.clone().ohip_cashiering(OhipConfig {
        gateway: reqwest::Url::parse(&gateway).unwrap(),
        app_key: SecretString::from(APP_KEY),
        client_id: OperaSim::OHIP_CLIENT_ID.to_owned(),
        client_secret: SecretString::from(sim.access_token().to_owned()),
        grant: OhipGrant::ClientCredentials {
            scope: "urn:opc:hgbu:ws:__myscopes__".into(),
            enterprise_id: Some("ENT123".into()),
        },
        hotel_id: OperaSim::HOTEL_CODE.to_owned(),
        cashier_id: Some(7),
        token_margin: Duration::from_secs(300),
    });
    credentials.post_charge(&charge(&stay)).await.unwrap();

    // The property profile over OHIP: getOperaHotelContext (not checked).
    let profile = client.property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::EUR));
    proxy.take()
}

#[tokio::test]
async fn ohip_requests_and_simulator_answers_follow_oracles_schemas() {
    let Some(specs) = VendorSpecs::from_env_or_skip("ohip schema") else {
        return;
    };
    let contract = contract(&specs);
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(83)))
        .await
        .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();

    let exchanges = client_traffic(&sim, &proxy).await;
    let mut report = Report::default();
    report.merge(contract.report(&exchanges, &KNOWN));
    report.assert_covers(CLIENT_OPERATIONS);
    // The unchecked call's headers, against the definitions OHIP shares.
    let csh = Spec::load("csh", &specs.file("ohip/csh.json").unwrap(), Formats::default()).unwrap();
    let context: Vec<&Exchange> = exchanges
        .iter()
        .filter(|e| e.request.path.ends_with("/operaContext"))
        .collect();
    assert!(!context.is_empty(), "getOperaHotelContext was sent");
    for exchange in context {
        let violations = csh.check_parameters(SHARED_HEADERS, &exchange.request).unwrap();
        report.failures.extend(violations.iter().map(|v| {
            format!(
                "{} [getOperaHotelContext, csh.json's shared headers]: {v}",
                exchange.request.line()
            )
        }));
    }
    println!(
        "{} exchanges over {} operations; unchecked: {:?}; errata seen: {:?}",
        report.exchanges,
        report.covered.len(),
        report.unchecked,
        report.errata_seen
    );
    report.assert_clean();
    report.assert_known_used(&KNOWN);
    proxy.shutdown().await;
    sim.shutdown().await;
}

/// The simulator's answers to requests it refuses, and to paths it does not
/// serve: each is the documents' `exceptionDetailType` (a 401 has no body,
/// as csh.json's `401` declares none).
#[tokio::test]
async fn ohip_error_answers_are_exception_details() {
    let Some(specs) = VendorSpecs::from_env_or_skip("ohip error schema") else {
        return;
    };
    let contract = contract(&specs);
    let csh = Spec::load("csh", &specs.file("ohip/csh.json").unwrap(), Formats::default()).unwrap();
    let sim = OperaSim::start(SimOptions::with_hotel(HotelSpec::small(84)))
        .await
        .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |path: &str| format!("{}{path}", proxy.origin());
    // 401: no token. 403 is not reachable without a token either, so a
    // served operation's refusals are the 401s.
    let no_token = http
        .get(url("/csh/v1/hotels/SIM1/transactions?reservationList=1"))
        .header("x-app-key", APP_KEY)
        .header("x-hotelid", OperaSim::HOTEL_CODE)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let mut report = contract.report_answers(&proxy.take(), &KNOWN);

    // Unserved paths and methods: JSON, the documents' error detail.
    let mut violations = Vec::new();
    for (method, path, status) in [
        (reqwest::Method::GET, "/csh/v1/hotels/SIM1/folios", 404),
        (reqwest::Method::POST, "/csh/v1/hotels/SIM1/transactions", 405),
    ] {
        let answer = http.request(method, url(path)).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{path}");
        let body: Value = answer.json().await.unwrap();
        violations.extend(
            csh.check_value(
                &format!("{path} {status}"),
                &body,
                "/definitions/exceptionDetailType",
            )
            .unwrap(),
        );
    }
    report.exchanges += 2;
    report.failures.extend(violations.iter().map(ToString::to_string));
    report.assert_clean();
    proxy.shutdown().await;
    sim.shutdown().await;
}
