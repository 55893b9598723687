//! The webhook receiver: authenticate, bound, parse, store durably, answer fast.
//!
//! Vendors treat slow answers as failures (Mews waits 5 s, Cloudbeds
//! reportedly 2 s), so the receiver only stores the normalized event in the
//! inbox; re-reading the PMS happens later, in [`crate::HotelSync::drain_inbox`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use pms_core::{Clock, ErrorKind, HotelId, PmsEvent, PmsKind};
use tokio::sync::Notify;

use crate::inbox_writer::InboxWriter;
use crate::reject_log::{DEFAULT_REJECT_LOG_INTERVAL, RejectLog};
use crate::store::{InboxEvent, InboxStore};
use crate::store_health::StoreHealth;

/// Largest body any vendor's webhook may have.
pub const MAX_WEBHOOK_BYTES: usize = 256 * 1024;

/// How long a delivery waits for the inbox commit before it is answered `503`.
/// Vendors give up on slow answers (Mews after 5 s), and a store that is down
/// may take its pool's whole acquire timeout to say so: answering within this
/// bound tells the vendor to redeliver instead of timing out. The commit may
/// still land after the answer; the redelivery then dedupes.
pub const DEFAULT_STORE_DEADLINE: Duration = Duration::from_secs(3);

/// `Retry-After` (seconds) of a `503` answered because the store cannot take events.
pub const STORE_RETRY_AFTER_SECS: u64 = 5;

/// A webhook as received, before authentication. `Debug` prints header
/// names only and the body's length: both may hold secrets or guest data.
#[derive(Clone)]
pub struct WebhookRequest {
    /// The raw query string (Mews and Cloudbeds authenticate by a token in it).
    pub query: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// Every header, for sources that authenticate by one (a Cloudbeds
    /// subscription's `authHeaderName`). Sources compare secrets in constant time.
    pub headers: HeaderMap,
    /// The body, already bounded.
    pub body: Bytes,
}

impl std::fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("query", &self.query.as_ref().map(|_| "<redacted>"))
            .field("content_type", &self.content_type)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// One hotel's webhook endpoint: authenticates and parses its vendor's bodies.
/// Connector crates provide the vendor logic; applications wrap it in this trait.
pub trait WebhookSource: Send + Sync {
    /// The vendor.
    fn pms(&self) -> PmsKind;

    /// The media type deliveries must carry. A delivery without a
    /// `Content-Type` is let through (Mews documents no special header); one
    /// that declares another type is refused with 415 before it is parsed.
    fn media_type(&self) -> &'static str {
        "application/json"
    }

    /// Authenticates (in constant time) and parses one delivery. An
    /// authentication failure must be an `Auth` error; a malformed body a
    /// `Decode` or `Validation` error.
    fn accept(
        &self,
        request: &WebhookRequest,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<PmsEvent>, pms_core::Error>;
}

/// A [`WebhookSource`] from a closure.
pub struct FnWebhookSource<F> {
    pms: PmsKind,
    accept: F,
}

impl<F> std::fmt::Debug for FnWebhookSource<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnWebhookSource")
            .field("pms", &self.pms)
            .finish_non_exhaustive()
    }
}

impl<F> FnWebhookSource<F>
where
    F: Fn(&WebhookRequest, DateTime<Utc>) -> Result<Vec<PmsEvent>, pms_core::Error> + Send + Sync,
{
    /// Wraps `accept` as the source for a `pms` hotel.
    pub fn new(pms: PmsKind, accept: F) -> Self {
        FnWebhookSource { pms, accept }
    }
}

