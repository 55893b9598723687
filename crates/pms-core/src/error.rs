//! The one error type of the model, classified so callers never string-match.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Currency, HotelId, PmsKind, ProfileMismatch};

/// What the sync layer should do about an error. Every [`Error`] has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A blip (timeout before sending, 5xx, connection refused): retry with backoff.
    Transient,
    /// The vendor asked us to slow down; retry after the given delay.
    RateLimited,
    /// Credentials missing, wrong, expired or lacking scope: a human must act.
    Auth,
    /// The record does not exist in the PMS.
    NotFound,
    /// The PMS state forbids the write (already checked in, folio closed, ...).
    Conflict,
    /// Our input is invalid; resending it will fail the same way.
    Validation,
    /// The PMS or this connector cannot do that operation.
    Unsupported,
    /// The request was sent and no answer came back: it may have been applied.
    /// Never resend blindly; read back first.
    OutcomeUnknown,
    /// A business error from the vendor not covered by a more specific kind.
    Vendor,
    /// The vendor's payload did not match its documented format.
    Decode,
    /// Configuration is missing or malformed.
    Config,
}

impl ErrorKind {
    /// Whether sending the same request again may succeed. `OutcomeUnknown`
    /// is deliberately *not* retryable: it needs a read-back first.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::RateLimited)
    }
}

/// Errors of the model, the `PmsClient` trait and configuration.
///
/// Messages never contain PII or secrets: connectors put vendor codes and
/// our own ids in them, never a guest's name or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// See [`ErrorKind::Transient`].
    #[error("transient failure: {message}")]
    Transient {
        /// What failed.
        message: String,
        /// The vendor's request id (Mews `Request-Id`, OPERA `transactionID`), if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::RateLimited`].
    #[error("rate limited by the PMS{}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// How long the vendor asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::Auth`].
    #[error("authentication failed: {message}")]
    Auth {
        /// What the vendor said (never the credential itself).
        message: String,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::NotFound`].
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, by id.
        what: String,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::Conflict`].
    #[error("conflict with PMS state: {message}")]
    Conflict {
        /// Why the PMS refused.
        message: String,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::Validation`].
    #[error("invalid input: {message}")]
    Validation {
        /// What is wrong.
        message: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {left} and {right}")]
    CurrencyMismatch {
        /// The left operand's currency.
        left: Currency,
        /// The right operand's currency.
        right: Currency,
    },
    /// See [`ErrorKind::Unsupported`].
    #[error("{pms} does not support {operation}")]
    Unsupported {
        /// The PMS asked.
        pms: PmsKind,
        /// The operation it cannot do.
        operation: &'static str,
    },
    /// See [`ErrorKind::OutcomeUnknown`].
    #[error("outcome of {operation} unknown: {message}")]
    OutcomeUnknown {
        /// The write whose outcome is unknown.
        operation: &'static str,
        /// What happened (timeout after send, connection reset, ...).
        message: String,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::Vendor`].
    #[error("{pms} error {code}: {message}")]
    Vendor {
        /// The PMS that answered.
        pms: PmsKind,
        /// The vendor's error code (`OperaErrorCode`, HTTP status, ...).
        code: String,
        /// The vendor's message, stripped of PII by the connector.
        message: String,
        /// The vendor's request id, if any.
        vendor_request_id: Option<String>,
    },
    /// See [`ErrorKind::Decode`].
    #[error("cannot decode {pms} payload at `{path}`: {message}")]
    Decode {
        /// The PMS whose payload it was.
        pms: PmsKind,
        /// JSON path or XML element path of the failure (`$.Reservations[3].State`).
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// The PMS reports a currency or time zone other than the configured one
    /// (see [`PropertyProfile::check`](crate::PropertyProfile::check)). Kind
    /// [`ErrorKind::Config`]: a human must fix a variable.
    #[error("{}", crate::profile::describe(hotel, *pms, mismatches))]
    ProfileMismatch {
        /// The hotel.
        hotel: HotelId,
        /// Its PMS.
        pms: PmsKind,
        /// Every fact that disagrees (at least one).
        mismatches: Vec<ProfileMismatch>,
    },
    /// See [`ErrorKind::Config`].
    #[error("configuration variable {variable}: {reason}")]
    Config {
        /// The environment variable at fault.
        variable: String,
        /// Why (never its value when it holds a secret).
        reason: String,
    },
}

impl Error {
    /// The classification the sync layer acts on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Transient { .. } => ErrorKind::Transient,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Validation { .. } | Error::CurrencyMismatch { .. } => ErrorKind::Validation,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Vendor { .. } => ErrorKind::Vendor,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Config { .. } | Error::ProfileMismatch { .. } => ErrorKind::Config,
        }
    }

    /// How long to wait before retrying, when the vendor said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The vendor's id for the failed request, for support tickets and logs.
    pub fn vendor_request_id(&self) -> Option<&str> {
        match self {
            Error::Transient {
                vendor_request_id, ..
            }
            | Error::RateLimited {
                vendor_request_id, ..
            }
            | Error::Auth {
                vendor_request_id, ..
            }
            | Error::NotFound {
                vendor_request_id, ..
            }
            | Error::Conflict {
                vendor_request_id, ..
            }
            | Error::OutcomeUnknown {
                vendor_request_id, ..
            }
            | Error::Vendor {
                vendor_request_id, ..
            } => vendor_request_id.as_deref(),
            _ => None,
        }
    }

    /// Shorthand for [`Error::Validation`].
    pub fn validation(message: impl Into<String>) -> Self {
        Error::Validation {
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Transient`] without a vendor request id.
    pub fn transient(message: impl Into<String>) -> Self {
        Error::Transient {
            message: message.into(),
            vendor_request_id: None,
        }
    }

    /// Shorthand for [`Error::NotFound`] without a vendor request id.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound {
            what: what.into(),
            vendor_request_id: None,
        }
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(pms: PmsKind, operation: &'static str) -> Self {
        Error::Unsupported { pms, operation }
    }

    /// Shorthand for [`Error::Decode`].
    /// The message passes through [`without_quoted_values`]: decode errors are
    /// logged, and the values a parser quotes come from vendor payloads.
    pub fn decode(pms: PmsKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Decode {
            pms,
            path: path.into(),
            message: without_quoted_values(&message.into()),
        }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(variable: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            variable: variable.into(),
            reason: reason.into(),
        }
    }
}

/// A parser's message with every double-quoted run replaced by `"<redacted>"`.
///
/// serde quotes the offending input (`invalid type: string "Jane Doe",
/// expected u16`), and a vendor payload's value can be a guest's name, email
/// or document number. Decode errors end up in logs, so connectors pass
/// every parser message through [`without_vendor_values`], which also cuts
/// the values serde puts in backticks; this one cuts double-quoted runs only
/// (a vendor's own message, whose backticks are not serde's).
pub fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        // Skip to the closing quote, honouring backslash escapes.
        let mut closed = false;
        while let Some(inner) = chars.next() {
            match inner {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    closed = true;
                    break;
                }
                _ => {}
            }
        }
        out.push_str("<redacted>");
        if closed {
            out.push('"');
        }
    }
    out
}

