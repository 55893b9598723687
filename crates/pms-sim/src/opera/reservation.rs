//! `Reservation` service: `FetchBooking`, `FutureBookingSummary` and `AssignRoom`
//! (rules on `assign_room`).
//!
//! Requests (opera.md §1.4; the XSD sequences in JAXB classes generated from
//! the OWS WSDL, cited in `fixtures/opera/README.md`):
//! - `FetchBookingRequest/{HotelReference@hotelCode, ConfirmationNumber | ResvNameId}`;
//! - `FutureBookingSummaryRequest/{QueryDateRange@dateType (ARRIVAL_DATE |
//!   BOOKED_DATE)/{hc:StartDate, hc:EndDate}, AdditionalFilters/{HotelReference,
//!   ConfirmationNumber, ResvNameId}}`. Children are accepted in the
//!   Reservation WSDL namespace, the Reservation types namespace or HotelCommon.
//!
//! `HotelReservation` is written after the captured OPERA Cloud FetchBooking
//! response (opera.md §1.6): status attributes, `UniqueIDList` with the
//! confirmation number (empty `source`), `RESVID` and `LEGNUMBER`,
//! `RoomStays/RoomStay/{RatePlans, RoomTypes/RoomType/RoomNumber, GuestCounts,
//! TimeSpan, ExpectedArrivalTime, Total}`, `ResGuests/ResGuest/Profiles/Profile`,
//! `ReservationHistory@insertDate@updateDate`, `checkOutTime` as a .NET time
//! with offset. An empty window answers SUCCESS with no `HotelReservations`
//! children (\[unverified\]: no public empty answer exists).

use chrono::NaiveDate;

use super::soap::Fail;
use super::xml::{Element, Xml, ns};
use super::{
    OpResult, OperaState, check_hotel, date, local_date, local_stamp, name_id_of, reservation_at,
    resv_name_id, xml_fail,
};
use crate::model::{Reservation, ReservationState};
use crate::state::{self, Hotel};

const ANY: &[&str] = &[ns::RESERVATION_WSDL, ns::RESERVATION, ns::HOTEL_COMMON];

/// OWS `reservationStatus` (the XSD enumeration `ReservationStatusType`:
/// RESERVED, PROSPECT, NOSHOW, CANCELED, INHOUSE, CHECKEDOUT, ...).
fn status(r: &Reservation) -> &'static str {
    match r.state {
        ReservationState::Inquired | ReservationState::Optional => "PROSPECT",
        ReservationState::Confirmed => "RESERVED",
        ReservationState::Started => "INHOUSE",
        ReservationState::Processed => "CHECKEDOUT",
        ReservationState::Canceled => "CANCELED",
    }
}

/// `computedReservationStatus`: DUEIN / DUEOUT on the business date (the
/// C# library's BookingStatus, opera.md §3), else the status.
fn computed_status(hotel: &Hotel, r: &Reservation) -> &'static str {
    let today = local_date(hotel, state::now());
    match r.state {
        ReservationState::Confirmed if local_date(hotel, r.scheduled_start) == today => "DUEIN",
        ReservationState::Started if local_date(hotel, r.scheduled_end) == today => "DUEOUT",
        _ => status(r),
    }
}

