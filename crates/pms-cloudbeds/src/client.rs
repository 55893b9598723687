//! [`CloudbedsClient`]: configuration, transport, the v1.3 methods, and the
//! [`PmsClient`] implementation.
//!
//! Transport rules (vendor notes §2, §4, §5; `src/pms-v1.3-openapi.yaml`):
//! * `GET`/`DELETE` send parameters in the query string, `POST`/`PUT` as
//!   `application/x-www-form-urlencoded`, arrays PHP-style (`items[0][itemPrice]`).
//! * Every request carries `X-PROPERTY-ID`; every response's `X-Request-ID`
//!   is logged and kept in errors.
//! * `{"success": false}` is an error whatever the HTTP status, classified by
//!   its message. 429 is `RateLimited` (with `Retry-After` when sent).
//! * Every request goes through one [`pms_http::Transport`] (timeout, bounded
//!   body, `X-Request-ID`, `Retry-After`, the gate that spends
//!   [`DEFAULT_RATE_LIMIT`], read retries): this file adds the envelope
//!   (`X-PROPERTY-ID`, the credential, query or form) before the call and
//!   the status table ([`check`], also the transport's [`read_failure`])
//!   after it. By default a read is not resent; set
//!   [`CloudbedsClientBuilder::retry`] so that one failed page does not fail
//!   a read of many pages. Writes are never resent.
//! * A write whose request may have left and got no answer (timeout, reset,
//!   gateway 5xx) is `OutcomeUnknown`: read back (for charges:
//!   [`PmsClient::find_charge`]) before any retry.

pub(crate) mod profile;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use pms_core::RetryPolicy;
use pms_core::{
    Capabilities, Capability, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, CloudbedsAuth,
    DateRange, ErrorKind, Folio, FolioCharge, Guest, HealthReport, HotelConfig, Money, Page, PageToken,
    PmsClient, PmsKind, PmsSettings, PostedCharge, RateLimit, RequestId, Reservation, ReservationStatus,
    Room, RoomAssignment, RoomNumber, RoomStatusReport, RoomStatusUpdate, VendorId, VoidChargeRequest,
};
use pms_http::{Answer, Bytes, Rules, Transport, TransportBuilder, TransportError};
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{ApiKeyHeader, Authenticator, Credential};
use crate::error::{CloudbedsError, classify_code, classify_message, vendor_text};
use crate::map::{self, MapContext};
use crate::redact::RedactedJson;
use crate::reservations::{self, Unusual};
use crate::wire::folio::{PostAdjustmentData, PostCustomItemData, PostPaymentResponse, Transaction};
use crate::wire::guest::GuestDetail;
use crate::wire::housekeeping::{HousekeepingItem, PostHousekeepingData};
use crate::wire::reservation::{ReservationDetail, ReservationListItem, ReservationRates};
use crate::wire::room::{PropertyRooms, RoomItem};
use crate::wire::webhook::{PostWebhookData, WebhookSubscription};
use crate::wire::{Envelope, Probe};

/// Cloudbeds' documented budget for a property (or group) credential:
/// "Properties and Group Properties: 5 requests per second"
/// (developers.cloudbeds.com/docs/faq). Exceeding it "may result in a temporary
/// suspension" of the credential. Override with [`CloudbedsClientBuilder::rate_limit`].
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 5,
    window: Duration::from_secs(1),
};

/// The budget for technology-partner apps: "Tech Partners: 10 requests per second" (same FAQ).
pub const PARTNER_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    window: Duration::from_secs(1),
};

/// `pageSize` maximum of `getReservations`, `getGuestList`, `getTransactions` ("Max = 100").
pub const MAX_PAGE_SIZE: u32 = 100;

/// `pageSize` we use for `getHousekeepingStatus` (documented "Max = 5000").
pub const HOUSEKEEPING_PAGE_SIZE: u32 = 5000;

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Cloudbeds' face on the transport: `X-Request-ID` on every answer and
/// [`read_failure`] as the status table of v1.x reads.
const RULES: Rules = Rules::new(PmsKind::Cloudbeds, Some("x-request-id")).read_failure(read_failure);

/// The Accounting API's: 2xx is the answer (no `success` envelope), so only
/// a failure status is resent ([`crate::accounting::check`]).
const ACCOUNTING_RULES: Rules =
    Rules::new(PmsKind::Cloudbeds, Some("x-request-id")).read_failure(crate::accounting::read_failure);

/// Safety bound on pages walked by one call that reads "everything".
const MAX_PAGES: u32 = 1000;

/// A Cloudbeds API v1.3 client for one property.
#[derive(Clone)]
pub struct CloudbedsClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// v1.x calls and the OAuth token endpoint.
    transport: Transport,
    /// The same transport under the Accounting API's rules.
    accounting_transport: Transport,
    base: Url,
    /// The Accounting API root (`https://api.cloudbeds.com/accounting/v1.0/`).
    accounting: Url,
    property_id: String,
    ctx: MapContext,
    auth: Authenticator,
    rate_limit: RateLimit,
}

impl std::fmt::Debug for CloudbedsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudbedsClient")
            .field("base", &self.inner.base.as_str())
            .field("property_id", &self.inner.property_id)
            .field("hotel", &self.inner.ctx.hotel)
            .field("auth", &self.inner.auth)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CloudbedsClient`]; start from [`CloudbedsClient::builder`].
#[derive(Debug)]
pub struct CloudbedsClientBuilder {
    base: Url,
    accounting: Option<Url>,
    property_id: String,
    ctx: MapContext,
    auth: CloudbedsAuth,
    rate_limit: RateLimit,
    api_key_header: ApiKeyHeader,
    transport: TransportBuilder,
    given: Option<Transport>,
}

impl CloudbedsClientBuilder {
    /// Where an API key is sent (default `x-api-key`).
    pub fn api_key_header(mut self, header: ApiKeyHeader) -> Self {
        self.api_key_header = header;
        self
    }

    /// Per-request timeout, body read included (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport = self.transport.timeout(timeout);
        self
    }

    /// Largest answer read (default [`pms_http::DEFAULT_BODY_LIMIT`]).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.transport = self.transport.body_limit(limit);
        self
    }

    /// The request budget to publish (default [`DEFAULT_RATE_LIMIT`]).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// When a read request that failed transiently or with 429 (also a
    /// `success: false` rate message) is sent again (default
    /// [`RetryPolicy::never`]: the sync layer retries whole calls). Writes
    /// are never resent by the client.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.transport = self.transport.retry(retry);
        self
    }

    /// The Accounting API root, `<scheme>://<host>/accounting/v1.0/` (the
    /// spec's `servers` is `https://api.cloudbeds.com`, "All endpoint paths
    /// are prefixed with `/accounting/v1.0`", `accounting-v1.0-openapi.json`
    /// `info.description`). Default: the host of the v1.3 base URL, which
    /// is `api.cloudbeds.com` for the documented base.
    pub fn accounting_base_url(mut self, url: Url) -> Self {
        let mut url = url;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        self.accounting = Some(url);
        self
    }

    pms_http::transport_settings!(transport, given);

    /// Builds the client.
    pub fn build(self) -> Result<CloudbedsClient, pms_core::Error> {
        let transport = match self.given {
            Some(transport) => transport.with_rules(RULES),
            None => self
                .transport
                .user_agent(concat!("pms-cloudbeds/", env!("CARGO_PKG_VERSION")))
                .rules(RULES)
                .build()
                .map_err(|e| pms_core::Error::config("PMS_HOTEL_*_BASE_URL", format!("http client: {e}")))?,
        };
        let auth = match self.auth {
            CloudbedsAuth::ApiKey(key) => Authenticator::api_key(key, self.api_key_header),
            CloudbedsAuth::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let token_url = self.base.join("access_token").map_err(|_| {
                    pms_core::Error::config("PMS_HOTEL_*_BASE_URL", "cannot derive access_token URL")
                })?;
                Authenticator::oauth(
                    &client_id,
                    &client_secret,
                    refresh_token,
                    token_url,
                    transport.clone(),
                )
            }
        };
        let accounting = match self.accounting {
            Some(url) => url,
            None => self.base.join("/accounting/v1.0/").map_err(|_| {
                pms_core::Error::config("PMS_HOTEL_*_BASE_URL", "cannot derive the Accounting API URL")
            })?,
        };
        Ok(CloudbedsClient {
            inner: Arc::new(Inner {
                accounting_transport: transport.with_rules(ACCOUNTING_RULES),
                transport,
                accounting,
                base: self.base,
                property_id: self.property_id,
                ctx: self.ctx,
                auth,
                rate_limit: self.rate_limit,
            }),
        })
    }
}

