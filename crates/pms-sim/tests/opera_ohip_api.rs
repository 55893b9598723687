//! The OPERA simulator's OHIP cashiering front over HTTP, requests written by
//! hand: the token grant, header checks, a posting read back by its reference,
//! and the shared fault injection (429, 503) on OHIP too.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use pms_sim::{FaultConfig, HotelSpec, OperaSim, ReservationState, SimHandle, SimOptions};
use serde_json::{Value, json};

const APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

async fn start() -> SimHandle {
    OperaSim::start(SimOptions::with_hotel(HotelSpec::small(71)))
        .await
        .unwrap()
}

async fn token(sim: &SimHandle, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/oauth/v1/tokens", sim.base_url()))
        .basic_auth(OperaSim::OHIP_CLIENT_ID, Some(sim.access_token()))
        .header("x-app-key", APP_KEY)
        .form(&[
            ("grant_type", "password"),
            ("username", OperaSim::USER_NAME),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn bearer(sim: &SimHandle) -> String {
    let answer: Value = token(sim, sim.access_token()).await.json().await.unwrap();
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(answer["expires_in"], OperaSim::OHIP_TOKEN_SECONDS);
    answer["access_token"].as_str().unwrap().to_owned()
}

fn in_house(sim: &SimHandle) -> String {
    sim.state().with_hotel(|h| {
        let stay = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        OperaSim::resv_name_id(h, stay.id).unwrap()
    })
}

fn charges_url(sim: &SimHandle, hotel: &str, stay: &str) -> String {
    format!(
        "{}/csh/v1/hotels/{hotel}/reservations/{stay}/charges",
        sim.base_url()
    )
}

fn body(stay: &str, reference: &str) -> Value {
    json!({"criteria": {
        "hotelId": OperaSim::HOTEL_CODE,
        "reservationId": {"id": stay, "type": "Reservation", "idContext": "OPERA"},
        "charges": [{
            "transactionCode": "2000",
            "price": {"amount": 12.50, "currencyCode": "EUR"},
            "postingQuantity": 2,
            "postingReference": reference,
            "postingRemark": "Club sandwich"
        }]
    }})
}

async fn post(sim: &SimHandle, token: &str, hotel: &str, stay: &str, reference: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(charges_url(sim, hotel, stay))
        .bearer_auth(token)
        .header("x-app-key", APP_KEY)
        .header("x-hotelid", hotel)
        .json(&body(stay, reference))
        .send()
        .await
        .unwrap()
}

async fn transactions(sim: &SimHandle, token: &str, stay: &str, reference: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!(
            "{}/csh/v1/hotels/{}/transactions",
            sim.base_url(),
            OperaSim::HOTEL_CODE
        ))
        .query(&[("reservationList", stay), ("referenceNumberWildCard", reference)])
        .bearer_auth(token)
        .header("x-app-key", APP_KEY)
        .header("x-hotelid", OperaSim::HOTEL_CODE)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_posting_is_read_back_by_its_reference() {
    let sim = start().await;
    let token = bearer(&sim).await;
    let stay = in_house(&sim);
    let answer = post(&sim, &token, OperaSim::HOTEL_CODE, &stay, "REF-1").await;
    assert_eq!(answer.status(), 201);
    let created: Value = answer.json().await.unwrap();
    assert_eq!(created["postings"][0]["reference"], "REF-1");
    // A JSON number, as csh.json's `summaryPostingType.transactionAmount` is typed.
    assert_eq!(created["postings"][0]["transactionAmount"], json!(25.0));
    assert_eq!(created["postings"][0]["postedAmount"]["amount"], json!(25.0));

    let read: Value = transactions(&sim, &token, &stay, "REF-1")
        .await
        .json()
        .await
        .unwrap();
    let postings = &read["reservationFolioInformation"][0]["folioWindows"][0]["folios"][0]["postings"];
    assert_eq!(postings.as_array().unwrap().len(), 1, "{read}");
    assert_eq!(postings[0]["reference"], "REF-1");
    assert_eq!(
        postings[0]["transactionNo"],
        created["postings"][0]["transactionNo"]
    );
    assert_eq!(postings[0]["transactionCode"], "2000");
    // No posting carries this reference: 204.
    assert_eq!(transactions(&sim, &token, &stay, "REF-2").await.status(), 204);
    // Not deduplicated: the same reference posts again.
    assert_eq!(
        post(&sim, &token, OperaSim::HOTEL_CODE, &stay, "REF-1")
            .await
            .status(),
        201
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn credentials_and_headers_are_checked() {
    let sim = start().await;
    assert_eq!(token(&sim, "wrong").await.status(), 401);
    let stay = in_house(&sim);
    assert_eq!(
        post(&sim, "never-issued", OperaSim::HOTEL_CODE, &stay, "R")
            .await
            .status(),
        401
    );
    let token = bearer(&sim).await;
    let refused = post(&sim, &token, "OTHER1", &stay, "R").await;
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["o:errorCode"], "FORBIDDEN");
    let unknown = post(&sim, &token, OperaSim::HOTEL_CODE, "99999999", "R").await;
    assert_eq!(unknown.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn injected_faults_apply_to_ohip() {
    let sim = start().await;
    let token = bearer(&sim).await;
    let stay = in_house(&sim);
    sim.faults().set(FaultConfig {
        throttle_429: 1.0,
        retry_after: Duration::from_secs(2),
        ..FaultConfig::default()
    });
    let limited = post(&sim, &token, OperaSim::HOTEL_CODE, &stay, "R").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "2");
    sim.faults().set(FaultConfig {
        error_5xx: 1.0,
        ..FaultConfig::default()
    });
    assert_eq!(
        post(&sim, &token, OperaSim::HOTEL_CODE, &stay, "R")
            .await
            .status(),
        503
    );
    sim.faults().clear();
    let counters = sim.state().counters();
    assert_eq!((counters.total_429(), counters.injected_5xx), (1, 1));
    // Neither applied anything.
    assert_eq!(transactions(&sim, &token, &stay, "R").await.status(), 204);
    sim.shutdown().await;
}

/// A path or method the OHIP front does not serve is OHIP's JSON 404 / 405
/// (`exceptionDetailType`), not the OWS front's SOAP fault.
#[tokio::test]
async fn unserved_ohip_paths_answer_json_not_soap() {
    let sim = start().await;
    let http = reqwest::Client::new();
    for (method, path, status) in [
        (reqwest::Method::GET, "/csh/v1/hotels/SIM1/folios", 404),
        (reqwest::Method::POST, "/rsv/v1/hotels/SIM1/reservations", 404),
        (reqwest::Method::POST, "/csh/v1/hotels/SIM1/transactions", 405),
        (reqwest::Method::GET, "/oauth/v1/tokens", 405),
        (reqwest::Method::DELETE, "/oauth/v1/other", 404),
    ] {
        let answer = http
            .request(method.clone(), format!("{}{path}", sim.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status, "{method} {path}");
        assert_eq!(
            answer.headers()["content-type"],
            "application/json",
            "{method} {path}"
        );
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["status"], status, "{method} {path}: {body}");
        assert!(body["o:errorCode"].is_string(), "{method} {path}: {body}");
    }
    sim.shutdown().await;
}
