//! Agenda items: spa, dining and activity bookings around a stay.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AgendaItemId, ExternalRef, GuestId, PmsKind, ReservationId};

/// One booking on a guest's agenda, from the PMS or from our own services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Internal id.
    pub id: AgendaItemId,
    /// The booking's id in the PMS, for PMS-managed items.
    pub external: Option<ExternalRef>,
    /// What kind of booking.
    pub kind: AgendaKind,
    /// Short title (treatment, restaurant, activity name).
    pub title: String,
    /// Start instant.
    pub starts_at: DateTime<Utc>,
    /// End instant.
    pub ends_at: DateTime<Utc>,
    /// Where (room, outlet, meeting point).
    pub location: Option<String>,
    /// The guest it is for.
    pub guest: Option<GuestId>,
    /// The stay it belongs to.
    pub reservation: Option<ReservationId>,
    /// State.
    pub status: AgendaStatus,
    /// Who manages it.
    pub source: AgendaSource,
}

/// Kinds of agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    /// Spa or wellness treatment.
    Spa,
    /// Restaurant table.
    Dining,
    /// Activity or excursion.
    Activity,
    /// Anything else, with the vendor's label.
    Other(String),
}

/// Agenda item states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaStatus {
    /// Asked for, not confirmed.
    Requested,
    /// Confirmed.
    Confirmed,
    /// Cancelled.
    Cancelled,
    /// Took place.
    Completed,
    /// The guest did not come.
    NoShow,
    /// A vendor state with no equivalent here, verbatim.
    Other(String),
}

/// Who manages an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaSource {
    /// Mirrored from a PMS.
    Pms(PmsKind),
    /// Booked in our own services.
    Internal,
}
