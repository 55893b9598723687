//! [`LeaseStore`] on any [`Backend`]: the holder is read and the decision
//! ([`decide`]) written in one transaction. On PostgreSQL the holder's row is
//! read `FOR UPDATE`, so concurrent workers queue on it; a lease that does
//! not exist yet has no row to lock, so it is inserted with
//! `ON CONFLICT DO NOTHING`, and a caller that loses that race reads the
//! winner's row (now locked by it) and decides again. On SQLite the write
//! transaction (`BEGIN IMMEDIATE`) holds the database's one write lock, so
//! two handles on one file cannot both take a lease.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, Cols, Sql, Stmt, deadline};
use crate::SyncError;
use crate::store::LeaseStore;
use crate::store::lease::{LeaseGrant, LeaseHolder, LeaseOwner, TakeBack, decide};

static HOLDER: Sql = Sql::new("SELECT owner, instance, expires_at FROM leases WHERE name = $1 {for update}");

static TAKE: Sql = Sql::new("UPDATE leases SET owner = $2, instance = $3, expires_at = $4 WHERE name = $1");

static CREATE: Sql = Sql::new(
    "INSERT INTO leases (name, owner, instance, expires_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (name) DO NOTHING",
);

static RELEASE: Sql = Sql::new("DELETE FROM leases WHERE name = $1 AND owner = $2 AND instance = $3");

/// Decisions per call: the first may lose an insert race, the second cannot
/// (the row exists then, and a row is never deleted while locked by us).
const ROUNDS: usize = 3;

#[async_trait]
impl<B: Backend> LeaseStore for B {
    async fn lease_acquire(
        &self,
        name: &str,
        owner: &LeaseOwner,
        take_back: TakeBack,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseGrant, SyncError> {
        let expires_at = deadline(now, ttl)?;
        for _ in 0..ROUNDS {
            let mut tx = self.write_tx().await?;
            let current = Stmt::<B::Db>::of(&HOLDER)
                .text(name)
                .fetch_optional(&mut tx)
                .await?
                .map(|row| {
                    let cols = Cols::<B::Db>::of(&row, "lease");
                    Ok::<_, SyncError>(LeaseHolder {
                        owner: cols.text("owner")?,
                        instance: cols.text("instance")?,
                        expires_at: cols.instant("expires_at")?,
                    })
                })
                .transpose()?;
            let exists = current.is_some();
            let grant = decide(current, owner, take_back, now);
            if !grant.granted() {
                tx.commit().await?;
                return Ok(grant);
            }
            let written = Stmt::<B::Db>::of(if exists { &TAKE } else { &CREATE })
                .text(name)
                .text(&owner.name)
                .text(&owner.instance)
                .instant(expires_at)
                .execute(&mut tx)
                .await?;
            if written == 1 {
                tx.commit().await?;
                return Ok(grant);
            }
            // Someone inserted the lease between our read and our insert: decide again.
            tx.rollback().await?;
        }
        Err(SyncError::Store(format!(
            "lease {name}: still contended after {ROUNDS} attempts"
        )))
    }

    async fn lease_release(&self, name: &str, owner: &LeaseOwner) -> Result<(), SyncError> {
        Stmt::<B::Db>::of(&RELEASE)
            .text(name)
            .text(&owner.name)
            .text(&owner.instance)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
