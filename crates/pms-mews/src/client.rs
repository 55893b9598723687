//! [`MewsClient`]: configuration, transport and the [`PmsClient`] implementation.
//!
//! Every call is `POST {base}/api/connector/v1/{resource}/{operation}` with
//! `ClientToken`, `AccessToken` and `Client` in the JSON body
//! (<https://docs.mews.com/connector-api/guidelines/requests>). The tokens
//! live in [`SecretString`]s, are exposed only while the body is serialized,
//! and appear in no log line, error or `Debug` output. Each answer's
//! `Request-Id` header is logged and kept on errors.
//!
//! Every request goes through one [`pms_http::Transport`] (timeout, bounded
//! body, `Request-Id`, `Retry-After`, the gate, read retries): this file adds
//! the token envelope before the call and the status table
//! ([`crate::error`]) after it. By default a read is not resent
//! ([`RetryPolicy::never`]; set [`MewsClientBuilder::retry`]) and a write
//! never is: one that may have happened is `OutcomeUnknown`.

pub(crate) mod agenda;
mod builder;
pub(crate) mod profile;

pub use builder::MewsClientBuilder;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use pms_core::{
    Capabilities, Capability, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, Clock, Currency,
    DateRange, Error, ErrorKind, ExternalRef, Folio, FolioCharge, Guest, HealthReport, HotelConfig, HotelId,
    Page, PageToken, PmsClient, PmsKind, PmsSettings, PostedCharge, RateLimit, RequestId, Reservation, Room,
    RoomAssignment, RoomNumber, RoomStatusReport, RoomStatusUpdate, VendorId, VoidChargeRequest,
};
use pms_http::{Body, Call, Method, Transport};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{CallKind, MewsError, bounded_message};
use crate::map::{self, MapContext};
use crate::wire::configuration::Configuration;
use crate::wire::customers::{CustomerExtent, CustomersPage, GetAllCustomers};
use crate::wire::errors::ErrorBody;
use crate::wire::order_items::{
    AddOrder, AddOrderResult, CancelOrderItems, GetAllOrderItems, OrderItem, OrderItemParameters,
    OrderItemsPage,
};
use crate::wire::payments::{GetAllPayments, PaymentsPage};
use crate::wire::reservations::{
    GetAllReservations, ProcessReservation, ReservationUpdate, ReservationsPage, ServiceOrderState,
    StartReservation, UpdateReservations,
};
use crate::wire::resources::{
    GetAllResources, Resource, ResourceExtent, ResourceUpdate, ResourcesPage, UpdateResources,
};
use crate::wire::services::{GetAllServices, Service, ServicesPage};
use crate::wire::{
    self, AmountParameters, Empty, EmptyResponse, Envelope, Limitation, TimeInterval, UpdateValue,
};

/// The documented request budget: "200 requests per AccessToken within 30
/// seconds", a sliding window, in demo and production
/// (<https://docs.mews.com/connector-api/guidelines/requests>, since 2025-11-13;
/// the older 3000 per 15 minutes no longer applies).
pub const MEWS_RATE_LIMIT: RateLimit = RateLimit {
    requests: 200,
    window: Duration::from_secs(30),
};

/// Demo `PlatformAddress` (<https://docs.mews.com/connector-api/guidelines/environments>).
pub const DEMO_BASE_URL: &str = "https://api.mews-demo.com";
/// Production `PlatformAddress`.
pub const PRODUCTION_BASE_URL: &str = "https://api.mews.com";

/// Default cap on an answer's size ([`MewsConfig::max_response_bytes`]).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Longest time filter sent. Mews caps filters at "3 months" without saying
/// how it measures them; 89 days is shorter than any 3 calendar months.
pub const MAX_WINDOW_DAYS: i64 = 89;

/// Default page size (the documented maximum).
pub const DEFAULT_PAGE_SIZE: u32 = wire::MAX_PAGE_SIZE;

/// How long the stay services read from `services/getAll` are trusted
/// before they are read again (a new accommodation service is rare, but
/// its stays must not stay invisible until a restart).
pub const STAY_SERVICES_TTL: Duration = Duration::from_secs(60 * 60);

/// Most ids one `reservations/getAll` filter takes ("max 1000 items").
const MAX_FILTER_IDS: usize = 1000;

/// How `orders/add` amounts are sent: enterprises with `Pricing` `Gross`
/// take `GrossValue`, `Net` ones `NetValue` (`operations/_objects.md#amount-parameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargePricing {
    /// Send `GrossValue` (one tax code at most).
    Gross,
    /// Send `NetValue`.
    Net,
}

/// What posting a charge needs beyond a [`ChargeRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSettings {
    /// `ServiceId` to order from when the request names no outlet.
    pub service_id: Option<String>,
    /// `TaxCodes` for `UnitAmount` (required by Mews), e.g. `["US-DC-G"]`.
    pub tax_codes: Vec<String>,
    /// Gross or net pricing (from `configuration/get` `Enterprise.Pricing`).
    pub pricing: ChargePricing,
}

impl Default for ChargeSettings {
    fn default() -> Self {
        ChargeSettings {
            service_id: None,
            tax_codes: Vec::new(),
            pricing: ChargePricing::Gross,
        }
    }
}

/// Everything a [`MewsClient`] needs.
#[derive(Clone)]
pub struct MewsConfig {
    /// Hotel the client serves.
    pub hotel: HotelId,
    /// `PlatformAddress` (demo, production or a simulator).
    pub base_url: Url,
    /// `ClientToken`.
    pub client_token: SecretString,
    /// `AccessToken`.
    pub access_token: SecretString,
    /// `Client`: name and version of our application.
    pub client_name: String,
    /// `EnterpriseId(s)` for portfolio access tokens.
    pub enterprise_id: Option<String>,
    /// The property's time zone (Mews `TimeZoneIdentifier`).
    pub time_zone: Tz,
    /// The property's currency.
    pub currency: Currency,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Items per page (clamped to 1..=1000).
    pub page_size: u32,
    /// The budget the sync layer should enforce for this AccessToken.
    pub rate_limit: RateLimit,
    /// Charge posting settings.
    pub charges: ChargeSettings,
    /// Age categories counted as children.
    pub child_age_category_ids: BTreeSet<String>,
    /// Largest answer read; bigger ones fail without being buffered.
    pub max_response_bytes: usize,
}

