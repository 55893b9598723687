//! The property's currency and time zone, from `GET /getHotels`
//! (`propertyIDs` = the configured `propertyID`; see `wire/hotel.rs` for the
//! sources). The first `propertyCurrency` entry with a code is the
//! property's currency; `propertyTimezone` its IANA zone. A credential that
//! does not list the configured property is `NotFound`: the configuration
//! names a property this credential does not reach.

use chrono_tz::Tz;
use pms_core::{Currency, PropertyProfile};
use reqwest::Method;

use super::{Call, CloudbedsClient, p};
use crate::error::CloudbedsError;
use crate::wire::Envelope;
use crate::wire::hotel::HotelItem;

impl CloudbedsClient {
    /// `getHotels` for the configured property, as a [`PropertyProfile`].
    pub(crate) async fn get_property_profile(&self) -> Result<PropertyProfile, CloudbedsError> {
        let envelope: Envelope<Vec<HotelItem>> = self
            .data(Call {
                method: Method::GET,
                name: "getHotels",
                params: vec![p("propertyIDs", self.inner.property_id.clone())],
                json: None,
                write: false,
            })
            .await?;
        property_profile(&envelope.data.unwrap_or_default(), &self.inner.property_id)
    }
}

/// The profile of `property_id` in a `getHotels` answer's `data`.
pub fn property_profile(hotels: &[HotelItem], property_id: &str) -> Result<PropertyProfile, CloudbedsError> {
    let (index, hotel) = hotels
        .iter()
        .enumerate()
        .find(|(_, h)| h.property_id.as_deref().map(str::trim) == Some(property_id.trim()))
        .ok_or_else(|| CloudbedsError::Api {
            method: "getHotels",
            status: 200,
            code: None,
            message: "the configured propertyID is not among the properties this credential reaches".into(),
            request_id: None,
            kind: pms_core::ErrorKind::NotFound,
        })?;
    let time_zone = hotel
        .property_timezone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .map(|zone| {
            zone.parse::<Tz>().map_err(|_| {
                CloudbedsError::decode(
                    format!("data[{index}].propertyTimezone"),
                    "not an IANA time zone name",
                )
            })
        })
        .transpose()?;
    let currencies = hotel.property_currency.as_ref().map_or(&[][..], |c| c.items());
    let currency = currencies
        .iter()
        .enumerate()
        .find_map(|(i, c)| {
            let code = c
                .currency_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())?;
            Some(Currency::new(code).map_err(|_| {
                CloudbedsError::decode(
                    format!("data[{index}].propertyCurrency[{i}].currencyCode"),
                    "not an ISO 4217 currency code",
                )
            }))
        })
        .transpose()?;
    Ok(PropertyProfile {
        name: hotel.property_name.clone(),
        currency,
        time_zone,
    })
}
