//! Idempotent writes: Stripe's contract, provided client-side because no
//! vendor here offers it.
//!
//! 1. The intent is persisted (sealed) under its `RequestId` before any call.
//! 2. A replay of a settled id returns the stored outcome; the same id with
//!    another body is refused; an id in flight elsewhere is refused.
//! 3. Rate-limited and transient failures retry with the same id.
//! 4. Anything that may have reached the PMS (a timeout after send, a 5xx,
//!    a crash mid-call) is *read back* by a natural key before any resend.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use pms_core::{
    ChargeRequest, CheckInRequest, CheckOutRequest, Clock, Error, ErrorKind, FolioCharge, HotelId, PmsClient,
    PostedCharge, RequestId, RoomAssignment, RoomStatusUpdate, VoidChargeRequest,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::SyncError;
use crate::crypto::Cipher;
use crate::ratelimit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::store::{JournalBegin, JournalEntry, JournalState, JournalStore, NewJournalEntry};
use crate::time::Sleeper;

/// One kind of write the journal can execute.
#[async_trait]
pub trait WriteOp: Serialize + Send + Sync {
    /// What the PMS answers on success; stored and replayed.
    type Output: Serialize + DeserializeOwned + Send;

    /// Operation name in the journal and in metrics.
    const NAME: &'static str;

    /// The idempotency key.
    fn request_id(&self) -> RequestId;

    /// Sends the write once.
    async fn send(&self, client: &dyn PmsClient) -> Result<Self::Output, Error>;

    /// Looks for the effect of an earlier send: `Some` if the PMS has it,
    /// `None` if it certainly does not, `Err` (e.g. `Unsupported`) if we cannot tell.
    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<Self::Output>, Error>;
}

/// The stored form of a definitive refusal, replayed as [`SyncError::Rejected`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredFailure {
    kind: ErrorKind,
    message: String,
}

/// What `replay_unsettled` did with one journaled write.
#[derive(Debug)]
pub struct ReplayOutcome {
    /// The write.
    pub request_id: RequestId,
    /// Its operation name.
    pub operation: String,
    /// Settled now, or why not.
    pub result: Result<(), SyncError>,
}

/// Executes writes through the journal with retries and rate limiting.
#[derive(Debug)]
pub struct WriteJournal {
    store: Arc<dyn JournalStore>,
    cipher: Arc<Cipher>,
    limiter: Arc<RateLimiter>,
    credential: String,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    owner: String,
    claim_ttl: Duration,
    rng: Mutex<StdRng>,
}

/// What the journal needs besides the store.
#[derive(Debug, Clone)]
pub struct JournalSettings {
    /// Rate-limit key: the credential the client uses (never the secret itself).
    pub credential: String,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// This worker's name, for claims.
    pub owner: String,
    /// How long a claim lasts before another worker may resume the write.
    pub claim_ttl: Duration,
}

