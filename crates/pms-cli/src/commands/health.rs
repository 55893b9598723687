//! `pms health`: probe every configured PMS, check what each reports about
//! its property (currency, time zone) against the configuration, and check
//! the store and its key ring, when configured.

use clap::Args;
use serde_json::{Value, json};

use crate::runtime::{self, ProfileStatus};

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Only this hotel.
    #[arg(long)]
    hotel: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: &HealthArgs) -> Result<(), String> {
    let hotels = runtime::hotels(args.hotel.as_deref())?;
    let store_configured = std::env::var(runtime::STORE_URL_VAR).is_ok();
    let store = if store_configured {
        Some(runtime::store().await)
    } else {
        None
    };
    let mut reports = Vec::new();
    for hotel in &hotels {
        let report = hotel.client.health().await;
        let profile = profile_json(&runtime::profile_status(hotel).await);
        // A PMS that answers but disagrees with the configuration is not
        // healthy: every date and amount of that hotel would be wrong.
        let healthy = report.healthy && profile["status"] != "mismatch";
        reports.push(json!({
            "hotel": hotel.config.id,
            "pms": report.pms,
            "healthy": healthy,
            "latency_ms": report.latency.as_millis() as u64,
            "error": report.error,
            "detail": report.detail,
            "profile": profile,
            "inbox": inbox_json(store.as_ref(), &hotel.config.id).await,
        }));
    }
    let store = store.as_ref().map(Result::is_ok);
    // The key ring is what opens every stored row: a ring that repeats an id
    // is refused here as it is at the start of every command.
    let keys = store_configured.then(runtime::cipher);
    let keys_ok = keys.as_ref().map(Result::is_ok);
    let keys_error = keys.and_then(Result::err);
    let unhealthy = reports.iter().filter(|r| r["healthy"] != true).count()
        + usize::from(store == Some(false))
        + usize::from(keys_ok == Some(false));
    if args.json {
        super::print_json(&json!({
            "hotels": reports,
            "store_ok": store,
            "store_keys_ok": keys_ok,
            "store_keys_error": keys_error,
        }))?;
    } else {
        for r in &reports {
            let state = match (r["healthy"] == true, r["profile"]["status"].as_str()) {
                (_, Some("mismatch")) => "MISMATCH",
                (true, _) => "ok",
                (false, _) => "DOWN",
            };
            let detail = r["profile"]["detail"]
                .as_str()
                .filter(|_| state == "MISMATCH")
                .or(r["detail"].as_str())
                .unwrap_or("");
            println!(
                "{:<16} {:<10} {:<5} {} ms {}{}",
                r["hotel"].as_str().unwrap_or("?"),
                r["pms"].as_str().unwrap_or("?"),
                state,
                r["latency_ms"],
                detail,
                profile_note(&r["profile"]),
            );
            if let Some(note) = inbox_note(&r["inbox"]) {
                println!("{:<16} {note}", "");
            }
        }
        if let Some(ok) = store {
            println!("store            {}", if ok { "ok" } else { "DOWN" });
        }
        if let Some(ok) = keys_ok {
            match &keys_error {
                Some(error) if !ok => println!("store keys       DOWN  {error}"),
                _ => println!("store keys       ok"),
            }
        }
    }
    if unhealthy == 0 {
        Ok(())
    } else {
        Err(format!("{unhealthy} component(s) unhealthy"))
    }
}

/// The profile check as JSON: `status` (`ok`, `mismatch`, `unreadable`,
/// `unsupported`), the facts the PMS does not report, and a PII-free detail.
fn profile_json(status: &ProfileStatus) -> Value {
    match status {
        ProfileStatus::Matches(check) => json!({
            "status": "ok",
            "unchecked": check.unchecked(),
        }),
        ProfileStatus::Mismatch(err) => {
            let mismatches = match err {
                pms_core::Error::ProfileMismatch { mismatches, .. } => json!(mismatches),
                _ => json!([]),
            };
            json!({"status": "mismatch", "mismatches": mismatches, "detail": err.to_string()})
        }
        ProfileStatus::Unsupported => {
            json!({"status": "unsupported", "unchecked": ["currency", "time_zone"]})
        }
        ProfileStatus::Unreadable(err) => json!({
            "status": "unreadable",
            "error": err.kind(),
            "detail": err.to_string(),
        }),
    }
}

/// What the text line adds about the profile check, if anything.
fn profile_note(profile: &Value) -> String {
    let unchecked: Vec<&str> = profile["unchecked"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match profile["status"].as_str() {
        Some("unreadable") => " (currency and time zone not checked: the profile could not be read)".into(),
        _ if !unchecked.is_empty() => format!(
            " ({} not reported by the PMS, not checked)",
            unchecked.join(", ").replace('_', " ")
        ),
        _ => String::new(),
    }
}

/// The hotel's webhook inbox as the store holds it (`null` without a store):
/// events waiting, those backing off after a failed re-read, and dead
/// letters (listed by `pms inbox dead`). Dead letters leave the hotel's PMS
/// healthy, so they do not change the exit code: they are a queue to look
/// at, and `pms_sync_inbox_dead_lettered_total` is what alerts.
async fn inbox_json(
    store: Option<&Result<std::sync::Arc<dyn pms_sync::Store>, String>>,
    hotel: &pms_core::HotelId,
) -> Value {
    let Some(Ok(store)) = store else {
        return Value::Null;
    };
    match store.inbox_counts(hotel).await {
        Ok(counts) => json!({
            "pending": counts.pending,
            "retrying": counts.retrying,
            "dead": counts.dead,
        }),
        Err(err) => json!({ "error": err.to_string() }),
    }
}

/// The text line for the inbox, when there is something in it.
fn inbox_note(inbox: &Value) -> Option<String> {
    if let Some(error) = inbox["error"].as_str() {
        return Some(format!("inbox unreadable: {error}"));
    }
    let count = |k: &str| inbox[k].as_u64().unwrap_or(0);
    let (pending, retrying, dead) = (count("pending"), count("retrying"), count("dead"));
    (pending + dead > 0).then(|| {
        let mut note = format!("inbox: {pending} pending ({retrying} retrying), {dead} dead");
        if dead > 0 {
            note.push_str(" (pms inbox dead)");
        }
        note
    })
}
