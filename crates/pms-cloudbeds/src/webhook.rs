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
//! * **Cloudbeds signs nothing** (no signature or HMAC header is documented).
//!   `postWebhook` takes `authHeaderName`/`authHeaderValue`, "HTTP header sent
//!   with every delivery ... Use instead of credentials in `endpointUrl`"
//!   (SDK `cloudbeds-pms-v1-3` 1.19.0, `IntegrationApi.post_webhook_post`):
//!   our subscriptions send our secret as [`WEBHOOK_AUTH_HEADER`]. Deliveries
//!   of subscriptions made before that carry the secret as a `token` in the
//!   subscribed URL; both are compared in constant time ([`WebhookVerifier`]),
//!   and the payload's property must be the one configured.
//! * `roomblock/created|removed|details_changed` name the block's rooms in
//!   `rooms[]{roomID, roomTypeID}` (with `roomBlockID`, `roomBlockType`
//!   `blocked_dates|out_of_service|courtesy_hold`, `roomBlockReason`,
//!   `startDate`, `endDate`): one room hint per room, whatever the type
//!   (a block changes `roomBlocked` in `getHousekeepingStatus`, which the
//!   re-read reports). Event names: developers.cloudbeds.com/changelog/august-2023;
//!   fields and types: `/getRoomBlocks` and `/postRoomBlock` of
//!   `src/pms-v1.3-openapi.yaml`.
//! * There is no delivery id: the dedupe key is
//!   `(event, property, entity id, timestamp)`.
//! * Nothing here panics on vendor data: the timestamp is read with checked
//!   arithmetic, and errors name the JSON path, never the value.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
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

    /// Whether `presented` (the token from the request URL) is ours. Both
    /// sides are hashed first, so neither content nor length leaks through timing.
    pub fn verify(&self, presented: &str) -> Result<(), CloudbedsError> {
        self.check(presented, "URL token does not match")
    }

    fn check(&self, presented: &str, refusal: &str) -> Result<(), CloudbedsError> {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        if bool::from(self.digest.ct_eq(&presented)) {
            Ok(())
        } else {
            Err(CloudbedsError::WebhookRejected(refusal.into()))
        }
    }

    /// Whether a delivery presents our secret: in [`WEBHOOK_AUTH_HEADER`]
    /// (subscriptions made with [`crate::CloudbedsClient::subscribe_webhook`]),
    /// else as the URL `token` (subscriptions made before `authHeaderName`
    /// existed). A delivery that carries the header is judged by the header
    /// alone: a wrong header is refused even next to a right URL token.
    pub fn verify_presented(&self, presented: &Presented) -> Result<(), CloudbedsError> {
        match (presented.header.as_deref(), presented.url_token.as_deref()) {
            (Some(header), _) => self.check(header, "auth header does not match"),
            (None, Some(token)) => self.verify(token),
            (None, None) => Err(CloudbedsError::WebhookRejected(
                "neither the auth header nor a URL token was presented".into(),
            )),
        }
    }
}

/// The header our subscriptions ask Cloudbeds to send with every delivery
/// (`postWebhook.authHeaderName`; its value, `authHeaderValue`, is the
/// hotel's webhook secret). A name of our own rather than `Authorization`,
/// so no proxy in front of the receiver mistakes it for its own credential.
pub const WEBHOOK_AUTH_HEADER: &str = "X-PMS-Webhook-Token";

/// What a delivery presents to authenticate itself. `Debug` hides the values.
#[derive(Clone, Default)]
pub struct Presented {
    /// The value of [`WEBHOOK_AUTH_HEADER`], when the delivery carried it.
    pub header: Option<String>,
    /// The `token` query parameter of the delivery's URL, when present.
    pub url_token: Option<String>,
}

