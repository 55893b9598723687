//! Polling for changed reservations.
//!
//! OWS has no "modified since" query and no change feed we can rely on
//! (business events are OHIP's, opera.md §5; OHIP also lacks a modified
//! filter, §4.3). So changes are found the way the notes suggest: sweep stay
//! windows with `FutureBookingSummary` (by arrival date) and keep the
//! reservations whose `ReservationHistory@updateDate` falls in the change
//! window. A reservation without `updateDate` is always kept (duplicates are
//! expected downstream and removed by key).
//!
//! The sweep covers arrivals from `today - lookback_days` to
//! `today + lookahead_days` (property dates), `window_days` per call. It then
//! asks for `dateType="BOOKED_DATE"` over the change window's dates, also
//! `window_days` per call, so bookings *created* in the window are seen
//! whatever their arrival. Every call is a page of its own: a first poll
//! with a long lookback reads its booked dates in bounded answers instead of
//! one answer holding every booking of the period (which a 300 ms client
//! timeout could never receive). It does **not** see modifications of
//! in-house stays that arrived before the lookback, nor of bookings arriving
//! after the lookahead that were created earlier: reconciliation must cover
//! those.
//!
//! [`PollCheckpoint`] is what the sync layer stores between calls; it only
//! moves past a change window once the whole sweep for it is done, and the
//! next window starts `overlap` before the previous end.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pms_core::{ChangeQuery, DateRange, Page, PageToken, Reservation};
use serde::{Deserialize, Serialize};

use crate::client::OperaClient;
use crate::error::OperaError;
use crate::ops::future_booking_summary::DateKind;

/// Sweep geometry, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollConfig {
    /// Days before today whose arrivals are swept (default 30).
    pub lookback_days: u32,
    /// Days after today whose arrivals are swept (default 365).
    pub lookahead_days: u32,
    /// Arrival (or booking) days per `FutureBookingSummary` call (default 7).
    pub window_days: u32,
    /// How far a new change window reaches back before the previous end (default 10 minutes).
    pub overlap: Duration,
    /// Change window of the very first poll (default 1 day).
    pub initial_lookback: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            lookback_days: 30,
            lookahead_days: 365,
            window_days: 7,
            overlap: Duration::minutes(10),
            initial_lookback: Duration::days(1),
        }
    }
}

/// Where polling stands; store it after the batch is durably applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollCheckpoint {
    /// Changes at or after this instant are being looked for.
    pub modified_since: DateTime<Utc>,
    /// The sweep in progress, if any.
    pub sweep: Option<Sweep>,
}

/// A sweep in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    /// End (exclusive) of the change window this sweep serves.
    pub until: DateTime<Utc>,
    /// The first date of the next call's window.
    pub next_window: NaiveDate,
    /// The last arrival date of the sweep.
    pub last: NaiveDate,
    /// Whether `next_window` is a booking-date window (the sweep's second
    /// part) rather than an arrival-date one. Absent in checkpoints stored
    /// before booking dates had pages of their own: those resume on arrivals.
    #[serde(default)]
    pub booked: bool,
}

/// One poll's result.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBatch {
    /// Reservations changed in the window (or without an `updateDate`).
    pub reservations: Vec<Reservation>,
    /// The checkpoint to store once `reservations` are applied.
    pub checkpoint: PollCheckpoint,
    /// Whether this batch finished a sweep (the change window moved on).
    pub sweep_done: bool,
}

/// One `FutureBookingSummary` call of a sweep: its kind and first date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Arrivals(NaiveDate),
    Booked(NaiveDate),
}

/// Prefix of a page token naming a booking-date window; an arrival window's
/// token is the bare date (as stored by every earlier version).
const BOOKED_TOKEN: &str = "booked:";

impl Call {
    fn token(self) -> PageToken {
        match self {
            Call::Arrivals(date) => PageToken::new(date.format("%Y-%m-%d").to_string()),
            Call::Booked(date) => PageToken::new(format!("{BOOKED_TOKEN}{}", date.format("%Y-%m-%d"))),
        }
    }

    fn parse(token: &str) -> Result<Call, OperaError> {
        let (booked, date) = match token.strip_prefix(BOOKED_TOKEN) {
            Some(date) => (true, date),
            None => (false, token),
        };
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| OperaError::Validation("page token is not an OPERA sweep date".into()))?;
        Ok(if booked {
            Call::Booked(date)
        } else {
            Call::Arrivals(date)
        })
    }
}

/// What a sweep serving the change window `[since, until)` covers.
#[derive(Debug, Clone, Copy)]
struct Plan {
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    /// Last arrival date swept.
    last_arrival: NaiveDate,
}

/// One call's reservations and the call after it (`None`: the sweep is done).
struct Step {
    reservations: Vec<Reservation>,
    next: Option<Call>,
}

fn in_window(reservation: &Reservation, since: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    reservation
        .updated_at
        .is_none_or(|updated| since <= updated && updated < until)
}

fn shift(date: NaiveDate, days: i64) -> Result<NaiveDate, OperaError> {
    Duration::try_days(days)
        .and_then(|span| date.checked_add_signed(span))
        .ok_or_else(|| OperaError::Validation(format!("date {date} shifted by {days} days is out of range")))
}

fn window(config: &PollConfig, start: NaiveDate, last: NaiveDate) -> Result<DateRange, OperaError> {
    let end = shift(start, i64::from(config.window_days.saturating_sub(1)))?;
    Ok(DateRange {
        first: start,
        last: end.min(last),
    })
}

