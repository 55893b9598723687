//! Cloudbeds error answers.
//!
//! Every v1.x response schema has `success` and `message`: "To be used in
//! case any error occurs (if success = false). If success = true, it does not
//! exist." (`src/pms-v1.3-openapi.yaml`). The spec documents only HTTP 200,
//! so business and parameter errors are `{"success": false, "message": ...}`
//! **in a 200** (vendor notes §5). Transport-level refusals (no credential,
//! unknown method, body too large, rate limit, injected fault) use a
//! matching HTTP status with the same envelope; their statuses are not
//! documented (vendor notes §12.2) and are the simulator's choice.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::Rejection;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CbError {
    /// HTTP status (200 for `success: false` business errors).
    pub status: StatusCode,
    /// The `message` text.
    pub message: String,
}

impl CbError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        CbError {
            status,
            message: message.into(),
        }
    }

    /// `success: false` inside HTTP 200: what Cloudbeds does for errors it
    /// understands.
    pub fn business(message: impl Into<String>) -> Self {
        CbError::new(StatusCode::OK, message)
    }

    /// A missing required parameter.
    pub fn required(param: &str) -> Self {
        CbError::business(format!("Parameter {param} is required"))
    }

    /// A parameter with an unusable value.
    pub fn invalid(param: &str, detail: impl std::fmt::Display) -> Self {
        CbError::business(format!("Invalid {param}: {detail}"))
    }

    pub fn unauthorized() -> Self {
        CbError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: invalid access token or API key",
        )
    }

    pub fn not_found() -> Self {
        CbError::new(StatusCode::NOT_FOUND, "Method does not exist")
    }

    pub fn too_large() -> Self {
        CbError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large")
    }

    pub fn server_error() -> Self {
        CbError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }

    pub fn too_many_requests() -> Self {
        CbError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
    }
}

impl IntoResponse for CbError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "success": false, "message": self.message })),
        )
            .into_response()
    }
}

impl From<Rejection> for CbError {
    fn from(rejection: Rejection) -> Self {
        CbError::business(rejection.to_string())
    }
}
