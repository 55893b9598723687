//! The error body. Source: <https://docs.mews.com/connector-api/guidelines/responses>
//! ("Error response details") and the OpenAPI schema `ConnectorApiExceptionResult`.

use serde::Deserialize;

/// `{Message, RequestId?, Details?}`. `Details` is untyped in the OpenAPI
/// schema and only sent on development environments.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// `Message`: "Description of the error".
    #[serde(default)]
    pub message: Option<String>,
    /// `RequestId`: the request's id, for support.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `Details`: development environments only.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}
