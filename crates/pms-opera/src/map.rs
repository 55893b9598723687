//! OWS → pms-core: statuses, amounts, dates, reservations and profiles.
//!
//! Every vendor enum value is mapped explicitly; anything else becomes
//! `Other(verbatim)`, never a default.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use pms_core::{
    Address, Currency, ExternalRef, Guest, GuestId, GuestRef, HotelId, HousekeepingStatus, Money, Occupancy,
    PersonName, Pii, PmsKind, RawPayload, Reservation, ReservationId, ReservationStatus, RoomNumber,
    VendorId,
};
use rust_decimal::Decimal;

use crate::error::OperaError;
use crate::xml::{Document, Element, ns};

mod fixed;

/// What a mapper needs besides the payload.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// The hotel (internal ids derive from it).
    pub hotel: HotelId,
    /// The property's time zone: OWS local times are converted with it.
    pub time_zone: Tz,
    /// The hotel currency, used when an OWS amount has no (or an empty) `currencyCode`.
    pub currency: Currency,
    /// Keep each `HotelReservation`'s outer XML in [`Reservation::raw`]. Off by
    /// default: the raw XML holds guest names and `pms_core::RawPayload`'s
    /// `Debug` does not redact it.
    pub keep_raw: bool,
}

/// OWS `reservationStatus` / `computedReservationStatus` → model.
///
/// The OWS XSD enumeration `ReservationStatusType` (ns `og/4.3/Reservation/`)
/// is `RESERVED`, `PROSPECT`, `NOSHOW`, `CANCELED`, `INHOUSE`, `CHECKEDOUT`,
/// `CHANGED`, `WAITLISTED`, `CHECKEDIN` — read from JAXB classes generated from
/// the OWS WSDL (`com.ccm.reservation.ReservationStatusType`, find_string id
/// 47178179543, whose Java enum also adds `CHECKOUT`/`CHECKIN`). The notes
/// (opera.md §3) add the C# library's `PRECHECKEDIN`, `DUEOUT`, `DUEIN` and the
/// spaced business-event spellings (`CHECKED IN`, `NO SHOW`, ...), mapped too.
/// `CHANGED` is a modification marker, not a state, so it stays `Other`.
pub fn reservation_status(raw: &str) -> ReservationStatus {
    match raw.trim().to_ascii_uppercase().as_str() {
        "RESERVED" | "DUEIN" | "DUE IN" | "PRECHECKEDIN" | "PRE CHECKED IN" => ReservationStatus::Confirmed,
        "PROSPECT" | "REQUESTED" => ReservationStatus::Tentative,
        "INHOUSE" | "IN HOUSE" | "CHECKEDIN" | "CHECKIN" | "CHECKED IN" | "DUEOUT" | "DUE OUT"
        | "PENDINGCHECKOUT" | "WALKIN" | "WALK IN" => ReservationStatus::CheckedIn,
        "CHECKEDOUT" | "CHECKOUT" | "CHECKED OUT" => ReservationStatus::CheckedOut,
        "CANCELED" | "CANCELLED" => ReservationStatus::Cancelled,
        "NOSHOW" | "NO SHOW" => ReservationStatus::NoShow,
        "WAITLIST" | "WAITLISTED" => ReservationStatus::Waitlisted,
        _ => ReservationStatus::Other(raw.trim().to_owned()),
    }
}

/// OWS/OPERA room (housekeeping) status → model: the OHIP words (`Clean`,
/// `Dirty`, `Inspected`, `Pickup`, `OutOfOrder`, `OutOfService`), the OWS
/// upper-case codes (`CLEAN`, ...), the two-letter codes (`CL`, `DI`, `IP`,
/// `PU`) and the business-event spellings (`OUT OF ORDER`, `OUT OF SERVICE`).
pub fn housekeeping_status(raw: &str) -> HousekeepingStatus {
    let key: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase();
    match key.as_str() {
        "CLEAN" | "CL" => HousekeepingStatus::Clean,
        "DIRTY" | "DI" => HousekeepingStatus::Dirty,
        "INSPECTED" | "IP" => HousekeepingStatus::Inspected,
        "PICKUP" | "PU" => HousekeepingStatus::Pickup,
        "OUTOFORDER" | "OOO" => HousekeepingStatus::OutOfOrder,
        "OUTOFSERVICE" | "OOS" => HousekeepingStatus::OutOfService,
        _ => HousekeepingStatus::Other(raw.trim().to_owned()),
    }
}

