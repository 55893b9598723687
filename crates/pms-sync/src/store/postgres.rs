//! [`PostgresStore`]: one database shared by many workers.
//!
//! Every role of the [`super::Store`] is the one SQL implementation (`sql`);
//! what is PostgreSQL's own is here: connecting, a schema per store,
//! migrating under the migrator's advisory lock, and its dialect (`dialect`:
//! `TIMESTAMPTZ`, `UUID`, `JSONB`). Races between workers are settled by the
//! database: lease and journal claims by a row lock (`SELECT ... FOR UPDATE`,
//! the statements' `{for update}`) after an `INSERT ... ON CONFLICT DO NOTHING`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};

use super::sql::{self, Backend};
use crate::SyncError;

mod dialect;

/// Connections per pool.
const POOL_SIZE: u32 = 8;

/// How long to wait for a pooled connection (including connecting) before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// PostgreSQL-backed [`Store`](super::Store), for several workers sharing one database.
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
        let mut migrator = sql::migrator(MIGRATIONS);
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

/// Every role of the store comes from the one SQL implementation (`sql`):
/// PostgreSQL's own part is its dialect, its schema and its row locks (the
/// statements' `{for update}`).
impl Backend for PostgresStore {
    type Db = Postgres;

    fn pool(&self) -> &PgPool {
        &self.pool
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
