//! The webhook inbox under hostile and bursty input (issue 17):
//!
//! - a poison event (an entity the PMS refuses to re-read) backs off on an
//!   injected clock, is dead-lettered after its last attempt, and never holds
//!   back polling or the events behind it (bug 10);
//! - a burst of hints costs a bounded number of PMS reads, counted here by a
//!   counting client, never timed (bug 15);
//! - a room first seen by a webhook is mirrored as a full read mirrors it,
//!   so the next reconcile finds nothing changed (bug 23.floor).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use pms_core::*;
use pms_sync::store::{InboxEntry, InboxEvent, Store};
use pms_sync::{HealthStatus, HotelSync, InboxRetry, Mirror, PollSettings, Worker};

mod support;
use support::Harness;

#[derive(Debug, Default)]
struct State {
    rooms: Vec<Room>,
    statuses: Vec<RoomStatusReport>,
    reservations: Vec<Reservation>,
    /// Record ids whose single-record read the PMS refuses (400).
    refused: BTreeSet<String>,
    /// The room list read fails (503).
    rooms_down: bool,
    /// Calls per read.
    calls: BTreeMap<&'static str, usize>,
}

/// A PMS that counts every read and refuses the records it is told to.
#[derive(Debug, Clone, Default)]
struct CountingPms(Arc<Mutex<State>>);

impl CountingPms {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }

    fn count(&self, read: &'static str) {
        self.with(|s| *s.calls.entry(read).or_default() += 1);
    }

    fn calls(&self, read: &'static str) -> usize {
        self.with(|s| s.calls.get(read).copied().unwrap_or(0))
    }

    fn total_calls(&self) -> usize {
        self.with(|s| s.calls.values().sum())
    }
}

#[async_trait]
impl PmsClient for CountingPms {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        self.count("reservation");
        self.with(|s| {
            if s.refused.contains(id.as_str()) {
                // What Mews answers for `ReservationIds: ["not-a-uuid"]`: a 400.
                return Err(Error::validation("Invalid ReservationIds."));
            }
            s.reservations
                .iter()
                .find(|r| r.external.id == *id)
                .cloned()
                .ok_or_else(|| Error::not_found(id.to_string()))
        })
    }
    async fn reservations_modified(&self, _: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        self.count("reservations_modified");
        Ok(Page {
            items: self.with(|s| s.reservations.clone()),
            next: None,
        })
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.count("arrivals");
        Ok(self.with(|s| {
            s.reservations
                .iter()
                .filter(|r| range.contains(r.arrival))
                .cloned()
                .collect()
        }))
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.count("departures");
        Ok(self.with(|s| {
            s.reservations
                .iter()
                .filter(|r| range.contains(r.departure))
                .cloned()
                .collect()
        }))
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        self.count("guest");
        if self.with(|s| s.refused.contains(id.as_str())) {
            // A Cloudbeds guest born on 1931-02-31: the connector cannot map
            // it, and a parser message may quote the value it refused.
            return Err(Error::decode(
                PmsKind::Cloudbeds,
                "data.guestBirthdate",
                "input is out of range: \"1931-02-31\"",
            ));
        }
        Err(Error::not_found(id.to_string()))
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.count("rooms");
        if self.with(|s| s.rooms_down) {
            return Err(Error::transient("503 Service Unavailable"));
        }
        Ok(self.with(|s| s.rooms.clone()))
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.count("room_statuses");
        Ok(self.with(|s| s.statuses.clone()))
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        self.count("folio");
        Err(Error::not_found(reservation.to_string()))
    }
    async fn set_room_status(&self, _: &RoomStatusUpdate) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "set_room_status"))
    }
    async fn check_in(&self, _: &CheckInRequest) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "check_in"))
    }
    async fn check_out(&self, _: &CheckOutRequest) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "check_out"))
    }
    async fn post_charge(&self, _: &ChargeRequest) -> Result<PostedCharge, Error> {
        Err(Error::unsupported(PmsKind::Mews, "post_charge"))
    }
    async fn health(&self) -> HealthReport {
        HealthReport {
            pms: PmsKind::Mews,
            healthy: true,
            latency: Duration::ZERO,
            checked_at: Utc::now(),
            error: None,
            detail: None,
        }
    }
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