/// The `RoomStatus` value `UpdateRoomStatus` accepts (mixed case, per
/// oracle_ows `guest_services.rb`). Out of order / out of service are not
/// settable through it (OHIP has separate endpoints for them, opera.md §2).
pub fn room_status_code(status: &HousekeepingStatus) -> Option<&'static str> {
    match status {
        HousekeepingStatus::Clean => Some("Clean"),
        HousekeepingStatus::Dirty => Some("Dirty"),
        HousekeepingStatus::Inspected => Some("Inspected"),
        HousekeepingStatus::Pickup => Some("Pickup"),
        _ => None,
    }
}

/// Front-office / housekeeping occupancy (`VACANT`, `OCCUPIED`, `VAC`, `OCC`).
pub fn occupancy(raw: &str) -> Option<Occupancy> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "VACANT" | "VAC" | "V" => Some(Occupancy::Vacant),
        "OCCUPIED" | "OCC" | "O" => Some(Occupancy::Occupied),
        _ => None,
    }
}

/// An OWS amount element (`<Base currencyCode="INR" decimals="2">15500</Base>`)
/// as money. The text is the amount as written; `decimals` is not applied
/// (the capture's `decimals="2"` on `15500` INR reads as 15500.00 INR,
/// \[unverified\]). An empty `currencyCode` falls back to the hotel currency.
pub fn money(element: Element<'_>, ctx: &MapContext, path: &str) -> Result<Option<Money>, OperaError> {
    let Some(text) = element.text_value() else {
        return Ok(None);
    };
    let amount: Decimal = text
        .parse()
        .map_err(|_| OperaError::decode(path, "amount is not a decimal number"))?;
    let currency = match element.attr_value("currencyCode") {
        // The hotel currency is valid already: no need to look it up again.
        Some(code) if code == ctx.currency.code() => ctx.currency,
        Some(code) => Currency::new(code).map_err(|_| OperaError::decode(path, "unknown currencyCode"))?,
        None => ctx.currency,
    };
    Ok(Some(Money::new(amount, currency)))
}

/// A civil date from `2019-02-14T00:00:00` or `2019-02-14`.
pub fn civil_date(raw: &str, path: &str) -> Result<NaiveDate, OperaError> {
    let raw = raw.trim();
    let date = raw.get(..10).unwrap_or(raw);
    fixed::date(date)
        .map(Ok)
        .unwrap_or_else(|| NaiveDate::parse_from_str(date, "%Y-%m-%d"))
        .map_err(|_| OperaError::decode(path, "not a date"))
}

/// An instant from an OWS date-time: with an offset (`...+05:30`, `...Z`) it
/// is taken as is; without one it is property-local and converted with `tz`.
pub fn instant(raw: &str, tz: Tz, path: &str) -> Result<DateTime<Utc>, OperaError> {
    let raw = raw.trim();
    // Without an offset (property-local) or with `Z`: no RFC 3339 attempt needed.
    let (head, utc) = raw.strip_suffix('Z').map_or((raw, false), |head| (head, true));
    if let Some(local) = fixed::date_time(head) {
        return if utc {
            Ok(Utc.from_utc_datetime(&local))
        } else {
            local_to_utc(local, tz, path)
        };
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f"))
        .map_err(|_| OperaError::decode(path, "not a date-time"))?;
    local_to_utc(local, tz, path)
}

fn local_to_utc(local: NaiveDateTime, tz: Tz, path: &str) -> Result<DateTime<Utc>, OperaError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        // Fall-back hour: the earlier instant, deterministically.
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(OperaError::decode(path, "local time does not exist (DST gap)")),
    }
}

