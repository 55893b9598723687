//! Hotel configuration from environment variables (and `.env`).
//!
//! ```text
//! PMS_HOTELS=grand,harbor                       # hotel ids, comma-separated
//! PMS_HOTEL_GRAND_PMS=mews                      # opera | mews | cloudbeds
//! PMS_HOTEL_GRAND_BASE_URL=https://api.mews-demo.com
//! PMS_HOTEL_GRAND_TIME_ZONE=Europe/London       # IANA name
//! PMS_HOTEL_GRAND_CURRENCY=GBP                  # ISO 4217
//! PMS_HOTEL_GRAND_FEATURES=webhooks,polling     # optional, default none
//! PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN=...         # vendor-specific, see .env.example
//! ```
//!
//! Every error names the variable at fault and never prints a value, so a
//! misplaced secret cannot end up in a log through a config error.

use std::collections::BTreeSet;
use std::fmt;

use chrono_tz::Tz;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Currency, Error, HotelId, PmsKind};

mod dotenv;
mod ohip;
pub use dotenv::{DOTENV_FILE, check_dotenv, load_dotenv};
pub use ohip::{OhipGrant, OhipSettings};

/// Every configured hotel.
#[derive(Debug, Clone)]
pub struct Config {
    /// The hotels, in the order of `PMS_HOTELS`.
    pub hotels: Vec<HotelConfig>,
}

/// One hotel's connection to its PMS.
#[derive(Debug, Clone)]
pub struct HotelConfig {
    /// The hotel's id (from `PMS_HOTELS`).
    pub id: HotelId,
    /// The vendor API's base URL (sandbox, production or a local simulator).
    pub base_url: Url,
    /// The property's time zone: business dates are civil dates in it.
    pub time_zone: Tz,
    /// The property's currency.
    pub currency: Currency,
    /// Enabled features.
    pub features: BTreeSet<Feature>,
    /// Vendor-specific settings and credentials.
    pub pms: PmsSettings,
}

impl HotelConfig {
    /// Which PMS the hotel runs.
    pub fn pms_kind(&self) -> PmsKind {
        match self.pms {
            PmsSettings::Opera(_) => PmsKind::Opera,
            PmsSettings::Mews(_) => PmsKind::Mews,
            PmsSettings::Cloudbeds(_) => PmsKind::Cloudbeds,
        }
    }

    /// Whether a feature is enabled.
    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

/// Optional behaviour switched on per hotel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Feature {
    /// Accept vendor webhooks.
    Webhooks,
    /// Poll for changes.
    Polling,
    /// Run periodic reconciliation.
    Reconcile,
    /// Post charges and tips.
    Charges,
    /// Issue digital keys.
    DigitalKeys,
    /// Place card holds at check-in.
    CardHolds,
}

impl Feature {
    const ALL: [(Feature, &'static str); 6] = [
        (Feature::Webhooks, "webhooks"),
        (Feature::Polling, "polling"),
        (Feature::Reconcile, "reconcile"),
        (Feature::Charges, "charges"),
        (Feature::DigitalKeys, "digital_keys"),
        (Feature::CardHolds, "card_holds"),
    ];
}

/// Vendor-specific settings.
#[derive(Debug, Clone)]
pub enum PmsSettings {
    /// OPERA OWS.
    Opera(OperaSettings),
    /// Mews Connector API.
    Mews(MewsSettings),
    /// Cloudbeds API.
    Cloudbeds(CloudbedsSettings),
}

/// Mews Connector API credentials.
#[derive(Debug, Clone)]
pub struct MewsSettings {
    /// `ClientToken`: one per integration.
    pub client_token: SecretString,
    /// `AccessToken`: one per connected property.
    pub access_token: SecretString,
    /// `Client`: our application's name and version.
    pub client_name: String,
    /// `EnterpriseId`: sent with portfolio access tokens, and what webhook
    /// deliveries for this hotel are checked against (required with a
    /// webhook token) and routed by.
    pub enterprise_id: Option<String>,
    /// The Mews `IntegrationId` of this hotel's connection (General webhooks'
    /// `IntegrationId`, Integration webhooks' `Data.Integration.Id`): when set,
    /// webhooks must name it, and Integration webhooks are routed by it.
    pub integration_id: Option<String>,
    /// The `Additional` service charges are posted to (`orders/add` `ServiceId`).
    pub charge_service_id: Option<String>,
    /// Tax rate codes sent with posted charges (Mews wants codes, not percentages).
    pub charge_tax_codes: Vec<String>,
}

/// Cloudbeds credentials.
#[derive(Debug, Clone)]
pub struct CloudbedsSettings {
    /// `propertyID`.
    pub property_id: String,
    /// How we authenticate.
    pub auth: CloudbedsAuth,
}

/// Cloudbeds authentication: an API key or OAuth2 with a refresh token.
#[derive(Debug, Clone)]
pub enum CloudbedsAuth {
    /// `x-api-key`.
    ApiKey(SecretString),
    /// OAuth2 authorization code grant, already exchanged for a refresh token.
    OAuth {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: SecretString,
        /// Long-lived refresh token.
        refresh_token: SecretString,
    },
}

/// OPERA OWS settings.
#[derive(Debug, Clone)]
pub struct OperaSettings {
    /// Hotel (resort) code, sent as `Domain` and `hotelCode`.
    pub hotel_code: String,
    /// Interface user.
    pub username: String,
    /// Interface password.
    pub password: SecretString,
    /// `OGHeader/Origin`.
    pub origin: OgEntity,
    /// `OGHeader/Destination`.
    pub destination: OgEntity,
    /// On-premise (`.asmx`) or OPERA Cloud gateway (WS-Security).
    pub deployment: OperaDeployment,
    /// OHIP REST credentials for cashiering (`PMS_HOTEL_<ID>_OPERA_OHIP_*`),
    /// when configured: charges then go through OHIP and can be read back.
    /// Boxed: it is large and most hotels have none.
    pub ohip: Option<Box<OhipSettings>>,
}

/// An `entityID` / `systemType` pair of the OGHeader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OgEntity {
    /// `entityID`.
    pub entity_id: String,
    /// `systemType`.
    pub system_type: String,
}

