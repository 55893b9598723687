//! Webhook bodies. General webhooks:
//! <https://docs.mews.com/connector-api/events/wh-general>; integration webhooks:
//! <https://docs.mews.com/connector-api/events/wh-integration>.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Deserialize;

use super::wire_enum;

/// A General webhook: `{EnterpriseId, IntegrationId, Events: [...]}`. A
/// deprecated `Entities` block may still appear and is ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeneralWebhook {
    /// `EnterpriseId`.
    pub enterprise_id: String,
    /// `IntegrationId`.
    pub integration_id: String,
    /// `Events`.
    pub events: Vec<WebhookEvent>,
}

/// One event: `{Discriminator, Value: {Id}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookEvent {
    /// `Discriminator`.
    pub discriminator: EventDiscriminator,
    /// `Value` ("Entity updated data").
    pub value: EntityUpdatedData,
}

/// "Entity updated data".
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EntityUpdatedData {
    /// `Id` of the entity to fetch.
    pub id: String,
}

wire_enum! {
    /// "Event discriminator".
    EventDiscriminator {
        ServiceOrderUpdated, ResourceUpdated, MessageAdded, ResourceBlockUpdated, CustomerAdded,
        CustomerUpdated, PaymentUpdated,
    }
}

/// An Integration webhook: `{Action, Data}`, one event per POST.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntegrationWebhook {
    /// `Action`.
    pub action: IntegrationAction,
    /// `Data`; its shape depends on `Action`.
    pub data: IntegrationData,
}

wire_enum! {
    /// "Webhook action".
    IntegrationAction {
        IntegrationCreated, IntegrationEnabled, IntegrationDisabled, IntegrationCanceled,
        IntegrationReinstated, IntegrationDeleted, IntegrationApiKeyCreated,
    }
}

/// The union of every documented `Data` shape. Tokens stay secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntegrationData {
    /// `Integration` (present for every action).
    pub integration: NamedEntity,
    /// `Enterprise` (`IntegrationCreated`).
    #[serde(default)]
    pub enterprise: Option<NamedEntity>,
    /// `Service` (`IntegrationCreated`).
    #[serde(default)]
    pub service: Option<NamedEntity>,
    /// `AccessToken` (`IntegrationCreated`): the new connection's token.
    #[serde(default)]
    pub access_token: Option<SecretString>,
    /// `ApiKey` (`IntegrationApiKeyCreated`): the regenerated AccessToken.
    #[serde(default)]
    pub api_key: Option<SecretString>,
    /// `CreatedUtc`.
    #[serde(default)]
    pub created_utc: Option<DateTime<Utc>>,
    /// `DeletedUtc`.
    #[serde(default)]
    pub deleted_utc: Option<DateTime<Utc>>,
    /// `IsEnabled`.
    #[serde(default)]
    pub is_enabled: Option<bool>,
}

/// `{Id, Name}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NamedEntity {
    /// `Id`.
    pub id: String,
    /// `Name`.
    #[serde(default)]
    pub name: Option<String>,
}
