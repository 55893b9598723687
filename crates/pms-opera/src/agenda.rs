//! Agenda from OWS reservation packages.
//!
//! OWS has no appointment service in the operations this crate uses; what a
//! reservation carries beside the room are its packages:
//! `HotelReservation/RoomStays/RoomStay/Packages/Package` (`PackageElement` of
//! the HotelCommon XSD, `http://webservices.micros.com/og/4.3/HotelCommon/`; its
//! fields per the Axis2 classes generated from the OWS WSDL in
//! rizanc/keypr_bridge, `og/hotelcommon/PackageElement.java`): elements
//! `Amount`, ..., `Description*`, `ShortDescription*`, ..., `StartDate`,
//! `EndDate` (xs:date) and attributes `packageCode`, `calculationRule`,
//! `postingRhythm`, `quantity`, ..., `startTime`, `endTime` (xs:time), `source`,
//! `packageType`, ... A package with a `StartDate` **and** `startTime` /
//! `endTime` is a timed booking (a treatment, a table, an activity): it becomes
//! an agenda item. Packages without times are rate add-ons (breakfast,
//! parking) and are not mirrored.
//!
//! Mapping:
//! - the package has no id of its own: the item's vendor id is
//!   `{resv_name_id}:{packageCode}:{StartDate}:{n}` (`n` counts packages of one
//!   code and date in document order), so moving a booking within its day is
//!   an update and moving it to another day a removal plus an addition;
//! - times: `StartDate` + `startTime`, `EndDate` (else `StartDate`) +
//!   `endTime`, property-local unless they carry an offset;
//! - kind from `packageCode` / description (spa, dining, activity by keyword,
//!   otherwise `Other(code)`); title: the first `Description` (or
//!   `ShortDescription`) text, else the code;
//! - guest and stay: the reservation's primary profile and the reservation;
//! - status: the reservation's (cancelled and no-show carry over, otherwise confirmed).

use std::collections::BTreeMap;

use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, ExternalRef, PmsKind,
    ReservationStatus, VendorId,
};

use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ops::{self, future_booking_summary};
use crate::result;
use crate::xml::{Document, Element, Limits, ns};

const HC: &[&str] = &[ns::HOTEL_COMMON, ns::RESERVATION, ns::RESERVATION_WSDL];

/// The kind of booking a package is, from its code and description.
fn kind_of(code: &str, title: &str) -> AgendaKind {
    let text = format!("{code} {title}").to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["spa", "wellness", "massage", "sauna", "treatment", "beauty"]) {
        AgendaKind::Spa
    } else if has(&["dine", "dinner", "lunch", "restaurant", "table", "brunch"]) {
        AgendaKind::Dining
    } else if has(&["actv", "activit", "tour", "excursion", "golf", "tennis", "walk"]) {
        AgendaKind::Activity
    } else {
        AgendaKind::Other(code.to_owned())
    }
}

fn first_text(package: Element<'_>, name: &str) -> Option<String> {
    package
        .children_any(HC, name)
        .map(|d| d.all_strings().join(" ").trim().to_owned())
        .find(|t| !t.is_empty())
}

