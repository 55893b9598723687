//! The store's roles: one trait per concern, [`Store`] their sum.
//!
//! A component asks for the roles it uses and nothing else: [`crate::WriteJournal`]
//! a [`JournalStore`], [`crate::AuditLog`] an [`AuditStore`], the webhook
//! receiver an [`InboxStore`], a [`crate::Mirror`] (and the [`crate::HotelSync`]
//! polling and draining the inbox into it) a [`SyncStore`], a [`crate::Worker`]
//! a [`WorkerStore`], the flows' repositories a [`FlowStore`]. A test double
//! implements the roles it fakes; both real stores implement them all.
//!
//! Every role is object safe and a supertrait of [`Store`], so one
//! `Arc<dyn Store>` serves every component: it coerces to `Arc<dyn JournalStore>`
//! (and any other role) wherever one is asked for. Every method is atomic on
//! its own; [`MirrorStore::apply`] is the one multi-table transaction.
//!
//! Methods of a role are called through that role's trait: import the traits
//! (`use pms_sync::store::*`, or the ones at the crate root) to call them on a
//! concrete store; on an `Arc<dyn Store>` they are always at hand.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};

use super::{
    ApplyBatch, AuditEntry, AuditFilter, Cursor, FlowStore, GuardedWrite, InboxCounts, InboxEntry,
    InboxEvent, InboxFailure, InboxRedrive, JournalBegin, JournalEntry, JournalState, LeaseGrant, LeaseOwner,
    NewAuditEntry, NewJournalEntry, RecordKind, SealedRecord, TakeBack,
};
use crate::SyncError;

/// Cursors and mirrored records: what polling, the inbox drain and
/// reconciliation read and commit.
#[async_trait]
pub trait MirrorStore: Send + Sync + std::fmt::Debug {
    /// The stored cursor of a hotel's stream.
    async fn cursor(&self, hotel: &HotelId, stream: &str) -> Result<Option<Cursor>, SyncError>;

    /// Applies a batch atomically (records, processed inbox events, cursor).
    async fn apply(&self, batch: ApplyBatch) -> Result<(), SyncError>;

    /// One mirrored record.
    async fn record(
        &self,
        hotel: &HotelId,
        kind: RecordKind,
        external_id: &str,
    ) -> Result<Option<SealedRecord>, SyncError>;

    /// Applies mirror writes atomically, each only if its record still has
    /// the fingerprint the writer read (compare-and-set); returns, per write,
    /// whether it was applied. A reconcile writes this way, so a sync that
    /// wrote a newer version after reconcile's read is never overwritten.
    async fn apply_guarded(&self, writes: &[GuardedWrite]) -> Result<Vec<bool>, SyncError>;

    /// Every mirrored record of a kind in a hotel, ordered by external id.
    async fn records(&self, hotel: &HotelId, kind: RecordKind) -> Result<Vec<SealedRecord>, SyncError>;

    /// The mirrored records among `external_ids`, in no particular order
    /// (absent ids are simply missing). One query instead of one per id: a
    /// poll page is diffed with a single round trip to the store.
    async fn records_by_ids(
        &self,
        hotel: &HotelId,
        kind: RecordKind,
        external_ids: &[&str],
    ) -> Result<Vec<SealedRecord>, SyncError> {
        let mut found = Vec::with_capacity(external_ids.len());
        for id in external_ids {
            found.extend(self.record(hotel, kind, id).await?);
        }
        Ok(found)
    }
}

/// The write journal: one entry per request id (see `journal_rules` for its states).
#[async_trait]
pub trait JournalStore: Send + Sync + std::fmt::Debug {
    /// Persists a new intent, or reports what exists under its id. The same
    /// id with a different `request_hash` is [`SyncError::IdempotencyMismatch`].
    async fn journal_begin(&self, entry: NewJournalEntry) -> Result<JournalBegin, SyncError>;

    /// Counts one more call attempt on a claimed entry.
    async fn journal_attempt(&self, request_id: RequestId, now: DateTime<Utc>) -> Result<(), SyncError>;

    /// Settles an entry (Succeeded / Failed / Unknown) with its outcome and drops the claim.
    async fn journal_settle(
        &self,
        request_id: RequestId,
        state: JournalState,
        outcome: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError>;

    /// One entry.
    async fn journal_get(&self, request_id: RequestId) -> Result<Option<JournalEntry>, SyncError>;

    /// Entries of a hotel in `Pending` (claim expired) or `Unknown` state, oldest first:
    /// what crash recovery and `pms replay` work on.
    async fn journal_unsettled(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
    ) -> Result<Vec<JournalEntry>, SyncError>;

    /// Every entry of a hotel whose outcome is in doubt: `Pending` (whether or
    /// not a live claim covers it) or `Unknown`, oldest first. Unlike
    /// [`JournalStore::journal_unsettled`] it includes writes a live (possibly killed)
    /// writer still claims, with `owner` and `claimed_until`, so an operator
    /// (`pms replay --dry-run`) sees everything that may or may not have reached the PMS.
    async fn journal_in_doubt(&self, hotel: &HotelId) -> Result<Vec<JournalEntry>, SyncError>;

    /// Deletes settled entries last updated before `before`; returns how many.
    async fn journal_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError>;
}

/// The webhook inbox: pushed by the receiver, drained by the sync, inspected
/// and re-driven by an operator.
#[async_trait]
pub trait InboxStore: Send + Sync + std::fmt::Debug {
    /// Stores an event unless an *unprocessed* event with the same (hotel,
    /// event id) is already there (redeliveries coalesce). Returns whether it was new.
    async fn inbox_push(&self, event: &InboxEvent) -> Result<bool, SyncError>;

