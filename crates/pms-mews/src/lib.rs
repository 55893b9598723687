//! # pms-mews
//!
//! A [Mews Connector API](https://docs.mews.com/connector-api/) connector:
//! typed wire DTOs, explicit mappers into the `pms-core` model, cursor
//! pagination with 3-month window splitting, error classification, webhook
//! authentication and parsing, and a decoder for recorded payloads.
//!
//! | module | holds |
//! |---|---|
//! | `client` | [`MewsClient`] (implements [`pms_core::PmsClient`]), [`MewsClientBuilder`], [`MewsConfig`], [`MEWS_RATE_LIMIT`]; `client/profile.rs`: [`property_profile`] from `configuration/get` |
//! | [`wire`] | serde DTOs mirroring the vendor JSON, one file per resource |
//! | [`map`] | wire → pms-core; every Mews enum mapped explicitly |
//! | `webhook` | [`verify_token`], [`parse_webhook`] |
//! | `websocket` | [`parse_websocket_message`]: WebSocket `{"Events":[{"Type":..}]}` messages, which carry the state |
//! | `receiver` | [`WebhookReceiver`] (one hotel: token, enterprise check), [`MewsWebhookRouter`] (the shared URL: `EnterpriseId` / integration → hotel) |
//! | `error` | [`MewsError`] and the HTTP status → [`pms_core::ErrorKind`] table |
//! | `decode` | [`MewsDecoder`] for `pms decode` and fixtures |
//! | `decode_each` | `reservations/getAll` pages handed out one reservation at a time (`PayloadDecoder::decode_each`) |
//!
//! Requests go through one [`pms_http::Transport`]: its gate spends
//! [`MewsClient::rate_limit`] (default [`MEWS_RATE_LIMIT`], 200 requests per
//! AccessToken per 30 s) per HTTP request, and its retry policy resends
//! reads only (none by default, [`MewsClientBuilder::retry`]); a write that
//! may have happened is [`pms_core::ErrorKind::OutcomeUnknown`] and must be
//! read back ([`pms_core::PmsClient::find_charge`]) before any resend.
//!
//! ## Example
//!
//! ```no_run
//! use pms_core::{Config, DateRange, PmsClient, chrono::NaiveDate};
//! use pms_mews::{MewsClient, MEWS_RATE_LIMIT};
//!
//! # async fn run() -> Result<(), pms_core::Error> {
//! let config = Config::from_env()?;
//! let hotel = &config.hotels[0];
//! let client = MewsClient::from_hotel(hotel)?;
//! assert_eq!(client.rate_limit(), MEWS_RATE_LIMIT);
//!
//! let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date");
//! for reservation in client.arrivals(DateRange::day(day)).await? {
//!     println!("{} arrives {}", reservation.external, reservation.arrival);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Webhooks:
//!
//! ```
//! use pms_core::{HotelId, chrono::Utc, secrecy::SecretString};
//! use pms_mews::{parse_webhook, verify_token};
//!
//! let secret = SecretString::from("from-config");
//! verify_token(Some("Token=from-config"), &secret)?;
//! let body = br#"{"EnterpriseId":"e","IntegrationId":"i",
//!   "Events":[{"Discriminator":"ServiceOrderUpdated","Value":{"Id":"bfee2c44-1f84-4326-a862-5289598f6e2d"}}]}"#;
//! let parsed = parse_webhook(body, &HotelId::new("grand")?, Utc::now())?;
//! assert_eq!(parsed.events().len(), 1);
//! # Ok::<(), pms_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::arithmetic_side_effects)]

mod client;
mod decode;
mod decode_each;
mod error;
pub mod map;
mod receiver;
mod webhook;
mod websocket;
pub mod wire;

pub use client::agenda::{decode_agenda, map_agenda};
pub use client::profile::property_profile;
pub use client::{
    ChargePricing, ChargeSettings, DEFAULT_PAGE_SIZE, DEMO_BASE_URL, MAX_RESPONSE_BYTES, MAX_WINDOW_DAYS,
    MEWS_RATE_LIMIT, MewsClient, MewsClientBuilder, MewsConfig, PRODUCTION_BASE_URL,
};
pub use decode::MewsDecoder;
pub use error::{CallKind, MewsError};
pub use receiver::{MIN_WEBHOOK_TOKEN_CHARS, MewsWebhookRouter, WebhookReceiver};
pub use webhook::{
    IntegrationNotice, MAX_WEBHOOK_BYTES, MewsWebhook, TOKEN_PARAMETER, parse_webhook, verify_token,
};
pub use websocket::{is_websocket_message, parse_websocket_message};
