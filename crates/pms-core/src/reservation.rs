//! Reservations (stays).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{ExternalRef, GuestRef, HotelId, Money, ReservationId, RoomNumber};

/// A reservation as the PMS knows it, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    /// Internal id, derived from `hotel` and `external`.
    pub id: ReservationId,
    /// The reservation's id in the PMS.
    pub external: ExternalRef,
    /// The hotel it belongs to.
    pub hotel: HotelId,
    /// The number the guest quotes (Mews `Number`, OPERA confirmation number).
    pub confirmation_number: Option<String>,
    /// Lifecycle state.
    pub status: ReservationStatus,
    /// First night, a civil date in the property's time zone.
    pub arrival: NaiveDate,
    /// Departure day, a civil date in the property's time zone.
    pub departure: NaiveDate,
    /// Expected arrival instant, when known.
    pub eta: Option<DateTime<Utc>>,
    /// Expected departure instant, when known.
    pub etd: Option<DateTime<Utc>>,
    /// Assigned room, if any.
    pub room_number: Option<RoomNumber>,
    /// Booked room type (the vendor's code or category name).
    pub room_type: Option<String>,
    /// Number of adults.
    pub adults: u16,
    /// Number of children.
    pub children: u16,
    /// The booker / main guest.
    pub primary_guest: Option<GuestRef>,
    /// Other guests sharing the stay.
    pub companions: Vec<GuestRef>,
    /// Rate plan code.
    pub rate_plan_code: Option<String>,
    /// Total price of the stay, when the vendor reports it on this read.
    pub total: Option<Money>,
    /// Outstanding balance, when the vendor reports it on this read.
    pub balance: Option<Money>,
    /// Creation instant in the PMS.
    pub created_at: Option<DateTime<Utc>>,
    /// Last modification instant in the PMS.
    pub updated_at: Option<DateTime<Utc>>,
    /// Where the booking came from (direct, OTA name, ...).
    pub source: Option<String>,
    /// Distribution channel code.
    pub channel: Option<String>,
    /// The vendor's payload this record was mapped from, for consumers that
    /// need a field the model does not carry.
    pub raw: Option<RawPayload>,
}

/// Reservation lifecycle states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// An enquiry, not yet a booking.
    Inquiry,
    /// Held but not guaranteed (Mews `Optional`).
    Tentative,
    /// Confirmed, not yet arrived.
    Confirmed,
    /// In house.
    CheckedIn,
    /// Departed.
    CheckedOut,
    /// Cancelled.
    Cancelled,
    /// Did not arrive.
    NoShow,
    /// On the wait list.
    Waitlisted,
    /// A vendor state with no equivalent here, verbatim.
    Other(String),
}

impl ReservationStatus {
    /// True for states a guest can still arrive from.
    pub fn is_arriving(&self) -> bool {
        matches!(self, ReservationStatus::Confirmed | ReservationStatus::Tentative)
    }
}

/// A vendor payload kept beside the record mapped from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "format", content = "body")]
pub enum RawPayload {
    /// A JSON vendor (Mews, Cloudbeds).
    Json(RawJson),
    /// An XML vendor (OPERA): the element's outer XML.
    Xml(String),
}

/// One JSON value as text, as the vendor sent it.
///
/// Kept as text, not as a [`serde_json::Value`] tree: building the tree for
/// every record of a page costs as much as decoding the page itself, and
/// most raw payloads are only stored, never read. Two `RawJson` are equal
/// when they hold the same JSON value, whatever the whitespace or key order.
#[derive(Clone)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    /// The JSON text of a value.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(RawJson)
    }

    /// The text, exactly as received.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// Parses the text into a tree.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl From<Box<serde_json::value::RawValue>> for RawJson {
    fn from(raw: Box<serde_json::value::RawValue>) -> Self {
        RawJson(raw)
    }
}

impl From<&serde_json::value::RawValue> for RawJson {
    fn from(raw: &serde_json::value::RawValue) -> Self {
        RawJson(raw.to_owned())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() || matches!((self.to_value(), other.to_value()), (Ok(a), Ok(b)) if a == b)
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RawJson").field(&self.text()).finish()
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    // Through a tree, not `Box<RawValue>` directly: a tagged enum buffers its
    // content, and `RawValue` cannot be read back from a buffer.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        RawJson::from_value(&value).map_err(serde::de::Error::custom)
    }
}
