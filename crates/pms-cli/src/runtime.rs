//! Turns configuration into running parts: connectors, the store, the
//! journal, per-hotel syncs and webhook sources.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pms_core::secrecy::SecretString;
use pms_core::{
    Clock, Config, Error, HotelConfig, HotelId, PmsClient, PmsKind, PmsSettings, RateLimit, SystemClock,
};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{
    FnWebhookSource, HotelSync, JournalSettings, Mirror, PollSettings, PostgresStore, RateLimiter,
    RetryPolicy, SqliteStore, SyncError, TokioSleeper, WebhookRequest, WebhookSource, WriteJournal,
};

/// Where the store lives: `sqlite://PATH`, `sqlite::memory:` or `postgres://...`.
pub const STORE_URL_VAR: &str = "PMS_STORE_URL";
/// This process's worker name (defaults to `pms-<pid>`).
pub const WORKER_NAME_VAR: &str = "PMS_WORKER_NAME";

/// How many times the CLI's Cloudbeds clients resend a failed *read* request
/// (after a 5xx, a transport error or a 429; never a write: the client resends
/// no write, and the journal reads back before resending one).
///
/// Why 3: one Cloudbeds `PmsClient` call is one request per page (plus one
/// rate-detail request per page), so a poll or a reconcile read of a large
/// property is dozens of requests, and the sync can only retry the whole
/// call: without per-request resends one failed page fails it all
/// (RELIABILITY.md, finding 5). Three resends back off 0.2 + 0.4 + 0.8 s
/// (`Retry-After` as a floor, each wait capped at 10 s), so a real outage
/// still surfaces within about 1.4 s per request instead of hiding behind
/// long waits. The sync's rate limiter paces whole calls, not these resends;
/// their backoff keeps them below the 5 requests/s budget. The chaos suite
/// uses 4 under 20 % injected 5xx; a live API fails far less often. OPERA
/// has its own `read_retries` (2 by default); Mews reads are not resent by
/// the client.
pub const CLOUDBEDS_READ_RETRIES: u32 = 3;

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
                .read_retries(CLOUDBEDS_READ_RETRIES)
                .build()?;
            let limit = client.rate_limit();
            (Arc::new(client), limit)
        }
        PmsKind::Opera => {
            let client = pms_opera::OperaClient::from_config(config).map_err(pms_core::Error::from)?;
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

/// Opens the store named by `PMS_STORE_URL`.
pub async fn store() -> Result<Arc<dyn Store>, String> {
    let url = std::env::var(STORE_URL_VAR).map_err(|_| {
        format!("configuration variable {STORE_URL_VAR}: is required (sqlite://pms.db or postgres://...)")
    })?;
    open_store(&url).await.map_err(|e| format!("store: {e}"))
}

/// Opens a store from a URL.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, SyncError> {
    if url == "sqlite::memory:" {
        return Ok(Arc::new(SqliteStore::in_memory().await?));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(Arc::new(SqliteStore::open(Path::new(path)).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(url).await?));
    }
    Err(SyncError::Config {
        variable: STORE_URL_VAR.into(),
        reason: "must start with sqlite:// or postgres://".into(),
    })
}

/// The key ring from `PMS_STORE_KEY*`.
pub fn cipher() -> Result<Arc<Cipher>, String> {
    Cipher::from_env().map(Arc::new).map_err(|e| e.to_string())
}

/// This worker's name.
pub fn worker_name() -> String {
    std::env::var(WORKER_NAME_VAR).unwrap_or_else(|_| format!("pms-{}", std::process::id()))
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
            owner: worker_name(),
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
            PmsSettings::Mews(_) => Arc::new(FnWebhookSource::new(
                PmsKind::Mews,
                move |req: &WebhookRequest, at| {
                    pms_mews::verify_token(req.query.as_deref(), &token)?;
                    Ok(pms_mews::parse_webhook(&req.body, &id, at)?.events().to_vec())
                },
            )),
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
