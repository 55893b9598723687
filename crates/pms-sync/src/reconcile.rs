//! Reconciliation: re-read the PMS, compare with the mirror, repair, report.
//!
//! Webhooks get lost and modified-since filters miss changes (Cloudbeds says
//! so in its own spec), so a periodic re-read is what makes the mirror true.

use std::collections::{BTreeMap, BTreeSet};

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

/// What a reconcile pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// In the PMS, not in the mirror (added).
    pub missing: Vec<Drift>,
    /// In the mirror, gone from the PMS (removed).
    pub extra: Vec<Drift>,
    /// In both, different (mirror overwritten).
    pub changed: Vec<Drift>,
    /// Records compared.
    pub compared: usize,
}

impl DriftReport {
    /// Total drift found.
    pub fn total(&self) -> usize {
        self.missing.len() + self.extra.len() + self.changed.len()
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
    pub async fn reconcile(&self, window: DateRange) -> Result<DriftReport, SyncError> {
        let mut report = DriftReport::default();
        let mut batch = ApplyBatch::default();
        let mut events = Vec::new();

        // Rooms with their current state.
        let mut rooms = self.pms(self.client().rooms()).await?;
        let statuses = self.pms(self.client().room_statuses()).await?;
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

        // Reservations in the window, from both ends.
        let mut fresh: BTreeMap<String, Reservation> = BTreeMap::new();
        for reservation in self.pms(self.client().arrivals(window)).await? {
            fresh.insert(reservation.external.id.as_str().to_owned(), reservation);
        }
        for reservation in self.pms(self.client().departures(window)).await? {
            fresh.insert(reservation.external.id.as_str().to_owned(), reservation);
        }
        let in_window = |r: &Reservation| window.contains(r.arrival) || window.contains(r.departure);
        let fresh: Vec<Reservation> = fresh.into_values().collect();
        let (reservation_batch, reservation_events) =
            self.diff_reservations(&fresh, EventSource::Reconcile).await?;
        events.extend(reservation_events);
        self.compare::<Reservation>(&fresh, in_window, &mut report, &mut batch)
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

        // Mirror records no longer in the window's answer: moved or deleted?
        let mut still_there = Vec::new();
        let mut gone = Vec::new();
        for drift in std::mem::take(&mut report.extra) {
            if drift.kind != RecordKind::Reservation {
                gone.push(drift);
                continue;
            }
            let id = VendorId::new(drift.external_id.clone()).map_err(SyncError::Pms)?;
            match self.pms(self.client().reservation(&id)).await {
                Ok(reservation) => still_there.push((drift, reservation)),
                Err(err) if err.kind() == ErrorKind::NotFound => gone.push(drift),
                Err(err) => return Err(SyncError::Pms(err)),
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

        metrics::counter!("pms_sync_drift_total", "pms" => self.client().kind().as_str())
            .increment(report.total() as u64);
        self.mirror().store().apply(batch).await?;
        self.emit(events);
        Ok(report)
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

    async fn compare<T: Mirrored + PartialEq + Serialize>(
        &self,
        fresh: &[T],
        in_scope: impl Fn(&T) -> bool,
        report: &mut DriftReport,
        batch: &mut ApplyBatch,
    ) -> Result<(), SyncError> {
        let mirrored: BTreeMap<String, T> = self
            .mirror()
            .all::<T>(self.hotel())
            .await?
            .into_iter()
            .filter(|r| in_scope(r))
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
        for id in mirrored.keys().filter(|id| !seen.contains(*id)) {
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
