//! Starting, inspecting and stopping a simulator, whatever its vendor front.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::faults::{FaultConfig, Faults};
use crate::generator::{HotelSpec, generate};
use crate::journal::{Counters, Journal, RequestRecord};
use crate::model::{Charge, Reservation, Room};
use crate::ratelimit::Limiter;
use crate::state::Hotel;
use crate::state::Summary;
use crate::webhooks::{WebhookConfig, Webhooks};
use crate::{SimError, admin, mews};

/// The vendors a simulator can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Mews Connector API.
    Mews,
    /// Oracle OPERA OWS 5.1 (SOAP 1.1).
    Opera,
    /// Cloudbeds API v1.3 (form-encoded REST, JSON envelopes).
    Cloudbeds,
}

impl std::fmt::Display for Vendor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Vendor::Mews => "mews",
            Vendor::Opera => "opera",
            Vendor::Cloudbeds => "cloudbeds",
        })
    }
}

impl std::str::FromStr for Vendor {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mews" => Ok(Vendor::Mews),
            "opera" => Ok(Vendor::Opera),
            "cloudbeds" => Ok(Vendor::Cloudbeds),
            other => Err(SimError::UnknownVendor(other.to_owned())),
        }
    }
}

/// Credentials the simulator accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The application's token (Mews `ClientToken`).
    pub client_token: String,
    /// Per-property tokens (Mews `AccessToken`); each has its own rate budget.
    pub access_tokens: Vec<String>,
}

impl Default for Credentials {
    /// Tokens in the Mews shape (32 hex, `-`, 31 hex) but obviously simulated.
    fn default() -> Self {
        Credentials {
            client_token: "51AC11E470C3417E8F3B5A1D00000000-51A0000000000000000000000000001".to_owned(),
            access_tokens: vec![
                "51AACCE55A0A4B0C9D0E1F2000000001-51A0000000000000000000000000001".to_owned(),
                "51AACCE55A0A4B0C9D0E1F2000000002-51A0000000000000000000000000002".to_owned(),
            ],
        }
    }
}

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The hotel to seed.
    pub hotel: HotelSpec,
    /// Initial fault settings.
    pub faults: FaultConfig,
    /// Initial webhook delivery settings.
    pub webhooks: WebhookConfig,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            hotel: HotelSpec::small(1),
            faults: FaultConfig::default(),
            webhooks: WebhookConfig::default(),
            credentials: Credentials::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl SimOptions {
    /// Default options with another hotel.
    pub fn with_hotel(hotel: HotelSpec) -> Self {
        SimOptions {
            hotel,
            ..SimOptions::default()
        }
    }

    /// Turns on the vendor's documented request budget (Mews: 200 requests
    /// per AccessToken per 30 s, sliding). Off by default so test suites can
    /// burst; a demo or a soak run should turn it on.
    pub fn with_vendor_rate_limit(mut self) -> Self {
        self.faults = self.faults.with_vendor_rate_limit();
        self
    }
}

/// State shared by a front's handlers.
#[derive(Debug)]
pub(crate) struct SimCore {
    pub hotel: RwLock<Hotel>,
    pub faults: Faults,
    pub limiter: Limiter,
    pub journal: Journal,
    pub webhooks: Webhooks,
    pub credentials: Credentials,
    pub integration_id: Uuid,
}

impl SimCore {
    pub fn read(&self) -> RwLockReadGuard<'_, Hotel> {
        self.hotel.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Hotel> {
        self.hotel.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Read access to what the simulated PMS holds and what it was asked.
#[derive(Debug, Clone)]
pub struct Inspector {
    core: Arc<SimCore>,
}

impl Inspector {
    /// Runs `f` over the hotel as it is now.
    pub fn with_hotel<R>(&self, f: impl FnOnce(&Hotel) -> R) -> R {
        f(&self.core.read())
    }

    /// Changes the hotel directly, bypassing the API (test setup: "make room
    /// 101 dirty"). Emits no webhook.
    pub fn with_hotel_mut<R>(&self, f: impl FnOnce(&mut Hotel) -> R) -> R {
        f(&mut self.core.write())
    }

    /// Counts of what the PMS holds now, by state.
    pub fn summary(&self) -> Summary {
        self.with_hotel(Hotel::summary)
    }

    /// A reservation as held now.
    pub fn reservation(&self, id: Uuid) -> Option<Reservation> {
        self.with_hotel(|h| h.reservation(id).cloned())
    }

    /// A room as held now.
    pub fn room(&self, id: Uuid) -> Option<Room> {
        self.with_hotel(|h| h.room(id).cloned())
    }

    /// Folio lines carrying `external_identifier`: how many times a charge
    /// was really posted.
    pub fn charges_with_external_id(&self, external_identifier: &str) -> Vec<Charge> {
        self.with_hotel(|h| {
            h.charges
                .iter()
                .filter(|c| c.external_identifier.as_deref() == Some(external_identifier))
                .cloned()
                .collect()
        })
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.core.journal.records()
    }

    /// Requests whose path ends with `suffix` (e.g. `"orders/add"`).
    pub fn requests_to(&self, suffix: &str) -> Vec<RequestRecord> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(suffix))
            .collect()
    }

