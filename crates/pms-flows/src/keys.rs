//! Digital keys: the [`KeyService`] trait a lock vendor implements, and the
//! durable record of which keys a stay holds (kept in the audit log, so a
//! restart forgets nothing).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{RoomNumber, VendorId};
use pms_sync::AuditAction;
use pms_sync::store::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::context::{FlowContext, derive_uuid};
use crate::notify::Notification;
use crate::{FlowError, KeyError};

/// A digital key's id: derived from the hotel, the reservation and the key's
/// index, so issuing the keys of a stay twice names the same keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub Uuid);

impl KeyId {
    /// The id of key number `index` of a stay.
    pub fn derive(ctx: &FlowContext, reservation: &VendorId, index: u8) -> KeyId {
        KeyId(derive_uuid(&[
            "key",
            ctx.hotel.as_str(),
            ctx.client.kind().as_str(),
            reservation.as_str(),
            &index.to_string(),
        ]))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What a lock system needs to issue a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGrant {
    /// The key.
    pub key_id: KeyId,
    /// The stay, in the PMS.
    pub reservation: VendorId,
    /// The room it opens.
    pub room: RoomNumber,
    /// From when it opens.
    pub valid_from: DateTime<Utc>,
    /// Until when it opens.
    pub valid_until: DateTime<Utc>,
}

/// A digital-key system (mobile keys, encoders). Both calls must be
/// idempotent by key id: activating an active key or deactivating an
/// inactive one succeeds.
#[async_trait]
pub trait KeyService: Send + Sync + fmt::Debug {
    /// Activates a key.
    async fn activate(&self, grant: &KeyGrant) -> Result<(), KeyError>;
    /// Deactivates a key.
    async fn deactivate(&self, key_id: KeyId) -> Result<(), KeyError>;
}

const OUTCOME_DEACTIVATED: &str = "deactivated";
const OUTCOME_PENDING: &str = "pending_retry";

/// The keys of one stay, as the audit log records them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StayKeys {
    /// Every key ever activated for the stay.
    pub activated: BTreeSet<KeyId>,
    /// Keys confirmed deactivated.
    pub deactivated: BTreeSet<KeyId>,
    /// Keys whose deactivation failed and awaits a retry.
    pub pending: BTreeSet<KeyId>,
}

impl StayKeys {
    /// Keys that may still open a door.
    pub fn active(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.activated
            .iter()
            .copied()
            .filter(|k| !self.deactivated.contains(k))
    }
}

fn key_of(entry: &AuditEntry) -> Option<KeyId> {
    entry
        .entry
        .details
        .get("key_id")
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
        .map(KeyId)
}

fn fold(entries: impl IntoIterator<Item = AuditEntry>) -> BTreeMap<String, StayKeys> {
    let mut by_stay: BTreeMap<String, StayKeys> = BTreeMap::new();
    for entry in entries {
        let (Some(reservation), Some(key)) = (entry.entry.reservation.clone(), key_of(&entry)) else {
            continue;
        };
        let stay = by_stay.entry(reservation).or_default();
        if entry.entry.action == AuditAction::KeyActivated.as_str() {
            stay.activated.insert(key);
        } else if entry.entry.action == AuditAction::KeyDeactivated.as_str() {
            match entry.entry.details.get("outcome").and_then(|v| v.as_str()) {
                Some(OUTCOME_DEACTIVATED) => {
                    stay.pending.remove(&key);
                    stay.deactivated.insert(key);
                }
                Some(OUTCOME_PENDING) if !stay.deactivated.contains(&key) => {
                    stay.pending.insert(key);
                }
                _ => {}
            }
        }
    }
    by_stay
}

/// The keys of a stay, from the audit log.
pub async fn stay_keys(ctx: &FlowContext, reservation: &VendorId) -> Result<StayKeys, FlowError> {
    let mut entries = ctx
        .audit_entries(reservation.as_str(), AuditAction::KeyActivated)
        .await?;
    entries.extend(
        ctx.audit_entries(reservation.as_str(), AuditAction::KeyDeactivated)
            .await?,
    );
    entries.sort_by_key(|e| e.seq);
    Ok(fold(entries).remove(reservation.as_str()).unwrap_or_default())
}

/// Activates a key with bounded retries and audits it. Call only once the
/// PMS confirmed the check-in. A key already activated for the stay is not
/// activated again.
pub(crate) async fn activate_key(
    ctx: &FlowContext,
    keys: &dyn KeyService,
    grant: &KeyGrant,
    already: &StayKeys,
) -> Result<bool, FlowError> {
    if already.activated.contains(&grant.key_id) {
        return Ok(false);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match keys.activate(grant).await {
            Ok(()) => break,
            Err(err) if err.retryable && attempt < ctx.side_retry.max_attempts => {
                ctx.sleeper.sleep(ctx.side_retry.delay(attempt)).await;
            }
            Err(err) => {
                ctx.alert(Notification::KeyActivationFailed {
                    hotel: ctx.hotel.clone(),
                    reservation: grant.reservation.to_string(),
                    key_id: grant.key_id.0,
                })
                .await;
                return Err(FlowError::Key(err));
            }
        }
    }
    let request_id = ctx.request_id(&["key", &grant.key_id.to_string(), "activate"]);
    ctx.audit_once(
        grant.reservation.as_str(),
        AuditAction::KeyActivated,
        request_id,
        json!({
            "key_id": grant.key_id.0,
            "room": grant.room.as_str(),
            "valid_from": grant.valid_from,
            "valid_until": grant.valid_until,
            "attempts": attempt,
        }),
    )
    .await?;
    Ok(true)
}

/// What happened to one key at deactivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Deactivation {
    /// Deactivated (after this many calls).
    Done {
        /// The key.
        key_id: KeyId,
        /// Calls made.
        attempts: u32,
    },
    /// Still failing after the bounded retries: recorded as pending in the
    /// audit log and alerted; [`retry_pending_deactivations`] picks it up.
    Pending {
        /// The key.
        key_id: KeyId,
        /// Calls made.
        attempts: u32,
        /// The last error (no guest data).
        error: String,
    },
}

