//! Reads a Opera sandbox from the environment (`PMS_HOTEL_OPAL_*`, see
//! `.env.example`; another hotel id with `PMS_EXAMPLE_HOTEL`) or, when none is
//! configured, starts the local Opera simulator; prints a few normalized
//! reservations and rooms (ids, dates, statuses: no guest data).
//!
//! ```sh
//! cargo run -p pms-cli --example opera_sandbox
//! ```
#![forbid(unsafe_code)]

mod common;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    common::run(pms_sim::Vendor::Opera, "opal").await
}
