//! The crate's one error type, and how Cloudbeds failures are classified.
//!
//! Cloudbeds v1.x reports most failures as `{"success": false, "message": "..."}`,
//! often inside HTTP 200 (`src/pms-v1.3-openapi.yaml` documents only `200`
//! responses; vendor notes §5). No error codes are documented, so a
//! `success: false` body is classified by its message ([`classify_message`]).
//! Messages never carry credentials; vendor messages are truncated.

use std::time::Duration;

use pms_core::{ErrorKind, PmsKind};

/// Everything that can go wrong talking to Cloudbeds.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudbedsError {
    /// The request could not be sent or no response arrived, and resending is safe
    /// (a read, or a write that never left: connection refused, DNS, TLS).
    #[error("transport error on {method}: {message}")]
    Transport {
        /// The API method (`getReservation`).
        method: &'static str,
        /// What failed.
        message: String,
    },
    /// A write was (possibly) sent and no answer came back: it may have been applied.
    #[error("outcome of {method} unknown: {message}")]
    OutcomeUnknown {
        /// The API method (`postCustomItem`).
        method: &'static str,
        /// What happened.
        message: String,
        /// `X-Request-ID`, if a partial answer carried it.
        request_id: Option<String>,
    },
    /// HTTP 429, or a `success: false` message about request rates.
    #[error("rate limited on {method}")]
    RateLimited {
        /// The API method.
        method: &'static str,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
        /// `X-Request-ID`.
        request_id: Option<String>,
    },
    /// 401/403, a refused token refresh, or an access-denied message.
    #[error("authentication failed on {method}: {message}")]
    Auth {
        /// The API method (or `access_token`).
        method: &'static str,
        /// What was refused (never the credential).
        message: String,
        /// `X-Request-ID`.
        request_id: Option<String>,
    },
    /// `success: false` (or a 4xx/5xx) with a message, classified into `kind`.
    #[error("cloudbeds {method} failed ({status}): {message}")]
    Api {
        /// The API method.
        method: &'static str,
        /// The HTTP status (200 when the error was inside a 200).
        status: u16,
        /// The classification of `message`.
        kind: ErrorKind,
        /// Cloudbeds' `message`, truncated.
        message: String,
        /// `X-Request-ID`.
        request_id: Option<String>,
    },
    /// Refused by this connector before anything was sent, because the PMS
    /// state it read forbids the write (a charge on a cancelled stay): no
    /// Cloudbeds answer is behind it, unlike [`CloudbedsError::Api`].
    #[error("{method} not sent: {reason}")]
    Refused {
        /// The API method that was not called.
        method: &'static str,
        /// Why (never guest data).
        reason: String,
    },
    /// The payload did not match the documented format.
    #[error("cannot decode cloudbeds payload at `{path}`: {message}")]
    Decode {
        /// JSON path of the failure (`data[3].status`).
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// A webhook was rejected (bad token, wrong property, too large).
    #[error("webhook rejected: {0}")]
    WebhookRejected(String),
    /// Our input cannot be sent to Cloudbeds.
    #[error("invalid input: {0}")]
    Validation(String),
    /// Cloudbeds (or this connector) cannot do that.
    #[error("cloudbeds does not support {0}")]
    Unsupported(&'static str),
    /// Configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
}

impl CloudbedsError {
    /// The classification the sync layer acts on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CloudbedsError::Transport { .. } => ErrorKind::Transient,
            CloudbedsError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            CloudbedsError::RateLimited { .. } => ErrorKind::RateLimited,
            CloudbedsError::Auth { .. } | CloudbedsError::WebhookRejected(_) => ErrorKind::Auth,
            CloudbedsError::Api { kind, .. } => *kind,
            CloudbedsError::Refused { .. } => ErrorKind::Conflict,
            CloudbedsError::Decode { .. } => ErrorKind::Decode,
            CloudbedsError::Validation(_) => ErrorKind::Validation,
            CloudbedsError::Unsupported(_) => ErrorKind::Unsupported,
            CloudbedsError::Config(_) => ErrorKind::Config,
        }
    }

    pub(crate) fn decode(path: impl Into<String>, message: impl Into<String>) -> Self {
        CloudbedsError::Decode {
            path: path.into(),
            message: pms_core::without_quoted_values(&message.into()),
        }
    }

    /// From a `serde_path_to_error` failure, with the path prefixed by `prefix` (`$`).
    pub(crate) fn from_path_error(prefix: &str, err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let path = if path == "." || path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{path}")
        };
        CloudbedsError::decode(path, err.into_inner().to_string())
    }
}

/// Classifies a Cloudbeds `message` (from `success: false`) into an error kind.
///
/// Cloudbeds documents no error codes for v1.x, so this looks for the
/// phrases its messages use. Anything unrecognised is [`ErrorKind::Vendor`],
/// never a success and never a guess at something retryable.
pub fn classify_message(message: &str) -> ErrorKind {
    let m = message.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if has(&["too many requests", "rate limit", "ratelimit", "throttl"]) {
        ErrorKind::RateLimited
    } else if has(&[
        "access denied",
        "access_denied",
        "unauthorized",
        "unauthorised",
        "invalid token",
        "invalid access token",
        "token expired",
        "expired token",
        "invalid api key",
        "invalid_grant",
        "permission",
        "scope",
        "not allowed to access",
    ]) {
        ErrorKind::Auth
    } else if has(&[
        "not found",
        "does not exist",
        "doesn't exist",
        "could not find",
        "couldn't find",
        "no reservation",
        "unknown reservation",
        "invalid reservation",
        "invalid reservationid",
    ]) {
        ErrorKind::NotFound
    } else if has(&[
        "already",
        "cannot be changed",
        "can't be changed",
        "not possible",
        "is closed",
        "locked",
        "status does not allow",
    ]) {
        ErrorKind::Conflict
    } else if has(&[
        "required",
        "invalid",
        "must be",
        "missing",
        "wrong format",
        "not valid",
    ]) {
        ErrorKind::Validation
    } else {
        ErrorKind::Vendor
    }
}

