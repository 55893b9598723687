//! Reservations: `GET /getReservations`, `GET /getReservation`,
//! `PUT /putReservation` (status changes).
//! Source: `src/pms-v1.3-openapi.yaml` paths `/getReservations`,
//! `/getReservation`, `/putReservation` and their `GetReservationsResponse`,
//! `GetReservationResponse`, `PutReservationResponse` schemas; vendor notes §3.1.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::Params;
use super::render::{date, local_date, local_ts, money, money_string, status, utc_ts};
use super::{Front, OpResult, Reply, webhook};
use crate::model::{ChargeKind, Reservation, ReservationState};
use crate::state::{self, Hotel};

/// `pageSize` of `getReservations`: "Default 100, Max = 100".
const PAGE_SIZE: u32 = 100;

/// Refuses a `propertyID` that is not the simulated property's.
pub(crate) fn check_property(hotel: &Hotel, params: &Params, name: &str) -> Result<(), CbError> {
    match params.get(name) {
        Some(ids)
            if !ids
                .split(',')
                .any(|id| id.trim() == CloudbedsIds::property_id(hotel)) =>
        {
            Err(CbError::business(format!(
                "Access denied: {name} {ids} is not available to this credential"
            )))
        }
        _ => Ok(()),
    }
}

/// Charged, paid and balance of each stay in `ids`, in one pass over the
/// folio (the shared `Hotel::stay_balance` is one pass per stay). A payment
/// counts for a stay when it names it or sits on one of its bills, as there.
pub(crate) fn money_of(hotel: &Hotel, ids: &HashSet<Uuid>) -> HashMap<Uuid, (Decimal, Decimal)> {
    let mut out: HashMap<Uuid, (Decimal, Decimal)> = ids.iter().map(|id| (*id, Default::default())).collect();
    let mut bills: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for c in &hotel.charges {
        let stay = if ids.contains(&c.service_order_id) {
            c.service_order_id
        } else if let Some(r) = c.linked_reservation_id.filter(|r| ids.contains(r)) {
            r
        } else {
            continue;
        };
        if let Some(entry) = out.get_mut(&stay) {
            entry.0 += c.gross_total();
        }
        if let Some(b) = c.bill_id {
            let stays = bills.entry(b).or_default();
            if !stays.contains(&stay) {
                stays.push(stay);
            }
        }
    }
    for p in &hotel.payments {
        let mut stays: Vec<Uuid> = p.bill_id.and_then(|b| bills.get(&b)).cloned().unwrap_or_default();
        if let Some(r) = p.reservation_id.filter(|r| ids.contains(r))
            && !stays.contains(&r)
        {
            stays.push(r);
        }
        for stay in stays {
            if let Some(entry) = out.get_mut(&stay) {
                entry.1 += p.amount;
            }
        }
    }
    out
}

fn guest_name(hotel: &Hotel, r: &Reservation) -> String {
    hotel
        .guest(r.guest_id)
        .map(|g| format!("{} {}", g.first_name, g.last_name))
        .unwrap_or_default()
}

fn guest_id(hotel: &Hotel, r: &Reservation) -> Value {
    hotel
        .guest(r.guest_id)
        .map_or(Value::Null, |g| json!(CloudbedsIds::guest_id(g)))
}

/// `roomStatus` of `getReservations.rooms[]`: `cancelled` (double l, as the
/// spec spells it there), `in_house`, `checked_out`, `not_checked_in`.
fn room_status(r: &Reservation) -> &'static str {
    match r.state {
        ReservationState::Canceled => "cancelled",
        ReservationState::Started => "in_house",
        ReservationState::Processed => "checked_out",
        _ => "not_checked_in",
    }
}

/// `guestStatus` of `guestList` entries.
fn guest_status(r: &Reservation, no_show: bool) -> &'static str {
    match r.state {
        ReservationState::Started => "in_house",
        ReservationState::Processed => "checked_out",
        ReservationState::Canceled if no_show => "no_show",
        ReservationState::Canceled => "canceled",
        _ => "not_checked_in",
    }
}