/// One page of a list method.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// `count`.
    pub count: Option<u32>,
    /// `total`.
    pub total: Option<u32>,
}

/// `postAdjustment.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentType {
    /// `rate`.
    Rate,
    /// `product` (needs `itemID`).
    Product,
    /// `fee` (needs `itemID`).
    Fee,
    /// `tax` (needs `itemID`).
    Tax,
}

impl AdjustmentType {
    fn as_wire(self) -> &'static str {
        match self {
            AdjustmentType::Rate => "rate",
            AdjustmentType::Product => "product",
            AdjustmentType::Fee => "fee",
            AdjustmentType::Tax => "tax",
        }
    }
}

/// A `postAdjustment` call. Cloudbeds has no idempotency field here: our
/// request id goes into `notes` so reconciliation can find it.
#[derive(Debug, Clone, PartialEq)]
pub struct AdjustmentRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation.
    pub reservation: VendorId,
    /// What is adjusted.
    pub kind: AdjustmentType,
    /// The amount (property currency).
    pub amount: Money,
    /// `itemID` for product/fee/tax adjustments.
    pub item_id: Option<String>,
}

/// A `postPayment` call (no idempotency field: our request id goes into `description`).
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRequest {
    /// Our id for this intent.
    pub request_id: RequestId,
    /// The reservation.
    pub reservation: VendorId,
    /// `type`, one of the property's `getPaymentMethods` codes (`cash`, `credit`, ...).
    pub method: String,
    /// `cardType`, needed when `method` is `credit`.
    pub card_type: Option<String>,
    /// The amount (property currency).
    pub amount: Money,
    /// `isDeposit`.
    pub is_deposit: bool,
}

/// What `postPayment` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedPayment {
    /// `paymentID`, needed by `postVoidPayment`.
    pub payment_id: VendorId,
    /// `transactionID`.
    pub transaction_id: Option<String>,
}

#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) method: Method,
    /// The v1.3 method (`getReservation`), or for a JSON call the path
    /// below the Accounting root (`transactions`).
    pub(crate) name: &'static str,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) write: bool,
    /// A JSON body for the Accounting API (`crate::accounting`): sent to
    /// [`CloudbedsClientBuilder::accounting_base_url`] as `application/json`
    /// with a Bearer credential, and answered without the v1.x envelope.
    pub(crate) json: Option<serde_json::Value>,
}

pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
}

impl RawResponse {
    pub(crate) fn of(answer: &Answer) -> Self {
        RawResponse {
            status: answer.code(),
            body: answer.bytes.clone(),
            request_id: answer.request_id.clone(),
            retry_after: answer.retry_after,
        }
    }
}

