//! A small control API under `/_sim/`, for a simulator run as a process
//! (`pms sim mews --port N`) where tests cannot hold a [`crate::SimHandle`].
//! The prefix cannot collide with a vendor path.
//!
//! - `GET /_sim/state`: counts of what the PMS holds, request counters, webhook stats.
//! - `GET /_sim/requests`: every request received.
//! - `POST /_sim/faults`: `{"seed", "error_5xx", "throttle_429", "timeout_after_write",
//!   "ambiguous_hang_ms", "latency_ms", "retry_after_secs",
//!   "rate_limit": {"requests", "window_secs"} | null}`; omitted fields keep their value.
//! - `POST /_sim/webhook`: `{"url", "token"}` registers the receiver.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::RateLimit;
use crate::server::SimCore;

pub(crate) fn router(core: Arc<SimCore>) -> Router {
    Router::new()
        .route("/_sim/state", get(state))
        .route("/_sim/requests", get(requests))
        .route("/_sim/faults", post(faults))
        .route("/_sim/webhook", post(webhook))
        .with_state(core)
}

async fn state(State(core): State<Arc<SimCore>>) -> Json<Value> {
    let summary = core.read().summary();
    let counters = core.journal.counters();
    let hooks = core.webhooks.stats();
    Json(json!({
        "hotel": summary,
        "counters": counters,
        "webhooks": {
            "emitted": hooks.emitted, "delivered": hooks.delivered, "failed_attempts": hooks.failed_attempts,
            "dropped": hooks.dropped, "duplicated": hooks.duplicated, "reordered": hooks.reordered,
            "abandoned": hooks.abandoned
        }
    }))
}

async fn requests(State(core): State<Arc<SimCore>>) -> Json<Value> {
    Json(json!(core.journal.records()))
}

#[derive(Debug, Deserialize)]
struct RateLimitBody {
    requests: u32,
    window_secs: u64,
}

#[derive(Debug, Deserialize)]
struct FaultsBody {
    seed: Option<u64>,
    error_5xx: Option<f64>,
    throttle_429: Option<f64>,
    timeout_after_write: Option<f64>,
    ambiguous_hang_ms: Option<u64>,
    latency_ms: Option<u64>,
    retry_after_secs: Option<u64>,
    // `null` turns the limit off, absence keeps it.
    #[serde(default, with = "double_option")]
    rate_limit: Option<Option<RateLimitBody>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

async fn faults(
    State(core): State<Arc<SimCore>>,
    body: Result<Json<FaultsBody>, axum::extract::rejection::JsonRejection>,
) -> (StatusCode, Json<Value>) {
    let Ok(Json(body)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected a JSON fault settings object" })),
        );
    };
    let mut config = core.faults.config();
    if let Some(seed) = body.seed {
        config.seed = seed;
    }
    let probability = |p: Option<f64>, current: f64| p.map_or(current, |p| p.clamp(0.0, 1.0));
    config.error_5xx = probability(body.error_5xx, config.error_5xx);
    config.throttle_429 = probability(body.throttle_429, config.throttle_429);
    config.timeout_after_write = probability(body.timeout_after_write, config.timeout_after_write);
    if let Some(ms) = body.ambiguous_hang_ms {
        config.ambiguous_hang = Duration::from_millis(ms);
    }
    if let Some(ms) = body.latency_ms {
        config.latency = Duration::from_millis(ms);
    }
    if let Some(secs) = body.retry_after_secs {
        config.retry_after = Duration::from_secs(secs);
    }
    if let Some(limit) = body.rate_limit {
        config.rate_limit = limit.map(|l| RateLimit {
            requests: l.requests,
            window: Duration::from_secs(l.window_secs),
        });
        core.limiter.reset();
    }
    core.faults.set(config);
    (StatusCode::OK, Json(json!({ "ok": true })))
}

#[derive(Debug, Deserialize)]
struct WebhookBody {
    url: String,
    token: String,
}

async fn webhook(
    State(core): State<Arc<SimCore>>,
    body: Result<Json<WebhookBody>, axum::extract::rejection::JsonRejection>,
) -> (StatusCode, Json<Value>) {
    let Ok(Json(body)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected {\"url\", \"token\"}" })),
        );
    };
    match core.webhooks.register(&body.url, &body.token) {
        Ok(()) => (StatusCode::OK, Json(json!({ "ok": true }))),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e.to_string() }))),
    }
}
