//! A store that stops answering for a while (PostgreSQL restarting, a
//! network blip): the worker keeps running, backs off on the injected sleeper
//! and reports the outage; the receiver answers `503` with `Retry-After`;
//! both resume when the store does.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use pms_core::*;
use pms_mews::MewsClient;
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::crypto::Cipher;
use pms_sync::store::*;
use pms_sync::*;
use secrecy::SecretString;
use tokio::sync::Notify;

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

// ---------------------------------------------------------------- a flaky store

/// Delegates to a real store, or fails every call like a database refusing
/// connections while `down` is set.
#[derive(Debug)]
struct FlakyStore {
    inner: Arc<dyn Store>,
    down: AtomicBool,
}

impl FlakyStore {
    fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(FlakyStore {
            inner,
            down: AtomicBool::new(false),
        })
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), SyncError> {
        if self.down.load(Ordering::SeqCst) {
            Err(SyncError::Store(
                "error communicating with database: Connection refused (os error 111)".into(),
            ))
        } else {
            Ok(())
        }
    }
}

/// `impl Trait for FlakyStore`, each method being
/// `{ self.check()?; self.inner.name(args).await }`.
macro_rules! delegate {
    (impl $trait:ident { $(async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)* }) => {
        #[async_trait]
        impl $trait for FlakyStore {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, SyncError> {
                    self.check()?;
                    self.inner.$name($($arg),*).await
                }
            )*
        }
    };
}

// Only the roles the worker, the mirror and the receiver use: the audit log
// and the flows' records are never reached.
delegate! {
    impl MirrorStore {
        async fn cursor(&self, hotel: &HotelId, stream: &str) -> Option<Cursor>;
        async fn apply(&self, batch: ApplyBatch) -> ();
        async fn apply_guarded(&self, writes: &[GuardedWrite]) -> Vec<bool>;
        async fn record(&self, hotel: &HotelId, kind: RecordKind, external_id: &str) -> Option<SealedRecord>;
        async fn records(&self, hotel: &HotelId, kind: RecordKind) -> Vec<SealedRecord>;
        async fn records_by_ids(&self, hotel: &HotelId, kind: RecordKind, external_ids: &[&str]) -> Vec<SealedRecord>;
    }
}

delegate! {
    impl JournalStore {
        async fn journal_begin(&self, entry: NewJournalEntry) -> JournalBegin;
        async fn journal_attempt(&self, request_id: RequestId, now: DateTime<Utc>) -> ();
        async fn journal_settle(&self, request_id: RequestId, state: JournalState, outcome: serde_json::Value, now: DateTime<Utc>) -> ();
        async fn journal_get(&self, request_id: RequestId) -> Option<JournalEntry>;
        async fn journal_unsettled(&self, hotel: &HotelId, now: DateTime<Utc>) -> Vec<JournalEntry>;
        async fn journal_in_doubt(&self, hotel: &HotelId) -> Vec<JournalEntry>;
        async fn journal_purge(&self, before: DateTime<Utc>) -> u64;
    }
}

delegate! {
    impl InboxStore {
        async fn inbox_push(&self, event: &InboxEvent) -> bool;
        async fn inbox_push_many(&self, events: &[InboxEvent]) -> Vec<bool>;
        async fn inbox_purge(&self, before: DateTime<Utc>) -> u64;
        async fn inbox_pending(&self, hotel: &HotelId, limit: u32) -> Vec<InboxEvent>;
        async fn inbox_due(&self, hotel: &HotelId, now: DateTime<Utc>, limit: u32) -> Vec<InboxEntry>;
        async fn inbox_failed(&self, failures: &[InboxFailure]) -> ();
        async fn inbox_dead(&self, hotel: Option<&HotelId>, limit: u32) -> Vec<InboxEntry>;
        async fn inbox_redrive(&self, seq: i64) -> Option<InboxRedrive>;
        async fn inbox_discard(&self, seq: i64) -> bool;
        async fn inbox_counts(&self, hotel: &HotelId) -> InboxCounts;
    }
}

delegate! {
    impl LeaseStore {
        async fn lease_acquire(&self, name: &str, owner: &LeaseOwner, take_back: TakeBack, ttl: Duration, now: DateTime<Utc>) -> LeaseGrant;
        async fn lease_release(&self, name: &str, owner: &LeaseOwner) -> ();
    }
}

// ---------------------------------------------------------------- a Mews hotel

async fn mews_client(sim: &SimHandle) -> Arc<dyn PmsClient> {
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
    Arc::new(MewsClient::from_hotel(&config.hotels[0]).unwrap())
}

fn poll_settings() -> PollSettings {
    PollSettings {
        overlap: Duration::from_secs(60),
        page_size: 100,
        initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
    }
}

// ---------------------------------------------------------------- the worker

/// Virtual sleeps that note whether the store looked up while the worker
/// waited, end the outage after `outage_passes` waits, and ask the worker to
/// stop at the first wait after it has recovered.
#[derive(Debug)]
struct Script {
    inner: VirtualSleeper,
    store: Arc<FlakyStore>,
    health: Arc<StoreHealth>,
    outage_passes: usize,
    waits: Mutex<Vec<(Duration, bool)>>,
    stop: Arc<Notify>,
}

impl Sleeper for Script {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        let mut waits = self.waits.lock().unwrap();
        let up = self.health.snapshot().up;
        waits.push((duration, up));
        if waits.len() == self.outage_passes {
            self.store.set_down(false);
        }
        if up {
            self.stop.notify_one();
        }
        self.inner.sleep(duration)
    }
}

