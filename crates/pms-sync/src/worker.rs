//! Workers: run hotel syncs under leases so that several processes sharing
//! one PostgreSQL store never sync the same hotel at once.
//!
//! A lease is held by the worker's name and this process's instance id (see
//! [`crate::store::LeaseOwner`]). Taking back a live lease held under the
//! worker's *own name* by another instance is what makes a restart after a
//! crash resume at once instead of waiting out the lease: it is safe because a
//! worker name stands for one process at a time (an operator running two live
//! processes under one name has misconfigured them). That mistake is detected
//! rather than trusted away: a worker that finds a lease it held on its last
//! pass now held by another instance of its name logs an error, reports the
//! hotel in [`PassReport::name_conflicts`] and stops taking leases back from
//! other instances, so the two processes do not steal hotels from each other
//! on every pass.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pms_core::Clock;
use rand::Rng;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::SyncError;
use crate::engine::HotelSync;
use crate::store::{LeaseGrant, LeaseHolder, LeaseOwner, TakeBack, WorkerStore};
use crate::store_health::StoreHealth;
use crate::time::Sleeper;

/// What one pass over the hotels did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Hotels this worker synced.
    pub synced: Vec<String>,
    /// Hotels leased by another worker (or another live instance of this
    /// worker's name), with who holds the lease and until when.
    pub skipped: Vec<(String, LeaseHolder)>,
    /// Hotels whose lease an earlier run of this worker (same name, another
    /// instance: a crash or an unclean stop) still held, taken back and synced.
    pub taken_back: Vec<String>,
    /// Hotels whose lease this worker held on its last pass and another live
    /// instance of its name holds now: two processes share one worker name.
    /// Also listed in `skipped`.
    pub name_conflicts: Vec<String>,
    /// Hotels whose sync failed, with the error (PII-free).
    pub failed: Vec<(String, String)>,
    /// How many of the `failed` hotels failed on the store (unreachable,
    /// refusing connections, ...) rather than on the PMS. [`Worker::run`]
    /// backs off while it is non-zero.
    pub store_failures: usize,
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
    owner: LeaseOwner,
    store: Arc<dyn WorkerStore>,
    hotels: Vec<HotelSync>,
    lease_ttl: Duration,
    clock: Arc<dyn Clock>,
    journal_retention: Duration,
    inbox_retention: Duration,
    maintenance_every: Duration,
    /// When this worker last purged: purges are store-wide, so they run at
    /// most every `maintenance_every`, not on every pass.
    last_maintenance: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    concurrency: usize,
    /// Leases this instance held after its last pass: renewing one of them
    /// never takes it back from another instance of our name.
    held: Mutex<HashSet<String>>,
    /// Set once another live instance of our name was seen holding a lease we
    /// held: from then on we take nothing back from other instances.
    name_conflict: AtomicBool,
    store_health: Arc<StoreHealth>,
    /// Longest wait between passes while the store fails.
    max_store_backoff: Duration,
}

/// What happened to one hotel in a pass.
enum HotelOutcome {
    Skipped {
        hotel: String,
        holder: LeaseHolder,
        conflict: bool,
    },
    Synced {
        hotel: String,
        applied: usize,
        polled: usize,
        taken_back: bool,
    },
    Failed {
        hotel: String,
        error: String,
        store: bool,
    },
}

/// Whether this worker may sync a hotel on this pass.
enum Claim {
    Granted { taken_back: bool },
    Elsewhere { holder: LeaseHolder, conflict: bool },
}

/// First wait after a pass that failed on the store; it doubles per failed pass.
const STORE_BACKOFF_BASE: Duration = Duration::from_secs(1);

/// Longest wait between passes while the store fails, by default.
pub const DEFAULT_MAX_STORE_BACKOFF: Duration = Duration::from_secs(30);

