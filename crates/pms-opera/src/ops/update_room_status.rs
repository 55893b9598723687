//! `GuestServices.UpdateRoomStatus`.
//!
//! Request (oracle_ows `guest_services.rb`; namespace `og/4.3/GuestServices/`
//! per opera.md §1.2): `UpdateRoomStatusRequest/{HotelReference@hotelCode,
//! RoomNumber, RoomStatus}` with `RoomStatus` in mixed case (`Clean`, `Dirty`,
//! `Inspected`, `Pickup`). Out of order / out of service cannot be set here.
//! Response: `UpdateRoomStatusResponse/Result`.

use std::io;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::GuestServices,
    name: "UpdateRoomStatus",
    request_ns: ns::GUEST_SERVICES,
    response_ns: &[ns::GUEST_SERVICES, ns::GUEST_SERVICES_WSDL],
    write: true,
};

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, room: &str, status: &str) -> io::Result<()> {
    w.start("UpdateRoomStatusRequest", &[("xmlns", OP.request_ns)])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
    w.text_element("RoomNumber", &[], room)?;
    w.text_element("RoomStatus", &[], status)?;
    w.end("UpdateRoomStatusRequest")
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<(), OperaError> {
    open(doc, &OP, transaction_id).map(|_| ())
}
