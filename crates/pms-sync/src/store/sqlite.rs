//! SQLite implementation of [`Store`]: the embedded default, a file (WAL) or in memory.
//!
//! Instants are stored as INTEGER microseconds since the Unix epoch (UTC), which is
//! exact, compact and sorts numerically. Every write that reads before it writes runs
//! in a `BEGIN IMMEDIATE` transaction: it takes SQLite's single write lock up front
//! (waiting up to the busy timeout), so two handles on one file cannot both decide on
//! the same stale read, and a deferred read lock never has to be upgraded (an upgrade
//! fails with `SQLITE_BUSY` at once, whatever the busy timeout).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, Row, SqlSafeStr, Sqlite, Transaction};

use self::checkpoint::Checkpointer;
use self::rows::MultiRow;
use super::{
    ApplyBatch, AuditEntry, AuditFilter, AuditStore, Cursor, GuardedWrite, InboxCounts, InboxEntry,
    InboxEvent, InboxFailure, InboxRedrive, InboxStore, JournalBegin, JournalEntry, JournalState,
    JournalStore, LeaseGrant, LeaseOwner, LeaseStore, MirrorStore, MirrorWrite, NewAuditEntry,
    NewJournalEntry, RecordKind, SealedRecord, TakeBack,
};
use super::{journal_rules, sql};
use crate::SyncError;

mod checkpoint;
mod flows;
mod leases;
mod rows;

/// How long a connection waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections of a file-backed store: WAL lets readers run beside the one writer.
const FILE_POOL_SIZE: u32 = 4;

/// WAL bytes a row costs beyond its largest values (keys, index entries,
/// page headers), for counting towards a checkpoint.
const ROW_OVERHEAD: usize = 128;

/// Where applied migrations are recorded.
const MIGRATIONS_TABLE: &str = "pms_sync_migrations";

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

// Column lists shared by every query that reads a whole row.
macro_rules! journal_columns {
    () => {
        "request_id, hotel, operation, request_hash, sealed_request, key_id, state, outcome, \
         attempts, owner, claimed_until, created_at, updated_at"
    };
}
macro_rules! record_columns {
    () => {
        "hotel, kind, external_id, fingerprint, key_id, sealed, updated_at"
    };
}
macro_rules! inbox_entry_columns {
    () => {
        "seq, hotel, event_id, payload, received_at, attempts, last_attempt_at, next_attempt_at, \
         last_error, dead_at"
    };
}
macro_rules! audit_columns {
    () => {
        "seq, hotel, reservation, action, actor, request_id, details, at"
    };
}

/// SQLite-backed [`Store`]: the embedded default for one process serving many hotels.
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
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
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
        let mut wal = path.as_os_str().to_owned();
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

    /// Counts the rows a commit wrote towards the next WAL checkpoint.
    fn wrote(&self, rows: impl Iterator<Item = usize>) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wrote(rows.map(|bytes| bytes as u64).sum());
        }
    }

    /// A transaction that holds the write lock from its first statement.
    async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>, SyncError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Runs pending migrations. sqlx's migration lock is a no-op on SQLite, so this
/// holds the database's write lock instead: two processes opening a new file at once
/// migrate it exactly once (each migration runs in a savepoint of this transaction).
async fn migrate(conn: &mut SqliteConnection) -> Result<(), SyncError> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    migrator().run(&mut *tx).await?;
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

fn migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    );
    // Our own bookkeeping table, so a database shared with other sqlx users
    // (whose migrations we do not know) does not fail validation.
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

