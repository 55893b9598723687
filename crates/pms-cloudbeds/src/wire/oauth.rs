//! `GET /oauth/metadata`: `{success, data: {api: {url}}, message}` ("serves to
//! retrieve the precise location of the property associated with the
//! provided access token", `src/pms-v1.3-openapi.yaml`; `success` is typed
//! as a *string* there). Token responses are parsed by the `oauth2` crate.

use serde::Deserialize;

use super::lenient;

/// `data` of `/oauth/metadata`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OAuthMetadata {
    /// `api`.
    #[serde(default)]
    pub api: Option<ApiLocation>,
}

/// `data.api`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiLocation {
    /// `url`: the base URL to use for this property.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}