/// The timed packages of one `HotelReservation` as agenda items.
pub fn reservation_packages(
    doc: &Document<'_>,
    element: Element<'_>,
    ctx: &MapContext,
) -> Result<Vec<AgendaItem>, OperaError> {
    let reservation = map::hotel_reservation(doc, element, ctx)?;
    let Some(packages) = element
        .path_any(HC, &["RoomStays", "RoomStay"])
        .and_then(|stay| stay.child_any(HC, "Packages"))
    else {
        return Ok(Vec::new());
    };
    let status = match reservation.status {
        ReservationStatus::Cancelled => AgendaStatus::Cancelled,
        ReservationStatus::NoShow => AgendaStatus::NoShow,
        _ => AgendaStatus::Confirmed,
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for package in packages.children_any(HC, "Package") {
        let path = "RoomStay/Packages/Package";
        let (Some(code), Some(start_date), Some(start_time), Some(end_time)) = (
            package.attr_value("packageCode"),
            package.child_any(HC, "StartDate").and_then(Element::text_value),
            package.attr_value("startTime"),
            package.attr_value("endTime"),
        ) else {
            continue;
        };
        let start_day = map::civil_date(start_date, &format!("{path}/StartDate"))?;
        let end_day = package
            .child_any(HC, "EndDate")
            .and_then(Element::text_value)
            .map(|d| map::civil_date(d, &format!("{path}/EndDate")))
            .transpose()?
            .unwrap_or(start_day);
        let starts_at = map::time_on(
            start_day,
            start_time,
            ctx.time_zone,
            &format!("{path}/@startTime"),
        )?;
        let ends_at = map::time_on(end_day, end_time, ctx.time_zone, &format!("{path}/@endTime"))?;
        if ends_at <= starts_at {
            return Err(OperaError::decode(
                format!("{path}/@endTime"),
                "not after the start",
            ));
        }
        let n = seen
            .entry((code.to_owned(), start_date.to_owned()))
            .and_modify(|n| *n = n.saturating_add(1))
            .or_insert(0);
        let id = format!("{}:{code}:{start_date}:{n}", reservation.external.id);
        let external = VendorId::new(id)
            .map(|id| ExternalRef::new(PmsKind::Opera, id))
            .map_err(|_| OperaError::decode(path, "empty id"))?;
        let title = first_text(package, "Description")
            .or_else(|| first_text(package, "ShortDescription"))
            .unwrap_or_else(|| code.to_owned());
        out.push(AgendaItem {
            id: AgendaItemId::derive(&ctx.hotel, &external),
            external: Some(external),
            kind: kind_of(code, &title),
            title,
            starts_at,
            ends_at,
            location: None,
            guest: reservation.primary_guest.as_ref().map(|g| g.id),
            reservation: Some(reservation.id),
            status: status.clone(),
            source: AgendaSource::Pms(PmsKind::Opera),
        });
    }
    Ok(out)
}

/// The timed packages of every reservation in a `FutureBookingSummaryResponse`.
pub fn parse(
    doc: &Document<'_>,
    ctx: &MapContext,
    transaction_id: &str,
) -> Result<Vec<AgendaItem>, OperaError> {
    let response = ops::open(doc, &future_booking_summary::OP, transaction_id)?;
    let nss = &[ns::RESERVATION_WSDL, ns::RESERVATION];
    let Some(list) = response.child_any(nss, "HotelReservations") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for reservation in list.children_any(nss, "HotelReservation") {
        out.extend(reservation_packages(doc, reservation, ctx)?);
    }
    out.sort_by_key(|i| (i.starts_at, i.id));
    Ok(out)
}

/// Decodes a recorded `FutureBookingSummary` (or `FetchBooking`) answer into
/// the agenda items of its packages.
pub fn decode_agenda(body: &[u8], ctx: &MapContext) -> Result<Vec<AgendaItem>, OperaError> {
    let answer = result::RawAnswer {
        status: 200,
        retry_after: None,
        body,
    };
    let doc = result::check_answer("decode", "recorded", answer, Limits::default())?;
    if let Ok(items) = parse(&doc, ctx, "recorded") {
        return Ok(items);
    }
    let response = ops::open(&doc, &ops::fetch_booking::OP, "recorded")?;
    let reservation = response
        .descendants_any(&[ns::RESERVATION_WSDL, ns::RESERVATION], "HotelReservation")
        .next()
        .ok_or_else(|| OperaError::decode("FetchBookingResponse/HotelReservation", "missing"))?;
    reservation_packages(&doc, reservation, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_codes_and_descriptions_map_to_kinds() {
        assert_eq!(kind_of("SPA", "Massage"), AgendaKind::Spa);
        assert_eq!(kind_of("DINE", "Dinner table"), AgendaKind::Dining);
        assert_eq!(kind_of("GOLF18", "Tee time"), AgendaKind::Activity);
        assert_eq!(
            kind_of("BKF", "Breakfast buffet"),
            AgendaKind::Other("BKF".into())
        );
    }
}
