//! [`Transport`]: the one exchange and the one read-retry loop.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use pms_core::{
    Clock, ErrorKind, Gate, GateAnswer, RetryPolicy, Sleeper, SystemClock, TokioSleeper, Ungated,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::{Answer, Call, Rules, TransportError, parse_retry_after};

/// Default whole-request timeout (connect, send, and the body read to its end).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait for a connection, within the whole-request timeout.
pub const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on an answer's body.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The one HTTP exchange of every connector: gate, timeout, bounded body,
/// request id, `Retry-After`, and the one read-retry loop. Cheap to clone
/// (the client, gate, sleeper and clock are shared).
///
/// ```
/// # async fn demo() -> Result<(), pms_http::TransportError> {
/// use pms_core::RetryPolicy;
/// use pms_http::{Call, Transport};
///
/// let transport = Transport::builder()
///     .timeout(std::time::Duration::from_secs(10))
///     .retry(RetryPolicy::default())
///     .build()?;
/// let url = url::Url::parse("http://127.0.0.1:9/status").expect("a URL");
/// let _answer = transport.send(Call::new("status", http::Method::GET, url, false)).await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Transport {
    shared: Arc<Shared>,
    rules: Rules,
}

struct Shared {
    http: reqwest::Client,
    timeout: Duration,
    body_limit: usize,
    gate: Arc<dyn Gate>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<dyn Clock>,
    rng: Mutex<StdRng>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("vendor", &self.rules.vendor)
            .field("timeout", &self.shared.timeout)
            .field("body_limit", &self.shared.body_limit)
            .field("gate", &self.shared.gate)
            .field("retry", &self.shared.retry)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Transport`]; start from [`Transport::builder`].
#[derive(Debug, Clone)]
pub struct TransportBuilder {
    http: Option<reqwest::Client>,
    timeout: Duration,
    body_limit: usize,
    gate: Arc<dyn Gate>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<dyn Clock>,
    seed: Option<u64>,
    user_agent: Option<String>,
    rules: Rules,
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
            http: None,
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            gate: Arc::new(Ungated),
            retry: RetryPolicy::never(),
            sleeper: Arc::new(TokioSleeper),
            clock: Arc::new(SystemClock),
            seed: None,
            user_agent: None,
            rules: Rules::STANDARD,
        }
    }
}

impl TransportBuilder {
    /// Sends through `http` instead of a client of its own: a process with
    /// many hotels shares one connection pool and TLS configuration. The
    /// timeout still applies per request.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Whole-request timeout, body read included (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Largest answer read (default [`DEFAULT_BODY_LIMIT`]); a bigger one is
    /// [`TransportError::TooLarge`] without being buffered.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// The gate every attempt passes (default [`Ungated`]).
    pub fn gate(mut self, gate: Arc<dyn Gate>) -> Self {
        self.gate = gate;
        self
    }

    /// When a read is sent again (default [`RetryPolicy::never`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// What waits between read attempts (default [`TokioSleeper`]).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The clock for `Retry-After` dates and the retry budget (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Seeds the retry jitter, so a test's schedule repeats (default: from the OS).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// `User-Agent` of a client the transport builds itself.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The vendor's rules (default [`Rules::STANDARD`]).
    pub fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// The clock it was given.
    pub fn clock_ref(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The transport. Fails only when no HTTP client can be built (no TLS roots).
    pub fn build(self) -> Result<Transport, TransportError> {
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout.min(MAX_CONNECT_TIMEOUT));
                if let Some(agent) = &self.user_agent {
                    builder = builder.user_agent(agent);
                }
                builder.build().map_err(|e| TransportError::NeverSent {
                    operation: "http_client",
                    reason: format!("cannot build the HTTP client: {}", reason(&e)),
                })?
            }
        };
        let rng = match self.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Ok(Transport {
            shared: Arc::new(Shared {
                http,
                timeout: self.timeout,
                body_limit: self.body_limit,
                gate: self.gate,
                retry: self.retry,
                sleeper: self.sleeper,
                clock: self.clock,
                rng: Mutex::new(rng),
            }),
            rules: self.rules,
        })
    }
}

impl Transport {
    /// Settings to build one from.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    /// The same transport (client, gate, policy, sleeper, clock) under a
    /// connector's `rules`: what a connector does with a transport it is given.
    pub fn with_rules(&self, rules: Rules) -> Transport {
        Transport {
            shared: self.shared.clone(),
            rules,
        }
    }

    /// The vendor rules in force.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The injected clock (connectors age tokens and stamp envelopes with it).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The injected sleeper.
    pub fn sleeper(&self) -> &Arc<dyn Sleeper> {
        &self.shared.sleeper
    }

    /// The read-retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.shared.retry
    }

    /// The whole-request timeout.
    pub fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    /// The body limit.
    pub fn body_limit(&self) -> usize {
        self.shared.body_limit
    }

    /// One exchange: gate, timeout, bounded body, request-id header,
    /// `Retry-After` (seconds or HTTP-date, on the injected clock). Reads
    /// (`write: false`) that fail transiently (no connection, timeout, or an
    /// answer the connector's status table calls retryable: by default 408,
    /// 429, 500, 502, 503, 504) are sent again per [`RetryPolicy::next_delay`]
    /// on the injected sleeper: the one read-retry loop. Writes are never
    /// resent here: a failure after the request may have left is
    /// [`TransportError::MaybeSent`], one before it left is
    /// [`TransportError::NeverSent`]. The last answer of a read that stays
    /// failing is returned as an answer, for the connector to classify.
    pub async fn send(&self, call: Call) -> Result<Answer, TransportError> {
        let shared = &self.shared;
        let started = shared.clock.now();
        let mut attempt: u32 = 1;
        loop {
            shared.gate.admit(call.write).await;
            let outcome = self.attempt(&call).await;
            shared.gate.answered(match &outcome {
                Ok(answer) => GateAnswer {
                    status: Some(answer.code()),
                    retry_after: answer.retry_after,
                },
                Err(TransportError::MaybeSent { status, .. }) => GateAnswer {
                    status: *status,
                    retry_after: None,
                },
                Err(TransportError::TooLarge { status, .. }) => GateAnswer {
                    status: Some(*status),
                    retry_after: None,
                },
                Err(_) => GateAnswer::default(),
            });
            if call.write {
                return outcome;
            }
            let (kind, retry_after) = match &outcome {
                Ok(answer) => match (self.rules.read_failure)(answer) {
                    Some(kind) => (kind, answer.retry_after),
                    None => return outcome,
                },
                Err(err) => (err.kind(), None),
            };
            let Some(delay) = self.next_delay(attempt, kind, retry_after, started) else {
                return outcome;
            };
            tracing::debug!(
                vendor = self.rules.vendor_name(),
                operation = call.operation,
                attempt,
                ?kind,
                ?delay,
                "read failed; sending it again"
            );
            shared.sleeper.sleep(delay).await;
            attempt = attempt.saturating_add(1);
        }
    }

    fn next_delay(
        &self,
        attempt: u32,
        kind: ErrorKind,
        retry_after: Option<Duration>,
        started: chrono::DateTime<chrono::Utc>,
    ) -> Option<Duration> {
        let shared = &self.shared;
        let elapsed = (shared.clock.now() - started).to_std().unwrap_or(Duration::ZERO);
        let mut rng = shared.rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        shared
            .retry
            .next_delay(attempt, kind, retry_after, elapsed, &mut *rng)
    }

    /// One attempt, no retry.
    async fn attempt(&self, call: &Call) -> Result<Answer, TransportError> {
        let shared = &self.shared;
        let operation = call.operation;
        let mut request = shared
            .http
            .request(call.method.clone(), call.url.clone())
            // Per request too: a shared client has a timeout of its own.
            .timeout(shared.timeout)
            .headers(call.headers.clone());
        if let Some((bytes, content_type)) = call.body.parts() {
            if !call.headers.contains_key(CONTENT_TYPE) {
                request = request.header(CONTENT_TYPE, content_type);
            }
            request = request.body(bytes.clone());
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                let reason = reason(&err);
                tracing::warn!(
                    vendor = self.rules.vendor_name(),
                    operation,
                    %reason,
                    "request failed in transport"
                );
                // A connection that could not be made carried nothing; a
                // request that could not be built never left either.
                return Err(if err.is_connect() || err.is_builder() {
                    TransportError::NeverSent { operation, reason }
                } else {
                    TransportError::MaybeSent {
                        operation,
                        reason,
                        write: call.write,
                        status: None,
                        request_id: None,
                    }
                });
            }
        };
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let request_id = self.rules.request_id_header.and_then(header);
        let retry_after =
            header(RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(&v, shared.clock.now()));
        let too_large = |at_least: u64, request_id: Option<String>| TransportError::TooLarge {
            operation,
            limit: shared.body_limit,
            at_least,
            status: status.as_u16(),
            write: call.write,
            request_id,
        };
        // Refused before a byte is read when the answer announces its size.
        let announced = header(CONTENT_LENGTH.as_str()).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(len) = announced.filter(|len| *len > shared.body_limit as u64) {
            return Err(too_large(len, request_id));
        }
        let bytes = match read_bounded(&mut response, shared.body_limit, announced).await {
            Ok(bytes) => bytes,
            Err(Unread::TooLarge(at_least)) => return Err(too_large(at_least, request_id)),
            Err(Unread::Failed(reason)) => {
                tracing::warn!(
                    vendor = self.rules.vendor_name(),
                    operation,
                    status = status.as_u16(),
                    %reason,
                    "answer body failed"
                );
                return Err(TransportError::MaybeSent {
                    operation,
                    reason,
                    write: call.write,
                    status: Some(status.as_u16()),
                    request_id,
                });
            }
        };
        tracing::debug!(
            vendor = self.rules.vendor_name(),
            operation,
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or("-"),
            bytes = bytes.len(),
            "answer"
        );
        Ok(Answer {
            status,
            headers,
            bytes,
            request_id,
            retry_after,
        })
    }
}

enum Unread {
    /// Passed the limit with this many bytes.
    TooLarge(u64),
    Failed(String),
}

/// Streams the body, stopping at `limit`. The announced length sizes the
/// buffer once (a grown buffer ends with up to twice the body's capacity);
/// it is capped by the limit, as an answer may lie.
async fn read_bounded(
    response: &mut reqwest::Response,
    limit: usize,
    announced: Option<u64>,
) -> Result<Bytes, Unread> {
    let expected = announced.map_or(0, |len| len.min(limit as u64) as usize);
    let mut body = BytesMut::with_capacity(expected);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let size = body.len().saturating_add(chunk.len());
                if size > limit {
                    return Err(Unread::TooLarge(size as u64));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.freeze()),
            Err(err) => return Err(Unread::Failed(reason(&err))),
        }
    }
}

/// A transport error's text without its URL (a query may carry ids or names).
fn reason(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "body interrupted"
    } else if err.is_builder() {
        "cannot build the request"
    } else {
        "request failed"
    };
    match std::error::Error::source(err) {
        Some(source) => format!("{what}: {source}"),
        None => what.to_owned(),
    }
}
