//! `pms sim <vendor>` through the binary: it prints the full base URL and
//! every credential a client needs, and `PMS_HOTEL_<ID>_*` lines that
//! configure a working hotel as printed (`pms health` passes with them and
//! nothing else; the OAuth and OHIP credentials it prints get tokens).
#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

/// A `pms sim` process; killed (by its own pid) when dropped.
struct SimProcess {
    child: Child,
    /// Its working directory (no `.env` in it).
    _dir: tempfile::TempDir,
    /// `label: value` lines, in order.
    details: Vec<(String, String)>,
    /// Active `.env` lines.
    env: BTreeMap<String, String>,
    /// Commented `# NAME=value` alternatives.
    alternatives: BTreeMap<String, String>,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SimProcess {
    fn start(vendor: &str) -> SimProcess {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::cargo_bin("pms")
            .unwrap()
            .args(["sim", vendor, "--port", "0"])
            .env_clear()
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut process = SimProcess {
            child,
            _dir: dir,
            details: Vec::new(),
            env: BTreeMap::new(),
            alternatives: BTreeMap::new(),
        };
        // Read on a thread: a simulator that never prints its ready line
        // fails the test instead of hanging it.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let next = || {
            rx.recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("pms sim {vendor} printed no `{}` line", pms_sim::READY_LINE))
        };
        let first = next();
        assert!(
            first.starts_with(&format!("pms-sim {vendor} listening on http://127.0.0.1:")),
            "{first}"
        );
        loop {
            let line = next();
            if line == pms_sim::READY_LINE {
                return process;
            }
            if let Some(commented) = line.strip_prefix("# ") {
                if let Some((name, value)) = commented.split_once('=')
                    && name.starts_with("PMS_")
                {
                    process.alternatives.insert(name.to_owned(), unquote(value));
                }
            } else if let Some((name, value)) = line.split_once('=')
                && name.starts_with("PMS_")
            {
                process.env.insert(name.to_owned(), unquote(value));
            } else if let Some((label, value)) = line.split_once(": ") {
                process.details.push((label.to_owned(), value.to_owned()));
            }
        }
    }

    fn detail(&self, label: &str) -> &str {
        self.details
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no `{label}:` line in {:?}", self.details))
    }

    fn base_url(&self) -> &str {
        self.detail("Base URL")
    }

    /// `pms health --json` with the printed `.env` lines as the whole environment.
    fn health(&self) -> Value {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::cargo_bin("pms")
            .unwrap()
            .args(["health", "--json"])
            .env_clear()
            .envs(&self.env)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "pms health failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value)
        .to_owned()
}

fn assert_healthy(sim: &SimProcess, hotel: &str) {
    assert_eq!(sim.env["PMS_HOTELS"], hotel);
    let report = sim.health();
    assert_eq!(report["hotels"][0]["hotel"], hotel, "{report}");
    assert_eq!(report["hotels"][0]["healthy"], true, "{report}");
}

#[test]
fn mews_prints_its_tokens_and_env_lines_that_work() {
    let sim = SimProcess::start("mews");
    let base = sim.base_url().to_owned();
    let p = "PMS_HOTEL_SIM_MEWS_";
    assert_eq!(sim.env[&format!("{p}PMS")], "mews");
    assert_eq!(sim.env[&format!("{p}BASE_URL")], base);
    assert_eq!(sim.detail("Connector API"), format!("{base}/api/connector/v1/"));
    assert_eq!(
        sim.env[&format!("{p}MEWS_CLIENT_TOKEN")],
        sim.detail("ClientToken")
    );
    assert_eq!(
        sim.env[&format!("{p}MEWS_ACCESS_TOKEN")],
        sim.detail("AccessToken")
    );
    assert_eq!(sim.env[&format!("{p}WEBHOOK_TOKEN")], sim.detail("Webhook token"));
    assert_eq!(
        sim.alternatives[&format!("{p}MEWS_ENTERPRISE_ID")],
        sim.detail("EnterpriseId")
    );
    assert!(uuid::Uuid::parse_str(sim.detail("IntegrationId")).is_ok());
    assert!(uuid::Uuid::parse_str(&sim.env[&format!("{p}MEWS_CHARGE_SERVICE_ID")]).is_ok());
    assert_healthy(&sim, "sim_mews");
}

