//! Cloudbeds webhook bodies: authenticate, parse, turn into [`PmsEvent`]s.
//!
//! Facts (vendor notes §7):
//! * Bodies are thin JSON: `version`, `event` (`object/action`), `timestamp`
//!   (UNIX seconds with microseconds, a JSON number), ids, a few changed
//!   fields. Consumers re-read the record; these events carry ids only.
//! * Id key casing varies by event (`propertyID`/`reservationID` on
//!   reservation created/status_changed, `propertyId`/`reservationId`/`guestId`
//!   on others) and each id comes as a number plus a `*_str` string. Keys are
//!   matched case-insensitively and the `_str` variant wins.
//! * **Cloudbeds signs nothing** (no signature or HMAC header is documented;
//!   several independent adapters say so after reading docs/webhooks-1). We
//!   authenticate with an unguessable token in the subscribed URL, compared
//!   in constant time ([`WebhookVerifier`]), and check that the payload's
//!   property is the one configured.
//! * There is no delivery id: the dedupe key is
//!   `(event, property, entity id, timestamp)`.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use pms_core::{Change, EventId, EventSource, ExternalRef, HotelId, PmsEvent, PmsKind, RoomNumber, VendorId};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::CloudbedsError;
use crate::map;

/// Larger bodies are refused before parsing (real ones are a few hundred bytes).
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

/// Checks the secret token of the URL Cloudbeds was subscribed with
/// (`https://hooks.example.com/cloudbeds/<token>`).
#[derive(Clone)]
pub struct WebhookVerifier {
    digest: [u8; 32],
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookVerifier(<redacted>)")
    }
}

impl WebhookVerifier {
    /// A verifier for `token`; tokens shorter than 16 characters are refused.
    pub fn new(token: &SecretString) -> Result<Self, CloudbedsError> {
        if token.expose_secret().len() < 16 {
            return Err(CloudbedsError::Config(
                "the webhook URL token must be at least 16 characters".into(),
            ));
        }
        Ok(WebhookVerifier {
            digest: Sha256::digest(token.expose_secret().as_bytes()).into(),
        })
    }

    /// Whether `presented` (the token from the request path) is ours. Both
    /// sides are hashed first, so neither content nor length leaks through timing.
    pub fn verify(&self, presented: &str) -> Result<(), CloudbedsError> {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        if bool::from(self.digest.ct_eq(&presented)) {
            Ok(())
        } else {
            Err(CloudbedsError::WebhookRejected("URL token does not match".into()))
        }
    }
}

/// One parsed webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// `event`, e.g. `reservation/status_changed`.
    pub event: String,
    /// The property the event is about.
    pub property_id: String,
    /// The normalized event; `None` for events the model has no change for
    /// (`integration/appstate_changed`, `night_audit/completed`, ...).
    pub pms_event: Option<PmsEvent>,
}

/// Keys lower-cased, `_str` variants preferred.
struct Fields(BTreeMap<String, Value>);

impl Fields {
    fn new(object: serde_json::Map<String, Value>) -> Self {
        Fields(
            object
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    /// An id by (lower-case) key: `<key>_str` first, then `<key>` as string or integer.
    fn id(&self, key: &str) -> Result<Option<String>, CloudbedsError> {
        for candidate in [format!("{key}_str"), key.to_owned()] {
            match self.0.get(&candidate) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) if s.trim().is_empty() => continue,
                Some(Value::String(s)) => return Ok(Some(s.trim().to_owned())),
                Some(Value::Number(n)) if n.is_u64() || n.is_i64() => return Ok(Some(n.to_string())),
                Some(_) => {
                    return Err(CloudbedsError::decode(
                        format!("$.{candidate}"),
                        "expected an id (string or integer)",
                    ));
                }
            }
        }
        Ok(None)
    }

