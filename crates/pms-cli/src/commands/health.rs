//! `pms health`: probe every configured PMS (and the store, when configured).

use clap::Args;
use serde_json::json;

use crate::runtime;

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
    let mut reports = Vec::new();
    for hotel in &hotels {
        let report = hotel.client.health().await;
        reports.push(json!({
            "hotel": hotel.config.id,
            "pms": report.pms,
            "healthy": report.healthy,
            "latency_ms": report.latency.as_millis() as u64,
            "error": report.error,
            "detail": report.detail,
        }));
    }
    let store = if std::env::var(runtime::STORE_URL_VAR).is_ok() {
        Some(runtime::store().await.is_ok())
    } else {
        None
    };
    let unhealthy =
        reports.iter().filter(|r| r["healthy"] != true).count() + usize::from(store == Some(false));
    if args.json {
        super::print_json(&json!({"hotels": reports, "store_ok": store}))?;
    } else {
        for r in &reports {
            let state = if r["healthy"] == true { "ok" } else { "DOWN" };
            println!(
                "{:<16} {:<10} {:<5} {} ms {}",
                r["hotel"].as_str().unwrap_or("?"),
                r["pms"].as_str().unwrap_or("?"),
                state,
                r["latency_ms"],
                r["detail"].as_str().unwrap_or("")
            );
        }
        if let Some(ok) = store {
            println!("store            {}", if ok { "ok" } else { "DOWN" });
        }
    }
    if unhealthy == 0 {
        Ok(())
    } else {
        Err(format!("{unhealthy} component(s) unhealthy"))
    }
}
