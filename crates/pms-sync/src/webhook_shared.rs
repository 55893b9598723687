//! Webhook URLs shared by many hotels: `POST /webhooks/{pms}/{endpoint}`.
//!
//! Some vendors send every tenant of one integration to a single URL (Mews:
//! one URL per partner application for all connected enterprises, told apart
//! by `EnterpriseId`). A [`SharedWebhookRoute`] (vendor logic from the
//! connector crate) names the hotel a delivery is for; the delivery is then
//! handed, unchanged (query, headers, body), to that hotel's
//! `POST /webhooks/{hotel}` of the per-hotel receiver ([`crate::webhook_router`]),
//! so authentication, the tenant check, storing and every answer stay in one
//! place. A delivery naming no configured hotel is refused (`404`) and stores
//! nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use pms_core::{HotelId, PmsKind};
use tower::ServiceExt;

use crate::webhook::{MAX_WEBHOOK_BYTES, WebhookRequest};

/// Names the hotel a delivery to a shared URL is for. Implementations only
/// read routing ids; authentication is the hotel's source's job.
pub trait SharedWebhookRoute: Send + Sync {
    /// The vendor (the `{pms}` of the URL).
    fn pms(&self) -> PmsKind;

    /// The hotel `request` is for; `Ok(None)` when it names no configured
    /// hotel. A body without routing ids is a `Decode` (or `Validation`) error.
    fn route(&self, request: &WebhookRequest) -> Result<Option<HotelId>, pms_core::Error>;
}

/// A [`SharedWebhookRoute`] from a closure.
pub struct FnSharedWebhookRoute<F> {
    pms: PmsKind,
    route: F,
}

impl<F> std::fmt::Debug for FnSharedWebhookRoute<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnSharedWebhookRoute")
            .field("pms", &self.pms)
            .finish_non_exhaustive()
    }
}

impl<F> FnSharedWebhookRoute<F>
where
    F: Fn(&WebhookRequest) -> Result<Option<HotelId>, pms_core::Error> + Send + Sync,
{
    /// Wraps `route` as a shared route for `pms`.
    pub fn new(pms: PmsKind, route: F) -> Self {
        FnSharedWebhookRoute { pms, route }
    }
}

impl<F> SharedWebhookRoute for FnSharedWebhookRoute<F>
where
    F: Fn(&WebhookRequest) -> Result<Option<HotelId>, pms_core::Error> + Send + Sync,
{
    fn pms(&self) -> PmsKind {
        self.pms
    }

    fn route(&self, request: &WebhookRequest) -> Result<Option<HotelId>, pms_core::Error> {
        (self.route)(request)
    }
}

#[derive(Clone)]
struct SharedState {
    /// `(pms, endpoint)` → route.
    routes: Arc<HashMap<(String, String), Arc<dyn SharedWebhookRoute>>>,
    hotels: Router,
}

/// Adds `POST /webhooks/{pms}/{endpoint}` for each named route to `hotels`
/// (the router of [`crate::webhook_router`]). The answers are the hotel
/// receiver's, plus `404` for an unknown endpoint or a delivery naming no
/// configured hotel, `400` for a body without routing ids and `413` over
/// [`MAX_WEBHOOK_BYTES`].
pub fn shared_webhook_router(hotels: Router, routes: HashMap<String, Arc<dyn SharedWebhookRoute>>) -> Router {
    if routes.is_empty() {
        return hotels;
    }
    let routes = routes
        .into_iter()
        .map(|(endpoint, route)| ((route.pms().as_str().to_owned(), endpoint), route))
        .collect();
    let shared = Router::new()
        .route("/webhooks/{pms}/{endpoint}", post(receive_shared))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
        .with_state(SharedState {
            routes: Arc::new(routes),
            hotels: hotels.clone(),
        });
    hotels.merge(shared)
}

async fn receive_shared(
    State(state): State<SharedState>,
    Path((pms, endpoint)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(route) = state.routes.get(&(pms, endpoint)).cloned() else {
        return (StatusCode::NOT_FOUND, "unknown webhook endpoint").into_response();
    };
    let pms = route.pms().as_str();
    let request = WebhookRequest {
        query,
        content_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: headers.clone(),
        body,
    };
    let hotel = match route.route(&request) {
        Ok(Some(hotel)) => hotel,
        Ok(None) => {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => "unknown_tenant")
                .increment(1);
            // Ids only: which tenant is not configured is an operator's question.
            tracing::warn!(pms, "shared webhook names no configured hotel");
            return (StatusCode::NOT_FOUND, "no hotel for this tenant").into_response();
        }
        Err(err) => {
            metrics::counter!("pms_sync_webhook_rejected_total", "pms" => pms, "kind" => format!("{:?}", err.kind()))
                .increment(1);
            tracing::warn!(pms, kind = ?err.kind(), "shared webhook rejected");
            return (StatusCode::BAD_REQUEST, "rejected").into_response();
        }
    };
    let uri = match &request.query {
        Some(query) => format!("/webhooks/{hotel}?{query}"),
        None => format!("/webhooks/{hotel}"),
    };
    let mut forward = Request::post(uri);
    for (name, value) in &headers {
        forward = forward.header(name, value);
    }
    let Ok(forward) = forward.body(Body::from(request.body)) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot route").into_response();
    };
    match state.hotels.oneshot(forward).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
