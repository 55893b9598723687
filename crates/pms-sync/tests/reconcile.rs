//! Reconcile liveness: each PMS read retries on its own, and a read that
//! still fails leaves its records untouched and reported instead of aborting
//! the pass (issue 11, finding 5).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use pms_core::*;
use pms_sync::store::RecordKind;
use pms_sync::{HealthStatus, HotelSync, Mirror, PollSettings, RetryPolicy};

mod support;
use support::Harness;

/// How a scripted read fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    /// 503.
    Transient,
    /// 429 with `Retry-After`.
    RateLimited(u64),
}

impl Fail {
    fn error(self) -> Error {
        match self {
            Fail::Transient => Error::transient("503 Service Unavailable"),
            Fail::RateLimited(secs) => Error::RateLimited {
                retry_after: Some(Duration::from_secs(secs)),
                vendor_request_id: None,
            },
        }
    }
}

#[derive(Debug, Default)]
struct State {
    rooms: Vec<Room>,
    reservations: Vec<Reservation>,
    /// Per read name: failures to serve before answering.
    fail_next: BTreeMap<&'static str, VecDeque<Fail>>,
    /// Per read name (and record id for `reservation`): always fails.
    fail_always: Vec<String>,
    /// Calls per read name.
    calls: BTreeMap<&'static str, usize>,
}

/// A PMS whose reconcile reads can be told to fail.
#[derive(Debug, Clone, Default)]
struct ReadPms(Arc<Mutex<State>>);

impl ReadPms {
    fn gate(&self, read: &'static str, id: Option<&str>) -> Result<(), Error> {
        let mut s = self.0.lock().unwrap();
        *s.calls.entry(read).or_default() += 1;
        let key = id.map_or(read.to_owned(), |id| format!("{read}:{id}"));
        if s.fail_always.contains(&key) || s.fail_always.iter().any(|k| k == read) {
            return Err(Fail::Transient.error());
        }
        if let Some(fail) = s.fail_next.get_mut(read).and_then(VecDeque::pop_front) {
            return Err(fail.error());
        }
        Ok(())
    }

    fn calls(&self, read: &'static str) -> usize {
        self.0.lock().unwrap().calls.get(read).copied().unwrap_or(0)
    }

    fn fail_next(&self, read: &'static str, fails: &[Fail]) {
        self.0
            .lock()
            .unwrap()
            .fail_next
            .insert(read, fails.iter().copied().collect());
    }

    fn fail_always(&self, key: &str) {
        self.0.lock().unwrap().fail_always.push(key.to_owned());
    }

    fn heal(&self) {
        let mut s = self.0.lock().unwrap();
        s.fail_always.clear();
        s.fail_next.clear();
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }
}

/// Day `d` counted from 1 November 2026 (40 is 10 December).
fn day(d: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + chrono::Days::new(d - 1)
}

