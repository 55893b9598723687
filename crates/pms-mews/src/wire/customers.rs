//! Customers (guest profiles): `customers/getAll`.
//! Source: <https://docs.mews.com/connector-api/operations/customers>.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Limitation, TimeInterval};

/// Request of `customers/getAll`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllCustomers {
    /// `ChainIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_ids: Option<Vec<String>>,
    /// `CustomerIds`, max 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_ids: Option<Vec<String>>,
    /// `UpdatedUtc`, max 3 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_utc: Option<TimeInterval>,
    /// `Extent` (required).
    pub extent: CustomerExtent,
    /// `Limitation` (required).
    pub limitation: Limitation,
}

/// "Customer extent".
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerExtent {
    /// `Customers`.
    pub customers: bool,
    /// `Addresses`.
    pub addresses: bool,
}

/// Response of `customers/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomersPage {
    /// The customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Customer". Personal data: never log a value of this type.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Customer {
    /// `Id`.
    pub id: String,
    /// `Number`.
    #[serde(default)]
    pub number: Option<String>,
    /// `Title` (`Mister`, `Miss`, `Misses`).
    #[serde(default)]
    pub title: Option<String>,
    /// `FirstName`.
    #[serde(default)]
    pub first_name: Option<String>,
    /// `LastName`.
    #[serde(default)]
    pub last_name: Option<String>,
    /// `SecondLastName`.
    #[serde(default)]
    pub second_last_name: Option<String>,
    /// `NationalityCode` (ISO 3166-1).
    #[serde(default)]
    pub nationality_code: Option<String>,
    /// `PreferredLanguageCode`.
    #[serde(default)]
    pub preferred_language_code: Option<String>,
    /// `LanguageCode`.
    #[serde(default)]
    pub language_code: Option<String>,
    /// `BirthDate` (`YYYY-MM-DD`, a plain date).
    #[serde(default)]
    pub birth_date: Option<String>,
    /// `Email`.
    #[serde(default)]
    pub email: Option<String>,
    /// `Phone`.
    #[serde(default)]
    pub phone: Option<String>,
    /// `LoyaltyCode`.
    #[serde(default)]
    pub loyalty_code: Option<String>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `UpdatedUtc`.
    #[serde(default)]
    pub updated_utc: Option<DateTime<Utc>>,
    /// `Address` (deprecated in favour of `AddressId`, still sent).
    #[serde(default)]
    pub address: Option<Address>,
    /// `IsActive`.
    #[serde(default)]
    pub is_active: Option<bool>,
}

impl std::fmt::Debug for Customer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// "Address" (`operations/configuration.md#address`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    /// `Line1`.
    #[serde(default)]
    pub line1: Option<String>,
    /// `Line2`.
    #[serde(default)]
    pub line2: Option<String>,
    /// `City`.
    #[serde(default)]
    pub city: Option<String>,
    /// `PostalCode`.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// `CountryCode`.
    #[serde(default)]
    pub country_code: Option<String>,
    /// `CountrySubdivisionCode`.
    #[serde(default)]
    pub country_subdivision_code: Option<String>,
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Address(<redacted>)")
    }
}
