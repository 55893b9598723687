//! # pms-opera
//!
//! A connector for Oracle OPERA through **OWS** (OPERA Web Services 5.1,
//! SOAP 1.1), with OPERA Cloud's **OHIP** REST cashiering as an option for
//! charges. Answers are read by the crate's own bounded, namespace-aware XML
//! reader (`xml`: the `xml/lex.rs` tokenizer and a flat tree that borrows
//! from the body); requests are written with quick-xml's writer, which
//! escapes every value. It implements [`pms_core::PmsClient`] and
//! [`pms_core::PayloadDecoder`].
//!
//! No public OWS WSDL or XSD was found, so the wire shapes come from
//! open-source OWS clients and one captured OPERA Cloud answer
//! (`fixtures/opera/README.md` names each source); every module cites what
//! it relies on and marks what is `\[unverified\]`. OHIP shapes come from
//! Oracle's published specs (`crates/pms-opera/tests/fixtures/ohip/README.md`).
//!
//! | module | holds |
//! |---|---|
//! | `client` | [`OperaClient`], [`OperaClientBuilder`]: configuration, per-service endpoints (on-premise `{base}/{Service}.asmx`, OPERA Cloud `{base}/{Service}`), the SOAP envelope over [`pms_http::Transport`], the `PmsClient` impl, [`DEFAULT_RATE_LIMIT`], [`DEFAULT_READ_RETRY`] |
//! | `envelope` | SOAP envelope, `OGHeader`, WS-Security (OPERA Cloud), written with quick-xml's writer |
//! | `xml` | a bounded, namespace-aware reader with its own tokenizer (`xml/lex.rs`): namespace URI + local name, never prefixes; DOCTYPE rejected; byte, depth and element limits |
//! | `ops` | one file per operation: FetchBooking, FutureBookingSummary, AssignRoom, FetchProfile, FetchHouseKeepingRoomStatus, UpdateRoomStatus, CheckIn, CheckOut, PostCharge, Invoice, QueryHotelInformation |
//! | `map` | OWS → pms-core: statuses, amounts, dates, reservations, profiles |
//! | `ohip` | OHIP REST cashiering (optional): OAuth token cache, `postBillingCharges` with our `postingReference`, read-back by it, and the property profile (`getOperaHotelContext`) ([`OhipConfig`], [`Cashiering`]) |
//! | `result` | `Result` FAIL, SOAP Faults, HTML error pages → classified errors |
//! | `error` | [`OperaError`] and its mapping to [`pms_core::Error`] |
//! | `poll` | changed-reservation polling with a stored [`PollCheckpoint`] |
//! | `decode` | [`OperaDecoder`] for recorded responses |
//! | `agenda` | agenda items (spa, dinner, golf) from a reservation's timed packages |
//!
//! ## Contracts worth knowing
//!
//! - **transactionID**: every `OGHeader` carries a `transactionID`. For a
//!   write it is the intent's [`pms_core::RequestId`] (32 hex digits), so a
//!   retry of the same intent sends the same id and the PMS log lines up; for
//!   a read it is fresh per call and reused by the read's own retries (the
//!   transport resends the same envelope per [`OperaOptions::read_retry`]). Every
//!   call-level error exposes it as the vendor request id.
//! - **Writes are never resent.** A write whose answer is lost (timeout
//!   after sending, reset, HTTP 500/502/504 without a fault, unreadable 200) is
//!   `OutcomeUnknown`; read back first.
//! - **Charges**: `PostCharge` sends the transaction code as `Account`, the
//!   total as `Charge` in the hotel currency (other currencies and sub-minor-unit
//!   amounts are refused), the description as `ShortInfo` and our reference
//!   `PMSREQ:{request id}` as `LongInfo`. `find_charge` reads the folio with
//!   `Invoice` and returns the line whose text or attributes carry that
//!   reference — **opt-in** ([`OperaOptions::charge_read_back`]), because the
//!   OWS `BillItem` type has no field documented to echo `LongInfo`; while off,
//!   `find_charge` is `Unsupported` rather than a possibly false "not posted".
//!   With **OHIP cashiering** configured (`PMS_HOTEL_<ID>_OPERA_OHIP_*`, or
//!   [`OperaClient::ohip_cashiering`]) charges go through OHIP
//!   `postBillingCharges` with `postingReference` `PMSREQ:{request id}` and
//!   `find_charge` reads them back by it, so an ambiguous charge is settled
//!   exactly once instead of left unknown; everything else stays on OWS.
//! - **Rooms**: `assign_room` reads the booking first and answers at once when
//!   the room is already assigned; otherwise it sends `Reservation.AssignRoom`
//!   (`RoomNoRequested`) and checks `RoomNoAssigned`. `check_in` never assigns:
//!   with a room named it only verifies the assignment (assign first).
//! - **Lists**: `FutureBookingSummary` filters by `ARRIVAL_DATE` or
//!   `BOOKED_DATE` only; departures are arrivals of a widened window filtered
//!   by departure date ([`OperaOptions::max_stay_nights`]).
//! - **Money**: amounts take the element's `currencyCode`, or the hotel currency
//!   from configuration when it is absent or empty; never `f64`.
//! - **Time**: business dates are civil dates; OWS local date-times are
//!   converted to UTC with the property's time zone, offsets are honoured.
//! - **Rate limit**: OWS publishes none; [`DEFAULT_RATE_LIMIT`] (10 req/s) is
//!   ours and configurable through [`OperaOptions::rate_limit`]; every OWS
//!   and OHIP request passes the transport's gate ([`OperaClientBuilder::gate`]).
//! - **PII**: vendor free text (FAIL `Text`, `faultstring`) stays in
//!   [`pms_core::Pii`] inside [`OperaError`] and never reaches messages or logs;
//!   logs carry operation, transactionID, status and sizes only. A decode
//!   error names the element path (OWS) or JSON path (OHIP) and the kind of
//!   problem, never the value that failed (its message is a `&'static str`).
//! - **Arithmetic** on vendor data is checked or saturating:
//!   `clippy::arithmetic_side_effects` is on for the crate.
//!
//! ## Example
//!
//! ```
//! use pms_core::{Config, PayloadDecoder, PmsClient, PmsKind};
//! use pms_opera::{OperaClient, OperaDecoder, Service};
//!
//! let vars = [
//!     ("PMS_HOTELS", "grand"),
//!     ("PMS_HOTEL_GRAND_PMS", "opera"),
//!     ("PMS_HOTEL_GRAND_BASE_URL", "https://ows.example.com/OWS_WS_51"),
//!     ("PMS_HOTEL_GRAND_TIME_ZONE", "Asia/Kolkata"),
//!     ("PMS_HOTEL_GRAND_CURRENCY", "INR"),
//!     ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "on_premise"),
//!     ("PMS_HOTEL_GRAND_OPERA_HOTEL_CODE", "BLRWE"),
//!     ("PMS_HOTEL_GRAND_OPERA_USERNAME", "KIOSK"),
//!     ("PMS_HOTEL_GRAND_OPERA_PASSWORD", "secret"),
//!     ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK"),
//!     ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB"),
//!     ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI"),
//!     ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS"),
//! ];
//! let config = Config::from_lookup(|name| {
//!     Ok(vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
//! })?;
//! let client = OperaClient::from_hotel(&config.hotels[0])?;
//! assert_eq!(client.kind(), PmsKind::Opera);
//! assert_eq!(
//!     client.endpoint(Service::ResvAdvanced),
//!     "https://ows.example.com/OWS_WS_51/ResvAdvanced.asmx"
//! );
//! // OWS publishes no limit: this is our conservative, configurable default.
//! assert_eq!(client.rate_limit(), pms_opera::DEFAULT_RATE_LIMIT);
//! assert_eq!(OperaDecoder::new().pms(), PmsKind::Opera);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Vendor data is untrusted: arithmetic on it must say what happens at the
// edge (checked_*, saturating_*), never panic or wrap silently.
#![warn(clippy::arithmetic_side_effects)]

pub mod agenda;
pub mod client;
pub mod decode;
pub mod envelope;
pub mod error;
pub mod map;
pub mod ohip;
pub mod ops;
pub mod poll;
pub mod result;
pub mod xml;

pub use client::{DEFAULT_RATE_LIMIT, DEFAULT_READ_RETRY, OperaClient, OperaClientBuilder, OperaOptions};
pub use decode::OperaDecoder;
pub use error::{GdsError, OperaError, ResultFailure, SoapFault};
pub use map::MapContext;
pub use ohip::{Cashiering, OhipConfig};
pub use ops::future_booking_summary::DateKind;
pub use ops::{Operation, Service};
pub use poll::{PollBatch, PollCheckpoint, PollConfig, Sweep};
pub use xml::Limits;
