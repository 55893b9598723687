//! The agenda: one calendar of [`AgendaItem`]s (spa, dining, activities),
//! whether the PMS manages them (mirrored through an [`AgendaFeed`]) or our
//! own services booked them, keyed by guest and stay. It detects changes
//! and conflicts (one guest in two places at once) and answers queries by
//! guest, stay and civil day in the property's time zone.
//!
//! PMS-managed items are a mirror, refreshed from the feeds. Internal items
//! are ours alone: an agenda made with [`Agenda::restore`] keeps them in the
//! store's flow records (sealed: titles and guest ids are guest data), written
//! through by [`Agenda::book`] and [`Agenda::unbook`], so a restart keeps them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use pms_core::{
    AgendaItem, AgendaItemId, AgendaSource, AgendaStatus, Clock, DateRange, GuestId, HotelId, ReservationId,
};
use serde::Serialize;

use crate::FlowError;
use crate::context::FlowContext;
use crate::durable::{FlowStorage, Saved};

/// Flow-record kind of an internal agenda item.
const AGENDA_RECORDS: &str = "agenda_item";

/// Where PMS-managed agenda items come from (Mews services, OPERA packages):
/// a connector-side adapter implements it.
#[async_trait]
pub trait AgendaFeed: Send + Sync + std::fmt::Debug {
    /// Which source its items carry.
    fn source(&self) -> AgendaSource;
    /// Every item starting in `range` (civil days in the property's time zone).
    async fn items(&self, range: DateRange) -> Result<Vec<AgendaItem>, pms_core::Error>;
}

/// The agenda feed of any connector: the bookings [`pms_core::PmsClient::agenda`]
/// reads from the PMS (Mews hourly bookable services, OPERA packages, ...).
/// A connector without them answers [`pms_core::ErrorKind::Unsupported`];
/// check [`pms_core::Capability::Agenda`] first.
#[derive(Clone)]
pub struct PmsAgendaFeed {
    client: std::sync::Arc<dyn pms_core::PmsClient>,
}

impl PmsAgendaFeed {
    /// The feed of `client`.
    pub fn new(client: std::sync::Arc<dyn pms_core::PmsClient>) -> Self {
        PmsAgendaFeed { client }
    }
}

impl std::fmt::Debug for PmsAgendaFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PmsAgendaFeed")
            .field("pms", &self.client.kind())
            .finish()
    }
}

#[async_trait]
impl AgendaFeed for PmsAgendaFeed {
    fn source(&self) -> AgendaSource {
        AgendaSource::Pms(self.client.kind())
    }

    async fn items(&self, range: DateRange) -> Result<Vec<AgendaItem>, pms_core::Error> {
        let items = self.client.agenda(range).await?;
        // A mirror pass replaces everything of this source: an item claiming
        // another source would be mirrored under the wrong owner.
        if let Some(stray) = items.iter().find(|i| i.source != self.source()) {
            return Err(pms_core::Error::decode(
                self.client.kind(),
                format!("agenda item {}", stray.id),
                "does not carry the connector's source",
            ));
        }
        Ok(items)
    }
}

/// What changed in the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum AgendaChange {
    /// A new item.
    Added {
        /// The item.
        id: AgendaItemId,
    },
    /// An item moved, was renamed, or changed state.
    Updated {
        /// The item.
        id: AgendaItemId,
        /// Fields that changed (`starts_at`, `status`, ...).
        fields: Vec<&'static str>,
    },
    /// An item disappeared from its source.
    Removed {
        /// The item.
        id: AgendaItemId,
    },
}

/// Two live items of one guest that overlap in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The guest.
    pub guest: GuestId,
    /// The earlier item.
    pub first: AgendaItemId,
    /// The later (or equal-start) item.
    pub second: AgendaItemId,
    /// When the overlap starts.
    pub overlap_from: DateTime<Utc>,
    /// When it ends.
    pub overlap_until: DateTime<Utc>,
}

/// The unified calendar of one property.
#[derive(Debug, Clone)]
pub struct Agenda {
    time_zone: Tz,
    items: BTreeMap<AgendaItemId, AgendaItem>,
    durable: Option<DurableItems>,
}

/// Where a durable agenda keeps its internal items.
#[derive(Clone)]
struct DurableItems {
    hotel: HotelId,
    storage: FlowStorage,
    clock: std::sync::Arc<dyn Clock>,
    /// Stored version of each internal item.
    versions: BTreeMap<AgendaItemId, i64>,
}