impl WriteJournal {
    /// A journal writing through `store`.
    pub fn new(
        store: Arc<dyn JournalStore>,
        cipher: Arc<Cipher>,
        limiter: Arc<RateLimiter>,
        settings: JournalSettings,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Self {
        WriteJournal {
            store,
            cipher,
            limiter,
            credential: settings.credential,
            retry: settings.retry,
            clock,
            sleeper,
            owner: settings.owner,
            claim_ttl: settings.claim_ttl,
            rng: Mutex::new(StdRng::from_os_rng()),
        }
    }

    /// Executes `op` for `hotel` exactly once, whatever the network does.
    pub async fn execute<W: WriteOp>(
        &self,
        hotel: &HotelId,
        client: &dyn PmsClient,
        op: &W,
    ) -> Result<W::Output, SyncError> {
        let request_id = op.request_id();
        let canonical =
            serde_json::to_vec(op).map_err(|e| SyncError::Store(format!("cannot serialize request: {e}")))?;
        let aad = journal_aad(request_id);
        let begin = self
            .store
            .journal_begin(NewJournalEntry {
                request_id,
                hotel: hotel.clone(),
                operation: W::NAME.to_owned(),
                request_hash: hex::encode(Sha256::digest(&canonical)),
                sealed_request: self.cipher.seal(&canonical, &aad)?,
                key_id: self.cipher.current_key_id().to_owned(),
                owner: self.owner.clone(),
                claim_ttl: self.claim_ttl,
                now: self.clock.now(),
            })
            .await?;
        let must_read_back = match begin {
            JournalBegin::Started(_) => false,
            JournalBegin::Resumed(entry) => entry.attempts > 0 || entry.state == JournalState::Unknown,
            JournalBegin::Busy(_) => return Err(SyncError::InFlight { request_id }),
            JournalBegin::Settled(entry) => return replay::<W>(&entry),
        };
        let span = tracing::info_span!("pms_write", op = W::NAME, hotel = %hotel, request_id = %request_id);
        let _enter = span.enter();
        self.run(client, op, must_read_back).await
    }

    async fn run<W: WriteOp>(
        &self,
        client: &dyn PmsClient,
        op: &W,
        mut must_read_back: bool,
    ) -> Result<W::Output, SyncError> {
        let request_id = op.request_id();
        let started = self.clock.now();
        let mut attempt = 0u32;
        let mut read_back_failures = 0u32;
        loop {
            if must_read_back {
                match self.read_back(client, op).await {
                    Ok(Some(output)) => return self.succeed(request_id, output).await,
                    Ok(None) => {}
                    Err(err) => {
                        // Until the read-back answers we cannot tell whether the earlier
                        // send landed, and resending could double it: retry the *look*
                        // while the failure is a blip, else leave it for an operator.
                        read_back_failures += 1;
                        let elapsed = (self.clock.now() - started).to_std().unwrap_or(Duration::ZERO);
                        let delay = {
                            let mut rng = self.rng.lock().await;
                            let kind = err.kind();
                            self.retry.next_delay(
                                read_back_failures,
                                kind,
                                err.retry_after(),
                                elapsed,
                                &mut *rng,
                            )
                        };
                        match delay {
                            Some(delay) => {
                                self.sleeper.sleep(delay).await;
                                continue;
                            }
                            None => {
                                tracing::warn!(kind = ?err.kind(), "read-back failed; write left unknown");
                                return self.leave_unknown(request_id, &err).await;
                            }
                        }
                    }
                }
            }
            attempt += 1;
            self.limiter.acquire(&self.credential).await;
            self.store.journal_attempt(request_id, self.clock.now()).await?;
            metrics::counter!("pms_sync_write_attempts_total", "op" => W::NAME).increment(1);
            let err = match op.send(client).await {
                Ok(output) => return self.succeed(request_id, output).await,
                Err(err) => err,
            };
            let kind = err.kind();
            if let Some(after) = err.retry_after() {
                self.limiter.penalize(&self.credential, after);
            }
            must_read_back = match kind {
                // Rejected before processing: safe to resend as is.
                ErrorKind::RateLimited => false,
                // May have been applied: look before resending.
                ErrorKind::Transient | ErrorKind::OutcomeUnknown => true,
                _ => return self.fail(request_id, err).await,
            };
            let elapsed = (self.clock.now() - started).to_std().unwrap_or(Duration::ZERO);
            // An unknown outcome is retried (after read-back) like a transient one.
            let retry_kind = if kind == ErrorKind::OutcomeUnknown {
                ErrorKind::Transient
            } else {
                kind
            };
            let delay = {
                let mut rng = self.rng.lock().await;
                self.retry
                    .next_delay(attempt, retry_kind, err.retry_after(), elapsed, &mut *rng)
            };
            match delay {
                Some(delay) => {
                    metrics::counter!("pms_sync_write_retries_total", "op" => W::NAME, "kind" => kind_name(kind)).increment(1);
                    tracing::debug!(attempt, ?kind, ?delay, "retrying write");
                    self.sleeper.sleep(delay).await;
                }
                None if must_read_back => {
                    // Out of attempts after an ambiguous failure: one last look.
                    return match self.read_back(client, op).await {
                        Ok(Some(output)) => self.succeed(request_id, output).await,
                        _ => self.leave_unknown(request_id, &err).await,
                    };
                }
                None => {
                    self.store
                        .journal_settle(
                            request_id,
                            JournalState::Unknown,
                            failure_json(&err),
                            self.clock.now(),
                        )
                        .await?;
                    return Err(SyncError::RetriesExhausted {
                        attempts: attempt,
                        last: err,
                    });
                }
            }
        }
    }

    /// Re-drives every unsettled write of `hotel` (the ops runbook's
    /// `pms replay`): each is read back first and resent only if absent.
    pub async fn replay_unsettled(
        &self,
        hotel: &HotelId,
        client: &dyn PmsClient,
    ) -> Result<Vec<ReplayOutcome>, SyncError> {
        let mut outcomes = Vec::new();
        for entry in self.store.journal_unsettled(hotel, self.clock.now()).await? {
            let request = self.cipher.open(
                &entry.key_id,
                &entry.sealed_request,
                &journal_aad(entry.request_id),
            )?;
            let corrupt = || SyncError::Corrupt {
                what: format!("journaled request {}", entry.request_id),
            };
            let result = match entry.operation.as_str() {
                PostCharge::NAME => {
                    let op: PostCharge = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await.map(|_| ())
                }
                VoidCharge::NAME => {
                    let op: VoidCharge = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await
                }
                CheckIn::NAME => {
                    let op: CheckIn = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await
                }
                AssignRoom::NAME => {
                    let op: AssignRoom = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await
                }
                CheckOut::NAME => {
                    let op: CheckOut = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await
                }
                SetRoomStatus::NAME => {
                    let op: SetRoomStatus = serde_json::from_slice(&request).map_err(|_| corrupt())?;
                    self.execute(hotel, client, &op).await
                }
                _ => Err(corrupt()),
            };
            outcomes.push(ReplayOutcome {
                request_id: entry.request_id,
                operation: entry.operation,
                result,
            });
        }
        Ok(outcomes)
    }

    async fn read_back<W: WriteOp>(
        &self,
        client: &dyn PmsClient,
        op: &W,
    ) -> Result<Option<W::Output>, Error> {
        self.limiter.acquire(&self.credential).await;
        metrics::counter!("pms_sync_write_read_backs_total", "op" => W::NAME).increment(1);
        op.read_back(client).await
    }

    async fn succeed<T: Serialize>(&self, request_id: RequestId, output: T) -> Result<T, SyncError> {
        let json = serde_json::to_value(&output)
            .map_err(|e| SyncError::Store(format!("cannot store outcome: {e}")))?;
        self.store
            .journal_settle(request_id, JournalState::Succeeded, json, self.clock.now())
            .await?;
        Ok(output)
    }

    async fn fail<T>(&self, request_id: RequestId, err: Error) -> Result<T, SyncError> {
        self.store
            .journal_settle(
                request_id,
                JournalState::Failed,
                failure_json(&err),
                self.clock.now(),
            )
            .await?;
        Err(SyncError::Pms(err))
    }

    async fn leave_unknown<T>(&self, request_id: RequestId, err: &Error) -> Result<T, SyncError> {
        self.store
            .journal_settle(
                request_id,
                JournalState::Unknown,
                failure_json(err),
                self.clock.now(),
            )
            .await?;
        metrics::counter!("pms_sync_write_unknown_total").increment(1);
        Err(SyncError::OutcomeUnknown { request_id })
    }
}

fn replay<W: WriteOp>(entry: &JournalEntry) -> Result<W::Output, SyncError> {
    let corrupt = || SyncError::Corrupt {
        what: format!("journal outcome of {}", entry.request_id),
    };
    let outcome = entry.outcome.clone().ok_or_else(corrupt)?;
    match entry.state {
        JournalState::Succeeded => serde_json::from_value(outcome).map_err(|_| corrupt()),
        JournalState::Failed => {
            let failure: StoredFailure = serde_json::from_value(outcome).map_err(|_| corrupt())?;
            Err(SyncError::Rejected {
                request_id: entry.request_id,
                kind: failure.kind,
                message: failure.message,
            })
        }
        JournalState::Pending | JournalState::Unknown => Err(corrupt()),
    }
}

fn failure_json(err: &Error) -> serde_json::Value {
    // Error messages are PII-free by the connectors' contract.
    serde_json::to_value(StoredFailure {
        kind: err.kind(),
        message: err.to_string(),
    })
    .unwrap_or_default()
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Transient => "transient",
        ErrorKind::OutcomeUnknown => "outcome_unknown",
        _ => "other",
    }
}

