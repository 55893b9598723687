//! Rooms and housekeeping: `GET /getRooms`, `GET /getHousekeepingStatus`,
//! `POST /postHousekeepingStatus`, `POST /postRoomAssign`, and
//! `GET /getHotelDetails` (the property).
//! Source: `src/pms-v1.3-openapi.yaml` paths of the same names
//! (`GetRoomsResponse`, `GetHousekeepingStatusResponse`,
//! `PostHousekeepingStatusResponse`, `GetHotelDetailsResponse`); vendor notes
//! §3.3, §3.5.
//!
//! Conditions: the shared hotel's `Dirty`/`Clean`/`Inspected` are Cloudbeds'
//! `dirty`/`clean`/`inspected` (the simulated property has the "inspected"
//! feature on, spec `postHousekeepingStatus.roomCondition`). Out-of-service
//! and out-of-order are room blocks in Cloudbeds (`roomBlocked: true`), not
//! conditions; their condition reads `dirty` and cannot be written here.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use uuid::Uuid;

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::Params;
use super::render::local_date;
use super::reservations::check_property;
use super::{Front, OpResult, Reply, RoomFlags, webhook};
use crate::model::{ReservationState, Room, RoomState};
use crate::state::{self, Hotel};

/// `getRooms.pageSize`: "default 20". Larger pages are capped at 100
/// silently; the cap is undocumented (the connector guards against one).
const ROOMS_PAGE_DEFAULT: u32 = 20;
const ROOMS_PAGE_CAP: u32 = 100;
/// `getHousekeepingStatus.pageSize`: default 100, "Max = 5000".
const HK_PAGE_DEFAULT: u32 = 100;
const HK_PAGE_MAX: u32 = 5000;

fn condition(state: RoomState) -> &'static str {
    match state {
        RoomState::Clean => "clean",
        RoomState::Inspected => "inspected",
        RoomState::Dirty | RoomState::OutOfService | RoomState::OutOfOrder => "dirty",
    }
}

fn blocked(state: RoomState) -> bool {
    matches!(state, RoomState::OutOfService | RoomState::OutOfOrder)
}

fn category_name(hotel: &Hotel, room: &Room) -> String {
    hotel
        .categories
        .iter()
        .find(|c| c.id == room.category_id)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// `GET /getRooms`: `data: [{propertyID, rooms: [...]}]`. `count`/`total`
/// count rooms, as observed (`"count": 20, "total": 20` for one property
/// with 20 rooms), not properties as the spec's description says (vendor
/// notes §3.3). Filter `roomTypeID` (comma-separated).
pub(super) fn get_rooms(front: &Front, params: &Params) -> OpResult {
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyIDs")?;
    let (page, size) = params.page(ROOMS_PAGE_DEFAULT, u32::MAX)?;
    let size = size.min(ROOMS_PAGE_CAP);
    let types: Option<Vec<&str>> = params
        .get("roomTypeID")
        .map(|s| s.split(',').map(str::trim).collect());
    let ids = CloudbedsIds::room_ids(&hotel);
    let rooms: Vec<&Room> = hotel
        .rooms
        .iter()
        .filter(|r| {
            types
                .as_ref()
                .is_none_or(|t| t.contains(&CloudbedsIds::room_type_id(r.category_id).as_str()))
        })
        .collect();
    let total = rooms.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let items: Vec<Value> = rooms
        .into_iter()
        .skip(skip)
        .take(size as usize)
        .map(|room| {
            let name = category_name(&hotel, room);
            json!({
                "roomID": ids.get(&room.id),
                "roomName": room.number,
                "dormRoomName": "",
                "roomDescription": "",
                "maxGuests": 2,
                "isPrivate": true,
                "isVirtual": false,
                "roomBlocked": blocked(room.state),
                "roomTypeID": CloudbedsIds::room_type_id(room.category_id),
                "roomTypeName": name,
                "roomTypeNameShort": name.chars().take(3).collect::<String>().to_uppercase(),
                "doorlockID": "",
                "linkedRoomIDs": [],
                "linkedRoomTypeIDs": [],
                "linkedRoomTypeQty": []
            })
        })
        .collect();
    let count = items.len();
    Ok(Reply::read(json!({
        "success": true,
        "data": [{ "propertyID": CloudbedsIds::property_id(&hotel), "rooms": items }],
        "count": count,
        "total": total
    })))
}

/// Occupancy and front-desk movement per room, today.
#[derive(Default, Clone, Copy)]
struct Today {
    occupied: bool,
    arriving: bool,
    departing: bool,
}

fn today_by_room(hotel: &Hotel) -> HashMap<Uuid, Today> {
    let today = hotel.business_date(state::now());
    let mut out: HashMap<Uuid, Today> = HashMap::new();
    for r in &hotel.reservations {
        let Some(room) = r.room_id else { continue };
        let e = out.entry(room).or_default();
        match r.state {
            ReservationState::Started => {
                e.occupied = true;
                if hotel.business_date(r.scheduled_end) <= today {
                    e.departing = true;
                }
            }
            ReservationState::Confirmed | ReservationState::Optional
                if hotel.business_date(r.scheduled_start) == today =>
            {
                e.arriving = true;
            }
            _ => {}
        }
    }
    out
}

/// `frontdeskStatus`: `check-in, check-out, stayover, turnover, unused`.
fn frontdesk(t: Today) -> &'static str {
    match (t.arriving, t.departing, t.occupied) {
        (true, true, _) => "turnover",
        (true, false, _) => "check-in",
        (false, true, _) => "check-out",
        (false, false, true) => "stayover",
        (false, false, false) => "unused",
    }
}

