//! `pms replay`: re-drive writes left pending or unknown (the runbook action
//! after an outage). Each is read back from the PMS first and resent only if absent.

use clap::Args;

use crate::runtime;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Only this hotel.
    #[arg(long)]
    hotel: Option<String>,
    /// List what would be re-driven, change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: &ReplayArgs) -> Result<(), String> {
    let hotels = runtime::hotels(args.hotel.as_deref())?;
    let store = runtime::store().await?;
    let cipher = runtime::cipher()?;
    let mut failed = 0usize;
    for hotel in &hotels {
        if args.dry_run {
            let pending = store
                .journal_unsettled(&hotel.config.id, chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            for entry in &pending {
                println!(
                    "{} {} {} {:?} attempts={}",
                    hotel.config.id, entry.request_id, entry.operation, entry.state, entry.attempts
                );
            }
            println!("{}: {} unsettled write(s)", hotel.config.id, pending.len());
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
        println!(
            "{}: {} replayed, {} still unsettled",
            hotel.config.id,
            outcomes.len() - outcomes.iter().filter(|o| o.result.is_err()).count(),
            outcomes.iter().filter(|o| o.result.is_err()).count()
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} write(s) still unsettled"))
    }
}
