//! Digital check-in and check-out end to end against the simulators.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_core::Clock;
use pms_core::{
    Capability, CardToken, DocumentKind, ErrorKind, IdentityDocument, Money, Pii, ReservationStatus,
};
use pms_flows::{
    BalancePolicy, CheckInFlow, CheckInInput, CheckOutFlow, CheckOutInput, Deactivation, FlowError,
    HoldRequest, IdCheck, Notification, SignedCard, StepOutcome, pending_deactivations,
};
use pms_sim::RoomState;
use pms_sync::AuditAction;
use support::{Harness, Vendor, WithCompliance, vendors};

fn compliance(input: &mut CheckInInput) {
    input.id_check = Some(IdCheck {
        guest: None,
        document: Pii::new(IdentityDocument {
            kind: DocumentKind::Passport,
            number: "X1234567".into(),
            issuing_country: Some("DE".into()),
            expires_on: None,
        }),
        verified_at: Utc::now(),
    });
    input.signature = Some(SignedCard {
        document_sha256: "ab".repeat(32),
        signed_at: Utc::now(),
    });
    input.card_hold = Some(HoldRequest {
        card: CardToken::new("tok_visa_4242"),
        amount: Money::parse("150.00", pms_core::Currency::EUR).unwrap(),
    });
}

#[tokio::test]
async fn a_refused_check_in_activates_no_key() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        vendor.set_room_of(&reservation, RoomState::Dirty);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());

        let err = flow
            .run(&CheckInInput::new(reservation.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                FlowError::Refused {
                    operation: "check_in",
                    kind: ErrorKind::Conflict,
                    ..
                }
            ),
            "{:?}: {err:?}",
            vendor.kind
        );
        assert_eq!(h.keys.activations(), 0);
        assert!(h.keys.active().is_empty());
        assert_eq!(vendor.status(&reservation), ReservationStatus::Confirmed);
        let audited = h.audit(&reservation, AuditAction::CheckedIn).await;
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0]["outcome"], "refused");
        assert!(h.audit(&reservation, AuditAction::KeyActivated).await.is_empty());

        // The same attempt replays the refusal without calling the PMS again.
        let calls = vendor.write_calls("check_in");
        assert!(flow.run(&CheckInInput::new(reservation.clone())).await.is_err());
        assert_eq!(vendor.write_calls("check_in"), calls);
        assert_eq!(h.keys.activations(), 0);

        // Once the room is ready, a new attempt succeeds and only then is a key issued.
        vendor.set_room_of(&reservation, RoomState::Inspected);
        let mut retry = CheckInInput::new(reservation.clone());
        retry.attempt = 1;
        let outcome = flow.run(&retry).await.unwrap();
        assert_eq!(outcome.keys.len(), 1);
        assert_eq!(h.keys.activations(), 1);
        assert_eq!(vendor.status(&reservation), ReservationStatus::CheckedIn);
    }
}

/// A guest checking in to another room than the one assigned: the flow
/// assigns it in the PMS first (where the PMS can), checks in, and only then
/// cuts the key, for the new room; a vendor that cannot assign refuses the
/// check-in and no key is cut.
#[tokio::test]
async fn checking_in_to_another_room_assigns_it_first() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        let other = vendor.free_room_for(&reservation);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());
        let mut input = CheckInInput::new(reservation.clone());
        input.room = Some(other.clone());

        if !vendor.client.capabilities().supports(Capability::AssignRoom) {
            let err = flow.run(&input).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    FlowError::Refused {
                        operation: "check_in",
                        ..
                    }
                ),
                "{}: {err:?}",
                vendor.name()
            );
            assert_eq!(h.keys.activations(), 0);
            assert_eq!(vendor.status(&reservation), ReservationStatus::Confirmed);
            continue;
        }

        let outcome = flow.run(&input).await.unwrap();
        assert_eq!(outcome.room, other);
        assert_eq!(vendor.status(&reservation), ReservationStatus::CheckedIn);
        let read = vendor.client.reservation(&reservation).await.unwrap();
        assert_eq!(read.room_number.as_ref(), Some(&other), "{}", vendor.name());
        assert_eq!(h.keys.activations(), 1);
        let assigned = h.audit(&reservation, AuditAction::RoomAssigned).await;
        assert_eq!(assigned.len(), 1);
        assert_eq!(assigned[0]["outcome"], "confirmed");
        assert_eq!(assigned[0]["room"], other.as_str());

        // Run again: nothing is assigned, checked in or cut twice.
        flow.run(&input).await.unwrap();
        assert_eq!(h.keys.activations(), 1);
        assert_eq!(h.audit(&reservation, AuditAction::RoomAssigned).await.len(), 1);
    }
}

