//! # pms-sim
//!
//! Stateful PMS simulators that speak a vendor's real wire format, in the
//! spirit of stripe-mock: a real HTTP server on `127.0.0.1`, seeded with a
//! deterministic hotel, whose writes change state that reads return, with
//! fault injection, a per-credential rate limit and outgoing webhooks.
//! Connector tests, sync and workflow tests, the demo and the benchmarks run
//! against it because no vendor sandbox is reachable here.
//!
//! The simulator writes its own payloads from the vendor documentation and
//! shares no wire types with the connector crates, so a connector and the
//! simulator cannot silently agree on the same mistake.
//!
//! | module | holds |
//! |---|---|
//! | `generator` | [`HotelSpec`], [`generate`]: seed + size → the same hotel every time |
//! | `model` | the vendor-neutral records: [`Room`], [`Reservation`], [`Guest`], [`Charge`], [`Bill`], [`Payment`], ... |
//! | `state` | [`Hotel`]: the shared state and its business rules (check-in, check-out, post, void) |
//! | `faults` | [`Faults`], [`FaultConfig`], [`RateLimit`]: seeded, runtime-changeable faults |
//! | `ratelimit` | the sliding-window budget per credential |
//! | `webhooks` | [`Webhooks`], [`WebhookConfig`]: delivery with drop / duplicate / delay / reorder and retries |
//! | `journal` | [`RequestRecord`], [`Counters`]: every request received and what it did |
//! | `server` | [`SimHandle`], [`SimOptions`], [`Inspector`], [`serve`]: start, inspect, stop |
//! | `connection` | [`Connection`]: every URL and credential a client needs, and `PMS_HOTEL_<ID>_*` lines for `.env` |
//! | `admin` | `/_sim/state`, `/_sim/requests`, `/_sim/faults`, `/_sim/webhook`: control of an out-of-process simulator |
//! | `mews/` | the Mews Connector API front, one file per resource |
//! | `opera/` | the OPERA OWS 5.1 SOAP front, one file per service |
//! | `cloudbeds/` | the Cloudbeds API v1.3 front, one file per resource |
//!
//! ## Fronts
//!
//! - **Mews** ([`Vendor::Mews`], [`MewsSim`]): `POST /api/connector/v1/{resource}/{operation}`
//!   with tokens in the JSON body. Operations: `configuration/get`,
//!   `reservations/getAll/2023-06-06`, `reservations/update` (room assignment), `reservations/start`,
//!   `reservations/process`,
//!   `customers/getAll`, `resources/getAll`, `resources/update`, `services/getAll`,
//!   `orders/add`, `orderItems/getAll`, `orderItems/cancel`, `bills/getAll`,
//!   `payments/getAll`, `payments/addExternal`. General webhooks: `ServiceOrderUpdated`,
//!   `ResourceUpdated`, `PaymentUpdated`.
//! - **OPERA** ([`Vendor::Opera`], [`OperaSim`]): OWS 5.1 SOAP 1.1 at
//!   `POST {base}/{Service}.asmx` (on-premise) and `POST {base}/{Service}`
//!   (OPERA Cloud gateway, WS-Security required). Services and operations:
//!   `Reservation` (FetchBooking, FutureBookingSummary, AssignRoom), `Name` (FetchProfile),
//!   `HouseKeeping` (FetchHouseKeepingRoomStatus), `GuestServices`
//!   (UpdateRoomStatus), `ResvAdvanced` (CheckIn, CheckOut, PostCharge, Invoice),
//!   `Information` (QueryHotelInformation).
//!   User [`OperaSim::USER_NAME`], passwords = the access tokens, hotel code
//!   [`OperaSim::HOTEL_CODE`]. No webhooks (OWS has none). Beside OWS, the
//!   OHIP REST cashiering front on the same hotel: `POST /oauth/v1/tokens`,
//!   `POST /csh/v1/hotels/{hotelId}/reservations/{id}/charges`
//!   (`postBillingCharges`, `postingReference` kept) and
//!   `GET /csh/v1/hotels/{hotelId}/transactions` (`getGuestsTransactions`) and
//!   `GET /ent/config/v1/hotels/{hotelId}/operaContext` (`getOperaHotelContext`),
//!   client [`OperaSim::OHIP_CLIENT_ID`].
//! - **Cloudbeds** ([`Vendor::Cloudbeds`], [`CloudbedsSim`]): API v1.3 at
//!   `{base}/api/v1.3/{method}`, form-encoded writes, `{success, data, count,
//!   total}` envelopes and `success: false` inside HTTP 200. Methods:
//!   `getReservations`, `getReservation`, `getReservationsWithRateDetails`, `putReservation`, `postRoomAssign`, `getGuest`,
//!   `getGuestList`, `getRooms`, `getHousekeepingStatus`,
//!   `postHousekeepingStatus`, `getHotelDetails`, `getHotels`, `postCustomItem`
//!   (`referenceID` dedupe), `postVoidItem`, `postAdjustment`,
//!   `deleteAdjustment` (POST, SDK 1.19.0), `postPayment`, `postVoidPayment`,
//!   `getTransactions`, `postWebhook` (with `authHeaderName`/`authHeaderValue`),
//!   `getWebhooks`, `deleteWebhook`, and `POST /access_token` (refresh grant);
//!   the Accounting API's `POST {base}/accounting/v1.0/transactions` (JSON,
//!   Bearer, `X-Property-ID`). API keys (`x-api-key` or
//!   Bearer) are the access tokens; ids are [`CloudbedsIds`]. Webhooks:
//!   `reservation/status_changed`, `housekeeping/room_condition_changed`,
//!   `accounting/transaction`; budget [`CLOUDBEDS_RATE_LIMIT`] (5 req/s).
//!
//! ## The seeded hotel
//!
//! A German property (`Europe/Berlin`, EUR, gross pricing, tax codes
//! `DE-2020-1-L` 7% / `DE-2020-1-S` 19% / `DE-2020-1-Z` 0%) with a bookable
//! "Accommodation" service and two additional ones ("Restaurant & Bar",
//! "Spa") that take `orders/add`. Stays are laid out per room around
//! [`HotelSpec::today`] and never overlap; every fifth room has a confirmed
//! arrival today (half of those on an inspected room, so check-in works, the
//! other half on a dirty one, so it is refused until housekeeping) and the
//! next room an in-house guest leaving today. Past stays are checked out and
//! settled; in-house stays carry an open balance.
//!
//! Faithful on purpose, because connectors must cope: nothing is
//! deduplicated (posting the same `ExternalIdentifier` twice makes two
//! charges); `orders/add` items belong to the new order (`ServiceOrderId` is
//! the returned `OrderId`, not the linked reservation); a 429 or injected 500
//! is refused before anything is applied, while an ambiguous timeout applies
//! the write and then withholds the answer.
//!
//! ## From the command line
//!
//! `pms sim mews --port 8080` calls [`serve`]`(Vendor::Mews, 8080, SimOptions::default(), "sim_mews")`,
//! which prints the base URL, every credential a client needs (tokens, API
//! keys, OAuth client id and refresh token, OHIP client, hotel code and user,
//! the webhook token) and the matching `PMS_HOTEL_SIM_MEWS_*` lines for
//! `.env` ([`SimHandle::connection`]), then runs until Ctrl-C.
//! The vendor's request budget is off by default (test suites burst); turn it
//! on with [`SimOptions::with_vendor_rate_limit`] or `POST /_sim/faults`.
//! Tests that talk to such a process steer it through the `/_sim/` control API
//! (see the `admin` module): `POST /_sim/faults {"error_5xx": 0.1}`,
//! `POST /_sim/webhook {"url": "...", "token": "..."}`, `GET /_sim/state`.
//!
//! ## Example
//!
//! ```
//! use pms_sim::{HotelSpec, MewsSim, SimOptions};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(7))).await?;
//! let body = json!({
//!     "ClientToken": sim.client_token(),
//!     "AccessToken": sim.access_token(),
//!     "Client": "doc-test 1.0",
//!     "Extent": { "Resources": true },
//!     "Limitation": { "Count": 5 }
//! });
//! let page: serde_json::Value = reqwest::Client::new()
//!     .post(format!("{}/api/connector/v1/resources/getAll", sim.base_url()))
//!     .json(&body)
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(page["Resources"].as_array().map(Vec::len), Some(5));
//! assert_eq!(sim.state().counters().requests, 1);
//!
//! // Faults change at run time: every request from now on fails with 500.
//! sim.faults().update(|f| f.error_5xx = 1.0);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
// The `json!` bodies of the widest Mews records (customers) need more macro depth.
#![recursion_limit = "256"]
#![warn(missing_docs)]

