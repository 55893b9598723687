//! Draining the webhook inbox: hints coalesced per entity before the PMS is
//! re-read, bounded attempts with backoff, and dead letters.
//!
//! A webhook event is a hint that something changed; the entity is re-read
//! from the PMS before anything is applied. Three rules keep one hotel's
//! inbox from hurting it:
//!
//! - **Coalesced re-reads.** The events due in one pass are grouped by what
//!   they point at: one `room_statuses` read (and at most one `rooms` read)
//!   serves every room hint of the pass, and each reservation, guest or folio
//!   is read once however many hints name it. A burst of 2,600 room events
//!   costs two requests, not 2,600 full room-list reads.
//! - **Bounded attempts.** A failed re-read counts an attempt on every event
//!   it served and schedules the next one ([`InboxRetry`]); after the last
//!   allowed attempt the event is dead-lettered: kept, counted in health and
//!   metrics, listed by `pms inbox dead`, re-driven by `pms inbox redrive`.
//! - **Nothing waits behind a bad event.** An event backing off is not due,
//!   so the events behind it are drained without it, and a failed re-read
//!   never fails the drain (only the store failing does), so the poll that
//!   follows always runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use pms_core::{
    Change, ErrorKind, EventSource, ExternalRef, Guest, PmsEvent, Room, RoomStatusReport, VendorId,
};

use crate::SyncError;
use crate::engine::HotelSync;
use crate::store::{ApplyBatch, InboxEntry, InboxFailure, RecordKind};

/// How failed inbox events are retried before they are dead-lettered.
///
/// The defaults are chosen for an operator running hundreds of hotels:
/// 10 attempts, the first retry after 1 minute, doubling up to 1 hour
/// (1, 2, 4, 8, 16, 32, 60, 60, 60 minutes: about four hours from the first
/// failure to the dead letter). A PMS blip or a short outage heals on its own
/// and nobody is paged; an event that still fails after four hours (an id the
/// PMS refuses, a record it cannot serve) is almost surely poison and is
/// set aside where an alert and `pms inbox dead` show it, at a cost of ten
/// requests. Losing a hint loses little: polling and reconciliation are the
/// source of truth, and `pms inbox redrive --all` re-queues every dead letter
/// after a longer outage. No jitter: the per-credential rate limiter already
/// spaces the re-reads of a hotel, and a fixed schedule is what an operator
/// can reason about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxRetry {
    /// Attempts before an event is dead-lettered (at least 1).
    pub max_attempts: u32,
    /// Wait after the first failure.
    pub first_delay: Duration,
    /// Longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for InboxRetry {
    fn default() -> Self {
        InboxRetry {
            max_attempts: 10,
            first_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(3600),
        }
    }
}

impl InboxRetry {
    /// The wait after the `attempts`-th failure (1-based): `first_delay`
    /// doubled `attempts - 1` times, at most `max_delay`.
    pub fn delay_after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// When an event that has now failed `attempts` times is tried next,
    /// or `None` when it is dead-lettered.
    fn next_attempt(&self, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts.max(1) {
            return None;
        }
        let delay =
            chrono::Duration::from_std(self.delay_after(attempts)).unwrap_or(chrono::Duration::hours(1));
        Some(now.checked_add_signed(delay).unwrap_or(now))
    }
}

/// What one [`HotelSync::drain_inbox`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Events applied: their entity re-read (the mirror updated where it changed).
    pub applied: usize,
    /// Events whose re-read failed, scheduled for another attempt.
    pub retrying: usize,
    /// Events dead-lettered by this drain.
    pub dead_lettered: usize,
    /// PMS reads the drain made (after coalescing).
    pub reads: usize,
}

/// Longest error text kept on an inbox row.
const MAX_ERROR_CHARS: usize = 300;

/// What an event points at: the unit of one re-read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Reservation(VendorId),
    Guest(VendorId),
    Folio(VendorId),
    /// A room block (the hint names the block only): read once for its
    /// room, whose events then join [`Target::Rooms`].
    Block(VendorId),
    /// Every room hint of the pass: one status read serves them all.
    Rooms,
    /// Nothing to re-read (a payment hint that names no reservation).
    Nothing,
}

/// Events of one target, and what they carry.
struct Group<'e> {
    entries: Vec<&'e InboxEntry>,
    /// For a folio: the reservation's reference, for the change event.
    reservation: Option<ExternalRef>,
    /// For `Rooms`: the room each entry names.
    rooms: Vec<VendorId>,
}

