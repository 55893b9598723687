//! `PropertyProfile::check`: what the PMS reports against the configuration.
#![allow(clippy::unwrap_used)]
use std::collections::HashMap;

use pms_core::{
    Config, Currency, Error, ErrorKind, HotelConfig, PmsKind, ProfileCheck, ProfileField, PropertyProfile,
};

const SECRET: &str = "sk_live_ZmFrZS1idXQtc2VjcmV0";

fn grand() -> HotelConfig {
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand"),
        ("PMS_HOTEL_GRAND_PMS", "mews"),
        ("PMS_HOTEL_GRAND_BASE_URL", "https://api.mews-demo.com"),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/London"),
        ("PMS_HOTEL_GRAND_CURRENCY", "GBP"),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", SECRET),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", SECRET),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "tests 0.1"),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).map(|v| (*v).to_owned()))).unwrap();
    config.hotels.into_iter().next().unwrap()
}

fn profile(currency: Option<&str>, zone: Option<&str>) -> PropertyProfile {
    PropertyProfile {
        name: Some("Grand Hotel".into()),
        currency: currency.map(|c| Currency::new(c).unwrap()),
        time_zone: zone.map(|z| z.parse().unwrap()),
    }
}

#[test]
fn a_matching_profile_passes_and_says_what_it_compared() {
    let hotel = grand();
    assert_eq!(
        profile(Some("GBP"), Some("Europe/London")).check(&hotel).unwrap(),
        ProfileCheck {
            currency: true,
            time_zone: true
        }
    );
    // A fact the PMS does not report is not compared, and says so.
    let partial = profile(None, Some("Europe/London")).check(&hotel).unwrap();
    assert_eq!(partial.unchecked(), [ProfileField::Currency]);
    assert_eq!(
        profile(None, None).check(&hotel).unwrap().unchecked(),
        [ProfileField::Currency, ProfileField::TimeZone]
    );
}

#[test]
fn a_mismatch_is_a_config_error_naming_the_hotel_every_variable_and_no_secret() {
    let hotel = grand();
    let err = profile(Some("EUR"), Some("Europe/London"))
        .check(&hotel)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let Error::ProfileMismatch {
        hotel: id,
        pms,
        mismatches,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(id.as_str(), "grand");
    assert_eq!(*pms, PmsKind::Mews);
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].field, ProfileField::Currency);
    assert_eq!(mismatches[0].variable, "PMS_HOTEL_GRAND_CURRENCY");
    assert_eq!(
        (mismatches[0].configured.as_str(), mismatches[0].reported.as_str()),
        ("GBP", "EUR")
    );
    let text = err.to_string();
    assert!(
        text.contains("hotel grand") && text.contains("PMS_HOTEL_GRAND_CURRENCY is GBP but mews reports EUR"),
        "{text}"
    );
    assert!(!text.contains(SECRET), "{text}");

    let both = profile(Some("CZK"), Some("Europe/Prague"))
        .check(&hotel)
        .unwrap_err();
    let text = both.to_string();
    assert!(
        text.contains("PMS_HOTEL_GRAND_CURRENCY is GBP but mews reports CZK")
            && text.contains("PMS_HOTEL_GRAND_TIME_ZONE is Europe/London but mews reports Europe/Prague"),
        "{text}"
    );
}

#[test]
fn time_zones_compare_by_the_name_the_pms_reports() {
    let mut hotel = grand();
    hotel.time_zone = "Europe/Kyiv".parse().unwrap();
    hotel.currency = Currency::new("UAH").unwrap();
    assert!(profile(Some("UAH"), Some("Europe/Kyiv")).check(&hotel).is_ok());
    let err = profile(Some("UAH"), Some("Europe/Kiev"))
        .check(&hotel)
        .unwrap_err();
    assert!(err.to_string().contains("reports Europe/Kiev"), "{err}");
}