impl std::fmt::Debug for DurableItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableItems")
            .field("hotel", &self.hotel)
            .field("items", &self.versions.len())
            .finish_non_exhaustive()
    }
}

/// An item changed by another writer between our read and our write.
fn concurrent_change(id: AgendaItemId) -> FlowError {
    FlowError::Sync(pms_sync::SyncError::Store(format!(
        "agenda item {id} was changed by another writer; the agenda now holds the stored version"
    )))
}

fn check_times(item: &AgendaItem) -> Result<(), FlowError> {
    if item.ends_at <= item.starts_at {
        return Err(FlowError::Validation(format!(
            "agenda item {} ends before it starts",
            item.id
        )));
    }
    Ok(())
}

fn is_live(item: &AgendaItem) -> bool {
    !matches!(item.status, AgendaStatus::Cancelled | AgendaStatus::NoShow)
}

fn changed_fields(old: &AgendaItem, new: &AgendaItem) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut check = |changed: bool, name| {
        if changed {
            fields.push(name);
        }
    };
    check(old.kind != new.kind, "kind");
    check(old.title != new.title, "title");
    check(old.starts_at != new.starts_at, "starts_at");
    check(old.ends_at != new.ends_at, "ends_at");
    check(old.location != new.location, "location");
    check(old.guest != new.guest, "guest");
    check(old.reservation != new.reservation, "reservation");
    check(old.status != new.status, "status");
    check(old.external != new.external, "external");
    check(old.source != new.source, "source");
    fields
}

impl Agenda {
    /// An empty agenda for a property in `time_zone`.
    pub fn new(time_zone: Tz) -> Self {
        Agenda {
            time_zone,
            items: BTreeMap::new(),
            durable: None,
        }
    }

    /// A durable agenda for the context's hotel and time zone: loads the
    /// internal items kept in `storage`. PMS items are not stored; mirror them
    /// again with [`Agenda::refresh_from`].
    pub async fn restore(ctx: &FlowContext, storage: FlowStorage) -> Result<Self, FlowError> {
        let stored = storage
            .load::<AgendaItem>(&ctx.hotel, AGENDA_RECORDS, false)
            .await?;
        let mut items = BTreeMap::new();
        let mut versions = BTreeMap::new();
        for record in stored {
            versions.insert(record.value.id, record.version);
            items.insert(record.value.id, record.value);
        }
        Ok(Agenda {
            time_zone: ctx.time_zone,
            items,
            durable: Some(DurableItems {
                hotel: ctx.hotel.clone(),
                storage,
                clock: ctx.clock.clone(),
                versions,
            }),
        })
    }

    /// Books (adds or changes) an internal item: written to the store first
    /// on a durable agenda, then shown. Returns what changed. PMS items are
    /// refused (they are booked in the PMS and mirrored), as is an item whose
    /// end is not after its start. If another writer changed the item since
    /// this agenda read it, nothing is written, the agenda takes the stored
    /// version and the call fails.
    pub async fn book(&mut self, item: AgendaItem) -> Result<Option<AgendaChange>, FlowError> {
        if item.source != AgendaSource::Internal {
            return Err(FlowError::Validation(format!(
                "agenda item {} is managed by the PMS; book it there",
                item.id
            )));
        }
        check_times(&item)?;
        if self.items.get(&item.id) == Some(&item) {
            return Ok(None);
        }
        if let Some(durable) = &mut self.durable {
            let key = item.id.to_string();
            let expected = durable.versions.get(&item.id).copied();
            let now = durable.clock.now();
            let saved = durable
                .storage
                .save(
                    &durable.hotel,
                    AGENDA_RECORDS,
                    &key,
                    expected,
                    is_live(&item),
                    &item,
                    now,
                )
                .await?;
            match saved {
                Saved::Written(version) => {
                    durable.versions.insert(item.id, version);
                }
                Saved::Conflict(current) => {
                    match current {
                        Some(stored) => {
                            durable.versions.insert(item.id, stored.version);
                            self.items.insert(item.id, stored.value);
                        }
                        None => {
                            durable.versions.remove(&item.id);
                            self.items.remove(&item.id);
                        }
                    }
                    return Err(concurrent_change(item.id));
                }
            }
        }
        Ok(self.put(item))
    }

