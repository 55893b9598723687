//! Charges, tips, voids, rollback and folio reconciliation against the simulators.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::Utc;
use pms_core::{Capability, ChargeKind, Currency, Error, ErrorKind, Money, PmsKind, VendorId};
use pms_flows::{ChargeFlow, ChargeLine, FlowError, FolioMismatch, Gratuity, Posting};
use pms_sync::AuditAction;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use support::{Harness, vendors};

fn eur(amount: Decimal) -> Money {
    Money::new(amount, Currency::EUR)
}

fn line(description: &str, amount: Decimal) -> ChargeLine {
    ChargeLine {
        kind: ChargeKind::RoomService,
        description: description.into(),
        unit_amount: eur(amount),
        quantity: Decimal::ONE,
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    }
}

fn ticket(key: &str, reservation: &VendorId, lines: Vec<ChargeLine>) -> Posting {
    Posting {
        key: key.into(),
        reservation: reservation.clone(),
        room: None,
        lines,
        gratuity: None,
    }
}

#[tokio::test]
async fn a_hundred_charges_posted_twice_are_on_the_folio_once() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(0);
        let postings: Vec<Posting> = (0..100)
            .map(|i| {
                ticket(
                    &format!("pos-{i}"),
                    &reservation,
                    vec![line("Club sandwich", dec!(12.50))],
                )
            })
            .collect();
        let mut first = Vec::new();
        for posting in &postings {
            first.push(flow.post(posting).await.unwrap());
        }
        for (posting, receipt) in postings.iter().zip(&first) {
            assert_eq!(&flow.post(posting).await.unwrap(), receipt, "{name}: replayed");
        }
        assert_eq!(vendor.write_calls("post_charge"), 100, "{name}");
        let ids: Vec<_> = first.iter().map(|r| r.lines[0].request_id).collect();
        assert!(
            ids.iter().all(|id| vendor.all_lines(*id) == 1),
            "{name}: each charge exactly once"
        );
        assert_eq!(
            h.audit(&reservation, AuditAction::ChargePosted).await.len(),
            100,
            "{name}"
        );

        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{name}: {:?}", report.mismatches);
        assert_eq!(report.live, 100, "{name}");
        assert_eq!(report.expected_total, eur(dec!(1250.00)), "{name}");
        let folio = vendor.client.folio(&reservation).await.unwrap();
        let ours = folio.charges.iter().filter(|c| c.request_id.is_some()).count();
        if vendor.supports(Capability::ChargeReadBack) {
            assert!(report.lines_matched, "{name}");
            assert_eq!(ours, 100, "{name}");
        } else {
            // OPERA: the Invoice does not echo PostCharge's LongInfo, so no
            // folio line names our request; the report says it matched none
            // (and raised no false drift) while the PMS holds each line once.
            assert_eq!(vendor.kind, PmsKind::Opera, "{name}");
            assert!(!report.lines_matched, "{name}");
            assert_eq!(ours, 0, "{name}");
            assert!(h.notifier.of_kind("drift").is_empty(), "{name}");
        }
    }
}

/// A ticket posted for a vendor-neutral void scenario: two lines and a tip.
async fn spa_ticket(
    vendor: &support::Vendor,
    flow: &ChargeFlow,
    reservation: &VendorId,
) -> pms_flows::PostingReceipt {
    let name = vendor.name();
    let mut posting = ticket(
        "spa-17",
        reservation,
        vec![line("Massage 60", dec!(45.00)), line("Sauna", dec!(10.00))],
    );
    posting.room = vendor.client.reservation(reservation).await.unwrap().room_number;
    assert!(posting.room.is_some(), "{name}");
    posting.gratuity = Some(Gratuity {
        amount: eur(dec!(5.00)),
        transaction_code: None,
        outlet: None,
    });
    let receipt = flow.post(&posting).await.unwrap();
    assert_eq!(receipt.total, eur(dec!(60.00)), "{name}");
    assert_eq!(receipt.lines.len(), 3, "{name}: two lines and the tip");
    receipt
}

