//! Polling pipelines its pages (the previous page commits while this one is
//! diffed and the next one is read, issue #10 scenario a). A page must still
//! be compared with what the mirror will hold once the page before it is
//! durable, and a failed read must not lose the page already sealed.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use pms_core::*;
use pms_sync::store::RecordKind;
use pms_sync::{HotelSync, Mirror, PollSettings, RESERVATIONS_STREAM, SqliteStore};

mod support;
use support::Harness;

/// Serves scripted change pages; page `i` answers with token `i + 1` while
/// more follow, and a page listed in `fail` fails once with a 503.
#[derive(Debug, Clone, Default)]
struct PagedPms(Arc<Mutex<Script>>);

#[derive(Debug, Default)]
struct Script {
    pages: Vec<Vec<Reservation>>,
    fail: Vec<usize>,
}

impl PagedPms {
    fn new(pages: Vec<Vec<Reservation>>, fail: &[usize]) -> Self {
        PagedPms(Arc::new(Mutex::new(Script {
            pages,
            fail: fail.to_vec(),
        })))
    }
}

fn unsupported<T>(operation: &'static str) -> Result<T, Error> {
    Err(Error::unsupported(PmsKind::Mews, operation))
}

#[async_trait]
impl PmsClient for PagedPms {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        Err(Error::not_found(id.to_string()))
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        let index: usize = query.page.as_ref().map_or(0, |p| p.as_str().parse().unwrap());
        let mut script = self.0.lock().unwrap();
        let Script { pages, fail } = &mut *script;
        if let Some(at) = fail.iter().position(|&f| f == index) {
            fail.remove(at);
            return Err(Error::transient("503 Service Unavailable"));
        }
        Ok(Page {
            items: pages[index].clone(),
            next: (index + 1 < pages.len()).then(|| PageToken::new((index + 1).to_string())),
        })
    }
    async fn arrivals(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        unsupported("arrivals")
    }
    async fn departures(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        unsupported("departures")
    }
    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        Err(Error::not_found(id.to_string()))
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        unsupported("rooms")
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        unsupported("room_statuses")
    }
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        Err(Error::not_found(reservation.to_string()))
    }
    async fn set_room_status(&self, _: &RoomStatusUpdate) -> Result<(), Error> {
        unsupported("set_room_status")
    }
    async fn check_in(&self, _: &CheckInRequest) -> Result<(), Error> {
        unsupported("check_in")
    }
    async fn check_out(&self, _: &CheckOutRequest) -> Result<(), Error> {
        unsupported("check_out")
    }
    async fn post_charge(&self, _: &ChargeRequest) -> Result<PostedCharge, Error> {
        unsupported("post_charge")
    }
    async fn health(&self) -> HealthReport {
        HealthReport {
            pms: PmsKind::Mews,
            healthy: true,
            latency: Duration::ZERO,
            checked_at: Utc::now(),
            error: None,
            detail: None,
        }
    }
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

fn reservation(id: &str, status: ReservationStatus) -> Reservation {
    let external = ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap());
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    Reservation {
        id: ReservationId::derive(&hotel(), &external),
        external,
        hotel: hotel(),
        confirmation_number: Some(id.to_owned()),
        status,
        arrival: day(1),
        departure: day(3),
        eta: None,
        etd: None,
        room_number: None,
        room_type: Some("Double".into()),
        adults: 2,
        children: 0,
        primary_guest: None,
        companions: Vec::new(),
        rate_plan_code: None,
        total: None,
        balance: None,
        created_at: None,
        updated_at: None,
        source: None,
        channel: None,
        raw: None,
    }
}

fn sync(harness: &Harness, pms: &PagedPms) -> HotelSync {
    HotelSync::new(
        hotel(),
        Arc::new(pms.clone()),
        Mirror::new(harness.store.clone(), harness.cipher.clone()),
        harness.clock.clone(),
        PollSettings {
            overlap: Duration::from_secs(60),
            page_size: 2,
            initial_lookback: Duration::from_secs(3600),
        },
    )
}

