//! The crate's one error type, and how Cloudbeds failures are classified.
//!
//! Cloudbeds v1.x reports most failures as `{"success": false, "message": "..."}`,
//! often inside HTTP 200 (`src/pms-v1.3-openapi.yaml` documents only `200`
//! responses and no error codes). Cloudbeds' newer services answer with a
//! machine-readable code instead, in one of these shapes:
//! * `{"id", "timestamp", "errorCode", "errorDetails"}`: the Accounting API's
//!   `ApiAccountingError` (`src/accounting-v1.0-openapi.json`,
//!   `components.schemas.ApiAccountingError`, codes in `ApiErrorCode`);
//! * `{"id", "timestamp", "code", "description"}`: a body recorded verbatim in
//!   `omniboost/go-cloudbeds` (`error.access_denied.json`,
//!   `{"code": "ACCESS_DENIED", "description": "Access denied"}`);
//! * `{"message", "code", "timestamp"}`: `ApiError` of
//!   `src/group-profile-v1.0-openapi.yaml` and the v2 error schemas of
//!   `src/pms-v2.0-openapi.yaml`.
//!
//! A body with a code is classified by the code ([`classify_code`]), one
//! without by its message ([`classify_message`]). The vendor's code and
//! message are kept in the error, bounded and with quoted values redacted
//! ([`vendor_text`]): a vendor message may echo what was sent. Decode errors
//! never quote the offending value ([`without_vendor_values`]): the JSON path
//! names the spot. Messages never carry credentials.

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
    /// `success: false` (or a 4xx/5xx, or a body with an error code),
    /// classified into `kind`.
    #[error("cloudbeds {method} failed ({status}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Api {
        /// The API method.
        method: &'static str,
        /// The HTTP status (200 when the error was inside a 200).
        status: u16,
        /// The classification of `code`, else of `message`.
        kind: ErrorKind,
        /// The vendor's machine-readable code (`ACCESS_DENIED`), when it sent one.
        code: Option<String>,
        /// Cloudbeds' message, bounded, quoted values redacted ([`vendor_text`]).
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
            message: without_vendor_values(&message.into()),
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

/// Classifies a code from one of Cloudbeds' coded error bodies (see the
/// module docs for where each list is published). `None` for a code not
/// listed, which is then classified by its message.
///
/// * Auth: `ACCESS_DENIED` ("You do not have permission to perform this
///   operation on the specified property", `ApiErrorCode`; group-profile
///   `ApiError` 403), `ORGANIZATION_MISMATCH` (group-profile 403),
///   `INVALID_USER_INFORMATION` ("The user information provided is invalid
///   or could not be resolved", `ApiErrorCode`).
/// * NotFound: `ENTITY_NOT_FOUND`, `RESOURCE_NOT_FOUND` and every other
///   `*_NOT_FOUND` (`BOOKING_NOT_FOUND`, `GROUP_PROFILE_NOT_FOUND`,
///   `PROFILE_NOT_FOUND`, `CHECK_NOT_FOUND`, ...).
/// * Validation: `INVALID_REQUEST`, `INVALID_ARGUMENT_ERROR`,
///   `INVALID_PARAMETER`, `INVALID_ENUM_VALUE`, `INVALID_JSON` and other
///   `INVALID_*`, `VALIDATION_ERROR`.
/// * Conflict: `NOT_UNIQUE_VALUE`, `RESOURCE_ALREADY_EXISTS`, `DUPLICATE_*`,
///   `IDEMPOTENCY_KEY_REUSED`, `*_CONFLICT`, `*_STATUS_ERROR` ("is in a
///   status that does not allow this operation"), `FOLIO_HAS_TRANSACTIONS`,
///   `SOURCE_HAS_ROUTED_TRANSACTIONS`, `DEPOSIT_TRANSACTION_CAN_NOT_BE_TRANSFERRED`,
///   `GROUP_PROFILE_FOLIO_ERROR`, `*CONFIRMATION_REQUIRED`.
/// * Unsupported: `*_FEATURE_DISABLED` ("feature is not enabled for this property").
/// * Transient: `UNEXPECTED_ERROR` ("Retry the request or contact support"),
///   `INTERNAL_ERROR`, `DATABASE_ERROR`.
/// * Vendor: `UNKNOWN_ERROR` ("An unclassified error occurred").
pub fn classify_code(code: &str) -> Option<ErrorKind> {
    let c = code.trim().to_ascii_uppercase();
    let kind = match c.as_str() {
        "ACCESS_DENIED" | "ORGANIZATION_MISMATCH" | "INVALID_USER_INFORMATION" => ErrorKind::Auth,
        "VALIDATION_ERROR" => ErrorKind::Validation,
        "NOT_UNIQUE_VALUE"
        | "RESOURCE_ALREADY_EXISTS"
        | "IDEMPOTENCY_KEY_REUSED"
        | "FOLIO_HAS_TRANSACTIONS"
        | "SOURCE_HAS_ROUTED_TRANSACTIONS"
        | "DEPOSIT_TRANSACTION_CAN_NOT_BE_TRANSFERRED"
        | "GROUP_PROFILE_FOLIO_ERROR" => ErrorKind::Conflict,
        "UNEXPECTED_ERROR" | "INTERNAL_ERROR" | "DATABASE_ERROR" => ErrorKind::Transient,
        "UNKNOWN_ERROR" => ErrorKind::Vendor,
        _ if c.ends_with("_NOT_FOUND") => ErrorKind::NotFound,
        _ if c.starts_with("INVALID_") => ErrorKind::Validation,
        _ if c.starts_with("DUPLICATE_")
            || c.ends_with("_CONFLICT")
            || c.ends_with("_STATUS_ERROR")
            || c.ends_with("CONFIRMATION_REQUIRED") =>
        {
            ErrorKind::Conflict
        }
        _ if c.ends_with("_FEATURE_DISABLED") => ErrorKind::Unsupported,
        _ => return None,
    };
    Some(kind)
}

