//! Turns configuration into running parts: connectors, the store, the
//! journal, per-hotel syncs and webhook sources.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pms_core::secrecy::SecretString;
use pms_core::{
    Clock, Config, Error, ErrorKind, HotelConfig, HotelId, PmsClient, PmsKind, PmsSettings, ProfileCheck,
    RateLimit, SystemClock,
};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{
    FnSharedWebhookRoute, FnWebhookSource, HotelSync, JournalSettings, Mirror, PollSettings, PostgresStore,
    RateLimiter, RetryPolicy, SharedWebhookRoute, SqliteStore, SyncError, TokioSleeper, WebhookRequest,
    WebhookSource, WriteJournal,
};

/// Where the store lives: `sqlite://PATH`, `sqlite::memory:` or `postgres://...`.
pub const STORE_URL_VAR: &str = "PMS_STORE_URL";
/// This process's worker name (defaults to `pms@<host name>`).
pub const WORKER_NAME_VAR: &str = "PMS_WORKER_NAME";

/// How the CLI's Cloudbeds clients resend a failed *read* request (after a
/// 5xx, a transport error or a 429; never a write: the transport resends no
/// write, and the journal reads back before resending one): up to 3 resends.
///
/// Why 3: one Cloudbeds `PmsClient` call is one request per page (plus one
/// rate-detail request per page), so a poll or a reconcile read of a large
/// property is dozens of requests, and the sync can only retry the whole
/// call: without per-request resends one failed page fails it all
/// (RELIABILITY.md, finding 5). Three resends back off with full jitter
/// under caps of 0.2, 0.4 and 0.8 s (`Retry-After` as a floor, each wait at
/// most 10 s, 30 s in all), so a real outage still surfaces within about
/// 1.4 s per request instead of hiding behind long waits. The chaos suite
/// uses 4 under 20 % injected 5xx; a live API fails far less often. OPERA
/// has its own policy (`OperaOptions::read_retry`, 3 attempts); Mews reads
/// are not resent by the client.
pub const CLOUDBEDS_READ_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(10),
    max_elapsed: Duration::from_secs(30),
};

/// One configured hotel, connected.
pub struct Hotel {
    pub config: HotelConfig,
    pub client: Arc<dyn PmsClient>,
    pub rate_limit: RateLimit,
}

impl std::fmt::Debug for Hotel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hotel")
            .field("id", &self.config.id)
            .field("pms", &self.client.kind())
            .finish()
    }
}

/// Builds the connector for a hotel.
pub fn connect(config: &HotelConfig) -> Result<Hotel, Error> {
    let (client, rate_limit): (Arc<dyn PmsClient>, RateLimit) = match config.pms_kind() {
        PmsKind::Mews => {
            let client = pms_mews::MewsClient::from_hotel(config)?;
            let limit = client.rate_limit();
            (Arc::new(client), limit)
        }
        PmsKind::Cloudbeds => {
            let client = pms_cloudbeds::CloudbedsClient::builder(config)?
                .retry(CLOUDBEDS_READ_RETRY)
                .build()?;
            let limit = client.rate_limit();
            (Arc::new(client), limit)
        }
        PmsKind::Opera => {
            let client = pms_opera::OperaClient::from_hotel(config)?;
            let limit = client.rate_limit();
            (Arc::new(client), limit)
        }
    };
    Ok(Hotel {
        config: config.clone(),
        client,
        rate_limit,
    })
}

/// Loads configuration and connects every hotel (or only `only`).
pub fn hotels(only: Option<&str>) -> Result<Vec<Hotel>, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let selected: Vec<&HotelConfig> = match only {
        Some(id) => {
            let id = HotelId::new(id).map_err(|e| format!("--hotel: {e}"))?;
            vec![
                config
                    .hotel(&id)
                    .ok_or_else(|| format!("--hotel: `{id}` is not listed in PMS_HOTELS"))?,
            ]
        }
        None => config.hotels.iter().collect(),
    };
    selected
        .into_iter()
        .map(|h| connect(h).map_err(|e| format!("hotel {}: {e}", h.id)))
        .collect()
}

/// The hotel ids `PMS_HOTELS` lists (none when it is unset), without
/// connecting or reading their other variables: for commands that only need
/// to know whether a hotel id is one of ours.
pub fn listed_hotels() -> Result<Vec<HotelId>, String> {
    std::env::var("PMS_HOTELS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|raw| {
            HotelId::new(raw)
                .map_err(|_| format!("configuration variable PMS_HOTELS: `{raw}` is not a valid hotel id"))
        })
        .collect()
}

