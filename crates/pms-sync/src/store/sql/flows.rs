//! [`FlowStore`] on any [`Backend`]. Every write is one conditional
//! statement, so two writers (two handles on one SQLite file, two
//! PostgreSQL workers) cannot both win a version.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::HotelId;

use super::{Backend, Cols, Dialect, Sql, Stmt};
use crate::SyncError;
use crate::store::flow::{FlowPut, FlowRecord, FlowStore, FlowWrite, check_names};

macro_rules! flow_columns {
    () => {
        "hotel, kind, record_key, version, open, key_id, sealed, created_at, updated_at"
    };
}

static CREATE: Sql = Sql::new(concat!(
    "INSERT INTO flow_records (hotel, kind, record_key, version, open, key_id, sealed, \
     created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $7) \
     ON CONFLICT (hotel, kind, record_key) DO NOTHING RETURNING ",
    flow_columns!()
));

static REPLACE: Sql = Sql::new(concat!(
    "UPDATE flow_records SET version = version + 1, open = $5, key_id = $6, sealed = $7, \
     updated_at = $8 WHERE hotel = $1 AND kind = $2 AND record_key = $3 AND version = $4 \
     RETURNING ",
    flow_columns!()
));

static GET: Sql = Sql::new(concat!(
    "SELECT ",
    flow_columns!(),
    " FROM flow_records WHERE hotel = $1 AND kind = $2 AND record_key = $3"
));

static LIST: Sql = Sql::new(concat!(
    "SELECT ",
    flow_columns!(),
    " FROM flow_records WHERE hotel = $1 AND kind = $2 AND (NOT $3 OR open = {true}) \
     ORDER BY created_at, record_key"
));

static PURGE: Sql = Sql::new(
    "DELETE FROM flow_records WHERE hotel = $1 AND kind = $2 AND open = {false} AND updated_at < $3",
);

static DELETE: Sql =
    Sql::new("DELETE FROM flow_records WHERE hotel = $1 AND kind = $2 AND record_key = $3 AND version = $4");

#[async_trait]
impl<B: Backend> FlowStore for B {
    async fn flow_put(&self, write: &FlowWrite) -> Result<FlowPut, SyncError> {
        check_names(&write.kind, &write.key)?;
        let key = |sql: &'static Sql| {
            Stmt::<B::Db>::of(sql)
                .text(write.hotel.as_str())
                .text(&write.kind)
                .text(&write.key)
        };
        let stmt = match write.expected_version {
            None => key(&CREATE),
            Some(version) => key(&REPLACE).int(version),
        };
        let row = stmt
            .flag(write.open)
            .text(&write.key_id)
            .bytes(&write.sealed)
            .instant(write.now)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => Ok(FlowPut::Written(flow_from_row::<B::Db>(&row)?)),
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
        Stmt::<B::Db>::of(&GET)
            .text(hotel.as_str())
            .text(kind)
            .text(key)
            .fetch_optional(self.pool())
            .await?
            .map(|row| flow_from_row::<B::Db>(&row))
            .transpose()
    }

    async fn flow_list(
        &self,
        hotel: &HotelId,
        kind: &str,
        open_only: bool,
    ) -> Result<Vec<FlowRecord>, SyncError> {
        Stmt::<B::Db>::of(&LIST)
            .text(hotel.as_str())
            .text(kind)
            .flag(open_only)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(flow_from_row::<B::Db>)
            .collect()
    }

    async fn flow_purge(&self, hotel: &HotelId, kind: &str, before: DateTime<Utc>) -> Result<u64, SyncError> {
        Ok(Stmt::<B::Db>::of(&PURGE)
            .text(hotel.as_str())
            .text(kind)
            .instant(before)
            .execute(self.pool())
            .await?)
    }

    async fn flow_delete(
        &self,
        hotel: &HotelId,
        kind: &str,
        key: &str,
        expected_version: i64,
    ) -> Result<bool, SyncError> {
        let done = Stmt::<B::Db>::of(&DELETE)
            .text(hotel.as_str())
            .text(kind)
            .text(key)
            .int(expected_version)
            .execute(self.pool())
            .await?;
        Ok(done == 1)
    }
}

fn flow_from_row<D: Dialect>(row: &D::Row) -> Result<FlowRecord, SyncError> {
    let cols = Cols::<D>::of(row, "flow record");
    Ok(FlowRecord {
        hotel: cols.hotel()?,
        kind: cols.text("kind")?,
        key: cols.text("record_key")?,
        version: cols.int("version")?,
        open: cols.flag("open")?,
        key_id: cols.text("key_id")?,
        sealed: cols.bytes("sealed")?,
        created_at: cols.instant("created_at")?,
        updated_at: cols.instant("updated_at")?,
    })
}