/// A parser's message without the vendor values it quotes.
///
/// serde puts strings in double quotes (`invalid type: string "1931-02-31"`)
/// and numbers, booleans and enum variants in backticks (`invalid type:
/// integer `42`, expected a string`; `unknown variant `x``). Both can be a
/// guest's data, so both are replaced by `<redacted>`. Kept: the names
/// after `field ` (`missing field `guestID``, ours), and everything from
/// the first `expected` on (what our code expected, never vendor data).
/// The JSON path of the error names the spot.
pub fn without_vendor_values(message: &str) -> String {
    let quoted_out = without_quoted_values(message);
    let (head, tail) = match quoted_out.find("expected") {
        Some(at) => quoted_out.split_at(at),
        None => (quoted_out.as_str(), ""),
    };
    let mut out = String::with_capacity(quoted_out.len());
    let mut rest = head;
    while let Some(open) = rest.find('`') {
        let (before, from_tick) = rest.split_at(open);
        out.push_str(before);
        let inner = from_tick.get(1..).unwrap_or_default();
        let Some(close) = inner.find('`') else {
            // An unterminated run: everything after the tick is a value.
            out.push_str("`<redacted>");
            rest = "";
            break;
        };
        let name = inner.get(..close).unwrap_or_default();
        out.push('`');
        if before.ends_with("field ") {
            out.push_str(name);
        } else {
            out.push_str("<redacted>");
        }
        out.push('`');
        rest = inner.get(close.saturating_add(1)..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push_str(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_and_rate_limited_are_blindly_retryable() {
        let retryable: Vec<_> = [
            Error::transient("reset"),
            Error::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                vendor_request_id: None,
            },
            Error::OutcomeUnknown {
                operation: "post_charge",
                message: "timeout".into(),
                vendor_request_id: None,
            },
            Error::validation("bad"),
            Error::unsupported(PmsKind::Opera, "card_hold"),
        ]
        .iter()
        .map(|e| e.kind().is_retryable())
        .collect();
        assert_eq!(retryable, [true, true, false, false, false]);
    }

    #[test]
    fn rate_limit_exposes_retry_after_and_request_id() {
        let err = Error::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
            vendor_request_id: Some("req-1".into()),
        };
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(err.vendor_request_id(), Some("req-1"));
        assert_eq!(err.to_string(), "rate limited by the PMS, retry after 30s");
    }
}
