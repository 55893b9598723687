//! `ResvAdvanced.Invoice`: the folio read.
//!
//! Request: `InvoiceRequest/ReservationRequest` (keypr
//! `OWSResvAdvancedProcessor.getFolioRequestObject`, find_string id 13987044809).
//!
//! Response: `InvoiceResponse/{Result, Invoice*}`, each `Invoice` a `BillHeader`
//! (keypr `getFolioResponseObject`: `getInvoice()` → `BillHeader[]`). The
//! `BillHeader` and `BillItem` types (ns `og/4.3/Reservation/`) come from JAXB
//! classes generated from the OWS WSDL by two unrelated projects (find_string ids
//! 3505077698 / 47548151084 and 3799817218 / 47942241117):
//!
//! - `BillHeader`: `Address`, `Name`, `ProfileIDs`, `BillNumber`, `BillItems*`,
//!   `BillTaxes*`, `CreditCardSurcharges*`;
//! - `BillItem`: children `Account` (a `UniqueID`; we read it as the transaction
//!   code, the same name PostCharge uses for it), `Amount` (`currencyCode`),
//!   `VatCode`; attributes `Date` (required), `Time`, `Description`.
//!
//! A `BillItem` has **no line id and no quantity**: the line id is synthesized
//! as `{resv_name_id}/{BillNumber or window}/{index}` (stable only while the
//! folio does not change) and the quantity is 1 — unless the answer carries
//! `TransactionNo`/`Quantity` (accepted leniently, \[unverified\]).
//!
//! Our `PMSREQ:` reference is searched in every text and attribute of a line;
//! no `BillItem` field is documented to echo PostCharge's `LongInfo`, which is
//! why read-back is opt-in (`OperaOptions::charge_read_back`).
//!
//! All windows are merged into one [`Folio`] per reservation; lines with a
//! negative amount (payments, credits) stay charge lines, so the balance is the
//! sum of all lines unless a header states `CurrentBalance`/`Balance`.

use std::io;

use chrono::NaiveDate;
use pms_core::{
    ChargeId, ChargeKind, ExternalRef, Folio, FolioCharge, FolioId, FolioOwner, Money, PmsKind, VendorId,
};
use rust_decimal::Decimal;

use crate::envelope::XmlWriter;
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ops::{Operation, Service, open, post_charge, reservation_request};
use crate::xml::{Document, Element, ns};

/// The operation.
pub const OP: Operation = Operation {
    service: Service::ResvAdvanced,
    name: "Invoice",
    request_ns: ns::RESV_ADVANCED,
    response_ns: &[ns::RESV_ADVANCED, ns::RESV_ADVANCED_WSDL],
    write: false,
};

const NSS: &[&str] = &[
    ns::RESV_ADVANCED,
    ns::RESV_ADVANCED_WSDL,
    ns::HOTEL_COMMON,
    ns::RESERVATION,
];

/// Writes the request body.
pub fn write(w: &mut XmlWriter, hotel_code: &str, resv_name_id: &str) -> io::Result<()> {
    w.start("InvoiceRequest", &[("xmlns", OP.request_ns)])?;
    reservation_request(w, "ReservationRequest", hotel_code, resv_name_id)?;
    w.end("InvoiceRequest")
}

fn field<'a>(e: Element<'a>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        e.attr_value(n)
            .or_else(|| e.child_any(NSS, n).and_then(Element::text_value))
    })
}