impl Presented {
    /// Reads both from a request: the [`WEBHOOK_AUTH_HEADER`] header (a
    /// value that is not visible ASCII counts as presented and wrong), and
    /// the `token` query parameter (any letter case, percent-decoded).
    pub fn from_request(headers: &http::HeaderMap, query: Option<&str>) -> Self {
        let header = headers.get(WEBHOOK_AUTH_HEADER).map(|v| {
            v.to_str()
                .map(str::to_owned)
                .unwrap_or_else(|_| "\u{fffd}".to_owned())
        });
        let url_token = query.and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k.eq_ignore_ascii_case("token"))
                .map(|(_, v)| v.into_owned())
        });
        Presented { header, url_token }
    }
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("header", &self.header.as_ref().map(|_| "<redacted>"))
            .field("url_token", &self.url_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One parsed webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// `event`, e.g. `reservation/status_changed`.
    pub event: String,
    /// The property the event is about.
    pub property_id: String,
    /// The normalized events: one for most events, one per named room for
    /// `roomblock/*`, none for events the model has no change for
    /// (`integration/appstate_changed`, `night_audit/completed`, ...).
    pub events: Vec<PmsEvent>,
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
    /// Returns the text used in the dedupe key and the instant. Checked all
    /// the way: an instant chrono cannot hold is a decode error, not a panic.
    fn timestamp(&self) -> Result<Option<(String, DateTime<Utc>)>, CloudbedsError> {
        let text = match self.0.get("timestamp") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => return Err(CloudbedsError::decode("$.timestamp", "expected UNIX seconds")),
        };
        let seconds = text
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&text))
            .map_err(|_| CloudbedsError::decode("$.timestamp", "not UNIX seconds"))?;
        let out_of_range = || CloudbedsError::decode("$.timestamp", "out of range");
        let whole = seconds.trunc();
        let micros = seconds
            .checked_sub(whole)
            .and_then(|fraction| fraction.checked_mul(Decimal::from(1_000_000)))
            .map(|m| m.round())
            .ok_or_else(out_of_range)?;
        let instant = whole
            .to_i64()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .zip(micros.to_i64().map(TimeDelta::microseconds))
            .and_then(|(at, fraction)| at.checked_add_signed(fraction))
            .ok_or_else(out_of_range)?;
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
        "roomblock/created" | "roomblock/removed" | "roomblock/details_changed" => {
            let block = need(&fields, "roomblockid")?;
            let rooms = block_rooms(&fields)?;
            let stamp = dedupe_stamp(&timestamp, body);
            let occurred_at = timestamp.as_ref().map_or(received_at, |(_, at)| *at);
            let events = rooms
                .into_iter()
                .map(|room| PmsEvent {
                    id: EventId::new(format!(
                        "cloudbeds:{event}:{property_id}:{block}/{}:{stamp}",
                        room.id.as_str()
                    )),
                    hotel: hotel.clone(),
                    occurred_at,
                    source: EventSource::Webhook,
                    change: Change::RoomStatusChanged {
                        room,
                        number: None,
                        // The block's dates decide whether the room is out of
                        // service today: the re-read says, not the event.
                        status: None,
                    },
                })
                .collect();
            return Ok(WebhookDelivery {
                event,
                property_id,
                events,
            });
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

    let events = match change {
        None => {
            tracing::debug!(event = %event, "cloudbeds webhook event without a model change");
            Vec::new()
        }
        Some(change) => {
            let entity = fields.id(entity_key)?.unwrap_or_default();
            let stamp = dedupe_stamp(&timestamp, body);
            vec![PmsEvent {
                id: EventId::new(format!("cloudbeds:{event}:{property_id}:{entity}:{stamp}")),
                hotel: hotel.clone(),
                occurred_at: timestamp.map_or(received_at, |(_, at)| at),
                source: EventSource::Webhook,
                change,
            }]
        }
    };
    Ok(WebhookDelivery {
        event,
        property_id,
        events,
    })
}

/// The timestamp text, or (no timestamp) a digest of the body, which then
/// identifies the delivery.
fn dedupe_stamp(timestamp: &Option<(String, DateTime<Utc>)>, body: &[u8]) -> String {
    match timestamp {
        Some((text, _)) => text.clone(),
        None => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    }
}

