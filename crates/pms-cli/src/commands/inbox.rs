//! `pms inbox`: the webhook events whose re-read kept failing (dead letters):
//! list them, re-drive them, or give them up.
//!
//! A dead letter is a hint the sync tried its allowed number of times
//! (`pms_sync::InboxRetry`) without the PMS answering for its entity. It
//! stays in the store, counted in the hotel's health, until an operator
//! re-drives it (after fixing the cause, or after an outage) or discards it.
//! Only the store is needed (`PMS_STORE_URL`): the inbox holds ids, never
//! PII, and nothing is decrypted.

use clap::{Args, Subcommand};
use pms_core::{Change, Config, HotelId, PmsEvent};
use pms_sync::store::{InboxEntry, InboxRedrive, Store};
use serde_json::{Value, json};

use crate::runtime;

#[derive(Debug, Args)]
pub struct InboxArgs {
    #[command(subcommand)]
    command: InboxCommand,
}

#[derive(Debug, Subcommand)]
enum InboxCommand {
    /// List dead letters, oldest first: id, hotel, vendor, entity, attempts, times, last error.
    Dead(DeadArgs),
    /// Put dead letters back in the queue with a fresh attempt budget; the next sync pass re-reads them.
    Redrive(RedriveArgs),
    /// Give up on a dead letter (it is purged with the applied events after the retention).
    Discard(DiscardArgs),
}

#[derive(Debug, Args)]
struct DeadArgs {
    /// Only this hotel.
    #[arg(long)]
    hotel: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["id", "all"]))]
struct RedriveArgs {
    /// The dead letter's id (as `pms inbox dead` lists it).
    id: Option<i64>,
    /// Every dead letter (of `--hotel`, if given).
    #[arg(long)]
    all: bool,
    /// With `--all`: only this hotel.
    #[arg(long, conflicts_with = "id")]
    hotel: Option<String>,
}

#[derive(Debug, Args)]
struct DiscardArgs {
    /// The dead letter's id (as `pms inbox dead` lists it).
    id: i64,
}

/// Dead letters read per store round trip by `redrive --all`.
const PAGE: u32 = 500;

pub async fn run(args: &InboxArgs) -> Result<(), String> {
    match &args.command {
        InboxCommand::Dead(args) => dead(args).await,
        InboxCommand::Redrive(args) => redrive(args).await,
        InboxCommand::Discard(args) => discard(args).await,
    }
}

async fn dead(args: &DeadArgs) -> Result<(), String> {
    let hotel = args.hotel.as_deref().map(hotel_id).transpose()?;
    let store = runtime::store().await?;
    let dead = store
        .inbox_dead(hotel.as_ref(), args.limit)
        .await
        .map_err(|e| e.to_string())?;
    if dead.is_empty()
        && let Some(hotel) = &hotel
    {
        // A typo must not read as "nothing dead": an unknown hotel with no
        // dead letters is an error (one removed from the configuration
        // still lists what it left behind).
        let config = Config::from_env().map_err(|e| e.to_string())?;
        if config.hotel(hotel).is_none() {
            return Err(format!(
                "--hotel: `{hotel}` is not listed in PMS_HOTELS and has no dead letters"
            ));
        }
    }
    let rows: Vec<Value> = dead.iter().map(describe).collect();
    if args.json {
        return super::print_json(&rows);
    }
    for row in &rows {
        println!(
            "{} {} {} {} {} attempts={} received={} dead={} error: {}",
            row["id"],
            text(&row["hotel"]),
            text(&row["vendor"]),
            text(&row["entity"]),
            text(&row["entity_ref"]),
            row["attempts"],
            text(&row["received_at"]),
            text(&row["dead_at"]),
            text(&row["last_error"]),
        );
    }
    println!("{} dead letter(s)", rows.len());
    Ok(())
}