impl<F> WebhookSource for FnWebhookSource<F>
where
    F: Fn(&WebhookRequest, DateTime<Utc>) -> Result<Vec<PmsEvent>, pms_core::Error> + Send + Sync,
{
    fn pms(&self) -> PmsKind {
        self.pms
    }

    fn accept(
        &self,
        request: &WebhookRequest,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<PmsEvent>, pms_core::Error> {
        (self.accept)(request, received_at)
    }
}

#[derive(Clone)]
struct ReceiverState {
    inbox: Arc<InboxWriter>,
    sources: Arc<HashMap<HotelId, Arc<dyn WebhookSource>>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    store_health: Option<Arc<StoreHealth>>,
    store_deadline: Duration,
    rejects: Arc<RejectLog>,
}

/// Builds the webhook receiver's [`Router`] with settings beyond
/// [`webhook_router`]'s defaults.
pub struct WebhookReceiver {
    store: Arc<dyn InboxStore>,
    sources: HashMap<HotelId, Arc<dyn WebhookSource>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    store_health: Option<Arc<StoreHealth>>,
    store_deadline: Duration,
    reject_log_interval: Duration,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("hotels", &self.sources.len())
            .field("store_deadline", &self.store_deadline)
            .field("reject_log_interval", &self.reject_log_interval)
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// A receiver storing into `store` the deliveries of `sources`, waking
    /// `wake` when something new is stored.
    pub fn new(
        store: Arc<dyn InboxStore>,
        sources: HashMap<HotelId, Arc<dyn WebhookSource>>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
    ) -> Self {
        WebhookReceiver {
            store,
            sources,
            clock,
            wake,
            store_health: None,
            store_deadline: DEFAULT_STORE_DEADLINE,
            reject_log_interval: DEFAULT_REJECT_LOG_INTERVAL,
        }
    }

    /// Reports inbox commits (and their failures) to `health`, shared with the
    /// worker and the health endpoint.
    pub fn store_health(mut self, health: Arc<StoreHealth>) -> Self {
        self.store_health = Some(health);
        self
    }

    /// Answers `503` when the inbox commit takes longer than this
    /// (default [`DEFAULT_STORE_DEADLINE`]).
    pub fn store_deadline(mut self, deadline: Duration) -> Self {
        self.store_deadline = deadline;
        self
    }

    /// Logs at most one warning per hotel and rejection reason per `interval`
    /// (default 60 s), measured on the receiver's clock.
    pub fn reject_log_interval(mut self, interval: Duration) -> Self {
        self.reject_log_interval = interval;
        self
    }

    /// The router: `POST /webhooks/{hotel}` (see [`webhook_router`]).
    pub fn router(self) -> Router {
        let state = ReceiverState {
            inbox: Arc::new(InboxWriter::new(self.store)),
            sources: Arc::new(self.sources),
            clock: self.clock,
            wake: self.wake,
            store_health: self.store_health,
            store_deadline: self.store_deadline,
            rejects: Arc::new(RejectLog::new(self.reject_log_interval)),
        };
        Router::new()
            .route("/webhooks/{hotel}", post(receive))
            .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
            .with_state(state)
    }
}

/// Builds the receiver: `POST /webhooks/{hotel}`.
///
/// Answers `200` once every event is durably in the inbox (duplicates
/// included: a vendor re-delivering is told it succeeded), `401` when
/// authentication fails, `400` for a malformed body, `404` for an unknown
/// hotel, `413` over [`MAX_WEBHOOK_BYTES`], `415` for a declared content type
/// other than the source's, and `503` with `Retry-After` when the store cannot
/// take the event within [`DEFAULT_STORE_DEADLINE`] (so the vendor retries;
/// events stored before the failure dedupe on redelivery). A rejected delivery
/// stores nothing; rejections are logged at most once per hotel and reason per
/// minute. [`WebhookReceiver`] changes these settings; serve the router with
/// [`crate::serve_webhooks`] for timeouts and a connection limit.
pub fn webhook_router(
    store: Arc<dyn InboxStore>,
    sources: HashMap<HotelId, Arc<dyn WebhookSource>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
) -> Router {
    WebhookReceiver::new(store, sources, clock, wake).router()
}

async fn receive(
    State(state): State<ReceiverState>,
    Path(hotel): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((hotel, source)) = HotelId::new(hotel)
        .ok()
        .and_then(|h| state.sources.get(&h).map(|s| (h, s.clone())))
    else {
        return (StatusCode::NOT_FOUND, "unknown hotel").into_response();
    };
    let received_at = state.clock.now();
    let request = WebhookRequest {
        query,
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers,
        body,
    };
    let pms = source.pms().as_str();
    if let Some(declared) = &request.content_type {
        let essence = declared.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case(source.media_type()) {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => "content_type")
                .increment(1);
            state.rejects.warn(&hotel, pms, "content_type", received_at);
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported content type").into_response();
        }
    }
    let events = match source.accept(&request, received_at) {
        Ok(events) => events,
        Err(err) => {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => format!("{:?}", err.kind()))
                .increment(1);
            // The reason is logged by kind only: vendor bodies may hold PII.
            state
                .rejects
                .warn(&hotel, pms, reject_reason(err.kind()), received_at);
            let status = match err.kind() {
                ErrorKind::Auth => StatusCode::UNAUTHORIZED,
                _ => StatusCode::BAD_REQUEST,
            };
            return (status, "rejected").into_response();
        }
    };
    let received = events.len();
    for event in &events {
        if event.hotel != hotel {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => "other_hotel")
                .increment(1);
            state.rejects.warn(&hotel, pms, "other_hotel", received_at);
            return (StatusCode::BAD_REQUEST, "event for another hotel").into_response();
        }
    }
    let mut inbox = Vec::with_capacity(events.len());
    for event in events {
        let Ok(payload) = serde_json::to_value(&event) else {
            return (StatusCode::INTERNAL_SERVER_ERROR, "cannot store event").into_response();
        };
        inbox.push(InboxEvent {
            seq: 0,
            hotel: hotel.clone(),
            event_id: event.id.to_string(),
            payload,
            received_at,
        });
    }
    let committed = tokio::time::timeout(state.store_deadline, state.inbox.push(inbox))
        .await
        .unwrap_or_else(|_| Err(format!("no commit within {:?}", state.store_deadline)));
    let fresh = match committed {
        Ok(new) => {
            if let Some(health) = &state.store_health {
                health.success(state.clock.now());
            }
            new.iter().filter(|&&new| new).count()
        }
        Err(err) => {
            if let Some(health) = &state.store_health {
                health.failure(state.clock.now(), "receiver", &err);
            }
            metrics::counter!("pms_sync_webhook_unavailable_total", "pms" => pms).increment(1);
            // Not rate-limited: each line is a delivery the vendor must redeliver,
            // and a store outage is rare enough that operators want every one.
            tracing::error!(hotel = %hotel, error = %err, "inbox write failed; answered 503");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, STORE_RETRY_AFTER_SECS.to_string())],
                "store unavailable, try again",
            )
                .into_response();
        }
    };
    let duplicates = (received - fresh) as u64;
    if duplicates > 0 {
        metrics::counter!("pms_sync_webhook_duplicates_total", "pms" => pms).increment(duplicates);
    }
    metrics::counter!("pms_sync_webhook_events_total", "pms" => pms).increment(fresh as u64);
    if fresh > 0 {
        state.wake.notify_one();
    }
    StatusCode::OK.into_response()
}

/// The reason a source's refusal is logged under (a fixed set: the log's keys stay bounded).
fn reject_reason(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Auth => "auth",
        ErrorKind::Decode => "decode",
        ErrorKind::Validation => "validation",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Config => "config",
        ErrorKind::Unsupported => "unsupported",
        _ => "other",
    }
}
