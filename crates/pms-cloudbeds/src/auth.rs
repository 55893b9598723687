//! Authentication: an API key sent as `x-api-key`, or OAuth 2.0 with a
//! refresh token.
//!
//! * API keys (`cbat_...`) are Cloudbeds' preferred method
//!   (developers.cloudbeds.com/docs/alternative-oauth-20-authentication-method);
//!   the spec's `securitySchemes.api_key` is `{in: header, name: x-api-key}`.
//! * OAuth: `POST {base}/access_token`, form-encoded,
//!   `grant_type=refresh_token&client_id&client_secret&refresh_token`
//!   (`PostAccessTokenRequest`/`PostAccessTokenResponse` in
//!   `src/pms-v1.3-openapi.yaml`). The refresh goes through the `oauth2`
//!   crate (v5, default features off) over the client's own
//!   [`pms_http::Transport`]: [`OAuthHttp`] implements
//!   [`oauth2::AsyncHttpClient`], so the token call has the same timeout,
//!   body limit and gate as every other request. It is sent as a *write*
//!   (never resent by the transport): Cloudbeds may rotate the refresh
//!   token in the answer, so a refresh whose answer was lost may have
//!   retired the token a resend would present.
//!
//! The access token is cached and refreshed [`REFRESH_SKEW`] before
//! `expires_in` runs out (time comes from an injected [`pms_core::Clock`]),
//! and once more when Cloudbeds answers 401. Refreshes are serialised per
//! client (concurrent refreshes can invalidate each other, vendor notes
//! §1.2). A rotated refresh token in the response replaces the old one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};

use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AsyncHttpClient, AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use pms_core::Clock;
use pms_http::{Body, Bytes, HeaderMap, Method, Transport, sensitive};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::error::CloudbedsError;

/// Refresh this long before the access token's announced expiry.
pub const REFRESH_SKEW: chrono::Duration = chrono::Duration::seconds(60);

type TokenClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Where an API key goes. Cloudbeds' spec declares `x-api-key`; code in the
/// wild also sends keys as `Authorization: Bearer cbat_...` (vendor notes §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiKeyHeader {
    /// `x-api-key: cbat_...` (the default, per the spec's `securitySchemes.api_key`).
    #[default]
    XApiKey,
    /// `Authorization: Bearer cbat_...`.
    AuthorizationBearer,
}

/// What goes on a request to authenticate it.
#[derive(Clone)]
pub(crate) enum Credential {
    /// An API key, in the configured header.
    ApiKey(SecretString, ApiKeyHeader),
    /// `Authorization: Bearer <access token>`.
    Bearer(SecretString),
}

impl Credential {
    /// The credential's header on `headers`, marked sensitive.
    pub(crate) fn apply(&self, headers: &mut HeaderMap) -> Result<(), CloudbedsError> {
        match self {
            Credential::ApiKey(key, ApiKeyHeader::XApiKey) => {
                headers.insert("x-api-key", header_value(key.expose_secret())?);
                Ok(())
            }
            Credential::ApiKey(_, ApiKeyHeader::AuthorizationBearer) | Credential::Bearer(_) => {
                self.apply_bearer(headers)
            }
        }
    }

    /// `Authorization: Bearer <key or token>`, whatever header API keys use
    /// elsewhere (the Accounting API's only scheme is `bearerAuth`).
    pub(crate) fn apply_bearer(&self, headers: &mut HeaderMap) -> Result<(), CloudbedsError> {
        let (Credential::ApiKey(key, _) | Credential::Bearer(key)) = self;
        headers.insert(
            pms_http::header::AUTHORIZATION,
            header_value(&format!("Bearer {}", key.expose_secret()))?,
        );
        Ok(())
    }

    fn same_as(&self, other: &Credential) -> bool {
        match (self, other) {
            (Credential::Bearer(a), Credential::Bearer(b)) => a.expose_secret() == b.expose_secret(),
            (Credential::ApiKey(a, _), Credential::ApiKey(b, _)) => a.expose_secret() == b.expose_secret(),
            _ => false,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiKey(_, header) => write!(f, "ApiKey(<redacted>, {header:?})"),
            Credential::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// The authenticator of one client.
pub(crate) enum Authenticator {
    ApiKey(SecretString, ApiKeyHeader),
    OAuth(Box<OAuth>),
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authenticator::ApiKey(_, _) => f.write_str("Authenticator::ApiKey(<redacted>)"),
            Authenticator::OAuth(o) => f
                .debug_struct("Authenticator::OAuth")
                .field("client_id", &o.client_id)
                .finish_non_exhaustive(),
        }
    }
}

pub(crate) struct OAuth {
    client_id: String,
    client: TokenClient,
    http: OAuthHttp,
    clock: Arc<dyn Clock>,
    refresh_token: StdMutex<SecretString>,
    cache: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    access: SecretString,
    expires_at: Option<DateTime<Utc>>,
}

impl Authenticator {
    pub(crate) fn api_key(key: SecretString, header: ApiKeyHeader) -> Self {
        Authenticator::ApiKey(key, header)
    }

    pub(crate) fn oauth(
        client_id: &str,
        client_secret: &SecretString,
        refresh_token: SecretString,
        token_url: url::Url,
        transport: Transport,
    ) -> Self {
        let clock = transport.clock().clone();
        let client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_client_secret(ClientSecret::new(client_secret.expose_secret().to_owned()))
            // Cloudbeds takes client_id/client_secret as form fields, not Basic auth.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(token_url));
        Authenticator::OAuth(Box::new(OAuth {
            client_id: client_id.to_owned(),
            client,
            http: OAuthHttp(transport),
            clock,
            refresh_token: StdMutex::new(refresh_token),
            cache: Mutex::new(None),
        }))
    }

