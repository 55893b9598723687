//! Wire DTOs to the pms-core model.
//!
//! Every Cloudbeds enum value is matched explicitly; anything not listed
//! becomes `Other(<verbatim>)`, never a default. Zone-less Cloudbeds
//! date-times are property-local and converted with the hotel's time zone
//! ([`local_to_utc`]); bare amounts get the property currency.

use std::fmt::Display;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use pms_core::{
    Address, ChargeId, ChargeKind, Currency, DecodeContext, DocumentKind, ExternalRef, Folio, FolioCharge,
    FolioId, FolioOwner, Guest, GuestId, GuestRef, HotelId, HousekeepingStatus, IdentityDocument, Money,
    Occupancy, Payment, PaymentState, PersonName, Pii, PmsKind, RequestId, Reservation, ReservationId,
    ReservationStatus, Room, RoomNumber, RoomStatus, RoomStatusReport, VendorId,
};
use rust_decimal::Decimal;

use crate::error::CloudbedsError;
use crate::redact::RedactedJson;
pub use crate::redact::redact_raw;
use crate::wire::folio::Transaction;
use crate::wire::guest::GuestDetail;
use crate::wire::housekeeping::HousekeepingItem;
use crate::wire::reservation::{ReservationDetail, ReservationGuest, ReservationListItem, ReservationRates};
use crate::wire::room::RoomItem;

/// What the mappers need besides the payload.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// Internal ids derive from it.
    pub hotel: HotelId,
    /// The property's time zone (Cloudbeds' `date*` fields are local).
    pub time_zone: Tz,
    /// The property's currency (Cloudbeds amounts are bare numbers).
    pub currency: Currency,
}

impl From<&DecodeContext> for MapContext {
    fn from(c: &DecodeContext) -> Self {
        MapContext {
            hotel: c.hotel.clone(),
            time_zone: c.time_zone,
            currency: c.currency,
        }
    }
}

// Paths are `Display` and written out only for an error: formatting them for
// every row cost more than the rest of the mapping.
fn cb_ref(id: &str, path: impl Display) -> Result<ExternalRef, CloudbedsError> {
    VendorId::new(id)
        .map(|v| ExternalRef::new(PmsKind::Cloudbeds, v))
        .map_err(|_| CloudbedsError::decode(path.to_string(), "empty id"))
}

fn required(value: &Option<String>, path: impl Display) -> Result<&str, CloudbedsError> {
    value
        .as_deref()
        .ok_or_else(|| CloudbedsError::decode(path.to_string(), "missing required field"))
}

/// A property-local wall-clock time to UTC. In a DST gap the time does not
/// exist and is moved forward by the gap (what the clock on the wall showed
/// one hour later); in a DST overlap the earlier instant is taken.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let shifted = local.checked_add_signed(chrono::Duration::hours(1));
            match shifted.map(|shifted| tz.from_local_datetime(&shifted)) {
                Some(LocalResult::Single(t) | LocalResult::Ambiguous(t, _)) => t.with_timezone(&Utc),
                // At the end of chrono's range, or still in a gap: read as UTC.
                Some(LocalResult::None) | None => Utc.from_utc_datetime(&local),
            }
        }
    }
}

/// `status` of reservations (`getReservation(s)`, `putReservation`) and the
/// guest-level `guestStatus` values, per `src/pms-v1.3-openapi.yaml`.
pub fn reservation_status(status: &str) -> ReservationStatus {
    match status {
        "confirmed" => ReservationStatus::Confirmed,
        // "Reservation is pending confirmation".
        "not_confirmed" => ReservationStatus::Tentative,
        "canceled" => ReservationStatus::Cancelled,
        "checked_in" => ReservationStatus::CheckedIn,
        "checked_out" => ReservationStatus::CheckedOut,
        "no_show" => ReservationStatus::NoShow,
        // Guest-list / webhook values with no model equivalent, kept verbatim:
        // in_progress (booking not finished), call2confirm, paypal_init,
        // pending_payment, in_house, not_checked_in.
        "in_progress" | "call2confirm" | "paypal_init" | "pending_payment" | "in_house"
        | "not_checked_in" => ReservationStatus::Other(status.to_owned()),
        other => ReservationStatus::Other(other.to_owned()),
    }
}

