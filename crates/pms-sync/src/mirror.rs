//! The local mirror: normalized records sealed into the store.

use std::sync::Arc;

use pms_core::{Folio, Guest, HotelId, Reservation, Room};
use serde::{Serialize, de::DeserializeOwned};

use crate::SyncError;
use crate::crypto::Cipher;
use crate::store::{RecordKind, SealedRecord, Store};

/// A model type that can be mirrored.
pub trait Mirrored: Serialize + DeserializeOwned {
    /// Its kind in the store.
    const KIND: RecordKind;
    /// Its natural key: the vendor id.
    fn external_id(&self) -> &str;
    /// Its vendor modification time, when known.
    fn updated_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }
}

impl Mirrored for Reservation {
    const KIND: RecordKind = RecordKind::Reservation;
    fn external_id(&self) -> &str {
        self.external.id.as_str()
    }
    fn updated_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.updated_at
    }
}

impl Mirrored for Guest {
    const KIND: RecordKind = RecordKind::Guest;
    fn external_id(&self) -> &str {
        self.external.id.as_str()
    }
    fn updated_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.updated_at
    }
}

impl Mirrored for Room {
    const KIND: RecordKind = RecordKind::Room;
    fn external_id(&self) -> &str {
        self.external.id.as_str()
    }
}

impl Mirrored for Folio {
    const KIND: RecordKind = RecordKind::Folio;
    fn external_id(&self) -> &str {
        self.reservation.id.as_str()
    }
}

/// Seals records on the way into the store and opens them on the way out.
#[derive(Debug, Clone)]
pub struct Mirror {
    store: Arc<dyn Store>,
    cipher: Arc<Cipher>,
}

impl Mirror {
    /// A mirror over `store`, sealing with `cipher`.
    pub fn new(store: Arc<dyn Store>, cipher: Arc<Cipher>) -> Self {
        Mirror { store, cipher }
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The cipher.
    pub fn cipher(&self) -> &Arc<Cipher> {
        &self.cipher
    }

    /// Seals a record for [`crate::store::ApplyBatch::upserts`].
    pub fn seal<T: Mirrored>(&self, hotel: &HotelId, record: &T) -> Result<SealedRecord, SyncError> {
        let plaintext = serde_json::to_vec(record)
            .map_err(|e| SyncError::Store(format!("cannot serialize record: {e}")))?;
        let external_id = record.external_id().to_owned();
        let aad = aad(hotel, T::KIND, &external_id);
        Ok(SealedRecord {
            hotel: hotel.clone(),
            kind: T::KIND,
            fingerprint: self.cipher.fingerprint(&plaintext)?,
            key_id: self.cipher.current_key_id().to_owned(),
            sealed: self.cipher.seal(&plaintext, &aad)?,
            updated_at: record.updated_at(),
            external_id,
        })
    }

    /// Opens a stored record.
    pub fn open<T: Mirrored>(&self, sealed: &SealedRecord) -> Result<T, SyncError> {
        let aad = aad(&sealed.hotel, sealed.kind, &sealed.external_id);
        let plaintext = self.cipher.open(&sealed.key_id, &sealed.sealed, &aad)?;
        serde_json::from_slice(&plaintext).map_err(|_| SyncError::Corrupt {
            what: format!("{} record", sealed.kind.as_str()),
        })
    }

    /// One record by vendor id.
    pub async fn get<T: Mirrored>(&self, hotel: &HotelId, external_id: &str) -> Result<Option<T>, SyncError> {
        match self.store.record(hotel, T::KIND, external_id).await? {
            Some(sealed) => self.open(&sealed).map(Some),
            None => Ok(None),
        }
    }

    /// Every record of a kind in a hotel.
    pub async fn all<T: Mirrored>(&self, hotel: &HotelId) -> Result<Vec<T>, SyncError> {
        self.store
            .records(hotel, T::KIND)
            .await?
            .iter()
            .map(|s| self.open(s))
            .collect()
    }
}

fn aad(hotel: &HotelId, kind: RecordKind, external_id: &str) -> Vec<u8> {
    format!("pms-sync/v1/{}/{}/{}", hotel.as_str(), kind.as_str(), external_id).into_bytes()
}
