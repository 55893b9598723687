#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
use assert_cmd::Command;
use predicates::prelude::*;

fn pms() -> Command {
    Command::cargo_bin("pms").unwrap()
}

#[test]
fn help_lists_the_decode_command() {
    pms()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("decode"));
    pms()
        .args(["decode", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--pms").and(predicate::str::contains("room-statuses")));
}

#[test]
fn usage_errors_exit_2() {
    pms().assert().code(2);
    pms()
        .args(["decode", "--kind", "rooms"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pms"));
    pms()
        .args(["decode", "--pms", "protel", "--kind", "rooms"])
        .assert()
        .code(2);
    pms()
        .args(["decode", "--pms", "mews", "--kind", "invoices"])
        .assert()
        .code(2);
    pms().args(["frobnicate"]).assert().code(2);
}

#[test]
fn bad_context_options_exit_1_naming_the_option() {
    pms()
        .args([
            "decode",
            "--pms",
            "mews",
            "--kind",
            "rooms",
            "--time-zone",
            "Mars/Base",
            "-",
        ])
        .write_stdin("{}")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--time-zone"));
    pms()
        .args([
            "decode",
            "--pms",
            "mews",
            "--kind",
            "rooms",
            "--currency",
            "EURO",
            "-",
        ])
        .write_stdin("{}")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--currency"));
}

#[test]
fn a_missing_file_exits_1() {
    pms()
        .args([
            "decode",
            "--pms",
            "mews",
            "--kind",
            "rooms",
            "/nonexistent/payload.json",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"));
}
