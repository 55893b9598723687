//! # pms-core
//!
//! The normalized model every PMS connector maps into, the [`PmsClient`]
//! trait they implement, the [`Error`] taxonomy the sync layer acts on, and
//! hotel configuration from the environment. It imports nothing of ours.
//!
//! | module | holds |
//! |---|---|
//! | `ids` | [`HotelId`], [`VendorId`], [`ExternalRef`], derived internal ids, [`RequestId`] |
//! | `money` | [`Money`] (a `Decimal` with a [`Currency`]) |
//! | `reservation` | [`Reservation`], [`ReservationStatus`], [`RawPayload`], [`RawJson`] |
//! | `guest` | [`Guest`] and its personal data, always behind [`Pii`] |
//! | `room` | [`Room`], [`RoomStatus`], [`HousekeepingStatus`] |
//! | `folio` | [`Folio`], [`FolioCharge`], [`Payment`], [`CardHold`], [`ChargeRequest`] |
//! | `agenda` | [`AgendaItem`] |
//! | `event` | [`PmsEvent`] and its [`Change`] |
//! | `client` | [`PmsClient`], [`Capability`], request types, [`Page`] |
//! | `profile` | [`PropertyProfile`] (currency, time zone as the PMS reports them) and its check against [`HotelConfig`] |
//! | `error` | [`Error`], [`ErrorKind`] |
//! | `decode` | [`PayloadDecoder`]: recorded vendor payloads to records, collected ([`Decoded`]) or handed out one at a time ([`Record`], `decode_each`), for `pms decode` and fixtures |
//! | `config` | [`Config`], [`HotelConfig`] from `PMS_*` variables; `.env` checked and loaded ([`load_dotenv`]) |
//! | `clock` | [`Clock`], for injected time |
//! | `sleep` | [`Sleeper`], [`TokioSleeper`], [`VirtualSleeper`]: injected waiting, virtual time in tests |
//! | `retry` | [`RetryPolicy`]: exponential backoff with full jitter, `Retry-After` as a floor |
//! | `gate` | [`Gate`], [`GateAnswer`], [`Ungated`]: admission of every HTTP request to a vendor credential |
//!
//! ## Example
//!
//! ```
//! use pms_core::{Currency, ErrorKind, ExternalRef, HotelId, Money, PmsKind, ReservationId, VendorId};
//! use rust_decimal::Decimal;
//!
//! let hotel = HotelId::new("grand")?;
//! let mews_id = ExternalRef::new(PmsKind::Mews, VendorId::new("bfee2c44-1f84-4326-a862-5289598f6e2d")?);
//! // Internal ids are derived, so every worker agrees on them.
//! assert_eq!(ReservationId::derive(&hotel, &mews_id), ReservationId::derive(&hotel, &mews_id));
//!
//! let room = Money::new(Decimal::new(12000, 2), Currency::EUR);
//! let tip = Money::parse("5.00", Currency::EUR)?;
//! assert_eq!(room.checked_add(tip)?.to_string(), "125.00 EUR");
//!
//! let mismatch = room.checked_add(Money::parse("1", Currency::USD)?).unwrap_err();
//! assert_eq!(mismatch.kind(), ErrorKind::Validation);
//! # Ok::<(), pms_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agenda;
mod client;
mod clock;
mod config;
mod decode;
mod error;
mod event;
mod folio;
mod gate;
mod guest;
mod ids;
mod money;
mod pii;
mod profile;
mod reservation;
mod retry;
mod room;
mod sleep;

pub use agenda::{AgendaItem, AgendaKind, AgendaSource, AgendaStatus};
pub use client::{
    Capabilities, Capability, CardHoldRequest, ChangeQuery, CheckInRequest, CheckOutRequest, DateRange,
    HealthReport, IdVerification, Page, PageToken, PmsClient, RateLimit, RoomAssignment, RoomStatusUpdate,
    SignatureCapture, VoidChargeRequest,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    CloudbedsAuth, CloudbedsSettings, Config, DOTENV_FILE, Feature, HotelConfig, MewsSettings, OgEntity,
    OhipGrant, OhipSettings, OperaDeployment, OperaSettings, PmsSettings, check_dotenv, load_dotenv,
};
pub use decode::{DecodeContext, Decoded, PayloadDecoder, PayloadKind, Record, RecordSink};
pub use error::{Error, ErrorKind, without_quoted_values, without_vendor_values};
pub use event::{Change, EventId, EventSource, PmsEvent};
pub use folio::{
    AccountKind, CardHold, CardHoldState, CardToken, ChargeKind, ChargeRequest, Folio, FolioAccount,
    FolioCharge, FolioOwner, Payment, PaymentState, PostedCharge, line_balances,
};
pub use gate::{Gate, GateAnswer, Ungated};
pub use guest::{Address, DocumentKind, Guest, GuestRef, IdentityDocument, PersonName};
pub use ids::{
    AgendaItemId, ChargeId, ExternalRef, FolioId, GuestId, HotelId, PmsKind, RequestId, ReservationId,
    RoomNumber, VendorId,
};
pub use money::{Currency, Money};
pub use pii::Pii;
pub use profile::{ProfileCheck, ProfileField, ProfileMismatch, PropertyProfile};
pub use reservation::{RawJson, RawPayload, Reservation, ReservationStatus};
pub use retry::RetryPolicy;
pub use room::{HousekeepingStatus, Occupancy, Room, RoomBlock, RoomBlockKind, RoomStatus, RoomStatusReport};
pub use sleep::{Sleeper, TokioSleeper, VirtualSleeper};

/// Re-exported so callers name the same versions we do.
pub use chrono;
pub use chrono_tz;
pub use rust_decimal;
pub use secrecy;
