//! Shared test setup: a "vendor fixture" (a simulator, a connector built on
//! it, and inspection of what the simulated PMS holds) and a flow harness
//! (in-memory store, journal in virtual time, fake key system, notifier).
//!
//! Adding a vendor is one constructor in [`Vendor`] plus its arm in each
//! inspection method; [`vendors`] lists every vendor the flows run against.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use pms_core::{
    Capabilities, Capability, CardHold, CardHoldRequest, CardHoldState, ChangeQuery, ChargeRequest,
    CheckInRequest, CheckOutRequest, Currency, DateRange, Error, ExternalRef, Folio, FolioCharge, Guest,
    HealthReport, HotelId, IdVerification, ManualClock, Page, PmsClient, PmsKind, PostedCharge, RateLimit,
    RequestId, Reservation, Room, RoomStatusReport, RoomStatusUpdate, SignatureCapture, VendorId,
    VoidChargeRequest,
};
use pms_flows::{FlowContext, KeyError, KeyGrant, KeyId, KeyService, MemoryNotifier, SideRetry};
use pms_mews::{ChargePricing, ChargeSettings, MewsClient, MewsConfig};
use pms_sim::{HotelSpec, MewsSim, ReservationState, RoomState, SimHandle, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{
    AuditLog, JournalSettings, RateLimiter, RetryPolicy, SqliteStore, VirtualSleeper, WriteJournal,
};
use rust_decimal::Decimal;
use uuid::Uuid;

// ---- vendor fixtures ----

/// The simulator behind a fixture.
pub enum Front {
    Mews(SimHandle),
}

/// A simulated PMS with a connector on it.
pub struct Vendor {
    pub kind: PmsKind,
    pub client: Arc<dyn PmsClient>,
    pub front: Front,
}

/// Every vendor whose simulator front exists. Cloudbeds and OPERA join here
/// once pms-sim serves them.
pub async fn vendors() -> Vec<Vendor> {
    vec![Vendor::mews(7).await]
}

impl Vendor {
    /// A Mews simulator (seeded hotel) and a `MewsClient` on it.
    pub async fn mews(seed: u64) -> Vendor {
        Vendor::mews_with_timeout(seed, Duration::from_secs(10)).await
    }

    /// The same, with a client timeout (for ambiguous-write tests).
    pub async fn mews_with_timeout(seed: u64, timeout: Duration) -> Vendor {
        let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
            .await
            .unwrap();
        let restaurant = sim
            .state()
            .with_hotel(|h| {
                h.services
                    .iter()
                    .find(|s| s.name.starts_with("Restaurant"))
                    .map(|s| s.id)
            })
            .unwrap();
        let config = MewsConfig {
            hotel: hotel(),
            base_url: url::Url::parse(&sim.base_url()).unwrap(),
            client_token: secrecy::SecretString::from(sim.client_token().to_owned()),
            access_token: secrecy::SecretString::from(sim.access_token().to_owned()),
            client_name: "pms-flows tests 1.0".into(),
            enterprise_id: None,
            time_zone: pms_sim::TIME_ZONE,
            currency: Currency::EUR,
            timeout,
            page_size: 1000,
            rate_limit: pms_mews::MEWS_RATE_LIMIT,
            charges: ChargeSettings {
                service_id: Some(restaurant.to_string()),
                tax_codes: vec!["DE-2020-1-S".into()],
                pricing: ChargePricing::Gross,
            },
            child_age_category_ids: BTreeSet::new(),
            max_response_bytes: pms_mews::MAX_RESPONSE_BYTES,
        };
        Vendor {
            kind: PmsKind::Mews,
            client: Arc::new(MewsClient::new(config).unwrap()),
            front: Front::Mews(sim),
        }
    }

    pub fn sim(&self) -> &SimHandle {
        match &self.front {
            Front::Mews(sim) => sim,
        }
    }

    fn pick(&self, n: usize, keep: impl Fn(&pms_sim::Hotel, &pms_sim::Reservation) -> bool) -> VendorId {
        let id = self.sim().state().with_hotel(|h| {
            let mut found: Vec<_> = h
                .reservations
                .iter()
                .filter(|r| keep(h, r))
                .map(|r| r.id)
                .collect();
            found.sort();
            found.get(n).copied()
        });
        VendorId::new(
            id.expect("the generated hotel has such a reservation")
                .to_string(),
        )
        .unwrap()
    }

    /// The n-th confirmed reservation arriving today whose room is inspected.
    pub fn arriving_ready(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            let today = h.business_date(Utc::now());
            r.state == ReservationState::Confirmed
                && h.business_date(r.scheduled_start) == today
                && r.room_id.and_then(|id| h.room(id)).map(|room| room.state) == Some(RoomState::Inspected)
        })
    }

    /// The n-th in-house reservation departing today.
    pub fn departing_today(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            r.state == ReservationState::Started
                && h.business_date(r.scheduled_end) == h.business_date(Utc::now())
        })
    }

    /// The n-th in-house reservation departing after today (charges go here).
    pub fn in_house(&self, n: usize) -> VendorId {
        self.pick(n, |h, r| {
            r.state == ReservationState::Started
                && h.business_date(r.scheduled_end) > h.business_date(Utc::now())
        })
    }

    fn uuid(id: &VendorId) -> Uuid {
        Uuid::parse_str(id.as_str()).unwrap()
    }

    /// The reservation's state in the simulator, in the model's terms.
    pub fn status(&self, id: &VendorId) -> pms_core::ReservationStatus {
        let state = self.sim().state().reservation(Self::uuid(id)).unwrap().state;
        match state {
            ReservationState::Started => pms_core::ReservationStatus::CheckedIn,
            ReservationState::Processed => pms_core::ReservationStatus::CheckedOut,
            ReservationState::Confirmed => pms_core::ReservationStatus::Confirmed,
            ReservationState::Canceled => pms_core::ReservationStatus::Cancelled,
            other => pms_core::ReservationStatus::Other(other.as_str().into()),
        }
    }

    /// Sets the room of a reservation to a housekeeping state, bypassing the API.
    pub fn set_room_of(&self, id: &VendorId, state: RoomState) -> VendorId {
        let sim = self.sim();
        let room = sim.state().reservation(Self::uuid(id)).unwrap().room_id.unwrap();
        sim.state()
            .with_hotel_mut(|h| h.set_room_states(&[(room, state)], Utc::now()))
            .unwrap();
        VendorId::new(room.to_string()).unwrap()
    }

    /// A room's housekeeping state in the simulator.
    pub fn room_state(&self, room: &VendorId) -> RoomState {
        self.sim().state().room(Self::uuid(room)).unwrap().state
    }

    /// A room's floor and number in the simulator.
    pub fn room_number(&self, room: &VendorId) -> (u8, String) {
        let r = self.sim().state().room(Self::uuid(room)).unwrap();
        (r.floor, r.number)
    }

    /// Live (not voided) folio lines carrying our request id.
    pub fn live_lines(&self, request_id: RequestId) -> usize {
        self.sim()
            .state()
            .charges_with_external_id(&request_id.to_string())
            .iter()
            .filter(|c| c.canceled.is_none())
            .count()
    }

    /// Every folio line carrying our request id, voided or not.
    pub fn all_lines(&self, request_id: RequestId) -> usize {
        self.sim()
            .state()
            .charges_with_external_id(&request_id.to_string())
            .len()
    }

    /// The outstanding balance of a stay, as the simulator computes it.
    pub fn stay_balance(&self, id: &VendorId) -> Decimal {
        self.sim().state().with_hotel(|h| h.stay_balance(Self::uuid(id)))
    }

    /// Write requests of one operation received so far (`check_in`, `post_charge`, ...).
    pub fn write_calls(&self, operation: &str) -> usize {
        let path = match operation {
            "check_in" => "reservations/start",
            "check_out" => "reservations/process",
            "post_charge" => "orders/add",
            "void_charge" => "orderItems/cancel",
            "set_room_status" => "resources/update",
            other => panic!("unknown operation {other}"),
        };
        self.sim().state().requests_to(path).len()
    }

    /// Writes from now on are applied, then their answer is withheld past the client timeout.
    pub fn timeout_after_write(&self, on: bool, hang: Duration) {
        self.sim().faults().update(|f| {
            f.timeout_after_write = if on { 1.0 } else { 0.0 };
            f.ambiguous_hang = hang;
        });
    }

    /// An outlet the PMS does not know (a line posted there is refused).
    pub fn unknown_outlet(&self) -> String {
        Uuid::from_u128(0xdead_beef).to_string()
    }
}

