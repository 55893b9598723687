//! The per-dialect codecs and runners: what [`Dialect`] asks of a database.

use std::future::Future;

use chrono::{DateTime, Utc};
use pms_core::RequestId;
use sqlx::{Database, Pool, Transaction};

/// Which database a statement is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A query of dialect `D`, its parameters bound so far.
pub(crate) type Query<D> = sqlx::query::Query<'static, D, <D as Database>::Arguments>;

/// Where a statement runs: the pool (a connection of its own, autocommit) or
/// a transaction's connection.
pub(crate) enum On<'e, D: Database> {
    /// Any pooled connection.
    Pool(&'e Pool<D>),
    /// The connection of an open transaction.
    Tx(&'e mut D::Connection),
}

impl<'e, D: Database> From<&'e Pool<D>> for On<'e, D> {
    fn from(pool: &'e Pool<D>) -> Self {
        On::Pool(pool)
    }
}

impl<'e, D: Database> From<&'e mut Transaction<'static, D>> for On<'e, D> {
    fn from(tx: &'e mut Transaction<'static, D>) -> Self {
        On::Tx(&mut **tx)
    }
}

/// How a database spells values and runs statements: the per-dialect codecs.
///
/// Readers answer `Ok(None)` for SQL NULL and `Err(label)` for a value they
/// cannot read, `label` naming what is wrong (the column, or e.g.
/// `timestamp`); [`Cols`] turns that into [`SyncError::Corrupt`].
pub(crate) trait Dialect: Database {
    /// Its statement spelling.
    const FLAVOR: Flavor;

    /// Binds a text (`None`: NULL).
    fn text(query: Query<Self>, value: Option<&str>) -> Query<Self>;
    /// Binds an integer.
    fn int(query: Query<Self>, value: Option<i64>) -> Query<Self>;
    /// Binds bytes.
    fn bytes(query: Query<Self>, value: &[u8]) -> Query<Self>;
    /// Binds a boolean.
    fn flag(query: Query<Self>, value: bool) -> Query<Self>;
    /// Binds an instant.
    fn instant(query: Query<Self>, value: Option<DateTime<Utc>>) -> Query<Self>;
    /// Binds a JSON value.
    fn json(query: Query<Self>, value: &serde_json::Value) -> Query<Self>;
    /// Binds a request id.
    fn request_id(query: Query<Self>, value: Option<RequestId>) -> Query<Self>;
    /// Binds a list of texts for an `{in $n}` marker.
    fn texts(query: Query<Self>, values: &[&str]) -> Query<Self>;
    /// Binds a `LIMIT` (`None`: no limit).
    fn limit(query: Query<Self>, value: Option<u32>) -> Query<Self>;

    /// Reads a text column.
    fn read_text(row: &Self::Row, column: &'static str) -> Result<Option<String>, &'static str>;
    /// Reads an integer column, whatever its width.
    fn read_int(row: &Self::Row, column: &'static str) -> Result<Option<i64>, &'static str>;
    /// Reads a bytes column.
    fn read_bytes(row: &Self::Row, column: &'static str) -> Result<Option<Vec<u8>>, &'static str>;
    /// Reads a boolean column.
    fn read_flag(row: &Self::Row, column: &'static str) -> Result<Option<bool>, &'static str>;
    /// Reads an instant column.
    fn read_instant(row: &Self::Row, column: &'static str) -> Result<Option<DateTime<Utc>>, &'static str>;
    /// Reads a JSON column.
    fn read_json(row: &Self::Row, column: &'static str) -> Result<Option<serde_json::Value>, &'static str>;
    /// Reads a request id column.
    fn read_request_id(row: &Self::Row, column: &'static str) -> Result<Option<RequestId>, &'static str>;

    /// Runs a statement; how many rows it changed.
    fn execute<'e>(
        query: Query<Self>,
        on: On<'e, Self>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'e;
    /// Runs a statement; its first row, if any.
    fn fetch_optional<'e>(
        query: Query<Self>,
        on: On<'e, Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'e;
    /// Runs a statement; all its rows.
    fn fetch_all<'e>(
        query: Query<Self>,
        on: On<'e, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'e;
}

/// The codecs and runners both dialects write the same way (sqlx's own
/// encoding is right for both); expanded inside each `impl Dialect`.
macro_rules! same_in_both_dialects {
    () => {
        fn text(query: Query<Self>, value: Option<&str>) -> Query<Self> {
            query.bind(value)
        }

        fn int(query: Query<Self>, value: Option<i64>) -> Query<Self> {
            query.bind(value)
        }

        fn bytes(query: Query<Self>, value: &[u8]) -> Query<Self> {
            query.bind(value)
        }

        fn flag(query: Query<Self>, value: bool) -> Query<Self> {
            query.bind(value)
        }

        fn json(query: Query<Self>, value: &serde_json::Value) -> Query<Self> {
            query.bind(sqlx::types::Json(value))
        }

        fn read_text(row: &Self::Row, column: &'static str) -> Result<Option<String>, &'static str> {
            sqlx::Row::try_get(row, column).map_err(|_| column)
        }

        fn read_bytes(row: &Self::Row, column: &'static str) -> Result<Option<Vec<u8>>, &'static str> {
            sqlx::Row::try_get(row, column).map_err(|_| column)
        }

        fn read_flag(row: &Self::Row, column: &'static str) -> Result<Option<bool>, &'static str> {
            sqlx::Row::try_get(row, column).map_err(|_| column)
        }

        fn execute<'e>(
            query: Query<Self>,
            on: On<'e, Self>,
        ) -> impl std::future::Future<Output = Result<u64, sqlx::Error>> + Send + 'e {
            async move {
                let done = match on {
                    On::Pool(pool) => query.execute(pool).await?,
                    On::Tx(conn) => query.execute(conn).await?,
                };
                Ok(done.rows_affected())
            }
        }

        fn fetch_optional<'e>(
            query: Query<Self>,
            on: On<'e, Self>,
        ) -> impl std::future::Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'e {
            async move {
                match on {
                    On::Pool(pool) => query.fetch_optional(pool).await,
                    On::Tx(conn) => query.fetch_optional(conn).await,
                }
            }
        }

        fn fetch_all<'e>(
            query: Query<Self>,
            on: On<'e, Self>,
        ) -> impl std::future::Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'e {
            async move {
                match on {
                    On::Pool(pool) => query.fetch_all(pool).await,
                    On::Tx(conn) => query.fetch_all(conn).await,
                }
            }
        }
    };
}
pub(crate) use same_in_both_dialects;