/// A room the PMS will not give (another stay holds it): the assignment is
/// refused, audited, nothing is checked in and no key is cut.
#[tokio::test]
async fn a_refused_room_assignment_checks_in_nothing() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        if !vendor.client.capabilities().supports(Capability::AssignRoom) {
            continue;
        }
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        let in_house = vendor.in_house(0);
        let taken = vendor
            .client
            .reservation(&in_house)
            .await
            .unwrap()
            .room_number
            .unwrap();
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());
        let mut input = CheckInInput::new(reservation.clone());
        input.room = Some(taken.clone());

        let err = flow.run(&input).await.unwrap_err();
        assert!(
            matches!(
                err,
                FlowError::Refused {
                    operation: "assign_room",
                    ..
                }
            ),
            "{}: {err:?}",
            vendor.name()
        );
        assert_eq!(vendor.status(&reservation), ReservationStatus::Confirmed);
        assert_ne!(
            vendor
                .client
                .reservation(&reservation)
                .await
                .unwrap()
                .room_number
                .as_ref(),
            Some(&taken)
        );
        assert_eq!(h.keys.activations(), 0);
        let assigned = h.audit(&reservation, AuditAction::RoomAssigned).await;
        assert_eq!(assigned.len(), 1);
        assert_eq!(assigned[0]["outcome"], "refused");
    }
}

#[tokio::test]
async fn a_timeout_after_the_check_in_applied_is_read_back_and_the_key_activated_once() {
    for kind in support::kinds() {
        let vendor = Vendor::with_timeout(kind, 11, Duration::from_secs(2)).await;
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());

        vendor.timeout_after_write(true, Duration::from_secs(6));
        let outcome = flow.run(&CheckInInput::new(reservation.clone())).await;
        vendor.timeout_after_write(false, Duration::from_secs(6));
        let outcome = outcome.unwrap_or_else(|e| panic!("{name}: {e:?}"));

        assert_eq!(
            vendor.status(&reservation),
            ReservationStatus::CheckedIn,
            "{name}"
        );
        assert_eq!(
            vendor.write_outcomes("check_in"),
            [pms_sim::Outcome::AmbiguousTimeout],
            "{name}: one check-in, its answer withheld; read back, never resent"
        );
        assert_eq!(outcome.newly_activated.len(), 1, "{name}");
        assert_eq!(h.keys.activations(), 1, "{name}");

        // Running it again replays the journal: no PMS write, no second key.
        let again = flow.run(&CheckInInput::new(reservation.clone())).await.unwrap();
        assert!(again.newly_activated.is_empty(), "{name}");
        assert_eq!(again.keys, outcome.keys, "{name}");
        assert_eq!(h.keys.activations(), 1, "{name}");
        assert_eq!(vendor.write_calls("check_in"), 1, "{name}");
    }
}

#[tokio::test]
async fn an_unknown_check_in_outcome_activates_no_key() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let client = Arc::new(WithCompliance::new(vendor.client.clone()));
        client
            .lose_check_in
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let h = Harness::new(client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());

        let err = flow
            .run(&CheckInInput::new(reservation.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                FlowError::OutcomeUnknown {
                    operation: "check_in",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(h.keys.activations(), 0);
        assert!(h.audit(&reservation, AuditAction::KeyActivated).await.is_empty());
        assert_eq!(
            h.audit(&reservation, AuditAction::CheckedIn).await[0]["outcome"],
            "unknown"
        );
        let unsettled = h
            .store
            .journal_unsettled(&support::hotel(), h.clock.now())
            .await
            .unwrap();
        assert_eq!(unsettled.len(), 1, "left for read-back");
    }
}

#[tokio::test]
async fn checking_in_twice_places_one_hold_and_activates_one_key() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let client = Arc::new(WithCompliance::new(vendor.client.clone()));
        let h = Harness::new(client.clone()).await;
        let reservation = vendor.arriving_ready(1);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());
        let mut input = CheckInInput::new(reservation.clone());
        compliance(&mut input);

        let first = flow.run(&input).await.unwrap();
        let second = flow.run(&input).await.unwrap();

        assert_eq!(client.holds(), 1, "one hold");
        assert_eq!(*client.documents.lock().unwrap(), 1);
        assert_eq!(*client.signatures.lock().unwrap(), 1);
        assert_eq!(h.keys.activations(), 1, "one key activation");
        assert_eq!(first.keys, second.keys);
        assert_eq!(first.card_hold, StepOutcome::StoredInPms);
        assert_eq!(second.hold, first.hold, "the hold is replayed from the journal");
        assert!(second.already_checked_in);
        assert_eq!(vendor.write_calls("check_in"), 1);
        for action in [
            AuditAction::IdVerified,
            AuditAction::SignatureCaptured,
            AuditAction::CardHoldPlaced,
            AuditAction::CheckedIn,
            AuditAction::KeyActivated,
        ] {
            assert_eq!(h.audit(&reservation, action).await.len(), 1, "{action:?}");
        }
    }
}

