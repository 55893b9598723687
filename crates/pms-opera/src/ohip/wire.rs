//! OHIP JSON shapes, named as in `csh.json` / `oauth.json`. Readers are
//! tolerant (unknown fields ignored, numbers as numbers or strings, opera.md
//! §4.2 / §4.5); writers send only what we mean.

use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::error::OperaError;

/// A `T` from an OHIP JSON body. A body that does not decode is an
/// [`OperaError::Decode`] whose path is the JSON path of the failing value
/// under `root` (`guestsTransactions.reservationFolioInformation[0]...amount`)
/// and whose message says what kind of problem it is, never the value:
/// serde's own messages quote it (`invalid type: string "Jane Doe"`,
/// `invalid value: integer `19310231``), and decode errors are logged.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8], root: &str) -> Result<T, OperaError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| json_error(root, &err))?;
    de.end()
        .map_err(|_| OperaError::decode(root, "text after the JSON value"))?;
    Ok(value)
}

fn json_error(root: &str, err: &serde_path_to_error::Error<serde_json::Error>) -> OperaError {
    let inner = err.inner();
    match inner.classify() {
        // A syntax error's path can run through keys the wire types ignore,
        // and those are the vendor's: name the document only.
        Category::Syntax => OperaError::decode(root, "not valid JSON"),
        Category::Eof => OperaError::decode(root, "the JSON ends early"),
        Category::Io => OperaError::decode(root, "the body cannot be read"),
        Category::Data => {
            // Data errors arise in typed fields, so the path's keys are our
            // field names; `.` is serde_path_to_error's empty path.
            let at = err.path().to_string();
            let mut path = if at == "." {
                root.to_owned()
            } else {
                format!("{root}.{at}")
            };
            if let Some(field) = missing_field(&inner.to_string()) {
                path.push('.');
                path.push_str(field);
                return OperaError::decode(path, "missing");
            }
            OperaError::decode(path, "a value of the wrong type or out of range")
        }
    }
}

/// The field of serde's "missing field `name`" message: a name of our wire
/// types, kept only if it looks like one.
fn missing_field(message: &str) -> Option<&str> {
    let name = message.strip_prefix("missing field `")?.split('`').next()?;
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    plain.then_some(name)
}

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
        // Never the value itself in the message (see `from_json`).
        Some(_) => return Err(D::Error::custom("expected a number")),
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
