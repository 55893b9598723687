//! A scripted PMS for sync-layer tests: it applies charges for real, and
//! fails the way a vendor does when told to.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use pms_core::*;
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{JournalSettings, RateLimiter, RetryPolicy, SqliteStore, VirtualSleeper, WriteJournal};

/// What the next `post_charge` call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Apply and answer.
    Ok,
    /// Refuse before applying (503).
    Transient,
    /// Refuse before applying (429).
    RateLimited(u64),
    /// Apply, then lose the answer (timeout after send).
    ApplyThenTimeout,
    /// Refuse definitively.
    Invalid,
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub script: VecDeque<Script>,
    pub charges: Vec<ChargeRequest>,
    pub post_calls: usize,
    pub find_calls: usize,
    pub find_fails: bool,
}

#[derive(Debug, Clone, Default)]
pub struct FakePms(pub Arc<Mutex<FakeState>>);

impl FakePms {
    pub fn scripted(script: &[Script]) -> Self {
        let fake = FakePms::default();
        fake.0.lock().unwrap().script = script.iter().copied().collect();
        fake
    }

    /// The PMS applied a charge some earlier (crashed) worker sent.
    pub fn post_charge_directly(&self, charge: &ChargeRequest) {
        self.0.lock().unwrap().charges.push(charge.clone());
    }

    pub fn posted(&self) -> usize {
        self.0.lock().unwrap().charges.len()
    }

    pub fn calls(&self) -> (usize, usize) {
        let s = self.0.lock().unwrap();
        (s.post_calls, s.find_calls)
    }
}

fn charge_ref(request: RequestId) -> ExternalRef {
    ExternalRef::new(
        PmsKind::Mews,
        VendorId::new(format!("order-{}", request.simple())).unwrap(),
    )
}

#[async_trait]
impl PmsClient for FakePms {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }
    fn capabilities(&self) -> Capabilities {
        [Capability::PostCharge, Capability::ChargeReadBack]
            .into_iter()
            .collect()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        Err(Error::not_found(id.to_string()))
    }
    async fn reservations_modified(&self, _: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        Ok(Page {
            items: vec![],
            next: None,
        })
    }
    async fn arrivals(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        Ok(vec![])
    }
    async fn departures(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        Ok(vec![])
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        Err(Error::not_found(id.to_string()))
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        Ok(vec![])
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        Ok(vec![])
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        Err(Error::not_found(reservation.to_string()))
    }
    async fn set_room_status(&self, _: &RoomStatusUpdate) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "set_room_status"))
    }
    async fn check_in(&self, _: &CheckInRequest) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "check_in"))
    }
    async fn check_out(&self, _: &CheckOutRequest) -> Result<(), Error> {
        Err(Error::unsupported(PmsKind::Mews, "check_out"))
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        let mut state = self.0.lock().unwrap();
        state.post_calls += 1;
        let step = state.script.pop_front().unwrap_or(Script::Ok);
        match step {
            Script::Ok => {
                state.charges.push(charge.clone());
                Ok(PostedCharge {
                    request_id: charge.request_id,
                    external: charge_ref(charge.request_id),
                })
            }
            Script::Transient => Err(Error::transient("503 Service Unavailable")),
            Script::RateLimited(secs) => Err(Error::RateLimited {
                retry_after: Some(Duration::from_secs(secs)),
                vendor_request_id: None,
            }),
            Script::ApplyThenTimeout => {
                state.charges.push(charge.clone());
                Err(Error::OutcomeUnknown {
                    operation: "post_charge",
                    message: "timeout".into(),
                    vendor_request_id: None,
                })
            }
            Script::Invalid => Err(Error::validation("unknown accounting category")),
        }
    }
    async fn find_charge(&self, _: &VendorId, request_id: RequestId) -> Result<Option<FolioCharge>, Error> {
        let mut state = self.0.lock().unwrap();
        state.find_calls += 1;
        if state.find_fails {
            return Err(Error::transient("read-back failed"));
        }
        Ok(state
            .charges
            .iter()
            .find(|c| c.request_id == request_id)
            .map(|c| FolioCharge {
                id: ChargeId::from_uuid(c.request_id.as_uuid()),
                external: charge_ref(c.request_id),
                kind: c.kind.clone(),
                description: c.description.clone(),
                unit_amount: c.unit_amount,
                quantity: c.quantity,
                total: c.total().unwrap(),
                tax: None,
                transaction_code: None,
                outlet: None,
                posted_at: c.consumed_at,
                business_date: None,
                voided: false,
                request_id: Some(c.request_id),
            }))
    }
    async fn health(&self) -> HealthReport {
        HealthReport {
            pms: PmsKind::Mews,
            healthy: true,
            latency: Duration::ZERO,
            checked_at: Utc::now(),
            error: None,
            detail: None,
        }
    }
}

