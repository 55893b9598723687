//! Exponential backoff with full jitter, bounded attempts and total time,
//! honouring the vendor's `Retry-After`.

use std::time::Duration;

use crate::error::ErrorKind;
use rand::Rng;

/// How to retry a call that failed with a retryable kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls at most (the first one included).
    pub max_attempts: u32,
    /// Backoff cap for the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Largest backoff cap.
    pub max_delay: Duration,
    /// Give up once this much time has passed since the first call.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based) after an error of
    /// `kind`, or `None` when the policy gives up. Full jitter (AWS
    /// architecture blog): uniform in `[0, min(max_delay, base * 2^(retry-1))]`,
    /// but never shorter than the vendor's `Retry-After`.
    pub fn next_delay(
        &self,
        retry: u32,
        kind: ErrorKind,
        retry_after: Option<Duration>,
        elapsed: Duration,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        if !kind.is_retryable() || retry >= self.max_attempts {
            return None;
        }
        let exponent = retry.saturating_sub(1).min(20);
        let cap = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let jittered =
            Duration::from_nanos(rng.random_range(0..=cap.as_nanos().min(u128::from(u64::MAX)) as u64));
        let delay = retry_after.map_or(jittered, |after| after.max(jittered));
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn only_retryable_kinds_retry() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        for kind in [
            ErrorKind::Validation,
            ErrorKind::Auth,
            ErrorKind::OutcomeUnknown,
            ErrorKind::Conflict,
        ] {
            assert_eq!(
                policy.next_delay(1, kind, None, Duration::ZERO, &mut rng),
                None,
                "{kind:?}"
            );
        }
        assert!(
            policy
                .next_delay(1, ErrorKind::Transient, None, Duration::ZERO, &mut rng)
                .is_some()
        );
    }

    #[test]
    fn delays_stay_within_the_doubling_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(7);
        for retry in 1..10u32 {
            let cap = (policy.base_delay * 2u32.pow(retry - 1)).min(policy.max_delay);
            for _ in 0..200 {
                let d = policy
                    .next_delay(retry, ErrorKind::Transient, None, Duration::ZERO, &mut rng)
                    .unwrap();
                assert!(d <= cap, "retry {retry}: {d:?} > {cap:?}");
            }
        }
    }

    #[test]
    fn jitter_spreads_delays() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(3);
        let delays: std::collections::BTreeSet<_> = (0..50)
            .map(|_| {
                policy
                    .next_delay(3, ErrorKind::Transient, None, Duration::ZERO, &mut rng)
                    .unwrap()
            })
            .collect();
        assert!(
            delays.len() > 40,
            "full jitter should rarely repeat: {}",
            delays.len()
        );
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(5);
        let after = Duration::from_secs(17);
        for _ in 0..100 {
            let d = policy
                .next_delay(1, ErrorKind::RateLimited, Some(after), Duration::ZERO, &mut rng)
                .unwrap();
            assert!(d >= after);
        }
    }

    #[test]
    fn attempts_and_total_time_are_bounded() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(9);
        assert!(
            policy
                .next_delay(2, ErrorKind::Transient, None, Duration::ZERO, &mut rng)
                .is_some()
        );
        assert_eq!(
            policy.next_delay(3, ErrorKind::Transient, None, Duration::ZERO, &mut rng),
            None
        );
        let late = policy.max_elapsed - Duration::from_millis(1);
        assert_eq!(
            policy.next_delay(
                1,
                ErrorKind::RateLimited,
                Some(Duration::from_secs(5)),
                late,
                &mut rng
            ),
            None
        );
    }
}
