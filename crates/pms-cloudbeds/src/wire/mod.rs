//! Serde DTOs mirroring the Cloudbeds API v1.3 JSON, one file per resource.
//!
//! Field names follow `src/pms-v1.3-openapi.yaml` in the public repository
//! `cloudbeds/openapi-specs` and the generated models of
//! `cloudbeds/cloudbeds-api-python` (`cloudbeds_pms_v1_3/models/*.py`).
//! Every field is optional and unknown fields are ignored: Cloudbeds drifts
//! from its spec (vendor notes §6), and a missing field must not fail a sync.
//! Scalars go through [`lenient`] because numbers arrive as strings and back.

pub mod accounting;
pub mod envelope;
pub mod folio;
pub mod guest;
pub mod hotel;
pub mod housekeeping;
pub mod lenient;
pub mod oauth;
pub mod reservation;
pub mod room;
pub mod webhook;

pub use envelope::{Envelope, Probe};
