//! `pms audit`: query the audit log.

use chrono::{DateTime, Utc};
use clap::Args;
use pms_core::HotelId;
use pms_sync::store::{AuditFilter, Store};

use crate::runtime;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this hotel.
    #[arg(long)]
    hotel: Option<String>,
    /// Only this reservation (vendor id).
    #[arg(long)]
    reservation: Option<String>,
    /// Only this action (e.g. key_activated, charge_posted).
    #[arg(long)]
    action: Option<String>,
    /// At or after this instant (RFC 3339).
    #[arg(long)]
    since: Option<DateTime<Utc>>,
    /// Before this instant (RFC 3339).
    #[arg(long)]
    until: Option<DateTime<Utc>>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: &AuditArgs) -> Result<(), String> {
    let hotel = args
        .hotel
        .as_deref()
        .map(HotelId::new)
        .transpose()
        .map_err(|e| format!("--hotel: {e}"))?;
    let store = runtime::store().await?;
    let filter = AuditFilter {
        hotel: hotel.clone(),
        reservation: args.reservation.clone(),
        action: args.action.clone(),
        from: args.since,
        until: args.until,
        limit: Some(args.limit),
    };
    let entries = store.audit_query(&filter).await.map_err(|e| e.to_string())?;
    if let Some(hotel) = &hotel {
        known_hotel(hotel, store.as_ref()).await?;
    }
    if args.json {
        return super::print_json(&entries);
    }
    for e in &entries {
        let e_ = &e.entry;
        println!(
            "{} {:<10} {:<20} {:<24} by {}{}",
            e_.at.to_rfc3339(),
            e_.hotel,
            e_.action,
            e_.reservation.as_deref().unwrap_or("-"),
            e_.actor,
            e_.request_id.map(|r| format!(" request {r}")).unwrap_or_default()
        );
    }
    println!(
        "{} entr{}",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" }
    );
    Ok(())
}

/// A hotel is known when `PMS_HOTELS` lists it or the audit log holds an
/// entry for it (a hotel taken out of service keeps its history). Anything
/// else is a typo, and an empty answer would read as "nothing happened".
async fn known_hotel(hotel: &HotelId, store: &dyn Store) -> Result<(), String> {
    let listed = runtime::listed_hotels()?;
    if listed.contains(hotel) {
        return Ok(());
    }
    let any = AuditFilter {
        hotel: Some(hotel.clone()),
        limit: Some(1),
        ..AuditFilter::default()
    };
    let stored = store.audit_query(&any).await.map_err(|e| e.to_string())?;
    if stored.is_empty() {
        return Err(format!(
            "--hotel: `{hotel}` is not listed in PMS_HOTELS and the audit log has no entry for it"
        ));
    }
    Ok(())
}
