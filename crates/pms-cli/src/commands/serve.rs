//! `pms serve`: the webhook receiver plus a sync worker, until Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use pms_core::{Clock, SystemClock};
use pms_sync::{Mirror, TokioSleeper, Worker, shared_webhook_router, webhook_router};
use tokio::sync::Notify;

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
}

pub async fn run(args: &ServeArgs) -> Result<(), String> {
    let hotels = runtime::hotels(None)?;
    let store = runtime::store().await?;
    let mirror = Mirror::new(store.clone(), runtime::cipher()?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let wake = Arc::new(Notify::new());
    let sources = runtime::webhook_sources(&hotels)?;
    let shared = runtime::shared_webhook_routes(&hotels, &sources)?;
    let shared_names: Vec<String> = shared.keys().cloned().collect();
    let router = webhook_router(store.clone(), sources, clock.clone(), wake.clone());
    let router = shared_webhook_router(router, shared);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", args.listen))?;
    println!("webhooks: POST http://{}/webhooks/{{hotel}}", args.listen);
    for name in shared_names {
        println!(
            "webhooks: POST http://{}/webhooks/mews/{name} (every Mews hotel)",
            args.listen
        );
    }
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let worker = Worker::new(
        runtime::worker_name(),
        store,
        runtime::syncs(&hotels, &mirror, clock.clone()),
        Duration::from_secs(120),
        clock,
    )
    .with_concurrency(args.concurrency);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = worker
        .run(
            Duration::from_secs(args.interval),
            wake,
            Arc::new(TokioSleeper),
            shutdown,
        )
        .await;
    server.abort();
    result.map_err(|e| e.to_string())
}
