//! Opening a SQLite store from a `sqlite:` URL (`PMS_STORE_URL`).
//!
//! The URL is parsed by sqlx (`SqliteConnectOptions::from_str`, SQLite's own
//! URI options: <https://www.sqlite.org/uri.html>), so `?mode=ro` is an option
//! and never part of the file name. What each `mode` means here:
//!
//! | `mode` | file missing | writes | schema |
//! |---|---|---|---|
//! | none, `rwc` | created | yes | migrated |
//! | `rw` | error | yes | migrated |
//! | `ro` | error (never created) | refused by SQLite (`attempt to write a readonly database`) | must already be current: a read-only handle cannot migrate |
//!
//! No `mode` keeps the behaviour `sqlite://PATH` always had (create the file
//! when missing). `mode=memory` is refused: `sqlite::memory:` is the one
//! in-memory form, so two spellings never mean two different things.

use std::str::FromStr;

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::super::sql::MIGRATIONS_TABLE;
use super::{BUSY_TIMEOUT, FILE_POOL_SIZE, MIGRATIONS, SqliteStore};
use crate::SyncError;

/// What the URL's `mode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Read-write, created when missing (no `mode`, or `rwc`).
    Create,
    /// Read-write, must exist.
    ReadWrite,
    /// Read-only, must exist.
    ReadOnly,
}

impl SqliteStore {
    /// Opens the store a `sqlite:` URL names: `sqlite::memory:`,
    /// `sqlite://PATH` or `sqlite:PATH`, with SQLite's URI options after `?`
    /// (`mode=ro|rw|rwc`, `cache`, `immutable`, `vfs`; see the module docs).
    /// Errors never quote the URL.
    pub async fn open_url(url: &str) -> Result<Self, SyncError> {
        if url == "sqlite::memory:" {
            return Self::in_memory().await;
        }
        let mode = mode(url)?;
        let options = SqliteConnectOptions::from_str(url).map_err(|_| {
            SyncError::Store(
                "the sqlite URL cannot be read: use sqlite://PATH or sqlite:PATH, options \
                 mode=ro|rw|rwc, cache=shared|private, immutable=1|0, vfs=NAME"
                    .into(),
            )
        })?;
        if mode != Mode::Create && !options.get_filename().is_file() {
            return Err(SyncError::Store(
                "the database file does not exist (mode=ro and mode=rw never create one)".into(),
            ));
        }
        match mode {
            Mode::Create => Self::open_file(options.create_if_missing(true)).await,
            Mode::ReadWrite => Self::open_file(options).await,
            Mode::ReadOnly => Self::open_read_only(options).await,
        }
    }

    /// A read-only handle: no WAL switch, no migration, no checkpointer. The
    /// schema must be the one this build writes, or reads could misread rows.
    async fn open_read_only(options: SqliteConnectOptions) -> Result<Self, SyncError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_POOL_SIZE)
            .connect_with(
                options
                    .read_only(true)
                    .busy_timeout(BUSY_TIMEOUT)
                    .foreign_keys(true),
            )
            .await?;
        let latest = MIGRATIONS
            .iter()
            .map(|&(version, _, _)| version)
            .max()
            .unwrap_or(0);
        // The table is `MIGRATIONS_TABLE`, spelled out: sqlx takes static SQL.
        const APPLIED: &str =
            "SELECT COALESCE(MAX(version), 0) AS version FROM pms_sync_migrations WHERE success";
        debug_assert!(APPLIED.contains(MIGRATIONS_TABLE));
        let applied: i64 = match sqlx::query(APPLIED).fetch_one(&pool).await {
            Ok(row) => row.try_get("version")?,
            Err(_) => {
                return Err(SyncError::Store(
                    "the read-only database is not a pms-sync store (no schema): open it read-write once"
                        .into(),
                ));
            }
        };
        if applied != latest {
            return Err(SyncError::Store(format!(
                "the read-only database has schema version {applied}, this build needs {latest}: \
                 open it read-write once to migrate"
            )));
        }
        Ok(SqliteStore {
            pool,
            checkpointer: None,
        })
    }
}

/// The URL's `mode`, read the way SQLite reads URI options.
fn mode(url: &str) -> Result<Mode, SyncError> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mut mode = Mode::Create;
    // SQLite's URI options are plain `key=value` pairs joined by `&`.
    for (key, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        if key == "mode" {
            mode = match value {
                "rwc" => Mode::Create,
                "rw" => Mode::ReadWrite,
                "ro" => Mode::ReadOnly,
                "memory" => {
                    return Err(SyncError::Store(
                        "mode=memory is not supported: use sqlite::memory:".into(),
                    ));
                }
                _ => return Err(SyncError::Store("mode must be ro, rw or rwc".into())),
            };
        }
    }
    Ok(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_is_read_from_the_query_only() {
        assert_eq!(mode("sqlite://pms.db").unwrap(), Mode::Create);
        assert_eq!(mode("sqlite://pms.db?mode=rwc").unwrap(), Mode::Create);
        assert_eq!(
            mode("sqlite:pms.db?cache=shared&mode=rw").unwrap(),
            Mode::ReadWrite
        );
        assert_eq!(mode("sqlite:///var/lib/pms.db?mode=ro").unwrap(), Mode::ReadOnly);
        assert!(mode("sqlite://pms.db?mode=memory").is_err());
        assert!(mode("sqlite://pms.db?mode=xx").is_err());
    }
}
