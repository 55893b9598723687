//! `bills/getAll` (`operations/bills.md`,
//! <https://docs.mews.com/connector-api/operations/bills>). `BillIds` is
//! "Required if no other filter is provided"; without `State`, Open and
//! Closed bills are returned. Lines are read through `orderItems/getAll`
//! and `payments/getAll` with `BillIds` (the `Extent.Items` is deprecated),
//! so the embedded arrays are empty.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::error::MewsError;
use super::wire::{
    Limitation, TimeInterval, check_intervals, check_len, cursor_key, decode, listed, paginate, ts, ts_opt,
    within, within_opt,
};
use crate::model::{Bill, BillState};
use crate::server::SimCore;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    bill_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    customer_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    created_utc: Option<TimeInterval>,
    #[serde(default)]
    updated_utc: Option<TimeInterval>,
    #[serde(default)]
    issued_utc: Option<TimeInterval>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("BillIds", q.bill_ids.as_ref(), 1000)?;
    check_len("CustomerIds", q.customer_ids.as_ref(), 1000)?;
    check_intervals(&[
        ("CreatedUtc", q.created_utc.as_ref()),
        ("UpdatedUtc", q.updated_utc.as_ref()),
        ("IssuedUtc", q.issued_utc.as_ref()),
    ])?;
    let state = match q.state.as_deref() {
        None => None,
        Some("Open") => Some(BillState::Open),
        Some("Closed") => Some(BillState::Closed),
        Some(other) => return Err(MewsError::invalid("State", format!("unknown bill state {other}"))),
    };
    if q.bill_ids.is_none()
        && q.customer_ids.is_none()
        && q.created_utc.is_none()
        && q.updated_utc.is_none()
        && q.issued_utc.is_none()
    {
        return Err(MewsError::invalid(
            "BillIds",
            "required if no other filter is provided",
        ));
    }
    let hotel = core.read();
    let cursor = cursor_key(&q.limitation, |id| hotel.bill(id).map(|b| (b.created, b.id)))?;
    let rows = hotel
        .bills
        .iter()
        .filter(|b| {
            listed(q.bill_ids.as_ref(), b.id)
                && listed(q.customer_ids.as_ref(), b.account_id)
                && state.is_none_or(|s| s == b.state)
                && within(q.created_utc.as_ref(), b.created)
                && within(q.updated_utc.as_ref(), b.updated)
                && within_opt(q.issued_utc.as_ref(), b.closed)
        })
        .map(|b| ((b.created, b.id), b))
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let enterprise_id = hotel.property.id;
    let bills: Vec<Value> = page.into_iter().map(|b| render(enterprise_id, b)).collect();
    Ok((json!({ "Bills": bills, "Cursor": next }), Vec::new()))
}

fn render(enterprise_id: Uuid, b: &Bill) -> Value {
    json!({
        "Id": b.id,
        "Name": null,
        "EnterpriseId": enterprise_id,
        "AccountId": b.account_id,
        "AccountType": "Customer",
        "CustomerId": b.account_id,
        "CompanyId": null,
        "AssociatedAccountIds": [],
        "CounterId": null,
        "State": match b.state { BillState::Open => "Open", BillState::Closed => "Closed" },
        "Type": "Receipt",
        "Number": b.number,
        "VariableSymbol": null,
        "CreatedUtc": ts(b.created),
        "IssuedUtc": ts_opt(b.closed),
        "TaxedUtc": null,
        "PaidUtc": ts_opt(b.closed),
        "DueUtc": null,
        "LastReminderDateUtc": null,
        "UpdatedUtc": ts(b.updated),
        "PurchaseOrderNumber": null,
        "Notes": null,
        "Options": { "DisplayCustomer": true, "DisplayTaxation": true, "TrackReceivable": true, "DisplayCid": false, "Rebated": false },
        "Revenue": [],
        "Payments": [],
        "OrderItems": [],
        "PaymentItems": [],
        // `AssigneeData` / `OwnerData` are optional objects, never null in
        // the OpenAPI `Bill`: left out.
        "CompanyDetails": null,
        "AssociatedAccountData": [],
        "EnterpriseData": null,
        "CorrectionState": "Bill",
        "CorrectionType": null,
        "CorrectedBillId": null
    })
}
