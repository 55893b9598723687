//! [`Rules`]: what a connector tells the transport about its vendor.

use pms_core::{ErrorKind, PmsKind};

use crate::Answer;

/// A connector's status table for the read-retry loop: the kind of failure
/// an answer is (`None` when it is final: a success, or a failure no resend
/// changes). The transport resends a read while the kind is retryable
/// ([`ErrorKind::is_retryable`]) and its policy allows.
pub type ReadFailure = fn(&Answer) -> Option<ErrorKind>;

/// The vendor face of a [`Transport`](crate::Transport).
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The vendor, for logs.
    pub vendor: Option<PmsKind>,
    /// The answer header carrying the vendor's request id.
    pub request_id_header: Option<&'static str>,
    /// What an answer to a read means for resending it.
    pub read_failure: ReadFailure,
}

impl Rules {
    /// No vendor: no request-id header, [`standard_read_failure`].
    pub const STANDARD: Rules = Rules {
        vendor: None,
        request_id_header: None,
        read_failure: standard_read_failure,
    };

    /// `vendor`'s rules with the standard status table.
    pub const fn new(vendor: PmsKind, request_id_header: Option<&'static str>) -> Self {
        Rules {
            vendor: Some(vendor),
            request_id_header,
            read_failure: standard_read_failure,
        }
    }

    /// The rules with `table` deciding which answers to a read are resent.
    pub const fn read_failure(mut self, table: ReadFailure) -> Self {
        self.read_failure = table;
        self
    }

    pub(crate) fn vendor_name(&self) -> &'static str {
        self.vendor.map_or("http", PmsKind::as_str)
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::STANDARD
    }
}

/// 429 is `RateLimited`; 408, 500, 502, 503 and 504 are `Transient`; every
/// other status is final.
pub fn standard_read_failure(answer: &Answer) -> Option<ErrorKind> {
    match answer.code() {
        429 => Some(ErrorKind::RateLimited),
        408 | 500 | 502 | 503 | 504 => Some(ErrorKind::Transient),
        _ => None,
    }
}
