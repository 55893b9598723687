//! `pms replay`: re-drive writes left pending or unknown (the runbook action
//! after an outage). Each is read back from the PMS first and resent only if absent.
//!
//! `--dry-run` lists every write in doubt, including those a writer still
//! claims: after a crash the killed writer's claim stays live for its TTL
//! (120 s for the CLI's journal), and a listing that left those out would
//! report "0" while a charge may be on its way to the PMS. Each line names the
//! claim's owner and expiry, so the operator knows when `pms replay` can take it.

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use pms_sync::store::{JournalEntry, JournalState};

use crate::runtime;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Only this hotel.
    #[arg(long)]
    hotel: Option<String>,
    /// List what is in doubt (and what would be re-driven), change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: &ReplayArgs) -> Result<(), String> {
    // A replay writes to the PMS: like `sync`, it refuses a hotel whose PMS
    // reports another currency or time zone. The dry run reads only the
    // store, so it works while a PMS is unreachable.
    let hotels = if args.dry_run {
        runtime::hotels(args.hotel.as_deref())?
    } else {
        runtime::checked_hotels(args.hotel.as_deref()).await?
    };
    let store = runtime::store().await?;
    let cipher = runtime::cipher()?;
    let mut failed = 0usize;
    for hotel in &hotels {
        if args.dry_run {
            let now = Utc::now();
            let in_doubt = store
                .journal_in_doubt(&hotel.config.id)
                .await
                .map_err(|e| e.to_string())?;
            for entry in &in_doubt {
                println!("{} {}", hotel.config.id, describe(entry, now));
            }
            let claimed = in_doubt.iter().filter(|e| live_claim(e, now).is_some()).count();
            println!(
                "{}: {} write(s) in doubt, {} claimed by a live writer (replayed once the claim expires)",
                hotel.config.id,
                in_doubt.len(),
                claimed
            );
            continue;
        }
        let journal = runtime::journal(hotel, store.clone(), cipher.clone());
        let outcomes = journal
            .replay_unsettled(&hotel.config.id, hotel.client.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        for outcome in &outcomes {
            match &outcome.result {
                Ok(()) => println!(
                    "{} {} {}: settled",
                    hotel.config.id, outcome.request_id, outcome.operation
                ),
                Err(err) => {
                    failed += 1;
                    println!(
                        "{} {} {}: {err}",
                        hotel.config.id, outcome.request_id, outcome.operation
                    );
                }
            }
        }
        // Writes another (possibly dead) writer still claims were not touched:
        // they are still in doubt, so say so and do not report success.
        let now = Utc::now();
        let busy: Vec<JournalEntry> = store
            .journal_in_doubt(&hotel.config.id)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|e| live_claim(e, now).is_some())
            .collect();
        for entry in &busy {
            println!("{} {}", hotel.config.id, describe(entry, now));
        }
        failed += busy.len();
        println!(
            "{}: {} replayed, {} still unsettled, {} claimed by a live writer (run again after the claim expires)",
            hotel.config.id,
            outcomes.len() - outcomes.iter().filter(|o| o.result.is_err()).count(),
            outcomes.iter().filter(|o| o.result.is_err()).count(),
            busy.len()
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} write(s) still unsettled"))
    }
}

/// The claim on `entry` if one is live at `now`: (owner, expiry).
fn live_claim(entry: &JournalEntry, now: DateTime<Utc>) -> Option<(&str, DateTime<Utc>)> {
    match (entry.state, entry.owner.as_deref(), entry.claimed_until) {
        (JournalState::Pending, Some(owner), Some(until)) if until > now => Some((owner, until)),
        _ => None,
    }
}

/// One line per write in doubt: id, operation, state, attempts and its claim.
fn describe(entry: &JournalEntry, now: DateTime<Utc>) -> String {
    let claim = match (
        live_claim(entry, now),
        entry.owner.as_deref(),
        entry.claimed_until,
    ) {
        (Some((owner, until)), _, _) => format!(
            "claimed by {owner} until {} ({} s left)",
            until.to_rfc3339_opts(SecondsFormat::Secs, true),
            (until - now).num_seconds().max(0)
        ),
        (None, Some(owner), Some(until)) => format!(
            "claim by {owner} expired {}",
            until.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        _ => "unclaimed".to_owned(),
    };
    format!(
        "{} {} {} attempts={} {claim}",
        entry.request_id,
        entry.operation,
        entry.state.as_str(),
        entry.attempts
    )
}
