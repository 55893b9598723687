//! Serde DTOs that mirror the Mews Connector API JSON exactly, one file per
//! resource. Field names are the vendor's PascalCase; almost everything is
//! `Option` because Mews has been seen to send `null` for documented-required
//! fields (vendor notes §11.7), and unknown fields are ignored because Mews
//! adds fields monthly. Enums keep unknown values as `Unknown(String)`.
//!
//! Request DTOs are `Serialize` only; the client wraps them in [`Envelope`],
//! which adds `ClientToken`, `AccessToken` and `Client`
//! (<https://docs.mews.com/connector-api/guidelines/authentication>).

pub mod bills;
pub mod configuration;
pub mod customers;
pub mod errors;
pub mod order_items;
pub mod payments;
pub mod reservations;
pub mod resource_blocks;
pub mod resources;
pub mod services;
pub mod webhooks;
pub mod websocket;

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a Mews string enum whose unknown values are kept verbatim in
/// `Unknown(String)` instead of failing the whole page.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", stringify!($variant), "`")] $variant,)+
            /// A value this crate does not know, verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value as Mews spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $(stringify!($variant) => $name::$variant,)+
                    _ => $name::Unknown(value),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }
    };
}
pub(crate) use wire_enum;

/// The request envelope: credentials and client name beside the operation's
/// parameters. Only built at send time; never logged.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Envelope<'a, T: Serialize> {
    pub client_token: &'a str,
    pub access_token: &'a str,
    pub client: &'a str,
    #[serde(flatten)]
    pub body: &'a T,
}

/// `Limitation` (<https://docs.mews.com/connector-api/guidelines/pagination>):
/// `Count` 1..=1000, `Cursor` from the previous page's top-level `Cursor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Limitation {
    /// Items per page (1..=1000).
    pub count: u32,
    /// Where to continue; omitted on the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The documented maximum of `Limitation.Count`.
pub const MAX_PAGE_SIZE: u32 = 1000;

impl Limitation {
    /// A limitation with `count` clamped to 1..=1000.
    pub fn new(count: u32, cursor: Option<String>) -> Self {
        Limitation {
            count: count.clamp(1, MAX_PAGE_SIZE),
            cursor,
        }
    }
}

/// "Time interval" filter (`operations/_objects.md#time-interval`):
/// `StartUtc <= x < EndUtc`, at most 3 months long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeInterval {
    /// Inclusive start.
    #[serde(serialize_with = "ser_utc")]
    pub start_utc: DateTime<Utc>,
    /// Exclusive end.
    #[serde(serialize_with = "ser_utc")]
    pub end_utc: DateTime<Utc>,
}

/// Mews writes `YYYY-MM-DDThh:mm:ssZ` (`guidelines/serialization.md`).
pub(crate) fn ser_utc<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// Same as [`ser_utc`] for an optional instant.
pub(crate) fn ser_opt_utc<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => ser_utc(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// The update-value wrapper `{"Value": x}` (`guidelines/serialization.md#update-values`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateValue<T> {
    /// The new value (`None` clears it).
    pub value: Option<T>,
}

/// `Amount` (`operations/_objects.md#amount`): what Mews reports for money.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// Net value.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub net_value: Option<Decimal>,
    /// Gross value.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub gross_value: Option<Decimal>,
    /// Taxes by tax rate code.
    #[serde(default)]
    pub tax_values: Vec<TaxValue>,
}

/// One tax of an [`Amount`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaxValue {
    /// Tax rate code (`DE-2020-1-L`), `null` for untaxed.
    #[serde(default)]
    pub code: Option<String>,
    /// Tax amount.
    #[serde(deserialize_with = "decimal")]
    pub value: Decimal,
}

/// `Amount parameters` (`operations/_objects.md#amount-parameters`): money we send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmountParameters {
    /// ISO 4217 code.
    pub currency: String,
    /// Tax rate codes (required).
    pub tax_codes: Vec<String>,
    /// Gross value (gross-pricing enterprises).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_opt_decimal")]
    pub gross_value: Option<Decimal>,
    /// Net value (net-pricing enterprises).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_opt_decimal")]
    pub net_value: Option<Decimal>,
}

/// Mews takes amounts as JSON numbers. The decimal is written through its
/// shortest round-trip `f64`, which prints the same digits for any amount
/// with at most 15 significant digits (every real price).
pub(crate) fn ser_opt_decimal<S: Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match value.and_then(|v| v.to_f64()) {
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}

/// Deserializes a JSON number (or numeric string) into a `Decimal` without
/// going through binary float arithmetic: an `f64` is re-read from its
/// shortest round-trip text, which is the literal Mews sent for any amount
/// with at most 15 significant digits.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(DecimalVisitor)
}

/// `Option` form of [`decimal`].
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    deserializer.deserialize_option(OptDecimalVisitor)
}

struct DecimalVisitor;

impl serde::de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("amount is not finite"));
        }
        format!("{v}")
            .parse::<Decimal>()
            // The amount itself stays out of the message (it is vendor data).
            .map_err(|_| E::custom("amount does not fit a decimal"))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.trim()
            .parse::<Decimal>()
            .map_err(|_| E::custom("amount string is not a decimal number"))
    }
}

struct OptDecimalVisitor;

impl<'de> serde::de::Visitor<'de> for OptDecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        decimal(deserializer).map(Some)
    }
}

/// Empty request body (`configuration/get` without parameters).
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

/// The `{}` most "do" operations answer (`reservations/start`, `resources/update`, ...).
#[derive(Debug, Default, Deserialize)]
pub struct EmptyResponse {}
