//! Durable flow state: housekeeping tasks and internal agenda items survive a
//! restart (a new `Dispatcher` / `Agenda` over the same store), the same room
//! event twice or after a restart still yields one task, and two dispatchers
//! on one store open one task per room and alert an overdue task once.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, Clock, GuestId, HousekeepingStatus,
    PmsKind, ReservationId, Room,
};
use pms_flows::{Agenda, AgendaChange, Dispatcher, FlowStorage, HousekeepingRules, TaskKind, TaskStatus};
use pms_sim::RoomState;
use pms_sync::store::Store;
use pms_sync::{Cipher, SqliteStore};
use support::{Harness, Vendor};
use uuid::Uuid;

/// A SQLite file in the temp directory, removed on drop.
struct DbFile(PathBuf);

impl DbFile {
    fn new() -> Self {
        DbFile(std::env::temp_dir().join(format!("pms-flows-persistence-{}.db", Uuid::new_v4().simple())))
    }

    async fn open(&self) -> Arc<SqliteStore> {
        Arc::new(SqliteStore::open(&self.0).await.unwrap())
    }

    fn bytes(&self) -> Vec<u8> {
        let mut all = std::fs::read(&self.0).unwrap();
        let wal = PathBuf::from(format!("{}-wal", self.0.display()));
        if let Ok(more) = std::fs::read(wal) {
            all.extend(more);
        }
        all
    }
}

impl Drop for DbFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn storage(store: &Arc<SqliteStore>, cipher: &Arc<Cipher>) -> FlowStorage {
    let store: Arc<dyn Store> = store.clone();
    FlowStorage::new(store, cipher.clone())
}

async fn some_rooms(vendor: &Vendor, n: usize) -> Vec<Room> {
    let mut rooms = vendor.client.rooms().await.unwrap();
    rooms.sort_by(|a, b| a.number.as_str().cmp(b.number.as_str()));
    rooms.truncate(n);
    assert_eq!(rooms.len(), n);
    rooms
}

#[tokio::test]
async fn open_tasks_survive_a_restart_and_the_same_event_yields_one_task() {
    let vendor = Vendor::mews(7).await;
    let h = Harness::new(vendor.client.clone()).await;
    let db = DbFile::new();
    let cipher = Arc::new(Cipher::random());
    let rooms = some_rooms(&vendor, 2).await;
    let (room, other) = (&rooms[0], &rooms[1]);

    let store = db.open().await;
    let first = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    assert!(first.tasks().is_empty());
    first.set_rooms(&rooms);
    let created = first
        .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
        .await;
    assert_eq!(created.len(), 1);
    let clean = created[0].clone();
    assert_eq!((clean.kind, clean.status), (TaskKind::Clean, TaskStatus::Open));
    let maintenance = first
        .on_room_status(
            &other.external,
            Some(&other.number),
            &HousekeepingStatus::OutOfOrder,
        )
        .await;
    assert_eq!(maintenance.len(), 1);
    assert!(
        first
            .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
            .await
            .is_empty(),
        "the same event twice"
    );
    assert!(first.is_durable());

    // Restart: the process goes away, the database file stays.
    drop(first);
    store.close().await;
    let store = db.open().await;
    let second = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    let mut expected = vec![clean.clone(), maintenance[0].clone()];
    expected.sort_by_key(|t| (t.created_at, t.id));
    assert_eq!(second.tasks(), expected, "every open task, exactly as it was");
    assert!(
        second
            .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
            .await
            .is_empty(),
        "the same event after the restart"
    );
    second.set_rooms(&rooms);
    assert_eq!(second.open_tasks(None).len(), 2);

    // Completion after the restart pushes the state to the PMS as before.
    let follow_up = second.complete(clean.id, "maid-7").await.unwrap();
    assert_eq!(vendor.room_state(&room.external.id), RoomState::Clean);
    assert_eq!(vendor.write_calls("set_room_status"), 1);
    assert_eq!(follow_up.len(), 1);
    assert_eq!(follow_up[0].kind, TaskKind::Inspect);

    // Another restart: the clean task is closed, the inspection open, and
    // completing the clean task again is a no-op (nothing pushed twice).
    drop(second);
    store.close().await;
    let store = db.open().await;
    let third = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    let open: Vec<(TaskKind, String)> = third
        .open_tasks(None)
        .into_iter()
        .map(|t| (t.kind, t.room.id.to_string()))
        .collect();
    assert_eq!(open.len(), 2);
    assert!(open.contains(&(TaskKind::Inspect, room.external.id.to_string())));
    assert!(open.contains(&(TaskKind::Maintenance, other.external.id.to_string())));
    assert!(third.complete(clean.id, "maid-7").await.unwrap().is_empty());
    assert_eq!(vendor.write_calls("set_room_status"), 1);
    assert!(matches!(
        third.complete(Uuid::from_u128(42), "maid-7").await,
        Err(pms_flows::FlowError::NotFound(_))
    ));

    // Housekeeping of the housekeeping: the finished clean task goes, open ones stay.
    let tomorrow = h.clock.now() + Duration::days(1);
    assert_eq!(third.purge_closed(tomorrow).await.unwrap(), 1);
    assert!(third.tasks().iter().all(|t| t.status == TaskStatus::Open));
    let fourth = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    assert_eq!(fourth.open_tasks(None).len(), 2);
    assert!(matches!(
        fourth.complete(clean.id, "maid-7").await,
        Err(pms_flows::FlowError::NotFound(_))
    ));
}

