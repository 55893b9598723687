//! Durable flow state: typed, sealed records over the store's flow records
//! ([`pms_sync::store::FlowStore`]). Payloads may carry guest data (agenda
//! titles, guest and stay ids), so they are sealed with the [`Cipher`] before
//! they reach the store, bound to (hotel, kind, key) as associated data.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pms_core::HotelId;
use pms_sync::store::{FlowPut, FlowRecord, FlowStore, FlowWrite, flow_aad};
use pms_sync::{Cipher, SyncError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::FlowError;

/// Where flows keep their state across restarts: a store plus the cipher that
/// seals payloads. Cheap to clone.
#[derive(Clone)]
pub struct FlowStorage {
    store: Arc<dyn FlowStore>,
    cipher: Arc<Cipher>,
}

impl std::fmt::Debug for FlowStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowStorage")
            .field("key_id", &self.cipher.current_key_id())
            .finish_non_exhaustive()
    }
}

/// A decoded record.
#[derive(Debug, Clone)]
pub(crate) struct Stored<T> {
    pub(crate) key: String,
    pub(crate) version: i64,
    pub(crate) value: T,
}

/// What a conditional write did.
#[derive(Debug)]
pub(crate) enum Saved<T> {
    /// Written at this version.
    Written(i64),
    /// Someone else's write won: what is stored now.
    Conflict(Option<Stored<T>>),
}

impl FlowStorage {
    /// Flow state in `store`, sealed with `cipher`.
    pub fn new(store: Arc<dyn FlowStore>, cipher: Arc<Cipher>) -> Self {
        FlowStorage { store, cipher }
    }

    fn open<T: DeserializeOwned>(&self, record: &FlowRecord) -> Result<Stored<T>, FlowError> {
        let aad = flow_aad(&record.hotel, &record.kind, &record.key);
        let plaintext = self.cipher.open(&record.key_id, &record.sealed, &aad)?;
        let value = serde_json::from_slice(&plaintext).map_err(|_| {
            FlowError::Sync(SyncError::Corrupt {
                what: format!("{} flow record", record.kind),
            })
        })?;
        Ok(Stored {
            key: record.key.clone(),
            version: record.version,
            value,
        })
    }

    /// A hotel's records of `kind` (only the open ones with `open_only`), oldest first.
    pub(crate) async fn load<T: DeserializeOwned>(
        &self,
        hotel: &HotelId,
        kind: &str,
        open_only: bool,
    ) -> Result<Vec<Stored<T>>, FlowError> {
        self.store
            .flow_list(hotel, kind, open_only)
            .await?
            .iter()
            .map(|record| self.open(record))
            .collect()
    }

    /// One record, if stored.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Stored<T>>, FlowError> {
        self.store
            .flow_get(hotel, kind, key)
            .await?
            .map(|record| self.open(&record))
            .transpose()
    }

    /// Writes `value` under `key` if the stored version is `expected` (`None`: absent).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn save<T: Serialize + DeserializeOwned>(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
        expected: Option<i64>,
        open: bool,
        value: &T,
        now: DateTime<Utc>,
    ) -> Result<Saved<T>, FlowError> {
        let plaintext = serde_json::to_vec(value)
            .map_err(|e| FlowError::Sync(SyncError::Store(format!("{kind} record not serializable: {e}"))))?;
        let sealed = self.cipher.seal(&plaintext, &flow_aad(hotel, kind, key))?;
        let write = FlowWrite {
            hotel: hotel.clone(),
            kind: kind.to_owned(),
            key: key.to_owned(),
            expected_version: expected,
            open,
            key_id: self.cipher.current_key_id().to_owned(),
            sealed,
            now,
        };
        match self.store.flow_put(&write).await? {
            FlowPut::Written(record) => Ok(Saved::Written(record.version)),
            FlowPut::Conflict(current) => Ok(Saved::Conflict(
                current.map(|record| self.open(&record)).transpose()?,
            )),
        }
    }

    /// Deletes the hotel's closed records of `kind` last written before `before`.
    pub(crate) async fn purge_closed(
        &self,
        hotel: &HotelId,
        kind: &str,
        before: DateTime<Utc>,
    ) -> Result<u64, FlowError> {
        Ok(self.store.flow_purge(hotel, kind, before).await?)
    }

    /// Deletes `key` if it is at `version`; returns whether it did.
    pub(crate) async fn delete(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
        version: i64,
    ) -> Result<bool, FlowError> {
        Ok(self.store.flow_delete(hotel, kind, key, version).await?)
    }
}
