//! `pms decode`: recorded vendor payload in, normalized JSON out.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pms_core::chrono_tz::Tz;
use pms_core::{Currency, DecodeContext, HotelId, PayloadKind, PmsKind};

use crate::decoders::decoder_for;

/// Payloads larger than this are refused: recorded responses are far smaller,
/// and an unbounded read of stdin is a way to exhaust memory.
const MAX_PAYLOAD_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The vendor whose wire format the payload is in.
    #[arg(long, value_enum)]
    pms: PmsArg,
    /// What the payload holds.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Hotel id the records belong to (internal ids derive from it).
    #[arg(long, default_value = "demo")]
    hotel: String,
    /// The property's IANA time zone, for vendors that send local times.
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    /// The property's ISO 4217 currency, for vendors that send bare amounts.
    #[arg(long, default_value = "EUR")]
    currency: String,
    /// The payload file; `-` or nothing reads standard input.
    file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PmsArg {
    Opera,
    Mews,
    Cloudbeds,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Reservations,
    Guests,
    Rooms,
    RoomStatuses,
    Folio,
    Webhook,
}

pub fn run(args: &DecodeArgs) -> Result<(), String> {
    let pms = match args.pms {
        PmsArg::Opera => PmsKind::Opera,
        PmsArg::Mews => PmsKind::Mews,
        PmsArg::Cloudbeds => PmsKind::Cloudbeds,
    };
    let kind = match args.kind {
        KindArg::Reservations => PayloadKind::Reservations,
        KindArg::Guests => PayloadKind::Guests,
        KindArg::Rooms => PayloadKind::Rooms,
        KindArg::RoomStatuses => PayloadKind::RoomStatuses,
        KindArg::Folio => PayloadKind::Folio,
        KindArg::Webhook => PayloadKind::Webhook,
    };
    let context = DecodeContext {
        hotel: HotelId::new(&args.hotel).map_err(|e| format!("--hotel: {e}"))?,
        time_zone: args
            .time_zone
            .parse::<Tz>()
            .map_err(|_| format!("--time-zone: `{}` is not an IANA time zone", args.time_zone))?,
        currency: Currency::new(&args.currency).map_err(|e| format!("--currency: {e}"))?,
    };
    let decoder = decoder_for(pms);
    let body = read_payload(args.file.as_ref())?;
    let decoded = decoder.decode(kind, &body, &context).map_err(|e| e.to_string())?;
    let json = decoded.to_json_array().map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}") {
        // `pms decode ... | head` closing the pipe early is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| format!("cannot write output: {e}")),
    }
}

fn read_payload(file: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let (reader, name): (Box<dyn Read>, String) = match file {
        Some(path) if path.as_os_str() != "-" => (
            Box::new(std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?),
            path.display().to_string(),
        ),
        _ => (Box::new(std::io::stdin()), "standard input".to_owned()),
    };
    reader
        .take(MAX_PAYLOAD_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if body.len() as u64 > MAX_PAYLOAD_BYTES {
        return Err(format!("{name} is larger than {MAX_PAYLOAD_BYTES} bytes"));
    }
    Ok(body)
}
