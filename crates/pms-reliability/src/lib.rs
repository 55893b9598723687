//! # pms-reliability
//!
//! The workspace's reliability and security suite (tests only, not
//! published): chaos runs against the simulators, crash recovery, bad input,
//! and PII / secret leak checks. See `RELIABILITY.md` for what was tried and
//! what held.
//!
//! This library holds the small shared helpers the tests use: vendor
//! [`Leg`]s (a simulator, a connector on it, and counting what the simulated
//! PMS really holds), a [`RecordingKeys`] key system and a [`flow_context`]
//! builder in virtual time.
//!
//! Adding a vendor is one constructor (see [`mews_leg`], [`cloudbeds_leg`],
//! [`opera_leg`], [`opera_ohip_leg`]) plus its line in [`legs`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pms_core::{
    ChargeKind, ChargeRequest, Config, Currency, HotelId, ManualClock, Money, PmsClient, PmsKind, RateLimit,
    RequestId, SystemClock, VendorId,
};
use pms_flows::{FlowContext, KeyError, KeyGrant, KeyId, KeyService, MemoryNotifier};
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, MewsSim, OperaSim, SimHandle, SimOptions};
use pms_sync::store::Store;
use pms_sync::{
    AuditLog, Cipher, FnWebhookSource, JournalSettings, RateLimiter, RetryPolicy, VirtualSleeper,
    WebhookRequest, WebhookSource, WriteJournal, webhook_router,
};
use secrecy::SecretString;
use uuid::Uuid;

/// The hotel id every test uses.
pub const HOTEL: &str = "grand";

/// The hotel id every test uses, typed.
pub fn hotel() -> HotelId {
    // "grand" is a valid hotel id.
    HotelId::new(HOTEL).unwrap_or_else(|_| unreachable!("valid hotel id"))
}

/// How a vendor names the simulator's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    /// The simulator's UUIDs as they are (Mews).
    Uuid,
    /// Cloudbeds numeric-style ids ([`CloudbedsIds`]).
    Cloudbeds,
    /// OPERA `resv_name_id`s ([`OperaSim::resv_name_id`]); rooms by number.
    Opera,
}

/// One vendor under test: its simulator and a connector on it.
pub struct Leg {
    /// Vendor name, for messages.
    pub name: &'static str,
    /// The connector's PMS kind.
    pub kind: PmsKind,
    /// The simulator.
    pub sim: SimHandle,
    /// The connector.
    pub client: Arc<dyn PmsClient>,
    ids: Ids,
    /// OPERA with OHIP cashiering (charges through OHIP, read back by reference).
    ohip: bool,
}