    /// Removes an internal item (from the store first on a durable agenda).
    /// To keep a cancelled booking visible, [`Agenda::book`] it with status
    /// `Cancelled` instead.
    pub async fn unbook(&mut self, id: AgendaItemId) -> Result<Option<AgendaChange>, FlowError> {
        match self.items.get(&id) {
            None => return Ok(None),
            Some(item) if item.source != AgendaSource::Internal => {
                return Err(FlowError::Validation(format!(
                    "agenda item {id} is managed by the PMS; cancel it there"
                )));
            }
            Some(_) => {}
        }
        if let Some(durable) = &mut self.durable
            && let Some(version) = durable.versions.get(&id).copied()
        {
            let deleted = durable
                .storage
                .delete(&durable.hotel, AGENDA_RECORDS, &id.to_string(), version)
                .await?;
            if !deleted {
                let stored = durable
                    .storage
                    .get::<AgendaItem>(&durable.hotel, AGENDA_RECORDS, &id.to_string())
                    .await?;
                // Gone from the store already: drop it here too. Changed: take the stored one.
                if let Some(stored) = stored {
                    durable.versions.insert(id, stored.version);
                    self.items.insert(id, stored.value);
                    return Err(concurrent_change(id));
                }
            }
            durable.versions.remove(&id);
        }
        Ok(self.items.remove(&id).map(|_| AgendaChange::Removed { id }))
    }

    /// Forgets internal items that ended before `before` (from the store
    /// first on a durable agenda), so the stored set, and what
    /// [`Agenda::restore`] loads, stays bounded. PMS items are a mirror and
    /// left to the feed. An item another writer changed since this agenda read
    /// it is kept (it may have moved to a later time); it goes on a later
    /// purge once this agenda holds its version. Returns the items forgotten.
    pub async fn purge_ended(&mut self, before: DateTime<Utc>) -> Result<Vec<AgendaItemId>, FlowError> {
        let ended: Vec<AgendaItemId> = self
            .items
            .values()
            .filter(|i| i.source == AgendaSource::Internal && i.ends_at < before)
            .map(|i| i.id)
            .collect();
        let mut purged = Vec::with_capacity(ended.len());
        for id in ended {
            if let Some(durable) = &mut self.durable
                && let Some(version) = durable.versions.get(&id).copied()
            {
                let key = id.to_string();
                if !durable
                    .storage
                    .delete(&durable.hotel, AGENDA_RECORDS, &key, version)
                    .await?
                    && let Some(stored) = durable
                        .storage
                        .get::<AgendaItem>(&durable.hotel, AGENDA_RECORDS, &key)
                        .await?
                {
                    // Changed by another writer: keep its version. Gone: forget it here too.
                    durable.versions.insert(id, stored.version);
                    self.items.insert(id, stored.value);
                    continue;
                }
                durable.versions.remove(&id);
            }
            self.items.remove(&id);
            purged.push(id);
        }
        Ok(purged)
    }

    /// Adds or replaces an item in memory; returns what changed (`None` if
    /// nothing did). An item whose end is not after its start is refused, and
    /// so is an internal item on a durable agenda (it would not survive a
    /// restart: use [`Agenda::book`]).
    pub fn upsert(&mut self, item: AgendaItem) -> Result<Option<AgendaChange>, crate::FlowError> {
        check_times(&item)?;
        if self.durable.is_some() && item.source == AgendaSource::Internal {
            return Err(FlowError::Validation(format!(
                "agenda item {} is internal and this agenda is durable: use Agenda::book",
                item.id
            )));
        }
        Ok(self.put(item))
    }

    fn put(&mut self, item: AgendaItem) -> Option<AgendaChange> {
        let id = item.id;
        let change = match self.items.get(&id) {
            None => Some(AgendaChange::Added { id }),
            Some(old) => {
                let fields = changed_fields(old, &item);
                (!fields.is_empty()).then_some(AgendaChange::Updated { id, fields })
            }
        };
        self.items.insert(id, item);
        change
    }

    /// Removes an item from memory. On a durable agenda internal items are
    /// left alone (they would come back after a restart): use [`Agenda::unbook`].
    pub fn remove(&mut self, id: AgendaItemId) -> Option<AgendaChange> {
        if self.durable.is_some()
            && self
                .items
                .get(&id)
                .is_some_and(|i| i.source == AgendaSource::Internal)
        {
            return None;
        }
        self.items.remove(&id).map(|_| AgendaChange::Removed { id })
    }

