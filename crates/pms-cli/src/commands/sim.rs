//! `pms sim`: run a vendor simulator on a local port.

use clap::{Args, ValueEnum};
use pms_sim::{HotelSpec, SimOptions, Vendor};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Which vendor's wire format to speak.
    #[arg(value_enum)]
    vendor: SimVendor,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the generated hotel.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SimVendor {
    Mews,
    Cloudbeds,
    Opera,
}

pub async fn run(args: &SimArgs) -> Result<(), String> {
    let vendor = match args.vendor {
        SimVendor::Mews => Vendor::Mews,
        SimVendor::Cloudbeds => Vendor::Cloudbeds,
        SimVendor::Opera => Vendor::Opera,
    };
    pms_sim::serve(
        vendor,
        args.port,
        SimOptions::with_hotel(HotelSpec::small(args.seed)),
    )
    .await
    .map_err(|e| e.to_string())
}
