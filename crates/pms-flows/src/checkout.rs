//! Check-out: verify the balance per policy, check out through the write
//! journal, and deactivate every digital key of the stay. A key that will
//! not deactivate is retried (bounded), then recorded as pending in the
//! audit log and alerted: never forgotten.

use std::sync::Arc;

use pms_core::{CheckOutRequest, Money, RequestId, ReservationStatus, VendorId};
use pms_sync::{AuditAction, CheckOut};
use serde::Serialize;
use serde_json::json;

use crate::FlowError;
use crate::context::FlowContext;
use crate::keys::{Deactivation, KeyService, stay_keys};
use crate::notify::Notification;

/// What to do when the guest still owes money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancePolicy {
    /// Refuse the check-out with [`FlowError::OutstandingBalance`].
    #[default]
    Refuse,
    /// Check out with the balance open, report it and alert.
    Warn,
}

/// What a check-out is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutInput {
    /// The reservation, in the PMS.
    pub reservation: VendorId,
    /// Balance policy.
    pub policy: BalancePolicy,
    /// Attempt number (0 first); see [`crate::CheckInInput::attempt`].
    pub attempt: u32,
}

impl CheckOutInput {
    /// A check-out refusing an open balance.
    pub fn new(reservation: VendorId) -> Self {
        CheckOutInput {
            reservation,
            policy: BalancePolicy::Refuse,
            attempt: 0,
        }
    }
}

/// What a check-out did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutOutcome {
    /// The reservation.
    pub reservation: VendorId,
    /// The check-out's request id.
    pub request_id: RequestId,
    /// The balance left open (policy [`BalancePolicy::Warn`]), if any.
    pub open_balance: Option<Money>,
    /// What happened to each key that was still active.
    pub keys: Vec<Deactivation>,
}

impl CheckOutOutcome {
    /// Whether every key is confirmed deactivated.
    pub fn all_keys_deactivated(&self) -> bool {
        self.keys.iter().all(|k| matches!(k, Deactivation::Done { .. }))
    }
}

/// The check-out flow.
#[derive(Debug, Clone)]
pub struct CheckOutFlow {
    ctx: FlowContext,
    keys: Arc<dyn KeyService>,
}

impl CheckOutFlow {
    /// A check-out flow deactivating keys through `keys`.
    pub fn new(ctx: FlowContext, keys: Arc<dyn KeyService>) -> Self {
        CheckOutFlow { ctx, keys }
    }

    /// Runs the check-out. Idempotent: a guest already checked out only gets
    /// their remaining keys deactivated.
    pub async fn run(&self, input: &CheckOutInput) -> Result<CheckOutOutcome, FlowError> {
        let ctx = &self.ctx;
        let client = ctx.client.as_ref();
        let res_id = input.reservation.as_str();
        let request_id = ctx.request_id(&["check_out", res_id, &input.attempt.to_string()]);

        let reservation = client.reservation(&input.reservation).await?;
        let mut open_balance = None;
        match reservation.status {
            ReservationStatus::CheckedOut => {}
            ReservationStatus::CheckedIn => {
                let balance = match client.folio(&input.reservation).await {
                    Ok(folio) => folio.balance,
                    Err(err) => reservation.balance.ok_or(err)?,
                };
                if balance.amount > rust_decimal::Decimal::ZERO {
                    match input.policy {
                        BalancePolicy::Refuse => {
                            return Err(FlowError::OutstandingBalance {
                                reservation: input.reservation.clone(),
                                outstanding: balance,
                            });
                        }
                        BalancePolicy::Warn => open_balance = Some(balance),
                    }
                }
                let request = CheckOut(CheckOutRequest {
                    request_id,
                    reservation: input.reservation.clone(),
                    allow_open_balance: open_balance.is_some(),
                });
                if let Err(err) = ctx.journal.execute(&ctx.hotel, client, &request).await {
                    let err = FlowError::from_write("check_out", request_id, err);
                    let result = match &err {
                        FlowError::Refused { kind, .. } => json!({"outcome": "refused", "kind": kind}),
                        FlowError::OutcomeUnknown { .. } => json!({"outcome": "unknown"}),
                        _ => json!({"outcome": "failed"}),
                    };
                    ctx.audit_once(res_id, AuditAction::CheckedOut, request_id, result)
                        .await?;
                    return Err(err);
                }
                ctx.audit_once(
                    res_id,
                    AuditAction::CheckedOut,
                    request_id,
                    json!({"outcome": "confirmed", "open_balance": open_balance}),
                )
                .await?;
                if let Some(outstanding) = open_balance {
                    ctx.alert(Notification::OpenBalanceAtCheckOut {
                        hotel: ctx.hotel.clone(),
                        reservation: input.reservation.to_string(),
                        outstanding,
                    })
                    .await;
                }
            }
            status => {
                return Err(FlowError::NotEligible {
                    reservation: input.reservation.clone(),
                    status,
                });
            }
        }

        // Every key still active goes, whatever happened to the others.
        let stay = stay_keys(ctx, &input.reservation).await?;
        let mut keys = Vec::new();
        for key_id in stay.active() {
            keys.push(
                crate::keys::deactivate_key(ctx, self.keys.as_ref(), &input.reservation, key_id).await?,
            );
        }
        Ok(CheckOutOutcome {
            reservation: input.reservation.clone(),
            request_id,
            open_balance,
            keys,
        })
    }

    /// Retries every pending key deactivation of the hotel; run it periodically.
    pub async fn retry_pending_keys(&self) -> Result<Vec<Deactivation>, FlowError> {
        crate::keys::retry_pending_deactivations(&self.ctx, self.keys.as_ref()).await
    }
}
