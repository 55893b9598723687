//! One file per OWS operation: the request body it writes and how its
//! response is read. Services, namespaces and SOAPActions follow opera.md
//! §1.1–§1.4; each file cites its sources.

use std::io;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::result;
use crate::xml::{Document, Element};

pub mod assign_room;
pub mod check_in;
pub mod check_out;
pub mod fetch_booking;
pub mod fetch_housekeeping_room_status;
pub mod fetch_profile;
pub mod future_booking_summary;
pub mod invoice;
pub mod post_charge;
pub mod query_hotel_information;
pub mod update_room_status;

/// An OWS service: one endpoint each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// `Reservation` (FetchBooking, FutureBookingSummary, AssignRoom).
    Reservation,
    /// `ResvAdvanced` (CheckIn, CheckOut, PostCharge, Invoice).
    ResvAdvanced,
    /// `Name` (FetchProfile).
    Name,
    /// `HouseKeeping` (FetchHouseKeepingRoomStatus).
    HouseKeeping,
    /// `GuestServices` (UpdateRoomStatus).
    GuestServices,
    /// `Information` (QueryHotelInformation).
    Information,
}

impl Service {
    /// The service's name in endpoint paths and SOAPActions.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Reservation => "Reservation",
            Service::ResvAdvanced => "ResvAdvanced",
            Service::Name => "Name",
            Service::HouseKeeping => "HouseKeeping",
            Service::GuestServices => "GuestServices",
            Service::Information => "Information",
        }
    }
}

/// One OWS operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// Its service.
    pub service: Service,
    /// Its name (`FetchBooking`), used in the SOAPAction and `{name}Request/Response`.
    pub name: &'static str,
    /// Namespace of the request element.
    pub request_ns: &'static str,
    /// Namespaces the response element and its `Result` are accepted in.
    pub response_ns: &'static [&'static str],
    /// Whether it changes PMS state (never retried here; a timeout is `OutcomeUnknown`).
    pub write: bool,
}

impl Operation {
    /// `http://webservices.micros.com/ows/5.1/{Service}.wsdl#{Operation}`: seen
    /// verbatim for PostCharge (two codebases) and FetchBooking; the pattern is
    /// \[unverified\] for the others (opera.md §1.1, §8).
    pub fn soap_action(&self) -> String {
        format!(
            "http://webservices.micros.com/ows/5.1/{}.wsdl#{}",
            self.service.as_str(),
            self.name
        )
    }

    /// `{name}Request`.
    pub fn request_element(&self) -> String {
        format!("{}Request", self.name)
    }

    /// `{name}Response`.
    pub fn response_element(&self) -> String {
        format!("{}Response", self.name)
    }
}

/// Finds `{name}Response` and checks its `Result` (SUCCESS or a typed FAIL).
pub(crate) fn open<'d>(
    doc: &'d Document<'_>,
    op: &Operation,
    transaction_id: &str,
) -> Result<Element<'d>, OperaError> {
    let response = result::response_element(doc, op.response_ns, &op.response_element())?;
    result::check_result(op.name, transaction_id, response, op.response_ns)?;
    Ok(response)
}

/// `ReservationRequest`/`ReservationRequestBase` as the ResvAdvanced calls
/// take it: `HotelReference@hotelCode` and
/// `ReservationID/c:UniqueID type="EXTERNAL" source="RESV_NAME_ID"` (the
/// Python and Node PostCharge templates, keypr `getCheckOutRequestObject`).
pub(crate) fn reservation_request(
    w: &mut XmlWriter,
    element: &str,
    hotel_code: &str,
    resv_name_id: &str,
) -> io::Result<()> {
    w.start(element, &[])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
    w.start("ReservationID", &[])?;
    w.text_element(
        "c:UniqueID",
        &[("type", "EXTERNAL"), ("source", "RESV_NAME_ID")],
        resv_name_id,
    )?;
    w.end("ReservationID")?;
    w.end(element)
}
