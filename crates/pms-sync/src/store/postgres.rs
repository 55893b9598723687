//! PostgreSQL implementation of [`Store`]: one database shared by many workers.
//!
//! Instants are `TIMESTAMPTZ`. Races between workers are settled by the database:
//! leases by one conditional upsert, journal claims by a row lock
//! (`SELECT ... FOR UPDATE`) after an `INSERT ... ON CONFLICT DO NOTHING`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{Connection, Postgres, Row, SqlSafeStr};
use uuid::Uuid;

use super::{
    ApplyBatch, AuditEntry, AuditFilter, AuditStore, Cursor, GuardedWrite, InboxCounts, InboxEntry,
    InboxEvent, InboxFailure, InboxRedrive, InboxStore, JournalBegin, JournalEntry, JournalState,
    JournalStore, LeaseGrant, LeaseOwner, LeaseStore, MirrorStore, MirrorWrite, NewAuditEntry,
    NewJournalEntry, RecordKind, SealedRecord, TakeBack,
};
use super::{journal_rules, sql};
use crate::SyncError;

mod flows;
mod leases;

/// Connections per pool.
const POOL_SIZE: u32 = 8;

/// How long to wait for a pooled connection (including connecting) before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where applied migrations are recorded.
const MIGRATIONS_TABLE: &str = "pms_sync_migrations";

/// Migrations, embedded at compile time (`migrations/postgres/`), applied in order on connect.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "flow records",
        include_str!("../../migrations/postgres/0002_flow_records.sql"),
    ),
    (
        3,
        "inbox purge index",
        include_str!("../../migrations/postgres/0003_inbox_purge.sql"),
    ),
    (
        4,
        "inbox attempts and dead letters",
        include_str!("../../migrations/postgres/0004_inbox_dead_letters.sql"),
    ),
    (
        5,
        "lease instance",
        include_str!("../../migrations/postgres/0005_lease_instance.sql"),
    ),
];

/// Longest schema name PostgreSQL keeps without truncating.
const MAX_SCHEMA_LEN: usize = 63;

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

/// PostgreSQL-backed [`Store`], for several workers sharing one database.
///
/// ```no_run
/// # async fn demo() -> Result<(), pms_sync::SyncError> {
/// let store = pms_sync::PostgresStore::connect("postgres://postgres@127.0.0.1:5432/pms").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    schema: Option<String>,
}

impl PostgresStore {
    /// Connects a pool to `url` and runs pending migrations in the connection's
    /// default schema (normally `public`).
    pub async fn connect(url: &str) -> Result<Self, SyncError> {
        let options = PgConnectOptions::from_str(url)?;
        Self::start(options, None).await
    }

    /// Like [`PostgresStore::connect`], but every table lives in `schema`, which is
    /// created if missing; each pooled connection gets `search_path = schema`.
    ///
    /// `schema` must match `[a-z_][a-z0-9_]*` (at most 63 bytes): it is the one
    /// value formatted into SQL, so anything else is refused before connecting.
    /// Several stores (tests, tenants) can share one database, one schema each.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, SyncError> {
        validate_schema(schema)?;
        let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        Self::start(options, Some(schema.to_owned())).await
    }

    /// The schema given to [`PostgresStore::connect_with_schema`], if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Closes every pooled connection; calls made after this fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn start(options: PgConnectOptions, schema: Option<String>) -> Result<Self, SyncError> {
        // Migrate on a dedicated connection, closed afterwards: the migrator holds a
        // session-level advisory lock (so concurrent starts migrate one at a time),
        // and if a migration fails that lock must not survive in a pooled connection.
        let mut conn = PgConnection::connect_with(&options).await?;
        let mut migrator = migrator();
        if let Some(schema) = &schema {
            // Created under the migrator's lock, so concurrent starts do not race on it.
            migrator.create_schema(schema.clone());
        }
        let migrated = migrator.run(&mut conn).await;
        conn.close().await?;
        migrated?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(PostgresStore { pool, schema })
    }
}

