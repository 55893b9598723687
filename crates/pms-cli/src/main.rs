//! `pms`: the command-line face of the workspace.
//!
//! Exit codes: 0 success, 1 the command failed (bad payload, PMS or store
//! error, unhealthy component), 2 usage error (clap's own code).
#![forbid(unsafe_code)]

mod commands;
mod decode;
mod decoders;
mod runtime;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Hotel PMS connectors: decode payloads, sync, reconcile, serve webhooks, replay writes.
///
/// Configuration comes from the environment and `.env` (see `.env.example`); a variable set in
/// the environment wins over the same line in `.env`.
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
    /// Poll every configured hotel once and apply pending webhook events.
    Sync(commands::sync::SyncArgs),
    /// Re-read a date window from the PMS, repair the mirror and report drift.
    Reconcile(commands::reconcile::ReconcileArgs),
    /// Run the webhook receiver and the sync worker until Ctrl-C or SIGTERM.
    Serve(commands::serve::ServeArgs),
    /// Probe every configured PMS and the store.
    Health(commands::health::HealthArgs),
    /// Query the audit log.
    Audit(commands::audit::AuditArgs),
    /// Re-drive writes left pending or unknown (read back first, resend only if absent).
    Replay(commands::replay::ReplayArgs),
    /// Webhook events whose re-read kept failing: list, re-drive or discard them.
    Inbox(commands::inbox::InboxArgs),
    /// Run a vendor simulator on a local port.
    Sim(commands::sim::SimArgs),
    /// Run the whole system against the simulators and print a report.
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    // `.env` is read once, here, before the arguments: clap's `env =` defaults
    // (`PMS_LISTEN_ADDR`) and every command then see the same variables. A
    // `.env` that does not parse still lets `--help` and usage errors through
    // (clap answers those itself), and stops every command.
    let dotenv = pms_core::load_dotenv();
    let cli = Cli::parse();
    if let Err(e) = dotenv {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    // Logs go to stderr and carry ids only; RUST_LOG raises the level.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        command => match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(run_async(command)),
            Err(e) => Err(format!("cannot start the async runtime: {e}")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

async fn run_async(command: Command) -> Result<(), String> {
    match command {
        Command::Decode(args) => decode::run(&args),
        Command::Sync(args) => commands::sync::run(&args).await,
        Command::Reconcile(args) => commands::reconcile::run(&args).await,
        Command::Serve(args) => commands::serve::run(&args).await,
        Command::Health(args) => commands::health::run(&args).await,
        Command::Audit(args) => commands::audit::run(&args).await,
        Command::Replay(args) => commands::replay::run(&args).await,
        Command::Inbox(args) => commands::inbox::run(&args).await,
        Command::Sim(args) => commands::sim::run(&args).await,
        Command::Demo(args) => commands::demo::run(&args).await,
    }
}