/// Writes one `HotelReservation` (prefix `r` = Reservation types, `hc` =
/// HotelCommon, `c` = Common, `n` = Name; declared on each element that
/// needs them, as OPERA does).
pub(super) fn write_reservation(
    w: &mut Xml,
    hotel: &Hotel,
    element: &str,
    position: usize,
    r: &Reservation,
    profile: Option<String>,
    packages: &[&crate::model::AgendaItem],
) -> std::io::Result<()> {
    let tz = hotel.property.time_zone;
    let end_local = r.scheduled_end.with_timezone(&tz);
    // A .NET time with offset, as in the capture (`09:35:00.0000000+05:30`).
    let check_out_time = end_local.format("%H:%M:%S.0000000%:z").to_string();
    w.start(
        element,
        &[
            ("reservationStatus", status(r)),
            ("computedReservationStatus", computed_status(hotel, r)),
            ("checkOutTime", &check_out_time),
            ("checkInTime", ""),
            ("walkIn", ""),
            ("printRate", "true"),
            ("originCode", "WEB"),
            ("sourceCode", "WEB"),
            ("marketSegment", "RAC"),
            ("queueExists", "false"),
        ],
    )?;
    let common = [("xmlns:c", ns::COMMON)];
    w.start("r:UniqueIDList", &[("xmlns:r", ns::RESERVATION)])?;
    w.text(
        "c:UniqueID",
        &[common[0], ("source", ""), ("type", "INTERNAL")],
        &r.number,
    )?;
    w.text(
        "c:UniqueID",
        &[common[0], ("source", "RESVID"), ("type", "INTERNAL")],
        &resv_name_id(position),
    )?;
    w.text(
        "c:UniqueID",
        &[common[0], ("source", "LEGNUMBER"), ("type", "INTERNAL")],
        "1",
    )?;
    w.end("r:UniqueIDList")?;

    w.start("r:RoomStays", &[("xmlns:r", ns::RESERVATION)])?;
    w.start("hc:RoomStay", &[("xmlns:hc", ns::HOTEL_COMMON)])?;
    w.start("hc:RatePlans", &[])?;
    w.empty("hc:RatePlan", &[("ratePlanCode", "BAR")])?;
    w.end("hc:RatePlans")?;
    let category = hotel.categories.iter().find(|c| c.id == r.category_id);
    let type_code = category.map_or_else(|| "STD".to_owned(), |c| room_type_code(&c.name));
    let room = r.room_id.and_then(|id| hotel.room(id));
    w.start("hc:RoomTypes", &[])?;
    w.start(
        "hc:RoomType",
        &[("roomTypeCode", &type_code), ("numberOfUnits", "1")],
    )?;
    if let Some(room) = room {
        w.text("hc:RoomNumber", &[], &room.number)?;
    }
    w.end("hc:RoomType")?;
    w.end("hc:RoomTypes")?;
    w.start("hc:GuestCounts", &[])?;
    w.empty(
        "hc:GuestCount",
        &[("ageQualifyingCode", "ADULT"), ("count", &r.adults.to_string())],
    )?;
    if r.children > 0 {
        w.empty(
            "hc:GuestCount",
            &[("ageQualifyingCode", "CHILD"), ("count", &r.children.to_string())],
        )?;
    }
    w.end("hc:GuestCounts")?;
    w.start("hc:TimeSpan", &[])?;
    w.text("hc:StartDate", &[], &date(local_date(hotel, r.scheduled_start)))?;
    w.text("hc:EndDate", &[], &date(local_date(hotel, r.scheduled_end)))?;
    w.end("hc:TimeSpan")?;
    let arrival_local = r.scheduled_start.with_timezone(&tz);
    w.text(
        "hc:ExpectedArrivalTime",
        &[],
        &arrival_local.format("%Y-%m-%dT%H:%M:%S").to_string(),
    )?;
    if let Some(category) = category {
        let nights = (local_date(hotel, r.scheduled_end) - local_date(hotel, r.scheduled_start))
            .num_days()
            .max(1);
        let total = category.nightly_rate * rust_decimal::Decimal::from(nights);
        w.text(
            "hc:Total",
            &[("currencyCode", &hotel.property.currency), ("decimals", "2")],
            &total.round_dp(2).to_string(),
        )?;
    }
    write_packages(w, hotel, packages)?;
    w.end("hc:RoomStay")?;
    w.end("r:RoomStays")?;

    if let Some(profile) = profile {
        w.start("r:ResGuests", &[("xmlns:r", ns::RESERVATION)])?;
        w.start("r:ResGuest", &[("resGuestRPH", "0")])?;
        w.start("r:Profiles", &[])?;
        w.start("n:Profile", &[("xmlns:n", ns::NAME)])?;
        w.start("n:ProfileIDs", &[])?;
        w.text("c:UniqueID", &[common[0], ("type", "INTERNAL")], &profile)?;
        w.end("n:ProfileIDs")?;
        if let Some(guest) = hotel.guest(r.guest_id) {
            w.start("n:Customer", &[])?;
            // The parts in Common, as OPERA writes them (the captured
            // FetchBooking answer, `fixtures/opera/fetch_booking.response.xml`).
            w.start("n:PersonName", &[common[0]])?;
            w.text("c:firstName", &[], &guest.first_name)?;
            w.text("c:lastName", &[], &guest.last_name)?;
            w.end("n:PersonName")?;
            w.end("n:Customer")?;
        }
        w.end("n:Profile")?;
        w.end("r:Profiles")?;
        w.end("r:ResGuest")?;
        w.end("r:ResGuests")?;
    }
    w.empty(
        "r:ReservationHistory",
        &[
            ("xmlns:r", ns::RESERVATION),
            ("insertDate", &local_stamp(hotel, r.created)),
            ("updateDate", &local_stamp(hotel, r.updated)),
        ],
    )?;
    w.end(element)
}

