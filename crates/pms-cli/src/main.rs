//! `pms`: the command-line face of the workspace.
//!
//! Exit codes: 0 success, 1 the command failed (bad payload, PMS error),
//! 2 usage error (clap's own code).
#![forbid(unsafe_code)]

mod decode;
mod decoders;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Hotel PMS connectors: decode vendor payloads (more commands arrive with the sync layer).
#[derive(Debug, Parser)]
#[command(name = "pms", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode a recorded vendor payload and print the normalized records as a JSON array.
    Decode(decode::DecodeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
