//! [`Connection`]: everything a client needs to talk to a running simulator,
//! as labelled lines and as `PMS_HOTEL_<ID>_*` lines for `.env`. `pms sim`
//! prints both before it serves.
//!
//! The variable names are those `pms_core::Config` reads (`.env.example`);
//! the values are the simulator's own credentials, so the printed block
//! configures a working hotel as it stands.

use std::fmt;

use crate::cloudbeds::CloudbedsIds;
use crate::server::{SimHandle, Vendor};
use crate::{TIME_ZONE, cloudbeds, opera};

/// The `x-app-key` printed for the OHIP front, which accepts any UUID v4
/// (`oauth.json`'s pattern).
pub const OHIP_APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The Mews tax rate code printed for charges (the seeded 19 % rate).
const MEWS_TAX_CODE: &str = "DE-2020-1-S";

/// What a client needs: labelled values and the `.env` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `label: value` lines, in print order.
    pub details: Vec<(String, String)>,
    /// `.env` lines, in print order.
    pub env: Vec<EnvLine>,
}

/// One `.env` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvLine {
    /// `NAME=value`.
    Var(String, String),
    /// `# NAME=value`: an alternative that must not be set together with an
    /// active line (Cloudbeds OAuth beside the API key).
    Alternative(String, String),
    /// `# text`.
    Comment(String),
}

impl EnvLine {
    /// The name and value of an active line.
    pub fn var(&self) -> Option<(&str, &str)> {
        match self {
            EnvLine::Var(name, value) => Some((name, value)),
            _ => None,
        }
    }
}

impl fmt::Display for EnvLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvLine::Var(name, value) => write!(f, "{name}={}", quoted(value)),
            EnvLine::Alternative(name, value) => write!(f, "# {name}={}", quoted(value)),
            EnvLine::Comment(text) => write!(f, "# {text}"),
        }
    }
}

