//! [`JournalStore`] on any [`Backend`]: the write journal. What its states
//! mean, and the SQL that says so, is `journal_rules`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};

use super::{Backend, Cols, Dialect, Sql, Stmt, corrupt, deadline};
use crate::SyncError;
use crate::store::journal_rules::{self, Found, claimable, in_doubt, settled, unclaimed};
use crate::store::{JournalBegin, JournalEntry, JournalState, JournalStore, NewJournalEntry};

macro_rules! journal_columns {
    () => {
        "request_id, hotel, operation, request_hash, sealed_request, key_id, state, outcome, \
         attempts, owner, claimed_until, created_at, updated_at"
    };
}

/// A new intent, pending and claimed; nothing when the id exists.
static BEGIN: Sql = Sql::new(concat!(
    "INSERT INTO journal (request_id, hotel, operation, request_hash, sealed_request, key_id, \
     state, attempts, owner, claimed_until, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, $9) \
     ON CONFLICT (request_id) DO NOTHING RETURNING ",
    journal_columns!()
));

/// The existing entry, locked for the claim decision: a row lock on
/// PostgreSQL; on SQLite the write transaction already holds the database.
static LOCK: Sql = Sql::new(concat!(
    "SELECT ",
    journal_columns!(),
    " FROM journal WHERE request_id = $1 {for update}"
));

/// The claim; the condition repeats `classify`'s, so the statement stays
/// correct on its own.
static CLAIM: Sql = Sql::new(concat!(
    "UPDATE journal SET state = 'pending', owner = $2, claimed_until = $3, updated_at = $4 \
     WHERE request_id = $1 AND ",
    claimable!(),
    " RETURNING ",
    journal_columns!()
));

static ATTEMPT: Sql = Sql::new(concat!(
    "UPDATE journal SET attempts = attempts + 1, updated_at = $2 WHERE request_id = $1 AND ",
    in_doubt!()
));

static SETTLE: Sql = Sql::new(concat!(
    "UPDATE journal SET state = $2, outcome = $3, owner = NULL, claimed_until = NULL, updated_at = $4 \
     WHERE request_id = $1 AND ",
    in_doubt!()
));

static STATE: Sql = Sql::new("SELECT state FROM journal WHERE request_id = $1");

static GET: Sql = Sql::new(concat!(
    "SELECT ",
    journal_columns!(),
    " FROM journal WHERE request_id = $1"
));

/// Ordered by the request id's text on both (PostgreSQL stores a UUID).
static UNSETTLED: Sql = Sql::new(concat!(
    "SELECT ",
    journal_columns!(),
    " FROM journal WHERE hotel = $1 AND ",
    unclaimed!(),
    " ORDER BY created_at, request_id::text"
));

static IN_DOUBT: Sql = Sql::new(concat!(
    "SELECT ",
    journal_columns!(),
    " FROM journal WHERE hotel = $1 AND ",
    in_doubt!(),
    " ORDER BY created_at, request_id::text"
));

static PURGE: Sql = Sql::new(concat!(
    "DELETE FROM journal WHERE ",
    settled!(),
    " AND updated_at < $1"
));

/// How often `journal_begin` inserts again after the conflicting row
/// vanished before it could be locked (a purge deleted it in between).
const BEGIN_ROUNDS: usize = 3;

#[async_trait]
impl<B: Backend> JournalStore for B {
    async fn journal_begin(&self, entry: NewJournalEntry) -> Result<JournalBegin, SyncError> {
        let claimed_until = deadline(entry.now, entry.claim_ttl)?;
        let mut tx = self.write_tx().await?;
        for _ in 0..BEGIN_ROUNDS {
            // A concurrent insert of the same id makes this wait for that
            // transaction, then do nothing: exactly one caller gets `Started`.
            let inserted = Stmt::<B::Db>::of(&BEGIN)
                .request_id(entry.request_id)
                .text(entry.hotel.as_str())
                .text(&entry.operation)
                .text(&entry.request_hash)
                .bytes(&entry.sealed_request)
                .text(&entry.key_id)
                .text(&entry.owner)
                .instant(claimed_until)
                .instant(entry.now)
                .fetch_optional(&mut tx)
                .await?;
            if let Some(row) = inserted {
                let started = journal_from_row::<B::Db>(&row)?;
                tx.commit().await?;
                return Ok(JournalBegin::Started(started));
            }
            let existing = Stmt::<B::Db>::of(&LOCK)
                .request_id(entry.request_id)
                .fetch_optional(&mut tx)
                .await?;
            let Some(existing) = existing else { continue };
            let existing = journal_from_row::<B::Db>(&existing)?;
            let outcome = match journal_rules::classify(&existing, &entry)? {
                Found::Settled => JournalBegin::Settled(existing),
                Found::Busy => JournalBegin::Busy(existing),
                Found::Claimable => {
                    let row = Stmt::<B::Db>::of(&CLAIM)
                        .request_id(entry.request_id)
                        .text(&entry.owner)
                        .instant(claimed_until)
                        .instant(entry.now)
                        .fetch_optional(&mut tx)
                        .await?;
                    match row {
                        Some(row) => JournalBegin::Resumed(journal_from_row::<B::Db>(&row)?),
                        None => JournalBegin::Busy(existing),
                    }
                }
            };
            tx.commit().await?;
            return Ok(outcome);
        }
        Err(SyncError::Store(format!(
            "journal entry {} kept vanishing during journal_begin",
            entry.request_id
        )))
    }