#[async_trait]
impl MirrorStore for SqliteStore {
    async fn cursor(&self, hotel: &HotelId, stream: &str) -> Result<Option<Cursor>, SyncError> {
        let row =
            sqlx::query("SELECT high_water, token, updated_at FROM cursors WHERE hotel = ?1 AND stream = ?2")
                .bind(hotel.as_str())
                .bind(stream)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            const WHAT: &str = "cursor";
            Ok(Cursor {
                high_water: instant(get(&row, "high_water", WHAT)?, WHAT)?,
                token: get(&row, "token", WHAT)?,
                updated_at: instant(get(&row, "updated_at", WHAT)?, WHAT)?,
            })
        })
        .transpose()
    }

    async fn apply(&self, batch: ApplyBatch) -> Result<(), SyncError> {
        let mut tx = self.write_tx().await?;
        for (range, text) in UPSERT_RECORDS.chunks(batch.upserts.len()) {
            let mut query = sqlx::query(text);
            for record in &batch.upserts[range] {
                query = query
                    .bind(record.hotel.as_str())
                    .bind(record.kind.as_str())
                    .bind(&record.external_id)
                    .bind(&record.fingerprint)
                    .bind(&record.key_id)
                    .bind(&record.sealed)
                    .bind(record.updated_at.map(micros));
            }
            query.execute(&mut *tx).await?;
        }
        for (hotel, kind, external_id) in &batch.deletes {
            sqlx::query("DELETE FROM records WHERE hotel = ?1 AND kind = ?2 AND external_id = ?3")
                .bind(hotel.as_str())
                .bind(kind.as_str())
                .bind(external_id)
                .execute(&mut *tx)
                .await?;
        }
        for &seq in &batch.processed_inbox {
            let done = sqlx::query("UPDATE inbox SET processed = 1 WHERE seq = ?1")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                // Dropping `tx` rolls the whole batch back.
                return Err(sql::unknown_inbox_seq(seq));
            }
        }
        if let Some((hotel, stream, cursor)) = &batch.cursor {
            sqlx::query(
                "INSERT INTO cursors (hotel, stream, high_water, token, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (hotel, stream) DO UPDATE SET high_water = excluded.high_water, \
                 token = excluded.token, updated_at = excluded.updated_at",
            )
            .bind(hotel.as_str())
            .bind(stream)
            .bind(micros(cursor.high_water))
            .bind(&cursor.token)
            .bind(micros(cursor.updated_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.wrote(
            batch
                .upserts
                .iter()
                .map(|r| r.sealed.len() + r.external_id.len() + ROW_OVERHEAD),
        );
        Ok(())
    }

    async fn apply_guarded(&self, writes: &[GuardedWrite]) -> Result<Vec<bool>, SyncError> {
        let mut applied = Vec::with_capacity(writes.len());
        let mut tx = self.write_tx().await?;
        for guarded in writes {
            let (hotel, kind, external_id) = guarded.write.key();
            let done = match (&guarded.write, &guarded.expected) {
                (MirrorWrite::Upsert(record), None) => {
                    sqlx::query(
                        "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (hotel, kind, external_id) DO NOTHING",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .bind(&record.fingerprint)
                    .bind(&record.key_id)
                    .bind(&record.sealed)
                    .bind(record.updated_at.map(micros))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                (MirrorWrite::Upsert(record), Some(expected)) => {
                    sqlx::query(
                        "UPDATE records SET fingerprint = ?4, key_id = ?5, sealed = ?6, updated_at = ?7 \
                         WHERE hotel = ?1 AND kind = ?2 AND external_id = ?3 AND fingerprint = ?8",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .bind(&record.fingerprint)
                    .bind(&record.key_id)
                    .bind(&record.sealed)
                    .bind(record.updated_at.map(micros))
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                (MirrorWrite::Delete(..), Some(expected)) => {
                    sqlx::query(
                        "DELETE FROM records WHERE hotel = ?1 AND kind = ?2 AND external_id = ?3 \
                         AND fingerprint = ?4",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                // Read as absent, to stay absent: holds while nobody inserted it.
                (MirrorWrite::Delete(..), None) => {
                    let present: Option<i64> = sqlx::query_scalar(
                        "SELECT 1 FROM records WHERE hotel = ?1 AND kind = ?2 AND external_id = ?3",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    present.is_none()
                }
            };
            applied.push(done);
        }
        tx.commit().await?;
        self.wrote(
            writes
                .iter()
                .zip(&applied)
                .filter(|(_, done)| **done)
                .map(|(w, _)| match &w.write {
                    MirrorWrite::Upsert(r) => r.sealed.len() + r.external_id.len() + ROW_OVERHEAD,
                    MirrorWrite::Delete(..) => ROW_OVERHEAD,
                }),
        );
        Ok(applied)
    }

    async fn record(
        &self,
        hotel: &HotelId,
        kind: RecordKind,
        external_id: &str,
    ) -> Result<Option<SealedRecord>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE hotel = ?1 AND kind = ?2 AND external_id = ?3"
        ))
        .bind(hotel.as_str())
        .bind(kind.as_str())
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| record_from_row(&row))
        .transpose()
    }

    async fn records(&self, hotel: &HotelId, kind: RecordKind) -> Result<Vec<SealedRecord>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE hotel = ?1 AND kind = ?2 ORDER BY external_id"
        ))
        .bind(hotel.as_str())
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record_from_row)
        .collect()
    }

    async fn records_by_ids(
        &self,
        hotel: &HotelId,
        kind: RecordKind,
        external_ids: &[&str],
    ) -> Result<Vec<SealedRecord>, SyncError> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids travel as one JSON array parameter: no statement text built
        // from data, one prepared statement whatever the page size.
        let ids = serde_json::to_string(external_ids)
            .map_err(|e| SyncError::Store(format!("cannot encode record ids: {e}")))?;
        sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE hotel = ?1 AND kind = ?2 \
              AND external_id IN (SELECT value FROM json_each(?3))"
        ))
        .bind(hotel.as_str())
        .bind(kind.as_str())
        .bind(ids)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record_from_row)
        .collect()
    }
}

