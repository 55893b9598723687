//! `pms reconcile`: re-read a window from the PMS, repair the mirror, report drift.

use std::sync::Arc;

use chrono::NaiveDate;
use clap::Args;
use pms_core::{DateRange, SystemClock};
use pms_sync::Mirror;

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
    let hotels = runtime::hotels(Some(&args.hotel))?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store, runtime::cipher()?);
    let syncs = runtime::syncs(&hotels, &mirror, Arc::new(SystemClock));
    let sync = syncs.first().ok_or("no hotel selected")?;
    let report = sync.reconcile(window).await.map_err(|e| e.to_string())?;
    if args.json {
        return super::print_json(&report);
    }
    println!(
        "{}: compared {}, missing {}, extra {}, changed {} (mirror repaired)",
        args.hotel,
        report.compared,
        report.missing.len(),
        report.extra.len(),
        report.changed.len()
    );
    for drift in report.changed.iter().take(20) {
        println!(
            "  changed {:?} {}: {}",
            drift.kind,
            drift.external_id,
            drift.fields.join(", ")
        );
    }
    Ok(())
}
