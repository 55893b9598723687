//! [`TransportError`]: a request that got no complete answer, classified by
//! whether it may have reached the vendor.

use pms_core::ErrorKind;

/// Why an exchange produced no [`Answer`](crate::Answer). Non-2xx answers
/// are not errors here: they are answers, for the connector's status table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request never left (no connection could be made, or it could not
    /// be built): nothing reached the vendor, so even a write may be sent again.
    #[error("{operation}: not sent: {reason}")]
    NeverSent {
        /// The operation.
        operation: &'static str,
        /// What failed (no URL, no body).
        reason: String,
    },
    /// The request left, or may have, and no complete answer came back
    /// (timeout, reset, a body cut off): a write may have been applied.
    #[error("{operation}: no complete answer: {reason}")]
    MaybeSent {
        /// The operation.
        operation: &'static str,
        /// What failed.
        reason: String,
        /// Whether the call was a write.
        write: bool,
        /// The status, when headers arrived before the body failed.
        status: Option<u16>,
        /// The vendor's request id, when headers arrived.
        request_id: Option<String>,
    },
    /// The answer is larger than the body limit (announced by
    /// `Content-Length`, or counted while streaming): it was not buffered.
    #[error("{operation}: answer larger than {limit} bytes")]
    TooLarge {
        /// The operation.
        operation: &'static str,
        /// The limit.
        limit: usize,
        /// How many bytes the answer had at least: its `Content-Length`, or
        /// what had arrived when the limit was passed.
        at_least: u64,
        /// The answer's status.
        status: u16,
        /// Whether the call was a write.
        write: bool,
        /// The vendor's request id.
        request_id: Option<String>,
    },
}

impl TransportError {
    /// The operation of the failed call.
    pub fn operation(&self) -> &'static str {
        match self {
            TransportError::NeverSent { operation, .. }
            | TransportError::MaybeSent { operation, .. }
            | TransportError::TooLarge { operation, .. } => operation,
        }
    }

    /// The vendor's request id, when headers arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            TransportError::NeverSent { .. } => None,
            TransportError::MaybeSent { request_id, .. } | TransportError::TooLarge { request_id, .. } => {
                request_id.as_deref()
            }
        }
    }

    /// What failed, without the operation (for a connector's own message).
    pub fn reason(&self) -> String {
        match self {
            TransportError::NeverSent { reason, .. } | TransportError::MaybeSent { reason, .. } => {
                reason.clone()
            }
            TransportError::TooLarge { limit, .. } => format!("answer larger than {limit} bytes"),
        }
    }

    /// Whether nothing reached the vendor.
    pub fn never_sent(&self) -> bool {
        matches!(self, TransportError::NeverSent { .. })
    }

    /// The classification: never sent and lost reads are transient; a write
    /// that may have been applied, or whose 2xx answer was too large to read,
    /// is `OutcomeUnknown`; any other oversized answer is the vendor's.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TransportError::NeverSent { .. } => ErrorKind::Transient,
            TransportError::MaybeSent { write: false, .. } => ErrorKind::Transient,
            TransportError::MaybeSent { write: true, .. } => ErrorKind::OutcomeUnknown,
            TransportError::TooLarge {
                write: true, status, ..
            } if (200..300).contains(status) => ErrorKind::OutcomeUnknown,
            TransportError::TooLarge { .. } => ErrorKind::Vendor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_write_flag() {
        let maybe = |write| TransportError::MaybeSent {
            operation: "x",
            reason: "timed out".into(),
            write,
            status: None,
            request_id: None,
        };
        let large = |write, status| TransportError::TooLarge {
            operation: "x",
            limit: 10,
            at_least: 11,
            status,
            write,
            request_id: None,
        };
        let never = TransportError::NeverSent {
            operation: "x",
            reason: "connection refused".into(),
        };
        assert_eq!(never.kind(), ErrorKind::Transient);
        assert!(never.never_sent());
        assert_eq!(maybe(false).kind(), ErrorKind::Transient);
        assert_eq!(maybe(true).kind(), ErrorKind::OutcomeUnknown);
        assert!(!maybe(true).never_sent());
        assert_eq!(large(true, 200).kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(large(true, 500).kind(), ErrorKind::Vendor);
        assert_eq!(large(false, 200).kind(), ErrorKind::Vendor);
    }
}
