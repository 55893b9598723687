//! Injected sleeping, so retry and rate-limit logic runs in virtual time in
//! tests: every wait of the transport's read retries, the rate limiter and
//! the write journal goes through a [`Sleeper`], never `tokio::time::sleep`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::ManualClock;
use futures::future::BoxFuture;

/// Something that waits.
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()>;
}

/// Real waiting on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time: sleeping advances a [`ManualClock`] instantly and records
/// the requested durations, so tests assert on waits without waiting.
#[derive(Debug, Clone)]
pub struct VirtualSleeper {
    clock: Arc<ManualClock>,
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl VirtualSleeper {
    /// A sleeper driving `clock`.
    pub fn new(clock: Arc<ManualClock>) -> Self {
        VirtualSleeper {
            clock,
            slept: Arc::default(),
        }
    }

    /// Every duration slept so far.
    pub fn slept(&self) -> Vec<Duration> {
        self.slept.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The clock it drives.
    pub fn clock(&self) -> &Arc<ManualClock> {
        &self.clock
    }
}

impl Sleeper for VirtualSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        if let Ok(mut slept) = self.slept.lock() {
            slept.push(duration);
        }
        let by = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        self.clock.advance(by);
        Box::pin(tokio::task::yield_now())
    }
}
