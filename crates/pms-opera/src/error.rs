//! The crate's one error type, [`OperaError`], and its mapping onto
//! [`pms_core::Error`] kinds.
//!
//! Vendor free text (`Result/Text`, `faultstring`) may name a guest, so it is
//! kept only inside [`Pii`] (redacted in `Debug`) and never copied into a
//! `Display` message or a `pms_core::Error`: those carry operation names,
//! OPERA codes, HTTP statuses and the `transactionID`.

use std::time::Duration;

use pms_core::{Error, ErrorKind, Pii, PmsKind};

use crate::xml::XmlError;

/// A SOAP 1.1 `Fault`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// `faultcode`, verbatim (`soap:Client`, `soap:Server`, `wsse:InvalidSecurity`, ...).
    pub code: String,
    /// The leading `CODE` of a `faultstring` shaped `CODE: message`, when it has one.
    pub string_code: Option<String>,
    /// `faultstring`, which may contain personal data.
    pub string: Pii<String>,
    /// How the sync layer should treat it.
    pub kind: ErrorKind,
}

/// A `hc:GDSError` of a FAIL result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GdsError {
    /// `errorCode`.
    pub code: Option<String>,
    /// `elementId`.
    pub element_id: Option<String>,
    /// The element text (the error value, e.g. `INVALIDGDS`).
    pub value: Option<String>,
}

/// A `Result resultStatusFlag="FAIL"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFailure {
    /// `c:OperaErrorCode`.
    pub opera_error_code: Option<String>,
    /// `hc:GDSError`.
    pub gds_error: Option<GdsError>,
    /// `c:Text/c:TextElement`, joined; may contain personal data.
    pub text: Pii<String>,
    /// How the sync layer should treat it.
    pub kind: ErrorKind,
}

