//! Resources (rooms): `resources/getAll`, `resources/update`.
//! Source: <https://docs.mews.com/connector-api/operations/resources>.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Limitation, UpdateValue, wire_enum};

/// Request of `resources/getAll`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllResources {
    /// `EnterpriseIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `ResourceIds`, max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    /// `Extent` (required).
    pub extent: ResourceExtent,
    /// `Limitation` (required).
    pub limitation: Limitation,
}

/// "Resource extent" (the category/feature extents are deprecated).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceExtent {
    /// `Resources`.
    pub resources: bool,
    /// `Inactive`.
    pub inactive: bool,
}

/// Response of `resources/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourcesPage {
    /// The resources (documented optional).
    #[serde(default)]
    pub resources: Option<Vec<Resource>>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Resource".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    /// `Id`.
    pub id: String,
    /// `EnterpriseId`.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// `IsActive`.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// `ParentResourceId` (e.g. the room of a bed).
    #[serde(default)]
    pub parent_resource_id: Option<String>,
    /// `Name`: the room number.
    pub name: String,
    /// `State`.
    pub state: ResourceState,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
    /// `Data`: `{Discriminator: Space|Object|Person, Value}`.
    #[serde(default)]
    pub data: Option<ResourceData>,
}

/// "Resource data".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceData {
    /// `Discriminator`.
    pub discriminator: ResourceDataDiscriminator,
    /// `Value`: "Space resource data" for spaces, `{}` otherwise.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

wire_enum! {
    /// "Resource data discriminator".
    ResourceDataDiscriminator { Space, Object, Person }
}

wire_enum! {
    /// "Resource state".
    ResourceState { Dirty, Clean, Inspected, OutOfService, OutOfOrder }
}

/// Request of `resources/update`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateResources {
    /// `ResourceUpdates`, max 1000.
    pub resource_updates: Vec<ResourceUpdate>,
}

/// "Resource update". `State` takes any `ResourceState` "except `OutOfOrder`".
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceUpdate {
    /// `ResourceId`.
    pub resource_id: String,
    /// `State`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<UpdateValue<ResourceState>>,
    /// `StateReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<UpdateValue<String>>,
}
