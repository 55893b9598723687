//! Digital check-in: pull the reservation and balance, record the ID check,
//! signature and card hold (in the PMS where it can store them, otherwise in
//! the audit log), confirm the room, check in through the write journal, and
//! only then activate digital keys.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use pms_core::{
    Capability, CardHold, CardHoldRequest, CardToken, CheckInRequest, Error, IdVerification,
    IdentityDocument, Money, Pii, PmsClient, RequestId, ReservationStatus, RoomAssignment, RoomNumber,
    SignatureCapture, VendorId,
};
use pms_sync::{AssignRoom, AuditAction, CheckIn, WriteOp};
use serde::Serialize;
use serde_json::json;

use crate::FlowError;
use crate::context::FlowContext;
use crate::keys::{KeyGrant, KeyId, KeyService, activate_key, stay_keys};

/// An identity document checked by the guest's device or the front desk.
#[derive(Debug, Clone)]
pub struct IdCheck {
    /// The profile verified, in the PMS, when known.
    pub guest: Option<VendorId>,
    /// The document (personal data: sealed in the journal, never audited).
    pub document: Pii<IdentityDocument>,
    /// When it was checked.
    pub verified_at: DateTime<Utc>,
}

/// A registration card signed on the guest's device.
#[derive(Debug, Clone)]
pub struct SignedCard {
    /// SHA-256 (hex) of the signed document.
    pub document_sha256: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// A card pre-authorization to place for the stay.
#[derive(Debug, Clone)]
pub struct HoldRequest {
    /// The gateway token.
    pub card: CardToken,
    /// Amount to hold.
    pub amount: Money,
}

/// What a digital check-in is asked to do.
#[derive(Debug, Clone)]
pub struct CheckInInput {
    /// The reservation, in the PMS.
    pub reservation: VendorId,
    /// The room to check into; `None` confirms the assigned one.
    pub room: Option<RoomNumber>,
    /// The ID check, if done.
    pub id_check: Option<IdCheck>,
    /// The signed registration card, if signed.
    pub signature: Option<SignedCard>,
    /// The card hold, if one is wanted.
    pub card_hold: Option<HoldRequest>,
    /// How many digital keys to issue.
    pub keys: u8,
    /// Attempt number of this check-in (0 first). Request ids derive from
    /// (reservation, step, attempt): re-running the same attempt replays,
    /// while a new attempt after a refusal (e.g. the room is now ready) is a new intent.
    pub attempt: u32,
}

impl CheckInInput {
    /// A check-in of `reservation` into its assigned room, with one key and nothing else.
    pub fn new(reservation: VendorId) -> Self {
        CheckInInput {
            reservation,
            room: None,
            id_check: None,
            signature: None,
            card_hold: None,
            keys: 1,
            attempt: 0,
        }
    }
}

/// Where a compliance step ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Not asked for.
    NotProvided,
    /// Stored in the PMS (and audited).
    StoredInPms,
    /// The PMS cannot store it: kept in the audit log only.
    AuditOnly,
}

/// What a digital check-in did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckInOutcome {
    /// The reservation.
    pub reservation: VendorId,
    /// The check-in's request id.
    pub request_id: RequestId,
    /// The room checked into.
    pub room: RoomNumber,
    /// The balance at check-in, when the PMS reported one.
    pub balance: Option<Money>,
    /// The stay's rate plan, when the PMS reported it.
    pub rate_plan: Option<String>,
    /// The stay's total price, when the PMS reported it.
    pub total: Option<Money>,
    /// The ID check.
    pub id_check: StepOutcome,
    /// The signature.
    pub signature: StepOutcome,
    /// The card hold.
    pub card_hold: StepOutcome,
    /// The hold as the PMS answered, when placed through it.
    pub hold: Option<HoldReceipt>,
    /// Whether this run found the guest already checked in by us or another channel.
    pub already_checked_in: bool,
    /// Every key of the stay activated so far.
    pub keys: Vec<KeyId>,
    /// Keys this run activated (empty on a re-run).
    pub newly_activated: Vec<KeyId>,
}

