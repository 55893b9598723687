//! [`MewsDecoder`]: recorded Mews payloads → normalized records, for
//! `pms decode --pms mews` and fixture tests.
//!
//! | kind | payload |
//! |---|---|
//! | `reservations` | `reservations/getAll/2023-06-06` response |
//! | `guests` | `customers/getAll` response |
//! | `rooms`, `room-statuses` | `resources/getAll` response |
//! | `folio` | `orderItems/getAll` response, optionally with a `Payments` array (from `payments/getAll`) beside `OrderItems`; one folio per `ServiceOrderId` |
//! | `webhook` | a General or Integration webhook body |
//!
//! Offline there is no resource lookup, so `Reservation::room_number` stays
//! empty; the live client fills it from `resources/getAll`.
//!
//! `decode_each` streams `reservations` one at a time (`decode_each`
//! module); the other kinds are decoded whole first.

use std::collections::BTreeMap;

use chrono::Utc;
use pms_core::{DecodeContext, Decoded, Error, ExternalRef, PayloadDecoder, PayloadKind, PmsKind, VendorId};

use crate::client::{decode, decode_reservations};
use crate::map::{self, MapContext};
use crate::webhook::parse_webhook;
use crate::wire::customers::CustomersPage;
use crate::wire::order_items::OrderItem;
use crate::wire::payments::Payment;
use crate::wire::resources::ResourcesPage;

/// Decodes recorded Mews payloads.
#[derive(Debug, Clone, Copy, Default)]
pub struct MewsDecoder;

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FolioPayload {
    #[serde(default)]
    order_items: Vec<OrderItem>,
    #[serde(default)]
    payments: Vec<Payment>,
}

impl PayloadDecoder for MewsDecoder {
    fn pms(&self) -> PmsKind {
        PmsKind::Mews
    }

    fn decode_each(
        &self,
        kind: PayloadKind,
        body: &[u8],
        context: &DecodeContext,
        sink: &mut pms_core::RecordSink<'_>,
    ) -> Result<(), Error> {
        if kind == PayloadKind::Reservations {
            let ctx = MapContext::new(context.hotel.clone(), context.time_zone, context.currency);
            return crate::decode_each::reservations(body, &ctx, sink);
        }
        self.decode(kind, body, context)?.for_each_record(sink)
    }

    fn decode(&self, kind: PayloadKind, body: &[u8], context: &DecodeContext) -> Result<Decoded, Error> {
        let ctx = MapContext::new(context.hotel.clone(), context.time_zone, context.currency);
        // A recorded payload must be the response it claims to be: a bills page
        // read as reservations is an error, not an empty list.
        let expected: &[&str] = match kind {
            PayloadKind::Reservations => &["Reservations"],
            PayloadKind::Guests => &["Customers"],
            PayloadKind::Rooms | PayloadKind::RoomStatuses => &["Resources"],
            PayloadKind::Folio => &["OrderItems", "Payments"],
            PayloadKind::Webhook => &[],
        };
        if kind != PayloadKind::Reservations {
            require_any_key(body, expected)?;
        }
        match kind {
            PayloadKind::Reservations => {
                // One pass: the page split into per-reservation texts, each decoded.
                let page = decode_reservations(body)?;
                let Some(reservations) = page.reservations else {
                    return Err(missing(expected));
                };
                reservations
                    .iter()
                    .enumerate()
                    .map(|(i, (r, raw))| {
                        map::reservation(r, Some((*raw).into()), &ctx, &format!("Reservations[{i}]"))
                    })
                    .collect::<Result<_, _>>()
                    .map(Decoded::Reservations)
            }
            PayloadKind::Guests => {
                let page: CustomersPage = decode(body)?;
                page.customers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| map::guest(c, &ctx, &format!("Customers[{i}]")))
                    .collect::<Result<_, _>>()
                    .map(Decoded::Guests)
            }
            PayloadKind::Rooms => {
                let page: ResourcesPage = decode(body)?;
                page.resources
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| map::room(r, &format!("Resources[{i}]")))
                    .collect::<Result<_, _>>()
                    .map(Decoded::Rooms)
            }
            PayloadKind::RoomStatuses => {
                let page: ResourcesPage = decode(body)?;
                page.resources
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| map::room_status_report(r, &format!("Resources[{i}]")))
                    .collect::<Result<_, _>>()
                    .map(Decoded::RoomStatuses)
            }
            PayloadKind::Folio => {
                let payload: FolioPayload = decode(body)?;
                let mut charges: BTreeMap<String, Vec<_>> = BTreeMap::new();
                for (i, item) in payload.order_items.iter().enumerate() {
                    let path = format!("OrderItems[{i}]");
                    let owner = item.service_order_id.clone().ok_or_else(|| {
                        Error::decode(PmsKind::Mews, format!("{path}.ServiceOrderId"), "missing")
                    })?;
                    charges
                        .entry(owner)
                        .or_default()
                        .push(map::folio_charge(item, &ctx, &path)?);
                }
                let mut payments: BTreeMap<String, Vec<_>> = BTreeMap::new();
                for (i, p) in payload.payments.iter().enumerate() {
                    let path = format!("Payments[{i}]");
                    let owner = p.reservation_id.clone().ok_or_else(|| {
                        Error::decode(PmsKind::Mews, format!("{path}.ReservationId"), "missing")
                    })?;
                    payments.entry(owner).or_default().push(map::payment(p, &path)?);
                }
                let owners: std::collections::BTreeSet<String> =
                    charges.keys().chain(payments.keys()).cloned().collect();
                owners
                    .into_iter()
                    .map(|owner| {
                        let reference = ExternalRef::new(
                            PmsKind::Mews,
                            VendorId::new(owner.clone())
                                .map_err(|_| Error::decode(PmsKind::Mews, "$", "empty id"))?,
                        );
                        map::folio(
                            &reference,
                            charges.remove(&owner).unwrap_or_default(),
                            payments.remove(&owner).unwrap_or_default(),
                            &ctx,
                        )
                    })
                    .collect::<Result<_, _>>()
                    .map(Decoded::Folio)
            }
            PayloadKind::Webhook => {
                let parsed = parse_webhook(body, &context.hotel, Utc::now())?;
                Ok(Decoded::Events(parsed.events().to_vec()))
            }
        }
    }
}

fn require_any_key(body: &[u8], keys: &[&str]) -> Result<(), Error> {
    if keys.is_empty() {
        return Ok(());
    }
    // Keys only: the values are skipped, not built.
    let top: std::collections::HashMap<std::borrow::Cow<'_, str>, serde::de::IgnoredAny> =
        serde_json::from_slice(body)
            .map_err(|e| Error::decode(PmsKind::Mews, "$", format!("not a JSON object: {e}")))?;
    if keys.iter().any(|k| top.contains_key(*k)) {
        Ok(())
    } else {
        Err(missing(keys))
    }
}

fn missing(keys: &[&str]) -> Error {
    Error::decode(
        PmsKind::Mews,
        format!("$.{}", keys.first().copied().unwrap_or_default()),
        "missing: not a response of this kind",
    )
}
