//! The sync layer end to end against the Cloudbeds simulator and the real
//! Cloudbeds connector: polling with crash resume, charges under injected
//! faults, webhooks, reconciliation. Mirrors `sim_mews.rs`.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_cloudbeds::{CloudbedsClient, WebhookVerifier};
use pms_core::*;
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, ReservationState, SimHandle, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::*;
use secrecy::SecretString;
use support::CrashAfter;

const WEBHOOK_TOKEN: &str = "cb-wh-token-7c1e94d2a0";

fn hotel() -> HotelId {
    HotelId::new("harbor").unwrap()
}

fn cloudbeds_client(sim: &SimHandle) -> CloudbedsClient {
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let vars = HashMap::from([
        ("PMS_HOTELS", "harbor".to_owned()),
        ("PMS_HOTEL_HARBOR_PMS", "cloudbeds".to_owned()),
        ("PMS_HOTEL_HARBOR_BASE_URL", CloudbedsSim::api_url(sim)),
        ("PMS_HOTEL_HARBOR_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_HARBOR_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID", property),
        (
            "PMS_HOTEL_HARBOR_CLOUDBEDS_API_KEY",
            sim.access_token().to_owned(),
        ),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    CloudbedsClient::builder(&config.hotels[0])
        .unwrap()
        // Shorter than the simulator's ambiguous hang, so a withheld answer is a timeout.
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap()
}

struct Rig {
    sim: SimHandle,
    client: Arc<dyn PmsClient>,
    store: Arc<dyn Store>,
    sync: HotelSync,
}

async fn rig(seed: u64, settings: PollSettings) -> Rig {
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
        .await
        .unwrap();
    let client: Arc<dyn PmsClient> = Arc::new(cloudbeds_client(&sim));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    let sync = HotelSync::new(hotel(), client.clone(), mirror, Arc::new(SystemClock), settings);
    Rig {
        sim,
        client,
        store,
        sync,
    }
}

fn poll_settings(page_size: u32) -> PollSettings {
    // The generated hotel's bookings were made over the last three years.
    PollSettings {
        overlap: Duration::from_secs(60),
        page_size,
        initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
    }
}

fn sim_reservation_ids(sim: &SimHandle) -> BTreeSet<String> {
    sim.state()
        .with_hotel(|h| h.reservations.iter().map(CloudbedsIds::reservation_id).collect())
}

#[tokio::test]
async fn polling_mirrors_every_reservation_and_resumes_after_a_crash() {
    let rig = rig(31, poll_settings(25)).await;
    let crashing = Arc::new(CrashAfter::new(rig.client.clone(), 2));
    let mirror = rig.sync.mirror().clone();
    let first = HotelSync::new(
        hotel(),
        crashing.clone(),
        mirror.clone(),
        Arc::new(SystemClock),
        poll_settings(25),
    );
    let err = first.poll_reservations().await.unwrap_err();
    assert_eq!(err.pms_kind(), Some(ErrorKind::Transient));
    let cursor = rig
        .store
        .cursor(&hotel(), RESERVATIONS_STREAM)
        .await
        .unwrap()
        .unwrap();
    let partial: BTreeSet<String> = mirror
        .all::<Reservation>(&hotel())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external.id.to_string())
        .collect();
    // Every page read before the crash is durable, together with its cursor.
    assert!(!partial.is_empty());
    assert_eq!(partial, crashing.returned());

    let report = rig.sync.poll_reservations().await.unwrap();
    let mirrored: BTreeSet<String> = mirror
        .all::<Reservation>(&hotel())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external.id.to_string())
        .collect();
    assert_eq!(mirrored, sim_reservation_ids(&rig.sim));
    assert!(report.high_water.unwrap() >= cursor.high_water);

    // A second poll from the stored cursor re-reads only the overlap and changes nothing.
    let mut events = rig.sync.subscribe();
    let again = rig.sync.poll_reservations().await.unwrap();
    assert_eq!(again.changed, 0);
    assert!(events.try_recv().is_err(), "no event for unchanged records");
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn charges_exist_exactly_once_despite_5xx_and_timeouts_after_apply() {
    let rig = rig(32, poll_settings(100)).await;
    let reservation = rig.sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .map(CloudbedsIds::reservation_id)
            .unwrap()
    });
    rig.sim.faults().update(|f| {
        f.seed = 99;
        f.error_5xx = 0.2;
        f.timeout_after_write = 0.1;
        f.ambiguous_hang = Duration::from_secs(2);
    });
    let journal = support::real_time_journal(rig.store.clone(), "sim-api-key");
    let charges: Vec<ChargeRequest> = (0..30)
        .map(|i| ChargeRequest {
            request_id: RequestId::new_random(),
            reservation: VendorId::new(reservation.clone()).unwrap(),
            kind: ChargeKind::RoomService,
            description: format!("Room service #{i}"),
            unit_amount: Money::parse("4.50", Currency::EUR).unwrap(),
            quantity: 2.into(),
            transaction_code: None,
            outlet: None,
            consumed_at: Utc::now(),
        })
        .collect();
    for charge in &charges {
        journal
            .execute(&hotel(), rig.client.as_ref(), &PostCharge(charge.clone()))
            .await
            .unwrap();
    }
    // And every one replayed: the journal answers, the PMS is not called again.
    let before = rig.sim.state().requests_to("postCustomItem").len();
    for charge in &charges {
        journal
            .execute(&hotel(), rig.client.as_ref(), &PostCharge(charge.clone()))
            .await
            .unwrap();
    }
    assert_eq!(rig.sim.state().requests_to("postCustomItem").len(), before);
    rig.sim.faults().clear();
    for charge in &charges {
        let posted = rig
            .sim
            .state()
            .charges_with_external_id(&charge.request_id.to_string());
        assert_eq!(
            posted.len(),
            1,
            "charge {} posted {} times",
            charge.request_id,
            posted.len()
        );
    }
    let counters = rig.sim.state().counters();
    // The faults really happened, so "exactly once" was earned under fire.
    assert!(
        counters.injected_5xx > 0 && counters.ambiguous_timeouts > 0,
        "{counters:?}"
    );
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn simulator_webhooks_are_authenticated_deduped_and_applied_once() {
    let rig = rig(33, poll_settings(200)).await;
    rig.sync.poll_reservations().await.unwrap();
    let verifier = WebhookVerifier::new(&SecretString::from(WEBHOOK_TOKEN.to_owned())).unwrap();
    let property = rig.sim.state().with_hotel(CloudbedsIds::property_id);
    // Cloudbeds signs nothing: the secret travels in the subscribed URL.
    let source = FnWebhookSource::new(PmsKind::Cloudbeds, move |request: &WebhookRequest, at| {
        let token = request
            .query
            .as_deref()
            .and_then(|q| {
                // The token is URL-safe as generated; no percent-decoding needed.
                q.split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| *k == "Token")
                    .map(|(_, v)| v.to_owned())
            })
            .unwrap_or_default();
        let delivery =
            pms_cloudbeds::authenticate_and_parse(&verifier, &token, &request.body, &property, &hotel(), at)?;
        Ok(delivery.events)
    });
    let wake = Arc::new(tokio::sync::Notify::new());
    let router = webhook_router(
        rig.store.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        wake.clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/harbor", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Unauthenticated deliveries are refused and store nothing.
    let refused = reqwest::Client::new()
        .post(format!("{url}?Token=wrong-token-0000000"))
        .body(r#"{"event":"reservation/created","propertyID":1,"reservationID":"1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    rig.sim.webhooks().set(pms_sim::WebhookConfig {
        duplicate: 1.0,
        ..rig.sim.webhooks().config()
    });
    rig.sim.webhooks().register(&url, WEBHOOK_TOKEN).unwrap();
    let room = rig
        .client
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping != HousekeepingStatus::OutOfOrder)
        .unwrap();
    let target = if room.status.housekeeping == HousekeepingStatus::Dirty {
        HousekeepingStatus::Inspected
    } else {
        HousekeepingStatus::Dirty
    };
    rig.client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: room.room.id.clone(),
            status: target.clone(),
        })
        .await
        .unwrap();

    let mut events = rig.sync.subscribe();
    let mut applied = 0;
    for _ in 0..100 {
        applied += rig.sync.drain_inbox(100).await.unwrap().applied;
        if applied > 0 && rig.sim.webhooks().stats().duplicated > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(applied >= 1);
    let mirrored: Room = rig
        .sync
        .mirror()
        .get(&hotel(), room.room.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mirrored.status.unwrap().housekeeping, target);
    let event = events.try_recv().unwrap();
    assert!(matches!(event.change, Change::RoomStatusChanged { .. }));
    assert!(
        events.try_recv().is_err(),
        "the duplicate delivery must not emit twice"
    );
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn reconcile_reports_drift_without_pii_and_repairs_it() {
    let rig = rig(34, poll_settings(200)).await;
    let today = Utc::now()
        .with_timezone(&pms_core::chrono_tz::Europe::Berlin)
        .date_naive();
    let window = DateRange::new(today - chrono::Days::new(3), today + chrono::Days::new(10)).unwrap();
    let first = rig.sync.reconcile(window).await.unwrap();
    assert!(!first.missing.is_empty(), "an empty mirror misses everything");

    let target = rig.sim.state().with_hotel_mut(|h| {
        let tz = h.property.time_zone;
        let r = h
            .reservations
            .iter_mut()
            .find(|r| {
                let start = r.scheduled_start.with_timezone(&tz).date_naive();
                start >= window.first + chrono::Days::new(1) && start <= window.last - chrono::Days::new(1)
            })
            .unwrap();
        r.adults += 1;
        r.updated = Utc::now();
        CloudbedsIds::reservation_id(r)
    });
    let drift = rig.sync.reconcile(window).await.unwrap();
    let changed: Vec<_> = drift.changed.iter().filter(|d| d.external_id == target).collect();
    assert_eq!(changed.len(), 1, "{drift:?}");
    assert!(
        changed[0].fields.iter().any(|f| f == "adults"),
        "{:?}",
        changed[0].fields
    );
    let again = rig.sync.reconcile(window).await.unwrap();
    assert_eq!(again.total(), 0, "{again:?}");
    rig.sim.shutdown().await;
}
