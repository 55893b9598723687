//! Guests: `GET /getGuest` and `GET /getGuestList`.
//! Source: `src/pms-v1.3-openapi.yaml` paths `/getGuest`, `/getGuestList`
//! (`GetGuestResponse`, `GetGuestListResponse`); vendor notes §3.2.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::Params;
use super::render::{date, local_ts, status};
use super::reservations::check_property;
use super::{Front, OpResult, Reply};
use crate::model::{Guest, Reservation};

/// `pageSize` of `getGuestList`: max 100 (vendor notes §3.2).
const PAGE_SIZE: u32 = 100;

/// `getGuest.data`: fields are **not** prefixed with `guest`, and there is
/// no `guestID` (vendor notes §3.2). Unknown values are `""`, as observed.
fn detail(g: &Guest) -> Value {
    json!({
        "firstName": g.first_name,
        "lastName": g.last_name,
        "gender": "N/A",
        "email": g.email.clone().unwrap_or_default(),
        "phone": g.phone.clone().unwrap_or_default(),
        "cellPhone": "",
        "country": g.nationality,
        "address": "",
        "address2": "",
        "city": "",
        "zip": "",
        "state": "",
        "birthDate": g.birth_date.map(date).unwrap_or_default(),
        "documentType": "na",
        "documentNumber": "",
        "documentIssueDate": "",
        "documentIssuingCountry": "",
        "documentExpirationDate": "",
        "customFields": [],
        "specialRequests": "",
        "taxID": "",
        "companyTaxID": "",
        "companyName": "",
        "isAnonymized": false,
        "guestOptIn": false,
        "isMerged": false,
        "newGuestID": ""
    })
}

/// `GET /getGuest` by `guestID`, or by `reservationID` (its main guest).
pub(super) fn get_guest(front: &Front, params: &Params) -> OpResult {
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let guest = match (params.get("guestID"), params.get("reservationID")) {
        (Some(id), _) => CloudbedsIds::find_guest(&hotel, id)
            .ok_or_else(|| CbError::business(format!("Guest {id} not found")))?,
        (None, Some(id)) => CloudbedsIds::find_reservation(&hotel, id)
            .and_then(|r| hotel.guest(r.guest_id))
            .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))?,
        (None, None) => {
            return Err(CbError::business(
                "Parameter guestID or reservationID is required",
            ));
        }
    };
    Ok(Reply::read(json!({ "success": true, "data": detail(guest) })))
}

/// `GET /getGuestList`: guests linked to reservations, `data` keyed by
/// guest id ("key is the Guest ID"), each with its most recent stay. Filters
/// `status` (comma-separated), `resultsFrom/To` (creation or modification of
/// the profile); `pageNumber`, `pageSize` (max 100).
pub(super) fn get_guest_list(front: &Front, params: &Params) -> OpResult {
    let no_shows = front.local().no_shows.clone();
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyIDs")?;
    let tz = hotel.property.time_zone;
    let (page, size) = params.page(PAGE_SIZE, PAGE_SIZE)?;
    let statuses: Option<Vec<&str>> = params
        .get("status")
        .map(|s| s.split(',').map(str::trim).collect());
    let from = params.local_datetime("resultsFrom", tz)?;
    let to = params.local_datetime("resultsTo", tz)?;
    let mut latest: HashMap<Uuid, &Reservation> = HashMap::new();
    for r in &hotel.reservations {
        let entry = latest.entry(r.guest_id).or_insert(r);
        if r.scheduled_start > entry.scheduled_start {
            *entry = r;
        }
    }
    let rows: Vec<(&Guest, &Reservation)> = hotel
        .guests
        .iter()
        .filter_map(|g| latest.get(&g.id).map(|r| (g, *r)))
        .filter(|(g, r)| {
            let st = status(r.state, no_shows.contains(&r.id));
            statuses.as_ref().is_none_or(|s| s.contains(&st))
                && from.is_none_or(|f| g.updated >= f)
                && to.is_none_or(|t| g.updated <= t)
        })
        .collect();
    let total = rows.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let mut data = Map::new();
    for (g, r) in rows.into_iter().skip(skip).take(size as usize) {
        let id = CloudbedsIds::guest_id(g);
        data.insert(
            id.clone(),
            json!({
                "guestID": id,
                "guestName": format!("{} {}", g.first_name, g.last_name),
                "guestFirstName": g.first_name,
                "guestLastName": g.last_name,
                "guestEmail": g.email.clone().unwrap_or_default(),
                "guestPhone": g.phone.clone().unwrap_or_default(),
                "guestCountry": g.nationality,
                "reservationID": CloudbedsIds::reservation_id(r),
                "status": status(r.state, no_shows.contains(&r.id)),
                "isMainGuest": true,
                "dateCreated": local_ts(&hotel, g.created),
                "dateModified": local_ts(&hotel, g.updated)
            }),
        );
    }
    let count = data.len();
    Ok(Reply::read(json!({
        "success": true,
        "data": Value::Object(data),
        "count": count,
        "total": total
    })))
}
