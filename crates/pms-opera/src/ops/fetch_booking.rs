//! `Reservation.FetchBooking`.
//!
//! Request: `FetchBookingRequest` in `ows/5.1/Reservation.wsdl` with
//! `ConfirmationNumber type="INTERNAL"` (keypr `OWSReservationProcessor.fetchBooking`;
//! an npm client's `FetchBookingRequest` template with SOAPAction
//! `…/Reservation.wsdl#FetchBooking`, find_string id 606714699) or, for the
//! resv_name_id, `ResvNameId type="INTERNAL" source="RESVID"` (the element
//! `FutureBookingSummary` filters take, opera.md §1.4; \[unverified\] on
//! FetchBooking).
//! Response: `FetchBookingResponse/{Result, HotelReservation}` (the captured
//! OPERA Cloud response, opera.md §1.6, find_string id 53891648614).

use std::io;

use pms_core::Reservation;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::Reservation,
    name: "FetchBooking",
    request_ns: ns::RESERVATION_WSDL,
    response_ns: &[ns::RESERVATION_WSDL, ns::RESERVATION],
    write: false,
};

/// How a booking is looked up.
#[derive(Debug, Clone, Copy)]
pub enum BookingKey<'a> {
    /// The internal reservation id (resv_name_id, `RESVID`).
    ResvNameId(&'a str),
    /// The confirmation number.
    ConfirmationNumber(&'a str),
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, key: BookingKey<'_>) -> io::Result<()> {
    w.start("FetchBookingRequest", &[("xmlns", OP.request_ns)])?;
    match key {
        BookingKey::ConfirmationNumber(number) => {
            w.text_element("ConfirmationNumber", &[("type", "INTERNAL")], number)?;
        }
        BookingKey::ResvNameId(id) => {
            w.text_element("ResvNameId", &[("type", "INTERNAL"), ("source", "RESVID")], id)?;
        }
    }
    w.end("FetchBookingRequest")
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, ctx: &MapContext, transaction_id: &str) -> Result<Reservation, OperaError> {
    let response = open(doc, &OP, transaction_id)?;
    let reservation = response
        .child_any(&[ns::RESERVATION_WSDL, ns::RESERVATION], "HotelReservation")
        .ok_or_else(|| OperaError::decode("FetchBookingResponse/HotelReservation", "missing"))?;
    map::hotel_reservation(doc, reservation, ctx)
}
