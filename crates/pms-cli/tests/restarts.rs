//! What the next `pms` run does after a crash, a stop or a competing worker,
//! through the binary: leases of a killed run under the same worker name are
//! taken back at once, a foreign lease fails `pms sync` (or is waited for),
//! `pms serve` stops on SIGTERM with exit 0 and its leases released, and
//! `pms replay --dry-run` lists writes a killed writer still claims.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use chrono::Utc;
use pms_core::{HotelId, RequestId};
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::SqliteStore;
use pms_sync::store::{LeaseGrant, LeaseHolder, LeaseOwner, NewJournalEntry, Store, TakeBack};
use predicates::prelude::*;

/// 32 zero bytes, base64: a test-only store key.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Longest any wait for the binary may take before the test fails (a hang guard, not a measurement).
const HANG_GUARD: Duration = Duration::from_secs(120);

/// A Mews simulator plus a runtime for the test's own store handle.
struct Rig {
    sim: SimHandle,
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

impl Rig {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = runtime
            .block_on(MewsSim::start(SimOptions::with_hotel(HotelSpec::small(31))))
            .unwrap();
        Rig {
            sim,
            runtime,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("pms.db")
    }

    /// The store the binary uses, opened by the test.
    fn store(&self) -> Arc<dyn Store> {
        let path = self.db();
        Arc::new(self.runtime.block_on(SqliteStore::open(&path)).unwrap())
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PMS_HOTELS", "grand".into()),
            ("PMS_HOTEL_GRAND_PMS", "mews".into()),
            ("PMS_HOTEL_GRAND_BASE_URL", self.sim.base_url()),
            ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".into()),
            ("PMS_HOTEL_GRAND_CURRENCY", "EUR".into()),
            (
                "PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN",
                self.sim.client_token().into(),
            ),
            (
                "PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN",
                self.sim.access_token().into(),
            ),
            ("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1".into()),
            ("PMS_STORE_URL", format!("sqlite://{}", self.db().display())),
            ("PMS_STORE_KEY", STORE_KEY.into()),
            ("PMS_STORE_KEY_ID", "k1".into()),
            ("RUST_LOG", "warn".into()),
        ]
    }

    /// `pms` configured for the hotel and the store, in the rig's directory.
    fn pms(&self) -> Command {
        let mut cmd = Command::cargo_bin("pms").unwrap();
        cmd.env_clear().current_dir(self.dir.path()).envs(self.vars());
        cmd
    }

    /// `pms serve` as a child process (output discarded).
    fn spawn_serve(&self, worker_name: Option<&str>) -> Child {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pms"));
        cmd.env_clear()
            .current_dir(self.dir.path())
            .envs(self.vars())
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--interval",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(name) = worker_name {
            cmd.env("PMS_WORKER_NAME", name);
        }
        cmd.spawn().unwrap()
    }

    /// Who holds `sync:grand`, asked without taking it.
    fn holder(&self, store: &Arc<dyn Store>) -> Option<LeaseHolder> {
        let probe = LeaseOwner::new("test-probe");
        let grant = self
            .runtime
            .block_on(store.lease_acquire(
                "sync:grand",
                &probe,
                TakeBack::Never,
                Duration::from_millis(1),
                Utc::now(),
            ))
            .unwrap();
        match grant {
            LeaseGrant::Held(holder) => Some(holder),
            _ => {
                self.runtime
                    .block_on(store.lease_release("sync:grand", &probe))
                    .unwrap();
                None
            }
        }
    }

    /// Waits (hang guard only) until `pms serve` holds the hotel's lease.
    fn wait_for_lease(&self, store: &Arc<dyn Store>, child: &mut Child) -> LeaseHolder {
        let start = std::time::Instant::now();
        loop {
            if let Some(holder) = self.holder(store) {
                return holder;
            }
            assert!(child.try_wait().unwrap().is_none(), "pms serve exited early");
            assert!(start.elapsed() < HANG_GUARD, "pms serve never took the lease");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < HANG_GUARD, "pms serve did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn lease(rig: &Rig, store: &Arc<dyn Store>, name: &str, instance: &str, ttl: Duration) {
    let owner = LeaseOwner {
        name: name.into(),
        instance: instance.into(),
    };
    let grant = rig
        .runtime
        .block_on(store.lease_acquire("sync:grand", &owner, TakeBack::Never, ttl, Utc::now()))
        .unwrap();
    assert!(grant.granted(), "{grant:?}");
}

#[test]
fn sync_fails_on_a_foreign_live_lease_naming_its_holder() {
    let rig = Rig::new();
    let store = rig.store();
    lease(&rig, &store, "other-worker", "i1", Duration::from_secs(300));
    rig.pms()
        .env("PMS_WORKER_NAME", "me")
        .arg("sync")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "grand: not synced, held by worker other-worker until",
        ))
        .stderr(predicate::str::contains(
            "1 hotel(s) leased elsewhere and not synced",
        ));
    // The foreign lease is untouched.
    assert_eq!(rig.holder(&store).unwrap().owner, "other-worker");
}

