//! The sync load harness: `cargo run --release -p pms-bench --bin bench_sync -- [--quick]`.
//!
//! Runs each scenario in a child process of its own (so `VmHWM`, the peak
//! resident set, belongs to that scenario alone) and prints one table:
//!
//! - `a` full sync of one generated hotel from the Mews simulator enforcing a
//!   time-scaled rate limit, with the sync layer's `RateLimiter` in front;
//! - `b` many hotels synced concurrently in one process;
//! - `c` webhook ingestion through `webhook_router` into SQLite under a local load generator;
//! - `d` idempotent charge posting through the `WriteJournal` (SQLite, and
//!   PostgreSQL when `PMS_TEST_DATABASE_URL` is set).
//!
//! Options: `--quick` (smaller everything), `--only a,c`, `--page-size N`
//! (reservations per poll page, default 100), `--burst N` (limiter burst, default 10),
//! `--hotels N`, `--max-concurrent N` and `--sim-process` (scenario b: the
//! simulator in a child process of its own, so that the peak RSS is the
//! sync's alone). See `BENCHMARKS.md` at the repository root.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use pms_bench::RateLimitedClient;
use pms_bench::stats::{markdown_table, peak_rss_mib, percentile, rss_mib};
use pms_core::{
    ChargeKind, ChargeRequest, Clock, Config, Currency, HotelId, Money, PmsClient, PmsKind, RequestId,
    SystemClock, VendorId,
};
use pms_mews::{MewsClient, MewsConfig};
use pms_sim::{Credentials, FaultConfig, HotelSpec, MewsSim, SimHandle, SimOptions};
use pms_sync::store::{RecordKind, Store};
use pms_sync::{
    Cipher, FnWebhookSource, HotelSync, JournalSettings, Mirror, PollSettings, PostCharge, PostgresStore,
    RateLimiter, RetryPolicy, SqliteStore, TokioSleeper, WebhookRequest, WebhookSource, WriteJournal,
    webhook_router,
};

/// The simulator's vendor limit, scaled down in time: Mews allows 200 / 30 s.
const SIM_LIMIT: u32 = 200;
const SIM_WINDOW: Duration = Duration::from_secs(3);
const WEBHOOK_TOKEN: &str = "wh-token-bench-7c1d";

#[derive(Debug, Clone)]
struct Opts {
    quick: bool,
    only: Vec<char>,
    section: Option<char>,
    page_size: u32,
    burst: u32,
    hotels: Option<usize>,
    max_concurrent: Option<usize>,
    sim_process: bool,
}

impl Opts {
    fn parse() -> Opts {
        let mut o = Opts {
            quick: false,
            only: vec!['a', 'b', 'c', 'd'],
            section: None,
            page_size: 100,
            burst: 10,
            hotels: None,
            max_concurrent: None,
            sim_process: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| usage(&format!("{name} needs a value")))
            };
            match arg.as_str() {
                "--quick" => o.quick = true,
                "--sim-process" => o.sim_process = true,
                "--only" => o.only = value("--only").chars().filter(char::is_ascii_lowercase).collect(),
                "--section" => o.section = value("--section").chars().next(),
                "--page-size" => {
                    o.page_size = value("--page-size")
                        .parse()
                        .unwrap_or_else(|_| usage("page size"))
                }
                "--burst" => o.burst = value("--burst").parse().unwrap_or_else(|_| usage("burst")),
                "--hotels" => o.hotels = Some(value("--hotels").parse().unwrap_or_else(|_| usage("hotels"))),
                "--max-concurrent" => {
                    o.max_concurrent = Some(
                        value("--max-concurrent")
                            .parse()
                            .unwrap_or_else(|_| usage("max concurrent")),
                    )
                }
                "-h" | "--help" => usage(""),
                other => usage(&format!("unknown argument {other}")),
            }
        }
        o
    }

    fn child_args(&self, section: char) -> Vec<String> {
        let mut args = vec![
            "--section".to_owned(),
            section.to_string(),
            "--page-size".to_owned(),
            self.page_size.to_string(),
            "--burst".to_owned(),
            self.burst.to_string(),
        ];
        if self.quick {
            args.push("--quick".to_owned());
        }
        if let Some(m) = self.max_concurrent {
            args.extend(["--max-concurrent".to_owned(), m.to_string()]);
        }
        if let Some(h) = self.hotels {
            args.extend(["--hotels".to_owned(), h.to_string()]);
        }
        if self.sim_process {
            args.push("--sim-process".to_owned());
        }
        args
    }
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("bench_sync: {problem}");
    }
    eprintln!(
        "usage: bench_sync [--quick] [--only a,b,c,d] [--page-size N] [--burst N] [--hotels N]\n\
         \x20                 [--max-concurrent N] [--sim-process]\n\
         a: full sync under a rate limit  b: many hotels  c: webhook ingestion  d: charge posting"
    );
    std::process::exit(2)
}

