//! Workers: run hotel syncs under leases so that several processes sharing
//! one PostgreSQL store never sync the same hotel at once.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use pms_core::Clock;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::SyncError;
use crate::engine::HotelSync;
use crate::store::Store;
use crate::time::Sleeper;

/// What one pass over the hotels did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Hotels this worker synced.
    pub synced: Vec<String>,
    /// Hotels leased by another worker.
    pub skipped: Vec<String>,
    /// Hotels whose sync failed, with the error (PII-free).
    pub failed: Vec<(String, String)>,
    /// Webhook events applied.
    pub inbox_applied: usize,
    /// Reservations read by polling.
    pub polled: usize,
    /// Settled journal entries older than the retention, deleted.
    pub journal_purged: u64,
    /// Applied webhook events older than the inbox retention, deleted.
    pub inbox_purged: u64,
}

/// Syncs a set of hotels, each under a lease.
#[derive(Debug)]
pub struct Worker {
    name: String,
    store: Arc<dyn Store>,
    hotels: Vec<HotelSync>,
    lease_ttl: Duration,
    clock: Arc<dyn Clock>,
    journal_retention: Duration,
    inbox_retention: Duration,
    housekeeping_every: Duration,
    /// When this worker last purged: purges are store-wide, so they run at
    /// most every `housekeeping_every`, not on every pass.
    last_housekeeping: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    concurrency: usize,
}

/// What happened to one hotel in a pass.
enum HotelOutcome {
    Skipped(String),
    Synced {
        hotel: String,
        applied: usize,
        polled: usize,
    },
    Failed(String, String),
}

