//! `pms demo --fast --json` end to end: the report's numbers, not just the exit code.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// Surnames the simulators give their guests: none may reach the output.
const GUEST_SURNAMES: &[&str] = &[
    "Novak", "Schmidt", "Rossi", "Dubois", "Garcia", "Jansen", "Nowak", "Horvat", "Kovacs", "Larsen",
    "Moreau", "Fischer", "Weber", "Keller",
];

/// The demo's hotels (`pms demo --fast`: `HotelSpec::small` with seeds 7, 8
/// and 9, generated for today) hold these guests; with the simulators' default
/// tokens and the passport the demo captures, none may be printed.
fn needles() -> Vec<String> {
    let mut needles = Vec::new();
    for seed in [7, 8, 9] {
        needles.extend(pms_sim::generate(&pms_sim::HotelSpec::small(seed)).guest_pii());
    }
    let tokens = pms_sim::Credentials::default();
    needles.push(tokens.client_token);
    needles.extend(tokens.access_tokens);
    needles.push("X0000000".into());
    needles.retain(|n| n.trim().len() >= 4);
    needles
}

#[test]
fn the_fast_demo_runs_every_step_on_every_vendor_and_reports_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    // At TRACE (issue 11: "run the demo with tracing at TRACE and capture all
    // output"); the simulators' own logs are the vendor's side and stay off.
    let output = Command::cargo_bin("pms")
        .unwrap()
        .args(["demo", "--fast", "--json"])
        .current_dir(dir.path())
        .env("RUST_LOG", "trace,pms_sim=off")
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.matches("TRACE").count() > 100,
        "TRACE logging was not on: {} bytes of stderr",
        stderr.len()
    );
    for name in GUEST_SURNAMES {
        assert!(!stdout.contains(name), "PII ({name}) in the report");
        assert!(!stderr.contains(name), "PII ({name}) in the logs");
    }
    let needles = needles();
    assert!(needles.len() > 100, "{} needles", needles.len());
    let leaked: Vec<&String> = needles
        .iter()
        .filter(|n| stdout.contains(n.as_str()) || stderr.contains(n.as_str()))
        .collect();
    assert!(leaked.is_empty(), "guest data or tokens printed: {leaked:?}");
    eprintln!(
        "demo at TRACE: {} bytes of logs, {} TRACE lines, {} needles, none found",
        stderr.len(),
        stderr.matches("TRACE").count(),
        needles.len()
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["mode"], "fast");
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["vendors"], 3);
    assert_eq!(report["hotels_synced"], report["vendors"]);
    let hotels = report["hotels"].as_array().unwrap();
    let pms: Vec<&str> = hotels.iter().map(|h| h["pms"].as_str().unwrap()).collect();
    assert_eq!(pms, ["mews", "cloudbeds", "opera"]);

    for h in hotels {
        let name = h["hotel"].as_str().unwrap();
        assert!(h["errors"].as_array().unwrap().is_empty(), "{name}: {h:#}");

        let sync = &h["sync"];
        assert!(sync["reservations_in_pms"].as_u64().unwrap() > 0, "{name}");
        assert_eq!(
            sync["reservations_mirrored"], sync["reservations_in_pms"],
            "{name}: every reservation mirrored"
        );
        assert!(sync["rooms_mirrored"].as_u64().unwrap() > 0, "{name}");

        if h["pms"] == "opera" {
            assert!(h["webhooks"].is_null(), "OWS sends no webhooks");
        } else {
            let w = &h["webhooks"];
            let applied = w["applied"].as_u64().unwrap();
            let received = w["events_received"].as_u64().unwrap();
            let deduped = w["duplicates_deduped"].as_u64().unwrap();
            assert!(applied >= 1, "{name}: {w}");
            assert!(
                w["duplicated"].as_u64().unwrap() >= 1,
                "{name}: the simulator duplicated some"
            );
            assert!(deduped >= w["duplicated"].as_u64().unwrap(), "{name}: {w}");
            assert_eq!(received, applied + deduped, "{name}: {w}");
            assert!(applied <= w["changes_triggered"].as_u64().unwrap(), "{name}: {w}");
        }

        let check_in = &h["check_in"];
        assert_eq!(
            check_in["keys_active"], 1,
            "{name}: exactly one key after check-in"
        );
        assert_eq!(check_in["rerun_new_keys"], 0, "{name}: a re-run issues no key");
        for step in ["id_check", "signature", "card_hold"] {
            assert_ne!(check_in[step], "not provided", "{name}: {step}");
        }

        let hk = &h["housekeeping"];
        assert!(hk["tasks_created"].as_u64().unwrap() >= 1, "{name}");
        assert_eq!(hk["tasks_completed"], 1);
        assert_eq!(hk["pushed_to_pms"], true, "{name}");
        assert_eq!(hk["pms_status_after"], "clean", "{name}");

        let charges = &h["charges"];
        assert_eq!(charges["charges_posted"], 5, "{name}");
        assert_eq!(charges["tips_posted"], 1, "{name}");
        assert_eq!(
            charges["replayed_identical"], 5,
            "{name}: replays answered by the journal"
        );
        assert_eq!(charges["total"], "65.50 EUR", "{name}");
        if charges["folio_matchable"] == true {
            assert_eq!(charges["folio_clean"], true, "{name}: {charges}");
            assert_eq!(charges["folio_live_lines"], 6, "{name}");
        } else {
            assert_eq!(h["pms"], "opera", "only OPERA cannot match lines by request id");
        }

        let out = &h["check_out"];
        assert_eq!(out["keys_deactivated"], 1, "{name}");
        assert_eq!(out["keys_active_after"], 0, "{name}: no key left after check-out");

        let drift = &h["drift"];
        assert!(drift["found"].as_u64().unwrap() >= 1, "{name}: {drift}");
        assert_eq!(drift["injected_found"], true, "{name}: {drift}");
        assert!(
            drift["injected_fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "adults"),
            "{name}: {drift}"
        );
        assert_eq!(drift["after_repair"], 0, "{name}: repaired");

        let health = &h["health"];
        assert_eq!(health["status"], "healthy", "{name}: {health}");
        assert_eq!(health["failures"], 0, "{name}");
        assert_eq!(health["circuit_open"], false, "{name}");
        assert!(health["calls"].as_u64().unwrap() > 0, "{name}");
    }
    // Mews and Cloudbeds took the webhooks of the charges flow; the ids in the
    // report are vendor ids, never names.
    assert!(
        hotels[0]["health"]["webhook_seen"] == true && hotels[1]["health"]["webhook_seen"] == true,
        "{report:#}"
    );
}

#[test]
fn demo_help_names_its_flags() {
    Command::cargo_bin("pms")
        .unwrap()
        .args(["demo", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("--fast").and(predicates::str::contains("--json")));
}

use predicates::prelude::PredicateBooleanExt;
