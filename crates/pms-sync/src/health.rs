//! Per-connector health: last success, last webhook, error rate, lag, circuit.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use pms_core::{ErrorKind, PmsKind};
use serde::Serialize;

/// Consecutive failures that open the circuit.
const CIRCUIT_THRESHOLD: u32 = 5;

/// A connector's health as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncHealth {
    /// The vendor.
    pub pms: PmsKind,
    /// `healthy`, `degraded` or `down`.
    pub status: HealthStatus,
    /// Last successful PMS call.
    pub last_success: Option<DateTime<Utc>>,
    /// Last failed PMS call, and its kind.
    pub last_failure: Option<(DateTime<Utc>, ErrorKind)>,
    /// Last webhook applied.
    pub last_webhook: Option<DateTime<Utc>>,
    /// Calls and failures counted so far.
    pub calls: u64,
    /// Failed calls.
    pub failures: u64,
    /// Failures in a row (the circuit opens at 5).
    pub consecutive_failures: u32,
    /// How far the reservations cursor trails now, in seconds, at the last poll.
    pub lag_seconds: Option<i64>,
    /// Whether calls are being refused locally until the PMS recovers.
    pub circuit_open: bool,
    /// Records and ranges the last reconcile pass could not verify (its reads
    /// failed after retries); `None` before the first pass. Non-zero means degraded.
    pub reconcile_unverified: Option<usize>,
    /// Webhook events of this hotel waiting for another attempt after a
    /// failed re-read, as of the last drain; `None` before the first.
    pub inbox_retrying: Option<u64>,
    /// Webhook events of this hotel dead-lettered (every allowed re-read
    /// failed), as of the last drain; `None` before the first. Non-zero
    /// means degraded: `pms inbox dead` lists them.
    pub inbox_dead: Option<u64>,
}

/// Overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Calls succeed.
    Healthy,
    /// Some calls fail, or the PMS is throttling us.
    Degraded,
    /// Calls keep failing (circuit open) or credentials are rejected.
    Down,
}

/// Counts outcomes of PMS calls.
#[derive(Debug)]
pub struct HealthTracker {
    state: Mutex<SyncHealth>,
}

impl HealthTracker {
    /// A tracker for a `pms` connector with nothing observed yet.
    pub fn new(pms: PmsKind) -> Self {
        HealthTracker {
            state: Mutex::new(SyncHealth {
                pms,
                status: HealthStatus::Healthy,
                last_success: None,
                last_failure: None,
                last_webhook: None,
                calls: 0,
                failures: 0,
                consecutive_failures: 0,
                lag_seconds: None,
                circuit_open: false,
                reconcile_unverified: None,
                inbox_retrying: None,
                inbox_dead: None,
            }),
        }
    }

    /// Records the outcome of a call and passes it through.
    pub fn observe<T>(
        &self,
        result: Result<T, pms_core::Error>,
        at: DateTime<Utc>,
    ) -> Result<T, pms_core::Error> {
        if let Ok(mut s) = self.state.lock() {
            s.calls += 1;
            match &result {
                Ok(_) => {
                    s.last_success = Some(at);
                    s.consecutive_failures = 0;
                }
                // A missing record is an answer, not a failure of the connector.
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    s.last_success = Some(at);
                    s.consecutive_failures = 0;
                }
                Err(err) => {
                    s.failures += 1;
                    s.consecutive_failures += 1;
                    s.last_failure = Some((at, err.kind()));
                    metrics::counter!("pms_sync_pms_errors_total", "pms" => s.pms.as_str(), "kind" => format!("{:?}", err.kind())).increment(1);
                }
            }
            s.circuit_open = s.consecutive_failures >= CIRCUIT_THRESHOLD;
            s.status = status_of(&s);
        }
        result
    }

    /// Records an applied webhook.
    pub fn webhook_seen(&self, at: DateTime<Utc>) {
        if let Ok(mut s) = self.state.lock() {
            s.last_webhook = Some(s.last_webhook.map_or(at, |prev| prev.max(at)));
        }
    }

    /// Records the cursor's lag behind now.
    pub fn set_lag(&self, lag: chrono::Duration) {
        if let Ok(mut s) = self.state.lock() {
            s.lag_seconds = Some(lag.num_seconds());
            metrics::gauge!("pms_sync_lag_seconds", "pms" => s.pms.as_str()).set(lag.num_seconds() as f64);
        }
    }

    /// Records how many records / ranges the last reconcile pass left unverified.
    pub fn set_reconcile_unverified(&self, unverified: usize) {
        if let Ok(mut s) = self.state.lock() {
            s.reconcile_unverified = Some(unverified);
            s.status = status_of(&s);
            metrics::gauge!("pms_sync_reconcile_unverified", "pms" => s.pms.as_str()).set(unverified as f64);
        }
    }

    /// Records the hotel's inbox counts: events retrying and dead-lettered.
    pub fn set_inbox(&self, retrying: u64, dead: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.inbox_retrying = Some(retrying);
            s.inbox_dead = Some(dead);
            s.status = status_of(&s);
        }
    }

    /// The current health.
    pub fn snapshot(&self) -> Option<SyncHealth> {
        self.state.lock().ok().map(|s| s.clone())
    }
}

fn status_of(s: &SyncHealth) -> HealthStatus {
    let auth_failing = matches!(s.last_failure, Some((_, ErrorKind::Auth))) && s.consecutive_failures > 0;
    if s.circuit_open || auth_failing {
        HealthStatus::Down
    } else if s.consecutive_failures > 0
        || s.reconcile_unverified.is_some_and(|n| n > 0)
        || s.inbox_dead.is_some_and(|n| n > 0)
    {
        HealthStatus::Degraded
    } else {
        HealthStatus::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_repeated_failures_and_closes_on_success() {
        let tracker = HealthTracker::new(PmsKind::Mews);
        let at = Utc::now();
        for _ in 0..4 {
            let _ = tracker.observe::<()>(Err(pms_core::Error::transient("503")), at);
        }
        assert_eq!(tracker.snapshot().unwrap().status, HealthStatus::Degraded);
        let _ = tracker.observe::<()>(Err(pms_core::Error::transient("503")), at);
        let snapshot = tracker.snapshot().unwrap();
        assert!(snapshot.circuit_open);
        assert_eq!(snapshot.status, HealthStatus::Down);
        let _ = tracker.observe(Ok(()), at);
        let snapshot = tracker.snapshot().unwrap();
        assert_eq!(
            (snapshot.status, snapshot.calls, snapshot.failures),
            (HealthStatus::Healthy, 6, 5)
        );
    }

    #[test]
    fn auth_failures_mean_down_and_not_found_is_healthy() {
        let tracker = HealthTracker::new(PmsKind::Cloudbeds);
        let at = Utc::now();
        let _ = tracker.observe::<()>(Err(pms_core::Error::not_found("reservation 1")), at);
        assert_eq!(tracker.snapshot().unwrap().status, HealthStatus::Healthy);
        let auth = pms_core::Error::Auth {
            message: "invalid token".into(),
            vendor_request_id: None,
        };
        let _ = tracker.observe::<()>(Err(auth), at);
        assert_eq!(tracker.snapshot().unwrap().status, HealthStatus::Down);
    }
}
