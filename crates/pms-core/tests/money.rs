#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
use pms_core::{Currency, Error, ErrorKind, Money};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn eur(amount: Decimal) -> Money {
    Money::new(amount, Currency::EUR)
}

#[test]
fn adds_and_subtracts_in_one_currency_exactly() {
    // 0.1 + 0.2 is the classic float failure; decimals keep it exact.
    let sum = eur(dec!(0.1)).checked_add(eur(dec!(0.2))).unwrap();
    assert_eq!(sum, eur(dec!(0.3)));
    assert_eq!(sum.checked_sub(eur(dec!(0.5))).unwrap(), eur(dec!(-0.2)));
    assert!(sum.checked_sub(eur(dec!(0.5))).unwrap().is_negative());
}

#[test]
fn adding_different_currencies_is_a_typed_error() {
    let err = eur(dec!(10))
        .checked_add(Money::new(dec!(10), Currency::USD))
        .unwrap_err();
    assert!(
        matches!(err, Error::CurrencyMismatch { left, right } if left == Currency::EUR && right == Currency::USD)
    );
    assert_eq!(err.kind(), ErrorKind::Validation);
    let err = Money::sum(Currency::EUR, [eur(dec!(1)), Money::new(dec!(1), Currency::GBP)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let max = eur(Decimal::MAX);
    assert_eq!(
        max.checked_add(eur(dec!(1))).unwrap_err().kind(),
        ErrorKind::Validation
    );
    assert_eq!(
        max.checked_mul(dec!(2)).unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[test]
fn sum_of_nothing_is_zero_in_the_given_currency() {
    assert_eq!(Money::sum(Currency::GBP, []).unwrap(), Money::zero(Currency::GBP));
    let total = Money::sum(Currency::EUR, [eur(dec!(12.50)), eur(dec!(3.25)), eur(dec!(-1))]).unwrap();
    assert_eq!(total, eur(dec!(14.75)));
}

#[test]
fn multiplies_by_quantity_and_rounds_to_the_minor_unit() {
    let unit = eur(dec!(3.335));
    assert_eq!(unit.checked_mul(dec!(3)).unwrap(), eur(dec!(10.005)));
    assert_eq!(unit.round_to_minor_unit(), eur(dec!(3.34)));
    assert_eq!(
        Money::new(dec!(1234.5), Currency::new("JPY").unwrap())
            .round_to_minor_unit()
            .amount,
        dec!(1235)
    );
    assert_eq!(
        Money::new(dec!(1.2345), Currency::new("KWD").unwrap())
            .round_to_minor_unit()
            .amount,
        dec!(1.235)
    );
}

#[test]
fn serializes_amount_as_a_decimal_string() {
    let json = serde_json::to_value(eur(dec!(12.50))).unwrap();
    assert_eq!(json, serde_json::json!({"amount": "12.50", "currency": "EUR"}));
    let back: Money = serde_json::from_value(json).unwrap();
    assert_eq!(back.amount.to_string(), "12.50");
}

#[test]
fn rejects_bad_currencies_and_amounts() {
    assert!(Currency::new("EURO").is_err());
    assert!(Currency::new("XYZ").is_err());
    assert_eq!(Currency::new(" usd ").unwrap(), Currency::USD);
    assert!(serde_json::from_str::<Money>(r#"{"amount":"12.5","currency":"ZZZ"}"#).is_err());
    assert!(serde_json::from_str::<Money>(r#"{"amount":"twelve","currency":"EUR"}"#).is_err());
    assert_eq!(
        Money::parse("abc", Currency::EUR).unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[test]
fn zero_has_no_sign_in_print_or_json() {
    // A fully voided / unpaid folio: 0 charged minus 0 paid (and a negated zero).
    let balance = eur(dec!(0.00)).checked_sub(eur(dec!(0.00))).unwrap();
    assert_eq!(balance.to_string(), "0.00 EUR");
    assert_eq!(
        serde_json::to_string(&balance).unwrap(),
        r#"{"amount":"0.00","currency":"EUR"}"#
    );
    assert_eq!((-eur(dec!(0))).to_string(), "0 EUR");
    assert!(!(-eur(dec!(0))).amount.is_sign_negative());
    // A vendor's -0.0, and a -0 set on the field directly, print as 0 too.
    assert_eq!(
        eur(Decimal::new(-0, 2).set_sign_negative_ret()).to_string(),
        "0.00 EUR"
    );
    let direct = Money {
        amount: -dec!(0.0),
        currency: Currency::EUR,
    };
    assert_eq!(direct.to_string(), "0.0 EUR");
    assert_eq!(
        serde_json::to_string(&direct).unwrap(),
        r#"{"amount":"0.0","currency":"EUR"}"#
    );
    let read: Money = serde_json::from_str(r#"{"amount":"-0.00","currency":"EUR"}"#).unwrap();
    assert!(!read.amount.is_sign_negative());
}

trait NegativeZero {
    fn set_sign_negative_ret(self) -> Self;
}

impl NegativeZero for Decimal {
    fn set_sign_negative_ret(mut self) -> Self {
        self.set_sign_negative(true);
        self
    }
}
