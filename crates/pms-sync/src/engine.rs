//! Per-hotel ingestion: polling with durable cursors, draining the webhook
//! inbox, applying changes to the mirror and emitting events.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::OptionFuture;
use pms_core::{
    Change, ChangeQuery, Clock, ErrorKind, EventId, EventSource, Guest, HotelId, PageToken, PmsClient,
    PmsEvent, Reservation, ReservationStatus, RoomStatusReport,
};
use tokio::sync::broadcast;

use crate::SyncError;
use crate::health::HealthTracker;
use crate::mirror::{Mirror, Mirrored};
use crate::ratelimit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::store::{ApplyBatch, Cursor, InboxEvent, SealedRecord};
use crate::time::{Sleeper, TokioSleeper};

/// Undelivered events buffered per subscribed hotel by default: a page of
/// changes with room to spare, without thousands of slots for each of
/// hundreds of hotels.
pub const DEFAULT_EVENT_CAPACITY: usize = 256;

/// The reservations stream's name in the cursor table.
pub const RESERVATIONS_STREAM: &str = "reservations";

/// How polling behaves.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// Re-read this much before the stored high-water mark: vendors' modified
    /// timestamps lag commits, and a record updated mid-page may be skipped.
    pub overlap: Duration,
    /// Records per page requested.
    pub page_size: u32,
    /// Where to start when a stream has no cursor.
    pub initial_lookback: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        PollSettings {
            overlap: Duration::from_secs(300),
            page_size: 500,
            initial_lookback: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Pages read.
    pub pages: usize,
    /// Records read.
    pub read: usize,
    /// Records that were new or changed.
    pub changed: usize,
    /// Where the cursor now stands.
    pub high_water: Option<DateTime<Utc>>,
}

/// Syncs one hotel: the unit a worker leases.
#[derive(Clone)]
pub struct HotelSync {
    hotel: HotelId,
    client: Arc<dyn PmsClient>,
    mirror: Mirror,
    clock: Arc<dyn Clock>,
    /// Created by the first `subscribe` (shared by clones): a hotel nobody
    /// listens to keeps no event buffer.
    events: Arc<OnceLock<broadcast::Sender<PmsEvent>>>,
    event_capacity: usize,
    health: Arc<HealthTracker>,
    settings: PollSettings,
    limiter: Option<(Arc<RateLimiter>, String)>,
    read_retry: (RetryPolicy, Arc<dyn Sleeper>),
}

impl std::fmt::Debug for HotelSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotelSync")
            .field("hotel", &self.hotel)
            .field("pms", &self.client.kind())
            .finish_non_exhaustive()
    }
}

impl HotelSync {
    /// Sync for `hotel` through `client` into `mirror`.
    pub fn new(
        hotel: HotelId,
        client: Arc<dyn PmsClient>,
        mirror: Mirror,
        clock: Arc<dyn Clock>,
        settings: PollSettings,
    ) -> Self {
        let health = Arc::new(HealthTracker::new(client.kind()));
        HotelSync {
            hotel,
            client,
            mirror,
            clock,
            events: Arc::default(),
            event_capacity: DEFAULT_EVENT_CAPACITY,
            health,
            settings,
            limiter: None,
            read_retry: (RetryPolicy::default(), Arc::new(TokioSleeper)),
        }
    }

    /// The hotel.
    pub fn hotel(&self) -> &HotelId {
        &self.hotel
    }

    /// The mirror.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// The connector.
    pub fn client(&self) -> &Arc<dyn PmsClient> {
        &self.client
    }

    /// Spaces every PMS read of this sync through `limiter` under `credential`
    /// (share one limiter with the write journal of the same credential), so
    /// polling, webhook re-reads and reconciliation stay inside the vendor's budget.
    pub fn with_rate_limit(mut self, limiter: Arc<RateLimiter>, credential: impl Into<String>) -> Self {
        self.limiter = Some((limiter, credential.into()));
        self
    }

    /// How each reconcile read retries a transient failure or a 429 (default:
    /// [`RetryPolicy::default`], sleeping on the tokio timer). Tests pass a
    /// [`crate::VirtualSleeper`].
    pub fn with_read_retry(mut self, retry: RetryPolicy, sleeper: Arc<dyn Sleeper>) -> Self {
        self.read_retry = (retry, sleeper);
        self
    }

