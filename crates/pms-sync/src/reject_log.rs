//! Rate-limited warnings for rejected webhook deliveries.
//!
//! A misconfigured vendor (a rotated token not updated on our side) or a
//! scanner sends the same bad request over and over; one warn line each
//! would flood the logs of a fleet and bury everything else. So each
//! (hotel, reason) pair logs at most one line per interval, and that line says
//! how many were suppressed since the previous one. Every rejection is still
//! counted by the `pms_sync_webhook_rejected_total` metric, which is where
//! alerting should look; the log line is for a human finding the cause.
//! The key set is bounded: hotels are the configured ones (unknown hotels are
//! answered 404 before anything is logged) and reasons are a fixed list.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_core::HotelId;

/// Interval of the receiver's rejection warnings by default.
pub const DEFAULT_REJECT_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// One warn line per key per interval.
#[derive(Debug)]
pub(crate) struct RejectLog {
    every: chrono::Duration,
    windows: Mutex<HashMap<(HotelId, &'static str), Window>>,
}

#[derive(Debug)]
struct Window {
    /// When the last line for this key was written.
    logged_at: DateTime<Utc>,
    /// Rejections not logged since then.
    suppressed: u64,
}

impl RejectLog {
    pub(crate) fn new(every: Duration) -> Self {
        RejectLog {
            every: chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Records one rejection at `now`. `Some(suppressed)` when a line should be
    /// written now, `suppressed` being how many were not logged since the last
    /// line for this key; `None` when this one is suppressed.
    pub(crate) fn admit(&self, hotel: &HotelId, reason: &'static str, now: DateTime<Utc>) -> Option<u64> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match windows.get_mut(&(hotel.clone(), reason)) {
            Some(window) if now - window.logged_at < self.every => {
                window.suppressed = window.suppressed.saturating_add(1);
                None
            }
            Some(window) => {
                let suppressed = std::mem::take(&mut window.suppressed);
                window.logged_at = now;
                Some(suppressed)
            }
            None => {
                windows.insert(
                    (hotel.clone(), reason),
                    Window {
                        logged_at: now,
                        suppressed: 0,
                    },
                );
                Some(0)
            }
        }
    }

    /// Logs a rejection of a delivery to `hotel` for `reason`, unless the
    /// limit says otherwise. Only the reason is logged: bodies may hold PII.
    pub(crate) fn warn(&self, hotel: &HotelId, pms: &'static str, reason: &'static str, now: DateTime<Utc>) {
        if let Some(suppressed) = self.admit(hotel, reason, now) {
            tracing::warn!(
                hotel = %hotel,
                pms,
                reason,
                suppressed,
                "webhook rejected (at most one line per hotel and reason per interval; \
                 `suppressed` counts the ones not logged since the last)"
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn one_line_per_hotel_and_reason_per_interval_with_the_suppressed_count() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let secs = |s| t0 + chrono::Duration::seconds(s);
        let log = RejectLog::new(Duration::from_secs(60));
        let grand = HotelId::new("grand").unwrap();
        let harbor = HotelId::new("harbor").unwrap();

        assert_eq!(log.admit(&grand, "auth", secs(0)), Some(0));
        for s in 1..60 {
            assert_eq!(log.admit(&grand, "auth", secs(s)), None, "second {s}");
        }
        // Other keys have windows of their own.
        assert_eq!(log.admit(&grand, "decode", secs(30)), Some(0));
        assert_eq!(log.admit(&harbor, "auth", secs(30)), Some(0));
        // The interval has passed: one line, reporting the 59 not logged.
        assert_eq!(log.admit(&grand, "auth", secs(60)), Some(59));
        assert_eq!(log.admit(&grand, "auth", secs(61)), None);
        assert_eq!(log.admit(&grand, "auth", secs(200)), Some(1));
    }
}
