//! Moved to `pms-core` (the connectors' transport decides its read retries
//! with the same policy); kept as a path so `crate::retry::…` imports stay valid.

pub use pms_core::RetryPolicy;
