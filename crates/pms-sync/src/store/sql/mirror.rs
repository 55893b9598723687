//! [`MirrorStore`] on any [`Backend`]: cursors and sealed records.

use async_trait::async_trait;
use pms_core::HotelId;

use super::{
    Backend, Cols, Dialect, MultiRow, ROW_OVERHEAD, Sql, Stmt, key_order, last_per_key, unknown_inbox_seq,
};
use crate::SyncError;
use crate::store::{ApplyBatch, Cursor, GuardedWrite, MirrorStore, MirrorWrite, RecordKind, SealedRecord};

macro_rules! record_columns {
    () => {
        "hotel, kind, external_id, fingerprint, key_id, sealed, updated_at"
    };
}

static CURSOR: Sql =
    Sql::new("SELECT high_water, token, updated_at FROM cursors WHERE hotel = $1 AND stream = $2");

static PUT_CURSOR: Sql = Sql::new(
    "INSERT INTO cursors (hotel, stream, high_water, token, updated_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (hotel, stream) DO UPDATE SET high_water = excluded.high_water, \
     token = excluded.token, updated_at = excluded.updated_at",
);

/// Upserts records by (hotel, kind, external id).
static UPSERT_RECORDS: MultiRow = MultiRow::new(
    "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at)",
    7,
    "ON CONFLICT (hotel, kind, external_id) DO UPDATE SET \
     fingerprint = excluded.fingerprint, key_id = excluded.key_id, \
     sealed = excluded.sealed, updated_at = excluded.updated_at",
);

static DELETE_RECORD: Sql =
    Sql::new("DELETE FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3");

static MARK_PROCESSED: Sql = Sql::new("UPDATE inbox SET processed = {true} WHERE seq = $1");

/// Guarded writes: insert only if absent, replace or delete only if the
/// fingerprint is still the one read, stay absent only if nobody inserted.
static INSERT_IF_ABSENT: Sql = Sql::new(
    "INSERT INTO records (hotel, kind, external_id, fingerprint, key_id, sealed, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hotel, kind, external_id) DO NOTHING",
);
static REPLACE_IF_SAME: Sql = Sql::new(
    "UPDATE records SET fingerprint = $4, key_id = $5, sealed = $6, updated_at = $7 \
     WHERE hotel = $1 AND kind = $2 AND external_id = $3 AND fingerprint = $8",
);
static DELETE_IF_SAME: Sql =
    Sql::new("DELETE FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3 AND fingerprint = $4");
static RECORD_EXISTS: Sql =
    Sql::new("SELECT 1 FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3");

static RECORD: Sql = Sql::new(concat!(
    "SELECT ",
    record_columns!(),
    " FROM records WHERE hotel = $1 AND kind = $2 AND external_id = $3"
));

/// The ids travel as one parameter (an array, or a JSON array): no statement
/// text built from data, one prepared statement whatever the page size.
static RECORDS_BY_IDS: Sql = Sql::new(concat!(
    "SELECT ",
    record_columns!(),
    " FROM records WHERE hotel = $1 AND kind = $2 AND external_id {in $3}"
));

/// `external_id` sorts by bytes on both (PostgreSQL: `COLLATE "C"`).
static RECORDS: Sql = Sql::new(concat!(
    "SELECT ",
    record_columns!(),
    " FROM records WHERE hotel = $1 AND kind = $2 ORDER BY external_id"
));

