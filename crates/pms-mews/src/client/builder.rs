//! [`MewsClientBuilder`]: a [`MewsConfig`] plus the transport it sends through.

use std::sync::Arc;
use std::time::Duration;

use pms_core::{Clock, Error, Gate, PmsKind, RetryPolicy, Sleeper};
use pms_http::{Rules, Transport, TransportBuilder};

use super::{MewsClient, MewsConfig};
use crate::error::read_failure;

/// Mews' face on the transport: `Request-Id` on every answer
/// (<https://docs.mews.com/connector-api/guidelines/responses>) and the
/// status table of [`crate::error`].
pub(crate) const RULES: Rules = Rules::new(PmsKind::Mews, Some("Request-Id")).read_failure(read_failure);

/// Builds a [`MewsClient`]; start from [`MewsClient::builder`].
///
/// The timeout and body limit default to the config's
/// ([`MewsConfig::timeout`], [`MewsConfig::max_response_bytes`]); reads are
/// not resent unless [`MewsClientBuilder::retry`] says so (the sync layer
/// retries whole calls), and writes never are.
#[derive(Debug)]
pub struct MewsClientBuilder {
    config: MewsConfig,
    transport: TransportBuilder,
    given: Option<Transport>,
    stay_service_ids: Option<Vec<String>>,
}

impl MewsClientBuilder {
    pub(super) fn new(config: MewsConfig) -> Self {
        MewsClientBuilder {
            config,
            transport: Transport::builder().retry(RetryPolicy::never()),
            given: None,
            stay_service_ids: None,
        }
    }

    /// Whole-request timeout (sets [`MewsConfig::timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Largest answer read (sets [`MewsConfig::max_response_bytes`]).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// The gate every request passes (the credential's rate limiter).
    pub fn gate(mut self, gate: Arc<dyn Gate>) -> Self {
        self.transport = self.transport.gate(gate);
        self
    }

    /// When a read request is sent again (default [`RetryPolicy::never`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.transport = self.transport.retry(retry);
        self
    }

    /// What waits between read attempts.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.transport = self.transport.sleeper(sleeper);
        self
    }

    /// The clock for `Retry-After` dates, the retry budget and health timestamps.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.transport = self.transport.clock(clock);
        self
    }

    /// Sends through `http`: a process with many hotels shares one client (one
    /// connection pool, one TLS configuration: about 0.1 MiB less per hotel).
    /// The configured timeout still applies to each request.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.transport = self.transport.http_client(http);
        self
    }

    /// Sends through `transport` as it is (its gate, policy, sleeper, clock,
    /// timeout and body limit), under Mews' rules; the settings above are
    /// then ignored.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.given = Some(transport);
        self
    }

    /// Lists stays of exactly these `ServiceIds` instead of the stay services
    /// read from `services/getAll` (every `Bookable` service whose
    /// `TimeUnitPeriod` is not `Hour`).
    pub fn stay_service_ids(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        ids.dedup();
        self.stay_service_ids = Some(ids);
        self
    }

    /// The client.
    pub fn build(self) -> Result<MewsClient, Error> {
        let transport = match self.given {
            Some(transport) => transport.with_rules(RULES),
            None => self
                .transport
                .timeout(self.config.timeout)
                .body_limit(self.config.max_response_bytes)
                .rules(RULES)
                .build()
                .map_err(|e| Error::config("http_client", e.to_string()))?,
        };
        Ok(MewsClient {
            config: self.config,
            transport,
            room_names: tokio::sync::Mutex::new(None),
            configured_stays: self.stay_service_ids,
            stay_services: tokio::sync::Mutex::new(None),
        })
    }
}
