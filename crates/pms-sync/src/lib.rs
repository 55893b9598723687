//! # pms-sync
//!
//! The durable half of the workspace: what makes a PMS integration lose
//! nothing and double nothing when networks and vendors misbehave.
//!
//! | module | holds |
//! |---|---|
//! | `store` | the store's roles ([`MirrorStore`], [`JournalStore`], [`InboxStore`], [`AuditStore`], [`LeaseStore`], [`FlowStore`]), [`Store`] their sum, [`SqliteStore`] (embedded default) and [`PostgresStore`] (many workers), one SQL implementation for both |
//! | `crypto` | [`Cipher`]: AEAD encryption at rest with rotating key ids |
//! | `mirror` | [`Mirror`]: normalized records sealed into the store |
//! | `writes` | [`WriteJournal`]: idempotent writes (persist intent, replay, read back before resend) |
//! | `retry` | re-export of `pms_core::RetryPolicy` (moved to pms-core, kept for one release) |
//! | `ratelimit` | [`RateLimiter`]: per-credential GCRA inside the vendor's documented budget |
//! | `time` | re-export of `pms_core::{Sleeper, TokioSleeper, VirtualSleeper}` (moved to pms-core, kept for one release) |
//! | `engine` | [`HotelSync`]: polling with durable cursors, change events |
//! | `inbox` | [`HotelSync::drain_inbox`]: webhook hints coalesced per entity, [`InboxRetry`] attempts, dead letters |
//! | `webhook` | [`webhook_router`], [`WebhookReceiver`]: authenticate, bound, dedupe, store, answer fast (`503` + `Retry-After` when the store cannot) |
//! | `reject_log` | rate-limited warnings for rejected deliveries (one per hotel and reason per interval) |
//! | `server` | [`serve_webhooks`], [`ServeLimits`]: header/body/idle timeouts and a connection limit for the receiver's socket |
//! | `health_endpoint` | [`health_router`]: `GET /health` of a running service |
//! | `webhook_shared` | [`shared_webhook_router`]: one URL for many hotels (Mews), routed by tenant id to the hotel's receiver |
//! | `reconcile` | drift reports and repair, folio checks |
//! | `worker` | [`Worker`]: hotel syncs under leases, for many processes on one store |
//! | `health` | [`HealthTracker`], [`SyncHealth`] |
//! | `store_health` | [`StoreHealth`]: whether the store answers, shared by worker, receiver and health endpoint |
//! | `audit` | [`AuditLog`] of compliance actions |
//! | `error` | [`SyncError`] |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod audit;
pub mod crypto;
mod engine;
mod error;
mod health;
mod health_endpoint;
mod inbox;
mod inbox_writer;
mod mirror;
mod ratelimit;
mod reconcile;
mod reject_log;
mod retry;
mod server;
pub mod store;
mod store_health;
mod time;
mod webhook;
mod webhook_shared;
mod worker;
mod writes;

pub use audit::{AuditAction, AuditLog, AuditRecord};
pub use crypto::Cipher;
pub use engine::{DEFAULT_EVENT_CAPACITY, HotelSync, PollReport, PollSettings, RESERVATIONS_STREAM};
pub use error::SyncError;
pub use health::{HealthStatus, HealthTracker, SyncHealth};
pub use health_endpoint::health_router;
pub use inbox::{DrainReport, InboxRetry};
pub use mirror::{Mirror, Mirrored, Prepared};
pub use ratelimit::RateLimiter;
pub use reconcile::{Drift, DriftReport, FolioCheck, Unverified};
pub use reject_log::DEFAULT_REJECT_LOG_INTERVAL;
pub use retry::RetryPolicy;
pub use server::{ServeLimits, serve_webhooks};
pub use store::{
    AuditStore, FlowStore, InboxStore, JournalStore, LeaseStore, MirrorStore, PostgresStore, SqliteStore,
    Store, SyncStore, WorkerStore,
};
pub use store_health::{StoreHealth, StoreStatus};
pub use time::{Sleeper, TokioSleeper, VirtualSleeper};
pub use webhook::{
    DEFAULT_STORE_DEADLINE, FnWebhookSource, MAX_WEBHOOK_BYTES, STORE_RETRY_AFTER_SECS, WebhookReceiver,
    WebhookRequest, WebhookSource, webhook_router,
};
pub use webhook_shared::{FnSharedWebhookRoute, SharedWebhookRoute, shared_webhook_router};
#[allow(deprecated)]
pub use worker::DEFAULT_HOUSEKEEPING_INTERVAL;
pub use worker::{
    DEFAULT_INBOX_RETENTION, DEFAULT_JOURNAL_RETENTION, DEFAULT_MAINTENANCE_INTERVAL,
    DEFAULT_MAX_STORE_BACKOFF, PassReport, Worker,
};
pub use writes::{
    AssignRoom, CheckIn, CheckOut, JournalSettings, PostCharge, ReplayOutcome, SetRoomStatus, VoidCharge,
    WriteJournal, WriteOp,
};