pub fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

// ---- the key system ----

#[derive(Debug, Default)]
pub struct KeysState {
    pub active: BTreeSet<KeyId>,
    pub activations: usize,
    pub deactivation_calls: usize,
    /// Deactivations still to fail (`usize::MAX`: always).
    pub failing_deactivations: usize,
    /// Activations refuse permanently while set.
    pub refuse_activations: bool,
}

/// A key system that records calls and fails when told to.
#[derive(Debug, Default)]
pub struct FakeKeys(pub Mutex<KeysState>);

impl FakeKeys {
    pub fn activations(&self) -> usize {
        self.0.lock().unwrap().activations
    }
    pub fn active(&self) -> BTreeSet<KeyId> {
        self.0.lock().unwrap().active.clone()
    }
    pub fn deactivation_calls(&self) -> usize {
        self.0.lock().unwrap().deactivation_calls
    }
    pub fn fail_deactivations(&self, times: usize) {
        self.0.lock().unwrap().failing_deactivations = times;
    }
}

#[async_trait]
impl KeyService for FakeKeys {
    async fn activate(&self, grant: &KeyGrant) -> Result<(), KeyError> {
        let mut state = self.0.lock().unwrap();
        if state.refuse_activations {
            return Err(KeyError::permanent("room not provisioned in the lock system"));
        }
        state.activations += 1;
        state.active.insert(grant.key_id);
        Ok(())
    }