fn housekeeping_item(hotel: &Hotel, room: &Room, room_id: &str, today: Today, flags: &RoomFlags) -> Value {
    json!({
        // "last date/time that the room condition changed", a date only.
        "date": local_date(hotel, room.updated),
        "roomTypeID": CloudbedsIds::room_type_id(room.category_id),
        "roomTypeName": category_name(hotel, room),
        "roomID": room_id,
        "roomName": room.number,
        "roomCondition": condition(room.state),
        "roomOccupied": today.occupied,
        "roomBlocked": blocked(room.state),
        "frontdeskStatus": frontdesk(today),
        // "0" = unassigned (spec `housekeeperIDs`).
        "housekeeperID": "0",
        "housekeeper": "",
        "doNotDisturb": flags.do_not_disturb,
        "refusedService": flags.refused_service,
        "vacantPickup": flags.vacant_pickup,
        "roomComments": flags.comments
    })
}

/// `GET /getHousekeepingStatus` ("Returns the current date's housekeeping
/// information"): filters `roomTypeIDs`, `roomCondition` (`clean|dirty`),
/// `roomOccupied`; `pageNumber`, `pageSize` (default 100, max 5000).
pub(super) fn get_housekeeping_status(front: &Front, params: &Params) -> OpResult {
    let flags = front.local().rooms.clone();
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let (page, size) = params.page(HK_PAGE_DEFAULT, HK_PAGE_MAX)?;
    let types: Option<HashSet<&str>> = params
        .get("roomTypeIDs")
        .map(|s| s.split(',').map(str::trim).collect());
    let wanted_condition = match params.get("roomCondition") {
        None => None,
        Some(c @ ("clean" | "dirty")) => Some(c),
        Some(_) => return Err(CbError::invalid("roomCondition", "must be clean or dirty")),
    };
    let occupied = params.bool("roomOccupied")?;
    let ids = CloudbedsIds::room_ids(&hotel);
    let today = today_by_room(&hotel);
    let rows: Vec<&Room> = hotel
        .rooms
        .iter()
        .filter(|room| {
            let t = today.get(&room.id).copied().unwrap_or_default();
            types
                .as_ref()
                .is_none_or(|ts| ts.contains(CloudbedsIds::room_type_id(room.category_id).as_str()))
                && wanted_condition.is_none_or(|c| {
                    // "inspected" is a clean room that was also checked.
                    let have = condition(room.state);
                    have == c || (c == "clean" && have == "inspected")
                })
                && occupied.is_none_or(|o| t.occupied == o)
        })
        .collect();
    let total = rows.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let default_flags = RoomFlags::default();
    let data: Vec<Value> = rows
        .into_iter()
        .skip(skip)
        .take(size as usize)
        .map(|room| {
            let id = ids.get(&room.id).cloned().unwrap_or_default();
            let t = today.get(&room.id).copied().unwrap_or_default();
            housekeeping_item(
                &hotel,
                room,
                &id,
                t,
                flags.get(&room.id).unwrap_or(&default_flags),
            )
        })
        .collect();
    Ok(Reply::read(json!({
        "success": true,
        "data": data,
        "count": data.len(),
        "total": total
    })))
}

