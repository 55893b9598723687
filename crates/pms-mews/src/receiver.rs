//! Who a Mews webhook is for: one hotel's receiver, and the router of the
//! one URL Mews sends every enterprise of an integration client to.
//!
//! Mews allows "only one endpoint URL for General Webhooks and one endpoint
//! URL for Integration Webhooks … per integration client, i.e. per partner
//! application" (<https://docs.mews.com/connector-api/events/wh-faq>), so the
//! deliveries of every connected enterprise arrive at the same address.
//! General webhooks name their connection: "Use `EnterpriseId` and
//! `IntegrationId` to differentiate messages across multiple enterprises"
//! (<https://docs.mews.com/connector-api/events/wh-general>); Integration
//! webhooks carry neither at the top level, only `Data.Integration.Id`
//! (`IntegrationCreated` also `Data.Enterprise.Id`;
//! <https://docs.mews.com/connector-api/events/wh-integration>). An
//! Integration is "the unique connection between an Enterprise … and an API
//! client", so its id names one hotel's connection.
//!
//! [`MewsWebhookRouter`] picks the hotel of a delivery from those ids;
//! [`WebhookReceiver`] authenticates it with the hotel's URL token and
//! refuses a delivery whose enterprise (or integration) is not the hotel's,
//! on the shared URL and on a per-hotel URL alike.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use pms_core::{Error, HotelId};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::MewsError;
use crate::webhook::{MAX_WEBHOOK_BYTES, MewsWebhook, parse_webhook, verify_token};

/// Shortest URL token accepted (the same floor as the Cloudbeds receiver's):
/// the token is the only thing that authenticates a Mews webhook.
pub const MIN_WEBHOOK_TOKEN_CHARS: usize = 16;

/// One hotel's Mews webhook endpoint: its URL token, its enterprise and
/// (when known) the integration of its connection.
pub struct WebhookReceiver {
    hotel: HotelId,
    token: SecretString,
    enterprise_id: String,
    integration_id: Option<String>,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("hotel", &self.hotel)
            .field("token", &"<redacted>")
            .field("enterprise_id", &self.enterprise_id)
            .field("integration_id", &self.integration_id)
            .finish()
    }
}

impl WebhookReceiver {
    /// A receiver for `hotel`. A token shorter than
    /// [`MIN_WEBHOOK_TOKEN_CHARS`] or an empty enterprise id is refused.
    pub fn new(
        hotel: HotelId,
        token: &SecretString,
        enterprise_id: &str,
        integration_id: Option<&str>,
    ) -> Result<Self, MewsError> {
        if token.expose_secret().trim().chars().count() < MIN_WEBHOOK_TOKEN_CHARS {
            return Err(MewsError::WebhookSetup {
                reason: format!("the webhook token must have at least {MIN_WEBHOOK_TOKEN_CHARS} characters"),
            });
        }
        if enterprise_id.trim().is_empty() {
            return Err(MewsError::WebhookSetup {
                reason: "the enterprise id events are checked against is empty".into(),
            });
        }
        Ok(WebhookReceiver {
            hotel,
            token: token.clone(),
            enterprise_id: enterprise_id.trim().to_owned(),
            integration_id: integration_id
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_owned),
        })
    }

    /// Authenticates (the `Token` query parameter, in constant time), parses
    /// and checks that the delivery is this hotel's: a General webhook's
    /// `EnterpriseId` (and `IntegrationId`, when configured) must be the
    /// hotel's; an Integration webhook must name the hotel's integration (or,
    /// for `IntegrationCreated`, its enterprise). Anything else is refused
    /// (`Validation`), so a misrouted or replayed delivery changes nothing.
    pub fn accept(
        &self,
        query: Option<&str>,
        body: &[u8],
        received_at: DateTime<Utc>,
    ) -> Result<MewsWebhook, Error> {
        verify_token(query, &self.token)?;
        let parsed = parse_webhook(body, &self.hotel, received_at)?;
        let ours = match &parsed {
            MewsWebhook::General {
                enterprise_id,
                integration_id,
                ..
            } => {
                same(enterprise_id, &self.enterprise_id)
                    && self
                        .integration_id
                        .as_deref()
                        .is_none_or(|configured| same(integration_id, configured))
            }
            MewsWebhook::Integration(notice) => match (&self.integration_id, &notice.enterprise_id) {
                (Some(configured), _) => same(&notice.integration_id, configured),
                (None, Some(enterprise)) => same(enterprise, &self.enterprise_id),
                // Only the integration names it, and this hotel's is not configured.
                (None, None) => false,
            },
        };
        if ours {
            Ok(parsed)
        } else {
            Err(MewsError::WebhookForeign.into())
        }
    }
}