/// The stay's agenda items as timed packages: `hc:Packages/hc:Package`
/// (`PackageElement` of the OWS HotelCommon XSD, per the Axis2 classes generated
/// from the WSDL in rizanc/keypr_bridge `og/hotelcommon/PackageElement.java`:
/// attributes `packageCode`, `quantity`, `startTime`, `endTime` (xs:time, local),
/// ..., elements `Description`, `StartDate`, `EndDate` (xs:date, local) in that order).
/// Package codes per kind: `SPA`, `DINE`, `ACTV`.
fn write_packages(w: &mut Xml, hotel: &Hotel, items: &[&crate::model::AgendaItem]) -> std::io::Result<()> {
    let mut items = items.to_vec();
    if items.is_empty() {
        return Ok(());
    }
    items.sort_by_key(|a| (a.starts, a.id));
    let tz = hotel.property.time_zone;
    w.start("hc:Packages", &[])?;
    for item in items {
        let code = match item.kind {
            crate::model::AgendaKind::Spa => "SPA",
            crate::model::AgendaKind::Dining => "DINE",
            crate::model::AgendaKind::Activity => "ACTV",
        };
        let start = item.starts.with_timezone(&tz);
        let end = item.ends.with_timezone(&tz);
        w.start(
            "hc:Package",
            &[
                ("packageCode", code),
                ("quantity", "1"),
                ("startTime", &start.format("%H:%M:%S").to_string()),
                ("endTime", &end.format("%H:%M:%S").to_string()),
                ("source", "RESERVATION"),
            ],
        )?;
        w.text("hc:Description", &[], &item.title)?;
        w.text("hc:StartDate", &[], &date(start.date_naive()))?;
        w.text("hc:EndDate", &[], &date(end.date_naive()))?;
        w.end("hc:Package")?;
    }
    w.end("hc:Packages")
}

/// `Deluxe Double` → `DD`-style OPERA room type codes (upper-case initials).
pub(super) fn room_type_code(name: &str) -> String {
    let code: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() { "STD".to_owned() } else { code }
}

pub(super) fn fetch_booking(state: &OperaState, request: &Element) -> OpResult {
    check_hotel(request.child_any(ANY, "HotelReference"))?;
    let hotel = state.core().read();
    let found = if let Some(id) = request.child_any(ANY, "ResvNameId").and_then(Element::text) {
        reservation_at(&hotel, id)
    } else if let Some(number) = request
        .child_any(ANY, "ConfirmationNumber")
        .and_then(Element::text)
    {
        hotel
            .reservations
            .iter()
            .enumerate()
            .find(|(_, r)| r.number == number)
    } else {
        return Err(Fail::invalid("ConfirmationNumber or ResvNameId is required"));
    };
    let Some((position, r)) = found else {
        return Err(Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."));
    };
    let mut w = Xml::fragment();
    // `s0` is the response wrapper's prefix: the Reservation WSDL namespace.
    let profile = name_id_of(&hotel, r.guest_id);
    let packages: Vec<&crate::model::AgendaItem> =
        hotel.agenda.iter().filter(|a| a.reservation_id == r.id).collect();
    write_reservation(
        &mut w,
        &hotel,
        "s0:HotelReservation",
        position,
        r,
        profile,
        &packages,
    )
    .map_err(xml_fail)?;
    Ok(w.finish())
}

fn parse_date(e: Option<&Element>, what: &str) -> Result<NaiveDate, Fail> {
    let text = e
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid(format!("{what} is required")))?;
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
        .map_err(|_| Fail::invalid(format!("{what} is not a date")))
}

