//! [`Gate`]: admission of every HTTP request to one vendor credential.
//!
//! The connectors' transport (`pms-http`) asks the gate before each attempt
//! and tells it what came back, so the one place a rate budget is spent is
//! the HTTP request itself: a 50-page list read is 50 admissions, and a 429
//! on any of them penalises the credential for everything that shares it.

use std::time::Duration;

use futures::future::BoxFuture;

/// Admission of every HTTP request to one vendor credential: the one place a
/// rate budget is spent and a 429 penalises it. Implemented by pms-sync's
/// `RateLimiter` (per credential: `acquire` and `penalize` of its key);
/// [`Ungated`] for tests and embedders without one.
pub trait Gate: Send + Sync + std::fmt::Debug {
    /// Waits until the credential's budget admits one more request.
    /// `write` says whether the request changes state at the vendor (a gate
    /// may keep headroom for writes).
    fn admit(&self, write: bool) -> BoxFuture<'_, ()>;

    /// What the vendor answered (status, `Retry-After`), or that nothing came
    /// back (`status: None`: no connection, timeout, reset).
    fn answered(&self, answer: GateAnswer);
}

/// What one admitted request came back with, as a [`Gate`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateAnswer {
    /// The HTTP status, or `None` when no answer arrived.
    pub status: Option<u16>,
    /// The answer's `Retry-After`, parsed (seconds or HTTP-date).
    pub retry_after: Option<Duration>,
}

impl GateAnswer {
    /// Whether the vendor said the budget is spent (HTTP 429).
    pub fn is_rate_limited(&self) -> bool {
        self.status == Some(429)
    }
}

/// A gate that admits everything at once and ignores answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ungated;

impl Gate for Ungated {
    fn admit(&self, _write: bool) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }

    fn answered(&self, _answer: GateAnswer) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ungated_admits_at_once() {
        let gate: &dyn Gate = &Ungated;
        gate.admit(true).await;
        gate.answered(GateAnswer {
            status: Some(429),
            retry_after: Some(Duration::from_secs(5)),
        });
        gate.admit(false).await;
    }

    #[test]
    fn a_429_is_rate_limited() {
        let answer = |status| GateAnswer {
            status,
            retry_after: None,
        };
        assert!(answer(Some(429)).is_rate_limited());
        assert!(!answer(Some(503)).is_rate_limited());
        assert!(!answer(None).is_rate_limited());
    }
}