/// Mews ids are GUIDs, written in either case.
fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Picks the hotel of a delivery to the shared Mews webhook URL.
#[derive(Debug, Clone, Default)]
pub struct MewsWebhookRouter {
    by_enterprise: HashMap<String, (HotelId, Option<String>)>,
    by_integration: HashMap<String, HotelId>,
}

/// The routing ids of either webhook body; everything else is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingIds {
    #[serde(default)]
    enterprise_id: Option<String>,
    #[serde(default)]
    integration_id: Option<String>,
    #[serde(default)]
    data: Option<RoutingData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingData {
    #[serde(default)]
    integration: Option<RoutingId>,
    #[serde(default)]
    enterprise: Option<RoutingId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingId {
    id: String,
}

impl MewsWebhookRouter {
    /// An empty router.
    pub fn new() -> Self {
        MewsWebhookRouter::default()
    }

    /// Adds a hotel by its enterprise (and the integration of its
    /// connection, when known). An enterprise or integration already routed
    /// to another hotel is refused: one delivery must name one hotel.
    pub fn add(
        &mut self,
        hotel: HotelId,
        enterprise_id: &str,
        integration_id: Option<&str>,
    ) -> Result<(), MewsError> {
        let enterprise = enterprise_id.trim().to_ascii_lowercase();
        let integration = integration_id
            .map(|i| i.trim().to_ascii_lowercase())
            .filter(|i| !i.is_empty());
        if enterprise.is_empty() {
            return Err(MewsError::WebhookSetup {
                reason: format!("hotel {hotel} has no enterprise id to route by"),
            });
        }
        if let Some((other, _)) = self.by_enterprise.get(&enterprise) {
            return Err(MewsError::WebhookSetup {
                reason: format!("hotels {other} and {hotel} have the same enterprise id"),
            });
        }
        if let Some(integration) = &integration {
            if let Some(other) = self.by_integration.get(integration) {
                return Err(MewsError::WebhookSetup {
                    reason: format!("hotels {other} and {hotel} have the same integration id"),
                });
            }
            self.by_integration.insert(integration.clone(), hotel.clone());
        }
        self.by_enterprise.insert(enterprise, (hotel, integration));
        Ok(())
    }

    /// The number of hotels routed.
    pub fn len(&self) -> usize {
        self.by_enterprise.len()
    }

    /// Whether no hotel is routed.
    pub fn is_empty(&self) -> bool {
        self.by_enterprise.is_empty()
    }

    /// The hotel `body` is for: a General webhook's by `EnterpriseId` (whose
    /// `IntegrationId` must be the hotel's integration when one is
    /// configured), an Integration webhook's by `Data.Integration.Id`, or by
    /// `Data.Enterprise.Id` (`IntegrationCreated`). `Ok(None)` when it names
    /// no routed hotel: the caller refuses it. A body that is not JSON, or
    /// names no id at all, is a `Decode` error.
    pub fn route(&self, body: &[u8]) -> Result<Option<HotelId>, Error> {
        if body.len() > MAX_WEBHOOK_BYTES {
            return Err(MewsError::WebhookTooLarge {
                limit: MAX_WEBHOOK_BYTES,
            }
            .into());
        }
        let ids: RoutingIds = serde_json::from_slice(body).map_err(|_| MewsError::WebhookUnrecognized {
            reason: "not a General or Integration webhook body".into(),
        })?;
        if let Some(enterprise) = &ids.enterprise_id {
            let Some((hotel, integration)) = self.by_enterprise.get(&enterprise.trim().to_ascii_lowercase())
            else {
                return Ok(None);
            };
            let integration_matches = match (integration, &ids.integration_id) {
                (Some(configured), Some(sent)) => same(configured, sent),
                (Some(_), None) => false,
                (None, _) => true,
            };
            return Ok(integration_matches.then(|| hotel.clone()));
        }
        let data = ids.data.ok_or_else(|| MewsError::WebhookUnrecognized {
            reason: "names neither `EnterpriseId` nor `Data.Integration`".into(),
        })?;
        if let Some(integration) = &data.integration
            && let Some(hotel) = self
                .by_integration
                .get(&integration.id.trim().to_ascii_lowercase())
        {
            return Ok(Some(hotel.clone()));
        }
        Ok(data.enterprise.and_then(|enterprise| {
            self.by_enterprise
                .get(&enterprise.id.trim().to_ascii_lowercase())
                .map(|(hotel, _)| hotel.clone())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERAL: &[u8] = include_bytes!("../../../fixtures/mews/webhook_general.request.json");
    const INTEGRATION: &[u8] = include_bytes!("../../../fixtures/mews/webhook_integration.request.json");
    // The ids of the docs' examples (fixtures/mews/README.md).
    const ENTERPRISE: &str = "851df8c8-90f2-4c4a-8e01-a4fc46b25178";
    const INTEGRATION_ID: &str = "c8bee838-7fb1-4f4e-8fac-ac87008b2f90";
    const TOKEN: &str = "a-long-webhook-token-4b1d";

    fn hotel(id: &str) -> HotelId {
        HotelId::new(id).unwrap()
    }

    fn receiver(enterprise: &str, integration: Option<&str>) -> WebhookReceiver {
        WebhookReceiver::new(
            hotel("grand"),
            &SecretString::from(TOKEN.to_owned()),
            enterprise,
            integration,
        )
        .unwrap()
    }

    #[test]
    fn short_tokens_and_missing_enterprises_are_refused() {
        let new = |token: &str, enterprise: &str| {
            WebhookReceiver::new(
                hotel("grand"),
                &SecretString::from(token.to_owned()),
                enterprise,
                None,
            )
        };
        for token in ["x", "fifteen-chars!!", "                 "] {
            let err = new(token, ENTERPRISE).unwrap_err();
            assert!(err.to_string().contains("at least 16"), "{err}");
        }
        assert!(new(TOKEN, " ").is_err());
        assert!(new("sixteen-chars!!!", ENTERPRISE).is_ok());
    }

    #[test]
    fn events_of_another_enterprise_are_refused() {
        let now = Utc::now();
        let query = Some("Token=a-long-webhook-token-4b1d");
        assert_eq!(
            receiver(ENTERPRISE, Some(INTEGRATION_ID))
                .accept(query, GENERAL, now)
                .unwrap()
                .events()
                .len(),
            5
        );
        // Upper case GUIDs are the same ids.
        assert!(
            receiver(&ENTERPRISE.to_uppercase(), None)
                .accept(query, GENERAL, now)
                .is_ok()
        );
        for (enterprise, integration) in [
            ("3fa85f64-5717-4562-b3fc-2c963f66afa6", None),
            (ENTERPRISE, Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")),
        ] {
            let err = receiver(enterprise, integration)
                .accept(query, GENERAL, now)
                .unwrap_err();
            assert_eq!(err.kind(), pms_core::ErrorKind::Validation, "{err}");
        }
        // The token is checked first.
        let err = receiver(ENTERPRISE, None)
            .accept(Some("Token=wrong"), GENERAL, now)
            .unwrap_err();
        assert_eq!(err.kind(), pms_core::ErrorKind::Auth);
    }

    #[test]
    fn integration_webhooks_must_name_the_hotels_connection() {
        let now = Utc::now();
        let query = Some("Token=a-long-webhook-token-4b1d");
        // IntegrationCreated names its enterprise.
        assert!(
            receiver("8865aa96-f62d-4f9b-a912-ab2100f60f42", None)
                .accept(query, INTEGRATION, now)
                .is_ok()
        );
        assert!(
            receiver(ENTERPRISE, None)
                .accept(query, INTEGRATION, now)
                .is_err()
        );
        assert!(
            receiver(ENTERPRISE, Some("9e5e84e9-974d-4f16-9662-ab2200f27cb1"))
                .accept(query, INTEGRATION, now)
                .is_ok()
        );
        // An action that names only the integration, with none configured.
        let enabled = br#"{"Action":"IntegrationEnabled","Data":{"Integration":{"Id":"9e5e84e9-974d-4f16-9662-ab2200f27cb1","Name":"WebhookTEST"}}}"#;
        assert!(
            receiver("8865aa96-f62d-4f9b-a912-ab2100f60f42", None)
                .accept(query, enabled, now)
                .is_err()
        );
    }

    #[test]
    fn the_shared_url_routes_by_enterprise_and_integration() {
        let mut router = MewsWebhookRouter::new();
        router
            .add(hotel("grand"), ENTERPRISE, Some(INTEGRATION_ID))
            .unwrap();
        router
            .add(hotel("chain_one"), "8865aa96-f62d-4f9b-a912-ab2100f60f42", None)
            .unwrap();
        router
            .add(
                hotel("harbor"),
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                Some("9e5e84e9-974d-4f16-9662-ab2200f27cb1"),
            )
            .unwrap();
        assert_eq!(router.len(), 3);
        assert_eq!(router.route(GENERAL).unwrap(), Some(hotel("grand")));
        // By Data.Integration.Id first, then Data.Enterprise.Id.
        assert_eq!(router.route(INTEGRATION).unwrap(), Some(hotel("harbor")));
        let created_elsewhere = String::from_utf8(INTEGRATION.to_vec()).unwrap().replace(
            "9e5e84e9-974d-4f16-9662-ab2200f27cb1",
            "00000000-0000-0000-0000-000000000001",
        );
        assert_eq!(
            router.route(created_elsewhere.as_bytes()).unwrap(),
            Some(hotel("chain_one"))
        );
        // An unknown enterprise, or a known one under another integration: nobody's.
        let unknown = String::from_utf8(GENERAL.to_vec())
            .unwrap()
            .replace(ENTERPRISE, "00000000-0000-0000-0000-000000000002");
        assert_eq!(router.route(unknown.as_bytes()).unwrap(), None);
        let other_integration = String::from_utf8(GENERAL.to_vec())
            .unwrap()
            .replace(INTEGRATION_ID, "00000000-0000-0000-0000-000000000003");
        assert_eq!(router.route(other_integration.as_bytes()).unwrap(), None);
        // Not a webhook body: a typed error.
        for bad in [&b"{"[..], br#"{"Hello":1}"#, br#"[1]"#] {
            assert_eq!(router.route(bad).unwrap_err().kind(), pms_core::ErrorKind::Decode);
        }
        // One enterprise or integration, one hotel.
        assert!(
            router
                .add(hotel("twin"), &ENTERPRISE.to_uppercase(), None)
                .is_err()
        );
        assert!(
            router
                .add(
                    hotel("twin"),
                    "00000000-0000-0000-0000-000000000004",
                    Some(INTEGRATION_ID)
                )
                .is_err()
        );
    }
}