fn window() -> DateRange {
    DateRange::new(day(20), day(30)).unwrap()
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

fn reservation(id: &str, arrival: NaiveDate, departure: NaiveDate) -> Reservation {
    let external = ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap());
    Reservation {
        id: ReservationId::derive(&hotel(), &external),
        external,
        hotel: hotel(),
        confirmation_number: Some(id.to_owned()),
        status: ReservationStatus::Confirmed,
        arrival,
        departure,
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

fn room(id: &str) -> Room {
    Room {
        external: ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap()),
        number: RoomNumber::new(id).unwrap(),
        room_type: Some("Double".into()),
        floor: None,
        status: None,
    }
}

#[async_trait]
impl PmsClient for ReadPms {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        self.gate("reservation", Some(id.as_str()))?;
        self.with(|s| {
            s.reservations
                .iter()
                .find(|r| r.external.id == *id)
                .cloned()
                .ok_or_else(|| Error::not_found(id.to_string()))
        })
    }
    async fn reservations_modified(&self, _: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        Ok(Page {
            items: vec![],
            next: None,
        })
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.gate("arrivals", None)?;
        Ok(self.with(|s| {
            s.reservations
                .iter()
                .filter(|r| range.contains(r.arrival))
                .cloned()
                .collect()
        }))
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.gate("departures", None)?;
        Ok(self.with(|s| {
            s.reservations
                .iter()
                .filter(|r| range.contains(r.departure))
                .cloned()
                .collect()
        }))
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        Err(Error::not_found(id.to_string()))
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.gate("rooms", None)?;
        Ok(self.with(|s| s.rooms.clone()))
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.gate("room_statuses", None)?;
        Ok(Vec::new())
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
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

struct Rig {
    pms: ReadPms,
    sync: HotelSync,
    harness: Harness,
}

/// A hotel of 3 rooms and 4 stays in the window, mirrored by a first clean pass.
async fn rig(retry: RetryPolicy) -> Rig {
    let harness = Harness::new().await;
    let pms = ReadPms::default();
    pms.with(|s| {
        s.rooms = vec![room("101"), room("102"), room("103")];
        s.reservations = vec![
            reservation("res-a", day(21), day(23)),
            reservation("res-b", day(22), day(26)),
            reservation("res-c", day(10), day(24)),
            reservation("res-d", day(29), day(40)),
        ];
    });
    let sync = HotelSync::new(
        hotel(),
        Arc::new(pms.clone()),
        Mirror::new(harness.store.clone(), harness.cipher.clone()),
        harness.clock.clone(),
        PollSettings::default(),
    )
    .with_read_retry(retry, Arc::new(harness.sleeper.clone()));
    let first = sync.reconcile(window()).await.unwrap();
    assert_eq!(first.missing.len(), 7, "{first:?}");
    assert!(first.is_verified());
    Rig { pms, sync, harness }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_elapsed: Duration::from_secs(120),
    }
}

async fn mirrored_ids(rig: &Rig) -> Vec<String> {
    let mut ids: Vec<String> = rig
        .sync
        .mirror()
        .all::<Reservation>(&hotel())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external.id.to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn transient_failures_and_429s_are_retried_per_read_and_the_pass_completes() {
    let rig = rig(quick_retry()).await;
    // A real change to find, and every read failing once or twice first.
    rig.pms.with(|s| s.reservations[1].adults = 3);
    rig.pms.fail_next("rooms", &[Fail::RateLimited(7)]);
    rig.pms
        .fail_next("room_statuses", &[Fail::Transient, Fail::Transient]);
    rig.pms
        .fail_next("arrivals", &[Fail::Transient, Fail::RateLimited(2)]);
    rig.pms.fail_next("departures", &[Fail::Transient]);
    let slept_before = rig.harness.sleeper.slept().len();

    let report = rig.sync.reconcile(window()).await.unwrap();

    assert!(report.is_verified(), "{report:?}");
    assert_eq!(report.drift(), 1, "{report:?}");
    assert_eq!(report.changed[0].external_id, "res-b");
    assert_eq!(report.changed[0].fields, ["adults"]);
    assert_eq!(report.total(), 1);
    // Each failed read was sent again on its own: 1 + 1, 1 + 2, 2 + 2, 1 + 1 (plus the first pass).
    assert_eq!(
        (
            rig.pms.calls("rooms"),
            rig.pms.calls("room_statuses"),
            rig.pms.calls("arrivals"),
            rig.pms.calls("departures")
        ),
        (3, 4, 4, 3)
    );
    // Six retries, each after a wait; the 429s' Retry-After is a floor.
    let slept = &rig.harness.sleeper.slept()[slept_before..];
    assert_eq!(slept.len(), 6, "{slept:?}");
    assert!(slept.iter().any(|d| *d >= Duration::from_secs(7)), "{slept:?}");
    let health = rig.sync.health().snapshot().unwrap();
    assert_eq!(health.reconcile_unverified, Some(0));
    assert_eq!(health.status, HealthStatus::Healthy);
}

#[tokio::test]
async fn a_record_whose_read_keeps_failing_is_left_untouched_and_reported() {
    let rig = rig(quick_retry()).await;
    // res-a's dates moved out of the window: the list no longer carries it, so
    // reconcile must ask for it by id; that read fails on every try.
    rig.pms.with(|s| {
        s.reservations[0].arrival = day(1);
        s.reservations[0].departure = day(3);
    });
    rig.pms.fail_always("reservation:res-a");
    let before: Reservation = rig.sync.mirror().get(&hotel(), "res-a").await.unwrap().unwrap();

    let report = rig.sync.reconcile(window()).await.unwrap();

    assert!(
        report.extra.is_empty(),
        "never deleted on a failed read: {report:?}"
    );
    assert!(report.changed.is_empty(), "{report:?}");
    assert_eq!(report.unverified.len(), 1, "{report:?}");
    let unverified = &report.unverified[0];
    assert_eq!(
        (
            unverified.kind,
            unverified.read,
            unverified.external_id.as_deref(),
            unverified.records,
            unverified.error
        ),
        (
            RecordKind::Reservation,
            "reservation",
            Some("res-a"),
            1,
            ErrorKind::Transient
        )
    );
    // Retried up to the policy's bound before giving up.
    assert_eq!(rig.pms.calls("reservation"), 6);
    let after: Reservation = rig.sync.mirror().get(&hotel(), "res-a").await.unwrap().unwrap();
    assert_eq!(after, before, "left as it was");
    // Never reported clean.
    assert_ne!(report.total(), 0);
    let health = rig.sync.health().snapshot().unwrap();
    assert_eq!(health.reconcile_unverified, Some(1));
    assert_ne!(health.status, HealthStatus::Healthy);

    // Once the PMS answers again, the next pass verifies and repairs it.
    rig.pms.heal();
    let again = rig.sync.reconcile(window()).await.unwrap();
    assert!(again.is_verified(), "{again:?}");
    assert_eq!(again.changed.len(), 1, "{again:?}");
    let repaired: Reservation = rig.sync.mirror().get(&hotel(), "res-a").await.unwrap().unwrap();
    assert_eq!(repaired.arrival, day(1));
    assert_eq!(
        rig.sync.health().snapshot().unwrap().status,
        HealthStatus::Healthy
    );
}

#[tokio::test]
async fn a_failing_window_read_reports_its_range_and_deletes_nothing_it_covered() {
    let rig = rig(RetryPolicy::never()).await;
    // res-b is deleted at the PMS, and the arrivals read is down for good.
    rig.pms
        .with(|s| s.reservations.retain(|r| r.external.id.as_str() != "res-b"));
    rig.pms.fail_always("arrivals");
    rig.pms.fail_always("rooms");

    let report = rig.sync.reconcile(window()).await.unwrap();

    let reads: Vec<_> = report.unverified.iter().map(|u| u.read).collect();
    assert_eq!(reads, ["rooms", "arrivals"], "{report:?}");
    let arrivals = &report.unverified[1];
    assert_eq!(arrivals.range, Some(window()));
    // res-a, res-b and res-d arrive in the window.
    assert_eq!(arrivals.records, 3);
    assert_eq!(report.unverified[0].records, 3, "three mirrored rooms");
    // res-b departs in the window too and the departures read succeeded: it
    // is looked up by id, found gone, and only then removed.
    assert_eq!(
        report
            .extra
            .iter()
            .map(|d| d.external_id.as_str())
            .collect::<Vec<_>>(),
        ["res-b"]
    );
    // res-d (arrival in the window, departure after it) was covered only by
    // the failed read: still mirrored. Rooms untouched.
    assert_eq!(mirrored_ids(&rig).await, ["res-a", "res-c", "res-d"]);
    assert_eq!(rig.sync.mirror().all::<Room>(&hotel()).await.unwrap().len(), 3);
    assert_eq!(report.drift(), 1);
    assert_eq!(report.total(), 3, "drift plus two unverified reads");

    // Even with nothing to repair, an incomplete pass is not a clean one.
    let again = rig.sync.reconcile(window()).await.unwrap();
    assert_eq!(again.drift(), 0, "{again:?}");
    assert_eq!(again.total(), 2, "{again:?}");
    assert!(!again.is_verified());
}

#[tokio::test]
async fn every_read_failing_still_completes_and_changes_nothing() {
    let rig = rig(RetryPolicy::never()).await;
    for read in ["rooms", "arrivals", "departures"] {
        rig.pms.fail_always(read);
    }
    rig.pms.with(|s| s.reservations.clear());
    let report = rig.sync.reconcile(window()).await.unwrap();
    assert_eq!(report.drift(), 0, "{report:?}");
    assert_eq!(report.unverified.len(), 3);
    assert_eq!(report.compared, 0);
    assert_eq!(mirrored_ids(&rig).await, ["res-a", "res-b", "res-c", "res-d"]);
}

/// A client through which a sync writes between reconcile's reads and its
/// write: once the arrivals read has its answer, the PMS changes res-d again
/// and a webhook drain (the sync) mirrors that newer version; then the
/// answer, older now, goes back to the reconcile.
struct SyncDuringArrivals {
    inner: ReadPms,
    racer: tokio::sync::Mutex<Option<HotelSync>>,
}

#[async_trait]
impl PmsClient for SyncDuringArrivals {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        self.inner.reservation(id).await
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        self.inner.reservations_modified(query).await
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        let answer = self.inner.arrivals(range).await?;
        if let Some(racer) = self.racer.lock().await.take() {
            self.inner.with(|s| s.reservations[3].adults = 4);
            let change = Change::ReservationUpdated {
                reservation: ExternalRef::new(PmsKind::Mews, VendorId::new("res-d").unwrap()),
            };
            let event = PmsEvent {
                id: EventId::new("mews:ent:reservation:res-d"),
                hotel: hotel(),
                occurred_at: Utc::now(),
                source: EventSource::Webhook,
                change,
            };
            let store = racer.mirror().store();
            store
                .inbox_push(&pms_sync::store::InboxEvent {
                    seq: 0,
                    hotel: hotel(),
                    event_id: event.id.to_string(),
                    payload: serde_json::to_value(&event).unwrap(),
                    received_at: Utc::now(),
                })
                .await
                .unwrap();
            assert_eq!(racer.drain_inbox(10).await.unwrap().applied, 1);
        }
        Ok(answer)
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.inner.departures(range).await
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        self.inner.guest(id).await
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.inner.rooms().await
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.inner.room_statuses().await
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        self.inner.folio(reservation).await
    }
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        self.inner.set_room_status(update).await
    }
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        self.inner.check_in(request).await
    }
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        self.inner.check_out(request).await
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        self.inner.post_charge(charge).await
    }
    async fn health(&self) -> HealthReport {
        self.inner.health().await
    }
}

