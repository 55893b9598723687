//! # pms-sync
//!
//! The durable half of the workspace: what makes a PMS integration lose
//! nothing and double nothing when networks and vendors misbehave.
//!
//! | module | holds |
//! |---|---|
//! | `store` | the [`Store`] trait, [`SqliteStore`] (embedded default) and [`PostgresStore`] (many workers) |
//! | `crypto` | [`Cipher`]: AEAD encryption at rest with rotating key ids |
//! | `mirror` | [`Mirror`]: normalized records sealed into the store |
//! | `writes` | [`WriteJournal`]: idempotent writes (persist intent, replay, read back before resend) |
//! | `retry` | [`RetryPolicy`]: exponential backoff with full jitter, `Retry-After` as a floor |
//! | `ratelimit` | [`RateLimiter`]: per-credential GCRA inside the vendor's documented budget |
//! | `time` | [`Sleeper`], [`VirtualSleeper`] for virtual-time tests |
//! | `error` | [`SyncError`] |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod crypto;
mod error;
mod mirror;
mod ratelimit;
mod retry;
pub mod store;
mod time;
mod writes;

pub use crypto::Cipher;
pub use error::SyncError;
pub use mirror::{Mirror, Mirrored};
pub use ratelimit::RateLimiter;
pub use retry::RetryPolicy;
pub use store::{PostgresStore, SqliteStore, Store};
pub use time::{Sleeper, TokioSleeper, VirtualSleeper};
pub use writes::{
    CheckIn, CheckOut, JournalSettings, PostCharge, SetRoomStatus, VoidCharge, WriteJournal, WriteOp,
};
