//! The webhook receiver: authenticate, bound, parse, store durably, answer fast.
//!
//! Vendors treat slow answers as failures (Mews waits 5 s, Cloudbeds
//! reportedly 2 s), so the receiver only stores the normalized event in the
//! inbox; re-reading the PMS happens later, in [`crate::HotelSync::drain_inbox`].

use std::collections::HashMap;
use std::sync::Arc;

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
use crate::store::{InboxEvent, Store};

/// Largest body any vendor's webhook may have.
pub const MAX_WEBHOOK_BYTES: usize = 256 * 1024;

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
}

/// Builds the receiver: `POST /webhooks/{hotel}`.
///
/// Answers `200` once every event is durably in the inbox (duplicates
/// included: a vendor re-delivering is told it succeeded), `401` when
/// authentication fails, `400` for a malformed body, `404` for an unknown
/// hotel, `413` over [`MAX_WEBHOOK_BYTES`], `415` for a declared content type
/// other than the source's, and `503` when the store cannot
/// take the event (so the vendor retries; events stored before the failure
/// dedupe on redelivery). A rejected delivery stores nothing.
pub fn webhook_router(
    store: Arc<dyn Store>,
    sources: HashMap<HotelId, Arc<dyn WebhookSource>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
) -> Router {
    let state = ReceiverState {
        inbox: Arc::new(InboxWriter::new(store)),
        sources: Arc::new(sources),
        clock,
        wake,
    };
    Router::new()
        .route("/webhooks/{hotel}", post(receive))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
        .with_state(state)
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
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported content type").into_response();
        }
    }
    let events = match source.accept(&request, received_at) {
        Ok(events) => events,
        Err(err) => {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => format!("{:?}", err.kind()))
                .increment(1);
            // The reason is logged by kind only: vendor bodies may hold PII.
            tracing::warn!(hotel = %hotel, pms, kind = ?err.kind(), "webhook rejected");
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
    let fresh = match state.inbox.push(inbox).await {
        Ok(new) => new.iter().filter(|&&new| new).count(),
        Err(err) => {
            tracing::error!(hotel = %hotel, error = %err, "inbox write failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
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