impl fmt::Debug for MewsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MewsConfig")
            .field("hotel", &self.hotel)
            .field("base_url", &self.base_url.as_str())
            .field("client_token", &"<redacted>")
            .field("access_token", &"<redacted>")
            .field("client_name", &self.client_name)
            .field("enterprise_id", &self.enterprise_id)
            .field("time_zone", &self.time_zone)
            .field("currency", &self.currency)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .field("rate_limit", &self.rate_limit)
            .field("charges", &self.charges)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl MewsConfig {
    /// The configuration of a hotel whose PMS is Mews.
    pub fn from_hotel(hotel: &HotelConfig) -> Result<Self, Error> {
        let PmsSettings::Mews(settings) = &hotel.pms else {
            return Err(Error::config(
                format!("PMS_HOTEL_{}_PMS", hotel.id.as_str().to_ascii_uppercase()),
                "is not mews",
            ));
        };
        Ok(MewsConfig {
            hotel: hotel.id.clone(),
            base_url: hotel.base_url.clone(),
            client_token: settings.client_token.clone(),
            access_token: settings.access_token.clone(),
            client_name: settings.client_name.clone(),
            enterprise_id: settings.enterprise_id.clone(),
            time_zone: hotel.time_zone,
            currency: hotel.currency,
            timeout: Duration::from_secs(60),
            page_size: DEFAULT_PAGE_SIZE,
            rate_limit: MEWS_RATE_LIMIT,
            charges: ChargeSettings {
                service_id: settings.charge_service_id.clone(),
                tax_codes: settings.charge_tax_codes.clone(),
                ..ChargeSettings::default()
            },
            child_age_category_ids: BTreeSet::new(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        })
    }
}

/// The Mews Connector API client. Cheap to share behind an `Arc`.
pub struct MewsClient {
    config: MewsConfig,
    transport: Transport,
    room_names: tokio::sync::Mutex<Option<HashMap<String, RoomNumber>>>,
    /// Stay services fixed by [`MewsClientBuilder::stay_service_ids`].
    configured_stays: Option<Vec<String>>,
    /// Stay services read from `services/getAll`, with when they were read.
    stay_services: tokio::sync::Mutex<Option<(Instant, Vec<String>)>>,
}

impl fmt::Debug for MewsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MewsClient")
            .field("config", &self.config)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl MewsClient {
    /// A builder for `config`: transport settings (gate, retry policy,
    /// sleeper, clock, timeout, body limit, a shared HTTP client) and stay
    /// services.
    pub fn builder(config: MewsConfig) -> MewsClientBuilder {
        MewsClientBuilder::new(config)
    }

    /// A client for a hotel of the configuration (`PMS_HOTEL_<ID>_*`), with
    /// default settings and no gate.
    pub fn from_hotel(hotel: &HotelConfig) -> Result<Self, Error> {
        MewsClient::builder(MewsConfig::from_hotel(hotel)?).build()
    }

    fn clock(&self) -> &Arc<dyn Clock> {
        self.transport.clock()
    }

    /// The configuration.
    pub fn config(&self) -> &MewsConfig {
        &self.config
    }

    /// The request budget the sync layer should enforce for this AccessToken.
    pub fn rate_limit(&self) -> RateLimit {
        self.config.rate_limit
    }

    fn context(&self) -> MapContext {
        MapContext {
            hotel: self.config.hotel.clone(),
            time_zone: self.config.time_zone,
            currency: self.config.currency,
            room_names: HashMap::new(),
            child_age_category_ids: self.config.child_age_category_ids.clone(),
        }
    }

    fn enterprise_ids(&self) -> Option<Vec<String>> {
        self.config.enterprise_id.clone().map(|e| vec![e])
    }

    fn limitation(&self, cursor: Option<String>) -> Limitation {
        Limitation::new(self.config.page_size, cursor)
    }

    /// POSTs `body` to `path` and returns the success body (bounded) with
    /// the answer's `Request-Id`.
    async fn post<B: Serialize>(
        &self,
        path: &'static str,
        body: &B,
        kind: CallKind,
    ) -> Result<(Bytes, Option<String>), Error> {
        let url = format!(
            "{}/api/connector/v1/{path}",
            self.config.base_url.as_str().trim_end_matches('/')
        );
        let url = url::Url::parse(&url)
            .map_err(|e| Error::config("base_url", format!("cannot form the {path} URL: {e}")))?;
        let envelope = Envelope {
            client_token: self.config.client_token.expose_secret(),
            access_token: self.config.access_token.expose_secret(),
            client: &self.config.client_name,
            body,
        };
        let payload = serde_json::to_vec(&envelope)
            .map_err(|e| Error::validation(format!("cannot serialize the {path} request: {e}")))?;
        let call = Call::new(path, Method::POST, url, kind == CallKind::Write)
            .with_body(Body::Json(Bytes::from(payload)));
        let answer = self
            .transport
            .send(call)
            .await
            .map_err(|e| MewsError::from_transport(e, kind))?;
        if answer.is_success() {
            return Ok((answer.bytes, answer.request_id));
        }
        let status = answer.code();
        let error_body: ErrorBody = serde_json::from_slice(&answer.bytes).unwrap_or_default();
        let request_id = answer.request_id.or(error_body.request_id);
        tracing::warn!(
            operation = path,
            status,
            request_id = request_id.as_deref().unwrap_or("-"),
            "Mews answered an error"
        );
        Err(MewsError::Http {
            operation: path,
            status,
            message: bounded_message(error_body.message.as_deref().unwrap_or("(no message)")),
            request_id,
            retry_after: answer.retry_after,
            kind,
        }
        .into())
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        kind: CallKind,
    ) -> Result<T, Error> {
        let (bytes, request_id) = self.post(path, body, kind).await?;
        match decode::<T>(&bytes) {
            Ok(value) => Ok(value),
            Err(err) => {
                tracing::warn!(
                    operation = path,
                    request_id = request_id.as_deref().unwrap_or("-"),
                    error = %err,
                    "Mews answer does not match its documented format"
                );
                match kind {
                    // A write answered 2xx with something unreadable: it
                    // happened, but we cannot tell what it created.
                    CallKind::Write => Err(Error::OutcomeUnknown {
                        operation: path,
                        message: err.to_string(),
                        vendor_request_id: request_id,
                    }),
                    CallKind::Read => Err(err),
                }
            }
        }
    }

    /// Reads every page of a paginated operation.
    async fn all_pages<B, P, T>(
        &self,
        path: &'static str,
        mut request: impl FnMut(Limitation) -> B,
        mut items: impl FnMut(P) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>, Error>
    where
        B: Serialize,
        P: DeserializeOwned,
    {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let limitation = self.limitation(cursor.clone());
            let count = limitation.count as usize;
            let page: P = self.call(path, &request(limitation), CallKind::Read).await?;
            let (mut batch, next) = items(page);
            let len = batch.len();
            out.append(&mut batch);
            match next {
                Some(next) if len >= count && len > 0 => {
                    if cursor.as_deref() == Some(next.as_str()) {
                        return Err(Error::Vendor {
                            pms: PmsKind::Mews,
                            code: "cursor".into(),
                            message: format!("{path} returned the same Cursor twice"),
                            vendor_request_id: None,
                        });
                    }
                    cursor = Some(next);
                }
                _ => return Ok(out),
            }
        }
    }

    /// `configuration/get`: the enterprise's time zone, pricing, currencies.
    pub async fn configuration(&self) -> Result<Configuration, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Req {
            #[serde(skip_serializing_if = "Option::is_none")]
            enterprise_id: Option<String>,
        }
        self.call(
            "configuration/get",
            &Req {
                enterprise_id: self.config.enterprise_id.clone(),
            },
            CallKind::Read,
        )
        .await
    }

    /// `services/getAll`: every service (bookable and additional). Also
    /// refreshes the cached stay services.
    pub async fn services(&self) -> Result<Vec<Service>, Error> {
        let services = self
            .all_pages(
                "services/getAll",
                |limitation| GetAllServices {
                    enterprise_ids: self.enterprise_ids(),
                    limitation,
                },
                |page: ServicesPage| (page.services, page.cursor),
            )
            .await?;
        *self.stay_services.lock().await = Some((Instant::now(), agenda::stay_service_ids(&services)));
        Ok(services)
    }

    /// The `ServiceIds` every stay listing sends: the configured ones, or the
    /// stay services of `services/getAll` (cached for [`STAY_SERVICES_TTL`]).
    /// `reservations/getAll/2023-06-06` without `ServiceIds` uses "all
    /// bookable services" (<https://docs.mews.com/connector-api/operations/reservations>),
    /// so hourly spa / table / activity bookings would be listed as stays.
    async fn stay_service_ids(&self) -> Result<Vec<String>, Error> {
        let cached = match &self.configured_stays {
            Some(ids) => Some(ids.clone()),
            None => self
                .stay_services
                .lock()
                .await
                .as_ref()
                .filter(|(read_at, _)| read_at.elapsed() < STAY_SERVICES_TTL)
                .map(|(_, ids)| ids.clone()),
        };
        let ids = match cached {
            Some(ids) => ids,
            None => agenda::stay_service_ids(&self.services().await?),
        };
        if ids.is_empty() {
            // Without a stay service there is no filter that excludes the
            // hourly bookings: refuse rather than list them as stays.
            return Err(Error::config(
                "mews.stay_service_ids",
                "services/getAll lists no Bookable service with a Day or Month TimeUnitPeriod",
            ));
        }
        if ids.len() > MAX_FILTER_IDS {
            return Err(Error::config(
                "mews.stay_service_ids",
                format!(
                    "{} stay services, more than the {MAX_FILTER_IDS} ServiceIds one query takes",
                    ids.len()
                ),
            ));
        }
        Ok(ids)
    }

    async fn resources(&self) -> Result<Vec<Resource>, Error> {
        let resources = self
            .all_pages(
                "resources/getAll",
                |limitation| GetAllResources {
                    enterprise_ids: self.enterprise_ids(),
                    resource_ids: None,
                    extent: ResourceExtent {
                        resources: true,
                        inactive: false,
                    },
                    limitation,
                },
                |page: ResourcesPage| (page.resources.unwrap_or_default(), page.cursor),
            )
            .await?;
        let names = resources
            .iter()
            .filter_map(|r| RoomNumber::new(&r.name).ok().map(|n| (r.id.clone(), n)))
            .collect();
        *self.room_names.lock().await = Some(names);
        Ok(resources)
    }

    async fn room_names(&self) -> Result<HashMap<String, RoomNumber>, Error> {
        if let Some(names) = self.room_names.lock().await.as_ref() {
            return Ok(names.clone());
        }
        self.resources().await?;
        Ok(self.room_names.lock().await.clone().unwrap_or_default())
    }

    /// One page of `reservations/getAll/2023-06-06` of the stay services
    /// (the request's `ServiceIds` are always [`Self::stay_service_ids`]), mapped.
    async fn reservations_page(
        &self,
        mut request: GetAllReservations,
    ) -> Result<(Vec<Reservation>, Option<String>), Error> {
        request.service_ids = Some(self.stay_service_ids().await?);
        let (bytes, _) = self
            .post("reservations/getAll/2023-06-06", &request, CallKind::Read)
            .await?;
        let page = decode_reservations(&bytes)?;
        let reservations = page.reservations.unwrap_or_default();
        let mut ctx = self.context();
        if reservations.iter().any(|(r, _)| r.assigned_resource_id.is_some()) {
            ctx.room_names = self.room_names().await?;
        }
        // Sized up front and consuming the wire records as it goes: hundreds
        // of hotels polling at once each hold a page here.
        let mut mapped = Vec::with_capacity(reservations.len());
        for (i, (r, raw)) in reservations.into_iter().enumerate() {
            mapped.push(map::reservation(
                &r,
                Some(raw.into()),
                &ctx,
                &format!("Reservations[{i}]"),
            )?);
        }
        Ok((mapped, page.cursor))
    }

    async fn wire_reservation(&self, id: &VendorId) -> Result<wire::reservations::Reservation, Error> {
        let page: ReservationsPage = self
            .call(
                "reservations/getAll/2023-06-06",
                &GetAllReservations {
                    enterprise_ids: self.enterprise_ids(),
                    reservation_ids: Some(vec![id.as_str().to_owned()]),
                    service_ids: Some(self.stay_service_ids().await?),
                    limitation: Some(Limitation::new(1, None)),
                    ..GetAllReservations::default()
                },
                CallKind::Read,
            )
            .await?;
        page.reservations
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(id.as_str()))
            .ok_or_else(|| Error::not_found(format!("Mews reservation {id}")))
    }

    /// Every reservation whose scheduled start (or end) falls in `range`.
    async fn by_schedule(&self, range: DateRange, by_start: bool) -> Result<Vec<Reservation>, Error> {
        let tz = self.config.time_zone;
        let start = local_midnight_utc(range.first, tz);
        let end = local_midnight_utc(range.last.succ_opt().unwrap_or(range.last), tz);
        let mut out = Vec::new();
        for window in split_window(start, end) {
            let mut cursor = None;
            loop {
                let limitation = self.limitation(cursor.clone());
                let count = limitation.count as usize;
                let mut request = GetAllReservations {
                    enterprise_ids: self.enterprise_ids(),
                    limitation: Some(limitation),
                    ..GetAllReservations::default()
                };
                if by_start {
                    request.scheduled_start_utc = Some(window);
                } else {
                    request.scheduled_end_utc = Some(window);
                }
                let (items, next) = self.reservations_page(request).await?;
                let len = items.len();
                out.extend(items);
                match next {
                    Some(next) if len >= count && len > 0 && cursor.as_deref() != Some(next.as_str()) => {
                        cursor = Some(next)
                    }
                    _ => break,
                }
            }
        }
        out.retain(|r| range.contains(if by_start { r.arrival } else { r.departure }));
        Ok(out)
    }

    async fn order_items(&self, filter: GetAllOrderItems) -> Result<Vec<OrderItem>, Error> {
        self.all_pages(
            "orderItems/getAll",
            |limitation| GetAllOrderItems {
                limitation: Some(limitation),
                ..filter.clone()
            },
            |page: OrderItemsPage| (page.order_items, page.cursor),
        )
        .await
    }

    /// The resource id of the room the front desk calls `room`, from the
    /// room-name cache (read again once when the number is not in it, as the
    /// hotel may have added the room since). A number no active resource
    /// has, or that several share, is a `Validation` error.
    async fn resource_id_of(&self, room: &RoomNumber) -> Result<String, Error> {
        let cached = self.room_names.lock().await.is_some();
        let mut names = self.room_names().await?;
        let find = |names: &HashMap<String, RoomNumber>| {
            let ids: Vec<&String> = names
                .iter()
                .filter(|(_, number)| *number == room)
                .map(|(id, _)| id)
                .collect();
            match ids.as_slice() {
                [id] => Ok(Some((*id).clone())),
                [] => Ok(None),
                _ => Err(Error::validation(format!(
                    "room {room} names {} resources in Mews",
                    ids.len()
                ))),
            }
        };
        if let Some(id) = find(&names)? {
            return Ok(id);
        }
        if cached {
            self.resources().await?;
            names = self.room_names.lock().await.clone().unwrap_or_default();
            if let Some(id) = find(&names)? {
                return Ok(id);
            }
        }
        Err(Error::validation(format!(
            "room {room} is not a room of the hotel in Mews"
        )))
    }

    /// Reads a reservation back after a refused state change: `Ok(true)` when
    /// it is already in one of `states`.
    async fn already_in(&self, reservation: &VendorId, states: &[ServiceOrderState]) -> Result<bool, Error> {
        let r = self.wire_reservation(reservation).await?;
        Ok(states.contains(&r.state))
    }
}