/// Deactivates one key with bounded retries; on failure records it pending and alerts.
pub(crate) async fn deactivate_key(
    ctx: &FlowContext,
    keys: &dyn KeyService,
    reservation: &VendorId,
    key_id: KeyId,
) -> Result<Deactivation, FlowError> {
    let mut attempt = 0;
    let last_error = loop {
        attempt += 1;
        match keys.deactivate(key_id).await {
            Ok(()) => {
                ctx.audit(
                    Some(reservation.as_str()),
                    AuditAction::KeyDeactivated,
                    Some(ctx.request_id(&["key", &key_id.to_string(), "deactivate"])),
                    json!({"key_id": key_id.0, "outcome": OUTCOME_DEACTIVATED, "attempts": attempt}),
                )
                .await?;
                return Ok(Deactivation::Done {
                    key_id,
                    attempts: attempt,
                });
            }
            Err(err) if err.retryable && attempt < ctx.side_retry.max_attempts => {
                tracing::debug!(%key_id, attempt, "key deactivation failed; retrying");
                ctx.sleeper.sleep(ctx.side_retry.delay(attempt)).await;
            }
            Err(err) => break err,
        }
    };
    tracing::warn!(%key_id, attempts = attempt, "key deactivation failed; recorded for retry");
    ctx.audit(
        Some(reservation.as_str()),
        AuditAction::KeyDeactivated,
        Some(ctx.request_id(&["key", &key_id.to_string(), "deactivate"])),
        json!({
            "key_id": key_id.0,
            "outcome": OUTCOME_PENDING,
            "attempts": attempt,
            "error": last_error.message,
        }),
    )
    .await?;
    ctx.alert(Notification::KeyDeactivationFailed {
        hotel: ctx.hotel.clone(),
        reservation: reservation.to_string(),
        key_id: key_id.0,
        attempts: attempt,
    })
    .await;
    Ok(Deactivation::Pending {
        key_id,
        attempts: attempt,
        error: last_error.message,
    })
}

/// Stays of the hotel with a key whose deactivation is pending, by vendor reservation id.
pub async fn pending_deactivations(ctx: &FlowContext) -> Result<BTreeMap<String, Vec<KeyId>>, FlowError> {
    let pending_stays: BTreeSet<String> = ctx
        .audit
        .query(&AuditFilter {
            hotel: Some(ctx.hotel.clone()),
            action: Some(AuditAction::KeyDeactivated.as_str().to_owned()),
            ..AuditFilter::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.entry.details.get("outcome").and_then(|v| v.as_str()) == Some(OUTCOME_PENDING))
        .filter_map(|e| e.entry.reservation)
        .collect();
    let mut out = BTreeMap::new();
    for stay in pending_stays {
        let id = VendorId::new(stay.clone())?;
        let keys = stay_keys(ctx, &id).await?;
        let pending: Vec<KeyId> = keys.pending.iter().copied().collect();
        if !pending.is_empty() {
            out.insert(stay, pending);
        }
    }
    Ok(out)
}

/// Retries every pending key deactivation of the hotel (run it periodically).
pub async fn retry_pending_deactivations(
    ctx: &FlowContext,
    keys: &dyn KeyService,
) -> Result<Vec<Deactivation>, FlowError> {
    let mut out = Vec::new();
    for (stay, pending) in pending_deactivations(ctx).await? {
        let reservation = VendorId::new(stay)?;
        for key_id in pending {
            out.push(deactivate_key(ctx, keys, &reservation, key_id).await?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pms_core::HotelId;
    use pms_sync::store::NewAuditEntry;

    fn entry(seq: i64, action: AuditAction, key: Uuid, outcome: Option<&str>) -> AuditEntry {
        AuditEntry {
            seq,
            entry: NewAuditEntry {
                hotel: HotelId::new("grand").unwrap_or_else(|_| unreachable!()),
                reservation: Some("r1".into()),
                action: action.as_str().into(),
                actor: "t".into(),
                request_id: None,
                details: json!({"key_id": key, "outcome": outcome}),
                at: Utc::now(),
            },
        }
    }

    #[test]
    fn a_key_is_active_until_a_confirmed_deactivation_and_pending_until_then() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let stays = fold([
            entry(1, AuditAction::KeyActivated, a, None),
            entry(2, AuditAction::KeyActivated, b, None),
            entry(3, AuditAction::KeyDeactivated, a, Some(OUTCOME_PENDING)),
            entry(4, AuditAction::KeyDeactivated, b, Some(OUTCOME_PENDING)),
            entry(5, AuditAction::KeyDeactivated, b, Some(OUTCOME_DEACTIVATED)),
        ]);
        let stay = &stays["r1"];
        assert_eq!(stay.active().collect::<Vec<_>>(), [KeyId(a)]);
        assert_eq!(stay.pending.iter().copied().collect::<Vec<_>>(), [KeyId(a)]);
    }
}
