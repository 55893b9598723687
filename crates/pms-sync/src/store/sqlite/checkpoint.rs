//! WAL checkpoints off the commit path.
//!
//! SQLite checkpoints a WAL file inside the commit that pushes it past
//! `wal_autocheckpoint` pages (1,000 by default, about 4 MB): that commit
//! then also copies the WAL into the database file and fsyncs it before it
//! returns, and the poll page or webhook group waiting on it waits for both.
//! A file store's connections turn automatic checkpoints off and this task
//! runs the same passive checkpoint beside the commits instead: after about
//! as many bytes as SQLite's default, as counted by the store's bulk writes
//! (records, inbox events), and at most once a second for whatever else
//! changed the WAL (journal, audit, leases). Commits keep their one WAL fsync
//! (`synchronous=FULL` is unchanged), and a checkpoint still fsyncs the
//! database before the WAL is reused.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sqlx::SqlitePool;
use tokio::sync::{Notify, mpsc};
use tokio::time::MissedTickBehavior;

/// Pages written between checkpoints: SQLite's default.
const WAL_LIMIT_PAGES: i64 = 1_000;

/// The same in bytes, with SQLite's default page of 4 KiB.
const WAL_LIMIT_BYTES: u64 = WAL_LIMIT_PAGES as u64 * 4_096;

/// How often other writes are looked for (one `stat` of the WAL).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The store's handle on its checkpointer; the task stops when the last
/// clone is dropped (the store is gone) or the pool is closed.
#[derive(Debug, Clone)]
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    _alive: mpsc::Sender<()>,
}

#[derive(Debug, Default)]
struct Shared {
    written: AtomicU64,
    wake: Notify,
}

impl Checkpointer {
    /// Starts the checkpointer of the database whose WAL is `wal`.
    pub(super) fn spawn(pool: SqlitePool, wal: PathBuf) -> Self {
        let (alive, gone) = mpsc::channel::<()>(1);
        let shared = Arc::new(Shared::default());
        tokio::spawn(run(pool, wal, shared.clone(), gone));
        Checkpointer {
            shared,
            _alive: alive,
        }
    }

    /// Counts `bytes` just committed; past the limit, the task checkpoints.
    pub(super) fn wrote(&self, bytes: u64) {
        let before = self.shared.written.fetch_add(bytes, Ordering::Relaxed);
        if before < WAL_LIMIT_BYTES && before + bytes >= WAL_LIMIT_BYTES {
            self.shared.wake.notify_one();
        }
    }
}

async fn run(pool: SqlitePool, wal: PathBuf, shared: Arc<Shared>, mut gone: mpsc::Receiver<()>) {
    let mut tick = tokio::time::interval(LOOK_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut checkpointed: Option<SystemTime> = None;
    loop {
        tokio::select! {
            _ = gone.recv() => return,
            () = shared.wake.notified() => {}
            _ = tick.tick() => {
                if modified(&wal).await == checkpointed {
                    continue;
                }
            }
        }
        shared.written.store(0, Ordering::Relaxed);
        checkpointed = modified(&wal).await;
        // PASSIVE, as SQLite's own: it copies what no reader still needs and
        // never blocks a writer.
        match checkpoint(&pool, "PRAGMA wal_checkpoint(PASSIVE)").await {
            // A complete passive checkpoint does not by itself make the next
            // writer restart the WAL (seen here: it kept appending, 25 MB for
            // 24 MB written), and commits that never pause can keep a passive
            // one from completing. So RESTART follows: after a complete copy
            // it has nothing left to copy and holds writers only while it
            // marks the WAL for reuse; past twice the limit it waits for the
            // writers once, so that the WAL stays bounded as SQLite's own
            // in-commit checkpoint keeps it.
            Ok(Progress { wal, copied }) if (wal > 0 && copied == wal) || wal > 2 * WAL_LIMIT_PAGES => {
                if let Err(err) = checkpoint(&pool, "PRAGMA wal_checkpoint(RESTART)").await {
                    tracing::warn!(error = %err, "WAL restart checkpoint failed; it is retried");
                }
            }
            Ok(_) => {}
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => tracing::warn!(error = %err, "WAL checkpoint failed; it is retried"),
        }
    }
}

/// What `PRAGMA wal_checkpoint` answered: frames in the WAL and frames copied.
struct Progress {
    wal: i64,
    copied: i64,
}

async fn checkpoint(pool: &SqlitePool, pragma: &'static str) -> Result<Progress, sqlx::Error> {
    // One row: (busy, log frames, checkpointed frames); -1 when not in WAL mode.
    let (_busy, wal, copied): (i64, i64, i64) = sqlx::query_as(pragma).fetch_one(pool).await?;
    Ok(Progress { wal, copied })
}

async fn modified(wal: &PathBuf) -> Option<SystemTime> {
    tokio::fs::metadata(wal).await.and_then(|m| m.modified()).ok()
}