/// Where OWS runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperaDeployment {
    /// `{base}/{Service}.asmx`, OGHeader credentials only.
    OnPremise,
    /// OPERA Cloud gateway: `{base}/{Service}`, plus a WS-Security header.
    Cloud,
}

impl Config {
    /// Loads `.env` ([`load_dotenv`]: checked first, never overriding
    /// variables already set) and then reads the process environment.
    pub fn from_env() -> Result<Config, Error> {
        load_dotenv()?;
        Config::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not valid UTF-8")),
        })
    }

    /// Reads configuration through `lookup` (a variable name to its value),
    /// so tests and embedders need not touch the process environment.
    pub fn from_lookup<F>(lookup: F) -> Result<Config, Error>
    where
        F: Fn(&str) -> Result<Option<String>, Error>,
    {
        let vars = Vars { lookup: &lookup };
        let list = vars.required("PMS_HOTELS")?;
        let mut hotels = Vec::new();
        let mut seen = BTreeSet::new();
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let id = HotelId::new(raw).map_err(|_| {
                Error::config(
                    "PMS_HOTELS",
                    format!("`{raw}` is not a valid hotel id (a-z, 0-9, _)"),
                )
            })?;
            if !seen.insert(id.clone()) {
                return Err(Error::config(
                    "PMS_HOTELS",
                    format!("hotel `{id}` is listed twice"),
                ));
            }
            hotels.push(HotelConfig::from_vars(&vars, id)?);
        }
        if hotels.is_empty() {
            return Err(Error::config("PMS_HOTELS", "lists no hotel"));
        }
        Ok(Config { hotels })
    }

    /// The hotel with this id.
    pub fn hotel(&self, id: &HotelId) -> Option<&HotelConfig> {
        self.hotels.iter().find(|h| &h.id == id)
    }
}

impl HotelConfig {
    fn from_vars(vars: &Vars<'_>, id: HotelId) -> Result<Self, Error> {
        let prefix = format!("PMS_HOTEL_{}_", id.as_str().to_ascii_uppercase());
        let var = |suffix: &str| format!("{prefix}{suffix}");

        let pms_var = var("PMS");
        let pms: PmsKind = vars
            .required(&pms_var)?
            .parse()
            .map_err(|_| Error::config(&pms_var, "must be one of opera, mews, cloudbeds"))?;

        let url_var = var("BASE_URL");
        let base_url = Url::parse(&vars.required(&url_var)?)
            .map_err(|_| Error::config(&url_var, "is not an absolute URL"))?;
        match base_url.scheme() {
            "https" => {}
            // Credentials travel in every request (Mews in the body, Cloudbeds in
            // a header, OPERA in the SOAP header): plain http only to this machine,
            // where the simulators run.
            "http" if is_loopback(&base_url) => {}
            "http" => {
                return Err(Error::config(
                    &url_var,
                    "must be https (plain http is allowed only to loopback)",
                ));
            }
            _ => return Err(Error::config(&url_var, "must be an http or https URL")),
        }

        let tz_var = var("TIME_ZONE");
        let time_zone: Tz = vars
            .required(&tz_var)?
            .parse()
            .map_err(|_| Error::config(&tz_var, "is not an IANA time zone name (e.g. Europe/Prague)"))?;

        let currency_var = var("CURRENCY");
        let currency = Currency::new(&vars.required(&currency_var)?)
            .map_err(|_| Error::config(&currency_var, "is not an ISO 4217 currency code"))?;

        let features_var = var("FEATURES");
        let mut features = BTreeSet::new();
        for name in vars
            .optional(&features_var)?
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
        {
            if name.is_empty() {
                continue;
            }
            let feature = Feature::ALL
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case(name))
                .map(|(f, _)| *f)
                .ok_or_else(|| {
                    let known: Vec<_> = Feature::ALL.iter().map(|(_, n)| *n).collect();
                    Error::config(
                        &features_var,
                        format!("unknown feature `{name}` (known: {})", known.join(", ")),
                    )
                })?;
            features.insert(feature);
        }

