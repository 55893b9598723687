//! Mews webhooks: authentication and parsing into [`PmsEvent`]s.
//!
//! Mews signs nothing. The documented protection is a shared secret in the
//! URL, `https://webhook.partner.com?Token=XXXX`
//! (<https://docs.mews.com/connector-api/events/wh-general>, figure
//! `webhook-auth.png`; vendor notes §8.4). [`verify_token`] compares it in
//! constant time. Any "X-Mews-Signature" HMAC is a fabrication: there is none.
//!
//! Two body formats arrive (possibly at the same URL):
//! - General webhooks `{EnterpriseId, IntegrationId, Events: [{Discriminator, Value: {Id}}]}`
//!   carry ids only, no timestamp: consumers re-read the records.
//! - Integration webhooks `{Action, Data}`
//!   (<https://docs.mews.com/connector-api/events/wh-integration>) report
//!   integration lifecycle, including a new or regenerated AccessToken.

use chrono::{DateTime, Utc};
use pms_core::{Change, Error, EventId, EventSource, ExternalRef, HotelId, PmsEvent, PmsKind, VendorId};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::error::{MewsError, without_values};
use crate::wire::webhooks::{EventDiscriminator, GeneralWebhook, IntegrationAction, IntegrationWebhook};

/// Largest webhook body accepted. Mews batches "in the order of hundreds"
/// of `{Discriminator, Value: {Id}}` events (`events/wh-faq.md`), a few tens of KiB.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// The query parameter Mews is given the secret in.
pub const TOKEN_PARAMETER: &str = "Token";

/// Checks the `Token` query parameter of the request URL's query string
/// (`Token=...&...`, without the `?`) against `expected`, in constant time.
pub fn verify_token(query: Option<&str>, expected: &SecretString) -> Result<(), Error> {
    let presented = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == TOKEN_PARAMETER)
            .map(|(_, value)| value.into_owned())
    });
    let expected = expected.expose_secret().as_bytes();
    let ok = match presented {
        // `ct_eq` on slices is constant time for equal lengths; a length
        // mismatch is rejected without looking at the bytes.
        Some(token) if !expected.is_empty() => bool::from(token.as_bytes().ct_eq(expected)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(MewsError::WebhookUnauthorized.into())
    }
}

/// A webhook body, parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MewsWebhook {
    /// A General webhook.
    General {
        /// `EnterpriseId`.
        enterprise_id: String,
        /// `IntegrationId`.
        integration_id: String,
        /// The events with a model equivalent, deduplicated within the message.
        events: Vec<PmsEvent>,
        /// Discriminators with no model equivalent (`MessageAdded`, unknown
        /// ones), verbatim, with their ids.
        ignored: Vec<(String, String)>,
    },
    /// An Integration webhook.
    Integration(IntegrationNotice),
}

impl MewsWebhook {
    /// The model events (none for integration webhooks).
    pub fn events(&self) -> &[PmsEvent] {
        match self {
            MewsWebhook::General { events, .. } => events,
            MewsWebhook::Integration(_) => &[],
        }
    }
}

/// An integration lifecycle notice. The token, when present, stays secret.
#[derive(Debug, Clone)]
pub struct IntegrationNotice {
    /// `Action`, verbatim.
    pub action: String,
    /// `Data.Integration.Id`.
    pub integration_id: String,
    /// `Data.Enterprise.Id`, when sent.
    pub enterprise_id: Option<String>,
    /// The new AccessToken (`IntegrationCreated` `AccessToken`,
    /// `IntegrationApiKeyCreated` `ApiKey`): rotate it at runtime.
    pub access_token: Option<SecretString>,
    /// Whether the integration is enabled after this event, when it says.
    pub enabled: Option<bool>,
}

/// Parses a webhook body for `hotel`. General webhooks carry no timestamp,
/// so `received_at` dates the events and is part of their dedupe key.
pub fn parse_webhook(body: &[u8], hotel: &HotelId, received_at: DateTime<Utc>) -> Result<MewsWebhook, Error> {
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(MewsError::WebhookTooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }
        .into());
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| MewsError::Decode {
        path: "$".into(),
        message: without_values(&e.to_string()),
    })?;
    let Some(object) = value.as_object() else {
        return Err(MewsError::WebhookUnrecognized {
            reason: "not a JSON object".into(),
        }
        .into());
    };
    if object.contains_key("Events") {
        let webhook: GeneralWebhook = from_value(value)?;
        Ok(general(webhook, hotel, received_at))
    } else if object.contains_key("Action") {
        let webhook: IntegrationWebhook = from_value(value)?;
        Ok(MewsWebhook::Integration(integration(webhook)))
    } else {
        Err(MewsError::WebhookUnrecognized {
            reason: "neither `Events` (general) nor `Action` (integration)".into(),
        }
        .into())
    }
}

fn from_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        MewsError::Decode {
            path,
            message: without_values(&e.into_inner().to_string()),
        }
        .into()
    })
}

