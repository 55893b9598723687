//! Embedding the crates in a service: a `PmsClient` behind a tiny axum API
//! with the sync layer underneath.
//!
//! - `GET /reservations/{id}` answers from the mirror (the local, encrypted
//!   copy the sync keeps), never from the PMS: fast, and up even when the
//!   vendor is not.
//! - `POST /charges` posts through the `WriteJournal`: the caller's
//!   `idempotency_key` becomes the request id, so a retried request posts
//!   nothing twice.
//!
//! It starts against the Mews simulator, syncs, serves on `127.0.0.1:0`,
//! exercises its own API, checks the PMS holds the charge once, and shuts down.
//!
//! ```sh
//! cargo run -p pms-cli --example embedded_service
//! ```
#![forbid(unsafe_code)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pms_core::{
    ChargeKind, Clock, Currency, HotelId, Money, PmsClient, RequestId, Reservation, SystemClock, VendorId,
};
use pms_sim::{ReservationState, Vendor};
use pms_sync::crypto::Cipher;
use pms_sync::store::Store;
use pms_sync::{
    HotelSync, JournalSettings, Mirror, PollSettings, PostCharge, RateLimiter, RetryPolicy, SqliteStore,
    TokioSleeper, WriteJournal,
};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
struct App {
    hotel: HotelId,
    client: Arc<dyn PmsClient>,
    mirror: Mirror,
    journal: Arc<WriteJournal>,
    currency: Currency,
}

/// What the API shows of a reservation: ids, dates and statuses, no guest data.
#[derive(Debug, Serialize, Deserialize)]
struct ReservationView {
    id: String,
    status: String,
    arrival: String,
    departure: String,
    room: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct NewCharge {
    reservation: String,
    description: String,
    amount: String,
    /// When the guest consumed it (part of the charge: a retry sends the same).
    consumed_at: chrono::DateTime<chrono::Utc>,
    /// The caller's key for this charge: retries with the same key post once.
    idempotency_key: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct ChargeReceipt {
    request_id: String,
    pms_id: String,
}

type ApiError = (StatusCode, String);

async fn get_reservation(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<ReservationView>, ApiError> {
    let found: Option<Reservation> = app
        .mirror
        .get(&app.hotel, &id)
        .await
        .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, "store unavailable".to_owned()))?;
    let r = found.ok_or((StatusCode::NOT_FOUND, "no such reservation".to_owned()))?;
    Ok(Json(ReservationView {
        id: r.external.id.to_string(),
        status: format!("{:?}", r.status).to_lowercase(),
        arrival: r.arrival.to_string(),
        departure: r.departure.to_string(),
        room: r.room_number.map(|n| n.to_string()),
    }))
}

async fn post_charge(
    State(app): State<App>,
    Json(new): Json<NewCharge>,
) -> Result<Json<ChargeReceipt>, ApiError> {
    let bad = |what: &str| (StatusCode::UNPROCESSABLE_ENTITY, what.to_owned());
    let reservation = VendorId::new(new.reservation).map_err(|_| bad("reservation"))?;
    let amount = Money::parse(&new.amount, app.currency).map_err(|_| bad("amount"))?;
    let key = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, new.idempotency_key.as_bytes());
    let charge = pms_core::ChargeRequest {
        request_id: RequestId::from_uuid(key),
        reservation,
        kind: ChargeKind::RoomService,
        description: new.description,
        unit_amount: amount,
        quantity: 1.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: new.consumed_at,
    };
    let posted = app
        .journal
        .execute(&app.hotel, app.client.as_ref(), &PostCharge(charge))
        .await
        .map_err(|e| {
            (
                StatusCode::BAD_GATEWAY,
                format!("the PMS did not take the charge: {e}"),
            )
        })?;
    Ok(Json(ChargeReceipt {
        request_id: posted.request_id.to_string(),
        pms_id: posted.external.id.to_string(),
    }))
}

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    // The PMS: a Mews simulator, connected as a deployment would be.
    let leg = common::legs::legs()
        .into_iter()
        .find(|l| l.vendor == Vendor::Mews)
        .ok_or("no Mews leg")?;
    let sim = leg.start(pms_sim::HotelSpec::small(leg.seed)).await?;
    let config = leg.config(&sim)?;
    let client = common::client_for(&config)?;

    // The sync layer: store, mirror, one sync pass, a journal for writes.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await?);
    let mirror = Mirror::new(store.clone(), Arc::new(Cipher::random()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sync = HotelSync::new(
        config.id.clone(),
        client.clone(),
        mirror.clone(),
        clock.clone(),
        PollSettings {
            initial_lookback: Duration::from_secs(4 * 366 * 24 * 3600),
            ..PollSettings::default()
        },
    );
    let polled = sync.poll_reservations().await?;
    println!("synced {}: {} reservation(s) mirrored", config.id, polled.changed);
    let limit = pms_mews::MEWS_RATE_LIMIT;
    let journal = WriteJournal::new(
        store.clone(),
        mirror.cipher().clone(),
        Arc::new(RateLimiter::new(limit, 10, clock.clone(), Arc::new(TokioSleeper))),
        JournalSettings {
            credential: format!("mews:{}", config.id),
            retry: RetryPolicy::default(),
            owner: "embedded-service".into(),
            claim_ttl: Duration::from_secs(60),
        },
        clock,
        Arc::new(TokioSleeper),
    );
    let app = App {
        hotel: config.id.clone(),
        client,
        mirror,
        journal: Arc::new(journal),
        currency: config.currency,
    };
    let router = Router::new()
        .route("/reservations/{id}", get(get_reservation))
        .route("/charges", post(post_charge))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    println!("serving on http://{addr}");

    // Exercise the service as a caller would.
    let in_house = sim
        .state()
        .with_hotel(|h| {
            h.reservations
                .iter()
                .filter(|r| r.state == ReservationState::Started)
                .map(|r| r.id.to_string())
                .min()
        })
        .ok_or("no guest in house")?;
    let http = reqwest::Client::new();
    let view: ReservationView = http
        .get(format!("http://{addr}/reservations/{in_house}"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!(
        "GET /reservations/{}: {} {} -> {} room {}",
        view.id,
        view.status,
        view.arrival,
        view.departure,
        view.room.as_deref().unwrap_or("-")
    );
    let missing = http
        .get(format!("http://{addr}/reservations/nope"))
        .send()
        .await?;
    println!("GET /reservations/nope: {}", missing.status());

    let charge = NewCharge {
        reservation: in_house.clone(),
        description: "Club sandwich".into(),
        amount: "14.00".into(),
        consumed_at: chrono::Utc::now(),
        idempotency_key: "pos-terminal-3:ticket-1182".into(),
    };
    let mut receipts = Vec::new();
    // The caller retries (say its first answer was lost): the PMS gets one charge.
    for _ in 0..2 {
        let receipt: ChargeReceipt = http
            .post(format!("http://{addr}/charges"))
            .json(&charge)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        println!(
            "POST /charges: request {} -> PMS {}",
            receipt.request_id, receipt.pms_id
        );
        receipts.push(receipt);
    }
    let on_folio = sim
        .state()
        .charges_with_external_id(&receipts[0].request_id)
        .len();
    println!("the PMS holds {on_folio} charge(s) for that request");
    if on_folio != 1 || receipts[0].pms_id != receipts[1].pms_id {
        return Err("the retried charge was not idempotent".into());
    }

    let _ = stop.send(());
    server.await??;
    sim.shutdown().await;
    println!("shut down");
    Ok(())
}