fn validate_schema(schema: &str) -> Result<(), SyncError> {
    let mut bytes = schema.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && schema.len() <= MAX_SCHEMA_LEN;
    if valid {
        Ok(())
    } else {
        Err(SyncError::Config {
            variable: "schema".into(),
            reason: format!("must match [a-z_][a-z0-9_]* and be at most {MAX_SCHEMA_LEN} bytes"),
        })
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
impl MirrorStore for PostgresStore {
    async fn cursor(&self, hotel: &HotelId, stream: &str) -> Result<Option<Cursor>, SyncError> {
        let row =
            sqlx::query("SELECT high_water, token, updated_at FROM cursors WHERE hotel = $1 AND stream = $2")
                .bind(hotel.as_str())
                .bind(stream)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            const WHAT: &str = "cursor";
            Ok(Cursor {
                high_water: get(&row, "high_water", WHAT)?,
                token: get(&row, "token", WHAT)?,
                updated_at: get(&row, "updated_at", WHAT)?,
            })
        })
        .transpose()
    }

    async fn apply(&self, batch: ApplyBatch) -> Result<(), SyncError> {
        // Rows are written in key order (stable sorts: a later duplicate still wins),
        // so two overlapping batches lock rows in the same order and cannot deadlock.
        let mut upserts: Vec<&SealedRecord> = batch.upserts.iter().collect();
        upserts.sort_by(|a, b| record_key(a).cmp(&record_key(b)));
        let mut deletes: Vec<_> = batch.deletes.iter().collect();
        deletes.sort_by(|a, b| (a.0.as_str(), a.1, &a.2).cmp(&(b.0.as_str(), b.1, &b.2)));
        let mut processed = batch.processed_inbox.clone();
        processed.sort_unstable();
        let mut tx = self.pool.begin().await?;
        for record in upserts {
            sqlx::query(
                "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (hotel, kind, external_id) DO UPDATE SET \
                 fingerprint = EXCLUDED.fingerprint, key_id = EXCLUDED.key_id, \
                 sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at",
            )
            .bind(record.hotel.as_str())
            .bind(record.kind.as_str())
            .bind(&record.external_id)
            .bind(&record.fingerprint)
            .bind(&record.key_id)
            .bind(&record.sealed)
            .bind(record.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        for (hotel, kind, external_id) in deletes {
            sqlx::query("DELETE FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3")
                .bind(hotel.as_str())
                .bind(kind.as_str())
                .bind(external_id)
                .execute(&mut *tx)
                .await?;
        }
        for seq in processed {
            let done = sqlx::query("UPDATE inbox SET processed = TRUE WHERE seq = $1")
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
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (hotel, stream) DO UPDATE SET high_water = EXCLUDED.high_water, \
                 token = EXCLUDED.token, updated_at = EXCLUDED.updated_at",
            )
            .bind(hotel.as_str())
            .bind(stream)
            .bind(cursor.high_water)
            .bind(&cursor.token)
            .bind(cursor.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn apply_guarded(&self, writes: &[GuardedWrite]) -> Result<Vec<bool>, SyncError> {
        // Rows are written in key order, as in `apply`, so overlapping
        // transactions lock them in the same order; each conditional statement
        // re-checks its fingerprint on the row version it locked.
        let mut order: Vec<usize> = (0..writes.len()).collect();
        order.sort_by(|&a, &b| writes[a].write.key().cmp(&writes[b].write.key()));
        let mut applied = vec![false; writes.len()];
        let mut tx = self.pool.begin().await?;
        for i in order {
            let guarded = &writes[i];
            let (hotel, kind, external_id) = guarded.write.key();
            applied[i] = match (&guarded.write, &guarded.expected) {
                (MirrorWrite::Upsert(record), None) => {
                    sqlx::query(
                        "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hotel, kind, external_id) DO NOTHING",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .bind(&record.fingerprint)
                    .bind(&record.key_id)
                    .bind(&record.sealed)
                    .bind(record.updated_at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                (MirrorWrite::Upsert(record), Some(expected)) => {
                    sqlx::query(
                        "UPDATE records SET fingerprint = $4, key_id = $5, sealed = $6, updated_at = $7 \
                         WHERE hotel = $1 AND kind = $2 AND external_id = $3 AND fingerprint = $8",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .bind(&record.fingerprint)
                    .bind(&record.key_id)
                    .bind(&record.sealed)
                    .bind(record.updated_at)
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                (MirrorWrite::Delete(..), Some(expected)) => {
                    sqlx::query(
                        "DELETE FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3 \
                         AND fingerprint = $4",
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
                    let present: Option<i32> = sqlx::query_scalar(
                        "SELECT 1 FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3",
                    )
                    .bind(hotel.as_str())
                    .bind(kind.as_str())
                    .bind(external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    present.is_none()
                }
            };
        }
        tx.commit().await?;
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
            " FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3"
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
        // `external_id` is COLLATE "C": byte order, as on SQLite.
        sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE hotel = $1 AND kind = $2 ORDER BY external_id"
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
        sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM records WHERE hotel = $1 AND kind = $2 AND external_id = ANY($3)"
        ))
        .bind(hotel.as_str())
        .bind(kind.as_str())
        .bind(external_ids)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record_from_row)
        .collect()
    }
}

#[async_trait]
impl JournalStore for PostgresStore {
    async fn journal_begin(&self, entry: NewJournalEntry) -> Result<JournalBegin, SyncError> {
        let claimed_until = sql::deadline(entry.now, entry.claim_ttl)?;
        let request_id = entry.request_id.as_uuid();
        let mut tx = self.pool.begin().await?;
        // A purge can delete the row between the conflicting insert and the locking
        // read; then the insert is simply tried again.
        for _ in 0..3 {
            // A concurrent insert of the same id makes this wait for that transaction,
            // then do nothing: exactly one caller gets `Started`.
            let inserted = sqlx::query(concat!(
                "INSERT INTO journal (request_id, hotel, operation, request_hash, sealed_request, key_id, \
                 state, attempts, owner, claimed_until, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, $9) \
                 ON CONFLICT (request_id) DO NOTHING RETURNING ",
                journal_columns!()
            ))
            .bind(request_id)
            .bind(entry.hotel.as_str())
            .bind(&entry.operation)
            .bind(&entry.request_hash)
            .bind(&entry.sealed_request)
            .bind(&entry.key_id)
            .bind(&entry.owner)
            .bind(claimed_until)
            .bind(entry.now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = inserted {
                let started = journal_from_row(&row)?;
                tx.commit().await?;
                return Ok(JournalBegin::Started(started));
            }
            // The row lock serializes the claim decision between workers.
            let existing = sqlx::query(concat!(
                "SELECT ",
                journal_columns!(),
                " FROM journal WHERE request_id = $1 FOR UPDATE"
            ))
            .bind(request_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(existing) = existing else { continue };
            let existing = journal_from_row(&existing)?;
            let outcome = match journal_rules::classify(&existing, &entry)? {
                journal_rules::Found::Settled => JournalBegin::Settled(existing),
                journal_rules::Found::Busy => JournalBegin::Busy(existing),
                journal_rules::Found::Claimable => {
                    let row = sqlx::query(concat!(
                        "UPDATE journal SET state = 'pending', owner = $2, claimed_until = $3, updated_at = $4 \
                         WHERE request_id = $1 AND (state = 'unknown' OR (state = 'pending' \
                         AND (owner = $2 OR claimed_until IS NULL OR claimed_until <= $4))) RETURNING ",
                        journal_columns!()
                    ))
                    .bind(request_id)
                    .bind(&entry.owner)
                    .bind(claimed_until)
                    .bind(entry.now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match row {
                        Some(row) => JournalBegin::Resumed(journal_from_row(&row)?),
                        None => JournalBegin::Busy(existing),
                    }
                }
            };
            tx.commit().await?;
            return Ok(outcome);
        }
        Err(SyncError::Store(format!(
            "journal entry {} kept vanishing during journal_begin",
            entry.request_id
        )))
    }

    async fn journal_attempt(&self, request_id: RequestId, now: DateTime<Utc>) -> Result<(), SyncError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE journal SET attempts = attempts + 1, updated_at = $2 \
             WHERE request_id = $1 AND state IN ('pending', 'unknown')",
        )
        .bind(request_id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let state = journal_state(&mut tx, request_id).await?;
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
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE journal SET state = $2, outcome = $3, owner = NULL, claimed_until = NULL, \
             updated_at = $4 WHERE request_id = $1 AND state IN ('pending', 'unknown')",
        )
        .bind(request_id.as_uuid())
        .bind(state.as_str())
        .bind(Json(&outcome))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let current = journal_state(&mut tx, request_id).await?;
            journal_rules::settle_refused(request_id, current, state)?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn journal_get(&self, request_id: RequestId) -> Result<Option<JournalEntry>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            journal_columns!(),
            " FROM journal WHERE request_id = $1"
        ))
        .bind(request_id.as_uuid())
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
            " FROM journal WHERE hotel = $1 AND (state = 'unknown' OR (state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until <= $2))) ORDER BY created_at, request_id::text"
        ))
        .bind(hotel.as_str())
        .bind(now)
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
            " FROM journal WHERE hotel = $1 AND state IN ('pending', 'unknown') \
             ORDER BY created_at, request_id::text"
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
            sqlx::query("DELETE FROM journal WHERE state IN ('succeeded', 'failed') AND updated_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl InboxStore for PostgresStore {
    async fn inbox_push(&self, event: &InboxEvent) -> Result<bool, SyncError> {
        let mut conn = self.pool.acquire().await?;
        insert_inbox(&mut conn, event).await
    }

    async fn inbox_push_many(&self, events: &[InboxEvent]) -> Result<Vec<bool>, SyncError> {
        let mut tx = self.pool.begin().await?;
        let mut fresh = Vec::with_capacity(events.len());
        for event in events {
            fresh.push(insert_inbox(&mut tx, event).await?);
        }
        tx.commit().await?;
        Ok(fresh)
    }

    async fn inbox_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError> {
        let done = sqlx::query("DELETE FROM inbox WHERE processed AND received_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn inbox_pending(&self, hotel: &HotelId, limit: u32) -> Result<Vec<InboxEvent>, SyncError> {
        sqlx::query(
            "SELECT seq, hotel, event_id, payload, received_at FROM inbox \
             WHERE hotel = $1 AND NOT processed AND dead_at IS NULL ORDER BY seq LIMIT $2",
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
                payload: get::<Json<serde_json::Value>>(row, "payload", WHAT)?.0,
                received_at: get(row, "received_at", WHAT)?,
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
            " FROM inbox WHERE hotel = $1 AND NOT processed AND dead_at IS NULL \
              AND (next_attempt_at IS NULL OR next_attempt_at <= $2) ORDER BY seq LIMIT $3"
        ))
        .bind(hotel.as_str())
        .bind(now)
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
        // In seq order, so two overlapping calls lock rows in the same order.
        let mut sorted: Vec<&InboxFailure> = failures.iter().collect();
        sorted.sort_by_key(|f| f.seq);
        let mut tx = self.pool.begin().await?;
        for failure in sorted {
            sqlx::query(
                "UPDATE inbox SET attempts = attempts + 1, last_attempt_at = $2, last_error = $3, \
                 next_attempt_at = $4, dead_at = CASE WHEN $4::timestamptz IS NULL THEN $2 ELSE NULL END \
                 WHERE seq = $1 AND NOT processed AND dead_at IS NULL",
            )
            .bind(failure.seq)
            .bind(failure.at)
            .bind(&failure.error)
            .bind(failure.retry_at)
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
            " FROM inbox WHERE NOT processed AND dead_at IS NOT NULL AND ($1::text IS NULL OR hotel = $1) \
              ORDER BY seq LIMIT $2"
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
        // A receiver may store a new hint for the same entity between the two
        // statements; the requeue then violates the dedupe index, and the
        // merge is tried again (it now finds that hint).
        for _ in 0..2 {
            let merged = sqlx::query(
                "UPDATE inbox SET processed = TRUE WHERE seq = $1 AND NOT processed AND dead_at IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM inbox AS p WHERE p.hotel = inbox.hotel \
                 AND p.event_id = inbox.event_id AND NOT p.processed AND p.dead_at IS NULL)",
            )
            .bind(seq)
            .execute(&self.pool)
            .await?;
            if merged.rows_affected() == 1 {
                return Ok(Some(InboxRedrive::Merged));
            }
            let requeued = sqlx::query(
                "UPDATE inbox SET dead_at = NULL, attempts = 0, next_attempt_at = NULL \
                 WHERE seq = $1 AND NOT processed AND dead_at IS NOT NULL",
            )
            .bind(seq)
            .execute(&self.pool)
            .await;
            match requeued {
                Ok(done) => return Ok((done.rows_affected() == 1).then_some(InboxRedrive::Requeued)),
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(SyncError::Store(format!(
            "inbox event {seq} could be neither requeued nor merged"
        )))
    }

    async fn inbox_discard(&self, seq: i64) -> Result<bool, SyncError> {
        let done = sqlx::query(
            "UPDATE inbox SET processed = TRUE WHERE seq = $1 AND NOT processed AND dead_at IS NOT NULL",
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
             FROM inbox WHERE hotel = $1 AND NOT processed",
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
impl AuditStore for PostgresStore {
    async fn audit_append(&self, entry: &NewAuditEntry) -> Result<i64, SyncError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO audit (hotel, reservation, action, actor, request_id, details, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        )
        .bind(entry.hotel.as_str())
        .bind(&entry.reservation)
        .bind(&entry.action)
        .bind(&entry.actor)
        .bind(entry.request_id.map(|id| id.as_uuid()))
        .bind(Json(&entry.details))
        .bind(entry.at)
        .fetch_one(&self.pool)
        .await?;
        Ok(seq)
    }

    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SyncError> {
        // One static statement: a NULL parameter switches its condition off
        // (`LIMIT NULL` is no limit).
        sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit WHERE ($1::text IS NULL OR hotel = $1) \
             AND ($2::text IS NULL OR reservation = $2) AND ($3::text IS NULL OR action = $3) \
             AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) \
             ORDER BY at, seq LIMIT $6"
        ))
        .bind(filter.hotel.as_ref().map(HotelId::as_str))
        .bind(filter.reservation.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.from)
        .bind(filter.until)
        .bind(filter.limit.map(i64::from))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
    }
}

#[async_trait]
impl LeaseStore for PostgresStore {
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

/// The state of a journal entry inside `tx`, `None` if there is no such entry.
async fn journal_state(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    request_id: RequestId,
) -> Result<Option<JournalState>, SyncError> {
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM journal WHERE request_id = $1")
        .bind(request_id.as_uuid())
        .fetch_optional(&mut **tx)
        .await?;
    state
        .map(|s| JournalState::parse(&s).ok_or_else(|| sql::corrupt("journal entry", "state")))
        .transpose()
}

fn record_from_row(row: &PgRow) -> Result<SealedRecord, SyncError> {
    const WHAT: &str = "mirrored record";
    let kind: String = get(row, "kind", WHAT)?;
    Ok(SealedRecord {
        hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
        kind: RecordKind::parse(&kind).ok_or_else(|| sql::corrupt(WHAT, "kind"))?,
        external_id: get(row, "external_id", WHAT)?,
        fingerprint: get(row, "fingerprint", WHAT)?,
        key_id: get(row, "key_id", WHAT)?,
        sealed: get(row, "sealed", WHAT)?,
        updated_at: get(row, "updated_at", WHAT)?,
    })
}

fn journal_from_row(row: &PgRow) -> Result<JournalEntry, SyncError> {
    const WHAT: &str = "journal entry";
    let state: String = get(row, "state", WHAT)?;
    let attempts: i32 = get(row, "attempts", WHAT)?;
    Ok(JournalEntry {
        request_id: RequestId::from_uuid(get::<Uuid>(row, "request_id", WHAT)?),
        hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
        operation: get(row, "operation", WHAT)?,
        request_hash: get(row, "request_hash", WHAT)?,
        sealed_request: get(row, "sealed_request", WHAT)?,
        key_id: get(row, "key_id", WHAT)?,
        state: JournalState::parse(&state).ok_or_else(|| sql::corrupt(WHAT, "state"))?,
        outcome: get::<Option<Json<serde_json::Value>>>(row, "outcome", WHAT)?.map(|json| json.0),
        attempts: u32::try_from(attempts).map_err(|_| sql::corrupt(WHAT, "attempts"))?,
        owner: get(row, "owner", WHAT)?,
        claimed_until: get(row, "claimed_until", WHAT)?,
        created_at: get(row, "created_at", WHAT)?,
        updated_at: get(row, "updated_at", WHAT)?,
    })
}

fn audit_from_row(row: &PgRow) -> Result<AuditEntry, SyncError> {
    const WHAT: &str = "audit entry";
    Ok(AuditEntry {
        seq: get(row, "seq", WHAT)?,
        entry: NewAuditEntry {
            hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
            reservation: get(row, "reservation", WHAT)?,
            action: get(row, "action", WHAT)?,
            actor: get(row, "actor", WHAT)?,
            request_id: get::<Option<Uuid>>(row, "request_id", WHAT)?.map(RequestId::from_uuid),
            details: get::<Json<serde_json::Value>>(row, "details", WHAT)?.0,
            at: get(row, "at", WHAT)?,
        },
    })
}

fn inbox_entry_from_row(row: &PgRow) -> Result<InboxEntry, SyncError> {
    const WHAT: &str = "inbox event";
    let attempts: i32 = get(row, "attempts", WHAT)?;
    Ok(InboxEntry {
        event: InboxEvent {
            seq: get(row, "seq", WHAT)?,
            hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
            event_id: get(row, "event_id", WHAT)?,
            payload: get::<Json<serde_json::Value>>(row, "payload", WHAT)?.0,
            received_at: get(row, "received_at", WHAT)?,
        },
        attempts: u32::try_from(attempts).map_err(|_| sql::corrupt(WHAT, "attempts"))?,
        last_attempt_at: get(row, "last_attempt_at", WHAT)?,
        next_attempt_at: get(row, "next_attempt_at", WHAT)?,
        last_error: get(row, "last_error", WHAT)?,
        dead_at: get(row, "dead_at", WHAT)?,
    })
}

/// One column of a row; any decoding failure is [`SyncError::Corrupt`].
fn get<'r, T>(row: &'r PgRow, column: &'static str, what: &str) -> Result<T, SyncError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(column).map_err(|_| sql::corrupt(what, column))
}

fn record_key(record: &SealedRecord) -> (&str, RecordKind, &str) {
    (record.hotel.as_str(), record.kind, record.external_id.as_str())
}

fn hotel_id(id: String, what: &str) -> Result<HotelId, SyncError> {
    HotelId::new(id).map_err(|_| sql::corrupt(what, "hotel"))
}

/// Inserts one inbox event unless an unprocessed one with its id is there.
async fn insert_inbox(conn: &mut sqlx::PgConnection, event: &InboxEvent) -> Result<bool, SyncError> {
    let done = sqlx::query(
        "INSERT INTO inbox (hotel, event_id, payload, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(event.hotel.as_str())
    .bind(&event.event_id)
    .bind(Json(&event.payload))
    .bind(event.received_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::validate_schema;

    #[test]
    fn schema_names_are_validated_before_use() {
        for good in ["pms", "_t", "pms_test_0123456789abcdef", &"a".repeat(63)] {
            assert!(validate_schema(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Pms",
            "1pms",
            "pms-x",
            "pms;drop",
            "p\"x",
            "pms x",
            &"a".repeat(64),
        ] {
            assert!(validate_schema(bad).is_err(), "{bad}");
        }
    }
}
