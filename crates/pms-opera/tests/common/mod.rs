//! Shared test helpers.
#![allow(clippy::unwrap_used)] // tests may unwrap
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use pms_core::{
    Currency, HotelConfig, HotelId, ManualClock, OgEntity, OperaDeployment, OperaSettings, PmsSettings,
};
use pms_opera::{OperaClient, OperaOptions};
use secrecy::SecretString;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/opera")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn fixture_str(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

pub fn hotel(base_url: &str, deployment: OperaDeployment) -> HotelConfig {
    HotelConfig {
        id: HotelId::new("grand").unwrap(),
        base_url: base_url.parse().unwrap(),
        time_zone: chrono_tz::Asia::Kolkata,
        currency: Currency::new("INR").unwrap(),
        features: BTreeSet::new(),
        pms: PmsSettings::Opera(OperaSettings {
            hotel_code: "BLRWE".into(),
            username: "KIOSK".into(),
            password: SecretString::from("p&ss<word>".to_owned()),
            origin: OgEntity {
                entity_id: "KIOSK".into(),
                system_type: "WEB".into(),
            },
            destination: OgEntity {
                entity_id: "TI".into(),
                system_type: "PMS".into(),
            },
            deployment,
            ohip: None,
        }),
    }
}

pub fn options() -> OperaOptions {
    OperaOptions {
        // Resent at once: the tests count requests, not waits.
        read_retry: pms_core::RetryPolicy {
            base_delay: std::time::Duration::ZERO,
            ..pms_opera::DEFAULT_READ_RETRY
        },
        timeout: std::time::Duration::from_secs(5),
        ..OperaOptions::default()
    }
}

pub fn client(base_url: &str, deployment: OperaDeployment, options: OperaOptions) -> OperaClient {
    OperaClient::builder(&hotel(base_url, deployment))
        .unwrap()
        .options(options)
        .clock(Arc::new(ManualClock::new(now())))
        .build()
        .unwrap()
}
