//! [`Answer`]: what came back, whole and bounded.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// A complete answer of any status: the connector's status table decides
/// what it means.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The whole body (at most the transport's body limit).
    pub bytes: Bytes,
    /// The vendor's request id, from the header the connector named
    /// (Mews `Request-Id`, Cloudbeds `X-Request-ID`).
    pub request_id: Option<String>,
    /// `Retry-After`, parsed (seconds or HTTP-date) on the transport's clock.
    pub retry_after: Option<Duration>,
}

impl Answer {
    /// The status as a number.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}
