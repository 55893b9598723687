//! # pms-http
//!
//! The one HTTP exchange of the connectors (Mews, Cloudbeds, OPERA OWS and
//! OHIP): each connector builds its envelope (tokens, headers, SOAP) into a
//! [`Call`], hands it to [`Transport::send`], and reads the [`Answer`] with
//! its own status table. Everything else is here, once:
//!
//! * a whole-request timeout (connect, send, body) and a bounded body:
//!   an oversized `Content-Length` is refused before a byte is read, a body
//!   is streamed and cut at the limit ([`TransportError::TooLarge`]);
//! * the vendor's request-id header and `Retry-After` (seconds or HTTP-date,
//!   measured on the injected [`Clock`](pms_core::Clock));
//! * the [`Gate`](pms_core::Gate) around every attempt: one admission per
//!   HTTP request, and what came back (a 429 penalises the credential);
//! * the one read-retry loop: a read that fails transiently is sent again
//!   per [`RetryPolicy::next_delay`](pms_core::RetryPolicy::next_delay) on the
//!   injected [`Sleeper`](pms_core::Sleeper), with seeded or OS jitter; the
//!   connector's [`Rules::read_failure`] says which answers are failures;
//! * writes are sent once: a failure before the request left is
//!   [`TransportError::NeverSent`], after it may have left
//!   [`TransportError::MaybeSent`] (the connector maps it to `OutcomeUnknown`).
//!
//! | module | holds |
//! |---|---|
//! | `call` | [`Call`], [`Body`], [`sensitive`] header values |
//! | `answer` | [`Answer`] |
//! | `rules` | [`Rules`]: a vendor's request-id header and read status table ([`standard_read_failure`]) |
//! | `transport` | [`Transport`], [`TransportBuilder`]: the exchange and the read-retry loop |
//! | `retry_after` | [`parse_retry_after`] |
//! | `error` | [`TransportError`] |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod answer;
mod call;
mod error;
mod retry_after;
mod rules;
mod transport;

pub use answer::Answer;
pub use call::{Body, Call, sensitive};
pub use error::TransportError;
pub use retry_after::parse_retry_after;
pub use rules::{ReadFailure, Rules, standard_read_failure};
pub use transport::{DEFAULT_BODY_LIMIT, DEFAULT_TIMEOUT, MAX_CONNECT_TIMEOUT, Transport, TransportBuilder};

/// Re-exported so connectors name the same versions.
pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
pub use url::Url;

/// Paths the [`transport_settings!`] expansion names.
#[doc(hidden)]
pub mod __settings {
    pub use pms_core::{Clock, Gate, Sleeper};
    pub use reqwest::Client;
}

/// The transport settings every connector builder offers, written once:
/// `gate`, `sleeper`, `clock`, `http_client` (each set on the builder's
/// [`TransportBuilder`] field `$settings`) and `transport` (a ready
/// [`Transport`] kept in the `Option<Transport>` field `$given`, which the
/// connector puts under its own rules with [`Transport::with_rules`]).
///
/// ```
/// use pms_http::{Transport, TransportBuilder};
///
/// /// A connector's builder.
/// #[derive(Debug, Default)]
/// pub struct ExampleBuilder {
///     settings: TransportBuilder,
///     given: Option<Transport>,
/// }
///
/// impl ExampleBuilder {
///     pms_http::transport_settings!(settings, given);
/// }
///
/// let builder = ExampleBuilder::default().gate(std::sync::Arc::new(pms_core::Ungated));
/// # let _ = builder;
/// ```
#[macro_export]
macro_rules! transport_settings {
    ($settings:ident, $given:ident) => {
        /// The gate every HTTP request passes (the credential's rate
        /// limiter): one admission per request, a list of 50 pages is 50.
        pub fn gate(mut self, gate: ::std::sync::Arc<dyn $crate::__settings::Gate>) -> Self {
            self.$settings = self.$settings.gate(gate);
            self
        }

        /// What waits between read attempts (tests: `pms_core::VirtualSleeper`).
        pub fn sleeper(mut self, sleeper: ::std::sync::Arc<dyn $crate::__settings::Sleeper>) -> Self {
            self.$settings = self.$settings.sleeper(sleeper);
            self
        }

        /// The clock for `Retry-After` dates, the retry budget and the
        /// connector's own time stamps (tests: `pms_core::ManualClock`).
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::__settings::Clock>) -> Self {
            self.$settings = self.$settings.clock(clock);
            self
        }

        /// Sends through `http`: a process with many hotels shares one
        /// client (one connection pool, one TLS configuration). The
        /// configured timeout still applies to each request.
        pub fn http_client(mut self, http: $crate::__settings::Client) -> Self {
            self.$settings = self.$settings.http_client(http);
            self
        }

        /// Sends through `transport` as it is (its gate, retry policy,
        /// sleeper, clock, timeout and body limit), under this connector's
        /// rules; the transport settings of this builder are then ignored.
        pub fn transport(mut self, transport: $crate::Transport) -> Self {
            self.$given = Some(transport);
            self
        }
    };
}
