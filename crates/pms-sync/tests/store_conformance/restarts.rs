//! Conformance checks for what a crashed or stopped process leaves behind:
//! leases held under a worker's own name by an earlier instance, and journal
//! entries whose outcome is in doubt (claimed by a writer that may be dead).
//! Run on every backend like the checks of the parent file.

use super::*;
use pms_sync::store::{LeaseGrant, LeaseHolder};

conformance!(
    leases_held_by_an_earlier_instance_of_the_same_name_are_taken_back,
    journal_in_doubt_lists_claimed_and_unclaimed_writes_with_their_claims,
);

fn instance(name: &str, instance: &str) -> LeaseOwner {
    LeaseOwner {
        name: name.into(),
        instance: instance.into(),
    }
}

fn holder(name: &str, instance: &str, until: DateTime<Utc>) -> LeaseHolder {
    LeaseHolder {
        owner: name.into(),
        instance: instance.into(),
        expires_at: until,
    }
}

async fn leases_held_by_an_earlier_instance_of_the_same_name_are_taken_back(store: Arc<dyn Store>) {
    let ttl = Duration::from_secs(300);
    let lease = "sync:grand";
    let crashed = instance("pms@host-1", "run-1");
    let restarted = instance("pms@host-1", "run-2");
    let stranger = instance("pms@host-2", "run-9");
    let acquire = |owner: LeaseOwner, take_back, now| {
        let store = store.clone();
        async move {
            store
                .lease_acquire(lease, &owner, take_back, ttl, now)
                .await
                .unwrap()
        }
    };

    assert_eq!(
        acquire(crashed.clone(), TakeBack::OwnName, at(0)).await,
        LeaseGrant::Acquired
    );
    // The first run dies holding the lease (until 300). Another worker waits it out ...
    assert_eq!(
        acquire(stranger.clone(), TakeBack::OwnName, at(10)).await,
        LeaseGrant::Held(holder("pms@host-1", "run-1", at(300)))
    );
    // ... a restarted instance that only renews does not take it ...
    assert_eq!(
        acquire(restarted.clone(), TakeBack::Never, at(10)).await,
        LeaseGrant::Held(holder("pms@host-1", "run-1", at(300)))
    );
    // ... and one asking to take back its own name's lease gets it at once.
    assert_eq!(
        acquire(restarted.clone(), TakeBack::OwnName, at(10)).await,
        LeaseGrant::TakenBack {
            previous: holder("pms@host-1", "run-1", at(300))
        }
    );
    assert_eq!(
        acquire(restarted.clone(), TakeBack::Never, at(20)).await,
        LeaseGrant::Renewed
    );
    // The earlier instance, had it been alive, sees the new one: a name conflict to report.
    assert_eq!(
        acquire(crashed.clone(), TakeBack::Never, at(21)).await,
        LeaseGrant::Held(holder("pms@host-1", "run-2", at(320)))
    );
    assert_eq!(
        acquire(stranger.clone(), TakeBack::OwnName, at(21)).await,
        LeaseGrant::Held(holder("pms@host-1", "run-2", at(320)))
    );

    // A release by the earlier instance frees nothing; the holder's does.
    store.lease_release(lease, &crashed).await.unwrap();
    assert!(!acquire(stranger.clone(), TakeBack::Never, at(22)).await.granted());
    store.lease_release(lease, &restarted).await.unwrap();
    assert_eq!(
        acquire(stranger.clone(), TakeBack::Never, at(23)).await,
        LeaseGrant::Acquired
    );
    // An expired lease is simply acquired, whoever held it.
    assert_eq!(
        acquire(crashed, TakeBack::Never, at(323)).await,
        LeaseGrant::Acquired
    );
}

async fn journal_in_doubt_lists_claimed_and_unclaimed_writes_with_their_claims(store: Arc<dyn Store>) {
    let begin = |id, hotel_id: &'static str, owner: &'static str, created: i64, ttl: u64| {
        let store = store.clone();
        async move {
            let mut entry = intent(id, hotel_id, "h", owner, at(created));
            entry.claim_ttl = Duration::from_secs(ttl);
            started(store.journal_begin(entry).await.unwrap())
        }
    };
    let live = RequestId::new_random();
    let expired = RequestId::new_random();
    let unknown = RequestId::new_random();
    let succeeded = RequestId::new_random();
    let failed = RequestId::new_random();
    let elsewhere = RequestId::new_random();
    // A writer killed at second 0 holds its claim for 120 s.
    begin(live, "grand", "pms@host-1/killed", 0, 120).await;
    begin(expired, "grand", "worker-a", 1, 5).await;
    begin(unknown, "grand", "worker-a", 2, 30).await;
    begin(succeeded, "grand", "worker-a", 3, 30).await;
    begin(failed, "grand", "worker-a", 4, 30).await;
    begin(elsewhere, "harbor", "worker-a", 0, 120).await;
    let settle = |id, state| store.journal_settle(id, state, json!({"s": "x"}), at(5));
    settle(unknown, JournalState::Unknown).await.unwrap();
    settle(succeeded, JournalState::Succeeded).await.unwrap();
    settle(failed, JournalState::Failed).await.unwrap();

    let grand = hotel("grand");
    let in_doubt = store.journal_in_doubt(&grand).await.unwrap();
    let listed: Vec<_> = in_doubt
        .iter()
        .map(|e| (e.request_id, e.state, e.owner.clone(), e.claimed_until))
        .collect();
    assert_eq!(
        listed,
        [
            (
                live,
                JournalState::Pending,
                Some("pms@host-1/killed".to_owned()),
                Some(at(120))
            ),
            (
                expired,
                JournalState::Pending,
                Some("worker-a".to_owned()),
                Some(at(6))
            ),
            (unknown, JournalState::Unknown, None, None),
        ]
    );
    // What replay may take right now leaves the live claim out; the listing does not.
    let unsettled: Vec<_> = store
        .journal_unsettled(&grand, at(10))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.request_id)
        .collect();
    assert_eq!(unsettled, [expired, unknown]);
    assert_eq!(
        store
            .journal_in_doubt(&hotel("harbor"))
            .await
            .unwrap()
            .iter()
            .map(|e| e.request_id)
            .collect::<Vec<_>>(),
        [elsewhere]
    );
}