/// The digital check-in flow.
#[derive(Debug, Clone)]
pub struct CheckInFlow {
    ctx: FlowContext,
    keys: Arc<dyn KeyService>,
    check_out_time: NaiveTime,
}

impl CheckInFlow {
    /// A check-in flow issuing keys through `keys`, valid until 12:00 on the departure day.
    pub fn new(ctx: FlowContext, keys: Arc<dyn KeyService>) -> Self {
        CheckInFlow {
            ctx,
            keys,
            check_out_time: NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }

    /// Keys stop opening at `time` (property-local) on the departure day.
    pub fn with_check_out_time(mut self, time: NaiveTime) -> Self {
        self.check_out_time = time;
        self
    }

    /// Runs the check-in. Idempotent: running the same input again replays
    /// the journal's stored outcomes, audits nothing twice, places no second
    /// hold and activates no second key.
    ///
    /// Keys are activated only once the PMS confirmed the check-in; a refusal
    /// ([`FlowError::Refused`]) or an unknown outcome ([`FlowError::OutcomeUnknown`])
    /// leaves every key inactive.
    pub async fn run(&self, input: &CheckInInput) -> Result<CheckInOutcome, FlowError> {
        let ctx = &self.ctx;
        let client = ctx.client.as_ref();
        let caps = client.capabilities();
        let res_id = input.reservation.as_str();
        let attempt = input.attempt.to_string();
        let step_id = |step: &str| ctx.request_id(&["check_in", res_id, &attempt, step]);

        // 1. The reservation and its balance.
        let reservation = client.reservation(&input.reservation).await?;
        let already_checked_in = reservation.status == ReservationStatus::CheckedIn;
        if !already_checked_in && !reservation.status.is_arriving() {
            return Err(FlowError::NotEligible {
                reservation: input.reservation.clone(),
                status: reservation.status,
            });
        }
        let balance = match reservation.balance {
            Some(balance) => Some(balance),
            None => match client.folio(&input.reservation).await {
                Ok(folio) => Some(folio.balance),
                Err(err) => {
                    tracing::info!(kind = ?err.kind(), "no balance at check-in");
                    None
                }
            },
        };
        let room = input
            .room
            .clone()
            .or_else(|| reservation.room_number.clone())
            .ok_or_else(|| FlowError::NoRoom(input.reservation.clone()))?;

        // 2. Compliance steps, each idempotent by its request id.
        let id_check = match &input.id_check {
            None => StepOutcome::NotProvided,
            Some(check) => {
                let request_id = step_id("id_verification");
                let op = AttachIdVerification(IdVerification {
                    request_id,
                    reservation: input.reservation.clone(),
                    guest: check.guest.clone(),
                    document: check.document.clone(),
                    verified_at: check.verified_at,
                });
                let stored = self
                    .push_if_supported(caps.supports(Capability::IdVerification), &op)
                    .await?;
                ctx.audit_once(
                    res_id,
                    AuditAction::IdVerified,
                    request_id,
                    json!({
                        "stored_in_pms": stored.is_some(),
                        "document_kind": check.document.expose().kind,
                        "verified_at": check.verified_at,
                    }),
                )
                .await?;
                outcome(stored.is_some())
            }
        };
        let signature = match &input.signature {
            None => StepOutcome::NotProvided,
            Some(card) => {
                let request_id = step_id("signature");
                let op = AttachSignature(SignatureCapture {
                    request_id,
                    reservation: input.reservation.clone(),
                    document_sha256: card.document_sha256.clone(),
                    signed_at: card.signed_at,
                });
                let stored = self
                    .push_if_supported(caps.supports(Capability::Signature), &op)
                    .await?;
                ctx.audit_once(
                    res_id,
                    AuditAction::SignatureCaptured,
                    request_id,
                    json!({
                        "stored_in_pms": stored.is_some(),
                        "document_sha256": card.document_sha256,
                        "signed_at": card.signed_at,
                    }),
                )
                .await?;
                outcome(stored.is_some())
            }
        };
        let (card_hold, hold) = match &input.card_hold {
            None => (StepOutcome::NotProvided, None),
            Some(wanted) => {
                let request_id = step_id("card_hold");
                let op = PlaceCardHold(CardHoldRequest {
                    request_id,
                    reservation: input.reservation.clone(),
                    card: wanted.card.clone(),
                    amount: wanted.amount,
                });
                let hold = self
                    .push_if_supported(caps.supports(Capability::CardHold), &op)
                    .await?;
                ctx.audit_once(
                    res_id,
                    AuditAction::CardHoldPlaced,
                    request_id,
                    json!({
                        "stored_in_pms": hold.is_some(),
                        "amount": wanted.amount,
                        "state": hold.as_ref().map(|h| h.state.clone()),
                        "hold_ref": hold.as_ref().and_then(|h| h.external.as_ref()).map(ToString::to_string),
                    }),
                )
                .await?;
                (outcome(hold.is_some()), hold)
            }
        };

        // 3. The room: the assigned one is only confirmed; another one is
        // assigned through the journal first, where the PMS can, so the
        // check-in goes to the room the keys are cut for. A PMS that cannot
        // assign leaves the connector's check-in to refuse the other room.
        let assign = !already_checked_in
            && reservation.room_number.as_ref() != Some(&room)
            && caps.supports(Capability::AssignRoom);
        if assign {
            let request_id = step_id("assign_room");
            let op = AssignRoom(RoomAssignment {
                request_id,
                reservation: input.reservation.clone(),
                room: room.clone(),
            });
            let assigned = ctx.journal.execute(&ctx.hotel, client, &op).await;
            let previous = reservation.room_number.as_ref().map(RoomNumber::as_str);
            if let Err(err) = assigned {
                let err = FlowError::from_write("assign_room", request_id, err);
                let result = match &err {
                    FlowError::Refused { kind, .. } => {
                        json!({"outcome": "refused", "kind": kind, "room": room.as_str(), "previous": previous})
                    }
                    FlowError::OutcomeUnknown { .. } => json!({"outcome": "unknown", "room": room.as_str()}),
                    _ => json!({"outcome": "failed", "room": room.as_str()}),
                };
                ctx.audit_once(res_id, AuditAction::RoomAssigned, request_id, result)
                    .await?;
                return Err(err);
            }
            ctx.audit_once(
                res_id,
                AuditAction::RoomAssigned,
                request_id,
                json!({"outcome": "confirmed", "room": room.as_str(), "previous": previous}),
            )
            .await?;
        }

        // 4. The check-in itself, through the journal. A stay the PMS already
        // has in house is not checked in again: OPERA refuses a second
        // `CheckIn` (CHECKIN_NOT_ALLOWED) where Mews and Cloudbeds confirm it.
        let request_id = step_id("check_in");
        let request = CheckIn(CheckInRequest {
            request_id,
            reservation: input.reservation.clone(),
            room: input.room.clone(),
        });
        let written = if already_checked_in {
            Ok(())
        } else {
            ctx.journal.execute(&ctx.hotel, client, &request).await
        };
        if let Err(err) = written {
            let err = FlowError::from_write("check_in", request_id, err);
            let result = match &err {
                FlowError::Refused { kind, .. } => json!({"outcome": "refused", "kind": kind}),
                FlowError::OutcomeUnknown { .. } => json!({"outcome": "unknown"}),
                _ => json!({"outcome": "failed"}),
            };
            ctx.audit_once(res_id, AuditAction::CheckedIn, request_id, result)
                .await?;
            return Err(err);
        }
        ctx.audit_once(
            res_id,
            AuditAction::CheckedIn,
            request_id,
            json!({
                "outcome": if already_checked_in { "already_in_house" } else { "confirmed" },
                "room": room.as_str(),
                "balance": balance,
            }),
        )
        .await?;

        // 5. Keys, only now that the PMS confirmed.
        let existing = stay_keys(ctx, &input.reservation).await?;
        let valid_until = self.local_instant(reservation.departure);
        let mut newly_activated = Vec::new();
        for index in 0..input.keys {
            let grant = KeyGrant {
                key_id: KeyId::derive(ctx, &input.reservation, index),
                reservation: input.reservation.clone(),
                room: room.clone(),
                valid_from: ctx.clock.now(),
                valid_until,
            };
            if activate_key(ctx, self.keys.as_ref(), &grant, &existing).await? {
                newly_activated.push(grant.key_id);
            }
        }
        let keys = stay_keys(ctx, &input.reservation).await?.active().collect();
        Ok(CheckInOutcome {
            reservation: input.reservation.clone(),
            request_id,
            room,
            balance,
            rate_plan: reservation.rate_plan_code.clone(),
            total: reservation.total,
            id_check,
            signature,
            card_hold,
            hold,
            already_checked_in,
            keys,
            newly_activated,
        })
    }

    async fn push_if_supported<W: WriteOp>(
        &self,
        supported: bool,
        op: &W,
    ) -> Result<Option<W::Output>, FlowError> {
        if !supported {
            return Ok(None);
        }
        let ctx = &self.ctx;
        ctx.journal
            .execute(&ctx.hotel, ctx.client.as_ref(), op)
            .await
            .map(Some)
            .map_err(|err| FlowError::from_write(W::NAME, op.request_id(), err))
    }

    fn local_instant(&self, day: chrono::NaiveDate) -> DateTime<Utc> {
        let naive = day.and_time(self.check_out_time);
        self.ctx
            .time_zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
    }
}

fn outcome(stored: bool) -> StepOutcome {
    if stored {
        StepOutcome::StoredInPms
    } else {
        StepOutcome::AuditOnly
    }
}

/// Store an ID verification in the PMS. No read-back exists, so an ambiguous
/// send is left unknown for an operator rather than resent.
#[derive(Debug, Clone, Serialize)]
pub struct AttachIdVerification(pub IdVerification);

#[async_trait]
impl WriteOp for AttachIdVerification {
    type Output = ();
    const NAME: &'static str = "attach_id_verification";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.attach_id_verification(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        Err(Error::unsupported(client.kind(), "read back an id verification"))
    }
}