impl std::fmt::Debug for Leg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leg")
            .field("name", &self.name)
            .field("sim", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

impl Leg {
    /// The connector-side id of a simulator reservation.
    pub fn reservation_id(&self, reservation: &pms_sim::Reservation) -> VendorId {
        let raw = match self.ids {
            Ids::Uuid => reservation.id.to_string(),
            Ids::Cloudbeds => CloudbedsIds::reservation_id(reservation),
            Ids::Opera => self
                .sim
                .state()
                .with_hotel(|h| OperaSim::resv_name_id(h, reservation.id))
                .unwrap_or_default(),
        };
        VendorId::new(raw).unwrap_or_else(|_| unreachable!("simulator ids are non-empty"))
    }

    /// The connector-side id of a simulator room.
    pub fn room_id(&self, room: Uuid) -> VendorId {
        let raw = match self.ids {
            Ids::Uuid => room.to_string(),
            Ids::Cloudbeds => self
                .sim
                .state()
                .with_hotel(|h| CloudbedsIds::room_id(h, room))
                .unwrap_or_default(),
            Ids::Opera => self
                .sim
                .state()
                .with_hotel(|h| h.room(room).map(|r| r.number.clone()))
                .unwrap_or_default(),
        };
        VendorId::new(raw).unwrap_or_else(|_| unreachable!("simulator ids are non-empty"))
    }

    /// The simulator reservation a connector-side id names.
    pub fn sim_reservation(&self, id: &VendorId) -> Option<pms_sim::Reservation> {
        let ids = self.ids;
        self.sim
            .state()
            .with_hotel(|h| h.reservations.iter().find(|r| ids.names(h, r, id)).cloned())
    }

    /// What the simulator keeps of our request id on a folio line: Mews'
    /// `ExternalIdentifier` and Cloudbeds' `referenceID` are the id itself,
    /// OPERA keeps PostCharge's `LongInfo` (`PMSREQ:{id}`).
    fn charge_marker(&self, request_id: RequestId) -> String {
        match self.ids {
            Ids::Opera => pms_opera::ops::post_charge::reference(request_id),
            _ => request_id.to_string(),
        }
    }

    /// Live (not voided) folio lines the simulator holds for our request id.
    pub fn live_charges(&self, request_id: RequestId) -> usize {
        self.sim
            .state()
            .charges_with_external_id(&self.charge_marker(request_id))
            .iter()
            .filter(|c| c.canceled.is_none())
            .count()
    }

    /// Every folio line carrying our request id, voided or not.
    pub fn all_charges(&self, request_id: RequestId) -> usize {
        self.sim
            .state()
            .charges_with_external_id(&self.charge_marker(request_id))
            .len()
    }

    /// A fresh connector on the leg's simulator (for another tokio runtime:
    /// a reqwest client's connections belong to the runtime that made them).
    pub fn connect(&self, timeout: Duration) -> anyhow::Result<Arc<dyn PmsClient>> {
        Ok(match self.ids {
            Ids::Uuid => Arc::new(mews_client(&self.sim, timeout)?),
            Ids::Cloudbeds => Arc::new(cloudbeds_client(&self.sim, timeout)?),
            Ids::Opera if self.ohip => Arc::new(opera_ohip_client(&self.sim, timeout)?),
            Ids::Opera => Arc::new(opera_client(&self.sim, timeout)?),
        })
    }

    /// Charge writes the simulator has received (Mews `orders/add`,
    /// Cloudbeds `postCustomItem`, OPERA `PostCharge` or OHIP
    /// `postBillingCharges`), answered or not.
    pub fn charge_writes(&self) -> usize {
        let opera = if self.ohip {
            "postBillingCharges"
        } else {
            "PostCharge"
        };
        self.requests_for(("orders/add", "postCustomItem", opera))
    }

    /// Reservation list reads the simulator has received: what one poll page
    /// costs (Mews `reservations/getAll`, Cloudbeds `getReservations`, OPERA
    /// `FutureBookingSummary`).
    pub fn reservation_pages(&self) -> usize {
        self.requests_for((
            "reservations/getAll/2023-06-06",
            "getReservations",
            "FutureBookingSummary",
        ))
    }

    /// Requests to a Mews / Cloudbeds path suffix or an OPERA operation.
    fn requests_for(&self, (mews, cloudbeds, opera): (&str, &str, &str)) -> usize {
        match self.ids {
            Ids::Uuid => self.sim.state().requests_to(mews).len(),
            Ids::Cloudbeds => self.sim.state().requests_to(cloudbeds).len(),
            Ids::Opera => self
                .sim
                .state()
                .requests()
                .iter()
                .filter(|r| r.body["operation"] == opera)
                .count(),
        }
    }

    /// Whether the vendor pushes webhooks (OWS has none: OPERA is polled).
    pub fn has_webhooks(&self) -> bool {
        self.ids != Ids::Opera
    }

    /// The webhook source authenticating and parsing this vendor's deliveries
    /// (for OPERA, which has none, one that refuses every delivery).
    pub fn webhook_source(&self, token: &str) -> Arc<dyn WebhookSource> {
        let secret = SecretString::from(token.to_owned());
        match self.ids {
            Ids::Opera => Arc::new(FnWebhookSource::new(PmsKind::Opera, |_: &WebhookRequest, _| {
                Err(pms_core::Error::unsupported(PmsKind::Opera, "webhooks"))
            })),
            Ids::Uuid => Arc::new(FnWebhookSource::new(
                PmsKind::Mews,
                move |request: &WebhookRequest, at| {
                    pms_mews::verify_token(request.query.as_deref(), &secret)?;
                    Ok(pms_mews::parse_webhook(&request.body, &hotel(), at)?
                        .events()
                        .to_vec())
                },
            )),
            Ids::Cloudbeds => {
                let property = self.sim.state().with_hotel(CloudbedsIds::property_id);
                let verifier = pms_cloudbeds::WebhookVerifier::new(&secret)
                    .unwrap_or_else(|e| panic!("webhook token refused: {e}"));
                Arc::new(FnWebhookSource::new(
                    PmsKind::Cloudbeds,
                    move |request: &WebhookRequest, at| {
                        let presented = pms_cloudbeds::Presented::from_request(
                            &request.headers,
                            request.query.as_deref(),
                        );
                        let delivery = pms_cloudbeds::authenticate_delivery(
                            &verifier,
                            &presented,
                            &request.body,
                            &property,
                            &hotel(),
                            at,
                        )?;
                        Ok(delivery.events)
                    },
                ))
            }
        }
    }

    /// Subscribes the simulator's webhooks to `endpoint` (a receiver URL
    /// without query), authenticated with `token`.
    pub fn register_webhooks(&self, endpoint: &str, token: &str) -> anyhow::Result<()> {
        match self.ids {
            Ids::Uuid => self
                .sim
                .webhooks()
                .register(&format!("{endpoint}?Token={token}"), token)?,
            Ids::Cloudbeds => self.sim.webhooks().register(endpoint, token)?,
            Ids::Opera => {}
        }
        Ok(())
    }

    /// Stops the simulator.
    pub async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

impl Ids {
    /// Whether `id` is this vendor's name for `reservation`.
    fn names(self, hotel: &pms_sim::Hotel, reservation: &pms_sim::Reservation, id: &VendorId) -> bool {
        match self {
            Ids::Uuid => reservation.id.to_string() == id.as_str(),
            Ids::Cloudbeds => CloudbedsIds::reservation_id(reservation) == id.as_str(),
            Ids::Opera => OperaSim::resv_name_id(hotel, reservation.id).as_deref() == Some(id.as_str()),
        }
    }
}

/// The desk settles a stay's folio (OPERA checks out only a zero balance):
/// the guest pays what is due, or an overpaid deposit is refunded. The
/// payment names the stay and sits on no bill, so it counts for this stay
/// only (generated stays of one guest can share a bill).
pub fn settle_stay(h: &mut pms_sim::Hotel, res: Uuid) {
    let due = h.stay_balance(res);
    if due.is_zero() {
        return;
    }
    let Some(guest) = h.reservation(res).map(|r| r.guest_id) else {
        return;
    };
    let Ok((id, _)) = h.add_external_payment(
        pms_sim::NewPayment {
            account_id: guest,
            bill_id: None,
            reservation_id: Some(res),
            amount: due.abs(),
            external_identifier: None,
            external_type: Some("Cash".into()),
        },
        Utc::now(),
    ) else {
        return;
    };
    if let Some(payment) = h.payments.iter_mut().find(|p| p.id == id) {
        payment.bill_id = None;
        // A refund is a payment out.
        payment.amount = due;
    }
}

/// The hotel configuration variables of a simulator-backed hotel.
pub fn config_vars(leg_kind: PmsKind, sim: &SimHandle) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), HOTEL.into()),
        ("PMS_HOTEL_GRAND_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_GRAND_CURRENCY".into(), "EUR".into()),
    ]);
    match leg_kind {
        PmsKind::Opera => {
            vars.extend(opera_vars(&sim.base_url(), sim.access_token()));
        }
        PmsKind::Cloudbeds => {
            let property = sim.state().with_hotel(CloudbedsIds::property_id);
            vars.insert("PMS_HOTEL_GRAND_PMS".into(), "cloudbeds".into());
            vars.insert("PMS_HOTEL_GRAND_BASE_URL".into(), CloudbedsSim::api_url(sim));
            vars.insert("PMS_HOTEL_GRAND_CLOUDBEDS_PROPERTY_ID".into(), property);
            vars.insert(
                "PMS_HOTEL_GRAND_CLOUDBEDS_API_KEY".into(),
                sim.access_token().into(),
            );
        }
        _ => {
            vars.insert("PMS_HOTEL_GRAND_PMS".into(), "mews".into());
            vars.insert("PMS_HOTEL_GRAND_BASE_URL".into(), sim.base_url());
            vars.insert(
                "PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN".into(),
                sim.client_token().into(),
            );
            vars.insert(
                "PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN".into(),
                sim.access_token().into(),
            );
            vars.insert(
                "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME".into(),
                "pms-reliability 0.1".into(),
            );
        }
    }
    vars
}

