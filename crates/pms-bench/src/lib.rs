//! # pms-bench
//!
//! Benchmarks for the workspace; nothing here is a library for production use.
//!
//! - `benches/decode.rs` (criterion, `cargo bench -p pms-bench`): typed
//!   decode + map of large vendor payloads against an untyped parse of the
//!   same bytes.
//! - `src/bin/bench_sync.rs` (`cargo run --release -p pms-bench --bin bench_sync -- --quick`):
//!   the sync load harness against the Mews simulator.
//!
//! This library holds what both share: payload generators built from the
//! documented vendor examples in `fixtures/`, a rate-limited [`PmsClient`]
//! decorator, and small measurement helpers. See `BENCHMARKS.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
pub mod payloads;
pub mod ratelimited;
pub mod stats;

pub use ratelimited::RateLimitedClient;
