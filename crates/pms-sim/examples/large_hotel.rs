//! Generates the large hotel (2,000 rooms, 100,000 reservations) and prints
//! how long it took and how much memory the process holds, then serves it
//! and pages every reservation through `reservations/getAll/2023-06-06`.
//! A measurement, not a test: run it with
//! `cargo run --release -p pms-sim --example large_hotel [SEED]`.

use std::time::Instant;

use pms_sim::{HotelSpec, MewsSim, SimOptions, generate};
use serde_json::{Value, json};

/// Resident set size in MiB, from `/proc/self/status` (Linux only).
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let before = rss_mib();
    let started = Instant::now();
    let hotel = generate(&HotelSpec::large(seed));
    let elapsed = started.elapsed();
    let after = rss_mib();
    println!(
        "seed {seed}: {} rooms, {} reservations, {} guests, {} folio lines, {} bills, {} payments, {} agenda items",
        hotel.rooms.len(),
        hotel.reservations.len(),
        hotel.guests.len(),
        hotel.charges.len(),
        hotel.bills.len(),
        hotel.payments.len(),
        hotel.agenda.len()
    );
    println!("generated in {:.2} s", elapsed.as_secs_f64());
    match (before, after) {
        (Some(b), Some(a)) => println!("resident memory {a:.0} MiB (was {b:.0} MiB before generating)"),
        _ => println!("resident memory unavailable on this platform"),
    }

    drop(hotel);

    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::large(seed))).await?;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/api/connector/v1/reservations/getAll/2023-06-06",
        sim.base_url()
    );
    let started = Instant::now();
    let (mut cursor, mut seen, mut pages) = (Value::Null, 0usize, 0usize);
    loop {
        let body = json!({
            "ClientToken": sim.client_token(), "AccessToken": sim.access_token(), "Client": "large_hotel 1.0",
            "Limitation": { "Count": 1000, "Cursor": cursor }
        });
        let page: Value = client.post(&url).json(&body).send().await?.json().await?;
        pages += 1;
        let n = page["Reservations"].as_array().map_or(0, Vec::len);
        if n == 0 {
            break;
        }
        seen += n;
        cursor = page["Cursor"].clone();
    }
    println!(
        "paged {seen} reservations in {pages} requests over HTTP in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    sim.shutdown().await;
    Ok(())
}
