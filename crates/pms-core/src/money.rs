//! Money: a decimal amount in an ISO 4217 currency. Never a float.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Error;

/// An active ISO 4217 currency code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

// Active ISO 4217 codes (list of 2025) with their minor units where not 2.
// Funds codes (BOV, CHE, ...) are included because PMSs pass through whatever
// the property's accounting uses.
const CURRENCIES: &str = "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV \
BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP \
ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD \
JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR \
MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF \
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH \
UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";
const ZERO_DECIMAL: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const THREE_DECIMAL: &str = "BHD IQD JOD KWD LYD OMR TND";
const FOUR_DECIMAL: &str = "CLF UYW";

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");

    /// Parses an ISO 4217 code. Lowercase is accepted because some vendors
    /// send it; unknown codes are rejected rather than passed through.
    pub fn new(code: &str) -> Result<Self, Error> {
        let upper = code.trim().to_ascii_uppercase();
        let bytes: [u8; 3] = upper
            .as_bytes()
            .try_into()
            .map_err(|_| Error::validation(format!("currency `{code}` is not a 3-letter ISO 4217 code")))?;
        if !CURRENCIES.split(' ').any(|c| c == upper) {
            return Err(Error::validation(format!(
                "currency `{code}` is not an active ISO 4217 code"
            )));
        }
        Ok(Currency(bytes))
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Only ever built from ASCII letters in `new` or the constants.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Number of digits after the decimal point in the currency's minor unit.
    pub fn minor_units(&self) -> u32 {
        let code = self.code();
        let listed = |list: &str| list.split(' ').any(|c| c == code);
        if listed(ZERO_DECIMAL) {
            0
        } else if listed(THREE_DECIMAL) {
            3
        } else if listed(FOUR_DECIMAL) {
            4
        } else {
            2
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::new(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_owned()
    }
}

impl std::str::FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money. Serializes as `{"amount": "12.50", "currency": "EUR"}`:
/// the amount is a decimal *string* so no JSON reader turns it into a float.
///
/// Zero has no sign: a `-0` (a negated or subtracted zero, or a vendor's
/// `-0.0`) is made `0` by every constructor and operation here, and is printed
/// and serialized as `0` even when set on the field directly, so a fully
/// settled folio never shows a balance of `-0.00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exactly as the vendor or the caller gave it (its scale
    /// kept: `12.50` stays `12.50`).
    #[serde(with = "unsigned_zero")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency (a negative zero becomes zero).
    pub const fn new(amount: Decimal, currency: Currency) -> Self {
        Money {
            amount: without_zero_sign(amount),
            currency,
        }
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal string (`"12.50"`) in a currency.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, Error> {
        let amount: Decimal = amount
            .trim()
            .parse()
            .map_err(|_| Error::validation(format!("amount `{amount}` is not a decimal number")))?;
        Ok(Money::new(amount, currency))
    }

    /// `self + other`; different currencies or overflow are errors.
    pub fn checked_add(self, other: Money) -> Result<Money, Error> {
        self.same_currency(other)?;
        self.amount
            .checked_add(other.amount)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or_else(|| Error::validation("money amount overflow"))
    }

    /// `self - other`; different currencies or overflow are errors.
    pub fn checked_sub(self, other: Money) -> Result<Money, Error> {
        self.checked_add(-other)
    }

    /// The amount times a quantity (for example a unit price times nights).
    pub fn checked_mul(self, quantity: Decimal) -> Result<Money, Error> {
        self.amount
            .checked_mul(quantity)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or_else(|| Error::validation("money amount overflow"))
    }

    /// Adds up amounts that must all be in `currency`; an empty list is zero.
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, amounts: I) -> Result<Money, Error> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Rounded half-away-from-zero to the currency's minor unit.
    pub fn round_to_minor_unit(self) -> Money {
        let rounded = self.amount.round_dp_with_strategy(
            self.currency.minor_units(),
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        );
        Money::new(rounded, self.currency)
    }

    /// True when the amount is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True when the amount is below zero (a credit on a folio).
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(self, other: Money) -> Result<(), Error> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money::new(-self.amount, self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", without_zero_sign(self.amount), self.currency)
    }
}

/// `amount`, with the sign of a zero cleared (the scale is kept: `-0.00` → `0.00`).
const fn without_zero_sign(amount: Decimal) -> Decimal {
    if amount.is_zero() {
        Decimal::from_parts(0, 0, 0, false, amount.scale())
    } else {
        amount
    }
}

/// The amount as a decimal string, never `-0`.
mod unsigned_zero {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        rust_decimal::serde::str::serialize(&super::without_zero_sign(*amount), serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        rust_decimal::serde::str::deserialize(deserializer).map(super::without_zero_sign)
    }
}
