//! One SQL implementation of every store role, for SQLite and PostgreSQL.
//!
//! Each statement is written once (`sql/<role>.rs`), and so is the Rust that
//! binds its parameters, runs it and reads its rows. What differs between the
//! two databases is said in two places only:
//!
//! - **Statement text**: a [`Sql`] is written in PostgreSQL's spelling with a
//!   few markers, and rendered once per [`Flavor`] (see `statement::render`):
//!   placeholders (`$1` on PostgreSQL, `?1` on SQLite), casts (`$1::text`,
//!   which PostgreSQL needs to type a NULL parameter, are dropped for SQLite),
//!   booleans (`{true}`/`{false}`: `TRUE`/`FALSE`, `1`/`0`, spelled as the
//!   partial indexes are so that they keep being used), id lists (`{in $3}`:
//!   `= ANY($3)` over an array, `IN (SELECT value FROM json_each(?3))` over a
//!   JSON array) and row locks (`{for update}`: `FOR UPDATE`, nothing on
//!   SQLite, whose write transactions take the database's one write lock).
//!   Upserts (`ON CONFLICT ... DO UPDATE SET x = excluded.x`), `RETURNING`
//!   and `count(*) FILTER (...)` are spelled alike by both.
//! - **Values**: a [`Dialect`] binds and reads each kind of value the way its
//!   schema stores it, so the files written today stay as they are: instants
//!   are INTEGER microseconds since the epoch on SQLite and `TIMESTAMPTZ` on
//!   PostgreSQL, request ids TEXT or `UUID`, JSON TEXT or `JSONB`, booleans
//!   INTEGER 0/1 or `BOOLEAN`, id lists a JSON text or a `TEXT[]`.
//!
//! What is truly different stays with each backend ([`Backend`]): SQLite's
//! `BEGIN IMMEDIATE` and its WAL checkpointer, PostgreSQL's schema per
//! store, the connection and migration code and the migration files.
//!
//! Why a dialect trait and not sqlx's `Any` driver: `Any` knows only the
//! types both drivers share (integers, floats, text, bytes), so instants,
//! UUIDs and JSONB would travel as text with casts written into the SQL
//! (which then differs per database again), and reading them back would be
//! string parsing instead of typed decoding. [`Dialect`] is implemented for
//! `sqlx::Sqlite` and `sqlx::Postgres` themselves: the typed drivers, their
//! prepared-statement caches and their errors stay, and the generic code
//! needs none of sqlx's higher-ranked executor bounds, because every call into
//! sqlx goes through the trait, whose two implementations are concrete.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Pool, SqlSafeStr, Transaction};

use crate::SyncError;

mod audit;
mod dialect;
mod flows;
mod inbox;
mod journal;
mod leases;
mod mirror;
mod rows;
mod statement;

#[cfg(test)]
mod tests;

pub(crate) use dialect::{Dialect, Flavor, On, Query, same_in_both_dialects};
pub(crate) use rows::Cols;
pub(crate) use statement::{MultiRow, Sql, Stmt};

/// WAL bytes a row costs beyond its largest values (keys, index entries,
/// page headers), for counting towards a checkpoint ([`Backend::wrote`]).
const ROW_OVERHEAD: usize = 128;

/// A store over one SQL database: what the role implementations of this
/// module need from it. [`super::SqliteStore`] and [`super::PostgresStore`]
/// implement it, and thereby every role.
pub(crate) trait Backend: Send + Sync + std::fmt::Debug {
    /// Its dialect.
    type Db: Dialect;

    /// Its connections.
    fn pool(&self) -> &Pool<Self::Db>;

    /// A transaction for a write that reads before it writes (SQLite takes
    /// the write lock up front; see `SqliteStore`). Transactions that only
    /// write begin with `pool().begin()`.
    fn write_tx(&self) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send {
        self.pool().begin()
    }

    /// Counts the bytes a commit wrote (its rows' largest values plus
    /// [`ROW_OVERHEAD`] each): SQLite's checkpointer checkpoints after so many.
    /// `bytes` is only called by a backend that counts; none does by default.
    fn wrote(&self, bytes: impl FnOnce() -> usize) {
        let _ = bytes;
    }
}

// ---------------------------------------------------------------- shared rules

/// Where applied migrations are recorded.
pub(super) const MIGRATIONS_TABLE: &str = "pms_sync_migrations";

/// The migrator of a backend's `(version, description, sql)` migrations
/// (each backend embeds its own files).
pub(super) fn migrator(migrations: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let mut migrator = Migrator::with_migrations(
        migrations
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

/// `now + ttl`, refusing a ttl too large to represent.
pub(super) fn deadline(now: DateTime<Utc>, ttl: Duration) -> Result<DateTime<Utc>, SyncError> {
    chrono::TimeDelta::from_std(ttl)
        .ok()
        .and_then(|ttl| now.checked_add_signed(ttl))
        // Both stores keep microseconds since the epoch in an i64; stay well inside.
        .filter(|at| at.timestamp_micros() < i64::MAX / 2)
        .ok_or_else(|| SyncError::Store(format!("a ttl of {ttl:?} is out of range")))
}

/// `apply` named an inbox event that does not exist.
pub(super) fn unknown_inbox_seq(seq: i64) -> SyncError {
    SyncError::Store(format!(
        "inbox event {seq} does not exist; the batch was rolled back"
    ))
}

/// An unreadable column.
pub(super) fn corrupt(what: &str, column: &str) -> SyncError {
    SyncError::Corrupt {
        what: format!("{what} ({column})"),
    }
}

/// Rows in key order; rows with one key keep their order among themselves
/// (a stable sort). Written in key order, two overlapping transactions lock
/// rows in the same order (PostgreSQL), so they cannot deadlock.
fn key_order<T, K: Ord>(rows: impl IntoIterator<Item = T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut sorted: Vec<T> = rows.into_iter().collect();
    sorted.sort_by_key(&key);
    sorted
}

/// [`key_order`], keeping only the last row of each key: what writing them
/// one at a time in the given order would leave, in a form one multi-row
/// upsert can carry (PostgreSQL refuses to touch a row twice in one statement).
fn last_per_key<T, K: Ord>(rows: impl IntoIterator<Item = T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let sorted = key_order(rows, &key);
    let mut kept: Vec<T> = Vec::with_capacity(sorted.len());
    for row in sorted {
        match kept.last_mut() {
            Some(last) if key(last) == key(&row) => *last = row,
            _ => kept.push(row),
        }
    }
    kept
}