#[tokio::test]
async fn a_void_reconciles_the_balance() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(1);
        let before = vendor.client.folio(&reservation).await.unwrap().balance;
        let receipt = spa_ticket(&vendor, &flow, &reservation).await;
        let sauna = receipt.lines[1].request_id;

        if !vendor.supports(Capability::VoidCharge) {
            // OPERA OWS has no void: the flow says so, typed, and the PMS is untouched.
            assert_eq!(vendor.kind, PmsKind::Opera, "{name}");
            let err = flow
                .void(&reservation, sauna, "guest disputed")
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    FlowError::Pms(Error::Unsupported {
                        operation: "void_charge",
                        ..
                    })
                ),
                "{name}: {err:?}"
            );
            assert_eq!(vendor.live_lines(sauna), 1, "{name}: still on the folio");
            assert_eq!(vendor.write_calls("void_charge"), 0, "{name}");
            assert!(
                h.audit(&reservation, AuditAction::ChargeVoided).await.is_empty(),
                "{name}"
            );
            let after = vendor.client.folio(&reservation).await.unwrap().balance;
            assert_eq!(after.checked_sub(before).unwrap(), eur(dec!(60.00)), "{name}");
            let report = flow.reconcile(&reservation).await.unwrap();
            assert!(report.is_clean(), "{name}: {:?}", report.mismatches);
            assert_eq!((report.live, report.voided), (3, 0), "{name}");
            assert_eq!(report.expected_total, eur(dec!(60.00)), "{name}");
            continue;
        }

        let void = flow.void(&reservation, sauna, "guest disputed").await.unwrap();
        assert!(!void.already_voided, "{name}");
        assert_eq!(vendor.live_lines(sauna), 0, "{name}");
        assert_eq!(vendor.live_lines(receipt.lines[0].request_id), 1, "{name}");
        // Voiding again is a no-op.
        assert!(
            flow.void(&reservation, sauna, "guest disputed")
                .await
                .unwrap()
                .already_voided,
            "{name}"
        );
        assert_eq!(vendor.write_calls("void_charge"), 1, "{name}");

        let after = vendor.client.folio(&reservation).await.unwrap().balance;
        assert_eq!(after.checked_sub(before).unwrap(), eur(dec!(50.00)), "{name}");
        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{name}: {:?}", report.mismatches);
        assert_eq!((report.live, report.voided), (2, 1), "{name}");
        assert_eq!(report.expected_total, eur(dec!(50.00)), "{name}");
        assert_eq!(report.pms_balance, after, "{name}");
        assert!(h.notifier.of_kind("drift").is_empty(), "{name}");
    }
}

#[tokio::test]
async fn an_ambiguous_charge_is_read_back_or_left_unknown() {
    for kind in support::kinds() {
        let vendor = support::Vendor::with_timeout(kind, 12, std::time::Duration::from_secs(2)).await;
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(0);
        let posting = ticket("late-1", &reservation, vec![line("Espresso", dec!(3.50))]);
        let id = flow.line_request_id(&posting, 0);

        vendor.timeout_after_write(true, std::time::Duration::from_secs(6));
        let result = flow.post(&posting).await;
        vendor.timeout_after_write(false, std::time::Duration::from_secs(6));
        assert_eq!(vendor.all_lines(id), 1, "{name}: applied once");
        assert_eq!(
            vendor.write_outcomes("post_charge"),
            [pms_sim::Outcome::AmbiguousTimeout],
            "{name}: never resent"
        );
        if vendor.supports(Capability::ChargeReadBack) {
            let receipt = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(receipt.lines[0].request_id, id, "{name}");
            // Read back, and voidable like any other line (Cloudbeds: by the
            // soldProductID when the read-back names it only by transactionID).
            let void = flow.void(&reservation, id, "wrong table").await;
            if vendor.kind == PmsKind::Cloudbeds {
                // The post's answer was lost, so the flow only has the
                // transactionID getTransactions gives, which postVoidItem does
                // not take: typed Unsupported, nothing voided.
                assert!(
                    matches!(
                        void,
                        Err(FlowError::Refused {
                            operation: "void_charge",
                            kind: ErrorKind::Unsupported,
                            ..
                        })
                    ),
                    "{name}: {void:?}"
                );
                assert_eq!(vendor.live_lines(id), 1, "{name}");
                assert_eq!(vendor.write_calls("void_charge"), 0, "{name}");
            } else {
                void.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(vendor.live_lines(id), 0, "{name}");
            }
        } else {
            // OPERA without read-back: the outcome stays unknown, surfaced as
            // such, and a rerun does not post it again.
            assert!(
                matches!(
                    result,
                    Err(FlowError::OutcomeUnknown {
                        operation: "post_charge",
                        ..
                    })
                ),
                "{name}: {result:?}"
            );
            let again = flow.post(&posting).await;
            assert!(
                matches!(
                    again,
                    Err(FlowError::OutcomeUnknown {
                        operation: "post_charge",
                        ..
                    })
                ),
                "{name}: {again:?}"
            );
            assert_eq!(vendor.all_lines(id), 1, "{name}: still once");
            assert_eq!(vendor.write_calls("post_charge"), 1, "{name}");
        }
    }
}