/// `rooms[]{roomID, roomTypeID}` of a room block event, as room refs. A block
/// names at least one room ("When multiple rooms are submitted they will be
/// created under the same roomBlockID", `/postRoomBlock`), so none is a
/// decode error: the hint would otherwise be lost with a success.
fn block_rooms(fields: &Fields) -> Result<Vec<ExternalRef>, CloudbedsError> {
    let Some(Value::Array(rooms)) = fields.0.get("rooms") else {
        return Err(CloudbedsError::decode(
            "$.rooms",
            "expected the array of the block's rooms",
        ));
    };
    let mut out: Vec<ExternalRef> = Vec::with_capacity(rooms.len());
    for (i, room) in rooms.iter().enumerate() {
        let path = format!("$.rooms[{i}].roomID");
        let Value::Object(room) = room else {
            return Err(CloudbedsError::decode(
                format!("$.rooms[{i}]"),
                "expected an object",
            ));
        };
        let room = Fields::new(room.clone());
        let id = room
            .id("roomid")
            .map_err(|_| CloudbedsError::decode(path.clone(), "expected an id (string or integer)"))?
            .ok_or_else(|| CloudbedsError::decode(path.clone(), "missing required id"))?;
        let room = cb_ref(id, &path)?;
        if !out.contains(&room) {
            out.push(room);
        }
    }
    if out.is_empty() {
        return Err(CloudbedsError::decode("$.rooms", "a room block names no room"));
    }
    Ok(out)
}

/// Authenticates and parses a delivery that presents the URL token only
/// (subscriptions made with the secret in `endpointUrl`): see
/// [`authenticate_delivery`].
pub fn authenticate_and_parse(
    verifier: &WebhookVerifier,
    presented_token: &str,
    body: &[u8],
    property_id: &str,
    hotel: &HotelId,
    received_at: DateTime<Utc>,
) -> Result<WebhookDelivery, CloudbedsError> {
    let presented = Presented {
        header: None,
        url_token: Some(presented_token.to_owned()),
    };
    authenticate_delivery(verifier, &presented, body, property_id, hotel, received_at)
}

