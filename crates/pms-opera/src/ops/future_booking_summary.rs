//! `Reservation.FutureBookingSummary`: lists by date window.
//!
//! Request (opera.md §1.4, keypr stub names): `FutureBookingSummaryRequest
//! summaryOnly="false"` with `AdditionalFilters` (type `FetchBookingFilters`,
//! here carrying `HotelReference@hotelCode`) and a date range. The date range
//! element is written as `QueryDateRange dateType="ARRIVAL|DEPARTURE"` with
//! `hc:StartDate`/`hc:EndDate`: the type name
//! `FutureBookingSummaryRequestQueryDateRange` (a `TimeSpan` extension with a
//! `dateType` attribute) appears as an `xsi:type` in the captured FetchBooking
//! response; element placement and the `dateType` values are \[unverified\].
//! Response: `FutureBookingSummaryResponse/{Result, HotelReservations/HotelReservation*}`
//! (simulators in the notes; the `HotelReservation` type is FetchBooking's).

use std::io;

use chrono::NaiveDate;
use pms_core::{DateRange, Reservation};

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ops::{Operation, Service, open};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::Reservation,
    name: "FutureBookingSummary",
    request_ns: ns::RESERVATION_WSDL,
    response_ns: &[ns::RESERVATION_WSDL, ns::RESERVATION],
    write: false,
};

/// Which date a window filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// Arrival date in the window.
    Arrival,
    /// Departure date in the window.
    Departure,
}

impl DateKind {
    /// The `dateType` value sent (\[unverified\]).
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Arrival => "ARRIVAL",
            DateKind::Departure => "DEPARTURE",
        }
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, kind: DateKind, range: DateRange) -> io::Result<()> {
    w.start(
        "FutureBookingSummaryRequest",
        &[("xmlns", OP.request_ns), ("summaryOnly", "false")],
    )?;
    w.start("AdditionalFilters", &[])?;
    w.empty("HotelReference", &[("hotelCode", hotel_code)])?;
    w.end("AdditionalFilters")?;
    w.start("QueryDateRange", &[("dateType", kind.as_str())])?;
    w.text_element("hc:StartDate", &[], &date(range.first))?;
    w.text_element("hc:EndDate", &[], &date(range.last))?;
    w.end("QueryDateRange")?;
    w.end("FutureBookingSummaryRequest")
}

/// Reads the response. A FAIL whose codes say "not found" (no bookings in the
/// window) surfaces as `NotFound`; callers listing a window treat it as empty.
pub fn parse(
    doc: &Document<'_>,
    ctx: &MapContext,
    transaction_id: &str,
) -> Result<Vec<Reservation>, OperaError> {
    let response = open(doc, &OP, transaction_id)?;
    let nss = &[ns::RESERVATION_WSDL, ns::RESERVATION];
    let Some(list) = response.child_any(nss, "HotelReservations") else {
        return Ok(Vec::new());
    };
    list.children_any(nss, "HotelReservation")
        .map(|r| map::hotel_reservation(doc, r, ctx))
        .collect()
}
