//! Outgoing webhooks: vendor-shaped bodies delivered to one registered URL,
//! with injectable drop, duplicate, delay and reorder, and the vendor's retry
//! policy (Mews: a failed delivery is retried and "after three failed
//! attempts it will be abandoned", mews.md §8.3; a failure is a non-2xx or no
//! answer within 5 s).
//!
//! Fronts build the body; this module only decides when and how often it
//! goes out. First attempts leave in emission order from one worker, so a
//! test sees a deterministic sequence; retries run on their own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::sync::mpsc;
use url::Url;

use crate::SimError;

/// Delivery behaviour, changeable at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Seed of the delivery RNG.
    pub seed: u64,
    /// Probability a message is silently never sent.
    pub drop: f64,
    /// Probability a message is sent twice.
    pub duplicate: f64,
    /// Probability a message is held back and sent after the next one.
    pub reorder: f64,
    /// Delay before a message's first attempt.
    pub delay: Duration,
    /// Attempts before a message is abandoned (Mews: 3).
    pub max_attempts: u32,
    /// Wait between attempts (Mews: "a few minutes"; short here for tests).
    pub retry_delay: Duration,
    /// How long the receiver has to answer (Mews: 5 s).
    pub response_timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            seed: 0,
            drop: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            delay: Duration::ZERO,
            max_attempts: 3,
            retry_delay: Duration::from_millis(200),
            response_timeout: Duration::from_secs(5),
        }
    }
}

/// One attempt to deliver a message.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    /// The body sent.
    pub body: Value,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's status, or `None` when it did not answer in time.
    pub status: Option<u16>,
}

/// Delivery counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookStats {
    /// Messages the simulator produced.
    pub emitted: usize,
    /// Messages (copies included) a receiver acknowledged with 2xx.
    pub delivered: usize,
    /// Attempts that failed.
    pub failed_attempts: usize,
    /// Messages dropped on purpose.
    pub dropped: usize,
    /// Extra copies sent on purpose.
    pub duplicated: usize,
    /// Messages held back behind a later one.
    pub reordered: usize,
    /// Messages given up after the last attempt.
    pub abandoned: usize,
}

#[derive(Debug)]
struct Inner {
    config: WebhookConfig,
    rng: StdRng,
    url: Option<Url>,
    /// A static header sent with every delivery (Cloudbeds `authHeaderName`).
    header: Option<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    stats: WebhookStats,
    attempts: Vec<DeliveryAttempt>,
}

/// What the delivery worker shares with the handle. It holds no sender, so
/// the worker ends once the simulator (the last sender) is gone.
#[derive(Debug, Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    pending: Arc<AtomicUsize>,
}

/// The webhook sender of one simulator.
#[derive(Debug, Clone)]
pub struct Webhooks {
    shared: Shared,
    tx: mpsc::UnboundedSender<Value>,
}

impl Webhooks {
    /// Starts the delivery worker on the current tokio runtime.
    pub(crate) fn start(config: WebhookConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        let inner = Arc::new(Mutex::new(Inner {
            config,
            rng,
            url: None,
            header: None,
            stats: WebhookStats::default(),
            attempts: Vec::new(),
        }));
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared {
            inner,
            pending: Arc::new(AtomicUsize::new(0)),
        };
        tokio::spawn(shared.clone().worker(rx));
        Webhooks { shared, tx }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// Registers the receiver. Like Mews, the shared secret travels as a
    /// `Token` query parameter on the URL (mews.md §8.4); there is no signature.
    pub fn register(&self, url: &str, token: &str) -> Result<(), SimError> {
        let mut url = Url::parse(url).map_err(|e| SimError::InvalidUrl(e.to_string()))?;
        url.query_pairs_mut().append_pair("Token", token);
        let mut inner = self.lock();
        inner.url = Some(url);
        inner.header = None;
        Ok(())
    }

    /// Registers the receiver with a static header sent on every delivery
    /// and no token in the URL (Cloudbeds `postWebhook.authHeaderName` /
    /// `authHeaderValue`, SDK `cloudbeds-pms-v1-3` 1.19.0).
    pub fn register_with_header(
        &self,
        url: &str,
        name: reqwest::header::HeaderName,
        mut value: reqwest::header::HeaderValue,
    ) -> Result<(), SimError> {
        // A secret: `Debug` of the sender prints `Sensitive`, not the value.
        value.set_sensitive(true);
        let url = Url::parse(url).map_err(|e| SimError::InvalidUrl(e.to_string()))?;
        let mut inner = self.lock();
        inner.url = Some(url);
        inner.header = Some((name, value));
        Ok(())
    }

    /// Removes the receiver; later messages are discarded.
    pub fn unregister(&self) {
        let mut inner = self.lock();
        inner.url = None;
        inner.header = None;
    }

    /// The current delivery settings.
    pub fn config(&self) -> WebhookConfig {
        self.lock().config.clone()
    }

    /// Replaces the delivery settings and reseeds the RNG.
    pub fn set(&self, config: WebhookConfig) {
        let mut inner = self.lock();
        inner.rng = StdRng::seed_from_u64(config.seed);
        inner.config = config;
    }

    /// Delivery counters.
    pub fn stats(&self) -> WebhookStats {
        self.lock().stats
    }

    /// Every attempt made so far, in order.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.lock().attempts.clone()
    }