/// Authenticates and parses a delivery: the secret must be presented
/// ([`WebhookVerifier::verify_presented`]), the body must be within
/// [`MAX_WEBHOOK_BYTES`], and its property must be `property_id`.
pub fn authenticate_delivery(
    verifier: &WebhookVerifier,
    presented: &Presented,
    body: &[u8],
    property_id: &str,
    hotel: &HotelId,
    received_at: DateTime<Utc>,
) -> Result<WebhookDelivery, CloudbedsError> {
    verifier.verify_presented(presented)?;
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

    /// Issue 17 item 8 (RELIABILITY bug 17): this timestamp panicked in
    /// unchecked date arithmetic; it must be a typed decode error at the path.
    #[test]
    fn an_instant_chrono_cannot_hold_is_a_decode_error_not_a_panic() {
        let hotel = HotelId::new("h").unwrap();
        for stamp in [
            "-8334601228800.5",
            "-8334632851200.5",
            "8210266876800.5",
            "1e30",
            "\"-9223372036854775808.999999\"",
            "-99999999999999999999999999",
            "\"9e4294967296\"",
            "\"1E+2147483648\"",
        ] {
            let body = format!(
                r#"{{"version":"1.0","event":"reservation/created","timestamp":{stamp},"propertyID":318267,"reservationID":"1"}}"#
            );
            let err = parse_webhook(body.as_bytes(), &hotel, Utc::now()).unwrap_err();
            assert!(
                matches!(&err, CloudbedsError::Decode { path, .. } if path == "$.timestamp"),
                "{stamp}: {err}"
            );
            let text = err.to_string();
            assert!(!text.contains("8334601228800"), "the value leaked: {text}");
        }
    }

    fn block(event: &str, rooms: &str) -> String {
        format!(
            r#"{{"version":"1.0","event":"{event}","timestamp":1766005900.75,"propertyID":318267,"propertyID_str":"318267","roomBlockID":"rb_9001","roomBlockType":"out_of_service","roomBlockReason":"Broken AC","startDate":"2026-02-01","endDate":"2026-02-03","rooms":{rooms}}}"#
        )
    }

    /// Issue 18: a room going out of service must reach the sync as room hints.
    #[test]
    fn room_block_events_are_room_hints_for_each_named_room() {
        let hotel = HotelId::new("h").unwrap();
        for event in [
            "roomblock/created",
            "roomblock/removed",
            "roomblock/details_changed",
        ] {
            let body = block(
                event,
                r#"[{"roomID":"544559-0","roomTypeID":544559},{"roomID":601917,"roomTypeID":"601917"},{"roomID":"544559-0","roomTypeID":544559}]"#,
            );
            let delivery = parse_webhook(body.as_bytes(), &hotel, Utc::now()).unwrap();
            let at = DateTime::<Utc>::from_timestamp(1_766_005_900, 750_000_000).unwrap();
            let hint = |room: &str| PmsEvent {
                id: EventId::new(format!("cloudbeds:{event}:318267:rb_9001/{room}:1766005900.75")),
                hotel: hotel.clone(),
                occurred_at: at,
                source: EventSource::Webhook,
                change: Change::RoomStatusChanged {
                    room: ExternalRef::new(PmsKind::Cloudbeds, VendorId::new(room).unwrap()),
                    number: None,
                    status: None,
                },
            };
            assert_eq!(delivery.events, vec![hint("544559-0"), hint("601917")], "{event}");
        }
        for rooms in ["[]", "null", r#"[{"roomTypeID":1}]"#, r#"["544559-0"]"#] {
            let body = block("roomblock/created", rooms);
            let err = parse_webhook(body.as_bytes(), &hotel, Utc::now()).unwrap_err();
            assert_eq!(err.kind(), pms_core::ErrorKind::Decode, "{rooms}: {err}");
        }
    }

    #[test]
    fn the_auth_header_wins_over_the_url_token_and_either_is_constant_time_checked() {
        let v = WebhookVerifier::new(&SecretString::from("0123456789abcdef-secret")).unwrap();
        let ok = "0123456789abcdef-secret";
        let presented = |header: Option<&str>, url_token: Option<&str>| Presented {
            header: header.map(str::to_owned),
            url_token: url_token.map(str::to_owned),
        };
        assert!(v.verify_presented(&presented(Some(ok), None)).is_ok());
        assert!(v.verify_presented(&presented(None, Some(ok))).is_ok());
        assert!(v.verify_presented(&presented(Some(ok), Some("wrong"))).is_ok());
        assert!(v.verify_presented(&presented(Some("wrong"), Some(ok))).is_err());
        assert!(v.verify_presented(&presented(None, None)).is_err());
        let mut headers = http::HeaderMap::new();
        headers.insert("x-pms-webhook-token", http::HeaderValue::from_static("abc"));
        let read = Presented::from_request(&headers, Some("a=1&Token=t%2Bu"));
        assert_eq!(read.header.as_deref(), Some("abc"));
        assert_eq!(read.url_token.as_deref(), Some("t+u"));
        assert_eq!(
            format!("{:?}", presented(Some(ok), Some(ok))),
            r#"Presented { header: Some("<redacted>"), url_token: Some("<redacted>") }"#
        );
    }

    use proptest::prelude::Strategy as _;

    proptest::proptest! {
        /// Any body, any timestamp, any event name, any rooms: a delivery or
        /// a typed error, never a panic.
        #[test]
        fn the_parser_never_panics(
            event in proptest::sample::select(vec![
                "reservation/created", "reservation/status_changed", "reservation/deleted",
                "guest/created", "housekeeping/room_condition_changed", "accounting/transaction",
                "roomblock/created", "roomblock/removed", "roomblock/details_changed",
                "night_audit/completed", "x/y",
            ]),
            stamp in proptest::prop_oneof![
                proptest::num::f64::ANY.prop_map(|f| f.to_string()),
                proptest::num::i64::ANY.prop_map(|i| format!("{i}.5")),
                proptest::num::i64::ANY.prop_map(|i| format!("\"{i}.999999\"")),
                "[-+0-9.eE]{0,40}",
            ],
            room in "[0-9a-z-]{0,12}",
            tail in proptest::collection::vec(0u8..=255, 0..64),
        ) {
            let hotel = HotelId::new("h").unwrap();
            let body = format!(
                r#"{{"version":"1.0","event":"{event}","timestamp":{stamp},"propertyID":1,"reservationID":"r","guestId":2,"roomId":"{room}","transactionId":"t","roomBlockID":"b","rooms":[{{"roomID":"{room}"}}]}}"#
            );
            let _ = parse_webhook(body.as_bytes(), &hotel, Utc::now());
            let mut mutated = body.into_bytes();
            mutated.extend_from_slice(tail.as_slice());
            let _ = parse_webhook(&mutated, &hotel, Utc::now());
            let _ = parse_webhook(tail.as_slice(), &hotel, Utc::now());
        }
    }
}