/// `(reservation id, change)` of every event waiting on `events`.
fn drain(events: &mut tokio::sync::broadcast::Receiver<PmsEvent>) -> Vec<(String, &'static str)> {
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        let (id, change) = match &event.change {
            Change::ReservationCreated { reservation } => (reservation, "created"),
            Change::ReservationCancelled { reservation } => (reservation, "cancelled"),
            Change::ReservationStatusChanged { reservation, .. } => (reservation, "status"),
            Change::ReservationUpdated { reservation } => (reservation, "updated"),
            other => panic!("not a reservation change: {other:?}"),
        };
        seen.push((id.id.to_string(), change));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_on_consecutive_pages_is_compared_with_the_page_before_it() {
    use ReservationStatus::{Cancelled, Confirmed};
    // A file store: its pool reads beside the commit, where the in-memory
    // store's one connection would wait for it.
    let dir = tempfile::tempdir().unwrap();
    let mut harness = Harness::new().await;
    harness.store = Arc::new(SqliteStore::open(&dir.path().join("poll.db")).await.unwrap());
    let pms = PagedPms::new(
        vec![
            vec![reservation("r1", Confirmed), reservation("r2", Confirmed)],
            // r1 again, cancelled meanwhile: the first page may not be durable yet.
            vec![reservation("r1", Cancelled), reservation("r3", Confirmed)],
            // r3 unchanged while the page before commits: no event.
            vec![reservation("r3", Confirmed)],
        ],
        &[],
    );
    let sync = sync(&harness, &pms);
    let mut events = sync.subscribe();

    let report = sync.poll_reservations().await.unwrap();

    assert_eq!((report.pages, report.read, report.changed), (3, 5, 4));
    assert_eq!(
        drain(&mut events),
        [
            ("r1".to_owned(), "created"),
            ("r2".to_owned(), "created"),
            ("r1".to_owned(), "cancelled"),
            ("r3".to_owned(), "created"),
        ]
    );
    let r1: Reservation = sync.mirror().get(&hotel(), "r1").await.unwrap().unwrap();
    assert_eq!(r1.status, Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_keeps_the_sealed_page_and_the_retry_resumes_after_it() {
    use ReservationStatus::Confirmed;
    let harness = Harness::new().await;
    let pages: Vec<Vec<Reservation>> = (0..4)
        .map(|p| {
            (0..2)
                .map(|i| reservation(&format!("r{p}{i}"), Confirmed))
                .collect()
        })
        .collect();
    // Page 2 fails once: pages 0 and 1 are read, and 1 was sealed while 2 was read.
    let pms = PagedPms::new(pages, &[2]);
    let sync = sync(&harness, &pms);

    let err = sync.poll_reservations().await.unwrap_err();
    assert!(err.pms_kind().is_some_and(|k| k.is_retryable()), "{err}");
    let mirrored = harness
        .store
        .records(&hotel(), RecordKind::Reservation)
        .await
        .unwrap();
    assert_eq!(mirrored.len(), 4, "pages 0 and 1 are durable");
    let cursor = harness
        .store
        .cursor(&hotel(), RESERVATIONS_STREAM)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cursor.token.as_deref(),
        Some("2"),
        "the cursor stands after page 1"
    );

    let report = sync.poll_reservations().await.unwrap();
    assert_eq!((report.pages, report.changed), (2, 4), "pages 2 and 3 only");
    let mirrored = harness
        .store
        .records(&hotel(), RecordKind::Reservation)
        .await
        .unwrap();
    assert_eq!(mirrored.len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_made_before_the_first_subscribe_share_its_events() {
    use ReservationStatus::Confirmed;
    let harness = Harness::new().await;
    let unheard = sync(
        &harness,
        &PagedPms::new(vec![vec![reservation("r0", Confirmed)]], &[]),
    );
    // Events sent while nobody listens are not kept for a later subscriber.
    unheard.poll_reservations().await.unwrap();
    assert_eq!(drain(&mut unheard.subscribe()), []);

    let pms = PagedPms::new(vec![vec![reservation("r1", Confirmed)]], &[]);
    let sync = sync(&harness, &pms).with_event_capacity(8);
    let poller = sync.clone();
    let mut events = sync.subscribe();

    poller.poll_reservations().await.unwrap();

    assert_eq!(drain(&mut events), [("r1".to_owned(), "created")]);
}
