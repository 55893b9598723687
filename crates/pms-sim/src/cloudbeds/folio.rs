//! Folio: `POST /postCustomItem`, `POST /postVoidItem`, `POST /postAdjustment`,
//! `POST /deleteAdjustment`, `POST /postPayment`, `POST /postVoidPayment`,
//! `GET /getTransactions`.
//!
//! Sources: `src/pms-v1.3-openapi.yaml` paths of the same names
//! (`PostCustomItemRequest`/`Response`, `PostVoidItemResponse`,
//! `PostAdjustmentRequest`/`Response`, `DeleteAdjustmentResponse`,
//! `PostPaymentResponse`, `PostVoidPaymentResponse`); `getTransactions` left
//! the public spec in June 2025 and is written from the v1.3 SDK
//! (`cloudbeds/cloudbeds-api-python`, `cloudbeds_pms_v1_3/docs/PaymentApi.md`
//! and `GetTransactionsResponseDataInner.md` at `8293e51a`); vendor notes §3.4, §8.
//!
//! Modelled on the shared hotel: a custom item is an order of folio lines on
//! the property's first additional service, linked to the stay and carrying
//! `referenceID` as the line's external identifier; an adjustment is one
//! folio line of `-amount` (an adjustment is a credit on the folio: the
//! sign convention is not documented and is the simulator's choice); a
//! payment is a payment on the stay's open bill; voiding a payment adds an
//! offsetting entry that `getTransactions` shows as a `void` transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::{Params, decimal};
use super::render::{local_date, local_ts, money, utc_ts};
use super::reservations::check_property;
use super::{AdjustmentMeta, Front, ItemMeta, OpResult, PaymentMeta, Reply, webhook};
use crate::model::{BillState, ChargeKind, Payment, PaymentKind, Reservation, ReservationState, ServiceKind};
use crate::state::{self, Hotel, NewLine, NewOrder, NewPayment};

/// `getTransactions.pageSize`: max 100 (vendor notes §3.4).
const PAGE_SIZE: u32 = 100;
/// Items per `postCustomItem` call accepted by the simulator.
const MAX_ITEMS: usize = 100;
/// The `notice` of a repeated `referenceID`. Cloudbeds' wording is unknown
/// (spec: the field "will alert that nothing was created or updated").
pub const DUPLICATE_NOTICE: &str =
    "A transaction with this referenceID already exists; nothing was created or updated.";

/// The stay a folio write names; `houseAccountID`/`groupCode` targets are not simulated.
fn target<'h>(hotel: &'h Hotel, params: &Params) -> Result<&'h Reservation, CbError> {
    let Some(id) = params.get("reservationID") else {
        if params.get("houseAccountID").is_some() || params.get("groupCode").is_some() {
            return Err(CbError::business(
                "House accounts and groups are not simulated: send reservationID",
            ));
        }
        return Err(CbError::required("reservationID"));
    };
    CloudbedsIds::find_reservation(hotel, id)
        .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))
}

fn additional_service(hotel: &Hotel) -> Result<Uuid, CbError> {
    hotel
        .services
        .iter()
        .find(|s| s.kind == ServiceKind::Additional)
        .map(|s| s.id)
        .ok_or_else(|| CbError::business("The property sells no items"))
}

/// Custom items carry their taxes in `itemTaxes`, not in the price: the
/// line goes on the zero-rate code.
fn zero_tax(hotel: &Hotel) -> String {
    hotel
        .tax_rates
        .iter()
        .find(|t| t.rate.is_zero())
        .or_else(|| hotel.tax_rates.first())
        .map(|t| t.code.clone())
        .unwrap_or_default()
}

fn open_bill_of_stay(hotel: &Hotel, reservation: Uuid) -> Option<Uuid> {
    hotel
        .charges_of_stay(reservation)
        .filter_map(|c| c.bill_id)
        .find(|b| hotel.bill(*b).is_some_and(|b| b.state == BillState::Open))
}

struct Item {
    app_item_id: String,
    name: String,
    quantity: u32,
    price: Decimal,
    category: Option<String>,
    note: Option<String>,
}

