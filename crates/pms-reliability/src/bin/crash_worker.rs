//! A sync worker the crash tests kill with SIGKILL in the middle of its work.
//!
//! `crash_worker <mews|opera|opera-ohip> <poll|charges> <base_url> <client_token> <access_token> <service_id> <store.db> <reservation> <count>`
//!
//! For OPERA, `access_token` is the OWS password and `client_token` and
//! `service_id` are ignored (pass `-`). The store key comes from `PMS_STORE_KEY` / `PMS_STORE_KEY_ID`. `poll`
//! mirrors every reservation in small pages; `charges` posts
//! [`pms_reliability::batch_charge`] `0..count` through the write journal.
//! Progress goes to stdout, one line per step.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use pms_core::{PmsClient, RateLimit, SystemClock, VendorId};
use pms_sync::store::Store;
use pms_sync::{
    Cipher, HotelSync, JournalSettings, Mirror, PollSettings, PostCharge, RateLimiter, RetryPolicy,
    SqliteStore, TokioSleeper, WriteJournal,
};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [
        pms,
        mode,
        base_url,
        client_token,
        access_token,
        service_id,
        store_path,
        reservation,
        count,
    ] = args.as_slice()
    else {
        bail!(
            "usage: crash_worker <mews|opera|opera-ohip> <poll|charges> <base_url> <client_token> <access_token> <service_id> <store.db> <reservation> <count>"
        );
    };
    let count: usize = count.parse().context("count")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let timeout = Duration::from_secs(30);
        let client: Arc<dyn PmsClient> = match pms.as_str() {
            "mews" => Arc::new(pms_reliability::mews_client_at(
                base_url,
                client_token,
                access_token,
                service_id,
                timeout,
            )?),
            "opera" => Arc::new(pms_reliability::opera_client_at(base_url, access_token, timeout)?),
            "opera-ohip" => Arc::new(pms_reliability::opera_ohip_client_at(
                base_url,
                access_token,
                timeout,
            )?),
            other => bail!("unknown PMS {other}"),
        };
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(Path::new(store_path)).await?);
        let cipher = Arc::new(Cipher::from_env()?);
        let mut out = std::io::stdout();
        match mode.as_str() {
            "poll" => {
                let sync = HotelSync::new(
                    pms_reliability::hotel(),
                    client,
                    Mirror::new(store, cipher),
                    Arc::new(SystemClock),
                    PollSettings {
                        overlap: Duration::from_secs(60),
                        page_size: 5,
                        initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
                    },
                );
                let report = sync.poll_reservations().await?;
                writeln!(out, "polled {}", report.changed)?;
            }
            "charges" => {
                let limiter = Arc::new(RateLimiter::new(
                    RateLimit {
                        requests: 10_000,
                        window: Duration::from_secs(30),
                    },
                    100,
                    Arc::new(SystemClock),
                    Arc::new(TokioSleeper),
                ));
                let journal = WriteJournal::new(
                    store,
                    cipher,
                    limiter,
                    JournalSettings {
                        credential: "reliability-credential".into(),
                        retry: RetryPolicy {
                            max_attempts: 8,
                            base_delay: Duration::from_millis(5),
                            max_delay: Duration::from_millis(50),
                            max_elapsed: Duration::from_secs(120),
                        },
                        owner: format!("crash-worker-{}", std::process::id()),
                        claim_ttl: Duration::from_secs(60),
                    },
                    Arc::new(SystemClock),
                    Arc::new(TokioSleeper),
                );
                let reservation = VendorId::new(reservation.clone())?;
                for i in 0..count {
                    let charge = pms_reliability::batch_charge(&reservation, i);
                    journal
                        .execute(&pms_reliability::hotel(), client.as_ref(), &PostCharge(charge))
                        .await?;
                    writeln!(out, "posted {i}")?;
                }
            }
            other => bail!("unknown mode {other}"),
        }
        out.flush()?;
        Ok(())
    })
}