/// A time of day on `date`: `09:35:00.0000000+05:30` (a .NET time with offset,
/// as in the capture) or a bare `14:30:00` in the property's zone.
pub fn time_on(date: NaiveDate, raw: &str, tz: Tz, path: &str) -> Result<DateTime<Utc>, OperaError> {
    let raw = raw.trim();
    let split = raw
        .rfind(['+', '-'])
        .filter(|i| *i >= 5)
        .or_else(|| raw.strip_suffix('Z').map(str::len));
    let (time_part, offset_part) = match split {
        Some(i) => (&raw[..i], Some(&raw[i..])),
        None => (raw, None),
    };
    let time = NaiveTime::parse_from_str(time_part, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(time_part, "%H:%M"))
        .map_err(|_| OperaError::decode(path, "not a time of day"))?;
    let local = date.and_time(time);
    match offset_part {
        Some("Z") => Ok(Utc.from_utc_datetime(&local)),
        Some(offset) => {
            let offset: FixedOffset = format!("2000-01-01T00:00:00{offset}")
                .parse::<DateTime<FixedOffset>>()
                .map(|d| *d.offset())
                .map_err(|_| OperaError::decode(path, "bad UTC offset"))?;
            offset
                .from_local_datetime(&local)
                .single()
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| OperaError::decode(path, "bad local time"))
        }
        None => local_to_utc(local, tz, path),
    }
}

fn opera_ref(id: &str, path: &str) -> Result<ExternalRef, OperaError> {
    VendorId::new(id.trim())
        .map(|id| ExternalRef::new(PmsKind::Opera, id))
        .map_err(|_| OperaError::decode(path, "empty id"))
}

const RES_NS: &[&str] = &[
    ns::RESERVATION_WSDL,
    ns::RESERVATION,
    ns::HOTEL_COMMON,
    ns::RESV_ADVANCED,
];

/// The ids of a `HotelReservation`'s `UniqueIDList`: (`RESVID` = resv_name_id,
/// confirmation number = the `INTERNAL` id with an empty `source`).
pub fn reservation_ids(element: Element<'_>) -> (Option<String>, Option<String>) {
    let mut resv_name_id = None;
    let mut confirmation = None;
    if let Some(list) = element.child_any(RES_NS, "UniqueIDList") {
        for id in list.children_any(&[ns::COMMON], "UniqueID") {
            let Some(value) = id.text_value() else { continue };
            match id.attr_value("source") {
                Some("RESVID") | Some("RESV_NAME_ID") => resv_name_id = Some(value.to_owned()),
                None if confirmation.is_none() => confirmation = Some(value.to_owned()),
                _ => {}
            }
        }
    }
    (resv_name_id, confirmation)
}

