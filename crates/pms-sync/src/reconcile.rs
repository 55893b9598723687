//! Reconciliation: re-read the PMS, compare with the mirror, repair, report.
//!
//! Webhooks get lost and modified-since filters miss changes (Cloudbeds says
//! so in its own spec), so a periodic re-read is what makes the mirror true.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use pms_core::{
    DateRange, ErrorKind, EventSource, Folio, Money, PmsEvent, RequestId, Reservation, Room, VendorId,
};
use serde::Serialize;
use serde_json::Value;

use crate::SyncError;
use crate::engine::HotelSync;
use crate::mirror::Mirrored;
use crate::store::{GuardedWrite, MirrorWrite, RecordKind, SealedRecord};

/// One record that differs between the PMS and the mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// What kind of record.
    pub kind: RecordKind,
    /// Its vendor id.
    pub external_id: String,
    /// Paths of the fields that differ (names only, never values: they may be PII).
    pub fields: Vec<String>,
}

/// A PMS read a reconcile pass could not complete (after its retries), and
/// what it therefore could not verify. Nothing in its scope was changed or
/// deleted in the mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unverified {
    /// What kind of records.
    pub kind: RecordKind,
    /// The read that failed: `rooms`, `room_statuses`, `arrivals`, `departures` or `reservation`.
    pub read: &'static str,
    /// The record, when a single record's read failed.
    pub external_id: Option<String>,
    /// The business dates of a failed window read.
    pub range: Option<DateRange>,
    /// Mirror records in the read's scope left as they were (for a whole
    /// list read: every mirrored record the read should have covered).
    pub records: usize,
    /// The kind of the last failure.
    pub error: ErrorKind,
}

/// What a reconcile pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// In the PMS, not in the mirror (added).
    pub missing: Vec<Drift>,
    /// In the mirror, gone from the PMS (removed).
    pub extra: Vec<Drift>,
    /// In both, different (mirror overwritten).
    pub changed: Vec<Drift>,
    /// Reads that failed after retries: their records were neither compared
    /// nor touched. A pass with anything here is not a clean pass.
    pub unverified: Vec<Unverified>,
    /// Records that differed, but that a sync wrote while this pass read the
    /// PMS: the newer write was kept, nothing was repaired (the next pass
    /// compares them again).
    pub superseded: Vec<Drift>,
    /// Records compared.
    pub compared: usize,
}

impl DriftReport {
    /// Drift found plus what could not be verified: a pass that could not
    /// look everywhere never reports 0.
    pub fn total(&self) -> usize {
        self.drift() + self.unverified.len()
    }

    /// Drift found and repaired (missing, extra, changed).
    pub fn drift(&self) -> usize {
        self.missing.len() + self.extra.len() + self.changed.len()
    }

    /// Whether every read of the pass succeeded.
    pub fn is_verified(&self) -> bool {
        self.unverified.is_empty()
    }
}

/// A folio compared with the charges we know we posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolioCheck {
    /// The reservation.
    pub reservation: VendorId,
    /// Our request ids with no line on the folio.
    pub missing: Vec<RequestId>,
    /// Our request ids with more than one live line (a double post).
    pub duplicated: Vec<RequestId>,
    /// The PMS's balance.
    pub pms_balance: Money,
    /// Live charges minus live payments, from the lines.
    pub computed_balance: Money,
}

impl FolioCheck {
    /// Whether everything agrees.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.duplicated.is_empty() && self.pms_balance == self.computed_balance
    }
}