/// `POST /postHousekeepingStatus` (`roomID` required; `roomCondition`
/// `dirty|clean|inspected`, `doNotDisturb`, `roomComments`,
/// `refusedService`, `vacantPickup`). "If no optional parameters are sent,
/// will switch from current room condition": without any of them the
/// condition toggles (clean or inspected → dirty, dirty → clean). The answer
/// is `data: {date, roomID, roomCondition, roomComments, doNotDisturb,
/// refusedService, vacantPickup}`.
pub(super) fn post_housekeeping_status(front: &Front, params: &Params) -> OpResult {
    let room_wire = params.required("roomID")?.to_owned();
    let requested = match params.get("roomCondition") {
        None => None,
        Some("dirty") => Some(RoomState::Dirty),
        Some("clean") => Some(RoomState::Clean),
        Some("inspected") => Some(RoomState::Inspected),
        Some(_) => {
            return Err(CbError::invalid(
                "roomCondition",
                "must be dirty, clean or inspected",
            ));
        }
    };
    let dnd = params.bool("doNotDisturb")?;
    let refused = params.bool("refusedService")?;
    let pickup = params.bool("vacantPickup")?;
    let comments = params
        .has("roomComments")
        .then(|| params.get("roomComments").unwrap_or_default());
    let any_optional =
        requested.is_some() || dnd.is_some() || refused.is_some() || pickup.is_some() || comments.is_some();
    let now = state::now();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let room_id = CloudbedsIds::find_room(&hotel, &room_wire)
        .ok_or_else(|| CbError::business(format!("Room {room_wire} not found")))?;
    let current = hotel.room(room_id).map_or(RoomState::Dirty, |r| r.state);
    let target = match requested {
        Some(state) => Some(state),
        None if !any_optional => Some(if current == RoomState::Dirty {
            RoomState::Clean
        } else {
            RoomState::Dirty
        }),
        None => None,
    };
    let mut events = Vec::new();
    if let Some(target) = target {
        if blocked(current) {
            return Err(CbError::business(format!(
                "Room {room_wire} is blocked (out of service); its condition cannot be changed"
            )));
        }
        if target != current {
            hotel.set_room_states(&[(room_id, target)], now)?;
            events.push(webhook::room_condition_changed(
                &hotel,
                &room_wire,
                condition(target),
                now,
            ));
        }
    }
    let flags = {
        let mut local = front.local();
        let flags = local.rooms.entry(room_id).or_default();
        if let Some(v) = dnd {
            flags.do_not_disturb = v;
        }
        if let Some(v) = refused {
            flags.refused_service = v;
        }
        if let Some(v) = pickup {
            flags.vacant_pickup = v;
        }
        if let Some(c) = comments {
            flags.comments = c.to_owned();
        }
        flags.clone()
    };
    let room = hotel.room(room_id);
    let state = room.map_or(current, |r| r.state);
    let data = json!({
        "date": room.map(|r| local_date(&hotel, r.updated)),
        "roomID": room_wire,
        "roomCondition": condition(state),
        "roomComments": flags.comments,
        "doNotDisturb": flags.do_not_disturb,
        "refusedService": flags.refused_service,
        "vacantPickup": flags.vacant_pickup
    });
    Ok(Reply::write(json!({ "success": true, "data": data }), events))
}

/// `GET /getHotelDetails`: the property (`propertyID, propertyName,
/// propertyCurrency{currencyCode, currencySymbol, currencyPosition}`), the
/// cheapest authenticated call for health checks. No time zone: neither the
/// v1.3 document nor SDK 1.19 has one here (`getHotels` has `propertyTimezone`).
pub(super) fn get_hotel_details(front: &Front, params: &Params) -> OpResult {
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let p = &hotel.property;
    Ok(Reply::read(json!({
        "success": true,
        "data": {
            "propertyID": CloudbedsIds::property_id(&hotel),
            "propertyName": p.name,
            "propertyCurrency": {
                "currencyCode": p.currency,
                "currencySymbol": if p.currency == "EUR" { "€" } else { "" },
                "currencyPosition": "after"
            }
        }
    })))
}

/// Whether a reservation in `state` holds its room (an active stay).
fn holds_room(state: ReservationState) -> bool {
    matches!(
        state,
        ReservationState::Inquired
            | ReservationState::Optional
            | ReservationState::Confirmed
            | ReservationState::Started
    )
}

