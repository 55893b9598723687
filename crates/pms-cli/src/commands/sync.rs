//! `pms sync`: one pass of polling and inbox draining for the configured hotels.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use pms_core::{Clock, SystemClock};
use pms_sync::{Mirror, Worker};
use serde_json::json;

use crate::runtime;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this hotel (default: every hotel in PMS_HOTELS).
    #[arg(long)]
    hotel: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Hotels polled at the same time. Each polling hotel holds one page in
    /// memory, so this bounds the process's memory as well as its wall time.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

pub async fn run(args: &SyncArgs) -> Result<(), String> {
    let hotels = runtime::checked_hotels(args.hotel.as_deref()).await?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store.clone(), runtime::cipher()?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let syncs = runtime::syncs(&hotels, &mirror, clock.clone());
    let worker = Worker::new(
        runtime::worker_name(),
        store,
        syncs,
        Duration::from_secs(300),
        clock,
    )
    .with_concurrency(args.concurrency);
    let report = worker.run_once().await.map_err(|e| e.to_string());
    worker.release_all().await.map_err(|e| e.to_string())?;
    let report = report?;
    if args.json {
        super::print_json(&json!({
            "synced": report.synced,
            "skipped": report.skipped,
            "failed": report.failed,
            "inbox_applied": report.inbox_applied,
            "reservations_read": report.polled,
        }))?;
    } else {
        println!(
            "synced {} hotel(s), {} leased elsewhere, {} failed; {} webhook event(s) applied, {} reservation(s) read",
            report.synced.len(),
            report.skipped.len(),
            report.failed.len(),
            report.inbox_applied,
            report.polled
        );
        for (hotel, error) in &report.failed {
            println!("  {hotel}: {error}");
        }
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} hotel(s) failed to sync", report.failed.len()))
    }
}