#[async_trait]
impl PmsClient for MewsClient {
    fn kind(&self) -> PmsKind {
        PmsKind::Mews
    }

    fn capabilities(&self) -> Capabilities {
        [
            Capability::Webhooks,
            Capability::ChangePolling,
            Capability::RoomStatusWrite,
            Capability::CheckIn,
            Capability::CheckOut,
            Capability::PostCharge,
            Capability::VoidCharge,
            Capability::ChargeReadBack,
            Capability::Agenda,
            Capability::AssignRoom,
        ]
        .into_iter()
        .collect()
    }

    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        let (items, _) = self
            .reservations_page(GetAllReservations {
                enterprise_ids: self.enterprise_ids(),
                reservation_ids: Some(vec![id.as_str().to_owned()]),
                limitation: Some(Limitation::new(1, None)),
                ..GetAllReservations::default()
            })
            .await?;
        items
            .into_iter()
            .find(|r| r.external.id.as_str().eq_ignore_ascii_case(id.as_str()))
            .ok_or_else(|| Error::not_found(format!("Mews reservation {id}")))
    }

    /// One page of reservations updated in `[since, until)`. Windows longer
    /// than [`MAX_WINDOW_DAYS`] are split; the [`PageToken`] carries the
    /// current sub-window start and the Mews `Cursor` inside it.
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        if query.until <= query.since {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let (window_start, cursor) = match &query.page {
            None => (query.since, None),
            Some(token) => decode_page_token(token, query)?,
        };
        let window_end = window_start
            .checked_add_signed(chrono::Duration::days(MAX_WINDOW_DAYS))
            .map_or(query.until, |end| end.min(query.until));
        let limitation = Limitation::new(query.page_size.min(self.config.page_size), cursor);
        let count = limitation.count as usize;
        let (items, next_cursor) = self
            .reservations_page(GetAllReservations {
                enterprise_ids: self.enterprise_ids(),
                updated_utc: Some(TimeInterval {
                    start_utc: window_start,
                    end_utc: window_end,
                }),
                limitation: Some(limitation),
                ..GetAllReservations::default()
            })
            .await?;
        let next = match next_cursor {
            Some(cursor) if items.len() >= count && !items.is_empty() => {
                Some(encode_page_token(window_start, Some(&cursor)))
            }
            _ if window_end < query.until => Some(encode_page_token(window_end, None)),
            _ => None,
        };
        Ok(Page { items, next })
    }

    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.by_schedule(range, true).await
    }

    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        self.by_schedule(range, false).await
    }

    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        let page: CustomersPage = self
            .call(
                "customers/getAll",
                &GetAllCustomers {
                    chain_ids: None,
                    customer_ids: Some(vec![id.as_str().to_owned()]),
                    updated_utc: None,
                    extent: CustomerExtent {
                        customers: true,
                        addresses: false,
                    },
                    limitation: Limitation::new(1, None),
                },
                CallKind::Read,
            )
            .await?;
        let ctx = self.context();
        let (i, customer) = page
            .customers
            .iter()
            .enumerate()
            .find(|(_, c)| c.id.eq_ignore_ascii_case(id.as_str()))
            .ok_or_else(|| Error::not_found(format!("Mews customer {id}")))?;
        map::guest(customer, &ctx, &format!("Customers[{i}]"))
    }

    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        self.resources()
            .await?
            .iter()
            .enumerate()
            .map(|(i, r)| map::room(r, &format!("Resources[{i}]")))
            .collect()
    }

    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        self.resources()
            .await?
            .iter()
            .enumerate()
            .map(|(i, r)| map::room_status_report(r, &format!("Resources[{i}]")))
            .collect()
    }

    /// The reservation's order items (by `ServiceOrderIds`), the owner
    /// account's items consumed during the stay (charges posted with
    /// `orders/add` live on their own product service order), and payments
    /// by `ReservationIds`. The balance is computed (Mews has none per stay).
    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        let r = self.wire_reservation(reservation).await?;
        let ctx = self.context();
        let mut items = self
            .order_items(GetAllOrderItems {
                enterprise_ids: self.enterprise_ids(),
                service_order_ids: Some(vec![r.id.clone()]),
                ..GetAllOrderItems::default()
            })
            .await?;
        if let Some(account) = &r.account_id {
            // Vendor instants: checked, so an absurd date is an error, not a panic.
            let out_of_range = |field: &str| {
                Error::decode(PmsKind::Mews, format!("Reservations[0].{field}"), "out of range")
            };
            let day = chrono::Duration::days(1);
            let start = r
                .scheduled_start_utc
                .checked_sub_signed(day)
                .ok_or_else(|| out_of_range("ScheduledStartUtc"))?;
            let end = r
                .actual_end_utc
                .unwrap_or(r.scheduled_end_utc)
                .checked_add_signed(day)
                .ok_or_else(|| out_of_range("ScheduledEndUtc"))?;
            let end = start
                .checked_add_signed(chrono::Duration::days(MAX_WINDOW_DAYS))
                .map_or(end, |longest| end.min(longest));
            let seen: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
            let extra = self
                .order_items(GetAllOrderItems {
                    enterprise_ids: self.enterprise_ids(),
                    account_ids: Some(vec![account.clone()]),
                    consumed_utc: Some(TimeInterval {
                        start_utc: start,
                        end_utc: end,
                    }),
                    ..GetAllOrderItems::default()
                })
                .await?;
            items.extend(extra.into_iter().filter(|i| !seen.contains(&i.id)));
        }
        let payments = self
            .all_pages(
                "payments/getAll",
                |limitation| GetAllPayments {
                    enterprise_ids: self.enterprise_ids(),
                    reservation_ids: Some(vec![r.id.clone()]),
                    limitation: Some(limitation),
                },
                |page: PaymentsPage| (page.payments, page.cursor),
            )
            .await?;
        let charges = items
            .iter()
            .enumerate()
            .map(|(i, item)| map::folio_charge(item, &ctx, &format!("OrderItems[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let payments = payments
            .iter()
            .enumerate()
            .map(|(i, p)| map::payment(p, &format!("Payments[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let reference = ExternalRef::new(PmsKind::Mews, reservation.clone());
        map::folio(&reference, charges, payments, &ctx)
    }

    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        let state = map::housekeeping_to_mews(&update.status)?;
        let _: EmptyResponse = self
            .call(
                "resources/update",
                &UpdateResources {
                    resource_updates: vec![ResourceUpdate {
                        resource_id: update.room.as_str().to_owned(),
                        state: Some(UpdateValue { value: Some(state) }),
                        state_reason: None,
                    }],
                },
                CallKind::Write,
            )
            .await?;
        Ok(())
    }

    /// `reservations/start`. A room in the request must already be the
    /// assigned one (this connector does not move reservations). A refusal
    /// is read back: a reservation already `Started` (or `Processed`) is success.
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        if let Some(room) = &request.room {
            let r = self.wire_reservation(&request.reservation).await?;
            let names = self.room_names().await?;
            let assigned = r.assigned_resource_id.as_ref().and_then(|id| names.get(id));
            if assigned != Some(room) {
                return Err(Error::validation(format!(
                    "room {room} is not the room assigned to reservation {} in Mews",
                    request.reservation
                )));
            }
        }
        let body = StartReservation {
            enterprise_id: self.config.enterprise_id.clone(),
            reservation_id: request.reservation.as_str().to_owned(),
        };
        match self
            .call::<_, EmptyResponse>("reservations/start", &body, CallKind::Write)
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.kind(), ErrorKind::Conflict | ErrorKind::Validation) => {
                match self
                    .already_in(
                        &request.reservation,
                        &[ServiceOrderState::Started, ServiceOrderState::Processed],
                    )
                    .await
                {
                    Ok(true) => {
                        tracing::info!(request_id = %request.request_id, "reservation already started in Mews");
                        Ok(())
                    }
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `reservations/process`. With `allow_open_balance`, Mews requires
    /// `Notes`; we write our request id there. Bills are not closed.
    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        let body = ProcessReservation {
            enterprise_id: self.config.enterprise_id.clone(),
            reservation_id: request.reservation.as_str().to_owned(),
            close_bills: false,
            allow_open_balance: request.allow_open_balance,
            notes: request
                .allow_open_balance
                .then(|| format!("Checked out with open balance, request {}", request.request_id)),
        };
        match self
            .call::<_, EmptyResponse>("reservations/process", &body, CallKind::Write)
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.kind(), ErrorKind::Conflict | ErrorKind::Validation) => {
                match self
                    .already_in(&request.reservation, &[ServiceOrderState::Processed])
                    .await
                {
                    Ok(true) => {
                        tracing::info!(request_id = %request.request_id, "reservation already processed in Mews");
                        Ok(())
                    }
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `orders/add` with one custom item whose `ExternalIdentifier` is our
    /// request id, linked to the reservation and charged to its owner account.
    /// `outlet` names the Mews `ServiceId` (default: [`ChargeSettings::service_id`]);
    /// `transaction_code` is sent as `AccountingCategoryId`.
    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        let settings = &self.config.charges;
        let service_id = charge
            .outlet
            .clone()
            .or_else(|| settings.service_id.clone())
            .ok_or_else(|| Error::config("charges.service_id", "no Mews ServiceId to post charges to"))?;
        if settings.tax_codes.is_empty() {
            return Err(Error::config(
                "charges.tax_codes",
                "Mews requires TaxCodes on every amount",
            ));
        }
        if !charge.quantity.fract().is_zero() || charge.quantity <= rust_decimal::Decimal::ZERO {
            return Err(Error::validation("Mews takes a positive whole UnitCount"));
        }
        let unit_count = rust_decimal::prelude::ToPrimitive::to_i64(&charge.quantity)
            .ok_or_else(|| Error::validation("quantity out of range"))?;
        let r = self.wire_reservation(&charge.reservation).await?;
        let account_id = r.account_id.clone().ok_or_else(|| {
            Error::decode(
                PmsKind::Mews,
                "Reservations[0].AccountId",
                "missing: no account to charge",
            )
        })?;
        let value = Some(charge.unit_amount.amount);
        let body = AddOrder {
            enterprise_id: self.config.enterprise_id.clone(),
            service_id,
            account_id,
            items: vec![OrderItemParameters {
                name: charge.description.clone(),
                unit_count,
                unit_amount: AmountParameters {
                    currency: charge.unit_amount.currency.code().to_owned(),
                    tax_codes: settings.tax_codes.clone(),
                    gross_value: value.filter(|_| settings.pricing == ChargePricing::Gross),
                    net_value: value.filter(|_| settings.pricing == ChargePricing::Net),
                },
                accounting_category_id: charge.transaction_code.clone(),
                external_identifier: Some(charge.request_id.to_string()),
            }],
            consumption_utc: Some(charge.consumed_at),
            notes: None,
            linked_reservation_id: Some(r.id.clone()),
        };
        let result: AddOrderResult = self.call("orders/add", &body, CallKind::Write).await?;
        let order = VendorId::new(result.order_id).map_err(|_| Error::OutcomeUnknown {
            operation: "orders/add",
            message: "empty OrderId".into(),
            vendor_request_id: None,
        })?;
        Ok(PostedCharge {
            request_id: charge.request_id,
            external: ExternalRef::new(PmsKind::Mews, order),
        })
    }

    /// Reads the owner account's order items (newest first, page by page)
    /// until one carries our request id as `ExternalIdentifier`;
    /// `orderItems/getAll` has no filter by it.
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        let r = self.wire_reservation(reservation).await?;
        let Some(account) = r.account_id else {
            return Ok(None);
        };
        let wanted = request_id.to_string();
        let ctx = self.context();
        let mut cursor = None;
        loop {
            let limitation = self.limitation(cursor.clone());
            let count = limitation.count as usize;
            let page: OrderItemsPage = self
                .call(
                    "orderItems/getAll",
                    &GetAllOrderItems {
                        enterprise_ids: self.enterprise_ids(),
                        account_ids: Some(vec![account.clone()]),
                        limitation: Some(limitation),
                        ..GetAllOrderItems::default()
                    },
                    CallKind::Read,
                )
                .await?;
            if let Some((i, item)) = page.order_items.iter().enumerate().find(|(_, item)| {
                item.external_identifier
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&wanted))
            }) {
                return map::folio_charge(item, &ctx, &format!("OrderItems[{i}]")).map(Some);
            }
            match page.cursor {
                Some(next)
                    if page.order_items.len() >= count
                        && !page.order_items.is_empty()
                        && cursor.as_deref() != Some(next.as_str()) =>
                {
                    cursor = Some(next)
                }
                _ => return Ok(None),
            }
        }
    }

    /// `orderItems/cancel` (restricted beta) on the order item id (a
    /// [`FolioCharge`]'s external id, not the `OrderId` of `post_charge`).
    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), Error> {
        let _: EmptyResponse = self
            .call(
                "orderItems/cancel",
                &CancelOrderItems {
                    enterprise_id: self.config.enterprise_id.clone(),
                    order_item_ids: vec![request.charge.as_str().to_owned()],
                },
                CallKind::Write,
            )
            .await?;
        Ok(())
    }

    /// `reservations/update` with one `ReservationUpdates` item setting
    /// `AssignedResourceId` (<https://docs.mews.com/connector-api/operations/reservations#update-reservations>).
    /// The room number is resolved to its resource id first; an unknown
    /// number is refused before anything is sent. A reservation that already
    /// has the room succeeds without a write. `Reprice` is `false`: a room
    /// move must not reprice the stay at today's rates (the documented
    /// default when it is left out). A refusal (403 → `Conflict`, 400 →
    /// `Validation`) is read back: a reservation that has the room by then
    /// is success.
    async fn assign_room(&self, request: &RoomAssignment) -> Result<(), Error> {
        let resource_id = self.resource_id_of(&request.room).await?;
        let has_room = |r: &wire::reservations::Reservation| {
            r.assigned_resource_id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(&resource_id))
        };
        let current = self.wire_reservation(&request.reservation).await?;
        if has_room(&current) {
            tracing::info!(request_id = %request.request_id, "reservation already has the room in Mews");
            return Ok(());
        }
        let body = UpdateReservations {
            enterprise_id: self.config.enterprise_id.clone(),
            reason: Some(format!("Room assignment, request {}", request.request_id)),
            reprice: Some(false),
            reservation_updates: vec![ReservationUpdate {
                reservation_id: current.id.clone(),
                assigned_resource_id: Some(UpdateValue {
                    value: Some(resource_id.clone()),
                }),
            }],
        };
        match self
            .call::<_, EmptyResponse>("reservations/update", &body, CallKind::Write)
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.kind(), ErrorKind::Conflict | ErrorKind::Validation) => {
                match self.wire_reservation(&request.reservation).await {
                    Ok(r) if has_room(&r) => {
                        tracing::info!(request_id = %request.request_id, "reservation has the room in Mews after a refusal");
                        Ok(())
                    }
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `resourceBlocks/getAll` by `ResourceBlockIds`, active and deleted
    /// (`ActivityStates` defaults to `Active` only; a `ResourceBlockUpdated`
    /// for a removed block must still find its room,
    /// <https://docs.mews.com/connector-api/operations/resourceblocks>).
    async fn room_block(&self, block: &VendorId) -> Result<pms_core::RoomBlock, Error> {
        use crate::wire::resource_blocks::{ActivityState, GetAllResourceBlocks, ResourceBlocksPage};
        let page: ResourceBlocksPage = self
            .call(
                "resourceBlocks/getAll",
                &GetAllResourceBlocks {
                    enterprise_ids: self.enterprise_ids(),
                    resource_block_ids: Some(vec![block.as_str().to_owned()]),
                    assigned_resource_ids: None,
                    activity_states: Some(vec![ActivityState::Active, ActivityState::Deleted]),
                    limitation: Limitation::new(1, None),
                },
                CallKind::Read,
            )
            .await?;
        let (i, found) = page
            .resource_blocks
            .iter()
            .enumerate()
            .find(|(_, b)| b.id.eq_ignore_ascii_case(block.as_str()))
            .ok_or_else(|| Error::not_found(format!("Mews resource block {block}")))?;
        map::room_block(found, &format!("ResourceBlocks[{i}]"))
    }

    /// Reservations of hourly bookable services (spa, restaurant tables,
    /// activities): see the `agenda` module.
    async fn agenda(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, Error> {
        self.agenda_items(range).await
    }

    /// `configuration/get`: `Enterprise.TimeZoneIdentifier` and the default
    /// accounting currency of `Enterprise.Currencies` (see `client/profile.rs`).
    async fn property_profile(&self) -> Result<pms_core::PropertyProfile, Error> {
        self.read_property_profile().await
    }

    async fn health(&self) -> HealthReport {
        let started = Instant::now();
        let result = self
            .call::<_, Configuration>("configuration/get", &Empty {}, CallKind::Read)
            .await;
        HealthReport {
            pms: PmsKind::Mews,
            healthy: result.is_ok(),
            latency: started.elapsed(),
            checked_at: self.clock().now(),
            error: result.as_ref().err().map(Error::kind),
            detail: result.err().map(|e| e.to_string()),
        }
    }
}

/// Decodes a JSON body, naming the failing path. An empty body (a `204`)
/// reads as `{}`.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| MewsError::from_path_error("", e).into())
}

/// A `reservations/getAll` page with each reservation still as text.
#[derive(serde::Deserialize)]
struct RawReservationsPage<'a> {
    #[serde(rename = "Reservations", borrow, default)]
    reservations: Option<Vec<&'a serde_json::value::RawValue>>,
    #[serde(rename = "Cursor", default)]
    cursor: Option<String>,
}

