//! `pms inbox dead | redrive | discard` through the binary, against a Mews
//! simulator and a SQLite store (issue 17, bug 10): a webhook event whose
//! entity the PMS refuses to re-read does not stop `pms sync`, is
//! dead-lettered after its last attempt, and is listed, re-driven and
//! discarded by the operator.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use chrono::Utc;
use pms_core::{
    Change, Clock, Config, EventId, EventSource, ExternalRef, HotelId, ManualClock, PmsClient, PmsEvent,
    PmsKind, VendorId,
};
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::store::{InboxEvent, Store};
use pms_sync::{Cipher, HotelSync, InboxRetry, Mirror, PollSettings, SqliteStore};
use predicates::prelude::*;
use serde_json::Value;

/// 32 zero bytes, base64: a test-only store key.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

const POISON: &str = "mews:8a9f2f54-0000-4000-8000-000000000001:reservation:not-a-uuid";

fn vars(dir: &Path, sim: &SimHandle) -> Vec<(&'static str, String)> {
    vec![
        ("PMS_HOTELS", "grand".into()),
        ("PMS_HOTEL_GRAND_PMS", "mews".into()),
        ("PMS_HOTEL_GRAND_BASE_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".into()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".into()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().into()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().into()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1".into()),
        (
            "PMS_STORE_URL",
            format!("sqlite://{}", dir.join("pms.db").display()),
        ),
        ("PMS_STORE_KEY", STORE_KEY.into()),
        ("PMS_STORE_KEY_ID", "k1".into()),
    ]
}

/// `pms` in `dir` (no `.env`), configured for one Mews hotel and a SQLite store.
fn pms(dir: &Path, sim: &SimHandle) -> Command {
    let mut cmd = Command::cargo_bin("pms").unwrap();
    cmd.env_clear().current_dir(dir).env("RUST_LOG", "warn");
    for (name, value) in vars(dir, sim) {
        cmd.env(name, value);
    }
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

/// The event the receiver stores for a Mews General webhook
/// `{"Discriminator": "ServiceOrderUpdated", "Value": {"Id": "not-a-uuid"}}`.
fn poison() -> InboxEvent {
    let event = PmsEvent {
        id: EventId::new(POISON),
        hotel: hotel(),
        occurred_at: Utc::now(),
        source: EventSource::Webhook,
        change: Change::ReservationUpdated {
            reservation: ExternalRef::new(PmsKind::Mews, VendorId::new("not-a-uuid").unwrap()),
        },
    };
    InboxEvent {
        seq: 0,
        hotel: hotel(),
        event_id: POISON.into(),
        payload: serde_json::to_value(&event).unwrap(),
        received_at: Utc::now(),
    }
}

/// The test's own handle on the store and the hotel, to play the sync's
/// later passes on an injected clock (the binary runs on the wall clock).
struct Rig {
    runtime: tokio::runtime::Runtime,
    store: Arc<dyn Store>,
    client: Arc<dyn PmsClient>,
}

impl Rig {
    fn new(dir: &Path, sim: &SimHandle) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(runtime.block_on(SqliteStore::open(&dir.join("pms.db"))).unwrap());
        let vars: HashMap<&str, String> = vars(dir, sim).into_iter().collect();
        let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
        let client = Arc::new(pms_mews::MewsClient::from_hotel(&config.hotels[0]).unwrap());
        Rig {
            runtime,
            store,
            client,
        }
    }

    /// One drain, an hour from now, allowing `max_attempts` in all: the
    /// passes a long-running sync would have made.
    fn drain_later(&self, max_attempts: u32) -> pms_sync::DrainReport {
        let clock = Arc::new(ManualClock::new(Utc::now() + chrono::Duration::hours(1)));
        let sync = HotelSync::new(
            hotel(),
            self.client.clone(),
            Mirror::new(self.store.clone(), Arc::new(Cipher::new("k1", [0; 32]))),
            clock.clone() as Arc<dyn Clock>,
            PollSettings::default(),
        )
        .with_inbox_retry(InboxRetry {
            max_attempts,
            ..InboxRetry::default()
        });
        self.runtime.block_on(sync.drain_inbox(100)).unwrap()
    }

    fn push(&self, event: &InboxEvent) {
        assert!(self.runtime.block_on(self.store.inbox_push(event)).unwrap());
    }

    fn dead_ids(&self) -> Vec<i64> {
        self.runtime
            .block_on(self.store.inbox_dead(None, 100))
            .unwrap()
            .iter()
            .map(|e| e.event.seq)
            .collect()
    }
}

