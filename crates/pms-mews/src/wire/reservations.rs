//! Reservations: `reservations/getAll/2023-06-06`, `reservations/start`,
//! `reservations/process`, `reservations/update`.
//! Source: <https://docs.mews.com/connector-api/operations/reservations>.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Limitation, TimeInterval, UpdateValue, wire_enum};

/// Request of `reservations/getAll/2023-06-06`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllReservations {
    /// `EnterpriseIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `ReservationIds`, max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_ids: Option<Vec<String>>,
    /// `ServiceIds`, max 1000: "If not provided, all bookable services are
    /// used", hourly ones (spa, tables, activities) included
    /// (<https://docs.mews.com/connector-api/operations/reservations>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_ids: Option<Vec<String>>,
    /// `AccountIds` (owners), max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// `UpdatedUtc`, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_utc: Option<TimeInterval>,
    /// `CollidingUtc`: reservations whose interval overlaps it, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colliding_utc: Option<TimeInterval>,
    /// `ScheduledStartUtc`, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start_utc: Option<TimeInterval>,
    /// `ScheduledEndUtc`, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_end_utc: Option<TimeInterval>,
    /// `Limitation` (required).
    pub limitation: Option<Limitation>,
}

/// Response of `reservations/getAll/2023-06-06`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReservationsPage {
    /// The reservations.
    #[serde(default)]
    pub reservations: Vec<Reservation>,
    /// Oldest item of this page; `null` when there is no data.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Reservation (ver 2023-06-06)".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Reservation {
    /// `Id`.
    pub id: String,
    /// `ServiceId`.
    #[serde(default)]
    pub service_id: Option<String>,
    /// `AccountId`: the owner (customer or company).
    #[serde(default)]
    pub account_id: Option<String>,
    /// `AccountType`.
    #[serde(default)]
    pub account_type: Option<AccountType>,
    /// `BookerId`.
    #[serde(default)]
    pub booker_id: Option<String>,
    /// `Number`: the confirmation number.
    #[serde(default)]
    pub number: Option<String>,
    /// `State`.
    pub state: ServiceOrderState,
    /// `Origin`.
    #[serde(default)]
    pub origin: Option<String>,
    /// `CommanderOrigin`.
    #[serde(default)]
    pub commander_origin: Option<String>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
    /// `CancelledUtc` (sic).
    #[serde(default)]
    pub cancelled_utc: Option<DateTime<Utc>>,
    /// `RateId`.
    #[serde(default)]
    pub rate_id: Option<String>,
    /// `GroupId`.
    #[serde(default)]
    pub group_id: Option<String>,
    /// `RequestedResourceCategoryId`.
    #[serde(default)]
    pub requested_resource_category_id: Option<String>,
    /// `AssignedResourceId`.
    #[serde(default)]
    pub assigned_resource_id: Option<String>,
    /// `ChannelNumber`.
    #[serde(default)]
    pub channel_number: Option<String>,
    /// `CancellationReason`.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// `ScheduledStartUtc`.
    pub scheduled_start_utc: DateTime<Utc>,
    /// `ActualStartUtc`: check-in instant.
    #[serde(default)]
    pub actual_start_utc: Option<DateTime<Utc>>,
    /// `ScheduledEndUtc`.
    pub scheduled_end_utc: DateTime<Utc>,
    /// `ActualEndUtc`: check-out instant.
    #[serde(default)]
    pub actual_end_utc: Option<DateTime<Utc>>,
    /// `PersonCounts`.
    #[serde(default)]
    pub person_counts: Vec<PersonCount>,
}

/// "Age category parameters".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PersonCount {
    /// `AgeCategoryId`.
    pub age_category_id: String,
    /// `Count`.
    pub count: u16,
}

wire_enum! {
    /// "Account type" (`operations/accounts.md#account-type`).
    AccountType { Customer, Company }
}

/// "Service order state". `Enquired` is the 2017-04-12 spelling of
/// `Inquired` (migration guide) and is accepted as an alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceOrderState {
    /// Confirmed neither by the customer nor the enterprise.
    Inquired,
    /// Confirmed by both parties, before check-in.
    Confirmed,
    /// Checked in.
    Started,
    /// Checked out.
    Processed,
    /// Canceled.
    Canceled,
    /// Confirmed by the enterprise but not by the guest.
    Optional,
    /// Confirmed by the customer but not by the enterprise (waitlist).
    Requested,
    /// A value this crate does not know, verbatim.
    Unknown(String),
}

impl ServiceOrderState {
    /// The value as the 2023-06-06 API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ServiceOrderState::Inquired => "Inquired",
            ServiceOrderState::Confirmed => "Confirmed",
            ServiceOrderState::Started => "Started",
            ServiceOrderState::Processed => "Processed",
            ServiceOrderState::Canceled => "Canceled",
            ServiceOrderState::Optional => "Optional",
            ServiceOrderState::Requested => "Requested",
            ServiceOrderState::Unknown(other) => other,
        }
    }
}

impl From<String> for ServiceOrderState {
    fn from(value: String) -> Self {
        match value.as_str() {
            "Inquired" | "Enquired" => ServiceOrderState::Inquired,
            "Confirmed" => ServiceOrderState::Confirmed,
            "Started" => ServiceOrderState::Started,
            "Processed" => ServiceOrderState::Processed,
            "Canceled" => ServiceOrderState::Canceled,
            "Optional" => ServiceOrderState::Optional,
            "Requested" => ServiceOrderState::Requested,
            _ => ServiceOrderState::Unknown(value),
        }
    }
}

impl<'de> Deserialize<'de> for ServiceOrderState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ServiceOrderState::from)
    }
}

/// Request of `reservations/start` (check-in): "Succeeds only if all
/// starting conditions are met (the reservation has the `Confirmed` state,
/// does not have start set to future, has an inspected room assigned etc)".
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartReservation {
    /// `EnterpriseId` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// `ReservationId`.
    pub reservation_id: String,
}

/// Request of `reservations/process` (check-out).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessReservation {
    /// `EnterpriseId` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// `ReservationId`.
    pub reservation_id: String,
    /// `CloseBills`.
    pub close_bills: bool,
    /// `AllowOpenBalance`.
    pub allow_open_balance: bool,
    /// `Notes`: required when `AllowOpenBalance` is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Request of `reservations/update` ("Update reservations",
/// <https://docs.mews.com/connector-api/operations/reservations#update-reservations>):
/// `ReservationUpdates` (max 1000) of `ReservationUpdateParameters`, each
/// field an update value `{"Value": x}`. A field sent as `null` (or left
/// out) is not changed; `{"Value": null}` clears it. Answers the updated
/// reservations (read as [`super::EmptyResponse`]: we read back ourselves).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateReservations {
    /// `EnterpriseId` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// `Reason`: "Reason for updating the reservation. Required when
    /// updating the price of the reservation."
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `Reprice`: "Whether the price should be updated to latest value for
    /// date/rate/category combination set in Mews. If not specified, the
    /// reservation price is updated."
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reprice: Option<bool>,
    /// `ReservationUpdates`, max 1000.
    pub reservation_updates: Vec<ReservationUpdate>,
}

/// `ReservationUpdateParameters`: only the fields this crate changes; the
/// others are left out, which leaves them as they are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReservationUpdate {
    /// `ReservationId`.
    pub reservation_id: String,
    /// `AssignedResourceId`: the room (resource) to assign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_resource_id: Option<UpdateValue<String>>,
}
