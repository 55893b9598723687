//! `ResvAdvanced`: `CheckIn`, `CheckOut`, `PostCharge` and `Invoice`, all in
//! the `og/4.3/ResvAdvanced/` namespace (opera.md §1.2).
//!
//! - CheckIn / CheckOut / Invoice take `ReservationRequest/{HotelReference@hotelCode,
//!   ReservationID/c:UniqueID}` (keypr `OWSResvAdvancedProcessor`, oracle_ows
//!   `resv_advanced.rb`). CheckIn follows the shared hotel's rules (reserved,
//!   arriving today, room assigned and inspected); CheckOut needs an in-house
//!   stay on or after its last day with a zero balance (OPERA checks out with
//!   a settled folio, opera.md §7.6) and closes the folio.
//! - PostCharge (the Python and Node templates, opera.md §1.4):
//!   `PostChargeRequest@Account/Posting@{ShortInfo, LongInfo, Charge, PostDate,
//!   PostTime}/ReservationRequestBase`. `Account` is the transaction code
//!   (see [`TRANSACTION_CODES`]); `Charge` the amount in the hotel currency;
//!   `ShortInfo` becomes the folio line text and `LongInfo` is kept on the
//!   charge verbatim (`Charge::external_identifier`). Postings need an in-house
//!   stay. Nothing is deduplicated: OWS has no idempotency key (opera.md §7.2).
//! - Invoice answers `InvoiceResponse/{Result, Invoice*}`, one `Invoice` (type
//!   `BillHeader`: `ProfileIDs, BillNumber, BillItems*`) per folio window, each
//!   line a `BillItems` element of type `BillItem`: children `Account`
//!   (transaction code), `Amount@currencyCode`, `VatCode`; attributes `Date`,
//!   `Time`, `Description` (the XSD in JAXB classes generated from the OWS
//!   WSDL, cited in `fixtures/opera/README.md`). **`BillItem` has no field for
//!   `LongInfo`**, so the posting reference is *not* in the Invoice: a client
//!   cannot read a charge back by it. Payments appear as negative lines
//!   (transaction code 9000); voided lines are left out.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::soap::Fail;
use super::xml::{Element, Xml, ns};
use super::{OpResult, OperaState, check_hotel, name_id_of, reservation_at, resv_name_id, xml_fail};
use crate::model::{BillState, ChargeKind, PaymentKind, ReservationState, ServiceKind};
use crate::state::{self, Hotel, NewLine, NewOrder, Rejection};

const ANY: &[&str] = &[ns::RESV_ADVANCED, ns::HOTEL_COMMON, ns::RESERVATION];

/// Transaction codes the simulated property accepts on `PostCharge`, with the
/// service they post to (matched by name) and their folio text. Real codes are
/// configured per property; these follow the common OPERA numbering (1000
/// room, 2000s F&B, 9000 payments) seen in the Node template's default `1000`.
pub const TRANSACTION_CODES: &[(&str, &str)] = &[
    ("2000", "Restaurant"),
    ("2100", "Bar"),
    ("3000", "Spa"),
    ("4000", "Minibar"),
    ("5000", "Miscellaneous"),
];

/// Transaction code of payments in the Invoice.
const PAYMENT_CODE: &str = "9000";

/// The `resv_name_id` in `{request}/{ReservationRequest|ReservationRequestBase}/ReservationID/c:UniqueID`.
fn reservation_id(container: Option<&Element>) -> Result<&str, Fail> {
    let container = container.ok_or_else(|| Fail::invalid("ReservationRequest is required"))?;
    check_hotel(container.child_any(ANY, "HotelReference"))?;
    container
        .child_any(ANY, "ReservationID")
        .and_then(|r| r.child(ns::COMMON, "UniqueID"))
        .and_then(Element::text)
        .ok_or_else(|| Fail::invalid("ReservationID/UniqueID is required"))
}