/// Hotels whose profiles are read at once at start (each is one cheap PMS read).
const PROFILE_READS_IN_FLIGHT: usize = 16;

/// A hotel's currency and time zone as its PMS reports them, against the configuration.
#[derive(Debug)]
pub enum ProfileStatus {
    /// What the PMS reports matches; `ProfileCheck::unchecked` lists what it does not report.
    Matches(ProfileCheck),
    /// The PMS disagrees (an [`pms_core::Error::ProfileMismatch`]): never sync this hotel.
    Mismatch(Error),
    /// The connector cannot read a profile at all.
    Unsupported,
    /// The read failed (PMS down, credentials): nothing was compared.
    Unreadable(Error),
}

/// Reads and checks one hotel's profile.
pub async fn profile_status(hotel: &Hotel) -> ProfileStatus {
    match hotel.client.property_profile().await {
        Ok(profile) => match profile.check(&hotel.config) {
            Ok(check) => ProfileStatus::Matches(check),
            Err(mismatch) => ProfileStatus::Mismatch(mismatch),
        },
        Err(err) if err.kind() == ErrorKind::Unsupported => ProfileStatus::Unsupported,
        Err(err) => ProfileStatus::Unreadable(err),
    }
}

/// [`hotels`], then every hotel's profile checked against its configuration
/// ([`check_profiles`]): what `pms sync`, `pms serve` and `pms reconcile`
/// start from.
pub async fn checked_hotels(only: Option<&str>) -> Result<Vec<Hotel>, String> {
    let hotels = hotels(only)?;
    check_profiles(&hotels).await?;
    Ok(hotels)
}

/// Refuses to start when any hotel's PMS reports a currency or time zone
/// other than its configuration: every business date and amount of that
/// hotel would be wrong, and nothing downstream could tell. The error names
/// each hotel and variable (both values, never a secret), so one run lists
/// every mismatch. A profile that cannot be read (the PMS is down, or the
/// credential may not read it) is logged and does not stop the start: the
/// hotel's own reads fail the same way and say so, and refusing every hotel
/// because one PMS is briefly down would stop a fleet for nothing. A fact
/// the vendor does not report (OPERA over OWS reports neither) is logged at
/// info and left unchecked.
pub async fn check_profiles(hotels: &[Hotel]) -> Result<(), String> {
    use futures::StreamExt;
    let statuses: Vec<ProfileStatus> = futures::stream::iter(hotels.iter().map(profile_status))
        .buffered(PROFILE_READS_IN_FLIGHT)
        .collect()
        .await;
    let mut mismatches = Vec::new();
    for (hotel, status) in hotels.iter().zip(statuses) {
        let id = &hotel.config.id;
        match status {
            ProfileStatus::Matches(check) => {
                let unchecked = check.unchecked();
                if !unchecked.is_empty() {
                    let facts: Vec<String> = unchecked.iter().map(ToString::to_string).collect();
                    tracing::info!(hotel = %id, unchecked = %facts.join(", "), "the PMS does not report these; not checked");
                }
            }
            ProfileStatus::Mismatch(err) => mismatches.push(err.to_string()),
            ProfileStatus::Unsupported => {
                tracing::info!(hotel = %id, "the connector reads no property profile; currency and time zone not checked");
            }
            ProfileStatus::Unreadable(err) => {
                tracing::warn!(hotel = %id, error = %err, "cannot read the property profile; currency and time zone not checked");
            }
        }
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(mismatches.join("\n"))
    }
}

/// Opens the store named by `PMS_STORE_URL`.
pub async fn store() -> Result<Arc<dyn Store>, String> {
    let url = std::env::var(STORE_URL_VAR).map_err(|_| {
        format!("configuration variable {STORE_URL_VAR}: is required (sqlite://pms.db or postgres://...)")
    })?;
    open_store(&url).await.map_err(|e| format!("store: {e}"))
}

/// Opens a store from a URL. A `sqlite:` URL's query is SQLite's URI
/// options (`?mode=ro` opens read-only), never part of the file name.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, SyncError> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::open_url(url).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(url).await?));
    }
    Err(SyncError::Config {
        variable: STORE_URL_VAR.into(),
        reason: "must start with sqlite: (sqlite://PATH, sqlite::memory:) or postgres://".into(),
    })
}

