//! Crash recovery: the sync is killed in the middle of a charge batch and of
//! a poll, (a) by dropping its tokio runtime and (b) as a child process with
//! SIGKILL; a new run on the same SQLite file resolves the in-flight journal
//! entry, resumes the cursor, and ends with nothing lost and nothing doubled.
//!
//! On Mews the in-flight charge is resolved by read-back (found, not resent).
//! OPERA has no charge read-back (RELIABILITY.md): there the restarted run
//! resolves it to `Unknown` for an operator, and never resends it, although
//! the PMS did apply it; every other charge exists exactly once.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_core::{Capability, Clock, ManualClock, PmsClient, Reservation, SystemClock, VendorId};
use pms_reliability::{Leg, batch_charge, hotel, mews_client, restaurant_service};
use pms_sim::{HotelSpec, MewsSim, ReservationState, SimOptions};
use pms_sync::store::{JournalState, Store};
use pms_sync::{
    Cipher, HotelSync, Mirror, PollSettings, PostCharge, RESERVATIONS_STREAM, RetryPolicy, SqliteStore,
    SyncError, WriteJournal,
};

/// Charges in a batch.
const BATCH: usize = 40;
/// Charges the sync must have sent before it is killed.
const PROGRESS: usize = 12;
const KEY_ID: &str = "crash-k1";
const KEY_B64: &str = "Y3Jhc2gtdGVzdC1zdG9yZS1rZXktMzItYnl0ZXMhISE="; // 32 bytes

/// The vendor a crash test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Mews,
    /// OWS only: no charge read-back.
    Opera,
    /// OWS with OHIP cashiering: charges read back by `postingReference`.
    OperaOhip,
}

impl Vendor {
    /// Whether an in-flight charge can be found again after a crash.
    fn reads_charges_back(self) -> bool {
        self != Vendor::Opera
    }
}

fn cipher() -> Arc<Cipher> {
    Arc::new(
        Cipher::from_lookup(|name| match name {
            "PMS_STORE_KEY" => Some(KEY_B64.to_owned()),
            "PMS_STORE_KEY_ID" => Some(KEY_ID.to_owned()),
            _ => None,
        })
        .unwrap(),
    )
}

fn poll_settings() -> PollSettings {
    PollSettings {
        overlap: Duration::from_secs(60),
        page_size: 5,
        initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
    }
}

/// An in-house stay (checked in, leaving after today), by the vendor's id.
fn in_house(leg: &Leg) -> VendorId {
    let stay = leg.sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        let mut stays: Vec<_> = h
            .reservations
            .iter()
            .filter(|r| r.state == ReservationState::Started && h.business_date(r.scheduled_end) > today)
            .cloned()
            .collect();
        stays.sort_by_key(|r| r.id);
        stays.swap_remove(0)
    });
    leg.reservation_id(&stay)
}

/// Blocks (on a std thread) until `done` holds; panics after a generous bound.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    for _ in 0..6_000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("gave up waiting for {what}");
}

/// Makes the next write hang after it is applied, and waits until one does:
/// the sync is then certainly killed with a write in flight.
fn catch_a_write_in_flight(leg: &Leg) {
    let before = leg.sim.state().counters().ambiguous_timeouts;
    leg.sim.faults().update(|f| {
        f.timeout_after_write = 1.0;
        f.ambiguous_hang = Duration::from_secs(60);
    });
    wait_for("a write in flight", || {
        leg.sim.state().counters().ambiguous_timeouts > before
    });
}