/// The OPERA hotel variables (on premise) for a simulator at `base_url`.
fn opera_vars(base_url: &str, password: &str) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), HOTEL.into()),
        ("PMS_HOTEL_GRAND_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_GRAND_CURRENCY".into(), "EUR".into()),
    ]);
    for (name, value) in [
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", format!("{base_url}/OWS_WS_51")),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", "on_premise".to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_HOTEL_CODE",
            OperaSim::HOTEL_CODE.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", OperaSim::USER_NAME.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", password.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "PMSSYNC".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
    ] {
        vars.insert(name.into(), value);
    }
    vars
}

fn config_of(vars: &HashMap<String, String>) -> anyhow::Result<Config> {
    Config::from_lookup(|name| Ok(vars.get(name).cloned())).context("hotel configuration")
}

/// A Mews client on a running Mews simulator, posting charges to its
/// "Restaurant & Bar" service.
pub fn mews_client(sim: &SimHandle, timeout: Duration) -> anyhow::Result<pms_mews::MewsClient> {
    let restaurant = restaurant_service(sim).context("the seeded hotel has a restaurant service")?;
    mews_client_at(
        &sim.base_url(),
        sim.client_token(),
        sim.access_token(),
        &restaurant.to_string(),
        timeout,
    )
}

/// The id of the simulated hotel's "Restaurant & Bar" service.
pub fn restaurant_service(sim: &SimHandle) -> Option<Uuid> {
    sim.state().with_hotel(|h| {
        h.services
            .iter()
            .find(|s| s.name.starts_with("Restaurant"))
            .map(|s| s.id)
    })
}