        let pms = match pms {
            PmsKind::Mews => PmsSettings::Mews(MewsSettings {
                client_token: vars.secret(&var("MEWS_CLIENT_TOKEN"))?,
                access_token: vars.secret(&var("MEWS_ACCESS_TOKEN"))?,
                client_name: vars.required(&var("MEWS_CLIENT_NAME"))?,
                enterprise_id: vars.optional(&var("MEWS_ENTERPRISE_ID"))?,
                integration_id: vars.optional(&var("MEWS_INTEGRATION_ID"))?,
                charge_service_id: vars.optional(&var("MEWS_CHARGE_SERVICE_ID"))?,
                charge_tax_codes: vars
                    .optional(&var("MEWS_TAX_CODES"))?
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }),
            PmsKind::Cloudbeds => PmsSettings::Cloudbeds(cloudbeds_settings(vars, &var)?),
            PmsKind::Opera => PmsSettings::Opera(opera_settings(vars, &var)?),
        };

        Ok(HotelConfig {
            id,
            base_url,
            time_zone,
            currency,
            features,
            pms,
        })
    }
}

fn cloudbeds_settings(vars: &Vars<'_>, var: &dyn Fn(&str) -> String) -> Result<CloudbedsSettings, Error> {
    let key_var = var("CLOUDBEDS_API_KEY");
    let oauth_vars = [
        var("CLOUDBEDS_CLIENT_ID"),
        var("CLOUDBEDS_CLIENT_SECRET"),
        var("CLOUDBEDS_REFRESH_TOKEN"),
    ];
    let api_key = vars.optional_secret(&key_var)?;
    let any_oauth = oauth_vars.iter().try_fold(false, |any, name| {
        Ok::<_, Error>(any || vars.optional(name)?.is_some())
    })?;
    let auth = match (api_key, any_oauth) {
        (Some(_), true) => {
            return Err(Error::config(
                &key_var,
                format!(
                    "conflicts with {}: configure an API key or OAuth, not both",
                    oauth_vars[0]
                ),
            ));
        }
        (Some(key), false) => CloudbedsAuth::ApiKey(key),
        (None, _) => CloudbedsAuth::OAuth {
            client_id: vars
                .required(&oauth_vars[0])
                .map_err(|_| Error::config(&oauth_vars[0], format!("is required unless {key_var} is set")))?,
            client_secret: vars.secret(&oauth_vars[1])?,
            refresh_token: vars.secret(&oauth_vars[2])?,
        },
    };
    Ok(CloudbedsSettings {
        property_id: vars.required(&var("CLOUDBEDS_PROPERTY_ID"))?,
        auth,
    })
}

fn opera_settings(vars: &Vars<'_>, var: &dyn Fn(&str) -> String) -> Result<OperaSettings, Error> {
    let deployment_var = var("OPERA_DEPLOYMENT");
    let deployment = match vars
        .required(&deployment_var)?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "on_premise" => OperaDeployment::OnPremise,
        "cloud" => OperaDeployment::Cloud,
        _ => return Err(Error::config(&deployment_var, "must be on_premise or cloud")),
    };
    Ok(OperaSettings {
        hotel_code: vars.required(&var("OPERA_HOTEL_CODE"))?,
        username: vars.required(&var("OPERA_USERNAME"))?,
        password: vars.secret(&var("OPERA_PASSWORD"))?,
        origin: OgEntity {
            entity_id: vars.required(&var("OPERA_ORIGIN_ENTITY_ID"))?,
            system_type: vars.required(&var("OPERA_ORIGIN_SYSTEM_TYPE"))?,
        },
        destination: OgEntity {
            entity_id: vars.required(&var("OPERA_DESTINATION_ENTITY_ID"))?,
            system_type: vars.required(&var("OPERA_DESTINATION_SYSTEM_TYPE"))?,
        },
        deployment,
        ohip: ohip::ohip_settings(vars, var)?,
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Result<Option<String>, Error>,
}

impl Vars<'_> {
    fn optional(&self, name: &str) -> Result<Option<String>, Error> {
        Ok((self.lookup)(name)?.filter(|v| !v.trim().is_empty()))
    }

    fn required(&self, name: &str) -> Result<String, Error> {
        self.optional(name)?
            .ok_or_else(|| Error::config(name, "is required but not set"))
    }

    fn optional_secret(&self, name: &str) -> Result<Option<SecretString>, Error> {
        Ok(self.optional(name)?.map(SecretString::from))
    }

    fn secret(&self, name: &str) -> Result<SecretString, Error> {
        self.required(name).map(SecretString::from)
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Feature::ALL
            .iter()
            .find(|(feature, _)| feature == self)
            .map_or("?", |(_, n)| n);
        f.write_str(name)
    }
}