pub(crate) fn journal_aad(request_id: RequestId) -> Vec<u8> {
    format!("pms-sync/v1/journal/{request_id}").into_bytes()
}

// ---- the PmsClient writes as journal operations ----

/// Post a charge; read back by our request id on the folio.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PostCharge(pub ChargeRequest);

#[async_trait]
impl WriteOp for PostCharge {
    type Output = PostedCharge;
    const NAME: &'static str = "post_charge";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<PostedCharge, Error> {
        client.post_charge(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<PostedCharge>, Error> {
        let found: Option<FolioCharge> = client.find_charge(&self.0.reservation, self.0.request_id).await?;
        Ok(found.map(|charge| PostedCharge {
            request_id: self.0.request_id,
            external: charge.external,
        }))
    }
}

/// Void a charge; read back by looking at the line's `voided` flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VoidCharge(pub VoidChargeRequest);

#[async_trait]
impl WriteOp for VoidCharge {
    type Output = ();
    const NAME: &'static str = "void_charge";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.void_charge(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        let folio = client.folio(&self.0.reservation).await?;
        let line = folio.charges.iter().find(|c| c.external.id == self.0.charge);
        Ok(line.filter(|c| c.voided).map(|_| ()))
    }
}

/// Check in; read back by the reservation's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckIn(pub CheckInRequest);