struct Ctx<'h> {
    hotel: &'h Hotel,
    property_id: String,
    room_ids: HashMap<Uuid, String>,
    no_shows: &'h HashSet<Uuid>,
}

impl<'h> Ctx<'h> {
    fn new(hotel: &'h Hotel, no_shows: &'h HashSet<Uuid>) -> Self {
        Ctx {
            hotel,
            property_id: CloudbedsIds::property_id(hotel),
            room_ids: CloudbedsIds::room_ids(hotel),
            no_shows,
        }
    }

    fn status(&self, r: &Reservation) -> &'static str {
        status(r.state, self.no_shows.contains(&r.id))
    }

    fn category(&self, r: &Reservation) -> (String, String) {
        let name = self
            .hotel
            .categories
            .iter()
            .find(|c| c.id == r.category_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        (CloudbedsIds::room_type_id(r.category_id), name)
    }

    /// `getReservations.data[].rooms[]` (with `includeAllRooms`).
    fn list_rooms(&self, r: &Reservation) -> Value {
        let (type_id, type_name) = self.category(r);
        let res_id = CloudbedsIds::reservation_id(r);
        let room = r.room_id.and_then(|id| self.hotel.room(id));
        json!([{
            "roomTypeID": type_id,
            "roomTypeName": type_name,
            "subReservationID": res_id,
            // A non-nullable string in `GetReservationsResponse` (and the
            // rate-details one): "" before a room is assigned, as the
            // vendor's own samples send it.
            "roomID": r.room_id.and_then(|id| self.room_ids.get(&id)).cloned().unwrap_or_default(),
            "roomName": room.map(|room| room.number.clone()),
            "roomCheckIn": local_date(self.hotel, r.scheduled_start),
            "roomCheckOut": local_date(self.hotel, r.scheduled_end),
            "roomStatus": room_status(r)
        }])
    }

    /// `guestList`: guest id → guest. The simulated stays have one guest.
    /// `detail` is `getReservation`'s shape, which alone declares
    /// `guestStatus` and whose `rooms[]` have no `roomTypeID`; the list
    /// methods' shape is the other way round (v1.3 document and SDK 1.19).
    fn guest_list(&self, r: &Reservation, detail: bool) -> Value {
        let Some(g) = self.hotel.guest(r.guest_id) else {
            return json!([]);
        };
        let (type_id, type_name) = self.category(r);
        let room = r.room_id.and_then(|id| self.hotel.room(id));
        let rooms = match room {
            Some(room) => {
                let mut item = json!({
                    "reservationRoomID": CloudbedsIds::reservation_id(r),
                    "roomID": self.room_ids.get(&room.id),
                    "roomName": room.number,
                    "roomTypeName": type_name,
                    "roomTypeID": type_id,
                    "subReservationID": CloudbedsIds::reservation_id(r)
                });
                if detail && let Some(map) = item.as_object_mut() {
                    map.remove("roomTypeID");
                }
                json!([item])
            }
            None => json!([]),
        };
        let unassigned = if room.is_none() {
            json!([{ "roomTypeName": type_name, "roomTypeID": type_id, "subReservationID": CloudbedsIds::reservation_id(r) }])
        } else {
            json!([])
        };
        let id = CloudbedsIds::guest_id(g);
        let mut guest = json!({
            "guestID": id,
            "guestFirstName": g.first_name,
            "guestLastName": g.last_name,
            "guestGender": "N/A",
            "guestEmail": g.email.clone().unwrap_or_default(),
            "guestPhone": g.phone.clone().unwrap_or_default(),
            "guestCellPhone": "",
            "guestCountry": g.nationality,
            "guestBirthdate": g.birth_date.map(date).unwrap_or_default(),
            "guestStatus": guest_status(r, self.no_shows.contains(&r.id)),
            "isMainGuest": true,
            "isAnonymized": false,
            "roomID": room.and_then(|room| self.room_ids.get(&room.id)),
            "roomName": room.map(|room| room.number.clone()),
            "rooms": rooms,
            "unassignedRooms": unassigned,
            "customFields": []
        });
        if !detail && let Some(map) = guest.as_object_mut() {
            map.remove("guestStatus");
        }
        json!({ id: guest })
    }

    /// One `getReservations.data[]` item (`GetReservationsResponseDataInner`).
    fn list_item(&self, r: &Reservation, balance: Decimal, all_rooms: bool, guests: bool) -> Value {
        let gid = guest_id(self.hotel, r);
        let mut item = json!({
            "propertyID": self.property_id,
            "reservationID": CloudbedsIds::reservation_id(r),
            "dateCreated": local_ts(self.hotel, r.created),
            "dateModified": local_ts(self.hotel, r.updated),
            "status": self.status(r),
            "guestID": gid,
            "profileID": gid,
            "guestName": guest_name(self.hotel, r),
            "startDate": local_date(self.hotel, r.scheduled_start),
            "endDate": local_date(self.hotel, r.scheduled_end),
            "allotmentBlockCode": null,
            "groupCode": null,
            // Counts are strings in the spec (vendor notes §3.1).
            "adults": r.adults.to_string(),
            "children": r.children.to_string(),
            "balance": money(balance),
            "sourceName": "Website/Booking Engine",
            "sourceID": "ss-1",
            // A non-nullable string (v1.3 document); "" as the vendor's samples send it.
            "thirdPartyIdentifier": "",
            "groupInventory": [],
            "subReservationID": CloudbedsIds::reservation_id(r),
            "origin": "",
            "mealPlans": ""
        });
        if let Some(map) = item.as_object_mut() {
            if all_rooms {
                map.insert("rooms".into(), self.list_rooms(r));
            }
            if guests {
                map.insert("guestList".into(), self.guest_list(r, false));
            }
        }
        item
    }

    /// One `getReservationsWithRateDetails.data[]` item
    /// (`GetReservationsWithRateDetailsResponseDataInner` of
    /// `cloudbeds/cloudbeds-api-python`): UTC timestamps, `propertyCurrency`,
    /// `total`, `balance`, `balanceDetailed`, `detailedRates` and
    /// `estimatedArrivalTime`, which `getReservations` rows lack.
    fn rate_item(&self, r: &Reservation, charged: Decimal, paid: Decimal, guests: bool) -> Value {
        let gid = guest_id(self.hotel, r);
        let nightly = self
            .hotel
            .categories
            .iter()
            .find(|c| c.id == r.category_id)
            .map_or(Decimal::ZERO, |c| c.nightly_rate);
        let first = self.hotel.business_date(r.scheduled_start);
        let last = self.hotel.business_date(r.scheduled_end);
        let detailed_rates: serde_json::Map<String, Value> = first
            .iter_days()
            .take_while(|d| *d < last)
            .map(|d| (date(d), money(nightly)))
            .collect();
        let mut item = json!({
            "propertyID": self.property_id,
            "reservationID": CloudbedsIds::reservation_id(r),
            "isDeleted": false,
            "dateCreated": local_ts(self.hotel, r.created),
            "dateCreatedUTC": utc_ts(r.created),
            "dateModified": local_ts(self.hotel, r.updated),
            "dateModifiedUTC": utc_ts(r.updated),
            "status": self.status(r),
            "reservationCheckIn": local_ts(self.hotel, r.scheduled_start),
            "reservationCheckOut": local_ts(self.hotel, r.scheduled_end),
            "guestID": gid,
            "profileID": gid,
            "sourceName": "Website/Booking Engine",
            "sourceCategory": null,
            "sourceReservationID": null,
            "propertyCurrency": self.hotel.property.currency,
            "balanceDetailed": {
                "suggestedDeposit": money_string(Decimal::ZERO),
                "subTotal": money(charged),
                "additionalItems": money(Decimal::ZERO),
                "taxesFees": money(Decimal::ZERO),
                "grandTotal": money(charged),
                "paid": money(paid)
            },
            "detailedRates": detailed_rates,
            "rooms": self.list_rooms(r),
            "origin": "",
            "mealPlans": "",
            // A non-nullable string (v1.3 document); "" as the vendor's samples send it.
            "thirdPartyIdentifier": "",
            // `format: time`; the tech-specs "Time: HH:MM:SS" form.
            "estimatedArrivalTime": "15:00:00",
            "total": money(charged),
            "balance": money(charged - paid),
            // A non-nullable string (v1.3 document); "" as the vendor's samples send it.
            "dateImported": ""
        });
        if guests && let Some(map) = item.as_object_mut() {
            map.insert("guestList".into(), self.guest_list(r, false));
        }
        item
    }

    /// `getReservation.data` (`GetReservationResponseData`).
    fn detail(&self, r: &Reservation) -> Value {
        let ids = HashSet::from([r.id]);
        let (charged, paid) = money_of(self.hotel, &ids).remove(&r.id).unwrap_or_default();
        let balance = charged - paid;
        let (type_id, type_name) = self.category(r);
        let res_id = CloudbedsIds::reservation_id(r);
        let nightly = self
            .hotel
            .categories
            .iter()
            .find(|c| c.id == r.category_id)
            .map_or(Decimal::ZERO, |c| c.nightly_rate);
        let first = self.hotel.business_date(r.scheduled_start);
        let last = self.hotel.business_date(r.scheduled_end);
        let nights: Vec<_> = first.iter_days().take_while(|d| *d < last).collect();
        let daily_rates: Vec<Value> = nights
            .iter()
            .map(|d| json!({ "date": date(*d), "rate": money(nightly) }))
            .collect();
        let room_total = nightly * Decimal::from(nights.len());
        let short: String = type_name.chars().take(3).collect::<String>().to_uppercase();
        let mut room = json!({
            "reservationRoomID": res_id,
            "roomTypeName": type_name,
            "roomTypeNameShort": short,
            "roomTypeIsVirtual": false,
            "dormRoomName": "",
            "roomTypeID": type_id,
            "subReservationID": res_id,
            "startDate": date(first),
            "endDate": date(last),
            "adults": r.adults.to_string(),
            "children": r.children.to_string(),
            "dailyRates": daily_rates,
            // A string in the spec (vendor notes §6 "Money").
            "roomTotal": money_string(room_total),
            "marketName": "",
            "marketCode": ""
        });
        let assigned_room = r.room_id.and_then(|id| self.hotel.room(id));
        let (assigned, unassigned) = match (assigned_room, room.as_object_mut()) {
            (Some(a), Some(map)) => {
                map.insert("isRoomLocked".into(), json!(false));
                map.insert("roomName".into(), json!(a.number));
                map.insert("roomID".into(), json!(self.room_ids.get(&a.id)));
                (vec![room], Vec::new())
            }
            _ => (Vec::new(), vec![room]),
        };
        let (room_charges, other_charges) =
            self.hotel
                .charges_of_stay(r.id)
                .fold((Decimal::ZERO, Decimal::ZERO), |(room, other), c| {
                    if c.kind == ChargeKind::SpaceOrder {
                        (room + c.gross_total(), other)
                    } else {
                        (room, other + c.gross_total())
                    }
                });
        let guest = self.hotel.guest(r.guest_id);
        json!({
            "propertyID": self.property_id,
            "reservationID": res_id,
            "guestName": guest_name(self.hotel, r),
            "guestEmail": guest.and_then(|g| g.email.clone()).unwrap_or_default(),
            "isAnonymized": false,
            "guestList": self.guest_list(r, true),
            "dateCreated": local_ts(self.hotel, r.created),
            "dateModified": local_ts(self.hotel, r.updated),
            // `format: time`; the tech-specs "Time: HH:MM:SS" form.
            "estimatedArrivalTime": "15:00:00",
            "source": "Website/Booking Engine",
            "sourceID": "ss-1",
            // A non-nullable string (v1.3 document); "" as the vendor's samples send it.
            "thirdPartyIdentifier": "",
            "status": self.status(r),
            "total": money(charged),
            "balance": money(balance),
            "balanceDetailed": {
                "suggestedDeposit": money_string(Decimal::ZERO),
                "subTotal": money(room_charges),
                "additionalItems": money(other_charges),
                "taxesFees": money(Decimal::ZERO),
                "grandTotal": money(charged),
                "paid": money(paid)
            },
            "assigned": assigned,
            "unassigned": unassigned,
            "cardsOnFile": [],
            "customFields": [],
            "startDate": date(first),
            "endDate": date(last),
            "allotmentBlockCode": null,
            "channelProvidedCreditCard": false,
            "groupInventory": [],
            "origin": "",
            "mealPlans": ""
        })
    }
}

