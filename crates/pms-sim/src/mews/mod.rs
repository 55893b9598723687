//! The Mews Connector API front.
//!
//! Wire rules (mews.md §2, `guidelines/requests.md`): every call is
//! `POST [PlatformAddress]/api/connector/v1/{resource}/{operation}[/{version}]`
//! with a JSON body carrying `ClientToken`, `AccessToken` and `Client`;
//! property names are PascalCase; the path is case-sensitive with no trailing
//! slash; every response has a `Request-Id` header.
//!
//! Each request goes through: body bound (413) → strict JSON (400) → latency
//! → rate limit per AccessToken (429) → tokens (401) → injected 429 / 500 →
//! the operation → for applied writes, maybe an ambiguous hang.

mod agenda;
mod bills;
mod configuration;
mod customers;
mod error;
mod order_items;
mod orders;
mod payments;
mod reservations;
mod resource_blocks;
mod resources;
mod services;
mod webhook;
mod wire;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use tokio::time::Instant;

use crate::faults::{RetryAfterFormat, Verdict};
use crate::journal::{Outcome, RequestRecord};
use crate::server::SimCore;
use crate::state::{self, Change};
use error::MewsError;

/// Bodies above this are refused with 413 before parsing.
const MAX_BODY: usize = 1024 * 1024;
const PREFIX: &str = "/api/connector/v1/";

type OpResult = Result<(Value, Vec<Change>), MewsError>;

struct Operation {
    path: &'static str,
    write: bool,
    run: fn(&SimCore, &Value) -> OpResult,
}

const OPERATIONS: &[Operation] = &[
    Operation {
        path: "configuration/get",
        write: false,
        run: configuration::get,
    },
    Operation {
        path: "reservations/getAll/2023-06-06",
        write: false,
        run: reservations::get_all,
    },
    Operation {
        path: "reservations/start",
        write: true,
        run: reservations::start,
    },
    Operation {
        path: "reservations/process",
        write: true,
        run: reservations::process,
    },
    Operation {
        path: "reservations/update",
        write: true,
        run: reservations::update,
    },
    Operation {
        path: "customers/getAll",
        write: false,
        run: customers::get_all,
    },
    Operation {
        path: "resources/getAll",
        write: false,
        run: resources::get_all,
    },
    Operation {
        path: "resources/update",
        write: true,
        run: resources::update,
    },
    Operation {
        path: "resourceBlocks/getAll",
        write: false,
        run: resource_blocks::get_all,
    },
    Operation {
        path: "resourceBlocks/add",
        write: true,
        run: resource_blocks::add,
    },
    Operation {
        path: "resourceBlocks/delete",
        write: true,
        run: resource_blocks::delete,
    },
    Operation {
        path: "services/getAll",
        write: false,
        run: services::get_all,
    },
    Operation {
        path: "orders/add",
        write: true,
        run: orders::add,
    },
    Operation {
        path: "orderItems/getAll",
        write: false,
        run: order_items::get_all,
    },
    Operation {
        path: "orderItems/cancel",
        write: true,
        run: order_items::cancel,
    },
    Operation {
        path: "bills/getAll",
        write: false,
        run: bills::get_all,
    },
    Operation {
        path: "payments/getAll",
        write: false,
        run: payments::get_all,
    },
    Operation {
        path: "payments/addExternal",
        write: true,
        run: payments::add_external,
    },
];

/// The Mews router over a simulator core.
pub(crate) fn router(core: Arc<SimCore>) -> Router {
    Router::new()
        // Every operation is a POST; other methods get a Mews-shaped 405.
        .route(
            "/api/connector/v1/{*operation}",
            post(handle).fallback(wrong_method),
        )
        .fallback(fallback)
        .with_state(core)
}

async fn fallback(State(core): State<Arc<SimCore>>, uri: axum::http::Uri) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    core.journal.push(RequestRecord {
        at: state::now(),
        path: uri.path().to_owned(),
        credential: None,
        body: Value::Null,
        status: 404,
        outcome: Outcome::Rejected,
        applied_write: false,
    });
    error_response(&MewsError::not_found(), &request_id, None)
}

async fn wrong_method(State(core): State<Arc<SimCore>>, uri: axum::http::Uri) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    core.journal.push(RequestRecord {
        at: state::now(),
        path: uri.path().to_owned(),
        credential: None,
        body: Value::Null,
        status: 405,
        outcome: Outcome::Rejected,
        applied_write: false,
    });
    let error = MewsError::new(StatusCode::METHOD_NOT_ALLOWED, "Only POST is supported.");
    error_response(&error, &request_id, None)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("Request-Id", value);
    }
    response
}

fn error_response(error: &MewsError, request_id: &str, retry_after: Option<HeaderValue>) -> Response {
    let mut response = (error.status, axum::Json(error.body(request_id))).into_response();
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, value);
    }
    with_request_id(response, request_id)
}