#[tokio::test]
async fn cloudbeds_prints_the_v1_3_url_api_key_and_oauth_client_that_work() {
    let sim = SimProcess::start("cloudbeds");
    let base = sim.base_url().to_owned();
    let p = "PMS_HOTEL_SIM_CLOUDBEDS_";
    let api = sim.detail("API base URL").to_owned();
    assert_eq!(api, format!("{base}/api/v1.3"));
    assert_eq!(sim.env[&format!("{p}BASE_URL")], format!("{api}/"));
    assert_eq!(
        sim.env[&format!("{p}CLOUDBEDS_API_KEY")],
        sim.detail("API key (x-api-key or Bearer)")
    );
    assert_eq!(
        sim.env[&format!("{p}CLOUDBEDS_PROPERTY_ID")],
        sim.detail("propertyID")
    );
    assert_eq!(sim.env[&format!("{p}WEBHOOK_TOKEN")], sim.detail("Webhook token"));
    // OAuth is printed as the alternative to the API key, not beside it.
    assert!(!sim.env.contains_key(&format!("{p}CLOUDBEDS_CLIENT_ID")));
    assert_eq!(
        sim.alternatives[&format!("{p}CLOUDBEDS_REFRESH_TOKEN")],
        sim.detail("OAuth refresh_token")
    );
    assert_healthy(&sim, "sim_cloudbeds");

    // The printed OAuth client refreshes at the printed token URL.
    let answer = reqwest::Client::new()
        .post(sim.detail("OAuth token URL"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", sim.detail("OAuth client_id")),
            ("client_secret", sim.detail("OAuth client_secret")),
            ("refresh_token", sim.detail("OAuth refresh_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let token: Value = answer.json().await.unwrap();
    assert!(
        token["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{token}"
    );
}

#[tokio::test]
async fn opera_prints_ows_and_ohip_credentials_that_work() {
    let sim = SimProcess::start("opera");
    let base = sim.base_url().to_owned();
    let p = "PMS_HOTEL_SIM_OPERA_";
    assert_eq!(sim.env[&format!("{p}BASE_URL")], format!("{base}/OWS_WS_51"));
    assert!(
        sim.detail("OWS base URL")
            .starts_with(&format!("{base}/OWS_WS_51 "))
    );
    assert_eq!(sim.env[&format!("{p}OPERA_HOTEL_CODE")], sim.detail("Hotel code"));
    assert_eq!(sim.env[&format!("{p}OPERA_USERNAME")], sim.detail("User name"));
    assert_eq!(sim.env[&format!("{p}OPERA_PASSWORD")], sim.detail("Password"));
    assert_eq!(sim.detail("OHIP hotelId"), sim.detail("Hotel code"));
    assert_eq!(
        sim.env[&format!("{p}OPERA_OHIP_URL")],
        sim.detail("OHIP gateway URL")
    );
    assert_eq!(
        sim.env[&format!("{p}OPERA_OHIP_CLIENT_ID")],
        sim.detail("OHIP client id")
    );
    assert_eq!(
        sim.env[&format!("{p}OPERA_OHIP_USERNAME")],
        sim.detail("OHIP user (password grant)")
    );
    assert_healthy(&sim, "sim_opera");

    // The printed OHIP client, user and app key get a token (oauth.json's
    // password grant with HTTP Basic client authentication).
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/oauth/v1/tokens",
            sim.env[&format!("{p}OPERA_OHIP_URL")]
        ))
        .basic_auth(
            &sim.env[&format!("{p}OPERA_OHIP_CLIENT_ID")],
            Some(&sim.env[&format!("{p}OPERA_OHIP_CLIENT_SECRET")]),
        )
        .header("x-app-key", &sim.env[&format!("{p}OPERA_OHIP_APP_KEY")])
        .form(&[
            ("grant_type", "password"),
            ("username", sim.env[&format!("{p}OPERA_OHIP_USERNAME")].as_str()),
            ("password", sim.env[&format!("{p}OPERA_OHIP_PASSWORD")].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let token: Value = answer.json().await.unwrap();
    assert!(
        token["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{token}"
    );
}

#[test]
fn an_invalid_hotel_id_is_refused_naming_the_option() {
    let output = Command::cargo_bin("pms")
        .unwrap()
        .args(["sim", "mews", "--hotel", "Not An Id"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--hotel"));
}
