//! [`OperaClientBuilder`]: a hotel's OPERA settings, [`OperaOptions`], OHIP
//! cashiering, and the transport everything is sent through.

use std::time::Duration;

use pms_core::{Error, HotelConfig, OperaSettings, PmsSettings, RetryPolicy};
use pms_http::{Transport, TransportBuilder};

use super::{OperaClient, OperaOptions, RULES};
use crate::error::OperaError;
use crate::map::MapContext;
use crate::ohip::OhipConfig;

/// Builds an [`OperaClient`]; start from [`OperaClient::builder`].
///
/// The timeout, body limit and read-retry policy default to the options'
/// ([`OperaOptions::timeout`], [`Limits::max_bytes`](crate::Limits::max_bytes),
/// [`OperaOptions::read_retry`]); OHIP cashiering is on when the hotel's
/// settings name it.
#[derive(Debug)]
pub struct OperaClientBuilder {
    hotel: HotelConfig,
    settings: OperaSettings,
    options: OperaOptions,
    transport: TransportBuilder,
    given: Option<Transport>,
    ohip: Option<OhipConfig>,
}

impl OperaClientBuilder {
    pub(super) fn new(hotel: &HotelConfig) -> Result<Self, Error> {
        let PmsSettings::Opera(settings) = &hotel.pms else {
            return Err(OperaError::Config(format!(
                "hotel `{}` is configured for {}, not opera",
                hotel.id,
                hotel.pms_kind()
            ))
            .into());
        };
        if settings.hotel_code.trim().is_empty() {
            return Err(OperaError::Config("the OPERA hotel code is empty".into()).into());
        }
        let ohip = settings
            .ohip
            .as_ref()
            .map(|ohip| OhipConfig::from_settings(ohip, &settings.hotel_code));
        Ok(OperaClientBuilder {
            hotel: hotel.clone(),
            settings: settings.clone(),
            options: OperaOptions::default(),
            transport: Transport::builder(),
            given: None,
            ohip,
        })
    }

    /// The tunables (default [`OperaOptions::default`]).
    pub fn options(mut self, options: OperaOptions) -> Self {
        self.options = options;
        self
    }

    /// Whole-request timeout (sets [`OperaOptions::timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// Largest answer read (sets the options' [`Limits::max_bytes`](crate::Limits::max_bytes)).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.options.limits.max_bytes = limit;
        self
    }

    /// When a read is sent again (sets [`OperaOptions::read_retry`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options.read_retry = retry;
        self
    }

    pms_http::transport_settings!(transport, given);

    /// Posts and reads back charges through OHIP with `config` (see
    /// [`OperaClient::ohip_cashiering`]), whatever the hotel's settings say.
    pub fn ohip_cashiering(mut self, config: OhipConfig) -> Self {
        self.ohip = Some(config);
        self
    }

    /// Keeps charges on OWS even when the hotel's settings name OHIP.
    pub fn without_ohip(mut self) -> Self {
        self.ohip = None;
        self
    }

    /// The client.
    pub fn build(self) -> Result<OperaClient, Error> {
        let transport = match self.given {
            Some(transport) => transport.with_rules(RULES),
            None => self
                .transport
                .timeout(self.options.timeout)
                .body_limit(self.options.limits.max_bytes)
                .retry(self.options.read_retry)
                .rules(RULES)
                .build()
                .map_err(|e| OperaError::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let hotel = self.hotel;
        let client = OperaClient {
            transport,
            base: hotel.base_url.as_str().trim_end_matches('/').to_owned(),
            settings: self.settings,
            ctx: MapContext {
                hotel: hotel.id.clone(),
                time_zone: hotel.time_zone,
                currency: hotel.currency,
                keep_raw: self.options.keep_raw,
            },
            options: self.options,
            ohip: None,
        };
        Ok(match self.ohip {
            Some(config) => client.ohip_cashiering(config),
            None => client,
        })
    }
}
