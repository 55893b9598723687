//! The local mirror: normalized records sealed into the store.

use std::sync::Arc;

use pms_core::{Folio, Guest, HotelId, Reservation, Room};
use serde::{Serialize, de::DeserializeOwned};

use crate::SyncError;
use crate::crypto::Cipher;
use crate::store::{RecordKind, SealedRecord, SyncStore};

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
    /// A reservation's folio is mirrored under the reservation's id (as
    /// before folios had owners); an account's bill under its own id.
    fn external_id(&self) -> &str {
        match self.reservation() {
            Some(reservation) => reservation.id.as_str(),
            None => self.external.id.as_str(),
        }
    }
}

/// A record serialized and fingerprinted, not yet encrypted.
#[derive(Debug)]
pub struct Prepared<'r, T> {
    record: &'r T,
    plaintext: Vec<u8>,
    fingerprint: String,
}

impl<T> Prepared<'_, T> {
    /// The keyed fingerprint of the record's plaintext, under the current key.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// Seals records on the way into the store and opens them on the way out.
#[derive(Debug, Clone)]
pub struct Mirror {
    store: Arc<dyn SyncStore>,
    cipher: Arc<Cipher>,
}

impl Mirror {
    /// A mirror over `store`, sealing with `cipher`. Any [`crate::Store`]
    /// will do; a test double needs only the [`SyncStore`] roles (the mirror
    /// and the webhook inbox its sync drains into it).
    pub fn new(store: Arc<dyn SyncStore>, cipher: Arc<Cipher>) -> Self {
        Mirror { store, cipher }
    }

    /// The underlying store (its mirror and inbox roles).
    pub fn store(&self) -> &Arc<dyn SyncStore> {
        &self.store
    }

    /// The cipher.
    pub fn cipher(&self) -> &Arc<Cipher> {
        &self.cipher
    }

    /// Serializes and fingerprints a record without encrypting it yet, so
    /// an unchanged record (the common case on a re-poll) costs no AEAD.
    pub fn prepare<'r, T: Mirrored>(&self, record: &'r T) -> Result<Prepared<'r, T>, SyncError> {
        let plaintext = serde_json::to_vec(record)
            .map_err(|e| SyncError::Store(format!("cannot serialize record: {e}")))?;
        let fingerprint = self.cipher.fingerprint(&plaintext)?;
        Ok(Prepared {
            record,
            plaintext,
            fingerprint,
        })
    }

    /// Whether `stored` already holds the prepared record: fingerprints compare
    /// under one key; after a key rotation the stored row is opened instead, so
    /// rotation does not look like a change of every record.
    pub fn holds<T: Mirrored + PartialEq>(&self, stored: &SealedRecord, fresh: &Prepared<'_, T>) -> bool {
        if stored.key_id == self.cipher.current_key_id() {
            stored.fingerprint == fresh.fingerprint
        } else {
            self.open::<T>(stored).is_ok_and(|old| &old == fresh.record)
        }
    }

    /// Encrypts a prepared record for [`crate::store::ApplyBatch::upserts`].
    pub fn seal_prepared<T: Mirrored>(
        &self,
        hotel: &HotelId,
        prepared: Prepared<'_, T>,
    ) -> Result<SealedRecord, SyncError> {
        let external_id = prepared.record.external_id().to_owned();
        let aad = aad(hotel, T::KIND, &external_id);
        Ok(SealedRecord {
            hotel: hotel.clone(),
            kind: T::KIND,
            fingerprint: prepared.fingerprint,
            key_id: self.cipher.current_key_id().to_owned(),
            sealed: self.cipher.seal(&prepared.plaintext, &aad)?,
            updated_at: prepared.record.updated_at(),
            external_id,
        })
    }

    /// Seals a record for [`crate::store::ApplyBatch::upserts`].
    pub fn seal<T: Mirrored>(&self, hotel: &HotelId, record: &T) -> Result<SealedRecord, SyncError> {
        self.seal_prepared(hotel, self.prepare(record)?)
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
