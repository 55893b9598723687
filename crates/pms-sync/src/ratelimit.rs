//! Per-credential rate limiting (GCRA), so a sync stays inside the vendor's
//! budget instead of discovering it through 429s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_core::{Clock, RateLimit};

use crate::time::Sleeper;

/// Longest pause a single 429 can impose on a credential.
const MAX_PENALTY: Duration = Duration::from_secs(3_600);

/// The window is planned this share longer than the vendor's (1/50 = 2 %).
/// Calls reach the vendor later than they leave, and not all by the same
/// amount (the first of a burst also opens the connection): a vendor that
/// counts arrivals in a sliding window would otherwise see slots planned
/// exactly one window apart land inside one window (seen: one 429 in the
/// opening burst of a full sync, whose `Retry-After` then cost a quarter of
/// the run). A call may thus arrive up to 2 % of the window late.
const ARRIVAL_MARGIN_DIVISOR: u32 = 50;

/// Spaces calls per credential so that no window of the vendor's length
/// ever holds more than its limit.
///
/// GCRA with a burst of `b`: in any window `W` at most `b + W/T` calls pass,
/// so the emission interval is `T = W / (limit - b + 1)`, which keeps the
/// worst case at the limit (a sliding-window vendor never sees a 429) and the
/// steady rate within a few per cent of it. `W` is the vendor's window plus
/// a 2 % margin for calls that arrive late.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    next_free: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl RateLimiter {
    /// A limiter for `limit`, allowing bursts of `burst` (clamped to `1..=limit.requests`).
    pub fn new(limit: RateLimit, burst: u32, clock: Arc<dyn Clock>, sleeper: Arc<dyn Sleeper>) -> Self {
        let requests = limit.requests.max(1);
        let burst = burst.clamp(1, requests);
        // Rounded up: a nanosecond short per slot adds up to one call too many per window.
        let slots = u128::from(requests - burst + 1);
        let window = limit.window + limit.window / ARRIVAL_MARGIN_DIVISOR;
        let interval =
            Duration::from_nanos(window.as_nanos().div_ceil(slots).min(u128::from(u64::MAX)) as u64);
        RateLimiter {
            interval,
            tolerance: interval * (burst - 1),
            clock,
            sleeper,
            next_free: Mutex::default(),
        }
    }

    /// Waits until `credential` may make one more call, and reserves it.
    pub async fn acquire(&self, credential: &str) {
        let wait = self.reserve(credential);
        if !wait.is_zero() {
            metrics::counter!("pms_sync_rate_limit_waits_total").increment(1);
            self.sleeper.sleep(wait).await;
        }
    }

    /// Pushes a credential's next slot to `now + retry_after` after the vendor
    /// answered 429 anyway (another process sharing the credential, a
    /// stricter limit than documented).
    pub fn penalize(&self, credential: &str, retry_after: Duration) {
        let now = self.clock.now();
        // The next call is allowed at `tat - tolerance`, so the slot goes past `until` by the tolerance.
        let tolerance =
            chrono::Duration::from_std(self.tolerance).unwrap_or_else(|_| chrono::Duration::zero());
        // A vendor's Retry-After is untrusted input: cap it rather than overflow the clock.
        let retry_after = chrono::Duration::from_std(retry_after.min(MAX_PENALTY))
            .unwrap_or_else(|_| chrono::Duration::zero());
        let until = now + retry_after + tolerance;
        if let Ok(mut map) = self.next_free.lock() {
            let slot = map.entry(credential.to_owned()).or_insert(now);
            if *slot < until {
                *slot = until;
            }
        }
    }

    /// Reserves the next slot and returns how long to wait for it.
    fn reserve(&self, credential: &str) -> Duration {
        let now = self.clock.now();
        let interval = chrono::Duration::from_std(self.interval).unwrap_or(chrono::Duration::MAX);
        let tolerance =
            chrono::Duration::from_std(self.tolerance).unwrap_or_else(|_| chrono::Duration::zero());
        let Ok(mut map) = self.next_free.lock() else {
            return Duration::ZERO;
        };
        // `tat` is GCRA's theoretical arrival time of the next call.
        let tat = map.get(credential).copied().unwrap_or(now).max(now);
        let allowed_at = tat - tolerance;
        map.insert(credential.to_owned(), tat + interval);
        (allowed_at - now).to_std().unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::VirtualSleeper;
    use chrono::TimeZone;
    use pms_core::ManualClock;

    fn limiter(requests: u32, window_secs: u64, burst: u32) -> (RateLimiter, VirtualSleeper) {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap(),
        ));
        let sleeper = VirtualSleeper::new(clock.clone());
        let limit = RateLimit {
            requests,
            window: Duration::from_secs(window_secs),
        };
        (
            RateLimiter::new(limit, burst, clock, Arc::new(sleeper.clone())),
            sleeper,
        )
    }

    async fn call_times(limiter: &RateLimiter, sleeper: &VirtualSleeper, calls: usize) -> Vec<DateTime<Utc>> {
        let mut times = Vec::new();
        for _ in 0..calls {
            limiter.acquire("token-a").await;
            times.push(sleeper.clock().now());
        }
        times
    }

    fn max_in_any_window(times: &[DateTime<Utc>], window: chrono::Duration) -> usize {
        times
            .iter()
            .enumerate()
            .map(|(i, start)| times[i..].iter().take_while(|t| **t < *start + window).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn no_sliding_window_exceeds_the_limit() {
        // Mews: 200 requests per 30 s per AccessToken.
        for burst in [1, 20, 200] {
            let (limiter, sleeper) = limiter(200, 30, burst);
            let times = call_times(&limiter, &sleeper, 1_000).await;
            let worst = max_in_any_window(&times, chrono::Duration::seconds(30));
            assert!(worst <= 200, "burst {burst}: {worst} calls in one window");
        }
    }

    #[tokio::test]
    async fn a_first_call_arriving_late_does_not_squeeze_a_window() {
        // The opening call also opens the connection: it reaches the vendor
        // 1 % of the window after it left, the others at once.
        for burst in [1, 10, 200] {
            let (limiter, sleeper) = limiter(200, 30, burst);
            let mut arrivals = call_times(&limiter, &sleeper, 600).await;
            arrivals[0] += chrono::Duration::milliseconds(300);
            arrivals.sort();
            let worst = max_in_any_window(&arrivals, chrono::Duration::seconds(30));
            assert!(worst <= 200, "burst {burst}: {worst} arrivals in one window");
        }
    }

    #[tokio::test]
    async fn steady_rate_uses_most_of_the_budget() {
        // Each call of burst and the 2 % margin cost a little steady rate:
        // burst 10 keeps (200 - 10 + 1) / (200 * 1.02) = 0.936 of it.
        let (limiter, sleeper) = limiter(200, 30, 10);
        let times = call_times(&limiter, &sleeper, 2_001).await;
        let span = (times[2_000] - times[0]).num_milliseconds() as f64 / 1000.0;
        let rate = 2_000.0 / span;
        let allowed = 200.0 / 30.0;
        assert!(
            rate / allowed >= 0.9 && rate / allowed <= 1.0,
            "rate {rate:.3}/s vs {allowed:.3}/s"
        );
    }

    #[tokio::test]
    async fn credentials_do_not_share_a_budget() {
        let (limiter, sleeper) = limiter(2, 10, 2);
        limiter.acquire("a").await;
        limiter.acquire("a").await;
        limiter.acquire("b").await;
        assert!(sleeper.slept().is_empty(), "{:?}", sleeper.slept());
        limiter.acquire("a").await;
        assert_eq!(sleeper.slept().len(), 1);
    }

    #[tokio::test]
    async fn a_429_pushes_the_next_call_past_retry_after() {
        let (limiter, sleeper) = limiter(100, 1, 100);
        let start = sleeper.clock().now();
        limiter.penalize("a", Duration::from_secs(12));
        limiter.acquire("a").await;
        assert!(sleeper.clock().now() - start >= chrono::Duration::seconds(12));
    }
}