    /// Counters of requests, 429s and injected faults.
    pub fn counters(&self) -> Counters {
        self.core.journal.counters()
    }

    /// Forgets the request log (the hotel is kept).
    pub fn clear_requests(&self) {
        self.core.journal.clear();
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    core: Arc<SimCore>,
    addr: SocketAddr,
    vendor: Vendor,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// Generates the hotel, binds `options.addr` and starts serving `vendor`.
    pub async fn start(vendor: Vendor, options: SimOptions) -> Result<SimHandle, SimError> {
        let listener = TcpListener::bind(options.addr).await.map_err(SimError::Bind)?;
        let addr = listener.local_addr().map_err(SimError::Bind)?;
        let hotel = generate(&options.hotel);
        // Stable per seed so a receiver's expectations survive restarts.
        let integration_id = Uuid::from_u64_pair(options.hotel.seed, 0x51A1);
        let core = Arc::new(SimCore {
            hotel: RwLock::new(hotel),
            faults: Faults::new(options.faults),
            limiter: Limiter::default(),
            journal: Journal::default(),
            webhooks: Webhooks::start(options.webhooks),
            credentials: options.credentials,
            integration_id,
        });
        let router = match vendor {
            Vendor::Mews => mews::router(core.clone()),
            Vendor::Opera => crate::opera::router(core.clone()),
            Vendor::Cloudbeds => crate::cloudbeds::router(core.clone()),
        }
        .merge(admin::router(core.clone()));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "simulator server stopped with an error");
            }
        });
        Ok(SimHandle {
            core,
            addr,
            vendor,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The vendor this simulator speaks.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// What the PMS holds and what it was asked.
    pub fn state(&self) -> Inspector {
        Inspector {
            core: self.core.clone(),
        }
    }

    /// Fault settings, changeable while running.
    pub fn faults(&self) -> &Faults {
        &self.core.faults
    }

    /// The webhook sender: register a receiver, tune delivery, read stats.
    pub fn webhooks(&self) -> &Webhooks {
        &self.core.webhooks
    }

    /// Accepted credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.core.credentials
    }

    /// Empties every credential's rate-limit window (after changing the limit).
    pub fn reset_rate_limits(&self) {
        self.core.limiter.reset();
    }

    /// The first accepted access token.
    pub fn access_token(&self) -> &str {
        self.core
            .credentials
            .access_tokens
            .first()
            .map_or("", String::as_str)
    }

    /// The accepted client token.
    pub fn client_token(&self) -> &str {
        &self.core.credentials.client_token
    }

    /// The Mews `IntegrationId` the simulator's webhooks carry (stable per seed).
    pub fn integration_id(&self) -> Uuid {
        self.core.integration_id
    }

    /// Stops serving. In-flight requests get a second to finish (a hanging
    /// ambiguous write does not hold shutdown up), then are cut.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(1), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The last line [`serve`] prints before it serves: what a process that
/// reads the simulator's output waits for.
pub const READY_LINE: &str = "# ready: serving until Ctrl-C";

/// Runs a simulator of `vendor` on `127.0.0.1:port` until the future is
/// dropped or the process gets Ctrl-C: the entry point of `pms sim <vendor>
/// --port N`. Prints, before serving, the base URL and every credential a
/// client needs, then the `PMS_HOTEL_<ID>_*` lines of a hotel with id `hotel`
/// ([`SimHandle::connection`]), so a developer can point a client at it or
/// paste the block into `.env`. The CLI would typically pass
/// `SimOptions::with_hotel(HotelSpec::small(seed)).with_vendor_rate_limit()`
/// for a realistic demo, or `SimOptions::default()` for a permissive one.
pub async fn serve(vendor: Vendor, port: u16, mut options: SimOptions, hotel: &str) -> Result<(), SimError> {
    use std::io::Write as _;
    options.addr = SocketAddr::from(([127, 0, 0, 1], port));
    let sim = SimHandle::start(vendor, options).await?;
    let mut out = std::io::stdout().lock();
    // Best effort: a closed stdout must not stop the simulator.
    let _ = writeln!(out, "pms-sim {vendor} listening on {}", sim.base_url())
        .and_then(|()| write!(out, "{}", sim.connection(hotel)))
        .and_then(|()| writeln!(out, "{READY_LINE}"))
        .and_then(|()| out.flush());
    drop(out);
    tracing::info!(base_url = %sim.base_url(), "simulator started");
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