/// How long settled journal entries are kept by default: replays of the same
/// request id within this time return the stored outcome.
pub const DEFAULT_JOURNAL_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long applied webhook events are kept by default (for looking into
/// what a hotel sent; they are hints and nothing reads them once applied).
pub const DEFAULT_INBOX_RETENTION: Duration = Duration::from_secs(3 * 24 * 3600);

/// How often a worker's maintenance purges the journal and the inbox by default.
pub const DEFAULT_MAINTENANCE_INTERVAL: Duration = Duration::from_secs(3600);

/// The former name of [`DEFAULT_MAINTENANCE_INTERVAL`].
#[deprecated(note = "renamed DEFAULT_MAINTENANCE_INTERVAL (housekeeping is the flows' room cleaning)")]
pub const DEFAULT_HOUSEKEEPING_INTERVAL: Duration = DEFAULT_MAINTENANCE_INTERVAL;

impl Worker {
    /// A worker called `name` over `hotels`. A lease lasts `lease_ttl`; a
    /// worker that dies holds its hotels that long for everyone but a
    /// restarted worker of the same name, which takes them back at once (see
    /// the module docs). The name must stand for one live process at a time;
    /// each `Worker` gets a fresh instance id to tell its runs apart.
    pub fn new(
        name: impl Into<String>,
        store: Arc<dyn WorkerStore>,
        hotels: Vec<HotelSync>,
        lease_ttl: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Worker {
            owner: LeaseOwner::new(name),
            store,
            hotels,
            lease_ttl,
            clock,
            journal_retention: DEFAULT_JOURNAL_RETENTION,
            inbox_retention: DEFAULT_INBOX_RETENTION,
            maintenance_every: DEFAULT_MAINTENANCE_INTERVAL,
            last_maintenance: std::sync::Mutex::new(None),
            concurrency: 1,
            held: Mutex::new(HashSet::new()),
            name_conflict: AtomicBool::new(false),
            store_health: Arc::new(StoreHealth::new()),
            max_store_backoff: DEFAULT_MAX_STORE_BACKOFF,
        }
    }

    /// Who this worker holds leases as (its name and this instance's id).
    pub fn owner(&self) -> &LeaseOwner {
        &self.owner
    }

    /// Reports store outcomes to `health` (share it with the webhook receiver
    /// and the health endpoint of the same process).
    pub fn with_store_health(mut self, health: Arc<StoreHealth>) -> Self {
        self.store_health = health;
        self
    }

    /// The store health this worker reports to.
    pub fn store_health(&self) -> &Arc<StoreHealth> {
        &self.store_health
    }

    /// Waits at most this long between passes while the store fails (default
    /// 30 s; never longer than the pass interval given to [`Worker::run`]).
    pub fn with_max_store_backoff(mut self, max: Duration) -> Self {
        self.max_store_backoff = max.max(STORE_BACKOFF_BASE);
        self
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

    /// Runs the maintenance (purging the journal and the inbox) at most this
    /// often (default 1 h; the first pass always does).
    pub fn with_maintenance_interval(mut self, every: Duration) -> Self {
        self.maintenance_every = every;
        self
    }

    /// The former name of [`Worker::with_maintenance_interval`].
    #[deprecated(note = "renamed with_maintenance_interval (housekeeping is the flows' room cleaning)")]
    pub fn with_housekeeping_interval(self, every: Duration) -> Self {
        self.with_maintenance_interval(every)
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
    /// webhook inbox, then poll. A failing hotel does not stop the others, and
    /// neither does a failing store: a hotel whose lease cannot be read is
    /// reported in `failed` (and counted in `store_failures`), so the caller
    /// decides whether to retry. Hotels are reported in the order they were
    /// given, whatever the concurrency.
    pub async fn run_once(&self) -> Result<PassReport, SyncError> {
        let mut report = PassReport::default();
        let mut outcomes = futures::stream::iter(&self.hotels)
            .map(|sync| self.sync_one(sync))
            .buffered(self.concurrency);
        let mut store_error = None;
        while let Some(outcome) = outcomes.next().await {
            match outcome {
                HotelOutcome::Skipped {
                    hotel,
                    holder,
                    conflict,
                } => {
                    if conflict {
                        report.name_conflicts.push(hotel.clone());
                    }
                    report.skipped.push((hotel, holder));
                }
                HotelOutcome::Synced {
                    hotel,
                    applied,
                    polled,
                    taken_back,
                } => {
                    report.inbox_applied += applied;
                    report.polled += polled;
                    if taken_back {
                        report.taken_back.push(hotel.clone());
                    }
                    report.synced.push(hotel);
                }
                HotelOutcome::Failed { hotel, error, store } => {
                    if store {
                        report.store_failures += 1;
                        store_error.get_or_insert_with(|| error.clone());
                    }
                    report.failed.push((hotel, error));
                }
            }
        }
        drop(outcomes);
        match store_error {
            Some(error) => self.store_health.failure(self.clock.now(), "worker", &error),
            None if !self.hotels.is_empty() => self.store_health.success(self.clock.now()),
            None => {}
        }
        self.maintenance(&mut report).await;
        Ok(report)
    }

    /// The maintenance: purges what the retentions let go, if `maintenance_every` has passed
    /// since the last time. A failed purge is retried on the next pass; it
    /// must not fail a pass whose hotels synced.
    async fn maintenance(&self, report: &mut PassReport) {
        let now = self.clock.now();
        let every = chrono::Duration::from_std(self.maintenance_every).unwrap_or(chrono::Duration::hours(1));
        {
            let last = self
                .last_maintenance
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
                .last_maintenance
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(now);
        }
    }

    /// Whether this worker may sync the hotel behind `lease` now (see the module docs).
    async fn claim(&self, lease: &str, hotel: &str) -> Result<Claim, SyncError> {
        let held_before = self.held_leases().contains(lease);
        let take_back = if held_before || self.name_conflict.load(Ordering::Relaxed) {
            TakeBack::Never
        } else {
            TakeBack::OwnName
        };
        let grant = self
            .store
            .lease_acquire(lease, &self.owner, take_back, self.lease_ttl, self.clock.now())
            .await?;
        let claim = match grant {
            LeaseGrant::Acquired | LeaseGrant::Renewed => Claim::Granted { taken_back: false },
            LeaseGrant::TakenBack { previous } => {
                tracing::warn!(
                    hotel, worker = %self.owner.name, previous_instance = %previous.instance,
                    expires_at = %previous.expires_at,
                    "took back the lease an earlier run of this worker left behind (crash or unclean stop)"
                );
                Claim::Granted { taken_back: true }
            }
            LeaseGrant::Held(holder) => {
                let own_name = holder.owner == self.owner.name;
                if own_name && held_before {
                    self.name_conflict.store(true, Ordering::Relaxed);
                    metrics::counter!("pms_sync_worker_name_conflicts_total").increment(1);
                    tracing::error!(
                        hotel, worker = %self.owner.name, instance = %self.owner.instance,
                        other_instance = %holder.instance,
                        "another live process uses this worker name and took this hotel's lease; \
                         give every process its own PMS_WORKER_NAME (this one now leaves such leases alone)"
                    );
                }
                Claim::Elsewhere {
                    conflict: own_name,
                    holder,
                }
            }
        };
        let mut held = self.held_leases();
        match &claim {
            Claim::Granted { .. } => held.insert(lease.to_owned()),
            Claim::Elsewhere { .. } => held.remove(lease),
        };
        Ok(claim)
    }

    fn held_leases(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One hotel's turn: under its lease, the inbox, then a poll.
    async fn sync_one(&self, sync: &HotelSync) -> HotelOutcome {
        let hotel = sync.hotel().to_string();
        let lease = Worker::lease_name(sync);
        let taken_back = match self.claim(&lease, &hotel).await {
            Ok(Claim::Granted { taken_back }) => taken_back,
            Ok(Claim::Elsewhere { holder, conflict }) => {
                return HotelOutcome::Skipped {
                    hotel,
                    holder,
                    conflict,
                };
            }
            Err(err) => {
                tracing::warn!(hotel = %hotel, error = %err, "lease not readable; the store is failing");
                return HotelOutcome::Failed {
                    hotel,
                    store: is_store_error(&err),
                    error: err.to_string(),
                };
            }
        };
        let span = tracing::info_span!("hotel_sync", hotel = %hotel, pms = %sync.client().kind(), worker = %self.owner.name);
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
        match result {
            Ok((applied, polled)) => HotelOutcome::Synced {
                hotel,
                applied,
                polled,
                taken_back,
            },
            Err(err) => {
                tracing::warn!(hotel = %hotel, error = %err, "hotel sync failed");
                HotelOutcome::Failed {
                    hotel,
                    store: is_store_error(&err),
                    error: err.to_string(),
                }
            }
        }
    }

    /// Runs passes until `shutdown` resolves: every `interval`, or sooner when
    /// `wake` is notified (the webhook receiver does that). Leases are released
    /// on the way out.
    ///
    /// A store that fails (refuses connections, times out) does not end the
    /// loop: a service that exits on a three-second database restart takes its
    /// webhook receiver down with it and needs a supervisor to come back. The
    /// worker instead waits with exponential backoff (1 s doubling, jittered,
    /// at most `interval` and [`Worker::with_max_store_backoff`]) on `sleeper`,
    /// reports the outage to its [`StoreHealth`], and resumes on the first pass
    /// that reaches the store. Only a failure to release the leases at the end
    /// is returned.
    ///
    /// `shutdown` also cancels a pass in progress: a pass only reads the PMS
    /// and commits to the store in transactions (a cursor moves only with the
    /// data it covers), so dropping it loses nothing, and the process stops
    /// within moments of SIGTERM instead of after its slowest hotel.
    pub async fn run(
        &self,
        interval: Duration,
        wake: Arc<Notify>,
        sleeper: Arc<dyn Sleeper>,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), SyncError> {
        tokio::pin!(shutdown);
        let mut failing_passes = 0u32;
        loop {
            let report = tokio::select! {
                () = &mut shutdown => break,
                report = self.run_once() => report,
            };
            let store_failing = match &report {
                Ok(report) => {
                    tracing::debug!(?report, "sync pass");
                    report.store_failures > 0
                }
                Err(err) => {
                    tracing::warn!(error = %err, "sync pass failed");
                    true
                }
            };
            let wait = if store_failing {
                failing_passes = failing_passes.saturating_add(1);
                let wait = self.store_backoff(failing_passes, interval);
                tracing::warn!(
                    passes = failing_passes,
                    wait_ms = wait.as_millis() as u64,
                    "store failing; backing off"
                );
                wait
            } else {
                failing_passes = 0;
                interval
            };
            tokio::select! {
                () = &mut shutdown => break,
                // While the store fails a webhook cannot have stored anything new.
                () = wake.notified(), if !store_failing => {}
                () = sleeper.sleep(wait) => {}
            }
        }
        self.release_all().await
    }

    /// The wait after the `failures`-th pass in a row that failed on the store:
    /// "equal jitter" (half fixed, half random) on a doubling cap, so workers
    /// of a fleet do not reconnect in lockstep yet never spin.
    fn store_backoff(&self, failures: u32, interval: Duration) -> Duration {
        let cap = STORE_BACKOFF_BASE
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
            .min(self.max_store_backoff)
            .min(interval.max(STORE_BACKOFF_BASE));
        let half = cap / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }

    /// Gives up every lease this instance holds (a one-shot `pms sync` does so
    /// on exit, so the next run or another worker need not wait for expiry).
    pub async fn release_all(&self) -> Result<(), SyncError> {
        for sync in &self.hotels {
            self.store
                .lease_release(&Worker::lease_name(sync), &self.owner)
                .await?;
        }
        self.held_leases().clear();
        Ok(())
    }
}

/// Whether `err` came from the store rather than the PMS or the data.
fn is_store_error(err: &SyncError) -> bool {
    matches!(err, SyncError::Store(_))
}