    async fn deactivate(&self, key_id: KeyId) -> Result<(), KeyError> {
        let mut state = self.0.lock().unwrap();
        state.deactivation_calls += 1;
        if state.failing_deactivations > 0 {
            if state.failing_deactivations != usize::MAX {
                state.failing_deactivations -= 1;
            }
            return Err(KeyError::transient("lock gateway offline"));
        }
        state.active.remove(&key_id);
        Ok(())
    }
}

// ---- the flow harness ----

pub struct Harness {
    pub ctx: FlowContext,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub sleeper: VirtualSleeper,
    pub notifier: MemoryNotifier,
    pub keys: Arc<FakeKeys>,
}

impl Harness {
    pub async fn new(client: Arc<dyn PmsClient>) -> Harness {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let sleeper = VirtualSleeper::new(clock.clone());
        let limiter = Arc::new(RateLimiter::new(
            RateLimit {
                requests: 1000,
                window: Duration::from_secs(30),
            },
            200,
            clock.clone(),
            Arc::new(sleeper.clone()),
        ));
        let journal = WriteJournal::new(
            store.clone(),
            Arc::new(Cipher::random()),
            limiter,
            JournalSettings {
                credential: "sim-access-token-1".into(),
                retry: RetryPolicy::default(),
                owner: "flows-test".into(),
                claim_ttl: Duration::from_secs(60),
            },
            clock.clone(),
            Arc::new(sleeper.clone()),
        );
        let notifier = MemoryNotifier::new();
        let ctx = FlowContext::new(
            hotel(),
            client,
            Arc::new(journal),
            AuditLog::new(store.clone()),
            clock.clone(),
            Arc::new(sleeper.clone()),
            Arc::new(notifier.clone()),
            pms_sim::TIME_ZONE,
        )
        .with_actor("frontdesk-kiosk-1")
        .with_side_retry(SideRetry {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        });
        Harness {
            ctx,
            store,
            clock,
            sleeper,
            notifier,
            keys: Arc::new(FakeKeys::default()),
        }
    }

    pub async fn audit(
        &self,
        reservation: &VendorId,
        action: pms_sync::AuditAction,
    ) -> Vec<serde_json::Value> {
        self.store
            .audit_query(&pms_sync::store::AuditFilter {
                reservation: Some(reservation.to_string()),
                action: Some(action.as_str().into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry.details)
            .collect()
    }
}

// ---- a connector that can also hold cards and store documents ----

/// Wraps a connector and adds the optional compliance writes (as OPERA has
/// them), counting calls, to test the "pushed to the PMS" path on any vendor.
pub struct WithCompliance {
    pub inner: Arc<dyn PmsClient>,
    pub holds: Mutex<Vec<CardHoldRequest>>,
    pub documents: Mutex<usize>,
    pub signatures: Mutex<usize>,
    /// When set, `check_in` answers "outcome unknown" (without applying) and
    /// every later reservation read fails: the journal cannot settle it.
    pub lose_check_in: std::sync::atomic::AtomicBool,
    lost: std::sync::atomic::AtomicBool,
    /// Capabilities to hide (to test the "not supported" paths).
    pub without: Vec<Capability>,
}

impl std::fmt::Debug for WithCompliance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithCompliance")
            .field("pms", &self.inner.kind())
            .finish()
    }
}

