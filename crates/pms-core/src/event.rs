//! Change events: what ingestion (webhooks, polling, reconciliation) emits.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExternalRef, HotelId, HousekeepingStatus, ReservationStatus, RoomNumber};

/// A dedupe key for an event. Vendors rarely send one, so connectors derive
/// it from what identifies the change (entity id, vendor timestamp, kind).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// Wraps a key.
    pub fn new(id: impl Into<String>) -> Self {
        EventId(id.into())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something changed in a PMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PmsEvent {
    /// Dedupe key.
    pub id: EventId,
    /// The hotel it happened in.
    pub hotel: HotelId,
    /// When it happened (the vendor's time when given, else when we saw it).
    pub occurred_at: DateTime<Utc>,
    /// How we learned of it.
    pub source: EventSource,
    /// What changed.
    pub change: Change,
}

/// How an event reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// A vendor webhook.
    Webhook,
    /// Polling for changes.
    Poll,
    /// A reconciliation pass.
    Reconcile,
}

/// What changed. Webhooks are thin, so most variants carry ids only; the
/// consumer re-reads the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Change {
    /// A reservation was created.
    ReservationCreated {
        /// The reservation in the PMS.
        reservation: ExternalRef,
    },
    /// A reservation changed (dates, room, guests, ...).
    ReservationUpdated {
        /// The reservation in the PMS.
        reservation: ExternalRef,
    },
    /// A reservation moved to another state.
    ReservationStatusChanged {
        /// The reservation in the PMS.
        reservation: ExternalRef,
        /// The new state, when the vendor said.
        status: Option<ReservationStatus>,
    },
    /// A reservation was cancelled or deleted.
    ReservationCancelled {
        /// The reservation in the PMS.
        reservation: ExternalRef,
    },
    /// A guest profile changed.
    GuestUpdated {
        /// The profile in the PMS.
        guest: ExternalRef,
    },
    /// A room's housekeeping state changed.
    RoomStatusChanged {
        /// The room in the PMS.
        room: ExternalRef,
        /// Its number, when the vendor said.
        number: Option<RoomNumber>,
        /// The new state, when the vendor said.
        status: Option<HousekeepingStatus>,
    },
    /// A room block (out of order, internal use) was added, changed or
    /// removed. Thin: it names the block only (a Mews `ResourceBlockUpdated`
    /// carries the block's id and nothing else), so the consumer reads the
    /// block ([`crate::PmsClient::room_block`]) for its room and then re-reads
    /// that room's state, as for [`Change::RoomStatusChanged`].
    RoomBlockChanged {
        /// The block in the PMS.
        block: ExternalRef,
    },
    /// A folio changed (charge, payment, void).
    FolioChanged {
        /// The reservation whose folio changed, when known.
        reservation: Option<ExternalRef>,
        /// The folio or line that changed, when known.
        item: Option<ExternalRef>,
    },
}
