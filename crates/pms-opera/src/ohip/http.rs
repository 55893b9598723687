//! One OHIP HTTP exchange: send, read a bounded body, classify what failed.

use std::time::Duration;

use pms_core::{ErrorKind, Pii};

use super::wire::ExceptionDetail;
use crate::error::OperaError;

/// A complete answer (any status).
#[derive(Debug)]
pub(crate) struct Body {
    pub status: u16,
    pub bytes: Vec<u8>,
    pub retry_after: Option<Duration>,
}

/// Sends `request` and reads at most `limit` bytes of the answer. A write
/// whose answer is lost after it may have been sent is `OutcomeUnknown`.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    operation: &'static str,
    request_id: &str,
    write: bool,
    limit: usize,
) -> Result<Body, OperaError> {
    let lost = |message: &str| {
        if write {
            OperaError::OutcomeUnknown {
                operation,
                message: message.to_owned(),
                transaction_id: request_id.to_owned(),
            }
        } else {
            OperaError::Transport {
                operation,
                message: message.to_owned(),
                transaction_id: request_id.to_owned(),
            }
        }
    };
    tracing::debug!(operation, request_id, "OHIP call");
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(err) if err.is_connect() => {
            return Err(OperaError::Transport {
                operation,
                message: "connection failed before the request was sent".into(),
                transaction_id: request_id.to_owned(),
            });
        }
        Err(err) if err.is_builder() => {
            return Err(OperaError::Validation(format!(
                "{operation}: cannot build the request"
            )));
        }
        Err(err) if err.is_timeout() => return Err(lost("timed out waiting for the answer")),
        Err(_) => return Err(lost("the request failed after it may have been sent")),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len().saturating_add(chunk.len()) > limit {
                    return Err(if write && (200..300).contains(&status) {
                        lost(&format!("the answer is larger than {limit} bytes"))
                    } else {
                        OperaError::decode("body", "the answer is larger than the configured cap")
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) if err.is_timeout() => return Err(lost("timed out reading the answer")),
            Err(_) => return Err(lost("the answer was cut off")),
        }
    }
    tracing::debug!(operation, request_id, status, bytes = bytes.len(), "OHIP answer");
    Ok(Body {
        status,
        bytes,
        retry_after,
    })
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