/// Vendor messages are kept short in errors and logs.
pub(crate) fn truncate(message: &str) -> String {
    const MAX: usize = 300;
    if message.len() <= MAX {
        return message.to_owned();
    }
    let mut end = MAX;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

impl From<CloudbedsError> for pms_core::Error {
    fn from(err: CloudbedsError) -> Self {
        let kind = err.kind();
        match err {
            CloudbedsError::Transport { method, message } => pms_core::Error::Transient {
                message: format!("{method}: {message}"),
                vendor_request_id: None,
            },
            CloudbedsError::OutcomeUnknown {
                method,
                message,
                request_id,
            } => pms_core::Error::OutcomeUnknown {
                operation: method,
                message,
                vendor_request_id: request_id,
            },
            CloudbedsError::RateLimited {
                retry_after,
                request_id,
                ..
            } => pms_core::Error::RateLimited {
                retry_after,
                vendor_request_id: request_id,
            },
            CloudbedsError::Auth {
                method,
                message,
                request_id,
            } => pms_core::Error::Auth {
                message: format!("{method}: {message}"),
                vendor_request_id: request_id,
            },
            CloudbedsError::WebhookRejected(message) => pms_core::Error::Auth {
                message: format!("webhook rejected: {message}"),
                vendor_request_id: None,
            },
            CloudbedsError::Api {
                method,
                status,
                message,
                request_id,
                ..
            } => {
                let message = format!("{method}: {message}");
                match kind {
                    ErrorKind::RateLimited => pms_core::Error::RateLimited {
                        retry_after: None,
                        vendor_request_id: request_id,
                    },
                    ErrorKind::Auth => pms_core::Error::Auth {
                        message,
                        vendor_request_id: request_id,
                    },
                    ErrorKind::NotFound => pms_core::Error::NotFound {
                        what: message,
                        vendor_request_id: request_id,
                    },
                    ErrorKind::Conflict => pms_core::Error::Conflict {
                        message,
                        vendor_request_id: request_id,
                    },
                    ErrorKind::Validation => pms_core::Error::Validation { message },
                    ErrorKind::Transient => pms_core::Error::Transient {
                        message,
                        vendor_request_id: request_id,
                    },
                    _ => pms_core::Error::Vendor {
                        pms: PmsKind::Cloudbeds,
                        code: status.to_string(),
                        message,
                        vendor_request_id: request_id,
                    },
                }
            }
            CloudbedsError::Refused { method, reason } => pms_core::Error::Conflict {
                message: format!("{method} not sent: {reason}"),
                vendor_request_id: None,
            },
            CloudbedsError::Decode { path, message } => pms_core::Error::Decode {
                pms: PmsKind::Cloudbeds,
                path,
                message,
            },
            CloudbedsError::Validation(message) => pms_core::Error::Validation { message },
            CloudbedsError::Unsupported(operation) => pms_core::Error::Unsupported {
                pms: PmsKind::Cloudbeds,
                operation,
            },
            CloudbedsError::Config(reason) => pms_core::Error::Config {
                variable: "PMS_HOTEL_*_CLOUDBEDS_*".into(),
                reason,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_classified() {
        let cases = [
            ("Reservation not found", ErrorKind::NotFound),
            ("Access denied", ErrorKind::Auth),
            ("Too Many Requests", ErrorKind::RateLimited),
            ("Item already voided", ErrorKind::Conflict),
            ("Parameter reservationID is required", ErrorKind::Validation),
            ("Something odd happened", ErrorKind::Vendor),
        ];
        for (message, kind) in cases {
            assert_eq!(classify_message(message), kind, "{message}");
        }
    }

    #[test]
    fn api_errors_convert_to_core_kinds() {
        let err = CloudbedsError::Api {
            method: "getReservation",
            status: 200,
            kind: ErrorKind::NotFound,
            message: "Reservation not found".into(),
            request_id: Some("r-1".into()),
        };
        let core: pms_core::Error = err.into();
        assert_eq!(core.kind(), ErrorKind::NotFound);
        assert_eq!(core.vendor_request_id(), Some("r-1"));
    }

    #[test]
    fn refusals_before_sending_are_conflicts_without_a_vendor_status() {
        let err = CloudbedsError::Refused {
            method: "postCustomItem",
            reason: "reservation is canceled".into(),
        };
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert_eq!(
            err.to_string(),
            "postCustomItem not sent: reservation is canceled"
        );
        let core: pms_core::Error = err.into();
        assert_eq!(core.kind(), ErrorKind::Conflict);
        assert_eq!(core.vendor_request_id(), None);
    }
}