fn find(hotel: &Hotel, id: &str) -> Result<(usize, Uuid), Fail> {
    reservation_at(hotel, id)
        .map(|(i, r)| (i, r.id))
        .ok_or_else(|| Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."))
}

fn rule(code: &'static str) -> impl Fn(Rejection) -> Fail {
    move |rejection| Fail::new(code, rejection.to_string())
}

fn reservation_echo(w: &mut Xml, position: usize) -> std::io::Result<()> {
    w.start("s0:ReservationID", &[])?;
    w.text(
        "c:UniqueID",
        &[
            ("xmlns:c", ns::COMMON),
            ("type", "INTERNAL"),
            ("source", "RESVID"),
        ],
        &resv_name_id(position),
    )?;
    w.end("s0:ReservationID")
}

pub(super) fn check_in(state: &OperaState, request: &Element) -> OpResult {
    let id = reservation_id(request.child_any(ANY, "ReservationRequest"))?;
    let mut hotel = state.core().write();
    let (position, uuid) = find(&hotel, id)?;
    hotel
        .check_in(uuid, state::now())
        .map_err(rule("CHECKIN_NOT_ALLOWED"))?;
    let room = hotel
        .reservation(uuid)
        .and_then(|r| r.room_id)
        .and_then(|id| hotel.room(id))
        .map(|r| r.number.clone());
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        w.start("s0:CheckInComplete", &[])?;
        reservation_echo(w, position)?;
        if let Some(room) = &room {
            w.text("hc:RoomNumber", &[("xmlns:hc", ns::HOTEL_COMMON)], room)?;
        }
        w.end("s0:CheckInComplete")
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}

pub(super) fn check_out(state: &OperaState, request: &Element) -> OpResult {
    let id = reservation_id(request.child_any(ANY, "ReservationRequest"))?;
    let mut hotel = state.core().write();
    let (_, uuid) = find(&hotel, id)?;
    let in_house = hotel
        .reservation(uuid)
        .is_some_and(|r| r.state == ReservationState::Started);
    if in_house && !hotel.stay_balance(uuid).is_zero() {
        return Err(Fail::new(
            "FOLIO_BALANCE_NOT_ZERO",
            "Check out is not allowed: the folio balance is not zero.",
        ));
    }
    hotel
        .check_out(uuid, true, false, state::now())
        .map_err(rule("CHECKOUT_NOT_ALLOWED"))?;
    Ok(Vec::new())
}

pub(super) fn post_charge(state: &OperaState, request: &Element) -> OpResult {
    let code = request
        .attr("Account")
        .ok_or_else(|| Fail::invalid("PostChargeRequest@Account (transaction code) is required"))?;
    let posting = request
        .child_any(ANY, "Posting")
        .ok_or_else(|| Fail::invalid("Posting is required"))?;
    let id = reservation_id(posting.child_any(ANY, "ReservationRequestBase"))?;
    let amount: Decimal = posting
        .attr("Charge")
        .ok_or_else(|| Fail::invalid("Posting@Charge is required"))?
        .parse()
        .map_err(|_| Fail::invalid("Posting@Charge is not a number"))?;
    let tz = state.core().read().property.time_zone;
    let consumed = match posting.attr("PostDate") {
        Some(d) => {
            let day = NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d")
                .map_err(|_| Fail::invalid("Posting@PostDate is not a date"))?;
            let time = match posting.attr("PostTime") {
                Some(t) => NaiveTime::parse_from_str(t.get(..8).unwrap_or(t), "%H:%M:%S")
                    .map_err(|_| Fail::invalid("Posting@PostTime is not a time"))?,
                None => NaiveTime::MIN,
            };
            tz.from_local_datetime(&day.and_time(time))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        }
        None => None,
    };
    let line = Line {
        code,
        amount,
        short_info: posting.attr("ShortInfo"),
        reference: posting.attr("LongInfo").map(str::to_owned),
        consumed,
    };
    let (position, _) = post_line(state, id, line)?;
    let mut w = Xml::fragment();
    reservation_echo(&mut w, position).map_err(xml_fail)?;
    Ok(w.finish())
}

/// One posting, from OWS `PostCharge` or OHIP `postBillingCharges`.
pub(super) struct Line<'a> {
    /// The transaction code (see [`TRANSACTION_CODES`]).
    pub code: &'a str,
    /// The amount in the hotel currency.
    pub amount: Decimal,
    /// The folio text (the code's own text when absent).
    pub short_info: Option<&'a str>,
    /// Kept verbatim on the charge: OWS `LongInfo`, OHIP `postingReference`.
    pub reference: Option<String>,
    /// When it was consumed (now when absent: OHIP has no posting date).
    pub consumed: Option<chrono::DateTime<Utc>>,
}

