//! Reads a Cloudbeds sandbox from the environment (`PMS_HOTEL_HARBOR_*`, see
//! `.env.example`; another hotel id with `PMS_EXAMPLE_HOTEL`) or, when none is
//! configured, starts the local Cloudbeds simulator; prints a few normalized
//! reservations and rooms (ids, dates, statuses: no guest data).
//!
//! ```sh
//! cargo run -p pms-cli --example cloudbeds_sandbox
//! ```
#![forbid(unsafe_code)]

mod common;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    common::run(pms_sim::Vendor::Cloudbeds, "harbor").await
}