/// A Mews client on a simulator known only by its URL and tokens (what a
/// separate process gets).
pub fn mews_client_at(
    base_url: &str,
    client_token: &str,
    access_token: &str,
    service_id: &str,
    timeout: Duration,
) -> anyhow::Result<pms_mews::MewsClient> {
    let vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), HOTEL.into()),
        ("PMS_HOTEL_GRAND_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_GRAND_CURRENCY".into(), "EUR".into()),
        ("PMS_HOTEL_GRAND_PMS".into(), "mews".into()),
        ("PMS_HOTEL_GRAND_BASE_URL".into(), base_url.into()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN".into(), client_token.into()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN".into(), access_token.into()),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME".into(),
            "pms-reliability 0.1".into(),
        ),
    ]);
    let config = config_of(&vars)?;
    let mut mews = pms_mews::MewsConfig::from_hotel(&config.hotels[0])?;
    mews.timeout = timeout;
    mews.charges.service_id = Some(service_id.to_owned());
    mews.charges.tax_codes = vec!["DE-2020-1-S".into()];
    Ok(pms_mews::MewsClient::builder(mews).build()?)
}

/// Charge number `i` of a crash-test batch: its request id is fixed, so a
/// restarted run re-issues the very same intents.
pub fn batch_charge(reservation: &VendorId, i: usize) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::from_uuid(Uuid::from_u128(
            0x00c0_ffee_0000_0000_0000_0000_0000_0000 + i as u128,
        )),
        reservation: reservation.clone(),
        kind: ChargeKind::RoomService,
        description: format!("Crash batch item {i}"),
        unit_amount: Money::new(rust_decimal::Decimal::new(450, 2), Currency::EUR),
        quantity: 1.into(),
        transaction_code: None,
        outlet: None,
        // Fixed content: a restarted process must issue the very same intent.
        consumed_at: Utc::now().date_naive().and_time(chrono::NaiveTime::MIN).and_utc(),
    }
}

/// The read resends of the Cloudbeds test clients.
pub const CLOUDBEDS_READ_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 5,
    base_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(10),
    max_elapsed: Duration::from_secs(60),
};

/// A Cloudbeds client on a running Cloudbeds simulator.
pub fn cloudbeds_client(
    sim: &SimHandle,
    timeout: Duration,
) -> anyhow::Result<pms_cloudbeds::CloudbedsClient> {
    let config = config_of(&config_vars(PmsKind::Cloudbeds, sim))?;
    // A list read of a large hotel is many pages; under 20 % 5xx one failed
    // page would fail the whole call, so each read request is resent up to
    // four times (200 ms doubling, at most 10 s a wait, `Retry-After` as a
    // floor), in real time as before: the simulator's 429s name 1 s.
    Ok(pms_cloudbeds::CloudbedsClient::builder(&config.hotels[0])?
        .timeout(timeout)
        .retry(CLOUDBEDS_READ_RETRY)
        .build()?)
}