impl OperaClient {
    /// The property-local dates of `[since, until)`: the booking dates swept.
    fn booked_dates(&self, plan: &Plan) -> (NaiveDate, NaiveDate) {
        let tz = self.map_context().time_zone;
        let first = plan.since.with_timezone(&tz).date_naive();
        let last = plan.until.with_timezone(&tz).date_naive().max(first);
        (first, last)
    }

    /// Makes `call`: one `FutureBookingSummary` request, filtered to the change window.
    async fn sweep_step(&self, plan: &Plan, call: Call) -> Result<Step, OperaError> {
        let config = self.options().poll;
        let (kind, range, next) = match call {
            Call::Arrivals(start) => {
                let range = window(&config, start, plan.last_arrival)?;
                let next = if range.last < plan.last_arrival {
                    Call::Arrivals(shift(range.last, 1)?)
                } else {
                    Call::Booked(self.booked_dates(plan).0)
                };
                (DateKind::Arrival, range, Some(next))
            }
            Call::Booked(start) => {
                let last = self.booked_dates(plan).1;
                let range = window(&config, start, last)?;
                let next = (range.last < last)
                    .then(|| shift(range.last, 1).map(Call::Booked))
                    .transpose()?;
                (DateKind::Booked, range, next)
            }
        };
        let reservations = self
            .bookings(kind, range)
            .await?
            .into_iter()
            .filter(|r| in_window(r, plan.since, plan.until))
            .collect();
        Ok(Step { reservations, next })
    }

    /// Polls one window of the sweep. Pass the stored checkpoint (or `None` the
    /// first time) and store the returned one after applying the batch.
    pub async fn poll_changes(
        &self,
        checkpoint: Option<&PollCheckpoint>,
    ) -> Result<PollBatch, pms_core::Error> {
        let config = self.options().poll;
        let now = self.now();
        let today = self.property_today();
        let since = checkpoint.map_or(
            now.checked_sub_signed(config.initial_lookback).unwrap_or(now),
            |c| c.modified_since,
        );
        let sweep = checkpoint.and_then(|c| c.sweep.clone()).unwrap_or_else(|| Sweep {
            until: now,
            next_window: shift(today, i64::from(config.lookback_days).saturating_neg()).unwrap_or(today),
            last: shift(today, i64::from(config.lookahead_days)).unwrap_or(today),
            booked: false,
        });
        let plan = Plan {
            since,
            until: sweep.until,
            last_arrival: sweep.last,
        };
        let call = if sweep.booked {
            Call::Booked(sweep.next_window)
        } else {
            Call::Arrivals(sweep.next_window)
        };
        let step = self.sweep_step(&plan, call).await?;
        let checkpoint = match step.next {
            None => PollCheckpoint {
                modified_since: sweep
                    .until
                    .checked_sub_signed(config.overlap)
                    .unwrap_or(sweep.until),
                sweep: None,
            },
            Some(next) => {
                let (next_window, booked) = match next {
                    Call::Arrivals(date) => (date, false),
                    Call::Booked(date) => (date, true),
                };
                PollCheckpoint {
                    modified_since: since,
                    sweep: Some(Sweep {
                        next_window,
                        booked,
                        ..sweep
                    }),
                }
            }
        };
        Ok(PollBatch {
            reservations: step.reservations,
            sweep_done: checkpoint.sweep.is_none(),
            checkpoint,
        })
    }
}

/// [`pms_core::PmsClient::reservations_modified`]: one window per page,
/// arrival windows first, then booking-date windows over the change window;
/// the page token names the next window (`YYYY-MM-DD` for arrivals,
/// `booked:YYYY-MM-DD` for booking dates). `page_size` is not used (OWS does
/// not page `FutureBookingSummary`).
pub(crate) async fn modified_page(
    client: &OperaClient,
    query: &ChangeQuery,
) -> Result<Page<Reservation>, OperaError> {
    let config = client.options().poll;
    let today = client.property_today();
    let plan = Plan {
        since: query.since,
        until: query.until,
        last_arrival: shift(today, i64::from(config.lookahead_days))?,
    };
    let call = match &query.page {
        Some(token) => Call::parse(token.as_str())?,
        None => Call::Arrivals(shift(today, i64::from(config.lookback_days).saturating_neg())?),
    };
    let step = client.sweep_step(&plan, call).await?;
    Ok(Page {
        items: step.reservations,
        next: step.next.map(Call::token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_old_tokens_still_name_arrival_windows() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 17).unwrap();
        for call in [Call::Arrivals(date), Call::Booked(date)] {
            assert_eq!(Call::parse(call.token().as_str()).unwrap(), call);
        }
        assert_eq!(Call::Booked(date).token().as_str(), "booked:2026-03-17");
        assert_eq!(Call::parse("2026-03-17").unwrap(), Call::Arrivals(date));
        for bad in [
            "",
            "booked:",
            "booked:17.03.2026",
            "arrivals:2026-03-17",
            "2026-02-30",
        ] {
            assert!(
                matches!(Call::parse(bad), Err(OperaError::Validation(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn checkpoints_stored_without_the_booked_flag_resume_on_arrivals() {
        let stored = r#"{"modified_since":"2026-02-28T10:00:00Z","sweep":{"until":"2026-03-01T10:00:00Z","next_window":"2026-03-04","last":"2026-03-11"}}"#;
        let checkpoint: PollCheckpoint = serde_json::from_str(stored).unwrap();
        assert!(!checkpoint.sweep.unwrap().booked);
    }
}
