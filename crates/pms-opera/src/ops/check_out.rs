//! `ResvAdvanced.CheckOut`.
//!
//! Request: `CheckOutRequest/ReservationRequest/{HotelReference@hotelCode,
//! ReservationID/c:UniqueID type="EXTERNAL" source="RESV_NAME_ID"}` (keypr
//! `getCheckOutRequestObject`). Response: `CheckOutResponse/Result` (keypr tests
//! `getResultStatusFlag() != SUCCESS`). OWS has no documented "leave an open
//! balance" flag: OPERA applies its own rule and answers FAIL (→ Conflict).

use std::io;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service, open, reservation_request};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::ResvAdvanced,
    name: "CheckOut",
    request_ns: ns::RESV_ADVANCED,
    response_ns: &[ns::RESV_ADVANCED, ns::RESV_ADVANCED_WSDL],
    write: true,
};

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, resv_name_id: &str) -> io::Result<()> {
    w.start("CheckOutRequest", &[("xmlns", OP.request_ns)])?;
    reservation_request(w, "ReservationRequest", hotel_code, resv_name_id)?;
    w.end("CheckOutRequest")
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<(), OperaError> {
    open(doc, &OP, transaction_id).map(|_| ())
}