/// One `HotelReservation` (FetchBooking, FutureBookingSummary) → [`Reservation`].
///
/// - id: `UniqueIDList/UniqueID[@source="RESVID"]` (the resv_name_id that the
///   ResvAdvanced calls take); confirmation number: the `INTERNAL` id with an empty `source`.
/// - status: `@reservationStatus`, else `@computedReservationStatus`.
/// - dates: the first `RoomStay/TimeSpan` with a `StartDate` (the capture
///   carries a second, empty `TimeSpan xsi:type=...QueryDateRange`).
/// - room: `RoomStay/RoomTypes/RoomType/RoomNumber`, type `@roomTypeCode`.
/// - guests: `ResGuests/ResGuest/Profiles/Profile/ProfileIDs/UniqueID`; the
///   primary one is `resGuestRPH="0"` when present, else the first.
/// - eta/etd: `RoomStay/ExpectedArrivalTime` / `@checkOutTime` on the
///   departure date; created/updated: `ReservationHistory@insertDate/@updateDate`.
/// - total: `RoomStay/Total`; balance: `RoomStay/CurrentBalance` (both in the captured
///   answer, `fixtures/opera/fetch_booking.response.xml`: whole amounts beside
///   `decimals="2"`, which states the currency's minor unit and does not scale the text).
pub fn hotel_reservation(
    doc: &Document<'_>,
    element: Element<'_>,
    ctx: &MapContext,
) -> Result<Reservation, OperaError> {
    let (resv_name_id, confirmation) = reservation_ids(element);
    let resv_name_id = resv_name_id.ok_or_else(|| {
        OperaError::decode("HotelReservation/UniqueIDList", "no UniqueID with source RESVID")
    })?;
    let external = opera_ref(&resv_name_id, "HotelReservation/UniqueIDList")?;
    let status_raw = element
        .attr_value("reservationStatus")
        .or_else(|| element.attr_value("computedReservationStatus"))
        .ok_or_else(|| OperaError::decode("HotelReservation/@reservationStatus", "missing"))?;
    let status = reservation_status(status_raw);

    let stay = element
        .child_any(RES_NS, "RoomStays")
        .and_then(|s| s.child_any(RES_NS, "RoomStay"))
        .ok_or_else(|| OperaError::decode("HotelReservation/RoomStays/RoomStay", "missing"))?;
    let span = stay
        .children_any(RES_NS, "TimeSpan")
        .find(|t| {
            t.child_any(RES_NS, "StartDate")
                .and_then(Element::text_value)
                .is_some()
        })
        .ok_or_else(|| OperaError::decode("RoomStay/TimeSpan", "no TimeSpan with a StartDate"))?;
    let arrival = civil_date(
        span.child_any(RES_NS, "StartDate")
            .and_then(Element::text_value)
            .unwrap_or_default(),
        "RoomStay/TimeSpan/StartDate",
    )?;
    let departure = span
        .child_any(RES_NS, "EndDate")
        .and_then(Element::text_value)
        .map(|d| civil_date(d, "RoomStay/TimeSpan/EndDate"))
        .transpose()?
        .unwrap_or(arrival);

    let room_type_el = stay.path_any(RES_NS, &["RoomTypes", "RoomType"]);
    let room_number = room_type_el
        .and_then(|t| t.child_any(RES_NS, "RoomNumber"))
        .or_else(|| stay.child_any(RES_NS, "RoomNumber"))
        .and_then(Element::text_value)
        .and_then(|n| RoomNumber::new(n).ok());
    let room_type = room_type_el
        .and_then(|t| t.attr_value("roomTypeCode"))
        .map(str::to_owned);
    let rate_plan_code = stay
        .path_any(RES_NS, &["RatePlans", "RatePlan"])
        .and_then(|r| r.attr_value("ratePlanCode"))
        .or_else(|| {
            stay.path_any(RES_NS, &["RoomRates", "RoomRate"])
                .and_then(|r| r.attr_value("ratePlanCode"))
        })
        .map(str::to_owned);

    let mut adults = 0u16;
    let mut children = 0u16;
    if let Some(counts) = stay.child_any(RES_NS, "GuestCounts") {
        for count in counts.children_any(RES_NS, "GuestCount") {
            let n: u16 = count
                .attr_value("count")
                .map(|c| c.parse())
                .transpose()
                .map_err(|_| OperaError::decode("GuestCounts/GuestCount/@count", "not a count"))?
                .unwrap_or(0);
            match count.attr_value("ageQualifyingCode") {
                Some("ADULT") => adults = adults.saturating_add(n),
                Some(code) if code.starts_with("CHILD") => children = children.saturating_add(n),
                _ => {}
            }
        }
    }

    let eta = stay
        .child_any(RES_NS, "ExpectedArrivalTime")
        .and_then(Element::text_value)
        .map(|t| {
            if t.len() > 10 && t.as_bytes().get(4) == Some(&b'-') {
                instant(t, ctx.time_zone, "RoomStay/ExpectedArrivalTime")
            } else {
                time_on(arrival, t, ctx.time_zone, "RoomStay/ExpectedArrivalTime")
            }
        })
        .transpose()?;
    let etd = element
        .attr_value("checkOutTime")
        .map(|t| time_on(departure, t, ctx.time_zone, "HotelReservation/@checkOutTime"))
        .transpose()?;

    let total = stay
        .child_any(RES_NS, "Total")
        .map(|t| money(t, ctx, "RoomStay/Total"))
        .transpose()?
        .flatten();
    let balance = stay
        .child_any(RES_NS, "CurrentBalance")
        .map(|t| money(t, ctx, "RoomStay/CurrentBalance"))
        .transpose()?
        .flatten();

    let history = element.child_any(RES_NS, "ReservationHistory");
    let history_instant = |attr: &str| {
        history
            .and_then(|h| h.attr_value(attr))
            .map(|v| instant(v, ctx.time_zone, "ReservationHistory"))
            .transpose()
    };
    let created_at = history_instant("insertDate")?;
    let updated_at = history_instant("updateDate")?;

    // Sorted by resGuestRPH (numeric; missing or non-numeric last), then document order.
    let mut guests: Vec<((i64, usize), GuestRef)> = Vec::new();
    if let Some(res_guests) = element.child_any(RES_NS, "ResGuests") {
        for (index, res_guest) in res_guests.children_any(RES_NS, "ResGuest").enumerate() {
            let rph = res_guest
                .attr_value("resGuestRPH")
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(i64::MAX);
            let profile_id = res_guest
                .descendants_any(ns::NAME_ANY, "ProfileIDs")
                .flat_map(|ids| ids.children_any(&[ns::COMMON, ns::NAME], "UniqueID"))
                .find_map(Element::text_value);
            if let Some(id) = profile_id {
                let external = opera_ref(id, "ResGuest/Profiles/Profile/ProfileIDs/UniqueID")?;
                guests.push((
                    (rph, index),
                    GuestRef {
                        id: GuestId::derive(&ctx.hotel, &external),
                        external,
                    },
                ));
            }
        }
    }
    guests.sort_by_key(|(key, _)| *key);
    let mut guests = guests.into_iter().map(|(_, g)| g);
    let primary_guest = guests.next();
    let companions = guests.collect();

    Ok(Reservation {
        id: ReservationId::derive(&ctx.hotel, &external),
        external,
        hotel: ctx.hotel.clone(),
        confirmation_number: confirmation,
        status,
        arrival,
        departure,
        eta,
        etd,
        room_number,
        room_type,
        adults,
        children,
        primary_guest,
        companions,
        rate_plan_code,
        total,
        balance,
        created_at,
        updated_at,
        source: element.attr_value("sourceCode").map(str::to_owned),
        channel: element.attr_value("originCode").map(str::to_owned),
        raw: ctx.keep_raw.then(|| RawPayload::Xml(doc.outer_xml(element))),
    })
}