    /// Queues a message; a no-op when no receiver is registered.
    pub(crate) fn emit(&self, body: Value) {
        {
            let mut inner = self.lock();
            if inner.url.is_none() {
                return;
            }
            inner.stats.emitted += 1;
        }
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        if self.tx.send(body).is_err() {
            self.shared.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Waits until every queued message is delivered, dropped or abandoned,
    /// or `limit` passes. Returns whether everything settled.
    pub async fn settle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.shared.pending.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn config(&self) -> WebhookConfig {
        self.lock().config.clone()
    }

    async fn worker(self, mut rx: mpsc::UnboundedReceiver<Value>) {
        let client = reqwest::Client::new();
        let mut held: Option<Value> = None;
        loop {
            // A held-back message goes out after the next one, or after a
            // quiet second so it is late rather than lost.
            let next = if held.is_some() {
                match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        if let Some(body) = held.take() {
                            self.send(&client, body).await;
                        }
                        continue;
                    }
                }
            } else {
                rx.recv().await
            };
            let Some(body) = next else { break };
            let (drop, duplicate, reorder, delay) = {
                let mut inner = self.lock();
                let Inner { config, rng, .. } = &mut *inner;
                let drop = rng.random_bool(config.drop.clamp(0.0, 1.0));
                let duplicate = rng.random_bool(config.duplicate.clamp(0.0, 1.0));
                let reorder = rng.random_bool(config.reorder.clamp(0.0, 1.0));
                (drop, duplicate, reorder, config.delay)
            };
            if drop {
                self.lock().stats.dropped += 1;
                self.pending.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if reorder && held.is_none() {
                self.lock().stats.reordered += 1;
                held = Some(body);
                continue;
            }
            if duplicate {
                self.lock().stats.duplicated += 1;
                // The copy is its own message to the accounting of `settle`.
                self.pending.fetch_add(1, Ordering::SeqCst);
                self.send(&client, body.clone()).await;
            }
            self.send(&client, body).await;
            if let Some(body) = held.take() {
                self.send(&client, body).await;
            }
        }
    }

    /// First attempt inline (keeps order); retries continue in the background.
    async fn send(&self, client: &reqwest::Client, body: Value) {
        if self.attempt(client, &body, 1).await {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let hooks = self.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let max = hooks.config().max_attempts.max(1);
            let mut done = false;
            for attempt in 2..=max {
                tokio::time::sleep(hooks.config().retry_delay).await;
                if hooks.attempt(&client, &body, attempt).await {
                    done = true;
                    break;
                }
            }
            if !done {
                hooks.lock().stats.abandoned += 1;
            }
            hooks.pending.fetch_sub(1, Ordering::SeqCst);
        });
    }

    async fn attempt(&self, client: &reqwest::Client, body: &Value, attempt: u32) -> bool {
        let (url, header, timeout) = {
            let inner = self.lock();
            (
                inner.url.clone(),
                inner.header.clone(),
                inner.config.response_timeout,
            )
        };
        let status = match url {
            Some(url) => {
                let mut request = client.post(url).timeout(timeout).json(body);
                if let Some((name, value)) = header {
                    request = request.header(name, value);
                }
                request.send().await.ok().map(|r| r.status().as_u16())
            }
            None => None,
        };
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let mut inner = self.lock();
        inner.attempts.push(DeliveryAttempt {
            body: body.clone(),
            attempt,
            status,
        });
        if ok {
            inner.stats.delivered += 1;
        } else {
            inner.stats.failed_attempts += 1;
        }
        ok
    }
}
