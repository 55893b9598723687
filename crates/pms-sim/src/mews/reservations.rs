//! Reservations: `reservations/getAll/2023-06-06`, `reservations/start`
//! (check-in), `reservations/process` (check-out) and `reservations/update`
//! (room assignment).
//! Source: `operations/reservations.md`
//! (<https://docs.mews.com/connector-api/operations/reservations>).

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::agenda;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decode, listed, paginate, ts, ts_opt,
    within, within_opt,
};
use crate::model::{AgendaItem, Reservation, ReservationState};
use crate::server::SimCore;
use crate::state::{self, Change, Hotel};

/// A listed reservation: a stay, or an agenda booking of an hourly service.
enum Row<'a> {
    Stay(&'a Reservation),
    Booking(&'a AgendaItem),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    reservation_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    account_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    service_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    assigned_resource_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    numbers: Option<Vec<String>>,
    #[serde(default)]
    states: Option<Vec<String>>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
    #[serde(default)]
    colliding_utc: Option<TimeInterval>,
    #[serde(default)]
    scheduled_start_utc: Option<TimeInterval>,
    #[serde(default)]
    scheduled_end_utc: Option<TimeInterval>,
    #[serde(default)]
    actual_start_utc: Option<TimeInterval>,
    #[serde(default)]
    actual_end_utc: Option<TimeInterval>,
}

const STATES: &[&str] = &[
    "Inquired",
    "Confirmed",
    "Started",
    "Processed",
    "Canceled",
    "Optional",
    "Requested",
];

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("ReservationIds", q.reservation_ids.as_ref(), 1000)?;
    check_len("AccountIds", q.account_ids.as_ref(), 1000)?;
    check_len("ServiceIds", q.service_ids.as_ref(), 1000)?;
    check_len("AssignedResourceIds", q.assigned_resource_ids.as_ref(), 1000)?;
    check_len("Numbers", q.numbers.as_ref(), 1000)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
        ("CollidingUtc", q.colliding_utc.as_ref()),
        ("ScheduledStartUtc", q.scheduled_start_utc.as_ref()),
        ("ScheduledEndUtc", q.scheduled_end_utc.as_ref()),
        ("ActualStartUtc", q.actual_start_utc.as_ref()),
        ("ActualEndUtc", q.actual_end_utc.as_ref()),
    ])?;
    // "Cannot be used with" each other, per the parameter table.
    if q.scheduled_start_utc.is_some() && q.actual_start_utc.is_some() {
        return Err(MewsError::invalid(
            "ActualStartUtc",
            "cannot be used with ScheduledStartUtc",
        ));
    }
    if q.scheduled_end_utc.is_some() && q.actual_end_utc.is_some() {
        return Err(MewsError::invalid(
            "ActualEndUtc",
            "cannot be used with ScheduledEndUtc",
        ));
    }
    if let Some(states) = &q.states
        && let Some(bad) = states.iter().find(|s| !STATES.contains(&s.as_str()))
    {
        return Err(MewsError::invalid("States", format!("unknown state {bad}")));
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| {
        hotel.reservation(id).map(|r| (r.created, r.id)).or_else(|| {
            hotel
                .agenda
                .iter()
                .find(|a| a.id == id)
                .map(|a| (booking_created(&hotel, a), a.id))
        })
    })?;
    // Stays are reservations of the first (stay) service; agenda items of
    // their kind's hourly service (see `super::agenda`). `ServiceIds`: "If not
    // provided, all bookable services are used" (parameter table of
    // `reservations/getAll/2023-06-06`), so an unfiltered query lists both.
    let stay_service = hotel.services.first().map(|s| s.id);
    let stays_asked = q
        .service_ids
        .as_ref()
        .is_none_or(|ids| stay_service.is_some_and(|s| ids.contains(&s)));
    let stays = hotel
        .reservations
        .iter()
        .filter(|_| stays_asked)
        .filter(|r| {
            listed(q.reservation_ids.as_ref(), r.id)
                && listed(q.account_ids.as_ref(), r.guest_id)
                && q.assigned_resource_ids
                    .as_ref()
                    .is_none_or(|ids| r.room_id.is_some_and(|id| ids.contains(&id)))
                && q.numbers.as_ref().is_none_or(|n| n.contains(&r.number))
                && q.states
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == r.state.as_str()))
                && within(q.created_utc.as_ref(), r.created)
                && within(q.updated_utc.as_ref(), r.updated)
                && within(q.scheduled_start_utc.as_ref(), r.scheduled_start)
                && within(q.scheduled_end_utc.as_ref(), r.scheduled_end)
                && within_opt(q.actual_start_utc.as_ref(), r.actual_start)
                && within_opt(q.actual_end_utc.as_ref(), r.actual_end)
                && q.colliding_utc
                    .is_none_or(|c| r.scheduled_start < c.end_utc && r.scheduled_end > c.start_utc)
        })
        .map(|r| ((r.created, r.id), Row::Stay(r)));
    let bookings = hotel
        .agenda
        .iter()
        .filter(|a| {
            let stay = hotel.reservation(a.reservation_id);
            let (created, updated) = stay.map_or((a.starts, a.starts), |s| (s.created, s.updated));
            // "If not provided, all bookable services are used": a query
            // without `ServiceIds` gets the hourly bookings too.
            q.service_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&agenda::service_of(&hotel, a.kind)))
                && listed(q.reservation_ids.as_ref(), a.id)
                && listed(q.account_ids.as_ref(), a.guest_id)
                && q.assigned_resource_ids.is_none()
                && q.numbers.is_none()
                && q.states
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == "Confirmed"))
                && within(q.created_utc.as_ref(), created)
                && within(q.updated_utc.as_ref(), updated)
                && within(q.scheduled_start_utc.as_ref(), a.starts)
                && within(q.scheduled_end_utc.as_ref(), a.ends)
                && within_opt(q.actual_start_utc.as_ref(), None)
                && within_opt(q.actual_end_utc.as_ref(), None)
                && q.colliding_utc
                    .is_none_or(|c| a.starts < c.end_utc && a.ends > c.start_utc)
        })
        .map(|a| ((booking_created(&hotel, a), a.id), Row::Booking(a)));
    let rows = stays.chain(bookings).collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let reservations: Vec<Value> = page
        .into_iter()
        .map(|row| match row {
            Row::Stay(r) => render(&hotel, r),
            Row::Booking(a) => agenda::render_booking(&hotel, a),
        })
        .collect();
    Ok((
        json!({ "Reservations": reservations, "Cursor": next }),
        Vec::new(),
    ))
}

