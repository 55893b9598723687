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
//! | `error` | [`SyncError`] |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod crypto;
mod error;
mod mirror;
pub mod store;

pub use crypto::Cipher;
pub use error::SyncError;
pub use mirror::{Mirror, Mirrored};
pub use store::{PostgresStore, SqliteStore, Store};
