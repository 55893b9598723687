//! Folio lines: `orderItems/getAll` and `orderItems/cancel` (restricted beta,
//! at most 10 ids, answers `{}`).
//! Source: `operations/orderitems.md`
//! (<https://docs.mews.com/connector-api/operations/orderitems>). There is no
//! `ExternalIdentifiers` filter: a poster reads back by `ServiceOrderIds`,
//! `AccountIds`, `BillIds` or a `CreatedUtc` window and matches client-side.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, amount, check_intervals, check_len, cursor_key, decode, listed, paginate, ts,
    ts_opt, within, within_opt,
};
use crate::model::{BillState, Charge, ChargeKind, ReservationState};
use crate::server::SimCore;
use crate::state::{self, Hotel};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    order_item_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    account_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    service_order_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    service_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    bill_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
    #[serde(default)]
    consumed_utc: Option<TimeInterval>,
    #[serde(default)]
    canceled_utc: Option<TimeInterval>,
    #[serde(default)]
    closed_utc: Option<TimeInterval>,
    #[serde(default)]
    accounting_states: Option<Vec<String>>,
    #[serde(default)]
    types: Option<Vec<String>>,
}

/// The `Order item accounting state` of a line.
fn accounting_state(hotel: &Hotel, c: &Charge) -> &'static str {
    if c.canceled.is_some() {
        return "Canceled";
    }
    if c.closed.is_some()
        || c.bill_id
            .and_then(|b| hotel.bill(b))
            .is_some_and(|b| b.state == BillState::Closed)
    {
        return "Closed";
    }
    // "Until the reservation is confirmed, all its accounting items are Inactive."
    let unconfirmed = c
        .linked_reservation_id
        .and_then(|r| hotel.reservation(r))
        .is_some_and(|r| matches!(r.state, ReservationState::Optional | ReservationState::Inquired));
    if unconfirmed || c.gross_total().is_zero() {
        "Inactive"
    } else {
        "Open"
    }
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("OrderItemIds", q.order_item_ids.as_ref(), 1000)?;
    check_len("AccountIds", q.account_ids.as_ref(), 100)?;
    check_len("ServiceOrderIds", q.service_order_ids.as_ref(), 1000)?;
    check_len("ServiceIds", q.service_ids.as_ref(), 1000)?;
    check_len("BillIds", q.bill_ids.as_ref(), 1000)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
        ("ConsumedUtc", q.consumed_utc.as_ref()),
        ("CanceledUtc", q.canceled_utc.as_ref()),
        ("ClosedUtc", q.closed_utc.as_ref()),
    ])?;
    let has_filter = q.order_item_ids.is_some()
        || q.account_ids.is_some()
        || q.service_order_ids.is_some()
        || q.service_ids.is_some()
        || q.bill_ids.is_some()
        || q.created_utc.is_some()
        || q.updated_utc.is_some()
        || q.consumed_utc.is_some()
        || q.canceled_utc.is_some()
        || q.closed_utc.is_some();
    if !has_filter {
        return Err(MewsError::invalid(
            "OrderItemIds",
            "at least one id or time filter is required",
        ));
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| hotel.charge(id).map(|c| (c.created, c.id)))?;
    // Narrow by service order through the index when asked, as that is the
    // common read-back and the full list can be hundreds of thousands long.
    let candidates: Box<dyn Iterator<Item = &Charge>> = match &q.service_order_ids {
        Some(ids) => Box::new(ids.iter().flat_map(|id| hotel.charges_of_order(*id))),
        None => Box::new(hotel.charges.iter()),
    };
    let rows = candidates
        .filter(|c| {
            listed(q.order_item_ids.as_ref(), c.id)
                && listed(q.account_ids.as_ref(), c.account_id)
                && listed(q.service_ids.as_ref(), c.service_id)
                && q.bill_ids
                    .as_ref()
                    .is_none_or(|ids| c.bill_id.is_some_and(|b| ids.contains(&b)))
                && within(q.created_utc.as_ref(), c.created)
                && within(q.updated_utc.as_ref(), c.updated)
                && within(q.consumed_utc.as_ref(), c.consumed)
                && within_opt(q.canceled_utc.as_ref(), c.canceled)
                && within_opt(q.closed_utc.as_ref(), c.closed)
                && q.types
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|t| t == c.kind.as_str()))
                && q.accounting_states
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == accounting_state(&hotel, c)))
        })
        .map(|c| ((c.created, c.id), c))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let items: Vec<Value> = page.into_iter().map(|c| render(&hotel, c)).collect();
    Ok((json!({ "OrderItems": items, "Cursor": next }), Vec::new()))
}

fn render(hotel: &Hotel, c: &Charge) -> Value {
    let currency = &hotel.property.currency;
    let unit = amount(currency, c.unit_gross, &c.tax_code, c.tax_rate);
    let total = amount(
        currency,
        c.unit_gross * rust_decimal::Decimal::from(c.unit_count),
        &c.tax_code,
        c.tax_rate,
    );
    let revenue_type = match c.kind {
        ChargeKind::SpaceOrder => "Service",
        ChargeKind::ProductOrder => "Product",
        ChargeKind::CustomItem | ChargeKind::CityTax => "Additional",
    };
    // Product lines put their data under a sibling "Product" key, not "Value".
    let data = c.product_id.map_or(Value::Null, |product_id| {
        json!({ "Discriminator": "Product", "Rebate": null, "Product": { "ProductId": product_id, "AgeCategoryId": null, "ProductType": "Product" } })
    });
    json!({
        "Id": c.id,
        "EnterpriseId": hotel.property.id,
        "AccountId": c.account_id,
        "AccountType": "Customer",
        "ServiceId": c.service_id,
        "ServiceOrderId": c.service_order_id,
        "Notes": c.notes,
        "BillId": c.bill_id,
        "AccountingCategoryId": null,
        "BillingName": c.name,
        "ExternalIdentifier": c.external_identifier,
        "UnitCount": c.unit_count,
        "UnitAmount": unit,
        "Amount": total.clone(),
        "OriginalAmount": total,
        "RevenueType": revenue_type,
        "CreatorProfileId": hotel.property.chain_id,
        "UpdaterProfileId": hotel.property.chain_id,
        "CreatedUtc": ts(c.created),
        "UpdatedUtc": ts(c.updated),
        "ConsumedUtc": ts(c.consumed),
        "CanceledUtc": ts_opt(c.canceled),
        "ClosedUtc": ts_opt(c.closed),
        "StartUtc": ts(c.consumed),
        "ClaimedUtc": null,
        "AccountingState": accounting_state(hotel, c),
        "Type": c.kind.as_str(),
        "Options": { "CanceledWithReservation": false },
        "Data": data
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Cancel {
    order_item_ids: Vec<Uuid>,
}

pub(super) fn cancel(core: &SimCore, body: &Value) -> OpResult {
    let q: Cancel = decode(body)?;
    check_len("OrderItemIds", Some(&q.order_item_ids), 10)?;
    core.write().void_charges(&q.order_item_ids, state::now())?;
    Ok((json!({}), Vec::new()))
}
