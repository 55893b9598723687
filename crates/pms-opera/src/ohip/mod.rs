//! OHIP REST cashiering: charges that can be read back.
//!
//! OWS `PostCharge` has no idempotency key and its folio read has no field
//! that echoes ours (opera.md §1.4, §7.2), so an OWS charge whose answer is
//! lost can only be left `unknown`. OPERA Cloud's OHIP cashiering API keeps a
//! user-defined `postingReference` on every posting and returns it as
//! `reference` when postings are read, so with OHIP configured a charge is
//! posted with our request id as its reference and an ambiguous outcome is
//! settled by reading the reservation's postings back.
//!
//! Wire contract (every field's source is listed in
//! `crates/pms-opera/tests/fixtures/ohip/README.md`):
//!
//! | step | request | source |
//! |---|---|---|
//! | token | `POST {gateway}/oauth/v1/tokens`, form `grant_type=password` (`username`, `password`) or `client_credentials` (`scope`), `Authorization: Basic client_id:client_secret`, `x-app-key`, `enterpriseId` (client credentials only) | `oauth.json` |
//! | post | `POST {gateway}/csh/v1/hotels/{hotelId}/reservations/{reservationId}/charges` (`postBillingCharges`), body `criteria{hotelId, reservationId{id,type,idContext}, charges[{transactionCode, price{amount,currencyCode}, postingQuantity, postingReference, postingRemark}], cashierId}` | `csh.json` |
//! | read back | `GET {gateway}/csh/v1/hotels/{hotelId}/transactions?reservationList={id}&referenceNumberWildCard={ref}` (`getGuestsTransactions`), postings under `reservationFolioInformation[].folioWindows[].folios[].postings[]`, each with `reference`, `transactionNo`, `postedAmount` | `csh.json` |
//! | property profile | `GET {gateway}/ent/config/v1/hotels/{hotelId}/operaContext` (`getOperaHotelContext`), `hotelContext{currencyCode, timezone}` (`context.rs`) | `entcfg.json` (cited, not in the vendor specs) |
//!
//! Every call sends `Authorization: Bearer {token}`, `x-app-key`, `x-hotelid`
//! (the OPERA hotel code) and `x-request-id` (the intent's request id for a
//! write: correlation only, not an idempotency key, opera.md §4.1).
//!
//! Errors: non-2xx answers become [`OperaError::Ohip`](crate::OperaError::Ohip) with `o:errorCode` from
//! the spec's `exceptionDetailType` body; `detail`/`title` stay in a
//! [`pms_core::Pii`]. A 401 drops the cached token and the call is sent once
//! more with a new one (a 401 is the gateway refusing before anything was
//! applied, so resending a write is safe). A charge whose answer is lost
//! (timeout after sending, cut-off body, 500/502/504, unreadable 2xx) is
//! `OutcomeUnknown`: read back with [`Cashiering::find_charge`].
//!
//! Logs carry the operation, `x-request-id`, status and sizes; never a body,
//! a token or a header value.

mod context;
mod http;
#[cfg(test)]
mod never_panics;
mod token;
mod wire;

pub mod charges;

use std::time::Duration;

use pms_core::{OhipGrant, OhipSettings};
use secrecy::SecretString;

pub use charges::{Cashiering, MAX_REFERENCE_LEN, posting_reference};
pub use token::TokenCache;

/// What the OHIP path needs, built from [`OhipSettings`] and the hotel code.
#[derive(Debug, Clone)]
pub struct OhipConfig {
    /// The gateway base URL (paths are appended to it).
    pub gateway: reqwest::Url,
    /// `x-app-key` (a credential: redacted in `Debug`).
    pub app_key: SecretString,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
    /// The OAuth grant.
    pub grant: OhipGrant,
    /// `hotelId` in paths and `x-hotelid`: the OPERA hotel code.
    pub hotel_id: String,
    /// `cashierId` sent with postings, when the integration user needs one.
    pub cashier_id: Option<u64>,
    /// A token is renewed this long before it expires (default 300 s, the
    /// margin the community OHIP SDK uses, opera.md §4.1).
    pub token_margin: Duration,
}

impl OhipConfig {
    /// The configuration of `settings` for the hotel `hotel_code`.
    pub fn from_settings(settings: &OhipSettings, hotel_code: &str) -> Self {
        OhipConfig {
            gateway: settings.gateway_url.clone(),
            app_key: settings.app_key.clone(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            grant: settings.grant.clone(),
            hotel_id: hotel_code.to_owned(),
            cashier_id: settings.cashier_id,
            token_margin: Duration::from_secs(300),
        }
    }

    /// `{gateway}/{path}` (the gateway may carry a path of its own).
    pub(crate) fn url(&self, segments: &[&str]) -> Result<reqwest::Url, crate::OperaError> {
        let mut url = self.gateway.clone();
        url.path_segments_mut()
            .map_err(|()| crate::OperaError::Config("the OHIP gateway URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
}
