//! Helpers shared by the integration tests: start a Mews simulator and call
//! it with raw JSON, the way a connector would.
#![allow(dead_code)]
// Helpers panic on transport failures: that is a failed test, not data to handle.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use serde_json::{Value, json};

/// One client for every call: building one per request (TLS roots and all)
/// costs more than the request itself. Each test has its own runtime, so
/// connections are never pooled across them.
pub fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        })
        .clone()
}

pub async fn start() -> SimHandle {
    start_with(SimOptions::with_hotel(HotelSpec::small(7))).await
}

pub async fn start_with(options: SimOptions) -> SimHandle {
    MewsSim::start(options).await.unwrap()
}

/// A response as a test wants it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// `body` with the tokens merged in.
pub fn with_tokens(sim: &SimHandle, token: &str, mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        map.insert("ClientToken".into(), json!(sim.client_token()));
        map.insert("AccessToken".into(), json!(token));
        map.insert("Client".into(), json!("pms-sim tests 1.0"));
    }
    body
}

pub async fn call(sim: &SimHandle, operation: &str, body: Value) -> Reply {
    let token = sim.access_token().to_owned();
    call_as(sim, &token, operation, body).await
}

pub async fn call_as(sim: &SimHandle, token: &str, operation: &str, body: Value) -> Reply {
    let response = client()
        .post(format!("{}/api/connector/v1/{operation}", sim.base_url()))
        .json(&with_tokens(sim, token, body))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// Every record of a paginated getAll, following the top-level Cursor until
/// an empty page.
pub async fn get_all(sim: &SimHandle, operation: &str, key: &str, mut body: Value, count: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = Value::Null;
    loop {
        body["Limitation"] = json!({ "Count": count, "Cursor": cursor });
        let reply = call(sim, operation, body.clone()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = reply.body[key].as_array().cloned().unwrap_or_default();
        if page.is_empty() {
            assert!(reply.body["Cursor"].is_null());
            return out;
        }
        cursor = reply.body["Cursor"].clone();
        out.extend(page);
    }
}
