//! Crash recovery: the sync is killed in the middle of a charge batch and of
//! a poll, (a) by dropping its tokio runtime and (b) as a child process with
//! SIGKILL; a new run on the same SQLite file resolves the in-flight journal
//! entry by read-back, resumes the cursor, and ends with every charge exactly
//! once and every reservation mirrored.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_core::{Clock, ManualClock, PmsClient, Reservation, SystemClock, VendorId};
use pms_reliability::{batch_charge, hotel, mews_client, restaurant_service};
use pms_sim::{HotelSpec, MewsSim, ReservationState, SimHandle, SimOptions};
use pms_sync::store::Store;
use pms_sync::{
    Cipher, HotelSync, Mirror, PollSettings, PostCharge, RESERVATIONS_STREAM, RetryPolicy, SqliteStore,
    WriteJournal,
};

/// Charges in a batch.
const BATCH: usize = 40;
/// Charges the sync must have sent before it is killed.
const PROGRESS: usize = 12;
const KEY_ID: &str = "crash-k1";
const KEY_B64: &str = "Y3Jhc2gtdGVzdC1zdG9yZS1rZXktMzItYnl0ZXMhISE="; // 32 bytes

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

fn in_house(sim: &SimHandle) -> VendorId {
    let id = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        let mut ids: Vec<_> = h
            .reservations
            .iter()
            .filter(|r| r.state == ReservationState::Started && h.business_date(r.scheduled_end) > today)
            .map(|r| r.id)
            .collect();
        ids.sort();
        ids[0]
    });
    VendorId::new(id.to_string()).unwrap()
}

fn orders_sent(sim: &SimHandle) -> usize {
    sim.state().requests_to("orders/add").len()
}

fn pages_read(sim: &SimHandle) -> usize {
    sim.state().requests_to("reservations/getAll/2023-06-06").len()
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
fn catch_a_write_in_flight(sim: &SimHandle) {
    let before = sim.state().counters().ambiguous_timeouts;
    sim.faults().update(|f| {
        f.timeout_after_write = 1.0;
        f.ambiguous_hang = Duration::from_secs(60);
    });
    wait_for("a write in flight", || {
        sim.state().counters().ambiguous_timeouts > before
    });
}

/// The restarted run: read back what was in flight, then re-drive the batch.
async fn resume_charges(sim: &SimHandle, store_path: &Path, reservation: &VendorId) {
    sim.faults().clear();
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
    let client: Arc<dyn PmsClient> = Arc::new(mews_client(sim, Duration::from_secs(5)).unwrap());

    let unsettled = store.journal_unsettled(&hotel(), clock.now()).await.unwrap();
    assert!(
        !unsettled.is_empty(),
        "the killed run left its in-flight write unsettled"
    );
    let in_flight: Vec<_> = unsettled.iter().map(|e| e.request_id).collect();
    // That write reached the PMS: read-back must find it and send nothing.
    for id in &in_flight {
        assert_eq!(sim.state().charges_with_external_id(&id.to_string()).len(), 1);
    }
    let sent = orders_sent(sim);
    let outcomes = journal.replay_unsettled(&hotel(), client.as_ref()).await.unwrap();
    assert_eq!(outcomes.len(), in_flight.len());
    for outcome in &outcomes {
        assert!(outcome.result.is_ok(), "{outcome:?}");
    }
    assert_eq!(
        orders_sent(sim),
        sent,
        "read-back resolved the in-flight write without resending"
    );
    assert!(
        store
            .journal_unsettled(&hotel(), clock.now())
            .await
            .unwrap()
            .is_empty(),
        "nothing left unsettled"
    );

    // The whole batch again: what was posted is answered from the journal.
    let before = orders_sent(sim);
    let mut already = 0;
    for i in 0..BATCH {
        let charge = batch_charge(reservation, i);
        if !sim
            .state()
            .charges_with_external_id(&charge.request_id.to_string())
            .is_empty()
        {
            already += 1;
        }
        journal
            .execute(&hotel(), client.as_ref(), &PostCharge(charge))
            .await
            .unwrap();
    }
    assert!(already >= PROGRESS, "the first run had made progress ({already})");
    assert_eq!(
        orders_sent(sim) - before,
        BATCH - already,
        "only the missing charges were sent"
    );
    for i in 0..BATCH {
        let id = batch_charge(reservation, i).request_id.to_string();
        assert_eq!(
            sim.state().charges_with_external_id(&id).len(),
            1,
            "charge {i} exists exactly once"
        );
    }
}

/// The restarted poll: the cursor is where the killed run left it, and the
/// resumed poll completes the mirror reading less than a full sync would.
/// Pages a full sync of the simulator's hotel reads from scratch.
async fn full_sync_pages(sim: &SimHandle) -> usize {
    let client: Arc<dyn PmsClient> = Arc::new(mews_client(sim, Duration::from_secs(5)).unwrap());
    let fresh: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let full = HotelSync::new(
        hotel(),
        client,
        Mirror::new(fresh, cipher()),
        Arc::new(SystemClock),
        poll_settings(),
    );
    let before = pages_read(sim);
    full.poll_reservations().await.unwrap();
    pages_read(sim) - before
}

async fn resume_poll(sim: &SimHandle, store_path: &Path) {
    sim.faults().clear();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(store_path).await.unwrap());
    let cursor = store.cursor(&hotel(), RESERVATIONS_STREAM).await.unwrap();
    assert!(cursor.is_some(), "pages applied before the kill moved the cursor");
    let client: Arc<dyn PmsClient> = Arc::new(mews_client(sim, Duration::from_secs(5)).unwrap());
    let mirror = Mirror::new(store.clone(), cipher());
    let partial = mirror.all::<Reservation>(&hotel()).await.unwrap().len();
    let sync = HotelSync::new(
        hotel(),
        client.clone(),
        mirror.clone(),
        Arc::new(SystemClock),
        poll_settings(),
    );
    let before = pages_read(sim);
    sync.poll_reservations().await.unwrap();
    let resumed_pages = pages_read(sim) - before;

    let mirrored: BTreeSet<String> = mirror
        .all::<Reservation>(&hotel())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external.id.to_string())
        .collect();
    let in_sim: BTreeSet<String> = sim
        .state()
        .with_hotel(|h| h.reservations.iter().map(|r| r.id.to_string()).collect());
    assert!(
        partial > 0 && partial < in_sim.len(),
        "killed mid-sync ({partial})"
    );
    assert_eq!(mirrored, in_sim, "nothing lost");

    let full_pages = full_sync_pages(sim).await;
    assert!(
        resumed_pages < full_pages,
        "resumed from the cursor: {resumed_pages} pages vs {full_pages} for a full sync"
    );
}

