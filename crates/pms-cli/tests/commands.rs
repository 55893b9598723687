//! Exit codes and output of `pms sync`, `reconcile`, `health`, `audit` and
//! `replay` against an in-process Mews simulator (Cloudbeds for the client's
//! read resends), and configuration errors.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use assert_cmd::Command;
use chrono::Utc;
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, MewsSim, SimHandle, SimOptions};
use predicates::prelude::*;
use serde_json::Value;

/// 32 zero bytes, base64: a test-only store key.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// A Mews simulator served by its own runtime while the test blocks on the CLI.
struct Sim {
    handle: SimHandle,
    _runtime: tokio::runtime::Runtime,
}

fn start_sim() -> Sim {
    start(|spec| Box::pin(MewsSim::start(SimOptions::with_hotel(spec))))
}

type Starting = std::pin::Pin<Box<dyn std::future::Future<Output = Result<SimHandle, pms_sim::SimError>>>>;

fn start(vendor: impl FnOnce(HotelSpec) -> Starting) -> Sim {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = runtime.block_on(vendor(HotelSpec::small(21))).unwrap();
    Sim {
        handle,
        _runtime: runtime,
    }
}

/// `pms` in an empty directory (no `.env`), with only the given variables.
fn pms(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pms").unwrap();
    cmd.env_clear().current_dir(dir).env("RUST_LOG", "warn");
    cmd
}

/// `pms` configured for one Mews hotel on `base_url` and a SQLite store in `dir`.
fn configured(dir: &Path, base_url: &str, sim: &SimHandle) -> Command {
    let mut cmd = pms(dir);
    cmd.env("PMS_HOTELS", "grand")
        .env("PMS_HOTEL_GRAND_PMS", "mews")
        .env("PMS_HOTEL_GRAND_BASE_URL", base_url)
        .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin")
        .env("PMS_HOTEL_GRAND_CURRENCY", "EUR")
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token())
        .env("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token())
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1")
        .env(
            "PMS_STORE_URL",
            format!("sqlite://{}", dir.join("pms.db").display()),
        )
        .env("PMS_STORE_KEY", STORE_KEY)
        .env("PMS_STORE_KEY_ID", "k1");
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

#[test]
fn sync_then_reconcile_against_the_simulator() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let base = sim.handle.base_url();

    let report = json(configured(dir.path(), &base, &sim.handle).args(["sync", "--json"]));
    assert_eq!(report["synced"], serde_json::json!(["grand"]));
    assert_eq!(report["failed"], serde_json::json!([]));
    assert!(report["reservations_read"].as_u64().unwrap() > 0, "{report}");

    configured(dir.path(), &base, &sim.handle)
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("synced 1 hotel(s)"));

    let today = Utc::now().with_timezone(&pms_sim::TIME_ZONE).date_naive();
    let from = (today - chrono::Days::new(3)).to_string();
    let to = (today + chrono::Days::new(10)).to_string();
    let args = [
        "reconcile",
        "--hotel",
        "grand",
        "--from",
        &from,
        "--to",
        &to,
        "--json",
    ];
    let first = json(configured(dir.path(), &base, &sim.handle).args(args));
    assert!(first["compared"].as_u64().unwrap() > 0, "{first}");
    // Rooms are mirrored by reconciliation, not by polling: the first one repairs them.
    assert!(!first["missing"].as_array().unwrap().is_empty(), "{first}");
    let second = json(configured(dir.path(), &base, &sim.handle).args(args));
    for field in ["missing", "extra", "changed"] {
        assert!(second[field].as_array().unwrap().is_empty(), "{field}: {second}");
    }
    configured(dir.path(), &base, &sim.handle)
        .args(&args[..args.len() - 1])
        .assert()
        .success()
        .stdout(predicate::str::contains("grand: compared").and(predicate::str::contains("missing 0")));

    // A window that ends before it starts is a usage error naming the options.
    configured(dir.path(), &base, &sim.handle)
        .args(["reconcile", "--hotel", "grand", "--from", &to, "--to", &from])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--from/--to"));
}