    /// Replaces every item of `source` starting in `range` with `fresh`:
    /// what a mirror pass does. Returns the changes (added, updated, removed).
    pub fn sync_source(
        &mut self,
        source: AgendaSource,
        range: DateRange,
        fresh: Vec<AgendaItem>,
    ) -> Result<Vec<AgendaChange>, crate::FlowError> {
        let mut changes = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for item in fresh {
            seen.insert(item.id);
            if let Some(change) = self.upsert(item)? {
                changes.push(change);
            }
        }
        let tz = self.time_zone;
        let gone: Vec<AgendaItemId> = self
            .items
            .values()
            .filter(|i| i.source == source && !seen.contains(&i.id))
            .filter(|i| range.contains(i.starts_at.with_timezone(&tz).date_naive()))
            .map(|i| i.id)
            .collect();
        for id in gone {
            changes.extend(self.remove(id));
        }
        Ok(changes)
    }

    /// Mirrors a feed's items for `range`; see [`Agenda::sync_source`].
    pub async fn refresh_from(
        &mut self,
        feed: &dyn AgendaFeed,
        range: DateRange,
    ) -> Result<Vec<AgendaChange>, crate::FlowError> {
        let fresh = feed.items(range).await?;
        self.sync_source(feed.source(), range, fresh)
    }

    /// One item.
    pub fn get(&self, id: AgendaItemId) -> Option<&AgendaItem> {
        self.items.get(&id)
    }

    /// A guest's items, by start.
    pub fn by_guest(&self, guest: GuestId) -> Vec<&AgendaItem> {
        self.sorted(|i| i.guest == Some(guest))
    }

    /// A stay's items, by start.
    pub fn by_stay(&self, reservation: ReservationId) -> Vec<&AgendaItem> {
        self.sorted(|i| i.reservation == Some(reservation))
    }

    /// Items touching a civil day in the property's time zone (from local
    /// midnight to the next), by start.
    pub fn on_day(&self, day: NaiveDate) -> Vec<&AgendaItem> {
        let (from, until) = self.day_bounds(day);
        self.sorted(|i| i.starts_at < until && i.ends_at > from)
    }

    fn day_bounds(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |d: NaiveDate| {
            let naive = d.and_time(chrono::NaiveTime::MIN);
            self.time_zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        };
        (at(day), at(day.succ_opt().unwrap_or(day)))
    }

    fn sorted(&self, keep: impl Fn(&AgendaItem) -> bool) -> Vec<&AgendaItem> {
        let mut items: Vec<&AgendaItem> = self.items.values().filter(|i| keep(i)).collect();
        items.sort_by_key(|i| (i.starts_at, i.id));
        items
    }