fn host() -> (tokio::runtime::Runtime, SimHandle) {
    let host = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = host
        .block_on(MewsSim::start(SimOptions::with_hotel(HotelSpec::small(61))))
        .unwrap();
    (host, sim)
}

fn sync_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

// ---- (a) the runtime is dropped ----

#[test]
fn dropping_the_runtime_mid_batch_loses_and_doubles_nothing() {
    let (host, sim) = host();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let reservation = in_house(&sim);

    let doomed = sync_runtime();
    doomed.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let client: Arc<dyn PmsClient> = Arc::new(mews_client(&sim, Duration::from_secs(30)).unwrap());
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
    wait_for("progress", || orders_sent(&sim) >= PROGRESS);
    catch_a_write_in_flight(&sim);
    // The crash: every task of the sync dies where it stands.
    doomed.shutdown_timeout(Duration::from_secs(5));

    sync_runtime().block_on(resume_charges(&sim, &path, &reservation));
    host.block_on(sim.shutdown());
}

#[test]
fn dropping_the_runtime_mid_poll_resumes_from_the_cursor() {
    let (host, sim) = host();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let full = host.block_on(full_sync_pages(&sim));
    sim.faults().update(|f| f.latency = Duration::from_millis(15));

    let doomed = sync_runtime();
    doomed.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let client: Arc<dyn PmsClient> = Arc::new(mews_client(&sim, Duration::from_secs(30)).unwrap());
        let sync = HotelSync::new(
            hotel(),
            client,
            Mirror::new(store, cipher()),
            Arc::new(SystemClock),
            poll_settings(),
        );
        tokio::spawn(async move { sync.poll_reservations().await });
    });
    let kill_at = pages_read(&sim) + 2 * full / 3;
    wait_for("two thirds of the pages", || pages_read(&sim) >= kill_at);
    doomed.shutdown_timeout(Duration::from_secs(5));

    sync_runtime().block_on(resume_poll(&sim, &path));
    host.block_on(sim.shutdown());
}

// ---- (b) a child process is killed with SIGKILL ----

fn worker(mode: &str, sim: &SimHandle, path: &Path, reservation: &VendorId) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_crash_worker"))
        .args([
            mode,
            &sim.base_url(),
            sim.client_token(),
            sim.access_token(),
            &restaurant_service(sim).unwrap().to_string(),
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

#[test]
fn sigkill_mid_batch_loses_and_doubles_nothing() {
    let (host, sim) = host();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let reservation = in_house(&sim);

    let mut child = worker("charges", &sim, &path, &reservation);
    wait_for("progress", || orders_sent(&sim) >= PROGRESS);
    catch_a_write_in_flight(&sim);
    // SIGKILL on Unix: no destructor, no flush, no goodbye.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());

    sync_runtime().block_on(resume_charges(&sim, &path, &reservation));
    host.block_on(sim.shutdown());
}

#[test]
fn sigkill_mid_poll_resumes_from_the_cursor() {
    let (host, sim) = host();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let full = host.block_on(full_sync_pages(&sim));
    sim.faults().update(|f| f.latency = Duration::from_millis(15));
    let reservation = in_house(&sim);

    let mut child = worker("poll", &sim, &path, &reservation);
    let kill_at = pages_read(&sim) + 2 * full / 3;
    wait_for("two thirds of the pages", || pages_read(&sim) >= kill_at);
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());

    sync_runtime().block_on(resume_poll(&sim, &path));
    host.block_on(sim.shutdown());
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
