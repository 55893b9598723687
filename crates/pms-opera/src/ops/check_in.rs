//! `ResvAdvanced.CheckIn`.
//!
//! Request: `CheckInRequest/ReservationRequest/{HotelReference@hotelCode,
//! ReservationID/c:UniqueID}` in `og/4.3/ResvAdvanced/` (keypr
//! `OWSResvAdvancedProcessor`, oracle_ows `resv_advanced.rb`, opera.md §1.4).
//! Response: `CheckInResponse/{Result, CheckInComplete}`; only `Result` is read.

use std::io;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service, open, reservation_request};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::ResvAdvanced,
    name: "CheckIn",
    request_ns: ns::RESV_ADVANCED,
    response_ns: &[ns::RESV_ADVANCED, ns::RESV_ADVANCED_WSDL],
    write: true,
};

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, resv_name_id: &str) -> io::Result<()> {
    w.start("CheckInRequest", &[("xmlns", OP.request_ns)])?;
    reservation_request(w, "ReservationRequest", hotel_code, resv_name_id)?;
    w.end("CheckInRequest")
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<(), OperaError> {
    open(doc, &OP, transaction_id).map(|_| ())
}
