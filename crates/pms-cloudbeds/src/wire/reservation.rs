//! Reservations: `GET /getReservations` items (`GetReservationsResponseDataInner`)
//! and `GET /getReservation` data (`GetReservationResponseData`), per
//! `src/pms-v1.3-openapi.yaml` and `cloudbeds_pms_v1_3/models/get_reservation*_response_data*.py`.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::lenient;

/// One item of `getReservations.data[]`. It carries no money except `balance`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationListItem {
    /// `propertyID`.
    #[serde(rename = "propertyID", default, deserialize_with = "lenient::opt_string")]
    pub property_id: Option<String>,
    /// `reservationID`.
    #[serde(rename = "reservationID", default, deserialize_with = "lenient::opt_string")]
    pub reservation_id: Option<String>,
    /// `dateCreated`, property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub date_created: Option<NaiveDateTime>,
    /// `dateModified`, property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub date_modified: Option<NaiveDateTime>,
    /// `status`: `not_confirmed|confirmed|canceled|checked_in|checked_out|no_show`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// `guestID` of the main guest.
    #[serde(rename = "guestID", default, deserialize_with = "lenient::opt_string")]
    pub guest_id: Option<String>,
    /// `startDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub start_date: Option<NaiveDate>,
    /// `endDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub end_date: Option<NaiveDate>,
    /// `adults` (a string in the spec).
    #[serde(default, deserialize_with = "lenient::opt_u16")]
    pub adults: Option<u16>,
    /// `children` (a string in the spec).
    #[serde(default, deserialize_with = "lenient::opt_u16")]
    pub children: Option<u16>,
    /// `balance` (a number).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub balance: Option<Decimal>,
    /// `sourceName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_name: Option<String>,
    /// `sourceID`.
    #[serde(rename = "sourceID", default, deserialize_with = "lenient::opt_string")]
    pub source_id: Option<String>,
    /// `thirdPartyIdentifier` (the channel's booking number).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub third_party_identifier: Option<String>,
    /// `rooms[]`, only with `includeAllRooms=true`.
    #[serde(default)]
    pub rooms: Vec<ReservationListRoom>,
    /// `guestList`: guest id to guest, only with `includeGuestsDetails=true`
    /// (`GetReservationsResponseDataInnerGuestListValue`, the same keys as
    /// `getReservation.data.guestList`).
    #[serde(default, deserialize_with = "lenient::keyed_map")]
    pub guest_list: BTreeMap<String, ReservationGuest>,
}

/// One item of `getReservationsWithRateDetails.data[]`
/// (`GetReservationsWithRateDetailsResponseDataInner`): only the fields a
/// `getReservations` row lacks and `getReservation` has, `estimatedArrivalTime`
/// ("Estimated arrival time, 24-hour format") and `total` ("Total price of
/// the booking"), are read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationRates {
    /// `reservationID`.
    #[serde(rename = "reservationID", default, deserialize_with = "lenient::opt_string")]
    pub reservation_id: Option<String>,
    /// `estimatedArrivalTime`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub estimated_arrival_time: Option<String>,
    /// `total` (number).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total: Option<Decimal>,
}

/// One item of `getReservations.data[].rooms[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationListRoom {
    /// `roomTypeID`.
    #[serde(rename = "roomTypeID", default, deserialize_with = "lenient::opt_string")]
    pub room_type_id: Option<String>,
    /// `roomTypeName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_type_name: Option<String>,
    /// `subReservationID`.
    #[serde(
        rename = "subReservationID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub sub_reservation_id: Option<String>,
    /// `roomID`.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
    /// `roomName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_name: Option<String>,
    /// `roomStatus`: `cancelled|in_house|checked_out|not_checked_in` (double l here).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_status: Option<String>,
}

/// `getReservation.data`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationDetail {
    /// `propertyID`.
    #[serde(rename = "propertyID", default, deserialize_with = "lenient::opt_string")]
    pub property_id: Option<String>,
    /// `reservationID`.
    #[serde(rename = "reservationID", default, deserialize_with = "lenient::opt_string")]
    pub reservation_id: Option<String>,
    /// `guestList`: guest id to guest (`[]` when empty, PHP-style).
    #[serde(default, deserialize_with = "lenient::keyed_map")]
    pub guest_list: BTreeMap<String, ReservationGuest>,
    /// `dateCreated`, property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub date_created: Option<NaiveDateTime>,
    /// `dateModified`, property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub date_modified: Option<NaiveDateTime>,
    /// `estimatedArrivalTime`, 24-hour `HH:MM` (or `HH:MM:SS`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub estimated_arrival_time: Option<String>,
    /// `source` (Website, Booking.com, ...).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source: Option<String>,
    /// `sourceID`.
    #[serde(rename = "sourceID", default, deserialize_with = "lenient::opt_string")]
    pub source_id: Option<String>,
    /// `thirdPartyIdentifier`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub third_party_identifier: Option<String>,
    /// `status`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// `total` (number).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub total: Option<Decimal>,
    /// `balance` (number): "Balance currently owed".
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub balance: Option<Decimal>,
    /// `assigned[]`: assigned rooms.
    #[serde(default)]
    pub assigned: Vec<AssignedRoom>,
    /// `unassigned[]`: booked rooms without a room yet.
    #[serde(default)]
    pub unassigned: Vec<AssignedRoom>,
    /// `startDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub start_date: Option<NaiveDate>,
    /// `endDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub end_date: Option<NaiveDate>,
}

/// `getReservation.data.assigned[]` / `unassigned[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignedRoom {
    /// `reservationRoomID`.
    #[serde(
        rename = "reservationRoomID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub reservation_room_id: Option<String>,
    /// `roomTypeName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_type_name: Option<String>,
    /// `roomTypeID`.
    #[serde(rename = "roomTypeID", default, deserialize_with = "lenient::opt_string")]
    pub room_type_id: Option<String>,
    /// `subReservationID`: the folio/room mapping charges are posted to.
    #[serde(
        rename = "subReservationID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub sub_reservation_id: Option<String>,
    /// `roomName` (what the hotel calls the room).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub room_name: Option<String>,
    /// `roomID`.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
    /// `startDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub start_date: Option<NaiveDate>,
    /// `endDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub end_date: Option<NaiveDate>,
    /// `adults` (string).
    #[serde(default, deserialize_with = "lenient::opt_u16")]
    pub adults: Option<u16>,
    /// `children` (string).
    #[serde(default, deserialize_with = "lenient::opt_u16")]
    pub children: Option<u16>,
    /// `roomTotal` (a string in the spec).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub room_total: Option<Decimal>,
}

/// `getReservation.data.guestList.<guestID>`. Personal fields are read only to
/// decide which guest is the main one; the profile itself comes from `getGuest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationGuest {
    /// `guestID`.
    #[serde(rename = "guestID", default, deserialize_with = "lenient::opt_string")]
    pub guest_id: Option<String>,
    /// `guestStatus`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub guest_status: Option<String>,
    /// `isMainGuest`.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_main_guest: Option<bool>,
    /// `roomID` the guest is assigned to.
    #[serde(rename = "roomID", default, deserialize_with = "lenient::opt_string")]
    pub room_id: Option<String>,
}
