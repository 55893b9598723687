//! Resource blocks (out of order, internal use): `resourceBlocks/getAll`.
//! Source: <https://docs.mews.com/connector-api/operations/resourceblocks>
//! ("Get all resource blocks"; "Resource block").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Limitation, wire_enum};

/// Request of `resourceBlocks/getAll`. `Limitation` is required; every
/// filter is optional, ids "max 1000 items".
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllResourceBlocks {
    /// `EnterpriseIds` (portfolio access tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `ResourceBlockIds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_block_ids: Option<Vec<String>>,
    /// `AssignedResourceIds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_resource_ids: Option<Vec<String>>,
    /// `ActivityStates` ("Defaults to `Active` if not specified").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_states: Option<Vec<ActivityState>>,
    /// `Limitation`.
    pub limitation: Limitation,
}

wire_enum! {
    /// "Activity state" (`operations/_objects.md#activity-state`).
    ActivityState { Active, Deleted }
}

/// Response of `resourceBlocks/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceBlocksPage {
    /// `ResourceBlocks`.
    #[serde(default)]
    pub resource_blocks: Vec<ResourceBlock>,
    /// `Cursor`.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Resource block".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceBlock {
    /// `Id`.
    pub id: String,
    /// `EnterpriseId`.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// `AssignedResourceId`: the blocked resource (room).
    pub assigned_resource_id: String,
    /// `IsActive`: false once the block is deleted.
    pub is_active: bool,
    /// `Type`.
    #[serde(rename = "Type")]
    pub block_type: ResourceBlockType,
    /// `StartUtc`.
    pub start_utc: DateTime<Utc>,
    /// `EndUtc`.
    pub end_utc: DateTime<Utc>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
    /// `DeletedUtc` (inactive blocks).
    #[serde(default)]
    pub deleted_utc: Option<DateTime<Utc>>,
}

wire_enum! {
    /// "Resource block type".
    ResourceBlockType { OutOfOrder, InternalUse }
}