/// A re-read's result for some of the events: what to apply, or why not.
struct Outcome<'e> {
    entries: Vec<&'e InboxEntry>,
    result: Result<(ApplyBatch, Vec<PmsEvent>), Failure>,
}

/// Why a re-read failed: a PII-free text and whether retrying can help.
struct Failure {
    text: String,
    kind: Option<ErrorKind>,
    /// A payload that cannot be read will never be: dead-lettered at once.
    permanent: bool,
}

impl Failure {
    fn of(read: &str, err: &SyncError) -> Self {
        let text = match err {
            // Connector messages carry vendor codes and our ids, never PII
            // (`pms_core::Error`'s contract); quoted runs are cut as well, in
            // case a parser quoted the offending value.
            SyncError::Pms(e) => format!(
                "{read} read: {:?}: {}",
                e.kind(),
                pms_core::without_quoted_values(&e.to_string())
            ),
            other => format!("{read}: {}", pms_core::without_quoted_values(&other.to_string())),
        };
        Failure {
            text: truncate(text),
            kind: err.pms_kind(),
            permanent: false,
        }
    }
}

fn truncate(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

impl HotelSync {
    /// Applies up to `limit` due webhook events. Each is a hint: the entity
    /// is re-read from the PMS (once per entity and pass, see the module
    /// docs) and only real changes are applied and emitted. A failed re-read
    /// is recorded on its events (attempt, error, next attempt or dead
    /// letter) and does not fail the drain; only a store failure does.
    pub async fn drain_inbox(&self, limit: u32) -> Result<DrainReport, SyncError> {
        let store = self.mirror().store();
        let now = self.clock().now();
        let due = store.inbox_due(self.hotel(), now, limit).await?;
        let mut report = DrainReport::default();
        let (mut groups, unreadable) = group(&due);
        let mut outcomes = Vec::with_capacity(groups.len() + 1);
        if !unreadable.is_empty() {
            outcomes.push(Outcome {
                entries: unreadable,
                result: Err(Failure {
                    text: "payload is not a normalized event".into(),
                    kind: None,
                    permanent: true,
                }),
            });
        }
        self.resolve_blocks(&mut groups, &mut outcomes, &mut report).await;
        for (target, group) in groups {
            outcomes.extend(self.reread(target, group, &mut report).await?);
        }
        let (applied, failed) = self.apply_outcomes(outcomes).await?;
        for entry in &applied {
            self.health().webhook_seen(entry.event.received_at);
        }
        report.applied = applied.len();
        self.record_failures(failed, now, &mut report).await?;
        self.refresh_inbox_health(&report).await?;
        Ok(report)
    }

    /// A block hint names the block only: each distinct block of the pass is
    /// read once for its room (a removed block too: its room changed back),
    /// and its events join the room hints, so one status read still serves
    /// every room of the pass. A block the PMS no longer knows is an answer
    /// (nothing to apply); a failed read fails only that block's events.
    async fn resolve_blocks<'e>(
        &self,
        groups: &mut Vec<(Target, Group<'e>)>,
        outcomes: &mut Vec<Outcome<'e>>,
        report: &mut DrainReport,
    ) {
        let mut entries = Vec::new();
        let mut rooms = Vec::new();
        let mut kept = Vec::with_capacity(groups.len());
        for (target, group) in groups.drain(..) {
            let Target::Block(id) = &target else {
                kept.push((target, group));
                continue;
            };
            report.reads += 1;
            match self.pms(self.client().room_block(id)).await {
                Ok(block) => {
                    rooms.extend(std::iter::repeat_n(block.room.id, group.entries.len()));
                    entries.extend(group.entries);
                }
                Err(err) if err.kind() == ErrorKind::NotFound => outcomes.push(Outcome {
                    entries: group.entries,
                    result: Ok(Default::default()),
                }),
                Err(err) => outcomes.push(Outcome {
                    entries: group.entries,
                    result: Err(Failure::of("room_block", &err.into())),
                }),
            }
        }
        if !entries.is_empty() {
            match kept.iter_mut().find(|(target, _)| *target == Target::Rooms) {
                Some((_, group)) => {
                    group.entries.extend(entries);
                    group.rooms.extend(rooms);
                }
                None => kept.push((
                    Target::Rooms,
                    Group {
                        entries,
                        reservation: None,
                        rooms,
                    },
                )),
            }
        }
        *groups = kept;
    }

    /// Re-reads one target for its events.
    async fn reread<'e>(
        &self,
        target: Target,
        group: Group<'e>,
        report: &mut DrainReport,
    ) -> Result<Vec<Outcome<'e>>, SyncError> {
        // A record the PMS no longer has is an answer: nothing to apply.
        let found = |result: Result<(ApplyBatch, Vec<PmsEvent>), SyncError>, read: &str| match result {
            Err(SyncError::Pms(err)) if err.kind() == ErrorKind::NotFound => Ok(Default::default()),
            Err(err) => Err(Failure::of(read, &err)),
            Ok(done) => Ok(done),
        };
        let result = match target {
            Target::Rooms => return self.reread_rooms(group.entries, group.rooms, report).await,
            // Resolved into `Rooms` by `resolve_blocks` before any re-read.
            Target::Nothing | Target::Block(_) => Ok(Default::default()),
            Target::Reservation(id) => {
                report.reads += 1;
                let result = match self.pms(self.client().reservation(&id)).await {
                    Ok(fresh) => self.diff_reservations(&[fresh], EventSource::Webhook).await,
                    Err(err) => Err(err.into()),
                };
                found(result, "reservation")
            }
            Target::Guest(id) => {
                report.reads += 1;
                let result = match self.pms(self.client().guest(&id)).await {
                    Ok(fresh) => {
                        self.diff_one(&fresh, EventSource::Webhook, |g: &Guest| Change::GuestUpdated {
                            guest: g.external.clone(),
                        })
                        .await
                    }
                    Err(err) => Err(err.into()),
                };
                found(result, "guest")
            }
            Target::Folio(id) => {
                report.reads += 1;
                let reservation = group.reservation;
                let result = match self.pms(self.client().folio(&id)).await {
                    Ok(folio) => {
                        self.diff_one(&folio, EventSource::Webhook, move |_| Change::FolioChanged {
                            reservation: reservation.clone(),
                            item: None,
                        })
                        .await
                    }
                    Err(err) => Err(err.into()),
                };
                found(result, "folio")
            }
        };
        Ok(vec![Outcome {
            entries: group.entries,
            result,
        }])
    }

    /// One status read for every room hint; one room-list read more when a
    /// hinted room is not mirrored yet, so a room first seen by a webhook is
    /// stored as a full read stores it (type, floor), not as a bare status
    /// that the next reconcile reports changed.
    async fn reread_rooms<'e>(
        &self,
        entries: Vec<&'e InboxEntry>,
        rooms: Vec<VendorId>,
        report: &mut DrainReport,
    ) -> Result<Vec<Outcome<'e>>, SyncError> {
        report.reads += 1;
        let statuses = match self.pms(self.client().room_statuses()).await {
            Ok(statuses) => statuses,
            Err(err) => {
                return Ok(vec![Outcome {
                    entries,
                    result: Err(Failure::of("room_statuses", &err.into())),
                }]);
            }
        };
        let hinted: BTreeSet<&VendorId> = rooms.iter().collect();
        let fresh: BTreeMap<VendorId, RoomStatusReport> = statuses
            .into_iter()
            .filter(|s| hinted.contains(&s.room.id))
            .map(|s| (s.room.id.clone(), s))
            .collect();
        let ids: Vec<&str> = fresh.keys().map(VendorId::as_str).collect();
        let mut mirrored: HashMap<String, Room> = HashMap::with_capacity(ids.len());
        for sealed in self
            .mirror()
            .store()
            .records_by_ids(self.hotel(), RecordKind::Room, &ids)
            .await?
        {
            // A row that no longer opens (its key retired, say) is replaced by
            // a full read, as a room new to the mirror is: it must not fail
            // every pass of the hotel.
            match self.mirror().open::<Room>(&sealed) {
                Ok(room) => {
                    mirrored.insert(sealed.external_id, room);
                }
                Err(err) => {
                    tracing::warn!(hotel = %self.hotel(), room = %sealed.external_id, error = %err, "mirrored room unreadable; re-read in full");
                }
            }
        }
        // Hinted rooms the mirror does not hold yet need the room list.
        let unmirrored: BTreeSet<&VendorId> = fresh
            .keys()
            .filter(|id| !mirrored.contains_key(id.as_str()))
            .collect();
        let listed: Result<HashMap<VendorId, Room>, Failure> = if unmirrored.is_empty() {
            Ok(HashMap::new())
        } else {
            report.reads += 1;
            match self.pms(self.client().rooms()).await {
                Ok(list) => Ok(list.into_iter().map(|r| (r.external.id.clone(), r)).collect()),
                Err(err) => Err(Failure::of("rooms", &err.into())),
            }
        };
        let mut batch = ApplyBatch::default();
        let mut events = Vec::new();
        for (id, status) in &fresh {
            let (room, is_new) = match (mirrored.remove(id.as_str()), &listed) {
                (Some(room), _) => (room, false),
                (None, Ok(list)) => match list.get(id) {
                    Some(room) => (room.clone(), true),
                    // A room the room list does not have is not mirrored,
                    // exactly as reconcile would not mirror it.
                    None => continue,
                },
                (None, Err(_)) => continue,
            };
            if let Some(event) = self.room_change(room, status, is_new, &mut batch)? {
                events.push(event);
            }
        }
        let mut outcomes = Vec::with_capacity(2);
        match listed {
            Ok(_) => outcomes.push(Outcome {
                entries,
                result: Ok((batch, events)),
            }),
            // The events of rooms that needed the failed list read fail; the rest apply.
            Err(failure) => {
                let (failed, ok): (Vec<_>, Vec<_>) = entries
                    .into_iter()
                    .zip(&rooms)
                    .partition(|(_, room)| unmirrored.contains(room));
                outcomes.push(Outcome {
                    entries: ok.into_iter().map(|(e, _)| e).collect(),
                    result: Ok((batch, events)),
                });
                outcomes.push(Outcome {
                    entries: failed.into_iter().map(|(e, _)| e).collect(),
                    result: Err(failure),
                });
            }
        }
        Ok(outcomes)
    }
}