fn retry_after_value(wait: std::time::Duration, format: RetryAfterFormat) -> Option<HeaderValue> {
    // Whole seconds, rounded up so a client that waits exactly that long is let in.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let text = match format {
        RetryAfterFormat::Seconds => secs.to_string(),
        RetryAfterFormat::HttpDate => {
            // A configured wait too large for a date saturates rather than panics.
            let now = chrono::Utc::now();
            let at = i64::try_from(secs)
                .ok()
                .and_then(chrono::TimeDelta::try_seconds)
                .and_then(|wait| now.checked_add_signed(wait))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
            at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
        }
    };
    HeaderValue::from_str(&text).ok()
}

/// One request in flight: what the journal will record about it.
struct Call<'a> {
    core: &'a SimCore,
    request_id: String,
    at: chrono::DateTime<chrono::Utc>,
    path: String,
    credential: Option<String>,
    body: Value,
}

impl Call<'_> {
    fn record(&self, status: StatusCode, outcome: Outcome, applied_write: bool) {
        self.core.journal.push(RequestRecord {
            at: self.at,
            path: self.path.clone(),
            credential: self.credential.clone(),
            body: self.body.clone(),
            status: status.as_u16(),
            outcome,
            applied_write,
        });
    }

    fn reject(&self, error: MewsError, outcome: Outcome, retry: Option<HeaderValue>) -> Response {
        self.record(error.status, outcome, false);
        error_response(&error, &self.request_id, retry)
    }
}

/// The body as journaled: tokens removed (the credential is kept apart).
fn journal_body(json: &Value) -> Value {
    let mut body = json.clone();
    if let Value::Object(map) = &mut body {
        map.remove("ClientToken");
        map.remove("AccessToken");
    }
    body
}

async fn handle(State(core): State<Arc<SimCore>>, Path(operation): Path<String>, body: Body) -> Response {
    let mut call = Call {
        core: &core,
        request_id: uuid::Uuid::new_v4().to_string(),
        at: state::now(),
        path: format!("{PREFIX}{operation}"),
        credential: None,
        body: Value::Null,
    };
    let Some(op) = OPERATIONS.iter().find(|op| op.path == operation) else {
        return call.reject(MewsError::not_found(), Outcome::Rejected, None);
    };
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return call.reject(MewsError::too_large(), Outcome::Rejected, None);
    };
    let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
        let error = MewsError::new(StatusCode::BAD_REQUEST, "Invalid JSON");
        return call.reject(error, Outcome::Rejected, None);
    };
    call.credential = json.get("AccessToken").and_then(Value::as_str).map(str::to_owned);
    call.body = journal_body(&json);

    let config = core.faults.config();
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(limit) = config.rate_limit {
        let key = call.credential.as_deref().unwrap_or_default();
        if let Err(wait) = core.limiter.check(key, limit, Instant::now()) {
            let retry = retry_after_value(wait, config.retry_after_format);
            return call.reject(MewsError::too_many_requests(), Outcome::RateLimited, retry);
        }
    }
    if let Err(error) = authenticate(&core, &json) {
        return call.reject(error, Outcome::Rejected, None);
    }
    match core.faults.roll_request() {
        Verdict::Pass => {}
        Verdict::Throttle(wait) => {
            let retry = retry_after_value(wait, config.retry_after_format);
            return call.reject(MewsError::too_many_requests(), Outcome::Injected429, retry);
        }
        Verdict::ServerError => return call.reject(MewsError::server_error(), Outcome::Injected5xx, None),
    }

    match (op.run)(&core, &json) {
        Ok((value, changes)) => {
            if !changes.is_empty()
                && let Some(body) = webhook::general(&core, &changes)
            {
                core.webhooks.emit(body);
            }
            let hang = if op.write {
                core.faults.roll_ambiguous()
            } else {
                None
            };
            let outcome = if hang.is_some() {
                Outcome::AmbiguousTimeout
            } else {
                Outcome::Served
            };
            call.record(StatusCode::OK, outcome, op.write);
            if let Some(hang) = hang {
                // The write is already applied; the answer arrives after the client gave up.
                tokio::time::sleep(hang).await;
            }
            with_request_id(
                (StatusCode::OK, axum::Json(value)).into_response(),
                &call.request_id,
            )
        }
        Err(error) => call.reject(error, Outcome::Rejected, None),
    }
}

/// Tokens are checked after the rate limit, as the budget is per AccessToken
/// whatever the request's fate. 401 covers bad or unknown tokens
/// (`guidelines/responses.md`); a missing `Client` is a parameter error.
fn authenticate(core: &SimCore, json: &Value) -> Result<(), MewsError> {
    let field = |name: &str| json.get(name).and_then(Value::as_str);
    if field("ClientToken") != Some(core.credentials.client_token.as_str()) {
        return Err(MewsError::unauthorized("ClientToken"));
    }
    match field("AccessToken") {
        Some(token) if core.credentials.access_tokens.iter().any(|t| t == token) => {}
        _ => return Err(MewsError::unauthorized("AccessToken")),
    }
    if field("Client").is_none_or(str::is_empty) {
        return Err(MewsError::invalid(
            "Client",
            "the name and version of the client application is required",
        ));
    }
    Ok(())
}
