//! The property's currency and time zone, from `configuration/get`.
//!
//! Source: <https://docs.mews.com/connector-api/operations/configuration>
//! (OpenAPI `Configuration` / `Enterprise` / `CurrencyAcceptance`, checked
//! against `mews/connector-api.openapi.yaml` in the vendor specs):
//! `Enterprise.TimeZoneIdentifier` is required and IANA ("business dates are
//! civil dates in it"); `Enterprise.Currencies` is required, each
//! `{Currency, IsDefault, IsEnabled}`, and `IsDefault` marks "a default
//! accounting currency": that one is the property's currency. Other enabled
//! currencies are ones Mews accepts payments in, not the one it books in.
//! With a portfolio token the request carries `EnterpriseId`
//! ([`MewsClient::configuration`]), so the answer is this hotel's enterprise.

use chrono_tz::Tz;
use pms_core::{Currency, Error, PropertyProfile};

use super::MewsClient;
use crate::error::MewsError;
use crate::wire::configuration::Configuration;

impl MewsClient {
    /// `configuration/get` read as a [`PropertyProfile`].
    pub(crate) async fn read_property_profile(&self) -> Result<PropertyProfile, Error> {
        let configuration = self.configuration().await?;
        property_profile(&configuration)
    }
}

/// The profile a `configuration/get` answer reports. A time zone that is not
/// an IANA name, or a default currency that is not ISO 4217, is a decode
/// error naming the field (never its value). No default currency leaves the
/// currency unreported rather than guessed.
pub fn property_profile(configuration: &Configuration) -> Result<PropertyProfile, Error> {
    let enterprise = &configuration.enterprise;
    let time_zone: Tz = enterprise.time_zone_identifier.trim().parse().map_err(|_| {
        Error::from(MewsError::Decode {
            path: "Enterprise.TimeZoneIdentifier".into(),
            message: "not an IANA time zone name".into(),
        })
    })?;
    let currency = enterprise
        .currencies
        .iter()
        .position(|c| c.is_default)
        .map(|i| {
            Currency::new(enterprise.currencies[i].currency.trim()).map_err(|_| {
                Error::from(MewsError::Decode {
                    path: format!("Enterprise.Currencies[{i}].Currency"),
                    message: "not an ISO 4217 currency code".into(),
                })
            })
        })
        .transpose()?;
    Ok(PropertyProfile {
        name: enterprise.name.clone(),
        currency,
        time_zone: Some(time_zone),
    })
}