fn items(params: &Params) -> Result<Vec<Item>, CbError> {
    let raw = params.indexed("items")?;
    if raw.is_empty() {
        return Err(CbError::required("items"));
    }
    if raw.len() > MAX_ITEMS {
        return Err(CbError::invalid(
            "items",
            format!("at most {MAX_ITEMS} items per call"),
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, fields) in raw {
        let field = |name: &str| fields.get(name).map(String::as_str).filter(|v| !v.is_empty());
        let app_item_id = field("appItemID")
            .ok_or_else(|| CbError::required(&format!("items[{i}][appItemID]")))?
            .to_owned();
        let price_param = format!("items[{i}][itemPrice]");
        let price = decimal(
            &price_param,
            field("itemPrice").ok_or_else(|| CbError::required(&price_param))?,
        )?;
        let quantity = match field("itemQuantity") {
            None => 1,
            Some(q) => q
                .parse::<u32>()
                .ok()
                .filter(|q| (1..=10_000).contains(q))
                .ok_or_else(|| {
                    CbError::invalid(&format!("items[{i}][itemQuantity]"), "must be a positive integer")
                })?,
        };
        out.push(Item {
            name: field("itemName").unwrap_or(&app_item_id).to_owned(),
            app_item_id,
            quantity,
            price,
            category: field("itemCategoryName").map(str::to_owned),
            note: field("itemNote").map(str::to_owned),
        });
    }
    Ok(out)
}

/// `POST /postCustomItem`: "Adds single, or multiple, custom items and their
/// associated payments to a Reservation ... as a single transaction".
/// `referenceID`: "partner's transaction reference. If exist then Cloudbeds
/// will prevent adding of duplicates" — a repeat answers `success: true`
/// with `data.notice` and creates nothing (scope: the property, for ever;
/// the real scope is an open question, vendor notes §12.7). `appItemID`:
/// "Future calls using the same ID will use previously sent item name".
/// `itemPaid`: "a payment in cash will be registered for the total value".
/// The answer is `data: {soldProductID, transactionID}` (`soldProductID`
/// "Usable to void this product in future").
pub(super) fn post_custom_item(front: &Front, params: &Params) -> OpResult {
    let mut items = items(params)?;
    let reference = params.get("referenceID").map(str::to_owned);
    let paid = params.bool("itemPaid")?.unwrap_or(false);
    let now = state::now();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let tz = hotel.property.time_zone;
    let sale = params.local_datetime("saleDate", tz)?.unwrap_or(now);
    let r = target(&hotel, params)?;
    let (res_uuid, res_id, guest) = (r.id, CloudbedsIds::reservation_id(r), r.guest_id);
    if r.state == ReservationState::Canceled {
        return Err(CbError::business(format!(
            "Reservation {res_id} is canceled: items cannot be posted"
        )));
    }
    if let Some(sub) = params.get("subReservationID")
        && sub != res_id
    {
        return Err(CbError::invalid(
            "subReservationID",
            format!("{sub} is not a room of reservation {res_id}"),
        ));
    }
    if let Some(reference) = &reference
        && hotel
            .charges
            .iter()
            .any(|c| c.external_identifier.as_deref() == Some(reference.as_str()))
    {
        return Ok(Reply {
            body: json!({ "success": true, "data": { "notice": DUPLICATE_NOTICE } }),
            events: Vec::new(),
            applied: false,
        });
    }
    {
        // Sticky item definitions: the first name sent for an appItemID wins.
        let local = front.local();
        for item in &mut items {
            if let Some(name) = local
                .items
                .values()
                .find(|m| m.app_item_id == item.app_item_id)
                .and_then(|m| m.name.clone())
            {
                item.name = name;
            }
        }
    }
    let service_id = additional_service(&hotel)?;
    let tax_code = zero_tax(&hotel);
    let lines: Vec<NewLine> = items
        .iter()
        .map(|item| NewLine {
            product_id: None,
            name: item.name.clone().into(),
            unit_count: item.quantity,
            unit_gross: item.price,
            tax_code: tax_code.clone().into(),
            kind: ChargeKind::CustomItem,
            external_identifier: reference.clone(),
        })
        .collect();
    let bill_id = open_bill_of_stay(&hotel, res_uuid);
    let order_id = hotel.post_order(
        NewOrder {
            account_id: guest,
            service_id,
            linked_reservation_id: Some(res_uuid),
            bill_id,
            consumed: Some(sale),
            notes: None,
            lines,
        },
        now,
    )?;
    // post_order appends the order's lines in item order: give each its own note.
    let first_line = hotel.charges.len() - items.len();
    let mut line_ids = Vec::with_capacity(items.len());
    let mut total = Decimal::ZERO;
    let mut events = Vec::new();
    for (charge, item) in hotel.charges[first_line..].iter_mut().zip(&items) {
        charge.notes = item.note.clone();
        total += charge.gross_total();
        line_ids.push(charge.id);
    }
    for id in &line_ids {
        events.push(webhook::accounting_transaction(
            &hotel,
            &CloudbedsIds::transaction_id(*id),
            None,
            "CUSTOM_ITEM",
            now,
        ));
    }
    let mut payment = None;
    if paid && total > Decimal::ZERO {
        let bill = open_bill_of_stay(&hotel, res_uuid);
        let payment_in = NewPayment {
            account_id: guest,
            bill_id: bill,
            reservation_id: Some(res_uuid),
            amount: total,
            external_identifier: None,
            external_type: Some("cash".into()),
        };
        let (id, _) = hotel.add_external_payment(payment_in, now)?;
        set_payment_kind(&mut hotel, id, PaymentKind::Cash);
        events.push(webhook::accounting_transaction(
            &hotel,
            &CloudbedsIds::transaction_id(id),
            None,
            "PAYMENT",
            now,
        ));
        payment = Some(id);
    }
    {
        let mut local = front.local();
        for (id, item) in line_ids.iter().zip(&items) {
            local.items.insert(
                *id,
                ItemMeta {
                    category: item.category.clone(),
                    app_item_id: item.app_item_id.clone(),
                    name: Some(item.name.clone()),
                },
            );
        }
        if let Some(p) = payment {
            local.item_payments.insert(order_id, p);
            local.payments.insert(
                p,
                PaymentMeta {
                    method: "cash".into(),
                    card_type: None,
                    description: Some("itemPaid".into()),
                },
            );
        }
    }
    let transaction_id = line_ids.first().map(|id| CloudbedsIds::transaction_id(*id));
    Ok(Reply::write(
        json!({
            "success": true,
            "data": {
                "soldProductID": CloudbedsIds::sold_product_id(order_id),
                "transactionID": transaction_id
            }
        }),
        events,
    ))
}

fn set_payment_kind(hotel: &mut Hotel, id: Uuid, kind: PaymentKind) {
    if let Some(p) = hotel.payments.iter_mut().rev().find(|p| p.id == id) {
        p.kind = kind;
    }
}

/// Adds the entry that offsets payment `id` and returns it.
fn reverse_payment(hotel: &mut Hotel, id: Uuid, at: DateTime<Utc>) -> Option<Uuid> {
    let original = hotel.payments.iter().find(|p| p.id == id)?.clone();
    let reversal = hotel.new_id();
    hotel.payments.push(Payment {
        id: reversal,
        amount: -original.amount,
        kind: PaymentKind::External,
        external_identifier: None,
        created: at,
        updated: at,
        ..original
    });
    Some(reversal)
}

/// `POST /postVoidItem` by `soldProductID`: voids every line of that call.
/// "If payments were sent in calls postItem or postCustomItem, they will be
/// deleted too." Voiding an unknown or already voided item is
/// `success: false` (vendor notes §3.4).
pub(super) fn post_void_item(front: &Front, params: &Params) -> OpResult {
    let sold = params.required("soldProductID")?.to_owned();
    let now = state::now();
    let posted: HashSet<Uuid> = front.local().items.keys().copied().collect();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = target(&hotel, params)?;
    let lines: Vec<(Uuid, Uuid, bool)> = hotel
        .charges_of_stay(r.id)
        .filter(|c| posted.contains(&c.id) && CloudbedsIds::sold_product_id(c.service_order_id) == sold)
        .map(|c| (c.id, c.service_order_id, c.canceled.is_some()))
        .collect();
    let Some(&(_, order_id, _)) = lines.first() else {
        return Err(CbError::business(format!("Sold product {sold} not found")));
    };
    if lines.iter().all(|(_, _, voided)| *voided) {
        return Err(CbError::business(format!(
            "Sold product {sold} is already voided"
        )));
    }
    let ids: Vec<Uuid> = lines.iter().filter(|l| !l.2).map(|l| l.0).collect();
    hotel
        .void_charges(&ids, now)
        .map_err(|e| CbError::business(format!("Sold product {sold} cannot be voided: {e}")))?;
    let mut events: Vec<Value> = ids
        .iter()
        .map(|id| {
            webhook::accounting_transaction(
                &hotel,
                &CloudbedsIds::void_transaction_id(*id),
                Some(&CloudbedsIds::transaction_id(*id)),
                "VOID",
                now,
            )
        })
        .collect();
    let mut local = front.local();
    if let Some(payment) = local.item_payments.get(&order_id).copied()
        && !local.voided_payments.contains_key(&payment)
        && let Some(reversal) = reverse_payment(&mut hotel, payment, now)
    {
        local.voided_payments.insert(payment, reversal);
        events.push(webhook::accounting_transaction(
            &hotel,
            &CloudbedsIds::void_transaction_id(payment),
            Some(&CloudbedsIds::transaction_id(payment)),
            "VOID",
            now,
        ));
    }
    Ok(Reply::write(json!({ "success": true }), events))
}

/// `POST /postAdjustment` (`reservationID`, `type` ∈ `rate|product|fee|tax`,
/// `amount`, `notes`, `itemID` "Identifier for: product, tax, fee. Not for
/// rate"). No idempotency field: every call adjusts again. Answers
/// `data: {adjustmentID}`.
pub(super) fn post_adjustment(front: &Front, params: &Params) -> OpResult {
    let kind = params.required("type")?.to_owned();
    if !matches!(kind.as_str(), "rate" | "product" | "fee" | "tax") {
        return Err(CbError::invalid("type", "must be rate, product, fee or tax"));
    }
    let amount = params
        .decimal("amount")?
        .ok_or_else(|| CbError::required("amount"))?;
    if amount.is_zero() {
        return Err(CbError::invalid("amount", "must not be zero"));
    }
    let notes = params.get("notes").map(str::to_owned);
    let now = state::now();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = target(&hotel, params)?;
    let (res_uuid, guest) = (r.id, r.guest_id);
    let service_id = additional_service(&hotel)?;
    let tax_code = zero_tax(&hotel);
    let bill_id = open_bill_of_stay(&hotel, res_uuid);
    hotel.post_order(
        NewOrder {
            account_id: guest,
            service_id,
            linked_reservation_id: Some(res_uuid),
            bill_id,
            consumed: Some(now),
            notes,
            lines: vec![NewLine {
                product_id: None,
                name: format!("Adjustment ({kind})").into(),
                unit_count: 1,
                unit_gross: -amount,
                tax_code: tax_code.into(),
                kind: ChargeKind::CustomItem,
                external_identifier: None,
            }],
        },
        now,
    )?;
    let Some(line) = hotel.charges.last().map(|c| c.id) else {
        return Err(CbError::server_error());
    };
    let event = webhook::accounting_transaction(
        &hotel,
        &CloudbedsIds::transaction_id(line),
        None,
        "ADJUSTMENT",
        now,
    );
    front.local().adjustments.insert(line, AdjustmentMeta { kind });
    Ok(Reply::write(
        json!({ "success": true, "data": { "adjustmentID": CloudbedsIds::adjustment_id(line) } }),
        vec![event],
    ))
}

/// `POST /deleteAdjustment` (form `reservationID`, `adjustmentID`; SDK
/// 1.19.0 `AdjustmentApi.delete_adjustment_post`): "Voids the AdjustmentID
/// transaction on the specified reservationID".
pub(super) fn delete_adjustment(front: &Front, params: &Params) -> OpResult {
    let wanted = params.required("adjustmentID")?.to_owned();
    let now = state::now();
    let adjustments: HashSet<Uuid> = front.local().adjustments.keys().copied().collect();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = target(&hotel, params)?;
    let found = hotel
        .charges_of_stay(r.id)
        .find(|c| adjustments.contains(&c.id) && CloudbedsIds::adjustment_id(c.id) == wanted)
        .map(|c| (c.id, c.canceled.is_some()));
    let Some((line, voided)) = found else {
        return Err(CbError::business(format!("Adjustment {wanted} not found")));
    };
    if voided {
        return Err(CbError::business(format!(
            "Adjustment {wanted} is already voided"
        )));
    }
    hotel
        .void_charges(&[line], now)
        .map_err(|e| CbError::business(format!("Adjustment {wanted} cannot be voided: {e}")))?;
    let event = webhook::accounting_transaction(
        &hotel,
        &CloudbedsIds::void_transaction_id(line),
        Some(&CloudbedsIds::transaction_id(line)),
        "VOID",
        now,
    );
    Ok(Reply::write(json!({ "success": true }), vec![event]))
}

/// `POST /postPayment` (`reservationID`, `type`, `amount`, `cardType`
/// "needed if type=credit", `description`, `isDeposit`). No idempotency
/// field. The ids come back **at the top level**: `{success, paymentID,
/// transactionID}` (spec `PostPaymentResponse`, vendor notes §2).
pub(super) fn post_payment(front: &Front, params: &Params) -> OpResult {
    let method = params.required("type")?.to_owned();
    let card_type = params.get("cardType").map(str::to_owned);
    if method == "credit" && card_type.is_none() {
        return Err(CbError::required("cardType"));
    }
    let amount = params
        .decimal("amount")?
        .ok_or_else(|| CbError::required("amount"))?;
    if amount <= Decimal::ZERO {
        return Err(CbError::invalid("amount", "must be positive"));
    }
    params.bool("isDeposit")?;
    let description = params.get("description").map(str::to_owned);
    let now = state::now();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = target(&hotel, params)?;
    let (res_uuid, guest) = (r.id, r.guest_id);
    let bill = open_bill_of_stay(&hotel, res_uuid);
    let payment_in = NewPayment {
        account_id: guest,
        bill_id: bill,
        reservation_id: Some(res_uuid),
        amount,
        external_identifier: None,
        external_type: Some(method.clone()),
    };
    let (id, _) = hotel.add_external_payment(payment_in, now)?;
    let kind = match method.as_str() {
        "cash" => PaymentKind::Cash,
        "credit" => PaymentKind::CreditCard,
        _ => PaymentKind::External,
    };
    set_payment_kind(&mut hotel, id, kind);
    let transaction_id = CloudbedsIds::transaction_id(id);
    let event = webhook::accounting_transaction(&hotel, &transaction_id, None, "PAYMENT", now);
    front.local().payments.insert(
        id,
        PaymentMeta {
            method,
            card_type,
            description,
        },
    );
    Ok(Reply::write(
        json!({
            "success": true,
            "paymentID": CloudbedsIds::payment_id(id),
            "transactionID": transaction_id
        }),
        vec![event],
    ))
}

/// `POST /postVoidPayment` (`reservationID`, `paymentID`). Voiding twice is
/// `success: false`.
pub(super) fn post_void_payment(front: &Front, params: &Params) -> OpResult {
    let wanted = params.required("paymentID")?.to_owned();
    let now = state::now();
    let voided: HashSet<Uuid> = front.local().voided_payments.keys().copied().collect();
    let mut hotel = front.core.write();
    check_property(&hotel, params, "propertyID")?;
    let r = target(&hotel, params)?;
    let res_uuid = r.id;
    let found = hotel
        .payments
        .iter()
        .find(|p| p.reservation_id == Some(res_uuid) && CloudbedsIds::payment_id(p.id) == wanted)
        .map(|p| p.id);
    let Some(payment) = found else {
        return Err(CbError::business(format!("Payment {wanted} not found")));
    };
    if voided.contains(&payment) {
        return Err(CbError::business(format!("Payment {wanted} is already voided")));
    }
    let Some(reversal) = reverse_payment(&mut hotel, payment, now) else {
        return Err(CbError::business(format!("Payment {wanted} not found")));
    };
    front.local().voided_payments.insert(payment, reversal);
    let event = webhook::accounting_transaction(
        &hotel,
        &CloudbedsIds::void_transaction_id(payment),
        Some(&CloudbedsIds::transaction_id(payment)),
        "VOID",
        now,
    );
    Ok(Reply::write(json!({ "success": true }), vec![event]))
}

/// What a transaction row stands for in the shared hotel.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin {
    /// A folio line (`adjustment`: the `postAdjustment` type, when it is one).
    Charge {
        id: Uuid,
        order: Uuid,
        kind: ChargeKind,
        custom: bool,
    },
    /// A payment.
    Payment { id: Uuid, kind: PaymentKind },
}

/// One transaction of a stay, before rendering (`getTransactions` or the
/// Accounting API's `transactions`).
pub(super) struct Row {
    pub(super) at: DateTime<Utc>,
    pub(super) id: String,
    pub(super) parent: Option<String>,
    pub(super) reservation: Option<Uuid>,
    pub(super) description: String,
    pub(super) notes: Option<String>,
    pub(super) quantity: u32,
    /// "Consolidated amount on the transaction (Credit - Debit)".
    pub(super) amount: Decimal,
    pub(super) category: &'static str,
    pub(super) item_category: Option<String>,
    /// The `postAdjustment` type of an adjustment line.
    pub(super) adjustment: Option<String>,
    pub(super) card_type: Option<String>,
    pub(super) deleted: bool,
    pub(super) service_date: DateTime<Utc>,
    pub(super) origin: Origin,
    /// Whether this row is the void of `parent`.
    pub(super) is_void: bool,
}

/// Every transaction of the stay `only` (of the property when `None`):
/// lines and payments, and a `void` row after each voided one.
pub(super) fn stay_rows(front: &Front, hotel: &Hotel, only: Option<Uuid>) -> Vec<Row> {
    let (items, adjustments, payments, voided_payments) = {
        let local = front.local();
        (
            local.items.clone(),
            local.adjustments.clone(),
            local.payments.clone(),
            local.voided_payments.clone(),
        )
    };
    let reversals: HashSet<Uuid> = voided_payments.values().copied().collect();
    let stay_of_order = |c: &crate::model::Charge| {
        c.linked_reservation_id
            .or_else(|| hotel.reservation(c.service_order_id).map(|r| r.id))
    };
    let mut rows = Vec::new();
    let mut stay_bills: HashSet<Uuid> = HashSet::new();
    for c in &hotel.charges {
        let stay = stay_of_order(c);
        if only.is_some() && stay != only {
            continue;
        }
        if let Some(b) = c.bill_id {
            stay_bills.insert(b);
        }
        let gross = c.unit_gross * Decimal::from(c.unit_count);
        let adjustment = adjustments.get(&c.id).map(|a| a.kind.clone());
        let category = if adjustment.is_some() {
            "adjustment"
        } else {
            match c.kind {
                ChargeKind::SpaceOrder => "rate",
                ChargeKind::ProductOrder => "product",
                ChargeKind::CustomItem => "custom_item",
                ChargeKind::CityTax => "tax",
            }
        };
        let item_category = items.get(&c.id).and_then(|m| m.category.clone()).or_else(|| {
            (c.kind == ChargeKind::ProductOrder)
                .then(|| hotel.service(c.service_id).map(|s| s.name.clone()))
                .flatten()
        });
        let item_category = item_category.or_else(|| adjustment.clone());
        let origin = Origin::Charge {
            id: c.id,
            order: c.service_order_id,
            kind: c.kind,
            custom: items.contains_key(&c.id),
        };
        rows.push(Row {
            at: c.created,
            id: CloudbedsIds::transaction_id(c.id),
            parent: None,
            reservation: stay,
            description: c.name.to_string(),
            notes: c.notes.clone(),
            quantity: c.unit_count,
            amount: -gross,
            category,
            item_category: item_category.clone(),
            adjustment: adjustment.clone(),
            card_type: None,
            deleted: c.canceled.is_some(),
            service_date: c.consumed,
            origin,
            is_void: false,
        });
        if let Some(voided_at) = c.canceled {
            rows.push(Row {
                at: voided_at,
                id: CloudbedsIds::void_transaction_id(c.id),
                parent: Some(CloudbedsIds::transaction_id(c.id)),
                reservation: stay,
                description: format!("Void: {}", c.name),
                notes: None,
                quantity: c.unit_count,
                amount: gross,
                category: "void",
                item_category,
                adjustment,
                card_type: None,
                deleted: false,
                service_date: c.consumed,
                origin,
                is_void: true,
            });
        }
    }
    for p in &hotel.payments {
        if reversals.contains(&p.id) {
            continue;
        }
        let on_stay = only.is_none_or(|r| {
            p.reservation_id == Some(r) || p.bill_id.is_some_and(|b| stay_bills.contains(&b))
        });
        if !on_stay {
            continue;
        }
        let meta = payments.get(&p.id);
        let description = meta.map_or_else(
            || {
                match p.kind {
                    PaymentKind::Cash => "cash",
                    PaymentKind::CreditCard => "credit",
                    PaymentKind::External => "external",
                }
                .to_owned()
            },
            |m| m.method.clone(),
        );
        let card_type = meta.and_then(|m| m.card_type.clone());
        let reversal_at = voided_payments
            .get(&p.id)
            .and_then(|rev| hotel.payments.iter().find(|x| x.id == *rev))
            .map(|x| x.created);
        let origin = Origin::Payment {
            id: p.id,
            kind: p.kind,
        };
        rows.push(Row {
            at: p.created,
            id: CloudbedsIds::transaction_id(p.id),
            parent: None,
            reservation: p.reservation_id.or(only),
            description: description.clone(),
            notes: meta.and_then(|m| m.description.clone()),
            quantity: 1,
            amount: p.amount,
            category: "payment",
            item_category: None,
            adjustment: None,
            card_type: card_type.clone(),
            deleted: reversal_at.is_some(),
            service_date: p.created,
            origin,
            is_void: false,
        });
        if let Some(at) = reversal_at {
            rows.push(Row {
                at,
                id: CloudbedsIds::void_transaction_id(p.id),
                parent: Some(CloudbedsIds::transaction_id(p.id)),
                reservation: p.reservation_id.or(only),
                description: format!("Void: {description}"),
                notes: None,
                quantity: 1,
                amount: -p.amount,
                category: "void",
                item_category: None,
                adjustment: None,
                card_type,
                deleted: false,
                service_date: at,
                origin,
                is_void: true,
            });
        }
    }
    rows.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    rows
}

/// `GET /getTransactions`: filters `reservationID`, `includeDeleted`
/// (default false), `includeDebit`/`includeCredit` (default true);
/// `pageNumber`, `pageSize` (max 100). Items per
/// `GetTransactionsResponseDataInner`: `amount` is "Credit - Debit" (a
/// charge is negative), `transactionType` `debit|credit`,
/// `transactionCategory` from `adjustment, addon, custom_item, fee, payment,
/// product, rate, room_revenue, refund, tax, void`, `parentTransactionID`
/// set on voids, `isDeleted` on voided lines; `itemNote` surfaces in `notes`.
pub(super) fn get_transactions(front: &Front, params: &Params) -> OpResult {
    let (page, size) = params.page(PAGE_SIZE, PAGE_SIZE)?;
    let include_deleted = params.bool("includeDeleted")?.unwrap_or(false);
    let include_debit = params.bool("includeDebit")?.unwrap_or(true);
    let include_credit = params.bool("includeCredit")?.unwrap_or(true);
    let hotel = front.core.read();
    check_property(&hotel, params, "propertyID")?;
    let only: Option<Uuid> = match params.get("reservationID") {
        None => None,
        Some(id) => Some(
            CloudbedsIds::find_reservation(&hotel, id)
                .ok_or_else(|| CbError::business(format!("Reservation {id} not found")))?
                .id,
        ),
    };
    let mut rows = stay_rows(front, &hotel, only);
    // A voided line's own void transaction is hidden with it.
    let deleted: HashSet<String> = rows.iter().filter(|r| r.deleted).map(|r| r.id.clone()).collect();
    rows.retain(|r| {
        let debit = r.amount < Decimal::ZERO;
        (include_deleted || (!r.deleted && r.parent.as_ref().is_none_or(|p| !deleted.contains(p))))
            && if debit { include_debit } else { include_credit }
    });
    let total = rows.len();
    let skip = (page as usize - 1).saturating_mul(size as usize);
    let property_id = CloudbedsIds::property_id(&hotel);
    let room_ids = CloudbedsIds::room_ids(&hotel);
    let data: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(size as usize)
        .map(|row| render_row(&hotel, &property_id, &room_ids, row))
        .collect();
    Ok(Reply::read(json!({
        "success": true,
        "data": data,
        "count": data.len(),
        "total": total,
        "cloudbedsAccounting": false
    })))
}

fn render_row(
    hotel: &Hotel,
    property_id: &str,
    room_ids: &std::collections::HashMap<Uuid, String>,
    row: &Row,
) -> Value {
    let stay = row.reservation.and_then(|r| hotel.reservation(r));
    let guest = stay.and_then(|r| hotel.guest(r.guest_id));
    let room = stay.and_then(|r| r.room_id).and_then(|id| hotel.room(id));
    let category = stay.and_then(|r| hotel.categories.iter().find(|c| c.id == r.category_id));
    json!({
        "propertyID": property_id,
        "reservationID": stay.map(CloudbedsIds::reservation_id),
        "subReservationID": stay.map(CloudbedsIds::reservation_id),
        "houseAccountID": null,
        "houseAccountName": null,
        "guestID": guest.map(CloudbedsIds::guest_id),
        "propertyName": hotel.property.name,
        "transactionDateTime": local_ts(hotel, row.at),
        "transactionDateTimeUTC": utc_ts(row.at),
        "transactionModifiedDateTime": local_ts(hotel, row.at),
        "transactionModifiedDateTimeUTC": utc_ts(row.at),
        "guestCheckIn": stay.map(|r| local_date(hotel, r.scheduled_start)),
        "guestCheckOut": stay.map(|r| local_date(hotel, r.scheduled_end)),
        "roomTypeID": category.map(|c| CloudbedsIds::room_type_id(c.id)),
        "roomTypeName": category.map(|c| c.name.clone()),
        // "N/A means not applicable, and it is used if the transaction is not linked to a room."
        "roomName": room.map_or_else(|| "N/A".to_owned(), |r| r.number.clone()),
        "roomID": room.and_then(|r| room_ids.get(&r.id)),
        "guestName": guest.map(|g| format!("{} {}", g.first_name, g.last_name)),
        "description": row.description,
        "transactionCode": null,
        "notes": row.notes,
        "quantity": row.quantity,
        "amount": money(row.amount),
        "currency": hotel.property.currency,
        "userName": "API",
        "transactionType": if row.amount < Decimal::ZERO { "debit" } else { "credit" },
        "transactionCategory": row.category,
        "itemCategoryName": row.item_category,
        "transactionID": row.id,
        "parentTransactionID": row.parent,
        "cardType": row.card_type,
        "isDeleted": row.deleted,
        "serviceDate": local_date(hotel, row.service_date)
    })
}
