//! WAL checkpoints off the commit path.
//!
//! SQLite checkpoints a WAL file inside the commit that pushes it past
//! `wal_autocheckpoint` pages (1,000 by default, about 4 MB): that commit
//! then also copies the WAL into the database file and fsyncs it before it
//! returns, and the poll page or webhook group waiting on it waits for both.
//! A file store's connections turn automatic checkpoints off and this task
//! runs the same passive checkpoint beside the commits instead, at the same
//! size. Commits keep their one WAL fsync (`synchronous=FULL` is unchanged),
//! and a checkpoint still fsyncs the database before the WAL is reused.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// The WAL size at which SQLite's default would checkpoint: 1,000 pages of 4 KiB.
pub(super) const WAL_LIMIT_BYTES: u64 = 1_000 * 4_096;

/// How often the WAL's size is looked at (one `stat`).
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// Starts the checkpointer of the database whose WAL is `wal`. It stops when
/// every clone of the returned sender is dropped (the store is gone) or the
/// pool is closed.
pub(super) fn spawn(pool: SqlitePool, wal: PathBuf) -> mpsc::Sender<()> {
    let (alive, mut gone) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LOOK_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = gone.recv() => return,
                _ = tick.tick() => {}
            }
            let size = tokio::fs::metadata(&wal).await.map_or(0, |m| m.len());
            if size < WAL_LIMIT_BYTES {
                continue;
            }
            // PASSIVE, as SQLite's own: it copies what no reader still needs
            // and never blocks a writer; the next writer then restarts the WAL.
            match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                Ok(_) => {}
                Err(sqlx::Error::PoolClosed) => return,
                Err(err) => tracing::warn!(error = %err, "WAL checkpoint failed; retrying"),
            }
        }
    });
    alive
}