impl HotelSync {
    /// Reconciles rooms and the reservations arriving or departing in `window`:
    /// repairs the mirror in one transaction, emits events for what changed,
    /// and reports the drift.
    ///
    /// Each PMS read retries on its own ([`HotelSync::with_read_retry`]); a
    /// read that still fails does not abort the pass: what it covered is
    /// reported in [`DriftReport::unverified`] and left untouched (a record
    /// is never deleted because a read failed), and the rest is reconciled.
    ///
    /// A reconcile may run beside the hotel's sync (`pms reconcile` while
    /// `pms serve` polls): the mirror is read once, before any PMS read, and
    /// every repair is written only if its record is still what was read
    /// then (compare-and-set, [`crate::store::MirrorStore::apply_guarded`]). A record a
    /// sync wrote meanwhile holds a read newer than this pass's, so it is
    /// kept and reported [`DriftReport::superseded`], never "repaired" back.
    /// Compare-and-set rather than taking the hotel's sync lease: a
    /// reconcile then never waits for, or stalls, a running worker.
    pub async fn reconcile(&self, window: DateRange) -> Result<DriftReport, SyncError> {
        let mut report = DriftReport::default();
        let mut plan = Plan::default();
        let rooms_before = self.snapshot::<Room>().await?;
        let stays_before = self.snapshot::<Reservation>().await?;

        // Rooms with their current state: both reads, or no room is compared.
        let rooms = match self.read(|| self.client().rooms()).await {
            Ok(rooms) => self
                .read(|| self.client().room_statuses())
                .await
                .map(|statuses| (rooms, statuses))
                .map_err(|err| ("room_statuses", err)),
            Err(err) => Err(("rooms", err)),
        };
        match rooms {
            Ok((mut rooms, statuses)) => {
                let by_room: BTreeMap<_, _> = statuses
                    .into_iter()
                    .map(|s| (s.room.id.clone(), s.status))
                    .collect();
                for room in &mut rooms {
                    if let Some(status) = by_room.get(&room.external.id) {
                        room.status = Some(status.clone());
                    }
                }
                let seen = self.compare::<Room>(&rooms, &rooms_before, &mut report, &mut plan)?;
                // Rooms the PMS no longer lists are gone (only ever from a successful read).
                for (id, (sealed, _)) in rooms_before.iter().filter(|(id, _)| !seen.contains(*id)) {
                    plan.delete(self, sealed, id);
                }
            }
            Err((read, err)) => report.unverified.push(Unverified {
                kind: RecordKind::Room,
                read,
                external_id: None,
                range: None,
                records: rooms_before.len(),
                error: err.kind(),
            }),
        }

        // Reservations in the window, from both ends.
        let mut fresh: BTreeMap<String, Reservation> = BTreeMap::new();
        let arrivals = self.read(|| self.client().arrivals(window)).await;
        let departures = self.read(|| self.client().departures(window)).await;
        let read_ok = [arrivals.is_ok(), departures.is_ok()];
        let by_arrival: fn(&Reservation) -> NaiveDate = |r| r.arrival;
        let by_departure: fn(&Reservation) -> NaiveDate = |r| r.departure;
        for (read, result, date) in [
            ("arrivals", arrivals, by_arrival),
            ("departures", departures, by_departure),
        ] {
            match result {
                Ok(list) => {
                    for reservation in list {
                        fresh.insert(reservation.external.id.as_str().to_owned(), reservation);
                    }
                }
                Err(err) => report.unverified.push(Unverified {
                    kind: RecordKind::Reservation,
                    read,
                    external_id: None,
                    range: Some(window),
                    records: stays_before
                        .values()
                        .filter(|(_, r)| window.contains(date(r)))
                        .count(),
                    error: err.kind(),
                }),
            }
        }
        for reservation in fresh.values() {
            report.compared += 1;
            self.plan_reservation(
                reservation,
                stays_before.get(reservation.external_id()),
                &mut plan,
            )?;
        }

        // Mirror stays no longer in the window's answer, though a read that
        // covers them succeeded: moved or deleted? Ask for each one.
        let expected = |r: &Reservation| {
            (read_ok[0] && window.contains(r.arrival)) || (read_ok[1] && window.contains(r.departure))
        };
        for (id, (sealed, old)) in &stays_before {
            if fresh.contains_key(id) || !expected(old) {
                continue;
            }
            let vendor_id = VendorId::new(id.clone()).map_err(SyncError::Pms)?;
            match self.read(|| self.client().reservation(&vendor_id)).await {
                Ok(reservation) => {
                    self.plan_reservation(&reservation, Some(&(sealed.clone(), old.clone())), &mut plan)?
                }
                Err(err) if err.kind() == ErrorKind::NotFound => plan.delete(self, sealed, id),
                Err(err) => report.unverified.push(Unverified {
                    kind: RecordKind::Reservation,
                    read: "reservation",
                    external_id: Some(id.clone()),
                    range: None,
                    records: 1,
                    error: err.kind(),
                }),
            }
        }

        let events = plan.apply(self, &mut report).await?;
        let pms = self.client().kind().as_str();
        metrics::counter!("pms_sync_drift_total", "pms" => pms).increment(report.drift() as u64);
        metrics::counter!("pms_sync_reconcile_unverified_total", "pms" => pms)
            .increment(report.unverified.len() as u64);
        metrics::counter!("pms_sync_reconcile_superseded_total", "pms" => pms)
            .increment(report.superseded.len() as u64);
        if !report.unverified.is_empty() {
            tracing::warn!(
                unverified = report.unverified.len(),
                reads = ?report.unverified.iter().map(|u| u.read).collect::<Vec<_>>(),
                "reconcile pass incomplete: some reads failed after retries; their records were left as they were"
            );
        }
        if !report.superseded.is_empty() {
            tracing::info!(
                superseded = report.superseded.len(),
                "reconcile left records a sync wrote during the pass as that sync wrote them"
            );
        }
        self.health().set_reconcile_unverified(report.unverified.len());
        self.emit(events);
        Ok(report)
    }