/// The restarted run: resolve what was in flight, then re-drive the batch.
async fn resume_charges(vendor: Vendor, leg: &Leg, store_path: &Path, reservation: &VendorId) {
    leg.sim.faults().clear();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(store_path).await.unwrap());
    // Ten minutes on: the dead worker's claims have expired.
    let clock = Arc::new(ManualClock::new(Utc::now() + chrono::Duration::minutes(10)));
    let journal: WriteJournal = pms_reliability::journal(
        store.clone(),
        cipher(),
        clock.clone(),
        "restarted",
        RetryPolicy::default(),
    );
    let client = leg.connect(Duration::from_secs(5)).unwrap();
    let read_back = client.capabilities().supports(Capability::ChargeReadBack);
    assert_eq!(read_back, vendor.reads_charges_back());

    let unsettled = store.journal_unsettled(&hotel(), clock.now()).await.unwrap();
    assert!(
        !unsettled.is_empty(),
        "the killed run left its in-flight write unsettled"
    );
    let in_flight: BTreeSet<_> = unsettled.iter().map(|e| e.request_id).collect();
    // That write reached the PMS: it is there once, and must not be sent again.
    for id in &in_flight {
        assert_eq!(leg.all_charges(*id), 1, "the in-flight charge was applied");
    }
    let sent = leg.charge_writes();
    let outcomes = journal.replay_unsettled(&hotel(), client.as_ref()).await.unwrap();
    assert_eq!(outcomes.len(), in_flight.len());
    assert_eq!(
        leg.charge_writes(),
        sent,
        "the in-flight write was resolved without resending"
    );
    let left: BTreeSet<_> = store
        .journal_unsettled(&hotel(), clock.now())
        .await
        .unwrap()
        .iter()
        .map(|e| e.request_id)
        .collect();
    if read_back {
        // Found by read-back: settled as posted.
        for outcome in &outcomes {
            assert!(outcome.result.is_ok(), "{outcome:?}");
        }
        assert!(left.is_empty(), "nothing left unsettled");
    } else {
        // No read-back: resolved to `Unknown` (not `Pending`, not resent),
        // and listed for an operator (`pms replay --dry-run`).
        for outcome in &outcomes {
            assert!(
                matches!(&outcome.result, Err(SyncError::OutcomeUnknown { request_id }) if *request_id == outcome.request_id),
                "{outcome:?}"
            );
            let entry = store.journal_get(outcome.request_id).await.unwrap().unwrap();
            assert_eq!(entry.state, JournalState::Unknown);
        }
        assert_eq!(
            left, in_flight,
            "the unknown charge is left for review, nothing else"
        );
    }

    // The whole batch again: what was posted is answered from the journal.
    let before = leg.charge_writes();
    let mut already = 0;
    for i in 0..BATCH {
        let charge = batch_charge(reservation, i);
        let id = charge.request_id;
        if leg.all_charges(id) > 0 {
            already += 1;
        }
        let result = journal
            .execute(&hotel(), client.as_ref(), &PostCharge(charge))
            .await;
        if in_flight.contains(&id) && !read_back {
            assert!(
                matches!(result, Err(SyncError::OutcomeUnknown { .. })),
                "charge {i} stays unknown: {result:?}"
            );
        } else {
            result.unwrap();
        }
    }
    assert!(already >= PROGRESS, "the first run had made progress ({already})");
    assert_eq!(
        leg.charge_writes() - before,
        BATCH - already,
        "only the missing charges were sent"
    );
    for i in 0..BATCH {
        let id = batch_charge(reservation, i).request_id;
        assert_eq!(leg.all_charges(id), 1, "charge {i} exists exactly once");
    }
    eprintln!(
        "{}: {} in flight at the kill, resolved {}; {already} of {BATCH} posted before, {} sent after",
        leg.name,
        in_flight.len(),
        if read_back { "by read-back" } else { "to unknown" },
        BATCH - already
    );
}

/// A full sync of the simulator's hotel from scratch: the pages it reads
/// and the reservations it mirrors.
async fn full_sync(leg: &Leg) -> (usize, BTreeSet<String>) {
    let fresh: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let mirror = Mirror::new(fresh, cipher());
    let full = HotelSync::new(
        hotel(),
        leg.connect(Duration::from_secs(5)).unwrap(),
        mirror.clone(),
        Arc::new(SystemClock),
        poll_settings(),
    );
    let before = leg.reservation_pages();
    full.poll_reservations().await.unwrap();
    let pages = leg.reservation_pages() - before;
    (pages, mirrored(&mirror).await)
}

async fn mirrored(mirror: &Mirror) -> BTreeSet<String> {
    mirror
        .all::<Reservation>(&hotel())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external.id.to_string())
        .collect()
}

/// The restarted poll: the cursor is where the killed run left it, and the
/// resumed poll completes the mirror reading less than a full sync would.
async fn resume_poll(leg: &Leg, store_path: &Path, (full_pages, full_set): &(usize, BTreeSet<String>)) {
    leg.sim.faults().clear();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(store_path).await.unwrap());
    let cursor = store.cursor(&hotel(), RESERVATIONS_STREAM).await.unwrap();
    assert!(cursor.is_some(), "pages applied before the kill moved the cursor");
    let mirror = Mirror::new(store.clone(), cipher());
    let partial = mirror.all::<Reservation>(&hotel()).await.unwrap().len();
    let sync = HotelSync::new(
        hotel(),
        leg.connect(Duration::from_secs(5)).unwrap(),
        mirror.clone(),
        Arc::new(SystemClock),
        poll_settings(),
    );
    let before = leg.reservation_pages();
    sync.poll_reservations().await.unwrap();
    let resumed_pages = leg.reservation_pages() - before;

    let mirrored = mirrored(&mirror).await;
    assert!(
        partial > 0 && partial < full_set.len(),
        "killed mid-sync ({partial} of {})",
        full_set.len()
    );
    assert_eq!(&mirrored, full_set, "nothing lost: what a full sync mirrors");
    if leg.kind == pms_core::PmsKind::Mews {
        // Mews lists every reservation by update time: that is all of them.
        let in_sim: BTreeSet<String> = leg
            .sim
            .state()
            .with_hotel(|h| h.reservations.iter().map(|r| r.id.to_string()).collect());
        assert_eq!(mirrored, in_sim);
    }
    assert!(
        resumed_pages < *full_pages,
        "resumed from the cursor: {resumed_pages} pages vs {full_pages} for a full sync"
    );
    eprintln!(
        "{}: killed with {partial} of {} stays mirrored; resumed in {resumed_pages} of {full_pages} pages",
        leg.name,
        full_set.len()
    );
}

