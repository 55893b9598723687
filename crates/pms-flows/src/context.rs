//! What every flow shares: the hotel, its connector, the journal, the audit
//! log, time, and the notifier; plus deterministic ids and audit helpers.

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use pms_core::{Clock, HotelId, PmsClient, RequestId};
use pms_sync::store::AuditFilter;
use pms_sync::{AuditAction, AuditLog, AuditRecord, Sleeper, WriteJournal};
use uuid::Uuid;

use crate::FlowError;
use crate::notify::Notifier;

// Namespace of every id this crate derives; fixed forever.
const FLOW_NAMESPACE: Uuid = Uuid::from_u128(0x3f0c_9a51_7d2e_4b8a_a6c4_19e2_f05b_7d33);

/// A deterministic UUID (v5) from the parts, so a re-run derives the same ids.
pub(crate) fn derive_uuid(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&FLOW_NAMESPACE, parts.join("\u{1f}").as_bytes())
}

/// Everything a flow needs. Cheap to clone.
#[derive(Clone)]
pub struct FlowContext {
    /// The hotel.
    pub hotel: HotelId,
    /// Its PMS.
    pub client: Arc<dyn PmsClient>,
    /// The idempotent write journal every PMS write goes through.
    pub journal: Arc<WriteJournal>,
    /// The audit log.
    pub audit: AuditLog,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Waiting between retries (virtual in tests).
    pub sleeper: Arc<dyn Sleeper>,
    /// Where alerts go.
    pub notifier: Arc<dyn Notifier>,
    /// The property's time zone (business dates are civil dates in it).
    pub time_zone: Tz,
    /// Who acts, in audit entries (a service or staff id, never a guest).
    pub actor: String,
    /// Retries of side systems (keys) outside the journal.
    pub side_retry: SideRetry,
}

impl std::fmt::Debug for FlowContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowContext")
            .field("hotel", &self.hotel)
            .field("pms", &self.client.kind())
            .field("time_zone", &self.time_zone)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

/// Bounded retries for calls outside the PMS (the key system): attempts
/// with a doubling delay, slept on the injected [`Sleeper`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideRetry {
    /// Calls at most, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Largest delay.
    pub max_delay: Duration,
}

impl Default for SideRetry {
    fn default() -> Self {
        SideRetry {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl SideRetry {
    /// The wait before retry `retry` (1-based).
    pub fn delay(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(16);
        self.base_delay.saturating_mul(1 << exponent).min(self.max_delay)
    }
}

impl FlowContext {
    /// A context with the default actor (`pms-flows`) and retry settings.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hotel: HotelId,
        client: Arc<dyn PmsClient>,
        journal: Arc<WriteJournal>,
        audit: AuditLog,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
        notifier: Arc<dyn Notifier>,
        time_zone: Tz,
    ) -> Self {
        FlowContext {
            hotel,
            client,
            journal,
            audit,
            clock,
            sleeper,
            notifier,
            time_zone,
            actor: "pms-flows".to_owned(),
            side_retry: SideRetry::default(),
        }
    }

    /// The same context acting as `actor` (a staff or service id).
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// The same context with other side-system retries.
    pub fn with_side_retry(mut self, retry: SideRetry) -> Self {
        self.side_retry = retry;
        self
    }

    /// The request id of one step of one intent: the same inputs always give
    /// the same id, so running a flow twice replays instead of repeating.
    pub fn request_id(&self, parts: &[&str]) -> RequestId {
        let mut all = vec!["request", self.hotel.as_str(), self.client.kind().as_str()];
        all.extend_from_slice(parts);
        RequestId::from_uuid(derive_uuid(&all))
    }

    /// Audit entries of a reservation for one action, oldest first.
    pub(crate) async fn audit_entries(
        &self,
        reservation: &str,
        action: AuditAction,
    ) -> Result<Vec<pms_sync::store::AuditEntry>, FlowError> {
        Ok(self
            .audit
            .query(&AuditFilter {
                hotel: Some(self.hotel.clone()),
                reservation: Some(reservation.to_owned()),
                action: Some(action.as_str().to_owned()),
                ..AuditFilter::default()
            })
            .await?)
    }

    /// Appends an audit entry unless one with the same action and request id
    /// exists for the reservation: re-running a step audits it once.
    pub(crate) async fn audit_once(
        &self,
        reservation: &str,
        action: AuditAction,
        request_id: RequestId,
        details: serde_json::Value,
    ) -> Result<bool, FlowError> {
        let existing = self.audit_entries(reservation, action).await?;
        if existing.iter().any(|e| e.entry.request_id == Some(request_id)) {
            return Ok(false);
        }
        self.audit(Some(reservation), action, Some(request_id), details)
            .await?;
        Ok(true)
    }

    /// Appends an audit entry.
    pub(crate) async fn audit(
        &self,
        reservation: Option<&str>,
        action: AuditAction,
        request_id: Option<RequestId>,
        details: serde_json::Value,
    ) -> Result<i64, FlowError> {
        Ok(self
            .audit
            .record(AuditRecord {
                hotel: &self.hotel,
                reservation,
                action,
                actor: &self.actor,
                request_id,
                details,
                at: self.clock.now(),
            })
            .await?)
    }

    /// Sends a notification; a delivery failure is logged, never fatal to the flow
    /// (the durable record is the audit log).
    pub(crate) async fn alert(&self, notification: crate::notify::Notification) {
        if let Err(err) = self.notifier.notify(&notification).await {
            tracing::warn!(kind = notification.kind(), error = %err, "notification not delivered");
        }
    }
}