/// Longest window one call may ask for; OPERA's own limit is not published.
const MAX_WINDOW_DAYS: i64 = 4 * 366 + 31;

pub(super) fn future_booking_summary(state: &OperaState, request: &Element) -> OpResult {
    let filters = request.child_any(ANY, "AdditionalFilters");
    check_hotel(filters.and_then(|f| f.child_any(ANY, "HotelReference")))?;
    let range = request.child_any(ANY, "QueryDateRange");
    let window = match range {
        Some(range) => {
            let kind = match range.attr("dateType") {
                Some("ARRIVAL_DATE") | None => DateKind::Arrival,
                Some("BOOKED_DATE") => DateKind::Booked,
                Some(other) => return Err(Fail::invalid(format!("unknown dateType {other}"))),
            };
            let first = parse_date(range.child_any(ANY, "StartDate"), "QueryDateRange/StartDate")?;
            let last = parse_date(range.child_any(ANY, "EndDate"), "QueryDateRange/EndDate")?;
            if last < first || (last - first).num_days() > MAX_WINDOW_DAYS {
                return Err(Fail::invalid("QueryDateRange is reversed or too long"));
            }
            Some((kind, first, last))
        }
        None => None,
    };
    let confirmation = filters.and_then(|f| f.child_any(ANY, "ConfirmationNumber").and_then(Element::text));
    let resv_id = filters.and_then(|f| f.child_any(ANY, "ResvNameId").and_then(Element::text));
    if window.is_none() && confirmation.is_none() && resv_id.is_none() {
        return Err(Fail::invalid(
            "QueryDateRange or a ConfirmationNumber / ResvNameId filter is required",
        ));
    }
    let hotel = state.core().read();
    // Profile ids by guest, once per call: a window can hold thousands of stays.
    let profiles: std::collections::HashMap<uuid::Uuid, usize> =
        hotel.guests.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
    // Agenda items by stay, once per answer (a large hotel has thousands of each).
    let mut packages: std::collections::HashMap<uuid::Uuid, Vec<&crate::model::AgendaItem>> =
        std::collections::HashMap::new();
    for item in &hotel.agenda {
        packages.entry(item.reservation_id).or_default().push(item);
    }
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        w.start("s0:HotelReservations", &[])?;
        for (position, r) in hotel.reservations.iter().enumerate() {
            let in_window = window.is_none_or(|(kind, first, last)| {
                let d = match kind {
                    DateKind::Arrival => local_date(&hotel, r.scheduled_start),
                    DateKind::Booked => local_date(&hotel, r.created),
                };
                first <= d && d <= last
            });
            let matches = in_window
                && confirmation.is_none_or(|c| c == r.number)
                && resv_id.is_none_or(|id| id == resv_name_id(position));
            if matches {
                let profile = profiles.get(&r.guest_id).map(|&i| super::name_id(i));
                let stay_packages = packages.get(&r.id).map_or(&[][..], Vec::as_slice);
                write_reservation(
                    w,
                    &hotel,
                    "s0:HotelReservation",
                    position,
                    r,
                    profile,
                    stay_packages,
                )?;
            }
        }
        w.end("s0:HotelReservations")
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}

#[derive(Debug, Clone, Copy)]
enum DateKind {
    Arrival,
    Booked,
}

