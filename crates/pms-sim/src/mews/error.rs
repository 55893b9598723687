//! Mews error answers.
//!
//! Body per `guidelines/responses.md#error-response-details`
//! (<https://docs.mews.com/connector-api/guidelines/responses>): `Message`
//! (required), `RequestId`, `Details` (development environments only, so
//! always null here). Status semantics per mews.md §5: 400 bad parameter or
//! JSON, 401 bad tokens, 403 business rule, 404 wrong URL, 408 heavy request,
//! 413 too large, 429 rate limited, 500 server fault.

use axum::http::StatusCode;

use crate::state::Rejection;

/// An error answer before it is rendered with the request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MewsError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `Message` text.
    pub message: String,
}

impl MewsError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        MewsError {
            status,
            message: message.into(),
        }
    }

    /// 400 `Invalid {param}` with a detail, the documented shape of parameter errors.
    pub fn invalid(param: &str, detail: impl std::fmt::Display) -> Self {
        MewsError::new(StatusCode::BAD_REQUEST, format!("Invalid {param}: {detail}"))
    }

    pub fn unauthorized(what: &str) -> Self {
        MewsError::new(StatusCode::UNAUTHORIZED, format!("Invalid {what}."))
    }

    pub fn not_found() -> Self {
        MewsError::new(StatusCode::NOT_FOUND, "The requested operation does not exist.")
    }

    pub fn too_large() -> Self {
        MewsError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.")
    }

    pub fn server_error() -> Self {
        MewsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server error. Retry the operation or contact support.",
        )
    }

    pub fn too_many_requests() -> Self {
        MewsError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests.")
    }

    pub fn body(&self, request_id: &str) -> serde_json::Value {
        serde_json::json!({ "Message": self.message, "RequestId": request_id, "Details": null })
    }
}

impl From<Rejection> for MewsError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::Invalid { param, detail } => MewsError::invalid(param, detail),
            // Business rules are 403: "should be surfaced to the end user".
            Rejection::Rule(message) => MewsError::new(StatusCode::FORBIDDEN, message),
        }
    }
}