#[async_trait]
impl JournalStore for SqliteStore {
    async fn journal_begin(&self, entry: NewJournalEntry) -> Result<JournalBegin, SyncError> {
        let claimed_until = sql::deadline(entry.now, entry.claim_ttl)?;
        let request_id = entry.request_id.to_string();
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(concat!(
            "INSERT INTO journal (request_id, hotel, operation, request_hash, sealed_request, key_id, \
             state, attempts, owner, claimed_until, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?9, ?9) \
             ON CONFLICT (request_id) DO NOTHING RETURNING ",
            journal_columns!()
        ))
        .bind(&request_id)
        .bind(entry.hotel.as_str())
        .bind(&entry.operation)
        .bind(&entry.request_hash)
        .bind(&entry.sealed_request)
        .bind(&entry.key_id)
        .bind(&entry.owner)
        .bind(micros(claimed_until))
        .bind(micros(entry.now))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = inserted {
            let started = journal_from_row(&row)?;
            tx.commit().await?;
            return Ok(JournalBegin::Started(started));
        }
        let existing = sqlx::query(concat!(
            "SELECT ",
            journal_columns!(),
            " FROM journal WHERE request_id = ?1"
        ))
        .bind(&request_id)
        .fetch_optional(&mut *tx)
        .await?;
        let existing = match existing {
            Some(row) => journal_from_row(&row)?,
            // Impossible under the write lock: the insert just conflicted with it.
            None => {
                return Err(SyncError::Store(format!(
                    "journal entry {request_id} vanished during journal_begin"
                )));
            }
        };
        let outcome = match journal_rules::classify(&existing, &entry)? {
            journal_rules::Found::Settled => JournalBegin::Settled(existing),
            journal_rules::Found::Busy => JournalBegin::Busy(existing),
            journal_rules::Found::Claimable => {
                // The condition repeats `classify`'s: the write lock already excludes
                // races, but the statement stays correct on its own.
                let row = sqlx::query(concat!(
                    "UPDATE journal SET state = 'pending', owner = ?2, claimed_until = ?3, updated_at = ?4 \
                     WHERE request_id = ?1 AND (state = 'unknown' OR (state = 'pending' \
                     AND (owner = ?2 OR claimed_until IS NULL OR claimed_until <= ?4))) RETURNING ",
                    journal_columns!()
                ))
                .bind(&request_id)
                .bind(&entry.owner)
                .bind(micros(claimed_until))
                .bind(micros(entry.now))
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(row) => JournalBegin::Resumed(journal_from_row(&row)?),
                    None => JournalBegin::Busy(existing),
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn journal_attempt(&self, request_id: RequestId, now: DateTime<Utc>) -> Result<(), SyncError> {
        let id = request_id.to_string();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE journal SET attempts = attempts + 1, updated_at = ?2 \
             WHERE request_id = ?1 AND state IN ('pending', 'unknown')",
        )
        .bind(&id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let state = self.journal_state(&mut tx, &id).await?;
            return Err(journal_rules::attempt_refused(request_id, state));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn journal_settle(
        &self,
        request_id: RequestId,
        state: JournalState,
        outcome: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        journal_rules::check_settle_state(request_id, state)?;
        let id = request_id.to_string();
        let outcome = serde_json::to_string(&outcome)
            .map_err(|e| SyncError::Store(format!("cannot serialize journal outcome: {e}")))?;
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE journal SET state = ?2, outcome = ?3, owner = NULL, claimed_until = NULL, \
             updated_at = ?4 WHERE request_id = ?1 AND state IN ('pending', 'unknown')",
        )
        .bind(&id)
        .bind(state.as_str())
        .bind(&outcome)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let current = self.journal_state(&mut tx, &id).await?;
            journal_rules::settle_refused(request_id, current, state)?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn journal_get(&self, request_id: RequestId) -> Result<Option<JournalEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            journal_columns!(),
            " FROM journal WHERE request_id = ?1"
        ))
        .bind(request_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .map(|row| journal_from_row(&row))
        .transpose()
    }

    async fn journal_unsettled(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
    ) -> Result<Vec<JournalEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            journal_columns!(),
            " FROM journal WHERE hotel = ?1 AND (state = 'unknown' OR (state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until <= ?2))) ORDER BY created_at, request_id"
        ))
        .bind(hotel.as_str())
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(journal_from_row)
        .collect()
    }

    async fn journal_in_doubt(&self, hotel: &HotelId) -> Result<Vec<JournalEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            journal_columns!(),
            " FROM journal WHERE hotel = ?1 AND state IN ('pending', 'unknown') \
             ORDER BY created_at, request_id"
        ))
        .bind(hotel.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(journal_from_row)
        .collect()
    }

    async fn journal_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError> {
        let done =
            sqlx::query("DELETE FROM journal WHERE state IN ('succeeded', 'failed') AND updated_at < ?1")
                .bind(micros(before))
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl InboxStore for SqliteStore {
    async fn inbox_push(&self, event: &InboxEvent) -> Result<bool, SyncError> {
        let mut conn = self.pool.acquire().await?;
        insert_inbox(&mut conn, event).await
    }

    async fn inbox_push_many(&self, events: &[InboxEvent]) -> Result<Vec<bool>, SyncError> {
        // Of two events with one id in a batch, the first is stored and the
        // second would conflict with it: only first occurrences are sent, and
        // the rows the insert returns name the ones that were new.
        let mut position = HashMap::with_capacity(events.len());
        let mut sent = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            if let Entry::Vacant(slot) = position.entry((event.hotel.as_str(), event.event_id.as_str())) {
                slot.insert(i);
                sent.push((event, inbox_payload(event)?));
            }
        }
        let mut fresh = vec![false; events.len()];
        let mut tx = self.pool.begin().await?;
        for (range, text) in INSERT_INBOX.chunks(sent.len()) {
            let mut query = sqlx::query(text);
            for (event, payload) in &sent[range] {
                query = query
                    .bind(event.hotel.as_str())
                    .bind(&event.event_id)
                    .bind(payload)
                    .bind(micros(event.received_at));
            }
            for row in query.fetch_all(&mut *tx).await? {
                const WHAT: &str = "inbox event";
                let hotel: String = get(&row, "hotel", WHAT)?;
                let event_id: String = get(&row, "event_id", WHAT)?;
                if let Some(&i) = position.get(&(hotel.as_str(), event_id.as_str())) {
                    fresh[i] = true;
                }
            }
        }
        tx.commit().await?;
        self.wrote(
            sent.iter()
                .map(|(e, payload)| payload.len() + e.event_id.len() + ROW_OVERHEAD),
        );
        Ok(fresh)
    }

    async fn inbox_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError> {
        let done = sqlx::query("DELETE FROM inbox WHERE processed = 1 AND received_at < ?1")
            .bind(micros(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn inbox_pending(&self, hotel: &HotelId, limit: u32) -> Result<Vec<InboxEvent>, SyncError> {
        sqlx::query(
            "SELECT seq, hotel, event_id, payload, received_at FROM inbox \
             WHERE hotel = ?1 AND processed = 0 AND dead_at IS NULL ORDER BY seq LIMIT ?2",
        )
        .bind(hotel.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            const WHAT: &str = "inbox event";
            Ok(InboxEvent {
                seq: get(row, "seq", WHAT)?,
                hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
                event_id: get(row, "event_id", WHAT)?,
                payload: json(&get::<String>(row, "payload", WHAT)?, WHAT)?,
                received_at: instant(get(row, "received_at", WHAT)?, WHAT)?,
            })
        })
        .collect()
    }

    async fn inbox_due(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<InboxEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            inbox_entry_columns!(),
            " FROM inbox WHERE hotel = ?1 AND processed = 0 AND dead_at IS NULL \
              AND (next_attempt_at IS NULL OR next_attempt_at <= ?2) ORDER BY seq LIMIT ?3"
        ))
        .bind(hotel.as_str())
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(inbox_entry_from_row)
        .collect()
    }

    async fn inbox_failed(&self, failures: &[InboxFailure]) -> Result<(), SyncError> {
        if failures.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for failure in failures {
            sqlx::query(
                "UPDATE inbox SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3, \
                 next_attempt_at = ?4, dead_at = CASE WHEN ?4 IS NULL THEN ?2 ELSE NULL END \
                 WHERE seq = ?1 AND processed = 0 AND dead_at IS NULL",
            )
            .bind(failure.seq)
            .bind(micros(failure.at))
            .bind(&failure.error)
            .bind(failure.retry_at.map(micros))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn inbox_dead(&self, hotel: Option<&HotelId>, limit: u32) -> Result<Vec<InboxEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            inbox_entry_columns!(),
            " FROM inbox WHERE processed = 0 AND dead_at IS NOT NULL AND (?1 IS NULL OR hotel = ?1) \
              ORDER BY seq LIMIT ?2"
        ))
        .bind(hotel.map(HotelId::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(inbox_entry_from_row)
        .collect()
    }

    async fn inbox_redrive(&self, seq: i64) -> Result<Option<InboxRedrive>, SyncError> {
        // Under the write lock no hint can arrive between the two statements.
        let mut tx = self.write_tx().await?;
        let merged = sqlx::query(REDRIVE_MERGE).bind(seq).execute(&mut *tx).await?;
        let outcome = if merged.rows_affected() == 1 {
            Some(InboxRedrive::Merged)
        } else {
            let requeued = sqlx::query(REDRIVE_REQUEUE).bind(seq).execute(&mut *tx).await?;
            (requeued.rows_affected() == 1).then_some(InboxRedrive::Requeued)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn inbox_discard(&self, seq: i64) -> Result<bool, SyncError> {
        let done = sqlx::query(
            "UPDATE inbox SET processed = 1 WHERE seq = ?1 AND processed = 0 AND dead_at IS NOT NULL",
        )
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn inbox_counts(&self, hotel: &HotelId) -> Result<InboxCounts, SyncError> {
        let row = sqlx::query(
            "SELECT count(*) FILTER (WHERE dead_at IS NULL) AS pending, \
             count(*) FILTER (WHERE dead_at IS NULL AND attempts > 0) AS retrying, \
             count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead \
             FROM inbox WHERE hotel = ?1 AND processed = 0",
        )
        .bind(hotel.as_str())
        .fetch_one(&self.pool)
        .await?;
        const WHAT: &str = "inbox counts";
        let count = |column| {
            get::<i64>(&row, column, WHAT)
                .and_then(|n| u64::try_from(n).map_err(|_| sql::corrupt(WHAT, column)))
        };
        Ok(InboxCounts {
            pending: count("pending")?,
            retrying: count("retrying")?,
            dead: count("dead")?,
        })
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit_append(&self, entry: &NewAuditEntry) -> Result<i64, SyncError> {
        let details = serde_json::to_string(&entry.details)
            .map_err(|e| SyncError::Store(format!("cannot serialize audit details: {e}")))?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO audit (hotel, reservation, action, actor, request_id, details, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq",
        )
        .bind(entry.hotel.as_str())
        .bind(&entry.reservation)
        .bind(&entry.action)
        .bind(&entry.actor)
        .bind(entry.request_id.map(|id| id.to_string()))
        .bind(&details)
        .bind(micros(entry.at))
        .fetch_one(&self.pool)
        .await?;
        Ok(seq)
    }

    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SyncError> {
        // One static statement: a NULL parameter switches its condition off.
        sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit WHERE (?1 IS NULL OR hotel = ?1) AND (?2 IS NULL OR reservation = ?2) \
             AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5) \
             ORDER BY at, seq LIMIT ?6"
        ))
        .bind(filter.hotel.as_ref().map(HotelId::as_str))
        .bind(filter.reservation.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.from.map(micros))
        .bind(filter.until.map(micros))
        // A negative LIMIT means "no limit" in SQLite.
        .bind(filter.limit.map_or(-1, i64::from))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
    }
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn lease_acquire(
        &self,
        name: &str,
        owner: &LeaseOwner,
        take_back: TakeBack,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseGrant, SyncError> {
        self.lease_acquire_impl(name, owner, take_back, ttl, now).await
    }

    async fn lease_release(&self, name: &str, owner: &LeaseOwner) -> Result<(), SyncError> {
        self.lease_release_impl(name, owner).await
    }
}

impl SqliteStore {
    /// The state of a journal entry inside `tx`, `None` if there is no such entry.
    async fn journal_state(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        request_id: &str,
    ) -> Result<Option<JournalState>, SyncError> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM journal WHERE request_id = ?1")
            .bind(request_id)
            .fetch_optional(&mut **tx)
            .await?;
        state
            .map(|s| JournalState::parse(&s).ok_or_else(|| sql::corrupt("journal entry", "state")))
            .transpose()
    }
}

fn record_from_row(row: &SqliteRow) -> Result<SealedRecord, SyncError> {
    const WHAT: &str = "mirrored record";
    let kind: String = get(row, "kind", WHAT)?;
    Ok(SealedRecord {
        hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
        kind: RecordKind::parse(&kind).ok_or_else(|| sql::corrupt(WHAT, "kind"))?,
        external_id: get(row, "external_id", WHAT)?,
        fingerprint: get(row, "fingerprint", WHAT)?,
        key_id: get(row, "key_id", WHAT)?,
        sealed: get(row, "sealed", WHAT)?,
        updated_at: get::<Option<i64>>(row, "updated_at", WHAT)?
            .map(|v| instant(v, WHAT))
            .transpose()?,
    })
}

fn journal_from_row(row: &SqliteRow) -> Result<JournalEntry, SyncError> {
    const WHAT: &str = "journal entry";
    let request_id: String = get(row, "request_id", WHAT)?;
    let state: String = get(row, "state", WHAT)?;
    let attempts: i64 = get(row, "attempts", WHAT)?;
    Ok(JournalEntry {
        request_id: uuid::Uuid::parse_str(&request_id)
            .map(RequestId::from_uuid)
            .map_err(|_| sql::corrupt(WHAT, "request_id"))?,
        hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
        operation: get(row, "operation", WHAT)?,
        request_hash: get(row, "request_hash", WHAT)?,
        sealed_request: get(row, "sealed_request", WHAT)?,
        key_id: get(row, "key_id", WHAT)?,
        state: JournalState::parse(&state).ok_or_else(|| sql::corrupt(WHAT, "state"))?,
        outcome: get::<Option<String>>(row, "outcome", WHAT)?
            .map(|text| json(&text, WHAT))
            .transpose()?,
        attempts: u32::try_from(attempts).map_err(|_| sql::corrupt(WHAT, "attempts"))?,
        owner: get(row, "owner", WHAT)?,
        claimed_until: get::<Option<i64>>(row, "claimed_until", WHAT)?
            .map(|v| instant(v, WHAT))
            .transpose()?,
        created_at: instant(get(row, "created_at", WHAT)?, WHAT)?,
        updated_at: instant(get(row, "updated_at", WHAT)?, WHAT)?,
    })
}

fn audit_from_row(row: &SqliteRow) -> Result<AuditEntry, SyncError> {
    const WHAT: &str = "audit entry";
    Ok(AuditEntry {
        seq: get(row, "seq", WHAT)?,
        entry: NewAuditEntry {
            hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
            reservation: get(row, "reservation", WHAT)?,
            action: get(row, "action", WHAT)?,
            actor: get(row, "actor", WHAT)?,
            request_id: get::<Option<String>>(row, "request_id", WHAT)?
                .map(|id| {
                    uuid::Uuid::parse_str(&id)
                        .map(RequestId::from_uuid)
                        .map_err(|_| sql::corrupt(WHAT, "request_id"))
                })
                .transpose()?,
            details: json(&get::<String>(row, "details", WHAT)?, WHAT)?,
            at: instant(get(row, "at", WHAT)?, WHAT)?,
        },
    })
}

fn inbox_entry_from_row(row: &SqliteRow) -> Result<InboxEntry, SyncError> {
    const WHAT: &str = "inbox event";
    let optional_instant = |column| {
        get::<Option<i64>>(row, column, WHAT)?
            .map(|v| instant(v, WHAT))
            .transpose()
    };
    let attempts: i64 = get(row, "attempts", WHAT)?;
    Ok(InboxEntry {
        event: InboxEvent {
            seq: get(row, "seq", WHAT)?,
            hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
            event_id: get(row, "event_id", WHAT)?,
            payload: json(&get::<String>(row, "payload", WHAT)?, WHAT)?,
            received_at: instant(get(row, "received_at", WHAT)?, WHAT)?,
        },
        attempts: u32::try_from(attempts).map_err(|_| sql::corrupt(WHAT, "attempts"))?,
        last_attempt_at: optional_instant("last_attempt_at")?,
        next_attempt_at: optional_instant("next_attempt_at")?,
        last_error: get(row, "last_error", WHAT)?,
        dead_at: optional_instant("dead_at")?,
    })
}

/// One column of a row; any decoding failure is [`SyncError::Corrupt`].
fn get<'r, T>(row: &'r SqliteRow, column: &'static str, what: &str) -> Result<T, SyncError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(|_| sql::corrupt(what, column))
}

/// Upserts records by (hotel, kind, external id); the last of two rows with
/// one key wins, as it would one statement at a time.
static UPSERT_RECORDS: MultiRow = MultiRow::new(
    "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at)",
    7,
    "ON CONFLICT (hotel, kind, external_id) DO UPDATE SET \
     fingerprint = excluded.fingerprint, key_id = excluded.key_id, \
     sealed = excluded.sealed, updated_at = excluded.updated_at",
);

/// Redrive, first step: a dead letter whose entity already has a newer
/// pending hint is marked processed (that hint re-reads the entity).
const REDRIVE_MERGE: &str = "UPDATE inbox SET processed = 1 \
     WHERE seq = ?1 AND processed = 0 AND dead_at IS NOT NULL AND EXISTS (SELECT 1 FROM inbox AS p \
     WHERE p.hotel = inbox.hotel AND p.event_id = inbox.event_id AND p.processed = 0 AND p.dead_at IS NULL)";

/// Redrive, second step: the dead letter is pending again, due at once,
/// with a fresh attempt budget (its last error is kept for the record).
const REDRIVE_REQUEUE: &str = "UPDATE inbox SET dead_at = NULL, \
     attempts = 0, next_attempt_at = NULL WHERE seq = ?1 AND processed = 0 AND dead_at IS NOT NULL";

/// Inserts inbox events unless an unprocessed one with the id is there, and
/// names those it inserted (a skipped row returns nothing).
static INSERT_INBOX: MultiRow = MultiRow::new(
    "INSERT INTO inbox (hotel, event_id, payload, received_at)",
    4,
    "ON CONFLICT DO NOTHING RETURNING hotel, event_id",
);

fn inbox_payload(event: &InboxEvent) -> Result<String, SyncError> {
    serde_json::to_string(&event.payload)
        .map_err(|e| SyncError::Store(format!("cannot serialize inbox payload: {e}")))
}

/// Inserts one inbox event unless an unprocessed one with its id is there.
async fn insert_inbox(conn: &mut sqlx::SqliteConnection, event: &InboxEvent) -> Result<bool, SyncError> {
    let payload = inbox_payload(event)?;
    let done = sqlx::query(
        "INSERT INTO inbox (hotel, event_id, payload, received_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(event.hotel.as_str())
    .bind(&event.event_id)
    .bind(&payload)
    .bind(micros(event.received_at))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An instant as stored: microseconds since the Unix epoch.
fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn instant(micros: i64, what: &str) -> Result<DateTime<Utc>, SyncError> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| sql::corrupt(what, "timestamp"))
}

fn hotel_id(id: String, what: &str) -> Result<HotelId, SyncError> {
    HotelId::new(id).map_err(|_| sql::corrupt(what, "hotel"))
}

fn json(text: &str, what: &str) -> Result<serde_json::Value, SyncError> {
    serde_json::from_str(text).map_err(|_| sql::corrupt(what, "json"))
}
