//! Outgoing Mews General webhooks to a tiny receiver: envelope and token,
//! drop, duplicate, reorder, and the three-attempt retry policy.

// The receiver helpers panic on failure: that is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use common::{call, start};
use pms_sim::{SimHandle, WebhookConfig};
use serde_json::{Value, json};
use uuid::Uuid;

/// One received webhook: its query parameters and body.
type Received = (HashMap<String, String>, Value);

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer, in order; 200 once exhausted.
    script: Arc<Mutex<Vec<u16>>>,
}

async fn receive(
    State(rx): State<Receiver>,
    Query(query): Query<HashMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> StatusCode {
    rx.received.lock().unwrap().push((query, body));
    let mut script = rx.script.lock().unwrap();
    let status = if script.is_empty() { 200 } else { script.remove(0) };
    StatusCode::from_u16(status).unwrap()
}

async fn receiver(script: Vec<u16>) -> (Receiver, String) {
    let rx = Receiver {
        script: Arc::new(Mutex::new(script)),
        ..Receiver::default()
    };
    let app = Router::new().route("/hook", post(receive)).with_state(rx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rx, url)
}

async fn touch_rooms(sim: &SimHandle, n: usize) -> Vec<Uuid> {
    let rooms: Vec<Uuid> = sim
        .state()
        .with_hotel(|h| h.rooms.iter().take(n).map(|r| r.id).collect());
    for room in &rooms {
        let reply = call(
            sim,
            "resources/update",
            json!({ "ResourceUpdates": [{ "ResourceId": room, "State": { "Value": "Clean" } }] }),
        )
        .await;
        assert_eq!(reply.status, 200);
    }
    rooms
}

fn event_ids(received: &[Received]) -> Vec<Value> {
    received
        .iter()
        .map(|(_, body)| body["Events"][0]["Value"]["Id"].clone())
        .collect()
}

#[tokio::test]
async fn delivers_the_general_envelope_with_the_token_on_the_url() {
    let sim = start().await;
    let (rx, url) = receiver(vec![]).await;
    sim.webhooks().register(&url, "s3cret").unwrap();
    let rooms = touch_rooms(&sim, 1).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let received = rx.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (query, body) = &received[0];
    assert_eq!(query.get("Token").map(String::as_str), Some("s3cret"));
    let enterprise = sim.state().with_hotel(|h| h.property.id);
    assert_eq!(body["EnterpriseId"], json!(enterprise));
    assert!(body["IntegrationId"].is_string());
    assert_eq!(
        body["Events"],
        json!([{ "Discriminator": "ResourceUpdated", "Value": { "Id": rooms[0] } }])
    );

    // A check-in produces a ServiceOrderUpdated for the reservation.
    let stay = sim.state().with_hotel(|h| {
        let today = h.business_date(chrono::Utc::now());
        h.reservations
            .iter()
            .find(|r| {
                r.state == pms_sim::ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id
                        .and_then(|id| h.room(id))
                        .is_some_and(|room| room.state == pms_sim::RoomState::Inspected)
            })
            .unwrap()
            .id
    });
    assert_eq!(
        call(&sim, "reservations/start", json!({ "ReservationId": stay }))
            .await
            .status,
        200
    );
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let last = rx.received.lock().unwrap().last().unwrap().1.clone();
    assert_eq!(
        last["Events"][0],
        json!({ "Discriminator": "ServiceOrderUpdated", "Value": { "Id": stay } })
    );
}

#[tokio::test]
async fn dropped_messages_never_arrive_and_drop_rates_hold_statistically() {
    let sim = start().await;
    let (rx, url) = receiver(vec![]).await;
    sim.webhooks().register(&url, "t").unwrap();
    sim.webhooks().set(WebhookConfig {
        drop: 1.0,
        ..WebhookConfig::default()
    });
    touch_rooms(&sim, 3).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    assert!(rx.received.lock().unwrap().is_empty());
    assert_eq!(sim.webhooks().stats().dropped, 3);

    sim.webhooks().set(WebhookConfig {
        seed: 5,
        drop: 0.5,
        ..WebhookConfig::default()
    });
    touch_rooms(&sim, 20).await;
    touch_rooms(&sim, 20).await;
    assert!(sim.webhooks().settle(Duration::from_secs(10)).await);
    let arrived = rx.received.lock().unwrap().len();
    // 40 messages at 50%: sigma ~3.2; bounds are > 3 sigma.
    assert!((8..=32).contains(&arrived), "arrived {arrived}");
    assert_eq!(arrived + sim.webhooks().stats().dropped, 43);
}

#[tokio::test]
async fn duplicated_messages_arrive_twice() {
    let sim = start().await;
    let (rx, url) = receiver(vec![]).await;
    sim.webhooks().register(&url, "t").unwrap();
    sim.webhooks().set(WebhookConfig {
        duplicate: 1.0,
        ..WebhookConfig::default()
    });
    let rooms = touch_rooms(&sim, 2).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let ids = event_ids(&rx.received.lock().unwrap());
    assert_eq!(
        ids,
        vec![json!(rooms[0]), json!(rooms[0]), json!(rooms[1]), json!(rooms[1])]
    );
    assert_eq!(sim.webhooks().stats().duplicated, 2);
}

#[tokio::test]
async fn reordered_messages_arrive_after_the_next_one() {
    let sim = start().await;
    let (rx, url) = receiver(vec![]).await;
    sim.webhooks().register(&url, "t").unwrap();
    sim.webhooks().set(WebhookConfig {
        reorder: 1.0,
        ..WebhookConfig::default()
    });
    let rooms = touch_rooms(&sim, 2).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    assert_eq!(
        event_ids(&rx.received.lock().unwrap()),
        vec![json!(rooms[1]), json!(rooms[0])]
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_then_abandoned_after_three_attempts() {
    let sim = start().await;
    // First message: fails once, then succeeds. Second: fails three times.
    let (rx, url) = receiver(vec![500, 200, 503, 500, 404]).await;
    sim.webhooks().register(&url, "t").unwrap();
    sim.webhooks().set(WebhookConfig {
        retry_delay: Duration::from_millis(20),
        ..WebhookConfig::default()
    });
    touch_rooms(&sim, 1).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    touch_rooms(&sim, 1).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let stats = sim.webhooks().stats();
    assert_eq!(stats.delivered, 1);
    assert_eq!(stats.abandoned, 1);
    assert_eq!(stats.failed_attempts, 4);
    let attempts: Vec<u32> = sim.webhooks().attempts().iter().map(|a| a.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 1, 2, 3]);
    assert_eq!(rx.received.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn a_receiver_that_never_answers_counts_as_a_failure() {
    let sim = start().await;
    // Nothing listens on this port once the listener is dropped.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    sim.webhooks()
        .register(&format!("http://127.0.0.1:{port}/hook"), "t")
        .unwrap();
    sim.webhooks().set(WebhookConfig {
        retry_delay: Duration::from_millis(10),
        ..WebhookConfig::default()
    });
    touch_rooms(&sim, 1).await;
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    assert_eq!(sim.webhooks().stats().abandoned, 1);
    assert!(sim.webhooks().attempts().iter().all(|a| a.status.is_none()));
}
