//! The crate's one error type, and how Mews answers map to
//! [`pms_core::Error`] kinds.
//!
//! Status codes follow <https://docs.mews.com/connector-api/guidelines/responses>:
//! - 400: `Invalid {Parameter}` / `Invalid JSON`: our input. → `Validation`
//! - 401: invalid/expired tokens, disabled integration, missing permission. → `Auth`
//! - 403: a *business rule* refused the call ("should be surfaced to the end
//!   user"), not a credential problem. → `Conflict`
//! - 404: a wrong *address* (case, trailing slash), never a missing record
//!   (records that do not exist answer 400 or an empty list). → `Config`
//! - 408: heavy request timed out server-side; 5xx: server failure.
//!   → `Transient` on reads; `OutcomeUnknown` on writes (the vendor notes
//!   §10 rule 2: never resend a write blindly after a 5xx or timeout).
//! - 409: "the data has changed". → `Conflict`
//! - 413: → `Validation`
//! - 429: → `RateLimited`, with `Retry-After` (delta-seconds or HTTP-date,
//!   the format is undocumented: `pms_http::parse_retry_after` takes both).

use std::time::Duration;

use pms_core::{Error, ErrorKind, PmsKind};
use pms_http::{Answer, TransportError};

/// Longest vendor message kept in an error (the rest is cut).
const MAX_MESSAGE_CHARS: usize = 300;

/// Whether a call changes state in Mews: decides how ambiguous failures map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// A read: safe to retry.
    Read,
    /// A write: never retried blindly; ambiguous failures are `OutcomeUnknown`.
    Write,
}

/// Everything that can go wrong in this crate. Converts into
/// [`pms_core::Error`]; messages carry ids and vendor text, never tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MewsError {
    /// Mews answered with a non-success status.
    #[error("Mews answered HTTP {status} to {operation}: {message}")]
    Http {
        /// `resource/operation`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The error body's `Message` (cut to a few hundred characters).
        message: String,
        /// `Request-Id` header (or the body's `RequestId`).
        request_id: Option<String>,
        /// `Retry-After`, parsed.
        retry_after: Option<Duration>,
        /// Read or write.
        kind: CallKind,
    },
    /// The connection could not be made: nothing was sent.
    #[error("cannot connect to Mews for {operation}: {reason}")]
    Connect {
        /// `resource/operation`.
        operation: &'static str,
        /// Transport detail (no URL query, no body).
        reason: String,
    },
    /// The request went out (or may have) and no complete answer came back.
    #[error("no complete answer from Mews for {operation}: {reason}")]
    NoAnswer {
        /// `resource/operation`.
        operation: &'static str,
        /// Transport detail.
        reason: String,
        /// `Request-Id`, when headers arrived.
        request_id: Option<String>,
        /// Read or write.
        kind: CallKind,
    },
    /// The answer was larger than the cap.
    #[error("answer of {operation} exceeds {limit} bytes")]
    BodyTooLarge {
        /// `resource/operation`.
        operation: &'static str,
        /// The cap.
        limit: usize,
        /// `Request-Id`.
        request_id: Option<String>,
        /// Read or write.
        kind: CallKind,
    },
    /// A payload did not match the documented format.
    #[error("cannot decode Mews payload at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure (`Reservations[0].State`).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A webhook without the right shared-secret token.
    #[error("webhook token missing or wrong")]
    WebhookUnauthorized,
    /// A webhook body larger than the cap.
    #[error("webhook body exceeds {limit} bytes")]
    WebhookTooLarge {
        /// The cap.
        limit: usize,
    },
    /// A webhook receiver or router that cannot be set up as configured
    /// (token too short, enterprise missing or routed twice).
    #[error("Mews webhook setup: {reason}")]
    WebhookSetup {
        /// What is wrong (never the token).
        reason: String,
    },
    /// An authenticated webhook whose enterprise or integration is not the
    /// receiving hotel's.
    #[error("webhook is for another enterprise or integration than this hotel's")]
    WebhookForeign,
    /// A webhook body that is neither a General nor an Integration webhook.
    #[error("unrecognized webhook body: {reason}")]
    WebhookUnrecognized {
        /// Why.
        reason: String,
    },
}

