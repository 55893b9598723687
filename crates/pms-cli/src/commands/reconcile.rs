//! `pms reconcile`: re-read a window from the PMS, repair the mirror, report drift.
//!
//! A pass whose reads all succeeded exits 0. A pass that could not verify
//! part of the window (a PMS read still failing after its retries; see
//! `DriftReport::unverified`) repaired what it could read, prints what it
//! could not (record kind, read, id or dates, records left as they were and
//! the error kind: never a value), and exits 1, so a script or an operator
//! never takes an incomplete pass for a clean one. `--json` prints the whole
//! report, `unverified` included, before exiting 1.

use std::sync::Arc;

use chrono::NaiveDate;
use clap::Args;
use pms_core::{DateRange, SystemClock};
use pms_sync::{DriftReport, Mirror, Unverified};

use crate::runtime;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The hotel to reconcile.
    #[arg(long)]
    hotel: String,
    /// First business date of the window (YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// Last business date of the window (YYYY-MM-DD).
    #[arg(long)]
    to: NaiveDate,
    /// Print the drift report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: &ReconcileArgs) -> Result<(), String> {
    let window = DateRange::new(args.from, args.to).map_err(|e| format!("--from/--to: {e}"))?;
    let hotels = runtime::checked_hotels(Some(&args.hotel)).await?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store, runtime::cipher()?);
    let syncs = runtime::syncs(&hotels, &mirror, Arc::new(SystemClock));
    let sync = syncs.first().ok_or("no hotel selected")?;
    let report = sync.reconcile(window).await.map_err(|e| e.to_string())?;
    if args.json {
        super::print_json(&report)?;
    } else {
        print_text(&args.hotel, &report);
    }
    if report.is_verified() {
        Ok(())
    } else {
        Err(format!(
            "reconcile of {} incomplete: {} read(s) could not be verified; their records were left as they were (run it again)",
            args.hotel,
            report.unverified.len()
        ))
    }
}

fn print_text(hotel: &str, report: &DriftReport) {
    println!(
        "{hotel}: compared {}, missing {}, extra {}, changed {} (mirror repaired), unverified {}, superseded {}",
        report.compared,
        report.missing.len(),
        report.extra.len(),
        report.changed.len(),
        report.unverified.len(),
        report.superseded.len()
    );
    for drift in report.changed.iter().take(20) {
        println!(
            "  changed {:?} {}: {}",
            drift.kind,
            drift.external_id,
            drift.fields.join(", ")
        );
    }
    for drift in report.superseded.iter().take(20) {
        println!(
            "  superseded {:?} {}: a sync wrote it during this pass; kept as it wrote it",
            drift.kind, drift.external_id
        );
    }
    for unverified in &report.unverified {
        println!("  {}", describe(unverified));
    }
    if !report.is_verified() {
        println!("  INCOMPLETE: what the failed reads cover was neither compared nor changed");
    }
}

/// One unverified read: kind, read, id or date range, records left, error
/// kind. Ids and dates only; the error's message is not printed (a vendor
/// message can quote what it refused).
fn describe(unverified: &Unverified) -> String {
    let scope = match (&unverified.external_id, &unverified.range) {
        (Some(id), _) => format!(" {id}"),
        (None, Some(range)) => format!(" {}..{}", range.first, range.last),
        (None, None) => String::new(),
    };
    let error = serde_json::to_value(unverified.error)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", unverified.error));
    format!(
        "unverified {} {}{scope}: {} mirrored record(s) left as they were (error: {error})",
        unverified.kind.as_str(),
        unverified.read,
        unverified.records,
    )
}