    pub(crate) fn read_retry(&self) -> (RetryPolicy, &Arc<dyn Sleeper>) {
        (self.read_retry.0, &self.read_retry.1)
    }

    /// One PMS call: waits for the rate limiter, records the outcome in the
    /// health tracker, and feeds a 429's `Retry-After` back to the limiter.
    /// (`call` is a lazy future: nothing is sent before the limiter allows it.)
    pub(crate) async fn pms<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, pms_core::Error>>,
    ) -> Result<T, pms_core::Error> {
        if let Some((limiter, credential)) = &self.limiter {
            limiter.acquire(credential).await;
        }
        let result = call.await;
        if let (Err(err), Some((limiter, credential))) = (&result, &self.limiter)
            && let Some(after) = err.retry_after()
        {
            limiter.penalize(credential, after);
        }
        self.health.observe(result, self.clock.now())
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Health counters of this hotel's connector.
    pub fn health(&self) -> &Arc<HealthTracker> {
        &self.health
    }

    /// Keeps up to `events` undelivered events per subscriber (default
    /// [`DEFAULT_EVENT_CAPACITY`]). The buffer is allocated by the first
    /// `subscribe`, so hotels nobody subscribes to hold none; a subscriber
    /// that falls further behind gets `Lagged` and re-reads (the flows raise
    /// a drift notice). Call before `subscribe`.
    pub fn with_event_capacity(mut self, events: usize) -> Self {
        self.events = Arc::default();
        self.event_capacity = events.max(1);
        self
    }

    /// Events of real changes (not echoes of what the mirror already holds),
    /// from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PmsEvent> {
        self.events
            .get_or_init(|| broadcast::channel(self.event_capacity).0)
            .subscribe()
    }

    /// Polls the reservations stream from its cursor to now. Each page is
    /// applied together with the cursor position, so a crash resumes after
    /// the last durable page and re-reads at most one page.
    pub async fn poll_reservations(&self) -> Result<PollReport, SyncError> {
        let store = self.mirror.store();
        let now = self.clock.now();
        let overlap =
            chrono::Duration::from_std(self.settings.overlap).unwrap_or_else(|_| chrono::Duration::zero());
        let stored = store.cursor(&self.hotel, RESERVATIONS_STREAM).await?;
        let (since, page) = match &stored {
            Some(cursor) if cursor.token.is_some() => {
                (cursor.high_water, cursor.token.clone().map(PageToken::new))
            }
            Some(cursor) => (cursor.high_water - overlap, None),
            None => {
                let lookback = chrono::Duration::from_std(self.settings.initial_lookback)
                    .unwrap_or_else(|_| chrono::Duration::days(90));
                (now - lookback, None)
            }
        };
        // A resumed window keeps its original end so its page tokens stay valid.
        let until = stored
            .as_ref()
            .and_then(|c| c.token.as_ref().map(|_| c.updated_at))
            .unwrap_or(now);
        let mut report = PollReport::default();
        let read_page = |page: Option<PageToken>| async move {
            let query = ChangeQuery {
                since,
                until,
                page,
                page_size: self.settings.page_size,
            };
            self.pms(self.client.reservations_modified(&query)).await
        };
        let mut fetched = read_page(page).await?;
        // Three pages are in the pipe at once: the previous one commits (disk),
        // this one is diffed and sealed (CPU), the next one is read (PMS).
        // Pages still commit in order, each with its cursor, so the cursor
        // moves only with a durable page; a crash re-reads at most two pages.
        let mut sealed: Option<SealedPage> = None;
        loop {
            report.pages += 1;
            report.read += fetched.items.len();
            // Mid-window the cursor keeps the window start and the page token,
            // with the window end in `updated_at`; at the end it moves to `until`.
            let cursor = match &fetched.next {
                None => Cursor {
                    high_water: until,
                    token: None,
                    updated_at: until,
                },
                Some(next) => Cursor {
                    high_water: since,
                    token: Some(next.as_str().to_owned()),
                    updated_at: until,
                },
            };
            let ahead: OptionFuture<_> = fetched.next.clone().map(|token| read_page(Some(token))).into();
            // The store does not hold the previous page until its commit ends,
            // so this page is compared with what that commit will write.
            let (in_flight, previous_batch, previous_events) = match sealed.take() {
                Some(page) => (page.in_flight, Some(page.batch), page.events),
                None => (InFlight::default(), None, Vec::new()),
            };
            let commit: OptionFuture<_> = previous_batch.map(|batch| store.apply(batch)).into();
            // With hundreds of hotels on one store, most of a page's time goes
            // to waiting for the store; a hotel then holds only one decoded page:
            // the next read starts once this page's stored rows are in, and the
            // seal drops each reservation as it goes (the next diff needs only
            // fingerprints and statuses).
            let items = std::mem::take(&mut fetched.items);
            let diff_then_read = async {
                let stored = match self.stored_by_id(&items).await {
                    Ok(stored) => stored,
                    Err(err) => return (Err(err), None),
                };
                // The read goes first: it waits on the PMS while the seal runs.
                let sealing = async { self.seal_page(items, EventSource::Poll, &stored, &in_flight) };
                let (ahead, sealed) = futures::join!(ahead, sealing);
                (sealed, ahead)
            };
            let (committed, (diffed, ahead)) = futures::join!(commit, diff_then_read);
            drop(in_flight);
            if let Some(committed) = committed {
                committed?;
                report.changed += previous_events.len();
                self.emit(previous_events);
            }
            let (mut batch, events, written) = diffed?;
            batch.cursor = Some((self.hotel.clone(), RESERVATIONS_STREAM.to_owned(), cursor));
            let next = match ahead {
                Some(Ok(next)) => next,
                end_or_failure => {
                    // Last page, or the next read failed: commit what is sealed,
                    // so a retry resumes after it.
                    store.apply(batch).await?;
                    report.changed += events.len();
                    self.emit(events);
                    if let Some(Err(err)) = end_or_failure {
                        return Err(err.into());
                    }
                    report.high_water = Some(until);
                    self.health.set_lag(now - until);
                    return Ok(report);
                }
            };
            sealed = Some(SealedPage {
                in_flight: written,
                batch,
                events,
            });
            fetched = next;
        }
    }

    /// Applies pending webhook events: each is a hint, so the entity is
    /// re-read from the PMS and only real changes are emitted.
    pub async fn drain_inbox(&self, limit: u32) -> Result<usize, SyncError> {
        let store = self.mirror.store();
        let pending = store.inbox_pending(&self.hotel, limit).await?;
        let mut applied = 0;
        for inbox in pending {
            self.health.webhook_seen(inbox.received_at);
            let (mut batch, events) = match self.reread(&inbox).await {
                Ok(result) => result,
                Err(SyncError::Pms(err)) if err.kind() == ErrorKind::NotFound => {
                    (ApplyBatch::default(), Vec::new())
                }
                Err(err) => return Err(err),
            };
            batch.processed_inbox.push(inbox.seq);
            store.apply(batch).await?;
            self.emit(events);
            applied += 1;
        }
        Ok(applied)
    }

    async fn reread(&self, inbox: &InboxEvent) -> Result<(ApplyBatch, Vec<PmsEvent>), SyncError> {
        let event: PmsEvent =
            serde_json::from_value(inbox.payload.clone()).map_err(|_| SyncError::Corrupt {
                what: format!("inbox event {}", inbox.seq),
            })?;
        match &event.change {
            Change::ReservationCreated { reservation }
            | Change::ReservationUpdated { reservation }
            | Change::ReservationStatusChanged { reservation, .. }
            | Change::ReservationCancelled { reservation } => {
                let fresh = self.pms(self.client.reservation(&reservation.id)).await?;
                self.diff_reservations(&[fresh], EventSource::Webhook).await
            }
            Change::GuestUpdated { guest } => {
                let fresh = self.pms(self.client.guest(&guest.id)).await?;
                self.diff_one(&fresh, EventSource::Webhook, |g: &Guest| Change::GuestUpdated {
                    guest: g.external.clone(),
                })
                .await
            }
            Change::RoomStatusChanged { room, .. } => {
                let statuses = self.pms(self.client.room_statuses()).await?;
                let fresh: Vec<_> = statuses.into_iter().filter(|s| &s.room == room).collect();
                self.diff_room_statuses(&fresh, EventSource::Webhook).await
            }
            // The hint names the block only: read it for its room (also a
            // removed block, whose room changed back), then that room's state.
            Change::RoomBlockChanged { block } => {
                let block = self.pms(self.client.room_block(&block.id)).await?;
                let statuses = self.pms(self.client.room_statuses()).await?;
                let fresh: Vec<_> = statuses.into_iter().filter(|s| s.room == block.room).collect();
                self.diff_room_statuses(&fresh, EventSource::Webhook).await
            }
            Change::FolioChanged {
                reservation: Some(reservation),
                ..
            } => {
                let folio = self.pms(self.client.folio(&reservation.id)).await?;
                let reservation = reservation.clone();
                self.diff_one(&folio, EventSource::Webhook, move |_| Change::FolioChanged {
                    reservation: Some(reservation.clone()),
                    item: None,
                })
                .await
            }
            Change::FolioChanged {
                reservation: None, ..
            } => Ok((ApplyBatch::default(), Vec::new())),
        }
    }

    /// Compares PMS reservations with the mirror: upserts what changed and
    /// derives the events (created / status changed / cancelled / updated).
    pub(crate) async fn diff_reservations(
        &self,
        fresh: &[Reservation],
        source: EventSource,
    ) -> Result<(ApplyBatch, Vec<PmsEvent>), SyncError> {
        let stored_by_id = self.stored_by_id(fresh).await?;
        let (batch, events, _) = self.seal_page(fresh, source, &stored_by_id, &InFlight::default())?;
        Ok((batch, events))
    }

    /// The diff of a page against its `stored` rows and the `in_flight`
    /// commit (the store as it will be once that commit ends). Given the page
    /// by value (the poll) it drops each reservation once sealed; it returns
    /// what its own commit will write (for the next page's diff).
    fn seal_page<R: std::borrow::Borrow<Reservation>>(
        &self,
        fresh: impl IntoIterator<Item = R, IntoIter: ExactSizeIterator>,
        source: EventSource,
        stored_by_id: &HashMap<String, SealedRecord>,
        in_flight: &InFlight,
    ) -> Result<(ApplyBatch, Vec<PmsEvent>, InFlight), SyncError> {
        let fresh = fresh.into_iter();
        let mut batch = ApplyBatch::default();
        batch.upserts.reserve_exact(fresh.len());
        let mut events = Vec::with_capacity(fresh.len());
        let mut written = HashMap::with_capacity(fresh.len());
        for reservation in fresh {
            let reservation = reservation.borrow();
            let stored = stored_by_id.get(reservation.external_id());
            let Some((sealed, change)) = self.diff_reservation(reservation, stored, in_flight)? else {
                continue;
            };
            events.push(self.event(change, reservation.updated_at, source, &sealed));
            written.insert(
                sealed.external_id.clone(),
                (sealed.fingerprint.clone(), reservation.status.clone()),
            );
            batch.upserts.push(sealed);
        }
        // An unchanged page (the common re-poll) keeps no empty slots until its commit.
        batch.upserts.shrink_to_fit();
        events.shrink_to_fit();
        written.shrink_to_fit();
        Ok((batch, events, InFlight(written)))
    }

    /// The stored rows of `fresh`, by vendor id: one store round trip per
    /// page, not per reservation.
    async fn stored_by_id(&self, fresh: &[Reservation]) -> Result<HashMap<String, SealedRecord>, SyncError> {
        let ids: Vec<&str> = fresh.iter().map(Reservation::external_id).collect();
        Ok(self
            .mirror
            .store()
            .records_by_ids(&self.hotel, Reservation::KIND, &ids)
            .await?
            .into_iter()
            .map(|record| (record.external_id.clone(), record))
            .collect())
    }

    /// One reservation against its `stored` row, or against the `in_flight`
    /// commit when that writes it: `None` when the mirror holds (or will hold)
    /// it already, else the sealed record and the change it makes.
    fn diff_reservation(
        &self,
        reservation: &Reservation,
        stored: Option<&SealedRecord>,
        in_flight: &InFlight,
    ) -> Result<Option<(SealedRecord, Change)>, SyncError> {
        let prepared = self.mirror.prepare(reservation)?;
        // The status the mirror holds (or will hold), `None` if it holds no such record.
        let previous = match in_flight.0.get(reservation.external_id()) {
            Some((fingerprint, _)) if *fingerprint == prepared.fingerprint() => return Ok(None),
            Some((_, pending)) => Some(pending.clone()),
            None => {
                if stored.is_some_and(|s| self.mirror.holds(s, &prepared)) {
                    return Ok(None);
                }
                stored.and_then(|s| self.mirror.open::<Reservation>(s).ok().map(|old| old.status))
            }
        };
        let sealed = self.mirror.seal_prepared(&self.hotel, prepared)?;
        let external = reservation.external.clone();
        let change = match previous {
            None => Change::ReservationCreated {
                reservation: external,
            },
            Some(old) if old != reservation.status => match reservation.status {
                ReservationStatus::Cancelled => Change::ReservationCancelled {
                    reservation: external,
                },
                _ => Change::ReservationStatusChanged {
                    reservation: external,
                    status: Some(reservation.status.clone()),
                },
            },
            Some(_) => Change::ReservationUpdated {
                reservation: external,
            },
        };
        Ok(Some((sealed, change)))
    }

    pub(crate) async fn diff_room_statuses(
        &self,
        fresh: &[RoomStatusReport],
        source: EventSource,
    ) -> Result<(ApplyBatch, Vec<PmsEvent>), SyncError> {
        let mut batch = ApplyBatch::default();
        let mut events = Vec::new();
        for report in fresh {
            let mut room: pms_core::Room = match self.mirror.get(&self.hotel, report.room.id.as_str()).await?
            {
                Some(room) => room,
                None => pms_core::Room {
                    external: report.room.clone(),
                    number: report.number.clone(),
                    room_type: None,
                    floor: None,
                    status: None,
                },
            };
            if room.status.as_ref() == Some(&report.status) {
                continue;
            }
            room.status = Some(report.status.clone());
            let sealed = self.mirror.seal(&self.hotel, &room)?;
            let change = Change::RoomStatusChanged {
                room: report.room.clone(),
                number: Some(report.number.clone()),
                status: Some(report.status.housekeeping.clone()),
            };
            events.push(self.event(change, report.status.updated_at, source, &sealed));
            batch.upserts.push(sealed);
        }
        Ok((batch, events))
    }

    async fn diff_one<T: Mirrored + PartialEq>(
        &self,
        fresh: &T,
        source: EventSource,
        change: impl Fn(&T) -> Change,
    ) -> Result<(ApplyBatch, Vec<PmsEvent>), SyncError> {
        let prepared = self.mirror.prepare(fresh)?;
        let stored = self
            .mirror
            .store()
            .record(&self.hotel, T::KIND, fresh.external_id())
            .await?;
        if stored.as_ref().is_some_and(|s| self.mirror.holds(s, &prepared)) {
            return Ok((ApplyBatch::default(), Vec::new()));
        }
        let sealed = self.mirror.seal_prepared(&self.hotel, prepared)?;
        let event = self.event(change(fresh), fresh.updated_at(), source, &sealed);
        Ok((
            ApplyBatch {
                upserts: vec![sealed],
                ..ApplyBatch::default()
            },
            vec![event],
        ))
    }

    fn event(
        &self,
        change: Change,
        at: Option<DateTime<Utc>>,
        source: EventSource,
        sealed: &SealedRecord,
    ) -> PmsEvent {
        // The fingerprint identifies the new state, so the same change seen by
        // a webhook and by a poll gets the same id and dedupes downstream.
        PmsEvent {
            id: EventId::new(format!(
                "{}:{}:{}",
                sealed.kind.as_str(),
                sealed.external_id,
                &sealed.fingerprint[..16.min(sealed.fingerprint.len())]
            )),
            hotel: self.hotel.clone(),
            occurred_at: at.unwrap_or_else(|| self.clock.now()),
            source,
            change,
        }
    }

    pub(crate) fn emit(&self, events: Vec<PmsEvent>) {
        let sender = self.events.get();
        for event in events {
            metrics::counter!("pms_sync_events_total", "source" => format!("{:?}", event.source))
                .increment(1);
            // No subscriber is fine: the mirror is the durable record.
            if let Some(sender) = sender {
                let _ = sender.send(event);
            }
        }
    }
}

/// A page diffed and sealed, waiting for its commit.
struct SealedPage {
    in_flight: InFlight,
    batch: ApplyBatch,
    events: Vec<PmsEvent>,
}

/// What a page being committed writes: per vendor id, the new fingerprint
/// and the status it seals (all the next page's diff needs, so the decoded
/// page need not stay in memory while it commits).
#[derive(Default)]
struct InFlight(HashMap<String, (String, ReservationStatus)>);