/// `POST /postRoomAssign` ("Assign/Reassign a room on a guest reservation";
/// SDK `cloudbeds_pms_v1_3` `RoomApi.post_room_assign_post`, docs page
/// `post_postroomassign-2`). Form: `propertyID`, `reservationID` or
/// `subReservationID` (the same value here, see [`CloudbedsIds`]),
/// `newRoomID`, `roomTypeID` ("Need to be provided in case of assignment"),
/// `oldRoomID` ("Need to be provided in case of reassignment"),
/// `reservationRoomID` with an empty `newRoomID` to unassign, `adjustPrice`
/// and the deprecated `overrideRates` (accepted; the simulator keeps rates).
/// The answer is `{success}` only (`PostRoomAssignResponse`). Refused with
/// `success: false` in HTTP 200: an unknown reservation or room, a room of
/// another type than `roomTypeID`, a blocked room, a room another active
/// stay holds on overlapping dates, a missing or wrong `oldRoomID` when the
/// reservation already has a room, and stays that are over or canceled.
/// Assigning the room the reservation has is an accepted no-op.
pub(super) fn post_room_assign(front: &Front, params: &Params) -> OpResult {
    let id = match params.get("reservationID") {
        Some(id) => id.to_owned(),
        None => params
            .get("subReservationID")
            .ok_or_else(|| CbError::required("reservationID"))?
            .to_owned(),
    };
    params.bool("adjustPrice")?;
    params.bool("overrideRates")?;
    let now = state::now();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = CloudbedsIds::find_reservation(&hotel, &id)
        .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))?;
    let (uuid, state, start, end, current) = (r.id, r.state, r.scheduled_start, r.scheduled_end, r.room_id);
    if let Some(sub) = params.get("subReservationID")
        && sub != id
    {
        return Err(CbError::business(format!(
            "Sub reservation {sub} not found in reservation {id}"
        )));
    }
    if !holds_room(state) {
        return Err(CbError::business(format!(
            "Reservation {id} is {}; its room cannot be changed",
            super::render::status(state, false)
        )));
    }
    let ids = CloudbedsIds::room_ids(&hotel);
    let wire_of = |room: Uuid| ids.get(&room).cloned().unwrap_or_default();
    let position = hotel.reservations.iter().position(|r| r.id == uuid);
    let Some(new_wire) = params.get("newRoomID").map(str::to_owned) else {
        if !params.has("newRoomID") {
            return Err(CbError::required("newRoomID"));
        }
        // An empty newRoomID unassigns the room named by reservationRoomID.
        let room_row = params.required("reservationRoomID")?;
        if room_row != id {
            return Err(CbError::business(format!(
                "Reservation room {room_row} not found in reservation {id}"
            )));
        }
        let Some(previous) = current else {
            return Ok(Reply {
                body: json!({ "success": true }),
                events: Vec::new(),
                applied: false,
            });
        };
        if state == ReservationState::Started {
            return Err(CbError::business(
                "The room of a checked-in reservation cannot be unassigned",
            ));
        }
        if let Some(r) = position.and_then(|i| hotel.reservations.get_mut(i)) {
            r.room_id = None;
            r.updated = now;
        }
        let event = webhook::accommodation_changed(&hotel, &id, "", &wire_of(previous), now);
        return Ok(Reply::write(json!({ "success": true }), vec![event]));
    };
    let room_id = ids
        .iter()
        .find_map(|(uuid, wire)| (*wire == new_wire).then_some(*uuid))
        .ok_or_else(|| CbError::business(format!("Room {new_wire} not found")))?;
    let Some(room) = hotel.room(room_id) else {
        return Err(CbError::business(format!("Room {new_wire} not found")));
    };
    let (category, room_state) = (room.category_id, room.state);
    let type_id = CloudbedsIds::room_type_id(category);
    let sent_type = params.required("roomTypeID")?;
    if sent_type != type_id {
        return Err(CbError::invalid(
            "roomTypeID",
            format!("room {new_wire} is of room type {type_id}, not {sent_type}"),
        ));
    }
    match (current, params.get("oldRoomID")) {
        (Some(have), _) if have == room_id => {
            // Already there: nothing to change.
            return Ok(Reply {
                body: json!({ "success": true }),
                events: Vec::new(),
                applied: false,
            });
        }
        (Some(_), None) => return Err(CbError::required("oldRoomID")),
        (Some(have), Some(old)) if wire_of(have) != old => {
            return Err(CbError::business(format!(
                "Room {old} is not assigned to reservation {id}"
            )));
        }
        (None, Some(old)) => {
            return Err(CbError::business(format!(
                "Room {old} is not assigned to reservation {id}"
            )));
        }
        _ => {}
    }
    if blocked(room_state) {
        return Err(CbError::business(format!(
            "Room {new_wire} is blocked (out of service) and cannot be assigned"
        )));
    }
    let taken = hotel.reservations.iter().any(|other| {
        other.id != uuid
            && other.room_id == Some(room_id)
            && holds_room(other.state)
            && other.scheduled_start < end
            && start < other.scheduled_end
    });
    if taken {
        return Err(CbError::business(format!(
            "Room {new_wire} is already assigned to another reservation on these dates"
        )));
    }
    if let Some(r) = position.and_then(|i| hotel.reservations.get_mut(i)) {
        r.room_id = Some(room_id);
        r.category_id = category;
        r.updated = now;
    }
    let previous = current.map(wire_of).unwrap_or_default();
    let event = webhook::accommodation_changed(&hotel, &id, &new_wire, &previous, now);
    Ok(Reply::write(json!({ "success": true }), vec![event]))
}
