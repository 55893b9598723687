//! Mews WebSocket messages → [`PmsEvent`]s.
//!
//! Unlike webhooks, `Reservation` and `Resource` events carry the entity's
//! `State` (<https://docs.mews.com/connector-api/events/websockets>), so the
//! events say the new state; they stay hints (a re-read confirms them).
//! `DeviceCommand` and `PriceUpdate` have no model equivalent and are left
//! out. The message names no enterprise: it belongs to the connection's
//! AccessToken, so it is decoded for the hotel the caller names.

use chrono::{DateTime, Utc};
use pms_core::{Change, Error, EventId, EventSource, ExternalRef, HotelId, PmsEvent, PmsKind, VendorId};

use crate::error::{MewsError, without_values};
use crate::map;
use crate::webhook::MAX_WEBHOOK_BYTES;
use crate::wire::reservations::ServiceOrderState;
use crate::wire::resources::ResourceState;
use crate::wire::websocket::{WebSocketEventType, WebSocketMessage};

/// Whether `body` has the shape of a WebSocket message: an object with an
/// `Events` array whose events carry `Type` (General webhooks' carry
/// `Discriminator`), and neither `EnterpriseId` nor `Action`.
pub fn is_websocket_message(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Shape {
        #[serde(default)]
        enterprise_id: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        action: Option<serde::de::IgnoredAny>,
        events: Vec<EventShape>,
    }
    #[derive(serde::Deserialize)]
    struct EventShape {
        #[serde(rename = "Type", default)]
        event_type: Option<serde::de::IgnoredAny>,
        #[serde(rename = "Discriminator", default)]
        discriminator: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Shape>(body).is_ok_and(|s| {
        s.enterprise_id.is_none()
            && s.action.is_none()
            && s.events
                .iter()
                .all(|e| e.event_type.is_some() && e.discriminator.is_none())
    })
}

/// Decodes a WebSocket message for `hotel`; `received_at` dates the events
/// (the message has no timestamp of its own).
pub fn parse_websocket_message(
    body: &[u8],
    hotel: &HotelId,
    received_at: DateTime<Utc>,
) -> Result<Vec<PmsEvent>, Error> {
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(MewsError::WebhookTooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }
        .into());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let message: WebSocketMessage =
        serde_path_to_error::deserialize(&mut de).map_err(|e| MewsError::Decode {
            path: e.path().to_string(),
            message: without_values(&e.into_inner().to_string()),
        })?;
    let mut events: Vec<PmsEvent> = Vec::new();
    for (i, event) in message.events.into_iter().enumerate() {
        let path = format!("Events[{i}]");
        let (key, state) = match event.event_type {
            WebSocketEventType::Reservation => ("reservation", event.state),
            WebSocketEventType::Resource => ("room", event.state),
            WebSocketEventType::DeviceCommand
            | WebSocketEventType::PriceUpdate
            | WebSocketEventType::Unknown(_) => continue,
        };
        let state = state.ok_or_else(|| Error::decode(PmsKind::Mews, format!("{path}.State"), "missing"))?;
        let vendor = VendorId::new(event.id.clone())
            .map_err(|_| Error::decode(PmsKind::Mews, format!("{path}.Id"), "empty id"))?;
        let reference = ExternalRef::new(PmsKind::Mews, vendor);
        let change = if key == "reservation" {
            // The message has no CancellationReason: a no-show reads as a
            // cancellation until the reservation is re-read.
            Change::ReservationStatusChanged {
                reservation: reference,
                status: Some(map::reservation_status(&ServiceOrderState::from(state), None)),
            }
        } else {
            Change::RoomStatusChanged {
                room: reference,
                number: None,
                status: Some(map::housekeeping(&ResourceState::from(state))),
            }
        };
        // The same id scheme as webhook hints, under `ws` for the missing
        // enterprise: pending hints for one entity coalesce in the inbox.
        let id = EventId::new(format!("mews:ws:{key}:{}", event.id));
        // The last event of an entity in a message is its latest state.
        events.retain(|e| e.id != id);
        events.push(PmsEvent {
            id,
            hotel: hotel.clone(),
            occurred_at: received_at,
            source: EventSource::Webhook,
            change,
        });
    }
    Ok(events)
}