/// The key ring from `PMS_STORE_KEY*`.
pub fn cipher() -> Result<Arc<Cipher>, String> {
    Cipher::from_env().map(Arc::new).map_err(|e| e.to_string())
}

/// This worker's name for leases: `PMS_WORKER_NAME`, or `pms@<host name>`.
///
/// The name must survive a restart: a worker takes back at once the leases
/// held under its own name by an earlier run (a `kill -9`, a crash), where a
/// name that changed with every process (the former `pms-<pid>`) left every
/// hotel "leased elsewhere" until the lease expired. The host name is stable
/// across restarts and distinct between machines (and between pods, whose host
/// name is the pod's), so one `pms` process per host needs no configuration;
/// several on one host syncing the same hotels must each get their own
/// `PMS_WORKER_NAME`. Getting that wrong is detected, not silent: each process
/// also has an instance id stored beside the name, and a worker that sees
/// another live instance of its name take a lease it held reports the clash
/// (`pms_sync::PassReport::name_conflicts`, an error in the log).
pub fn worker_name() -> String {
    match std::env::var(WORKER_NAME_VAR) {
        Ok(name) if !name.trim().is_empty() => name.trim().to_owned(),
        _ => format!("pms@{}", host_name()),
    }
}

/// The owner of this process's write-journal claims: unique per process
/// (worker name and pid), never taken over while the claim is live. Unlike a
/// sync lease, a claim must not be resumed by a restarted process before it
/// expires: that claim may cover a charge on the wire, and `pms replay
/// --dry-run` shows it with its owner and expiry meanwhile.
pub fn claim_owner() -> String {
    format!("{}/{}", worker_name(), std::process::id())
}

/// The machine's host name (Linux first, then the usual variables), or `localhost`.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A sync per hotel over one mirror, each read spaced inside 90 % of the
/// connector's documented budget (the rest is headroom for the connector's own
/// lookups and for writes sharing the credential).
pub fn syncs(hotels: &[Hotel], mirror: &Mirror, clock: Arc<dyn Clock>) -> Vec<HotelSync> {
    hotels
        .iter()
        .map(|h| {
            let budget = RateLimit {
                requests: (h.rate_limit.requests * 9 / 10).max(1),
                window: h.rate_limit.window,
            };
            let limiter = Arc::new(RateLimiter::new(
                budget,
                (budget.requests / 10).max(1),
                clock.clone(),
                Arc::new(TokioSleeper),
            ));
            HotelSync::new(
                h.config.id.clone(),
                h.client.clone(),
                mirror.clone(),
                clock.clone(),
                PollSettings::default(),
            )
            .with_rate_limit(limiter, format!("{}:{}", h.config.pms_kind(), h.config.id))
        })
        .collect()
}

/// A write journal for one hotel's credential.
pub fn journal(hotel: &Hotel, store: Arc<dyn Store>, cipher: Arc<Cipher>) -> WriteJournal {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let burst = (hotel.rate_limit.requests / 10).max(1);
    let limiter = Arc::new(RateLimiter::new(
        hotel.rate_limit,
        burst,
        clock.clone(),
        Arc::new(TokioSleeper),
    ));
    WriteJournal::new(
        store,
        cipher,
        limiter,
        JournalSettings {
            // The hotel id stands for its credential: one credential per hotel here.
            credential: format!("{}:{}", hotel.config.pms_kind(), hotel.config.id),
            retry: RetryPolicy::default(),
            owner: claim_owner(),
            claim_ttl: Duration::from_secs(120),
        },
        clock,
        Arc::new(TokioSleeper),
    )
}