/// Issue 17, bug 19: a reconcile racing a sync overwrote newer mirror data
/// with its older read and called it "mirror repaired".
#[tokio::test]
async fn a_sync_writing_during_a_reconcile_keeps_its_newer_data() {
    let rig = rig(quick_retry()).await;
    // res-d (arriving in the window, departing after it) changed at the PMS:
    // the reconcile's arrivals read will see 3 adults.
    rig.pms.with(|s| s.reservations[3].adults = 3);
    let mirror = rig.sync.mirror().clone();
    let racer = HotelSync::new(
        hotel(),
        Arc::new(rig.pms.clone()),
        mirror.clone(),
        rig.harness.clock.clone(),
        PollSettings::default(),
    );
    let racing = Arc::new(SyncDuringArrivals {
        inner: rig.pms.clone(),
        racer: tokio::sync::Mutex::new(Some(racer)),
    });
    let reconciling = HotelSync::new(
        hotel(),
        racing.clone(),
        mirror.clone(),
        rig.harness.clock.clone(),
        PollSettings::default(),
    )
    .with_read_retry(quick_retry(), Arc::new(rig.harness.sleeper.clone()));
    let mut events = reconciling.subscribe();

    let report = reconciling.reconcile(window()).await.unwrap();

    assert!(racing.racer.lock().await.is_none(), "the sync ran mid-pass");
    // The sync's newer version (4 adults) survived ...
    let kept: Reservation = mirror.get(&hotel(), "res-d").await.unwrap().unwrap();
    assert_eq!(kept.adults, 4);
    // ... and nothing was reported repaired or announced.
    assert!(report.changed.is_empty(), "{report:?}");
    assert_eq!(report.drift(), 0, "{report:?}");
    let superseded: Vec<&str> = report.superseded.iter().map(|d| d.external_id.as_str()).collect();
    assert_eq!(superseded, ["res-d"]);
    assert!(events.try_recv().is_err(), "no reconcile event for res-d");

    // The next pass agrees with the PMS: nothing left to repair.
    let again = reconciling.reconcile(window()).await.unwrap();
    assert_eq!((again.drift(), again.superseded.len()), (0, 0), "{again:?}");
}
