//! How PostgreSQL spells values (see the migrations in `migrations/postgres/`):
//! instants are `TIMESTAMPTZ`, request ids `UUID`, JSON `JSONB`, booleans
//! `BOOLEAN`, an id list a `TEXT[]` for `= ANY($n)`.

use chrono::{DateTime, Utc};
use pms_core::RequestId;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, TypeInfo, ValueRef};
use uuid::Uuid;

use crate::store::sql::{Dialect, Flavor, On, Query, same_in_both_dialects};

impl Dialect for Postgres {
    const FLAVOR: Flavor = Flavor::Postgres;

    same_in_both_dialects!();

    fn instant(query: Query<Self>, value: Option<DateTime<Utc>>) -> Query<Self> {
        query.bind(value)
    }

    fn request_id(query: Query<Self>, value: Option<RequestId>) -> Query<Self> {
        query.bind(value.map(|id| id.as_uuid()))
    }

    fn texts(query: Query<Self>, values: &[&str]) -> Query<Self> {
        query.bind(values)
    }

    fn limit(query: Query<Self>, value: Option<u32>) -> Query<Self> {
        // `LIMIT NULL` is no limit.
        query.bind(value.map(i64::from))
    }

    fn read_int(row: &PgRow, column: &'static str) -> Result<Option<i64>, &'static str> {
        // `attempts` is an INTEGER, sequence numbers, versions and counts BIGINT.
        let raw = row.try_get_raw(column).map_err(|_| column)?;
        if raw.is_null() {
            return Ok(None);
        }
        let value = if raw.type_info().name() == "INT4" {
            <i32 as Decode<Postgres>>::decode(raw).map(i64::from)
        } else {
            <i64 as Decode<Postgres>>::decode(raw)
        };
        value.map(Some).map_err(|_| column)
    }

    fn read_instant(row: &PgRow, column: &'static str) -> Result<Option<DateTime<Utc>>, &'static str> {
        row.try_get(column).map_err(|_| column)
    }

    fn read_json(row: &PgRow, column: &'static str) -> Result<Option<serde_json::Value>, &'static str> {
        let json: Option<Json<serde_json::Value>> = row.try_get(column).map_err(|_| column)?;
        Ok(json.map(|json| json.0))
    }

    fn read_request_id(row: &PgRow, column: &'static str) -> Result<Option<RequestId>, &'static str> {
        let id: Option<Uuid> = row.try_get(column).map_err(|_| column)?;
        Ok(id.map(RequestId::from_uuid))
    }
}