pub fn charge(amount: &str) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: VendorId::new("res-1").unwrap(),
        kind: ChargeKind::RoomService,
        description: "Club sandwich".into(),
        unit_amount: Money::parse(amount, Currency::EUR).unwrap(),
        quantity: 1.into(),
        transaction_code: Some("RS".into()),
        outlet: Some("in-room dining".into()),
        consumed_at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    }
}

#[derive(Debug)]
pub struct Harness {
    pub store: Arc<dyn Store>,
    pub cipher: Arc<Cipher>,
    pub sleeper: VirtualSleeper,
    pub clock: Arc<ManualClock>,
}

impl Harness {
    pub async fn new() -> Self {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
        ));
        Harness {
            store,
            cipher: Arc::new(Cipher::random()),
            sleeper: VirtualSleeper::new(clock.clone()),
            clock,
        }
    }

    pub fn journal(&self, owner: &str, retry: RetryPolicy) -> WriteJournal {
        let limit = RateLimit {
            requests: 200,
            window: Duration::from_secs(30),
        };
        let limiter = Arc::new(RateLimiter::new(
            limit,
            20,
            self.clock.clone(),
            Arc::new(self.sleeper.clone()),
        ));
        WriteJournal::new(
            self.store.clone(),
            self.cipher.clone(),
            limiter,
            JournalSettings {
                credential: "mews-access-token-1".into(),
                retry,
                owner: owner.into(),
                claim_ttl: Duration::from_secs(60),
            },
            self.clock.clone(),
            Arc::new(self.sleeper.clone()),
        )
    }
}

/// What a [`Hooked`] client does around each change page.
#[async_trait]
pub trait PageHook: Send + Sync {
    /// Before the page is asked for; an error is answered instead of the page.
    async fn before(&self) -> Result<(), Error> {
        Ok(())
    }
    /// After the page came back.
    fn after(&self, _page: &Page<Reservation>) {}
}

/// A connector that runs `hook` around every change page and passes
/// everything else through: one delegation for every test double of polling.
pub struct Hooked<H> {
    pub inner: Arc<dyn PmsClient>,
    pub hook: H,
}

#[async_trait]
impl<H: PageHook> PmsClient for Hooked<H> {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        self.inner.reservation(id).await
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        self.hook.before().await?;
        let page = self.inner.reservations_modified(query).await?;
        self.hook.after(&page);
        Ok(page)
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.inner.arrivals(range).await
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.inner.departures(range).await
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        self.inner.guest(id).await
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.inner.rooms().await
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.inner.room_statuses().await
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        self.inner.folio(reservation).await
    }
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        self.inner.set_room_status(update).await
    }
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        self.inner.check_in(request).await
    }
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        self.inner.check_out(request).await
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        self.inner.post_charge(charge).await
    }
    async fn health(&self) -> HealthReport {
        self.inner.health().await
    }
}

/// Dies after `n` non-empty change pages, like a process killed mid-sync,
/// and remembers the ids it returned before dying.
#[derive(Default)]
pub struct Crash {
    pages_left: std::sync::atomic::AtomicUsize,
    returned: Mutex<std::collections::BTreeSet<String>>,
}

#[async_trait]
impl PageHook for Crash {
    async fn before(&self) -> Result<(), Error> {
        if self.pages_left.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            return Err(Error::transient("killed"));
        }
        Ok(())
    }
    fn after(&self, page: &Page<Reservation>) {
        if !page.items.is_empty() {
            self.pages_left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.returned
            .lock()
            .unwrap()
            .extend(page.items.iter().map(|r| r.external.id.to_string()));
    }
}

/// A client that dies after `n` non-empty change pages.
pub type CrashAfter = Hooked<Crash>;

impl Hooked<Crash> {
    pub fn new(inner: Arc<dyn PmsClient>, non_empty_pages: usize) -> Self {
        Hooked {
            inner,
            hook: Crash {
                pages_left: non_empty_pages.into(),
                returned: Mutex::default(),
            },
        }
    }

    /// Ids of the reservations handed out before the crash.
    pub fn returned(&self) -> std::collections::BTreeSet<String> {
        self.hook.returned.lock().unwrap().clone()
    }
}

/// A write journal in real time with quick retries, for tests against a
/// simulator: 200 requests per second per credential, 12 attempts, 5-50 ms backoff.
pub fn real_time_journal(store: Arc<dyn Store>, credential: &str) -> WriteJournal {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let limit = RateLimit {
        requests: 200,
        window: Duration::from_secs(1),
    };
    let limiter = Arc::new(RateLimiter::new(
        limit,
        50,
        clock.clone(),
        Arc::new(pms_sync::TokioSleeper),
    ));
    let retry = RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(60),
    };
    WriteJournal::new(
        store,
        Arc::new(Cipher::random()),
        limiter,
        JournalSettings {
            credential: credential.into(),
            retry,
            owner: "test".into(),
            claim_ttl: Duration::from_secs(60),
        },
        clock,
        Arc::new(pms_sync::TokioSleeper),
    )
}
