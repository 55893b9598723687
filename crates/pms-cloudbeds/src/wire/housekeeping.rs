//! Housekeeping: `GET /getHousekeepingStatus` items
//! (`GetHousekeepingStatusResponseDataInner`) and `POST /postHousekeepingStatus`
//! data (`PostHousekeepingStatusResponseData`), per `src/pms-v1.3-openapi.yaml`
//! and `cloudbeds_pms_v1_3/models/get_housekeeping_status_response_data_inner.py`.

use chrono::NaiveDate;
use serde::Deserialize;

use super::lenient;

/// One room's housekeeping state.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HousekeepingItem {
    /// `date`: "Date for last date/time that the room condition changed" (a date only).
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub date: Option<NaiveDate>,
    /// `roomTypeID`.
    #[serde(rename = "roomTypeID", default, deserialize_with = "lenient::opt_string")]
    pub room_type_id: Option<String>,
    /// `roomTypeName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_type_name: Option<String>,
    /// `roomID`.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
    /// `roomName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_name: Option<String>,
    /// `roomCondition`: `dirty|clean` (`inspected` where the feature is on).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_condition: Option<String>,
    /// `roomOccupied`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub room_occupied: Option<bool>,
    /// `roomBlocked`: an out-of-order room block covers the room.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub room_blocked: Option<bool>,
    /// `frontdeskStatus`: `check-in|check-out|stayover|turnover|unused`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub frontdesk_status: Option<String>,
    /// `doNotDisturb`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub do_not_disturb: Option<bool>,
    /// `refusedService`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub refused_service: Option<bool>,
    /// `vacantPickup`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub vacant_pickup: Option<bool>,
}

/// `postHousekeepingStatus.data`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostHousekeepingData {
    /// `roomID`.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
    /// `roomCondition` after the write.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_condition: Option<String>,
}
