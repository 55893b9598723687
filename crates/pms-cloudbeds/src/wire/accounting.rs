//! The Accounting API's "Search posted transactions",
//! `POST /accounting/v1.0/transactions` (`operationId: listTransactions` in
//! `src/accounting-v1.0-openapi.json` of `cloudbeds/openapi-specs`):
//! request `ListTransactionsRequest {filters (required), pageToken, limit,
//! sort}`, answer `ListTransactionsPaginated {transactions[], nextPageToken}`,
//! items `TransactionResponse`. JSON both ways, no v1.x envelope.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient;

/// `ListTransactionsRequest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTransactionsRequest {
    /// `filters` (required): "Filters cannot be empty".
    pub filters: Filter,
    /// `pageToken`: the previous answer's `nextPageToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// `limit`: "Default value is 100, maximum value is 1100".
    pub limit: u32,
    /// `sort[]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<Sort>,
}

/// `Filters`: `oneOf [AndOrGroup, FieldFilter]`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Filter {
    /// `AndOrGroup.and[]`.
    And {
        /// The conditions, all of which must hold.
        and: Vec<Filter>,
    },
    /// `FieldFilter {field, operator, value}`.
    Field {
        /// A field of the description's "Supported filter fields" (`source_identifier`).
        field: &'static str,
        /// `ConditionalOperator` (`equals`, `in`, ...).
        operator: &'static str,
        /// `AnyValue`.
        value: serde_json::Value,
    },
}

impl Filter {
    /// `{field, operator: "equals", value}`.
    pub fn equals(field: &'static str, value: impl Into<String>) -> Self {
        Filter::Field {
            field,
            operator: "equals",
            value: serde_json::Value::String(value.into()),
        }
    }
}

/// `Sort {field, direction}`.
#[derive(Debug, Clone, Serialize)]
pub struct Sort {
    /// A field of the description's "Supported sort fields" (`id`).
    pub field: &'static str,
    /// `sortDirection`: `asc|desc`.
    pub direction: &'static str,
}

/// `ListTransactionsPaginated`. Items are kept as JSON so each one's
/// decode error can name its index.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTransactionsPaginated {
    /// `transactions[]`.
    #[serde(default)]
    pub transactions: Option<Vec<serde_json::Value>>,
    /// `nextPageToken`: "When `nextPageToken` is null or absent, you have
    /// reached the last page" (`info.description`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_page_token: Option<String>,
}

/// One `TransactionResponse`. Every field is optional (the schema requires
/// none). `Debug` leaves out `description` and `notes`: staff type free text
/// there, which may name a guest.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountingTransaction {
    /// `id`: "Id of the transaction."
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `propertyId`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub property_id: Option<String>,
    /// `internalTransactionCode`: "Internal code for the transaction,
    /// managed by Cloudbeds" (`1000` room rate, `4000` custom item, `9000`
    /// payment; suffix `A` adjustment or refund, `V` void, `R` routed:
    /// developers.cloudbeds.com/docs/accounting).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub internal_transaction_code: Option<String>,
    /// `customTransactionCode`: "managed by Property".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub custom_transaction_code: Option<String>,
    /// `amount`: a JSON number, in minor units when `currencyScale` is given
    /// (see `pms_cloudbeds::accounting` docs in the source for why).
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount: Option<Decimal>,
    /// `currencyScale`: "Number of decimal places for the currency."
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub currency_scale: Option<u32>,
    /// `currency`: ISO code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    /// `customerId`: "also know as guest id".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_id: Option<String>,
    /// `rootId`: "the id of the transaction that is related to it".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub root_id: Option<String>,
    /// `parentId`: "Id of the transaction that is parent of this one".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub parent_id: Option<String>,
    /// `sourceId`: the source's internal id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_id: Option<String>,
    /// `sourceKind`: `RESERVATION|HOUSE_ACCOUNT|GROUP_PROFILE|ACCOUNTS_RECEIVABLE_LEDGER`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_kind: Option<String>,
    /// `externalRelationId`: "if the transaction is a payment it will contain payment id".
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_relation_id: Option<String>,
    /// `externalRelationKind`: `ROOM, PAYMENT, ITEM, ITEM_POS, ADDON, ...`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub external_relation_kind: Option<String>,
    /// `quantity`: "Amount of items purchased."
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub quantity: Option<Decimal>,
    /// `description`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// `transactionDatetime`: "(ISO 8601) in UTC".
    #[serde(default, deserialize_with = "lenient::opt_utc_datetime")]
    pub transaction_datetime: Option<DateTime<Utc>>,
    /// `serviceDate`: "(property time)".
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub service_date: Option<NaiveDate>,
    /// `sourceIdentifier`: "If source_kind = RESERVATION, this field will
    /// contain a reservation identifier" (the v1.3 `reservationID`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_identifier: Option<String>,
    /// `subSourceIdentifier`: "identifier of a booking room" (the v1.3 `subReservationID`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub sub_source_identifier: Option<String>,
    /// `notes`: "Notes associated with the transaction" (where the `itemNote`
    /// marker of our `postCustomItem` is looked for).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub notes: Option<String>,
}

impl std::fmt::Debug for AccountingTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountingTransaction")
            .field("id", &self.id)
            .field("internal_transaction_code", &self.internal_transaction_code)
            .field("amount", &self.amount)
            .field("currency_scale", &self.currency_scale)
            .field("currency", &self.currency)
            .field("parent_id", &self.parent_id)
            .field("source_identifier", &self.source_identifier)
            .finish_non_exhaustive()
    }
}
