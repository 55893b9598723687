//! The durable store: one trait per role, [`Store`] their sum, two databases
//! (SQLite embedded, PostgreSQL for many workers) behind one SQL
//! implementation, one conformance suite (`tests/store_conformance.rs`).
//!
//! | module | holds |
//! |---|---|
//! | this one | the stored types ([`SealedRecord`], [`JournalEntry`], [`InboxEntry`], ...) |
//! | `roles` | [`MirrorStore`], [`JournalStore`], [`InboxStore`], [`AuditStore`], [`LeaseStore`], [`SyncStore`], [`WorkerStore`], [`Store`] |
//! | `flow` | [`FlowStore`] and flow records |
//! | `journal_rules` | the write journal's states: what is settled, in doubt, claimable |
//! | `lease` | who may take a lease ([`LeaseGrant`]) |
//! | `sql` | every role, written once for both databases (statements, dialect codecs) |
//! | `sqlite`, `postgres` | [`SqliteStore`], [`PostgresStore`]: connecting, migrating, what only one database does |
//!
//! The store never sees plaintext mirror records: [`crate::Mirror`] seals
//! them with the [`crate::crypto::Cipher`] before they arrive here, so the
//! database file holds ciphertext and keyed fingerprints only.

mod flow;
mod journal_rules;
mod lease;
mod postgres;
mod roles;
mod sql;
mod sqlite;

use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};
use serde::{Deserialize, Serialize};

pub use flow::{FlowPut, FlowRecord, FlowStore, FlowWrite, flow_aad};
pub use lease::{LeaseGrant, LeaseHolder, LeaseOwner, TakeBack};
pub use postgres::PostgresStore;
pub use roles::{
    AuditStore, InboxStore, JournalStore, LeaseStore, MirrorStore, Store, SyncStore, WorkerStore,
};
pub use sqlite::SqliteStore;

/// Which kind of mirrored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A reservation.
    Reservation,
    /// A guest profile.
    Guest,
    /// A room and its state.
    Room,
    /// A folio.
    Folio,
}

impl RecordKind {
    /// Stable name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Reservation => "reservation",
            RecordKind::Guest => "guest",
            RecordKind::Room => "room",
            RecordKind::Folio => "folio",
        }
    }

    /// Parses [`RecordKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            RecordKind::Reservation,
            RecordKind::Guest,
            RecordKind::Room,
            RecordKind::Folio,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A mirrored record as stored: sealed body plus what is needed to find and compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// The hotel.
    pub hotel: HotelId,
    /// What it is.
    pub kind: RecordKind,
    /// The vendor id (the record's natural key within hotel + kind).
    pub external_id: String,
    /// Keyed fingerprint (HMAC) of the plaintext, to detect change without decrypting.
    pub fingerprint: String,
    /// Id of the key that sealed `sealed`.
    pub key_id: String,
    /// Nonce + AEAD ciphertext of the record's JSON.
    pub sealed: Vec<u8>,
    /// The vendor's last-modified instant, when known.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A stream's position: how far polling has durably applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Everything modified before this instant has been applied.
    pub high_water: DateTime<Utc>,
    /// Connector-specific resume state, if a window was interrupted mid-page.
    pub token: Option<String>,
    /// When the cursor last moved.
    pub updated_at: DateTime<Utc>,
}

/// Records to apply, events to enqueue, and the cursor to move, all in one
/// transaction: a cursor never advances past data that is not durable.
#[derive(Debug, Clone, Default)]
pub struct ApplyBatch {
    /// Upserts (insert or replace by hotel + kind + external id).
    pub upserts: Vec<SealedRecord>,
    /// Deletions by (hotel, kind, external id).
    pub deletes: Vec<(HotelId, RecordKind, String)>,
    /// Inbox events processed by this batch (marked processed).
    pub processed_inbox: Vec<i64>,
    /// Cursor to store: (hotel, stream name, new position).
    pub cursor: Option<(HotelId, String, Cursor)>,
}

/// State of a journaled write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    /// Persisted, call not (yet) known to have completed.
    Pending,
    /// The PMS confirmed it; `outcome` holds the result.
    Succeeded,
    /// The PMS refused it definitively; `outcome` holds the error.
    Failed,
    /// Sent, no answer, read-back could not settle it: needs an operator or a later read-back.
    Unknown,
}

