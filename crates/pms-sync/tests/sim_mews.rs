//! The sync layer end to end against the Mews simulator and the real Mews
//! connector: polling with crash resume, charges under injected faults,
//! webhooks, reconciliation.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use pms_core::*;
use pms_mews::{MewsClient, MewsConfig};
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::*;
use secrecy::SecretString;
use support::{CrashAfter, Hooked, PageHook};

const WEBHOOK_TOKEN: &str = "wh-token-3f9a1c";

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

async fn mews_config(sim: &SimHandle) -> MewsConfig {
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
    let mut mews = MewsConfig::from_hotel(&config.hotels[0]).unwrap();
    mews.timeout = Duration::from_millis(400);
    let reader = MewsClient::builder(mews.clone()).build().unwrap();
    let services = reader.services().await.unwrap();
    let additional = services
        .iter()
        .find(|s| {
            s.data
                .as_ref()
                .is_some_and(|d| format!("{:?}", d.discriminator).contains("Additional"))
        })
        .unwrap();
    mews.charges.service_id = Some(additional.id.clone());
    mews.charges.tax_codes = vec!["DE-2020-1-S".into()];
    mews
}

async fn start_sim(seed: u64) -> SimHandle {
    MewsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
        .await
        .unwrap()
}

struct Rig {
    sim: SimHandle,
    client: Arc<dyn PmsClient>,
    store: Arc<dyn Store>,
    sync: HotelSync,
}

async fn rig(seed: u64, settings: PollSettings) -> Rig {
    let sim = start_sim(seed).await;
    let client: Arc<dyn PmsClient> = Arc::new(MewsClient::builder(mews_config(&sim).await).build().unwrap());
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
        .with_hotel(|h| h.reservations.iter().map(|r| r.id.to_string()).collect())
}

