//! Whether the store is answering, as the worker and the webhook receiver see it.
//!
//! A store outage (PostgreSQL restarting, a network blip, a full disk) is
//! transient for a long-running service: the worker backs off and tries again,
//! the receiver answers `503` with `Retry-After` so vendors redeliver later, and
//! this tracker is what health checks and metrics report meanwhile.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The store's state as last observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    /// `false` from the first failed call until the next successful one.
    pub up: bool,
    /// Failed calls since the last success.
    pub consecutive_failures: u32,
    /// When the current outage began (the first failure after a success).
    pub down_since: Option<DateTime<Utc>>,
    /// The last failure: when, who saw it (`worker` or `receiver`) and the
    /// store's error (store errors carry no PMS data).
    pub last_failure: Option<(DateTime<Utc>, &'static str, String)>,
    /// The last successful call.
    pub last_success: Option<DateTime<Utc>>,
}

/// Shared between a [`crate::Worker`] and the webhook receiver of one process.
#[derive(Debug)]
pub struct StoreHealth {
    state: Mutex<StoreStatus>,
}

impl Default for StoreHealth {
    fn default() -> Self {
        StoreHealth::new()
    }
}

impl StoreHealth {
    /// A tracker that assumes the store is up until a call fails.
    pub fn new() -> Self {
        StoreHealth {
            state: Mutex::new(StoreStatus {
                up: true,
                ..StoreStatus::default()
            }),
        }
    }

    /// A call succeeded at `at`.
    pub fn success(&self, at: DateTime<Utc>) {
        let mut s = self.lock();
        if !s.up {
            tracing::info!(failures = s.consecutive_failures, "store answers again");
        }
        s.up = true;
        s.consecutive_failures = 0;
        s.down_since = None;
        s.last_success = Some(at);
        metrics::gauge!("pms_sync_store_up").set(1.0);
    }

    /// A call by `who` (`worker` or `receiver`) failed at `at`.
    pub fn failure(&self, at: DateTime<Utc>, who: &'static str, error: &str) {
        let mut s = self.lock();
        if s.up {
            s.down_since = Some(at);
        }
        s.up = false;
        s.consecutive_failures = s.consecutive_failures.saturating_add(1);
        s.last_failure = Some((at, who, error.to_owned()));
        metrics::gauge!("pms_sync_store_up").set(0.0);
        metrics::counter!("pms_sync_store_errors_total", "source" => who).increment(1);
    }

    /// The current state.
    pub fn snapshot(&self) -> StoreStatus {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StoreStatus> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_outage_is_counted_from_its_first_failure_until_a_success() {
        let at = |s: i64| {
            Utc.timestamp_opt(1_800_000_000 + s, 0)
                .single()
                .unwrap_or_default()
        };
        let health = StoreHealth::new();
        assert!(health.snapshot().up);
        health.failure(at(1), "worker", "connection refused");
        health.failure(at(2), "receiver", "connection refused");
        let down = health.snapshot();
        assert!(!down.up);
        assert_eq!(down.consecutive_failures, 2);
        assert_eq!(down.down_since, Some(at(1)));
        assert_eq!(down.last_failure.map(|f| (f.0, f.1)), Some((at(2), "receiver")));
        health.success(at(3));
        let up = health.snapshot();
        assert!(up.up);
        assert_eq!((up.consecutive_failures, up.down_since), (0, None));
        assert_eq!(up.last_success, Some(at(3)));
    }
}