/// The Mews leg: a Mews simulator with `spec` and a `MewsClient` on it.
pub async fn mews_leg(spec: HotelSpec, timeout: Duration) -> anyhow::Result<Leg> {
    let sim = MewsSim::start(SimOptions::with_hotel(spec)).await?;
    let client = Arc::new(mews_client(&sim, timeout)?);
    Ok(Leg {
        name: "mews",
        kind: PmsKind::Mews,
        sim,
        client,
        ids: Ids::Uuid,
        ohip: false,
    })
}

/// The Cloudbeds leg: a Cloudbeds simulator with `spec` and a `CloudbedsClient` on it.
pub async fn cloudbeds_leg(spec: HotelSpec, timeout: Duration) -> anyhow::Result<Leg> {
    let sim = CloudbedsSim::start(SimOptions::with_hotel(spec)).await?;
    let client = Arc::new(cloudbeds_client(&sim, timeout)?);
    Ok(Leg {
        name: "cloudbeds",
        kind: PmsKind::Cloudbeds,
        sim,
        client,
        ids: Ids::Cloudbeds,
        ohip: false,
    })
}

/// An OPERA client on a running OPERA (OWS) simulator, on premise, posting
/// charges without a transaction code of their own to the simulated
/// property's restaurant code `2000`.
pub fn opera_client(sim: &SimHandle, timeout: Duration) -> anyhow::Result<pms_opera::OperaClient> {
    opera_client_at(&sim.base_url(), sim.access_token(), timeout)
}

/// An OPERA client on a simulator known only by its URL and password (what
/// a separate process gets); see [`opera_client`].
pub fn opera_client_at(
    base_url: &str,
    password: &str,
    timeout: Duration,
) -> anyhow::Result<pms_opera::OperaClient> {
    opera_client_of(&opera_vars(base_url, password), timeout)
}

/// An OPERA client of the first hotel configured by `vars`, with [`opera_options`].
fn opera_client_of(
    vars: &HashMap<String, String>,
    timeout: Duration,
) -> anyhow::Result<pms_opera::OperaClient> {
    let config = config_of(vars)?;
    Ok(pms_opera::OperaClient::builder(&config.hotels[0])?
        .options(opera_options(timeout))
        .build()?)
}

/// Options of the OPERA test clients: charges without a code of their own go
/// to the restaurant code `2000`; a failed read is resent after up to 100 ms
/// (then 200 ms) rather than the default 500 ms (the simulator's 5xx answer
/// at once, and the pause is real time: the backoff's length is not what the
/// suite tests).
fn opera_options(timeout: Duration) -> pms_opera::OperaOptions {
    pms_opera::OperaOptions {
        timeout,
        default_transaction_code: Some("2000".into()),
        read_retry: RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(200),
            ..pms_opera::DEFAULT_READ_RETRY
        },
        ..pms_opera::OperaOptions::default()
    }
}

/// The OPERA leg: an OPERA simulator with `spec` and an `OperaClient` on it.
/// OWS has no webhooks and no charge read-back (see `RELIABILITY.md`).
pub async fn opera_leg(spec: HotelSpec, timeout: Duration) -> anyhow::Result<Leg> {
    let sim = OperaSim::start(SimOptions::with_hotel(spec)).await?;
    let client = Arc::new(opera_client(&sim, timeout)?);
    Ok(Leg {
        name: "opera",
        kind: PmsKind::Opera,
        sim,
        client,
        ids: Ids::Opera,
        ohip: false,
    })
}

/// An OPERA client on a running OPERA simulator with OHIP cashiering
/// (`PMS_HOTEL_GRAND_OPERA_OHIP_*` on the simulator's OHIP front): OWS for
/// everything but charges, which go through OHIP and are read back.
pub fn opera_ohip_client(sim: &SimHandle, timeout: Duration) -> anyhow::Result<pms_opera::OperaClient> {
    opera_ohip_client_at(&sim.base_url(), sim.access_token(), timeout)
}

