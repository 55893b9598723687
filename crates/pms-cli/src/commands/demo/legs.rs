//! The vendor "legs" of the demo: one simulated hotel per vendor. Adding a
//! vendor is one constructor here plus its entry in [`legs`].

use std::collections::HashMap;
use std::sync::Arc;

use pms_core::secrecy::SecretString;
use pms_core::{Config, HotelConfig, HotelId, PmsKind};
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, OperaSim, SimHandle, SimOptions, Vendor};
use pms_sync::{FnWebhookSource, WebhookRequest, WebhookSource};

/// One simulated hotel and how to talk to it.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    /// The simulator front.
    pub vendor: Vendor,
    /// The hotel id in the demo's configuration.
    pub hotel: &'static str,
    /// Seed of the generated hotel.
    pub seed: u64,
    /// Whether the vendor sends webhooks.
    pub webhooks: bool,
    /// Transaction code to post charges with (OPERA wants one).
    pub transaction_code: Option<&'static str>,
}

/// Every vendor the demo runs, in order.
pub fn legs() -> Vec<Leg> {
    vec![mews(), cloudbeds(), opera()]
}

fn mews() -> Leg {
    Leg {
        vendor: Vendor::Mews,
        hotel: "grand",
        seed: 7,
        webhooks: true,
        transaction_code: None,
    }
}

fn cloudbeds() -> Leg {
    Leg {
        vendor: Vendor::Cloudbeds,
        hotel: "harbor",
        seed: 8,
        webhooks: true,
        transaction_code: None,
    }
}

fn opera() -> Leg {
    Leg {
        vendor: Vendor::Opera,
        hotel: "opal",
        seed: 9,
        // OWS has no webhooks: polling and reconciliation only.
        webhooks: false,
        transaction_code: Some("2000"),
    }
}

impl Leg {
    /// Starts this leg's simulator with a generated hotel.
    pub async fn start(&self, spec: HotelSpec) -> Result<SimHandle, String> {
        let options = SimOptions::with_hotel(HotelSpec {
            seed: self.seed,
            ..spec
        });
        SimHandle::start(self.vendor, options)
            .await
            .map_err(|e| format!("{} simulator: {e}", self.vendor))
    }

    /// The hotel's configuration, built from the same `PMS_HOTEL_<ID>_*`
    /// variables a real deployment sets (see `.env.example`).
    pub fn config(&self, sim: &SimHandle) -> Result<HotelConfig, String> {
        let p = format!("PMS_HOTEL_{}_", self.hotel.to_ascii_uppercase());
        let mut vars: HashMap<String, String> = HashMap::new();
        let mut set = |k: &str, v: String| {
            vars.insert(format!("{p}{k}"), v);
        };
        set("TIME_ZONE", pms_sim::TIME_ZONE.name().to_owned());
        set("CURRENCY", "EUR".to_owned());
        set(
            "FEATURES",
            "webhooks,polling,reconcile,charges,digital_keys,card_holds".to_owned(),
        );
        match self.vendor {
            Vendor::Mews => {
                let restaurant = sim.state().with_hotel(|h| {
                    h.services
                        .iter()
                        .find(|s| s.name.starts_with("Restaurant"))
                        .map(|s| s.id.to_string())
                });
                set("PMS", "mews".into());
                set("BASE_URL", sim.base_url());
                set("MEWS_CLIENT_TOKEN", sim.client_token().to_owned());
                set("MEWS_ACCESS_TOKEN", sim.access_token().to_owned());
                set("MEWS_CLIENT_NAME", "pms demo 0.1".into());
                set(
                    "MEWS_CHARGE_SERVICE_ID",
                    restaurant.ok_or("the Mews simulator has no restaurant service")?,
                );
                set("MEWS_TAX_CODES", "DE-2020-1-S".into());
            }
            Vendor::Cloudbeds => {
                set("PMS", "cloudbeds".into());
                set("BASE_URL", CloudbedsSim::api_url(sim));
                set(
                    "CLOUDBEDS_PROPERTY_ID",
                    sim.state().with_hotel(CloudbedsIds::property_id),
                );
                set("CLOUDBEDS_API_KEY", sim.access_token().to_owned());
            }
            Vendor::Opera => {
                set("PMS", "opera".into());
                set("BASE_URL", format!("{}/OWS_WS_51", sim.base_url()));
                set("OPERA_DEPLOYMENT", "on_premise".into());
                set("OPERA_HOTEL_CODE", OperaSim::HOTEL_CODE.into());
                set("OPERA_USERNAME", OperaSim::USER_NAME.into());
                set("OPERA_PASSWORD", sim.access_token().to_owned());
                set("OPERA_ORIGIN_ENTITY_ID", "KIOSK".into());
                set("OPERA_ORIGIN_SYSTEM_TYPE", "WEB".into());
                set("OPERA_DESTINATION_ENTITY_ID", "TI".into());
                set("OPERA_DESTINATION_SYSTEM_TYPE", "PMS".into());
            }
        }
        vars.insert("PMS_HOTELS".into(), self.hotel.to_owned());
        let mut config = Config::from_lookup(|name| Ok(vars.get(name).cloned()))
            .map_err(|e| format!("{} configuration: {e}", self.hotel))?;
        config
            .hotels
            .pop()
            .ok_or_else(|| format!("{}: no hotel configured", self.hotel))
    }

    /// The vendor's id of a simulator reservation.
    pub fn reservation_id(
        &self,
        hotel: &pms_sim::Hotel,
        reservation: &pms_sim::Reservation,
    ) -> Option<String> {
        match self.vendor {
            Vendor::Mews => Some(reservation.id.to_string()),
            Vendor::Cloudbeds => Some(CloudbedsIds::reservation_id(reservation)),
            Vendor::Opera => OperaSim::resv_name_id(hotel, reservation.id),
        }
    }

    /// The receiver-side webhook source for this hotel, if the vendor sends webhooks.
    pub fn webhook_source(
        &self,
        config: &HotelConfig,
        token: &SecretString,
    ) -> Result<Option<Arc<dyn WebhookSource>>, String> {
        if !self.webhooks {
            return Ok(None);
        }
        let id: HotelId = config.id.clone();
        let token = token.clone();
        Ok(Some(match &config.pms {
            pms_core::PmsSettings::Mews(_) => Arc::new(FnWebhookSource::new(
                PmsKind::Mews,
                move |req: &WebhookRequest, at| {
                    pms_mews::verify_token(req.query.as_deref(), &token)?;
                    Ok(pms_mews::parse_webhook(&req.body, &id, at)?.events().to_vec())
                },
            )),
            pms_core::PmsSettings::Cloudbeds(settings) => {
                let verifier = pms_cloudbeds::WebhookVerifier::new(&token).map_err(|e| e.to_string())?;
                let property = settings.property_id.clone();
                Arc::new(FnWebhookSource::new(
                    PmsKind::Cloudbeds,
                    move |req: &WebhookRequest, at| {
                        // The auth header of our subscriptions, else the URL
                        // token of subscriptions made before it existed.
                        let presented =
                            pms_cloudbeds::Presented::from_request(&req.headers, req.query.as_deref());
                        let delivery = pms_cloudbeds::authenticate_delivery(
                            &verifier, &presented, &req.body, &property, &id, at,
                        )
                        .map_err(pms_core::Error::from)?;
                        Ok(delivery.events)
                    },
                ))
            }
            pms_core::PmsSettings::Opera(_) => return Ok(None),
        }))
    }
}
