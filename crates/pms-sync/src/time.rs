//! Moved to `pms-core` (beside `Clock`, so the connectors' transport uses
//! the same sleeper); kept as a path so `crate::time::…` imports stay valid.

pub use pms_core::{Sleeper, TokioSleeper, VirtualSleeper};
