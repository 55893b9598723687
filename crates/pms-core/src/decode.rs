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

/// One normalized record, as [`PayloadDecoder::decode_each`] hands them out.
/// It serializes as the record itself.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Record<'a> {
    /// A reservation.
    Reservation(&'a Reservation),
    /// A guest.
    Guest(&'a Guest),
    /// A room.
    Room(&'a Room),
    /// A room state.
    RoomStatus(&'a RoomStatusReport),
    /// A folio.
    Folio(&'a Folio),
    /// A change event.
    Event(&'a PmsEvent),
}

/// Where [`PayloadDecoder::decode_each`] hands records. Returning an error
/// stops decoding and is passed back to the caller.
pub type RecordSink<'s> = dyn FnMut(Record<'_>) -> Result<(), Error> + 's;

impl Decoded {
    /// Hands every record to `sink`, in order.
    pub fn for_each_record(&self, sink: &mut RecordSink<'_>) -> Result<(), Error> {
        fn each<'a, T>(
            items: &'a [T],
            sink: &mut RecordSink<'_>,
            wrap: impl Fn(&'a T) -> Record<'a>,
        ) -> Result<(), Error> {
            items.iter().try_for_each(|item| sink(wrap(item)))
        }
        match self {
            Decoded::Reservations(r) => each(r, sink, Record::Reservation),
            Decoded::Guests(r) => each(r, sink, Record::Guest),
            Decoded::Rooms(r) => each(r, sink, Record::Room),
            Decoded::RoomStatuses(r) => each(r, sink, Record::RoomStatus),
            Decoded::Folio(r) => each(r, sink, Record::Folio),
            Decoded::Events(r) => each(r, sink, Record::Event),
        }
    }

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

    /// Decodes `body` like [`decode`](PayloadDecoder::decode) but hands each
    /// record to `sink` as soon as it is mapped instead of collecting them,
    /// so a caller that writes records out holds one at a time (`pms decode`
    /// of a 50 MB page). On success the records and their order are those
    /// of `decode`; on an error, the records before the failing one have
    /// been handed over already.
    ///
    /// The default decodes the whole payload first; connectors override it
    /// for the kinds they stream (their crate docs say which).
    fn decode_each(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
        sink: &mut RecordSink<'_>,
    ) -> Result<(), Error> {
        self.decode(kind, body, context)?.for_each_record(sink)
    }
}
