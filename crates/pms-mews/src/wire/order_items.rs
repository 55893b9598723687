//! Folio lines and charges: `orderItems/getAll`, `orderItems/cancel`, `orders/add`.
//! Sources: <https://docs.mews.com/connector-api/operations/orderitems>,
//! <https://docs.mews.com/connector-api/operations/orders>.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, AmountParameters, Limitation, TimeInterval, wire_enum};

/// Request of `orderItems/getAll`. At least one of the id or time filters
/// must be given.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllOrderItems {
    /// `EnterpriseIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `OrderItemIds`, max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_item_ids: Option<Vec<String>>,
    /// `AccountIds`, max 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// `ServiceOrderIds` (reservations or product service orders), max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_order_ids: Option<Vec<String>>,
    /// `ConsumedUtc`, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_utc: Option<TimeInterval>,
    /// `Limitation` (required).
    pub limitation: Option<Limitation>,
}

/// Response of `orderItems/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItemsPage {
    /// The order items.
    #[serde(default)]
    pub order_items: Vec<OrderItem>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Order item".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItem {
    /// `Id`.
    pub id: String,
    /// `AccountId`.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `ServiceId`.
    #[serde(default)]
    pub service_id: Option<String>,
    /// `ServiceOrderId`.
    #[serde(default)]
    pub service_order_id: Option<String>,
    /// `Notes`.
    #[serde(default)]
    pub notes: Option<String>,
    /// `BillId`.
    #[serde(default)]
    pub bill_id: Option<String>,
    /// `AccountingCategoryId`.
    #[serde(default)]
    pub accounting_category_id: Option<String>,
    /// `BillingName`.
    #[serde(default)]
    pub billing_name: Option<String>,
    /// `ExternalIdentifier`: where `orders/add` keeps our request id.
    #[serde(default)]
    pub external_identifier: Option<String>,
    /// `UnitCount`.
    pub unit_count: i64,
    /// `UnitAmount`.
    pub unit_amount: Amount,
    /// `Amount`: negative for rebates and payments.
    pub amount: Amount,
    /// `RevenueType`.
    #[serde(default)]
    pub revenue_type: Option<String>,
    /// `CreatedUtc`.
    pub created_utc: DateTime<Utc>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
    /// `ConsumedUtc`.
    #[serde(default)]
    pub consumed_utc: Option<DateTime<Utc>>,
    /// `CanceledUtc`.
    #[serde(default)]
    pub canceled_utc: Option<DateTime<Utc>>,
    /// `ClosedUtc`.
    #[serde(default)]
    pub closed_utc: Option<DateTime<Utc>>,
    /// `AccountingState`.
    pub accounting_state: AccountingState,
    /// `Type`.
    #[serde(rename = "Type")]
    pub item_type: OrderItemType,
}

wire_enum! {
    /// "Order item accounting state".
    AccountingState { Open, Closed, Inactive, Canceled }
}

wire_enum! {
    /// "Order item type".
    OrderItemType {
        CancellationFee, NightRebate, ProductOrderRebate, AdditionalExpenseRebate, Deposit,
        ExchangeRateDifference, CustomItem, ServiceCharge, CityTax, CityTaxDiscount, SpaceOrder,
        ProductOrder, Surcharge, TaxCorrection, ResourceUpgradeFee, InvoiceFee, MulticurrencyFee,
        AllowanceDiscount, AllowanceBreakage, AllowanceContraBreakage,
    }
}

/// Request of `orderItems/cancel` (restricted beta, max 10 ids).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelOrderItems {
    /// `EnterpriseId` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// `OrderItemIds`.
    pub order_item_ids: Vec<String>,
}

/// Request of `orders/add`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddOrder {
    /// `EnterpriseId` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// `ServiceId` (required): the service ordered from.
    pub service_id: String,
    /// `AccountId` (required): the customer or company charged.
    pub account_id: String,
    /// `Items`: custom items.
    pub items: Vec<OrderItemParameters>,
    /// `ConsumptionUtc`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::ser_opt_utc"
    )]
    pub consumption_utc: Option<DateTime<Utc>>,
    /// `Notes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `LinkedReservationId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked_reservation_id: Option<String>,
}

/// "Item parameters" of `orders/add`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItemParameters {
    /// `Name`.
    pub name: String,
    /// `UnitCount` (an integer).
    pub unit_count: i64,
    /// `UnitAmount`.
    pub unit_amount: AmountParameters,
    /// `AccountingCategoryId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounting_category_id: Option<String>,
    /// `ExternalIdentifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_identifier: Option<String>,
}

/// Response of `orders/add`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddOrderResult {
    /// `OrderId`: the product service order created.
    pub order_id: String,
}
