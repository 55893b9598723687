//! Configuration mistakes through the binary (RELIABILITY.md bugs 20–23):
//! a hotel whose PMS reports another currency or time zone, `.env` files
//! (parse errors, `PMS_LISTEN_ADDR`, every command), key-ring mistakes, a
//! read-only SQLite URL and an unknown `--hotel` for `pms audit`. Each runs
//! `pms` against an in-process Mews simulator (EUR, Europe/Berlin).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use predicates::prelude::*;
use serde_json::Value;

/// 32 zero bytes and 32 one bytes, base64: test-only store keys.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const OTHER_KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

struct Sim {
    handle: SimHandle,
    _runtime: tokio::runtime::Runtime,
}

fn start_sim() -> Sim {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = runtime
        .block_on(MewsSim::start(SimOptions::with_hotel(HotelSpec::small(33))))
        .unwrap();
    Sim {
        handle,
        _runtime: runtime,
    }
}

/// `pms` in `dir` with a clean environment.
fn pms(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pms").unwrap();
    cmd.env_clear().current_dir(dir).env("RUST_LOG", "warn");
    cmd
}

/// The variables of one Mews hotel on the simulator and a SQLite store in `dir`.
fn vars(dir: &Path, sim: &SimHandle) -> Vec<(String, String)> {
    [
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1".to_owned()),
        (
            "PMS_STORE_URL",
            format!("sqlite://{}", dir.join("pms.db").display()),
        ),
        ("PMS_STORE_KEY", STORE_KEY.to_owned()),
        ("PMS_STORE_KEY_ID", "k1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn configured(dir: &Path, sim: &SimHandle) -> Command {
    let mut cmd = pms(dir);
    cmd.envs(vars(dir, sim));
    cmd
}

fn output(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---- bug 20: the PMS's currency and time zone against the configuration ----

#[test]
fn a_hotel_configured_with_the_wrong_currency_is_refused_at_start_and_in_health() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let wrong = |cmd: &mut Command| {
        cmd.env("PMS_HOTEL_GRAND_CURRENCY", "GBP");
    };
    for args in [
        &["sync"][..],
        &[
            "reconcile",
            "--hotel",
            "grand",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
        ],
        &["serve", "--listen", "127.0.0.1:0"],
    ] {
        let mut cmd = configured(dir.path(), &sim.handle);
        wrong(&mut cmd);
        let (code, stdout, stderr) = output(cmd.args(args));
        assert_eq!(code, Some(1), "{args:?}\n{stdout}\n{stderr}");
        assert!(
            stderr.contains("hotel grand")
                && stderr.contains("PMS_HOTEL_GRAND_CURRENCY is GBP but mews reports EUR"),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains(sim.handle.access_token()),
            "a secret was printed"
        );
    }
    // Refused before the store was opened: nothing was written anywhere.
    assert!(!dir.path().join("pms.db").exists());

    let mut cmd = configured(dir.path(), &sim.handle);
    wrong(&mut cmd);
    let (code, stdout, _) = output(cmd.args(["health", "--json"]));
    assert_eq!(code, Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let hotel = &report["hotels"][0];
    assert_eq!(hotel["healthy"], false, "{report}");
    assert_eq!(hotel["profile"]["status"], "mismatch", "{report}");
    assert_eq!(
        hotel["profile"]["mismatches"][0]["variable"],
        "PMS_HOTEL_GRAND_CURRENCY"
    );
    assert_eq!(hotel["profile"]["mismatches"][0]["reported"], "EUR");

    let mut cmd = configured(dir.path(), &sim.handle);
    wrong(&mut cmd);
    cmd.arg("health").assert().code(1).stdout(
        predicate::str::contains("MISMATCH").and(predicate::str::contains("PMS_HOTEL_GRAND_CURRENCY")),
    );
}

#[test]
fn a_hotel_configured_in_the_wrong_time_zone_is_refused_and_a_right_one_syncs() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    configured(dir.path(), &sim.handle)
        .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/London")
        .arg("sync")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "PMS_HOTEL_GRAND_TIME_ZONE is Europe/London but mews reports Europe/Berlin",
        ));
    // As the simulator reports it: the check passes and the hotel syncs.
    configured(dir.path(), &sim.handle)
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("synced 1 hotel(s)"));
    let (code, stdout, _) = output(configured(dir.path(), &sim.handle).args(["health", "--json"]));
    assert_eq!(code, Some(0), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["hotels"][0]["profile"]["status"], "ok", "{report}");
    assert_eq!(report["hotels"][0]["profile"]["unchecked"], serde_json::json!([]));
}

// ---- bug 21: .env ----

#[test]
fn a_dotenv_line_that_does_not_parse_is_named_by_number_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "PMS_HOTELS=grand\n# Mews\nPMS_HOTEL_GRAND_MEWS_CLIENT_NAME=pms-connectors 0.1.0\nPMS_STORE_KEY=s3cr3t value\n",
    )
    .unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/mews/reservations_getall_2023_06_06.response.json");
    let fixture = fixture.to_str().unwrap();
    let decode = ["decode", "--pms", "mews", "--kind", "reservations", fixture];
    for command in [&["health"][..], &["audit"], &["sync"], &decode] {
        let (code, stdout, stderr) = output(pms(dir.path()).args(command));
        assert_eq!(code, Some(1), "{command:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("line 3 (PMS_HOTEL_GRAND_MEWS_CLIENT_NAME), line 4 (PMS_STORE_KEY)"),
            "{command:?}: {stderr}"
        );
        assert!(
            !stderr.contains("s3cr3t") && !stderr.contains("0.1.0"),
            "{stderr}"
        );
    }
    // Help still works with a broken .env.
    pms(dir.path()).arg("--help").assert().success();
}

