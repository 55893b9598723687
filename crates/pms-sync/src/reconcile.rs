//! Reconciliation: re-read the PMS, compare with the mirror, repair, report.
//!
//! Webhooks get lost and modified-since filters miss changes (Cloudbeds says
//! so in its own spec), so a periodic re-read is what makes the mirror true.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use pms_core::{DateRange, ErrorKind, EventSource, Folio, Money, RequestId, Reservation, Room, VendorId};
use serde::Serialize;
use serde_json::Value;

use crate::SyncError;
use crate::engine::HotelSync;
use crate::mirror::Mirrored;
use crate::store::{ApplyBatch, RecordKind};

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
    pub async fn reconcile(&self, window: DateRange) -> Result<DriftReport, SyncError> {
        let mut report = DriftReport::default();
        let mut batch = ApplyBatch::default();
        let mut events = Vec::new();

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
                self.compare::<Room>(&rooms, |_| true, &mut report, &mut batch)
                    .await?;
            }
            Err((read, err)) => {
                // A count needs no decryption.
                let records = self
                    .mirror()
                    .store()
                    .records(self.hotel(), RecordKind::Room)
                    .await?
                    .len();
                report.unverified.push(Unverified {
                    kind: RecordKind::Room,
                    read,
                    external_id: None,
                    range: None,
                    records,
                    error: err.kind(),
                });
            }
        }
        // Rooms the PMS no longer lists are gone (only ever from a successful read).
        let gone_rooms = std::mem::take(&mut report.extra);

        // Reservations in the window, from both ends.
        let mut fresh: BTreeMap<String, Reservation> = BTreeMap::new();
        let arrivals = self.read(|| self.client().arrivals(window)).await;
        let departures = self.read(|| self.client().departures(window)).await;
        let read_ok = [arrivals.is_ok(), departures.is_ok()];
        let by_arrival: fn(&Reservation) -> NaiveDate = |r| r.arrival;
        let by_departure: fn(&Reservation) -> NaiveDate = |r| r.departure;
        let mut failed = Vec::new();
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
                Err(err) => failed.push((read, err, date)),
            }
        }
        if !failed.is_empty() {
            // Opened once, whichever reads failed.
            let mirrored = self.mirror().all::<Reservation>(self.hotel()).await?;
            for (read, err, date) in failed {
                report.unverified.push(Unverified {
                    kind: RecordKind::Reservation,
                    read,
                    external_id: None,
                    range: Some(window),
                    records: mirrored.iter().filter(|r| window.contains(date(r))).count(),
                    error: err.kind(),
                });
            }
        }
        // A mirrored stay is expected in the answer only if a read that covers it succeeded.
        let expected = |r: &Reservation| {
            (read_ok[0] && window.contains(r.arrival)) || (read_ok[1] && window.contains(r.departure))
        };
        let fresh: Vec<Reservation> = fresh.into_values().collect();
        let (reservation_batch, reservation_events) =
            self.diff_reservations(&fresh, EventSource::Reconcile).await?;
        events.extend(reservation_events);
        self.compare::<Reservation>(&fresh, expected, &mut report, &mut batch)
            .await?;
        // diff_reservations sealed the same upserts compare did; keep one copy each.
        let sealed_ids: BTreeSet<_> = batch
            .upserts
            .iter()
            .map(|s| (s.kind, s.external_id.clone()))
            .collect();
        batch.upserts.extend(
            reservation_batch
                .upserts
                .into_iter()
                .filter(|s| !sealed_ids.contains(&(s.kind, s.external_id.clone()))),
        );

        // Mirror stays no longer in the window's answer: moved or deleted? Ask for each one.
        let mut still_there = Vec::new();
        let mut gone = gone_rooms;
        for drift in std::mem::take(&mut report.extra) {
            let id = VendorId::new(drift.external_id.clone()).map_err(SyncError::Pms)?;
            match self.read(|| self.client().reservation(&id)).await {
                Ok(reservation) => still_there.push((drift, reservation)),
                Err(err) if err.kind() == ErrorKind::NotFound => gone.push(drift),
                Err(err) => report.unverified.push(Unverified {
                    kind: drift.kind,
                    read: "reservation",
                    external_id: Some(drift.external_id),
                    range: None,
                    records: 1,
                    error: err.kind(),
                }),
            }
        }
        for (mut drift, reservation) in still_there {
            let stored: Option<Reservation> = self.mirror().get(self.hotel(), &drift.external_id).await?;
            if stored.as_ref() != Some(&reservation) {
                drift.fields = stored
                    .as_ref()
                    .map(|s| diff_fields(s, &reservation))
                    .unwrap_or_default();
                batch
                    .upserts
                    .push(self.mirror().seal(self.hotel(), &reservation)?);
                report.changed.push(drift);
            }
        }
        for drift in &gone {
            batch
                .deletes
                .push((self.hotel().clone(), drift.kind, drift.external_id.clone()));
        }
        report.extra = gone;

        let pms = self.client().kind().as_str();
        metrics::counter!("pms_sync_drift_total", "pms" => pms).increment(report.drift() as u64);
        metrics::counter!("pms_sync_reconcile_unverified_total", "pms" => pms)
            .increment(report.unverified.len() as u64);
        if !report.unverified.is_empty() {
            tracing::warn!(
                unverified = report.unverified.len(),
                reads = ?report.unverified.iter().map(|u| u.read).collect::<Vec<_>>(),
                "reconcile pass incomplete: some reads failed after retries; their records were left as they were"
            );
        }
        self.mirror().store().apply(batch).await?;
        self.health().set_reconcile_unverified(report.unverified.len());
        self.emit(events);
        Ok(report)
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

    /// Compares `fresh` with the mirror; a mirrored record missing from
    /// `fresh` is reported extra only if `expected` says the read should have
    /// returned it.
    async fn compare<T: Mirrored + PartialEq + Serialize>(
        &self,
        fresh: &[T],
        expected: impl Fn(&T) -> bool,
        report: &mut DriftReport,
        batch: &mut ApplyBatch,
    ) -> Result<(), SyncError> {
        let mirrored: BTreeMap<String, T> = self
            .mirror()
            .all::<T>(self.hotel())
            .await?
            .into_iter()
            .map(|r| (r.external_id().to_owned(), r))
            .collect();
        let mut seen = BTreeSet::new();
        for record in fresh {
            let id = record.external_id().to_owned();
            report.compared += 1;
            seen.insert(id.clone());
            match mirrored.get(&id) {
                None => {
                    report.missing.push(Drift {
                        kind: T::KIND,
                        external_id: id,
                        fields: Vec::new(),
                    });
                    batch.upserts.push(self.mirror().seal(self.hotel(), record)?);
                }
                Some(old) if old != record => {
                    report.changed.push(Drift {
                        kind: T::KIND,
                        external_id: id,
                        fields: diff_fields(old, record),
                    });
                    batch.upserts.push(self.mirror().seal(self.hotel(), record)?);
                }
                Some(_) => {}
            }
        }
        for (id, _) in mirrored
            .iter()
            .filter(|(id, record)| !seen.contains(*id) && expected(record))
        {
            report.extra.push(Drift {
                kind: T::KIND,
                external_id: id.clone(),
                fields: Vec::new(),
            });
        }
        Ok(())
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
