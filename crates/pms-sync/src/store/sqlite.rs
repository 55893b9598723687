//! [`SqliteStore`]: the embedded default, a file (WAL) or in memory.
//!
//! Every role of the [`super::Store`] is the one SQL implementation (`sql`);
//! what is SQLite's own is here: opening and migrating the file, its
//! dialect (`dialect`: instants as INTEGER microseconds since the Unix epoch,
//! exact, compact and numerically sorted), the WAL checkpointer
//! (`checkpoint`) and how writes lock. Every write that reads before it writes runs
//! in a `BEGIN IMMEDIATE` transaction: it takes SQLite's single write lock up front
//! (waiting up to the busy timeout), so two handles on one file cannot both decide on
//! the same stale read, and a deferred read lock never has to be upgraded (an upgrade
//! fails with `SQLITE_BUSY` at once, whatever the busy timeout).

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, Transaction};

use self::checkpoint::Checkpointer;
use super::sql::{self, Backend};
use crate::SyncError;

mod checkpoint;
mod dialect;
mod open_url;

/// How long a connection waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections of a file-backed store: WAL lets readers run beside the one writer.
const FILE_POOL_SIZE: u32 = 4;

/// Migrations, embedded at compile time (`migrations/sqlite/`), applied in order on open.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "flow records",
        include_str!("../../migrations/sqlite/0002_flow_records.sql"),
    ),
    (
        3,
        "inbox purge index",
        include_str!("../../migrations/sqlite/0003_inbox_purge.sql"),
    ),
    (
        4,
        "inbox attempts and dead letters",
        include_str!("../../migrations/sqlite/0004_inbox_dead_letters.sql"),
    ),
    (
        5,
        "lease instance",
        include_str!("../../migrations/sqlite/0005_lease_instance.sql"),
    ),
];

/// SQLite-backed [`Store`](super::Store): the embedded default for one process serving many hotels.
///
/// ```no_run
/// # async fn demo() -> Result<(), pms_sync::SyncError> {
/// let store = pms_sync::SqliteStore::open(std::path::Path::new("pms-sync.db")).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// A file store's WAL checkpointer (see `checkpoint`).
    checkpointer: Option<Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and runs pending migrations.
    ///
    /// The file is in WAL journal mode (readers never block the writer), with
    /// foreign keys on and a busy timeout of 5 s.
    pub async fn open(path: &Path) -> Result<Self, SyncError> {
        Self::open_file(SqliteConnectOptions::new().filename(path).create_if_missing(true)).await
    }

    /// Opens a file database with `options` (file name, create or not, and
    /// any URI options [`SqliteStore::open_url`] read), in WAL mode, migrated.
    async fn open_file(options: SqliteConnectOptions) -> Result<Self, SyncError> {
        let path = options.get_filename().to_owned();
        let options = options
            // FULL, not NORMAL: in WAL mode NORMAL skips the fsync at commit, so a power
            // loss can roll back the last committed transactions. The journal promises
            // that a write intent is durable *before* the PMS call; losing it after the
            // call would let a replay send a charge twice. One fsync per commit is the
            // price of that promise.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);

        // Set up on one connection first: switch the file to WAL (persistent, so the
        // pool's connections need not touch the journal mode) and migrate.
        let mut setup = connect_when_free(&options.clone().journal_mode(SqliteJournalMode::Wal)).await?;
        let migrated = migrate(&mut setup).await;
        setup.close().await?;
        migrated?;

        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_POOL_SIZE)
            // The store's own task checkpoints, so that no commit has to.
            .connect_with(options.pragma("wal_autocheckpoint", "0"))
            .await?;
        let mut wal = path.into_os_string();
        wal.push("-wal");
        let checkpointer = Checkpointer::spawn(pool.clone(), wal.into());
        Ok(SqliteStore {
            pool,
            checkpointer: Some(checkpointer),
        })
    }

    /// A private in-memory database (for tests and throwaway use).
    ///
    /// The pool holds exactly one connection that never expires: an in-memory
    /// SQLite database lives as long as its connection, so the data persists across
    /// calls until the store (and every clone of it) is dropped.
    pub async fn in_memory() -> Result<Self, SyncError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    /// Closes every connection (checkpointing the WAL of a file database). Calls made
    /// after this fail; an in-memory database is gone.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn migrated(pool: SqlitePool) -> Result<Self, SyncError> {
        let mut conn = pool.acquire().await?;
        migrate(&mut conn).await?;
        drop(conn);
        Ok(SqliteStore {
            pool,
            checkpointer: None,
        })
    }
}

/// Every role of the store comes from the one SQL implementation (`sql`); this
/// is what is SQLite's own in it.
impl Backend for SqliteStore {
    type Db = Sqlite;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that holds the write lock from its first statement.
    fn write_tx(&self) -> impl Future<Output = Result<Transaction<'static, Sqlite>, sqlx::Error>> + Send {
        self.pool.begin_with("BEGIN IMMEDIATE")
    }

    /// Counts the rows a commit wrote towards the next WAL checkpoint.
    fn wrote(&self, bytes: impl FnOnce() -> usize) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wrote(bytes() as u64);
        }
    }
}

/// Runs pending migrations. sqlx's migration lock is a no-op on SQLite, so this
/// holds the database's write lock instead: two processes opening a new file at once
/// migrate it exactly once (each migration runs in a savepoint of this transaction).
async fn migrate(conn: &mut SqliteConnection) -> Result<(), SyncError> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    sql::migrator(MIGRATIONS).run(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Connects, retrying while another connection holds a lock the connection's
/// set-up needs: switching a file into WAL mode takes an exclusive lock that
/// SQLite's busy timeout does not wait for.
async fn connect_when_free(options: &SqliteConnectOptions) -> Result<SqliteConnection, SyncError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match SqliteConnection::connect_with(options).await {
            Err(err) if is_busy(&err) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            connected => return Ok(connected?),
        }
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED, with any extended code.
fn is_busy(err: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED)),
        _ => false,
    }
}
