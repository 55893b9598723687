//! `ResvAdvanced.PostCharge`.
//!
//! Request (the Python requests template, find_string id 37760014656, and the
//! Node xml2js template, id 20442857062, both with SOAPAction
//! `http://webservices.micros.com/ows/5.1/ResvAdvanced.wsdl#PostCharge`):
//!
//! ```xml
//! <PostChargeRequest xmlns="http://webservices.micros.com/og/4.3/ResvAdvanced/" Account="1000">
//!   <Posting ShortInfo="…" LongInfo="…" Charge="12.50" PostDate="2026-03-01" PostTime="19:30:00"
//!            UserID="…" StationID="…" FolioViewNo="1">
//!     <ReservationRequestBase>
//!       <HotelReference hotelCode="…"/>
//!       <ReservationID><c:UniqueID type="EXTERNAL" source="RESV_NAME_ID">…</c:UniqueID></ReservationID>
//!     </ReservationRequestBase>
//!   </Posting>
//! </PostChargeRequest>
//! ```
//!
//! - `Account` carries the transaction code (both templates send an OPERA
//!   transaction-code-like number there, the Node one defaults to `1000`;
//!   \[unverified\] beyond that).
//! - `Charge` is the line total (unit × quantity) in the **hotel currency**:
//!   OWS PostCharge has no currency attribute, so a request in another currency
//!   is refused, and an amount with more decimals than the currency allows is
//!   refused rather than rounded.
//! - `ShortInfo` carries the description; `LongInfo` carries our reference
//!   `PMSREQ:{request id, 32 hex}`, which `find_charge` looks for in the
//!   Invoice (see [`crate::ops::invoice`]).
//! - `PostDate`/`PostTime` are the consumption instant in the property's time zone.
//!
//! Response: `PostChargeResponse/{Result, ReservationID/c:UniqueID}` (a Java
//! client reads both, id 1225365382); on FAIL `c:Text/c:TextElement`.

use std::io;

use chrono::{NaiveDate, NaiveTime};
use pms_core::RequestId;
use rust_decimal::Decimal;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::ops::{Operation, Service, open, reservation_request};
use crate::xml::{Document, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::ResvAdvanced,
    name: "PostCharge",
    request_ns: ns::RESV_ADVANCED,
    response_ns: &[ns::RESV_ADVANCED, ns::RESV_ADVANCED_WSDL],
    write: true,
};

/// Prefix of the reference we store in `LongInfo`.
pub const REFERENCE_PREFIX: &str = "PMSREQ:";

/// The reference written to `LongInfo` for a request id.
pub fn reference(request_id: RequestId) -> String {
    format!("{REFERENCE_PREFIX}{}", request_id.simple())
}

/// Finds a reference written by [`reference()`] in any of `strings`.
pub fn find_reference<'a>(strings: impl IntoIterator<Item = &'a str>) -> Option<RequestId> {
    strings.into_iter().find_map(|s| {
        let upper = s.to_ascii_uppercase();
        let at = upper.find(REFERENCE_PREFIX)?;
        let start = at.checked_add(REFERENCE_PREFIX.len())?;
        let hex = s.get(start..start.checked_add(32)?)?;
        hex.parse().ok()
    })
}

/// One posting.
#[derive(Debug, Clone)]
pub struct Posting<'a> {
    /// Hotel code.
    pub hotel_code: &'a str,
    /// The reservation's resv_name_id.
    pub resv_name_id: &'a str,
    /// `Account`: the OPERA transaction code.
    pub transaction_code: &'a str,
    /// `ShortInfo`: the description.
    pub short_info: &'a str,
    /// `LongInfo`: our reference.
    pub long_info: &'a str,
    /// `Charge`: the total, in the hotel currency.
    pub charge: Decimal,
    /// `PostDate`.
    pub post_date: NaiveDate,
    /// `PostTime`.
    pub post_time: NaiveTime,
    /// `UserID`, when configured.
    pub user_id: Option<&'a str>,
    /// `StationID`, when configured.
    pub station_id: Option<&'a str>,
    /// `FolioViewNo`, when configured.
    pub folio_view: Option<u8>,
}

/// Writes the request body.
pub fn write(w: &mut XmlWriter, posting: &Posting<'_>) -> io::Result<()> {
    w.start(
        "PostChargeRequest",
        &[("xmlns", OP.request_ns), ("Account", posting.transaction_code)],
    )?;
    let charge = posting.charge.to_string();
    let date = posting.post_date.format("%Y-%m-%d").to_string();
    let time = posting.post_time.format("%H:%M:%S").to_string();
    let folio = posting.folio_view.map(|f| f.to_string());
    let mut attrs: Vec<(&str, &str)> = vec![
        ("ShortInfo", posting.short_info),
        ("LongInfo", posting.long_info),
        ("Charge", &charge),
        ("PostDate", &date),
        ("PostTime", &time),
    ];
    if let Some(user) = posting.user_id {
        attrs.push(("UserID", user));
    }
    if let Some(station) = posting.station_id {
        attrs.push(("StationID", station));
    }
    if let Some(folio) = &folio {
        attrs.push(("FolioViewNo", folio));
    }
    w.start("Posting", &attrs)?;
    reservation_request(
        w,
        "ReservationRequestBase",
        posting.hotel_code,
        posting.resv_name_id,
    )?;
    w.end("Posting")?;
    w.end("PostChargeRequest")
}

/// Reads the response.
pub fn parse(doc: &Document<'_>, transaction_id: &str) -> Result<(), OperaError> {
    open(doc, &OP, transaction_id).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        let id = RequestId::new_random();
        let stored = format!("Spa visit {}", reference(id));
        assert_eq!(find_reference([stored.as_str()]), Some(id));
        assert_eq!(find_reference(["PMSREQ:nothex"]), None);
    }
}
