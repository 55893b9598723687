//! Enterprise configuration: `configuration/get`.
//! Source: <https://docs.mews.com/connector-api/operations/configuration>.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::wire_enum;

/// Response of `configuration/get` (the fields this crate uses).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Configuration {
    /// `NowUtc`: the server's clock.
    pub now_utc: DateTime<Utc>,
    /// `Enterprise`.
    pub enterprise: Enterprise,
}

/// "Enterprise".
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Enterprise {
    /// `Id`.
    pub id: String,
    /// `ChainId`.
    #[serde(default)]
    pub chain_id: Option<String>,
    /// `Name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `TimeZoneIdentifier` (IANA): business dates are civil dates in it.
    pub time_zone_identifier: String,
    /// `Pricing`: whether `orders/add` takes `GrossValue` or `NetValue`.
    #[serde(default)]
    pub pricing: Option<Pricing>,
    /// `Currencies`.
    #[serde(default)]
    pub currencies: Vec<AcceptedCurrency>,
    /// `AccountingEditableHistoryInterval` (ISO 8601 duration).
    #[serde(default)]
    pub accounting_editable_history_interval: Option<String>,
}

/// "Accepted currency".
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AcceptedCurrency {
    /// `Currency`.
    pub currency: String,
    /// `IsDefault`.
    #[serde(default)]
    pub is_default: bool,
    /// `IsEnabled`.
    #[serde(default)]
    pub is_enabled: bool,
}

wire_enum! {
    /// "Pricing".
    Pricing { Gross, Net }
}