/// Posts `line` to the stay `id` (a `resv_name_id`) under the shared hotel's
/// rules; answers the stay's position and the new charge ids.
pub(super) fn post_line(state: &OperaState, id: &str, line: Line<'_>) -> Result<(usize, Vec<Uuid>), Fail> {
    let Some(&(code, text)) = TRANSACTION_CODES.iter().find(|(c, _)| *c == line.code) else {
        return Err(Fail::new(
            "INVALID_TRANSACTION_CODE",
            format!("Transaction code {} is not valid for postings.", line.code),
        ));
    };
    let amount = line.amount;
    if amount.is_zero() || amount.scale() > 2 {
        return Err(Fail::new(
            "INVALID_AMOUNT",
            "The amount must be non-zero with at most 2 decimals.",
        ));
    }
    let short_info = line.short_info.unwrap_or(text).to_owned();
    let long_info = line.reference;
    let now = state::now();
    let consumed = line.consumed.unwrap_or(now);
    let mut hotel = state.core().write();
    if consumed < now - chrono::Duration::days(hotel.property.editable_history_days) {
        return Err(Fail::new(
            "POSTING_NOT_ALLOWED",
            "PostDate is before the period open for postings.",
        ));
    }
    let (position, uuid) = find(&hotel, id)?;
    let Some((guest, res_state)) = hotel.reservation(uuid).map(|r| (r.guest_id, r.state)) else {
        return Err(Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."));
    };
    if res_state != ReservationState::Started {
        return Err(Fail::new(
            "POSTING_NOT_ALLOWED",
            "Postings are allowed on in-house reservations only.",
        ));
    }
    let additional = || {
        hotel
            .services
            .iter()
            .filter(|s| s.kind == ServiceKind::Additional)
    };
    let service = additional()
        .find(|s| s.name.contains(text))
        .or_else(|| additional().next())
        .map(|s| s.id)
        .ok_or_else(|| Fail::new("POSTING_NOT_ALLOWED", "No outlet accepts postings."))?;
    // The property's standard rate: OWS PostCharge carries no tax; the
    // transaction code's configuration decides it in OPERA.
    let tax_code = hotel
        .tax_rates
        .iter()
        .max_by_key(|t| t.rate)
        .map(|t| t.code.clone())
        .ok_or_else(|| Fail::new("POSTING_NOT_ALLOWED", "No tax code configured."))?;
    // The stay's own open folio window (OPERA posts to the reservation's
    // folio), not whichever bill of the guest happens to be open.
    let bill_id = hotel
        .charges_of_stay(uuid)
        .filter_map(|c| c.bill_id)
        .find(|b| hotel.bill(*b).is_some_and(|b| b.state == BillState::Open));
    let order = NewOrder {
        account_id: guest,
        service_id: service,
        linked_reservation_id: Some(uuid),
        bill_id,
        consumed: Some(consumed),
        notes: None,
        lines: vec![NewLine {
            product_id: None,
            name: short_info.into(),
            unit_count: 1,
            unit_gross: amount,
            tax_code: tax_code.into(),
            kind: ChargeKind::CustomItem,
            external_identifier: long_info,
        }],
    };
    let order_id = hotel
        .post_order(order, now)
        .map_err(rule("POSTING_NOT_ALLOWED"))?;
    let ids: Vec<Uuid> = hotel.charges_of_order(order_id).map(|c| c.id).collect();
    drop(hotel);
    let mut codes = state.transaction_codes.lock().unwrap_or_else(|p| p.into_inner());
    for id in &ids {
        codes.insert(*id, code.to_owned());
    }
    Ok((position, ids))
}

/// The transaction code of a folio line.
pub(super) fn line_code(state: &OperaState, hotel: &Hotel, charge: &crate::model::Charge) -> String {
    if let Some(code) = state
        .transaction_codes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&charge.id)
    {
        return code.clone();
    }
    let service = hotel.service(charge.service_id).map_or("", |s| s.name.as_str());
    match charge.kind {
        ChargeKind::SpaceOrder => "1000",
        ChargeKind::CityTax => "1100",
        ChargeKind::ProductOrder if service.contains("Spa") => "3000",
        ChargeKind::ProductOrder => "2000",
        ChargeKind::CustomItem => "5000",
    }
    .to_owned()
}

