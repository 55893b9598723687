//! `getOperaHotelContext`: the hotel's currency and time zone over OHIP.
//!
//! Source: Oracle's OPERA Cloud Enterprise Configuration API,
//! `rest-api-specs/property/entcfg.json` of `oracle/hospitality-api-docs`
//! (commit 335587bf2e89053da2f3cd3f94be26639bbbeccb, the commit the other
//! OHIP specs in the vendor specs come from; OPERA Cloud 25.5), basePath
//! `/ent/config/v1`: `GET /hotels/{hotelId}/operaContext` (operationId
//! `getOperaHotelContext`, headers `authorization`, `x-app-key`, `x-hotelid`,
//! optional `x-request-id`) answers `operaHotelContextDetails`
//! `{hotelContext{hotelId, hotelName, businessDate, configurationMode,
//! countryMode, languageCode, currencyCode ("Provides the hotel's currency
//! code", 3 characters), cateringCurrencyCode, checkInTime, checkOutTime,
//! timezone ("The hotel's timezone", up to 80 characters), loginUserId,
//! chainCode}, links, warnings}`. The same facts sit deeper in `getHotel`
//! (`hotelConfigInfo.propertyControls.currencyFormatting.currencyCode`,
//! `...dateTimeFormatting.timeZoneRegion`); `operaContext` is the small answer.
//! `entcfg.json` is not among the specs this repository's tests read, so the
//! shape is cited here and in the simulator, not validated by a test.

use pms_core::{Currency, PropertyProfile, RequestId};
use pms_http::{Call, Method};
use serde::Deserialize;

use super::charges::Cashiering;
use super::http;
use crate::error::OperaError;

const OPERATION: &str = "getOperaHotelContext";

/// `operaHotelContextDetails`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextDetails {
    #[serde(default)]
    hotel_context: Option<HotelContext>,
}

/// `operaHotelContextDetails.hotelContext` (the fields read).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HotelContext {
    #[serde(default)]
    hotel_id: Option<String>,
    #[serde(default)]
    hotel_name: Option<String>,
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
}

impl Cashiering {
    /// The hotel's currency and time zone from `getOperaHotelContext`. A
    /// `timezone` that is not an IANA name, or a `currencyCode` that is not
    /// ISO 4217, is a decode error naming the field, never the value.
    pub(crate) async fn property_profile(&self) -> Result<PropertyProfile, OperaError> {
        // Sent as `x-request-id`: the OHIP documents' pattern is a
        // hyphenated UUID (`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-...`, csh.json and
        // entcfg.json `parameters.x-request-id`), the UUID's own text form.
        let call_id = RequestId::new_random().to_string();
        let hotel_id = self.config().hotel_id.clone();
        let url = self
            .config()
            .url(&["ent", "config", "v1", "hotels", &hotel_id, "operaContext"])?;
        let answer = self
            .exchange(&call_id, Call::new(OPERATION, Method::GET, url, false))
            .await?;
        if !(200..=299).contains(&answer.status) {
            return Err(http::status_error(
                OPERATION,
                &call_id,
                answer.status,
                &answer.bytes,
                answer.retry_after,
                http::status_kind(answer.status),
            ));
        }
        profile(&answer.bytes, &hotel_id)
    }
}

/// The profile an `operaHotelContextDetails` body reports.
fn profile(bytes: &[u8], hotel_id: &str) -> Result<PropertyProfile, OperaError> {
    let details: ContextDetails = if bytes.iter().all(u8::is_ascii_whitespace) {
        ContextDetails::default()
    } else {
        // serde's message would quote the offending value: only the place is kept.
        serde_json::from_slice(bytes)
            .map_err(|_| OperaError::decode("operaHotelContextDetails", "not the documented shape"))?
    };
    let context = details
        .hotel_context
        .ok_or_else(|| OperaError::decode("operaHotelContextDetails.hotelContext", "missing"))?;
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if trimmed(&context.hotel_id).is_some_and(|id| !id.eq_ignore_ascii_case(hotel_id.trim())) {
        return Err(OperaError::decode(
            "operaHotelContextDetails.hotelContext.hotelId",
            "not the configured hotel code",
        ));
    }
    let currency = trimmed(&context.currency_code)
        .map(|code| {
            Currency::new(&code).map_err(|_| {
                OperaError::decode(
                    "operaHotelContextDetails.hotelContext.currencyCode",
                    "not an ISO 4217 currency code",
                )
            })
        })
        .transpose()?;
    let time_zone = trimmed(&context.timezone)
        .map(|zone| {
            zone.parse().map_err(|_| {
                OperaError::decode(
                    "operaHotelContextDetails.hotelContext.timezone",
                    "not an IANA time zone name",
                )
            })
        })
        .transpose()?;
    Ok(PropertyProfile {
        name: trimmed(&context.hotel_name),
        currency,
        time_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_currency_and_zone_and_refuses_another_hotel() {
        let body = br#"{"hotelContext":{"hotelId":"SAND01","hotelName":"Sandbox","currencyCode":"SGD",
            "timezone":"Asia/Singapore","businessDate":"2026-03-01"},"links":[]}"#;
        let p = profile(body, "SAND01").unwrap();
        assert_eq!(p.currency, Some(Currency::new("SGD").unwrap()));
        assert_eq!(p.time_zone, Some(chrono_tz::Asia::Singapore));
        assert_eq!(p.name.as_deref(), Some("Sandbox"));
        assert!(profile(body, "OTHER").is_err());
        let bad = br#"{"hotelContext":{"hotelId":"SAND01","timezone":"GMT+8 Singapore"}}"#;
        let err = profile(bad, "SAND01").unwrap_err().to_string();
        assert!(
            err.contains("hotelContext.timezone") && !err.contains("GMT+8"),
            "{err}"
        );
        let none = profile(br#"{"hotelContext":{"hotelId":"SAND01"}}"#, "SAND01").unwrap();
        assert_eq!((none.currency, none.time_zone), (None, None));
        assert!(profile(b"", "SAND01").is_err());
    }
}