impl JournalState {
    /// Stable name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalState::Pending => "pending",
            JournalState::Succeeded => "succeeded",
            JournalState::Failed => "failed",
            JournalState::Unknown => "unknown",
        }
    }

    /// Parses [`JournalState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            JournalState::Pending,
            JournalState::Succeeded,
            JournalState::Failed,
            JournalState::Unknown,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A write intent to persist before calling the PMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJournalEntry {
    /// The idempotency key.
    pub request_id: RequestId,
    /// The hotel.
    pub hotel: HotelId,
    /// Operation name (`post_charge`, `check_in`, ...).
    pub operation: String,
    /// SHA-256 of the canonical request, to refuse the same id with another body.
    pub request_hash: String,
    /// Sealed request body (it may hold PII, e.g. an ID verification).
    pub sealed_request: Vec<u8>,
    /// Key id that sealed it.
    pub key_id: String,
    /// Who holds the in-flight claim.
    pub owner: String,
    /// How long the claim lasts before another worker may take it over.
    pub claim_ttl: Duration,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A journaled write as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The idempotency key.
    pub request_id: RequestId,
    /// The hotel.
    pub hotel: HotelId,
    /// Operation name.
    pub operation: String,
    /// SHA-256 of the canonical request.
    pub request_hash: String,
    /// Sealed request body.
    pub sealed_request: Vec<u8>,
    /// Key id that sealed it.
    pub key_id: String,
    /// State.
    pub state: JournalState,
    /// Stored outcome (JSON, no PII) once settled.
    pub outcome: Option<serde_json::Value>,
    /// Calls made so far.
    pub attempts: u32,
    /// Current claim holder, while pending.
    pub owner: Option<String>,
    /// Claim expiry.
    pub claimed_until: Option<DateTime<Utc>>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What [`JournalStore::journal_begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalBegin {
    /// New intent stored and claimed by the caller.
    Started(JournalEntry),
    /// The id exists, is `Pending` or `Unknown`, and the caller now holds its
    /// claim (the previous claim expired, belonged to the caller, or the entry
    /// was left `Unknown`): resume it, reading back before resending.
    Resumed(JournalEntry),
    /// The id exists and another worker holds a live claim.
    Busy(JournalEntry),
    /// The id exists and is `Succeeded` or `Failed`: return its stored outcome.
    Settled(JournalEntry),
}

/// A webhook (or other pushed) event waiting to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEvent {
    /// Store-assigned sequence number (0 when not stored yet).
    pub seq: i64,
    /// The hotel.
    pub hotel: HotelId,
    /// Dedupe key (unique per hotel).
    pub event_id: String,
    /// The normalized `PmsEvent` as JSON (ids only, no PII).
    pub payload: serde_json::Value,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

/// An inbox event with its delivery history: what [`InboxStore::inbox_due`] and
/// [`InboxStore::inbox_dead`] return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    /// The event as received.
    pub event: InboxEvent,
    /// Failed attempts at applying it so far.
    pub attempts: u32,
    /// When the last failed attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Not to be tried before this instant (`None`: at once).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure, PII-free (an error kind and a redacted message).
    pub last_error: Option<String>,
    /// Set once the event is dead-lettered: no more attempts until re-driven.
    pub dead_at: Option<DateTime<Utc>>,
}

/// One failed attempt at applying an inbox event, for [`InboxStore::inbox_failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxFailure {
    /// The event's sequence number.
    pub seq: i64,
    /// The failure, PII-free.
    pub error: String,
    /// When the attempt was made.
    pub at: DateTime<Utc>,
    /// When to try again; `None` dead-letters the event.
    pub retry_at: Option<DateTime<Utc>>,
}

/// What [`InboxStore::inbox_redrive`] did with a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxRedrive {
    /// Pending again, due at once, with a fresh attempt budget.
    Requeued,
    /// A newer pending hint for the same entity was already waiting; the dead
    /// letter was marked processed instead (that hint re-reads the entity).
    Merged,
}

/// How many inbox events of a hotel are in each state, for health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InboxCounts {
    /// Waiting to be applied (due now or backing off).
    pub pending: u64,
    /// Of those, events that failed at least once and wait for their next attempt.
    pub retrying: u64,
    /// Dead-lettered.
    pub dead: u64,
}

/// One write of [`MirrorStore::apply_guarded`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorWrite {
    /// Insert or replace the record.
    Upsert(SealedRecord),
    /// Delete the record (hotel, kind, external id).
    Delete(HotelId, RecordKind, String),
}

impl MirrorWrite {
    /// The record's key.
    pub fn key(&self) -> (&HotelId, RecordKind, &str) {
        match self {
            MirrorWrite::Upsert(r) => (&r.hotel, r.kind, r.external_id.as_str()),
            MirrorWrite::Delete(hotel, kind, id) => (hotel, *kind, id.as_str()),
        }
    }
}

/// A mirror write that holds only if the record is still what the writer
/// read: compare-and-set on the record's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedWrite {
    /// The write.
    pub write: MirrorWrite,
    /// The fingerprint the record had when the writer read it; `None`: the
    /// writer found no record (an upsert then only inserts).
    pub expected: Option<String>,
}

/// An audit log entry to append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// The hotel.
    pub hotel: HotelId,
    /// The reservation concerned, by vendor id, if any.
    pub reservation: Option<String>,
    /// What happened (`id_verified`, `signature_captured`, `card_hold_placed`, `key_activated`, ...).
    pub action: String,
    /// Who did it (service, staff id; never a guest's name).
    pub actor: String,
    /// Our request id, if the action was a write.
    pub request_id: Option<RequestId>,
    /// Structured, PII-free details.
    pub details: serde_json::Value,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Store-assigned sequence number.
    pub seq: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: NewAuditEntry,
}

/// Audit query; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this hotel.
    pub hotel: Option<HotelId>,
    /// Only this reservation.
    pub reservation: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// At most this many (oldest first); `None` for all.
    pub limit: Option<u32>,
}