#[tokio::test]
async fn two_dispatchers_on_one_store_open_one_task_per_room_and_alert_once() {
    let vendor = Vendor::mews(8).await;
    let h = Harness::new(vendor.client.clone()).await;
    let db = DbFile::new();
    let cipher = Arc::new(Cipher::random());
    let rooms = some_rooms(&vendor, 1).await;
    let room = &rooms[0];
    let store = db.open().await;
    let a = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    // A second worker with its own connection pool on the same file.
    let other_store = db.open().await;
    let b = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&other_store, &cipher),
    )
    .await
    .unwrap();

    let created = a
        .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
        .await;
    assert_eq!(created.len(), 1);
    // B learns of the same change (a webhook reached it too): it adopts A's task.
    assert!(
        b.on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
            .await
            .is_empty()
    );
    assert_eq!(b.open_tasks(None), a.open_tasks(None));

    // Past due: both workers check; the alert goes out once.
    h.clock.advance(Duration::hours(5));
    let from_a = a.check_overdue().await;
    let from_b = b.check_overdue().await;
    assert_eq!(from_a.len() + from_b.len(), 1, "{from_a:?} {from_b:?}");
    assert_eq!(h.notifier.of_kind("housekeeping_overdue").len(), 1);
    assert!(b.open_tasks(None)[0].overdue_alerted);

    // And after a restart nobody alerts it again.
    let c = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    assert!(c.check_overdue().await.is_empty());
    assert_eq!(h.notifier.of_kind("housekeeping_overdue").len(), 1);
}

fn internal(n: u128, guest: u128, hour: u32, title: &str) -> AgendaItem {
    let starts_at = Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0).unwrap();
    AgendaItem {
        id: AgendaItemId::from_uuid(Uuid::from_u128(n)),
        external: None,
        kind: AgendaKind::Dining,
        title: title.to_owned(),
        starts_at,
        ends_at: starts_at + Duration::minutes(90),
        location: Some("Rooftop terrace".into()),
        guest: Some(GuestId::from_uuid(Uuid::from_u128(guest))),
        reservation: Some(ReservationId::from_uuid(Uuid::from_u128(guest + 100))),
        status: AgendaStatus::Confirmed,
        source: AgendaSource::Internal,
    }
}

