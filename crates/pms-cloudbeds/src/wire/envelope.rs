//! The v1.x response envelope: `{"success": true, "data": ..., "count": n, "total": n}`
//! or `{"success": false, "message": "..."}` (every response schema of
//! `src/pms-v1.3-openapi.yaml`; `message` "To be used in case any error
//! occurs (if success = false)").

use serde::Deserialize;

use super::lenient;

/// The part of every response read before anything else: whether it
/// succeeded, and what a failure says in any of the shapes Cloudbeds uses
/// (listed in `crate::error`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    /// `success`; a boolean in most schemas, a string in `/oauth/metadata`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub success: Option<bool>,
    /// `message`: v1.x when `success` is false; v2 and group-profile `ApiError`.
    #[serde(default, deserialize_with = "lenient::opt_scalar_text")]
    pub message: Option<String>,
    /// `code`: v2 and group-profile `ApiError`; the `{code, description}` body.
    #[serde(default, deserialize_with = "lenient::opt_scalar_text")]
    pub code: Option<String>,
    /// `description`: the `{code, description}` body.
    #[serde(default, deserialize_with = "lenient::opt_scalar_text")]
    pub description: Option<String>,
    /// `errorCode`: the Accounting API's `ApiAccountingError` (`ApiErrorCode`).
    #[serde(default, deserialize_with = "lenient::opt_scalar_text")]
    pub error_code: Option<String>,
    /// `errorDetails`: the Accounting API's `ApiAccountingError`.
    #[serde(default, deserialize_with = "lenient::opt_scalar_text")]
    pub error_details: Option<String>,
}

impl Probe {
    /// The vendor's machine-readable code, if any shape carried one.
    pub fn vendor_code(&self) -> Option<&str> {
        self.code.as_deref().or(self.error_code.as_deref())
    }

    /// The vendor's human-readable text, if any shape carried one.
    pub fn vendor_message(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or(self.description.as_deref())
            .or(self.error_details.as_deref())
    }
}

/// A successful response. `data` is whatever the method returns.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    /// `success`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub success: Option<bool>,
    /// `data`; absent on some writes.
    #[serde(default = "none")]
    pub data: Option<T>,
    /// `count`: items in this page (list methods only).
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub count: Option<u32>,
    /// `total`: items across all pages (list methods only).
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub total: Option<u32>,
    /// `message`: informational on success, if present.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}

fn none<T>() -> Option<T> {
    None
}