/// An OPERA client with OHIP cashiering on a simulator known only by its URL
/// and password (what a separate process gets); see [`opera_ohip_client`].
pub fn opera_ohip_client_at(
    base_url: &str,
    password: &str,
    timeout: Duration,
) -> anyhow::Result<pms_opera::OperaClient> {
    let mut vars = opera_vars(base_url, password);
    vars.extend(ohip_vars(base_url, password));
    opera_client_of(&vars, timeout)
}

/// The OPERA leg with OHIP cashiering: charges are exactly once, like Mews
/// and Cloudbeds (see `RELIABILITY.md`).
pub async fn opera_ohip_leg(spec: HotelSpec, timeout: Duration) -> anyhow::Result<Leg> {
    let sim = OperaSim::start(SimOptions::with_hotel(spec)).await?;
    let client = Arc::new(opera_ohip_client(&sim, timeout)?);
    Ok(Leg {
        name: "opera-ohip",
        kind: PmsKind::Opera,
        sim,
        client,
        ids: Ids::Opera,
        ohip: true,
    })
}

/// The `x-app-key` of the OHIP test clients (a UUID v4, as oauth.json's pattern asks).
pub const OHIP_APP_KEY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The OHIP variables (password grant) for the simulator's OHIP front at `base_url`.
fn ohip_vars(base_url: &str, secret: &str) -> HashMap<String, String> {
    [
        ("PMS_HOTEL_GRAND_OPERA_OHIP_URL", base_url.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_APP_KEY", OHIP_APP_KEY.to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_ID",
            OperaSim::OHIP_CLIENT_ID.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_CLIENT_SECRET", secret.to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_OHIP_USERNAME",
            OperaSim::USER_NAME.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_OHIP_PASSWORD", secret.to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// Every vendor leg the suite runs.
pub async fn legs(spec: &HotelSpec, timeout: Duration) -> anyhow::Result<Vec<Leg>> {
    Ok(vec![
        mews_leg(spec.clone(), timeout).await?,
        cloudbeds_leg(spec.clone(), timeout).await?,
        opera_leg(spec.clone(), timeout).await?,
        opera_ohip_leg(spec.clone(), timeout).await?,
    ])
}

/// The `Token` parameter of a query string (URL-safe tokens, no decoding).
pub fn query_token(query: Option<&str>) -> String {
    query
        .and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "Token")
                .map(|(_, v)| v.to_owned())
        })
        .unwrap_or_default()
}

/// Serves a webhook receiver for [`hotel`] on loopback; returns its endpoint URL.
pub async fn serve_webhooks(store: Arc<dyn Store>, source: Arc<dyn WebhookSource>) -> anyhow::Result<String> {
    let router = webhook_router(
        store,
        HashMap::from([(hotel(), source)]),
        Arc::new(SystemClock),
        Arc::new(tokio::sync::Notify::new()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/{HOTEL}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

/// Runs `attempt` until it succeeds, at most `tries` times, counting the
/// failures in `failures` (what a caller of a flow does on a transient error:
/// every flow and write here is idempotent, so re-running is safe).
pub async fn until_ok<T, E, Fut>(
    tries: usize,
    failures: &AtomicUsize,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, String>
where
    E: std::fmt::Display,
    Fut: Future<Output = Result<T, E>>,
{
    let mut last = String::new();
    for _ in 0..tries {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(err) => {
                failures.fetch_add(1, Ordering::Relaxed);
                last = err.to_string();
            }
        }
    }
    Err(format!("still failing after {tries} tries: {last}"))
}

// ---- the key system ----

/// One call the key system received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCall {
    /// A key was activated for a stay.
    Activated {
        /// The key.
        key: KeyId,
        /// The stay.
        reservation: VendorId,
        /// When (wall clock), for ordering against the simulator's state.
        at: DateTime<Utc>,
    },
    /// A key was deactivated.
    Deactivated {
        /// The key.
        key: KeyId,
        /// When (wall clock).
        at: DateTime<Utc>,
    },
}

/// What a [`RecordingKeys`] observed.
#[derive(Debug, Default)]
pub struct KeyLog {
    /// Every call, in order.
    pub calls: Vec<KeyCall>,
    /// Keys active now, with their stay.
    pub active: BTreeMap<KeyId, VendorId>,
    /// Keys ever activated, with their stay.
    pub ever: BTreeMap<KeyId, VendorId>,
    /// Activations that found the stay not checked in at the PMS (must stay empty).
    pub premature: Vec<(KeyId, VendorId, String)>,
}

/// Checks, at activation time, whether the PMS holds the stay as checked in.
pub type CheckedInProbe = Box<dyn Fn(&VendorId) -> Result<(), String> + Send + Sync>;

/// A key system that records every call and, at each activation, asks the
/// simulator whether the stay really is checked in.
pub struct RecordingKeys {
    log: Mutex<KeyLog>,
    probe: CheckedInProbe,
}

impl std::fmt::Debug for RecordingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingKeys").finish_non_exhaustive()
    }
}