/// `GET /getReservations`: filters `status`, `resultsFrom/To` (booking
/// date), `modifiedFrom/To`, `checkInFrom/To`, `checkOutFrom/To`, `guestID`,
/// `includeAllRooms`, `includeGuestsDetails`, `sortByRecent`; `pageNumber`,
/// `pageSize` (max 100). Every bound is inclusive. `count` is the page's
/// length, `total` the number matched.
pub(super) fn get_reservations(front: &Front, params: &Params) -> OpResult {
    let no_shows = front.local().no_shows.clone();
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let tz = hotel.property.time_zone;
    let (page, size) = params.page(PAGE_SIZE, PAGE_SIZE)?;
    let status_filter = params.get("status");
    if let Some(s) = status_filter
        && !matches!(
            s,
            "not_confirmed" | "confirmed" | "canceled" | "checked_in" | "checked_out" | "no_show"
        )
    {
        return Err(CbError::invalid("status", format!("unknown status {s}")));
    }
    let modified = (
        params.local_datetime("modifiedFrom", tz)?,
        params.local_datetime("modifiedTo", tz)?,
    );
    let created = (
        params.local_datetime("resultsFrom", tz)?,
        params.local_datetime("resultsTo", tz)?,
    );
    let check_in = (params.date("checkInFrom")?, params.date("checkInTo")?);
    let check_out = (params.date("checkOutFrom")?, params.date("checkOutTo")?);
    let guest = params.get("guestID");
    let all_rooms = params.bool("includeAllRooms")?.unwrap_or(false);
    let guests = params.bool("includeGuestsDetails")?.unwrap_or(false);
    let within = |(from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>), t: DateTime<Utc>| {
        from.is_none_or(|f| t >= f) && to.is_none_or(|to| t <= to)
    };
    let ctx = Ctx::new(&hotel, &no_shows);
    let mut rows: Vec<&Reservation> = hotel
        .reservations
        .iter()
        .filter(|r| {
            let start = hotel.business_date(r.scheduled_start);
            let end = hotel.business_date(r.scheduled_end);
            status_filter.is_none_or(|s| ctx.status(r) == s)
                && within(modified, r.updated)
                && within(created, r.created)
                && check_in.0.is_none_or(|d| start >= d)
                && check_in.1.is_none_or(|d| start <= d)
                && check_out.0.is_none_or(|d| end >= d)
                && check_out.1.is_none_or(|d| end <= d)
                && guest.is_none_or(|g| hotel.guest(r.guest_id).is_some_and(|x| x.number == g))
        })
        .collect();
    if params.bool("sortByRecent")?.unwrap_or(false) {
        rows.sort_by_key(|r| std::cmp::Reverse((r.updated, r.id)));
    }
    let total = rows.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let page_rows: Vec<&Reservation> = rows.into_iter().skip(skip).take(size as usize).collect();
    let ids: HashSet<Uuid> = page_rows.iter().map(|r| r.id).collect();
    let money = money_of(&hotel, &ids);
    let data: Vec<Value> = page_rows
        .iter()
        .map(|r| {
            let (charged, paid) = money.get(&r.id).copied().unwrap_or_default();
            ctx.list_item(r, charged - paid, all_rooms, guests)
        })
        .collect();
    Ok(Reply::read(json!({
        "success": true,
        "data": data,
        "count": data.len(),
        "total": total
    })))
}

