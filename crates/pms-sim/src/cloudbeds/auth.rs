//! Credentials: API keys and OAuth 2.0 access tokens.
//!
//! The spec's `securitySchemes` are `api_key` (`x-api-key` header) and
//! `OAuth2` (authorization code); in practice keys are also sent as
//! `Authorization: Bearer` (vendor notes §1.1). The simulator accepts
//! [`crate::Credentials::access_tokens`] as API keys, either way, and the
//! access tokens its own `POST /access_token` issued, until they expire.
//!
//! `POST /access_token` (`PostAccessTokenRequest`, form-encoded) implements
//! the `refresh_token` grant: `client_id` must be [`CLIENT_ID`],
//! `client_secret` the simulator's [`crate::Credentials::client_token`] and
//! `refresh_token` [`REFRESH_TOKEN`]. The answer is `PostAccessTokenResponse`
//! (`access_token, token_type, expires_in, refresh_token, resources`).
//! Refresh tokens are not rotated (rotation is undocumented, vendor notes §1.2).

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::{Params, form_body};
use super::{Call, Front, MAX_BODY, with_request_id};
use crate::journal::Outcome;

/// The OAuth `client_id` the simulator accepts.
pub const CLIENT_ID: &str = "pms-sim-cloudbeds";
/// The OAuth refresh token the simulator accepts.
pub const REFRESH_TOKEN: &str = "sim-refresh-token-0123456789abcdef";
/// Lifetime of issued access tokens (`expires_in`). Cloudbeds' real value is
/// undocumented (vendor notes §12.1); an hour is the common assumption.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Accepts a configured API key or a live issued access token.
pub(super) fn authenticate(front: &Front, credential: Option<&str>) -> Result<(), CbError> {
    let Some(credential) = credential.filter(|c| !c.is_empty()) else {
        return Err(CbError::unauthorized());
    };
    if front
        .core
        .credentials
        .access_tokens
        .iter()
        .any(|k| k == credential)
    {
        return Ok(());
    }
    let now = Instant::now();
    match front.local().issued_tokens.get(credential) {
        Some(expiry) if *expiry > now => Ok(()),
        Some(_) => Err(CbError::new(StatusCode::UNAUTHORIZED, "Access token expired")),
        None => Err(CbError::unauthorized()),
    }
}

/// `POST /access_token`: the `refresh_token` grant.
pub(super) async fn access_token(
    front: &Front,
    mut call: Call<'_>,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        let error = CbError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "access_token must be called with POST",
        );
        return call.reject(error, Outcome::Rejected, None);
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return call.reject(CbError::too_large(), Outcome::Rejected, None);
    };
    let params = match form_body(headers, &bytes) {
        Ok(p) => p,
        Err(e) => return call.reject(e, Outcome::Rejected, None),
    };
    call.credential = params.get("client_id").map(str::to_owned);
    // Secrets stay out of the journal.
    let mut journaled = params.to_json();
    if let Some(map) = journaled.as_object_mut() {
        map.remove("client_secret");
        map.remove("refresh_token");
        map.remove("code");
    }
    call.body = journaled;
    match grant(front, &params) {
        Ok(body) => {
            call.record(StatusCode::OK, Outcome::Served, false);
            with_request_id(
                (StatusCode::OK, axum::Json(body)).into_response(),
                &call.request_id,
            )
        }
        Err(error) => call.reject(error, Outcome::Rejected, None),
    }
}

fn grant(front: &Front, params: &Params) -> Result<serde_json::Value, CbError> {
    // RFC 6749 §5.2 error codes; the v1 envelope has no place for them, so
    // they go into `message`.
    let refused = |code: &str| CbError::new(StatusCode::BAD_REQUEST, code);
    match params.get("grant_type") {
        Some("refresh_token") => {}
        Some("authorization_code" | "urn:ietf:params:oauth:grant-type:api-key") => {
            return Err(refused(
                "unsupported_grant_type: the simulator has no authorization step",
            ));
        }
        _ => return Err(refused("invalid_request: grant_type")),
    }
    if params.get("client_id") != Some(CLIENT_ID)
        || params.get("client_secret") != Some(front.core.credentials.client_token.as_str())
    {
        return Err(CbError::new(StatusCode::UNAUTHORIZED, "invalid_client"));
    }
    if params.get("refresh_token") != Some(REFRESH_TOKEN) {
        return Err(refused("invalid_grant: unknown refresh token"));
    }
    let token = format!("sim-at-{}", uuid::Uuid::new_v4().simple());
    front
        .local()
        .issued_tokens
        .insert(token.clone(), Instant::now() + ACCESS_TOKEN_LIFETIME);
    let property_id = CloudbedsIds::property_id(&front.core.read());
    Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME.as_secs(),
        "refresh_token": REFRESH_TOKEN,
        "resources": [{ "type": "property", "id": property_id }]
    }))
}

/// `GET /oauth/metadata`: "serves to retrieve the precise location of the
/// property associated with the provided access token". Answers
/// `{success, data: {api: {url}}}` with this simulator's own API root;
/// `success` is a *string* in this schema (spec `GetMetadataResponse`).
pub(super) fn metadata(_front: &Front, params: &Params) -> super::OpResult {
    let host = params.host.as_deref().unwrap_or("127.0.0.1");
    Ok(super::Reply::read(json!({
        "success": "true",
        "data": { "api": { "url": format!("http://{host}{}", super::PREFIX) } }
    })))
}
