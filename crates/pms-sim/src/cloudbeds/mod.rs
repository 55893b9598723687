//! The Cloudbeds API v1.3 front.
//!
//! Wire rules (`src/pms-v1.3-openapi.yaml` of `cloudbeds/openapi-specs`,
//! vendor notes `shared/vendors/cloudbeds.md` §2): every method is an
//! RPC-style name under `/api/v1.3/` (`GET /getReservations`, `PUT
//! /putReservation`, ...); GET and DELETE take the query string, POST and PUT
//! an `application/x-www-form-urlencoded` body with PHP-style indexed arrays
//! (`items[0][itemPrice]`). Answers are JSON envelopes
//! `{"success": true, "data": ..., "count": n, "total": n}`; business errors
//! are `{"success": false, "message": "..."}` **inside HTTP 200**. Every
//! answer carries an `X-Request-ID` header ("X-Request-ID is added to response
//! headers in all calls", spec `info.description`).
//!
//! Credentials (spec `securitySchemes`): `x-api-key: <key>` or
//! `Authorization: Bearer <token>`. The accepted API keys are
//! [`crate::Credentials::access_tokens`]; OAuth access tokens come from
//! `POST /access_token` (refresh grant, see `auth`).
//!
//! Beside v1.3, the Accounting API's `POST /accounting/v1.0/transactions`
//! (module `accounting`, its own JSON envelope and errors).
//!
//! Each request goes through: method known (404) and verb right (405) → body
//! bound (413) → form parse (400) → latency → rate limit per credential (429)
//! → credential (401) → injected 429 / 500 → the method → webhooks → for
//! applied writes, maybe an ambiguous hang.

mod accounting;
mod auth;
mod error;
mod folio;
mod guests;
mod ids;
mod params;
mod render;
mod reservations;
mod rooms;
mod webhook;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;
use tokio::time::Instant;
use uuid::Uuid;

use crate::faults::{RateLimit, RetryAfterFormat, Verdict};
use crate::journal::{Outcome, RequestRecord};
use crate::server::SimCore;
use crate::state;
pub use auth::{ACCESS_TOKEN_LIFETIME, CLIENT_ID, REFRESH_TOKEN};
pub use ids::CloudbedsIds;

use error::CbError;
use params::Params;

/// Bodies above this are refused with 413 before parsing.
const MAX_BODY: usize = 1024 * 1024;
/// The path prefix of every v1.3 method (spec `servers`: `https://api.cloudbeds.com/api/v1.3/`).
pub(crate) const PREFIX: &str = "/api/v1.3/";

/// Cloudbeds' documented budget for property credentials: "Properties and
/// Group Properties: 5 requests per second" (developers.cloudbeds.com/docs/faq,
/// vendor notes §4). Off by default like every simulator limit; set it with
/// `faults.rate_limit = Some(CLOUDBEDS_RATE_LIMIT)`.
pub const CLOUDBEDS_RATE_LIMIT: RateLimit = RateLimit {
    requests: 5,
    window: Duration::from_secs(1),
};

/// What a method answered: the JSON body, the webhook bodies its changes
/// produce, and whether it changed state.
pub(crate) struct Reply {
    body: Value,
    events: Vec<Value>,
    applied: bool,
}

impl Reply {
    /// A read.
    fn read(body: Value) -> Self {
        Reply {
            body,
            events: Vec::new(),
            applied: false,
        }
    }

    /// A write that changed state and fires `events`.
    fn write(body: Value, events: Vec<Value>) -> Self {
        Reply {
            body,
            events,
            applied: true,
        }
    }
}

type OpResult = Result<Reply, CbError>;

/// Per-room housekeeping flags Cloudbeds keeps besides the condition
/// (`postHousekeepingStatus` parameters; not part of the shared hotel).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoomFlags {
    do_not_disturb: bool,
    refused_service: bool,
    vacant_pickup: bool,
    comments: String,
}