impl MewsError {
    /// A request that got no complete answer: never sent (no connection) is
    /// [`MewsError::Connect`], lost after it may have left is
    /// [`MewsError::NoAnswer`], an answer over the cap [`MewsError::BodyTooLarge`].
    pub(crate) fn from_transport(err: TransportError, kind: CallKind) -> Self {
        let operation = err.operation();
        let request_id = err.request_id().map(str::to_owned);
        match err {
            TransportError::TooLarge { limit, .. } => MewsError::BodyTooLarge {
                operation,
                limit,
                request_id,
                kind,
            },
            err if err.never_sent() => MewsError::Connect {
                operation,
                reason: err.reason(),
            },
            err => MewsError::NoAnswer {
                operation,
                reason: err.reason(),
                request_id,
                kind,
            },
        }
    }

    /// A decode error from a `serde_path_to_error` failure, prefixed by `prefix`.
    pub(crate) fn from_path_error(prefix: &str, err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let inner = err.path().to_string();
        let path = match (prefix.is_empty(), inner.as_str()) {
            (true, _) => inner.clone(),
            (false, ".") => prefix.to_owned(),
            (false, _) => format!("{prefix}.{inner}"),
        };
        MewsError::Decode {
            path,
            message: without_values(&err.into_inner().to_string()),
        }
    }
}

/// A parser's message without the vendor values it quotes (serde puts them
/// in double quotes or backticks; decode errors reach logs and `pms sync`
/// output): [`pms_core::without_vendor_values`], shared by every connector.
pub(crate) fn without_values(message: &str) -> String {
    pms_core::without_vendor_values(message)
}

impl From<MewsError> for Error {
    fn from(err: MewsError) -> Self {
        match err {
            MewsError::Http {
                operation,
                status,
                message,
                request_id,
                retry_after,
                kind,
            } => from_status(operation, status, message, request_id, retry_after, kind),
            MewsError::Connect { operation, reason } => Error::Transient {
                message: format!("{operation}: cannot connect: {reason}"),
                vendor_request_id: None,
            },
            MewsError::NoAnswer {
                operation,
                reason,
                request_id,
                kind,
            } => match kind {
                CallKind::Read => Error::Transient {
                    message: format!("{operation}: {reason}"),
                    vendor_request_id: request_id,
                },
                CallKind::Write => Error::OutcomeUnknown {
                    operation,
                    message: reason,
                    vendor_request_id: request_id,
                },
            },
            MewsError::BodyTooLarge {
                operation,
                limit,
                request_id,
                kind,
            } => match kind {
                CallKind::Read => Error::Vendor {
                    pms: PmsKind::Mews,
                    code: "response-too-large".into(),
                    message: format!("{operation} answered more than {limit} bytes"),
                    vendor_request_id: request_id,
                },
                // It succeeded (2xx) but we could not read what it made.
                CallKind::Write => Error::OutcomeUnknown {
                    operation,
                    message: format!("answer larger than {limit} bytes"),
                    vendor_request_id: request_id,
                },
            },
            MewsError::Decode { path, message } => Error::decode(PmsKind::Mews, path, message),
            MewsError::WebhookUnauthorized => Error::Auth {
                message: "webhook token missing or wrong".into(),
                vendor_request_id: None,
            },
            MewsError::WebhookSetup { reason } => Error::config("mews.webhook", reason),
            MewsError::WebhookForeign => {
                Error::validation("webhook is for another enterprise or integration than this hotel's")
            }
            MewsError::WebhookTooLarge { limit } => {
                Error::validation(format!("webhook body exceeds {limit} bytes"))
            }
            MewsError::WebhookUnrecognized { reason } => {
                Error::decode(PmsKind::Mews, "$", format!("unrecognized webhook body: {reason}"))
            }
        }
    }
}

fn from_status(
    operation: &'static str,
    status: u16,
    message: String,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    kind: CallKind,
) -> Error {
    let text = format!("{operation}: HTTP {status}: {message}");
    match status {
        429 => Error::RateLimited {
            retry_after,
            vendor_request_id: request_id,
        },
        401 => Error::Auth {
            message: text,
            vendor_request_id: request_id,
        },
        403 | 409 => Error::Conflict {
            message: text,
            vendor_request_id: request_id,
        },
        400 | 413 | 422 => Error::Validation {
            message: match request_id {
                Some(id) => format!("{text} (Mews request {id})"),
                None => text,
            },
        },
        404 => Error::config(
            "base_url",
            format!(
                "Mews answered 404 to {operation}: the address is wrong (case, trailing slash, base URL): {message}"
            ),
        ),
        408 | 500..=599 => match kind {
            CallKind::Read => Error::Transient {
                message: text,
                vendor_request_id: request_id,
            },
            CallKind::Write => Error::OutcomeUnknown {
                operation,
                message: format!("HTTP {status}: {message}"),
                vendor_request_id: request_id,
            },
        },
        _ => Error::Vendor {
            pms: PmsKind::Mews,
            code: status.to_string(),
            message: text,
            vendor_request_id: request_id,
        },
    }
}