    /// Every pair of live items of one guest that overlap (touching end to
    /// start is not a conflict), ordered by guest and start.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut by_guest: BTreeMap<GuestId, Vec<&AgendaItem>> = BTreeMap::new();
        for item in self.items.values().filter(|i| is_live(i)) {
            if let Some(guest) = item.guest {
                by_guest.entry(guest).or_default().push(item);
            }
        }
        let mut out = Vec::new();
        for (guest, mut items) in by_guest {
            items.sort_by_key(|i| (i.starts_at, i.id));
            for (n, first) in items.iter().enumerate() {
                for second in items.iter().skip(n + 1) {
                    if second.starts_at >= first.ends_at {
                        break;
                    }
                    out.push(Conflict {
                        guest,
                        first: first.id,
                        second: second.id,
                        overlap_from: second.starts_at,
                        overlap_until: first.ends_at.min(second.ends_at),
                    });
                }
            }
        }
        out
    }

    /// The live items a new item would overlap for its guest (check before booking).
    pub fn conflicts_with(&self, candidate: &AgendaItem) -> Vec<&AgendaItem> {
        let Some(guest) = candidate.guest else {
            return Vec::new();
        };
        self.sorted(|i| {
            i.id != candidate.id
                && i.guest == Some(guest)
                && is_live(i)
                && i.starts_at < candidate.ends_at
                && candidate.starts_at < i.ends_at
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pms_core::{AgendaKind, PmsKind};
    use uuid::Uuid;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap()
    }

    fn item(n: u128, guest: u128, from: DateTime<Utc>, minutes: i64) -> AgendaItem {
        AgendaItem {
            id: AgendaItemId::from_uuid(Uuid::from_u128(n)),
            external: None,
            kind: AgendaKind::Spa,
            title: "Massage".into(),
            starts_at: from,
            ends_at: from + chrono::Duration::minutes(minutes),
            location: Some("Spa 1".into()),
            guest: Some(GuestId::from_uuid(Uuid::from_u128(guest))),
            reservation: Some(ReservationId::from_uuid(Uuid::from_u128(guest + 100))),
            status: AgendaStatus::Confirmed,
            source: AgendaSource::Internal,
        }
    }

    #[test]
    fn overlaps_for_one_guest_conflict_but_touching_and_cancelled_items_do_not() {
        let mut agenda = Agenda::new(chrono_tz::Europe::Berlin);
        agenda.upsert(item(1, 7, at(10, 0), 60)).unwrap();
        agenda.upsert(item(2, 7, at(10, 30), 60)).unwrap(); // overlaps 1
        agenda.upsert(item(3, 7, at(11, 30), 30)).unwrap(); // touches 2's end
        agenda.upsert(item(4, 8, at(10, 0), 60)).unwrap(); // another guest
        let mut cancelled = item(5, 7, at(10, 15), 10);
        cancelled.status = AgendaStatus::Cancelled;
        agenda.upsert(cancelled).unwrap();
        let conflicts = agenda.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].first.as_uuid(), Uuid::from_u128(1));
        assert_eq!(conflicts[0].second.as_uuid(), Uuid::from_u128(2));
        assert_eq!(
            (conflicts[0].overlap_from, conflicts[0].overlap_until),
            (at(10, 30), at(11, 0))
        );
        let candidate = item(9, 8, at(10, 59), 5);
        assert_eq!(agenda.conflicts_with(&candidate).len(), 1);
    }

    #[test]
    fn changes_are_detected_per_field_and_unchanged_upserts_report_nothing() {
        let mut agenda = Agenda::new(chrono_tz::Europe::Berlin);
        let first = item(1, 7, at(10, 0), 60);
        assert_eq!(
            agenda.upsert(first.clone()).unwrap(),
            Some(AgendaChange::Added { id: first.id })
        );
        assert_eq!(agenda.upsert(first.clone()).unwrap(), None);
        let mut moved = first.clone();
        moved.starts_at = at(11, 0);
        moved.ends_at = at(12, 0);
        moved.status = AgendaStatus::Requested;
        assert_eq!(
            agenda.upsert(moved).unwrap(),
            Some(AgendaChange::Updated {
                id: first.id,
                fields: vec!["starts_at", "ends_at", "status"]
            })
        );
        let mut backwards = first;
        backwards.ends_at = backwards.starts_at;
        assert!(agenda.upsert(backwards).is_err());
    }

    #[test]
    fn a_mirror_pass_removes_what_the_pms_no_longer_has_and_keeps_internal_items() {
        let mut agenda = Agenda::new(chrono_tz::Europe::Berlin);
        let pms = AgendaSource::Pms(PmsKind::Mews);
        let mut a = item(1, 7, at(10, 0), 60);
        a.source = pms;
        let mut b = item(2, 7, at(14, 0), 60);
        b.source = pms;
        let internal = item(3, 7, at(16, 0), 60);
        agenda.upsert(internal).unwrap();
        let day = DateRange::day(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        agenda.sync_source(pms, day, vec![a.clone(), b]).unwrap();
        let changes = agenda.sync_source(pms, day, vec![a]).unwrap();
        assert_eq!(
            changes,
            [AgendaChange::Removed {
                id: AgendaItemId::from_uuid(Uuid::from_u128(2))
            }]
        );
        assert_eq!(agenda.by_guest(GuestId::from_uuid(Uuid::from_u128(7))).len(), 2);
    }

    #[test]
    fn days_are_civil_days_in_the_property_time_zone() {
        let mut agenda = Agenda::new(chrono_tz::Europe::Berlin);
        // 23:30 UTC on the 24th is 00:30 on the 25th in Berlin (UTC+1 in November).
        agenda
            .upsert(item(
                1,
                7,
                Utc.with_ymd_and_hms(2026, 11, 24, 23, 30, 0).unwrap(),
                20,
            ))
            .unwrap();
        agenda.upsert(item(2, 7, at(22, 0), 60)).unwrap(); // 23:00-00:00 Berlin on the 25th
        agenda.upsert(item(3, 7, at(23, 30), 30)).unwrap(); // 00:30 on the 26th in Berlin
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let ids =
            |items: Vec<&AgendaItem>| items.iter().map(|i| i.id.as_uuid().as_u128()).collect::<Vec<_>>();
        assert_eq!(ids(agenda.on_day(day(24))), Vec::<u128>::new());
        assert_eq!(ids(agenda.on_day(day(25))), [1, 2]);
        assert_eq!(ids(agenda.on_day(day(26))), [3]);
        assert_eq!(
            ids(agenda.by_stay(ReservationId::from_uuid(Uuid::from_u128(107)))),
            [1, 2, 3]
        );
    }
}