/// Webhook sources for the hotels that have a `PMS_HOTEL_<ID>_WEBHOOK_TOKEN`.
pub fn webhook_sources(hotels: &[Hotel]) -> Result<HashMap<HotelId, Arc<dyn WebhookSource>>, String> {
    let mut sources: HashMap<HotelId, Arc<dyn WebhookSource>> = HashMap::new();
    for hotel in hotels {
        let var = format!(
            "PMS_HOTEL_{}_WEBHOOK_TOKEN",
            hotel.config.id.as_str().to_ascii_uppercase()
        );
        let Ok(token) = std::env::var(&var) else { continue };
        if token.trim().is_empty() {
            return Err(format!("configuration variable {var}: is set but empty"));
        }
        let token = SecretString::from(token);
        let id = hotel.config.id.clone();
        let source: Arc<dyn WebhookSource> = match &hotel.config.pms {
            PmsSettings::Mews(settings) => {
                // Events are checked against the hotel's enterprise (and
                // integration): without one, any delivery with the token
                // would be taken for this hotel.
                let enterprise_var = format!(
                    "PMS_HOTEL_{}_MEWS_ENTERPRISE_ID",
                    hotel.config.id.as_str().to_ascii_uppercase()
                );
                let enterprise = settings.enterprise_id.as_deref().ok_or_else(|| {
                    format!("configuration variable {enterprise_var}: is required with {var} (webhooks are checked against it)")
                })?;
                let receiver = pms_mews::WebhookReceiver::new(
                    id,
                    &token,
                    enterprise,
                    settings.integration_id.as_deref(),
                )
                .map_err(|e| format!("configuration variable {var}: {e}"))?;
                Arc::new(FnWebhookSource::new(
                    PmsKind::Mews,
                    move |req: &WebhookRequest, at| {
                        Ok(receiver
                            .accept(req.query.as_deref(), &req.body, at)?
                            .events()
                            .to_vec())
                    },
                ))
            }
            PmsSettings::Cloudbeds(settings) => {
                let verifier =
                    pms_cloudbeds::WebhookVerifier::new(&token).map_err(|e| format!("{var}: {e}"))?;
                let property = settings.property_id.clone();
                Arc::new(FnWebhookSource::new(
                    PmsKind::Cloudbeds,
                    move |req: &WebhookRequest, at| {
                        // The auth header of our subscriptions, else the URL
                        // token of subscriptions made before it existed.
                        let presented =
                            pms_cloudbeds::Presented::from_request(&req.headers, req.query.as_deref());
                        let delivery = pms_cloudbeds::authenticate_delivery(
                            &verifier, &presented, &req.body, &property, &id, at,
                        )
                        .map_err(pms_core::Error::from)?;
                        Ok(delivery.events)
                    },
                ))
            }
            PmsSettings::Opera(_) => {
                return Err(format!(
                    "{var}: OPERA OWS has no webhooks; unset it and rely on polling"
                ));
            }
        };
        sources.insert(hotel.config.id.clone(), source);
    }
    Ok(sources)
}

/// The Mews shared webhook endpoint: with `PMS_MEWS_WEBHOOK_ENDPOINT=<name>`,
/// `POST /webhooks/mews/<name>` takes the deliveries of every Mews hotel that
/// has a webhook receiver (Mews sends all enterprises of an integration
/// client to one URL) and routes each by its `EnterpriseId` /
/// `Data.Integration.Id` to that hotel's receiver, which checks its token.
pub fn shared_webhook_routes(
    hotels: &[Hotel],
    sources: &HashMap<HotelId, Arc<dyn WebhookSource>>,
) -> Result<HashMap<String, Arc<dyn SharedWebhookRoute>>, String> {
    const VAR: &str = "PMS_MEWS_WEBHOOK_ENDPOINT";
    let Some(name) = std::env::var(VAR).ok().filter(|v| !v.trim().is_empty()) else {
        return Ok(HashMap::new());
    };
    let name = name.trim().to_owned();
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(format!(
            "configuration variable {VAR}: must be a name of a-z, 0-9, _ and -"
        ));
    }
    let mut router = pms_mews::MewsWebhookRouter::new();
    for hotel in hotels {
        let PmsSettings::Mews(settings) = &hotel.config.pms else {
            continue;
        };
        if !sources.contains_key(&hotel.config.id) {
            continue;
        }
        // The receiver was built, so the enterprise id is set.
        let enterprise = settings.enterprise_id.as_deref().unwrap_or_default();
        router
            .add(
                hotel.config.id.clone(),
                enterprise,
                settings.integration_id.as_deref(),
            )
            .map_err(|e| format!("configuration variable {VAR}: {e}"))?;
    }
    if router.is_empty() {
        return Err(format!(
            "configuration variable {VAR}: no Mews hotel has a webhook token (PMS_HOTEL_<ID>_WEBHOOK_TOKEN)"
        ));
    }
    let route: Arc<dyn SharedWebhookRoute> = Arc::new(FnSharedWebhookRoute::new(
        PmsKind::Mews,
        move |req: &WebhookRequest| router.route(&req.body),
    ));
    Ok(HashMap::from([(name, route)]))
}