#[tokio::test]
async fn a_line_refused_mid_posting_rolls_the_earlier_lines_back() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(2);
        let mut bad = line("Wine", dec!(38.00));
        vendor.make_refused(&mut bad);
        let posting = ticket(
            "dinner-4",
            &reservation,
            vec![line("Soup", dec!(9.00)), line("Steak", dec!(32.00)), bad],
        );
        let err = flow.post(&posting).await.unwrap_err();
        let refused = |cause: &FlowError| {
            matches!(
                cause,
                FlowError::Refused {
                    kind: ErrorKind::Validation,
                    ..
                }
            )
        };
        if !vendor.supports(Capability::VoidCharge) {
            // OPERA: the refusal cannot be rolled back; the flow says which
            // lines stay posted and alerts drift, it does not pretend.
            assert_eq!(vendor.kind, PmsKind::Opera, "{name}");
            match &err {
                FlowError::RollbackIncomplete {
                    failed_line: 2,
                    still_posted,
                    ..
                } => assert_eq!(
                    still_posted[..],
                    [
                        flow.line_request_id(&posting, 1),
                        flow.line_request_id(&posting, 0)
                    ],
                    "{name}"
                ),
                other => panic!("{name}: {other:?}"),
            }
            for index in 0..2 {
                assert_eq!(
                    vendor.live_lines(flow.line_request_id(&posting, index)),
                    1,
                    "{name}: line {index}"
                );
            }
            assert_eq!(vendor.all_lines(flow.line_request_id(&posting, 2)), 0, "{name}");
            assert_eq!(vendor.write_calls("void_charge"), 0, "{name}");
            assert_eq!(h.notifier.of_kind("drift").len(), 1, "{name}");
            continue;
        }
        match &err {
            FlowError::PostingRolledBack {
                failed_line: 2,
                voided: 2,
                cause,
                ..
            } => assert!(refused(cause), "{name}: {cause:?}"),
            other => panic!("{name}: {other:?}"),
        }
        for index in 0..3 {
            assert_eq!(
                vendor.live_lines(flow.line_request_id(&posting, index)),
                0,
                "{name}: line {index}"
            );
        }
        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{name}: {:?}", report.mismatches);
        assert_eq!((report.live, report.voided), (0, 2), "{name}");

        // Retrying the same ticket replays the refusal and the (idempotent) rollback.
        let voids = vendor.write_calls("void_charge");
        assert_eq!(voids, 2, "{name}");
        assert!(
            matches!(
                flow.post(&posting).await,
                Err(FlowError::PostingRolledBack { .. })
            ),
            "{name}"
        );
        assert_eq!(vendor.write_calls("void_charge"), voids, "{name}");
    }
}

#[tokio::test]
async fn charges_are_validated_before_anything_is_posted() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        // A stay that has not arrived yet.
        let arriving = vendor.arriving_ready(0);
        let err = flow
            .post(&ticket("rs-1", &arriving, vec![line("Tea", dec!(4.00))]))
            .await
            .unwrap_err();
        assert!(matches!(err, FlowError::NotEligible { .. }), "{name}: {err:?}");

        let in_house = vendor.in_house(0);
        let mut usd = line("Tea", dec!(4.00));
        usd.unit_amount = Money::new(dec!(4.00), Currency::USD);
        let mixed = ticket("rs-2", &in_house, vec![line("Tea", dec!(4.00)), usd]);
        assert!(
            matches!(flow.post(&mixed).await, Err(FlowError::Validation(_))),
            "{name}"
        );
        let negative = ticket("rs-3", &in_house, vec![line("Refund", dec!(-4.00))]);
        assert!(
            matches!(flow.post(&negative).await, Err(FlowError::Validation(_))),
            "{name}"
        );
        let mut wrong_room = ticket("rs-5", &in_house, vec![line("Tea", dec!(4.00))]);
        wrong_room.room = Some(pms_core::RoomNumber::new("no-such-room").unwrap());
        assert!(
            matches!(flow.post(&wrong_room).await, Err(FlowError::Validation(_))),
            "{name}"
        );
        let missing = vendor.missing_reservation();
        let err = flow
            .post(&ticket("rs-4", &missing, vec![line("Tea", dec!(4.00))]))
            .await
            .unwrap_err();
        assert!(matches!(err, FlowError::NotFound(_)), "{name}: {err:?}");
        assert_eq!(vendor.write_calls("post_charge"), 0, "{name}");
    }
}

#[tokio::test]
async fn a_line_voided_behind_our_back_is_reported_as_drift() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let name = vendor.name();
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(3);
        let receipt = flow
            .post(&ticket(
                "bar-9",
                &reservation,
                vec![line("Gin tonic", dec!(11.00))],
            ))
            .await
            .unwrap();
        let id = receipt.lines[0].request_id;
        // Someone voids it in the PMS directly.
        vendor.void_behind_our_back(id);
        assert_eq!(vendor.live_lines(id), 0, "{name}");
        let report = flow.reconcile(&reservation).await.unwrap();
        assert_eq!(
            report.lines_matched,
            vendor.supports(Capability::ChargeReadBack),
            "{name}"
        );
        if report.lines_matched {
            assert_eq!(
                report.mismatches,
                [FolioMismatch::Missing { request_id: id }],
                "{name}"
            );
            assert_eq!(h.notifier.of_kind("drift").len(), 1, "{name}");
        } else {
            // OPERA: lines cannot be matched to our postings, so this drift is
            // invisible to the flow; the report says it could not look.
            assert_eq!(vendor.kind, PmsKind::Opera, "{name}");
            assert!(report.mismatches.is_empty(), "{name}");
            assert!(h.notifier.of_kind("drift").is_empty(), "{name}");
        }
    }
}
