//! Notifications: webhook delivery to a local receiver, event triggers, and
//! alerts from polling and reconciliation against the simulators.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{TimeZone, Utc};
use pms_core::{
    Change, Clock, DateRange, EventId, EventSource, ExternalRef, PmsEvent, PmsKind, ReservationStatus,
    RoomNumber, VendorId,
};
use pms_flows::{
    CheckInFlow, CheckInInput, FlowError, MemoryNotifier, Notification, Notifier, WebhookEnvelope,
    WebhookNotifier, forward_events, poll_with_alerts, reconcile_with_alerts,
};
use pms_sync::crypto::Cipher;
use pms_sync::{HotelSync, Mirror, PollSettings};
use serde_json::Value;
use support::{Harness, hotel, vendors};

type Received = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A webhook receiver on 127.0.0.1: `/ok` stores and answers 204, `/fail` answers 503.
async fn receiver() -> (String, Received) {
    async fn ok(State(seen): State<Received>, headers: HeaderMap, body: String) -> StatusCode {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        seen.lock()
            .unwrap()
            .push((auth, serde_json::from_str(&body).unwrap()));
        StatusCode::NO_CONTENT
    }
    let seen: Received = Arc::default();
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/fail", post(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

fn reservation_ref(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
}

#[tokio::test]
async fn the_webhook_notifier_posts_a_small_json_envelope_to_the_receiver() {
    let (base, seen) = receiver().await;
    let notifier = WebhookNotifier::new(format!("{base}/ok"))
        .unwrap()
        .with_bearer("hook-secret");
    assert!(!format!("{notifier:?}").contains("hook-secret"));
    let overdue = Notification::HousekeepingOverdue {
        hotel: hotel(),
        task: uuid::Uuid::from_u128(5),
        room: RoomNumber::new("101").unwrap(),
        task_kind: "clean".into(),
        due_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
    };
    let created = Notification::ReservationCreated {
        hotel: hotel(),
        reservation: reservation_ref("res-1"),
    };
    notifier.notify(&overdue).await.unwrap();
    notifier.notify(&created).await.unwrap();
    notifier.notify(&overdue).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].0.as_deref(), Some("Bearer hook-secret"));
    let first: WebhookEnvelope = serde_json::from_value(seen[0].1.clone()).unwrap();
    assert_eq!(first.notification, overdue);
    assert!(first.alert);
    assert_eq!(seen[0].1["notification"]["type"], "housekeeping_overdue");
    assert_eq!(seen[0].1["notification"]["room"], "101");
    assert_eq!(seen[1].1["notification"]["type"], "reservation_created");
    assert_eq!(seen[1].1["alert"], false);
    assert_eq!(
        seen[1].1["notification"]["reservation"],
        serde_json::json!({"pms": "mews", "id": "res-1"})
    );
    // Same content, same id: the receiver can dedupe a redelivery.
    assert_eq!(seen[0].1["id"], seen[2].1["id"]);
    assert_ne!(seen[0].1["id"], seen[1].1["id"]);
}

#[tokio::test]
async fn a_failing_or_unreachable_receiver_is_an_error() {
    let (base, _) = receiver().await;
    let n = Notification::ReservationCancelled {
        hotel: hotel(),
        reservation: reservation_ref("res-2"),
    };
    let err = WebhookNotifier::new(format!("{base}/fail"))
        .unwrap()
        .notify(&n)
        .await
        .unwrap_err();
    assert!(err.0.contains("503"), "{err}");
    // A closed port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/ok", listener.local_addr().unwrap());
    drop(listener);
    assert!(WebhookNotifier::new(dead).unwrap().notify(&n).await.is_err());
}

fn event(n: u8, change: Change) -> PmsEvent {
    PmsEvent {
        id: EventId::new(format!("e{n}")),
        hotel: hotel(),
        occurred_at: Utc::now(),
        source: EventSource::Poll,
        change,
    }
}