fn external(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn reservation(id: &str) -> Reservation {
    Reservation {
        id: ReservationId::derive(&hotel(), &external(id)),
        external: external(id),
        hotel: hotel(),
        confirmation_number: Some(id.to_owned()),
        status: ReservationStatus::Confirmed,
        arrival: day(25),
        departure: day(27),
        eta: None,
        etd: None,
        room_number: None,
        room_type: Some("Double".into()),
        adults: 2,
        children: 0,
        primary_guest: None,
        companions: Vec::new(),
        rate_plan_code: None,
        total: None,
        balance: None,
        created_at: None,
        updated_at: None,
        source: None,
        channel: None,
        raw: None,
    }
}

/// Room `n` of a hotel: on floor `n / 100`, as a full room-list read has it.
fn room(n: usize) -> Room {
    Room {
        external: external(&format!("room-{n}")),
        number: RoomNumber::new(n.to_string()).unwrap(),
        room_type: Some("Double".into()),
        floor: Some((n / 100).to_string()),
        status: None,
    }
}

fn status(n: usize, housekeeping: HousekeepingStatus) -> RoomStatusReport {
    RoomStatusReport {
        room: external(&format!("room-{n}")),
        number: RoomNumber::new(n.to_string()).unwrap(),
        status: RoomStatus {
            housekeeping,
            occupancy: None,
            updated_at: None,
        },
    }
}

/// A hint as the receiver stores it: a normalized event, ids only.
fn hint(event_id: &str, change: Change) -> InboxEvent {
    let event = PmsEvent {
        id: EventId::new(event_id),
        hotel: hotel(),
        occurred_at: Utc::now(),
        source: EventSource::Webhook,
        change,
    };
    InboxEvent {
        seq: 0,
        hotel: hotel(),
        event_id: event_id.to_owned(),
        payload: serde_json::to_value(&event).unwrap(),
        received_at: Utc::now(),
    }
}

fn reservation_hint(id: &str) -> InboxEvent {
    hint(
        &format!("mews:ent:reservation:{id}"),
        Change::ReservationUpdated {
            reservation: external(id),
        },
    )
}

fn room_hint(event_id: &str, n: usize) -> InboxEvent {
    hint(
        event_id,
        Change::RoomStatusChanged {
            room: external(&format!("room-{n}")),
            number: None,
            status: None,
        },
    )
}

fn sync(harness: &Harness, pms: &CountingPms) -> HotelSync {
    HotelSync::new(
        hotel(),
        Arc::new(pms.clone()),
        Mirror::new(harness.store.clone(), harness.cipher.clone()),
        harness.clock.clone(),
        PollSettings::default(),
    )
}

/// The one pending event with `event_id`, due or not.
async fn entry(store: &Arc<dyn Store>, event_id: &str) -> InboxEntry {
    let far = Utc::now() + chrono::Duration::days(3650);
    let mut found: Vec<InboxEntry> = store
        .inbox_due(&hotel(), far, 10_000)
        .await
        .unwrap()
        .into_iter()
        .chain(store.inbox_dead(Some(&hotel()), 10_000).await.unwrap())
        .filter(|e| e.event.event_id == event_id)
        .collect();
    assert_eq!(found.len(), 1, "{event_id}: {found:?}");
    found.remove(0)
}

const POISON: &str = "mews:ent:reservation:not-a-uuid";

#[tokio::test]
async fn a_poison_event_never_stops_polling_or_the_events_behind_it() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    pms.with(|s| {
        s.reservations = vec![reservation("res-1"), reservation("res-2")];
        s.refused.insert("not-a-uuid".into());
        s.rooms = vec![room(101)];
        s.statuses = vec![status(101, HousekeepingStatus::Dirty)];
    });
    let sync = sync(&harness, &pms);
    // The poison arrives first; good hints queue behind it.
    for event in [
        reservation_hint("not-a-uuid"),
        reservation_hint("res-1"),
        room_hint("mews:ent:room:room-101", 101),
    ] {
        assert!(harness.store.inbox_push(&event).await.unwrap());
    }
    let worker = Worker::new(
        "w1",
        harness.store.clone(),
        vec![sync.clone()],
        Duration::from_secs(60),
        harness.clock.clone(),
    );

    let report = worker.run_once().await.unwrap();

    // The hotel synced: the poll ran and the good hints were applied.
    assert_eq!(report.synced, ["grand"], "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!((report.inbox_applied, report.polled), (2, 2));
    assert_eq!(pms.calls("reservations_modified"), 1);
    let mirror = sync.mirror();
    assert!(
        mirror
            .get::<Reservation>(&hotel(), "res-1")
            .await
            .unwrap()
            .is_some()
    );
    // The poison waits for its next attempt, with a PII-free reason.
    let now = harness.clock.now();
    let poison = entry(&harness.store, POISON).await;
    assert_eq!(
        (
            poison.attempts,
            poison.last_attempt_at,
            poison.next_attempt_at,
            poison.dead_at
        ),
        (1, Some(now), Some(now + chrono::Duration::seconds(60)), None)
    );
    // The read, the error kind, then the connector's (PII-free) message.
    let error = poison.last_error.unwrap();
    assert!(error.starts_with("reservation read: Validation: "), "{error}");
    assert!(error.ends_with("Invalid ReservationIds."), "{error}");
    let health = sync.health().snapshot().unwrap();
    assert_eq!((health.inbox_retrying, health.inbox_dead), (Some(1), Some(0)));

    // Its attempts back off: 1, 2, 4, ... 60 minutes. A pass before it is due
    // reads nothing for it, and a good hint arriving meanwhile is applied at once.
    let minutes = [1, 2, 4, 8, 16, 32, 60, 60, 60];
    for (attempt, wait) in (1u32..).zip(minutes) {
        let poison = entry(&harness.store, POISON).await;
        assert_eq!(poison.attempts, attempt);
        let wait = chrono::Duration::minutes(wait);
        assert_eq!(
            poison.next_attempt_at.unwrap() - poison.last_attempt_at.unwrap(),
            wait
        );
        harness.clock.advance(wait - chrono::Duration::seconds(1));
        let early = format!("mews:ent:room:early-{attempt}");
        harness.store.inbox_push(&room_hint(&early, 101)).await.unwrap();
        let reads = pms.calls("reservation");
        let drained = sync.drain_inbox(500).await.unwrap();
        assert_eq!(
            (drained.applied, drained.retrying, drained.dead_lettered),
            (1, 0, 0)
        );
        assert_eq!(pms.calls("reservation"), reads, "not due: not read");
        harness.clock.advance(chrono::Duration::seconds(1));
        let drained = sync.drain_inbox(500).await.unwrap();
        assert_eq!(pms.calls("reservation"), reads + 1);
        if attempt < 9 {
            assert_eq!((drained.retrying, drained.dead_lettered), (1, 0));
        } else {
            assert_eq!((drained.retrying, drained.dead_lettered), (0, 1));
        }
    }

    // The tenth failure dead-lettered it: kept, counted, no longer read.
    let dead = harness.store.inbox_dead(Some(&hotel()), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].event.event_id.as_str(), dead[0].attempts), (POISON, 10));
    assert_eq!(dead[0].dead_at, Some(harness.clock.now()));
    let health = sync.health().snapshot().unwrap();
    assert_eq!((health.inbox_retrying, health.inbox_dead), (Some(0), Some(1)));
    assert_eq!(health.status, HealthStatus::Degraded);
    harness.clock.advance(chrono::Duration::days(30));
    let reads = pms.calls("reservation");
    let report = worker.run_once().await.unwrap();
    assert_eq!(report.synced, ["grand"]);
    assert_eq!(pms.calls("reservation"), reads);

    // Re-driven (the PMS now reads it), it is applied like any hint and
    // health is healthy again.
    let seq = dead[0].event.seq;
    assert!(harness.store.inbox_redrive(seq).await.unwrap().is_some());
    pms.with(|s| {
        s.refused.clear();
        s.reservations.push(reservation("not-a-uuid"));
    });
    let drained = sync.drain_inbox(500).await.unwrap();
    assert_eq!(
        (drained.applied, drained.retrying, drained.dead_lettered),
        (1, 0, 0)
    );
    let health = sync.health().snapshot().unwrap();
    assert_eq!((health.inbox_retrying, health.inbox_dead), (Some(0), Some(0)));
    assert_eq!(health.status, HealthStatus::Healthy);
}

