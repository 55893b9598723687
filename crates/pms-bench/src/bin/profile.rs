//! Single-threaded workloads for a profiler (`valgrind --tool=callgrind`):
//!
//! - `profile poll N [--memory]`: `HotelSync::poll_reservations` over `N`
//!   pre-decoded Mews reservations from an in-process client (no HTTP, no
//!   simulator), pages of 100, into a SQLite file (or in-memory) store: the
//!   sync layer's own per-page cost.
//! - `profile decode mews|cloudbeds|opera N`: one decode + map of an `N`-reservation payload.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use pms_bench::payloads;
use pms_core::{
    Capabilities, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, Currency, DateRange, Decoded,
    Error, Folio, Guest, HealthReport, HotelId, Page, PageToken, PayloadDecoder, PayloadKind, PmsClient,
    PmsKind, PostedCharge, Reservation, Room, RoomStatusReport, RoomStatusUpdate, SystemClock, VendorId,
    chrono_tz,
};
use pms_sync::store::Store;
use pms_sync::{Cipher, HotelSync, Mirror, PollSettings, SqliteStore};

/// Serves pre-decoded reservations page by page.
struct Canned(Vec<Reservation>);

fn unsupported<T>(operation: &'static str) -> Result<T, Error> {
    Err(Error::unsupported(PmsKind::Mews, operation))
}

#[async_trait]
impl PmsClient for Canned {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    async fn reservation(&self, _: &VendorId) -> Result<Reservation, Error> {
        unsupported("reservation")
    }
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        let start: usize = query
            .page
            .as_ref()
            .and_then(|p| p.as_str().parse().ok())
            .unwrap_or(0);
        let end = (start + query.page_size as usize).min(self.0.len());
        Ok(Page {
            items: self.0[start..end].to_vec(),
            next: (end < self.0.len()).then(|| PageToken::new(end.to_string())),
        })
    }
    async fn arrivals(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        unsupported("arrivals")
    }
    async fn departures(&self, _: DateRange) -> Result<Vec<Reservation>, Error> {
        unsupported("departures")
    }
    async fn guest(&self, _: &VendorId) -> Result<Guest, Error> {
        unsupported("guest")
    }
    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        unsupported("rooms")
    }
    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        unsupported("room_statuses")
    }
    async fn folio(&self, _: &VendorId) -> Result<Folio, Error> {
        unsupported("folio")
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
            checked_at: chrono::Utc::now(),
            error: None,
            detail: None,
        }
    }
}

