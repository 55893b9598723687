//! `GET /health` of a running service: whether the store answers.
//!
//! Load balancers and orchestrators probe it: `200` while the store is up,
//! `503` while it fails (the process stays up and recovers by itself; the
//! probe tells the operator, and a balancer can route deliveries to a process
//! that can store them).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::store_health::StoreHealth;

/// `GET /health`: `{"status": "ok" | "store_down", "store": StoreStatus}`.
pub fn health_router(store: Arc<StoreHealth>) -> Router {
    Router::new().route("/health", get(health)).with_state(store)
}

async fn health(State(store): State<Arc<StoreHealth>>) -> Response {
    let status = store.snapshot();
    let (code, label) = if status.up {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store_down")
    };
    (code, Json(json!({ "status": label, "store": status }))).into_response()
}
