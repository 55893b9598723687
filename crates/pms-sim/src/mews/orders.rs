//! `orders/add` (`operations/orders.md`,
//! <https://docs.mews.com/connector-api/operations/orders>): posts products
//! (`ProductOrders`) or custom items (`Items`) to an account, optionally
//! linked to a stay. Answers only `{ "OrderId" }`, the new product service
//! order; its items carry that id as `ServiceOrderId` and keep each
//! `ExternalIdentifier`. Nothing is deduplicated: a replay posts twice.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{decimal, decode};
use crate::model::{ChargeKind, Text};
use crate::server::SimCore;
use crate::state::{self, NewLine, NewOrder};

/// `Amount parameters` (`_objects.md#amount-parameters`): `Currency` and
/// `TaxCodes` required; `GrossValue` or `NetValue`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AmountParameters {
    currency: String,
    tax_codes: Vec<String>,
    #[serde(default)]
    gross_value: Option<Value>,
    #[serde(default)]
    net_value: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProductOrder {
    product_id: Uuid,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    unit_amount: Option<AmountParameters>,
    #[serde(default)]
    external_identifier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Item {
    name: String,
    unit_count: u32,
    unit_amount: AmountParameters,
    #[serde(default)]
    external_identifier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Add {
    service_id: Uuid,
    // `CustomerId` is the deprecated name of `AccountId`.
    #[serde(default, alias = "CustomerId")]
    account_id: Option<Uuid>,
    #[serde(default)]
    product_orders: Option<Vec<ProductOrder>>,
    #[serde(default)]
    items: Option<Vec<Item>>,
    #[serde(default)]
    consumption_utc: Option<DateTime<Utc>>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    bill_id: Option<Uuid>,
    #[serde(default)]
    linked_reservation_id: Option<Uuid>,
}

/// Gross unit price and tax code from amount parameters. Only one tax code
/// may go with `GrossValue` ("For multiple taxes, use `NetValue`"); the
/// simulator supports one code either way.
fn unit_gross(
    core: &SimCore,
    amount: &AmountParameters,
    name: &'static str,
) -> Result<(Decimal, Text), MewsError> {
    let hotel = core.read();
    if amount.currency != hotel.property.currency {
        return Err(MewsError::invalid(
            name,
            format!("currency {} is not accepted", amount.currency),
        ));
    }
    let [code] = amount.tax_codes.as_slice() else {
        return Err(MewsError::invalid(
            "TaxCodes",
            "exactly one tax code is supported",
        ));
    };
    let rate = hotel
        .tax_rate(code)
        .ok_or_else(|| MewsError::invalid("TaxCodes", format!("unknown tax code {code}")))?
        .rate;
    let gross = match (&amount.gross_value, &amount.net_value) {
        (Some(g), None) => decimal(g, "GrossValue")?,
        (None, Some(n)) => (decimal(n, "NetValue")? * (Decimal::ONE + rate)).round_dp(2),
        _ => {
            return Err(MewsError::invalid(
                name,
                "exactly one of GrossValue and NetValue is required",
            ));
        }
    };
    Ok((gross.round_dp(2), code.clone().into()))
}

pub(super) fn add(core: &SimCore, body: &Value) -> OpResult {
    let q: Add = decode(body)?;
    let account_id = q
        .account_id
        .ok_or_else(|| MewsError::invalid("AccountId", "required"))?;
    let mut lines = Vec::new();
    for p in q.product_orders.unwrap_or_default() {
        let (product_name, list_price, list_code) = {
            let hotel = core.read();
            let product = hotel
                .product(p.product_id)
                .ok_or_else(|| MewsError::invalid("ProductId", "product not found"))?;
            if product.service_id != q.service_id {
                return Err(MewsError::invalid(
                    "ProductId",
                    "the product belongs to another service",
                ));
            }
            (product.name.clone(), product.gross, product.tax_code.clone())
        };
        let (gross, code) = match &p.unit_amount {
            Some(amount) => unit_gross(core, amount, "UnitAmount")?,
            None => (list_price, list_code),
        };
        lines.push(NewLine {
            product_id: Some(p.product_id),
            name: product_name,
            unit_count: p.count.unwrap_or(1),
            unit_gross: gross,
            tax_code: code,
            kind: ChargeKind::ProductOrder,
            external_identifier: p.external_identifier,
        });
    }
    for item in q.items.unwrap_or_default() {
        if item.unit_count == 0 {
            return Err(MewsError::invalid("UnitCount", "must be positive"));
        }
        let (gross, code) = unit_gross(core, &item.unit_amount, "UnitAmount")?;
        lines.push(NewLine {
            product_id: None,
            name: item.name.into(),
            unit_count: item.unit_count,
            unit_gross: gross,
            tax_code: code,
            kind: ChargeKind::CustomItem,
            external_identifier: item.external_identifier,
        });
    }
    let order = NewOrder {
        account_id,
        service_id: q.service_id,
        linked_reservation_id: q.linked_reservation_id,
        bill_id: q.bill_id,
        consumed: q.consumption_utc,
        notes: q.notes,
        lines,
    };
    let order_id = core.write().post_order(order, state::now())?;
    // No General webhook covers order items, so the write emits no event.
    Ok((json!({ "OrderId": order_id }), Vec::new()))
}