/// `GET /getReservationsWithRateDetails`: filters `reservationID`
/// (comma-separated), `modifiedFrom/To`, `resultsFrom/To` (booking date),
/// `reservationCheckOutFrom/To`, `excludeStatuses` (comma-separated),
/// `guestID`, `includeGuestsDetails`, `sortByRecent`, `includeDeleted` (the
/// simulator deletes nothing); `pageNumber`, `pageSize` (default and max 100).
pub(super) fn get_reservations_with_rate_details(front: &Front, params: &Params) -> OpResult {
    let no_shows = front.local().no_shows.clone();
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let tz = hotel.property.time_zone;
    let (page, size) = params.page(PAGE_SIZE, PAGE_SIZE)?;
    let ids: Option<HashSet<&str>> = params
        .get("reservationID")
        .map(|ids| ids.split(',').map(str::trim).filter(|s| !s.is_empty()).collect());
    let excluded: HashSet<&str> = params
        .get("excludeStatuses")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let modified = (
        params.local_datetime("modifiedFrom", tz)?,
        params.local_datetime("modifiedTo", tz)?,
    );
    let created = (
        params.local_datetime("resultsFrom", tz)?,
        params.local_datetime("resultsTo", tz)?,
    );
    let check_out = (
        params.date("reservationCheckOutFrom")?,
        params.date("reservationCheckOutTo")?,
    );
    let guest = params.get("guestID");
    let guests = params.bool("includeGuestsDetails")?.unwrap_or(false);
    params.bool("includeDeleted")?;
    let within = |(from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>), t: DateTime<Utc>| {
        from.is_none_or(|f| t >= f) && to.is_none_or(|to| t <= to)
    };
    let ctx = Ctx::new(&hotel, &no_shows);
    let mut rows: Vec<&Reservation> = hotel
        .reservations
        .iter()
        .filter(|r| {
            let end = hotel.business_date(r.scheduled_end);
            ids.as_ref()
                .is_none_or(|ids| ids.contains(CloudbedsIds::reservation_id(r).as_str()))
                && !excluded.contains(ctx.status(r))
                && within(modified, r.updated)
                && within(created, r.created)
                && check_out.0.is_none_or(|d| end >= d)
                && check_out.1.is_none_or(|d| end <= d)
                && guest.is_none_or(|g| hotel.guest(r.guest_id).is_some_and(|x| x.number == g))
        })
        .collect();
    if params.bool("sortByRecent")?.unwrap_or(false) {
        rows.sort_by_key(|r| std::cmp::Reverse((r.updated, r.id)));
    }
    let total = rows.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let page_rows: Vec<&Reservation> = rows.into_iter().skip(skip).take(size as usize).collect();
    let ids: HashSet<Uuid> = page_rows.iter().map(|r| r.id).collect();
    let money = money_of(&hotel, &ids);
    let data: Vec<Value> = page_rows
        .iter()
        .map(|r| {
            let (charged, paid) = money.get(&r.id).copied().unwrap_or_default();
            ctx.rate_item(r, charged, paid, guests)
        })
        .collect();
    Ok(Reply::read(json!({
        "success": true,
        "data": data,
        "count": data.len(),
        "total": total
    })))
}