#[test]
fn sync_waits_for_a_foreign_lease_with_wait() {
    let rig = Rig::new();
    let store = rig.store();
    lease(&rig, &store, "other-worker", "i1", Duration::from_secs(2));
    rig.pms()
        .env("PMS_WORKER_NAME", "me")
        .args(["sync", "--wait", "60"])
        .timeout(HANG_GUARD)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("waiting")
                .and(predicate::str::contains("synced 1 hotel(s), 0 leased elsewhere")),
        );
}

#[test]
fn sync_takes_back_the_lease_its_own_killed_run_left() {
    let rig = Rig::new();
    let store = rig.store();
    lease(&rig, &store, "me", "killed-run", Duration::from_secs(300));
    rig.pms()
        .env("PMS_WORKER_NAME", "me")
        .arg("sync")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("synced 1 hotel(s), 0 leased elsewhere").and(predicate::str::contains(
                "grand: took back the lease an earlier run",
            )),
        );
    assert_eq!(rig.holder(&store), None, "released on exit");
}

#[test]
fn after_kill_9_of_serve_the_next_run_with_the_default_name_syncs_at_once() {
    let rig = Rig::new();
    let store = rig.store();
    let mut serve = rig.spawn_serve(None);
    let holder = rig.wait_for_lease(&store, &mut serve);
    assert!(holder.owner.starts_with("pms@"), "default name: {}", holder.owner);
    signal(&serve, "KILL");
    wait_exit(&mut serve);
    assert!(rig.holder(&store).is_some(), "the killed process left its lease");
    rig.pms()
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("synced 1 hotel(s), 0 leased elsewhere"));
}

#[test]
fn serve_stops_on_sigterm_with_exit_0_and_releases_its_lease() {
    let rig = Rig::new();
    let store = rig.store();
    let mut serve = rig.spawn_serve(Some("serve-1"));
    let holder = rig.wait_for_lease(&store, &mut serve);
    assert_eq!(holder.owner, "serve-1");
    signal(&serve, "TERM");
    let status = wait_exit(&mut serve);
    assert!(status.success(), "pms serve exited with {status:?} on SIGTERM");
    // Another worker takes the hotel at once, without waiting for expiry.
    let other = LeaseOwner::new("serve-2");
    let grant = rig
        .runtime
        .block_on(store.lease_acquire(
            "sync:grand",
            &other,
            TakeBack::Never,
            Duration::from_secs(60),
            Utc::now(),
        ))
        .unwrap();
    assert_eq!(grant, LeaseGrant::Acquired);
}

#[test]
fn replay_dry_run_lists_writes_a_killed_writer_still_claims() {
    let rig = Rig::new();
    let store = rig.store();
    let id = RequestId::new_random();
    let started = rig
        .runtime
        .block_on(store.journal_begin(NewJournalEntry {
            request_id: id,
            hotel: HotelId::new("grand").unwrap(),
            operation: "post_charge".into(),
            request_hash: "h".into(),
            sealed_request: vec![1, 2, 3],
            key_id: "k1".into(),
            owner: "pms@host-1/4242".into(),
            claim_ttl: Duration::from_secs(120),
            now: Utc::now(),
        }))
        .unwrap();
    assert!(matches!(started, pms_sync::store::JournalBegin::Started(_)));
    rig.pms().args(["replay", "--dry-run"]).assert().success().stdout(
        predicate::str::contains(format!(
            "grand {id} post_charge pending attempts=0 claimed by pms@host-1/4242 until"
        ))
        .and(predicate::str::contains(
            "grand: 1 write(s) in doubt, 1 claimed by a live writer",
        )),
    );
    // A real replay leaves the live claim alone and says the write is still in doubt.
    rig.pms()
        .arg("replay")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 claimed by a live writer"))
        .stderr(predicate::str::contains("1 write(s) still unsettled"));
}