#[tokio::test]
async fn compliance_steps_the_vendor_cannot_store_are_audited_without_pii() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(2);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());
        let mut input = CheckInInput::new(reservation.clone());
        compliance(&mut input);
        let outcome = flow.run(&input).await.unwrap();
        // Mews stores none of them.
        assert_eq!(
            (outcome.id_check, outcome.signature, outcome.card_hold),
            (
                StepOutcome::AuditOnly,
                StepOutcome::AuditOnly,
                StepOutcome::AuditOnly
            )
        );
        flow.run(&input).await.unwrap();
        let id = h.audit(&reservation, AuditAction::IdVerified).await;
        assert_eq!(id.len(), 1);
        assert_eq!(id[0]["stored_in_pms"], false);
        let entries = h.store.audit_query(&Default::default()).await.unwrap();
        let all = serde_json::to_string(&entries).unwrap();
        for secret in ["X1234567", "tok_visa_4242"] {
            assert!(!all.contains(secret), "audit leaks {secret}");
        }
        assert!(!format!("{outcome:?}").contains("tok_visa"));
    }
}

#[tokio::test]
async fn check_out_deactivates_keys_retrying_a_failing_key_system() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(0);
        // Issue keys through our check-in (already in house: the PMS confirms idempotently).
        let mut input = CheckInInput::new(reservation.clone());
        input.keys = 2;
        CheckInFlow::new(h.ctx.clone(), h.keys.clone())
            .run(&input)
            .await
            .unwrap();
        assert_eq!(h.keys.active().len(), 2, "{}", vendor.name());
        // Paid at the desk: every PMS accepts the check-out (OPERA refuses an open folio).
        vendor.settle(&reservation);

        h.keys.fail_deactivations(2);
        let flow = CheckOutFlow::new(h.ctx.clone(), h.keys.clone());
        let mut out = CheckOutInput::new(reservation.clone());
        out.policy = BalancePolicy::Warn;
        let outcome = flow.run(&out).await.unwrap();

        assert!(outcome.all_keys_deactivated(), "{:?}", outcome.keys);
        assert!(h.keys.active().is_empty());
        assert_eq!(
            h.keys.deactivation_calls(),
            4,
            "two failures retried, then two successes"
        );
        assert_eq!(
            h.sleeper.slept(),
            [Duration::from_secs(1), Duration::from_secs(2)]
        );
        assert_eq!(vendor.status(&reservation), ReservationStatus::CheckedOut);
        assert!(h.notifier.of_kind("key_deactivation_failed").is_empty());
    }
}

#[tokio::test]
async fn a_key_that_will_not_deactivate_is_recorded_alerted_and_finished_later() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(1);
        CheckInFlow::new(h.ctx.clone(), h.keys.clone())
            .run(&CheckInInput::new(reservation.clone()))
            .await
            .unwrap();
        vendor.settle(&reservation);
        h.keys.fail_deactivations(usize::MAX);
        let flow = CheckOutFlow::new(h.ctx.clone(), h.keys.clone());
        let mut out = CheckOutInput::new(reservation.clone());
        out.policy = BalancePolicy::Warn;
        let outcome = flow.run(&out).await.unwrap();

        assert!(
            matches!(outcome.keys[..], [Deactivation::Pending { attempts: 4, .. }]),
            "{:?}",
            outcome.keys
        );
        assert_eq!(h.keys.deactivation_calls(), 4, "bounded");
        let alerts = h.notifier.of_kind("key_deactivation_failed");
        assert_eq!(alerts.len(), 1);
        assert!(matches!(
            &alerts[0],
            Notification::KeyDeactivationFailed { attempts: 4, .. }
        ));
        let pending = pending_deactivations(&h.ctx).await.unwrap();
        assert_eq!(pending[reservation.as_str()].len(), 1, "durably pending");
        // The guest is checked out regardless.
        assert_eq!(vendor.status(&reservation), ReservationStatus::CheckedOut);

        // A later pass, with the lock system back, finishes the job.
        h.keys.fail_deactivations(0);
        let retried = flow.retry_pending_keys().await.unwrap();
        assert!(
            matches!(retried[..], [Deactivation::Done { attempts: 1, .. }]),
            "{retried:?}"
        );
        assert!(h.keys.active().is_empty());
        assert!(pending_deactivations(&h.ctx).await.unwrap().is_empty());
        // Running the check-out again finds nothing left to do.
        let again = flow.run(&out).await.unwrap();
        assert!(again.keys.is_empty());
    }
}

