//! Fault injection over HTTP: rates with a fixed seed, the rate limit, and
//! the ambiguous timeout that applies the write.

mod common;

use std::time::Duration;

use common::{call, call_as, start, start_with};
use pms_sim::{FaultConfig, HotelSpec, RateLimit, RetryAfterFormat, SimOptions};
use serde_json::json;

#[tokio::test]
async fn injected_5xx_rate_matches_configuration_with_a_fixed_seed() {
    let sim = start().await;
    sim.faults().set(FaultConfig {
        seed: 1234,
        error_5xx: 0.2,
        ..FaultConfig::default()
    });
    let n = 400;
    let mut errors = 0;
    for _ in 0..n {
        let reply = call(&sim, "configuration/get", json!({})).await;
        match reply.status {
            500 => {
                errors += 1;
                assert!(reply.body["Message"].is_string());
            }
            200 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    // 20% of 400 = 80, sigma = 8; the bounds are ~4 sigma either side.
    assert!((48..=112).contains(&errors), "errors {errors}");
    assert_eq!(sim.state().counters().injected_5xx, errors);
    assert_eq!(sim.state().counters().requests, n);
}

#[tokio::test]
async fn fault_sequences_repeat_for_the_same_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = start().await;
        sim.faults().set(FaultConfig {
            seed: 99,
            error_5xx: 0.3,
            throttle_429: 0.1,
            ..FaultConfig::default()
        });
        let mut statuses = Vec::new();
        for _ in 0..60 {
            statuses.push(call(&sim, "configuration/get", json!({})).await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&429) && runs[0].contains(&500) && runs[0].contains(&200));
}

#[tokio::test]
async fn injected_429_carries_retry_after_and_leaves_state_alone() {
    let sim = start().await;
    sim.faults().set(FaultConfig {
        throttle_429: 1.0,
        retry_after: Duration::from_secs(7),
        ..FaultConfig::default()
    });
    let room = sim.state().with_hotel(|h| h.rooms[0].id);
    let before = sim.state().room(room).unwrap().state;
    let target = if before == pms_sim::RoomState::Dirty {
        "Clean"
    } else {
        "Dirty"
    };
    let reply = call(
        &sim,
        "resources/update",
        json!({ "ResourceUpdates": [{ "ResourceId": room, "State": { "Value": target } }] }),
    )
    .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "7");
    assert_eq!(
        sim.state().room(room).unwrap().state,
        before,
        "a 429 is rejected before processing"
    );
    assert_eq!(sim.state().counters().injected_429, 1);

    sim.faults()
        .update(|f| f.retry_after_format = RetryAfterFormat::HttpDate);
    let reply = call(&sim, "configuration/get", json!({})).await;
    let value = reply.headers["retry-after"].to_str().unwrap().to_owned();
    assert!(value.ends_with(" GMT"), "{value}");
    assert!(chrono::DateTime::parse_from_rfc2822(&value.replace("GMT", "+0000")).is_ok());
}

#[tokio::test]
async fn rate_limit_is_per_access_token_with_retry_after() {
    let sim = start().await;
    sim.faults().set(FaultConfig {
        rate_limit: Some(RateLimit {
            requests: 5,
            window: Duration::from_secs(30),
        }),
        ..FaultConfig::default()
    });
    for _ in 0..5 {
        assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 200);
    }
    let limited = call(&sim, "configuration/get", json!({})).await;
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(limited.body["Message"].is_string());
    // Another property's token has its own budget.
    let other = sim.credentials().access_tokens[1].clone();
    assert_eq!(
        call_as(&sim, &other, "configuration/get", json!({})).await.status,
        200
    );
    let counters = sim.state().counters();
    assert_eq!((counters.rate_limited, counters.total_429()), (1, 1));
}

#[tokio::test]
async fn the_documented_mews_budget_is_200_per_30_seconds() {
    let options = SimOptions::with_hotel(HotelSpec::small(3)).with_vendor_rate_limit();
    let sim = start_with(options).await;
    assert_eq!(sim.faults().config().rate_limit, Some(RateLimit::MEWS));
    let mut ok = 0;
    for _ in 0..200 {
        if call(&sim, "configuration/get", json!({})).await.status == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 200);
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 429);
}

#[tokio::test]
async fn added_latency_outlasts_an_impatient_client() {
    let sim = start().await;
    sim.faults().update(|f| f.latency = Duration::from_millis(800));
    let body = common::with_tokens(&sim, sim.access_token(), json!({}));
    let outcome = common::client()
        .post(format!("{}/api/connector/v1/configuration/get", sim.base_url()))
        .timeout(Duration::from_millis(50))
        .json(&body)
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout());
    sim.faults().clear();
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 200);
}

#[tokio::test]
async fn ambiguous_timeout_applies_the_write_then_withholds_the_answer() {
    let sim = start().await;
    sim.faults().set(FaultConfig {
        timeout_after_write: 1.0,
        ambiguous_hang: Duration::from_secs(5),
        ..FaultConfig::default()
    });
    let (guest, service) = sim.state().with_hotel(|h| (h.guests[0].id, h.services[1].id));
    let body = common::with_tokens(
        &sim,
        sim.access_token(),
        json!({
            "ServiceId": service,
            "AccountId": guest,
            "Items": [{ "Name": "Tip", "UnitCount": 1, "UnitAmount": { "Currency": "EUR", "TaxCodes": ["DE-2020-1-Z"], "GrossValue": 5 }, "ExternalIdentifier": "tip-7" }]
        }),
    );
    let outcome = reqwest::Client::new()
        .post(format!("{}/api/connector/v1/orders/add", sim.base_url()))
        .timeout(Duration::from_millis(1000))
        .json(&body)
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout());
    // On a slow machine the client may give up before the server got to the
    // write; wait for the server to have recorded it (bounded), then look.
    for _ in 0..500 {
        if sim.state().counters().ambiguous_timeouts == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The charge landed although the client never heard so.
    assert_eq!(sim.state().charges_with_external_id("tip-7").len(), 1);
    assert_eq!(sim.state().counters().ambiguous_timeouts, 1);
    // Reads are not affected by the write-only fault; the read-back finds it.
    let read = call(
        &sim,
        "orderItems/getAll",
        json!({ "AccountIds": [guest], "Limitation": { "Count": 1000 } }),
    )
    .await;
    assert_eq!(read.status, 200);
    assert!(
        read.body["OrderItems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["ExternalIdentifier"] == "tip-7")
    );
    sim.shutdown().await;
}
