//! [`MewsDecoder`]: recorded Mews payloads → normalized records, for
//! `pms decode --pms mews` and fixture tests.
//!
//! | kind | payload |
//! |---|---|
//! | `reservations` | `reservations/getAll/2023-06-06` response |
//! | `guests` | `customers/getAll` response |
//! | `rooms`, `room-statuses` | `resources/getAll` response |
//! | `folio` | `orderItems/getAll` response, optionally with a `Payments` array (from `payments/getAll`) beside `OrderItems`; one folio per `ServiceOrderId` (a reservation's) |
//! | `folio` | `bills/getAll` response (`Bills`), optionally with `OrderItems` / `Payments` beside it: one folio per bill, owned by the bill's account (`FolioOwner::Account`), holding the lines whose `BillId` is the bill's |
//! | `webhook` | a General or Integration webhook body, or a WebSocket message (`{"Events":[{"Type":..}]}`, told apart by shape) |
//!
//! Offline there is no resource lookup, so `Reservation::room_number` stays
//! empty; the live client fills it from `resources/getAll`.
//!
//! `decode_each` streams `reservations` one at a time (`decode_each`
//! module); the other kinds are decoded whole first.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use pms_core::{
    DecodeContext, Decoded, Error, ExternalRef, Folio, PayloadDecoder, PayloadKind, PmsKind, VendorId,
};

use crate::client::{decode, decode_reservations};
use crate::error::without_values;
use crate::map::{self, MapContext};
use crate::webhook::parse_webhook;
use crate::websocket::{is_websocket_message, parse_websocket_message};
use crate::wire::bills::Bill;
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
    bills: Option<Vec<Bill>>,
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
            PayloadKind::Folio => &["OrderItems", "Payments", "Bills"],
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
                match payload.bills {
                    Some(bills) => bill_folios(&bills, &payload.order_items, &payload.payments, &ctx),
                    None => reservation_folios(&payload.order_items, &payload.payments, &ctx),
                }
                .map(Decoded::Folio)
            }
            PayloadKind::Webhook if is_websocket_message(body) => Ok(Decoded::Events(
                parse_websocket_message(body, &context.hotel, Utc::now())?,
            )),
            PayloadKind::Webhook => {
                let parsed = parse_webhook(body, &context.hotel, Utc::now())?;
                Ok(Decoded::Events(parsed.events().to_vec()))
            }
        }
    }
}

/// One folio per reservation (`ServiceOrderId` of the items, `ReservationId`
/// of the payments).
fn reservation_folios(
    order_items: &[OrderItem],
    payments: &[Payment],
    ctx: &MapContext,
) -> Result<Vec<Folio>, Error> {
    let mut charges: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (i, item) in order_items.iter().enumerate() {
        let path = format!("OrderItems[{i}]");
        let owner = item
            .service_order_id
            .clone()
            .ok_or_else(|| Error::decode(PmsKind::Mews, format!("{path}.ServiceOrderId"), "missing"))?;
        charges
            .entry(owner)
            .or_default()
            .push(map::folio_charge(item, ctx, &path)?);
    }
    let mut paid: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (i, p) in payments.iter().enumerate() {
        let path = format!("Payments[{i}]");
        let owner = p
            .reservation_id
            .clone()
            .ok_or_else(|| Error::decode(PmsKind::Mews, format!("{path}.ReservationId"), "missing"))?;
        paid.entry(owner).or_default().push(map::payment(p, &path)?);
    }
    let owners: BTreeSet<String> = charges.keys().chain(paid.keys()).cloned().collect();
    owners
        .into_iter()
        .map(|owner| {
            let reference = ExternalRef::new(
                PmsKind::Mews,
                VendorId::new(owner.clone()).map_err(|_| Error::decode(PmsKind::Mews, "$", "empty id"))?,
            );
            map::folio(
                &reference,
                charges.remove(&owner).unwrap_or_default(),
                paid.remove(&owner).unwrap_or_default(),
                ctx,
            )
        })
        .collect()
}

/// One folio per bill, in the order of `Bills`, each with the lines whose
/// `BillId` is its id. A line naming no bill of the payload is an error
/// (nothing is dropped silently).
fn bill_folios(
    bills: &[Bill],
    order_items: &[OrderItem],
    payments: &[Payment],
    ctx: &MapContext,
) -> Result<Vec<Folio>, Error> {
    let index: BTreeMap<String, usize> = bills
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.to_ascii_lowercase(), i))
        .collect();
    let bill_of = |bill_id: Option<&str>, path: &str| {
        bill_id
            .and_then(|id| index.get(&id.to_ascii_lowercase()).copied())
            .ok_or_else(|| {
                Error::decode(
                    PmsKind::Mews,
                    format!("{path}.BillId"),
                    "names no bill of `Bills`",
                )
            })
    };
    let mut charges: Vec<Vec<_>> = vec![Vec::new(); bills.len()];
    for (i, item) in order_items.iter().enumerate() {
        let path = format!("OrderItems[{i}]");
        let bill = bill_of(item.bill_id.as_deref(), &path)?;
        if let Some(lines) = charges.get_mut(bill) {
            lines.push(map::folio_charge(item, ctx, &path)?);
        }
    }
    let mut paid: Vec<Vec<_>> = vec![Vec::new(); bills.len()];
    for (i, p) in payments.iter().enumerate() {
        let path = format!("Payments[{i}]");
        let bill = bill_of(p.bill_id.as_deref(), &path)?;
        if let Some(lines) = paid.get_mut(bill) {
            lines.push(map::payment(p, &path)?);
        }
    }
    bills
        .iter()
        .zip(charges.into_iter().zip(paid))
        .enumerate()
        .map(|(i, (bill, (charges, payments)))| {
            map::bill_folio(bill, charges, payments, ctx, &format!("Bills[{i}]"))
        })
        .collect()
}

fn require_any_key(body: &[u8], keys: &[&str]) -> Result<(), Error> {
    if keys.is_empty() {
        return Ok(());
    }
    // Keys only: the values are skipped, not built.
    let top: std::collections::HashMap<std::borrow::Cow<'_, str>, serde::de::IgnoredAny> =
        serde_json::from_slice(body).map_err(|e| {
            Error::decode(
                PmsKind::Mews,
                "$",
                format!("not a JSON object: {}", without_values(&e.to_string())),
            )
        })?;
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
