//! Folio writes and reads: `POST /postCustomItem`, `POST /postAdjustment`,
//! `POST /postPayment` (ids at the *top level*, not in `data`), and the
//! `GET /getTransactions` items (`cloudbeds/cloudbeds-api-python`,
//! `cloudbeds_pms_v1_3/docs/GetTransactionsResponseDataInner.md` at
//! `8293e51a`; the method left the public spec in June 2025, vendor notes §3.4).
//! Enums per the same docs (quoted by `omniboost/go-cloudbeds`):
//! `transactionType` `debit|credit`; `transactionCategory` `adjustment, addon,
//! custom_item, fee, payment, product, rate, room_revenue, refund, tax, void`.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::lenient;

/// `postCustomItem.data` (`PostCustomItemResponseData`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostCustomItemData {
    /// `soldProductID`: "Usable to void this product in future" (observed with a `p_` prefix).
    #[serde(rename = "soldProductID", default, deserialize_with = "lenient::opt_string")]
    pub sold_product_id: Option<String>,
    /// `transactionID`.
    #[serde(rename = "transactionID", default, deserialize_with = "lenient::opt_string")]
    pub transaction_id: Option<String>,
    /// `notice`: set when a `referenceID` was sent a second time and nothing was created.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub notice: Option<String>,
    /// `externalRelationID`: observed in reality, not in the spec.
    #[serde(
        rename = "externalRelationID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub external_relation_id: Option<String>,
}

/// `postAdjustment.data`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostAdjustmentData {
    /// `adjustmentID`.
    #[serde(rename = "adjustmentID", default, deserialize_with = "lenient::opt_string")]
    pub adjustment_id: Option<String>,
}

/// `postPayment` response: `{success, paymentID, transactionID, message}` at the top level.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostPaymentResponse {
    /// `paymentID`.
    #[serde(rename = "paymentID", default, deserialize_with = "lenient::opt_string")]
    pub payment_id: Option<String>,
    /// `transactionID`.
    #[serde(rename = "transactionID", default, deserialize_with = "lenient::opt_string")]
    pub transaction_id: Option<String>,
}

/// One `getTransactions.data[]` item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// `transactionID`.
    #[serde(rename = "transactionID", default, deserialize_with = "lenient::opt_string")]
    pub transaction_id: Option<String>,
    /// `parentTransactionID`: set on taxes, fees and voids.
    #[serde(
        rename = "parentTransactionID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub parent_transaction_id: Option<String>,
    /// `reservationID`.
    #[serde(rename = "reservationID", default, deserialize_with = "lenient::opt_string")]
    pub reservation_id: Option<String>,
    /// `subReservationID`.
    #[serde(
        rename = "subReservationID",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub sub_reservation_id: Option<String>,
    /// `transactionDateTime`, property-local.
    #[serde(default, deserialize_with = "lenient::opt_local_datetime")]
    pub transaction_date_time: Option<NaiveDateTime>,
    /// `transactionDateTimeUTC`.
    #[serde(
        rename = "transactionDateTimeUTC",
        default,
        deserialize_with = "lenient::opt_local_datetime"
    )]
    pub transaction_date_time_utc: Option<NaiveDateTime>,
    /// `serviceDate`.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub service_date: Option<NaiveDate>,
    /// `amount`: "Consolidated amount on the transaction (Credit - Debit)".
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub amount: Option<Decimal>,
    /// `currency`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    /// `transactionType`: `debit|credit`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub transaction_type: Option<String>,
    /// `transactionCategory`: `adjustment|addon|custom_item|fee|payment|product|rate|room_revenue|refund|tax|void`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub transaction_category: Option<String>,
    /// `transactionCode`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub transaction_code: Option<String>,
    /// `description`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// `itemCategoryName`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub item_category_name: Option<String>,
    /// `quantity`.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub quantity: Option<Decimal>,
    /// `notes`: "If any special information needs to be added to the
    /// transaction, it will be in this field" (where our `itemNote` marker is expected).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub notes: Option<String>,
    /// `referenceID`: **not in the SDK model**; read in case Cloudbeds echoes the partner reference.
    #[serde(rename = "referenceID", default, deserialize_with = "lenient::opt_string")]
    pub reference_id: Option<String>,
    /// `soldProductID`: **not in the SDK model**; read in case Cloudbeds reports it.
    #[serde(rename = "soldProductID", default, deserialize_with = "lenient::opt_string")]
    pub sold_product_id: Option<String>,
    /// `isDeleted`: voided.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_deleted: Option<bool>,
}
