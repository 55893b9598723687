//! Charges and tips: post room-service, spa and restaurant charges (and
//! gratuities) through the write journal after validating the stay; void
//! them; roll a multi-line posting back when a later line fails
//! definitively; reconcile what we posted against the PMS folio.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use pms_core::{
    Capability, ChargeKind, ChargeRequest, Currency, ErrorKind, ExternalRef, Folio, Money, PostedCharge,
    RequestId, ReservationStatus, RoomNumber, VendorId, VoidChargeRequest,
};
use pms_sync::{AuditAction, HotelSync, PostCharge, VoidCharge};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::FlowError;
use crate::context::FlowContext;
use crate::notify::Notification;

/// One line to post.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeLine {
    /// What kind of charge.
    pub kind: ChargeKind,
    /// Shown on the folio (an item name; never guest data).
    pub description: String,
    /// Price of one unit.
    pub unit_amount: Money,
    /// Units (positive).
    pub quantity: Decimal,
    /// Transaction / accounting code (the tax treatment follows from it in the PMS).
    pub transaction_code: Option<String>,
    /// Outlet (Mews: the `ServiceId`), when not the connector's default.
    pub outlet: Option<String>,
    /// When it was consumed.
    pub consumed_at: DateTime<Utc>,
}

/// A gratuity added to a posting, posted as its last line.
#[derive(Debug, Clone, PartialEq)]
pub struct Gratuity {
    /// The tip.
    pub amount: Money,
    /// Transaction code for tips.
    pub transaction_code: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
}

/// A ticket from a point of sale: one or more lines, plus an optional tip.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    /// The ticket's key (POS check number): request ids derive from it, so
    /// posting the same ticket twice posts nothing twice.
    pub key: String,
    /// The reservation, in the PMS.
    pub reservation: VendorId,
    /// The room the point of sale charged to, when it knows one: the stay
    /// must be in that room, or nothing is posted (a wrong room/folio mapping).
    pub room: Option<RoomNumber>,
    /// The lines.
    pub lines: Vec<ChargeLine>,
    /// The tip, if any.
    pub gratuity: Option<Gratuity>,
}

/// Which stays accept charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargePolicy {
    /// Also accept charges on confirmed stays not yet checked in (pre-arrival spa bookings).
    pub allow_before_arrival: bool,
}

/// One posted line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedLine {
    /// Its index in the posting (the tip is last).
    pub index: usize,
    /// Its request id.
    pub request_id: RequestId,
    /// What the PMS answered.
    pub posted: PostedCharge,
    /// Line total.
    pub total: Money,
}

/// What a posting did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostingReceipt {
    /// The ticket's key.
    pub key: String,
    /// The reservation.
    pub reservation: VendorId,
    /// The lines, in order.
    pub lines: Vec<PostedLine>,
    /// Their total.
    pub total: Money,
}

/// What a void did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoidReceipt {
    /// The voided charge's request id.
    pub charge: RequestId,
    /// The void's request id.
    pub request_id: RequestId,
    /// The folio line voided.
    pub line: ExternalRef,
    /// Whether it was already voided (nothing sent).
    pub already_voided: bool,
}

/// One disagreement between our postings and the folio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FolioMismatch {
    /// We posted it; the folio has no live line for it.
    Missing {
        /// Our request id.
        request_id: RequestId,
    },
    /// More than one live line carries our request id.
    Duplicated {
        /// Our request id.
        request_id: RequestId,
        /// Live lines found.
        count: usize,
    },
    /// We voided it; the folio line is still live.
    NotVoided {
        /// Our request id.
        request_id: RequestId,
    },
    /// A live line's amount differs from what we posted.
    AmountDiffers {
        /// Our request id.
        request_id: RequestId,
        /// What we posted.
        expected: Money,
        /// What the folio says.
        found: Money,
    },
    /// The PMS's balance differs from the balance its own lines add up to.
    BalanceInconsistent {
        /// The PMS's balance.
        pms: Money,
        /// Computed from the lines.
        computed: Money,
    },
}