#[test]
fn a_dotenv_copied_from_the_example_gets_past_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example");
    std::fs::copy(example, dir.path().join(".env")).unwrap();
    // Every line parses, and its values are used: PMS_STORE_URL=sqlite://pms.db
    // and PMS_HOTELS (which lists grand) come from the copied file.
    pms(dir.path())
        .args(["audit", "--hotel", "grand"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 entries"));
    assert!(dir.path().join("pms.db").exists());
}

#[test]
fn every_command_reads_dotenv_and_the_environment_wins_over_it() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (k, v) in vars(dir.path(), &sim.handle) {
        text.push_str(&format!("{k}=\"{v}\"\n"));
    }
    std::fs::write(dir.path().join(".env"), text).unwrap();
    // `pms audit` sees PMS_STORE_URL from .env (it used to say it was not set).
    pms(dir.path())
        .arg("audit")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 entries"));
    // A variable set in the environment wins over the same line in .env.
    pms(dir.path())
        .arg("audit")
        .env("PMS_STORE_URL", "mysql://nowhere")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("PMS_STORE_URL"));
}

#[test]
fn serve_listens_where_dotenv_says() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut text = format!("PMS_LISTEN_ADDR=127.0.0.1:{port}\n");
    for (k, v) in vars(dir.path(), &sim.handle) {
        text.push_str(&format!("{k}=\"{v}\"\n"));
    }
    std::fs::write(dir.path().join(".env"), text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pms"))
        .arg("serve")
        .env_clear()
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Serve binds once it has checked the hotel and opened the store: try the
    // port until it answers or serve exits (bounded; nothing is timed).
    let mut connected = false;
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            connected = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        stderr.push_str(&line.unwrap());
        stderr.push('\n');
    }
    assert!(connected, "nothing listened on {port} ({status}): {stderr}");
}

// ---- bug 22: key-ring mistakes ----

#[test]
fn a_repeated_key_id_is_refused_at_start_and_by_health_naming_the_variable() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (format!("k1:{OTHER_KEY}"), "repeats the current key id `k1`"),
        (
            format!("k0:{OTHER_KEY},k0:{STORE_KEY}"),
            "lists key id `k0` twice",
        ),
    ];
    for (old_keys, expected) in cases {
        let (code, stdout, stderr) = output(
            configured(dir.path(), &sim.handle)
                .env("PMS_STORE_OLD_KEYS", &old_keys)
                .arg("sync"),
        );
        assert_eq!(code, Some(1), "{old_keys}: {stdout}{stderr}");
        assert!(
            stderr.contains("PMS_STORE_OLD_KEYS") && stderr.contains(expected),
            "{stderr}"
        );
        let (code, stdout, stderr) = output(
            configured(dir.path(), &sim.handle)
                .env("PMS_STORE_OLD_KEYS", &old_keys)
                .arg("health"),
        );
        assert_eq!(code, Some(1), "{stdout}{stderr}");
        assert!(
            stdout.contains("store keys       DOWN") && stdout.contains("PMS_STORE_OLD_KEYS"),
            "{stdout}"
        );
        for out in [&stdout, &stderr] {
            assert!(
                !out.contains(OTHER_KEY) && !out.contains(STORE_KEY),
                "a key was printed: {out}"
            );
        }
    }
    // A proper rotation still works.
    configured(dir.path(), &sim.handle)
        .env("PMS_STORE_OLD_KEYS", format!("k0:{OTHER_KEY}"))
        .arg("health")
        .assert()
        .success()
        .stdout(predicate::str::contains("store keys       ok"));
}

// ---- bug 23: sqlite ?mode=ro, pms audit --hotel ----

#[test]
fn a_read_only_sqlite_url_reads_the_store_refuses_writes_and_creates_no_file() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    configured(dir.path(), &sim.handle).arg("sync").assert().success();
    let ro = format!("sqlite://{}?mode=ro", dir.path().join("pms.db").display());
    configured(dir.path(), &sim.handle)
        .env("PMS_STORE_URL", &ro)
        .arg("audit")
        .assert()
        .success()
        .stdout(predicate::str::contains("entr"));
    let (code, stdout, stderr) = output(
        configured(dir.path(), &sim.handle)
            .env("PMS_STORE_URL", &ro)
            .arg("sync"),
    );
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("readonly"),
        "{stdout}{stderr}"
    );
    // A missing file in mode=ro is an error and is not created.
    let missing = format!("sqlite://{}?mode=ro", dir.path().join("absent.db").display());
    configured(dir.path(), &sim.handle)
        .env("PMS_STORE_URL", &missing)
        .arg("audit")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains('?') && !n.starts_with("absent")),
        "{names:?}"
    );
}

#[test]
fn audit_of_an_unknown_hotel_exits_1_and_a_known_one_0() {
    let sim = start_sim();
    let dir = tempfile::tempdir().unwrap();
    configured(dir.path(), &sim.handle)
        .args(["audit", "--hotel", "nosuch"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`nosuch`").and(predicate::str::contains("PMS_HOTELS")));
    configured(dir.path(), &sim.handle)
        .args(["audit", "--hotel", "grand"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 entries"));
}