impl WithCompliance {
    pub fn new(inner: Arc<dyn PmsClient>) -> Self {
        WithCompliance {
            inner,
            holds: Mutex::default(),
            documents: Mutex::default(),
            signatures: Mutex::default(),
            lose_check_in: Default::default(),
            lost: Default::default(),
            without: Vec::new(),
        }
    }
    pub fn without(mut self, capabilities: &[Capability]) -> Self {
        self.without = capabilities.to_vec();
        self
    }
    pub fn holds(&self) -> usize {
        self.holds.lock().unwrap().len()
    }
}

#[async_trait]
impl PmsClient for WithCompliance {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner
            .capabilities()
            .iter()
            .chain([
                Capability::CardHold,
                Capability::IdVerification,
                Capability::Signature,
            ])
            .filter(|c| !self.without.contains(c))
            .collect()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        if self.lost.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::transient("503 Service Unavailable"));
        }
        self.inner.reservation(id).await
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        self.inner.reservations_modified(query).await
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
        if self.lose_check_in.load(std::sync::atomic::Ordering::SeqCst) {
            self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(Error::OutcomeUnknown {
                operation: "check_in",
                message: "connection reset after send".into(),
                vendor_request_id: None,
            });
        }
        self.inner.check_in(request).await
    }
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        self.inner.check_out(request).await
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        self.inner.post_charge(charge).await
    }
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        self.inner.find_charge(reservation, request_id).await
    }
    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), Error> {
        self.inner.void_charge(request).await
    }
    async fn attach_id_verification(&self, _: &IdVerification) -> Result<(), Error> {
        *self.documents.lock().unwrap() += 1;
        Ok(())
    }
    async fn attach_signature(&self, _: &SignatureCapture) -> Result<(), Error> {
        *self.signatures.lock().unwrap() += 1;
        Ok(())
    }
    async fn place_card_hold(&self, request: &CardHoldRequest) -> Result<CardHold, Error> {
        let mut holds = self.holds.lock().unwrap();
        holds.push(request.clone());
        Ok(CardHold {
            request_id: request.request_id,
            external: Some(ExternalRef::new(
                self.kind(),
                VendorId::new(format!("hold-{}", holds.len())).unwrap(),
            )),
            card: request.card.clone(),
            amount: request.amount,
            state: CardHoldState::Authorized,
        })
    }
    async fn health(&self) -> HealthReport {
        self.inner.health().await
    }
}

// ---- agenda items the PMS manages ----

/// Serves the simulator's agenda (spa, dining, activities) as a connector
/// adapter would, with internal ids derived from the vendor ids.
#[derive(Debug, Clone)]
pub struct SimAgendaFeed {
    pub inspector: pms_sim::Inspector,
    pub kind: PmsKind,
}

impl SimAgendaFeed {
    pub fn new(vendor: &Vendor) -> Self {
        SimAgendaFeed {
            inspector: vendor.sim().state(),
            kind: vendor.kind,
        }
    }
}

fn external(kind: PmsKind, id: Uuid) -> ExternalRef {
    ExternalRef::new(kind, VendorId::new(id.to_string()).unwrap())
}

#[async_trait]
impl pms_flows::AgendaFeed for SimAgendaFeed {
    fn source(&self) -> pms_core::AgendaSource {
        pms_core::AgendaSource::Pms(self.kind)
    }

    async fn items(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, Error> {
        let hotel = hotel();
        let kind = self.kind;
        Ok(self.inspector.with_hotel(|h| {
            h.agenda
                .iter()
                .filter(|a| range.contains(h.business_date(a.starts)))
                .map(|a| pms_core::AgendaItem {
                    id: pms_core::AgendaItemId::derive(&hotel, &external(kind, a.id)),
                    external: Some(external(kind, a.id)),
                    kind: match a.kind {
                        pms_sim::AgendaKind::Spa => pms_core::AgendaKind::Spa,
                        pms_sim::AgendaKind::Dining => pms_core::AgendaKind::Dining,
                        pms_sim::AgendaKind::Activity => pms_core::AgendaKind::Activity,
                    },
                    title: a.title.clone(),
                    starts_at: a.starts,
                    ends_at: a.ends,
                    location: None,
                    guest: Some(pms_core::GuestId::derive(&hotel, &external(kind, a.guest_id))),
                    reservation: Some(pms_core::ReservationId::derive(
                        &hotel,
                        &external(kind, a.reservation_id),
                    )),
                    status: pms_core::AgendaStatus::Confirmed,
                    source: pms_core::AgendaSource::Pms(kind),
                })
                .collect()
        }))
    }
}
