//! The sync layer's error type.

use pms_core::{ErrorKind, RequestId};

/// Errors of the sync layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The PMS (through its connector) failed.
    #[error(transparent)]
    Pms(#[from] pms_core::Error),
    /// The store failed (I/O, constraint, connection).
    #[error("store: {0}")]
    Store(String),
    /// A stored value could not be read back (corrupt row, unknown enum).
    #[error("store holds an unreadable {what}")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// Sealing or unsealing failed (wrong key, tampered row, unknown key id).
    #[error("encryption: {0}")]
    Crypto(String),
    /// The same request id was used with a different request body.
    #[error("request id {request_id} was already used for a different request")]
    IdempotencyMismatch {
        /// The reused id.
        request_id: RequestId,
    },
    /// Another worker is executing this request id right now.
    #[error("request id {request_id} is in flight elsewhere")]
    InFlight {
        /// The busy id.
        request_id: RequestId,
    },
    /// A write's outcome is still unknown after read-back; it is left for an operator.
    #[error("outcome of request {request_id} is unknown; left for read-back or `pms replay`")]
    OutcomeUnknown {
        /// The unsettled id.
        request_id: RequestId,
    },
    /// The PMS refused this request id definitively earlier; the stored refusal is replayed.
    #[error("request {request_id} was refused earlier ({kind:?}): {message}")]
    Rejected {
        /// The replayed id.
        request_id: RequestId,
        /// The refusal's classification.
        kind: ErrorKind,
        /// The refusal's (PII-free) message.
        message: String,
    },
    /// Retries were exhausted.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Calls made.
        attempts: u32,
        /// The last error.
        last: pms_core::Error,
    },
    /// Configuration is missing or malformed.
    #[error("configuration variable {variable}: {reason}")]
    Config {
        /// The variable at fault.
        variable: String,
        /// Why (never its value).
        reason: String,
    },
}

impl SyncError {
    /// The PMS error kind behind this error, when it came from the PMS.
    pub fn pms_kind(&self) -> Option<ErrorKind> {
        match self {
            SyncError::Pms(e) | SyncError::RetriesExhausted { last: e, .. } => Some(e.kind()),
            SyncError::Rejected { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for SyncError {
    fn from(err: sqlx::Error) -> Self {
        SyncError::Store(err.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for SyncError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        SyncError::Store(format!("migration failed: {err}"))
    }
}
