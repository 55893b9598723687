#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use pms_core::{Clock, ErrorKind, HotelId};
use pms_sync::store::JournalState;
use pms_sync::{PostCharge, RetryPolicy, SyncError};
use support::{FakePms, Harness, Script, charge};

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

#[tokio::test]
async fn a_replay_returns_the_stored_outcome_without_calling_the_pms() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::Ok]);
    let journal = h.journal("w1", RetryPolicy::default());
    let request = PostCharge(charge("12.50"));
    let first = journal.execute(&hotel(), &pms, &request).await.unwrap();
    let again = journal.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(pms.posted(), 1);
    assert_eq!(pms.calls(), (1, 0));
    let entry = h.store.journal_get(request.0.request_id).await.unwrap().unwrap();
    assert_eq!((entry.state, entry.attempts), (JournalState::Succeeded, 1));
}

#[tokio::test]
async fn the_same_id_with_another_body_is_refused() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[]);
    let journal = h.journal("w1", RetryPolicy::default());
    let request = charge("12.50");
    journal
        .execute(&hotel(), &pms, &PostCharge(request.clone()))
        .await
        .unwrap();
    let mut tampered = request.clone();
    tampered.unit_amount.amount += rust_decimal::Decimal::ONE;
    let err = journal
        .execute(&hotel(), &pms, &PostCharge(tampered))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::IdempotencyMismatch { request_id } if request_id == request.request_id),
        "{err:?}"
    );
    assert_eq!(pms.posted(), 1);
}

#[tokio::test]
async fn rate_limits_and_transient_failures_retry_with_the_same_id_in_virtual_time() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::RateLimited(7), Script::Transient, Script::Ok]);
    let journal = h.journal("w1", RetryPolicy::default());
    let request = PostCharge(charge("3.00"));
    journal.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(pms.posted(), 1);
    // 429 is resent without a look; the 503 is read back (absent) before the resend.
    assert_eq!(pms.calls(), (3, 1));
    assert!(
        h.sleeper.slept().iter().any(|d| *d >= Duration::from_secs(7)),
        "{:?}",
        h.sleeper.slept()
    );
    let entry = h.store.journal_get(request.0.request_id).await.unwrap().unwrap();
    assert_eq!(entry.attempts, 3);
}

#[tokio::test]
async fn a_timeout_after_the_pms_applied_the_charge_is_read_back_not_resent() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::ApplyThenTimeout]);
    let journal = h.journal("w1", RetryPolicy::default());
    let request = PostCharge(charge("40.00"));
    let posted = journal.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(posted.request_id, request.0.request_id);
    assert_eq!(pms.posted(), 1, "the charge must exist exactly once");
    assert_eq!(pms.calls(), (1, 1));
}

#[tokio::test]
async fn a_definitive_refusal_is_stored_and_replayed() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::Invalid]);
    let journal = h.journal("w1", RetryPolicy::default());
    let request = PostCharge(charge("1.00"));
    let err = journal.execute(&hotel(), &pms, &request).await.unwrap_err();
    assert_eq!(err.pms_kind(), Some(ErrorKind::Validation));
    let replayed = journal.execute(&hotel(), &pms, &request).await.unwrap_err();
    assert!(
        matches!(
            replayed,
            SyncError::Rejected {
                kind: ErrorKind::Validation,
                ..
            }
        ),
        "{replayed:?}"
    );
    assert_eq!(pms.calls(), (1, 0));
}

#[tokio::test]
async fn an_unreadable_outcome_is_left_unknown_and_never_resent() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::ApplyThenTimeout]);
    pms.0.lock().unwrap().find_fails = true;
    let journal = h.journal("w1", RetryPolicy::default());
    let request = PostCharge(charge("9.99"));
    let err = journal.execute(&hotel(), &pms, &request).await.unwrap_err();
    assert!(matches!(err, SyncError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(pms.calls().0, 1);
    let entry = h.store.journal_get(request.0.request_id).await.unwrap().unwrap();
    assert_eq!(entry.state, JournalState::Unknown);
    let unsettled = h.store.journal_unsettled(&hotel(), h.clock.now()).await.unwrap();
    assert_eq!(unsettled.len(), 1);

    // Later the PMS answers again: the replay reads back and finds the charge.
    pms.0.lock().unwrap().find_fails = false;
    journal.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(pms.posted(), 1);
    assert_eq!(pms.calls().0, 1, "resolved by read-back, not by a resend");
}

#[tokio::test]
async fn a_write_in_flight_elsewhere_is_refused_until_its_claim_expires() {
    let h = Harness::new().await;
    let request = PostCharge(charge("5.00"));
    // Worker 1 sent the charge and died before settling it: its claim (60 s) is
    // stored, and the PMS has the charge.
    let pms = FakePms::scripted(&[]);
    let begin = h
        .store
        .journal_begin(pms_sync::store::NewJournalEntry {
            request_id: request.0.request_id,
            hotel: hotel(),
            operation: "post_charge".into(),
            request_hash: sha_of(&request),
            sealed_request: h.cipher.seal(b"{}", b"x").unwrap(),
            key_id: h.cipher.current_key_id().into(),
            owner: "w1".into(),
            claim_ttl: Duration::from_secs(60),
            now: h.clock.now(),
        })
        .await
        .unwrap();
    assert!(matches!(begin, pms_sync::store::JournalBegin::Started(_)));
    h.store
        .journal_attempt(request.0.request_id, h.clock.now())
        .await
        .unwrap();
    pms.post_charge_directly(&request.0);

    let w2 = h.journal("w2", RetryPolicy::default());
    let err = w2.execute(&hotel(), &pms, &request).await.unwrap_err();
    assert!(matches!(err, SyncError::InFlight { .. }), "{err:?}");

    h.clock.advance(chrono::Duration::seconds(61));
    w2.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(pms.posted(), 1, "taken over by read-back, not resent");
    assert_eq!(pms.calls(), (0, 1));
}

fn sha_of(request: &PostCharge) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(serde_json::to_vec(request).unwrap()))
}

#[tokio::test]
async fn exhausted_transient_retries_leave_the_write_for_a_later_replay() {
    let h = Harness::new().await;
    let pms = FakePms::scripted(&[Script::Transient, Script::Transient, Script::Transient]);
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let journal = h.journal("w1", policy);
    let request = PostCharge(charge("2.00"));
    let err = journal.execute(&hotel(), &pms, &request).await.unwrap_err();
    assert!(matches!(err, SyncError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(pms.posted(), 0);
    // The replay reads back (absent) and sends once more.
    journal.execute(&hotel(), &pms, &request).await.unwrap();
    assert_eq!(pms.posted(), 1);
}
