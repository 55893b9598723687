//! Generates the large hotel (2,000 rooms, 100,000 reservations) and prints
//! how long it took and how much memory the process holds. A measurement,
//! not a test: run it with `cargo run --release -p pms-sim --example large_hotel`.

use std::time::Instant;

use pms_sim::{HotelSpec, generate};

/// Resident set size in MiB, from `/proc/self/status` (Linux only).
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
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
}
