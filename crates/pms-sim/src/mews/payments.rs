//! `payments/getAll` and `payments/addExternal` (`operations/payments.md`,
//! <https://docs.mews.com/connector-api/operations/payments>): needs one of its
//! id or time filters. Payment `Data` is a coproduct whose variant sits under
//! a sibling key (`External`, `CreditCard`, ...), not under `Value`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decimal, decode, listed, number,
    paginate, ts, within,
};
use crate::model::{Payment, PaymentKind};
use crate::server::SimCore;
use crate::state::{self, Hotel, NewPayment};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    payment_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    bill_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    reservation_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    account_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
    #[serde(default)]
    charged_utc: Option<TimeInterval>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("PaymentIds", q.payment_ids.as_ref(), 1000)?;
    check_len("BillIds", q.bill_ids.as_ref(), 1000)?;
    check_len("ReservationIds", q.reservation_ids.as_ref(), 1000)?;
    check_len("AccountIds", q.account_ids.as_ref(), 100)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
        ("ChargedUtc", q.charged_utc.as_ref()),
    ])?;
    if q.payment_ids.is_none()
        && q.bill_ids.is_none()
        && q.reservation_ids.is_none()
        && q.account_ids.is_none()
        && q.created_utc.is_none()
        && q.updated_utc.is_none()
        && q.charged_utc.is_none()
    {
        return Err(MewsError::invalid(
            "PaymentIds",
            "at least one id or time filter is required",
        ));
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| {
        hotel
            .payments
            .iter()
            .find(|p| p.id == id)
            .map(|p| (p.created, p.id))
    })?;
    let rows = hotel
        .payments
        .iter()
        .filter(|p| {
            listed(q.payment_ids.as_ref(), p.id)
                && q.bill_ids
                    .as_ref()
                    .is_none_or(|ids| p.bill_id.is_some_and(|b| ids.contains(&b)))
                && q.reservation_ids
                    .as_ref()
                    .is_none_or(|ids| p.reservation_id.is_some_and(|r| ids.contains(&r)))
                && listed(q.account_ids.as_ref(), p.account_id)
                && within(q.created_utc.as_ref(), p.created)
                && within(q.updated_utc.as_ref(), p.updated)
                && within(q.charged_utc.as_ref(), p.created)
        })
        .map(|p| ((p.created, p.id), p))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let payments: Vec<Value> = page.into_iter().map(|p| render(&hotel, p)).collect();
    Ok((json!({ "Payments": payments, "Cursor": next }), Vec::new()))
}

fn render(hotel: &Hotel, p: &Payment) -> Value {
    let currency = &hotel.property.currency;
    // "negative amount represents either rebate or a payment": money received
    // is negative on the wire. Payments carry no tax.
    let value = number(-p.amount);
    let amount = json!({
        "Currency": currency,
        "NetValue": value,
        "GrossValue": value,
        "TaxValues": [],
        "Breakdown": { "Items": [{ "TaxRateCode": null, "NetValue": value, "TaxValue": 0 }] }
    });
    // A coproduct: every variant key is present, the chosen one non-null.
    let data = |discriminator: &str, card: Value, external: Value| json!({ "Discriminator": discriminator, "CreditCard": card, "Invoice": null, "External": external, "Ghost": null });
    let (kind, data) = match p.kind {
        PaymentKind::CreditCard => (
            "CreditCardPayment",
            data(
                "CreditCard",
                json!({ "CreditCardId": null, "Transaction": null }),
                Value::Null,
            ),
        ),
        PaymentKind::Cash => ("CashPayment", Value::Null),
        PaymentKind::External => (
            "ExternalPayment",
            data(
                "External",
                Value::Null,
                json!({
                    "Type": p.external_type.as_deref().unwrap_or("Unspecified"),
                    "ExternalIdentifier": p.external_identifier
                }),
            ),
        ),
    };
    let closed = p.bill_id.and_then(|b| hotel.bill(b)).and_then(|b| b.closed);
    json!({
        "Id": p.id,
        "EnterpriseId": hotel.property.id,
        "AccountId": p.account_id,
        "AccountType": "Customer",
        "BillId": p.bill_id,
        "ReservationId": p.reservation_id,
        "AccountingCategoryId": null,
        "Amount": amount.clone(),
        "OriginalAmount": amount,
        "Notes": null,
        "SettlementId": null,
        "ConsumedUtc": ts(p.created),
        "ClosedUtc": closed.map(ts),
        "ChargedUtc": ts(p.created),
        "CreatedUtc": ts(p.created),
        "UpdatedUtc": ts(p.updated),
        // Required and not nullable in the OpenAPI `Payment`.
        "SettlementUtc": ts(p.created),
        "AccountingState": if closed.is_some() { "Closed" } else { "Open" },
        "State": "Charged",
        "Identifier": null,
        "Type": kind,
        "Kind": "Payment",
        "Data": data
    })
}

/// `Amount value` of `payments/addExternal`: `{Currency, GrossValue}` (the
/// older docs used `Value`, still accepted here).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AmountValue {
    currency: String,
    #[serde(alias = "Value")]
    gross_value: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddExternal {
    // `CustomerId` is the older name of `AccountId`.
    #[serde(default, alias = "CustomerId")]
    account_id: Option<Uuid>,
    #[serde(default)]
    bill_id: Option<Uuid>,
    #[serde(default)]
    reservation_id: Option<Uuid>,
    amount: AmountValue,
    #[serde(default)]
    external_identifier: Option<String>,
    #[serde(default, rename = "Type")]
    external_type: Option<String>,
}

/// `payments/addExternal`: a payment taken outside Mews, answered with
/// `{ "ExternalPaymentId" }`; its `ExternalIdentifier` comes back in
/// `payments/getAll` under `Data.External.ExternalIdentifier`. Not deduplicated.
pub(super) fn add_external(core: &SimCore, body: &Value) -> OpResult {
    let q: AddExternal = decode(body)?;
    let account_id = q
        .account_id
        .ok_or_else(|| MewsError::invalid("AccountId", "required"))?;
    let amount = decimal(&q.amount.gross_value, "Amount")?.round_dp(2);
    let mut hotel = core.write();
    if q.amount.currency != hotel.property.currency {
        return Err(MewsError::invalid(
            "Amount",
            format!("currency {} is not accepted", q.amount.currency),
        ));
    }
    let payment = NewPayment {
        account_id,
        bill_id: q.bill_id,
        reservation_id: q.reservation_id,
        amount,
        external_identifier: q.external_identifier,
        external_type: q.external_type,
    };
    let (id, changes) = hotel.add_external_payment(payment, state::now())?;
    Ok((json!({ "ExternalPaymentId": id }), changes))
}
