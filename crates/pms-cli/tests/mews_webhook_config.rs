//! `pms serve` refuses a Mews webhook set-up that cannot authenticate or
//! attribute deliveries (RELIABILITY.md bug 23, Mews parts), naming the
//! variable and never printing the token.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;

/// 32 zero bytes, base64: a test-only store key.
const STORE_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn serve(dir: &std::path::Path, vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::cargo_bin("pms").unwrap();
    cmd.env_clear()
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env("PMS_HOTELS", "grand")
        .env("PMS_HOTEL_GRAND_PMS", "mews")
        // Nothing listens there: the command must stop before any call.
        .env("PMS_HOTEL_GRAND_BASE_URL", "http://127.0.0.1:9")
        .env("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin")
        .env("PMS_HOTEL_GRAND_CURRENCY", "EUR")
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", "client-token")
        .env("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", "access-token")
        .env("PMS_HOTEL_GRAND_MEWS_CLIENT_NAME", "pms-cli tests 0.1")
        .env(
            "PMS_STORE_URL",
            format!("sqlite://{}", dir.join("pms.db").display()),
        )
        .env("PMS_STORE_KEY", STORE_KEY)
        .env("PMS_STORE_KEY_ID", "k1")
        .args(["serve", "--listen", "127.0.0.1:0"])
        // A guard, not a measurement: a set-up that is wrongly accepted makes
        // `serve` run until stopped, and the test must fail rather than hang.
        .timeout(std::time::Duration::from_secs(120));
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd
}

#[test]
fn a_one_character_mews_webhook_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    serve(
        dir.path(),
        &[
            ("PMS_HOTEL_GRAND_WEBHOOK_TOKEN", "Q"),
            (
                "PMS_HOTEL_GRAND_MEWS_ENTERPRISE_ID",
                "851df8c8-90f2-4c4a-8e01-a4fc46b25178",
            ),
        ],
    )
    .assert()
    .failure()
    .stderr(
        predicate::str::contains("PMS_HOTEL_GRAND_WEBHOOK_TOKEN")
            .and(predicate::str::contains("at least 16")),
    );
}

#[test]
fn a_mews_webhook_token_needs_the_enterprise_it_is_checked_against() {
    let dir = tempfile::tempdir().unwrap();
    serve(
        dir.path(),
        &[("PMS_HOTEL_GRAND_WEBHOOK_TOKEN", "zebulon-quist-token-7731")],
    )
    .assert()
    .failure()
    .stderr(
        predicate::str::contains("PMS_HOTEL_GRAND_MEWS_ENTERPRISE_ID")
            .and(predicate::str::contains("zebulon-quist-token-7731").not()),
    );
}

#[test]
fn the_shared_endpoint_needs_a_mews_hotel_with_webhooks() {
    let dir = tempfile::tempdir().unwrap();
    serve(dir.path(), &[("PMS_MEWS_WEBHOOK_ENDPOINT", "main")])
        .assert()
        .failure()
        .stderr(predicate::str::contains("PMS_MEWS_WEBHOOK_ENDPOINT"));
    serve(dir.path(), &[("PMS_MEWS_WEBHOOK_ENDPOINT", "Main/../x")])
        .assert()
        .failure()
        .stderr(predicate::str::contains("PMS_MEWS_WEBHOOK_ENDPOINT"));
}