#[tokio::test]
async fn a_failed_reread_keeps_no_value_of_the_record_in_the_inbox() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    pms.with(|s| s.refused.insert("guest-1931".into()));
    let sync = sync(&harness, &pms).with_inbox_retry(InboxRetry {
        max_attempts: 1,
        ..InboxRetry::default()
    });
    let event = hint(
        "cloudbeds:guest:guest-1931",
        Change::GuestUpdated {
            guest: external("guest-1931"),
        },
    );
    harness.store.inbox_push(&event).await.unwrap();

    let drained = sync.drain_inbox(10).await.unwrap();

    // One allowed attempt: dead at once.
    assert_eq!((drained.applied, drained.dead_lettered, drained.reads), (0, 1, 1));
    let dead = entry(&harness.store, "cloudbeds:guest:guest-1931").await;
    let error = dead.last_error.unwrap();
    assert!(error.starts_with("guest read: Decode: "), "{error}");
    assert!(
        error.contains("data.guestBirthdate"),
        "the place is named: {error}"
    );
    assert!(error.contains("\"<redacted>\""), "{error}");
    assert!(!error.contains("1931"), "the value is not: {error}");
}

#[tokio::test]
async fn an_unreadable_payload_is_dead_lettered_at_once() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    let sync = sync(&harness, &pms);
    let mut garbage = reservation_hint("res-1");
    garbage.event_id = "garbage".into();
    garbage.payload = serde_json::json!({"not": "an event"});
    harness.store.inbox_push(&garbage).await.unwrap();
    harness
        .store
        .inbox_push(&reservation_hint("res-1"))
        .await
        .unwrap();

    let drained = sync.drain_inbox(10).await.unwrap();

    assert_eq!(
        (drained.applied, drained.dead_lettered, drained.retrying),
        (1, 1, 0)
    );
    let dead = entry(&harness.store, "garbage").await;
    assert_eq!(
        (dead.attempts, dead.last_error.as_deref()),
        (1, Some("payload is not a normalized event"))
    );
}

