//! [`MewsClientBuilder`]: a [`MewsConfig`] plus the transport it sends through.

use std::time::Duration;

use pms_core::{Error, PmsKind, RetryPolicy};
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

    /// When a read request is sent again (default [`RetryPolicy::never`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.transport = self.transport.retry(retry);
        self
    }

    pms_http::transport_settings!(transport, given);

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
