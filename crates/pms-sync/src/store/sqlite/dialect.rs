//! How SQLite spells values (see the migrations in `migrations/sqlite/`):
//! instants are INTEGER microseconds since the Unix epoch (UTC), which is
//! exact, compact and sorts numerically; request ids and JSON are TEXT;
//! booleans INTEGER 0/1 (sqlx's own encoding); an id list is one JSON array
//! text, read by `json_each`.

use chrono::{DateTime, Utc};
use pms_core::RequestId;
use sqlx::sqlite::SqliteRow;
use sqlx::types::Json;
use sqlx::{Row, Sqlite};

use crate::store::sql::{Dialect, Flavor, On, Query, same_in_both_dialects};

impl Dialect for Sqlite {
    const FLAVOR: Flavor = Flavor::Sqlite;

    same_in_both_dialects!();

    fn instant(query: Query<Self>, value: Option<DateTime<Utc>>) -> Query<Self> {
        query.bind(value.map(|at| at.timestamp_micros()))
    }

    fn request_id(query: Query<Self>, value: Option<RequestId>) -> Query<Self> {
        query.bind(value.map(|id| id.to_string()))
    }

    fn texts(query: Query<Self>, values: &[&str]) -> Query<Self> {
        query.bind(Json(values))
    }

    fn limit(query: Query<Self>, value: Option<u32>) -> Query<Self> {
        // A negative LIMIT means "no limit" in SQLite.
        query.bind(value.map_or(-1, i64::from))
    }

    fn read_int(row: &SqliteRow, column: &'static str) -> Result<Option<i64>, &'static str> {
        row.try_get(column).map_err(|_| column)
    }

    fn read_instant(row: &SqliteRow, column: &'static str) -> Result<Option<DateTime<Utc>>, &'static str> {
        let micros: Option<i64> = row.try_get(column).map_err(|_| column)?;
        micros
            .map(|micros| DateTime::from_timestamp_micros(micros).ok_or("timestamp"))
            .transpose()
    }

    fn read_json(row: &SqliteRow, column: &'static str) -> Result<Option<serde_json::Value>, &'static str> {
        let text: Option<String> = row.try_get(column).map_err(|_| column)?;
        text.map(|text| serde_json::from_str(&text).map_err(|_| "json"))
            .transpose()
    }

    fn read_request_id(row: &SqliteRow, column: &'static str) -> Result<Option<RequestId>, &'static str> {
        let text: Option<String> = row.try_get(column).map_err(|_| column)?;
        text.map(|text| {
            uuid::Uuid::parse_str(&text)
                .map(RequestId::from_uuid)
                .map_err(|_| column)
        })
        .transpose()
    }
}
