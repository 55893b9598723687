//! The OAuth token: fetched once, kept until shortly before it expires.
//!
//! Oracle's FAQ asks for one token per user kept for its lifetime (extra
//! token calls are billed, opera.md §4.1), so concurrent callers share one
//! cached token and one refresh.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use chrono::{DateTime, Utc};
use pms_core::{ErrorKind, OhipGrant};
use pms_http::{Body as Form, Call, Method, Transport, sensitive};
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
    transport: Transport,
    config: Arc<OhipConfig>,
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
    /// A cache that fetches through `transport` and ages tokens by its clock.
    pub(crate) fn new(transport: Transport, config: Arc<OhipConfig>) -> Self {
        TokenCache {
            transport,
            config,
            current: Mutex::new(None),
        }
    }

    /// The current token, fetching one when there is none or it is due.
    pub(crate) async fn get(&self, request_id: &str) -> Result<SecretString, OperaError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && self.transport.clock().now() < token.renew_at
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
        // The token call is a read for the transport: resending a grant that
        // got no answer issues at most one more token.
        let mut request = Call::new(OPERATION, Method::POST, url, false);
        let basic = format!("{}:{}", config.client_id, config.client_secret.expose_secret());
        let headers = [
            (
                "authorization",
                format!("Basic {}", BASE64_STANDARD.encode(basic)),
            ),
            ("x-app-key", config.app_key.expose_secret().to_owned()),
            ("x-request-id", request_id.to_owned()),
        ];
        for (name, value) in headers {
            request.headers.insert(name, header_value(&value)?);
        }
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
                    request.headers.insert("enterpriseid", header_value(enterprise)?);
                }
            }
        }
        let issued = self.transport.clock().now();
        let answer = http::send(&self.transport, request.with_body(Form::form(form)), request_id).await?;
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

/// A header value marked sensitive; a value with control characters is a
/// configuration error (and is not shown).
pub(super) fn header_value(value: &str) -> Result<pms_http::HeaderValue, OperaError> {
    sensitive(value).ok_or_else(|| OperaError::Config("an OHIP header value has control characters".into()))
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
