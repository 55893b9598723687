//! [`InboxStore`] on any [`Backend`]: the webhook inbox.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::HotelId;

use super::{Backend, Cols, Dialect, MultiRow, ROW_OVERHEAD, Sql, Stmt, key_order};
use crate::SyncError;
use crate::store::{InboxCounts, InboxEntry, InboxEvent, InboxFailure, InboxRedrive, InboxStore};

macro_rules! inbox_entry_columns {
    () => {
        "seq, hotel, event_id, payload, received_at, attempts, last_attempt_at, next_attempt_at, \
         last_error, dead_at"
    };
}

/// Inserts inbox events unless an unprocessed one with the id is there, and
/// names those it inserted (a skipped row returns nothing).
static INSERT_INBOX: MultiRow = MultiRow::new(
    "INSERT INTO inbox (hotel, event_id, payload, received_at)",
    4,
    "ON CONFLICT DO NOTHING RETURNING hotel, event_id",
);

static PURGE: Sql = Sql::new("DELETE FROM inbox WHERE processed = {true} AND received_at < $1");

static PENDING: Sql = Sql::new(
    "SELECT seq, hotel, event_id, payload, received_at FROM inbox \
     WHERE hotel = $1 AND processed = {false} AND dead_at IS NULL ORDER BY seq LIMIT $2",
);

static DUE: Sql = Sql::new(concat!(
    "SELECT ",
    inbox_entry_columns!(),
    " FROM inbox WHERE hotel = $1 AND processed = {false} AND dead_at IS NULL \
      AND (next_attempt_at IS NULL OR next_attempt_at <= $2) ORDER BY seq LIMIT $3"
));

static FAILED: Sql = Sql::new(
    "UPDATE inbox SET attempts = attempts + 1, last_attempt_at = $2, last_error = $3, \
     next_attempt_at = $4, dead_at = CASE WHEN $4::timestamptz IS NULL THEN $2 ELSE NULL END \
     WHERE seq = $1 AND processed = {false} AND dead_at IS NULL",
);

static DEAD: Sql = Sql::new(concat!(
    "SELECT ",
    inbox_entry_columns!(),
    " FROM inbox WHERE processed = {false} AND dead_at IS NOT NULL AND ($1::text IS NULL OR hotel = $1) \
      ORDER BY seq LIMIT $2"
));

/// Redrive, first step: a dead letter whose entity already has a newer
/// pending hint is marked processed (that hint re-reads the entity).
static REDRIVE_MERGE: Sql = Sql::new(
    "UPDATE inbox SET processed = {true} \
     WHERE seq = $1 AND processed = {false} AND dead_at IS NOT NULL AND EXISTS (SELECT 1 FROM inbox AS p \
     WHERE p.hotel = inbox.hotel AND p.event_id = inbox.event_id AND p.processed = {false} \
     AND p.dead_at IS NULL)",
);

/// Redrive, second step: the dead letter is pending again, due at once,
/// with a fresh attempt budget (its last error is kept for the record).
static REDRIVE_REQUEUE: Sql = Sql::new(
    "UPDATE inbox SET dead_at = NULL, attempts = 0, next_attempt_at = NULL \
     WHERE seq = $1 AND processed = {false} AND dead_at IS NOT NULL",
);

static DISCARD: Sql = Sql::new(
    "UPDATE inbox SET processed = {true} WHERE seq = $1 AND processed = {false} AND dead_at IS NOT NULL",
);

static COUNTS: Sql = Sql::new(
    "SELECT count(*) FILTER (WHERE dead_at IS NULL) AS pending, \
     count(*) FILTER (WHERE dead_at IS NULL AND attempts > 0) AS retrying, \
     count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead \
     FROM inbox WHERE hotel = $1 AND processed = {false}",
);

/// Tries of a redrive: the first may meet a hint stored between its two steps.
const REDRIVE_ROUNDS: usize = 2;

#[async_trait]
impl<B: Backend> InboxStore for B {
    async fn inbox_push(&self, event: &InboxEvent) -> Result<bool, SyncError> {
        let text = INSERT_INBOX.single(<B::Db as Dialect>::FLAVOR);
        let inserted = bind_event(Stmt::<B::Db>::text_of(text), event)
            .fetch_optional(self.pool())
            .await?;
        Ok(inserted.is_some())
    }

