//! What the SQL backends share.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::SyncError;

/// `now + ttl`, refusing a ttl too large to represent.
pub(super) fn deadline(now: DateTime<Utc>, ttl: Duration) -> Result<DateTime<Utc>, SyncError> {
    chrono::TimeDelta::from_std(ttl)
        .ok()
        .and_then(|ttl| now.checked_add_signed(ttl))
        // Both stores keep microseconds since the epoch in an i64; stay well inside.
        .filter(|at| at.timestamp_micros() < i64::MAX / 2)
        .ok_or_else(|| SyncError::Store(format!("a ttl of {ttl:?} is out of range")))
}

/// An unreadable column.
pub(super) fn corrupt(what: &str, column: &str) -> SyncError {
    SyncError::Corrupt {
        what: format!("{what} ({column})"),
    }
}

/// `apply` named an inbox event that does not exist.
pub(super) fn unknown_inbox_seq(seq: i64) -> SyncError {
    SyncError::Store(format!(
        "inbox event {seq} does not exist; the batch was rolled back"
    ))
}