    fn string(&self, key: &str) -> Result<Option<String>, CloudbedsError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(CloudbedsError::decode(format!("$.{key}"), "expected a string")),
        }
    }

    /// `timestamp`: UNIX seconds with microseconds, as a number or a string.
    /// Returns the text used in the dedupe key and the instant.
    fn timestamp(&self) -> Result<Option<(String, DateTime<Utc>)>, CloudbedsError> {
        let text = match self.0.get("timestamp") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => return Err(CloudbedsError::decode("$.timestamp", "expected UNIX seconds")),
        };
        let seconds: Decimal = text
            .parse()
            .map_err(|_| CloudbedsError::decode("$.timestamp", format!("`{text}` is not UNIX seconds")))?;
        let whole = seconds.trunc();
        let micros = ((seconds - whole) * Decimal::from(1_000_000)).round();
        let instant = whole
            .to_i64()
            .zip(micros.to_i64())
            .and_then(|(s, us)| {
                Utc.timestamp_opt(s, 0)
                    .single()
                    .map(|t| t + chrono::Duration::microseconds(us))
            })
            .ok_or_else(|| CloudbedsError::decode("$.timestamp", "out of range"))?;
        Ok(Some((text, instant)))
    }
}

fn cb_ref(id: String, path: &str) -> Result<ExternalRef, CloudbedsError> {
    VendorId::new(id)
        .map(|v| ExternalRef::new(PmsKind::Cloudbeds, v))
        .map_err(|_| CloudbedsError::decode(path, "empty id"))
}

fn need(fields: &Fields, key: &str) -> Result<String, CloudbedsError> {
    fields
        .id(key)?
        .ok_or_else(|| CloudbedsError::decode(format!("$.{key}"), "missing required id"))
}

/// Parses one webhook body into a delivery, without checking the property.
/// `received_at` stands in for `occurred_at` when the body has no
/// `timestamp` (the `accounting/transaction` sample has none).
pub fn parse_webhook(
    body: &[u8],
    hotel: &HotelId,
    received_at: DateTime<Utc>,
) -> Result<WebhookDelivery, CloudbedsError> {
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(CloudbedsError::WebhookRejected(format!(
            "body of {} bytes exceeds {MAX_WEBHOOK_BYTES}",
            body.len()
        )));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: Value =
        serde_path_to_error::deserialize(&mut de).map_err(|e| CloudbedsError::from_path_error("$", e))?;
    let Value::Object(object) = value else {
        return Err(CloudbedsError::decode("$", "expected a JSON object"));
    };
    let fields = Fields::new(object);
    let event = fields
        .string("event")?
        .ok_or_else(|| CloudbedsError::decode("$.event", "missing"))?;
    let property_id = need(&fields, "propertyid")?;
    let timestamp = fields.timestamp()?;

    let (entity_key, change): (&str, Option<Change>) = match event.as_str() {
        "reservation/created" => {
            let r = cb_ref(need(&fields, "reservationid")?, "$.reservationID")?;
            (
                "reservationid",
                Some(Change::ReservationCreated { reservation: r }),
            )
        }
        "reservation/status_changed" => {
            let r = cb_ref(need(&fields, "reservationid")?, "$.reservationID")?;
            let status = fields.string("status")?.map(|s| map::reservation_status(&s));
            (
                "reservationid",
                Some(Change::ReservationStatusChanged {
                    reservation: r,
                    status,
                }),
            )
        }
        "reservation/dates_changed"
        | "reservation/accommodation_status_changed"
        | "reservation/accommodation_type_changed"
        | "reservation/accommodation_changed"
        | "reservation/notes_changed"
        | "reservation/custom_fields_changed" => {
            let r = cb_ref(need(&fields, "reservationid")?, "$.reservationId")?;
            (
                "reservationid",
                Some(Change::ReservationUpdated { reservation: r }),
            )
        }
        "reservation/deleted" => {
            let r = cb_ref(need(&fields, "reservationid")?, "$.reservationId")?;
            (
                "reservationid",
                Some(Change::ReservationCancelled { reservation: r }),
            )
        }
        "guest/created"
        | "guest/details_changed"
        | "guest/assigned"
        | "guest/removed"
        | "guest/accommodation_changed" => {
            let g = cb_ref(need(&fields, "guestid")?, "$.guestId")?;
            ("guestid", Some(Change::GuestUpdated { guest: g }))
        }
        "housekeeping/room_condition_changed" => {
            let room = cb_ref(need(&fields, "roomid")?, "$.roomId")?;
            let status = fields.string("condition")?.map(|c| map::room_condition(&c));
            let number = fields.string("roomname")?.and_then(|n| RoomNumber::new(n).ok());
            ("roomid", Some(Change::RoomStatusChanged { room, number, status }))
        }
        "housekeeping/housekeeping_room_occupancy_status_changed" => {
            let room = cb_ref(need(&fields, "roomid")?, "$.roomId")?;
            (
                "roomid",
                Some(Change::RoomStatusChanged {
                    room,
                    number: None,
                    status: None,
                }),
            )
        }
        "accounting/transaction" => {
            let item = cb_ref(need(&fields, "transactionid")?, "$.transactionId")?;
            (
                "transactionid",
                Some(Change::FolioChanged {
                    reservation: None,
                    item: Some(item),
                }),
            )
        }
        _ => ("", None),
    };

    let pms_event = match change {
        None => None,
        Some(change) => {
            let entity = fields.id(entity_key)?.unwrap_or_default();
            let stamp = match &timestamp {
                Some((text, _)) => text.clone(),
                // No timestamp: the body itself identifies the delivery.
                None => format!("sha256:{}", hex::encode(Sha256::digest(body))),
            };
            Some(PmsEvent {
                id: EventId::new(format!("cloudbeds:{event}:{property_id}:{entity}:{stamp}")),
                hotel: hotel.clone(),
                occurred_at: timestamp.map_or(received_at, |(_, at)| at),
                source: EventSource::Webhook,
                change,
            })
        }
    };
    if pms_event.is_none() {
        tracing::debug!(event = %event, "cloudbeds webhook event without a model change");
    }
    Ok(WebhookDelivery {
        event,
        property_id,
        pms_event,
    })
}