/// When a booking was created (its `CreatedUtc`: the stay's), the key it
/// pages by beside the stays, newest first.
fn booking_created(hotel: &Hotel, a: &AgendaItem) -> chrono::DateTime<chrono::Utc> {
    hotel
        .reservation(a.reservation_id)
        .map_or(a.starts, |s| s.created)
}

/// A `Reservation (ver 2023-06-06)`, with the deprecated `StartUtc`/`EndUtc`
/// still present as the docs' example and the OpenAPI `required` list have them.
fn render(hotel: &Hotel, r: &Reservation) -> Value {
    let service_id = hotel.services.first().map(|s| s.id);
    let adults = hotel.property.chain_id.as_u64_pair().0;
    // Two fixed age categories per hotel (adult, child), derived from its ids.
    let adult_category = Uuid::from_u64_pair(adults, 1);
    let child_category = Uuid::from_u64_pair(adults, 2);
    let mut person_counts = vec![json!({ "AgeCategoryId": adult_category, "Count": r.adults })];
    if r.children > 0 {
        person_counts.push(json!({ "AgeCategoryId": child_category, "Count": r.children }));
    }
    let started = matches!(r.state, ReservationState::Started | ReservationState::Processed);
    json!({
        "Id": r.id,
        "ServiceId": service_id,
        "AccountId": r.guest_id,
        "AccountType": "Customer",
        "CreatorProfileId": hotel.property.chain_id,
        "UpdaterProfileId": hotel.property.chain_id,
        "BookerId": null,
        "Number": r.number,
        "State": r.state.as_str(),
        "Origin": if r.connector_check_in { "Connector" } else { "Commander" },
        "CommanderOrigin": if r.connector_check_in { Value::Null } else { json!("Email") },
        "OriginDetails": null,
        "CreatedUtc": ts(r.created),
        "UpdatedUtc": ts(r.updated),
        "CancelledUtc": ts_opt(r.cancelled),
        "VoucherId": null,
        "BusinessSegmentId": null,
        "Options": {
            "OwnerCheckedIn": started,
            "AllCompanionsCheckedIn": started,
            "AnyCompanionCheckedIn": started,
            "ConnectorCheckIn": r.connector_check_in
        },
        "RateId": Uuid::from_u64_pair(adults, 3),
        "CreditCardId": null,
        "GroupId": r.group_id,
        "RequestedResourceCategoryId": r.category_id,
        "AssignedResourceId": r.room_id,
        "AvailabilityBlockId": null,
        "PartnerCompanyId": null,
        "TravelAgencyId": null,
        "AssignedResourceLocked": false,
        "ChannelNumber": null,
        "ChannelManagerNumber": null,
        "CancellationReason": if r.state == ReservationState::Canceled { json!("RequestedByGuest") } else { Value::Null },
        "ReleasedUtc": null,
        "StartUtc": ts(r.actual_start.unwrap_or(r.scheduled_start).min(r.scheduled_start)),
        "EndUtc": ts(r.scheduled_end),
        "ScheduledStartUtc": ts(r.scheduled_start),
        "ActualStartUtc": ts_opt(r.actual_start),
        "ScheduledEndUtc": ts(r.scheduled_end),
        "ActualEndUtc": ts_opt(r.actual_end),
        "Purpose": "Leisure",
        "QrCodeData": null,
        "PersonCounts": person_counts
    })
}