/// What an item posted through `postCustomItem` was called, which the shared
/// charge does not hold.
#[derive(Debug, Clone)]
pub(crate) struct ItemMeta {
    category: Option<String>,
    app_item_id: String,
    name: Option<String>,
}

/// An adjustment (`postAdjustment`), kept as a folio line of the shared hotel.
#[derive(Debug, Clone)]
pub(crate) struct AdjustmentMeta {
    kind: String,
}

/// Extra facts of a `postPayment` payment.
#[derive(Debug, Clone)]
pub(crate) struct PaymentMeta {
    method: String,
    card_type: Option<String>,
    description: Option<String>,
}

/// State only the Cloudbeds front knows about.
#[derive(Debug, Default)]
pub(crate) struct FrontState {
    /// Reservations marked `no_show` (held as canceled in the shared hotel).
    no_shows: HashSet<Uuid>,
    rooms: HashMap<Uuid, RoomFlags>,
    items: HashMap<Uuid, ItemMeta>,
    adjustments: HashMap<Uuid, AdjustmentMeta>,
    payments: HashMap<Uuid, PaymentMeta>,
    /// Order posted with `itemPaid` → the cash payment it registered.
    item_payments: HashMap<Uuid, Uuid>,
    /// Voided payment → the reversing entry that offsets it in the balance.
    voided_payments: HashMap<Uuid, Uuid>,
    /// OAuth access tokens issued by `/access_token`, with their expiry.
    issued_tokens: HashMap<String, Instant>,
    /// `postWebhook` subscriptions, oldest first.
    subscriptions: Vec<webhook::Subscription>,
    next_subscription: u64,
}

/// The shared core plus the front's own state.
#[derive(Debug)]
pub(crate) struct Front {
    core: Arc<SimCore>,
    state: Mutex<FrontState>,
}

impl Front {
    fn local(&self) -> MutexGuard<'_, FrontState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    fn matches(self, method: &Method) -> bool {
        match self {
            Verb::Get => method == Method::GET,
            Verb::Post => method == Method::POST,
            Verb::Put => method == Method::PUT,
            Verb::Delete => method == Method::DELETE,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }
}

struct Operation {
    name: &'static str,
    verb: Verb,
    write: bool,
    run: fn(&Front, &Params) -> OpResult,
}