    async fn inbox_push_many(&self, events: &[InboxEvent]) -> Result<Vec<bool>, SyncError> {
        // Of two events with one id in a batch, the first is stored and the
        // second would conflict with it: only first occurrences are sent, and
        // the rows the insert returns name the ones that were new.
        let mut position = HashMap::with_capacity(events.len());
        let mut sent = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            if let Entry::Vacant(slot) = position.entry((event.hotel.as_str(), event.event_id.as_str())) {
                slot.insert(i);
                sent.push(event);
            }
        }
        let mut fresh = vec![false; events.len()];
        let mut tx = self.pool().begin().await?;
        for (range, text) in INSERT_INBOX.chunks(<B::Db as Dialect>::FLAVOR, sent.len()) {
            let mut stmt = Stmt::<B::Db>::text_of(text);
            for event in &sent[range] {
                stmt = bind_event(stmt, event);
            }
            for row in stmt.fetch_all(&mut tx).await? {
                let cols = Cols::<B::Db>::of(&row, "inbox event");
                let (hotel, event_id) = (cols.text("hotel")?, cols.text("event_id")?);
                if let Some(&i) = position.get(&(hotel.as_str(), event_id.as_str())) {
                    fresh[i] = true;
                }
            }
        }
        tx.commit().await?;
        self.wrote(|| {
            sent.iter()
                .map(|e| e.payload.to_string().len() + e.event_id.len() + ROW_OVERHEAD)
                .sum()
        });
        Ok(fresh)
    }

    async fn inbox_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError> {
        Ok(Stmt::<B::Db>::of(&PURGE)
            .instant(before)
            .execute(self.pool())
            .await?)
    }

    async fn inbox_pending(&self, hotel: &HotelId, limit: u32) -> Result<Vec<InboxEvent>, SyncError> {
        Stmt::<B::Db>::of(&PENDING)
            .text(hotel.as_str())
            .int(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| event_from_row(&Cols::<B::Db>::of(row, "inbox event")))
            .collect()
    }

    async fn inbox_due(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<InboxEntry>, SyncError> {
        Stmt::<B::Db>::of(&DUE)
            .text(hotel.as_str())
            .instant(now)
            .int(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(entry_from_row::<B::Db>)
            .collect()
    }

    async fn inbox_failed(&self, failures: &[InboxFailure]) -> Result<(), SyncError> {
        if failures.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for failure in key_order(failures, |f| f.seq) {
            Stmt::<B::Db>::of(&FAILED)
                .int(failure.seq)
                .instant(failure.at)
                .text(&failure.error)
                .opt_instant(failure.retry_at)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn inbox_dead(&self, hotel: Option<&HotelId>, limit: u32) -> Result<Vec<InboxEntry>, SyncError> {
        Stmt::<B::Db>::of(&DEAD)
            .opt_text(hotel.map(HotelId::as_str))
            .int(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(entry_from_row::<B::Db>)
            .collect()
    }

    async fn inbox_redrive(&self, seq: i64) -> Result<Option<InboxRedrive>, SyncError> {
        // On PostgreSQL a receiver may store a new hint for the same entity
        // between the two steps; the requeue then violates the dedupe index,
        // and the merge is tried again (it now finds that hint). On SQLite the
        // write lock keeps any hint out until the commit.
        for _ in 0..REDRIVE_ROUNDS {
            let mut tx = self.write_tx().await?;
            let merged = Stmt::<B::Db>::of(&REDRIVE_MERGE)
                .int(seq)
                .execute(&mut tx)
                .await?;
            if merged == 1 {
                tx.commit().await?;
                return Ok(Some(InboxRedrive::Merged));
            }
            match Stmt::<B::Db>::of(&REDRIVE_REQUEUE)
                .int(seq)
                .execute(&mut tx)
                .await
            {
                Ok(requeued) => {
                    tx.commit().await?;
                    return Ok((requeued == 1).then_some(InboxRedrive::Requeued));
                }
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => tx.rollback().await?,
                Err(err) => return Err(err.into()),
            }
        }
        Err(SyncError::Store(format!(
            "inbox event {seq} could be neither requeued nor merged"
        )))
    }

    async fn inbox_discard(&self, seq: i64) -> Result<bool, SyncError> {
        Ok(Stmt::<B::Db>::of(&DISCARD).int(seq).execute(self.pool()).await? == 1)
    }

    async fn inbox_counts(&self, hotel: &HotelId) -> Result<InboxCounts, SyncError> {
        let row = Stmt::<B::Db>::of(&COUNTS)
            .text(hotel.as_str())
            .fetch_one(self.pool())
            .await?;
        let cols = Cols::<B::Db>::of(&row, "inbox counts");
        Ok(InboxCounts {
            pending: cols.total("pending")?,
            retrying: cols.total("retrying")?,
            dead: cols.total("dead")?,
        })
    }
}

/// Binds one row of [`INSERT_INBOX`].
fn bind_event<D: Dialect>(stmt: Stmt<D>, event: &InboxEvent) -> Stmt<D> {
    stmt.text(event.hotel.as_str())
        .text(&event.event_id)
        .json(&event.payload)
        .instant(event.received_at)
}

fn event_from_row<D: Dialect>(cols: &Cols<'_, D>) -> Result<InboxEvent, SyncError> {
    Ok(InboxEvent {
        seq: cols.int("seq")?,
        hotel: cols.hotel()?,
        event_id: cols.text("event_id")?,
        payload: cols.json("payload")?,
        received_at: cols.instant("received_at")?,
    })
}

fn entry_from_row<D: Dialect>(row: &D::Row) -> Result<InboxEntry, SyncError> {
    let cols = Cols::<D>::of(row, "inbox event");
    Ok(InboxEntry {
        event: event_from_row(&cols)?,
        attempts: cols.count("attempts")?,
        last_attempt_at: cols.opt_instant("last_attempt_at")?,
        next_attempt_at: cols.opt_instant("next_attempt_at")?,
        last_error: cols.opt_text("last_error")?,
        dead_at: cols.opt_instant("dead_at")?,
    })
}