/// One table row: scenario, metric, value, target, verdict.
fn row(section: &str, metric: &str, value: impl std::fmt::Display, target: &str, met: Option<bool>) {
    let verdict = match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "",
    };
    println!("ROW\t{section}\t{metric}\t{value}\t{target}\t{verdict}");
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let opts = Opts::parse();
    if let Some(section) = opts.section {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime builds");
        runtime.block_on(run_section(section, &opts));
        if let Some(peak) = peak_rss_mib() {
            eprintln!("[{section}] peak RSS {peak:.1} MiB");
        }
        return;
    }
    let exe = std::env::current_exe().expect("own executable path");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "bench_sync{} on {cores} cores, load average at start {} ({})",
        if opts.quick { " --quick" } else { "" },
        loadavg(),
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let mut rows = vec![
        ["scenario", "metric", "value", "target", "verdict"]
            .map(String::from)
            .to_vec(),
    ];
    for section in opts.only.clone() {
        let started = Instant::now();
        let output = Command::new(&exe)
            .args(opts.child_args(section))
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("child process starts");
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("ROW\t") {
                rows.push(rest.split('\t').map(str::to_owned).collect());
            } else {
                println!("{line}");
            }
        }
        if !output.status.success() {
            rows.push(vec![
                section.to_string(),
                "run".into(),
                format!("FAILED ({})", output.status),
                String::new(),
                "MISSED".into(),
            ]);
        }
        eprintln!(
            "[{section}] done in {:.1} s, load average {}",
            started.elapsed().as_secs_f64(),
            loadavg()
        );
    }
    println!("load average at end {}\n", loadavg());
    print!("{}", markdown_table(&rows));
}

async fn run_section(section: char, opts: &Opts) {
    match section {
        'a' => full_sync(opts).await,
        'b' => many_hotels(opts).await,
        'c' => webhooks(opts).await,
        'd' => charges(opts).await,
        // Not a scenario: scenario b's simulator when run with `--sim-process`.
        'S' => serve_many_hotels_sim(opts).await,
        other => usage(&format!("no section {other}")),
    }
}

fn hotel_id(name: &str) -> HotelId {
    HotelId::new(name).expect("valid hotel id")
}

/// A Mews client config for `hotel` against `sim` with `access_token`.
fn mews_config(sim: &SimHandle, hotel: &str, access_token: &str) -> MewsConfig {
    mews_config_at(&sim.base_url(), sim.client_token(), hotel, access_token)
}

