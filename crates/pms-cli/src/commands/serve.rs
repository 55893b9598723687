//! `pms serve`: the webhook receiver plus a sync worker, until Ctrl-C or SIGTERM.
//!
//! The process outlives store outages (the worker backs off, the receiver
//! answers `503` with `Retry-After`, `GET /health` says `store_down`) and
//! stops cleanly on SIGTERM, the signal systemd, Docker and Kubernetes send:
//! it stops accepting, lets deliveries in progress finish, releases its
//! leases so another worker (or its own restart) takes the hotels at once,
//! and exits 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use pms_core::{Clock, SystemClock};
use pms_sync::{
    Mirror, ServeLimits, StoreHealth, TokioSleeper, WebhookReceiver, Worker, health_router, serve_webhooks,
    shared_webhook_router,
};
use tokio::sync::{Notify, watch};

use crate::runtime;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address for the webhook receiver.
    #[arg(long, env = "PMS_LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seconds between polling passes (webhooks wake the worker sooner).
    #[arg(long, default_value_t = 60)]
    interval: u64,
    /// Hotels polled at the same time. Each polling hotel holds one page in
    /// memory, so this bounds the process's memory as well as its wall time.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds a connection may take to send a request head, counted from
    /// when it waits for one: also how long an idle connection stays open.
    #[arg(long, env = "PMS_WEBHOOK_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a request may take to send its body (answered 408 after).
    #[arg(long, env = "PMS_WEBHOOK_BODY_TIMEOUT_SECS", default_value_t = 10)]
    body_timeout: u64,
    /// Open connections at most; more are answered 503 and closed.
    #[arg(long, env = "PMS_WEBHOOK_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
}

/// How long a lease of `pms serve` lasts: it renews every pass, so at least
/// two intervals; a crashed process holds its hotels that long for other
/// workers (a restart under the same name takes them back at once).
const LEASE_TTL: Duration = Duration::from_secs(120);

pub async fn run(args: &ServeArgs) -> Result<(), String> {
    let hotels = runtime::checked_hotels(None).await?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store.clone(), runtime::cipher()?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let wake = Arc::new(Notify::new());
    let store_health = Arc::new(StoreHealth::new());
    let sources = runtime::webhook_sources(&hotels)?;
    let shared = runtime::shared_webhook_routes(&hotels, &sources)?;
    let shared_names: Vec<String> = shared.keys().cloned().collect();
    let router = WebhookReceiver::new(store.clone(), sources, clock.clone(), wake.clone())
        .store_health(store_health.clone())
        .router();
    let router = shared_webhook_router(router, shared).merge(health_router(store_health.clone()));
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(args.header_timeout.max(1)),
        body_read_timeout: Duration::from_secs(args.body_timeout.max(1)),
        max_connections: args.max_connections.max(1),
        ..ServeLimits::default()
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", args.listen))?;
    let worker = Worker::new(
        runtime::worker_name(),
        store,
        runtime::syncs(&hotels, &mirror, clock.clone()),
        LEASE_TTL.max(Duration::from_secs(args.interval.saturating_mul(2))),
        clock,
    )
    .with_concurrency(args.concurrency)
    .with_store_health(store_health);
    println!("webhooks: POST http://{}/webhooks/{{hotel}}", args.listen);
    for name in shared_names {
        println!(
            "webhooks: POST http://{}/webhooks/mews/{name} (every Mews hotel)",
            args.listen
        );
    }
    println!("health:   GET http://{}/health", args.listen);
    println!(
        "worker {} (instance {})",
        worker.owner().name,
        worker.owner().instance
    );

    let (stop, stopping) = watch::channel(false);
    let signals = tokio::spawn(async move {
        let signal = shutdown_signal().await;
        tracing::info!(signal, "stopping");
        let _ = stop.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let server = serve_webhooks(listener, router, limits, stopped(stopping.clone()));
    let worker_run = worker.run(
        Duration::from_secs(args.interval),
        wake,
        Arc::new(TokioSleeper),
        stopped(stopping),
    );
    let (served, worked) = tokio::join!(server, worker_run);
    signals.abort();
    served.map_err(|e| format!("webhook server: {e}"))?;
    worked.map_err(|e| format!("releasing leases on the way out: {e}"))?;
    println!("stopped; leases released");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM; names the signal.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