fn p(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

impl CloudbedsClient {
    /// A builder from a hotel's configuration: `base_url` is the API root
    /// (`https://api.cloudbeds.com/api/v1.3/`, or the `data.api.url` that
    /// `/oauth/metadata` names for the property), `time_zone` and `currency`
    /// are the property's, and the settings must be [`PmsSettings::Cloudbeds`].
    pub fn builder(config: &HotelConfig) -> Result<CloudbedsClientBuilder, pms_core::Error> {
        let PmsSettings::Cloudbeds(settings) = &config.pms else {
            return Err(pms_core::Error::config(
                format!("PMS_HOTEL_{}_PMS", config.id.as_str().to_ascii_uppercase()),
                "is not cloudbeds",
            ));
        };
        let mut base = config.base_url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(CloudbedsClientBuilder {
            base,
            accounting: None,
            property_id: settings.property_id.clone(),
            ctx: MapContext {
                hotel: config.id.clone(),
                time_zone: config.time_zone,
                currency: config.currency,
            },
            auth: settings.auth.clone(),
            rate_limit: DEFAULT_RATE_LIMIT,
            api_key_header: ApiKeyHeader::default(),
            transport: Transport::builder()
                .timeout(DEFAULT_TIMEOUT)
                .retry(RetryPolicy::never()),
            given: None,
        })
    }

    /// A client for a hotel of the configuration (`PMS_HOTEL_<ID>_*`), with
    /// default settings and no gate.
    pub fn from_hotel(config: &HotelConfig) -> Result<Self, pms_core::Error> {
        Self::builder(config)?.build()
    }

    /// The request budget this credential should be held to (configurable).
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.rate_limit
    }

    /// The OAuth refresh token now in use, which Cloudbeds may have rotated:
    /// persist it after refreshes. `None` with an API key.
    pub fn current_refresh_token(&self) -> Option<SecretString> {
        self.inner.auth.current_refresh_token()
    }

    pub(crate) fn ctx(&self) -> &MapContext {
        &self.inner.ctx
    }

    fn property(&self) -> (String, String) {
        p("propertyID", self.inner.property_id.clone())
    }

    // ---- transport ----------------------------------------------------------------

    async fn send_once(&self, call: &Call, credential: &Credential) -> Result<RawResponse, CloudbedsError> {
        let (root, transport) = if call.json.is_some() {
            (&self.inner.accounting, &self.inner.accounting_transport)
        } else {
            (&self.inner.base, &self.inner.transport)
        };
        let mut url = root
            .join(call.name)
            .map_err(|e| CloudbedsError::Config(format!("bad URL for {}: {e}", call.name)))?;
        let mut headers = pms_http::HeaderMap::new();
        let property = pms_http::HeaderValue::from_str(&self.inner.property_id)
            .map_err(|_| CloudbedsError::Config("the property id is not a valid header value".into()))?;
        headers.insert("x-property-id", property);
        headers.insert(
            pms_http::header::ACCEPT,
            pms_http::HeaderValue::from_static("application/json"),
        );
        let body = if let Some(json) = &call.json {
            // The Accounting spec declares `bearerAuth` only ("All endpoints
            // require a valid OAuth2 bearer token"); API keys go the same way.
            credential.apply_bearer(&mut headers)?;
            let bytes = serde_json::to_vec(json).map_err(|e| {
                CloudbedsError::Validation(format!("{}: cannot encode the body: {e}", call.name))
            })?;
            pms_http::Body::Json(Bytes::from(bytes))
        } else {
            credential.apply(&mut headers)?;
            if call.method == Method::GET || call.method == Method::DELETE {
                if !call.params.is_empty() {
                    url.query_pairs_mut().extend_pairs(&call.params);
                }
                pms_http::Body::None
            } else {
                pms_http::Body::form(call.params.iter().map(|(k, v)| (k, v)))
            }
        };
        let answer = transport
            .send(pms_http::Call {
                operation: call.name,
                method: call.method.clone(),
                url,
                headers,
                body,
                write: call.write,
            })
            .await
            .map_err(|e| transport_error(call, e))?;
        tracing::debug!(method = call.name, status = answer.code(), request_id = ?answer.request_id, "cloudbeds response");
        Ok(RawResponse::of(&answer))
    }

    /// Sends with authentication; on 401 refreshes once (OAuth) and resends.
    async fn send(&self, call: &Call) -> Result<RawResponse, CloudbedsError> {
        let credential = self.inner.auth.credential().await?;
        let response = self.send_once(call, &credential).await?;
        if response.status == 401 && self.inner.auth.can_refresh() {
            tracing::info!(
                method = call.name,
                "cloudbeds answered 401: refreshing the token once"
            );
            let fresh = self.inner.auth.after_unauthorized(&credential).await?;
            return self.send_once(call, &fresh).await;
        }
        Ok(response)
    }

    /// A read request: the transport resends it after a transient failure or
    /// a 429 per its retry policy (reads change nothing, so resending is safe).
    async fn read(&self, call: Call) -> Result<(Bytes, Option<String>), CloudbedsError> {
        debug_assert!(!call.write, "{} is a write", call.name);
        self.execute(call).await
    }

    /// Sends and checks status and envelope; returns the body of a success.
    async fn execute(&self, call: Call) -> Result<(Bytes, Option<String>), CloudbedsError> {
        let response = self.send(&call).await?;
        if call.json.is_some() {
            crate::accounting::check(&call, response)
        } else {
            check(&call, response)
        }
    }

    /// A read of the Accounting API (`call.json` set), resent as any read.
    pub(crate) async fn read_accounting(
        &self,
        call: Call,
    ) -> Result<(Bytes, Option<String>), CloudbedsError> {
        self.read(call).await
    }

    async fn data<T: DeserializeOwned>(&self, call: Call) -> Result<Envelope<T>, CloudbedsError> {
        let (write, name) = (call.write, call.name);
        let (body, request_id) = if write {
            self.execute(call).await?
        } else {
            self.read(call).await?
        };
        parse_json::<Envelope<T>>(&body).map_err(|e| {
            if write {
                unreadable(name, &e, request_id)
            } else {
                e
            }
        })
    }

    // ---- reads --------------------------------------------------------------------

    fn reservation_call(&self, reservation_id: &str) -> Call {
        Call {
            method: Method::GET,
            name: "getReservation",
            params: vec![self.property(), p("reservationID", reservation_id)],
            write: false,
            json: None,
        }
    }

    /// `GET /getReservation`: the detail and its raw `data` object.
    pub(crate) async fn get_reservation(
        &self,
        reservation_id: &str,
    ) -> Result<(ReservationDetail, serde_json::Value), CloudbedsError> {
        let (body, _) = self.read(self.reservation_call(reservation_id)).await?;
        detail_from_tree(&body)
    }

    /// `GET /getReservation` as a record, through the text path when it
    /// vouches for the answer ([`reservations`]), else the tree path.
    async fn reservation_record(&self, reservation_id: &str) -> Result<Reservation, CloudbedsError> {
        let (body, _) = self.read(self.reservation_call(reservation_id)).await?;
        let from_text = reservations::single(&body, self.ctx()).and_then(|answer| answer.data.ok_or(Unusual));
        match from_text {
            Ok(reservation) => Ok(reservation),
            Err(Unusual) => {
                let (detail, raw) = detail_from_tree(&body)?;
                map::reservation_detail(&detail, RedactedJson::from_value(raw), self.ctx())
            }
        }
    }

    fn reservations_call(&self, filters: &[(String, String)], page_number: u32, page_size: u32) -> Call {
        let mut params = vec![
            self.property(),
            p("pageNumber", page_number.to_string()),
            p("pageSize", page_size.clamp(1, MAX_PAGE_SIZE).to_string()),
        ];
        params.extend_from_slice(filters);
        Call {
            method: Method::GET,
            name: "getReservations",
            params,
            write: false,
            json: None,
        }
    }

    /// `GET /getReservations` with extra filters, one page.
    pub async fn get_reservations(
        &self,
        filters: &[(String, String)],
        page_number: u32,
        page_size: u32,
    ) -> Result<ListPage<(ReservationListItem, serde_json::Value)>, pms_core::Error> {
        let (body, _) = self
            .read(self.reservations_call(filters, page_number, page_size))
            .await?;
        Ok(rows_from_tree(&body)?)
    }

    /// `GET /getReservationsWithRateDetails?reservationID=a,b,...`: the rate
    /// details of up to [`MAX_PAGE_SIZE`] reservations in one call
    /// (`reservationID` is comma-separated per the spec).
    pub(crate) async fn get_reservations_rates(
        &self,
        ids: &[&str],
    ) -> Result<Vec<ReservationRates>, CloudbedsError> {
        let envelope: Envelope<Vec<serde_json::Value>> = self
            .data(Call {
                method: Method::GET,
                name: "getReservationsWithRateDetails",
                params: vec![
                    self.property(),
                    p("reservationID", ids.join(",")),
                    p("pageNumber", "1"),
                    p("pageSize", MAX_PAGE_SIZE.to_string()),
                ],
                write: false,
                json: None,
            })
            .await?;
        envelope
            .data
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, raw)| from_value::<ReservationRates>(raw, &format!("$.data[{i}]")))
            .collect()
    }

    /// One page of `getReservations`, mapped to the same records
    /// `getReservation` gives: the rows are asked with `includeAllRooms` and
    /// `includeGuestsDetails` (rooms, room types, guests), and what no row
    /// carries (`total`, `estimatedArrivalTime`) comes from one
    /// `getReservationsWithRateDetails` call for the page's ids. A reservation
    /// missing from that answer is read with `getReservation`. Returns the
    /// records and the envelope's `total`.
    async fn reservations_page(
        &self,
        filters: &[(String, String)],
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<Reservation>, Option<u32>), CloudbedsError> {
        let mut filters = filters.to_vec();
        filters.push(p("includeAllRooms", "true"));
        filters.push(p("includeGuestsDetails", "true"));
        let (body, _) = self
            .read(self.reservations_call(&filters, page, page_size))
            .await?;
        let from_text =
            reservations::page(&body, self.ctx()).map(|list| (list.data.unwrap_or_default(), list.total));
        let (mut out, total) = match from_text {
            Ok(page) => page,
            Err(Unusual) => {
                let list = rows_from_tree(&body)?;
                let mut out = Vec::with_capacity(list.items.len());
                for (i, (item, raw)) in list.items.into_iter().enumerate() {
                    out.push(map::reservation_list_item(
                        &item,
                        i,
                        RedactedJson::from_value(raw),
                        self.ctx(),
                    )?);
                }
                (out, list.total)
            }
        };
        if out.is_empty() {
            return Ok((out, total));
        }
        let ids: Vec<&str> = out.iter().map(|r| r.external.id.as_str()).collect();
        let rates = self.get_reservations_rates(&ids).await?;
        let by_id: std::collections::HashMap<&str, &ReservationRates> = rates
            .iter()
            .filter_map(|r| r.reservation_id.as_deref().map(|id| (id, r)))
            .collect();
        for reservation in &mut out {
            match by_id.get(reservation.external.id.as_str()) {
                Some(rates) => map::complete_with_rates(reservation, rates, self.ctx()),
                None => {
                    *reservation = self.reservation_record(reservation.external.id.as_str()).await?;
                }
            }
        }
        Ok((out, total))
    }

    async fn reservations_all(
        &self,
        filters: &[(String, String)],
    ) -> Result<Vec<Reservation>, CloudbedsError> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let (items, total) = self.reservations_page(filters, page, MAX_PAGE_SIZE).await?;
            let got = items.len();
            out.extend(items);
            if !has_more(page, MAX_PAGE_SIZE, got, total) {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /getGuest` by `guestID` (the answer has no id; it is the one asked for).
    pub(crate) async fn get_guest(&self, guest_id: &str) -> Result<GuestDetail, CloudbedsError> {
        let envelope: Envelope<GuestDetail> = self
            .data(Call {
                method: Method::GET,
                name: "getGuest",
                params: vec![self.property(), p("guestID", guest_id)],
                write: false,
                json: None,
            })
            .await?;
        envelope
            .data
            .ok_or_else(|| CloudbedsError::decode("$.data", "missing"))
    }

    /// `GET /getRooms`, one page (`pageSize` default 20; we page on rooms,
    /// not on the documented "properties" count, vendor notes §3.3).
    pub(crate) async fn get_rooms(
        &self,
        page_number: u32,
        page_size: u32,
    ) -> Result<ListPage<PropertyRooms>, CloudbedsError> {
        let envelope: Envelope<Vec<PropertyRooms>> = self
            .data(Call {
                method: Method::GET,
                name: "getRooms",
                params: vec![
                    p("propertyIDs", self.inner.property_id.clone()),
                    p("pageNumber", page_number.to_string()),
                    p("pageSize", page_size.to_string()),
                ],
                write: false,
                json: None,
            })
            .await?;
        Ok(ListPage {
            items: envelope.data.unwrap_or_default(),
            count: envelope.count,
            total: envelope.total,
        })
    }

    /// `GET /getHousekeepingStatus`, one page.
    pub(crate) async fn get_housekeeping_status(
        &self,
        page_number: u32,
        page_size: u32,
    ) -> Result<ListPage<HousekeepingItem>, CloudbedsError> {
        let envelope: Envelope<Vec<HousekeepingItem>> = self
            .data(Call {
                method: Method::GET,
                name: "getHousekeepingStatus",
                params: vec![
                    self.property(),
                    p("pageNumber", page_number.to_string()),
                    p("pageSize", page_size.clamp(1, HOUSEKEEPING_PAGE_SIZE).to_string()),
                ],
                write: false,
                json: None,
            })
            .await?;
        Ok(ListPage {
            items: envelope.data.unwrap_or_default(),
            count: envelope.count,
            total: envelope.total,
        })
    }

    /// `GET /getTransactions` of one reservation, every page, voids included.
    ///
    /// The method left the public spec in June 2025 (still in the v1.3 SDK
    /// before `cabf6057`); folio reads use it only when the Accounting API
    /// refuses ([`CloudbedsClient::get_accounting_transactions`], see
    /// `crate::accounting`), as properties not moved to the Accounting
    /// service still answer it.
    pub(crate) async fn get_transactions(
        &self,
        reservation_id: &str,
    ) -> Result<Vec<Transaction>, CloudbedsError> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let envelope: Envelope<Vec<Transaction>> = self
                .data(Call {
                    method: Method::GET,
                    name: "getTransactions",
                    params: vec![
                        self.property(),
                        p("reservationID", reservation_id),
                        p("includeDeleted", "true"),
                        p("pageNumber", page.to_string()),
                        p("pageSize", MAX_PAGE_SIZE.to_string()),
                    ],
                    write: false,
                    json: None,
                })
                .await?;
            let items = envelope.data.unwrap_or_default();
            let got = items.len();
            out.extend(items);
            if !has_more(page, MAX_PAGE_SIZE, got, envelope.total) {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /getWebhooks` for this property.
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookSubscription>, pms_core::Error> {
        let envelope: Envelope<Vec<WebhookSubscription>> = self
            .data(Call {
                method: Method::GET,
                name: "getWebhooks",
                params: vec![self.property()],
                write: false,
                json: None,
            })
            .await?;
        Ok(envelope.data.unwrap_or_default())
    }

    /// `GET /oauth/metadata`: the regional API base URL of the property behind
    /// the credential. Cloudbeds asks partners to call it after connecting and
    /// to use `data.api.url` as the base (vendor notes §1.2); put the answer in
    /// the hotel's `BASE_URL`.
    pub async fn api_url_from_metadata(&self) -> Result<Url, pms_core::Error> {
        let envelope: Envelope<crate::wire::oauth::OAuthMetadata> = self
            .data(Call {
                method: Method::GET,
                name: "oauth/metadata",
                params: Vec::new(),
                write: false,
                json: None,
            })
            .await?;
        let url = envelope
            .data
            .and_then(|d| d.api)
            .and_then(|a| a.url)
            .ok_or_else(|| CloudbedsError::decode("$.data.api.url", "missing"))?;
        Ok(Url::parse(&url).map_err(|_| CloudbedsError::decode("$.data.api.url", "not an absolute URL"))?)
    }

    // ---- writes -------------------------------------------------------------------

    /// `POST /postHousekeepingStatus`. `roomCondition` is always sent: without
    /// it Cloudbeds *toggles* the current condition ("If no optional
    /// parameters are sent, will switch from current room condition").
    pub(crate) async fn post_housekeeping_status(
        &self,
        room_id: &str,
        condition: &'static str,
    ) -> Result<PostHousekeepingData, CloudbedsError> {
        let envelope: Envelope<PostHousekeepingData> = self
            .data(Call {
                method: Method::POST,
                name: "postHousekeepingStatus",
                params: vec![
                    self.property(),
                    p("roomID", room_id),
                    p("roomCondition", condition),
                ],
                write: true,
                json: None,
            })
            .await?;
        Ok(envelope.data.unwrap_or_default())
    }

    /// `PUT /putReservation` with a new `status`
    /// (`confirmed|not_confirmed|canceled|checked_in|checked_out|no_show`).
    pub async fn put_reservation_status(
        &self,
        reservation_id: &str,
        status: &ReservationStatus,
    ) -> Result<(), pms_core::Error> {
        let wire = map::reservation_status_to_wire(status).ok_or(CloudbedsError::Unsupported(
            "that reservation status (putReservation takes confirmed, not_confirmed, canceled, checked_in, checked_out, no_show)",
        ))?;
        self.execute(Call {
            method: Method::PUT,
            name: "putReservation",
            params: vec![
                self.property(),
                p("reservationID", reservation_id),
                p("status", wire),
            ],
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// `POST /postCustomItem` of one item, with `referenceID` = our request id
    /// ("If exist then Cloudbeds will prevent adding of duplicates").
    async fn post_custom_item(
        &self,
        charge: &ChargeRequest,
        sub_reservation_id: &str,
    ) -> Result<PostCustomItemData, CloudbedsError> {
        let tz = self.ctx().time_zone;
        let sale_date = charge
            .consumed_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let app_item_id = charge
            .transaction_code
            .clone()
            .unwrap_or_else(|| format!("pms-{}", charge.request_id.simple()));
        let mut params = vec![
            self.property(),
            p("reservationID", charge.reservation.as_str()),
            p("subReservationID", sub_reservation_id),
            p("referenceID", charge.request_id.to_string()),
            p("saleDate", sale_date),
            p("itemPaid", "false"),
            p("items[0][appItemID]", app_item_id),
            p("items[0][itemName]", charge.description.clone()),
            p("items[0][itemQuantity]", charge.quantity.normalize().to_string()),
            p("items[0][itemPrice]", charge.unit_amount.amount.to_string()),
            p("items[0][itemNote]", map::request_marker(charge.request_id)),
        ];
        let category = charge
            .outlet
            .clone()
            .unwrap_or_else(|| map::charge_kind_label(&charge.kind).to_owned());
        params.push(p("items[0][itemCategoryName]", category));
        let envelope: Envelope<PostCustomItemData> = self
            .data(Call {
                method: Method::POST,
                name: "postCustomItem",
                params,
                write: true,
                json: None,
            })
            .await?;
        Ok(envelope.data.unwrap_or_default())
    }

    /// `POST /postAdjustment`; returns `adjustmentID`.
    pub async fn post_adjustment(&self, request: &AdjustmentRequest) -> Result<VendorId, pms_core::Error> {
        self.same_currency(&request.amount)?;
        let mut params = vec![
            self.property(),
            p("reservationID", request.reservation.as_str()),
            p("type", request.kind.as_wire()),
            p("amount", request.amount.amount.to_string()),
            p("notes", map::request_marker(request.request_id)),
        ];
        if let Some(item) = &request.item_id {
            params.push(p("itemID", item.clone()));
        }
        let envelope: Envelope<PostAdjustmentData> = self
            .data(Call {
                method: Method::POST,
                name: "postAdjustment",
                params,
                write: true,
                json: None,
            })
            .await?;
        let missing = || {
            unreadable(
                "postAdjustment",
                &CloudbedsError::decode("$.data.adjustmentID", "missing"),
                None,
            )
        };
        let id = envelope.data.and_then(|d| d.adjustment_id).ok_or_else(missing)?;
        Ok(VendorId::new(id).map_err(|_| missing())?)
    }

    /// `POST /deleteAdjustment` (form): "Voids the AdjustmentID transaction
    /// on the specified reservationID". The v1.3 spec (`cbspec@f6c4b9a`)
    /// still documents `DELETE` with query parameters; the later SDK
    /// `cloudbeds-pms-v1-3` 1.19.0 (`AdjustmentApi.delete_adjustment_post`)
    /// sends `POST` with a form body, and the SDK is the later word.
    pub async fn delete_adjustment(
        &self,
        reservation: &VendorId,
        adjustment: &VendorId,
    ) -> Result<(), pms_core::Error> {
        self.execute(Call {
            method: Method::POST,
            name: "deleteAdjustment",
            params: vec![
                self.property(),
                p("reservationID", reservation.as_str()),
                p("adjustmentID", adjustment.as_str()),
            ],
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// `POST /postPayment` (ids come back at the top level, not in `data`).
    pub async fn post_payment(&self, request: &PaymentRequest) -> Result<PostedPayment, pms_core::Error> {
        self.same_currency(&request.amount)?;
        let mut params = vec![
            self.property(),
            p("reservationID", request.reservation.as_str()),
            p("type", request.method.clone()),
            p("amount", request.amount.amount.to_string()),
            p("description", map::request_marker(request.request_id)),
            p("isDeposit", if request.is_deposit { "true" } else { "false" }),
        ];
        if let Some(card) = &request.card_type {
            params.push(p("cardType", card.clone()));
        }
        let (body, _) = self
            .execute(Call {
                method: Method::POST,
                name: "postPayment",
                params,
                write: true,
                json: None,
            })
            .await?;
        let response =
            parse_json::<PostPaymentResponse>(&body).map_err(|e| unreadable("postPayment", &e, None))?;
        let missing = || {
            unreadable(
                "postPayment",
                &CloudbedsError::decode("$.paymentID", "missing"),
                None,
            )
        };
        let id = response.payment_id.ok_or_else(missing)?;
        Ok(PostedPayment {
            payment_id: VendorId::new(id).map_err(|_| missing())?,
            transaction_id: response.transaction_id,
        })
    }

    /// `POST /postVoidPayment`.
    pub async fn void_payment(
        &self,
        reservation: &VendorId,
        payment: &VendorId,
    ) -> Result<(), pms_core::Error> {
        self.execute(Call {
            method: Method::POST,
            name: "postVoidPayment",
            params: vec![
                self.property(),
                p("reservationID", reservation.as_str()),
                p("paymentID", payment.as_str()),
            ],
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// `POST /postVoidItem` by `soldProductID` (also deletes payments sent with the item).
    pub(crate) async fn void_item(
        &self,
        reservation: &VendorId,
        sold_product: &VendorId,
    ) -> Result<(), CloudbedsError> {
        self.execute(Call {
            method: Method::POST,
            name: "postVoidItem",
            params: vec![
                self.property(),
                p("reservationID", reservation.as_str()),
                p("soldProductID", sold_product.as_str()),
            ],
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// `POST /postRoomAssign` (SDK `cloudbeds_pms_v1_3` `RoomApi.post_room_assign_post`;
    /// developers.cloudbeds.com `post_postroomassign-2`): puts the reservation
    /// in `new_room_id`, whose `roomTypeID` "Need to be provided in case of
    /// assignment"; `old_room_id` "Need to be provided in case of
    /// reassignment". `adjustPrice` is not sent, so "the rate will retain its
    /// original value". The answer is `{success}` only.
    pub(crate) async fn post_room_assign(
        &self,
        reservation: &VendorId,
        new_room_id: &str,
        room_type_id: &str,
        old_room_id: Option<&str>,
    ) -> Result<(), CloudbedsError> {
        let mut params = vec![
            self.property(),
            p("reservationID", reservation.as_str()),
            p("newRoomID", new_room_id),
            p("roomTypeID", room_type_id),
        ];
        if let Some(old) = old_room_id {
            params.push(p("oldRoomID", old));
        }
        self.execute(Call {
            method: Method::POST,
            name: "postRoomAssign",
            params,
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// `POST /postWebhook` (`object`/`action`, e.g. `reservation`/`created`)
    /// with `authHeaderName` = [`crate::WEBHOOK_AUTH_HEADER`] and
    /// `authHeaderValue` = `secret`: "HTTP header sent with every delivery
    /// ... Use instead of credentials in `endpointUrl`" (SDK
    /// `cloudbeds-pms-v1-3` 1.19.0, `IntegrationApi.post_webhook_post`; the
    /// value is "Never returned by getWebhooks. Re-post to rotate"). Returns
    /// `subscriptionID`. `endpoint_url` must not carry the secret: it is
    /// listed by `getWebhooks`, the header value is not. The secret must be
    /// the hotel's webhook token ([`crate::WebhookVerifier`] checks it).
    ///
    /// Whether the live API already takes these fields is unconfirmed (they
    /// are in the SDK, not yet in the published spec); where it refuses them,
    /// [`CloudbedsClient::subscribe_webhook_with_url_token`] is the old way.
    pub async fn subscribe_webhook(
        &self,
        object: &str,
        action: &str,
        endpoint_url: &Url,
        secret: &SecretString,
    ) -> Result<String, pms_core::Error> {
        use secrecy::ExposeSecret as _;
        if endpoint_url
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("token"))
        {
            return Err(pms_core::Error::validation(
                "the endpoint URL carries a token: with the auth header, keep the secret out of the URL",
            ));
        }
        let mut params = self.webhook_params(object, action, endpoint_url);
        params.push(p("authHeaderName", crate::webhook::WEBHOOK_AUTH_HEADER));
        params.push(p("authHeaderValue", secret.expose_secret()));
        Ok(self.post_webhook(params).await?)
    }

    /// `POST /postWebhook` without an auth header: the secret travels as a
    /// `token` query parameter that `endpoint_url` must already carry
    /// (`https://hooks.example.com/webhooks/harbor?token=<secret>`). For
    /// properties where the auth header fields are refused; prefer
    /// [`CloudbedsClient::subscribe_webhook`].
    pub async fn subscribe_webhook_with_url_token(
        &self,
        object: &str,
        action: &str,
        endpoint_url: &Url,
    ) -> Result<String, pms_core::Error> {
        let params = self.webhook_params(object, action, endpoint_url);
        Ok(self.post_webhook(params).await?)
    }

    fn webhook_params(&self, object: &str, action: &str, endpoint_url: &Url) -> Vec<(String, String)> {
        vec![
            self.property(),
            p("object", object),
            p("action", action),
            p("endpointUrl", endpoint_url.as_str()),
        ]
    }

    async fn post_webhook(&self, params: Vec<(String, String)>) -> Result<String, CloudbedsError> {
        let envelope: Envelope<PostWebhookData> = self
            .data(Call {
                method: Method::POST,
                name: "postWebhook",
                params,
                write: true,
                json: None,
            })
            .await?;
        envelope
            .data
            .and_then(|d| d.subscription_id)
            .ok_or_else(|| CloudbedsError::decode("$.data.subscriptionID", "missing"))
    }

    /// `DELETE /deleteWebhook`.
    pub async fn delete_webhook(&self, subscription_id: &str) -> Result<(), pms_core::Error> {
        self.execute(Call {
            method: Method::DELETE,
            name: "deleteWebhook",
            params: vec![
                p("subscriptionID", subscription_id),
                p("propertyIDs", self.inner.property_id.clone()),
            ],
            write: true,
            json: None,
        })
        .await?;
        Ok(())
    }

    /// The rooms of `getRooms`, each with its JSON path, page by page until
    /// the last page or until a page holds a room `stop` accepts. `count`/`total`
    /// are documented as properties but observed as rooms (vendor notes §3.3),
    /// and the pageSize cap is undocumented: go on after a full page, or while
    /// a rooms-like total says more exist.
    async fn rooms_until(
        &self,
        stop: impl Fn(&RoomItem) -> bool,
    ) -> Result<Vec<(String, RoomItem)>, CloudbedsError> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let list = self.get_rooms(page, MAX_PAGE_SIZE).await?;
            let before = out.len();
            for (pi, property) in list.items.into_iter().enumerate() {
                for (ri, room) in property.rooms.into_iter().enumerate() {
                    out.push((format!("$.data[{pi}].rooms[{ri}]"), room));
                }
            }
            let got = out.len().saturating_sub(before);
            if out
                .get(before..)
                .unwrap_or_default()
                .iter()
                .any(|(_, room)| stop(room))
            {
                break;
            }
            let total_says_more = list.total.is_some_and(|t| (out.len() as u64) < u64::from(t));
            if got == 0 || !(got as u64 >= u64::from(MAX_PAGE_SIZE) || total_says_more) {
                break;
            }
        }
        Ok(out)
    }

    /// The room the front desk calls `number`, from `getRooms` (paged as
    /// [`PmsClient::rooms`], stopping at the page that has it); virtual rooms
    /// are skipped.
    async fn room_by_number(&self, number: &RoomNumber) -> Result<Option<RoomItem>, CloudbedsError> {
        let wanted = |room: &RoomItem| {
            room.is_virtual != Some(true) && room.room_name.as_deref().map(str::trim) == Some(number.as_str())
        };
        Ok(self
            .rooms_until(wanted)
            .await?
            .into_iter()
            .map(|(_, room)| room)
            .find(wanted))
    }

    /// [`PmsClient::assign_room`]: one booked room per reservation (the
    /// record's `room_number` is its first room); the room number resolved to
    /// its `roomID`/`roomTypeID` with `getRooms`; `oldRoomID` sent when the
    /// room is moved rather than first assigned.
    async fn assign_room_inner(&self, request: &RoomAssignment) -> Result<(), CloudbedsError> {
        let (detail, _) = self.get_reservation(request.reservation.as_str()).await?;
        let number = request.room.as_str();
        if detail
            .assigned
            .iter()
            .any(|r| r.room_name.as_deref().map(str::trim) == Some(number))
        {
            return Ok(());
        }
        if let Some(status) = detail.status.as_deref()
            && matches!(status, "canceled" | "no_show" | "checked_out")
        {
            return Err(CloudbedsError::Refused {
                method: "postRoomAssign",
                reason: format!("reservation is {status}"),
            });
        }
        let booked = detail.assigned.len().saturating_add(detail.unassigned.len());
        if booked != 1 {
            return Err(CloudbedsError::Validation(format!(
                "the reservation has {booked} booked rooms; assign_room moves a reservation of exactly one"
            )));
        }
        let room = self.room_by_number(&request.room).await?.ok_or_else(|| {
            CloudbedsError::Validation(format!("no room numbered {number} at this property (getRooms)"))
        })?;
        let (Some(room_id), Some(room_type_id)) = (room.room_id.as_deref(), room.room_type_id.as_deref())
        else {
            return Err(CloudbedsError::decode(
                "$.data[].rooms[].roomID",
                "room without roomID or roomTypeID",
            ));
        };
        let old = detail.assigned.first().and_then(|r| r.room_id.as_deref());
        if old == Some(room_id) {
            return Ok(());
        }
        self.post_room_assign(&request.reservation, room_id, room_type_id, old)
            .await
    }

    fn same_currency(&self, amount: &Money) -> Result<(), CloudbedsError> {
        if amount.currency == self.ctx().currency {
            Ok(())
        } else {
            Err(CloudbedsError::Validation(format!(
                "amount in {} but the property books in {}",
                amount.currency,
                self.ctx().currency
            )))
        }
    }

    fn local(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.ctx().time_zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    async fn folio_inner(&self, reservation: &VendorId) -> Result<Folio, CloudbedsError> {
        let (detail, _) = self.get_reservation(reservation.as_str()).await?;
        let ledger = self.ledger(reservation.as_str()).await?;
        ledger.folio(reservation.as_str(), detail.balance, self.ctx())
    }

    /// The `soldProductID` `postVoidItem` takes for `charge`, which is either
    /// the id `postCustomItem` answered (what [`PmsClient::post_charge`]
    /// returns) or the id of one of the stay's transactions (what
    /// [`PmsClient::find_charge`] returns when the answer was lost).
    ///
    /// No read maps a transaction to its sold product: the Accounting
    /// `TransactionResponse` has no `soldProductID`, nor does
    /// `getTransactions` (SDK `GetTransactionsResponseDataInner` at
    /// `8293e51a`); `postVoidItem`, `deleteItemFromReservation` and
    /// `postCustomItem`'s answer are the only places it appears. So an id
    /// found among the stay's transactions is voidable only if its row
    /// carries a `soldProductID`; otherwise the answer is `Unsupported`,
    /// rather than a `postVoidItem` with an id Cloudbeds would not know (or,
    /// worse, one that names another product).
    ///
    /// `postCustomItem` was observed answering `{soldProductID: "p_64862080",
    /// externalRelationID: "64862080"}`, which suggests the sold product is
    /// `p_` + the Accounting `externalRelationId` of its `ITEM_POS` line: one
    /// observation, not a documented rule, so it is not used.
    async fn sold_product_of(
        &self,
        reservation: &VendorId,
        charge: &VendorId,
    ) -> Result<VendorId, CloudbedsError> {
        let ledger = self.ledger(reservation.as_str()).await?;
        let Some(sold) = ledger.line(charge.as_str()) else {
            // Not a transaction of the stay: the soldProductID post_charge returned.
            return Ok(charge.clone());
        };
        match sold.as_deref().map(VendorId::new) {
            Some(Ok(sold)) => Ok(sold),
            _ => Err(CloudbedsError::Unsupported(
                "void_charge of a line known only by its transaction id \
                 (postVoidItem takes the soldProductID postCustomItem answered)",
            )),
        }
    }

    async fn find_charge_inner(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, CloudbedsError> {
        let ledger = self.ledger(reservation.as_str()).await?;
        let folio = ledger.folio(reservation.as_str(), None, self.ctx())?;
        let Some(mut found) = folio
            .charges
            .into_iter()
            .find(|c| c.request_id == Some(request_id))
        else {
            return Ok(None);
        };
        // Name the line as post_charge did (its soldProductID) when the row says it.
        if let Some(Some(sold)) = ledger.line(found.external.id.as_str())
            && let Ok(sold) = VendorId::new(sold)
        {
            found.external = pms_core::ExternalRef::new(PmsKind::Cloudbeds, sold);
        }
        Ok(Some(found))
    }

    async fn post_charge_inner(&self, charge: &ChargeRequest) -> Result<PostedCharge, CloudbedsError> {
        self.same_currency(&charge.unit_amount)?;
        // `itemQuantity` is an integer (PostCustomItemRequestItemsInner: `item_quantity: int`).
        if charge.quantity <= rust_decimal::Decimal::ZERO || !charge.quantity.fract().is_zero() {
            return Err(CloudbedsError::Validation(
                "postCustomItem takes a positive whole itemQuantity".into(),
            ));
        }
        if charge.description.trim().is_empty() {
            return Err(CloudbedsError::Validation(
                "a charge needs a description (itemName)".into(),
            ));
        }
        // The reservation must exist, be open, and have a room (subReservation)
        // to carry the folio line.
        let (detail, _) = self.get_reservation(charge.reservation.as_str()).await?;
        if let Some(status) = detail.status.as_deref()
            && matches!(status, "canceled" | "no_show")
        {
            return Err(CloudbedsError::Refused {
                method: "postCustomItem",
                reason: format!("reservation is {status}"),
            });
        }
        let sub_reservation = detail
            .assigned
            .iter()
            .chain(detail.unassigned.iter())
            .find_map(|r| r.sub_reservation_id.clone())
            .ok_or_else(|| {
                CloudbedsError::Validation(
                    "the reservation has no room (subReservationID) to post the charge to".into(),
                )
            })?;
        let data = self.post_custom_item(charge, &sub_reservation).await?;
        if let Some(sold) = data.sold_product_id.or(data.transaction_id) {
            let external = pms_core::ExternalRef::new(
                PmsKind::Cloudbeds,
                VendorId::new(sold).map_err(|_| CloudbedsError::decode("$.data.soldProductID", "empty"))?,
            );
            return Ok(PostedCharge {
                request_id: charge.request_id,
                external,
            });
        }
        if data.notice.is_some() {
            // A repeated referenceID: Cloudbeds created nothing. Find the first one.
            tracing::info!(request_id = %charge.request_id, "cloudbeds reports a duplicate referenceID; reading back");
            if let Some(found) = self
                .find_charge_inner(&charge.reservation, charge.request_id)
                .await?
            {
                return Ok(PostedCharge {
                    request_id: charge.request_id,
                    external: found.external,
                });
            }
            return Err(CloudbedsError::Api {
                method: "postCustomItem",
                status: 200,
                kind: ErrorKind::Conflict,
                code: None,
                message: "duplicate referenceID reported but no matching charge found".into(),
                request_id: None,
            });
        }
        Err(unreadable(
            "postCustomItem",
            &CloudbedsError::decode("$.data.soldProductID", "missing"),
            None,
        ))
    }
}

/// A write Cloudbeds accepted (`success: true`) whose answer we cannot read:
/// it was applied, but we do not know what it created, so the caller must
/// read back (e.g. [`PmsClient::find_charge`]) rather than resend.
fn unreadable(method: &'static str, err: &CloudbedsError, request_id: Option<String>) -> CloudbedsError {
    tracing::warn!(
        method,
        "cloudbeds accepted a write but its answer is unreadable: {err}"
    );
    CloudbedsError::OutcomeUnknown {
        method,
        message: format!("accepted, but the answer is unreadable: {err}"),
        request_id,
    }
}

fn has_more(page: u32, page_size: u32, got: usize, total: Option<u32>) -> bool {
    if (got as u64) < u64::from(page_size) {
        return false;
    }
    match total {
        Some(total) => u64::from(page).saturating_mul(u64::from(page_size)) < u64::from(total),
        None => true,
    }
}

/// The transport's status table for v1.x reads: the kind [`check`] gives
/// the answer, when it is a failure (`Transient` and `RateLimited` ones are
/// resent, including a `success: false` rate message inside a 200).
fn read_failure(answer: &Answer) -> Option<ErrorKind> {
    let read = Call {
        method: Method::GET,
        name: "read",
        params: Vec::new(),
        write: false,
        json: None,
    };
    check(&read, RawResponse::of(answer)).err().map(|e| e.kind())
}

/// A request that got no complete answer. A write that never left (no
/// connection) or a read is `Transport`, safe to resend; a write that may
/// have left is `OutcomeUnknown`; an answer over the body limit is the
/// vendor's (a write's 2xx: applied, unreadable).
fn transport_error(call: &Call, err: TransportError) -> CloudbedsError {
    let request_id = err.request_id().map(str::to_owned);
    match err.kind() {
        ErrorKind::OutcomeUnknown => {
            tracing::warn!(method = call.name, "cloudbeds write outcome unknown: {err}");
            CloudbedsError::OutcomeUnknown {
                method: call.name,
                message: err.reason(),
                request_id,
            }
        }
        ErrorKind::Transient => CloudbedsError::Transport {
            method: call.name,
            message: err.reason(),
        },
        _ => CloudbedsError::Api {
            method: call.name,
            status: match err {
                TransportError::TooLarge { status, .. } => status,
                _ => 0,
            },
            kind: ErrorKind::Vendor,
            code: Some("response-too-large".into()),
            message: err.reason(),
            request_id,
        },
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, CloudbedsError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| CloudbedsError::from_path_error("$", e))
}

pub(crate) fn from_value<T: DeserializeOwned>(
    value: &serde_json::Value,
    prefix: &str,
) -> Result<T, CloudbedsError> {
    serde_path_to_error::deserialize(value).map_err(|e| CloudbedsError::from_path_error(prefix, e))
}

/// A `getReservation` body through the tree: the detail and its `data`.
fn detail_from_tree(body: &[u8]) -> Result<(ReservationDetail, serde_json::Value), CloudbedsError> {
    let envelope: Envelope<serde_json::Value> = parse_json(body)?;
    let raw = envelope
        .data
        .ok_or_else(|| CloudbedsError::decode("$.data", "missing"))?;
    let detail = from_value::<ReservationDetail>(&raw, "$.data")?;
    Ok((detail, raw))
}

/// A `getReservations` body through the tree: each row with its `data[]` item.
fn rows_from_tree(body: &[u8]) -> Result<ListPage<(ReservationListItem, serde_json::Value)>, CloudbedsError> {
    let envelope: Envelope<Vec<serde_json::Value>> = parse_json(body)?;
    let mut items = Vec::new();
    for (i, raw) in envelope.data.unwrap_or_default().into_iter().enumerate() {
        let item = from_value::<ReservationListItem>(&raw, &format!("$.data[{i}]"))?;
        items.push((item, raw));
    }
    Ok(ListPage {
        items,
        count: envelope.count,
        total: envelope.total,
    })
}

/// HTTP status and `success` flag to a result.
fn check(call: &Call, response: RawResponse) -> Result<(Bytes, Option<String>), CloudbedsError> {
    let RawResponse {
        status,
        body,
        request_id,
        retry_after,
    } = response;
    let probe: Option<Probe> = serde_json::from_slice(&body).ok();
    let code = probe
        .as_ref()
        .and_then(Probe::vendor_code)
        .map(vendor_text)
        .filter(|c| !c.is_empty());
    let message = probe
        .as_ref()
        .and_then(Probe::vendor_message)
        .map(vendor_text)
        .unwrap_or_default();
    let method = call.name;
    if status == 429 {
        return Err(CloudbedsError::RateLimited {
            method,
            retry_after,
            request_id,
        });
    }
    if status == 401 || status == 403 {
        let text = match (&code, message.is_empty()) {
            (Some(code), false) => format!("{code}: {message}"),
            (Some(code), true) => code.clone(),
            (None, false) => message,
            (None, true) => format!("HTTP {status}"),
        };
        return Err(CloudbedsError::Auth {
            method,
            message: text,
            request_id,
        });
    }
    if status >= 500 {
        // A gateway error on a write says nothing about whether it was applied.
        if call.write && status != 503 {
            return Err(CloudbedsError::OutcomeUnknown {
                method,
                message: format!("HTTP {status}"),
                request_id,
            });
        }
        return Err(CloudbedsError::Api {
            method,
            status,
            kind: ErrorKind::Transient,
            code,
            message: if message.is_empty() {
                format!("HTTP {status}")
            } else {
                message
            },
            request_id,
        });
    }
    let success = probe.as_ref().and_then(|p| p.success);
    if (200..300).contains(&status) && success == Some(true) {
        return Ok((body, request_id));
    }
    let Some(probe) = probe else {
        return Err(if (200..300).contains(&status) && call.write {
            // The write reached Cloudbeds; whether it applied is unknown.
            CloudbedsError::OutcomeUnknown {
                method,
                message: format!("HTTP {status} with a body that is not JSON"),
                request_id,
            }
        } else if (200..300).contains(&status) {
            CloudbedsError::decode("$", "response is not a JSON object")
        } else {
            CloudbedsError::Api {
                method,
                status,
                kind: if status == 404 {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::Vendor
                },
                code: None,
                message: format!("HTTP {status}"),
                request_id,
            }
        });
    };
    // No `success` at all: a failure only when the body says so with a code
    // (`{"code": "ACCESS_DENIED", "description": "Access denied"}` answers
    // in a 200 too); otherwise the answer is not the documented envelope.
    if (200..300).contains(&status) && probe.success.is_none() && code.is_none() {
        return Err(CloudbedsError::decode("$.success", "missing"));
    }
    let kind = failure_kind(status, code.as_deref(), &message);
    tracing::warn!(method, status, request_id = ?request_id, ?kind, code = ?code, "cloudbeds reported failure");
    failure(call, status, kind, code, message, retry_after, request_id)
}

/// How a failure body is classified: by its code when Cloudbeds sent one
/// ([`classify_code`]), else 404 is `NotFound`, else by its message.
pub(crate) fn failure_kind(status: u16, code: Option<&str>, message: &str) -> ErrorKind {
    if let Some(kind) = code.and_then(classify_code) {
        return kind;
    }
    if status == 404 {
        ErrorKind::NotFound
    } else if message.is_empty() {
        ErrorKind::Vendor
    } else {
        classify_message(message)
    }
}

/// The error of a classified failure answer.
pub(crate) fn failure<T>(
    call: &Call,
    status: u16,
    kind: ErrorKind,
    code: Option<String>,
    message: String,
    retry_after: Option<Duration>,
    request_id: Option<String>,
) -> Result<T, CloudbedsError> {
    let method = call.name;
    let text = || match (&code, message.is_empty()) {
        (Some(code), false) => format!("{code}: {message}"),
        (Some(code), true) => code.clone(),
        (None, _) => message.clone(),
    };
    Err(match kind {
        ErrorKind::RateLimited => CloudbedsError::RateLimited {
            method,
            retry_after,
            request_id,
        },
        ErrorKind::Auth => CloudbedsError::Auth {
            method,
            message: text(),
            request_id,
        },
        // An unexpected server error on a write: it may have been applied.
        ErrorKind::Transient if call.write => CloudbedsError::OutcomeUnknown {
            method,
            message: text(),
            request_id,
        },
        _ => CloudbedsError::Api {
            method,
            status,
            kind,
            code,
            message,
            request_id,
        },
    })
}

fn core<T>(result: Result<T, CloudbedsError>) -> Result<T, pms_core::Error> {
    result.map_err(Into::into)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[async_trait]
impl PmsClient for CloudbedsClient {
    fn kind(&self) -> PmsKind {
        PmsKind::Cloudbeds
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
            Capability::AssignRoom,
        ]
        .into_iter()
        .collect()
    }

    async fn reservation(&self, id: &VendorId) -> Result<Reservation, pms_core::Error> {
        core(self.reservation_record(id.as_str()).await)
    }

    /// `getReservations?modifiedFrom&modifiedTo` in property-local time, each
    /// page completed by `getReservationsWithRateDetails` (two
    /// requests per page), so a polled record equals a single read (the
    /// zone of these filters is undocumented, vendor notes §12; `dateModified`
    /// is local, so the filters are sent local too). Cloudbeds warns that
    /// "some reservations modification may not be reflected in this
    /// timestamp": keep reconciling.
    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, pms_core::Error> {
        let page = match &query.page {
            None => 1,
            Some(token) => token
                .as_str()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| pms_core::Error::validation("cloudbeds page token is not a page number"))?,
        };
        if query.until <= query.since {
            return Err(pms_core::Error::validation("change window ends before it starts"));
        }
        let size = query.page_size.clamp(1, MAX_PAGE_SIZE);
        let filters = vec![
            p("modifiedFrom", self.local(query.since)),
            p("modifiedTo", self.local(query.until)),
        ];
        let (items, total) = core(self.reservations_page(&filters, page, size).await)?;
        let next = has_more(page, size, items.len(), total)
            .then(|| page.checked_add(1))
            .flatten()
            .map(|next| PageToken::new(next.to_string()));
        Ok(Page { items, next })
    }

    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, pms_core::Error> {
        core(
            self.reservations_all(&[
                p("checkInFrom", date(range.first)),
                p("checkInTo", date(range.last)),
            ])
            .await,
        )
    }

    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, pms_core::Error> {
        core(
            self.reservations_all(&[
                p("checkOutFrom", date(range.first)),
                p("checkOutTo", date(range.last)),
            ])
            .await,
        )
    }

    async fn guest(&self, id: &VendorId) -> Result<Guest, pms_core::Error> {
        let detail = core(self.get_guest(id.as_str()).await)?;
        core(map::guest(&detail, id.as_str(), "$.data", self.ctx()))
    }

    async fn rooms(&self) -> Result<Vec<Room>, pms_core::Error> {
        core(self.rooms_until(|_| false).await)?
            .iter()
            .map(|(path, room)| core(map::room(room, path)))
            .collect()
    }

    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, pms_core::Error> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let list = core(self.get_housekeeping_status(page, HOUSEKEEPING_PAGE_SIZE).await)?;
            let got = list.items.len();
            for (i, item) in list.items.iter().enumerate() {
                out.push(core(map::housekeeping(
                    item,
                    &format!("$.data[{i}]"),
                    self.ctx(),
                ))?);
            }
            if !has_more(page, HOUSEKEEPING_PAGE_SIZE, got, list.total) {
                break;
            }
        }
        Ok(out)
    }

    async fn folio(&self, reservation: &VendorId) -> Result<Folio, pms_core::Error> {
        core(self.folio_inner(reservation).await)
    }

    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), pms_core::Error> {
        let condition = core(map::room_condition_to_wire(&update.status))?;
        core(
            self.post_housekeeping_status(update.room.as_str(), condition)
                .await,
        )?;
        Ok(())
    }

    async fn check_in(&self, request: &CheckInRequest) -> Result<(), pms_core::Error> {
        let (detail, _) = core(self.get_reservation(request.reservation.as_str()).await)?;
        if detail.status.as_deref() == Some("checked_in") {
            return Ok(());
        }
        if let Some(room) = &request.room {
            let assigned = detail.assigned.iter().any(|r| {
                // Trimmed, as RoomNumber and assign_room compare it.
                r.room_name.as_deref().map(str::trim) == Some(room.as_str())
                    || r.room_id.as_deref() == Some(room.as_str())
            });
            if !assigned {
                return Err(pms_core::Error::validation(
                    "the room is not assigned to this reservation; assign it (postRoomAssign) before check-in",
                ));
            }
        }
        self.put_reservation_status(request.reservation.as_str(), &ReservationStatus::CheckedIn)
            .await
    }

    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), pms_core::Error> {
        let (detail, _) = core(self.get_reservation(request.reservation.as_str()).await)?;
        if detail.status.as_deref() == Some("checked_out") {
            return Ok(());
        }
        if !request.allow_open_balance && detail.balance.is_some_and(|b| !b.is_zero()) {
            return Err(pms_core::Error::Conflict {
                message: "the folio has an open balance".into(),
                vendor_request_id: None,
            });
        }
        self.put_reservation_status(request.reservation.as_str(), &ReservationStatus::CheckedOut)
            .await
    }

    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, pms_core::Error> {
        core(self.post_charge_inner(charge).await)
    }

    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, pms_core::Error> {
        core(self.find_charge_inner(reservation, request_id).await)
    }

    async fn void_charge(&self, request: &VoidChargeRequest) -> Result<(), pms_core::Error> {
        let sold_product = core(self.sold_product_of(&request.reservation, &request.charge).await)?;
        match self.void_item(&request.reservation, &sold_product).await {
            Ok(()) => Ok(()),
            // Voiding twice answers success=false; "already voided" is the state we want.
            Err(CloudbedsError::Api { message, .. })
                if message.to_ascii_lowercase().contains("already void") =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `getReservation`, then `getRooms` to resolve the number, then
    /// `postRoomAssign` (see [`CloudbedsClient::post_room_assign`]). A room
    /// already assigned answers `Ok` without a write; an unknown number is
    /// `Validation` with nothing sent. Not resent on failure: read back with
    /// [`PmsClient::reservation`].
    async fn assign_room(&self, request: &RoomAssignment) -> Result<(), pms_core::Error> {
        core(self.assign_room_inner(request).await)
    }

    /// `getHotels` for the configured property: `propertyTimezone` and
    /// `propertyCurrency` (see `client/profile.rs`).
    async fn property_profile(&self) -> Result<pms_core::PropertyProfile, pms_core::Error> {
        Ok(self.get_property_profile().await?)
    }

    async fn health(&self) -> HealthReport {
        let started = Instant::now();
        let result = self
            .execute(Call {
                method: Method::GET,
                name: "getHotelDetails",
                params: vec![self.property()],
                write: false,
                json: None,
            })
            .await;
        let latency = started.elapsed();
        let (healthy, error, detail) = match result {
            Ok(_) => (true, None, None),
            Err(e) => (false, Some(e.kind()), Some(e.to_string())),
        };
        HealthReport {
            pms: PmsKind::Cloudbeds,
            healthy,
            latency,
            checked_at: self.inner.transport.clock().now(),
            error,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_stops_on_short_pages_and_totals() {
        assert!(has_more(1, 100, 100, None));
        assert!(!has_more(1, 100, 99, None));
        assert!(!has_more(2, 100, 100, Some(200)));
        assert!(has_more(1, 100, 100, Some(101)));
    }
}
