//! Leases on PostgreSQL: the holder is read `FOR UPDATE` and the decision
//! written in the same transaction, so concurrent workers queue on the row. A
//! lease that does not exist yet has no row to lock: it is inserted with
//! `ON CONFLICT DO NOTHING`, and a caller that loses that race reads the
//! winner's row (now locked by it) and decides again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PostgresStore;
use crate::SyncError;
use crate::store::lease::{LeaseGrant, LeaseHolder, LeaseOwner, TakeBack, decide};
use crate::store::sql;

/// Decisions per call: the first may lose an insert race, the second cannot
/// (the row exists then, and a row is never deleted while locked by us).
const ROUNDS: usize = 3;

impl PostgresStore {
    pub(super) async fn lease_acquire_impl(
        &self,
        name: &str,
        owner: &LeaseOwner,
        take_back: TakeBack,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseGrant, SyncError> {
        let expires_at = sql::deadline(now, ttl)?;
        for _ in 0..ROUNDS {
            let mut tx = self.pool.begin().await?;
            let current =
                sqlx::query("SELECT owner, instance, expires_at FROM leases WHERE name = $1 FOR UPDATE")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| {
                        Ok::<_, SyncError>(LeaseHolder {
                            owner: row.try_get("owner")?,
                            instance: row.try_get("instance")?,
                            expires_at: row.try_get("expires_at")?,
                        })
                    })
                    .transpose()?;
            let exists = current.is_some();
            let grant = decide(current, owner, take_back, now);
            if !grant.granted() {
                tx.commit().await?;
                return Ok(grant);
            }
            let written = if exists {
                sqlx::query("UPDATE leases SET owner = $2, instance = $3, expires_at = $4 WHERE name = $1")
            } else {
                sqlx::query(
                    "INSERT INTO leases (name, owner, instance, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (name) DO NOTHING",
                )
            }
            .bind(name)
            .bind(&owner.name)
            .bind(&owner.instance)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            if written.rows_affected() == 1 {
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

    pub(super) async fn lease_release_impl(&self, name: &str, owner: &LeaseOwner) -> Result<(), SyncError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2 AND instance = $3")
            .bind(name)
            .bind(&owner.name)
            .bind(&owner.instance)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
