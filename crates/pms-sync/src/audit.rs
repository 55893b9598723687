//! The append-only audit log of compliance-relevant actions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};
use serde::{Deserialize, Serialize};

use crate::SyncError;
use crate::store::{AuditEntry, AuditFilter, AuditStore, NewAuditEntry};

/// Actions the audit log records. Entries carry ids and outcomes, never PII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// An identity document was checked.
    IdVerified,
    /// A registration card was signed.
    SignatureCaptured,
    /// A card pre-authorization was placed.
    CardHoldPlaced,
    /// A card pre-authorization was released.
    CardHoldReleased,
    /// A payment was taken.
    PaymentTaken,
    /// A charge was posted.
    ChargePosted,
    /// A charge was voided.
    ChargeVoided,
    /// A reservation was assigned (or moved) to a room.
    RoomAssigned,
    /// The guest was checked in.
    CheckedIn,
    /// The guest was checked out.
    CheckedOut,
    /// A digital key was activated.
    KeyActivated,
    /// A digital key was deactivated.
    KeyDeactivated,
    /// A room's housekeeping state was changed.
    RoomStatusChanged,
}

impl AuditAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::IdVerified => "id_verified",
            AuditAction::SignatureCaptured => "signature_captured",
            AuditAction::CardHoldPlaced => "card_hold_placed",
            AuditAction::CardHoldReleased => "card_hold_released",
            AuditAction::PaymentTaken => "payment_taken",
            AuditAction::ChargePosted => "charge_posted",
            AuditAction::ChargeVoided => "charge_voided",
            AuditAction::RoomAssigned => "room_assigned",
            AuditAction::CheckedIn => "checked_in",
            AuditAction::CheckedOut => "checked_out",
            AuditAction::KeyActivated => "key_activated",
            AuditAction::KeyDeactivated => "key_deactivated",
            AuditAction::RoomStatusChanged => "room_status_changed",
        }
    }
}

/// Writes and queries the audit log.
#[derive(Debug, Clone)]
pub struct AuditLog {
    store: Arc<dyn AuditStore>,
}

/// One audit record to append.
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    /// The hotel.
    pub hotel: &'a HotelId,
    /// The reservation, by vendor id.
    pub reservation: Option<&'a str>,
    /// What happened.
    pub action: AuditAction,
    /// Who did it (a service or staff id; never a guest's name).
    pub actor: &'a str,
    /// The write's request id.
    pub request_id: Option<RequestId>,
    /// PII-free details (outcome, amounts, key ids, vendor refs).
    pub details: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

impl AuditLog {
    /// An audit log in `store`.
    pub fn new(store: Arc<dyn AuditStore>) -> Self {
        AuditLog { store }
    }

    /// Appends a record; returns its sequence number.
    pub async fn record(&self, record: AuditRecord<'_>) -> Result<i64, SyncError> {
        let entry = NewAuditEntry {
            hotel: record.hotel.clone(),
            reservation: record.reservation.map(str::to_owned),
            action: record.action.as_str().to_owned(),
            actor: record.actor.to_owned(),
            request_id: record.request_id,
            details: record.details,
            at: record.at,
        };
        self.store.audit_append(&entry).await
    }

    /// Entries matching `filter`, oldest first.
    pub async fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SyncError> {
        self.store.audit_query(filter).await
    }
}
