//! `pms sync`: one pass of polling and inbox draining for the configured hotels.
//!
//! A hotel whose lease another worker holds is not synced, and that is a
//! failure of the command (exit 1, naming the holder and the lease's expiry),
//! never a silent success: a cron job or a deploy script must not believe a
//! hotel is current when nothing ran. `--wait` waits for such leases instead.
//! Leases this worker's own name left behind (a killed earlier run) are taken
//! back at once (see `runtime::worker_name`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::Args;
use pms_core::{Clock, SystemClock};
use pms_sync::store::LeaseHolder;
use pms_sync::{HotelSync, Mirror, PassReport, Worker};
use serde_json::json;

use crate::runtime;

/// A `pms sync` lease lasts this long: a run killed before releasing holds
/// its hotels that long for other workers (its own name takes them back).
const LEASE_TTL: Duration = Duration::from_secs(300);

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
    /// Wait for hotels leased by another worker (up to SECONDS, default 600)
    /// and sync them once their lease is released or expires, instead of
    /// failing at once.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "600")]
    wait: Option<u64>,
}

pub async fn run(args: &SyncArgs) -> Result<(), String> {
    let hotels = runtime::checked_hotels(args.hotel.as_deref()).await?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store.clone(), runtime::cipher()?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let all = runtime::syncs(&hotels, &mirror, clock.clone());
    let deadline = args
        .wait
        .map(|secs| Utc::now() + chrono::Duration::seconds(secs as i64));
    let mut total = PassReport::default();
    let mut remaining: HashSet<String> = all.iter().map(|s| s.hotel().to_string()).collect();
    loop {
        let syncs: Vec<HotelSync> = all
            .iter()
            .filter(|s| remaining.contains(s.hotel().as_str()))
            .cloned()
            .collect();
        let worker = Worker::new(
            runtime::worker_name(),
            store.clone(),
            syncs,
            LEASE_TTL,
            clock.clone(),
        )
        .with_concurrency(args.concurrency);
        let report = worker.run_once().await.map_err(|e| e.to_string());
        worker.release_all().await.map_err(|e| e.to_string())?;
        let report = report?;
        remaining = report.skipped.iter().map(|(hotel, _)| hotel.clone()).collect();
        let wait = next_wait(&report.skipped, deadline);
        merge(&mut total, report, wait.is_none());
        let Some(wait) = wait else { break };
        if !args.json {
            println!(
                "waiting {} s for {} hotel(s) leased elsewhere",
                wait.as_secs(),
                remaining.len()
            );
        }
        tokio::time::sleep(wait).await;
    }
    print(&total, args.json)?;
    let mut problems = Vec::new();
    if !total.failed.is_empty() {
        problems.push(format!("{} hotel(s) failed to sync", total.failed.len()));
    }
    if !total.skipped.is_empty() {
        problems.push(format!(
            "{} hotel(s) leased elsewhere and not synced ({}){}",
            total.skipped.len(),
            total
                .skipped
                .iter()
                .map(|(hotel, holder)| format!("{hotel}: {}", held_by(holder)))
                .collect::<Vec<_>>()
                .join("; "),
            if args.wait.is_some() {
                "; still held after --wait"
            } else {
                "; run again once the lease is free, or pass --wait"
            }
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// How long to wait before trying the leased-elsewhere hotels again: until
/// the first of their leases expires (a holder that renews is simply waited
/// for again), a little after, never past `deadline`. `None`: do not wait.
fn next_wait(skipped: &[(String, LeaseHolder)], deadline: Option<chrono::DateTime<Utc>>) -> Option<Duration> {
    let deadline = deadline?;
    let now = Utc::now();
    let first_expiry = skipped.iter().map(|(_, holder)| holder.expires_at).min()?;
    if now >= deadline {
        return None;
    }
    // A released lease frees the hotel before its expiry: look again at least
    // every 5 s; a margin past the expiry absorbs clock skew between workers.
    let until = (first_expiry + chrono::Duration::milliseconds(500))
        .min(now + chrono::Duration::seconds(5))
        .min(deadline);
    Some((until - now).to_std().unwrap_or(Duration::from_millis(100)))
}

/// Adds one round's report to the total; only the last round's skipped
/// hotels are still leased elsewhere.
fn merge(total: &mut PassReport, round: PassReport, last: bool) {
    total.synced.extend(round.synced);
    total.taken_back.extend(round.taken_back);
    total.name_conflicts.extend(round.name_conflicts);
    total.failed.extend(round.failed);
    total.store_failures += round.store_failures;
    total.inbox_applied += round.inbox_applied;
    total.polled += round.polled;
    total.journal_purged += round.journal_purged;
    total.inbox_purged += round.inbox_purged;
    if last {
        total.skipped = round.skipped;
    }
}

fn held_by(holder: &LeaseHolder) -> String {
    format!(
        "held by worker {} until {}",
        holder.owner,
        holder
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

fn print(report: &PassReport, as_json: bool) -> Result<(), String> {
    if as_json {
        return super::print_json(&json!({
            "synced": report.synced,
            "skipped": report.skipped.iter().map(|(hotel, _)| hotel).collect::<Vec<_>>(),
            "leased_elsewhere": report.skipped.iter().map(|(hotel, holder)| json!({
                "hotel": hotel,
                "owner": holder.owner,
                "expires_at": holder.expires_at,
            })).collect::<Vec<_>>(),
            "taken_back": report.taken_back,
            "failed": report.failed,
            "inbox_applied": report.inbox_applied,
            "reservations_read": report.polled,
        }));
    }
    println!(
        "synced {} hotel(s), {} leased elsewhere, {} failed; {} webhook event(s) applied, {} reservation(s) read",
        report.synced.len(),
        report.skipped.len(),
        report.failed.len(),
        report.inbox_applied,
        report.polled
    );
    for hotel in &report.taken_back {
        println!("  {hotel}: took back the lease an earlier run of this worker left behind");
    }
    for (hotel, holder) in &report.skipped {
        println!("  {hotel}: not synced, {}", held_by(holder));
    }
    for (hotel, error) in &report.failed {
        println!("  {hotel}: {error}");
    }
    Ok(())
}