/// Longest vendor message kept in errors and logs (the rest is cut).
const MAX_MESSAGE_CHARS: usize = 300;

/// A vendor message as kept in an error: quoted values redacted (a message
/// may echo what was sent: a guest's name or e-mail, as `pms-mews` redacts
/// Mews' `Message`), trimmed, and cut to 300 characters.
pub fn vendor_text(message: &str) -> String {
    let redacted = pms_core::without_quoted_values(message);
    let trimmed = redacted.trim();
    match trimmed.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => trimmed.to_owned(),
        Some((end, _)) => format!("{}…", trimmed.get(..end).unwrap_or_default()),
    }
}

pub use pms_core::without_vendor_values;

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
                code,
                message,
                request_id,
                ..
            } => {
                let message = match &code {
                    Some(code) => format!("{method}: {code}: {message}"),
                    None => format!("{method}: {message}"),
                };
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
                    ErrorKind::Unsupported => pms_core::Error::Unsupported {
                        pms: PmsKind::Cloudbeds,
                        operation: method,
                    },
                    _ => pms_core::Error::Vendor {
                        pms: PmsKind::Cloudbeds,
                        code: code.unwrap_or_else(|| status.to_string()),
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
    fn codes_are_classified_as_cloudbeds_documents_them() {
        let cases = [
            ("ACCESS_DENIED", Some(ErrorKind::Auth)),
            ("access_denied", Some(ErrorKind::Auth)),
            ("ORGANIZATION_MISMATCH", Some(ErrorKind::Auth)),
            ("INVALID_USER_INFORMATION", Some(ErrorKind::Auth)),
            ("ENTITY_NOT_FOUND", Some(ErrorKind::NotFound)),
            ("BOOKING_NOT_FOUND", Some(ErrorKind::NotFound)),
            ("RESOURCE_NOT_FOUND", Some(ErrorKind::NotFound)),
            ("INVALID_REQUEST", Some(ErrorKind::Validation)),
            ("INVALID_ARGUMENT_ERROR", Some(ErrorKind::Validation)),
            ("VALIDATION_ERROR", Some(ErrorKind::Validation)),
            ("NOT_UNIQUE_VALUE", Some(ErrorKind::Conflict)),
            ("IDEMPOTENCY_KEY_REUSED", Some(ErrorKind::Conflict)),
            ("BOOKING_STATUS_ERROR", Some(ErrorKind::Conflict)),
            ("DUPLICATE_PROFILE_CODE", Some(ErrorKind::Conflict)),
            ("OVERBOOKING_CONFIRMATION_REQUIRED", Some(ErrorKind::Conflict)),
            ("FOLIO_HAS_TRANSACTIONS", Some(ErrorKind::Conflict)),
            (
                "ACCOUNTS_RECEIVABLE_LEDGER_FEATURE_DISABLED",
                Some(ErrorKind::Unsupported),
            ),
            ("UNEXPECTED_ERROR", Some(ErrorKind::Transient)),
            ("UNKNOWN_ERROR", Some(ErrorKind::Vendor)),
            ("SOMETHING_NEW", None),
        ];
        for (code, kind) in cases {
            assert_eq!(classify_code(code), kind, "{code}");
        }
    }

    #[test]
    fn parser_messages_lose_the_values_they_quote() {
        let cases = [
            (
                "invalid type: string \"1931-02-31\", expected a date at line 1 column 9",
                "invalid type: string \"<redacted>\", expected a date at line 1 column 9",
            ),
            (
                "invalid type: integer `424242`, expected a string",
                "invalid type: integer `<redacted>`, expected a string",
            ),
            (
                "invalid value: floating point `3.5`, expected one of `a`, `b`",
                "invalid value: floating point `<redacted>`, expected one of `a`, `b`",
            ),
            ("unknown variant `Zebulon`", "unknown variant `<redacted>`"),
            ("missing field `guestID`", "missing field `guestID`"),
            ("`1931-02-31` is not a date", "`<redacted>` is not a date"),
            ("a tick ` left open", "a tick `<redacted>"),
        ];
        for (raw, kept) in cases {
            assert_eq!(without_vendor_values(raw), kept, "{raw}");
        }
    }

    #[test]
    fn vendor_text_is_bounded_and_redacted() {
        assert_eq!(
            vendor_text(r#" Guest "Jane Roe" exists "#),
            r#"Guest "<redacted>" exists"#
        );
        let long = "é".repeat(400);
        let cut = vendor_text(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn api_errors_convert_to_core_kinds() {
        let err = CloudbedsError::Api {
            method: "getReservation",
            status: 200,
            kind: ErrorKind::NotFound,
            code: None,
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