#[tokio::test]
async fn an_open_balance_is_refused_or_warned_per_policy() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.departing_today(2);
        let owed = vendor.stay_balance(&reservation);
        assert!(owed > rust_decimal::Decimal::ZERO, "{name}");
        let flow = CheckOutFlow::new(h.ctx.clone(), h.keys.clone());

        let err = flow
            .run(&CheckOutInput::new(reservation.clone()))
            .await
            .unwrap_err();
        match err {
            FlowError::OutstandingBalance { outstanding, .. } => {
                assert_eq!(outstanding.amount, owed, "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(vendor.write_calls("check_out"), 0, "{name}");
        assert_eq!(
            vendor.status(&reservation),
            ReservationStatus::CheckedIn,
            "{name}"
        );

        let mut warn = CheckOutInput::new(reservation.clone());
        warn.policy = BalancePolicy::Warn;
        let result = flow.run(&warn).await;
        assert_eq!(vendor.write_calls("check_out"), 1, "{name}: sent once");
        let audited = h.audit(&reservation, AuditAction::CheckedOut).await;
        assert_eq!(audited.len(), 1, "{name}");
        if vendor.kind == pms_core::PmsKind::Opera {
            // OWS CheckOut refuses an open folio (FOLIO_BALANCE_NOT_ZERO): the
            // warning policy cannot override the PMS, and the refusal is typed.
            assert!(
                matches!(
                    result,
                    Err(FlowError::Refused {
                        operation: "check_out",
                        kind: ErrorKind::Conflict,
                        ..
                    })
                ),
                "{name}: {result:?}"
            );
            assert_eq!(audited[0]["outcome"], "refused", "{name}");
            assert_eq!(
                vendor.status(&reservation),
                ReservationStatus::CheckedIn,
                "{name}"
            );
            assert!(
                h.notifier.of_kind("open_balance_at_check_out").is_empty(),
                "{name}"
            );
        } else {
            let outcome = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(outcome.open_balance.map(|m| m.amount), Some(owed), "{name}");
            assert_eq!(
                vendor.status(&reservation),
                ReservationStatus::CheckedOut,
                "{name}"
            );
            assert_eq!(h.notifier.of_kind("open_balance_at_check_out").len(), 1, "{name}");
            assert_eq!(audited[0]["outcome"], "confirmed", "{name}");
        }
    }
}

#[tokio::test]
async fn a_key_the_lock_system_refuses_is_alerted_and_issued_on_a_rerun() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let reservation = vendor.arriving_ready(0);
        let flow = CheckInFlow::new(h.ctx.clone(), h.keys.clone());
        h.keys.0.lock().unwrap().refuse_activations = true;
        let err = flow
            .run(&CheckInInput::new(reservation.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, FlowError::Key(_)), "{err:?}");
        // The PMS check-in stands; the key failure is alerted, not silently dropped.
        assert_eq!(vendor.status(&reservation), ReservationStatus::CheckedIn);
        assert_eq!(h.notifier.of_kind("key_activation_failed").len(), 1);
        assert!(h.audit(&reservation, AuditAction::KeyActivated).await.is_empty());

        h.keys.0.lock().unwrap().refuse_activations = false;
        let outcome = flow.run(&CheckInInput::new(reservation.clone())).await.unwrap();
        assert_eq!(outcome.newly_activated.len(), 1);
        assert_eq!(h.keys.activations(), 1);
        assert_eq!(
            vendor.write_calls("check_in"),
            1,
            "the check-in is replayed, not resent"
        );
    }
}
