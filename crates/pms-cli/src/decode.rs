//! `pms decode`: recorded vendor payload in, normalized JSON out.
//!
//! Records are written as the decoder hands them out
//! ([`pms_core::PayloadDecoder::decode_each`]), one at a time: a JSON array
//! by default (the same bytes as pretty-printing the whole array: keys
//! sorted, two-space indent), one compact record per line with `--jsonl`.
//! Memory is the payload plus one record for the kinds a connector streams.
//! A payload that fails part-way exits 1 after the records before the
//! failing one were written (the array is then left unclosed).

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pms_core::chrono_tz::Tz;
use pms_core::{Currency, DecodeContext, Error, HotelId, PayloadKind, PmsKind, Record};

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
    /// One compact JSON record per line instead of a JSON array.
    #[arg(long)]
    jsonl: bool,
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
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if args.jsonl {
        write_lines(&mut out, |sink| decoder.decode_each(kind, &body, &context, sink))
    } else {
        write_array(&mut out, |sink| decoder.decode_each(kind, &body, &context, sink))
    }
    .and_then(|()| out.flush().map_err(Output::Io));
    match written {
        Ok(()) => Ok(()),
        // `pms decode ... | head` closing the pipe early is not a failure.
        Err(Output::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(Output::Io(e)) => Err(format!("cannot write output: {e}")),
        Err(Output::Decode(e)) => {
            // What was written stays; the error follows it on stderr.
            let _ = out.flush();
            Err(e.to_string())
        }
    }
}

/// Why writing the records stopped.
#[derive(Debug)]
enum Output {
    /// Standard output refused a write.
    Io(std::io::Error),
    /// The payload did not decode (or a record did not serialize).
    Decode(Error),
}

/// A record as the whole-array output printed it: through a
/// `serde_json::Value`, whose maps sort their keys.
fn to_value(record: Record<'_>) -> Result<serde_json::Value, Error> {
    serde_json::to_value(record)
        .map_err(|e| Error::validation(format!("cannot serialize a decoded record: {e}")))
}

/// Runs `decode` with a sink that hands each record to `write`; an output
/// error stops decoding and is reported as itself.
fn drive(
    decode: impl FnOnce(&mut pms_core::RecordSink<'_>) -> Result<(), Error>,
    mut write: impl FnMut(&serde_json::Value) -> Result<(), serde_json::Error>,
) -> Result<(), Output> {
    let mut refused: Option<std::io::Error> = None;
    let decoded = decode(&mut |record| {
        let value = to_value(record)?;
        write(&value).map_err(|e| {
            refused = Some(io_of(&e));
            Error::validation("output refused")
        })
    });
    match (decoded, refused) {
        (_, Some(io)) => Err(Output::Io(io)),
        (Err(e), None) => Err(Output::Decode(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// `[`, the records pretty-printed as array elements, `]`: byte for byte
/// what `serde_json::to_string_pretty` of the whole array printed. `[` is
/// written with the first record, so a payload that fails before its first
/// record prints nothing.
fn write_array<W: Write>(
    out: &mut W,
    decode: impl FnOnce(&mut pms_core::RecordSink<'_>) -> Result<(), Error>,
) -> Result<(), Output> {
    let mut empty = true;
    drive(decode, |value| {
        let io = serde_json::Error::io;
        out.write_all(if empty { b"[\n  " } else { b",\n  " })
            .map_err(io)?;
        empty = false;
        // One level deeper than a value on its own: JSON strings escape
        // their line breaks, so every raw `\n` is the formatter's.
        let text = serde_json::to_vec_pretty(value)?;
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n  ").map_err(io)?;
            }
            out.write_all(line).map_err(io)?;
        }
        Ok(())
    })?;
    out.write_all(if empty { b"[]\n" } else { b"\n]\n" })
        .map_err(Output::Io)
}

/// One compact record per line.
fn write_lines<W: Write>(
    out: &mut W,
    decode: impl FnOnce(&mut pms_core::RecordSink<'_>) -> Result<(), Error>,
) -> Result<(), Output> {
    drive(decode, |value| {
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n").map_err(serde_json::Error::io)
    })
}

/// The I/O error under a serializer's error, its kind kept (`BrokenPipe`).
fn io_of(e: &serde_json::Error) -> std::io::Error {
    let kind = e.io_error_kind().unwrap_or(std::io::ErrorKind::Other);
    std::io::Error::new(kind, e.to_string())
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