#[async_trait]
impl WriteOp for CheckIn {
    type Output = ();
    const NAME: &'static str = "check_in";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.check_in(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        let reservation = client.reservation(&self.0.reservation).await?;
        Ok(matches!(reservation.status, pms_core::ReservationStatus::CheckedIn).then_some(()))
    }
}

/// Assign a reservation to a room; read back by the reservation's room.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssignRoom(pub RoomAssignment);

#[async_trait]
impl WriteOp for AssignRoom {
    type Output = ();
    const NAME: &'static str = "assign_room";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.assign_room(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        let reservation = client.reservation(&self.0.reservation).await?;
        Ok((reservation.room_number.as_ref() == Some(&self.0.room)).then_some(()))
    }
}

/// Check out; read back by the reservation's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckOut(pub CheckOutRequest);

#[async_trait]
impl WriteOp for CheckOut {
    type Output = ();
    const NAME: &'static str = "check_out";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.check_out(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        let reservation = client.reservation(&self.0.reservation).await?;
        Ok(matches!(reservation.status, pms_core::ReservationStatus::CheckedOut).then_some(()))
    }
}

/// Set a room's housekeeping state; idempotent by nature, read back by the room's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SetRoomStatus(pub RoomStatusUpdate);

#[async_trait]
impl WriteOp for SetRoomStatus {
    type Output = ();
    const NAME: &'static str = "set_room_status";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.set_room_status(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        let statuses = client.room_statuses().await?;
        let current = statuses.iter().find(|s| s.room.id == self.0.room);
        Ok(current
            .filter(|s| s.status.housekeeping == self.0.status)
            .map(|_| ()))
    }
}
