//! Fault injection, changeable while the simulator runs.
//!
//! Every roll comes from one seeded RNG, so a test that sends N requests with
//! a fixed seed sees the same faults every run, and rates can be checked
//! statistically without flakiness.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How `Retry-After` is written on a 429. The Mews docs do not say which form
/// they send (mews.md §4 "Open"), so clients must parse both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryAfterFormat {
    /// Delta-seconds, e.g. `Retry-After: 12`.
    #[default]
    Seconds,
    /// An HTTP-date, e.g. `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
    HttpDate,
}

/// A request budget per credential over a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window length.
    pub window: Duration,
}

impl RateLimit {
    /// Mews: "200 requests per AccessToken within 30 seconds", sliding window
    /// (mews.md §4, from `guidelines/requests.md` at open-api-docs HEAD).
    pub const MEWS: RateLimit = RateLimit {
        requests: 200,
        window: Duration::from_secs(30),
    };
}

/// Fault settings. Probabilities are in `0.0..=1.0` and are rolled per
/// request in the order: 429, 5xx, then (for writes) ambiguous timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Seed of the fault RNG; changing it through [`Faults::set`] restarts the stream.
    pub seed: u64,
    /// Probability of a 500 before the request is processed (nothing applied).
    pub error_5xx: f64,
    /// Probability of a 429 with `Retry-After` before processing (nothing applied).
    pub throttle_429: f64,
    /// Probability that a write is applied and then the answer is withheld for
    /// [`FaultConfig::ambiguous_hang`]: the client times out not knowing.
    pub timeout_after_write: f64,
    /// How long an ambiguous write hangs before the (late) answer is sent.
    pub ambiguous_hang: Duration,
    /// Latency added to every request.
    pub latency: Duration,
    /// The per-credential budget, or none.
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After` value for injected 429s (rate-limit 429s compute their own).
    pub retry_after: Duration,
    /// How `Retry-After` is written.
    pub retry_after_format: RetryAfterFormat,
}

impl Default for FaultConfig {
    /// No faults, and the vendor's own rate limit left off so tests can burst;
    /// turn it on with [`FaultConfig::with_vendor_rate_limit`].
    fn default() -> Self {
        FaultConfig {
            seed: 0,
            error_5xx: 0.0,
            throttle_429: 0.0,
            timeout_after_write: 0.0,
            ambiguous_hang: Duration::from_secs(30),
            latency: Duration::ZERO,
            rate_limit: None,
            retry_after: Duration::from_secs(1),
            retry_after_format: RetryAfterFormat::Seconds,
        }
    }
}

impl FaultConfig {
    /// Enables the Mews documented budget (200 requests / 30 s per AccessToken).
    pub fn with_vendor_rate_limit(mut self) -> Self {
        self.rate_limit = Some(RateLimit::MEWS);
        self
    }
}

/// What the fault layer decided for one request, before it is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process normally.
    Pass,
    /// Answer 429 with this `Retry-After`.
    Throttle(Duration),
    /// Answer 500.
    ServerError,
}

#[derive(Debug)]
struct Inner {
    config: FaultConfig,
    rng: StdRng,
}

/// Shared, runtime-changeable fault settings of one simulator.
#[derive(Debug, Clone)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
}

impl Faults {
    /// Faults with `config`.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Faults {
            inner: Arc::new(Mutex::new(Inner { config, rng })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current settings.
    pub fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// Replaces the settings and reseeds the RNG from `config.seed`.
    pub fn set(&self, config: FaultConfig) {
        let mut inner = self.lock();
        inner.rng = StdRng::seed_from_u64(config.seed);
        inner.config = config;
    }

    /// Changes some settings in place, keeping the RNG stream.
    pub fn update(&self, change: impl FnOnce(&mut FaultConfig)) {
        change(&mut self.lock().config);
    }

    /// Turns every fault off (the rate limit too).
    pub fn clear(&self) {
        let seed = self.lock().config.seed;
        self.set(FaultConfig {
            seed,
            ..FaultConfig::default()
        });
    }

    /// Rolls the pre-processing faults for one request.
    pub fn roll_request(&self) -> Verdict {
        let mut inner = self.lock();
        let Inner { config, rng } = &mut *inner;
        // Both rolls are always drawn so one setting never shifts the other's stream.
        let throttle = rng.random_bool(config.throttle_429.clamp(0.0, 1.0));
        let error = rng.random_bool(config.error_5xx.clamp(0.0, 1.0));
        if throttle {
            Verdict::Throttle(config.retry_after)
        } else if error {
            Verdict::ServerError
        } else {
            Verdict::Pass
        }
    }

    /// Rolls whether an applied write's answer is withheld; returns the hang.
    pub fn roll_ambiguous(&self) -> Option<Duration> {
        let mut inner = self.lock();
        let Inner { config, rng } = &mut *inner;
        rng.random_bool(config.timeout_after_write.clamp(0.0, 1.0))
            .then_some(config.ambiguous_hang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_match_configuration_with_a_fixed_seed() {
        let faults = Faults::new(FaultConfig {
            seed: 42,
            error_5xx: 0.10,
            throttle_429: 0.05,
            ..FaultConfig::default()
        });
        let n = 20_000;
        let (mut throttled, mut errors) = (0, 0);
        for _ in 0..n {
            match faults.roll_request() {
                Verdict::Throttle(_) => throttled += 1,
                Verdict::ServerError => errors += 1,
                Verdict::Pass => {}
            }
        }
        // Expected 5% and 0.95 * 10% = 9.5%; bounds are > 6 sigma wide.
        assert!((800..=1200).contains(&throttled), "throttled {throttled}");
        assert!((1600..=2200).contains(&errors), "errors {errors}");
    }

    #[test]
    fn same_seed_same_sequence() {
        let config = FaultConfig {
            seed: 9,
            error_5xx: 0.3,
            ..FaultConfig::default()
        };
        let a = Faults::new(config.clone());
        let b = Faults::new(config);
        let seq = |f: &Faults| (0..200).map(|_| f.roll_request()).collect::<Vec<_>>();
        assert_eq!(seq(&a), seq(&b));
    }

    #[test]
    fn zero_rates_never_fault() {
        let faults = Faults::new(FaultConfig::default());
        assert!(
            (0..1000).all(|_| faults.roll_request() == Verdict::Pass && faults.roll_ambiguous().is_none())
        );
    }
}
