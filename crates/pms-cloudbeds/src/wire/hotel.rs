//! `GET /getHotels`: the properties a credential reaches, with each one's
//! time zone and currency.
//!
//! Source: `GetHotelsResponse` in `src/pms-v1.3-openapi.yaml`
//! (`cloudbeds/openapi-specs`) and `cloudbeds_pms_v1_3/docs/GetHotelsResponseDataInner.md`
//! (`cloudbeds/cloudbeds-api-python`): `data[]` of `{propertyID,
//! organizationID, propertyName, propertyImage, propertyDescription,
//! propertyTimezone, propertyCurrency[{currencyCode, currencySymbol,
//! currencyPosition}]}` plus `count`/`total`; parameters `propertyIDs`
//! (comma-separated), `propertyName`, `propertyCity`, `pageNumber`, `pageSize`
//! (default 20); scope `read:hotel`. `getHotelDetails` carries
//! `propertyCurrency` (one object) but, in both sources, no time zone, which
//! is why the profile reads `getHotels`.

use serde::Deserialize;

use super::lenient;

/// `getHotels.data[]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HotelItem {
    /// `propertyID`.
    #[serde(rename = "propertyID", default, deserialize_with = "lenient::opt_string")]
    pub property_id: Option<String>,
    /// `propertyName`.
    #[serde(rename = "propertyName", default, deserialize_with = "lenient::opt_string")]
    pub property_name: Option<String>,
    /// `propertyTimezone`: an IANA name.
    #[serde(
        rename = "propertyTimezone",
        default,
        deserialize_with = "lenient::opt_string"
    )]
    pub property_timezone: Option<String>,
    /// `propertyCurrency`: an array here (one object in `getHotelDetails`; both accepted).
    #[serde(rename = "propertyCurrency", default)]
    pub property_currency: Option<OneOrMany<HotelCurrency>>,
}

/// `propertyCurrency[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotelCurrency {
    /// `currencyCode` (ISO 4217).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_code: Option<String>,
    /// `currencySymbol`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_symbol: Option<String>,
}

/// A list, or the one object some methods send in its place.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// The documented list.
    Many(Vec<T>),
    /// One object.
    One(T),
}

impl<T> OneOrMany<T> {
    /// The items, in order.
    pub fn items(&self) -> &[T] {
        match self {
            OneOrMany::Many(items) => items,
            OneOrMany::One(item) => std::slice::from_ref(item),
        }
    }
}
