//! Flow records: the durable state of the guest-journey flows (housekeeping
//! tasks, internal agenda bookings, ...) in one generic table.
//!
//! A flow record is a sealed payload under (hotel, kind, key) with a version
//! for optimistic concurrency and an `open` flag: [`FlowStore::flow_list`]
//! with `open_only` is what a flow restores after a restart. The store never
//! sees plaintext: callers seal the payload with the [`crate::crypto::Cipher`]
//! (associated data [`flow_aad`]) because it may carry guest data.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::HotelId;

use crate::SyncError;

/// One stored flow record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord {
    /// The hotel.
    pub hotel: HotelId,
    /// Which flow's record (`housekeeping_task`, `agenda_item`, ...).
    pub kind: String,
    /// Its key within hotel + kind.
    pub key: String,
    /// 1 when created, one more on every successful write.
    pub version: i64,
    /// Whether [`FlowStore::flow_list`] with `open_only` lists it.
    pub open: bool,
    /// Id of the key that sealed `sealed`.
    pub key_id: String,
    /// Nonce + AEAD ciphertext of the payload.
    pub sealed: Vec<u8>,
    /// When the record was first written.
    pub created_at: DateTime<Utc>,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// A write of one flow record, conditional on the version the writer last saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowWrite {
    /// The hotel.
    pub hotel: HotelId,
    /// Which flow's record.
    pub kind: String,
    /// Its key (non-empty).
    pub key: String,
    /// `None`: create, only if no record has this key. `Some(v)`: replace,
    /// only if the stored record is at version `v`.
    pub expected_version: Option<i64>,
    /// Listed by the open query.
    pub open: bool,
    /// Id of the key that sealed `sealed`.
    pub key_id: String,
    /// The sealed payload.
    pub sealed: Vec<u8>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What [`FlowStore::flow_put`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowPut {
    /// Written; the record as stored now (its new version).
    Written(FlowRecord),
    /// Not written: the record exists though a create was asked for, or it is
    /// at another version (or gone). Holds what is stored now, to re-read and
    /// decide again.
    Conflict(Option<FlowRecord>),
}

/// The associated data flow payloads are sealed with: a ciphertext moved to
/// another hotel, kind or key does not open.
pub fn flow_aad(hotel: &HotelId, kind: &str, key: &str) -> Vec<u8> {
    format!("flow\u{1f}{}\u{1f}{kind}\u{1f}{key}", hotel.as_str()).into_bytes()
}

/// Durable flow state: the flows' role of the store (see [`crate::Store`]),
/// so every store has it and an `Arc<dyn Store>` coerces to an `Arc<dyn FlowStore>`.
///
/// Every method is atomic on its own.
#[async_trait]
pub trait FlowStore: Send + Sync + std::fmt::Debug {
    /// Creates or replaces a record if `write.expected_version` matches (see [`FlowWrite`]).
    async fn flow_put(&self, write: &FlowWrite) -> Result<FlowPut, SyncError>;

    /// One record.
    async fn flow_get(&self, hotel: &HotelId, kind: &str, key: &str)
    -> Result<Option<FlowRecord>, SyncError>;

    /// A hotel's records of one kind (only the open ones with `open_only`),
    /// oldest first (creation instant, then key).
    async fn flow_list(
        &self,
        hotel: &HotelId,
        kind: &str,
        open_only: bool,
    ) -> Result<Vec<FlowRecord>, SyncError>;

    /// Deletes a hotel's closed records of `kind` last written before `before`
    /// (finished tasks, old notices); returns how many. Open records stay.
    async fn flow_purge(&self, hotel: &HotelId, kind: &str, before: DateTime<Utc>) -> Result<u64, SyncError>;

    /// Deletes a record if it is at `expected_version`; returns whether it did.
    async fn flow_delete(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
        expected_version: i64,
    ) -> Result<bool, SyncError>;
}

/// Refuses an empty kind or key before it reaches the database.
pub(super) fn check_names(kind: &str, key: &str) -> Result<(), SyncError> {
    if kind.is_empty() || key.is_empty() {
        return Err(SyncError::Store("a flow record needs a kind and a key".into()));
    }
    Ok(())
}
