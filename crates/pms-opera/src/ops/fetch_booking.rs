//! `Reservation.FetchBooking`.
//!
//! Request: `FetchBookingRequest` in `ows/5.1/Reservation.wsdl`. Its XSD
//! sequence (JAXB classes generated from the OWS WSDL, find_string id
//! 47326622606) is `HotelReference, ConfirmationNumber, GDSID, LegNumber,
//! CustomReference, ExternalSystemNumber, ResvNameId, KeyTrack`. We send
//! `HotelReference@hotelCode` plus either `ResvNameId` (as keypr
//! `OWSReservationProcessor.fetchBooking` does, id 14139201417) or
//! `ConfirmationNumber type="INTERNAL"` (an npm client's template with
//! SOAPAction `…/Reservation.wsdl#FetchBooking`, id 606714699).
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
pub fn write(w: &mut XmlWriter, hotel_code: &str, key: BookingKey<'_>) -> io::Result<()> {
    w.start("FetchBookingRequest", &[("xmlns", OP.request_ns)])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
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