/// A decoded reservations page: each reservation with its own JSON text.
pub(crate) struct ReservationsWithRaw<'a> {
    /// `None` when the body has no `Reservations` key at all.
    pub(crate) reservations: Option<Vec<(wire::reservations::Reservation, &'a serde_json::value::RawValue)>>,
    pub(crate) cursor: Option<String>,
}

/// Decodes a `reservations/getAll` page in one pass over the bytes: the page
/// is split into per-reservation texts (kept as raw payloads, no tree built),
/// and each text is decoded into the wire type.
pub(crate) fn decode_reservations(bytes: &[u8]) -> Result<ReservationsWithRaw<'_>, Error> {
    let page: RawReservationsPage<'_> = decode_item(bytes, "")?;
    let reservations = page
        .reservations
        .map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, raw)| {
                    decode_item(raw.get().as_bytes(), &format!("Reservations[{i}]")).map(|wire| (wire, raw))
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .transpose()?;
    Ok(ReservationsWithRaw {
        reservations,
        cursor: page.cursor,
    })
}

/// Decodes JSON without tracking the path (the fast path); only when that
/// fails is it decoded again to name the failing path under `prefix`.
fn decode_item<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8], prefix: &str) -> Result<T, Error> {
    serde_json::from_slice(bytes).or_else(|_| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(&mut de).map_err(|e| MewsError::from_path_error(prefix, e).into())
    })
}

