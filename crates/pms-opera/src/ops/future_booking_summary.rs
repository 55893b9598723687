//! `Reservation.FutureBookingSummary`: lists by date window.
//!
//! Request, per the XSD in JAXB classes generated from the OWS WSDL
//! (`com.ccm.reservation.FutureBookingSummaryRequest`, find_string id
//! 47938625886; `FetchBookingFilters`, id 47293595865):
//!
//! ```xml
//! <FutureBookingSummaryRequest xmlns="http://webservices.micros.com/ows/5.1/Reservation.wsdl">
//!   <QueryDateRange dateType="ARRIVAL_DATE">          <!-- hc:TimeSpan + dateType BOOKED_DATE|ARRIVAL_DATE -->
//!     <hc:StartDate>…</hc:StartDate><hc:EndDate>…</hc:EndDate>
//!   </QueryDateRange>
//!   <AdditionalFilters GetList="true">                 <!-- type r:FetchBookingFilters -->
//!     <r:HotelReference hotelCode="…"/>
//!   </AdditionalFilters>
//! </FutureBookingSummaryRequest>
//! ```
//!
//! `dateType` has exactly two values, `BOOKED_DATE` and `ARRIVAL_DATE`: there
//! is **no departure filter** (the notes' and the issue's "arrivals / in-house
//! / departures by window" is therefore done by widening an arrival window,
//! see `OperaClient::departures`). `GetList="true"` follows a Korean OWS client
//! (id 1460322129), which also sends `QueryDateRange` (with a `dataType` typo).
//! The request's `summaryOnly` attribute in the notes (§1.4) is not in this
//! XSD and is not sent. The XSD also lists a required `EncryptedCreditCardSwipe`
//! that no client sends; we do not either.
//!
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

/// Which date a window filters on (the XSD's `dateType` enumeration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// `ARRIVAL_DATE`: arrival date in the window.
    Arrival,
    /// `BOOKED_DATE`: booking (creation) date in the window.
    Booked,
}

impl DateKind {
    /// The `dateType` value sent.
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Arrival => "ARRIVAL_DATE",
            DateKind::Booked => "BOOKED_DATE",
        }
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, kind: DateKind, range: DateRange) -> io::Result<()> {
    w.start("FutureBookingSummaryRequest", &[("xmlns", OP.request_ns)])?;
    w.start("QueryDateRange", &[("dateType", kind.as_str())])?;
    w.text_element("hc:StartDate", &[], &date(range.first))?;
    w.text_element("hc:EndDate", &[], &date(range.last))?;
    w.end("QueryDateRange")?;
    w.start(
        "AdditionalFilters",
        &[("xmlns:r", ns::RESERVATION), ("GetList", "true")],
    )?;
    w.empty("r:HotelReference", &[("hotelCode", hotel_code)])?;
    w.end("AdditionalFilters")?;
    w.end("FutureBookingSummaryRequest")
}

/// Reads the response. A FAIL whose codes say "not found" (no bookings in the
/// window) surfaces as `NotFound`; callers listing a window treat it as empty.
pub fn parse(
    doc: &Document<'_>,
    ctx: &MapContext,
    transaction_id: &str,
) -> Result<Vec<Reservation>, OperaError> {
    let mut out = Vec::new();
    each(doc, ctx, transaction_id, |r| {
        out.push(r);
        Ok::<(), OperaError>(())
    })?;
    Ok(out)
}

/// [`parse`], handing each reservation to `sink` as soon as it is mapped
/// (`OperaDecoder` streams a large answer this way).
pub fn each<E: From<OperaError>>(
    doc: &Document<'_>,
    ctx: &MapContext,
    transaction_id: &str,
    mut sink: impl FnMut(Reservation) -> Result<(), E>,
) -> Result<(), E> {
    let response = open(doc, &OP, transaction_id)?;
    let nss = &[ns::RESERVATION_WSDL, ns::RESERVATION];
    let Some(list) = response.child_any(nss, "HotelReservations") else {
        return Ok(());
    };
    for reservation in list.children_any(nss, "HotelReservation") {
        sink(map::hotel_reservation(doc, reservation, ctx)?)?;
    }
    Ok(())
}