impl HotelSync {
    /// A room with its fresh status, sealed into `batch` when it changed (a
    /// room new to the mirror always is): the change event, if any.
    fn room_change(
        &self,
        mut room: Room,
        report: &RoomStatusReport,
        is_new: bool,
        batch: &mut ApplyBatch,
    ) -> Result<Option<PmsEvent>, SyncError> {
        if !is_new && room.status.as_ref() == Some(&report.status) {
            return Ok(None);
        }
        room.status = Some(report.status.clone());
        let sealed = self.mirror().seal(self.hotel(), &room)?;
        let change = Change::RoomStatusChanged {
            room: report.room.clone(),
            number: Some(report.number.clone()),
            status: Some(report.status.housekeeping.clone()),
        };
        let event = self.event(change, report.status.updated_at, EventSource::Webhook, &sealed);
        batch.upserts.push(sealed);
        Ok(Some(event))
    }

    /// Commits what the re-reads found, with the events they served marked
    /// processed: in one transaction, or, if that fails, one per entity, so
    /// one record the store refuses fails only the events that led to it.
    /// Returns the events applied and those that failed.
    async fn apply_outcomes<'e>(
        &self,
        outcomes: Vec<Outcome<'e>>,
    ) -> Result<(Vec<&'e InboxEntry>, Vec<(Vec<&'e InboxEntry>, Failure)>), SyncError> {
        let store = self.mirror().store();
        let mut ready = Vec::with_capacity(outcomes.len());
        let mut failed = Vec::new();
        for outcome in outcomes {
            match outcome.result {
                Ok((mut batch, events)) => {
                    batch
                        .processed_inbox
                        .extend(outcome.entries.iter().map(|e| e.event.seq));
                    ready.push((outcome.entries, batch, events));
                }
                Err(failure) => failed.push((outcome.entries, failure)),
            }
        }
        let mut applied = Vec::new();
        if ready.is_empty() {
            return Ok((applied, failed));
        }
        let mut all = ApplyBatch::default();
        for (_, batch, _) in &ready {
            all.upserts.extend(batch.upserts.iter().cloned());
            all.deletes.extend(batch.deletes.iter().cloned());
            all.processed_inbox.extend(&batch.processed_inbox);
        }
        if store.apply(all).await.is_ok() {
            for (entries, _, events) in ready {
                self.emit(events);
                applied.extend(entries);
            }
            return Ok((applied, failed));
        }
        tracing::warn!(hotel = %self.hotel(), "inbox commit failed; committing each entity alone");
        for (entries, batch, events) in ready {
            match store.apply(batch).await {
                Ok(()) => {
                    self.emit(events);
                    applied.extend(entries);
                }
                Err(err) => failed.push((entries, Failure::of("commit", &err))),
            }
        }
        Ok((applied, failed))
    }

    /// Counts one more attempt on each failed event and schedules it, or
    /// dead-letters it once it has used its attempts.
    async fn record_failures(
        &self,
        failed: Vec<(Vec<&InboxEntry>, Failure)>,
        now: DateTime<Utc>,
        report: &mut DrainReport,
    ) -> Result<(), SyncError> {
        let pms = self.client().kind().as_str();
        let mut rows = Vec::new();
        for (entries, failure) in failed {
            if entries.is_empty() {
                continue;
            }
            let mut dead = 0usize;
            for entry in &entries {
                let attempts = entry.attempts.saturating_add(1);
                let retry_at = if failure.permanent {
                    None
                } else {
                    self.inbox_retry().next_attempt(attempts, now)
                };
                if retry_at.is_none() {
                    dead += 1;
                }
                rows.push(InboxFailure {
                    seq: entry.event.seq,
                    error: failure.text.clone(),
                    at: now,
                    retry_at,
                });
            }
            report.dead_lettered += dead;
            report.retrying += entries.len() - dead;
            let kind = match (failure.kind, failure.permanent) {
                (Some(kind), _) => format!("{kind:?}"),
                (None, true) => "Payload".to_owned(),
                (None, false) => "Store".to_owned(),
            };
            metrics::counter!("pms_sync_inbox_failures_total", "pms" => pms, "kind" => kind)
                .increment(entries.len() as u64);
            if dead > 0 {
                metrics::counter!("pms_sync_inbox_dead_lettered_total", "pms" => pms).increment(dead as u64);
            }
            tracing::warn!(
                hotel = %self.hotel(),
                events = entries.len(),
                dead_lettered = dead,
                first_seq = entries[0].event.seq,
                error = %failure.text,
                "webhook re-read failed; the events wait for their next attempt or are dead-lettered"
            );
        }
        self.mirror().store().inbox_failed(&rows).await
    }

    /// Refreshes the inbox counts in health when they may have changed: on
    /// the first drain, after a failure, and while anything was retrying or
    /// dead (a redrive from the CLI changes them behind this process's back).
    async fn refresh_inbox_health(&self, report: &DrainReport) -> Result<(), SyncError> {
        let known = self
            .health()
            .snapshot()
            .and_then(|h| Some((h.inbox_retrying?, h.inbox_dead?)));
        let stale = report.retrying + report.dead_lettered > 0
            || known.is_none_or(|(retrying, dead)| retrying + dead > 0);
        if stale {
            let counts = self.mirror().store().inbox_counts(self.hotel()).await?;
            self.health().set_inbox(counts.retrying, counts.dead);
        }
        Ok(())
    }
}

