//! [`CloudbedsDecoder`]: recorded Cloudbeds payloads to normalized records,
//! for `pms decode --pms cloudbeds` and fixture tests.
//!
//! | kind | payload |
//! |---|---|
//! | `reservations` | a `getReservations` response (`data` array) or a `getReservation` response (`data` object) |
//! | `guests` | a `getGuestList` response (`data` keyed by guest ID), a `getReservation` response (its `guestList`), or a `getGuest` response whose `data` carries `guestID` |
//! | `rooms` | a `getRooms` response |
//! | `room-statuses` | a `getHousekeepingStatus` response |
//! | `folio` | an Accounting `POST /accounting/v1.0/transactions` answer, or a `getTransactions` response, of one reservation |
//! | `webhook` | one webhook body |
//!
//! `decode_each` streams `getReservations` pages (`data` an array) one
//! reservation at a time (`decode_each` module); other kinds and shapes are
//! decoded whole first.

use chrono::Utc;
use pms_core::{DecodeContext, Decoded, PayloadDecoder, PayloadKind, PmsKind, Reservation};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::CloudbedsError;
use crate::map::{self, MapContext};
use crate::redact::RedactedJson;
use crate::reservations::{self, Unusual};
use crate::webhook;
use crate::wire::folio::Transaction;
use crate::wire::guest::GuestDetail;
use crate::wire::housekeeping::HousekeepingItem;
use crate::wire::reservation::{ReservationDetail, ReservationListItem};
use crate::wire::room::PropertyRooms;
use crate::wire::{Envelope, Probe};

/// Decodes recorded Cloudbeds payloads.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudbedsDecoder;

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, CloudbedsError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| CloudbedsError::from_path_error("$", e))
}

fn from_value<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, CloudbedsError> {
    serde_path_to_error::deserialize(value).map_err(|e| CloudbedsError::from_path_error(prefix, e))
}

/// The `data` of a successful envelope; `success: false`, or a body with an
/// error code and no `success`, is an error here too (classified as the
/// client classifies answers).
fn data(body: &[u8]) -> Result<Envelope<Value>, CloudbedsError> {
    let probe: Probe = parse(body)?;
    if probe.success != Some(true) {
        let code = probe
            .vendor_code()
            .map(crate::error::vendor_text)
            .filter(|c| !c.is_empty());
        if probe.success.is_none() && code.is_none() {
            return Err(CloudbedsError::decode("$.success", "missing"));
        }
        let message = probe
            .vendor_message()
            .map(crate::error::vendor_text)
            .unwrap_or_default();
        let kind = crate::client::failure_kind(200, code.as_deref(), &message);
        return Err(CloudbedsError::Api {
            method: "recorded payload",
            status: 200,
            kind,
            code,
            message,
            request_id: None,
        });
    }
    parse(body)
}

/// Reservations through the text path ([`reservations`]): a `getReservations`
/// page, or a `getReservation` answer whose `data` is one object.
fn reservations_from_text(body: &[u8], ctx: &MapContext) -> Result<Vec<Reservation>, Unusual> {
    // Redacted once: a `getReservation` answer is tried as a page first.
    let text = reservations::redacted(body)?;
    let records = match reservations::page_of(&text, ctx) {
        Ok(page) if page.success == Some(true) => page.data,
        Ok(_) => return Err(Unusual),
        Err(Unusual) => {
            let answer = reservations::single_of(&text, ctx)?;
            if answer.success != Some(true) {
                return Err(Unusual);
            }
            answer.data.map(|one| vec![one])
        }
    };
    records.ok_or(Unusual)
}