impl ResultFailure {
    /// The codes, for messages: `OperaErrorCode`, then `GDSError` code/id/value.
    pub fn codes(&self) -> String {
        let mut parts = Vec::new();
        if let Some(code) = &self.opera_error_code {
            parts.push(code.clone());
        }
        if let Some(gds) = &self.gds_error {
            let fields: Vec<String> = [
                gds.code.as_ref().map(|c| format!("errorCode={c}")),
                gds.element_id.as_ref().map(|c| format!("elementId={c}")),
                gds.value.as_ref().map(|c| format!("value={c}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !fields.is_empty() {
                parts.push(format!("GDSError({})", fields.join(", ")));
            }
        }
        if parts.is_empty() {
            "FAIL without a code".to_owned()
        } else {
            parts.join(" ")
        }
    }
}

/// Everything that can go wrong talking to OPERA OWS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperaError {
    /// The HTTP status was not 200 and the body was not a SOAP Fault.
    #[error("{operation}: HTTP {status} (transactionID {transaction_id})")]
    Http {
        /// The OWS operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// HTTP 200 with a body that is not XML (a WebLogic/HTML error page).
    #[error("{operation}: the answer is not XML ({reason}) (transactionID {transaction_id})")]
    NotXml {
        /// The OWS operation.
        operation: &'static str,
        /// A known transient error page ("Error 503--Service Unavailable", pool timeout).
        transient: bool,
        /// Why it is not acceptable (never the body itself).
        reason: String,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// A SOAP `Fault`.
    #[error("{operation}: SOAP fault {} (transactionID {transaction_id})", fault.string_code.as_deref().unwrap_or(&fault.code))]
    Fault {
        /// The OWS operation.
        operation: &'static str,
        /// The fault.
        fault: Box<SoapFault>,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// `Result resultStatusFlag="FAIL"`.
    #[error("{operation}: OPERA answered FAIL: {} (transactionID {transaction_id})", failure.codes())]
    Fail {
        /// The OWS operation.
        operation: &'static str,
        /// The failure.
        failure: Box<ResultFailure>,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// The XML is well-formed but not what OWS documents.
    #[error("cannot decode OPERA payload at `{path}`: {message}")]
    Decode {
        /// Element path.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The body was rejected by the XML reader (DOCTYPE, entity, size, malformed).
    #[error("unacceptable XML: {0}")]
    Xml(#[from] XmlError),
    /// No answer, and the request may not have left (connect error, read timeout).
    #[error("{operation}: transport failure: {message} (transactionID {transaction_id})")]
    Transport {
        /// The OWS operation.
        operation: &'static str,
        /// What failed (never a header or body).
        message: String,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// A write was sent and no usable answer came back: it may have been applied.
    #[error("{operation}: outcome unknown: {message} (transactionID {transaction_id})")]
    OutcomeUnknown {
        /// The OWS operation.
        operation: &'static str,
        /// What happened.
        message: String,
        /// Our `transactionID`.
        transaction_id: String,
    },
    /// OHIP REST answered an error status; the body, when it is the spec's
    /// `exceptionDetailType`, gives `o:errorCode` and `detail` (see [`crate::ohip`]).
    #[error("{operation}: HTTP {status}{} (x-request-id {request_id})", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Ohip {
        /// The OHIP operation (operationId).
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// `o:errorCode`, when the body carried one.
        code: Option<String>,
        /// `detail` / `title`, which may quote guest data.
        detail: Pii<String>,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
        /// How the sync layer should treat it.
        kind: ErrorKind,
        /// Our `x-request-id`.
        request_id: String,
    },
    /// Our input cannot be sent.
    #[error("invalid input: {0}")]
    Validation(String),
    /// OWS (or this connector) cannot do it.
    #[error("OPERA OWS does not support {0}")]
    Unsupported(&'static str),
    /// The configuration does not fit.
    #[error("configuration: {0}")]
    Config(String),
}

impl OperaError {
    /// A decode error: `path` names the element (OWS) or JSON path (OHIP)
    /// and `message` what was wrong there. The message is a `&'static str`
    /// so that no vendor value (a guest's name in a text that failed to
    /// parse, an amount, a date) can reach it: decode errors are logged and
    /// printed by `pms sync`. Paths are built from element and field names
    /// and indices only.
    pub(crate) fn decode(path: impl Into<String>, message: &'static str) -> Self {
        OperaError::Decode {
            path: path.into(),
            message: message.to_owned(),
        }
    }

    /// The classification the sync layer acts on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OperaError::Http { status, .. } => http_kind(*status),
            OperaError::NotXml { transient: true, .. } => ErrorKind::Transient,
            OperaError::NotXml { .. } | OperaError::Decode { .. } | OperaError::Xml(_) => ErrorKind::Decode,
            OperaError::Fault { fault, .. } => fault.kind,
            OperaError::Fail { failure, .. } => failure.kind,
            OperaError::Ohip { kind, .. } => *kind,
            OperaError::Transport { .. } => ErrorKind::Transient,
            OperaError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            OperaError::Validation(_) => ErrorKind::Validation,
            OperaError::Unsupported(_) => ErrorKind::Unsupported,
            OperaError::Config(_) => ErrorKind::Config,
        }
    }

    /// Our `transactionID` for the failed call (the vendor request id).
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            OperaError::Http { transaction_id, .. }
            | OperaError::NotXml { transaction_id, .. }
            | OperaError::Fault { transaction_id, .. }
            | OperaError::Fail { transaction_id, .. }
            | OperaError::Transport { transaction_id, .. }
            | OperaError::OutcomeUnknown { transaction_id, .. } => Some(transaction_id),
            OperaError::Ohip { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// The OWS operation, when the error came from a call.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            OperaError::Http { operation, .. }
            | OperaError::NotXml { operation, .. }
            | OperaError::Fault { operation, .. }
            | OperaError::Fail { operation, .. }
            | OperaError::Transport { operation, .. }
            | OperaError::OutcomeUnknown { operation, .. }
            | OperaError::Ohip { operation, .. } => Some(operation),
            _ => None,
        }
    }
}

/// HTTP status → kind: 429 rate limited; 401/403 auth; 500/502/503/504 transient;
/// anything else vendor.
pub(crate) fn http_kind(status: u16) -> ErrorKind {
    match status {
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Auth,
        500 | 502 | 503 | 504 => ErrorKind::Transient,
        _ => ErrorKind::Vendor,
    }
}

impl From<OperaError> for Error {
    fn from(err: OperaError) -> Self {
        let kind = err.kind();
        let message = err.to_string();
        let vendor_request_id = err.transaction_id().map(str::to_owned);
        match (err, kind) {
            (OperaError::Decode { path, message }, _) => Error::decode(PmsKind::Opera, path, message),
            (OperaError::Xml(e), _) => Error::decode(PmsKind::Opera, "body", e.to_string()),
            (OperaError::NotXml { reason, .. }, ErrorKind::Decode) => {
                Error::decode(PmsKind::Opera, "body", reason)
            }
            (OperaError::Validation(message), _) => Error::validation(message),
            (OperaError::Unsupported(operation), _) => Error::unsupported(PmsKind::Opera, operation),
            (OperaError::Config(reason), _) => Error::config("PMS_HOTEL_*_OPERA_*", reason),
            (
                OperaError::OutcomeUnknown {
                    operation, message, ..
                },
                _,
            ) => Error::OutcomeUnknown {
                operation,
                message,
                vendor_request_id,
            },
            (
                OperaError::Http { retry_after, .. } | OperaError::Ohip { retry_after, .. },
                ErrorKind::RateLimited,
            ) => Error::RateLimited {
                retry_after,
                vendor_request_id,
            },
            (_, ErrorKind::Transient) => Error::Transient {
                message,
                vendor_request_id,
            },
            (_, ErrorKind::Auth) => Error::Auth {
                message,
                vendor_request_id,
            },
            (_, ErrorKind::NotFound) => Error::NotFound {
                what: message,
                vendor_request_id,
            },
            (_, ErrorKind::Conflict) => Error::Conflict {
                message,
                vendor_request_id,
            },
            (_, ErrorKind::Validation) => Error::validation(message),
            (err, _) => Error::Vendor {
                pms: PmsKind::Opera,
                code: vendor_code(&err),
                message,
                vendor_request_id,
            },
        }
    }
}

fn vendor_code(err: &OperaError) -> String {
    match err {
        OperaError::Http { status, .. } => format!("HTTP {status}"),
        OperaError::Fault { fault, .. } => fault.string_code.clone().unwrap_or_else(|| fault.code.clone()),
        OperaError::Fail { failure, .. } => failure.codes(),
        OperaError::NotXml { .. } => "NOT_XML".to_owned(),
        OperaError::Ohip { code, status, .. } => code.clone().unwrap_or_else(|| format!("HTTP {status}")),
        _ => "OWS".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_the_transaction_id_and_never_the_vendor_text() {
        let err = OperaError::Fail {
            operation: "CheckIn",
            failure: Box::new(ResultFailure {
                opera_error_code: Some("ALREADY_CHECKED_IN".into()),
                gds_error: None,
                text: Pii::new("Guest Ada Lovelace is already in house".into()),
                kind: ErrorKind::Conflict,
            }),
            transaction_id: "abc".into(),
        };
        assert!(!format!("{err:?}").contains("Lovelace"));
        let core: Error = err.into();
        assert_eq!(core.kind(), ErrorKind::Conflict);
        assert_eq!(core.vendor_request_id(), Some("abc"));
        assert!(!core.to_string().contains("Lovelace"));
        assert!(core.to_string().contains("ALREADY_CHECKED_IN"));
    }

    #[test]
    fn http_statuses_are_classified() {
        let http = |status| OperaError::Http {
            operation: "FetchBooking",
            status,
            retry_after: Some(Duration::from_secs(2)),
            transaction_id: "t".into(),
        };
        let core: Error = http(429).into();
        assert_eq!(core.retry_after(), Some(Duration::from_secs(2)));
        let kinds: Vec<_> = [503, 401, 404].map(|s| Error::from(http(s)).kind()).to_vec();
        assert_eq!(kinds, [ErrorKind::Transient, ErrorKind::Auth, ErrorKind::Vendor]);
    }
}
