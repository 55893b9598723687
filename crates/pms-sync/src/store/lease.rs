//! Leases: who syncs a hotel, and what happens to a lease its holder left behind.
//!
//! A lease is held by a worker *name* and, beside it, the *instance* id of the
//! process that took it. The name is stable across restarts (an operator sets
//! `PMS_WORKER_NAME`, or the CLI derives one from the host); the instance is new
//! in every process. Both stores decide with [`decide`], so they cannot drift apart.

use chrono::{DateTime, Utc};

/// Who asks for (or gives up) a lease.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseOwner {
    /// The worker's name: the same after a restart.
    pub name: String,
    /// This process's id (a fresh UUID per process): tells a previous run of the
    /// same worker, or a second live process wrongly given the same name, apart.
    pub instance: String,
}

impl LeaseOwner {
    /// An owner called `name` with a fresh random instance id.
    pub fn new(name: impl Into<String>) -> Self {
        LeaseOwner {
            name: name.into(),
            instance: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// Who holds a lease, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    /// The holder's worker name.
    pub owner: String,
    /// The holder's instance id.
    pub instance: String,
    /// When the lease lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// Whether [`crate::store::LeaseStore::lease_acquire`] may take a live lease held under the
/// caller's own name by another instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBack {
    /// Yes: it was left by an earlier run of this worker (a crash, `kill -9`,
    /// a stop that could not release it), so waiting for its expiry would only
    /// leave the hotel unsynced. A worker asks this for a lease it does not hold yet.
    OwnName,
    /// No: only take a free or expired lease, or renew one this instance holds.
    /// A worker asks this for a lease it held on its previous pass: if another
    /// instance of its name holds it now, two live processes share the name.
    Never,
}

/// What [`crate::store::LeaseStore::lease_acquire`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseGrant {
    /// The lease was free or expired; the caller holds it now.
    Acquired,
    /// The caller's instance held it; renewed.
    Renewed,
    /// Another instance of the caller's name held it live; the caller holds it now.
    TakenBack {
        /// Who held it.
        previous: LeaseHolder,
    },
    /// Someone else holds it live; nothing changed.
    Held(LeaseHolder),
}

impl LeaseGrant {
    /// Whether the caller holds the lease after the call.
    pub fn granted(&self) -> bool {
        !matches!(self, LeaseGrant::Held(_))
    }
}

/// Decides a lease request against the current holder (read under the row's
/// lock), so that both stores apply one rule.
pub(crate) fn decide(
    current: Option<LeaseHolder>,
    owner: &LeaseOwner,
    take_back: TakeBack,
    now: DateTime<Utc>,
) -> LeaseGrant {
    match current {
        None => LeaseGrant::Acquired,
        Some(holder) if holder.expires_at <= now => LeaseGrant::Acquired,
        Some(holder) if holder.owner == owner.name && holder.instance == owner.instance => {
            LeaseGrant::Renewed
        }
        Some(holder) if holder.owner == owner.name && take_back == TakeBack::OwnName => {
            LeaseGrant::TakenBack { previous: holder }
        }
        Some(holder) => LeaseGrant::Held(holder),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn holder(owner: &str, instance: &str, until: i64) -> Option<LeaseHolder> {
        Some(LeaseHolder {
            owner: owner.into(),
            instance: instance.into(),
            expires_at: at(until),
        })
    }

    #[test]
    fn one_rule_for_every_holder() {
        let me = LeaseOwner {
            name: "w".into(),
            instance: "i1".into(),
        };
        let own = TakeBack::OwnName;
        let never = TakeBack::Never;
        assert_eq!(decide(None, &me, never, at(0)), LeaseGrant::Acquired);
        assert_eq!(
            decide(holder("x", "i9", 10), &me, never, at(10)),
            LeaseGrant::Acquired
        );
        assert_eq!(
            decide(holder("w", "i1", 10), &me, never, at(5)),
            LeaseGrant::Renewed
        );
        assert_eq!(
            decide(holder("w", "i0", 10), &me, own, at(5)),
            LeaseGrant::TakenBack {
                previous: holder("w", "i0", 10).unwrap()
            }
        );
        assert!(!decide(holder("w", "i0", 10), &me, never, at(5)).granted());
        assert!(!decide(holder("x", "i1", 10), &me, own, at(5)).granted());
    }
}