#[tokio::test]
async fn a_burst_of_room_events_costs_one_status_read_per_pass() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    let rooms = 1_000;
    pms.with(|s| {
        s.rooms = (0..rooms).map(|n| room(100 + n)).collect();
        s.statuses = (0..rooms)
            .map(|n| status(100 + n, HousekeepingStatus::Dirty))
            .collect();
    });
    let sync = sync(&harness, &pms);
    // 2,600 events with their own ids (as a vendor that numbers its events
    // sends them), over the hotel's 1,000 rooms: none coalesces in the inbox.
    let burst: Vec<InboxEvent> = (0..2_600)
        .map(|i| room_hint(&format!("housekeeping:{i}"), 100 + i % rooms))
        .collect();
    assert!(
        harness
            .store
            .inbox_push_many(&burst)
            .await
            .unwrap()
            .iter()
            .all(|new| *new)
    );

    // One drain of the whole burst: one status read, and one room-list read
    // for the rooms the mirror did not hold yet.
    let drained = sync.drain_inbox(5_000).await.unwrap();
    assert_eq!((drained.applied, drained.reads), (2_600, 2));
    assert_eq!((pms.calls("room_statuses"), pms.calls("rooms")), (1, 1));
    assert_eq!(pms.total_calls(), 2);
    assert_eq!(
        harness
            .store
            .records(&hotel(), pms_sync::store::RecordKind::Room)
            .await
            .unwrap()
            .len(),
        rooms
    );

    // The same burst through the worker, 500 events per pass: one status read
    // per pass (every room is mirrored now), and the poll runs every pass.
    pms.with(|s| {
        for s in &mut s.statuses {
            s.status.housekeeping = HousekeepingStatus::Clean;
        }
    });
    let again: Vec<InboxEvent> = (0..2_600)
        .map(|i| room_hint(&format!("housekeeping:second:{i}"), 100 + i % rooms))
        .collect();
    harness.store.inbox_push_many(&again).await.unwrap();
    let worker = Worker::new(
        "w1",
        harness.store.clone(),
        vec![sync.clone()],
        Duration::from_secs(60),
        harness.clock.clone(),
    );
    let before = pms.total_calls();
    let mut applied = 0;
    let mut passes = 0;
    while applied < 2_600 {
        let report = worker.run_once().await.unwrap();
        assert!(report.failed.is_empty(), "{report:?}");
        applied += report.inbox_applied;
        passes += 1;
        assert!(passes <= 6, "2,600 events take 6 passes of 500");
    }
    assert_eq!(passes, 6);
    assert_eq!(pms.calls("room_statuses"), 1 + 6);
    assert_eq!(pms.calls("rooms"), 1, "no list read once every room is mirrored");
    assert_eq!(pms.calls("reservations_modified"), 6);
    assert_eq!(pms.total_calls() - before, 12);
    let mirrored: Vec<Room> = sync.mirror().all(&hotel()).await.unwrap();
    assert!(
        mirrored
            .iter()
            .all(|r| r.status.as_ref().unwrap().housekeeping == HousekeepingStatus::Clean)
    );
}

