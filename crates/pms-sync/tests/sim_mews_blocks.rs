//! A Mews resource block end to end: `resourceBlocks/add` on the simulator
//! → its General webhook (`ResourceBlockUpdated`, the block's id only) →
//! the receiver → the inbox → the re-read (`resourceBlocks/getAll` for the
//! room, then the room's state) → the mirror and one room event.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_core::*;
use pms_mews::{MewsClient, WebhookReceiver};
use pms_sim::{HotelSpec, MewsSim, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::*;
use secrecy::SecretString;
use serde_json::json;

const WEBHOOK_TOKEN: &str = "wh-token-blocks-91c3e0a7";

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

#[tokio::test]
async fn a_resource_block_webhook_updates_the_blocked_room() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(31)))
        .await
        .unwrap();
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().to_owned()),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
            "pms-sync tests 0.1".to_owned(),
        ),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let client: Arc<dyn PmsClient> = Arc::new(MewsClient::from_hotel(&config.hotels[0]).unwrap());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    let sync = HotelSync::new(
        hotel(),
        client.clone(),
        mirror,
        Arc::new(SystemClock),
        PollSettings::default(),
    );

    let enterprise = sim.state().with_hotel(|h| h.property.id.to_string());
    let receiver = WebhookReceiver::new(
        hotel(),
        &SecretString::from(WEBHOOK_TOKEN.to_owned()),
        &enterprise,
        None,
    )
    .unwrap();
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        Ok(receiver
            .accept(request.query.as_deref(), &request.body, at)?
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
    let url = format!("http://{}/webhooks/grand", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    sim.webhooks().register(&url, WEBHOOK_TOKEN).unwrap();

    // A room that is not out of order yet.
    let room = client
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping != HousekeepingStatus::OutOfOrder)
        .unwrap();
    let now = Utc::now();
    let added = reqwest::Client::new()
        .post(format!("{}/api/connector/v1/resourceBlocks/add", sim.base_url()))
        .json(&json!({
            "ClientToken": sim.client_token(),
            "AccessToken": sim.access_token(),
            "Client": "pms-sync tests 0.1",
            "ResourceBlocks": [{
                "ResourceId": room.room.id.as_str(),
                "Name": "Maintenance Block",
                "Type": "OutOfOrder",
                "StartUtc": (now - chrono::Duration::hours(1)).to_rfc3339(),
                "EndUtc": (now + chrono::Duration::days(2)).to_rfc3339(),
            }]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);

    let mut events = sync.subscribe();
    let mut applied = 0;
    for _ in 0..200 {
        applied += sync.drain_inbox(100).await.unwrap().applied;
        if applied > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(applied, 1, "one ResourceBlockUpdated hint applied");
    let mirrored: Room = sync
        .mirror()
        .get(&hotel(), room.room.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        mirrored.status.unwrap().housekeeping,
        HousekeepingStatus::OutOfOrder
    );
    let event = events.try_recv().unwrap();
    match event.change {
        Change::RoomStatusChanged { room: changed, .. } => assert_eq!(changed, room.room),
        other => panic!("{other:?}"),
    }
    // The re-read went through the block (for its room), then the rooms.
    assert_eq!(sim.state().requests_to("resourceBlocks/getAll").len(), 1);
    sim.shutdown().await;
}