/// Cuts a vendor message to a bounded length, with quoted values redacted:
/// Mews' `Message` may echo what was sent (a guest's name or email), and the
/// message ends up in error texts and logs.
pub(crate) fn bounded_message(message: &str) -> String {
    let redacted = without_values(message);
    let trimmed = redacted.trim();
    if trimmed.chars().count() <= MAX_MESSAGE_CHARS {
        return trimmed.to_owned();
    }
    let mut cut: String = trimmed.chars().take(MAX_MESSAGE_CHARS).collect();
    cut.push('…');
    cut
}

/// The transport's status table for reads: what [`from_status`] makes
/// `RateLimited` (429) or `Transient` (408, 5xx) is sent again; every other
/// answer is final.
pub(crate) fn read_failure(answer: &Answer) -> Option<ErrorKind> {
    match answer.code() {
        429 => Some(ErrorKind::RateLimited),
        408 | 500..=599 => Some(ErrorKind::Transient),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, kind: CallKind) -> Error {
        MewsError::Http {
            operation: "reservations/start",
            status,
            message: "Invalid ReservationId".into(),
            request_id: Some("req-9".into()),
            retry_after: None,
            kind,
        }
        .into()
    }

    #[test]
    fn statuses_map_to_documented_kinds() {
        let read: Vec<_> = [400, 401, 403, 404, 408, 409, 413, 429, 500, 503, 418]
            .iter()
            .map(|s| http(*s, CallKind::Read).kind())
            .collect();
        assert_eq!(
            read,
            [
                ErrorKind::Validation,
                ErrorKind::Auth,
                ErrorKind::Conflict,
                ErrorKind::Config,
                ErrorKind::Transient,
                ErrorKind::Conflict,
                ErrorKind::Validation,
                ErrorKind::RateLimited,
                ErrorKind::Transient,
                ErrorKind::Transient,
                ErrorKind::Vendor,
            ]
        );
        let write: Vec<_> = [408, 500, 502]
            .iter()
            .map(|s| http(*s, CallKind::Write).kind())
            .collect();
        assert_eq!(write, [ErrorKind::OutcomeUnknown; 3]);
    }

    #[test]
    fn request_id_is_kept() {
        assert_eq!(http(401, CallKind::Read).vendor_request_id(), Some("req-9"));
        assert_eq!(http(500, CallKind::Write).vendor_request_id(), Some("req-9"));
    }

    #[test]
    fn quoted_values_in_vendor_messages_are_redacted() {
        let message = bounded_message(r#"Invalid email "anna.berg@example.org" for customer "Anna Berg"."#);
        assert_eq!(
            message,
            r#"Invalid email "<redacted>" for customer "<redacted>"."#
        );
    }

    #[test]
    fn every_status_keeps_the_vendor_message() {
        // The constructed 400 body of fixtures/mews/error_400.constructed.json.
        for status in [400, 401, 403, 404, 408, 409, 413, 418, 500, 503] {
            for kind in [CallKind::Read, CallKind::Write] {
                let err: Error = MewsError::Http {
                    operation: "services/getAvailability",
                    status,
                    message: bounded_message("Invalid ServiceIds"),
                    request_id: None,
                    retry_after: None,
                    kind,
                }
                .into();
                let text = err.to_string();
                assert!(text.contains("Invalid ServiceIds"), "{status}: {text}");
            }
        }
    }

    #[test]
    fn parser_messages_lose_the_values_they_quote() {
        let cases = [
            (
                "invalid type: integer `19310231`, expected a string at line 1 column 9",
                "invalid type: integer `<redacted>`, expected a string at line 1 column 9",
            ),
            (
                r#"invalid type: string "Zebulon \"Q\" Quist", expected u16"#,
                r#"invalid type: string "<redacted>", expected u16"#,
            ),
            (
                "unknown variant `Zebulon`, expected one of `Customer`, `Company`",
                "unknown variant `<redacted>`, expected one of `Customer`, `Company`",
            ),
            (
                r#"invalid value: string "a, expected b `x`", expected a date"#,
                r#"invalid value: string "<redacted>", expected a date"#,
            ),
            (
                "input contains invalid characters",
                "input contains invalid characters",
            ),
            ("unterminated `Zebulon", "unterminated `<redacted>"),
        ];
        for (message, expected) in cases {
            assert_eq!(without_values(message), expected);
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(1000);
        assert_eq!(bounded_message(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
