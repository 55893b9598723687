//! The write journal's state rules, one copy for every backend.
//!
//! An entry is born `Pending` and claimed by the worker that began it. It is
//! *settled* once `Succeeded` or `Failed`: its stored outcome is final and is
//! what a replay of its request id returns. It is *in doubt* while `Pending`
//! or `Unknown`: the PMS may or may not have the write, so it is read back
//! before anything is resent. A `Pending` entry can be claimed by its owner
//! or, once the claim expires, by anyone; an `Unknown` one by whoever begins
//! it next. Only an in-doubt entry counts attempts or settles, and a settled
//! entry never changes state again (an identical second settlement is a no-op).
//!
//! The same rules in SQL, for the statements of `sql::journal`, are the
//! fragments below: one place says what "in doubt", "settled" and "claimable"
//! mean, for the queries and for [`classify`].

use pms_core::RequestId;

use crate::SyncError;
use crate::store::{JournalEntry, JournalState, NewJournalEntry};

/// SQL: the entry's outcome is in doubt (`Pending` or `Unknown`).
macro_rules! in_doubt {
    () => {
        "state IN ('pending', 'unknown')"
    };
}

/// SQL: the entry is settled (`Succeeded` or `Failed`).
macro_rules! settled {
    () => {
        "state IN ('succeeded', 'failed')"
    };
}

/// SQL: the entry may be claimed by owner `$2` at `$4` (now): what
/// [`classify`] calls [`Found::Claimable`].
macro_rules! claimable {
    () => {
        "(state = 'unknown' OR (state = 'pending' \
         AND (owner = $2 OR claimed_until IS NULL OR claimed_until <= $4)))"
    };
}

/// SQL: the entry is in doubt and nobody holds a live claim on it at `$2`
/// (now): what crash recovery resumes.
macro_rules! unclaimed {
    () => {
        "(state = 'unknown' OR (state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $2)))"
    };
}

pub(super) use {claimable, in_doubt, settled, unclaimed};

/// What `journal_begin` found under an existing id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Settled (succeeded or failed): report it, claim nothing.
    Settled,
    /// Pending under another owner's live claim.
    Busy,
    /// Unknown, or pending with the caller's or an expired claim.
    Claimable,
}

/// Decides what an existing entry means for a new `journal_begin`.
///
/// The id must describe the same request: same hash, hotel and operation,
/// whatever the entry's state, else [`SyncError::IdempotencyMismatch`].
pub(super) fn classify(existing: &JournalEntry, new: &NewJournalEntry) -> Result<Found, SyncError> {
    if existing.request_hash != new.request_hash
        || existing.hotel != new.hotel
        || existing.operation != new.operation
    {
        return Err(SyncError::IdempotencyMismatch {
            request_id: new.request_id,
        });
    }
    match existing.state {
        JournalState::Succeeded | JournalState::Failed => return Ok(Found::Settled),
        // Left unknown by a worker that could not settle it: whoever begins it
        // next claims it and reads back before anything is resent.
        JournalState::Unknown => return Ok(Found::Claimable),
        JournalState::Pending => {}
    }
    let own = existing.owner.as_deref() == Some(new.owner.as_str());
    let expired = existing.claimed_until.is_none_or(|until| until <= new.now);
    Ok(if own || expired {
        Found::Claimable
    } else {
        Found::Busy
    })
}

/// Only a settlement can settle.
pub(super) fn check_settle_state(request_id: RequestId, state: JournalState) -> Result<(), SyncError> {
    if state == JournalState::Pending {
        return Err(SyncError::Store(format!(
            "journal entry {request_id} cannot be settled as pending"
        )));
    }
    Ok(())
}

/// `journal_settle` changed nothing: fine for a repeated identical settlement,
/// an error for a missing entry or a different final state.
pub(super) fn settle_refused(
    request_id: RequestId,
    current: Option<JournalState>,
    wanted: JournalState,
) -> Result<(), SyncError> {
    match current {
        None => Err(SyncError::Store(format!(
            "journal entry {request_id} does not exist"
        ))),
        Some(current) if current == wanted => Ok(()),
        Some(current) => Err(SyncError::Store(format!(
            "journal entry {request_id} is already settled as {}, not {}",
            current.as_str(),
            wanted.as_str()
        ))),
    }
}

/// `journal_attempt` changed nothing.
pub(super) fn attempt_refused(request_id: RequestId, current: Option<JournalState>) -> SyncError {
    match current {
        None => SyncError::Store(format!("journal entry {request_id} does not exist")),
        Some(state) => SyncError::Store(format!(
            "journal entry {request_id} is already {}; no further attempt may be made",
            state.as_str()
        )),
    }
}
