//! One OHIP exchange over the transport, and what its statuses mean.

use std::time::Duration;

use pms_core::{ErrorKind, Pii, PmsKind};
use pms_http::{Answer, Call, Rules, Transport, TransportError};

use super::wire::ExceptionDetail;
use crate::error::OperaError;

/// OHIP's face on the transport: `x-request-id` (our id, echoed) and
/// [`read_failure`] as the status table of reads.
pub(crate) const RULES: Rules = Rules::new(PmsKind::Opera, Some("x-request-id")).read_failure(read_failure);

/// A complete answer (any status).
#[derive(Debug)]
pub(crate) struct Body {
    pub status: u16,
    pub bytes: pms_http::Bytes,
    pub retry_after: Option<Duration>,
}

/// Sends `call` once (a read: as often as the transport's policy resends
/// it). A write whose answer is lost after it may have been sent is
/// `OutcomeUnknown`; one that never left, and a lost read, `Transport`.
pub(crate) async fn send(transport: &Transport, call: Call, request_id: &str) -> Result<Body, OperaError> {
    let (operation, write) = (call.operation, call.write);
    tracing::debug!(operation, request_id, "OHIP call");
    let answer = transport
        .send(call)
        .await
        .map_err(|err| transport_error(err, operation, request_id, write))?;
    tracing::debug!(
        operation,
        request_id,
        status = answer.code(),
        bytes = answer.bytes.len(),
        "OHIP answer"
    );
    Ok(Body {
        status: answer.code(),
        bytes: answer.bytes,
        retry_after: answer.retry_after,
    })
}

fn transport_error(
    err: TransportError,
    operation: &'static str,
    request_id: &str,
    write: bool,
) -> OperaError {
    let transaction_id = request_id.to_owned();
    match err {
        TransportError::TooLarge { status, limit, .. } => {
            if write && (200..300).contains(&status) {
                OperaError::OutcomeUnknown {
                    operation,
                    message: format!("the answer is larger than {limit} bytes"),
                    transaction_id,
                }
            } else {
                OperaError::decode("body", "the answer is larger than the configured cap")
            }
        }
        err if write && !err.never_sent() => OperaError::OutcomeUnknown {
            operation,
            message: err.reason(),
            transaction_id,
        },
        err => OperaError::Transport {
            operation,
            message: if err.never_sent() {
                format!("not sent: {}", err.reason())
            } else {
                err.reason()
            },
            transaction_id,
        },
    }
}

/// The transport's status table for OHIP reads: a 2xx is the answer; a
/// status [`status_kind`] calls transient (500, 502, 503, 504) is sent
/// again; anything else is final (a 429 as before: the sync layer waits out
/// `Retry-After`; a 401 is renewed by the caller, not resent).
pub(crate) fn read_failure(answer: &Answer) -> Option<ErrorKind> {
    Some(status_kind(answer.code())).filter(|kind| !answer.is_success() && *kind == ErrorKind::Transient)
}

/// The error for a non-2xx answer: `o:errorCode` and `detail` from an
/// `exceptionDetailType` body when there is one (any other body is ignored).
pub(crate) fn status_error(
    operation: &'static str,
    request_id: &str,
    status: u16,
    bytes: &[u8],
    retry_after: Option<Duration>,
    kind: ErrorKind,
) -> OperaError {
    let detail: Option<ExceptionDetail> = serde_json::from_slice(bytes).ok();
    let (code, text) = detail.map_or((None, String::new()), |d| {
        let text = d.detail.or(d.title).unwrap_or_default();
        (d.error_code.filter(|c| !c.trim().is_empty()), text)
    });
    OperaError::Ohip {
        operation,
        status,
        code,
        detail: Pii::new(text),
        retry_after,
        kind,
        request_id: request_id.to_owned(),
    }
}

/// Status → kind for cashiering calls: the OWS mapping, plus 404 (unknown
/// reservation or hotel) as not found and 409 as a conflict.
pub(crate) fn status_kind(status: u16) -> ErrorKind {
    match status {
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        other => crate::error::http_kind(other),
    }
}