pub(super) fn invoice(state: &OperaState, request: &Element) -> OpResult {
    let id = reservation_id(request.child_any(ANY, "ReservationRequest"))?;
    let hotel = state.core().read();
    let (_, uuid) = find(&hotel, id)?;
    let Some(stay) = hotel.reservation(uuid) else {
        return Err(Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."));
    };
    let tz = hotel.property.time_zone;
    let currency = hotel.property.currency.clone();
    let charges: Vec<&crate::model::Charge> = hotel
        .charges_of_stay(uuid)
        .filter(|c| c.canceled.is_none())
        .collect();
    let mut bills: Vec<Option<Uuid>> = Vec::new();
    for c in &charges {
        if !bills.contains(&c.bill_id) {
            bills.push(c.bill_id);
        }
    }
    let payments: Vec<&crate::model::Payment> = hotel
        .payments
        .iter()
        .filter(|p| p.reservation_id == Some(uuid) || bills.contains(&p.bill_id))
        .collect();
    for p in &payments {
        if !bills.contains(&p.bill_id) {
            bills.push(p.bill_id);
        }
    }
    let profile = name_id_of(&hotel, stay.guest_id);
    let mut w = Xml::fragment();
    let write = |w: &mut Xml| -> std::io::Result<()> {
        for (window, bill) in bills.iter().enumerate() {
            w.start(
                "s0:Invoice",
                &[("xmlns:r", ns::RESERVATION), ("xmlns:c", ns::COMMON)],
            )?;
            if let Some(profile) = &profile {
                w.start("r:ProfileIDs", &[])?;
                w.text("c:UniqueID", &[("type", "INTERNAL")], profile)?;
                w.end("r:ProfileIDs")?;
            }
            let number = bill
                .and_then(|b| hotel.bill(b))
                .map_or_else(|| (window + 1).to_string(), |b| b.number.clone());
            w.text("r:BillNumber", &[("type", "INTERNAL")], &number)?;
            let mut item = |at: chrono::DateTime<Utc>,
                            description: &str,
                            code: &str,
                            amount: Decimal,
                            vat: Option<&str>|
             -> std::io::Result<()> {
                let local = at.with_timezone(&tz);
                let date = local.format("%Y-%m-%d").to_string();
                let time = local.format("%H:%M:%S").to_string();
                w.start(
                    "r:BillItems",
                    &[("Date", &date), ("Time", &time), ("Description", description)],
                )?;
                w.text("r:Account", &[("type", "INTERNAL")], code)?;
                w.text(
                    "r:Amount",
                    &[("currencyCode", &currency), ("decimals", "2")],
                    &amount.round_dp(2).to_string(),
                )?;
                if let Some(vat) = vat {
                    w.text("r:VatCode", &[("type", "INTERNAL")], vat)?;
                }
                w.end("r:BillItems")
            };
            for c in charges.iter().filter(|c| c.bill_id == *bill) {
                let code = line_code(state, &hotel, c);
                item(c.consumed, &c.name, &code, c.gross_total(), Some(&c.tax_code))?;
            }
            for p in payments.iter().filter(|p| p.bill_id == *bill) {
                let text = match p.kind {
                    PaymentKind::CreditCard => "Credit Card",
                    PaymentKind::Cash => "Cash",
                    PaymentKind::External => "Payment",
                };
                item(p.created, text, PAYMENT_CODE, -p.amount, None)?;
            }
            w.end("s0:Invoice")?;
        }
        Ok(())
    };
    write(&mut w).map_err(xml_fail)?;
    Ok(w.finish())
}
