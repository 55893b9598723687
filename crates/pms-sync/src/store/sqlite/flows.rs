//! [`FlowStore`] on SQLite. Every write is one conditional statement, so two
//! handles on one file cannot both win a version.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::HotelId;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, get, hotel_id, instant, micros};
use crate::SyncError;
use crate::store::flow::{FlowPut, FlowRecord, FlowStore, FlowWrite, check_names};

macro_rules! flow_columns {
    () => {
        "hotel, kind, record_key, version, open, key_id, sealed, created_at, updated_at"
    };
}

#[async_trait]
impl FlowStore for SqliteStore {
    async fn flow_put(&self, write: &FlowWrite) -> Result<FlowPut, SyncError> {
        check_names(&write.kind, &write.key)?;
        let row = match write.expected_version {
            None => {
                sqlx::query(concat!(
                    "INSERT INTO flow_records (hotel, kind, record_key, version, open, key_id, sealed, \
                     created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?7) \
                     ON CONFLICT (hotel, kind, record_key) DO NOTHING RETURNING ",
                    flow_columns!()
                ))
                .bind(write.hotel.as_str())
                .bind(&write.kind)
                .bind(&write.key)
                .bind(i64::from(write.open))
                .bind(&write.key_id)
                .bind(&write.sealed)
                .bind(micros(write.now))
                .fetch_optional(&self.pool)
                .await?
            }
            Some(version) => {
                sqlx::query(concat!(
                    "UPDATE flow_records SET version = version + 1, open = ?5, key_id = ?6, sealed = ?7, \
                     updated_at = ?8 WHERE hotel = ?1 AND kind = ?2 AND record_key = ?3 AND version = ?4 \
                     RETURNING ",
                    flow_columns!()
                ))
                .bind(write.hotel.as_str())
                .bind(&write.kind)
                .bind(&write.key)
                .bind(version)
                .bind(i64::from(write.open))
                .bind(&write.key_id)
                .bind(&write.sealed)
                .bind(micros(write.now))
                .fetch_optional(&self.pool)
                .await?
            }
        };
        match row {
            Some(row) => Ok(FlowPut::Written(flow_from_row(&row)?)),
            None => Ok(FlowPut::Conflict(
                self.flow_get(&write.hotel, &write.kind, &write.key).await?,
            )),
        }
    }

    async fn flow_get(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
    ) -> Result<Option<FlowRecord>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            flow_columns!(),
            " FROM flow_records WHERE hotel = ?1 AND kind = ?2 AND record_key = ?3"
        ))
        .bind(hotel.as_str())
        .bind(kind)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| flow_from_row(&row))
        .transpose()
    }

    async fn flow_list(
        &self,
        hotel: &HotelId,
        kind: &str,
        open_only: bool,
    ) -> Result<Vec<FlowRecord>, SyncError> {
        sqlx::query(concat!(
            "SELECT ",
            flow_columns!(),
            " FROM flow_records WHERE hotel = ?1 AND kind = ?2 AND (?3 = 0 OR open = 1) \
             ORDER BY created_at, record_key"
        ))
        .bind(hotel.as_str())
        .bind(kind)
        .bind(i64::from(open_only))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(flow_from_row)
        .collect()
    }

    async fn flow_purge(&self, hotel: &HotelId, kind: &str, before: DateTime<Utc>) -> Result<u64, SyncError> {
        let done = sqlx::query(
            "DELETE FROM flow_records WHERE hotel = ?1 AND kind = ?2 AND open = 0 AND updated_at < ?3",
        )
        .bind(hotel.as_str())
        .bind(kind)
        .bind(micros(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn flow_delete(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
        expected_version: i64,
    ) -> Result<bool, SyncError> {
        let done = sqlx::query(
            "DELETE FROM flow_records WHERE hotel = ?1 AND kind = ?2 AND record_key = ?3 AND version = ?4",
        )
        .bind(hotel.as_str())
        .bind(kind)
        .bind(key)
        .bind(expected_version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn flow_from_row(row: &SqliteRow) -> Result<FlowRecord, SyncError> {
    const WHAT: &str = "flow record";
    let open: i64 = get(row, "open", WHAT)?;
    Ok(FlowRecord {
        hotel: hotel_id(get(row, "hotel", WHAT)?, WHAT)?,
        kind: get(row, "kind", WHAT)?,
        key: get(row, "record_key", WHAT)?,
        version: get(row, "version", WHAT)?,
        open: open == 1,
        key_id: get(row, "key_id", WHAT)?,
        sealed: get(row, "sealed", WHAT)?,
        created_at: instant(get(row, "created_at", WHAT)?, WHAT)?,
        updated_at: instant(get(row, "updated_at", WHAT)?, WHAT)?,
    })
}
