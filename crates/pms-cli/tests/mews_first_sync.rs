//! `pms sync` of a Mews hotel whose first window holds more than one page of
//! changes (RELIABILITY.md bug 16): the binary against an in-process
//! simulator, as an operator runs it.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use chrono::Utc;
use pms_sim::{HotelSpec, MewsSim, SimOptions};
use serde_json::Value;

/// 32 zero bytes, base64: a test-only store key.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

#[test]
fn a_first_sync_with_more_than_one_page_of_changes_completes() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let spec = HotelSpec {
        rooms: 40,
        reservations: 1_400,
        guests: 300,
        agenda_items: 0,
        ..HotelSpec::small(16)
    };
    let sim = runtime
        .block_on(MewsSim::start(SimOptions::with_hotel(spec)))
        .unwrap();
    // The sync's first window is [now - 90 days, now), read in sub-windows of
    // 89 days; the first one must hold more than a page (500) for the bug to show.
    let now = Utc::now();
    let (first_window, total) = sim.state().with_hotel(|h| {
        let since = now - chrono::Duration::days(90);
        let split = since + chrono::Duration::days(89);
        let in_first = h
            .reservations
            .iter()
            .filter(|r| r.updated >= since && r.updated < split)
            .count();
        let total = h.reservations.iter().filter(|r| r.updated >= since).count();
        (in_first, total)
    });
    assert!(
        first_window > 500,
        "the simulated hotel has {first_window} changes in the first window"
    );

    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("pms")
        .unwrap()
        .env_clear()
        .current_dir(dir.path())
        .env("RUST_LOG", "warn")
        .env("PMS_HOTELS", "grand")
        .env("PMS_HOTEL_GRAND_PMS", "mews")
        .env("PMS_HOTEL_GRAND_BASE_URL", sim.base_url())
        .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin")
        .env("PMS_HOTEL_GRAND_CURRENCY", "EUR")
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token())
        .env("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token())
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1")
        .env(
            "PMS_STORE_URL",
            format!("sqlite://{}", dir.path().join("pms.db").display()),
        )
        .env("PMS_STORE_KEY", STORE_KEY)
        .env("PMS_STORE_KEY_ID", "k1")
        .args(["sync", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["synced"], serde_json::json!(["grand"]), "{report}");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    // Every stay changed in the window was read (the simulator's stays are all
    // of the stay service; agenda bookings are off).
    assert_eq!(
        report["reservations_read"].as_u64().unwrap() as usize,
        total,
        "{report}"
    );
    // The first window was read in more than one page: the second page's
    // token was accepted.
    let pages_with_cursor = sim
        .state()
        .requests_to("reservations/getAll/2023-06-06")
        .iter()
        .filter(|r| r.body["Limitation"]["Cursor"].is_string())
        .count();
    assert!(pages_with_cursor >= 1, "no page was read with a Cursor");
}
