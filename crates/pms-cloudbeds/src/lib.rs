//! # pms-cloudbeds
//!
//! A [`pms_core::PmsClient`] for the Cloudbeds API v1.3 (form-encoded REST,
//! JSON answers with `success: false` hidden in HTTP 200), authenticated with
//! an API key (`x-api-key`) or OAuth 2.0 with a refresh token, plus webhook
//! parsing and offline decoding of recorded payloads.
//!
//! Vendor facts and their sources are in `shared/vendors/cloudbeds.md`; field
//! names follow `src/pms-v1.3-openapi.yaml` of the public repository
//! `cloudbeds/openapi-specs`.
//!
//! | module | holds |
//! |---|---|
//! | `client` | [`CloudbedsClient`], [`CloudbedsClientBuilder`] (envelope and status table over [`pms_http::Transport`], v1.3 methods, `PmsClient`), [`DEFAULT_RATE_LIMIT`]; `client/profile.rs`: the property's currency and time zone from `getHotels` |
//! | `accounting` | folio lines from the Accounting API (`POST /accounting/v1.0/transactions`), `getTransactions` as the fallback |
//! | `auth` | API key and OAuth2 refresh (the `oauth2` crate over the client's transport) |
//! | [`wire`] | serde DTOs mirroring the vendor JSON, one file per resource |
//! | [`map`] | wire to pms-core; every Cloudbeds enum mapped explicitly |
//! | [`redact`] | personal data out of the raw payloads kept on records |
//! | `reservations` | reservation pages decoded from their text, no tree built |
//! | [`webhook`] | [`WebhookVerifier`], [`Presented`], [`parse_webhook`], [`authenticate_delivery`] |
//! | [`error`] | [`CloudbedsError`], [`classify_code`], [`classify_message`], [`vendor_text`], [`without_vendor_values`] |
//! | `decode` | [`CloudbedsDecoder`] for `pms decode` and fixtures |
//! | `decode_each` | `getReservations` pages handed out one reservation at a time (`PayloadDecoder::decode_each`) |
//!
//! ## Choices where Cloudbeds is silent or undocumented
//!
//! * **Auth.** OAuth refresh goes through the `oauth2` crate (v5, default
//!   features off) over the client's [`pms_http::Transport`] (timeout, body
//!   limit, gate; sent once, never resent); a refused refresh is an
//!   `Auth` error, a refresh that got no answer is `Transient`. A rotated
//!   refresh token replaces the old one: persist
//!   [`CloudbedsClient::current_refresh_token`] after use.
//! * **Errors.** v1.x documents no HTTP statuses and no error codes:
//!   `success: false` is classified by its message ([`classify_message`]);
//!   the coded bodies of Cloudbeds' newer services (`errorCode`, `code`) by
//!   their code ([`classify_code`]). The vendor's code and message are kept,
//!   quoted values redacted; decode errors name the JSON path, never the value.
//! * **Rate limits.** 429 (with `Retry-After`) and rate messages are
//!   `RateLimited`. Every HTTP request passes the transport's gate
//!   ([`CloudbedsClientBuilder::gate`], spending [`CloudbedsClient::rate_limit`],
//!   default [`DEFAULT_RATE_LIMIT`], 5/s); reads are resent only per
//!   [`CloudbedsClientBuilder::retry`] (none by default), on the injected sleeper.
//! * **Time.** `dateCreated`/`dateModified` and the `modifiedFrom`/`modifiedTo`
//!   filters are read and sent in the property's time zone (the filters'
//!   zone is undocumented); the Accounting API's instants are UTC.
//! * **Charges.** `postCustomItem` with `referenceID` = our request id
//!   (Cloudbeds refuses duplicates) and `itemNote` = `pms-ref:<request id>`;
//!   folios and [`pms_core::PmsClient::find_charge`] read the Accounting
//!   API's `POST /accounting/v1.0/transactions` (by `source_identifier` =
//!   `reservationID`) and match that marker in `notes`/`description` (that
//!   `itemNote` surfaces there is unverified). `getTransactions`, which left
//!   the public spec in June 2025, is read only when the Accounting API
//!   refuses (403/404/405/501, `*_FEATURE_DISABLED`).
//! * **No panics on vendor data.** `clippy::arithmetic_side_effects` is on for
//!   this crate: date and number arithmetic on what Cloudbeds sends is checked.
//! * **Room assignment.** [`pms_core::PmsClient::assign_room`] resolves the
//!   room number with `getRooms` and sends `postRoomAssign` with `newRoomID`,
//!   `roomTypeID` and, when moving, `oldRoomID`; `adjustPrice` is left out
//!   (the rate is kept). Reservations of several rooms are refused
//!   (`Validation`): which of them to move is not ours to guess.
//! * **Webhooks.** Cloudbeds signs nothing: subscriptions carry our secret in
//!   the [`WEBHOOK_AUTH_HEADER`] header (`postWebhook.authHeaderName`, SDK
//!   1.19.0); older ones in a URL token. Both are verified in constant time
//!   ([`WebhookVerifier`]) and the property is checked.
//!
//! ## Example
//!
//! ```
//! use pms_cloudbeds::{CloudbedsClient, CloudbedsDecoder, DEFAULT_RATE_LIMIT};
//! use pms_core::{Config, DecodeContext, PayloadDecoder, PayloadKind, PmsClient, PmsKind};
//!
//! let config = Config::from_lookup(|name| {
//!     Ok(match name {
//!         "PMS_HOTELS" => Some("harbor".into()),
//!         "PMS_HOTEL_HARBOR_PMS" => Some("cloudbeds".into()),
//!         "PMS_HOTEL_HARBOR_BASE_URL" => Some("https://api.cloudbeds.com/api/v1.3/".into()),
//!         "PMS_HOTEL_HARBOR_TIME_ZONE" => Some("America/New_York".into()),
//!         "PMS_HOTEL_HARBOR_CURRENCY" => Some("USD".into()),
//!         "PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID" => Some("318267".into()),
//!         "PMS_HOTEL_HARBOR_CLOUDBEDS_API_KEY" => Some("cbat_example".into()),
//!         _ => None,
//!     })
//! })?;
//! let hotel = &config.hotels[0];
//! let client = CloudbedsClient::from_hotel(hotel)?;
//! assert_eq!(client.kind(), PmsKind::Cloudbeds);
//! assert_eq!(client.rate_limit(), DEFAULT_RATE_LIMIT); // 5 requests per second
//!
//! // Offline: decode a recorded webhook body.
//! let context = DecodeContext { hotel: hotel.id.clone(), time_zone: hotel.time_zone, currency: hotel.currency };
//! let body = br#"{"version":"1.0","event":"reservation/created","timestamp":1766005381.816514,
//!     "propertyID":318267,"propertyID_str":"318267","reservationID":"8176082119429",
//!     "startDate":"2026-02-01","endDate":"2026-02-03"}"#;
//! let decoded = CloudbedsDecoder.decode(PayloadKind::Webhook, body, &context)?;
//! assert_eq!(decoded.to_json_array()?.as_array().map(Vec::len), Some(1));
//! # Ok::<(), pms_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::arithmetic_side_effects)]
#![warn(missing_docs)]

mod accounting;
mod auth;
mod client;
mod decode;
mod decode_each;
pub mod error;
pub mod map;
pub mod redact;
mod reservations;
pub mod webhook;
pub mod wire;

pub use auth::{ApiKeyHeader, REFRESH_SKEW};
pub use client::{
    AdjustmentRequest, AdjustmentType, CloudbedsClient, CloudbedsClientBuilder, DEFAULT_RATE_LIMIT,
    DEFAULT_TIMEOUT, HOUSEKEEPING_PAGE_SIZE, ListPage, MAX_PAGE_SIZE, PARTNER_RATE_LIMIT, PaymentRequest,
    PostedPayment,
};
pub use decode::CloudbedsDecoder;
pub use error::{CloudbedsError, classify_code, classify_message, vendor_text, without_vendor_values};
pub use webhook::{
    MAX_WEBHOOK_BYTES, Presented, WEBHOOK_AUTH_HEADER, WebhookDelivery, WebhookVerifier,
    authenticate_and_parse, authenticate_delivery, parse_webhook,
};