    /// Whether a 401 is worth one refresh and retry.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, Authenticator::OAuth(_))
    }

    /// The credential for the next request, refreshing first if the cached
    /// token is missing or about to expire.
    pub(crate) async fn credential(&self) -> Result<Credential, CloudbedsError> {
        match self {
            Authenticator::ApiKey(key, header) => Ok(Credential::ApiKey(key.clone(), *header)),
            Authenticator::OAuth(oauth) => oauth.valid_token(None).await,
        }
    }

    /// After a 401 with `rejected`: refresh once (unless another task already
    /// replaced that token) and hand back the new credential.
    pub(crate) async fn after_unauthorized(
        &self,
        rejected: &Credential,
    ) -> Result<Credential, CloudbedsError> {
        match self {
            Authenticator::ApiKey(..) => Err(CloudbedsError::Auth {
                method: "x-api-key",
                message: "the API key was refused".into(),
                request_id: None,
            }),
            Authenticator::OAuth(oauth) => oauth.valid_token(Some(rejected)).await,
        }
    }

    /// The refresh token now in use (it may have been rotated by Cloudbeds):
    /// callers persist it so a restart does not reuse a retired one.
    pub(crate) fn current_refresh_token(&self) -> Option<SecretString> {
        match self {
            Authenticator::ApiKey(..) => None,
            Authenticator::OAuth(oauth) => Some(
                oauth
                    .refresh_token
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone(),
            ),
        }
    }
}

impl OAuth {
    async fn valid_token(&self, rejected: Option<&Credential>) -> Result<Credential, CloudbedsError> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref() {
            let current = Credential::Bearer(token.access.clone());
            let fresh = match token.expires_at {
                Some(at) => self
                    .clock
                    .now()
                    .checked_add_signed(REFRESH_SKEW)
                    .is_some_and(|refresh_at| refresh_at < at),
                None => true,
            };
            let was_rejected = rejected.is_some_and(|r| r.same_as(&current));
            if fresh && !was_rejected {
                return Ok(current);
            }
        }
        let token = self.refresh().await?;
        let credential = Credential::Bearer(token.access.clone());
        *cache = Some(token);
        Ok(credential)
    }

    async fn refresh(&self) -> Result<CachedToken, CloudbedsError> {
        let refresh_token = RefreshToken::new(
            self.refresh_token
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .expose_secret()
                .to_owned(),
        );
        let requested_at = self.clock.now();
        let response = self
            .client
            .exchange_refresh_token(&refresh_token)
            .request_async(&self.http)
            .await
            .map_err(refresh_error)?;
        if let Some(rotated) = response.refresh_token() {
            tracing::info!(client_id = %self.client_id, "cloudbeds rotated the refresh token");
            *self
                .refresh_token
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                SecretString::from(rotated.secret().clone());
        }
        let expires_at = response
            .expires_in()
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| requested_at.checked_add_signed(d));
        tracing::debug!(client_id = %self.client_id, ?expires_at, "cloudbeds access token refreshed");
        Ok(CachedToken {
            access: SecretString::from(response.access_token().secret().clone()),
            expires_at,
        })
    }
}

/// Any refusal of the refresh is an auth error: a human must reconnect the
/// property. Only a transport failure (no answer at all) is transient.
fn refresh_error(
    err: RequestTokenError<OAuthHttpError, oauth2::basic::BasicErrorResponse>,
) -> CloudbedsError {
    match err {
        RequestTokenError::Request(OAuthHttpError(e)) => CloudbedsError::Transport {
            method: "access_token",
            message: format!("token refresh failed in transport: {e}"),
        },
        RequestTokenError::ServerResponse(resp) => CloudbedsError::Auth {
            method: "access_token",
            message: format!("token refresh refused: {}", resp.error()),
            request_id: None,
        },
        RequestTokenError::Parse(e, _) => CloudbedsError::Auth {
            method: "access_token",
            // Cloudbeds may answer `{"success": false, "message": ...}`: no token in it.
            message: format!("token refresh answer has no usable token (at `{}`)", e.path()),
            request_id: None,
        },
        RequestTokenError::Other(message) => CloudbedsError::Auth {
            method: "access_token",
            message: format!("token refresh failed: {message}"),
            request_id: None,
        },
    }
}

/// A credential as a sensitive header value; a key with control characters
/// cannot be sent (and is not shown).
fn header_value(value: &str) -> Result<pms_http::HeaderValue, CloudbedsError> {
    sensitive(value)
        .ok_or_else(|| CloudbedsError::Config("the credential is not a valid header value".into()))
}

/// The `oauth2` crate's HTTP client, implemented over the client's transport.
#[derive(Clone, Debug)]
pub(crate) struct OAuthHttp(pub(crate) Transport);

/// A transport failure of the token request.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct OAuthHttpError(String);

impl<'c> AsyncHttpClient<'c> for OAuthHttp {
    type Error = OAuthHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = url::Url::parse(&parts.uri.to_string())
                .map_err(|_| OAuthHttpError("the token URL is not absolute".into()))?;
            let mut headers = parts.headers;
            for value in headers.values_mut() {
                // The body carries the secrets; headers may (Basic auth).
                value.set_sensitive(true);
            }
            let method: Method = parts.method;
            let call = pms_http::Call {
                operation: "access_token",
                method,
                url,
                headers,
                // oauth2 names the form's Content-Type in the headers.
                body: Body::Form(Bytes::from(body)),
                write: true,
            };
            let answer = self.0.send(call).await.map_err(|e| OAuthHttpError(e.reason()))?;
            let mut out = http::Response::builder().status(answer.status);
            for (name, value) in &answer.headers {
                out = out.header(name, value);
            }
            out.body(answer.bytes.to_vec())
                .map_err(|e| OAuthHttpError(e.to_string()))
        })
    }
}