#[tokio::test]
async fn polling_mirrors_every_reservation_and_resumes_after_a_crash() {
    let rig = rig(11, poll_settings(25)).await;
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
    let rig = rig(12, poll_settings(100)).await;
    let reservation = rig.sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| format!("{:?}", r.state) == "Started")
            .map(|r| r.id.to_string())
            .unwrap()
    });
    rig.sim.faults().update(|f| {
        f.seed = 99;
        f.error_5xx = 0.2;
        f.timeout_after_write = 0.1;
        f.ambiguous_hang = Duration::from_secs(2);
    });
    let journal = support::real_time_journal(rig.store.clone(), "sim-access-token");
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
    let before = rig.sim.state().requests_to("orders/add").len();
    for charge in &charges {
        journal
            .execute(&hotel(), rig.client.as_ref(), &PostCharge(charge.clone()))
            .await
            .unwrap();
    }
    assert_eq!(rig.sim.state().requests_to("orders/add").len(), before);
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
    let rig = rig(13, poll_settings(200)).await;
    rig.sync.poll_reservations().await.unwrap();
    let token = SecretString::from(WEBHOOK_TOKEN.to_owned());
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &token)?;
        Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
            .events()
            .to_vec())
    });
    let wake = Arc::new(tokio::sync::Notify::new());
    let router = webhook_router(
        rig.store.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        wake.clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/grand", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Unauthenticated deliveries are refused and store nothing.
    let refused = reqwest::Client::new()
        .post(format!("{url}?Token=wrong"))
        .body(r#"{"Events":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    rig.sim.webhooks().set(pms_sim::WebhookConfig {
        duplicate: 1.0,
        ..rig.sim.webhooks().config()
    });
    rig.sim
        .webhooks()
        .register(&format!("{url}?Token={WEBHOOK_TOKEN}"), WEBHOOK_TOKEN)
        .unwrap();
    let room = rig
        .client
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping != HousekeepingStatus::OutOfService)
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
    let rig = rig(14, poll_settings(200)).await;
    let today = Utc::now()
        .with_timezone(&pms_core::chrono_tz::Europe::Berlin)
        .date_naive();
    let window = DateRange::new(today - chrono::Days::new(3), today + chrono::Days::new(10)).unwrap();
    let first = rig.sync.reconcile(window).await.unwrap();
    assert!(!first.missing.is_empty(), "an empty mirror misses everything");

    let target = rig.sim.state().with_hotel_mut(|h| {
        let r = h
            .reservations
            .iter_mut()
            .find(|r| {
                r.scheduled_start.date_naive() >= window.first + chrono::Days::new(1)
                    && r.scheduled_start.date_naive() <= window.last - chrono::Days::new(1)
            })
            .unwrap();
        r.adults += 1;
        r.updated = Utc::now();
        r.id.to_string()
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

#[tokio::test]
async fn a_rate_limited_poll_stays_inside_the_vendor_budget() {
    // The simulator enforces 25 requests per second per AccessToken; page size 2
    // makes the poll need several seconds' worth of budget.
    let budget = pms_sim::RateLimit {
        requests: 25,
        window: Duration::from_secs(1),
    };
    let without = rig(15, poll_settings(2)).await;
    without.sim.faults().update(|f| f.rate_limit = Some(budget));
    let _ = without.sync.poll_reservations().await;
    assert!(
        without.sim.state().counters().total_429() > 0,
        "the unlimited poll must hit the limit"
    );
    without.sim.shutdown().await;

    let with = rig(15, poll_settings(2)).await;
    with.sim.faults().update(|f| f.rate_limit = Some(budget));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // 80 % of the budget: the connector makes a few calls of its own (the room
    // names behind assigned rooms, once) that the sync layer does not see.
    let limiter = Arc::new(RateLimiter::new(
        RateLimit {
            requests: 20,
            window: Duration::from_secs(1),
        },
        4,
        clock,
        Arc::new(TokioSleeper),
    ));
    let sync = with.sync.clone().with_rate_limit(limiter, "sim-access-token");
    sync.poll_reservations().await.unwrap();
    assert_eq!(with.sim.state().counters().total_429(), 0);
    let mirrored = sync.mirror().all::<Reservation>(&hotel()).await.unwrap().len();
    assert_eq!(mirrored, sim_reservation_ids(&with.sim).len());
    with.sim.shutdown().await;
}

/// Holds a client's first change page (up to 10 s) until `hotels` first
/// pages are in flight at once: it proves several hotels really poll together.
struct MeetAt {
    barrier: Arc<tokio::sync::Barrier>,
    first: std::sync::atomic::AtomicBool,
    met: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait::async_trait]
impl PageHook for MeetAt {
    async fn before(&self) -> Result<(), Error> {
        if self.first.swap(false, std::sync::atomic::Ordering::SeqCst)
            && tokio::time::timeout(Duration::from_secs(10), self.barrier.wait())
                .await
                .is_ok()
        {
            self.met.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_worker_polls_hotels_concurrently_and_reports_them_in_order() {
    let sim = start_sim(41).await;
    let mut config = mews_config(&sim).await;
    // Three hotels and the simulator share this test's one thread: 400 ms
    // (short, for the timeout tests) expired on a loaded machine.
    config.timeout = Duration::from_secs(10);
    let client: Arc<dyn PmsClient> = Arc::new(MewsClient::builder(config).build().unwrap());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    let names = ["grand", "harbor", "alpine"];
    let barrier = Arc::new(tokio::sync::Barrier::new(names.len()));
    let met = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let syncs = names
        .iter()
        .map(|name| {
            let gated: Arc<dyn PmsClient> = Arc::new(Hooked {
                inner: client.clone(),
                hook: MeetAt {
                    barrier: barrier.clone(),
                    first: true.into(),
                    met: met.clone(),
                },
            });
            HotelSync::new(
                HotelId::new(*name).unwrap(),
                gated,
                mirror.clone(),
                Arc::new(SystemClock),
                poll_settings(100),
            )
        })
        .collect();
    let worker = Worker::new(
        "w1",
        store.clone(),
        syncs,
        Duration::from_secs(60),
        Arc::new(SystemClock),
    )
    .with_concurrency(names.len());

    let report = worker.run_once().await.unwrap();

    assert_eq!(
        met.load(std::sync::atomic::Ordering::SeqCst),
        names.len(),
        "every hotel's first page was in flight at the same time"
    );
    assert_eq!(report.synced, names, "reported in the given order");
    assert!(
        report.failed.is_empty() && report.skipped.is_empty(),
        "{report:?}"
    );
    let expected = sim_reservation_ids(&sim);
    assert_eq!(report.polled, expected.len() * names.len());
    for name in names {
        let mirrored: BTreeSet<String> = store
            .records(
                &HotelId::new(name).unwrap(),
                pms_sync::store::RecordKind::Reservation,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.external_id)
            .collect();
        assert_eq!(mirrored, expected, "{name}");
    }
}

/// Issue 17, bug 10, against the simulator and the real Mews connector: a
/// General webhook naming a reservation `not-a-uuid` (authenticated, so it
/// is stored) next to a real room change. The PMS refuses the re-read; the
/// room is applied, the poll runs, and the poison waits for its next attempt.
#[tokio::test]
async fn a_webhook_the_pms_refuses_to_reread_never_stops_the_hotel() {
    let rig = rig(17, poll_settings(200)).await;
    let token = SecretString::from(WEBHOOK_TOKEN.to_owned());
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &token)?;
        Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
            .events()
            .to_vec())
    });
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let router = webhook_router(
        rig.store.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        clock.clone(),
        Arc::new(tokio::sync::Notify::new()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/grand?Token={WEBHOOK_TOKEN}",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let room = rig.client.room_statuses().await.unwrap().remove(0);
    let body = serde_json::json!({
        "EnterpriseId": "8a9f2f54-0000-4000-8000-000000000001",
        "IntegrationId": "8a9f2f54-0000-4000-8000-000000000002",
        "Events": [
            {"Discriminator": "ServiceOrderUpdated", "Value": {"Id": "not-a-uuid"}},
            {"Discriminator": "ResourceUpdated", "Value": {"Id": room.room.id.as_str()}},
        ],
    });
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let sync = HotelSync::new(
        hotel(),
        rig.client.clone(),
        rig.sync.mirror().clone(),
        clock.clone(),
        poll_settings(200),
    );
    let worker = Worker::new(
        "w1",
        rig.store.clone(),
        vec![sync.clone()],
        Duration::from_secs(60),
        clock.clone(),
    );

    let report = worker.run_once().await.unwrap();

    assert_eq!(report.synced, ["grand"], "{report:?}");
    assert_eq!(report.inbox_applied, 1);
    assert_eq!(report.polled, sim_reservation_ids(&rig.sim).len());
    let mirrored: Room = sync
        .mirror()
        .get(&hotel(), room.room.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mirrored.status, Some(room.status));
    let waiting = rig
        .store
        .inbox_due(&hotel(), clock.now() + chrono::Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(
        waiting[0].event.event_id.ends_with(":reservation:not-a-uuid"),
        "{waiting:?}"
    );
    assert_eq!(waiting[0].attempts, 1);
    let error = waiting[0].last_error.clone().unwrap();
    // The simulator answers 400, as Mews does for an id that is no UUID.
    assert!(error.starts_with("reservation read: Validation: "), "{error}");
    // Not due for a minute: the next pass reads nothing for it.
    assert!(
        rig.store
            .inbox_due(&hotel(), clock.now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    rig.sim.shutdown().await;
}