/// The UTC instant of local midnight of `date` in `tz` (the first instant
/// of the day when midnight falls in a DST gap or fold).
pub(crate) fn local_midnight_utc(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut time = NaiveTime::MIN;
    for _ in 0..4 {
        if let Some(local) = tz.from_local_datetime(&date.and_time(time)).earliest() {
            return local.with_timezone(&Utc);
        }
        // A day has no more than 24 h of gaps to skip; wrapping cannot happen in 4 steps.
        time = time.overflowing_add_signed(chrono::Duration::minutes(30)).0;
    }
    date.and_time(NaiveTime::MIN).and_utc()
}

/// `[start, end)` cut into intervals of at most [`MAX_WINDOW_DAYS`].
pub(crate) fn split_window(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<TimeInterval> {
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = from
            .checked_add_signed(chrono::Duration::days(MAX_WINDOW_DAYS))
            .map_or(end, |to| to.min(end));
        out.push(TimeInterval {
            start_utc: from,
            end_utc: to,
        });
        from = to;
    }
    out
}

/// Page tokens carry the sub-window start in full (seconds and nanoseconds):
/// a `ChangeQuery` may hold any precision (the sync's first window starts at
/// `now - lookback`, with the system clock's nanoseconds), and a start read
/// back coarser than `since` would fall outside the window and orphan the
/// token (RELIABILITY.md bugs 4 and 16).
const TOKEN_PREFIX: &str = "mews2";
/// Tokens of earlier versions (start in microseconds), still accepted so a
/// cursor stored mid-window before an upgrade resumes.
const TOKEN_PREFIX_MICROS: &str = "mews1";