fn host(vendor: Vendor) -> (tokio::runtime::Runtime, Leg) {
    let host = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let timeout = Duration::from_secs(5);
    let leg = host
        .block_on(async {
            match vendor {
                Vendor::Mews => pms_reliability::mews_leg(HotelSpec::small(61), timeout).await,
                Vendor::Opera => pms_reliability::opera_leg(HotelSpec::small(63), timeout).await,
                Vendor::OperaOhip => pms_reliability::opera_ohip_leg(HotelSpec::small(64), timeout).await,
            }
        })
        .unwrap();
    (host, leg)
}

fn sync_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Each poll request takes a while, so the kill lands mid-sync.
fn slow_down(leg: &Leg) {
    let latency = match leg.kind {
        pms_core::PmsKind::Opera => Duration::from_millis(100),
        _ => Duration::from_millis(15),
    };
    leg.sim.faults().update(|f| f.latency = latency);
}

/// Returns once the poll started after `started` pages is far enough to be
/// killed mid-sync. Mews pages through every reservation by update time:
/// after two thirds of the pages. OPERA sweeps arrival weeks from 30 days
/// back to a year ahead and the seeded stays sit in a few weeks around today,
/// so two thirds of its pages would be past all of them: there the kill
/// comes once the store (read beside the sync) mirrors a third of them.
fn kill_point(
    host: &tokio::runtime::Runtime,
    leg: &Leg,
    path: &Path,
    (full_pages, full_set): &(usize, BTreeSet<String>),
    started: usize,
) {
    if leg.kind != pms_core::PmsKind::Opera {
        let kill_at = started + 2 * full_pages / 3;
        wait_for("two thirds of the pages", || leg.reservation_pages() >= kill_at);
        return;
    }
    // Once a page was read, the syncing process has opened (and migrated) the store.
    wait_for("the first page", || leg.reservation_pages() > started);
    let probe = host.block_on(SqliteStore::open(path)).unwrap();
    let mirror = Mirror::new(Arc::new(probe.clone()), cipher());
    wait_for("a third of the stays mirrored", || {
        host.block_on(mirror.all::<Reservation>(&hotel()))
            .is_ok_and(|mirrored| mirrored.len() >= full_set.len() / 3)
    });
    host.block_on(probe.close());
}

// ---- (a) the runtime is dropped ----

fn drop_the_runtime_mid_batch(vendor: Vendor) {
    let (host, leg) = host(vendor);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let reservation = in_house(&leg);

    let doomed = sync_runtime();
    doomed.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let client = leg.connect(Duration::from_secs(30)).unwrap();
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let journal = pms_reliability::journal(store, cipher(), clock, "doomed", RetryPolicy::default());
        let reservation = reservation.clone();
        tokio::spawn(async move {
            for i in 0..BATCH {
                let charge = batch_charge(&reservation, i);
                journal
                    .execute(&hotel(), client.as_ref(), &PostCharge(charge))
                    .await
                    .unwrap();
            }
        });
    });
    wait_for("progress", || leg.charge_writes() >= PROGRESS);
    catch_a_write_in_flight(&leg);
    // The crash: every task of the sync dies where it stands.
    doomed.shutdown_timeout(Duration::from_secs(5));

    sync_runtime().block_on(resume_charges(vendor, &leg, &path, &reservation));
    host.block_on(leg.shutdown());
}

fn drop_the_runtime_mid_poll(vendor: Vendor) {
    let (host, leg) = host(vendor);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let full = host.block_on(full_sync(&leg));
    slow_down(&leg);

    let started = leg.reservation_pages();
    let doomed = sync_runtime();
    doomed.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let sync = HotelSync::new(
            hotel(),
            leg.connect(Duration::from_secs(30)).unwrap(),
            Mirror::new(store, cipher()),
            Arc::new(SystemClock),
            poll_settings(),
        );
        tokio::spawn(async move { sync.poll_reservations().await });
    });
    kill_point(&host, &leg, &path, &full, started);
    doomed.shutdown_timeout(Duration::from_secs(5));

    sync_runtime().block_on(resume_poll(&leg, &path, &full));
    host.block_on(leg.shutdown());
}