/// Our postings compared with the PMS folio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolioReconciliation {
    /// The reservation.
    pub reservation: VendorId,
    /// Our live postings (posted and not voided).
    pub live: usize,
    /// Our voided postings.
    pub voided: usize,
    /// Their expected total.
    pub expected_total: Money,
    /// The folio's balance.
    pub pms_balance: Money,
    /// Whether folio lines could be matched to our postings by request id
    /// (the connector has [`Capability::ChargeReadBack`]). When not, only
    /// the balance's own consistency is checked and `mismatches` never
    /// names a posting.
    pub lines_matched: bool,
    /// What disagrees.
    pub mismatches: Vec<FolioMismatch>,
}

impl FolioReconciliation {
    /// Whether everything agrees.
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// The charges flow.
#[derive(Debug, Clone)]
pub struct ChargeFlow {
    ctx: FlowContext,
    policy: ChargePolicy,
}

impl ChargeFlow {
    /// A charges flow accepting in-house stays only.
    pub fn new(ctx: FlowContext) -> Self {
        ChargeFlow {
            ctx,
            policy: ChargePolicy::default(),
        }
    }

    /// The same flow with another policy.
    pub fn with_policy(mut self, policy: ChargePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The request id of line `index` of a posting.
    pub fn line_request_id(&self, posting: &Posting, index: usize) -> RequestId {
        self.ctx.request_id(&[
            "charge",
            posting.reservation.as_str(),
            &posting.key,
            &index.to_string(),
        ])
    }

    /// Posts a ticket. Validates everything first (lines, currency, the stay
    /// exists and accepts charges), then posts line by line through the
    /// journal. If a line is refused definitively the lines before it are
    /// voided ([`FlowError::PostingRolledBack`], or
    /// [`FlowError::RollbackIncomplete`] if a void fails too); if a line's
    /// outcome is unknown nothing is rolled back and re-running the posting resumes it.
    pub async fn post(&self, posting: &Posting) -> Result<PostingReceipt, FlowError> {
        let ctx = &self.ctx;
        let requests = self.requests(posting)?;
        let currency = requests
            .first()
            .map(|r| r.unit_amount.currency)
            .ok_or_else(|| FlowError::Validation("a posting needs at least one line".into()))?;
        self.validate_stay(&posting.reservation, posting.room.as_ref())
            .await?;

        let mut lines: Vec<PostedLine> = Vec::with_capacity(requests.len());
        for (index, request) in requests.into_iter().enumerate() {
            let request_id = request.request_id;
            let total = request.total()?;
            let kind = request.kind.clone();
            match ctx
                .journal
                .execute(&ctx.hotel, ctx.client.as_ref(), &PostCharge(request))
                .await
            {
                Ok(posted) => {
                    ctx.audit_once(
                        posting.reservation.as_str(),
                        AuditAction::ChargePosted,
                        request_id,
                        json!({
                            "posting": posting.key,
                            "line": index,
                            "kind": kind,
                            "total": total,
                            "external": posted.external.to_string(),
                            "external_id": posted.external.id.as_str(),
                        }),
                    )
                    .await?;
                    lines.push(PostedLine {
                        index,
                        request_id,
                        posted,
                        total,
                    });
                }
                Err(err) => {
                    let err = FlowError::from_write("post_charge", request_id, err);
                    if !err.is_definitive() || lines.is_empty() {
                        return Err(err);
                    }
                    return Err(self.roll_back(posting, index, &lines, err).await);
                }
            }
        }
        let total = Money::sum(currency, lines.iter().map(|l| l.total))?;
        Ok(PostingReceipt {
            key: posting.key.clone(),
            reservation: posting.reservation.clone(),
            lines,
            total,
        })
    }

    async fn roll_back(
        &self,
        posting: &Posting,
        failed_line: usize,
        lines: &[PostedLine],
        cause: FlowError,
    ) -> FlowError {
        let mut still_posted = Vec::new();
        let reason = format!("rollback of posting {}", posting.key);
        for line in lines.iter().rev() {
            if let Err(err) = self.void(&posting.reservation, line.request_id, &reason).await {
                tracing::warn!(request_id = %line.request_id, error = %err, "rollback void failed");
                still_posted.push(line.request_id);
            }
        }
        if still_posted.is_empty() {
            FlowError::PostingRolledBack {
                posting: posting.key.clone(),
                failed_line,
                voided: lines.len(),
                cause: Box::new(cause),
            }
        } else {
            self.ctx
                .alert(Notification::Drift {
                    hotel: self.ctx.hotel.clone(),
                    scope: "folio".to_owned(),
                    reservation: Some(ExternalRef::new(
                        self.ctx.client.kind(),
                        posting.reservation.clone(),
                    )),
                    count: still_posted.len(),
                    summary: format!("rollback of posting {} left lines posted", posting.key),
                })
                .await;
            FlowError::RollbackIncomplete {
                posting: posting.key.clone(),
                failed_line,
                still_posted,
            }
        }
    }

    /// Voids a charge we posted, by its request id. Idempotent: a line
    /// already voided is reported, not voided again.
    pub async fn void(
        &self,
        reservation: &VendorId,
        charge: RequestId,
        reason: &str,
    ) -> Result<VoidReceipt, FlowError> {
        let ctx = &self.ctx;
        // Without a void the PMS keeps the line: say so before reading anything
        // (OPERA OWS has no void; its read-back is off by default too).
        if !ctx.client.capabilities().supports(Capability::VoidCharge) {
            return Err(FlowError::Pms(pms_core::Error::unsupported(
                ctx.client.kind(),
                "void_charge",
            )));
        }
        let line = ctx
            .client
            .find_charge(reservation, charge)
            .await?
            .ok_or_else(|| FlowError::NotFound(format!("charge {charge} on reservation {reservation}")))?;
        let request_id = ctx.request_id(&["void", reservation.as_str(), &charge.to_string()]);
        let already_voided = line.voided;
        if !already_voided {
            let by_line = self
                .void_as(request_id, reservation, &line.external.id, reason)
                .await;
            match by_line {
                // The line as read back is not what the PMS voids by (Cloudbeds:
                // getTransactions names it by transactionID, postVoidItem takes
                // the soldProductID postCustomItem answered): void it by the id
                // the post answered, as a second intent of its own.
                Err(
                    err @ FlowError::Refused {
                        kind: ErrorKind::Unsupported,
                        ..
                    },
                ) => match self.posted_external_id(reservation, charge).await? {
                    Some(posted) if posted != line.external.id => {
                        let as_posted =
                            ctx.request_id(&["void", reservation.as_str(), &charge.to_string(), "as_posted"]);
                        self.void_as(as_posted, reservation, &posted, reason).await?;
                    }
                    _ => return Err(err),
                },
                other => other?,
            }
        }
        ctx.audit_once(
            reservation.as_str(),
            AuditAction::ChargeVoided,
            request_id,
            json!({
                "charge_request_id": charge,
                "line": line.external.to_string(),
                "total": line.total,
                "already_voided": already_voided,
            }),
        )
        .await?;
        Ok(VoidReceipt {
            charge,
            request_id,
            line: line.external,
            already_voided,
        })
    }

    /// Compares what the audit log says we posted and voided on a stay with
    /// the PMS folio; alerts drift when they disagree.
    pub async fn reconcile(&self, reservation: &VendorId) -> Result<FolioReconciliation, FlowError> {
        let folio = self.ctx.client.folio(reservation).await?;
        self.compare(reservation, &folio).await
    }

    /// Like [`ChargeFlow::reconcile`], reading the folio through the sync
    /// layer's folio check (so its health tracking sees the read) and adding
    /// its double-post detection.
    pub async fn reconcile_with(
        &self,
        sync: &HotelSync,
        reservation: &VendorId,
    ) -> Result<FolioReconciliation, FlowError> {
        let (posted, _) = self.our_postings(reservation).await?;
        let ids: Vec<RequestId> = posted.keys().copied().collect();
        let check = sync.check_folio(reservation, &ids).await?;
        let folio = self.ctx.client.folio(reservation).await?;
        let mut report = self.compare(reservation, &folio).await?;
        for id in check.duplicated {
            if !report
                .mismatches
                .iter()
                .any(|m| matches!(m, FolioMismatch::Duplicated { request_id, .. } if *request_id == id))
            {
                report.mismatches.push(FolioMismatch::Duplicated {
                    request_id: id,
                    count: 2,
                });
            }
        }
        Ok(report)
    }

    async fn compare(&self, reservation: &VendorId, folio: &Folio) -> Result<FolioReconciliation, FlowError> {
        let (posted, voided) = self.our_postings(reservation).await?;
        let currency = folio.balance.currency;
        let mut live_lines: BTreeMap<RequestId, Vec<Money>> = BTreeMap::new();
        for line in folio.charges.iter().filter(|c| !c.voided) {
            if let Some(id) = line.request_id {
                live_lines.entry(id).or_default().push(line.total);
            }
        }
        // Folio lines carry our request id only where the connector can read a
        // charge back (ChargeReadBack); elsewhere (OPERA by default: the
        // Invoice does not echo PostCharge's LongInfo) no line can be matched,
        // and reporting every posting "missing" would be false drift.
        let lines_matched = self
            .ctx
            .client
            .capabilities()
            .supports(Capability::ChargeReadBack);
        let mut mismatches = Vec::new();
        let mut expected = Vec::new();
        for (id, total) in &posted {
            let found = live_lines.get(id).map(Vec::as_slice).unwrap_or_default();
            if !lines_matched {
                if !voided.contains(id) {
                    expected.push(*total);
                }
                continue;
            }
            if voided.contains(id) {
                if !found.is_empty() {
                    mismatches.push(FolioMismatch::NotVoided { request_id: *id });
                }
                continue;
            }
            expected.push(*total);
            match found {
                [] => mismatches.push(FolioMismatch::Missing { request_id: *id }),
                [one] if one != total => mismatches.push(FolioMismatch::AmountDiffers {
                    request_id: *id,
                    expected: *total,
                    found: *one,
                }),
                [_] => {}
                many => mismatches.push(FolioMismatch::Duplicated {
                    request_id: *id,
                    count: many.len(),
                }),
            }
        }
        let computed = folio.computed_balance()?;
        if computed != folio.balance {
            mismatches.push(FolioMismatch::BalanceInconsistent {
                pms: folio.balance,
                computed,
            });
        }
        let report = FolioReconciliation {
            reservation: reservation.clone(),
            live: expected.len(),
            voided: voided.len(),
            expected_total: Money::sum(currency, expected)?,
            pms_balance: folio.balance,
            lines_matched,
            mismatches,
        };
        if !report.is_clean() {
            self.ctx
                .alert(Notification::Drift {
                    hotel: self.ctx.hotel.clone(),
                    scope: "folio".to_owned(),
                    reservation: Some(ExternalRef::new(self.ctx.client.kind(), reservation.clone())),
                    count: report.mismatches.len(),
                    summary: format!(
                        "{} of our postings disagree with the folio",
                        report.mismatches.len()
                    ),
                })
                .await;
        }
        Ok(report)
    }

    /// Voids line `charge` (the PMS's id) through the journal as intent `request_id`.
    async fn void_as(
        &self,
        request_id: RequestId,
        reservation: &VendorId,
        charge: &VendorId,
        reason: &str,
    ) -> Result<(), FlowError> {
        let ctx = &self.ctx;
        let op = VoidCharge(VoidChargeRequest {
            request_id,
            reservation: reservation.clone(),
            charge: charge.clone(),
            reason: reason.to_owned(),
        });
        ctx.journal
            .execute(&ctx.hotel, ctx.client.as_ref(), &op)
            .await
            .map_err(|err| FlowError::from_write("void_charge", request_id, err))
    }

    /// The external id the PMS answered when our line `charge` was posted,
    /// as recorded in its audit entry.
    async fn posted_external_id(
        &self,
        reservation: &VendorId,
        charge: RequestId,
    ) -> Result<Option<VendorId>, FlowError> {
        Ok(self
            .ctx
            .audit_entries(reservation.as_str(), AuditAction::ChargePosted)
            .await?
            .into_iter()
            .filter(|e| e.entry.request_id == Some(charge))
            .find_map(|e| {
                e.entry
                    .details
                    .get("external_id")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|id| VendorId::new(id).ok())
            }))
    }