#[tokio::test]
async fn the_worker_outlives_a_store_outage_backing_off_and_reporting_it() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(5)))
        .await
        .unwrap();
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let flaky = FlakyStore::new(sqlite.clone());
    let mirror = Mirror::new(flaky.clone(), Arc::new(Cipher::random()));
    let sync = HotelSync::new(
        hotel(),
        mews_client(&sim).await,
        mirror,
        Arc::new(SystemClock),
        poll_settings(),
    );
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let health = Arc::new(StoreHealth::new());
    let worker = Worker::new(
        "w1",
        flaky.clone(),
        vec![sync],
        Duration::from_secs(120),
        clock.clone(),
    )
    .with_store_health(health.clone());
    let stop = Arc::new(Notify::new());
    let script = Arc::new(Script {
        inner: VirtualSleeper::new(clock.clone()),
        store: flaky.clone(),
        health: health.clone(),
        outage_passes: 3,
        waits: Mutex::new(Vec::new()),
        stop: stop.clone(),
    });
    let interval = Duration::from_secs(60);

    flaky.set_down(true);
    let ran = tokio::time::timeout(
        Duration::from_secs(120),
        worker.run(interval, Arc::new(Notify::new()), script.clone(), async move {
            stop.notified().await
        }),
    )
    .await
    .expect("hang guard");

    assert!(ran.is_ok(), "the worker must not stop on a store error: {ran:?}");
    let waits = script.waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 4, "three backoffs, then one normal wait: {waits:?}");
    // Backoff with equal jitter on a doubling cap (1 s, 2 s, 4 s), while health says down.
    for (n, &(wait, up)) in waits[..3].iter().enumerate() {
        let cap = Duration::from_secs(1 << n);
        assert!(!up, "health shows the outage during backoff {n}");
        assert!(
            cap / 2 <= wait && wait <= cap,
            "backoff {n}: {wait:?} not in [{:?}, {cap:?}]",
            cap / 2
        );
    }
    assert_eq!(
        waits[3],
        (interval, true),
        "back to the normal interval once the store answers"
    );
    // The pass after the outage synced the hotel.
    let mirrored: BTreeSet<String> = sqlite
        .records(&hotel(), RecordKind::Reservation)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.external_id)
        .collect();
    let expected: BTreeSet<String> = sim
        .state()
        .with_hotel(|h| h.reservations.iter().map(|r| r.id.to_string()).collect());
    assert_eq!(mirrored, expected);
    let status = health.snapshot();
    assert!(status.up && status.consecutive_failures == 0, "{status:?}");
    assert!(status.last_failure.is_some_and(|(_, who, _)| who == "worker"));
    // And it gave its lease up on the way out.
    let other = LeaseOwner::new("w2");
    let lease = sqlite
        .lease_acquire(
            "sync:grand",
            &other,
            TakeBack::Never,
            Duration::from_secs(60),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(lease, LeaseGrant::Acquired);
}

#[tokio::test]
async fn a_pass_reports_store_failures_per_hotel_instead_of_failing() {
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let flaky = FlakyStore::new(sqlite);
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(6)))
        .await
        .unwrap();
    let mirror = Mirror::new(flaky.clone(), Arc::new(Cipher::random()));
    let sync = HotelSync::new(
        hotel(),
        mews_client(&sim).await,
        mirror,
        Arc::new(SystemClock),
        poll_settings(),
    );
    let worker = Worker::new(
        "w1",
        flaky.clone(),
        vec![sync],
        Duration::from_secs(120),
        Arc::new(SystemClock),
    );
    flaky.set_down(true);
    let report = worker.run_once().await.unwrap();
    assert_eq!(report.store_failures, 1, "{report:?}");
    assert_eq!(report.failed.len(), 1);
    assert!(report.synced.is_empty());
    assert!(!worker.store_health().snapshot().up);
}

// ---------------------------------------------------------------- the receiver

const TOKEN: &str = "outage-test-token-5e2b";

const DELIVERY: &str = r#"{
  "EnterpriseId": "851df8c8-90f2-4c4a-8e01-a4fc46b25178",
  "IntegrationId": "c8bee838-7fb1-4f4e-8fac-ac87008b2f90",
  "Events": [
    {"Discriminator": "ServiceOrderUpdated", "Value": {"Id": "bfee2c44-1f84-4326-a862-5289598f6e2d"}}
  ]
}"#;

#[tokio::test]
async fn the_receiver_answers_503_with_retry_after_while_the_store_is_down() {
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let flaky = FlakyStore::new(sqlite.clone());
    let health = Arc::new(StoreHealth::new());
    let token = SecretString::from(TOKEN.to_owned());
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &token)?;
        Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
            .events()
            .to_vec())
    });
    let router = WebhookReceiver::new(
        flaky.clone(),
        HashMap::from([(hotel(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        Arc::new(Notify::new()),
    )
    .store_health(health.clone())
    .router()
    .merge(health_router(health.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_webhooks(
        listener,
        router,
        ServeLimits::default(),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let deliver = || {
        client
            .post(format!("{base}/webhooks/grand?Token={TOKEN}"))
            .header("content-type", "application/json")
            .body(DELIVERY)
            .send()
    };

    flaky.set_down(true);
    let refused = deliver().await.unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    assert_eq!(
        refused.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some(STORE_RETRY_AFTER_SECS.to_string().as_str())
    );
    let probe = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(probe.status().as_u16(), 503);
    let body: serde_json::Value = probe.json().await.unwrap();
    assert_eq!(body["status"], "store_down", "{body}");
    assert_eq!(body["store"]["up"], false, "{body}");

    flaky.set_down(false);
    assert_eq!(deliver().await.unwrap().status().as_u16(), 200);
    assert_eq!(sqlite.inbox_pending(&hotel(), 10).await.unwrap().len(), 1);
    let probe = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(probe.status().as_u16(), 200);
}
