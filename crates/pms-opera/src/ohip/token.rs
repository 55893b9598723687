//! The OAuth token: fetched once, kept until shortly before it expires.
//!
//! Oracle's FAQ asks for one token per user kept for its lifetime (extra
//! token calls are billed, opera.md §4.1), so concurrent callers share one
//! cached token and one refresh.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_core::{Clock, ErrorKind, OhipGrant};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::OhipConfig;
use super::http::{self, Body};
use crate::error::OperaError;

/// The token operation, for errors and logs.
pub(crate) const OPERATION: &str = "oauth/v1/tokens";

#[derive(Clone)]
struct Token {
    access: SecretString,
    /// When it is renewed (expiry minus the margin).
    renew_at: DateTime<Utc>,
}

/// A shared, lazily refreshed OAuth token.
pub struct TokenCache {
    http: reqwest::Client,
    config: Arc<OhipConfig>,
    clock: Arc<dyn Clock>,
    limit: usize,
    current: Mutex<Option<Token>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

/// `OAuth2TokenResponse` (oauth.json): `access_token` required, `expires_in`
/// "typically 3600"; numbers may come quoted (opera.md §4.5).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

impl TokenCache {
    /// A cache that fetches with `http` and ages tokens by `clock`.
    pub fn new(http: reqwest::Client, config: Arc<OhipConfig>, clock: Arc<dyn Clock>, limit: usize) -> Self {
        TokenCache {
            http,
            config,
            clock,
            limit,
            current: Mutex::new(None),
        }
    }

    /// The current token, fetching one when there is none or it is due.
    pub(crate) async fn get(&self, request_id: &str) -> Result<SecretString, OperaError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && self.clock.now() < token.renew_at
        {
            return Ok(token.access.clone());
        }
        let token = self.fetch(request_id).await?;
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }

    /// Forgets `rejected` (answered 401), unless another caller already replaced it.
    pub(crate) async fn invalidate(&self, rejected: &SecretString) {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|t| t.access.expose_secret() == rejected.expose_secret())
        {
            *current = None;
        }
    }

    async fn fetch(&self, request_id: &str) -> Result<Token, OperaError> {
        let config = &self.config;
        let url = config.url(&["oauth", "v1", "tokens"])?;
        let mut form: Vec<(&str, &str)> = Vec::new();
        let mut request = self
            .http
            .post(url)
            .basic_auth(&config.client_id, Some(config.client_secret.expose_secret()))
            .header("x-app-key", config.app_key.expose_secret())
            .header("x-request-id", request_id);
        match &config.grant {
            OhipGrant::Password { username, password } => {
                form.extend([
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.expose_secret()),
                ]);
            }
            OhipGrant::ClientCredentials { scope, enterprise_id } => {
                form.extend([("grant_type", "client_credentials"), ("scope", scope.as_str())]);
                if let Some(enterprise) = enterprise_id {
                    request = request.header("enterpriseId", enterprise);
                }
            }
        }
        let issued = self.clock.now();
        let answer = http::send(request.form(&form), OPERATION, request_id, false, self.limit).await?;
        let body = match answer {
            Body {
                status: 200..=299,
                bytes,
                ..
            } => bytes,
            Body {
                status,
                bytes,
                retry_after,
            } => {
                // 400 is a refused grant here (oauth.json: invalid client, user
                // or scope), not a malformed request of ours to retry.
                let kind = match status {
                    400 | 401 | 403 => ErrorKind::Auth,
                    other => crate::error::http_kind(other),
                };
                return Err(http::status_error(
                    OPERATION,
                    request_id,
                    status,
                    &bytes,
                    retry_after,
                    kind,
                ));
            }
        };
        let (access, expires_in) = decode_token(&body)?;
        let lifetime = Duration::from_secs(expires_in).saturating_sub(config.token_margin);
        // `decode_token` caps the lifetime at a day, so the sum is in range;
        // an instant that is not renews at once rather than never.
        let renew_at = chrono::Duration::from_std(lifetime)
            .ok()
            .and_then(|d| issued.checked_add_signed(d))
            .unwrap_or(issued);
        tracing::debug!(operation = OPERATION, request_id, expires_in, "OHIP token issued");
        Ok(Token {
            access: SecretString::from(access),
            renew_at,
        })
    }
}

/// Longest token lifetime believed (a day; OHIP's are an hour).
const MAX_LIFETIME_SECS: u64 = 86_400;

/// The access token and its lifetime in seconds from an `OAuth2TokenResponse`.
pub(super) fn decode_token(body: &[u8]) -> Result<(String, u64), OperaError> {
    let parsed: TokenResponse = super::wire::from_json(body, "OAuth2TokenResponse")?;
    let access = parsed
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| OperaError::decode("OAuth2TokenResponse/access_token", "missing"))?;
    let expires_in = match parsed.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    // Absent: the documented typical lifetime.
    .unwrap_or(3600)
    // A lifetime past any real token's would overflow the renewal instant.
    .min(MAX_LIFETIME_SECS);
    Ok((access, expires_in))
}