#[test]
fn dead_letters_are_listed_redriven_and_discarded_through_the_binary() {
    let sim_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = sim_runtime
        .block_on(MewsSim::start(SimOptions::with_hotel(HotelSpec::small(23))))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Creates and migrates the store before the test's own handle opens it.
    pms(dir.path(), &sim)
        .args(["inbox", "dead"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 dead letter(s)"));
    let rig = Rig::new(dir.path(), &sim);
    rig.push(&poison());

    // The poison is first in the inbox; the sync still polls and exits 0.
    let report = json(pms(dir.path(), &sim).args(["sync", "--json"]));
    assert_eq!(report["synced"], serde_json::json!(["grand"]), "{report}");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    assert!(report["reservations_read"].as_u64().unwrap() > 0, "{report}");
    // One attempt made: retrying, not dead yet.
    pms(dir.path(), &sim)
        .args(["inbox", "dead"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 dead letter(s)"));

    // Its last allowed attempt fails too: dead-lettered.
    assert_eq!(rig.drain_later(2).dead_lettered, 1);
    let listed = json(pms(dir.path(), &sim).args(["inbox", "dead", "--json"]));
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    let row = &rows[0];
    let id = row["id"].as_i64().unwrap();
    assert_eq!(
        (
            row["hotel"].as_str(),
            row["vendor"].as_str(),
            row["entity"].as_str(),
            row["entity_ref"].as_str(),
            row["event_id"].as_str(),
            row["attempts"].as_u64()
        ),
        (
            Some("grand"),
            Some("mews"),
            Some("reservation"),
            Some("not-a-uuid"),
            Some(POISON),
            Some(2)
        )
    );
    let error = row["last_error"].as_str().unwrap();
    assert!(error.starts_with("reservation read: Validation: "), "{error}");
    for time in ["received_at", "last_attempt_at", "dead_at"] {
        assert!(
            chrono::DateTime::parse_from_rfc3339(row[time].as_str().unwrap()).is_ok(),
            "{time}: {row}"
        );
    }
    let text = pms(dir.path(), &sim)
        .args(["inbox", "dead", "--hotel", "grand"])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{id} grand mews reservation not-a-uuid attempts=2 received="
        )),
        "{text}"
    );
    assert!(text.contains("error: reservation read: Validation: "), "{text}");
    assert!(text.ends_with("1 dead letter(s)\n"), "{text}");
    // `pms health` counts it for the hotel (a queue to look at: the PMS
    // itself is healthy, so the exit code stays 0).
    let health = json(pms(dir.path(), &sim).args(["health", "--json"]));
    assert_eq!(
        health["hotels"][0]["inbox"],
        serde_json::json!({"pending": 0, "retrying": 0, "dead": 1}),
        "{health}"
    );
    pms(dir.path(), &sim)
        .arg("health")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "inbox: 0 pending (0 retrying), 1 dead (pms inbox dead)",
        ));
    // An unknown hotel is an error, not an empty list.
    pms(dir.path(), &sim)
        .args(["inbox", "dead", "--hotel", "nosuch"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`nosuch` is not listed in PMS_HOTELS"));

    // Re-driven: pending again with a fresh budget (the next drain tries it).
    pms(dir.path(), &sim)
        .args(["inbox", "redrive", &id.to_string()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("inbox event {id}: requeued")));
    assert!(rig.dead_ids().is_empty());
    pms(dir.path(), &sim)
        .args(["inbox", "redrive", &id.to_string()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a dead letter"));
    let retried = rig.drain_later(1);
    assert_eq!((retried.reads, retried.dead_lettered), (1, 1));

    // Every dead letter of a hotel at once.
    pms(dir.path(), &sim)
        .args(["inbox", "redrive", "--all", "--hotel", "grand"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 dead letter(s) requeued, 0 merged"));
    assert!(rig.dead_ids().is_empty());
    assert_eq!(rig.drain_later(1).dead_lettered, 1);

    // Given up: gone from the list.
    let id = rig.dead_ids()[0];
    pms(dir.path(), &sim)
        .args(["inbox", "discard", &id.to_string()])
        .assert()
        .success()
        .stdout(predicate::str::contains("discarded"));
    assert!(rig.dead_ids().is_empty());
    pms(dir.path(), &sim)
        .args(["inbox", "discard", &id.to_string()])
        .assert()
        .code(1);

    // Usage errors: redrive needs an id or --all, --hotel only with --all.
    pms(dir.path(), &sim).args(["inbox", "redrive"]).assert().code(2);
    pms(dir.path(), &sim)
        .args(["inbox", "redrive", "7", "--hotel", "grand"])
        .assert()
        .code(2);
    pms(dir.path(), &sim)
        .args(["inbox", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dead").and(predicate::str::contains("redrive")));
}