#[test]
fn health_reports_the_pms_and_the_store() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let base = sim.handle.base_url();
    let report = json(configured(dir.path(), &base, &sim.handle).args(["health", "--json"]));
    assert_eq!(report["hotels"][0]["hotel"], "grand");
    assert_eq!(report["hotels"][0]["pms"], "mews");
    assert_eq!(report["hotels"][0]["healthy"], true, "{report}");
    assert_eq!(report["store_ok"], true);
    configured(dir.path(), &base, &sim.handle)
        .arg("health")
        .assert()
        .success()
        .stdout(predicate::str::contains("grand").and(predicate::str::contains("ok")));

    // A PMS nobody answers for: exit 1, and the credentials are never printed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let output = configured(dir.path(), &closed, &sim.handle)
        .arg("health")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("DOWN") && all.contains("unhealthy"), "{all}");
    assert!(!all.contains(sim.handle.access_token()), "a secret was printed");
    assert!(!all.contains(sim.handle.client_token()), "a secret was printed");
}

#[test]
fn audit_and_replay_on_an_empty_store() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let base = sim.handle.base_url();
    configured(dir.path(), &base, &sim.handle)
        .arg("audit")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 entries"));
    let entries = json(configured(dir.path(), &base, &sim.handle).args(["audit", "--json"]));
    assert_eq!(entries, serde_json::json!([]));
    configured(dir.path(), &base, &sim.handle)
        .args(["audit", "--since", "yesterday"])
        .assert()
        .code(2);
    configured(dir.path(), &base, &sim.handle)
        .args(["replay", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("grand: 0 write(s) in doubt"));
    configured(dir.path(), &base, &sim.handle)
        .arg("replay")
        .assert()
        .success()
        .stdout(predicate::str::contains("grand: 0 replayed, 0 still unsettled"));
}

#[test]
fn missing_configuration_is_an_error_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for command in [&["sync"][..], &["health"], &["replay"], &["serve"]] {
        pms(dir.path())
            .args(command)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("PMS_HOTELS"));
    }
    pms(dir.path())
        .arg("audit")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("PMS_STORE_URL"));
    pms(dir.path())
        .args(["sync"])
        .env("PMS_HOTELS", "grand")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("PMS_HOTEL_GRAND_"));
    // A malformed value is named, never echoed.
    pms(dir.path())
        .args(["health"])
        .env("PMS_HOTELS", "grand")
        .env("PMS_HOTEL_GRAND_PMS", "mews")
        .env("PMS_HOTEL_GRAND_BASE_URL", "not a url s3cr3t-value")
        .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin")
        .env("PMS_HOTEL_GRAND_CURRENCY", "EUR")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("PMS_HOTEL_GRAND_BASE_URL")
                .and(predicate::str::contains("s3cr3t").not()),
        );
    pms(dir.path())
        .args(["reconcile", "--hotel", "grand"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        "decode",
        "sync",
        "reconcile",
        "serve",
        "health",
        "audit",
        "replay",
        "sim",
        "demo",
    ] {
        pms(dir.path())
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: pms"));
    }
}

/// Every stored guest's name, email and phone (what output must never show).
fn guest_pii(sim: &SimHandle) -> Vec<String> {
    sim.state().with_hotel(pms_sim::Hotel::guest_pii)
}