fn general(webhook: GeneralWebhook, hotel: &HotelId, received_at: DateTime<Utc>) -> MewsWebhook {
    let mut events: Vec<PmsEvent> = Vec::new();
    let mut ignored = Vec::new();
    for (i, event) in webhook.events.into_iter().enumerate() {
        let id = event.value.id;
        let Ok(vendor) = VendorId::new(id.clone()) else {
            ignored.push((
                event.discriminator.as_str().to_owned(),
                format!("Events[{i}]: empty id"),
            ));
            continue;
        };
        let reference = ExternalRef::new(PmsKind::Mews, vendor);
        let (key, change) = match &event.discriminator {
            EventDiscriminator::ServiceOrderUpdated => (
                "reservation",
                Change::ReservationUpdated {
                    reservation: reference,
                },
            ),
            EventDiscriminator::ResourceUpdated => (
                "room",
                Change::RoomStatusChanged {
                    room: reference,
                    number: None,
                    status: None,
                },
            ),
            // "Added" is a subset of "Updated": one guest event per id.
            EventDiscriminator::CustomerAdded | EventDiscriminator::CustomerUpdated => {
                ("guest", Change::GuestUpdated { guest: reference })
            }
            EventDiscriminator::PaymentUpdated => (
                "payment",
                Change::FolioChanged {
                    reservation: None,
                    item: Some(reference),
                },
            ),
            // Ids only: the block is read back for its room
            // (`resourceBlocks/getAll`, `MewsClient::room_block`).
            EventDiscriminator::ResourceBlockUpdated => {
                ("room_block", Change::RoomBlockChanged { block: reference })
            }
            EventDiscriminator::MessageAdded | EventDiscriminator::Unknown(_) => {
                ignored.push((event.discriminator.as_str().to_owned(), id));
                continue;
            }
        };
        // Mews sends no event id or timestamp, so a redelivery is only
        // recognisable by what it points at; the inbox coalesces pending hints
        // with the same id, and applying re-reads the entity anyway.
        let event_id = EventId::new(format!("mews:{}:{key}:{id}", webhook.enterprise_id));
        if events.iter().any(|e| e.id == event_id) {
            continue;
        }
        events.push(PmsEvent {
            id: event_id,
            hotel: hotel.clone(),
            occurred_at: received_at,
            source: EventSource::Webhook,
            change,
        });
    }
    MewsWebhook::General {
        enterprise_id: webhook.enterprise_id,
        integration_id: webhook.integration_id,
        events,
        ignored,
    }
}

fn integration(webhook: IntegrationWebhook) -> IntegrationNotice {
    let data = webhook.data;
    let enabled = match webhook.action {
        IntegrationAction::IntegrationCreated => data.is_enabled,
        IntegrationAction::IntegrationEnabled | IntegrationAction::IntegrationReinstated => Some(true),
        IntegrationAction::IntegrationDisabled
        | IntegrationAction::IntegrationCanceled
        | IntegrationAction::IntegrationDeleted => Some(false),
        IntegrationAction::IntegrationApiKeyCreated | IntegrationAction::Unknown(_) => None,
    };
    IntegrationNotice {
        action: webhook.action.as_str().to_owned(),
        integration_id: data.integration.id,
        enterprise_id: data.enterprise.map(|e| e.id),
        access_token: data.access_token.or(data.api_key),
        enabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_checked() {
        let secret = SecretString::from("s3cret");
        assert!(verify_token(Some("Token=s3cret"), &secret).is_ok());
        assert!(verify_token(Some("a=1&Token=s3cret"), &secret).is_ok());
        for bad in [
            None,
            Some(""),
            Some("Token="),
            Some("Token=s3cre"),
            Some("Token=s3cretX"),
            Some("token=s3cret"),
        ] {
            assert_eq!(
                verify_token(bad, &secret).unwrap_err().kind(),
                pms_core::ErrorKind::Auth,
                "{bad:?}"
            );
        }
        assert!(verify_token(Some("Token="), &SecretString::from("")).is_err());
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        let hotel = HotelId::new("grand").unwrap();
        let now = Utc::now();
        let not_json = parse_webhook(b"{", &hotel, now).unwrap_err();
        assert_eq!(not_json.kind(), pms_core::ErrorKind::Decode);
        let unknown = parse_webhook(br#"{"Hello":1}"#, &hotel, now).unwrap_err();
        assert_eq!(unknown.kind(), pms_core::ErrorKind::Decode);
        let bad_events = parse_webhook(
            br#"{"EnterpriseId":"e","IntegrationId":"i","Events":[{"Discriminator":"ResourceUpdated"}]}"#,
            &hotel,
            now,
        )
        .unwrap_err();
        match bad_events {
            Error::Decode { path, .. } => assert_eq!(path, "Events[0]"),
            other => panic!("{other:?}"),
        }
        let big = vec![b' '; MAX_WEBHOOK_BYTES + 1];
        assert_eq!(
            parse_webhook(&big, &hotel, now).unwrap_err().kind(),
            pms_core::ErrorKind::Validation
        );
    }
}