/// `GET /getReservation?reservationID=...`.
pub(super) fn get_reservation(front: &Front, params: &Params) -> OpResult {
    let no_shows = front.local().no_shows.clone();
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let id = params.required("reservationID")?;
    let r = CloudbedsIds::find_reservation(&hotel, id)
        .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))?;
    let ctx = Ctx::new(&hotel, &no_shows);
    Ok(Reply::read(json!({ "success": true, "data": ctx.detail(r) })))
}

/// `PUT /putReservation` with `status`. Check-in and check-out follow the
/// shared hotel's rules (`Hotel::check_in`: confirmed, arriving today or
/// earlier, room assigned and inspected; `Hotel::check_out`: in house, on or
/// after the departure day). `putReservation` has no "allow open balance"
/// switch, so check-out is not refused for an open balance. Other changes:
/// `canceled` from `not_confirmed`/`confirmed`; `no_show` from `confirmed`
/// once the arrival day has come; `confirmed` and `not_confirmed` between
/// each other. A refused transition is `success: false` in HTTP 200. The
/// answer's `data` is "the reservation data as defined by getReservation".
pub(super) fn put_reservation(front: &Front, params: &Params) -> OpResult {
    let id = params.required("reservationID")?.to_owned();
    let target = params.get("status").map(str::to_owned);
    let now = state::now();
    let mut events = Vec::new();
    let applied;
    {
        let mut hotel = front.core.write();
        check_property(&hotel, params, "propertyID")?;
        let r = CloudbedsIds::find_reservation(&hotel, &id)
            .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))?;
        let (uuid, state, start, room_id) = (r.id, r.state, r.scheduled_start, r.room_id);
        let was_no_show = front.local().no_shows.contains(&uuid);
        let current = status(state, was_no_show);
        let Some(target) = target.as_deref() else {
            // Nothing simulated besides status: an accepted no-op.
            drop(hotel);
            return reread(front, &id, Vec::new(), false);
        };
        let refuse = |why: &str| {
            CbError::business(format!(
                "Reservation status cannot be changed from {current} to {target}: {why}"
            ))
        };
        let position = hotel.reservations.iter().position(|r| r.id == uuid);
        let set = |hotel: &mut Hotel, state: ReservationState, cancelled: bool| {
            if let Some(r) = position.and_then(|i| hotel.reservations.get_mut(i)) {
                r.state = state;
                r.updated = now;
                if cancelled {
                    r.cancelled = Some(now);
                    r.room_id = None;
                }
            }
        };
        match target {
            "checked_in" => {
                hotel.check_in(uuid, now).map_err(|e| refuse(&e.to_string()))?;
            }
            "checked_out" => {
                hotel
                    .check_out(uuid, true, true, now)
                    .map_err(|e| refuse(&e.to_string()))?;
                if let Some(room) = room_id
                    && let Some(room_wire) = CloudbedsIds::room_id(&hotel, room)
                {
                    events.push(webhook::room_condition_changed(&hotel, &room_wire, "dirty", now));
                }
            }
            "canceled" => match state {
                ReservationState::Inquired | ReservationState::Optional | ReservationState::Confirmed => {
                    set(&mut hotel, ReservationState::Canceled, true);
                }
                _ => {
                    return Err(refuse(
                        "only unconfirmed or confirmed reservations can be canceled",
                    ));
                }
            },
            "no_show" => {
                if state != ReservationState::Confirmed {
                    return Err(refuse("only confirmed reservations can be marked no-show"));
                }
                if hotel.business_date(start) > hotel.business_date(now) {
                    return Err(refuse("the arrival date has not come yet"));
                }
                set(&mut hotel, ReservationState::Canceled, true);
                front.local().no_shows.insert(uuid);
            }
            "confirmed" => match state {
                ReservationState::Inquired | ReservationState::Optional => {
                    set(&mut hotel, ReservationState::Confirmed, false);
                }
                ReservationState::Confirmed => {}
                _ => return Err(refuse("the reservation is already past confirmation")),
            },
            "not_confirmed" => match state {
                ReservationState::Confirmed => set(&mut hotel, ReservationState::Optional, false),
                ReservationState::Inquired | ReservationState::Optional => {}
                _ => return Err(refuse("the reservation is already past confirmation")),
            },
            other => {
                return Err(CbError::invalid(
                    "status",
                    format!(
                        "{other} is not one of confirmed, not_confirmed, canceled, checked_in, checked_out, no_show"
                    ),
                ));
            }
        }
        applied = status(
            hotel.reservation(uuid).map_or(state, |r| r.state),
            target == "no_show" || was_no_show,
        ) != current;
        if applied {
            events.insert(0, webhook::status_changed(&hotel, &id, target, now));
        }
    }
    reread(front, &id, events, applied)
}

fn reread(front: &Front, id: &str, events: Vec<Value>, applied: bool) -> OpResult {
    let no_shows = front.local().no_shows.clone();
    let hotel = front.core.read();
    let ctx = Ctx::new(&hotel, &no_shows);
    let data = CloudbedsIds::find_reservation(&hotel, id).map_or(Value::Null, |r| ctx.detail(r));
    let body = json!({ "success": true, "data": data });
    Ok(if applied {
        Reply::write(body, events)
    } else {
        Reply {
            body,
            events,
            applied: false,
        }
    })
}
