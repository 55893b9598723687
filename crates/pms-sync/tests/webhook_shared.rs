//! Mews' one webhook URL per integration client, routed by `EnterpriseId`
//! to each hotel's receiver; and the enterprise check on per-hotel URLs.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use pms_core::{HotelId, PmsKind, SystemClock};
use pms_mews::{MewsWebhookRouter, WebhookReceiver};
use pms_sync::store::Store;
use pms_sync::{
    FnSharedWebhookRoute, FnWebhookSource, SharedWebhookRoute, SqliteStore, WebhookRequest, WebhookSource,
    shared_webhook_router, webhook_router,
};
use secrecy::SecretString;

/// Mews sends one URL, so every hotel of the integration client has its token.
const TOKEN: &str = "shared-mews-token-5e0c1a";
/// The General webhook of the docs (fixtures/mews/webhook_general.request.json).
const GENERAL: &[u8] = include_bytes!("../../../fixtures/mews/webhook_general.request.json");
const GRAND_ENTERPRISE: &str = "851df8c8-90f2-4c4a-8e01-a4fc46b25178";
const HARBOR_ENTERPRISE: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

fn hotel(id: &str) -> HotelId {
    HotelId::new(id).unwrap()
}

fn source(id: &str, enterprise: &str) -> Arc<dyn WebhookSource> {
    let receiver =
        WebhookReceiver::new(hotel(id), &SecretString::from(TOKEN.to_owned()), enterprise, None).unwrap();
    Arc::new(FnWebhookSource::new(
        PmsKind::Mews,
        move |request: &WebhookRequest, at| {
            Ok(receiver
                .accept(request.query.as_deref(), &request.body, at)?
                .events()
                .to_vec())
        },
    ))
}

async fn serve() -> (String, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let hotels = webhook_router(
        store.clone(),
        HashMap::from([
            (hotel("grand"), source("grand", GRAND_ENTERPRISE)),
            (hotel("harbor"), source("harbor", HARBOR_ENTERPRISE)),
        ]),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
    );
    let mut router = MewsWebhookRouter::new();
    router.add(hotel("grand"), GRAND_ENTERPRISE, None).unwrap();
    router.add(hotel("harbor"), HARBOR_ENTERPRISE, None).unwrap();
    let route: Arc<dyn SharedWebhookRoute> = Arc::new(FnSharedWebhookRoute::new(
        PmsKind::Mews,
        move |request: &WebhookRequest| router.route(&request.body),
    ));
    let app = shared_webhook_router(hotels, HashMap::from([("main".to_owned(), route)]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, store)
}

async fn post(url: &str, body: Vec<u8>) -> u16 {
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

async fn stored(store: &Arc<dyn Store>, id: &str) -> usize {
    store.inbox_pending(&hotel(id), 1000).await.unwrap().len()
}

fn for_enterprise(enterprise: &str) -> Vec<u8> {
    String::from_utf8(GENERAL.to_vec())
        .unwrap()
        .replace(GRAND_ENTERPRISE, enterprise)
        .into_bytes()
}

#[tokio::test]
async fn one_url_serves_every_enterprise_of_the_integration() {
    let (base, store) = serve().await;
    let shared = format!("{base}/webhooks/mews/main?Token={TOKEN}");

    assert_eq!(post(&shared, GENERAL.to_vec()).await, 200);
    assert_eq!(stored(&store, "grand").await, 5);
    assert_eq!(stored(&store, "harbor").await, 0);

    assert_eq!(post(&shared, for_enterprise(HARBOR_ENTERPRISE)).await, 200);
    assert_eq!(stored(&store, "harbor").await, 5);

    // An enterprise no hotel has: refused, nothing stored anywhere.
    let unknown = for_enterprise("00000000-0000-0000-0000-00000000abcd");
    assert_eq!(post(&shared, unknown).await, 404);
    // The token is still the hotel's check: a wrong one on the shared URL is 401.
    assert_eq!(
        post(
            &format!("{base}/webhooks/mews/main?Token=wrong"),
            GENERAL.to_vec()
        )
        .await,
        401
    );
    // No routing ids, or an endpoint that is not configured.
    assert_eq!(post(&shared, br#"{"Hello":1}"#.to_vec()).await, 400);
    assert_eq!(
        post(
            &format!("{base}/webhooks/mews/other?Token={TOKEN}"),
            GENERAL.to_vec()
        )
        .await,
        404
    );
    assert_eq!(stored(&store, "grand").await, 5);
    assert_eq!(stored(&store, "harbor").await, 5);
}

#[tokio::test]
async fn a_per_hotel_url_refuses_another_enterprises_events() {
    let (base, store) = serve().await;
    // Grand's enterprise posted to harbor's own URL (a misrouted or replayed delivery).
    assert_eq!(
        post(&format!("{base}/webhooks/harbor?Token={TOKEN}"), GENERAL.to_vec()).await,
        400
    );
    assert_eq!(stored(&store, "harbor").await, 0);
    assert_eq!(stored(&store, "grand").await, 0);
    assert_eq!(
        post(&format!("{base}/webhooks/grand?Token={TOKEN}"), GENERAL.to_vec()).await,
        200
    );
    assert_eq!(stored(&store, "grand").await, 5);
}