/// How long settled journal entries are kept by default: replays of the same
/// request id within this time return the stored outcome.
pub const DEFAULT_JOURNAL_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long applied webhook events are kept by default (for looking into
/// what a hotel sent; they are hints and nothing reads them once applied).
pub const DEFAULT_INBOX_RETENTION: Duration = Duration::from_secs(3 * 24 * 3600);

/// How often a worker purges the journal and the inbox by default.
pub const DEFAULT_HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(3600);

impl Worker {
    /// A worker called `name` (unique per process) over `hotels`. A lease
    /// lasts `lease_ttl`: a worker that dies holds its hotels at most that long.
    pub fn new(
        name: impl Into<String>,
        store: Arc<dyn Store>,
        hotels: Vec<HotelSync>,
        lease_ttl: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Worker {
            name: name.into(),
            store,
            hotels,
            lease_ttl,
            clock,
            journal_retention: DEFAULT_JOURNAL_RETENTION,
            inbox_retention: DEFAULT_INBOX_RETENTION,
            housekeeping_every: DEFAULT_HOUSEKEEPING_INTERVAL,
            last_housekeeping: std::sync::Mutex::new(None),
            concurrency: 1,
        }
    }

    /// Keeps settled journal entries this long (at least 24 h: a client
    /// retrying a write a day later must still get the stored outcome).
    pub fn with_journal_retention(mut self, retention: Duration) -> Self {
        self.journal_retention = retention.max(Duration::from_secs(24 * 3600));
        self
    }

    /// Keeps applied webhook events this long (default 3 days).
    pub fn with_inbox_retention(mut self, retention: Duration) -> Self {
        self.inbox_retention = retention;
        self
    }

    /// Purges the journal and the inbox at most this often (default 1 h;
    /// the first pass always does).
    pub fn with_housekeeping_interval(mut self, every: Duration) -> Self {
        self.housekeeping_every = every;
        self
    }

    /// The lease name of a hotel.
    pub fn lease_name(sync: &HotelSync) -> String {
        format!("sync:{}", sync.hotel())
    }

    /// Syncs up to `hotels` hotels at the same time in one pass (default 1).
    /// Memory grows with it (each polling hotel holds a page in flight), so
    /// a process with hundreds of hotels bounds it rather than polling all at once.
    pub fn with_concurrency(mut self, hotels: usize) -> Self {
        self.concurrency = hotels.max(1);
        self
    }

    /// One pass: for every hotel whose lease this worker gets, apply the
    /// webhook inbox, then poll. A failing hotel does not stop the others.
    /// Hotels are reported in the order they were given, whatever the concurrency.
    pub async fn run_once(&self) -> Result<PassReport, SyncError> {
        let mut report = PassReport::default();
        let mut outcomes = futures::stream::iter(&self.hotels)
            .map(|sync| self.sync_one(sync))
            .buffered(self.concurrency);
        while let Some(outcome) = outcomes.next().await {
            match outcome? {
                HotelOutcome::Skipped(hotel) => report.skipped.push(hotel),
                HotelOutcome::Synced {
                    hotel,
                    applied,
                    polled,
                } => {
                    report.inbox_applied += applied;
                    report.polled += polled;
                    report.synced.push(hotel);
                }
                HotelOutcome::Failed(hotel, error) => report.failed.push((hotel, error)),
            }
        }
        self.housekeeping(&mut report).await;
        Ok(report)
    }

    /// Purges what the retentions let go, if `housekeeping_every` has passed
    /// since the last time. A failed purge is retried on the next pass; it
    /// must not fail a pass whose hotels synced (`run` would stop the worker on it).
    async fn housekeeping(&self, report: &mut PassReport) {
        let now = self.clock.now();
        let every = chrono::Duration::from_std(self.housekeeping_every).unwrap_or(chrono::Duration::hours(1));
        {
            let last = self
                .last_housekeeping
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|last| now - last < every) {
                return;
            }
        }
        let before = |retention: Duration| {
            now - chrono::Duration::from_std(retention).unwrap_or_else(|_| chrono::Duration::days(7))
        };
        let journal = self.store.journal_purge(before(self.journal_retention)).await;
        let inbox = self.store.inbox_purge(before(self.inbox_retention)).await;
        let mut done = true;
        for (result, purged) in [
            (journal, &mut report.journal_purged),
            (inbox, &mut report.inbox_purged),
        ] {
            match result {
                Ok(count) => *purged = count,
                Err(err) => {
                    done = false;
                    tracing::warn!(error = %err, "purge failed; retried next pass");
                }
            }
        }
        if done {
            *self
                .last_housekeeping
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(now);
        }
    }

    /// One hotel's turn: under its lease, the inbox, then a poll.
    async fn sync_one(&self, sync: &HotelSync) -> Result<HotelOutcome, SyncError> {
        let hotel = sync.hotel().to_string();
        let lease = Worker::lease_name(sync);
        if !self
            .store
            .lease_acquire(&lease, &self.name, self.lease_ttl, self.clock.now())
            .await?
        {
            return Ok(HotelOutcome::Skipped(hotel));
        }
        let span = tracing::info_span!("hotel_sync", hotel = %hotel, pms = %sync.client().kind(), worker = %self.name);
        // The poll runs whatever the inbox did: a failed re-read is recorded on
        // its events and never fails the drain, and even a drain that failed
        // (the store) must not keep the poll, the source of truth, from running.
        let result = async {
            let drained = sync.drain_inbox(500).await;
            let polled = sync.poll_reservations().await;
            Ok::<_, SyncError>((drained?.applied, polled?.read))
        }
        .instrument(span)
        .await;
        Ok(match result {
            Ok((applied, polled)) => HotelOutcome::Synced {
                hotel,
                applied,
                polled,
            },
            Err(err) => {
                tracing::warn!(hotel = %hotel, error = %err, "hotel sync failed");
                HotelOutcome::Failed(hotel, err.to_string())
            }
        })
    }

    /// Runs passes until `shutdown` resolves: every `interval`, or sooner when
    /// `wake` is notified (the webhook receiver does that). Leases are released on the way out.
    pub async fn run(
        &self,
        interval: Duration,
        wake: Arc<Notify>,
        sleeper: Arc<dyn Sleeper>,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), SyncError> {
        tokio::pin!(shutdown);
        loop {
            let report = self.run_once().await?;
            tracing::debug!(?report, "sync pass");
            tokio::select! {
                () = &mut shutdown => break,
                () = wake.notified() => {}
                () = sleeper.sleep(interval) => {}
            }
        }
        self.release_all().await
    }

    /// Gives up every lease this worker holds (a one-shot `pms sync` does so
    /// on exit, so the next run or another worker need not wait for expiry).
    pub async fn release_all(&self) -> Result<(), SyncError> {
        for sync in &self.hotels {
            self.store
                .lease_release(&Worker::lease_name(sync), &self.name)
                .await?;
        }
        Ok(())
    }
}