/// A Mews client config for `hotel` against the simulator at `base_url`.
fn mews_config_at(base_url: &str, client_token: &str, hotel: &str, access_token: &str) -> MewsConfig {
    let up = hotel.to_ascii_uppercase();
    let vars = HashMap::from([
        ("PMS_HOTELS".to_owned(), hotel.to_owned()),
        (format!("PMS_HOTEL_{up}_PMS"), "mews".to_owned()),
        (format!("PMS_HOTEL_{up}_BASE_URL"), base_url.to_owned()),
        (format!("PMS_HOTEL_{up}_TIME_ZONE"), "Europe/Berlin".to_owned()),
        (format!("PMS_HOTEL_{up}_CURRENCY"), "EUR".to_owned()),
        (
            format!("PMS_HOTEL_{up}_MEWS_CLIENT_TOKEN"),
            client_token.to_owned(),
        ),
        (
            format!("PMS_HOTEL_{up}_MEWS_ACCESS_TOKEN"),
            access_token.to_owned(),
        ),
        (
            format!("PMS_HOTEL_{up}_MEWS_CLIENT_NAME"),
            "pms-bench 0.1".to_owned(),
        ),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).expect("bench hotel config parses");
    let mut mews = MewsConfig::from_hotel(&config.hotels[0]).expect("bench hotel is a Mews hotel");
    mews.timeout = Duration::from_secs(30);
    mews
}

fn limiter(requests: u32, window: Duration, burst: u32) -> Arc<RateLimiter> {
    Arc::new(RateLimiter::new(
        pms_core::RateLimit { requests, window },
        burst,
        Arc::new(SystemClock),
        Arc::new(TokioSleeper),
    ))
}

fn poll_settings(page_size: u32) -> PollSettings {
    // The generated hotels' bookings were made over the last three years.
    PollSettings {
        overlap: Duration::from_secs(60),
        page_size,
        initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
    }
}

fn sim_limit() -> FaultConfig {
    FaultConfig {
        rate_limit: Some(pms_sim::RateLimit {
            requests: SIM_LIMIT,
            window: SIM_WINDOW,
        }),
        ..FaultConfig::default()
    }
}

/// Polls until done; a 429 (already pushed into the limiter by the
/// decorator) or a transient error resumes from the durable cursor.
async fn poll_to_end(sync: &HotelSync) -> Result<(usize, usize, usize), String> {
    let (mut pages, changed, mut retries) = (0, 0, 0);
    loop {
        match sync.poll_reservations().await {
            Ok(report) => return Ok((pages + report.pages, changed + report.changed, retries)),
            Err(err) if retries < 20 && err.pms_kind().is_some_and(|k| k.is_retryable()) => {
                retries += 1;
                pages += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => return Err(err.to_string()),
        }
    }
}

/// Counts mirrored records of `hotel` without decrypting them.
async fn mirrored(store: &Arc<dyn Store>, hotel: &HotelId) -> usize {
    store
        .records(hotel, RecordKind::Reservation)
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

async fn full_sync(o: &Opts) {
    let (rooms, reservations) = if o.quick { (100, 4_000) } else { (500, 20_000) };
    let spec = HotelSpec {
        rooms,
        reservations,
        guests: reservations * 3 / 5,
        folio_lines_per_stay: 1,
        agenda_items: 0,
        ..HotelSpec::small(10)
    };
    let generated = Instant::now();
    let sim = MewsSim::start(SimOptions {
        hotel: spec,
        faults: sim_limit(),
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    eprintln!(
        "[a] simulator with {rooms} rooms / {reservations} reservations in {:.1} s",
        generated.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("a.db"))
            .await
            .expect("SQLite opens"),
    );
    let client: Arc<dyn PmsClient> = Arc::new(
        MewsClient::builder(mews_config(&sim, "grand", sim.access_token()))
            .build()
            .expect("client builds"),
    );
    let limited = Arc::new(RateLimitedClient::new(
        client,
        limiter(SIM_LIMIT, SIM_WINDOW, o.burst),
        sim.access_token(),
    ));
    let hotel = hotel_id("grand");
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    let sync = HotelSync::new(
        hotel.clone(),
        limited.clone(),
        mirror,
        Arc::new(SystemClock),
        poll_settings(o.page_size),
    );

    let started = Instant::now();
    // Fills the client's room-name cache, so each poll page is one request.
    limited.rooms().await.expect("rooms read");
    let result = poll_to_end(&sync).await;
    let elapsed = started.elapsed();
    let counters = sim.state().counters();
    let (pages, _, retries) = result.clone().unwrap_or_default();
    let count = mirrored(&store, &hotel).await;
    let rate = counters.requests as f64 / elapsed.as_secs_f64();
    let allowed = f64::from(SIM_LIMIT) / SIM_WINDOW.as_secs_f64();
    let fraction = rate / allowed;
    let waited = limited.waited();
    let in_calls = limited.in_calls();
    let s = "a full sync";
    row(
        s,
        "workload",
        format!(
            "{rooms} rooms, {reservations} resv, page {}, sim limit {SIM_LIMIT}/{}s, limiter burst {}",
            o.page_size,
            SIM_WINDOW.as_secs(),
            o.burst
        ),
        "",
        None,
    );
    if let Err(err) = &result {
        row(s, "error", err, "", Some(false));
    }
    row(
        s,
        "mirrored reservations",
        count,
        &reservations.to_string(),
        Some(count == reservations as usize),
    );
    row(
        s,
        "requests / wall time",
        format!(
            "{} req ({pages} pages) / {:.2} s = {rate:.1} req/s",
            counters.requests,
            elapsed.as_secs_f64()
        ),
        "",
        None,
    );
    row(
        s,
        "fraction of allowed rate",
        format!("{fraction:.3} (allowed {allowed:.1}/s)"),
        ">= 0.9",
        Some(fraction >= 0.9),
    );
    row(
        s,
        "429s from simulator",
        counters.total_429(),
        "0",
        Some(counters.total_429() == 0),
    );
    row(
        s,
        "time spent waiting for limiter",
        format!(
            "{:.2} s ({:.0}% of wall)",
            waited.as_secs_f64(),
            100.0 * waited.as_secs_f64() / elapsed.as_secs_f64()
        ),
        "",
        None,
    );
    row(
        s,
        "time in client calls",
        format!(
            "{:.2} s ({:.0}%: HTTP, simulator, decode + map); the rest, {:.2} s, is diff + seal + SQLite apply",
            in_calls.as_secs_f64(),
            100.0 * in_calls.as_secs_f64() / elapsed.as_secs_f64(),
            (elapsed.saturating_sub(in_calls + waited)).as_secs_f64()
        ),
        "",
        None,
    );
    row(s, "poll retries after errors", retries, "0", Some(retries == 0));
    sim.shutdown().await;
}

/// Access tokens in the Mews shape (32 hex, `-`, 31 hex), one per hotel.
fn token(i: usize) -> String {
    format!("51AACCE55A0A4B0C9D0E1F2{i:09X}-51A{i:028X}")
}

/// Scenario b's simulator: one generated hotel served under every token.
fn many_hotels_sim_options(tokens: &[String]) -> SimOptions {
    SimOptions {
        hotel: HotelSpec {
            rooms: MANY_ROOMS,
            reservations: MANY_RESERVATIONS,
            guests: 300,
            folio_lines_per_stay: 1,
            agenda_items: 0,
            ..HotelSpec::small(20)
        },
        faults: sim_limit(),
        credentials: Credentials {
            access_tokens: tokens.to_vec(),
            ..Credentials::default()
        },
        ..SimOptions::default()
    }
}

/// Rooms and reservations of each of scenario b's hotels.
const MANY_ROOMS: u32 = 50;
const MANY_RESERVATIONS: u32 = 500;

fn many_hotels_count(o: &Opts) -> usize {
    o.hotels.unwrap_or(if o.quick { 20 } else { 200 })
}

/// Scenario b's simulator, in this process or (`--sim-process`) in a child
/// of its own, so that the sync process's peak RSS is the sync's alone.
enum ManySim {
    Here(SimHandle),
    Child {
        child: std::process::Child,
        answers: BufReader<std::process::ChildStdout>,
        base_url: String,
        client_token: String,
    },
}

/// What the simulator counted, and its own peak RSS when it ran apart.
struct SimTotals {
    requests: usize,
    too_many: usize,
    own_peak: Option<f64>,
}

impl ManySim {
    async fn start(o: &Opts, tokens: &[String]) -> ManySim {
        if !o.sim_process {
            let sim = MewsSim::start(many_hotels_sim_options(tokens))
                .await
                .expect("simulator starts");
            return ManySim::Here(sim);
        }
        let exe = std::env::current_exe().expect("own executable path");
        let mut args = o.child_args('S');
        args.retain(|a| a != "--sim-process");
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("simulator process starts");
        let mut answers = BufReader::new(child.stdout.take().expect("piped stdout"));
        // Blocking, once, before any hotel syncs.
        let mut line = String::new();
        answers.read_line(&mut line).expect("simulator process answers");
        let mut fields = line.trim_end().split('\t');
        let (Some("SIM"), Some(base_url), Some(client_token)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("simulator process said {line:?}");
        };
        ManySim::Child {
            base_url: base_url.to_owned(),
            client_token: client_token.to_owned(),
            child,
            answers,
        }
    }

    fn base_url(&self) -> String {
        match self {
            ManySim::Here(sim) => sim.base_url(),
            ManySim::Child { base_url, .. } => base_url.clone(),
        }
    }

    fn client_token(&self) -> &str {
        match self {
            ManySim::Here(sim) => sim.client_token(),
            ManySim::Child { client_token, .. } => client_token,
        }
    }

    /// Stops the simulator and returns its counters.
    async fn finish(self) -> SimTotals {
        match self {
            ManySim::Here(sim) => {
                let counters = sim.state().counters();
                sim.shutdown().await;
                SimTotals {
                    requests: counters.requests,
                    too_many: counters.total_429(),
                    own_peak: None,
                }
            }
            ManySim::Child {
                mut child,
                mut answers,
                ..
            } => {
                // Closing its stdin asks the child for its totals and ends it.
                drop(child.stdin.take());
                let mut line = String::new();
                answers.read_line(&mut line).expect("simulator process answers");
                let _ = child.wait();
                let fields: Vec<&str> = line.trim_end().split('\t').collect();
                match fields.as_slice() {
                    ["TOTALS", requests, too_many, peak] => SimTotals {
                        requests: requests.parse().unwrap_or(0),
                        too_many: too_many.parse().unwrap_or(0),
                        own_peak: peak.parse().ok(),
                    },
                    _ => panic!("simulator process said {line:?}"),
                }
            }
        }
    }
}

/// The `S` section: serves scenario b's simulator until stdin closes, then
/// prints its totals and its own peak RSS.
async fn serve_many_hotels_sim(o: &Opts) {
    let tokens: Vec<String> = (0..many_hotels_count(o)).map(token).collect();
    let sim = MewsSim::start(many_hotels_sim_options(&tokens))
        .await
        .expect("simulator starts");
    println!("SIM\t{}\t{}", sim.base_url(), sim.client_token());
    std::io::stdout().flush().expect("stdout");
    tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
        .await
        .ok();
    let counters = sim.state().counters();
    println!(
        "TOTALS\t{}\t{}\t{:.1}",
        counters.requests,
        counters.total_429(),
        peak_rss_mib().unwrap_or(0.0)
    );
    sim.shutdown().await;
}

async fn many_hotels(o: &Opts) {
    let hotels = many_hotels_count(o);
    let (rooms, reservations) = (MANY_ROOMS, MANY_RESERVATIONS);
    let tokens: Vec<String> = (0..hotels).map(token).collect();
    let sim = ManySim::start(o, &tokens).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("b.db"))
            .await
            .expect("SQLite opens"),
    );
    let cipher = Arc::new(Cipher::random());
    let shared_limiter = limiter(SIM_LIMIT, SIM_WINDOW, o.burst);
    let baseline = rss_mib().unwrap_or(0.0);
    let started = Instant::now();
    let mut prepared = Vec::with_capacity(hotels);
    // One HTTP client (pool, TLS configuration) for every hotel, as a
    // multi-hotel service would run them.
    let http = reqwest::Client::new();
    for (i, token) in tokens.iter().enumerate() {
        let name = format!("h{i:03}");
        let client: Arc<dyn PmsClient> = Arc::new(
            MewsClient::builder(mews_config_at(&sim.base_url(), sim.client_token(), &name, token))
                .http_client(http.clone())
                .build()
                .expect("client builds"),
        );
        let limited = Arc::new(RateLimitedClient::new(
            client,
            shared_limiter.clone(),
            token.clone(),
        ));
        let mirror = Mirror::new(store.clone(), cipher.clone());
        let sync = HotelSync::new(
            hotel_id(&name),
            limited.clone(),
            mirror,
            Arc::new(SystemClock),
            poll_settings(o.page_size),
        );
        prepared.push((limited, sync));
    }
    let with_clients = rss_mib().unwrap_or(0.0);
    let permits = Arc::new(tokio::sync::Semaphore::new(
        o.max_concurrent.unwrap_or(hotels).max(1),
    ));
    let mut tasks = Vec::with_capacity(hotels);
    for (limited, sync) in prepared {
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.map_err(|e| e.to_string())?;
            limited.rooms().await.map_err(|e| e.to_string())?;
            poll_to_end(&sync).await
        }));
    }
    let mut failed = Vec::new();
    let mut retries = 0;
    for task in futures::future::join_all(tasks).await {
        match task {
            Ok(Ok((_, _, r))) => retries += r,
            Ok(Err(err)) => failed.push(err),
            Err(join) => failed.push(join.to_string()),
        }
    }
    let wall = started.elapsed();
    let peak = peak_rss_mib().unwrap_or(0.0);
    let counters = sim.finish().await;
    let mut total = 0;
    for i in 0..hotels {
        total += mirrored(&store, &hotel_id(&format!("h{i:03}"))).await;
    }
    let s = "b many hotels";
    row(
        s,
        "workload",
        format!(
            "{hotels} hotels x ({rooms} rooms, {reservations} resv) concurrently (at most {} polling at once), one SQLite file, page {}",
            o.max_concurrent.unwrap_or(hotels),
            o.page_size
        ),
        "",
        None,
    );
    row(
        s,
        "wall time",
        format!("{:.2} s ({} requests)", wall.as_secs_f64(), counters.requests),
        "",
        None,
    );
    row(
        s,
        "mirrored reservations",
        total,
        &(hotels * reservations as usize).to_string(),
        Some(total == hotels * reservations as usize),
    );
    // The target is the sync process's; with the simulator in this process
    // the figure is an upper bound of it.
    let (metric, simulator) = match counters.own_peak {
        None => (
            "peak RSS (VmHWM), simulator in this process",
            "incl. the simulator".to_owned(),
        ),
        Some(own) => (
            "peak RSS (VmHWM) of the sync alone",
            format!("simulator in its own process, whose peak was {own:.1} MiB"),
        ),
    };
    row(
        s,
        metric,
        format!(
            "{peak:.1} MiB (before clients: {baseline:.1} MiB, {simulator}; after building {hotels} clients + syncs: {with_clients:.1} MiB)"
        ),
        "< 200 MB",
        Some(peak * 1.048_576 < 200.0),
    );
    row(
        s,
        "429s from simulator",
        counters.too_many,
        "0",
        Some(counters.too_many == 0),
    );
    row(
        s,
        "hotels failed / poll retries",
        format!("{} / {retries}", failed.len()),
        "0",
        Some(failed.is_empty()),
    );
    if let Some(first) = failed.first() {
        row(s, "first failure", first, "", None);
    }
}

