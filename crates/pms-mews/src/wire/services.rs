//! Services: `services/getAll`.
//! Source: <https://docs.mews.com/connector-api/operations/services>.

use serde::{Deserialize, Serialize};

use super::{Limitation, wire_enum};

/// Request of `services/getAll`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAllServices {
    /// `EnterpriseIds` (portfolio tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_ids: Option<Vec<String>>,
    /// `Limitation` (required).
    pub limitation: Limitation,
}

/// Response of `services/getAll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServicesPage {
    /// The services.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Oldest item of this page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// "Service" (the fields this crate uses).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Service {
    /// `Id`.
    pub id: String,
    /// `Name` (deprecated in favour of `Names`, still sent).
    #[serde(default)]
    pub name: Option<String>,
    /// `IsActive`.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// `Data`: `Bookable` services hold reservations, `Additional` ones
    /// take `orders/add` (the `ServiceId` for posting charges).
    #[serde(default)]
    pub data: Option<ServiceData>,
    /// `ExternalIdentifier`.
    #[serde(default)]
    pub external_identifier: Option<String>,
}

/// "Service data".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceData {
    /// `Discriminator`.
    pub discriminator: ServiceDataDiscriminator,
    /// `Value`, shaped by the discriminator.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

wire_enum! {
    /// "Service data discriminator".
    ServiceDataDiscriminator { Bookable, Additional }
}