#[tokio::test]
async fn hints_for_one_record_are_read_once_per_pass() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    pms.with(|s| s.reservations = (0..10).map(|i| reservation(&format!("res-{i}"))).collect());
    let sync = sync(&harness, &pms);
    // 300 hints over 10 reservations (created, updated, cancelled... each
    // with its own event id), 40 over 4 guests and 30 over 3 folios.
    let mut hints = Vec::new();
    for i in 0..300 {
        let id = format!("res-{}", i % 10);
        let change = match i % 3 {
            0 => Change::ReservationCreated {
                reservation: external(&id),
            },
            1 => Change::ReservationUpdated {
                reservation: external(&id),
            },
            _ => Change::ReservationStatusChanged {
                reservation: external(&id),
                status: None,
            },
        };
        hints.push(hint(&format!("r:{i}"), change));
    }
    for i in 0..40 {
        hints.push(hint(
            &format!("g:{i}"),
            Change::GuestUpdated {
                guest: external(&format!("guest-{}", i % 4)),
            },
        ));
    }
    for i in 0..30 {
        hints.push(hint(
            &format!("f:{i}"),
            Change::FolioChanged {
                reservation: Some(external(&format!("res-{}", i % 3))),
                item: None,
            },
        ));
    }
    harness.store.inbox_push_many(&hints).await.unwrap();

    let drained = sync.drain_inbox(1_000).await.unwrap();

    assert_eq!((drained.applied, drained.reads), (370, 17));
    assert_eq!(
        (pms.calls("reservation"), pms.calls("guest"), pms.calls("folio")),
        (10, 4, 3)
    );
    assert_eq!(
        sync.mirror().all::<Reservation>(&hotel()).await.unwrap().len(),
        10
    );
}

#[tokio::test]
async fn a_room_first_seen_by_a_webhook_is_mirrored_as_a_full_read_mirrors_it() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    pms.with(|s| {
        s.rooms = vec![room(101), room(102), room(201)];
        s.statuses = vec![
            status(101, HousekeepingStatus::Dirty),
            status(102, HousekeepingStatus::Clean),
            status(201, HousekeepingStatus::Inspected),
        ];
    });
    let sync = sync(&harness, &pms);
    for n in [101, 201] {
        harness
            .store
            .inbox_push(&room_hint(&format!("room:{n}"), n))
            .await
            .unwrap();
    }

    let drained = sync.drain_inbox(10).await.unwrap();
    assert_eq!(drained.applied, 2);

    let mirrored: Room = sync.mirror().get(&hotel(), "room-101").await.unwrap().unwrap();
    assert_eq!(
        mirrored,
        Room {
            status: Some(status(101, HousekeepingStatus::Dirty).status),
            ..room(101)
        }
    );
    // The next reconcile finds the webhook's rooms as it would have written
    // them: only the room no hint named is new to it.
    let window = DateRange::new(day(20), day(30)).unwrap();
    let report = sync.reconcile(window).await.unwrap();
    assert!(report.changed.is_empty(), "{report:?}");
    let missing: Vec<&str> = report.missing.iter().map(|d| d.external_id.as_str()).collect();
    assert_eq!(missing, ["room-102"]);
}

