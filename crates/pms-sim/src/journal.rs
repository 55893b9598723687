//! Every request a simulator received, and what it did with it, so tests can
//! assert on effects ("exactly one charge was posted") rather than on calls.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the simulator did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Outcome {
    /// Processed and answered 2xx.
    Served,
    /// Refused by the vendor's rules (4xx other than 429).
    Rejected,
    /// Refused with 429 because the credential was over its budget.
    RateLimited,
    /// An injected 429.
    Injected429,
    /// An injected 5xx.
    Injected5xx,
    /// A write applied whose answer was withheld past the client's patience.
    AmbiguousTimeout,
}

/// One received request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// URL path, e.g. `/api/connector/v1/orders/add`.
    pub path: String,
    /// The credential it carried (Mews: the AccessToken), if any.
    pub credential: Option<String>,
    /// The JSON body without its tokens, or null when it did not parse.
    pub body: serde_json::Value,
    /// The HTTP status answered (or that will be answered, for ambiguous writes).
    pub status: u16,
    /// What happened.
    pub outcome: Outcome,
    /// Whether the request changed state.
    pub applied_write: bool,
}

/// Counters over the journal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests received.
    pub requests: usize,
    /// 429s served because of the rate limit.
    pub rate_limited: usize,
    /// Injected 429s.
    pub injected_429: usize,
    /// Injected 5xx.
    pub injected_5xx: usize,
    /// Applied writes whose answer was withheld.
    pub ambiguous_timeouts: usize,
    /// Writes that changed state.
    pub writes_applied: usize,
}

impl Counters {
    /// All 429s served, from the limiter and injected.
    pub fn total_429(&self) -> usize {
        self.rate_limited + self.injected_429
    }
}

/// Append-only request log.
#[derive(Debug, Default)]
pub struct Journal {
    records: Mutex<Vec<RequestRecord>>,
}

impl Journal {
    pub(crate) fn push(&self, record: RequestRecord) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }

    /// A copy of every record, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Counters over all records.
    pub fn counters(&self) -> Counters {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let mut c = Counters {
            requests: records.len(),
            ..Counters::default()
        };
        for r in records.iter() {
            match r.outcome {
                Outcome::RateLimited => c.rate_limited += 1,
                Outcome::Injected429 => c.injected_429 += 1,
                Outcome::Injected5xx => c.injected_5xx += 1,
                Outcome::AmbiguousTimeout => c.ambiguous_timeouts += 1,
                Outcome::Served | Outcome::Rejected => {}
            }
            if r.applied_write {
                c.writes_applied += 1;
            }
        }
        c
    }

    /// Forgets every record.
    pub fn clear(&self) {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