/// Store a signature record in the PMS (no read-back; see [`AttachIdVerification`]).
#[derive(Debug, Clone, Serialize)]
pub struct AttachSignature(pub SignatureCapture);

#[async_trait]
impl WriteOp for AttachSignature {
    type Output = ();
    const NAME: &'static str = "attach_signature";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<(), Error> {
        client.attach_signature(&self.0).await
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<()>, Error> {
        Err(Error::unsupported(client.kind(), "read back a signature"))
    }
}

/// A placed card hold without its card token: what the journal stores and
/// replays (its outcomes are not encrypted, so they never hold the token).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HoldReceipt {
    /// Our request id.
    pub request_id: RequestId,
    /// The hold's id in the PMS or gateway.
    pub external: Option<pms_core::ExternalRef>,
    /// Amount held.
    pub amount: Money,
    /// State.
    pub state: pms_core::CardHoldState,
}

impl From<CardHold> for HoldReceipt {
    fn from(hold: CardHold) -> Self {
        HoldReceipt {
            request_id: hold.request_id,
            external: hold.external,
            amount: hold.amount,
            state: hold.state,
        }
    }
}

/// Place a card pre-authorization through the PMS (no read-back; an
/// ambiguous hold is never placed a second time blindly).
#[derive(Debug, Clone, Serialize)]
pub struct PlaceCardHold(pub CardHoldRequest);

#[async_trait]
impl WriteOp for PlaceCardHold {
    type Output = HoldReceipt;
    const NAME: &'static str = "place_card_hold";

    fn request_id(&self) -> RequestId {
        self.0.request_id
    }

    async fn send(&self, client: &dyn PmsClient) -> Result<HoldReceipt, Error> {
        client.place_card_hold(&self.0).await.map(HoldReceipt::from)
    }

    async fn read_back(&self, client: &dyn PmsClient) -> Result<Option<HoldReceipt>, Error> {
        Err(Error::unsupported(client.kind(), "read back a card hold"))
    }
}
