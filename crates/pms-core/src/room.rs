//! Rooms and their housekeeping state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExternalRef, RoomNumber};

/// A sellable room (Mews resource, Cloudbeds room, OPERA room).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// The room's id in the PMS.
    pub external: ExternalRef,
    /// Number or name as the hotel labels it.
    pub number: RoomNumber,
    /// Room type code or category name.
    pub room_type: Option<String>,
    /// Floor, when the vendor reports it.
    pub floor: Option<String>,
    /// Current state, when this read included it.
    pub status: Option<RoomStatus>,
}

/// A room's housekeeping and front-office state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomStatus {
    /// Cleanliness / availability.
    pub housekeeping: HousekeepingStatus,
    /// Whether a guest is in it, when the vendor says.
    pub occupancy: Option<Occupancy>,
    /// When the PMS last changed it, when the vendor says.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Housekeeping states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HousekeepingStatus {
    /// Cleaned, not yet inspected.
    Clean,
    /// Needs cleaning.
    Dirty,
    /// Cleaned and inspected: ready to sell.
    Inspected,
    /// OPERA's light touch-up state between dirty and clean.
    Pickup,
    /// Temporarily not sellable (still counts in inventory).
    OutOfService,
    /// Removed from inventory (maintenance).
    OutOfOrder,
    /// A vendor state with no equivalent here, verbatim.
    Other(String),
}

/// Front-office occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occupancy {
    /// No guest in the room.
    Vacant,
    /// A guest is in the room.
    Occupied,
}

/// A room's state as read from the PMS, keyed by room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomStatusReport {
    /// The room's id in the PMS.
    pub room: ExternalRef,
    /// Its number.
    pub number: RoomNumber,
    /// Its state.
    pub status: RoomStatus,
}

/// A room block: a room taken out of inventory, or kept for the house, for
/// a time (Mews resource blocks `OutOfOrder` / `InternalUse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomBlock {
    /// The block's id in the PMS.
    pub external: ExternalRef,
    /// The room it blocks.
    pub room: ExternalRef,
    /// What kind of block.
    pub kind: RoomBlockKind,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Whether it is still in force (`false` once deleted in the PMS).
    pub active: bool,
}

/// Kinds of room block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomBlockKind {
    /// Out of order (maintenance): not sellable.
    OutOfOrder,
    /// Kept for internal use (staff, house use).
    InternalUse,
    /// A vendor kind with no equivalent here, verbatim.
    Other(String),
}
