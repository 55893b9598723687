//! OHIP JSON shapes, named as in `csh.json` / `oauth.json`. Readers are
//! tolerant (unknown fields ignored, numbers as numbers or strings, opera.md
//! §4.2 / §4.5); writers send only what we mean.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// `exceptionDetailType` (RFC 7807 with Oracle's `o:` extensions).
#[derive(Debug, Deserialize)]
pub(crate) struct ExceptionDetail {
    pub title: Option<String>,
    pub detail: Option<String>,
    #[serde(rename = "o:errorCode")]
    pub error_code: Option<String>,
}

/// `billingCharges`: the `postBillingCharges` body.
#[derive(Debug, Serialize)]
pub(crate) struct BillingCharges<'a> {
    pub criteria: BillingChargesCriteria<'a>,
}

/// `billingChargesCriteriaType`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillingChargesCriteria<'a> {
    pub hotel_id: &'a str,
    pub reservation_id: ReservationId<'a>,
    pub charges: Vec<ChargeCriteria<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cashier_id: Option<u64>,
}

/// `reservationId` (a `uniqueID_Type`; `type`/`idContext` defaults in `csh.json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReservationId<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub id_context: &'a str,
}

/// `chargeCriteriaType`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeCriteria<'a> {
    pub transaction_code: &'a str,
    pub price: Price,
    pub posting_quantity: u32,
    pub posting_reference: &'a str,
    pub posting_remark: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cashier_id: Option<u64>,
}

/// `currencyAmountType`; the amount is written as the decimal's own digits
/// (a JSON number, never through `f64`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Price {
    pub amount: Box<RawValue>,
    pub currency_code: String,
}

/// `billingChargesDetails`: the 201 answer of `postBillingCharges`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BillingChargesDetails {
    pub postings: Vec<SummaryPosting>,
}

/// `guestsTransactions`: the answer of `getGuestsTransactions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct GuestsTransactions {
    pub reservation_folio_information: Vec<ReservationFolioInfo>,
}

/// `reservationFolioInfoType`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ReservationFolioInfo {
    pub folio_windows: Vec<FolioWindow>,
}

/// `folioWindowType`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct FolioWindow {
    pub folios: Vec<Folio>,
}

/// `folioType`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Folio {
    pub postings: Vec<SummaryPosting>,
}

/// `summaryPostingType` (the fields we read).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SummaryPosting {
    /// "User-defined posting reference." (maxLength 2000).
    pub reference: Option<String>,
    #[serde(deserialize_with = "id_text")]
    pub transaction_no: Option<String>,
    pub transaction_code: Option<String>,
    pub transaction_description: Option<String>,
    pub remark: Option<String>,
    pub transaction_date: Option<String>,
    #[serde(deserialize_with = "decimal")]
    pub transaction_amount: Option<Decimal>,
    pub posted_amount: Option<CurrencyAmount>,
    pub price: Option<CurrencyAmount>,
    #[serde(deserialize_with = "decimal")]
    pub quantity: Option<Decimal>,
}

/// `currencyAmountType` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CurrencyAmount {
    #[serde(deserialize_with = "decimal")]
    pub amount: Option<Decimal>,
    pub currency_code: Option<String>,
}

/// A number or a numeric string as a [`Decimal`] from its text (serde_json
/// prints a float as its shortest round-trip form, so `12.50` reads `12.5`).
fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let text = match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(serde_json::Value::String(s)) => s.trim().to_owned(),
        Some(other) => return Err(D::Error::custom(format!("expected a number, got {other}"))),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map(Some)
        .map_err(|_| D::Error::custom("not a decimal number"))
}

/// An id that may be a number or a string, as text (`transactionNo` is `number`).
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    })
}
