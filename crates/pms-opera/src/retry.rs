//! The one read-retry loop of this crate, for OWS reads and OHIP reads alike:
//! a transient failure is sent again after a fixed pause, anything else is
//! returned as it is. Writes never come here (a resent write could double).

use std::future::Future;
use std::time::Duration;

use pms_core::ErrorKind;

use crate::error::OperaError;

/// Runs `call` up to `attempts` times while it fails with a transient error,
/// pausing `backoff` between tries; `operation` and `id` go to the log.
pub(crate) async fn transient<T, F, Fut>(
    operation: &str,
    id: &str,
    attempts: u32,
    backoff: Duration,
    mut call: F,
) -> Result<T, OperaError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, OperaError>>,
{
    let mut attempt: u32 = 0;
    loop {
        attempt = attempt.saturating_add(1);
        match call().await {
            Err(err) if attempt < attempts && err.kind() == ErrorKind::Transient => {
                tracing::debug!(
                    operation,
                    id,
                    attempt,
                    "transient failure, sending the read again"
                );
                if !backoff.is_zero() {
                    tokio::time::sleep(backoff).await;
                }
            }
            other => return other,
        }
    }
}
