//! Charges, tips, voids, rollback and folio reconciliation against the simulators.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::Utc;
use pms_core::{ChargeKind, Currency, ErrorKind, Money, VendorId};
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
            assert_eq!(&flow.post(posting).await.unwrap(), receipt, "replayed");
        }
        assert_eq!(vendor.write_calls("post_charge"), 100);
        let ids: Vec<_> = first.iter().map(|r| r.lines[0].request_id).collect();
        assert!(
            ids.iter().all(|id| vendor.all_lines(*id) == 1),
            "each charge exactly once"
        );
        assert_eq!(h.audit(&reservation, AuditAction::ChargePosted).await.len(), 100);

        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.mismatches);
        assert_eq!(report.live, 100);
        assert_eq!(report.expected_total, eur(dec!(1250.00)));
        let folio = vendor.client.folio(&reservation).await.unwrap();
        assert_eq!(
            folio.charges.iter().filter(|c| c.request_id.is_some()).count(),
            100
        );
    }
}

#[tokio::test]
async fn a_void_reconciles_the_balance() {
    for vendor in vendors().await {
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(1);
        let before = vendor.client.folio(&reservation).await.unwrap().balance;
        let mut posting = ticket(
            "spa-17",
            &reservation,
            vec![line("Massage 60", dec!(45.00)), line("Sauna", dec!(10.00))],
        );
        posting.room = vendor.client.reservation(&reservation).await.unwrap().room_number;
        assert!(posting.room.is_some());
        posting.gratuity = Some(Gratuity {
            amount: eur(dec!(5.00)),
            transaction_code: None,
            outlet: None,
        });
        let receipt = flow.post(&posting).await.unwrap();
        assert_eq!(receipt.total, eur(dec!(60.00)));
        assert_eq!(receipt.lines.len(), 3, "two lines and the tip");

        let sauna = receipt.lines[1].request_id;
        let void = flow.void(&reservation, sauna, "guest disputed").await.unwrap();
        assert!(!void.already_voided);
        assert_eq!(vendor.live_lines(sauna), 0);
        // Voiding again is a no-op.
        assert!(
            flow.void(&reservation, sauna, "guest disputed")
                .await
                .unwrap()
                .already_voided
        );
        assert_eq!(vendor.write_calls("void_charge"), 1);

        let after = vendor.client.folio(&reservation).await.unwrap().balance;
        assert_eq!(after.checked_sub(before).unwrap(), eur(dec!(50.00)));
        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.mismatches);
        assert_eq!((report.live, report.voided), (2, 1));
        assert_eq!(report.expected_total, eur(dec!(50.00)));
        assert_eq!(report.pms_balance, after);
        assert!(h.notifier.of_kind("drift").is_empty());
    }
}

#[tokio::test]
async fn a_line_refused_mid_posting_rolls_the_earlier_lines_back() {
    for vendor in vendors().await {
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        let reservation = vendor.in_house(2);
        let mut bad = line("Wine", dec!(38.00));
        bad.outlet = Some(vendor.unknown_outlet());
        let posting = ticket(
            "dinner-4",
            &reservation,
            vec![line("Soup", dec!(9.00)), line("Steak", dec!(32.00)), bad],
        );
        let err = flow.post(&posting).await.unwrap_err();
        match &err {
            FlowError::PostingRolledBack {
                failed_line: 2,
                voided: 2,
                cause,
                ..
            } => assert!(
                matches!(
                    **cause,
                    FlowError::Refused {
                        kind: ErrorKind::Validation,
                        ..
                    }
                ),
                "{cause:?}"
            ),
            other => panic!("{other:?}"),
        }
        for index in 0..3 {
            assert_eq!(
                vendor.live_lines(flow.line_request_id(&posting, index)),
                0,
                "line {index}"
            );
        }
        let report = flow.reconcile(&reservation).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.mismatches);
        assert_eq!((report.live, report.voided), (0, 2));

        // Retrying the same ticket replays the refusal and the (idempotent) rollback.
        let voids = vendor.write_calls("void_charge");
        assert!(matches!(
            flow.post(&posting).await,
            Err(FlowError::PostingRolledBack { .. })
        ));
        assert_eq!(vendor.write_calls("void_charge"), voids);
    }
}

#[tokio::test]
async fn charges_are_validated_before_anything_is_posted() {
    for vendor in vendors().await {
        let h = Harness::new(vendor.client.clone()).await;
        let flow = ChargeFlow::new(h.ctx.clone());
        // A stay that has not arrived yet.
        let arriving = vendor.arriving_ready(0);
        let err = flow
            .post(&ticket("rs-1", &arriving, vec![line("Tea", dec!(4.00))]))
            .await
            .unwrap_err();
        assert!(matches!(err, FlowError::NotEligible { .. }), "{err:?}");

        let in_house = vendor.in_house(0);
        let mut usd = line("Tea", dec!(4.00));
        usd.unit_amount = Money::new(dec!(4.00), Currency::USD);
        let mixed = ticket("rs-2", &in_house, vec![line("Tea", dec!(4.00)), usd]);
        assert!(matches!(flow.post(&mixed).await, Err(FlowError::Validation(_))));
        let negative = ticket("rs-3", &in_house, vec![line("Refund", dec!(-4.00))]);
        assert!(matches!(
            flow.post(&negative).await,
            Err(FlowError::Validation(_))
        ));
        let mut wrong_room = ticket("rs-5", &in_house, vec![line("Tea", dec!(4.00))]);
        wrong_room.room = Some(pms_core::RoomNumber::new("no-such-room").unwrap());
        assert!(matches!(
            flow.post(&wrong_room).await,
            Err(FlowError::Validation(_))
        ));
        let missing = VendorId::new(uuid::Uuid::from_u128(42).to_string()).unwrap();
        let err = flow
            .post(&ticket("rs-4", &missing, vec![line("Tea", dec!(4.00))]))
            .await
            .unwrap_err();
        assert!(matches!(err, FlowError::NotFound(_)), "{err:?}");
        assert_eq!(vendor.write_calls("post_charge"), 0);
    }
}

#[tokio::test]
async fn a_line_voided_behind_our_back_is_reported_as_drift() {
    for vendor in vendors().await {
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
        let line_id = vendor
            .client
            .find_charge(&reservation, receipt.lines[0].request_id)
            .await
            .unwrap()
            .unwrap()
            .external
            .id;
        // Someone voids it in the PMS directly.
        let uuid = uuid::Uuid::parse_str(line_id.as_str()).unwrap();
        vendor
            .sim()
            .state()
            .with_hotel_mut(|hotel| hotel.void_charges(&[uuid], Utc::now()))
            .unwrap();
        let report = flow.reconcile(&reservation).await.unwrap();
        assert_eq!(
            report.mismatches,
            [FolioMismatch::Missing {
                request_id: receipt.lines[0].request_id
            }]
        );
        assert_eq!(h.notifier.of_kind("drift").len(), 1);
    }
}
