//! The `/_sim/` control API used when the simulator runs as a process.

mod common;

use common::{call, client, start};
use serde_json::{Value, json};

#[tokio::test]
async fn faults_and_state_are_reachable_over_http() {
    let sim = start().await;
    let base = sim.base_url();
    let set = client()
        .post(format!("{base}/_sim/faults"))
        .json(&json!({ "error_5xx": 1.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status().as_u16(), 200);
    assert_eq!(sim.faults().config().error_5xx, 1.0);
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 500);

    let limit = json!({ "error_5xx": 0.0, "rate_limit": { "requests": 1, "window_secs": 30 } });
    client()
        .post(format!("{base}/_sim/faults"))
        .json(&limit)
        .send()
        .await
        .unwrap();
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 200);
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 429);
    client()
        .post(format!("{base}/_sim/faults"))
        .json(&json!({ "rate_limit": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 200);

    let state: Value = client()
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["hotel"]["rooms"], 20);
    assert_eq!(state["counters"]["injected_5xx"], 1);
    assert_eq!(state["counters"]["rate_limited"], 1);
    let requests: Value = client()
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        requests.as_array().unwrap().len(),
        4,
        "control calls are not journaled"
    );

    let bad = client()
        .post(format!("{base}/_sim/webhook"))
        .json(&json!({ "url": "not a url", "token": "t" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}