/// A value as a `.env` parser reads it back: quoted when it holds a space
/// or a character dotenv treats specially.
fn quoted(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '#' | '"' | '\'' | '$' | '\\'))
    {
        format!("'{value}'")
    } else {
        value.to_owned()
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (label, value) in &self.details {
            writeln!(f, "{label}: {value}")?;
        }
        writeln!(f)?;
        for line in &self.env {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Builds `.env` lines for one hotel.
struct Env {
    prefix: String,
    lines: Vec<EnvLine>,
}

impl Env {
    fn new(hotel: &str) -> Self {
        Env {
            prefix: format!("PMS_HOTEL_{}_", hotel.to_ascii_uppercase()),
            lines: Vec::new(),
        }
    }

    fn var(&mut self, name: &str, value: impl Into<String>) {
        self.lines
            .push(EnvLine::Var(format!("{}{name}", self.prefix), value.into()));
    }

    fn alternative(&mut self, name: &str, value: impl Into<String>) {
        self.lines.push(EnvLine::Alternative(
            format!("{}{name}", self.prefix),
            value.into(),
        ));
    }

    fn comment(&mut self, text: impl Into<String>) {
        self.lines.push(EnvLine::Comment(text.into()));
    }
}

impl SimHandle {
    /// The credentials and URLs a client needs, with `.env` lines for a
    /// hotel with id `hotel` (a-z, 0-9, `_`).
    pub fn connection(&self, hotel: &str) -> Connection {
        let base = self.base_url();
        let mut details = vec![("Base URL".to_owned(), base.clone())];
        let mut detail = |label: &str, value: String| details.push((label.to_owned(), value));
        let mut env = Env::new(hotel);
        env.comment(format!(
            "pms-sim {} as hotel `{hotel}`: paste into .env (with several simulators, list every id in PMS_HOTELS once)",
            self.vendor()
        ));
        env.lines
            .push(EnvLine::Var("PMS_HOTELS".to_owned(), hotel.to_owned()));
        env.var("PMS", self.vendor().to_string());
        let currency = self.state().with_hotel(|h| h.property.currency.clone());
        env.var("TIME_ZONE", TIME_ZONE.name());
        env.var("CURRENCY", currency);
        // Stable per seed, so a receiver configured once keeps working.
        let webhook_token = format!("simwh{}", self.integration_id().simple());
        let register = |receiver_path: &str| {
            format!(
                "register pms serve as the receiver: curl -sX POST {base}/_sim/webhook -H 'content-type: application/json' -d '{{\"url\": \"http://127.0.0.1:8080/webhooks/{receiver_path}\", \"token\": \"{webhook_token}\"}}'"
            )
        };
        match self.vendor() {
            Vendor::Mews => {
                let (enterprise, restaurant) = self.state().with_hotel(|h| {
                    let restaurant = h
                        .services
                        .iter()
                        .find(|s| s.name.starts_with("Restaurant"))
                        .map(|s| s.id.to_string());
                    (h.property.id.to_string(), restaurant)
                });
                detail("Connector API", format!("{base}/api/connector/v1/"));
                detail("ClientToken", self.client_token().to_owned());
                for token in &self.credentials().access_tokens {
                    detail("AccessToken", token.clone());
                }
                detail("EnterpriseId", enterprise.clone());
                detail("IntegrationId", self.integration_id().to_string());
                if let Some(service) = &restaurant {
                    detail("Charge service (Restaurant & Bar)", service.clone());
                }
                detail("Webhook token", webhook_token.clone());
                env.var("BASE_URL", base.clone());
                env.var("FEATURES", "webhooks,polling,reconcile,charges");
                env.var("WEBHOOK_TOKEN", webhook_token.clone());
                env.var("MEWS_CLIENT_TOKEN", self.client_token());
                env.var("MEWS_ACCESS_TOKEN", self.access_token());
                env.var("MEWS_CLIENT_NAME", "pms-sim client 0.1");
                env.comment("only with a portfolio access token:");
                env.alternative("MEWS_ENTERPRISE_ID", enterprise);
                if let Some(service) = restaurant {
                    env.var("MEWS_CHARGE_SERVICE_ID", service);
                    env.var("MEWS_TAX_CODES", MEWS_TAX_CODE);
                }
                env.comment(register(hotel));
            }
            Vendor::Cloudbeds => {
                let api = format!("{base}/api/v1.3");
                let property = self.state().with_hotel(CloudbedsIds::property_id);
                detail("API base URL", api.clone());
                detail("propertyID", property.clone());
                for key in &self.credentials().access_tokens {
                    detail("API key (x-api-key or Bearer)", key.clone());
                }
                detail("OAuth token URL", format!("{api}/access_token"));
                detail("OAuth client_id", cloudbeds::CLIENT_ID.to_owned());
                detail("OAuth client_secret", self.client_token().to_owned());
                detail("OAuth refresh_token", cloudbeds::REFRESH_TOKEN.to_owned());
                detail("Webhook token", webhook_token.clone());
                env.var("BASE_URL", format!("{api}/"));
                env.var("FEATURES", "webhooks,polling,reconcile,charges");
                env.var("WEBHOOK_TOKEN", webhook_token.clone());
                env.var("CLOUDBEDS_PROPERTY_ID", property);
                env.var("CLOUDBEDS_API_KEY", self.access_token());
                env.comment("or OAuth instead of the API key (not both):");
                env.alternative("CLOUDBEDS_CLIENT_ID", cloudbeds::CLIENT_ID);
                env.alternative("CLOUDBEDS_CLIENT_SECRET", self.client_token());
                env.alternative("CLOUDBEDS_REFRESH_TOKEN", cloudbeds::REFRESH_TOKEN);
                env.comment(register(hotel));
            }
            Vendor::Opera => {
                let ows = format!("{base}/OWS_WS_51");
                detail(
                    "OWS base URL",
                    format!(
                        "{ows} (on premise: {ows}/{{Service}}.asmx; OPERA Cloud: {ows}/{{Service}} with WS-Security)"
                    ),
                );
                detail("Hotel code", opera::HOTEL_CODE.to_owned());
                detail("User name", opera::USER_NAME.to_owned());
                for password in &self.credentials().access_tokens {
                    detail("Password", password.clone());
                }
                detail("OHIP gateway URL", base.clone());
                detail("OHIP hotelId", opera::HOTEL_CODE.to_owned());
                detail("OHIP client id", opera::OHIP_CLIENT_ID.to_owned());
                detail("OHIP client secret", "any of the passwords above".to_owned());
                detail("OHIP user (password grant)", opera::USER_NAME.to_owned());
                detail("OHIP x-app-key", format!("any UUID v4, e.g. {OHIP_APP_KEY}"));
                detail("Webhooks", "none (OWS has no webhooks)".to_owned());
                env.var("BASE_URL", ows);
                env.var("FEATURES", "polling,reconcile,charges");
                env.var("OPERA_DEPLOYMENT", "on_premise");
                env.var("OPERA_HOTEL_CODE", opera::HOTEL_CODE);
                env.var("OPERA_USERNAME", opera::USER_NAME);
                env.var("OPERA_PASSWORD", self.access_token());
                env.var("OPERA_ORIGIN_ENTITY_ID", "KIOSK");
                env.var("OPERA_ORIGIN_SYSTEM_TYPE", "WEB");
                env.var("OPERA_DESTINATION_ENTITY_ID", "TI");
                env.var("OPERA_DESTINATION_SYSTEM_TYPE", "PMS");
                env.comment("OHIP cashiering on the same simulator (charges read back by reference):");
                env.var("OPERA_OHIP_URL", base.clone());
                env.var("OPERA_OHIP_APP_KEY", OHIP_APP_KEY);
                env.var("OPERA_OHIP_CLIENT_ID", opera::OHIP_CLIENT_ID);
                env.var("OPERA_OHIP_CLIENT_SECRET", self.access_token());
                env.var("OPERA_OHIP_USERNAME", opera::USER_NAME);
                env.var("OPERA_OHIP_PASSWORD", self.access_token());
            }
        }
        Connection {
            details,
            env: env.lines,
        }
    }
}