#[test]
fn reconcile_flags_reads_it_could_not_verify() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let base = sim.handle.base_url();
    configured(dir.path(), &base, &sim.handle)
        .arg("sync")
        .assert()
        .success();

    // The credential is revoked between the sync and the reconcile: every
    // read of the pass fails (auth is not retried), nothing is verified.
    let today = Utc::now().with_timezone(&pms_sim::TIME_ZONE).date_naive();
    let from = (today - chrono::Days::new(3)).to_string();
    let to = (today + chrono::Days::new(10)).to_string();
    let revoked = "revoked-access-token-7c1f";
    let args = ["reconcile", "--hotel", "grand", "--from", &from, "--to", &to];
    let output = configured(dir.path(), &base, &sim.handle)
        .env("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", revoked)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "an incomplete pass is not a success: {stderr}"
    );
    assert!(stderr.contains("incomplete"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let unverified = report["unverified"].as_array().unwrap();
    let reads: Vec<&str> = unverified.iter().map(|u| u["read"].as_str().unwrap()).collect();
    assert_eq!(reads, ["rooms", "arrivals", "departures"], "{report}");
    for entry in unverified {
        assert_eq!(entry["error"], "auth", "{entry}");
    }
    assert_eq!(unverified[0]["kind"], "room");
    assert_eq!(unverified[1]["kind"], "reservation");
    assert_eq!(unverified[1]["range"]["first"], from.as_str());
    assert_eq!(unverified[1]["range"]["last"], to.as_str());
    // The sync mirrored stays in the window: they were left, and counted.
    assert!(unverified[1]["records"].as_u64().unwrap() > 0, "{report}");
    // Nothing was verified, so nothing was reported (or deleted) as drift.
    for field in ["missing", "extra", "changed"] {
        assert!(report[field].as_array().unwrap().is_empty(), "{field}: {report}");
    }

    // Text form: one line per unverified read, flagged, exit 1.
    let output = configured(dir.path(), &base, &sim.handle)
        .env("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", revoked)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(stdout.contains("unverified 3"), "{stdout}");
    for read in [
        "unverified room rooms",
        "unverified reservation arrivals",
        "unverified reservation departures",
    ] {
        assert!(stdout.contains(read), "{read}: {stdout}");
    }
    assert!(stdout.contains(&format!("{from}..{to}")), "{stdout}");
    assert!(
        stdout.contains("(error: auth)") && stdout.contains("INCOMPLETE"),
        "{stdout}"
    );
    // Names, ids and kinds only: no guest data and no credential.
    let all = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    for needle in guest_pii(&sim.handle).iter().map(String::as_str).chain([
        revoked,
        sim.handle.access_token(),
        sim.handle.client_token(),
    ]) {
        assert!(!all.contains(needle), "printed a value it must not: {all}");
    }

    // The credential restored, the same window verifies and exits 0.
    let report = json(
        configured(dir.path(), &base, &sim.handle)
            .args(args)
            .arg("--json"),
    );
    assert_eq!(report["unverified"], serde_json::json!([]), "{report}");
}

#[test]
fn cloudbeds_reads_are_resent_three_times_and_no_more() {
    let sim = start(|spec| Box::pin(CloudbedsSim::start(SimOptions::with_hotel(spec))));
    let dir = tempfile::tempdir().unwrap();
    let property = sim.handle.state().with_hotel(CloudbedsIds::property_id);
    let cloudbeds = |dir: &Path| {
        let mut cmd = pms(dir);
        cmd.env("PMS_HOTELS", "grand")
            .env("PMS_HOTEL_GRAND_PMS", "cloudbeds")
            .env("PMS_HOTEL_GRAND_BASE_URL", CloudbedsSim::api_url(&sim.handle))
            .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin")
            .env("PMS_HOTEL_GRAND_CURRENCY", "EUR")
            .env("PMS_HOTEL_GRAND_CLOUDBEDS_PROPERTY_ID", &property)
            .env("PMS_HOTEL_GRAND_CLOUDBEDS_API_KEY", sim.handle.access_token())
            .env(
                "PMS_STORE_URL",
                format!("sqlite://{}", dir.join("pms.db").display()),
            )
            .env("PMS_STORE_KEY", STORE_KEY)
            .env("PMS_STORE_KEY_ID", "k1");
        cmd
    };
    // Every request fails with a 5xx: the poll's first read is sent once
    // and resent three times, then the sync fails.
    sim.handle.faults().update(|f| f.error_5xx = 1.0);
    cloudbeds(dir.path()).arg("sync").assert().code(1);
    assert_eq!(
        sim.handle.state().requests_to("getReservations").len(),
        4,
        "1 + 3 resends"
    );
    // Without faults the same command syncs.
    sim.handle.faults().clear();
    cloudbeds(dir.path()).arg("sync").assert().success();
}
