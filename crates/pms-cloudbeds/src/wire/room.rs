//! Rooms: `GET /getRooms` (`data: [{propertyID, rooms: [...]}]`), per
//! `src/pms-v1.3-openapi.yaml` (`GetRoomsResponse`).

use serde::Deserialize;

use super::lenient;

/// `getRooms.data[]`: one property and its rooms.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PropertyRooms {
    /// `propertyID`.
    #[serde(rename = "propertyID", default, deserialize_with = "lenient::opt_string")]
    pub property_id: Option<String>,
    /// `rooms[]`.
    #[serde(default)]
    pub rooms: Vec<RoomItem>,
}

/// `getRooms.data[].rooms[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomItem {
    /// `roomID`, shaped like `<roomTypeID>-<n>` in captures; never parsed.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
    /// `roomName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_name: Option<String>,
    /// `roomTypeID` (spec: string; captured as a number).
    #[serde(rename = "roomTypeID", default, deserialize_with = "lenient::opt_string")]
    pub room_type_id: Option<String>,
    /// `roomTypeName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_type_name: Option<String>,
    /// `roomTypeNameShort`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_type_name_short: Option<String>,
    /// `isVirtual`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_virtual: Option<bool>,
    /// `roomBlocked`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub room_blocked: Option<bool>,
}