/// The `status` value `putReservation` takes for a model status, if any.
pub fn reservation_status_to_wire(status: &ReservationStatus) -> Option<&'static str> {
    match status {
        ReservationStatus::Confirmed => Some("confirmed"),
        ReservationStatus::Tentative => Some("not_confirmed"),
        ReservationStatus::Cancelled => Some("canceled"),
        ReservationStatus::CheckedIn => Some("checked_in"),
        ReservationStatus::CheckedOut => Some("checked_out"),
        ReservationStatus::NoShow => Some("no_show"),
        ReservationStatus::Inquiry | ReservationStatus::Waitlisted | ReservationStatus::Other(_) => None,
    }
}

/// `roomCondition` (`getHousekeepingStatus`, `postHousekeepingStatus`, webhook `condition`).
pub fn room_condition(condition: &str) -> HousekeepingStatus {
    match condition {
        "clean" => HousekeepingStatus::Clean,
        "dirty" => HousekeepingStatus::Dirty,
        "inspected" => HousekeepingStatus::Inspected,
        other => HousekeepingStatus::Other(other.to_owned()),
    }
}

/// The `roomCondition` to send for a model state. Cloudbeds has no pickup
/// state, and out-of-order/out-of-service are room blocks (`postRoomBlock`),
/// not housekeeping conditions.
pub fn room_condition_to_wire(status: &HousekeepingStatus) -> Result<&'static str, CloudbedsError> {
    match status {
        HousekeepingStatus::Clean => Ok("clean"),
        HousekeepingStatus::Dirty => Ok("dirty"),
        HousekeepingStatus::Inspected => Ok("inspected"),
        HousekeepingStatus::Pickup => Err(CloudbedsError::Unsupported("the pickup housekeeping state")),
        HousekeepingStatus::OutOfService | HousekeepingStatus::OutOfOrder => {
            Err(CloudbedsError::Unsupported(
                "out-of-order/out-of-service through housekeeping (it is a room block)",
            ))
        }
        HousekeepingStatus::Other(_) => Err(CloudbedsError::Validation(
            "cannot send a vendor-specific housekeeping state to Cloudbeds".into(),
        )),
    }
}

/// `documentType` of guests.
pub fn document_kind(kind: &str) -> DocumentKind {
    match kind {
        "passport" => DocumentKind::Passport,
        "dni" | "nie" | "id_card" | "identity_card" | "national_id" => DocumentKind::IdentityCard,
        "driver_licence" | "driver_license" | "drivers_license" => DocumentKind::DrivingLicence,
        "visa" => DocumentKind::Visa,
        other => DocumentKind::Other(other.to_owned()),
    }
}

fn guest_ref(hotel: &HotelId, id: &str, path: impl Display) -> Result<GuestRef, CloudbedsError> {
    let external = cb_ref(id, path)?;
    Ok(GuestRef {
        id: GuestId::derive(hotel, &external),
        external,
    })
}