fn encode_page_token(window_start: DateTime<Utc>, cursor: Option<&str>) -> PageToken {
    PageToken::new(format!(
        "{TOKEN_PREFIX}:{}.{:09}:{}",
        window_start.timestamp(),
        window_start.timestamp_subsec_nanos(),
        cursor.unwrap_or("")
    ))
}

fn decode_page_token(
    token: &PageToken,
    query: &ChangeQuery,
) -> Result<(DateTime<Utc>, Option<String>), Error> {
    let invalid = || Error::validation("page token was not issued by the Mews connector");
    let mut parts = token.as_str().splitn(3, ':');
    let prefix = parts.next();
    let start = parts.next().ok_or_else(invalid)?;
    let (start, since) = match prefix {
        Some(TOKEN_PREFIX) => {
            let (secs, nanos) = start.split_once('.').ok_or_else(invalid)?;
            let start = secs
                .parse::<i64>()
                .ok()
                .zip(nanos.parse::<u32>().ok())
                .and_then(|(secs, nanos)| DateTime::<Utc>::from_timestamp(secs, nanos))
                .ok_or_else(invalid)?;
            (start, query.since)
        }
        Some(TOKEN_PREFIX_MICROS) => {
            let start = start
                .parse::<i64>()
                .ok()
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .ok_or_else(invalid)?;
            // Such a token holds microseconds: compare at that precision.
            let since =
                DateTime::<Utc>::from_timestamp_micros(query.since.timestamp_micros()).unwrap_or(query.since);
            (start, since)
        }
        _ => return Err(invalid()),
    };
    if start < since || start >= query.until {
        return Err(Error::validation("page token does not belong to this window"));
    }
    let cursor = parts.next().ok_or_else(invalid)?;
    Ok((start, (!cursor.is_empty()).then(|| cursor.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_split_at_89_days() {
        let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
        let end: DateTime<Utc> = "2024-12-31T00:00:00Z".parse().unwrap();
        let windows = split_window(start, end);
        assert_eq!(windows.len(), 5);
        assert_eq!(windows[0].start_utc, start);
        assert_eq!(windows[4].end_utc, end);
        for pair in windows.windows(2) {
            assert_eq!(pair[0].end_utc, pair[1].start_utc);
        }
        assert!(
            windows
                .iter()
                .all(|w| w.end_utc - w.start_utc <= chrono::Duration::days(MAX_WINDOW_DAYS))
        );
    }

    #[test]
    fn local_midnight_is_converted_with_the_property_zone() {
        let day = NaiveDate::from_ymd_opt(2023, 3, 22).unwrap();
        // serialization.md: "March 22nd 2023 local time in Chicago" is 2023-03-22T05:00:00Z.
        assert_eq!(
            local_midnight_utc(day, chrono_tz::America::Chicago),
            "2023-03-22T05:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn page_tokens_round_trip_and_reject_foreign_ones() {
        let query = ChangeQuery {
            since: "2024-01-01T00:00:00Z".parse().unwrap(),
            until: "2024-06-01T00:00:00Z".parse().unwrap(),
            page: None,
            page_size: 100,
        };
        let start: DateTime<Utc> = "2024-03-30T00:00:00Z".parse().unwrap();
        let token = encode_page_token(start, Some("abc"));
        assert_eq!(
            decode_page_token(&token, &query).unwrap(),
            (start, Some("abc".to_owned()))
        );
        assert!(decode_page_token(&PageToken::new("42"), &query).is_err());
    }

    #[test]
    fn page_tokens_keep_a_window_start_with_nanoseconds() {
        // The sync's first window starts at `now - lookback`: system-clock nanoseconds.
        let since: DateTime<Utc> = "2024-01-01T10:20:30.123456789Z".parse().unwrap();
        let query = ChangeQuery {
            since,
            until: "2024-03-01T00:00:00Z".parse().unwrap(),
            page: None,
            page_size: 500,
        };
        let token = encode_page_token(since, Some("c1"));
        assert_eq!(
            decode_page_token(&token, &query).unwrap(),
            (since, Some("c1".to_owned()))
        );
        // A token of the previous format (microseconds) still resumes its window.
        let old = PageToken::new(format!("mews1:{}:c1", since.timestamp_micros()));
        let (start, cursor) = decode_page_token(&old, &query).unwrap();
        assert_eq!(start.timestamp_micros(), since.timestamp_micros());
        assert_eq!(cursor.as_deref(), Some("c1"));
        // Before the window, or malformed: refused.
        let early = encode_page_token(since - chrono::Duration::nanoseconds(1), None);
        assert!(decode_page_token(&early, &query).is_err());
        assert!(decode_page_token(&PageToken::new("mews2:12:c"), &query).is_err());
        assert!(decode_page_token(&PageToken::new("mews2:12.x:c"), &query).is_err());
    }
}
