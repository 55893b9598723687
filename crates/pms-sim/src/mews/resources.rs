//! Rooms: `resources/getAll` and `resources/update` (housekeeping state).
//! Source: `operations/resources.md`
//! (<https://docs.mews.com/connector-api/operations/resources>). `getAll`
//! needs `Extent.Resources`; `update` takes at most 1000 `ResourceUpdates`
//! whose `State` is a `{ "Value": … }` update value and may be any state
//! "except `OutOfOrder`" (that one comes from resource blocks).

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decode, listed, paginate, ts, within,
};
use crate::model::{Room, RoomState};
use crate::server::SimCore;
use crate::state;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Extent {
    #[serde(default)]
    resources: bool,
    #[serde(default)]
    inactive: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    extent: Extent,
    #[serde(default)]
    resource_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    names: Option<Vec<String>>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("ResourceIds", q.resource_ids.as_ref(), 1000)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
    ])?;
    let _ = q.extent.inactive; // every simulated room is active
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| hotel.room(id).map(|r| (r.created, r.id)))?;
    let rows = hotel
        .rooms
        .iter()
        .filter(|r| {
            listed(q.resource_ids.as_ref(), r.id)
                && q.names.as_ref().is_none_or(|n| n.contains(&r.number))
                && within(q.created_utc.as_ref(), r.created)
                && within(q.updated_utc.as_ref(), r.updated)
        })
        .map(|r| ((r.created, r.id), r))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let enterprise_id = hotel.property.id;
    let resources: Vec<Value> = if q.extent.resources {
        page.into_iter().map(|r| render(enterprise_id, r)).collect()
    } else {
        Vec::new()
    };
    Ok((
        json!({
            "Resources": resources,
            // Deprecated extents, answered as null like the docs' example.
            "ResourceCategories": null,
            "ResourceCategoryAssignments": null,
            "ResourceCategoryImageAssignments": null,
            "ResourceFeatures": null,
            "ResourceFeatureAssignments": null,
            "Cursor": next
        }),
        Vec::new(),
    ))
}

fn render(enterprise_id: Uuid, r: &Room) -> Value {
    json!({
        "Id": r.id,
        "EnterpriseId": enterprise_id,
        "IsActive": true,
        "ParentResourceId": null,
        "Name": r.number,
        "State": r.state.as_str(),
        "Descriptions": {},
        "ExternalNames": { "en-US": format!("Room {}", r.number) },
        "Directions": {},
        "CreatedUtc": ts(r.created),
        "UpdatedUtc": ts(r.updated),
        // FloorNumber is a string on the wire.
        "Data": { "Discriminator": "Space", "Value": { "FloorNumber": r.floor.to_string(), "LocationNotes": null } }
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StateValue {
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceUpdate {
    resource_id: Uuid,
    #[serde(default)]
    state: Option<StateValue>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Update {
    resource_updates: Vec<ResourceUpdate>,
}

fn parse_state(text: &str) -> Result<RoomState, MewsError> {
    match text {
        "Dirty" => Ok(RoomState::Dirty),
        "Clean" => Ok(RoomState::Clean),
        "Inspected" => Ok(RoomState::Inspected),
        "OutOfService" => Ok(RoomState::OutOfService),
        "OutOfOrder" => Err(MewsError::invalid(
            "State",
            "OutOfOrder is set through resource blocks",
        )),
        other => Err(MewsError::invalid(
            "State",
            format!("unknown resource state {other}"),
        )),
    }
}

pub(super) fn update(core: &SimCore, body: &Value) -> OpResult {
    let q: Update = decode(body)?;
    check_len("ResourceUpdates", Some(&q.resource_updates), 1000)?;
    let mut updates = Vec::new();
    for u in &q.resource_updates {
        // Absent or `{"Value": null}`: leave the state as it is.
        if let Some(text) = u.state.as_ref().and_then(|s| s.value.as_deref()) {
            updates.push((u.resource_id, parse_state(text)?));
        }
    }
    let changes = core.write().set_room_states(&updates, state::now())?;
    Ok((json!({}), changes))
}