mod admin;
mod cloudbeds;
mod connection;
mod faults;
mod generator;
mod journal;
mod mews;
mod model;
mod opera;
mod ratelimit;
mod server;
mod state;
mod webhooks;

pub use cloudbeds::{CLOUDBEDS_RATE_LIMIT, CloudbedsIds};
pub use connection::{Connection, EnvLine, OHIP_APP_KEY};
pub use faults::{FaultConfig, Faults, RateLimit, RetryAfterFormat, Verdict};
pub use generator::{HotelSpec, TIME_ZONE, generate};
pub use journal::{Counters, Outcome, RequestRecord};
pub use model::{
    AgendaItem, AgendaKind, Bill, BillState, Charge, ChargeKind, Guest, Payment, PaymentKind, Product,
    Property, Reservation, ReservationState, Room, RoomBlock, RoomBlockKind, RoomCategory, RoomState,
    Service, ServiceKind, TaxRate,
};
pub use server::{Credentials, Inspector, READY_LINE, SimHandle, SimOptions, Vendor, serve};
pub use state::{Change, Hotel, NewLine, NewOrder, NewPayment, NewRoomBlock, Rejection, Summary};
pub use webhooks::{DeliveryAttempt, WebhookConfig, WebhookStats, Webhooks};

/// Errors starting or configuring a simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be bound.
    #[error("cannot bind the simulator socket: {0}")]
    Bind(#[source] std::io::Error),
    /// A webhook URL did not parse.
    #[error("invalid webhook URL: {0}")]
    InvalidUrl(String),
    /// `pms sim <vendor>` named a vendor with no front.
    #[error("no simulator for vendor `{0}` (known: mews, opera, cloudbeds)")]
    UnknownVendor(String),
}

