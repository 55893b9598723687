//! Leases on SQLite: read the holder and write the decision inside one
//! `BEGIN IMMEDIATE` transaction, so two handles on one file cannot both take
//! a lease (SQLite's single write lock serialises them).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{SqliteStore, get, instant, micros};
use crate::SyncError;
use crate::store::lease::{LeaseGrant, LeaseHolder, LeaseOwner, TakeBack, decide};
use crate::store::sql;

impl SqliteStore {
    pub(super) async fn lease_acquire_impl(
        &self,
        name: &str,
        owner: &LeaseOwner,
        take_back: TakeBack,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseGrant, SyncError> {
        let expires_at = sql::deadline(now, ttl)?;
        let mut tx = self.write_tx().await?;
        let current = sqlx::query("SELECT owner, instance, expires_at FROM leases WHERE name = ?1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| {
                Ok::<_, SyncError>(LeaseHolder {
                    owner: get(&row, "owner", "lease")?,
                    instance: get(&row, "instance", "lease")?,
                    expires_at: instant(get(&row, "expires_at", "lease")?, "lease")?,
                })
            })
            .transpose()?;
        let grant = decide(current, owner, take_back, now);
        if grant.granted() {
            sqlx::query(
                "INSERT INTO leases (name, owner, instance, expires_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, \
                 instance = excluded.instance, expires_at = excluded.expires_at",
            )
            .bind(name)
            .bind(&owner.name)
            .bind(&owner.instance)
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(grant)
    }

    pub(super) async fn lease_release_impl(&self, name: &str, owner: &LeaseOwner) -> Result<(), SyncError> {
        sqlx::query("DELETE FROM leases WHERE name = ?1 AND owner = ?2 AND instance = ?3")
            .bind(name)
            .bind(&owner.name)
            .bind(&owner.instance)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