    /// The mirror's records of a kind, sealed (for compare-and-set) and
    /// opened (for comparing), by vendor id.
    async fn snapshot<T: Mirrored>(&self) -> Result<Snapshot<T>, SyncError> {
        self.mirror()
            .store()
            .records(self.hotel(), T::KIND)
            .await?
            .into_iter()
            .map(|sealed| {
                let record = self.mirror().open::<T>(&sealed)?;
                Ok((sealed.external_id.clone(), (sealed, record)))
            })
            .collect()
    }

    /// Plans the repair of one reservation against its `before` row, with
    /// the change event it makes: created, status changed, cancelled, updated.
    fn plan_reservation(
        &self,
        reservation: &Reservation,
        before: Option<&(SealedRecord, Reservation)>,
        plan: &mut Plan,
    ) -> Result<(), SyncError> {
        let Some((sealed, change)) = self.reservation_change(reservation, before.map(|(s, _)| s))? else {
            return Ok(());
        };
        let event = self.event(change, reservation.updated_at, EventSource::Reconcile, &sealed);
        let (list, fields) = match before {
            None => (Repair::Missing, Vec::new()),
            Some((_, old)) => (Repair::Changed, diff_fields(old, reservation)),
        };
        plan.push(
            GuardedWrite {
                expected: before.map(|(s, _)| s.fingerprint.clone()),
                write: MirrorWrite::Upsert(sealed),
            },
            list,
            fields,
            Some(event),
        );
        Ok(())
    }

    /// One reconcile read: through the rate limiter and health tracker
    /// ([`HotelSync::pms`]), retried on its own on a retryable failure with the
    /// sync's read policy (full jitter, `Retry-After` as a floor).
    async fn read<T, Fut>(&self, mut call: impl FnMut() -> Fut) -> Result<T, pms_core::Error>
    where
        Fut: std::future::Future<Output = Result<T, pms_core::Error>>,
    {
        let (policy, sleeper) = self.read_retry();
        let started = self.clock().now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let err = match self.pms(call()).await {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let elapsed = (self.clock().now() - started).to_std().unwrap_or_default();
            let delay = policy.next_delay(attempt, err.kind(), err.retry_after(), elapsed, &mut rand::rng());
            match delay {
                Some(delay) => {
                    metrics::counter!("pms_sync_reconcile_read_retries_total", "pms" => self.client().kind().as_str())
                        .increment(1);
                    sleeper.sleep(delay).await;
                }
                None => return Err(err),
            }
        }
    }

    /// Compares a folio with the request ids of the charges we posted to it.
    pub async fn check_folio(
        &self,
        reservation: &VendorId,
        posted: &[RequestId],
    ) -> Result<FolioCheck, SyncError> {
        let folio: Folio = self.pms(self.client().folio(reservation)).await?;
        let mut live: BTreeMap<RequestId, usize> = BTreeMap::new();
        for charge in folio.charges.iter().filter(|c| !c.voided) {
            if let Some(id) = charge.request_id {
                *live.entry(id).or_default() += 1;
            }
        }
        Ok(FolioCheck {
            reservation: reservation.clone(),
            missing: posted
                .iter()
                .filter(|id| !live.contains_key(id))
                .copied()
                .collect(),
            duplicated: live.iter().filter(|(_, n)| **n > 1).map(|(id, _)| *id).collect(),
            pms_balance: folio.balance,
            computed_balance: folio.computed_balance()?,
        })
    }