/// Groups due events by target, in order of first arrival; also returns
/// the events whose payload cannot be read.
fn group(due: &[InboxEntry]) -> (Vec<(Target, Group<'_>)>, Vec<&InboxEntry>) {
    let mut groups: Vec<(Target, Group<'_>)> = Vec::new();
    let mut index: BTreeMap<Target, usize> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for entry in due {
        let Ok(event) = serde_json::from_value::<PmsEvent>(entry.event.payload.clone()) else {
            unreadable.push(entry);
            continue;
        };
        let (target, reservation, room) = match event.change {
            Change::ReservationCreated { reservation }
            | Change::ReservationUpdated { reservation }
            | Change::ReservationStatusChanged { reservation, .. }
            | Change::ReservationCancelled { reservation } => {
                (Target::Reservation(reservation.id), None, None)
            }
            Change::GuestUpdated { guest } => (Target::Guest(guest.id), None, None),
            Change::RoomStatusChanged { room, .. } => (Target::Rooms, None, Some(room.id)),
            Change::RoomBlockChanged { block } => (Target::Block(block.id), None, None),
            Change::FolioChanged {
                reservation: Some(reservation),
                ..
            } => (Target::Folio(reservation.id.clone()), Some(reservation), None),
            Change::FolioChanged {
                reservation: None, ..
            } => (Target::Nothing, None, None),
        };
        let slot = *index.entry(target.clone()).or_insert_with(|| {
            groups.push((
                target,
                Group {
                    entries: Vec::new(),
                    reservation,
                    rooms: Vec::new(),
                },
            ));
            groups.len() - 1
        });
        let group = &mut groups[slot].1;
        group.entries.push(entry);
        group.rooms.extend(room);
    }
    (groups, unreadable)
}