    /// [`InboxStore::inbox_push`] for several events in one transaction: all are
    /// durable when it returns, or none is. Returns, per event, whether it was new.
    /// The webhook receiver commits concurrent deliveries together this way.
    async fn inbox_push_many(&self, events: &[InboxEvent]) -> Result<Vec<bool>, SyncError>;

    /// Deletes applied events received before `before` (of every hotel);
    /// returns how many. Pending events are never deleted.
    async fn inbox_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError>;

    /// Unprocessed events of a hotel that are not dead-lettered (due or
    /// backing off), in arrival order.
    async fn inbox_pending(&self, hotel: &HotelId, limit: u32) -> Result<Vec<InboxEvent>, SyncError>;

    /// Pending events of a hotel due at `now` (never failed, or past their
    /// `next_attempt_at`), in arrival order, with their history. A row that
    /// is backing off is skipped, so it never holds back the rows behind it.
    async fn inbox_due(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<InboxEntry>, SyncError>;

    /// Records failed attempts, in one transaction: each counts one more
    /// attempt, keeps its error and time, and is either scheduled for
    /// `retry_at` or dead-lettered. Rows already processed or dead are left alone.
    async fn inbox_failed(&self, failures: &[InboxFailure]) -> Result<(), SyncError>;

    /// Dead letters of one hotel (or of every hotel), oldest first.
    async fn inbox_dead(&self, hotel: Option<&HotelId>, limit: u32) -> Result<Vec<InboxEntry>, SyncError>;

    /// Puts a dead letter back in the queue (see [`InboxRedrive`]); `None`
    /// when `seq` names no dead letter.
    async fn inbox_redrive(&self, seq: i64) -> Result<Option<InboxRedrive>, SyncError>;

    /// Gives up on a dead letter: marks it processed (purged with the applied
    /// events after the retention). Returns whether `seq` named a dead letter.
    async fn inbox_discard(&self, seq: i64) -> Result<bool, SyncError>;

    /// How many events of a hotel are pending, retrying and dead.
    async fn inbox_counts(&self, hotel: &HotelId) -> Result<InboxCounts, SyncError>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + std::fmt::Debug {
    /// Appends an entry; returns its sequence number.
    async fn audit_append(&self, entry: &NewAuditEntry) -> Result<i64, SyncError>;

    /// Entries matching the filter, oldest first.
    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SyncError>;
}

/// Leases: who works on what, until when.
#[async_trait]
pub trait LeaseStore: Send + Sync + std::fmt::Debug {
    /// Takes the lease `name` for `owner` until `now + ttl` if it is free or
    /// expired, renews it if `owner`'s instance holds it, and, with
    /// [`TakeBack::OwnName`], takes it from another instance of `owner`'s name
    /// (a previous run that died holding it). Atomic: of two concurrent callers
    /// at most one is granted a lease someone else holds. A ttl too large to
    /// represent is a [`SyncError::Store`].
    async fn lease_acquire(
        &self,
        name: &str,
        owner: &LeaseOwner,
        take_back: TakeBack,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseGrant, SyncError>;

    /// Gives the lease up if `owner` (name and instance) holds it.
    async fn lease_release(&self, name: &str, owner: &LeaseOwner) -> Result<(), SyncError>;
}

/// What a [`crate::HotelSync`] uses: its mirror, and the webhook inbox it
/// drains into it (an [`ApplyBatch`] marks the events it applied processed in
/// the same commit). [`crate::Mirror`] holds one.
pub trait SyncStore: MirrorStore + InboxStore {}

impl<T: MirrorStore + InboxStore + ?Sized> SyncStore for T {}

/// What a [`crate::Worker`] uses: leases, and the journal and inbox it purges
/// in its maintenance.
pub trait WorkerStore: LeaseStore + JournalStore + InboxStore {}

impl<T: LeaseStore + JournalStore + InboxStore + ?Sized> WorkerStore for T {}

/// Durable state of the sync layer: every role. Object safe: hold it as
/// `Arc<dyn Store>` and hand it to any component, whichever roles it asks for.
///
/// Implemented for every type that implements all the roles; implement those.
pub trait Store:
    MirrorStore + JournalStore + InboxStore + AuditStore + LeaseStore + FlowStore + SyncStore + WorkerStore
{
}

impl<T> Store for T where
    T: MirrorStore
        + JournalStore
        + InboxStore
        + AuditStore
        + LeaseStore
        + FlowStore
        + SyncStore
        + WorkerStore
        + ?Sized
{
}