#[tokio::test]
async fn room_hints_that_need_a_failed_room_list_wait_and_the_others_apply() {
    let harness = Harness::new().await;
    let pms = CountingPms::default();
    pms.with(|s| {
        s.rooms = vec![room(101), room(102)];
        s.statuses = vec![
            status(101, HousekeepingStatus::Dirty),
            status(102, HousekeepingStatus::Dirty),
        ];
    });
    let sync = sync(&harness, &pms);
    harness
        .store
        .inbox_push(&room_hint("room:101", 101))
        .await
        .unwrap();
    assert_eq!(sync.drain_inbox(10).await.unwrap().applied, 1);

    // 101 is mirrored now, 102 is not, and the room list is down.
    pms.with(|s| {
        s.rooms_down = true;
        s.statuses[0].status.housekeeping = HousekeepingStatus::Clean;
    });
    harness
        .store
        .inbox_push(&room_hint("room:101:b", 101))
        .await
        .unwrap();
    harness
        .store
        .inbox_push(&room_hint("room:102", 102))
        .await
        .unwrap();
    let drained = sync.drain_inbox(10).await.unwrap();

    assert_eq!((drained.applied, drained.retrying), (1, 1));
    let known: Room = sync.mirror().get(&hotel(), "room-101").await.unwrap().unwrap();
    assert_eq!(known.status.unwrap().housekeeping, HousekeepingStatus::Clean);
    assert!(
        sync.mirror()
            .get::<Room>(&hotel(), "room-102")
            .await
            .unwrap()
            .is_none(),
        "never stored without its floor and type"
    );
    let waiting = entry(&harness.store, "room:102").await;
    assert_eq!(waiting.attempts, 1);
    let error = waiting.last_error.unwrap();
    assert!(error.starts_with("rooms read: Transient: "), "{error}");
}

/// Counter totals by metric name (labels summed): just enough of a
/// `metrics` recorder to see what a drain counts.
#[derive(Debug, Default)]
struct CountingRecorder(Arc<Mutex<BTreeMap<String, u64>>>);

#[derive(Debug)]
struct NamedCounter(String, Arc<Mutex<BTreeMap<String, u64>>>);

impl metrics::CounterFn for NamedCounter {
    fn increment(&self, value: u64) {
        *self.1.lock().unwrap().entry(self.0.clone()).or_default() += value;
    }
    fn absolute(&self, value: u64) {
        self.1.lock().unwrap().insert(self.0.clone(), value);
    }
}

impl metrics::Recorder for CountingRecorder {
    fn describe_counter(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_gauge(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_histogram(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(Arc::new(NamedCounter(key.name().to_owned(), self.0.clone())))
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[test]
fn failed_attempts_and_dead_letters_are_counted_in_metrics() {
    let recorder = CountingRecorder::default();
    // The recorder is this thread's: the drain runs on a current-thread runtime.
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let harness = Harness::new().await;
            let pms = CountingPms::default();
            pms.with(|s| s.refused.insert("not-a-uuid".into()));
            let sync = sync(&harness, &pms).with_inbox_retry(InboxRetry {
                max_attempts: 2,
                ..InboxRetry::default()
            });
            harness
                .store
                .inbox_push(&reservation_hint("not-a-uuid"))
                .await
                .unwrap();
            assert_eq!(sync.drain_inbox(10).await.unwrap().retrying, 1);
            harness.clock.advance(chrono::Duration::minutes(1));
            assert_eq!(sync.drain_inbox(10).await.unwrap().dead_lettered, 1);
        });
    });
    let counted = recorder.0.lock().unwrap().clone();
    assert_eq!(
        counted.get("pms_sync_inbox_failures_total"),
        Some(&2),
        "{counted:?}"
    );
    assert_eq!(
        counted.get("pms_sync_inbox_dead_lettered_total"),
        Some(&1),
        "{counted:?}"
    );
}

/// Even a drain that fails (here the store cannot read an inbox row) must
/// not keep the poll from running: before the fix `sync_one` returned at the
/// drain's error and the hotel was never polled again.
#[tokio::test]
async fn an_inbox_the_store_cannot_read_still_lets_the_poll_run() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut harness = Harness::new().await;
    harness.store = Arc::new(pms_sync::SqliteStore::open(&path).await.unwrap());
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO inbox (hotel, event_id, payload, received_at) VALUES ('grand', 'e1', '{', 0)")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let pms = CountingPms::default();
    pms.with(|s| s.reservations = vec![reservation("res-1")]);
    let sync = sync(&harness, &pms);
    let worker = Worker::new(
        "w1",
        harness.store.clone(),
        vec![sync.clone()],
        Duration::from_secs(60),
        harness.clock.clone(),
    );

    let report = worker.run_once().await.unwrap();

    // Reported (an operator must see a corrupt store) ...
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(
        report.failed[0].1.contains("unreadable inbox event"),
        "{report:?}"
    );
    // ... and polled all the same.
    assert_eq!(pms.calls("reservations_modified"), 1);
    assert!(
        sync.mirror()
            .get::<Reservation>(&hotel(), "res-1")
            .await
            .unwrap()
            .is_some()
    );
}
