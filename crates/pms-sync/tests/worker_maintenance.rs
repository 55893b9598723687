//! The worker's purges: applied webhook events leave after the inbox
//! retention, pending ones never, and the store-wide deletes run at most once
//! per maintenance interval, not on every pass.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use pms_core::{HotelId, ManualClock};
use pms_sync::store::{ApplyBatch, InboxEvent};
use pms_sync::{SqliteStore, Store, Worker};
use serde_json::json;

fn event(id: &str, received: chrono::DateTime<Utc>) -> InboxEvent {
    InboxEvent {
        seq: 0,
        hotel: HotelId::new("grand").unwrap(),
        event_id: id.into(),
        payload: json!({ "id": id }),
        received_at: received,
    }
}

/// Stores `id` received at `received` and marks it applied.
async fn applied(store: &Arc<dyn Store>, id: &str, received: chrono::DateTime<Utc>) {
    assert!(store.inbox_push(&event(id, received)).await.unwrap());
    let pending = store
        .inbox_pending(&HotelId::new("grand").unwrap(), 100)
        .await
        .unwrap();
    let seq = pending.iter().find(|e| e.event_id == id).unwrap().seq;
    store
        .apply(ApplyBatch {
            processed_inbox: vec![seq],
            ..ApplyBatch::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn applied_events_are_purged_after_the_retention_at_most_once_an_hour() {
    let start = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let worker = Worker::new(
        "w1",
        store.clone(),
        Vec::new(),
        Duration::from_secs(60),
        clock.clone(),
    )
    .with_inbox_retention(Duration::from_secs(24 * 3600));
    let days = |n: i64| start - chrono::Duration::days(n);

    applied(&store, "two-days-old", days(2)).await;
    applied(&store, "fresh", days(0)).await;
    assert!(
        store
            .inbox_push(&event("pending-for-a-week", days(7)))
            .await
            .unwrap()
    );
    let first = worker.run_once().await.unwrap();
    assert_eq!(first.inbox_purged, 1, "{first:?}");

    // Within the hour a pass does not purge again, even with something to purge.
    applied(&store, "also-old", days(3)).await;
    clock.advance(chrono::Duration::minutes(59));
    assert_eq!(worker.run_once().await.unwrap().inbox_purged, 0);
    clock.advance(chrono::Duration::minutes(1));
    assert_eq!(worker.run_once().await.unwrap().inbox_purged, 1);

    // The pending event is still waiting to be applied, however old.
    let pending = store
        .inbox_pending(&HotelId::new("grand").unwrap(), 100)
        .await
        .unwrap();
    let ids: Vec<_> = pending.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["pending-for-a-week"]);
    // And the applied one inside the retention is kept: purging at its age finds it.
    assert_eq!(
        store
            .inbox_purge(start + chrono::Duration::seconds(1))
            .await
            .unwrap(),
        1
    );
}
