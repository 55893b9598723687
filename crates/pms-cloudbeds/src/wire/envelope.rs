//! The v1.x response envelope: `{"success": true, "data": ..., "count": n, "total": n}`
//! or `{"success": false, "message": "..."}` (every response schema of
//! `src/pms-v1.3-openapi.yaml`; `message` "To be used in case any error
//! occurs (if success = false)").

use serde::Deserialize;

use super::lenient;

/// The part of every response read before anything else: whether it succeeded.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Probe {
    /// `success`; a boolean in most schemas, a string in `/oauth/metadata`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub success: Option<bool>,
    /// `message`, present when `success` is false.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
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
