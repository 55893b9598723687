//! `resourceBlocks/getAll|add|delete` as documented
//! (<https://docs.mews.com/connector-api/operations/resourceblocks>).
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, Utc};
use common::{call, start};
use pms_sim::RoomState;
use serde_json::json;

#[tokio::test]
async fn blocks_are_added_listed_by_activity_state_and_deleted() {
    let sim = start().await;
    let room = sim
        .state()
        .with_hotel(|h| {
            h.rooms
                .iter()
                .find(|r| r.state != RoomState::OutOfOrder)
                .map(|r| (r.id, r.state))
        })
        .unwrap();
    let now = Utc::now();
    let added = call(
        &sim,
        "resourceBlocks/add",
        json!({"ResourceBlocks": [{
            "ResourceId": room.0, "Name": "Maintenance Block - Room 101", "Type": "OutOfOrder",
            "StartUtc": (now - Duration::hours(1)).to_rfc3339(), "EndUtc": (now + Duration::days(1)).to_rfc3339(),
            "Notes": "Scheduled maintenance"
        }]}),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let block = added.body["ResourceBlocks"][0].clone();
    let id = block["Id"].as_str().unwrap().to_owned();
    // Every documented field of "Resource block", and no other.
    let mut keys: Vec<&str> = block.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "AssignedResourceId",
            "CreatedUtc",
            "DeletedUtc",
            "EndUtc",
            "EnterpriseId",
            "Id",
            "IsActive",
            "Name",
            "Notes",
            "StartUtc",
            "Type",
            "UpdatedUtc"
        ]
    );
    assert_eq!(block["AssignedResourceId"], room.0.to_string());
    assert_eq!(block["IsActive"], true);
    assert_eq!(block["Notes"], "Scheduled maintenance");
    // An out-of-order block in force takes the room out of order.
    assert_eq!(sim.state().room(room.0).unwrap().state, RoomState::OutOfOrder);

    let by_id = json!({"ResourceBlockIds": [id], "Limitation": {"Count": 10}});
    let listed = call(&sim, "resourceBlocks/getAll", by_id.clone()).await;
    assert_eq!(listed.body["ResourceBlocks"].as_array().unwrap().len(), 1);

    let deleted = call(&sim, "resourceBlocks/delete", json!({"ResourceBlockIds": [id]})).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({}));
    assert_eq!(sim.state().room(room.0).unwrap().state, room.1);
    // "Defaults to `Active` if not specified": the deleted block is listed only when asked.
    let listed = call(&sim, "resourceBlocks/getAll", by_id).await;
    assert_eq!(listed.body["ResourceBlocks"], json!([]));
    let listed = call(
        &sim,
        "resourceBlocks/getAll",
        json!({"ResourceBlockIds": [id], "ActivityStates": ["Active", "Deleted"], "Limitation": {"Count": 10}}),
    )
    .await;
    let found = &listed.body["ResourceBlocks"][0];
    assert_eq!(found["IsActive"], false);
    assert!(found["DeletedUtc"].is_string());

    // Documented refusals.
    let missing_limit = call(&sim, "resourceBlocks/getAll", json!({})).await;
    assert_eq!(missing_limit.status, 400);
    let bad_type = call(
        &sim,
        "resourceBlocks/add",
        json!({"ResourceBlocks": [{"ResourceId": room.0, "Name": "x", "Type": "Haunted",
            "StartUtc": now.to_rfc3339(), "EndUtc": (now + Duration::hours(1)).to_rfc3339()}]}),
    )
    .await;
    assert_eq!(bad_type.status, 400);
    let twice = call(&sim, "resourceBlocks/delete", json!({"ResourceBlockIds": [id]})).await;
    assert_eq!(twice.status, 400);
}