    /// Our postings on a stay (request id → total) and the ones we voided, from the audit log.
    async fn our_postings(
        &self,
        reservation: &VendorId,
    ) -> Result<(BTreeMap<RequestId, Money>, BTreeSet<RequestId>), FlowError> {
        let ctx = &self.ctx;
        let mut posted = BTreeMap::new();
        for entry in ctx
            .audit_entries(reservation.as_str(), AuditAction::ChargePosted)
            .await?
        {
            let total = entry
                .entry
                .details
                .get("total")
                .and_then(|t| serde_json::from_value::<Money>(t.clone()).ok());
            if let (Some(id), Some(total)) = (entry.entry.request_id, total) {
                posted.insert(id, total);
            }
        }
        let voided = ctx
            .audit_entries(reservation.as_str(), AuditAction::ChargeVoided)
            .await?
            .into_iter()
            .filter_map(|e| {
                e.entry
                    .details
                    .get("charge_request_id")
                    .and_then(|v| serde_json::from_value::<RequestId>(v.clone()).ok())
            })
            .collect();
        Ok((posted, voided))
    }

    fn requests(&self, posting: &Posting) -> Result<Vec<ChargeRequest>, FlowError> {
        if posting.key.trim().is_empty() {
            return Err(FlowError::Validation("a posting needs a key".into()));
        }
        let mut lines = posting.lines.clone();
        if let Some(tip) = &posting.gratuity {
            let consumed_at = lines
                .last()
                .map(|l| l.consumed_at)
                .unwrap_or_else(|| self.ctx.clock.now());
            lines.push(ChargeLine {
                kind: ChargeKind::Gratuity,
                description: "Gratuity".to_owned(),
                unit_amount: tip.amount,
                quantity: Decimal::ONE,
                transaction_code: tip.transaction_code.clone(),
                outlet: tip.outlet.clone(),
                consumed_at,
            });
        }
        let currency: Option<Currency> = lines.first().map(|l| l.unit_amount.currency);
        lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                if Some(line.unit_amount.currency) != currency {
                    return Err(FlowError::Validation(format!(
                        "line {index} is in {}, the posting in another currency",
                        line.unit_amount.currency
                    )));
                }
                if line.quantity <= Decimal::ZERO {
                    return Err(FlowError::Validation(format!("line {index} has no quantity")));
                }
                if line.unit_amount.is_negative() {
                    return Err(FlowError::Validation(format!(
                        "line {index} is negative; reverse a charge with a void"
                    )));
                }
                if line.description.trim().is_empty() {
                    return Err(FlowError::Validation(format!("line {index} has no description")));
                }
                Ok(ChargeRequest {
                    request_id: self.line_request_id(posting, index),
                    reservation: posting.reservation.clone(),
                    kind: line.kind,
                    description: line.description,
                    unit_amount: line.unit_amount,
                    quantity: line.quantity,
                    transaction_code: line.transaction_code,
                    outlet: line.outlet,
                    consumed_at: line.consumed_at,
                })
            })
            .collect()
    }

    async fn validate_stay(
        &self,
        reservation: &VendorId,
        room: Option<&RoomNumber>,
    ) -> Result<(), FlowError> {
        let found = match self.ctx.client.reservation(reservation).await {
            Ok(found) => found,
            Err(err) if err.kind() == ErrorKind::NotFound => {
                return Err(FlowError::NotFound(format!("reservation {reservation}")));
            }
            Err(err) => return Err(err.into()),
        };
        let accepted = match found.status {
            ReservationStatus::CheckedIn => true,
            ReservationStatus::Confirmed => self.policy.allow_before_arrival,
            _ => false,
        };
        if !accepted {
            return Err(FlowError::NotEligible {
                reservation: reservation.clone(),
                status: found.status,
            });
        }
        match room {
            Some(room) if found.room_number.as_ref() != Some(room) => Err(FlowError::Validation(format!(
                "reservation {reservation} is not in room {room}"
            ))),
            _ => Ok(()),
        }
    }
}
