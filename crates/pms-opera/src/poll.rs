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
//! `today + lookahead_days` (property dates), `window_days` per call. The last
//! call of a sweep also asks for `dateType="BOOKED_DATE"` over the change
//! window's dates, so bookings *created* in the window are seen whatever their
//! arrival. It does **not** see modifications of in-house stays that arrived
//! before the lookback, nor of bookings arriving after the lookahead that were
//! created earlier: reconciliation must cover those.
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
    /// Arrival days per `FutureBookingSummary` call (default 7).
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

/// A sweep in progress over arrival dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    /// End (exclusive) of the change window this sweep serves.
    pub until: DateTime<Utc>,
    /// The next arrival date to ask for.
    pub next_window: NaiveDate,
    /// The last arrival date of the sweep.
    pub last: NaiveDate,
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

fn in_window(reservation: &Reservation, since: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    reservation
        .updated_at
        .is_none_or(|updated| since <= updated && updated < until)
}

fn shift(date: NaiveDate, days: i64) -> Result<NaiveDate, OperaError> {
    date.checked_add_signed(Duration::days(days))
        .ok_or_else(|| OperaError::Validation(format!("date {date} shifted by {days} days is out of range")))
}

fn window(config: &PollConfig, start: NaiveDate, last: NaiveDate) -> Result<DateRange, OperaError> {
    let end = shift(start, i64::from(config.window_days.max(1)) - 1)?;
    Ok(DateRange {
        first: start,
        last: end.min(last),
    })
}

/// Bookings created on the (property-local) dates of `[since, until)`,
/// filtered to the window, appended to `items` unless already there.
async fn add_booked(
    client: &OperaClient,
    items: &mut Vec<Reservation>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), OperaError> {
    let tz = client.map_context().time_zone;
    let first = since.with_timezone(&tz).date_naive();
    let last = until.with_timezone(&tz).date_naive().max(first);
    let booked = client
        .future_booking_summary(DateKind::Booked, DateRange { first, last })
        .await?;
    for reservation in booked {
        if in_window(&reservation, since, until) && !items.iter().any(|r| r.external == reservation.external)
        {
            items.push(reservation);
        }
    }
    Ok(())
}

impl OperaClient {
    /// Polls one window of the sweep. Pass the stored checkpoint (or `None` the
    /// first time) and store the returned one after applying the batch.
    pub async fn poll_changes(&self, checkpoint: Option<&PollCheckpoint>) -> Result<PollBatch, OperaError> {
        let config = self.options().poll;
        let now = self.now();
        let today = self.property_today();
        let since = checkpoint.map_or(
            now.checked_sub_signed(config.initial_lookback).unwrap_or(now),
            |c| c.modified_since,
        );
        let sweep = checkpoint.and_then(|c| c.sweep.clone()).unwrap_or_else(|| Sweep {
            until: now,
            next_window: shift(today, -i64::from(config.lookback_days)).unwrap_or(today),
            last: shift(today, i64::from(config.lookahead_days)).unwrap_or(today),
        });
        let range = window(&config, sweep.next_window, sweep.last)?;
        let mut reservations: Vec<Reservation> = self
            .future_booking_summary(DateKind::Arrival, range)
            .await?
            .into_iter()
            .filter(|r| in_window(r, since, sweep.until))
            .collect();
        let sweep_done = range.last >= sweep.last;
        if sweep_done {
            add_booked(self, &mut reservations, since, sweep.until).await?;
        }
        let checkpoint = if sweep_done {
            PollCheckpoint {
                modified_since: sweep
                    .until
                    .checked_sub_signed(config.overlap)
                    .unwrap_or(sweep.until),
                sweep: None,
            }
        } else {
            PollCheckpoint {
                modified_since: since,
                sweep: Some(Sweep {
                    next_window: shift(range.last, 1)?,
                    ..sweep
                }),
            }
        };
        Ok(PollBatch {
            reservations,
            checkpoint,
            sweep_done,
        })
    }
}

/// [`pms_core::PmsClient::reservations_modified`]: one arrival window per page
/// (the last page adds the `BOOKED_DATE` query); the page token is the next
/// window's first date (`YYYY-MM-DD`). `page_size` is not used (OWS does not
/// page `FutureBookingSummary`).
pub(crate) async fn modified_page(
    client: &OperaClient,
    query: &ChangeQuery,
) -> Result<Page<Reservation>, OperaError> {
    let config = client.options().poll;
    let today = client.property_today();
    let last = shift(today, i64::from(config.lookahead_days))?;
    let start = match &query.page {
        Some(token) => NaiveDate::parse_from_str(token.as_str(), "%Y-%m-%d")
            .map_err(|_| OperaError::Validation("page token is not an OPERA sweep date".into()))?,
        None => shift(today, -i64::from(config.lookback_days))?,
    };
    let range = window(&config, start, last)?;
    let mut items: Vec<Reservation> = client
        .future_booking_summary(DateKind::Arrival, range)
        .await?
        .into_iter()
        .filter(|r| in_window(r, query.since, query.until))
        .collect();
    if range.last >= last {
        add_booked(client, &mut items, query.since, query.until).await?;
    }
    let next = if range.last < last {
        Some(PageToken::new(
            shift(range.last, 1)?.format("%Y-%m-%d").to_string(),
        ))
    } else {
        None
    };
    Ok(Page { items, next })
}