/// A `Reservation (ver 2017-04-12)`: `reservations/update` answers a
/// `ReservationResult` whose `Reservations` are this older shape (OpenAPI
/// `ReservationOld`: `CustomerId`/`OwnerId`, `RequestedCategoryId`,
/// `CompanionIds`, origins `Connector`/`Commander`... ), not the 2023-06-06
/// one `reservations/getAll/2023-06-06` gives.
fn render_old(hotel: &Hotel, r: &Reservation) -> Value {
    let current = render(hotel, r);
    let field = |name: &str| current.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "Id": r.id,
        "ServiceId": field("ServiceId"),
        "GroupId": r.group_id,
        "Number": r.number,
        "ChannelNumber": null,
        "ChannelManagerNumber": null,
        "ChannelManagerGroupNumber": null,
        "ChannelManager": null,
        "State": r.state.as_str(),
        // The old shape folds `CommanderOrigin` into `Origin`
        // (`ReservationOldOrigin`: `CommanderEmail`, not `Commander` + `Email`).
        "Origin": if r.connector_check_in { "Connector" } else { "CommanderEmail" },
        "OriginDetails": null,
        "Purpose": "Leisure",
        "CreatedUtc": ts(r.created),
        "UpdatedUtc": ts(r.updated),
        "CancelledUtc": ts_opt(r.cancelled),
        "StartUtc": field("StartUtc"),
        "EndUtc": field("EndUtc"),
        "ReleasedUtc": null,
        "RequestedCategoryId": r.category_id,
        "AssignedResourceId": r.room_id,
        "AssignedResourceLocked": false,
        "BusinessSegmentId": null,
        "CompanyId": null,
        "TravelAgencyId": null,
        "AvailabilityBlockId": null,
        "RateId": field("RateId"),
        "VoucherId": null,
        "CreditCardId": null,
        "CancellationReason": field("CancellationReason"),
        "AdultCount": r.adults,
        "ChildCount": r.children,
        "PersonCounts": field("PersonCounts"),
        "OwnerId": r.guest_id,
        "CustomerId": r.guest_id,
        "BookerId": null,
        "CompanionIds": [r.guest_id],
        "ChannelManagerId": null,
        "Options": {
            "OwnerCheckedIn": current["Options"]["OwnerCheckedIn"],
            "AllCompanionsCheckedIn": current["Options"]["AllCompanionsCheckedIn"],
            "AnyCompanionCheckedIn": current["Options"]["AnyCompanionCheckedIn"]
        }
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Start {
    reservation_id: Uuid,
}

/// "Succeeds only if all starting conditions are met (the reservation has the
/// `Confirmed` state, does not have start set to future, has an inspected room
/// assigned etc)". Returns `{}`.
pub(super) fn start(core: &SimCore, body: &Value) -> OpResult {
    let q: Start = decode(body)?;
    let changes = core.write().check_in(q.reservation_id, state::now())?;
    Ok((json!({}), changes))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Process {
    reservation_id: Uuid,
    #[serde(default)]
    close_bills: Option<bool>,
    #[serde(default)]
    allow_open_balance: Option<bool>,
    #[serde(default)]
    notes: Option<String>,
}

/// Check-out: already started, on or after the last day, balance settled
/// unless `AllowOpenBalance` (which then requires `Notes`). Returns `{}`.
pub(super) fn process(core: &SimCore, body: &Value) -> OpResult {
    let q: Process = decode(body)?;
    let allow_open = q.allow_open_balance.unwrap_or(false);
    if allow_open && q.notes.as_deref().is_none_or(str::is_empty) {
        return Err(MewsError::invalid(
            "Notes",
            "required when AllowOpenBalance is true",
        ));
    }
    let changes = core.write().check_out(
        q.reservation_id,
        q.close_bills.unwrap_or(false),
        allow_open,
        state::now(),
    )?;
    Ok((json!({}), changes))
}

/// An update value `{"Value": x}`; `Value` `null` clears the field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateValue<T> {
    #[serde(default)]
    value: Option<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReservationUpdate {
    reservation_id: Uuid,
    /// Absent or `null`: not updated.
    #[serde(default)]
    assigned_resource_id: Option<UpdateValue<Uuid>>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Update {
    reservation_updates: Vec<ReservationUpdate>,
}

/// Fields of `ReservationUpdateParameters` the simulator does not model: a
/// non-null value for one is refused rather than silently dropped.
const UNMODELLED: &[&str] = &[
    "ChannelNumber",
    "StartUtc",
    "EndUtc",
    "ReleasedUtc",
    "AdultCount",
    "ChildCount",
    "PersonCounts",
    "RequestedCategoryId",
    "TraveAgencyId",
    "TravelAgencyId",
    "CompanyId",
    "BusinessSegmentId",
    "Purpose",
    "RateId",
    "CreditCardId",
    "TimeUnitPrices",
    "BookerId",
    "AssignedResourceLocked",
    "AvailabilityBlockId",
    "Options",
];

/// A business-rule refusal, shaped like the other writes' (403).
fn refuse(message: String) -> MewsError {
    state::Rejection::Rule(message).into()
}

/// "Update reservations" (`reservations/update`,
/// <https://docs.mews.com/connector-api/operations/reservations#update-reservations>):
/// of the `ReservationUpdates` (max 1000) only `AssignedResourceId` is
/// modelled. All or nothing: an unknown reservation or resource is a 400
/// naming the parameter; a canceled or checked-out reservation, a room held
/// by another in-house (`Started`) stay at overlapping dates, or clearing the
/// room of an in-house stay is a 403 business refusal. Assigning the room a
/// reservation already has changes nothing. Answers the updated
/// reservations, as the documented response does.
pub(super) fn update(core: &SimCore, body: &Value) -> OpResult {
    let q: Update = decode(body)?;
    check_len("ReservationUpdates", Some(&q.reservation_updates), 1000)?;
    if q.reservation_updates.is_empty() {
        return Err(MewsError::invalid(
            "ReservationUpdates",
            "at least one update is required",
        ));
    }
    for u in &q.reservation_updates {
        if let Some((name, _)) = u
            .other
            .iter()
            .find(|(name, value)| UNMODELLED.contains(&name.as_str()) && !value.is_null())
        {
            return Err(MewsError::invalid(
                name,
                "updating it is not modelled by the simulator",
            ));
        }
    }
    let now = state::now();
    let mut hotel = core.write();
    // Validate every update against the state before applying any.
    let mut moves: Vec<(usize, Option<Uuid>)> = Vec::new();
    for u in &q.reservation_updates {
        let Some(i) = hotel.reservations.iter().position(|r| r.id == u.reservation_id) else {
            return Err(MewsError::invalid(
                "ReservationId",
                format!("reservation {} not found", u.reservation_id),
            ));
        };
        let Some(target) = &u.assigned_resource_id else {
            continue;
        };
        let r = &hotel.reservations[i];
        if target.value == r.room_id {
            continue;
        }
        if matches!(r.state, ReservationState::Canceled | ReservationState::Processed) {
            return Err(refuse(format!(
                "Reservation cannot be updated: it is in state {}, and its space can no longer be changed.",
                r.state.as_str()
            )));
        }
        match target.value {
            None if r.state == ReservationState::Started => {
                return Err(refuse(
                    "Reservation cannot be updated: a checked-in reservation must keep a space.".to_owned(),
                ));
            }
            None => {}
            Some(room_id) => {
                let Some(room) = hotel.room(room_id) else {
                    return Err(MewsError::invalid(
                        "AssignedResourceId",
                        format!("resource {room_id} not found"),
                    ));
                };
                let held = hotel.reservations.iter().any(|other| {
                    other.id != r.id
                        && other.room_id == Some(room_id)
                        && other.state == ReservationState::Started
                        && other.scheduled_start < r.scheduled_end
                        && other.scheduled_end > r.scheduled_start
                });
                // Checked against the state before this request: two updates
                // of one request are not checked against each other.
                if held {
                    return Err(refuse(format!(
                        "Reservation cannot be updated: space {} is occupied by another reservation in the selected interval.",
                        room.number
                    )));
                }
            }
        }
        moves.push((i, target.value));
    }
    let mut changes = Vec::new();
    for (i, room_id) in moves {
        let r = &mut hotel.reservations[i];
        r.room_id = room_id;
        r.updated = now;
        changes.push(Change::Reservation(r.id));
    }
    let mut reservations = Vec::new();
    for u in &q.reservation_updates {
        if let Some(r) = hotel.reservation(u.reservation_id) {
            reservations.push(render_old(&hotel, r));
        }
    }
    Ok((json!({ "Reservations": reservations }), changes))
}