/// `AssignRoom` ("Assign Room Number To a Booking"): `AssignRoomRequest/{HotelReference,
/// ResvNameId, RoomNoRequested, StationID}` answered by
/// `AssignRoomResponse/{Result, RoomNoAssigned}`, all in the Reservation WSDL
/// namespace (JAXB classes generated from the OWS WSDL, zengkongfei/ccm
/// `com/ccm/reservation/AssignRoom{Request,Response}.java`; SOAPAction
/// `…/Reservation.wsdl#AssignRoom` in rizanc/keypr_bridge `ReservationServiceStub.java`).
///
/// Rules of the shared hotel: the stay must not be in house, checked out or
/// cancelled (`ASSIGN_NOT_ALLOWED`; moving an in-house guest is OPERA's room
/// move, not `AssignRoom`); the room must exist (`INVALID_ROOM`), and no other
/// stay holding it may overlap the dates: an in-house one (`ROOM_OCCUPIED`;
/// it holds the room until it leaves, even past its departure date) or one not
/// yet arrived (`ROOM_ALREADY_ASSIGNED`). A room whose guest leaves before the
/// arrival (a due-out room for a same-day arrival) can be assigned. Assigning the room
/// the stay already has succeeds without a change. `RoomNoRequested` is
/// required: OPERA picks a room when it is absent (keypr's "-220 no room
/// available"), the simulator does not. The codes are the simulator's own.
pub(super) fn assign_room(state: &OperaState, request: &Element) -> OpResult {
    check_hotel(request.child_any(ANY, "HotelReference"))?;
    let id = request
        .child_any(ANY, "ResvNameId")
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid("ResvNameId is required"))?;
    let number = request
        .child_any(ANY, "RoomNoRequested")
        .and_then(Element::text)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Fail::invalid("RoomNoRequested is required"))?
        .to_owned();
    let mut hotel = state.core().write();
    let Some((position, r)) = reservation_at(&hotel, id) else {
        return Err(Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."));
    };
    let (uuid, current, start, end) = (r.id, r.room_id, r.scheduled_start, r.scheduled_end);
    match r.state {
        ReservationState::Inquired | ReservationState::Optional | ReservationState::Confirmed => {}
        _ => {
            return Err(Fail::new(
                "ASSIGN_NOT_ALLOWED",
                format!(
                    "Room assignment is not allowed: the reservation is {}.",
                    status(r)
                ),
            ));
        }
    }
    let Some(room) = hotel.rooms.iter().find(|room| room.number == number) else {
        return Err(Fail::new(
            "INVALID_ROOM",
            format!("Room {number} does not exist in this hotel."),
        ));
    };
    let room_id = room.id;
    if current != Some(room_id) {
        let now = state::now();
        for other in hotel
            .reservations
            .iter()
            .filter(|o| o.id != uuid && o.room_id == Some(room_id))
        {
            // An in-house guest holds the room until they leave, even past
            // their scheduled departure.
            let (holds, other_end) = match other.state {
                ReservationState::Started => (true, other.scheduled_end.max(now)),
                ReservationState::Inquired | ReservationState::Optional | ReservationState::Confirmed => {
                    (true, other.scheduled_end)
                }
                ReservationState::Processed | ReservationState::Canceled => (false, other.scheduled_end),
            };
            let overlaps = other.scheduled_start < end && start < other_end;
            if !holds || !overlaps {
                continue;
            }
            return Err(if other.state == ReservationState::Started {
                Fail::new(
                    "ROOM_OCCUPIED",
                    format!("Room {number} is occupied by an in-house reservation."),
                )
            } else {
                Fail::new(
                    "ROOM_ALREADY_ASSIGNED",
                    format!("Room {number} is already assigned to another reservation for these dates."),
                )
            });
        }
        if let Some(r) = hotel.reservations.get_mut(position) {
            r.room_id = Some(room_id);
            r.updated = now;
        }
    }
    let mut w = Xml::fragment();
    w.text("s0:RoomNoAssigned", &[], &number).map_err(xml_fail)?;
    Ok(w.finish())
}
