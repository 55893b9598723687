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
    /// Hotel id of the printed `PMS_HOTEL_<ID>_*` lines (a-z, 0-9, `_`);
    /// default `sim_<vendor>`.
    #[arg(long)]
    hotel: Option<String>,
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
    let hotel = args.hotel.clone().unwrap_or_else(|| format!("sim_{vendor}"));
    pms_core::HotelId::new(&hotel).map_err(|e| format!("--hotel: {e}"))?;
    pms_sim::serve(
        vendor,
        args.port,
        SimOptions::with_hotel(HotelSpec::small(args.seed)),
        &hotel,
    )
    .await
    .map_err(|e| e.to_string())
}
