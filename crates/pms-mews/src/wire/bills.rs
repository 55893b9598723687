//! Bills: `bills/getAll`. The crate reads folio lines through
//! `orderItems/getAll` and `payments/getAll` (the bills `Extent.Items` is
//! deprecated); a bill maps to the folio of its account ([`crate::map::bill_folio`]).
//! Source: <https://docs.mews.com/connector-api/operations/bills>.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::reservations::AccountType;
use super::wire_enum;

/// Response of `bills/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BillsPage {
    /// The bills.
    #[serde(default)]
    pub bills: Vec<Bill>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Bill" (the fields this crate uses).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bill {
    /// `Id`.
    pub id: String,
    /// `AccountId`: the `Customer` or `Company` the bill is issued to.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `AccountType` (`Customer` | `Company`).
    #[serde(default)]
    pub account_type: Option<AccountType>,
    /// `State`.
    pub state: BillState,
    /// `Type`.
    #[serde(rename = "Type", default)]
    pub bill_type: Option<BillType>,
    /// `Number`.
    #[serde(default)]
    pub number: Option<String>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `IssuedUtc`.
    #[serde(default)]
    pub issued_utc: Option<DateTime<Utc>>,
    /// `DueUtc` (seen `null` in the wild).
    #[serde(default)]
    pub due_utc: Option<DateTime<Utc>>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
}

wire_enum! {
    /// "Bill state".
    BillState { Open, Closed }
}

wire_enum! {
    /// "Bill type".
    BillType { Receipt, Invoice }
}