    /// Plans the repair of every record of `fresh` that differs from its
    /// `before` row; returns the ids `fresh` holds.
    fn compare<T: Mirrored + PartialEq + Serialize>(
        &self,
        fresh: &[T],
        before: &Snapshot<T>,
        report: &mut DriftReport,
        plan: &mut Plan,
    ) -> Result<BTreeSet<String>, SyncError> {
        let mut seen = BTreeSet::new();
        for record in fresh {
            let id = record.external_id().to_owned();
            report.compared += 1;
            let (list, fields, expected) = match before.get(&id) {
                None => (Repair::Missing, Vec::new(), None),
                Some((sealed, old)) if old != record => (
                    Repair::Changed,
                    diff_fields(old, record),
                    Some(sealed.fingerprint.clone()),
                ),
                Some(_) => {
                    seen.insert(id);
                    continue;
                }
            };
            plan.push(
                GuardedWrite {
                    write: MirrorWrite::Upsert(self.mirror().seal(self.hotel(), record)?),
                    expected,
                },
                list,
                fields,
                None,
            );
            seen.insert(id);
        }
        Ok(seen)
    }
}

/// Mirror rows by vendor id, sealed and opened, as read before the PMS.
type Snapshot<T> = BTreeMap<String, (SealedRecord, T)>;

/// Which list of the report a repair belongs in once it is written.
#[derive(Debug, Clone, Copy)]
enum Repair {
    Missing,
    Changed,
    Extra,
}

/// The repairs of a pass, each guarded by what the mirror held before it
/// (see [`HotelSync::reconcile`]).
#[derive(Default)]
struct Plan {
    writes: Vec<GuardedWrite>,
    repairs: Vec<(Repair, Drift, Option<PmsEvent>)>,
}

impl Plan {
    fn push(&mut self, write: GuardedWrite, list: Repair, fields: Vec<String>, event: Option<PmsEvent>) {
        let (_, kind, external_id) = write.write.key();
        let drift = Drift {
            kind,
            external_id: external_id.to_owned(),
            fields,
        };
        self.writes.push(write);
        self.repairs.push((list, drift, event));
    }

    /// Deletes a record gone from the PMS, if it is still as read.
    fn delete(&mut self, sync: &HotelSync, sealed: &SealedRecord, id: &str) {
        self.push(
            GuardedWrite {
                write: MirrorWrite::Delete(sync.hotel().clone(), sealed.kind, id.to_owned()),
                expected: Some(sealed.fingerprint.clone()),
            },
            Repair::Extra,
            Vec::new(),
            None,
        );
    }

    /// Writes the plan in one transaction; sorts each repair into the report
    /// (written: missing / extra / changed; refused: superseded) and returns
    /// the events of the written ones.
    async fn apply(self, sync: &HotelSync, report: &mut DriftReport) -> Result<Vec<PmsEvent>, SyncError> {
        let applied = if self.writes.is_empty() {
            Vec::new()
        } else {
            sync.mirror().store().apply_guarded(&self.writes).await?
        };
        let mut events = Vec::new();
        for (written, (list, drift, event)) in applied.into_iter().zip(self.repairs) {
            if !written {
                report.superseded.push(drift);
                continue;
            }
            events.extend(event);
            match list {
                Repair::Missing => report.missing.push(drift),
                Repair::Changed => report.changed.push(drift),
                Repair::Extra => report.extra.push(drift),
            }
        }
        Ok(events)
    }
}

/// Dotted paths of the JSON fields that differ between two records.
pub(crate) fn diff_fields<T: Serialize>(old: &T, new: &T) -> Vec<String> {
    let (Ok(old), Ok(new)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return vec!["<unserializable>".into()];
    };
    let mut out = Vec::new();
    walk("", &old, &new, &mut out);
    out
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<_> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(
                    &child,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (a, b) if a != b => out.push(if path.is_empty() {
            "<root>".into()
        } else {
            path.to_owned()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths_name_what_changed_and_nothing_else() {
        let old =
            json!({"status": "confirmed", "total": {"amount": "10", "currency": "EUR"}, "room_number": null});
        let new = json!({"status": "checked_in", "total": {"amount": "12", "currency": "EUR"}, "room_number": "101"});
        assert_eq!(diff_fields(&old, &new), ["room_number", "status", "total.amount"]);
        assert!(diff_fields(&old, &old).is_empty());
    }
}