/// Authenticates and parses a delivery: the URL token must match, the body
/// must be within [`MAX_WEBHOOK_BYTES`], and its property must be `property_id`.
pub fn authenticate_and_parse(
    verifier: &WebhookVerifier,
    presented_token: &str,
    body: &[u8],
    property_id: &str,
    hotel: &HotelId,
    received_at: DateTime<Utc>,
) -> Result<WebhookDelivery, CloudbedsError> {
    verifier.verify(presented_token)?;
    let delivery = parse_webhook(body, hotel, received_at)?;
    if delivery.property_id != property_id {
        return Err(CloudbedsError::WebhookRejected(format!(
            "event for property {} delivered to the endpoint of property {property_id}",
            delivery.property_id
        )));
    }
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_accepts_only_the_token() {
        let v = WebhookVerifier::new(&SecretString::from("0123456789abcdef-secret")).unwrap();
        assert!(v.verify("0123456789abcdef-secret").is_ok());
        assert!(v.verify("0123456789abcdef-secreT").is_err());
        assert!(v.verify("").is_err());
        assert!(WebhookVerifier::new(&SecretString::from("short")).is_err());
        assert_eq!(format!("{v:?}"), "WebhookVerifier(<redacted>)");
    }

    #[test]
    fn oversized_and_malformed_bodies_are_typed_errors() {
        let hotel = HotelId::new("h").unwrap();
        let big = vec![b' '; MAX_WEBHOOK_BYTES + 1];
        assert!(matches!(
            parse_webhook(&big, &hotel, Utc::now()),
            Err(CloudbedsError::WebhookRejected(_))
        ));
        let err = parse_webhook(
            br#"{"event": "reservation/created", "propertyID": 1}"#,
            &hotel,
            Utc::now(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, CloudbedsError::Decode { path, .. } if path == "$.reservationid"),
            "{err}"
        );
        assert!(matches!(
            parse_webhook(b"[1]", &hotel, Utc::now()),
            Err(CloudbedsError::Decode { .. })
        ));
        assert!(matches!(
            parse_webhook(b"{not json", &hotel, Utc::now()),
            Err(CloudbedsError::Decode { .. })
        ));
    }
}