#[test]
fn dropping_the_runtime_mid_batch_loses_and_doubles_nothing() {
    drop_the_runtime_mid_batch(Vendor::Mews);
}

#[test]
fn dropping_the_runtime_mid_poll_resumes_from_the_cursor() {
    drop_the_runtime_mid_poll(Vendor::Mews);
}

#[test]
fn opera_dropping_the_runtime_mid_batch_leaves_the_in_flight_charge_unknown_never_resent() {
    drop_the_runtime_mid_batch(Vendor::Opera);
}

#[test]
fn opera_dropping_the_runtime_mid_poll_resumes_from_the_cursor() {
    drop_the_runtime_mid_poll(Vendor::Opera);
}

#[test]
fn opera_ohip_dropping_the_runtime_mid_batch_resolves_the_in_flight_charge_by_read_back() {
    drop_the_runtime_mid_batch(Vendor::OperaOhip);
}

// ---- (b) a child process is killed with SIGKILL ----

fn worker(mode: &str, leg: &Leg, path: &Path, reservation: &VendorId) -> std::process::Child {
    let (pms, client_token, service) = match leg.kind {
        // "opera" or "opera-ohip": the worker builds the same client.
        pms_core::PmsKind::Opera => (leg.name, "-".to_owned(), "-".to_owned()),
        _ => (
            "mews",
            leg.sim.client_token().to_owned(),
            restaurant_service(&leg.sim).unwrap().to_string(),
        ),
    };
    Command::new(env!("CARGO_BIN_EXE_crash_worker"))
        .args([
            pms,
            mode,
            &leg.sim.base_url(),
            &client_token,
            leg.sim.access_token(),
            &service,
            path.to_str().unwrap(),
            reservation.as_str(),
            &BATCH.to_string(),
        ])
        .env("PMS_STORE_KEY", KEY_B64)
        .env("PMS_STORE_KEY_ID", KEY_ID)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn sigkill_mid_batch(vendor: Vendor) {
    let (host, leg) = host(vendor);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let reservation = in_house(&leg);

    let mut child = worker("charges", &leg, &path, &reservation);
    wait_for("progress", || leg.charge_writes() >= PROGRESS);
    catch_a_write_in_flight(&leg);
    // SIGKILL on Unix: no destructor, no flush, no goodbye.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());

    sync_runtime().block_on(resume_charges(vendor, &leg, &path, &reservation));
    host.block_on(leg.shutdown());
}

fn sigkill_mid_poll(vendor: Vendor) {
    let (host, leg) = host(vendor);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let full = host.block_on(full_sync(&leg));
    slow_down(&leg);
    let reservation = in_house(&leg);

    let started = leg.reservation_pages();
    let mut child = worker("poll", &leg, &path, &reservation);
    kill_point(&host, &leg, &path, &full, started);
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());

    sync_runtime().block_on(resume_poll(&leg, &path, &full));
    host.block_on(leg.shutdown());
}

#[test]
fn sigkill_mid_batch_loses_and_doubles_nothing() {
    sigkill_mid_batch(Vendor::Mews);
}

#[test]
fn sigkill_mid_poll_resumes_from_the_cursor() {
    sigkill_mid_poll(Vendor::Mews);
}

#[test]
fn opera_sigkill_mid_batch_leaves_the_in_flight_charge_unknown_never_resent() {
    sigkill_mid_batch(Vendor::Opera);
}

#[test]
fn opera_sigkill_mid_poll_resumes_from_the_cursor() {
    sigkill_mid_poll(Vendor::Opera);
}

#[test]
fn opera_ohip_sigkill_mid_batch_resolves_the_in_flight_charge_by_read_back() {
    sigkill_mid_batch(Vendor::OperaOhip);
}

// ---- found by the long chaos run ----

#[tokio::test]
async fn an_incremental_poll_with_several_pages_of_changes_completes() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(62)))
        .await
        .unwrap();
    let client: Arc<dyn PmsClient> = Arc::new(mews_client(&sim, Duration::from_secs(5)).unwrap());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let sync = HotelSync::new(
        hotel(),
        client,
        Mirror::new(store, cipher()),
        Arc::new(SystemClock),
        poll_settings(),
    );
    sync.poll_reservations().await.unwrap();
    // Twelve reservations change: more than two pages of five in one (short) window.
    sim.state().with_hotel_mut(|h| {
        for r in h.reservations.iter_mut().take(12) {
            r.adults += 1;
            r.updated = Utc::now();
        }
    });
    let report = sync.poll_reservations().await.unwrap();
    assert!(report.changed >= 12, "{report:?}");
    sim.shutdown().await;
}
