//! Sliding-window request budget per credential.
//!
//! Mews describes its window as sliding and "anchored to the first request in
//! a burst, not to clock boundaries" (mews.md §4), so this keeps a log of
//! accepted request instants per credential rather than fixed buckets.
//! Refused requests are not logged: they do not extend the penalty.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::faults::RateLimit;

/// Per-credential sliding windows.
#[derive(Debug, Default)]
pub struct Limiter {
    log: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Counts a request by `credential` at `now`; `Err(wait)` when over budget,
    /// with how long until the oldest logged request leaves the window.
    pub fn check(&self, credential: &str, limit: RateLimit, now: Instant) -> Result<(), Duration> {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let entries = log.entry(credential.to_owned()).or_default();
        while entries
            .front()
            .is_some_and(|&t| now.duration_since(t) >= limit.window)
        {
            entries.pop_front();
        }
        if entries.len() >= limit.requests as usize {
            let oldest = entries.front().copied().unwrap_or(now);
            return Err(limit.window.saturating_sub(now.duration_since(oldest)));
        }
        entries.push_back(now);
        Ok(())
    }

    /// Forgets every window (e.g. when the limit is reconfigured).
    pub fn reset(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_credential_and_slides() {
        let limiter = Limiter::default();
        let limit = RateLimit {
            requests: 3,
            window: Duration::from_secs(30),
        };
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.check("a", limit, t0 + Duration::from_secs(i)).is_ok());
        }
        let wait = limiter
            .check("a", limit, t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert!(limiter.check("b", limit, t0 + Duration::from_secs(10)).is_ok());
        // The first request leaves the window at t0 + 30 s.
        assert!(limiter.check("a", limit, t0 + Duration::from_secs(30)).is_ok());
        assert!(limiter.check("a", limit, t0 + Duration::from_secs(30)).is_err());
    }
}
