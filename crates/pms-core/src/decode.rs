//! Offline decoding of recorded vendor payloads into the model: what
//! `pms decode` prints and what fixture tests compare against.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Currency, Error, Folio, Guest, HotelId, PmsEvent, PmsKind, Reservation, Room, RoomStatusReport};

/// Which kind of payload a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadKind {
    /// A reservations read response.
    Reservations,
    /// A guests / customers / profiles read response.
    Guests,
    /// A rooms / resources read response.
    Rooms,
    /// A housekeeping / room status read response.
    RoomStatuses,
    /// A folio / bill read response.
    Folio,
    /// A webhook body as the vendor posts it.
    Webhook,
}

impl PayloadKind {
    /// Every kind, in CLI order.
    pub const ALL: [PayloadKind; 6] = [
        PayloadKind::Reservations,
        PayloadKind::Guests,
        PayloadKind::Rooms,
        PayloadKind::RoomStatuses,
        PayloadKind::Folio,
        PayloadKind::Webhook,
    ];

    /// The CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadKind::Reservations => "reservations",
            PayloadKind::Guests => "guests",
            PayloadKind::Rooms => "rooms",
            PayloadKind::RoomStatuses => "room-statuses",
            PayloadKind::Folio => "folio",
            PayloadKind::Webhook => "webhook",
        }
    }
}

/// What a mapper needs to know about the property besides the payload.
#[derive(Debug, Clone)]
pub struct DecodeContext {
    /// The hotel the payload belongs to (internal ids derive from it).
    pub hotel: HotelId,
    /// The property's time zone, for vendors that send local times.
    pub time_zone: Tz,
    /// The property's currency, for vendors that send bare amounts.
    pub currency: Currency,
}

/// Normalized records decoded from one payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "records")]
pub enum Decoded {
    /// Reservations.
    Reservations(Vec<Reservation>),
    /// Guests.
    Guests(Vec<Guest>),
    /// Rooms.
    Rooms(Vec<Room>),
    /// Room states.
    RoomStatuses(Vec<RoomStatusReport>),
    /// Folios.
    Folio(Vec<Folio>),
    /// Change events.
    Events(Vec<PmsEvent>),
}

impl Decoded {
    /// The records as a JSON array (the `pms decode` output).
    pub fn to_json_array(&self) -> Result<serde_json::Value, Error> {
        let value = match self {
            Decoded::Reservations(r) => serde_json::to_value(r),
            Decoded::Guests(r) => serde_json::to_value(r),
            Decoded::Rooms(r) => serde_json::to_value(r),
            Decoded::RoomStatuses(r) => serde_json::to_value(r),
            Decoded::Folio(r) => serde_json::to_value(r),
            Decoded::Events(r) => serde_json::to_value(r),
        };
        value.map_err(|e| Error::validation(format!("cannot serialize decoded records: {e}")))
    }
}

/// Decodes recorded payloads of one vendor. Each connector crate provides one.
pub trait PayloadDecoder: Send + Sync {
    /// The vendor.
    fn pms(&self) -> PmsKind;

    /// Decodes `body` as a payload of `kind`. A malformed payload is an
    /// [`Error::Decode`] naming the JSON path or XML element that failed.
    fn decode(&self, kind: PayloadKind, body: &[u8], context: &DecodeContext) -> Result<Decoded, Error>;
}