async fn redrive(args: &RedriveArgs) -> Result<(), String> {
    let store = runtime::store().await?;
    if let Some(id) = args.id {
        let outcome = store.inbox_redrive(id).await.map_err(|e| e.to_string())?;
        return match outcome {
            Some(outcome) => {
                println!("inbox event {id}: {}", said(outcome));
                Ok(())
            }
            None => Err(format!("inbox event {id} is not a dead letter")),
        };
    }
    let hotel = args.hotel.as_deref().map(hotel_id).transpose()?;
    let (mut requeued, mut merged) = (0usize, 0usize);
    // Each redriven letter leaves the list, so the first page is read again
    // until it is empty; a letter that is not redriven (a race with another
    // operator) would come back, so the loop stops on a page that moved nothing.
    loop {
        let page = dead_page(store.as_ref(), hotel.as_ref()).await?;
        let mut moved = 0;
        for entry in &page {
            match store
                .inbox_redrive(entry.event.seq)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(InboxRedrive::Requeued) => requeued += 1,
                Some(InboxRedrive::Merged) => merged += 1,
                None => continue,
            }
            moved += 1;
        }
        if moved == 0 {
            break;
        }
    }
    println!(
        "{requeued} dead letter(s) requeued, {merged} merged into a newer pending hint; the next sync pass re-reads them"
    );
    Ok(())
}

async fn dead_page(store: &dyn Store, hotel: Option<&HotelId>) -> Result<Vec<InboxEntry>, String> {
    store.inbox_dead(hotel, PAGE).await.map_err(|e| e.to_string())
}

async fn discard(args: &DiscardArgs) -> Result<(), String> {
    let store = runtime::store().await?;
    if store.inbox_discard(args.id).await.map_err(|e| e.to_string())? {
        println!("inbox event {}: discarded", args.id);
        Ok(())
    } else {
        Err(format!("inbox event {} is not a dead letter", args.id))
    }
}

fn said(outcome: InboxRedrive) -> &'static str {
    match outcome {
        InboxRedrive::Requeued => "requeued; the next sync pass re-reads it",
        InboxRedrive::Merged => "a newer hint for the same entity was pending; merged into it",
    }
}

fn hotel_id(id: &str) -> Result<HotelId, String> {
    HotelId::new(id).map_err(|e| format!("--hotel: {e}"))
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// One dead letter for the operator: ids, kinds, counts and times from the
/// stored event, and its stored (PII-free) error. The payload holds ids only.
fn describe(entry: &InboxEntry) -> Value {
    let (vendor, entity, entity_ref) = match serde_json::from_value::<PmsEvent>(entry.event.payload.clone()) {
        Ok(event) => {
            let (entity, reference) = match &event.change {
                Change::ReservationCreated { reservation }
                | Change::ReservationUpdated { reservation }
                | Change::ReservationStatusChanged { reservation, .. }
                | Change::ReservationCancelled { reservation } => ("reservation", Some(reservation)),
                Change::GuestUpdated { guest } => ("guest", Some(guest)),
                Change::RoomStatusChanged { room, .. } => ("room", Some(room)),
                Change::RoomBlockChanged { block } => ("room_block", Some(block)),
                Change::FolioChanged {
                    reservation: Some(reservation),
                    ..
                } => ("folio", Some(reservation)),
                Change::FolioChanged { item, .. } => ("folio_item", item.as_ref()),
            };
            (
                reference.map(|r| r.pms.as_str().to_owned()),
                Some(entity),
                reference.map(|r| r.id.to_string()),
            )
        }
        Err(_) => (None, None, None),
    };
    json!({
        "id": entry.event.seq,
        "hotel": entry.event.hotel,
        "vendor": vendor,
        "entity": entity.unwrap_or("unreadable"),
        "entity_ref": entity_ref,
        "event_id": entry.event.event_id,
        "attempts": entry.attempts,
        "received_at": entry.event.received_at.to_rfc3339(),
        "last_attempt_at": entry.last_attempt_at.map(|t| t.to_rfc3339()),
        "dead_at": entry.dead_at.map(|t| t.to_rfc3339()),
        "last_error": entry.last_error,
    })
}
