//! The one error type of the workflows.

use pms_core::{ErrorKind, Money, RequestId, ReservationStatus, VendorId};
use pms_sync::SyncError;

/// Errors of the guest-journey workflows. Messages carry ids, amounts and
/// vendor codes, never a guest's personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A PMS read failed.
    #[error(transparent)]
    Pms(#[from] pms_core::Error),
    /// The sync layer (store, journal, audit) failed for a reason other than the PMS's answer.
    #[error(transparent)]
    Sync(SyncError),
    /// The input is invalid; resending it fails the same way.
    #[error("invalid input: {0}")]
    Validation(String),
    /// The reservation is not in a state this step accepts.
    #[error("reservation {reservation} is {status:?}, which this step does not accept")]
    NotEligible {
        /// The reservation.
        reservation: VendorId,
        /// Its state in the PMS.
        status: ReservationStatus,
    },
    /// The PMS refused a write definitively (now, or earlier and replayed by the journal).
    #[error("the PMS refused {operation} ({kind:?}): {message}")]
    Refused {
        /// What was refused (`check_in`, `post_charge`, ...).
        operation: &'static str,
        /// The refusal's classification.
        kind: ErrorKind,
        /// The refusal's (PII-free) message.
        message: String,
        /// Our request id.
        request_id: RequestId,
    },
    /// A write may or may not have been applied, and read-back could not tell.
    /// Nothing that depends on it (a key, a rollback) was done.
    #[error("outcome of {operation} request {request_id} is unknown; left for read-back")]
    OutcomeUnknown {
        /// The write.
        operation: &'static str,
        /// Our request id.
        request_id: RequestId,
    },
    /// The balance is not settled and the policy refuses check-out.
    #[error("reservation {reservation} has an outstanding balance of {outstanding}")]
    OutstandingBalance {
        /// The reservation.
        reservation: VendorId,
        /// What is still owed.
        outstanding: Money,
    },
    /// The reservation has no room to check into.
    #[error("reservation {0} has no room assigned")]
    NoRoom(VendorId),
    /// The key system failed (after the bounded retries).
    #[error("key service: {0}")]
    Key(#[from] KeyError),
    /// A notification could not be delivered.
    #[error("notification: {0}")]
    Notify(#[from] NotifyError),
    /// A multi-line posting failed on one line; the lines before it were voided.
    #[error("line {failed_line} of posting `{posting}` failed ({cause}); {voided} earlier line(s) voided")]
    PostingRolledBack {
        /// The posting's key.
        posting: String,
        /// Index of the line that failed.
        failed_line: usize,
        /// Lines voided by the rollback.
        voided: usize,
        /// Why the line failed.
        cause: Box<FlowError>,
    },
    /// A multi-line posting failed and the rollback could not void every earlier line:
    /// the lines in `still_posted` need an operator (they are also audited).
    #[error("posting `{posting}` failed on line {failed_line} and {} line(s) could not be voided", still_posted.len())]
    RollbackIncomplete {
        /// The posting's key.
        posting: String,
        /// Index of the line that failed.
        failed_line: usize,
        /// Request ids of the lines still live on the folio.
        still_posted: Vec<RequestId>,
    },
    /// A task, charge or key named by the caller is not known.
    #[error("not found: {0}")]
    NotFound(String),
}

impl FlowError {
    /// Turns a journal error for `operation` into a flow error: definitive
    /// refusals become [`FlowError::Refused`], ambiguity [`FlowError::OutcomeUnknown`].
    pub(crate) fn from_write(operation: &'static str, request_id: RequestId, err: SyncError) -> FlowError {
        match err {
            SyncError::Pms(e) => FlowError::Refused {
                operation,
                kind: e.kind(),
                message: e.to_string(),
                request_id,
            },
            SyncError::Rejected { kind, message, .. } => FlowError::Refused {
                operation,
                kind,
                message,
                request_id,
            },
            SyncError::OutcomeUnknown { .. } | SyncError::InFlight { .. } => FlowError::OutcomeUnknown {
                operation,
                request_id,
            },
            // Retries ran out: the journal leaves the entry unknown, so a later run reads back.
            SyncError::RetriesExhausted { .. } => FlowError::OutcomeUnknown {
                operation,
                request_id,
            },
            other => FlowError::Sync(other),
        }
    }

    /// Whether this is a definitive refusal (safe to roll back around).
    pub fn is_definitive(&self) -> bool {
        matches!(
            self,
            FlowError::Refused { .. } | FlowError::Validation(_) | FlowError::NotEligible { .. }
        )
    }
}

impl From<SyncError> for FlowError {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Pms(e) => FlowError::Pms(e),
            other => FlowError::Sync(other),
        }
    }
}

/// A failure of the digital-key system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KeyError {
    /// What failed (no guest data).
    pub message: String,
    /// Whether trying again may succeed.
    pub retryable: bool,
}

impl KeyError {
    /// A failure worth retrying (timeout, lock offline).
    pub fn transient(message: impl Into<String>) -> Self {
        KeyError {
            message: message.into(),
            retryable: true,
        }
    }

    /// A failure that will not heal by retrying (unknown room, revoked credential).
    pub fn permanent(message: impl Into<String>) -> Self {
        KeyError {
            message: message.into(),
            retryable: false,
        }
    }
}

/// A notification that could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotifyError(pub String);
