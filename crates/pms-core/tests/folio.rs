//! The folio's owner and per-currency balances, and the JSON of folios
//! written before they existed.
#![allow(clippy::unwrap_used)]

use pms_core::{
    AccountKind, ChargeId, ChargeKind, Currency, ErrorKind, ExternalRef, Folio, FolioAccount, FolioCharge,
    FolioId, FolioOwner, HotelId, Money, Payment, PaymentState, PmsKind, VendorId,
};
use rust_decimal_macros::dec;
use serde_json::json;

fn mews(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
}

fn charge(id: &str, total: Money) -> FolioCharge {
    let external = mews(id);
    FolioCharge {
        id: ChargeId::derive(&HotelId::new("grand").unwrap(), &external),
        external,
        kind: ChargeKind::Room,
        description: "Night".into(),
        unit_amount: total,
        quantity: dec!(1),
        total,
        tax: None,
        transaction_code: None,
        outlet: None,
        posted_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        business_date: None,
        voided: false,
        request_id: None,
    }
}

fn folio(owner: FolioOwner, charges: Vec<FolioCharge>, balance: Money, other: Vec<Money>) -> Folio {
    let external = mews("f1");
    Folio {
        id: FolioId::derive(&HotelId::new("grand").unwrap(), &external),
        external,
        owner,
        balance,
        other_balances: other,
        charges,
        payments: Vec::new(),
    }
}

#[test]
fn a_reservation_folio_serializes_as_before_owners_existed() {
    let f = folio(
        FolioOwner::Reservation(mews("r1")),
        Vec::new(),
        Money::zero(Currency::EUR),
        Vec::new(),
    );
    let value = serde_json::to_value(&f).unwrap();
    // The field of the earlier model, in place; no empty `other_balances`.
    assert_eq!(value["reservation"], json!({"pms": "mews", "id": "r1"}));
    assert!(value.get("owner").is_none() && value.get("other_balances").is_none());
    // Same bytes as before: the fields in the same order.
    let text = serde_json::to_string(&f).unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    let order = ["id", "external", "reservation", "balance", "charges", "payments"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    // JSON written by the earlier model reads back.
    let old = json!({
        "id": value["id"], "external": {"pms": "mews", "id": "f1"},
        "reservation": {"pms": "mews", "id": "r1"},
        "balance": {"amount": "0", "currency": "EUR"}, "charges": [], "payments": []
    });
    let read: Folio = serde_json::from_value(old).unwrap();
    assert_eq!(read, f);
    assert_eq!(read.reservation(), Some(&mews("r1")));
}

#[test]
fn an_account_folio_round_trips() {
    let f = folio(
        FolioOwner::Account(FolioAccount {
            external: mews("acc"),
            kind: AccountKind::Company,
        }),
        Vec::new(),
        Money::zero(Currency::GBP),
        Vec::new(),
    );
    let value = serde_json::to_value(&f).unwrap();
    assert_eq!(
        value["account"],
        json!({"external": {"pms": "mews", "id": "acc"}, "kind": "company"})
    );
    assert!(value.get("reservation").is_none());
    assert_eq!(serde_json::from_value::<Folio>(value).unwrap(), f);
    assert_eq!(f.reservation(), None);
}

#[test]
fn balances_are_recomputed_per_currency() {
    let eur = |a| Money::new(a, Currency::EUR);
    let usd = |a| Money::new(a, Currency::USD);
    let mut f = folio(
        FolioOwner::Reservation(mews("r1")),
        vec![charge("c1", eur(dec!(100))), charge("c2", usd(dec!(5)))],
        eur(dec!(70)),
        vec![usd(dec!(5))],
    );
    f.payments.push(Payment {
        external: mews("p1"),
        amount: eur(dec!(30)),
        method: None,
        state: PaymentState::Charged,
        paid_at: None,
    });
    assert!(f.is_multi_currency());
    assert_eq!(f.computed_balance().unwrap(), eur(dec!(70)));
    assert_eq!(f.computed_balances().unwrap(), vec![eur(dec!(70)), usd(dec!(5))]);
    assert_eq!(f.balances().count(), 2);
    // A line in a currency the folio does not declare is an error, not ignored.
    f.other_balances.clear();
    assert_eq!(f.computed_balance().unwrap_err().kind(), ErrorKind::Validation);
}