/// The Mews simulator: a [`SimHandle`] speaking the Mews Connector API.
#[derive(Debug, Clone, Copy)]
pub struct MewsSim;

impl MewsSim {
    /// Starts a Mews simulator on `options.addr` (default `127.0.0.1:0`).
    pub async fn start(options: SimOptions) -> Result<SimHandle, SimError> {
        SimHandle::start(Vendor::Mews, options).await
    }
}

/// The OPERA OWS simulator: a [`SimHandle`] speaking OWS 5.1 SOAP.
#[derive(Debug, Clone, Copy)]
pub struct OperaSim;

impl OperaSim {
    /// The user name accepted in `OGHeader/.../UserName` (and in
    /// `wsse:UsernameToken` on the Cloud path, where `{user}@I{hotel}` is
    /// accepted in the OGHeader too). Passwords are [`Credentials::access_tokens`].
    pub const USER_NAME: &'static str = opera::USER_NAME;
    /// The hotel code (`Domain`, `HotelReference@hotelCode`, OHIP `hotelId`).
    pub const HOTEL_CODE: &'static str = opera::HOTEL_CODE;
    /// The OHIP OAuth client id; its secrets (and the password-grant user
    /// [`OperaSim::USER_NAME`]'s passwords) are [`Credentials::access_tokens`].
    pub const OHIP_CLIENT_ID: &'static str = opera::OHIP_CLIENT_ID;
    /// Lifetime of an OHIP token the simulator issues, in seconds.
    pub const OHIP_TOKEN_SECONDS: i64 = opera::OHIP_TOKEN_SECONDS;

    /// Starts an OPERA simulator on `options.addr` (default `127.0.0.1:0`).
    pub async fn start(options: SimOptions) -> Result<SimHandle, SimError> {
        SimHandle::start(Vendor::Opera, options).await
    }

    /// The OWS `resv_name_id` (`UniqueID source="RESVID"`) of reservation `id`.
    pub fn resv_name_id(hotel: &Hotel, id: uuid::Uuid) -> Option<String> {
        hotel
            .reservations
            .iter()
            .position(|r| r.id == id)
            .map(opera::resv_name_id)
    }

    /// The reservation a `resv_name_id` names.
    pub fn reservation_id(hotel: &Hotel, resv_name_id: &str) -> Option<uuid::Uuid> {
        let n: u64 = resv_name_id.trim().parse().ok()?;
        let i = usize::try_from(n.checked_sub(opera::RESV_ID_BASE)?).ok()?;
        hotel.reservations.get(i).map(|r| r.id)
    }

    /// The OWS profile `NameID` of guest `id`.
    pub fn name_id(hotel: &Hotel, id: uuid::Uuid) -> Option<String> {
        hotel.guests.iter().position(|g| g.id == id).map(opera::name_id)
    }

    /// The `LongInfo` references of every folio line posted through `PostCharge`
    /// with `long_info`: how many times a charge was really posted.
    pub fn postings_with_long_info(hotel: &Hotel, long_info: &str) -> usize {
        hotel
            .charges
            .iter()
            .filter(|c| c.external_identifier.as_deref() == Some(long_info))
            .count()
    }
}

/// The Cloudbeds simulator: a [`SimHandle`] speaking the Cloudbeds API v1.3
/// under `{base_url}/api/v1.3/`.
#[derive(Debug, Clone, Copy)]
pub struct CloudbedsSim;

impl CloudbedsSim {
    /// The OAuth `client_id` `POST /api/v1.3/access_token` accepts; the
    /// client secret is [`Credentials::client_token`].
    pub const CLIENT_ID: &'static str = cloudbeds::CLIENT_ID;
    /// The OAuth refresh token `POST /api/v1.3/access_token` accepts.
    pub const REFRESH_TOKEN: &'static str = cloudbeds::REFRESH_TOKEN;
    /// Lifetime (`expires_in`) of the access tokens it issues.
    pub const ACCESS_TOKEN_LIFETIME: std::time::Duration = cloudbeds::ACCESS_TOKEN_LIFETIME;

    /// Starts a Cloudbeds simulator on `options.addr` (default `127.0.0.1:0`).
    /// Its API keys are `options.credentials.access_tokens`.
    pub async fn start(options: SimOptions) -> Result<SimHandle, SimError> {
        SimHandle::start(Vendor::Cloudbeds, options).await
    }

    /// The API root a connector is configured with: `{base_url}/api/v1.3/`.
    pub fn api_url(sim: &SimHandle) -> String {
        format!("{}/api/v1.3/", sim.base_url())
    }
}
