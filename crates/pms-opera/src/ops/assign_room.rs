//! `Reservation.AssignRoom` ("Assign Room Number To a Booking").
//!
//! Request: `AssignRoomRequest` in `ows/5.1/Reservation.wsdl`, children in the
//! same namespace, XSD sequence `HotelReference` (type `hc:HotelReference`),
//! `ResvNameId` (type `c:UniqueID`), `RoomNoRequested` (xs:string, optional),
//! `StationID` (xs:string, optional). Response: `AssignRoomResponse` in the
//! same namespace, sequence `Result` (type `hc:GDSResultStatus`) and
//! `RoomNoAssigned` (xs:string, optional). Source: the JAXB classes generated
//! from the OWS Reservation WSDL in zengkongfei/ccm
//! `ccm-wsvo/src/main/java/com/ccm/reservation/AssignRoom{Request,Response}.java`
//! (`find_string` ids 47482940189, 47936589909).
//!
//! SOAPAction `http://webservices.micros.com/ows/5.1/Reservation.wsdl#AssignRoom`,
//! verbatim in the Axis2 stub generated from the same WSDL (rizanc/keypr_bridge
//! `MicrosOWSServices/.../services/ReservationServiceStub.java`, operation
//! `assignRoom`). keypr's `AssignRoomProcessor` (`find_string` id 14327783604)
//! sends `HotelReference` plus `ResvNameId` as an internal id
//! (`type="INTERNAL" source="RESVID"`, its `IdUtils.internalReservationId` and
//! `MicrosIds.OWS.RESERVATION_ID_SOURCE`) and `RoomNoRequested` for a specific
//! room, reads `RoomNoAssigned` back, and maps a FAIL with `GDSError
//! errorCode="-220"` to "no room available". We never send `StationID`.
//!
//! OWS also has `ResvAdvanced.AssignRoom` (`AssignRoomAdvRequest` in
//! `og/4.3/ResvAdvanced/`, SOAPAction `…/ResvAdvanced.wsdl#AssignRoom`, seen in
//! a Node and a Java client, `find_string` ids 20943733140, 1952753414); it is
//! not used here.

use std::io;

use pms_core::ErrorKind;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::Reservation,
    name: "AssignRoom",
    request_ns: ns::RESERVATION_WSDL,
    response_ns: &[ns::RESERVATION_WSDL, ns::RESERVATION],
    write: true,
};

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, resv_name_id: &str, room: &str) -> io::Result<()> {
    w.start("AssignRoomRequest", &[("xmlns", OP.request_ns)])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
    w.text_element(
        "ResvNameId",
        &[("type", "INTERNAL"), ("source", "RESVID")],
        resv_name_id,
    )?;
    w.text_element("RoomNoRequested", &[], room)?;
    w.end("AssignRoomRequest")
}

/// `GDSError@errorCode` keypr's `AssignRoomProcessor.handleError` reads as
/// "no room available" (`BridgeIds.PMSErrorMessage.NO_ROOM_AVAILABLE`).
pub const NO_ROOM_AVAILABLE: &str = "-220";

/// Reads the response: `Ok(RoomNoAssigned)` (trimmed; `None` when absent or
/// empty). A FAIL is classified as every FAIL is; one that keyword
/// classification leaves [`ErrorKind::Vendor`] but that carries
/// [`NO_ROOM_AVAILABLE`] is a [`ErrorKind::Conflict`] (the room is taken).
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<Option<String>, OperaError> {
    let response = open(doc, &OP, transaction_id).map_err(|mut err| {
        if let OperaError::Fail { failure, .. } = &mut err {
            let no_room = failure
                .gds_error
                .as_ref()
                .is_some_and(|g| g.code.as_deref().map(str::trim) == Some(NO_ROOM_AVAILABLE));
            if no_room && failure.kind == ErrorKind::Vendor {
                failure.kind = ErrorKind::Conflict;
            }
        }
        err
    })?;
    Ok(response
        .child_any(OP.response_ns, "RoomNoAssigned")
        .and_then(|e| e.text_value())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}
