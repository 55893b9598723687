//! Room blocks: `resourceBlocks/getAll`, `resourceBlocks/add` and
//! `resourceBlocks/delete`. Source: `operations/resourceblocks.md`
//! (<https://docs.mews.com/connector-api/operations/resourceblocks>):
//! `getAll` takes `ResourceBlockIds`, `AssignedResourceIds` (max 1000 each),
//! `ActivityStates` ("Defaults to `Active`"), `CollidingUtc` / `CreatedUtc` /
//! `UpdatedUtc` (max 3 months) and a required `Limitation`; there is no
//! `update` (a change is delete + add). Each write emits `ResourceBlockUpdated`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decode, listed, paginate, ts, ts_opt,
    within,
};
use crate::model::{RoomBlock, RoomBlockKind};
use crate::server::SimCore;
use crate::state::{self, NewRoomBlock};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    resource_block_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    assigned_resource_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    activity_states: Option<Vec<String>>,
    #[serde(default)]
    colliding_utc: Option<TimeInterval>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("ResourceBlockIds", q.resource_block_ids.as_ref(), 1000)?;
    check_len("AssignedResourceIds", q.assigned_resource_ids.as_ref(), 1000)?;
    check_intervals(&[
        ("CollidingUtc", q.colliding_utc.as_ref()),
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
    ])?;
    let (mut active, mut deleted) = (false, false);
    for s in q.activity_states.as_deref().unwrap_or(&["Active".to_owned()]) {
        match s.as_str() {
            "Active" => active = true,
            "Deleted" => deleted = true,
            other => {
                return Err(MewsError::invalid(
                    "ActivityStates",
                    format!("unknown activity state {other}"),
                ));
            }
        }
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| {
        hotel
            .room_blocks
            .iter()
            .find(|b| b.id == id)
            .map(|b| (b.created, b.id))
    })?;
    let rows = hotel
        .room_blocks
        .iter()
        .filter(|b| {
            (if b.deleted.is_some() { deleted } else { active })
                && listed(q.resource_block_ids.as_ref(), b.id)
                && listed(q.assigned_resource_ids.as_ref(), b.room_id)
                && q.colliding_utc
                    .as_ref()
                    .is_none_or(|c| b.start < c.end_utc && c.start_utc < b.end)
                && within(q.created_utc.as_ref(), b.created)
                && within(q.updated_utc.as_ref(), b.updated)
        })
        .map(|b| ((b.created, b.id), b))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let enterprise_id = hotel.property.id;
    let blocks: Vec<Value> = page.into_iter().map(|b| render(enterprise_id, b)).collect();
    Ok((json!({ "ResourceBlocks": blocks, "Cursor": next }), Vec::new()))
}

fn render(enterprise_id: Uuid, b: &RoomBlock) -> Value {
    json!({
        "Id": b.id,
        "EnterpriseId": enterprise_id,
        "AssignedResourceId": b.room_id,
        "IsActive": b.deleted.is_none(),
        "Type": b.kind.as_str(),
        "StartUtc": ts(b.start),
        "EndUtc": ts(b.end),
        "CreatedUtc": ts(b.created),
        "UpdatedUtc": ts(b.updated),
        "DeletedUtc": ts_opt(b.deleted),
        "Name": b.name,
        "Notes": b.notes
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NewBlock {
    resource_id: Uuid,
    name: String,
    #[serde(default)]
    notes: Option<String>,
    #[serde(rename = "Type")]
    kind: String,
    start_utc: chrono::DateTime<chrono::Utc>,
    end_utc: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Add {
    resource_blocks: Vec<NewBlock>,
}

pub(super) fn add(core: &SimCore, body: &Value) -> OpResult {
    let q: Add = decode(body)?;
    check_len("ResourceBlocks", Some(&q.resource_blocks), 1000)?;
    let mut blocks = Vec::with_capacity(q.resource_blocks.len());
    for b in q.resource_blocks {
        let kind = match b.kind.as_str() {
            "OutOfOrder" => RoomBlockKind::OutOfOrder,
            "InternalUse" => RoomBlockKind::InternalUse,
            other => {
                return Err(MewsError::invalid(
                    "Type",
                    format!("unknown resource block type {other}"),
                ));
            }
        };
        blocks.push(NewRoomBlock {
            room_id: b.resource_id,
            kind,
            name: b.name,
            notes: b.notes,
            start: b.start_utc,
            end: b.end_utc,
        });
    }
    let mut hotel = core.write();
    let (added, changes) = hotel.add_room_blocks(&blocks, state::now())?;
    let enterprise_id = hotel.property.id;
    let rendered: Vec<Value> = added.iter().map(|b| render(enterprise_id, b)).collect();
    Ok((json!({ "ResourceBlocks": rendered }), changes))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Delete {
    resource_block_ids: Vec<Uuid>,
}

pub(super) fn delete(core: &SimCore, body: &Value) -> OpResult {
    let q: Delete = decode(body)?;
    check_len("ResourceBlockIds", Some(&q.resource_block_ids), 1000)?;
    let changes = core
        .write()
        .delete_room_blocks(&q.resource_block_ids, state::now())?;
    Ok((json!({}), changes))
}
