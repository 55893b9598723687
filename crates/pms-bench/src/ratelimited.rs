//! [`RateLimitedClient`]: a [`PmsClient`] decorator that takes a slot from the
//! sync layer's [`RateLimiter`] before every call.
//!
//! `HotelSync` polls through its client without a limiter (only the write
//! journal takes one), so the load harness puts this decorator in front of
//! the connector. One trait call is one vendor request for the calls the
//! harness makes once the client's room-name cache is warm (see `BENCHMARKS.md`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use pms_core::{
    Capabilities, CardHold, CardHoldRequest, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest,
    DateRange, Error, ErrorKind, Folio, FolioCharge, Guest, HealthReport, IdVerification, Page, PmsClient,
    PmsKind, PostedCharge, RequestId, Reservation, Room, RoomStatusReport, RoomStatusUpdate,
    SignatureCapture, VendorId, VoidChargeRequest,
};
use pms_sync::RateLimiter;

/// Spaces every call of `inner` through `limiter` under `credential`, and
/// pushes the credential back when the vendor answers 429 anyway.
pub struct RateLimitedClient {
    inner: Arc<dyn PmsClient>,
    limiter: Arc<RateLimiter>,
    credential: String,
    waited_nanos: AtomicU64,
    inner_nanos: AtomicU64,
}

impl std::fmt::Debug for RateLimitedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitedClient")
            .field("pms", &self.inner.kind())
            .finish_non_exhaustive()
    }
}

impl RateLimitedClient {
    /// Wraps `inner`; `credential` keys the limiter's budget (one per vendor token).
    pub fn new(inner: Arc<dyn PmsClient>, limiter: Arc<RateLimiter>, credential: impl Into<String>) -> Self {
        RateLimitedClient {
            inner,
            limiter,
            credential: credential.into(),
            waited_nanos: AtomicU64::new(0),
            inner_nanos: AtomicU64::new(0),
        }
    }

    /// Total time calls spent waiting for the limiter.
    pub fn waited(&self) -> Duration {
        Duration::from_nanos(self.waited_nanos.load(Ordering::Relaxed))
    }

    /// Total time spent inside the wrapped client's calls (request, vendor
    /// answer, decode and map), limiter waits excluded.
    pub fn in_calls(&self) -> Duration {
        Duration::from_nanos(self.inner_nanos.load(Ordering::Relaxed))
    }

    /// Takes a slot and returns when the call starts, for [`Self::observe`].
    async fn slot(&self) -> Instant {
        let started = Instant::now();
        self.limiter.acquire(&self.credential).await;
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.waited_nanos.fetch_add(nanos, Ordering::Relaxed);
        Instant::now()
    }

    fn observe<T>(&self, started: Instant, result: Result<T, Error>) -> Result<T, Error> {
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.inner_nanos.fetch_add(nanos, Ordering::Relaxed);
        if let Err(err) = &result
            && err.kind() == ErrorKind::RateLimited
        {
            let wait = err.retry_after().unwrap_or(Duration::from_secs(1));
            self.limiter.penalize(&self.credential, wait);
        }
        result
    }
}

#[async_trait]
impl PmsClient for RateLimitedClient {
    fn kind(&self) -> PmsKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.reservation(id).await)
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.reservations_modified(query).await)
    }
    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.arrivals(range).await)
    }
    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.departures(range).await)
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.guest(id).await)
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.rooms().await)
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.room_statuses().await)
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.folio(reservation).await)
    }
    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.set_room_status(update).await)
    }
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.check_in(request).await)
    }
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.check_out(request).await)
    }
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.post_charge(charge).await)
    }
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.find_charge(reservation, request_id).await)
    }
    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.void_charge(request).await)
    }
    async fn attach_id_verification(&self, verification: &IdVerification) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.attach_id_verification(verification).await)
    }
    async fn attach_signature(&self, signature: &SignatureCapture) -> Result<(), Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.attach_signature(signature).await)
    }
    async fn place_card_hold(&self, request: &CardHoldRequest) -> Result<CardHold, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.place_card_hold(request).await)
    }
    async fn property_profile(&self) -> Result<pms_core::PropertyProfile, Error> {
        let started = self.slot().await;
        self.observe(started, self.inner.property_profile().await)
    }
    async fn health(&self) -> HealthReport {
        self.slot().await;
        self.inner.health().await
    }
}
