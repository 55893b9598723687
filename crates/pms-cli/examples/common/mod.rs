//! Shared by the examples: connect to a real sandbox configured in the
//! environment (the `PMS_HOTEL_<ID>_*` variables of `.env.example`), or to
//! the local simulator when none is configured, and print what the PMS holds
//! in the normalized model. Output carries ids, dates and statuses only.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use pms_core::{Config, DateRange, HotelConfig, PmsClient, PmsKind};
use pms_sim::{SimHandle, Vendor};

#[allow(dead_code, unreachable_pub)]
#[path = "../../src/commands/demo/legs.rs"]
pub mod legs;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A connected hotel; `sim` is set when it runs against the local simulator.
pub struct Connected {
    pub config: HotelConfig,
    pub client: Arc<dyn PmsClient>,
    pub sim: Option<SimHandle>,
}

/// The hotel `PMS_EXAMPLE_HOTEL` (default `default_id`) from the environment
/// and `.env` when its `PMS_HOTEL_<ID>_BASE_URL` is set; otherwise the simulator.
pub async fn connect(vendor: Vendor, default_id: &str) -> Result<Connected, BoxError> {
    let _ = dotenvy::dotenv();
    let id = std::env::var("PMS_EXAMPLE_HOTEL").unwrap_or_else(|_| default_id.to_owned());
    let base_var = format!("PMS_HOTEL_{}_BASE_URL", id.to_ascii_uppercase());
    if std::env::var(&base_var).is_ok() {
        // Only this hotel: others listed in PMS_HOTELS need not be complete.
        let config = Config::from_lookup(|name| {
            if name == "PMS_HOTELS" {
                return Ok(Some(id.clone()));
            }
            Ok(std::env::var(name).ok())
        })?;
        let config = config.hotels.into_iter().next().ok_or("no hotel configured")?;
        println!(
            "{} ({}): the sandbox configured in {base_var}",
            config.id,
            config.pms_kind()
        );
        let client = client_for(&config)?;
        return Ok(Connected {
            config,
            client,
            sim: None,
        });
    }
    let leg = legs::legs()
        .into_iter()
        .find(|l| l.vendor == vendor)
        .ok_or_else(|| format!("no simulator front for {vendor} yet: set {base_var} and its credentials"))?;
    let sim = leg.start(pms_sim::HotelSpec::small(leg.seed)).await?;
    let config = leg.config(&sim)?;
    println!(
        "{} ({}): {base_var} is not set, so this runs against the local simulator at {}",
        config.id,
        config.pms_kind(),
        sim.base_url()
    );
    let client = client_for(&config)?;
    Ok(Connected {
        config,
        client,
        sim: Some(sim),
    })
}

/// The connector for a hotel.
pub fn client_for(config: &HotelConfig) -> Result<Arc<dyn PmsClient>, BoxError> {
    Ok(match config.pms_kind() {
        PmsKind::Mews => Arc::new(pms_mews::MewsClient::from_hotel(config)?),
        PmsKind::Cloudbeds => Arc::new(pms_cloudbeds::CloudbedsClient::from_hotel(config)?),
        PmsKind::Opera => Arc::new(pms_opera::OperaClient::from_hotel(config)?),
    })
}

/// Prints a few arrivals of the coming week and a few rooms, normalized.
pub async fn show(hotel: &Connected) -> Result<(), BoxError> {
    let client = hotel.client.as_ref();
    let health = client.health().await;
    println!(
        "health: {} in {} ms",
        if health.healthy { "ok" } else { "DOWN" },
        health.latency.as_millis()
    );
    let today = Utc::now().with_timezone(&hotel.config.time_zone).date_naive();
    let window = DateRange::new(today, today + chrono::Days::new(7))?;
    let arrivals = client.arrivals(window).await?;
    println!(
        "{} arrival(s) from {} to {}; the first five:",
        arrivals.len(),
        window.first,
        window.last
    );
    for r in arrivals.iter().take(5) {
        println!(
            "  reservation {:<38} {:<12} {} -> {}  room {}  adults {}",
            r.external.id.as_str(),
            format!("{:?}", r.status).to_lowercase(),
            r.arrival,
            r.departure,
            r.room_number.as_ref().map_or("-", |n| n.as_str()),
            r.adults
        );
    }
    let rooms = client.room_statuses().await?;
    println!("{} room(s); the first five:", rooms.len());
    for room in rooms.iter().take(5) {
        println!(
            "  room {:<6} {:<38} {:?}",
            room.number.as_str(),
            room.room.id.as_str(),
            room.status.housekeeping
        );
    }
    Ok(())
}

/// Shows the hotel, then stops the simulator if one was started.
pub async fn run(vendor: Vendor, default_id: &str) -> Result<(), BoxError> {
    let hotel = connect(vendor, default_id).await?;
    let shown = show(&hotel).await;
    if let Some(sim) = hotel.sim {
        sim.shutdown().await;
    }
    shown
}