/// Reads the response into one folio for reservation `resv_name_id`.
pub fn parse(
    doc: &Document<'_>,
    resv_name_id: &str,
    ctx: &MapContext,
    transaction_id: &str,
) -> Result<Folio, OperaError> {
    let response = open(doc, &OP, transaction_id)?;
    let reservation = ExternalRef::new(
        PmsKind::Opera,
        VendorId::new(resv_name_id).map_err(|_| OperaError::Validation("empty reservation id".into()))?,
    );
    let headers: Vec<Element<'_>> = response
        .children_any(NSS, "Invoice")
        .flat_map(|invoice| {
            let inner: Vec<Element<'_>> = invoice.children_any(NSS, "BillHeader").collect();
            if inner.is_empty() { vec![invoice] } else { inner }
        })
        .collect();
    let mut charges = Vec::new();
    let mut stated_balance: Option<Money> = None;
    for (index, header) in headers.iter().enumerate() {
        let window = header
            .child_any(NSS, "BillNumber")
            .and_then(Element::text_value)
            .map_or_else(|| index.saturating_add(1).to_string(), str::to_owned);
        let balance = header
            .child_any(NSS, "CurrentBalance")
            .or_else(|| header.child_any(NSS, "Balance"))
            .map(|b| map::money(b, ctx, "BillHeader/CurrentBalance"))
            .transpose()?
            .flatten();
        if let Some(money) = balance {
            stated_balance = Some(match stated_balance {
                Some(sum) => sum.checked_add(money).map_err(|_| {
                    OperaError::decode(
                        "BillHeader/CurrentBalance",
                        "balances in different currencies, or too large",
                    )
                })?,
                None => money,
            });
        }
        let items: Vec<Element<'_>> = header
            .children_any(NSS, "BillItems")
            .flat_map(|items| {
                let inner: Vec<Element<'_>> = items.children_any(NSS, "BillItem").collect();
                if inner.is_empty() { vec![items] } else { inner }
            })
            .collect();
        for (index, item) in items.into_iter().enumerate() {
            charges.push(bill_item(
                item,
                resv_name_id,
                &window,
                index.saturating_add(1),
                ctx,
            )?);
        }
    }
    let total = Money::sum(ctx.currency, charges.iter().map(|c: &FolioCharge| c.total)).map_err(|_| {
        OperaError::decode(
            "BillItem/Amount",
            "amounts in another currency than the hotel's, or too large",
        )
    })?;
    Ok(Folio {
        id: FolioId::derive(&ctx.hotel, &reservation),
        external: reservation.clone(),
        owner: FolioOwner::Reservation(reservation),
        balance: stated_balance.unwrap_or(total),
        other_balances: Vec::new(),
        charges,
        payments: Vec::new(),
    })
}

fn bill_item(
    item: Element<'_>,
    resv_name_id: &str,
    window: &str,
    index: usize,
    ctx: &MapContext,
) -> Result<FolioCharge, OperaError> {
    let amount = item
        .child_any(NSS, "Amount")
        .map(|a| map::money(a, ctx, "BillItem/Amount"))
        .transpose()?
        .flatten()
        .ok_or_else(|| OperaError::decode("BillItem/Amount", "missing"))?;
    let line_id = field(item, &["TransactionNo", "transactionNo", "TransactionId"])
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{resv_name_id}/{window}/{index}"));
    let external = ExternalRef::new(
        PmsKind::Opera,
        VendorId::new(line_id).map_err(|_| OperaError::decode("BillItem/TransactionNo", "empty"))?,
    );
    let quantity: Decimal = field(item, &["Quantity", "quantity"])
        .map(str::parse)
        .transpose()
        .map_err(|_| OperaError::decode("BillItem/Quantity", "not a number"))?
        .unwrap_or(Decimal::ONE);
    let unit = if quantity.is_zero() {
        amount
    } else {
        Money::new(
            amount
                .amount
                .checked_div(quantity)
                .ok_or_else(|| OperaError::decode("BillItem/Quantity", "cannot divide"))?,
            amount.currency,
        )
    };
    let date_raw = field(item, &["Date", "TransactionDate", "PostingDate"])
        .ok_or_else(|| OperaError::decode("BillItem/@Date", "missing"))?;
    let business_date: NaiveDate = map::civil_date(date_raw, "BillItem/@Date")?;
    let posted_at = match (date_raw.len() > 10, field(item, &["Time"])) {
        (true, _) => map::instant(date_raw, ctx.time_zone, "BillItem/@Date")?,
        (false, Some(time)) => map::time_on(business_date, time, ctx.time_zone, "BillItem/@Time")?,
        (false, None) => map::instant(&format!("{date_raw}T00:00:00"), ctx.time_zone, "BillItem/@Date")?,
    };
    let transaction_code = field(item, &["Account", "TransactionCode"]).map(str::to_owned);
    Ok(FolioCharge {
        id: ChargeId::derive(&ctx.hotel, &external),
        external,
        kind: ChargeKind::Other(transaction_code.clone().unwrap_or_default()),
        description: field(item, &["Description", "description"])
            .unwrap_or_default()
            .to_owned(),
        unit_amount: unit,
        quantity,
        total: amount,
        tax: None,
        transaction_code,
        outlet: None,
        posted_at,
        business_date: Some(business_date),
        voided: false,
        request_id: post_charge::find_reference(item.all_strings()),
    })
}
