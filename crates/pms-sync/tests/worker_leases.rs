//! A worker restarted after a crash takes back the leases its earlier run
//! left behind (same name, another instance) instead of skipping the hotels
//! until they expire; a second live process under the same name is detected
//! and reported rather than fought over; other workers' leases are reported
//! with their holder.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pms_core::*;
use pms_mews::MewsClient;
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::*;

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

async fn sync_for(sim: &SimHandle, store: &Arc<dyn Store>) -> HotelSync {
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().to_owned()),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
            "pms-sync tests 0.1".to_owned(),
        ),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let client = Arc::new(MewsClient::from_hotel(&config.hotels[0]).unwrap());
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    HotelSync::new(
        hotel(),
        client,
        mirror,
        Arc::new(SystemClock),
        PollSettings {
            overlap: Duration::from_secs(60),
            page_size: 100,
            initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
        },
    )
}

#[tokio::test]
async fn a_restarted_worker_takes_its_leases_back_and_a_name_clash_is_reported() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(8)))
        .await
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let ttl = Duration::from_secs(300);
    let worker = |name: &'static str| {
        let store = store.clone();
        let sim = &sim;
        async move {
            Worker::new(
                name,
                store.clone(),
                vec![sync_for(sim, &store).await],
                ttl,
                Arc::new(SystemClock),
            )
        }
    };

    let first = worker("pms@host-1").await;
    assert_eq!(first.run_once().await.unwrap().synced, ["grand"]);
    // The first run is killed: its lease stays for 300 s. The restarted worker
    // (same name, new instance) syncs at once.
    let restarted = worker("pms@host-1").await;
    assert_ne!(restarted.owner().instance, first.owner().instance);
    let report = restarted.run_once().await.unwrap();
    assert_eq!(report.synced, ["grand"], "{report:?}");
    assert_eq!(report.taken_back, ["grand"]);
    assert!(report.skipped.is_empty());
    // Its next pass only renews.
    let report = restarted.run_once().await.unwrap();
    assert_eq!(
        (report.synced.len(), report.taken_back.len()),
        (1, 0),
        "{report:?}"
    );

    // Had the first run still been alive, it would now find its lease held by
    // another instance of its name: reported, not taken back ...
    let report = first.run_once().await.unwrap();
    assert!(report.synced.is_empty(), "{report:?}");
    assert_eq!(report.name_conflicts, ["grand"]);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].1.owner, "pms@host-1");
    assert_eq!(report.skipped[0].1.instance, restarted.owner().instance);
    // ... not on the next pass either: the two do not trade the hotel back and forth.
    let report = first.run_once().await.unwrap();
    assert!(
        report.synced.is_empty() && report.taken_back.is_empty(),
        "{report:?}"
    );
    assert_eq!(restarted.run_once().await.unwrap().synced, ["grand"]);

    // Another worker waits, and is told who holds the hotel until when.
    let other = worker("pms@host-2").await;
    let report = other.run_once().await.unwrap();
    assert!(
        report.synced.is_empty() && report.name_conflicts.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.skipped[0].0, "grand");
    assert_eq!(report.skipped[0].1.owner, "pms@host-1");

    // Released on the way out: the other worker gets it at once.
    restarted.release_all().await.unwrap();
    assert_eq!(other.run_once().await.unwrap().synced, ["grand"]);
}
