//! Serving the webhook receiver on a socket exposed to the internet, with the
//! limits `axum::serve` does not set: a client that opens connections and
//! sends nothing, trickles a request head or a body byte by byte, or opens
//! thousands of connections must not hold the process's sockets and memory.
//!
//! - **Header read timeout** (hyper's HTTP/1 `header_read_timeout`): a
//!   request head must arrive within it. hyper starts this timer whenever the
//!   connection waits for a request (after accepting it, and after each answer
//!   on a kept-alive connection), so it is also the **idle timeout** of a
//!   connection: one that sends nothing is closed when it expires, without an
//!   answer (there is no request to answer).
//! - **Body read timeout**: the whole body must arrive within it, else the
//!   request is answered `408 Request Timeout` and the connection closed.
//!   Bodies are buffered here (bounded by `max_body_bytes`, `413` beyond), as
//!   every webhook handler needs the whole body before authenticating it.
//! - **Connection limit**: past `max_connections` open connections a new one
//!   is answered `503` with `Retry-After` (best effort, without reading it)
//!   and closed at once, so a flood costs no task and no buffer.
//!
//! Only HTTP/1.1 is served: vendors deliver webhooks over it, and the header
//! timeout above is an HTTP/1 setting.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::webhook::MAX_WEBHOOK_BYTES;

/// Limits of [`serve_webhooks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Time for a request head to arrive, counted from when the connection
    /// waits for one: also how long an idle (or kept-alive) connection stays
    /// open. Default 10 s: vendors send a whole delivery at once, and Mews
    /// itself gives up on an answer after 5 s.
    pub header_read_timeout: Duration,
    /// Time for a request body to arrive once its head has; `408` after it.
    /// Default 10 s (a 256 KiB body at 26 KB/s).
    pub body_read_timeout: Duration,
    /// Largest request body; `413` beyond. Default [`MAX_WEBHOOK_BYTES`].
    pub max_body_bytes: usize,
    /// Open connections at most; more are answered `503` and closed. Default
    /// 512: far more than the vendors' concurrent deliveries for hundreds of
    /// hotels, and a bounded worst case (512 × 256 KiB bodies = 128 MiB).
    pub max_connections: usize,
    /// On shutdown, how long connections in progress may finish (default 5 s).
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_body_bytes: MAX_WEBHOOK_BYTES,
            max_connections: 512,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// What a connection past the limit is sent before it is closed: come back in a second.
const BUSY_ANSWER: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\
content-length: 0\r\nconnection: close\r\n\r\n";

/// How long the accept loop pauses after a failed `accept` (out of file
/// descriptors, say): long enough not to spin, short enough to recover at once.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// How often at most the accept loop warns that it refuses connections.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` with `limits` until `shutdown` resolves, then
/// stops accepting, lets connections in progress finish for
/// `limits.shutdown_grace`, and returns.
///
/// ```no_run
/// # async fn demo(router: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let stop = async { let _ = tokio::signal::ctrl_c().await; };
/// pms_sync::serve_webhooks(listener, router, pms_sync::ServeLimits::default(), stop).await
/// # }
/// ```
pub async fn serve_webhooks(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max_connections = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max_connections));
    let router = router.layer(axum::middleware::from_fn_with_state(limits, buffer_body));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let (closing, closed) = watch::channel(false);
    let mut refused = 0u64;
    let mut last_refusal_log: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a webhook connection failed");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Best effort and without waiting: a fresh socket's send buffer is empty.
            let _ = stream.try_write(BUSY_ANSWER);
            drop(stream);
            refused += 1;
            metrics::counter!("pms_sync_webhook_connections_refused_total").increment(1);
            if last_refusal_log.is_none_or(|at| at.elapsed() >= REFUSAL_LOG_INTERVAL) {
                tracing::warn!(
                    max_connections,
                    refused,
                    "webhook connection limit reached; refusing connections with 503"
                );
                last_refusal_log = Some(Instant::now());
                refused = 0;
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let mut closed = closed.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every slot back means every connection has finished.
    let drained = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(drained)).await;
    Ok(())
}

/// Reads the whole body within the body timeout and size limit, then hands
/// the request on with the buffered body.
async fn buffer_body(State(limits): State<ServeLimits>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    let bytes = match tokio::time::timeout(limits.body_read_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Err(_elapsed) => {
            metrics::counter!("pms_sync_webhook_body_timeouts_total").increment(1);
            return closing(StatusCode::REQUEST_TIMEOUT, "request body not received in time");
        }
        Ok(Err(err)) => {
            let too_large = err
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return if too_large {
                closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
            } else {
                closing(StatusCode::BAD_REQUEST, "request body unreadable")
            };
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// An error answer after which the connection is closed: the rest of the
/// request (a body still trickling in) is not worth reading.
fn closing(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CONNECTION, "close")], message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_says_when_to_come_back() {
        let text = String::from_utf8_lossy(BUSY_ANSWER);
        assert!(text.starts_with("HTTP/1.1 503 "), "{text}");
        assert!(text.contains("retry-after: 1\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }
}
