//! Webhook subscriptions: `POST /postWebhook` (`data.subscriptionID`) and
//! `GET /getWebhooks` items, per `src/pms-v1.3-openapi.yaml`. Webhook
//! *bodies* are parsed case-insensitively in `crate::webhook`, not here.

use serde::Deserialize;

use super::lenient;

/// `postWebhook.data`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostWebhookData {
    /// `subscriptionID`.
    #[serde(rename = "subscriptionID", default, deserialize_with = "lenient::opt_string")]
    pub subscription_id: Option<String>,
}

/// `getWebhooks.data[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscription {
    /// `id`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `event: {entity, action}`.
    #[serde(default)]
    pub event: Option<WebhookEventName>,
    /// `subscriptionData: {endpoint}` (one write-up shows `url`; both accepted).
    #[serde(default)]
    pub subscription_data: Option<SubscriptionData>,
    /// `authHeader: {name}`: "Present only when the subscription was
    /// registered with an auth header" (SDK 1.19.0,
    /// `GetWebhooksResponseDataInnerAuthHeader`; the value is never returned).
    #[serde(default)]
    pub auth_header: Option<AuthHeaderName>,
}

/// `getWebhooks.data[].authHeader`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthHeaderName {
    /// `name`: "Header name. The value is never returned."
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

/// `getWebhooks.data[].event`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WebhookEventName {
    /// `entity` (`reservation`, `guest`, ...).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity: Option<String>,
    /// `action` (`created`, `status_changed`, ...).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub action: Option<String>,
}

/// `getWebhooks.data[].subscriptionData`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionData {
    /// `endpoint` (or `url`).
    #[serde(default, alias = "url", deserialize_with = "lenient::opt_string")]
    pub endpoint: Option<String>,
}