async fn webhooks(o: &Opts) {
    let (requests, concurrency) = if o.quick {
        (2_000usize, 32usize)
    } else {
        (20_000, 64)
    };
    let deadline = Duration::from_secs(if o.quick { 20 } else { 60 });
    let dir = tempfile::tempdir().expect("temp dir");
    let file: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("c.db"))
            .await
            .expect("SQLite opens"),
    );
    let label = "c webhooks, SQLite file (WAL, synchronous=FULL)";
    webhooks_into(label, file, requests, concurrency, deadline).await;
    // The same path without fsync and without writer contention (one connection),
    // to separate the store's cost from the receiver's.
    let memory: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.expect("SQLite opens"));
    let label = "c webhooks, SQLite in-memory (diagnostic)";
    webhooks_into(label, memory, requests, concurrency, deadline).await;
}

async fn webhooks_into(
    s: &str,
    store: Arc<dyn Store>,
    requests: usize,
    concurrency: usize,
    deadline: Duration,
) {
    let hotel = hotel_id("grand");
    let secret = secrecy::SecretString::from(WEBHOOK_TOKEN.to_owned());
    let h = hotel.clone();
    let source = FnWebhookSource::new(PmsKind::Mews, move |request: &WebhookRequest, at| {
        pms_mews::verify_token(request.query.as_deref(), &secret)?;
        Ok(pms_mews::parse_webhook(&request.body, &h, at)?.events().to_vec())
    });
    let router = webhook_router(
        store.clone(),
        HashMap::from([(hotel.clone(), Arc::new(source) as Arc<dyn WebhookSource>)]),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let base = format!(
        "http://{}/webhooks/grand",
        listener.local_addr().expect("local addr")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("http client");
    let refused = http
        .post(format!("{base}?Token=wrong"))
        .body(payload_for(0))
        .send()
        .await
        .expect("receiver answers");
    let auth_ok = refused.status() == 401;

    // Every tenth delivery re-sends the previous body, as a vendor retry would.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..requests)
            .map(|i| payload_for(if i % 10 == 9 { i - 1 } else { i }))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{base}?Token={WEBHOOK_TOKEN}"));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, bodies, next, url) = (http.clone(), bodies.clone(), next.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() || started.elapsed() > deadline {
                    return (latencies, errors);
                }
                let sent = Instant::now();
                let ok = http
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .body(bodies[i].clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
            }
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in futures::future::join_all(tasks).await {
        let (l, e) = task.expect("load task");
        latencies.extend(l);
        errors += e;
    }
    let wall = started.elapsed();
    let accepted = latencies.len();
    let stored = store
        .inbox_pending(&hotel, u32::MAX)
        .await
        .map(|v| v.len())
        .unwrap_or(0);
    let events_per_s = (2 * accepted) as f64 / wall.as_secs_f64();
    let p50 = percentile(&mut latencies, 50.0);
    let p99 = percentile(&mut latencies, 99.0);
    row(
        s,
        "workload",
        format!(
            "{requests} Mews deliveries x 2 events ({} resent), {concurrency} concurrent clients",
            requests / 10
        ),
        "",
        None,
    );
    row(s, "wrong token refused with 401", auth_ok, "true", Some(auth_ok));
    row(
        s,
        "deliveries accepted / failed",
        format!(
            "{accepted} / {errors} in {:.2} s ({:.0} req/s)",
            wall.as_secs_f64(),
            accepted as f64 / wall.as_secs_f64()
        ),
        "",
        Some(errors == 0),
    );
    row(
        s,
        "events/s accepted",
        format!("{events_per_s:.0}"),
        ">= 10000",
        Some(events_per_s >= 10_000.0),
    );
    row(s, "events stored (after dedupe)", stored, "", None);
    row(
        s,
        "latency p50",
        format!("{:.2} ms", p50.as_secs_f64() * 1e3),
        "",
        None,
    );
    row(
        s,
        "latency p99",
        format!("{:.2} ms", p99.as_secs_f64() * 1e3),
        "< 50 ms",
        Some(p99 < Duration::from_millis(50)),
    );
}

fn payload_for(i: usize) -> Vec<u8> {
    pms_bench::payloads::mews_webhook(i)
}

async fn charges(o: &Opts) {
    let count = if o.quick { 200 } else { 1_000 };
    let concurrency = 8;
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("d.db"))
            .await
            .expect("SQLite opens"),
    );
    charges_with("SQLite (file, FULL)", sqlite, count, concurrency).await;
    match std::env::var("PMS_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("pms_bench_{}", std::process::id());
            match PostgresStore::connect_with_schema(&url, &schema).await {
                Ok(pg) => {
                    let pg = Arc::new(pg);
                    charges_with("PostgreSQL", pg.clone(), count, concurrency).await;
                    pg.close().await;
                    drop_schema(&url, &schema).await;
                }
                Err(err) => row(
                    "d charges PostgreSQL",
                    "skipped",
                    format!("cannot connect: {err}"),
                    "",
                    None,
                ),
            }
        }
        _ => row(
            "d charges PostgreSQL",
            "skipped",
            "PMS_TEST_DATABASE_URL is not set",
            "",
            None,
        ),
    }
}