/// The methods served, with their HTTP verb as the spec's `paths` give it.
const OPERATIONS: &[Operation] = &[
    Operation {
        name: "getReservations",
        verb: Verb::Get,
        write: false,
        run: reservations::get_reservations,
    },
    Operation {
        name: "getReservation",
        verb: Verb::Get,
        write: false,
        run: reservations::get_reservation,
    },
    Operation {
        name: "getReservationsWithRateDetails",
        verb: Verb::Get,
        write: false,
        run: reservations::get_reservations_with_rate_details,
    },
    Operation {
        name: "putReservation",
        verb: Verb::Put,
        write: true,
        run: reservations::put_reservation,
    },
    Operation {
        name: "getGuest",
        verb: Verb::Get,
        write: false,
        run: guests::get_guest,
    },
    Operation {
        name: "getGuestList",
        verb: Verb::Get,
        write: false,
        run: guests::get_guest_list,
    },
    Operation {
        name: "getRooms",
        verb: Verb::Get,
        write: false,
        run: rooms::get_rooms,
    },
    Operation {
        name: "getHousekeepingStatus",
        verb: Verb::Get,
        write: false,
        run: rooms::get_housekeeping_status,
    },
    Operation {
        name: "postHousekeepingStatus",
        verb: Verb::Post,
        write: true,
        run: rooms::post_housekeeping_status,
    },
    Operation {
        name: "postRoomAssign",
        verb: Verb::Post,
        write: true,
        run: rooms::post_room_assign,
    },
    Operation {
        name: "getHotelDetails",
        verb: Verb::Get,
        write: false,
        run: rooms::get_hotel_details,
    },
    Operation {
        name: "getHotels",
        verb: Verb::Get,
        write: false,
        run: rooms::get_hotels,
    },
    Operation {
        name: "postCustomItem",
        verb: Verb::Post,
        write: true,
        run: folio::post_custom_item,
    },
    Operation {
        name: "postVoidItem",
        verb: Verb::Post,
        write: true,
        run: folio::post_void_item,
    },
    Operation {
        name: "postAdjustment",
        verb: Verb::Post,
        write: true,
        run: folio::post_adjustment,
    },
    // `POST` per the SDK `cloudbeds-pms-v1-3` 1.19.0
    // (`AdjustmentApi.delete_adjustment_post`, form body); the v1.3 spec at
    // `cbspec@f6c4b9a` still says `DELETE` with a query. No vendor source
    // says both are served, so only the later word is: `DELETE` is 405.
    Operation {
        name: "deleteAdjustment",
        verb: Verb::Post,
        write: true,
        run: folio::delete_adjustment,
    },
    Operation {
        name: "postPayment",
        verb: Verb::Post,
        write: true,
        run: folio::post_payment,
    },
    Operation {
        name: "postVoidPayment",
        verb: Verb::Post,
        write: true,
        run: folio::post_void_payment,
    },
    Operation {
        name: "getTransactions",
        verb: Verb::Get,
        write: false,
        run: folio::get_transactions,
    },
    Operation {
        name: "postWebhook",
        verb: Verb::Post,
        write: true,
        run: webhook::post_webhook,
    },
    Operation {
        name: "getWebhooks",
        verb: Verb::Get,
        write: false,
        run: webhook::get_webhooks,
    },
    Operation {
        name: "deleteWebhook",
        verb: Verb::Delete,
        write: true,
        run: webhook::delete_webhook,
    },
    Operation {
        name: "oauth/metadata",
        verb: Verb::Get,
        write: false,
        run: auth::metadata,
    },
];

/// The Cloudbeds router over a simulator core.
pub(crate) fn router(core: Arc<SimCore>) -> Router {
    let front = Arc::new(Front {
        core,
        state: Mutex::new(FrontState::default()),
    });
    Router::new()
        .route("/api/v1.3/{*method}", any(handle))
        .route(accounting::PATH, any(accounting::transactions))
        .fallback(fallback)
        .with_state(front)
}

async fn fallback(State(front): State<Arc<Front>>, uri: axum::http::Uri) -> Response {
    let call = Call::new(&front, uri.path().to_owned());
    call.reject(CbError::not_found(), Outcome::Rejected, None)
}

/// One request in flight: what the journal will record about it.
struct Call<'a> {
    front: &'a Front,
    request_id: String,
    at: chrono::DateTime<chrono::Utc>,
    path: String,
    credential: Option<String>,
    body: Value,
}

impl<'a> Call<'a> {
    fn new(front: &'a Front, path: String) -> Self {
        Call {
            front,
            request_id: Uuid::new_v4().to_string(),
            at: state::now(),
            path,
            credential: None,
            body: Value::Null,
        }
    }

    fn record(&self, status: StatusCode, outcome: Outcome, applied_write: bool) {
        self.front.core.journal.push(RequestRecord {
            at: self.at,
            path: self.path.clone(),
            credential: self.credential.clone(),
            body: self.body.clone(),
            status: status.as_u16(),
            outcome,
            applied_write,
        });
    }

    fn reject(&self, error: CbError, outcome: Outcome, retry: Option<HeaderValue>) -> Response {
        self.record(error.status, outcome, false);
        let mut response = error.into_response();
        if let Some(value) = retry {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        with_request_id(response, &self.request_id)
    }
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("X-Request-ID", value);
    }
    response
}