/// A profile element (`ProfileDetails` of FetchProfile, or a reservation's
/// `Profile`) → [`Guest`] with profile id `id`:
/// `Customer/PersonName/{nameTitle, firstName, middleName, lastName}`,
/// `Addresses/NameAddress/{AddressLine*, cityName, stateProv, postalCode, countryCode}`,
/// `Phones/NamePhone/PhoneNumber`, `EMails/NameEmail`; the `primary="true"`
/// entry wins, else the first.
///
/// The containers are Name-namespace elements, but OPERA writes their parts
/// in the Common namespace (`s4:PersonName/s2:firstName`, `s4:NamePhone/s2:PhoneNumber`
/// in the captured FetchBooking answer, `fixtures/opera/fetch_booking.response.xml`),
/// so parts are read from either. The same capture lists the guest's e-mail
/// among `Phones` (`NamePhone phoneRole="EMAIL"`, marked `primary="true"`):
/// such an entry is never the phone, and is the e-mail only when `EMails` has none.
pub fn profile(element: Element<'_>, id: &str, ctx: &MapContext) -> Result<Guest, OperaError> {
    let external = opera_ref(id, "Profile/NameID")?;
    let any = ns::NAME_ANY;
    let parts = ns::NAME_PARTS;
    let person = element.path_any(any, &["Customer", "PersonName"]);
    let part = |local: &str| {
        person
            .and_then(|p| p.child_any(parts, local))
            .and_then(Element::text_value)
            .map(|v| Pii::new(v.to_owned()))
    };
    let name = PersonName {
        title: part("nameTitle"),
        first: part("firstName"),
        middle: part("middleName"),
        last: part("lastName"),
    };
    fn pick<'e>(
        element: Element<'e>,
        list: &str,
        item: &str,
        keep: impl Fn(&Element<'e>) -> bool,
    ) -> Option<Element<'e>> {
        let any = ns::NAME_ANY;
        let items: Vec<Element<'_>> = element
            .child_any(any, list)
            .map(|l| l.children_any(any, item).filter(|e| keep(e)).collect())
            .unwrap_or_default();
        items
            .iter()
            .find(|e| e.attr_value("primary") == Some("true"))
            .or_else(|| items.first())
            .copied()
    }
    let is_email = |p: &Element<'_>| p.attr_value("phoneRole") == Some("EMAIL");
    let phone_number = |p: Element<'_>| {
        p.child_any(parts, "PhoneNumber")
            .and_then(Element::text_value)
            .or(p.text_value())
            .map(|v| Pii::new(v.to_owned()))
    };
    let email = pick(element, "EMails", "NameEmail", |_| true)
        .and_then(Element::text_value)
        .map(|v| Pii::new(v.to_owned()))
        .or_else(|| pick(element, "Phones", "NamePhone", is_email).and_then(phone_number));
    let phone = pick(element, "Phones", "NamePhone", |p| !is_email(p)).and_then(phone_number);
    let address = pick(element, "Addresses", "NameAddress", |_| true).map(|a| {
        let text = |local: &str| {
            a.child_any(parts, local)
                .and_then(Element::text_value)
                .map(str::to_owned)
        };
        Pii::new(Address {
            lines: a
                .children_any(parts, "AddressLine")
                .filter_map(Element::text_value)
                .map(str::to_owned)
                .collect(),
            city: text("cityName"),
            postal_code: text("postalCode"),
            region: text("stateProv"),
            country: text("countryCode"),
        })
    });
    Ok(Guest {
        id: GuestId::derive(&ctx.hotel, &external),
        external,
        name,
        email,
        phone,
        address,
        nationality: element.attr_value("nationality").map(|n| Pii::new(n.to_owned())),
        birth_date: None,
        language: element.attr_value("languageCode").map(str::to_owned),
        loyalty_number: None,
        identity_document: None,
        updated_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_reservation_status_is_mapped_and_unknown_is_other() {
        let cases = [
            ("RESERVED", ReservationStatus::Confirmed),
            ("DUEIN", ReservationStatus::Confirmed),
            ("PRECHECKEDIN", ReservationStatus::Confirmed),
            ("PROSPECT", ReservationStatus::Tentative),
            ("INHOUSE", ReservationStatus::CheckedIn),
            ("CHECKED IN", ReservationStatus::CheckedIn),
            ("CHECKEDIN", ReservationStatus::CheckedIn),
            ("CHECKIN", ReservationStatus::CheckedIn),
            ("CHECKOUT", ReservationStatus::CheckedOut),
            ("DUEOUT", ReservationStatus::CheckedIn),
            ("CHECKEDOUT", ReservationStatus::CheckedOut),
            ("CHECKED OUT", ReservationStatus::CheckedOut),
            ("CANCELED", ReservationStatus::Cancelled),
            ("NOSHOW", ReservationStatus::NoShow),
            ("NO SHOW", ReservationStatus::NoShow),
            ("WAITLIST", ReservationStatus::Waitlisted),
            ("WAITLISTED", ReservationStatus::Waitlisted),
            ("CHANGED", ReservationStatus::Other("CHANGED".into())),
            ("SOMETHING_NEW", ReservationStatus::Other("SOMETHING_NEW".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(reservation_status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn every_room_status_spelling_is_mapped() {
        let cases = [
            ("Clean", HousekeepingStatus::Clean),
            ("CL", HousekeepingStatus::Clean),
            ("DIRTY", HousekeepingStatus::Dirty),
            ("DI", HousekeepingStatus::Dirty),
            ("Inspected", HousekeepingStatus::Inspected),
            ("IP", HousekeepingStatus::Inspected),
            ("Pickup", HousekeepingStatus::Pickup),
            ("PU", HousekeepingStatus::Pickup),
            ("OutOfOrder", HousekeepingStatus::OutOfOrder),
            ("OUT OF ORDER", HousekeepingStatus::OutOfOrder),
            ("OutOfService", HousekeepingStatus::OutOfService),
            ("OUT OF SERVICE", HousekeepingStatus::OutOfService),
            ("Sparkly", HousekeepingStatus::Other("Sparkly".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(housekeeping_status(raw), expected, "{raw}");
        }
        assert_eq!(room_status_code(&HousekeepingStatus::OutOfOrder), None);
    }

    #[test]
    fn net_times_with_offsets_and_local_times_convert() {
        let d = NaiveDate::from_ymd_opt(2019, 2, 14).unwrap();
        let at = time_on(d, "09:35:00.0000000+05:30", chrono_tz::UTC, "x").unwrap();
        assert_eq!(at.to_rfc3339(), "2019-02-14T04:05:00+00:00");
        let prague = instant("2026-03-01T10:00:00", chrono_tz::Europe::Prague, "x").unwrap();
        assert_eq!(prague.to_rfc3339(), "2026-03-01T09:00:00+00:00");
        assert!(time_on(d, "nope", chrono_tz::UTC, "x").is_err());
    }
}