    async fn journal_attempt(&self, request_id: RequestId, now: DateTime<Utc>) -> Result<(), SyncError> {
        let mut tx = self.write_tx().await?;
        let done = Stmt::<B::Db>::of(&ATTEMPT)
            .request_id(request_id)
            .instant(now)
            .execute(&mut tx)
            .await?;
        if done == 0 {
            let state = journal_state(&mut tx, request_id).await?;
            return Err(journal_rules::attempt_refused(request_id, state));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn journal_settle(
        &self,
        request_id: RequestId,
        state: JournalState,
        outcome: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        journal_rules::check_settle_state(request_id, state)?;
        let mut tx = self.write_tx().await?;
        let done = Stmt::<B::Db>::of(&SETTLE)
            .request_id(request_id)
            .text(state.as_str())
            .json(&outcome)
            .instant(now)
            .execute(&mut tx)
            .await?;
        if done == 0 {
            let current = journal_state(&mut tx, request_id).await?;
            journal_rules::settle_refused(request_id, current, state)?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn journal_get(&self, request_id: RequestId) -> Result<Option<JournalEntry>, SyncError> {
        Stmt::<B::Db>::of(&GET)
            .request_id(request_id)
            .fetch_optional(self.pool())
            .await?
            .map(|row| journal_from_row::<B::Db>(&row))
            .transpose()
    }

    async fn journal_unsettled(
        &self,
        hotel: &HotelId,
        now: DateTime<Utc>,
    ) -> Result<Vec<JournalEntry>, SyncError> {
        Stmt::<B::Db>::of(&UNSETTLED)
            .text(hotel.as_str())
            .instant(now)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(journal_from_row::<B::Db>)
            .collect()
    }

    async fn journal_in_doubt(&self, hotel: &HotelId) -> Result<Vec<JournalEntry>, SyncError> {
        Stmt::<B::Db>::of(&IN_DOUBT)
            .text(hotel.as_str())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(journal_from_row::<B::Db>)
            .collect()
    }

    async fn journal_purge(&self, before: DateTime<Utc>) -> Result<u64, SyncError> {
        Ok(Stmt::<B::Db>::of(&PURGE)
            .instant(before)
            .execute(self.pool())
            .await?)
    }
}

/// The state of a journal entry inside `tx`, `None` if there is no such entry.
async fn journal_state<D: Dialect>(
    tx: &mut sqlx::Transaction<'static, D>,
    request_id: RequestId,
) -> Result<Option<JournalState>, SyncError> {
    const WHAT: &str = "journal entry";
    let Some(row) = Stmt::<D>::of(&STATE)
        .request_id(request_id)
        .fetch_optional(tx)
        .await?
    else {
        return Ok(None);
    };
    let state = Cols::<D>::of(&row, WHAT).text("state")?;
    JournalState::parse(&state)
        .map(Some)
        .ok_or_else(|| corrupt(WHAT, "state"))
}

fn journal_from_row<D: Dialect>(row: &D::Row) -> Result<JournalEntry, SyncError> {
    const WHAT: &str = "journal entry";
    let cols = Cols::<D>::of(row, WHAT);
    Ok(JournalEntry {
        request_id: cols.request_id("request_id")?,
        hotel: cols.hotel()?,
        operation: cols.text("operation")?,
        request_hash: cols.text("request_hash")?,
        sealed_request: cols.bytes("sealed_request")?,
        key_id: cols.text("key_id")?,
        state: JournalState::parse(&cols.text("state")?).ok_or_else(|| corrupt(WHAT, "state"))?,
        outcome: cols.opt_json("outcome")?,
        attempts: cols.count("attempts")?,
        owner: cols.opt_text("owner")?,
        claimed_until: cols.opt_instant("claimed_until")?,
        created_at: cols.instant("created_at")?,
        updated_at: cols.instant("updated_at")?,
    })
}