/// `Retry-After` is not documented by Cloudbeds (vendor notes §4, §12.3);
/// the simulator sends one, as community adapters honour it when present.
fn retry_after_value(wait: Duration, format: RetryAfterFormat) -> Option<HeaderValue> {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let text = match format {
        RetryAfterFormat::Seconds => secs.to_string(),
        RetryAfterFormat::HttpDate => {
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

/// The parameters as journaled: the secrets of a webhook subscription (a
/// `Token` in `postWebhook.endpointUrl`, the `authHeaderValue` of SDK 1.19.0)
/// are masked, as credentials never reach the journal.
fn journal_body(mut body: Value) -> Value {
    if let Some(value) = body.get_mut("authHeaderValue") {
        *value = Value::String("<redacted>".into());
    }
    if let Some(endpoint) = body.get_mut("endpointUrl")
        && let Some(text) = endpoint.as_str()
        && let Ok(mut url) = url::Url::parse(text)
        && url.query_pairs().any(|(k, _)| k == "Token")
    {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "Token" {
                    "<redacted>".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.set_query(None);
        url.query_pairs_mut().extend_pairs(pairs);
        *endpoint = Value::String(url.to_string());
    }
    body
}

/// The credential a request presents: `x-api-key`, else a Bearer token.
fn presented_credential(headers: &HeaderMap) -> Option<String> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_owned());
    }
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn handle(
    State(front): State<Arc<Front>>,
    Path(method_name): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut call = Call::new(&front, format!("{PREFIX}{method_name}"));
    if method_name == "access_token" {
        return auth::access_token(&front, call, &method, &headers, body).await;
    }
    let Some(op) = OPERATIONS.iter().find(|op| op.name == method_name) else {
        return call.reject(CbError::not_found(), Outcome::Rejected, None);
    };
    if !op.verb.matches(&method) {
        let error = CbError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{} must be called with {}", op.name, op.verb.as_str()),
        );
        return call.reject(error, Outcome::Rejected, None);
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return call.reject(CbError::too_large(), Outcome::Rejected, None);
    };
    let mut params = match op.verb {
        Verb::Get | Verb::Delete => Params::parse(query.as_deref().unwrap_or_default().as_bytes()),
        Verb::Post | Verb::Put => match params::form_body(&headers, &bytes) {
            Ok(params) => params,
            Err(error) => return call.reject(error, Outcome::Rejected, None),
        },
    };
    call.credential = presented_credential(&headers);
    call.body = journal_body(params.to_json());
    params.host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let core = &front.core;
    let config = core.faults.config();
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(limit) = config.rate_limit {
        let key = call.credential.as_deref().unwrap_or_default();
        if let Err(wait) = core.limiter.check(key, limit, Instant::now()) {
            let retry = retry_after_value(wait, config.retry_after_format);
            return call.reject(CbError::too_many_requests(), Outcome::RateLimited, retry);
        }
    }
    if let Err(error) = auth::authenticate(&front, call.credential.as_deref()) {
        return call.reject(error, Outcome::Rejected, None);
    }
    match core.faults.roll_request() {
        Verdict::Pass => {}
        Verdict::Throttle(wait) => {
            let retry = retry_after_value(wait, config.retry_after_format);
            return call.reject(CbError::too_many_requests(), Outcome::Injected429, retry);
        }
        Verdict::ServerError => return call.reject(CbError::server_error(), Outcome::Injected5xx, None),
    }

    match (op.run)(&front, &params) {
        Ok(reply) => {
            for event in webhook::subscribed(&front, reply.events) {
                core.webhooks.emit(event);
            }
            let hang = if op.write && reply.applied {
                core.faults.roll_ambiguous()
            } else {
                None
            };
            let outcome = if hang.is_some() {
                Outcome::AmbiguousTimeout
            } else {
                Outcome::Served
            };
            call.record(StatusCode::OK, outcome, reply.applied);
            if let Some(hang) = hang {
                // Already applied; the answer arrives after the client gave up.
                tokio::time::sleep(hang).await;
            }
            with_request_id(
                (StatusCode::OK, axum::Json(reply.body)).into_response(),
                &call.request_id,
            )
        }
        Err(error) => call.reject(error, Outcome::Rejected, None),
    }
}