impl CloudbedsDecoder {
    fn decode_inner(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
    ) -> Result<Decoded, CloudbedsError> {
        let ctx = MapContext::from(context);
        if kind == PayloadKind::Webhook {
            let delivery = webhook::parse_webhook(body, &ctx.hotel, Utc::now())?;
            return Ok(Decoded::Events(delivery.events));
        }
        if kind == PayloadKind::Reservations
            && let Ok(records) = reservations_from_text(body, &ctx)
        {
            return Ok(Decoded::Reservations(records));
        }
        if kind == PayloadKind::Folio
            && let Some(folio) = accounting_folio(body, &ctx)
        {
            return folio.map(|f| Decoded::Folio(vec![f]));
        }
        // Everything else, and reservations the text path would not vouch
        // for (their error names the JSON path from the tree).
        let envelope = data(body)?;
        let payload = envelope
            .data
            .ok_or_else(|| CloudbedsError::decode("$.data", "missing"))?;
        match kind {
            PayloadKind::Reservations => match &payload {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, raw) in items.iter().enumerate() {
                        let item: ReservationListItem = from_value(raw, &format!("$.data[{i}]"))?;
                        out.push(map::reservation_list_item(
                            &item,
                            i,
                            RedactedJson::from_value(raw.clone()),
                            &ctx,
                        )?);
                    }
                    Ok(Decoded::Reservations(out))
                }
                Value::Object(_) => {
                    let detail: ReservationDetail = from_value(&payload, "$.data")?;
                    Ok(Decoded::Reservations(vec![map::reservation_detail(
                        &detail,
                        RedactedJson::from_value(payload.clone()),
                        &ctx,
                    )?]))
                }
                _ => Err(CloudbedsError::decode("$.data", "expected an array or an object")),
            },
            PayloadKind::Guests => {
                let object = match &payload {
                    Value::Object(object) => object,
                    // PHP encodes an empty keyed list as `[]`.
                    Value::Array(items) if items.is_empty() => return Ok(Decoded::Guests(Vec::new())),
                    _ => {
                        return Err(CloudbedsError::decode(
                            "$.data",
                            "expected an object keyed by guest ID",
                        ));
                    }
                };
                let keyed = !object.is_empty() && object.values().all(Value::is_object);
                let mut out = Vec::new();
                if let Some(list) = object
                    .get("guestList")
                    .filter(|_| object.contains_key("reservationID"))
                {
                    // A getReservation answer: `guestList`, keyed by guest ID,
                    // values with `guest`-prefixed fields
                    // (`GetReservationResponseDataGuestListValue`).
                    let Value::Object(list) = list else {
                        if list.as_array().is_some_and(Vec::is_empty) {
                            return Ok(Decoded::Guests(Vec::new()));
                        }
                        return Err(CloudbedsError::decode(
                            "$.data.guestList",
                            "expected an object keyed by guest ID",
                        ));
                    };
                    for (key, raw) in list {
                        let path = format!("$.data.guestList.{key}");
                        let guest: GuestDetail = from_value(raw, &path)?;
                        let id = guest.guest_id.clone().unwrap_or_else(|| key.clone());
                        out.push(map::guest(&guest, &id, &path, &ctx)?);
                    }
                } else if keyed {
                    for (key, raw) in object {
                        let path = format!("$.data.{key}");
                        let guest: GuestDetail = from_value(raw, &path)?;
                        let id = guest.guest_id.clone().unwrap_or_else(|| key.clone());
                        out.push(map::guest(&guest, &id, &path, &ctx)?);
                    }
                } else {
                    let guest: GuestDetail = from_value(&payload, "$.data")?;
                    let id = guest.guest_id.clone().ok_or_else(|| {
                        CloudbedsError::decode(
                            "$.data.guestID",
                            "getGuest answers carry no guest ID; add it to decode",
                        )
                    })?;
                    out.push(map::guest(&guest, &id, "$.data", &ctx)?);
                }
                Ok(Decoded::Guests(out))
            }
            PayloadKind::Rooms => {
                let properties: Vec<PropertyRooms> = from_value(&payload, "$.data")?;
                let mut out = Vec::new();
                for (pi, property) in properties.iter().enumerate() {
                    for (ri, room) in property.rooms.iter().enumerate() {
                        out.push(map::room(room, &format!("$.data[{pi}].rooms[{ri}]"))?);
                    }
                }
                Ok(Decoded::Rooms(out))
            }
            PayloadKind::RoomStatuses => {
                let items: Vec<HousekeepingItem> = from_value(&payload, "$.data")?;
                let out = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| map::housekeeping(item, &format!("$.data[{i}]"), &ctx))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Decoded::RoomStatuses(out))
            }
            PayloadKind::Folio => {
                let items: Vec<Transaction> = from_value(&payload, "$.data")?;
                let reservation = items
                    .iter()
                    .find_map(|t| t.reservation_id.clone())
                    .ok_or_else(|| CloudbedsError::decode("$.data[0].reservationID", "missing"))?;
                if let Some(i) = items
                    .iter()
                    .position(|t| t.reservation_id.as_deref().is_some_and(|r| r != reservation))
                {
                    return Err(CloudbedsError::decode(
                        format!("$.data[{i}].reservationID"),
                        "a folio payload must hold one reservation's transactions",
                    ));
                }
                Ok(Decoded::Folio(vec![map::folio(
                    &reservation,
                    &items,
                    None,
                    &ctx,
                )?]))
            }
            PayloadKind::Webhook => unreachable_webhook(),
        }
    }
}

/// An Accounting answer (`{transactions, nextPageToken}`, no envelope) of
/// one reservation as a folio; `None` when the body is not one.
fn accounting_folio(body: &[u8], ctx: &MapContext) -> Option<Result<pms_core::Folio, CloudbedsError>> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    if object.contains_key("success") || !object.contains_key("transactions") {
        return None;
    }
    Some((|| {
        let page: crate::wire::accounting::ListTransactionsPaginated = parse(body)?;
        let mut items = Vec::new();
        for (i, raw) in page.transactions.unwrap_or_default().iter().enumerate() {
            items.push(from_value::<crate::wire::accounting::AccountingTransaction>(
                raw,
                &format!("$.transactions[{i}]"),
            )?);
        }
        let reservation = items
            .iter()
            .find_map(|t| t.source_identifier.clone())
            .ok_or_else(|| CloudbedsError::decode("$.transactions[0].sourceIdentifier", "missing"))?;
        if let Some(i) = items
            .iter()
            .position(|t| t.source_identifier.as_deref().is_some_and(|r| r != reservation))
        {
            return Err(CloudbedsError::decode(
                format!("$.transactions[{i}].sourceIdentifier"),
                "a folio payload must hold one reservation's transactions",
            ));
        }
        crate::accounting::folio(&reservation, &items, None, ctx)
    })())
}

// Handled before the envelope is read; kept as a function so no panic path exists.
fn unreachable_webhook() -> Result<Decoded, CloudbedsError> {
    Err(CloudbedsError::Validation(
        "webhook payloads are decoded separately".into(),
    ))
}

impl PayloadDecoder for CloudbedsDecoder {
    fn pms(&self) -> PmsKind {
        PmsKind::Cloudbeds
    }

    fn decode(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
    ) -> Result<Decoded, pms_core::Error> {
        self.decode_inner(kind, body, context).map_err(Into::into)
    }

    fn decode_each(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
        sink: &mut pms_core::RecordSink<'_>,
    ) -> Result<(), pms_core::Error> {
        if kind == PayloadKind::Reservations
            && let Some(streamed) = crate::decode_each::reservations(body, &MapContext::from(context), sink)
        {
            return streamed;
        }
        self.decode(kind, body, context)?.for_each_record(sink)
    }
}