fn parse_eta(time: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(time, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
        .ok()
}

/// `getReservation.data` to a reservation. `raw` is the `data` object as
/// received, personal data redacted ([`crate::redact`]).
pub fn reservation_detail(
    wire: &ReservationDetail,
    raw: Option<RedactedJson>,
    ctx: &MapContext,
) -> Result<Reservation, CloudbedsError> {
    let id = required(&wire.reservation_id, "data.reservationID")?;
    let external = cb_ref(id, "data.reservationID")?;
    let status = reservation_status(required(&wire.status, "data.status")?);
    let arrival = wire
        .start_date
        .ok_or_else(|| CloudbedsError::decode("data.startDate", "missing required field"))?;
    let departure = wire
        .end_date
        .ok_or_else(|| CloudbedsError::decode("data.endDate", "missing required field"))?;
    let first_room = wire.assigned.first();
    let rooms = if wire.assigned.is_empty() {
        &wire.unassigned
    } else {
        &wire.assigned
    };
    let adults = rooms
        .iter()
        .filter_map(|r| r.adults)
        .fold(0u16, u16::saturating_add);
    let children = rooms
        .iter()
        .filter_map(|r| r.children)
        .fold(0u16, u16::saturating_add);

    let (primary_guest, companions) = guests(&wire.guest_list, "data", ctx)?;
    let eta = eta_of(wire.estimated_arrival_time.as_deref(), arrival, ctx);

    Ok(Reservation {
        id: ReservationId::derive(&ctx.hotel, &external),
        external,
        hotel: ctx.hotel.clone(),
        confirmation_number: Some(id.to_owned()),
        status,
        arrival,
        departure,
        eta,
        etd: None,
        room_number: first_room
            .and_then(|r| r.room_name.clone())
            .and_then(|n| RoomNumber::new(n).ok()),
        room_type: rooms.first().and_then(|r| r.room_type_name.clone()),
        adults,
        children,
        primary_guest,
        companions,
        rate_plan_code: None,
        total: wire.total.map(|a| Money::new(a, ctx.currency)),
        balance: wire.balance.map(|a| Money::new(a, ctx.currency)),
        created_at: wire.date_created.map(|t| local_to_utc(t, ctx.time_zone)),
        updated_at: wire.date_modified.map(|t| local_to_utc(t, ctx.time_zone)),
        source: wire.source.clone(),
        channel: wire.source_id.clone(),
        raw: raw.map(RedactedJson::into_payload),
    })
}

/// `guestList` (a map keyed by guest id, the main guest flagged) to the
/// primary guest and the companions; `at` is the JSON path of the object holding it.
fn guests(
    list: &std::collections::BTreeMap<String, ReservationGuest>,
    at: &str,
    ctx: &MapContext,
) -> Result<(Option<GuestRef>, Vec<GuestRef>), CloudbedsError> {
    let mut primary_guest = None;
    let mut companions = Vec::new();
    for (key, guest) in list {
        let gid = guest.guest_id.as_deref().unwrap_or(key);
        let r = guest_ref(&ctx.hotel, gid, format_args!("{at}.guestList.{key}"))?;
        if guest.is_main_guest == Some(true) && primary_guest.is_none() {
            primary_guest = Some(r);
        } else {
            companions.push(r);
        }
    }
    Ok((primary_guest, companions))
}

/// `estimatedArrivalTime` (24-hour, property-local) on the arrival day, in UTC.
fn eta_of(time: Option<&str>, arrival: NaiveDate, ctx: &MapContext) -> Option<DateTime<Utc>> {
    time.and_then(parse_eta)
        .map(|t| local_to_utc(arrival.and_time(t), ctx.time_zone))
}

/// One `getReservations.data[]` item to a reservation. Requested with
/// `includeAllRooms=true` and `includeGuestsDetails=true` the row carries the
/// rooms (`roomName`, `roomTypeName`) and the guest list that
/// `getReservation` has; it has no `total` and no `estimatedArrivalTime`
/// (`GetReservationsResponseDataInner`), which [`complete_with_rates`] adds
/// from `getReservationsWithRateDetails`. Without the guest list the main
/// guest comes from `guestID`. `raw` is the row as received, personal data
/// redacted ([`crate::redact`]).
pub fn reservation_list_item(
    wire: &ReservationListItem,
    index: usize,
    raw: Option<RedactedJson>,
    ctx: &MapContext,
) -> Result<Reservation, CloudbedsError> {
    let at = |field: &str| format!("data[{index}].{field}");
    let id = required(&wire.reservation_id, format_args!("data[{index}].reservationID"))?;
    let external = cb_ref(id, format_args!("data[{index}].reservationID"))?;
    let status = reservation_status(required(&wire.status, format_args!("data[{index}].status"))?);
    let arrival = wire
        .start_date
        .ok_or_else(|| CloudbedsError::decode(at("startDate"), "missing required field"))?;
    let departure = wire
        .end_date
        .ok_or_else(|| CloudbedsError::decode(at("endDate"), "missing required field"))?;
    let (primary_guest, companions) = if wire.guest_list.is_empty() {
        let primary = match &wire.guest_id {
            Some(g) => Some(guest_ref(&ctx.hotel, g, format_args!("data[{index}].guestID"))?),
            None => None,
        };
        (primary, Vec::new())
    } else {
        guests(&wire.guest_list, &format!("data[{index}]"), ctx)?
    };
    // As getReservation: the room number of the first assigned room, the
    // room type of the first room booked.
    let room_number = wire
        .rooms
        .iter()
        .find_map(|r| r.room_name.clone())
        .and_then(|n| RoomNumber::new(n).ok());
    Ok(Reservation {
        id: ReservationId::derive(&ctx.hotel, &external),
        external,
        hotel: ctx.hotel.clone(),
        confirmation_number: Some(id.to_owned()),
        status,
        arrival,
        departure,
        eta: None,
        etd: None,
        room_number,
        room_type: wire.rooms.first().and_then(|r| r.room_type_name.clone()),
        adults: wire.adults.unwrap_or(0),
        children: wire.children.unwrap_or(0),
        primary_guest,
        companions,
        rate_plan_code: None,
        total: None,
        balance: wire.balance.map(|a| Money::new(a, ctx.currency)),
        created_at: wire.date_created.map(|t| local_to_utc(t, ctx.time_zone)),
        updated_at: wire.date_modified.map(|t| local_to_utc(t, ctx.time_zone)),
        source: wire.source_name.clone(),
        channel: wire.source_id.clone(),
        raw: raw.map(RedactedJson::into_payload),
    })
}

/// Adds what a `getReservations` row lacks from the same reservation's
/// `getReservationsWithRateDetails` item: `total` and the ETA.
pub fn complete_with_rates(reservation: &mut Reservation, rates: &ReservationRates, ctx: &MapContext) {
    reservation.total = rates.total.map(|a| Money::new(a, ctx.currency));
    reservation.eta = eta_of(rates.estimated_arrival_time.as_deref(), reservation.arrival, ctx);
}

/// A guest profile. `getGuest` has no `guestID`, so the id the caller asked
/// for is passed in; list methods carry their own.
pub fn guest(wire: &GuestDetail, id: &str, path: &str, ctx: &MapContext) -> Result<Guest, CloudbedsError> {
    let external = cb_ref(id, path)?;
    let lines: Vec<String> = [&wire.address, &wire.address2]
        .into_iter()
        .filter_map(|l| l.clone())
        .collect();
    let has_address = !lines.is_empty() || wire.city.is_some() || wire.zip.is_some() || wire.state.is_some();
    let address = has_address.then(|| {
        Pii::new(Address {
            lines,
            city: wire.city.clone(),
            postal_code: wire.zip.clone(),
            region: wire.state.clone(),
            country: wire.country.clone(),
        })
    });
    let identity_document = match (&wire.document_type, &wire.document_number) {
        (Some(kind), Some(number)) if kind != "na" => Some(Pii::new(IdentityDocument {
            kind: document_kind(kind),
            number: number.clone(),
            issuing_country: wire.document_issuing_country.clone(),
            expires_on: wire.document_expiration_date,
        })),
        _ => None,
    };
    Ok(Guest {
        id: GuestId::derive(&ctx.hotel, &external),
        external,
        name: PersonName {
            title: None,
            first: wire.first_name.clone().map(Pii::new),
            middle: None,
            last: wire.last_name.clone().map(Pii::new),
        },
        email: wire.email.clone().map(Pii::new),
        phone: wire
            .phone
            .clone()
            .or_else(|| wire.cell_phone.clone())
            .map(Pii::new),
        address,
        // `country` is the address country, not a nationality.
        nationality: None,
        birth_date: wire.birth_date.map(Pii::new),
        language: None,
        loyalty_number: None,
        identity_document,
        updated_at: wire.date_modified.map(|t| local_to_utc(t, ctx.time_zone)),
    })
}

/// One `getRooms.data[].rooms[]` item.
pub fn room(wire: &RoomItem, path: &str) -> Result<Room, CloudbedsError> {
    let id = required(&wire.room_id, format_args!("{path}.roomID"))?;
    let name = required(&wire.room_name, format_args!("{path}.roomName"))?;
    Ok(Room {
        external: cb_ref(id, format_args!("{path}.roomID"))?,
        number: RoomNumber::new(name)
            .map_err(|_| CloudbedsError::decode(format!("{path}.roomName"), "empty"))?,
        room_type: wire
            .room_type_name
            .clone()
            .or_else(|| wire.room_type_name_short.clone()),
        floor: None,
        status: None,
    })
}

/// One `getHousekeepingStatus.data[]` item. A blocked room (`roomBlocked`,
/// an out-of-order room block) is reported as out of order whatever its
/// cleaning condition; `date` is a day only, so it becomes local midnight.
pub fn housekeeping(
    wire: &HousekeepingItem,
    path: &str,
    ctx: &MapContext,
) -> Result<RoomStatusReport, CloudbedsError> {
    let id = required(&wire.room_id, format_args!("{path}.roomID"))?;
    let name = required(&wire.room_name, format_args!("{path}.roomName"))?;
    let condition = required(&wire.room_condition, format_args!("{path}.roomCondition"))?;
    let housekeeping = if wire.room_blocked == Some(true) {
        HousekeepingStatus::OutOfOrder
    } else {
        room_condition(condition)
    };
    Ok(RoomStatusReport {
        room: cb_ref(id, format_args!("{path}.roomID"))?,
        number: RoomNumber::new(name)
            .map_err(|_| CloudbedsError::decode(format!("{path}.roomName"), "empty"))?,
        status: RoomStatus {
            housekeeping,
            occupancy: wire
                .room_occupied
                .map(|o| if o { Occupancy::Occupied } else { Occupancy::Vacant }),
            updated_at: wire
                .date
                .map(|d: NaiveDate| local_to_utc(d.and_time(NaiveTime::MIN), ctx.time_zone)),
        },
    })
}

/// The marker we put in `itemNote` (and send as `referenceID`) so a charge
/// can be found again by our request id.
pub fn request_marker(request_id: RequestId) -> String {
    format!("pms-ref:{request_id}")
}

fn find_request_id(t: &Transaction) -> Option<RequestId> {
    request_id_in([&t.reference_id, &t.notes, &t.description])
}

/// Our request id in the first of `texts` that is one, or that carries
/// the [`request_marker`].
pub(crate) fn request_id_in<const N: usize>(texts: [&Option<String>; N]) -> Option<RequestId> {
    texts.into_iter().flatten().find_map(|text| {
        if let Ok(id) = text.trim().parse::<RequestId>() {
            return Some(id);
        }
        const MARKER: &str = "pms-ref:";
        let start = text.find(MARKER)?.checked_add(MARKER.len())?;
        text.get(start..start.checked_add(36)?)?.parse().ok()
    })
}

/// The `itemCategoryName` we send for a charge kind (when the caller gives no outlet).
pub fn charge_kind_label(kind: &ChargeKind) -> &str {
    match kind {
        ChargeKind::Room => "Room",
        ChargeKind::RoomService => "Room Service",
        ChargeKind::Spa => "Spa",
        ChargeKind::Restaurant => "Restaurant",
        ChargeKind::Minibar => "Minibar",
        ChargeKind::Gratuity => "Gratuity",
        ChargeKind::Other(label) => label,
    }
}

/// `transactionCategory` (and, for items, `itemCategoryName`) to a charge kind.
/// Item categories spelled like our own labels ([`charge_kind_label`]) map
/// back to their kinds; any other category is kept verbatim in `Other`.
pub fn charge_kind(category: Option<&str>, item_category: Option<&str>) -> ChargeKind {
    match category {
        Some("rate" | "room_revenue") => ChargeKind::Room,
        Some(
            c @ ("adjustment" | "addon" | "custom_item" | "fee" | "product" | "tax" | "void" | "refund"
            | "payment"),
        ) => match item_category {
            Some(label) => item_kind(label),
            None => ChargeKind::Other(c.to_owned()),
        },
        Some(other) => ChargeKind::Other(other.to_owned()),
        None => item_category.map_or_else(|| ChargeKind::Other("unknown".to_owned()), item_kind),
    }
}

fn item_kind(label: &str) -> ChargeKind {
    match label.trim().to_ascii_lowercase().as_str() {
        "room service" => ChargeKind::RoomService,
        "spa" => ChargeKind::Spa,
        "restaurant" => ChargeKind::Restaurant,
        "minibar" => ChargeKind::Minibar,
        "gratuity" => ChargeKind::Gratuity,
        _ => ChargeKind::Other(label.to_owned()),
    }
}

/// Transactions (`getTransactions.data[]`) of one reservation to a folio.
///
/// Lines in category `payment` or `refund` are payments, every other debit
/// or credit is a charge line; the amount is "Credit - Debit", so a charge's
/// amount is negated (an adjustment credit becomes a negative charge). Lines whose
/// `isDeleted`, and lines a `void` line points at through its
/// `parentTransactionID`, are flagged voided. `balance` is Cloudbeds' own balance
/// from `getReservation` when the caller has it, else recomputed.
pub fn folio(
    reservation_id: &str,
    transactions: &[Transaction],
    balance: Option<Decimal>,
    ctx: &MapContext,
) -> Result<Folio, CloudbedsError> {
    let reservation = cb_ref(reservation_id, "reservationID")?;
    let mut charges = Vec::new();
    let mut payments = Vec::new();
    // A `void` line cancels its parent: the parent is flagged, the void line
    // itself is not a charge (it would count the amount twice).
    let voided_parents: std::collections::BTreeSet<&str> = transactions
        .iter()
        .filter(|t| t.transaction_category.as_deref() == Some("void"))
        .filter_map(|t| t.parent_transaction_id.as_deref())
        .collect();
    for (i, t) in transactions.iter().enumerate() {
        if t.transaction_category.as_deref() == Some("void") {
            continue;
        }
        let path = |f: &str| format!("data[{i}].{f}");
        let tid = required(&t.transaction_id, path("transactionID"))?;
        let external = cb_ref(tid, path("transactionID"))?;
        let currency = match &t.currency {
            Some(code) => {
                Currency::new(code).map_err(|_| CloudbedsError::decode(path("currency"), "not ISO 4217"))?
            }
            None => ctx.currency,
        };
        let amount = t
            .amount
            .ok_or_else(|| CloudbedsError::decode(path("amount"), "missing required field"))?;
        let at = t
            .transaction_date_time_utc
            .map(|u| Utc.from_utc_datetime(&u))
            .or_else(|| t.transaction_date_time.map(|l| local_to_utc(l, ctx.time_zone)));
        let voided = t.is_deleted == Some(true) || voided_parents.contains(tid);
        let kind = t.transaction_type.as_deref();
        let category = t.transaction_category.as_deref();
        match (kind, category) {
            // amount = credit - debit: a payment is positive, a refund negative,
            // as the model wants them.
            (Some("debit" | "credit"), Some("payment" | "refund")) => payments.push(Payment {
                external,
                amount: Money::new(amount, currency),
                method: t.description.clone(),
                state: if voided {
                    PaymentState::Voided
                } else {
                    PaymentState::Charged
                },
                paid_at: at,
            }),
            (Some("debit" | "credit"), _) => {
                // amount = credit - debit: a debit (a charge) is negative.
                // (Negating a Decimal flips its sign bit: it cannot overflow.)
                let total = Money::new(std::ops::Neg::neg(amount), currency);
                let quantity = t.quantity.filter(|q| !q.is_zero()).unwrap_or(Decimal::ONE);
                let unit = total
                    .amount
                    .checked_div(quantity)
                    .map(|u| Money::new(u, currency))
                    .unwrap_or(total);
                let posted_at = at.ok_or_else(|| {
                    CloudbedsError::decode(path("transactionDateTime"), "missing required field")
                })?;
                charges.push(FolioCharge {
                    id: ChargeId::derive(&ctx.hotel, &external),
                    external,
                    kind: charge_kind(category, t.item_category_name.as_deref()),
                    description: t.description.clone().unwrap_or_default(),
                    unit_amount: unit,
                    quantity,
                    total,
                    tax: None,
                    transaction_code: t.transaction_code.clone(),
                    outlet: t.item_category_name.clone(),
                    posted_at,
                    business_date: t.service_date,
                    voided,
                    request_id: find_request_id(t),
                });
            }
            _ => {
                return Err(CloudbedsError::decode(
                    path("transactionType"),
                    format!("unknown transaction type {:?}", t.transaction_type),
                ));
            }
        }
    }
    let folio_ref = reservation.clone();
    let mut folio = Folio {
        id: FolioId::derive(&ctx.hotel, &folio_ref),
        external: folio_ref,
        owner: FolioOwner::Reservation(reservation),
        balance: Money::zero(ctx.currency),
        other_balances: Vec::new(),
        charges,
        payments,
    };
    folio.balance = match balance {
        Some(b) => Money::new(b, ctx.currency),
        None => folio
            .computed_balance()
            .map_err(|e| CloudbedsError::decode("data", e.to_string()))?,
    };
    Ok(folio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reservation_status_is_mapped_explicitly() {
        let cases = [
            ("confirmed", ReservationStatus::Confirmed),
            ("not_confirmed", ReservationStatus::Tentative),
            ("canceled", ReservationStatus::Cancelled),
            ("checked_in", ReservationStatus::CheckedIn),
            ("checked_out", ReservationStatus::CheckedOut),
            ("no_show", ReservationStatus::NoShow),
            ("in_progress", ReservationStatus::Other("in_progress".into())),
            ("call2confirm", ReservationStatus::Other("call2confirm".into())),
            ("something_new", ReservationStatus::Other("something_new".into())),
        ];
        for (wire, model) in cases {
            assert_eq!(reservation_status(wire), model, "{wire}");
            if let Some(back) = reservation_status_to_wire(&model) {
                assert_eq!(back, wire);
            }
        }
        assert_eq!(reservation_status_to_wire(&ReservationStatus::Waitlisted), None);
    }

    #[test]
    fn room_conditions_round_trip_and_blocks_are_refused() {
        for wire in ["clean", "dirty", "inspected"] {
            assert_eq!(room_condition_to_wire(&room_condition(wire)).ok(), Some(wire));
        }
        assert_eq!(
            room_condition("sparkling"),
            HousekeepingStatus::Other("sparkling".into())
        );
        assert!(room_condition_to_wire(&HousekeepingStatus::OutOfOrder).is_err());
        assert!(room_condition_to_wire(&HousekeepingStatus::Pickup).is_err());
    }

    #[test]
    fn local_times_convert_with_the_property_zone_across_dst() {
        let ny = chrono_tz::America::New_York;
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            local_to_utc(at("2026-01-19 18:11:31"), ny).to_rfc3339(),
            "2026-01-19T23:11:31+00:00"
        );
        assert_eq!(
            local_to_utc(at("2026-07-01 12:00:00"), ny).to_rfc3339(),
            "2026-07-01T16:00:00+00:00"
        );
        // 02:30 does not exist on 2026-03-08 in New York: moved to 03:30 EDT.
        assert_eq!(
            local_to_utc(at("2026-03-08 02:30:00"), ny).to_rfc3339(),
            "2026-03-08T07:30:00+00:00"
        );
        // 01:30 happens twice on 2026-11-01: the earlier (EDT) is taken.
        assert_eq!(
            local_to_utc(at("2026-11-01 01:30:00"), ny).to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
    }

    #[test]
    fn document_kinds() {
        assert_eq!(document_kind("passport"), DocumentKind::Passport);
        assert_eq!(document_kind("dni"), DocumentKind::IdentityCard);
        assert_eq!(document_kind("driver_licence"), DocumentKind::DrivingLicence);
        assert_eq!(document_kind("tax_card"), DocumentKind::Other("tax_card".into()));
    }
}