impl RecordingKeys {
    /// A recording key system checking activations with `probe`.
    pub fn new(probe: CheckedInProbe) -> Self {
        RecordingKeys {
            log: Mutex::default(),
            probe,
        }
    }

    /// A recording key system whose probe reads the leg's simulator state.
    pub fn for_leg(leg: &Leg) -> Self {
        let inspector = leg.sim.state();
        let ids = leg.ids;
        RecordingKeys::new(Box::new(move |id: &VendorId| {
            let state = inspector.with_hotel(|h| {
                h.reservations
                    .iter()
                    .find(|r| ids.names(h, r, id))
                    .map(|r| r.state)
            });
            match state {
                Some(pms_sim::ReservationState::Started) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        }))
    }

    /// The log so far.
    pub fn log(&self) -> MutexGuard<'_, KeyLog> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl KeyService for RecordingKeys {
    async fn activate(&self, grant: &KeyGrant) -> Result<(), KeyError> {
        let verdict = (self.probe)(&grant.reservation);
        let mut log = self.log();
        if let Err(state) = verdict {
            log.premature
                .push((grant.key_id, grant.reservation.clone(), state));
        }
        log.calls.push(KeyCall::Activated {
            key: grant.key_id,
            reservation: grant.reservation.clone(),
            at: Utc::now(),
        });
        log.active.insert(grant.key_id, grant.reservation.clone());
        log.ever.insert(grant.key_id, grant.reservation.clone());
        Ok(())
    }

    async fn deactivate(&self, key_id: KeyId) -> Result<(), KeyError> {
        let mut log = self.log();
        log.calls.push(KeyCall::Deactivated {
            key: key_id,
            at: Utc::now(),
        });
        log.active.remove(&key_id);
        Ok(())
    }
}

// ---- flows in virtual time ----

/// A retry policy generous enough for 20 % 5xx plus 429s (virtual time makes it free).
pub fn chaos_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 16,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_elapsed: Duration::from_secs(600),
    }
}

/// A write journal on `store` whose retries and rate limiting sleep in virtual time.
pub fn journal(
    store: Arc<dyn Store>,
    cipher: Arc<Cipher>,
    clock: Arc<ManualClock>,
    owner: &str,
    retry: RetryPolicy,
) -> WriteJournal {
    let sleeper = VirtualSleeper::new(clock.clone());
    let limiter = Arc::new(RateLimiter::new(
        RateLimit {
            requests: 100_000,
            window: Duration::from_secs(30),
        },
        1_000,
        clock.clone(),
        Arc::new(sleeper.clone()),
    ));
    WriteJournal::new(
        store,
        cipher,
        limiter,
        JournalSettings {
            credential: "reliability-credential".into(),
            retry,
            owner: owner.into(),
            claim_ttl: Duration::from_secs(60),
        },
        clock,
        Arc::new(sleeper),
    )
}

/// A flow context over `client` with a journal in virtual time.
pub fn flow_context(
    client: Arc<dyn PmsClient>,
    store: Arc<dyn Store>,
    cipher: Arc<Cipher>,
    clock: Arc<ManualClock>,
) -> FlowContext {
    let journal = journal(store.clone(), cipher, clock.clone(), "reliability", chaos_retry());
    FlowContext::new(
        hotel(),
        client,
        Arc::new(journal),
        AuditLog::new(store),
        clock.clone(),
        Arc::new(VirtualSleeper::new(clock)),
        Arc::new(MemoryNotifier::new()),
        pms_sim::TIME_ZONE,
    )
    .with_actor("reliability-suite")
}