#[tokio::test]
async fn internal_agenda_items_survive_a_restart_sealed_and_pms_items_are_not_stored() {
    let vendor = Vendor::mews(9).await;
    let h = Harness::new(vendor.client.clone()).await;
    let db = DbFile::new();
    let cipher = Arc::new(Cipher::random());
    let store = db.open().await;
    let mut agenda = Agenda::restore(&h.ctx, storage(&store, &cipher)).await.unwrap();

    let dinner = internal(1, 7, 19, "Chef's table for Ms Example");
    let lunch = internal(2, 7, 12, "Lunch");
    let spa = internal(3, 8, 10, "Hot stones");
    for item in [&dinner, &lunch, &spa] {
        assert_eq!(
            agenda.book(item.clone()).await.unwrap(),
            Some(AgendaChange::Added { id: item.id })
        );
    }
    assert_eq!(agenda.book(dinner.clone()).await.unwrap(), None, "unchanged");
    let mut later = dinner.clone();
    later.starts_at += Duration::hours(1);
    later.ends_at += Duration::hours(1);
    assert_eq!(
        agenda.book(later.clone()).await.unwrap(),
        Some(AgendaChange::Updated {
            id: dinner.id,
            fields: vec!["starts_at", "ends_at"]
        })
    );
    assert_eq!(
        agenda.unbook(lunch.id).await.unwrap(),
        Some(AgendaChange::Removed { id: lunch.id })
    );
    let mut cancelled = spa.clone();
    cancelled.status = AgendaStatus::Cancelled;
    agenda.book(cancelled.clone()).await.unwrap();

    // Internal items on a durable agenda go through `book`; PMS items are a
    // mirror and never stored.
    assert!(matches!(
        agenda.upsert(internal(4, 7, 8, "Breakfast")),
        Err(pms_flows::FlowError::Validation(_))
    ));
    let mut pms_item = internal(5, 7, 15, "Massage");
    pms_item.source = AgendaSource::Pms(PmsKind::Mews);
    assert!(matches!(
        agenda.book(pms_item.clone()).await,
        Err(pms_flows::FlowError::Validation(_))
    ));
    agenda.upsert(pms_item.clone()).unwrap();
    assert_eq!(agenda.by_guest(GuestId::from_uuid(Uuid::from_u128(7))).len(), 2);

    drop(agenda);
    store.close().await;
    let store = db.open().await;
    let agenda = Agenda::restore(&h.ctx, storage(&store, &cipher)).await.unwrap();
    assert_eq!(agenda.get(dinner.id), Some(&later));
    assert_eq!(agenda.get(spa.id), Some(&cancelled));
    assert_eq!(agenda.get(lunch.id), None, "unbooked stays gone");
    assert_eq!(
        agenda.get(pms_item.id),
        None,
        "PMS items come from the feed, not the store"
    );
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let ids: Vec<_> = agenda.on_day(day).iter().map(|i| i.id).collect();
    assert_eq!(ids, [spa.id, dinner.id]);

    // Sealed at rest: the guest-facing text is not in the database file.
    store.close().await;
    let raw = db.bytes();
    for needle in ["Chef's table", "Rooftop terrace", "Hot stones"] {
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} in the clear"
        );
    }
}

#[tokio::test]
async fn ended_internal_items_are_purged_from_memory_and_store_unless_changed_meanwhile() {
    let vendor = Vendor::mews(11).await;
    let h = Harness::new(vendor.client.clone()).await;
    let store: Arc<dyn Store> = h.store.clone();
    let flows = FlowStorage::new(store, Arc::new(Cipher::random()));
    let mut desk = Agenda::restore(&h.ctx, flows.clone()).await.unwrap();
    // Each lasts 90 minutes: breakfast ends 09:30, lunch 13:30, dinner 20:30.
    let breakfast = internal(1, 7, 8, "Breakfast");
    let lunch = internal(2, 7, 12, "Lunch");
    let dinner = internal(3, 8, 19, "Dinner");
    for item in [&breakfast, &lunch, &dinner] {
        desk.book(item.clone()).await.unwrap();
    }
    let mut pms_item = internal(4, 7, 6, "Massage");
    pms_item.source = AgendaSource::Pms(PmsKind::Mews);
    desk.upsert(pms_item.clone()).unwrap();
    // Another writer moves lunch to the evening; the desk has not seen it.
    let mut concierge = Agenda::restore(&h.ctx, flows.clone()).await.unwrap();
    let mut late_lunch = lunch.clone();
    late_lunch.starts_at += Duration::hours(6);
    late_lunch.ends_at += Duration::hours(6);
    concierge.book(late_lunch.clone()).await.unwrap();

    let two_pm = Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap();
    let purged = desk.purge_ended(two_pm).await.unwrap();
    assert_eq!(
        purged,
        [breakfast.id],
        "lunch was moved past the cut-off, dinner ends after it"
    );
    assert_eq!(desk.get(breakfast.id), None);
    assert_eq!(
        desk.get(lunch.id),
        Some(&late_lunch),
        "the desk took the stored version"
    );
    assert_eq!(
        desk.get(pms_item.id),
        Some(&pms_item),
        "PMS items are the feed's to remove"
    );
    assert_eq!(
        desk.purge_ended(two_pm).await.unwrap(),
        [],
        "nothing more has ended"
    );

    let restored = Agenda::restore(&h.ctx, flows.clone()).await.unwrap();
    assert_eq!(restored.get(breakfast.id), None, "gone from the store too");
    assert_eq!(restored.get(lunch.id), Some(&late_lunch));
    assert_eq!(restored.get(dinner.id), Some(&dinner));

    // Later in the night everything internal has ended.
    let midnight = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    let mut purged = desk.purge_ended(midnight).await.unwrap();
    purged.sort();
    let mut expected = vec![lunch.id, dinner.id];
    expected.sort();
    assert_eq!(purged, expected);
    let restored = Agenda::restore(&h.ctx, flows).await.unwrap();
    assert_eq!(restored.get(lunch.id), None);
    assert_eq!(restored.get(dinner.id), None);
}

