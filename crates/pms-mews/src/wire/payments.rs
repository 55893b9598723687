//! Payments: `payments/getAll`.
//! Source: <https://docs.mews.com/connector-api/operations/payments>.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, Limitation, wire_enum};

/// Request of `payments/getAll`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllPayments {
    /// `EnterpriseIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `ReservationIds`, max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_ids: Option<Vec<String>>,
    /// `Limitation` (required).
    pub limitation: Option<Limitation>,
}

/// Response of `payments/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentsPage {
    /// The payments.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Payment".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    /// `Id`.
    pub id: String,
    /// `AccountId`.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `BillId`.
    #[serde(default)]
    pub bill_id: Option<String>,
    /// `ReservationId`.
    #[serde(default)]
    pub reservation_id: Option<String>,
    /// `Amount`: negative for a payment, as on the bill.
    pub amount: Amount,
    /// `ChargedUtc`.
    #[serde(default)]
    pub charged_utc: Option<DateTime<Utc>>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `State`.
    pub state: PaymentState,
    /// `Type`.
    #[serde(rename = "Type")]
    pub payment_type: PaymentType,
    /// `Kind`.
    #[serde(default)]
    pub kind: Option<String>,
}

wire_enum! {
    /// "Payment state".
    PaymentState { Charged, Canceled, Pending, Failed, Verifying }
}

wire_enum! {
    /// "Payment type".
    PaymentType {
        Payment, CreditCardPayment, AlternativePayment, CashPayment, InvoicePayment, ExternalPayment,
        GhostPayment, TaxDeductedPayment,
    }
}
