//! # pms-flows
//!
//! The guest-journey workflows the workspace exists for, usable with any
//! [`pms_core::PmsClient`]: digital check-in and check-out with digital keys,
//! housekeeping dispatch, a unified agenda, charges and tips, and
//! notifications. Every PMS write goes through the idempotent
//! [`pms_sync::WriteJournal`] under a request id derived from (reservation,
//! step), so running a flow twice repeats nothing; every compliance step is
//! written to the [`pms_sync::AuditLog`] with ids and outcomes, never PII.
//!
//! | module | holds |
//! |---|---|
//! | `context` | [`FlowContext`]: hotel, connector, journal, audit, clock, sleeper, notifier, time zone |
//! | `durable` | [`FlowStorage`]: sealed, versioned flow records in the store (durable tasks and agenda items) |
//! | `checkin` | [`CheckInFlow`], [`CheckInInput`], [`CheckInOutcome`]; write ops for ID, signature, card hold |
//! | `checkout` | [`CheckOutFlow`], [`CheckOutInput`], [`BalancePolicy`], [`CheckOutOutcome`] |
//! | `keys` | the [`KeyService`] trait, [`KeyId`], [`KeyGrant`], key state from the audit log, pending deactivations |
//! | `housekeeping` | [`Dispatcher`], [`HousekeepingRules`], [`SectionRule`], [`Task`] |
//! | `agenda` | [`Agenda`], [`AgendaFeed`], [`PmsAgendaFeed`], [`AgendaChange`], [`Conflict`] |
//! | `charges` | [`ChargeFlow`], [`Posting`], [`ChargeLine`], [`Gratuity`], [`FolioReconciliation`] |
//! | `notify` | [`Notification`], the [`Notifier`] trait, [`LogNotifier`], [`WebhookNotifier`], [`MemoryNotifier`], [`forward_events`], [`poll_with_alerts`], [`reconcile_with_alerts`] |
//! | `error` | [`FlowError`], [`KeyError`], [`NotifyError`] |
//!
//! ## Guarantees
//!
//! - A digital key is activated only after the PMS confirmed the check-in;
//!   a refusal or an unknown outcome leaves no key active.
//! - Check-out deactivates every key of the stay; a deactivation that keeps
//!   failing is retried (bounded, on the injected sleeper), then recorded as
//!   pending in the audit log and alerted, and [`CheckOutFlow::retry_pending_keys`]
//!   finishes it later.
//! - ID checks, signatures and card holds go to the PMS where its
//!   [`pms_core::Capabilities`] say it can store them, otherwise to the audit
//!   log only, and the outcome says which ([`StepOutcome`]).
//! - With a [`FlowStorage`], housekeeping tasks ([`Dispatcher::restore`]) and
//!   internal agenda bookings ([`Agenda::restore`]) survive restarts: every
//!   change is written through, sealed, with optimistic concurrency, so two
//!   dispatchers on one store open one task per room and alert it once.
//!
//! ## Example
//!
//! ```
//! use pms_core::chrono::{TimeZone, Utc};
//! use pms_core::{AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, GuestId};
//! use pms_flows::Agenda;
//! # use uuid::Uuid;
//!
//! let guest = GuestId::from_uuid(Uuid::from_u128(7));
//! let booking = |n: u128, hour: u32, kind: AgendaKind| AgendaItem {
//!     id: AgendaItemId::from_uuid(Uuid::from_u128(n)),
//!     external: None,
//!     kind,
//!     title: "booking".into(),
//!     starts_at: Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0).unwrap(),
//!     ends_at: Utc.with_ymd_and_hms(2026, 11, 25, hour + 1, 30, 0).unwrap(),
//!     location: None,
//!     guest: Some(guest),
//!     reservation: None,
//!     status: AgendaStatus::Confirmed,
//!     source: AgendaSource::Internal,
//! };
//! let mut agenda = Agenda::new(pms_core::chrono_tz::Europe::Berlin);
//! agenda.upsert(booking(1, 10, AgendaKind::Spa))?;
//! agenda.upsert(booking(2, 11, AgendaKind::Dining))?; // starts before the massage ends
//! assert_eq!(agenda.conflicts().len(), 1);
//! assert_eq!(agenda.by_guest(guest).len(), 2);
//! # Ok::<(), pms_flows::FlowError>(())
//! ```
//!
//! A check-in with a [`FlowContext`] (see the crate's tests for a full setup
//! against the Mews simulator):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use pms_flows::{CheckInFlow, CheckInInput, FlowContext, KeyService};
//! # async fn run(ctx: FlowContext, keys: Arc<dyn KeyService>) -> Result<(), pms_flows::FlowError> {
//! let flow = CheckInFlow::new(ctx, keys);
//! let input = CheckInInput::new(pms_core::VendorId::new("reservation-id")?);
//! let outcome = flow.run(&input).await?;
//! println!("room {} with {} key(s)", outcome.room, outcome.keys.len());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod agenda;
mod charges;
mod checkin;
mod checkout;
mod context;
mod durable;
mod error;
mod housekeeping;
mod keys;
mod notify;

pub use agenda::{Agenda, AgendaChange, AgendaFeed, Conflict, PmsAgendaFeed};
pub use charges::{
    ChargeFlow, ChargeLine, ChargePolicy, FolioMismatch, FolioReconciliation, Gratuity, PostedLine, Posting,
    PostingReceipt, VoidReceipt,
};
pub use checkin::{
    AttachIdVerification, AttachSignature, CheckInFlow, CheckInInput, CheckInOutcome, HoldReceipt,
    HoldRequest, IdCheck, PlaceCardHold, SignedCard, StepOutcome,
};
pub use checkout::{BalancePolicy, CheckOutFlow, CheckOutInput, CheckOutOutcome};
pub use context::{FlowContext, SideRetry};
pub use durable::FlowStorage;
pub use error::{FlowError, KeyError, NotifyError};
pub use housekeeping::{
    CompletionRefusal, Dispatcher, HousekeepingRules, Priority, SectionRule, Task, TaskKind, TaskStatus,
};
pub use keys::{
    Deactivation, KeyGrant, KeyId, KeyService, StayKeys, pending_deactivations, retry_pending_deactivations,
    stay_keys,
};
pub use notify::{
    FanOut, LogNotifier, MemoryNotifier, Notification, Notifier, WebhookEnvelope, WebhookNotifier,
    forward_events, poll_with_alerts, reconcile_with_alerts,
};