fn reservations(decoded: Decoded) -> Vec<Reservation> {
    match decoded {
        Decoded::Reservations(r) => r,
        _ => panic!("not reservations"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(2_000usize);
    match args.first().map(String::as_str) {
        Some("poll") => poll(n(1), args.iter().any(|a| a == "--memory")),
        Some("decode") => decode(args.get(1).map_or("mews", String::as_str), n(2)),
        Some("baseline") => baseline(args.get(1).map_or("mews", String::as_str), n(2)),
        _ => {
            eprintln!("usage: profile poll N [--memory] | profile decode|baseline mews|cloudbeds|opera N");
            std::process::exit(2)
        }
    }
}

/// The untyped baseline of the decode benches on the same payload: a
/// `serde_json::Value` parse (JSON) or a bare quick-xml event scan (XML).
/// Under callgrind, `--toggle-collect='*baseline_parse*'` counts it alone.
fn baseline(vendor: &str, n: usize) {
    let body = match vendor {
        "mews" => payloads::mews_reservations(n),
        "cloudbeds" => payloads::cloudbeds_reservations(n),
        "opera" => payloads::opera_future_booking_summary(n),
        other => panic!("unknown vendor {other}"),
    };
    let started = Instant::now();
    let units = baseline_parse(vendor == "opera", &body);
    println!("{vendor} baseline: {units} units in {:?}", started.elapsed());
}

#[inline(never)]
fn baseline_parse(xml: bool, body: &[u8]) -> usize {
    if xml {
        pms_bench::baseline::xml_scan(body)
    } else {
        std::hint::black_box(pms_bench::baseline::value_parse(body))
            .as_object()
            .map_or(0, |m| m.len())
    }
}

fn decode(vendor: &str, n: usize) {
    let ctx = payloads::context(chrono_tz::Europe::Berlin, Currency::EUR);
    let (body, decoder): (Vec<u8>, Box<dyn PayloadDecoder>) = match vendor {
        "mews" => (payloads::mews_reservations(n), Box::new(pms_mews::MewsDecoder)),
        "cloudbeds" => (
            payloads::cloudbeds_reservations(n),
            Box::new(pms_cloudbeds::CloudbedsDecoder),
        ),
        "opera" => (
            payloads::opera_future_booking_summary(n),
            Box::new(pms_opera::OperaDecoder::new()),
        ),
        other => panic!("unknown vendor {other}"),
    };
    let started = Instant::now();
    let decoded = decoder
        .decode(PayloadKind::Reservations, &body, &ctx)
        .expect("payload decodes");
    println!(
        "{vendor}: {} reservations in {:?}",
        reservations(decoded).len(),
        started.elapsed()
    );
}

fn poll(n: usize, memory: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let ctx = payloads::context(chrono_tz::Europe::Budapest, Currency::EUR);
        let canned = pms_mews::MewsDecoder
            .decode(PayloadKind::Reservations, &payloads::mews_reservations(n), &ctx)
            .expect("payload decodes");
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn Store> = if memory {
            Arc::new(SqliteStore::in_memory().await.expect("SQLite"))
        } else {
            Arc::new(SqliteStore::open(&dir.path().join("p.db")).await.expect("SQLite"))
        };
        let sync = HotelSync::new(
            HotelId::new("bench").expect("hotel id"),
            Arc::new(Canned(reservations(canned))),
            Mirror::new(store, Arc::new(Cipher::random())),
            Arc::new(SystemClock),
            PollSettings {
                overlap: Duration::from_secs(60),
                page_size: 100,
                initial_lookback: Duration::from_secs(3600),
            },
        );
        let started = Instant::now();
        let report = sync.poll_reservations().await.expect("poll");
        let first = started.elapsed();
        // A second pass over the same, unchanged records (the canned client
        // ignores the window): the steady state of polling with overlap.
        let started = Instant::now();
        let again = sync.poll_reservations().await.expect("poll again");
        let again_time = started.elapsed();
        // The parts of a page, timed alone over the same records.
        let records = reservations(
            pms_mews::MewsDecoder
                .decode(PayloadKind::Reservations, &payloads::mews_reservations(n), &ctx)
                .expect("payload decodes"),
        );
        let (mirror, hotel) = (sync.mirror().clone(), sync.hotel().clone());
        let t = Instant::now();
        let sealed: Vec<_> = records
            .iter()
            .map(|r| mirror.seal(&hotel, r).expect("seal"))
            .collect();
        let seal = t.elapsed();
        let t = Instant::now();
        for s in &sealed {
            let _ = mirror.cipher().fingerprint(s.sealed.as_slice());
        }
        let fingerprint = t.elapsed();
        let t = Instant::now();
        for s in &sealed {
            mirror
                .store()
                .record(&hotel, s.kind, &s.external_id)
                .await
                .expect("lookup");
        }
        let lookups = t.elapsed();
        let t = Instant::now();
        let all = mirror
            .store()
            .records(&hotel, sealed[0].kind)
            .await
            .expect("records");
        let batched = t.elapsed();
        println!(
            "per record: seal (serialize + HMAC + AEAD) {:?}, HMAC alone {:?}, store.record lookup {:?}, \
             one store.records query for all {} {:?}",
            seal / n as u32,
            fingerprint / n as u32,
            lookups / n as u32,
            all.len(),
            batched / n as u32
        );
        println!(
            "poll {n}: first {} pages / {} changed in {first:?} ({:?}/page); again {} changed in {:?}",
            report.pages,
            report.changed,
            first / report.pages.max(1) as u32,
            again.changed,
            again_time
        );
    });
}
