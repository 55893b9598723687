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
