//! WebSocket messages. Source: <https://docs.mews.com/connector-api/events/websockets>
//! ("Message body"): `{"Events": [...]}`, each event with a `Type`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::wire_enum;

/// A message: "The events that happened during the connection."
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebSocketMessage {
    /// `Events`.
    pub events: Vec<WebSocketEvent>,
}

/// One event; which fields it has depends on `Type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebSocketEvent {
    /// `Type`.
    #[serde(rename = "Type")]
    pub event_type: WebSocketEventType,
    /// `Id`: the command, reservation, resource or price update.
    pub id: String,
    /// `State` (`DeviceCommand`, `Reservation`, `Resource`).
    #[serde(default)]
    pub state: Option<String>,
    /// `StartUtc` (`Reservation`: arrival; `PriceUpdate`).
    #[serde(default)]
    pub start_utc: Option<DateTime<Utc>>,
    /// `EndUtc` (`Reservation`: departure; `PriceUpdate`).
    #[serde(default)]
    pub end_utc: Option<DateTime<Utc>>,
    /// `AssignedResourceId` (`Reservation`, optional).
    #[serde(default)]
    pub assigned_resource_id: Option<String>,
}

wire_enum! {
    /// The event `Type`.
    WebSocketEventType { DeviceCommand, Reservation, Resource, PriceUpdate }
}