#[async_trait]
impl<B: Backend> MirrorStore for B {
    async fn cursor(&self, hotel: &HotelId, stream: &str) -> Result<Option<Cursor>, SyncError> {
        let row = Stmt::<B::Db>::of(&CURSOR)
            .text(hotel.as_str())
            .text(stream)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            let cols = Cols::<B::Db>::of(&row, "cursor");
            Ok(Cursor {
                high_water: cols.instant("high_water")?,
                token: cols.opt_text("token")?,
                updated_at: cols.instant("updated_at")?,
            })
        })
        .transpose()
    }

    async fn apply(&self, batch: ApplyBatch) -> Result<(), SyncError> {
        let upserts = last_per_key(&batch.upserts, |r| record_key(r));
        let deletes = key_order(&batch.deletes, |&(hotel, kind, id)| {
            (hotel.as_str(), *kind, id.as_str())
        });
        let processed = key_order(batch.processed_inbox.iter().copied(), |&seq| seq);
        let mut tx = self.write_tx().await?;
        for (range, text) in UPSERT_RECORDS.chunks(<B::Db as Dialect>::FLAVOR, upserts.len()) {
            let mut stmt = Stmt::<B::Db>::text_of(text);
            for record in &upserts[range] {
                stmt = stmt
                    .text(record.hotel.as_str())
                    .text(record.kind.as_str())
                    .text(&record.external_id)
                    .text(&record.fingerprint)
                    .text(&record.key_id)
                    .bytes(&record.sealed)
                    .opt_instant(record.updated_at);
            }
            stmt.execute(&mut tx).await?;
        }
        for (hotel, kind, external_id) in deletes {
            Stmt::<B::Db>::of(&DELETE_RECORD)
                .text(hotel.as_str())
                .text(kind.as_str())
                .text(external_id)
                .execute(&mut tx)
                .await?;
        }
        for seq in processed {
            let done = Stmt::<B::Db>::of(&MARK_PROCESSED)
                .int(seq)
                .execute(&mut tx)
                .await?;
            if done == 0 {
                // Dropping `tx` rolls the whole batch back.
                return Err(unknown_inbox_seq(seq));
            }
        }
        if let Some((hotel, stream, cursor)) = &batch.cursor {
            Stmt::<B::Db>::of(&PUT_CURSOR)
                .text(hotel.as_str())
                .text(stream)
                .instant(cursor.high_water)
                .opt_text(cursor.token.as_deref())
                .instant(cursor.updated_at)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        self.wrote(|| {
            batch
                .upserts
                .iter()
                .map(|r| r.sealed.len() + r.external_id.len() + ROW_OVERHEAD)
                .sum()
        });
        Ok(())
    }

    async fn apply_guarded(&self, writes: &[GuardedWrite]) -> Result<Vec<bool>, SyncError> {
        // Each conditional statement re-checks its fingerprint on the row
        // version it locked (or, on SQLite, under the write lock).
        let order = key_order(0..writes.len(), |&i| writes[i].write.key());
        let mut applied = vec![false; writes.len()];
        let mut tx = self.write_tx().await?;
        for i in order {
            let guarded = &writes[i];
            let (hotel, kind, external_id) = guarded.write.key();
            let key = |sql: &'static Sql| {
                Stmt::<B::Db>::of(sql)
                    .text(hotel.as_str())
                    .text(kind.as_str())
                    .text(external_id)
            };
            applied[i] = match (&guarded.write, &guarded.expected) {
                (MirrorWrite::Upsert(record), None) => {
                    key(&INSERT_IF_ABSENT)
                        .text(&record.fingerprint)
                        .text(&record.key_id)
                        .bytes(&record.sealed)
                        .opt_instant(record.updated_at)
                        .execute(&mut tx)
                        .await?
                        == 1
                }
                (MirrorWrite::Upsert(record), Some(expected)) => {
                    key(&REPLACE_IF_SAME)
                        .text(&record.fingerprint)
                        .text(&record.key_id)
                        .bytes(&record.sealed)
                        .opt_instant(record.updated_at)
                        .text(expected)
                        .execute(&mut tx)
                        .await?
                        == 1
                }
                (MirrorWrite::Delete(..), Some(expected)) => {
                    key(&DELETE_IF_SAME).text(expected).execute(&mut tx).await? == 1
                }
                // Read as absent, to stay absent: holds while nobody inserted it.
                (MirrorWrite::Delete(..), None) => {
                    key(&RECORD_EXISTS).fetch_optional(&mut tx).await?.is_none()
                }
            };
        }
        tx.commit().await?;
        self.wrote(|| {
            writes
                .iter()
                .zip(&applied)
                .filter(|(_, done)| **done)
                .map(|(w, _)| match &w.write {
                    MirrorWrite::Upsert(r) => r.sealed.len() + r.external_id.len() + ROW_OVERHEAD,
                    MirrorWrite::Delete(..) => ROW_OVERHEAD,
                })
                .sum()
        });
        Ok(applied)
    }

    async fn record(
        &self,
        hotel: &HotelId,
        kind: RecordKind,
        external_id: &str,
    ) -> Result<Option<SealedRecord>, SyncError> {
        Stmt::<B::Db>::of(&RECORD)
            .text(hotel.as_str())
            .text(kind.as_str())
            .text(external_id)
            .fetch_optional(self.pool())
            .await?
            .map(|row| record_from_row::<B::Db>(&row))
            .transpose()
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
        Stmt::<B::Db>::of(&RECORDS_BY_IDS)
            .text(hotel.as_str())
            .text(kind.as_str())
            .texts(external_ids)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(record_from_row::<B::Db>)
            .collect()
    }

    async fn records(&self, hotel: &HotelId, kind: RecordKind) -> Result<Vec<SealedRecord>, SyncError> {
        Stmt::<B::Db>::of(&RECORDS)
            .text(hotel.as_str())
            .text(kind.as_str())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(record_from_row::<B::Db>)
            .collect()
    }
}

fn record_key(record: &SealedRecord) -> (&str, RecordKind, &str) {
    (record.hotel.as_str(), record.kind, record.external_id.as_str())
}

fn record_from_row<D: Dialect>(row: &D::Row) -> Result<SealedRecord, SyncError> {
    const WHAT: &str = "mirrored record";
    let cols = Cols::<D>::of(row, WHAT);
    Ok(SealedRecord {
        hotel: cols.hotel()?,
        kind: RecordKind::parse(&cols.text("kind")?).ok_or_else(|| super::corrupt(WHAT, "kind"))?,
        external_id: cols.text("external_id")?,
        fingerprint: cols.text("fingerprint")?,
        key_id: cols.text("key_id")?,
        sealed: cols.bytes("sealed")?,
        updated_at: cols.opt_instant("updated_at")?,
    })
}
