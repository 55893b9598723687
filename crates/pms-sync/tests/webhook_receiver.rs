//! The webhook receiver under bad input: every hostile delivery is refused
//! with a 4xx, stores nothing, and the receiver keeps serving.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use pms_core::{HotelId, PmsKind, SystemClock};
use pms_sync::store::Store;
use pms_sync::{
    FnWebhookSource, MAX_WEBHOOK_BYTES, SqliteStore, WebhookRequest, WebhookSource, webhook_router,
};
use secrecy::SecretString;

const TOKEN: &str = "receiver-test-token-8c1d";

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

const GENERAL_WEBHOOK: &str = r#"{
  "EnterpriseId": "851df8c8-90f2-4c4a-8e01-a4fc46b25178",
  "IntegrationId": "c8bee838-7fb1-4f4e-8fac-ac87008b2f90",
  "Events": [
    {"Discriminator": "ServiceOrderUpdated", "Value": {"Id": "bfee2c44-1f84-4326-a862-5289598f6e2d"}},
    {"Discriminator": "ResourceUpdated", "Value": {"Id": "5ee074b1-6c86-48e8-915f-c7aa4702086f"}}
  ]
}"#;

async fn receiver() -> (String, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let token = SecretString::from(TOKEN.to_owned());
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &token)?;
        Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
            .events()
            .to_vec())
    });
    let router = webhook_router(
        store.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, store)
}

async fn post(url: &str, body: impl Into<reqwest::Body>) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stored(store: &Arc<dyn Store>) -> usize {
    store.inbox_pending(&hotel(), 1000).await.unwrap().len()
}

#[tokio::test]
async fn hostile_deliveries_are_refused_and_store_nothing() {
    let (base, store) = receiver().await;
    let good = format!("{base}/webhooks/grand?Token={TOKEN}");
    let nested = format!(r#"{{"Events":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, String, Vec<u8>, u16)> = vec![
        (
            "no token",
            format!("{base}/webhooks/grand"),
            GENERAL_WEBHOOK.into(),
            401,
        ),
        (
            "wrong token",
            format!("{base}/webhooks/grand?Token=nope"),
            GENERAL_WEBHOOK.into(),
            401,
        ),
        (
            "token prefix",
            format!("{base}/webhooks/grand?Token={}", &TOKEN[..10]),
            GENERAL_WEBHOOK.into(),
            401,
        ),
        (
            "unknown hotel",
            format!("{base}/webhooks/other?Token={TOKEN}"),
            GENERAL_WEBHOOK.into(),
            404,
        ),
        (
            "truncated",
            good.clone(),
            GENERAL_WEBHOOK.as_bytes()[..60].to_vec(),
            400,
        ),
        ("not json", good.clone(), b"<xml/>".to_vec(), 400),
        ("deeply nested", good.clone(), nested.into_bytes(), 400),
        ("oversized", good.clone(), vec![b' '; MAX_WEBHOOK_BYTES + 1], 413),
    ];
    for (name, url, body, expected) in cases {
        assert_eq!(post(&url, body).await, expected, "{name}");
        assert_eq!(stored(&store).await, 0, "{name} stored something");
    }
    // Still healthy: a good delivery is taken.
    assert_eq!(post(&good, GENERAL_WEBHOOK).await, 200);
    assert_eq!(stored(&store).await, 2);
}

#[tokio::test]
async fn redeliveries_are_acknowledged_and_stored_once() {
    let (base, store) = receiver().await;
    let url = format!("{base}/webhooks/grand?Token={TOKEN}");
    for _ in 0..3 {
        assert_eq!(post(&url, GENERAL_WEBHOOK).await, 200);
    }
    assert_eq!(stored(&store).await, 2);
}

/// Concurrent deliveries are committed together (group commit): every one
/// is acknowledged only once durable, and copies arriving in the same group
/// as their original are stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_are_all_stored_once() {
    let (base, store) = receiver().await;
    let url = format!("{base}/webhooks/grand?Token={TOKEN}");
    let body = |i: usize| {
        format!(
            r#"{{"EnterpriseId":"851df8c8-90f2-4c4a-8e01-a4fc46b25178","IntegrationId":"c8bee838-7fb1-4f4e-8fac-ac87008b2f90","Events":[{{"Discriminator":"ServiceOrderUpdated","Value":{{"Id":"00000000-0000-4000-8000-{:012}"}}}}]}}"#,
            i
        )
    };
    // 40 distinct reservations, each delivered twice, all at once.
    let statuses = futures::future::join_all((0..80).map(|n| {
        let (url, body) = (url.clone(), body(n % 40));
        async move { post(&url, body).await }
    }))
    .await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    let pending = store.inbox_pending(&hotel(), 1000).await.unwrap();
    let ids: std::collections::BTreeSet<_> = pending.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(pending.len(), 40, "each reservation's event once");
    assert_eq!(ids.len(), 40);
}