#[tokio::test]
async fn a_booking_changed_by_another_writer_is_not_overwritten() {
    let vendor = Vendor::mews(10).await;
    let h = Harness::new(vendor.client.clone()).await;
    let store: Arc<dyn Store> = h.store.clone();
    let flows = FlowStorage::new(store, Arc::new(Cipher::random()));
    let mut desk = Agenda::restore(&h.ctx, flows.clone()).await.unwrap();
    let dinner = internal(1, 7, 19, "Dinner");
    desk.book(dinner.clone()).await.unwrap();

    let mut concierge = Agenda::restore(&h.ctx, flows.clone()).await.unwrap();
    let mut moved = dinner.clone();
    moved.starts_at += Duration::hours(1);
    moved.ends_at += Duration::hours(1);
    concierge.book(moved.clone()).await.unwrap();

    // The desk still holds version 1: its change is refused and it sees the concierge's.
    let mut renamed = dinner.clone();
    renamed.title = "Dinner for two".into();
    assert!(desk.book(renamed).await.is_err());
    assert_eq!(desk.get(dinner.id), Some(&moved));
    // Having seen it, the desk can change it.
    let mut renamed = moved.clone();
    renamed.title = "Dinner for two".into();
    desk.book(renamed.clone()).await.unwrap();
    assert_eq!(
        Agenda::restore(&h.ctx, flows).await.unwrap().get(dinner.id),
        Some(&renamed)
    );
}

#[tokio::test]
async fn a_failing_store_is_reported_not_hidden_and_the_dispatcher_keeps_working() {
    let vendor = Vendor::mews(11).await;
    let h = Harness::new(vendor.client.clone()).await;
    let db = DbFile::new();
    let cipher = Arc::new(Cipher::random());
    let rooms = some_rooms(&vendor, 1).await;
    let room = &rooms[0];
    let store = db.open().await;
    let dispatcher = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&store, &cipher),
    )
    .await
    .unwrap();
    assert!(dispatcher.is_durable());

    // The database goes away under the running dispatcher.
    store.close().await;
    let created = dispatcher
        .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
        .await;
    assert_eq!(created.len(), 1, "the task still exists in memory");
    assert!(
        dispatcher
            .on_room_status(&room.external, Some(&room.number), &HousekeepingStatus::Dirty)
            .await
            .is_empty()
    );
    assert!(!dispatcher.is_durable(), "the change is known to be pending");
    assert!(
        dispatcher.flush().await.is_err(),
        "flushing says the store still fails"
    );

    // Nothing half-written reached the file.
    let reopened = db.open().await;
    let after = Dispatcher::restore(
        h.ctx.clone(),
        HousekeepingRules::default(),
        storage(&reopened, &cipher),
    )
    .await
    .unwrap();
    assert!(after.tasks().is_empty());
}