async fn drop_schema(url: &str, schema: &str) {
    // `schema` is our own `pms_bench_<pid>`, already validated by connect_with_schema.
    if let Ok(pool) = sqlx::PgPool::connect(url).await {
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
        pool.close().await;
    }
}

async fn charges_with(label: &str, store: Arc<dyn Store>, count: usize, concurrency: usize) {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(30)))
        .await
        .expect("simulator starts");
    let mut config = mews_config(&sim, "grand", sim.access_token());
    let services = MewsClient::builder(config.clone())
        .build()
        .expect("client")
        .services()
        .await
        .expect("services");
    let additional = services
        .iter()
        .find(|s| {
            s.data
                .as_ref()
                .is_some_and(|d| format!("{:?}", d.discriminator).contains("Additional"))
        })
        .expect("the simulated hotel has an additional service");
    config.charges.service_id = Some(additional.id.clone());
    config.charges.tax_codes = vec!["DE-2020-1-S".into()];
    let client: Arc<dyn PmsClient> = Arc::new(MewsClient::builder(config).build().expect("client builds"));
    let reservation = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| format!("{:?}", r.state) == "Started")
            .map(|r| r.id.to_string())
            .expect("an in-house reservation")
    });
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let journal = Arc::new(WriteJournal::new(
        store,
        Arc::new(Cipher::random()),
        // A budget that never binds: this measures the journal, not the limiter.
        limiter(1_000_000, Duration::from_secs(1), 10_000),
        JournalSettings {
            credential: sim.access_token().to_owned(),
            retry: RetryPolicy {
                max_attempts: 5,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
                max_elapsed: Duration::from_secs(10),
            },
            owner: "pms-bench".into(),
            claim_ttl: Duration::from_secs(60),
        },
        clock,
        Arc::new(TokioSleeper),
    ));
    let charges: Arc<Vec<PostCharge>> = Arc::new(
        (0..count)
            .map(|i| {
                PostCharge(ChargeRequest {
                    request_id: RequestId::new_random(),
                    reservation: VendorId::new(reservation.clone()).expect("vendor id"),
                    kind: ChargeKind::RoomService,
                    description: format!("Room service #{i}"),
                    unit_amount: Money::parse("4.50", Currency::EUR).expect("amount"),
                    quantity: 2.into(),
                    transaction_code: None,
                    outlet: None,
                    consumed_at: Utc::now(),
                })
            })
            .collect(),
    );
    let hotel = hotel_id("grand");
    let run = |pass: &'static str| {
        let (journal, charges, client, hotel) =
            (journal.clone(), charges.clone(), client.clone(), hotel.clone());
        async move {
            let next = Arc::new(AtomicUsize::new(0));
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..concurrency {
                let (journal, charges, client, hotel, next) = (
                    journal.clone(),
                    charges.clone(),
                    client.clone(),
                    hotel.clone(),
                    next.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let mut failed = 0usize;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(charge) = charges.get(i) else {
                            return failed;
                        };
                        if journal.execute(&hotel, client.as_ref(), charge).await.is_err() {
                            failed += 1;
                        }
                    }
                }));
            }
            let failed: usize = futures::future::join_all(tasks)
                .await
                .into_iter()
                .map(|r| r.unwrap_or(1))
                .sum();
            let wall = started.elapsed();
            eprintln!(
                "[d] {label} {pass}: {count} in {:.2} s, {failed} failed",
                wall.as_secs_f64()
            );
            (count as f64 / wall.as_secs_f64(), failed)
        }
    };
    let (posted, failed) = run("post").await;
    let orders = sim.state().requests_to("orders/add").len();
    let (replayed, replay_failed) = run("replay").await;
    let orders_after = sim.state().requests_to("orders/add").len();
    let s = format!("d charges {label}");
    row(
        &s,
        "workload",
        format!("{count} distinct charges, {concurrency} concurrent, Mews simulator, no faults"),
        "",
        None,
    );
    row(
        &s,
        "charges/s posted (journal + PMS)",
        format!("{posted:.0}"),
        "",
        Some(failed == 0),
    );
    row(
        &s,
        "charges/s replayed (journal only)",
        format!("{replayed:.0}"),
        "",
        Some(replay_failed == 0),
    );
    row(
        &s,
        "orders/add calls for post / replay",
        format!("{orders} / {}", orders_after - orders),
        &format!("{count} / 0"),
        Some(orders == count && orders_after == orders),
    );
    sim.shutdown().await;
}