#[tokio::test]
async fn reservation_events_trigger_notifications_and_others_do_not() {
    let (tx, rx) = tokio::sync::broadcast::channel(16);
    let memory = MemoryNotifier::new();
    let task = tokio::spawn(forward_events(rx, hotel(), Arc::new(memory.clone())));
    let r = reservation_ref("res-3");
    tx.send(event(
        1,
        Change::ReservationCreated {
            reservation: r.clone(),
        },
    ))
    .unwrap();
    tx.send(event(
        2,
        Change::ReservationStatusChanged {
            reservation: r.clone(),
            status: Some(ReservationStatus::CheckedIn),
        },
    ))
    .unwrap();
    tx.send(event(
        3,
        Change::GuestUpdated {
            guest: reservation_ref("guest-1"),
        },
    ))
    .unwrap();
    tx.send(event(
        4,
        Change::ReservationCancelled {
            reservation: r.clone(),
        },
    ))
    .unwrap();
    drop(tx);
    task.await.unwrap();
    let kinds: Vec<_> = memory.sent().iter().map(Notification::kind).collect();
    assert_eq!(
        kinds,
        [
            "reservation_created",
            "reservation_changed",
            "reservation_cancelled"
        ]
    );
}

#[tokio::test]
async fn polling_the_pms_notifies_changes_and_alerts_failures() {
    for vendor in vendors().await {
        let _scope = vendor.scope();
        let h = Harness::new(vendor.client.clone()).await;
        let sync = HotelSync::new(
            hotel(),
            vendor.client.clone(),
            Mirror::new(h.store.clone(), Arc::new(Cipher::random())),
            h.clock.clone(),
            PollSettings::default(),
        );
        let memory = MemoryNotifier::new();
        let forwarder = tokio::spawn(forward_events(
            sync.subscribe(),
            hotel(),
            Arc::new(memory.clone()),
        ));
        let alerts = MemoryNotifier::new();

        let first = poll_with_alerts(&sync, &alerts).await.unwrap();
        assert!(first.changed > 0);

        // A check-in through our flow changes one reservation in the PMS.
        let reservation = vendor.arriving_ready(0);
        CheckInFlow::new(h.ctx.clone(), h.keys.clone())
            .run(&CheckInInput::new(reservation.clone()))
            .await
            .unwrap();
        h.clock.set(Utc::now() + chrono::Duration::seconds(2));
        let second = poll_with_alerts(&sync, &alerts).await.unwrap();
        assert_eq!(second.changed, 1);

        // The PMS fails: the poll error is alerted.
        vendor.sim().faults().update(|f| f.error_5xx = 1.0);
        let err = poll_with_alerts(&sync, &alerts).await.unwrap_err();
        assert!(matches!(err, FlowError::Pms(_)), "{err:?}");
        vendor.sim().faults().update(|f| f.error_5xx = 0.0);
        let failed = alerts.of_kind("ingestion_failed");
        assert_eq!(failed.len(), 1);
        assert!(matches!(&failed[0], Notification::IngestionFailed { channel, .. } if channel == "poll"));

        // Drift: the mirror loses a record; reconciliation finds and alerts it.
        let today = h.clock.now().with_timezone(&pms_sim::TIME_ZONE).date_naive();
        reconcile_with_alerts(&sync, DateRange::day(today), &alerts)
            .await
            .unwrap();
        let before = alerts.of_kind("drift").len();
        vendor
            .sim()
            .state()
            .with_hotel_mut(|hotel| {
                let room = hotel.rooms[0].id;
                hotel.set_room_states(&[(room, pms_sim::RoomState::OutOfService)], Utc::now())
            })
            .unwrap();
        let report = reconcile_with_alerts(&sync, DateRange::day(today), &alerts)
            .await
            .unwrap();
        assert!(report.total() > 0);
        assert_eq!(alerts.of_kind("drift").len(), before + 1);

        // Closing the event stream lets the forwarder drain it and stop.
        drop(sync);
        forwarder.await.unwrap();
        let changed: Vec<_> = memory
            .of_kind("reservation_changed")
            .into_iter()
            .filter(|n| matches!(n, Notification::ReservationChanged { reservation: r, .. } if r.id == reservation))
            .collect();
        assert_eq!(changed.len(), 1, "the check-in was notified once");
        assert!(memory.of_kind("reservation_created").len() >= first.changed);
    }
}
