//! [`OperaClient`]: configuration, endpoints, the SOAP 1.1 envelope over
//! [`pms_http::Transport`], typed operations, and the [`PmsClient`] implementation.
//!
//! Endpoints (opera.md §1.1): on-premise `{base}/{Service}.asmx`
//! (e.g. `http://host/ows_51/Reservation.asmx`), OPERA Cloud gateway
//! `{base}/{Service}` (e.g. `https://…/OPERAOSB/OPERA_OWS/OWS_WS_51/Reservation`).
//! Every call is `POST` with `Content-Type: text/xml; charset=utf-8` and
//! `SOAPAction: http://webservices.micros.com/ows/5.1/{Service}.wsdl#{Operation}`.
//!
//! Retries: the transport resends a read that failed transiently (a 5xx, a
//! transient fault or FAIL, an error page: [`crate::result::read_failure`])
//! per [`OperaOptions::read_retry`], with the **same** envelope and
//! `transactionID`. Writes are never resent; the sync layer retries a write intent with the same
//! [`RequestId`], which becomes the same `transactionID` again. A write whose
//! answer is lost (timeout after sending, reset, 500/502/504, or a 200 body
//! that cannot be read) is [`OperaError::OutcomeUnknown`]: read back first
//! (`find_charge`, `reservation`).

mod builder;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use pms_core::{
    Capabilities, Capability, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, DateRange, Error,
    ErrorKind, Folio, FolioCharge, Guest, HealthReport, HotelConfig, Page, PmsClient, PmsKind, PostedCharge,
    RateLimit, RequestId, Reservation, RetryPolicy, Room, RoomAssignment, RoomStatusReport, RoomStatusUpdate,
    VendorId,
};
use pms_http::{Body, Bytes, Call, Method, Rules, Transport};

pub use builder::OperaClientBuilder;

use crate::envelope::{self, HeaderParams, XmlWriter};
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ohip::{Cashiering, OhipConfig};
use crate::ops::fetch_booking::BookingKey;
use crate::ops::fetch_housekeeping_room_status::HousekeepingRoom;
use crate::ops::future_booking_summary::DateKind;
use crate::ops::{self, Operation, Service};
use crate::poll::{self, PollConfig};
use crate::result::read_failure;
use crate::result::{self, RawAnswer};

/// OWS's face on the transport: no vendor request-id header (the
/// `transactionID` in `OGHeader` is ours) and [`read_failure`] as the status
/// table of reads.
pub(crate) const RULES: Rules = Rules::new(PmsKind::Opera, None).read_failure(read_failure);

/// The default [`OperaOptions::read_retry`]: three attempts of a read, the
/// second after up to 500 ms, the third after up to 1 s (full jitter).
pub const DEFAULT_READ_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(2),
    max_elapsed: Duration::from_secs(60),
};
use crate::xml::{Document, Limits};
use pms_core::OperaDeployment;

/// OWS publishes no request limit (unlike OHIP's documented 50 requests/s per
/// environment, opera.md §4.2). This default is a conservative client-side
/// budget — 10 requests per second per credential — chosen so one hotel
/// never approaches OHIP's environment-wide throttle; override it with
/// [`OperaOptions::rate_limit`].
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    window: Duration::from_secs(1),
};

/// Tunables, with documented defaults.
#[derive(Debug, Clone)]
pub struct OperaOptions {
    /// Per-request timeout (default 30 s).
    pub timeout: Duration,
    /// When a read that failed transiently is sent again, same envelope and
    /// `transactionID` (default [`DEFAULT_READ_RETRY`]: three attempts).
    pub read_retry: RetryPolicy,
    /// XML limits (default 16 MiB, depth 128, 500 000 elements); the body cap also bounds the download.
    pub limits: Limits,
    /// WS-Security `wsu:Timestamp` lifetime for OPERA Cloud (default 3 minutes, as MentatSystemsHospitality).
    pub security_ttl: chrono::Duration,
    /// The budget the sync layer should enforce (default [`DEFAULT_RATE_LIMIT`]).
    pub rate_limit: RateLimit,
    /// `Posting/@UserID` for PostCharge, when the interface needs one.
    pub user_id: Option<String>,
    /// `Posting/@StationID` for PostCharge.
    pub station_id: Option<String>,
    /// `Posting/@FolioViewNo` for PostCharge (OPERA's default window when `None`).
    pub folio_view: Option<u8>,
    /// Transaction code used when a [`ChargeRequest`] has none (default none: refused).
    pub default_transaction_code: Option<String>,
    /// Keep each reservation's outer XML in `Reservation::raw` (default off: it holds PII).
    pub keep_raw: bool,
    /// Longest stay assumed when listing departures (default 30 nights): OWS
    /// `FutureBookingSummary` filters only by arrival or booking date, so
    /// departures in a range are the arrivals of `[first - max_stay_nights, last]`
    /// whose departure falls in the range. Longer stays are missed.
    pub max_stay_nights: u32,
    /// Advertise and perform `find_charge` (default **off**). The `Invoice`
    /// `BillItem` XSD (`Account`, `Amount`, `VatCode`, `@Date`, `@Time`,
    /// `@Description`) has no field documented to echo PostCharge's `LongInfo`,
    /// so a read-back could wrongly answer "not posted". Turn it on only after
    /// checking with the property that our `PMSREQ:` reference shows up in the
    /// Invoice (e.g. in `@Description`); while off, `find_charge` is `Unsupported`.
    pub charge_read_back: bool,
    /// Change polling windows.
    pub poll: PollConfig,
}

impl Default for OperaOptions {
    fn default() -> Self {
        OperaOptions {
            timeout: Duration::from_secs(30),
            read_retry: DEFAULT_READ_RETRY,
            limits: Limits::default(),
            security_ttl: chrono::Duration::minutes(3),
            rate_limit: DEFAULT_RATE_LIMIT,
            user_id: None,
            station_id: None,
            folio_view: None,
            default_transaction_code: None,
            keep_raw: false,
            max_stay_nights: 30,
            charge_read_back: false,
            poll: PollConfig::default(),
        }
    }
}

/// An OPERA OWS client for one hotel.
#[derive(Debug, Clone)]
pub struct OperaClient {
    transport: Transport,
    base: String,
    settings: pms_core::OperaSettings,
    ctx: MapContext,
    options: OperaOptions,
    /// OHIP cashiering: when set, charges are posted and read back through it.
    ohip: Option<Arc<Cashiering>>,
}

impl OperaClient {
    /// A builder for `hotel` (which must be an OPERA hotel): options, OHIP
    /// cashiering, and transport settings (gate, retry policy, sleeper,
    /// clock, timeout, body limit, a shared HTTP client).
    pub fn builder(hotel: &HotelConfig) -> Result<OperaClientBuilder, Error> {
        OperaClientBuilder::new(hotel)
    }

    /// A client for `hotel` with default options, no gate and the system
    /// clock; OHIP cashiering when the hotel has `PMS_HOTEL_<ID>_OPERA_OHIP_*`.
    pub fn from_hotel(hotel: &HotelConfig) -> Result<Self, Error> {
        Self::builder(hotel)?.build()
    }

    /// Posts charges through OHIP `postBillingCharges` with our reference and
    /// reads them back with `getGuestsTransactions` (see [`crate::ohip`]):
    /// `post_charge` and `find_charge` use OHIP and the client advertises
    /// [`Capability::ChargeReadBack`]. Every other call stays on OWS. OHIP
    /// requests go through the client's transport (same gate, timeout, body
    /// limit and read retries). [`OperaClient::from_hotel`] does this when
    /// the hotel has `PMS_HOTEL_<ID>_OPERA_OHIP_*` variables.
    pub fn ohip_cashiering(mut self, config: OhipConfig) -> Self {
        self.ohip = Some(Arc::new(Cashiering::new(&self.transport, config)));
        self
    }

    /// OHIP cashiering, when configured.
    pub fn ohip(&self) -> Option<&Cashiering> {
        self.ohip.as_deref()
    }

    /// The endpoint of `service` for this deployment.
    pub fn endpoint(&self, service: Service) -> String {
        match self.settings.deployment {
            OperaDeployment::OnPremise => format!("{}/{}.asmx", self.base, service.as_str()),
            OperaDeployment::Cloud => format!("{}/{}", self.base, service.as_str()),
        }
    }

    /// The request budget the sync layer should enforce.
    pub fn rate_limit(&self) -> RateLimit {
        self.options.rate_limit
    }

    /// The mapping context (hotel, time zone, currency).
    pub fn map_context(&self) -> &MapContext {
        &self.ctx
    }

    pub(crate) fn options(&self) -> &OperaOptions {
        &self.options
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.transport.clock().now()
    }

    /// Today's civil date at the property.
    pub fn property_today(&self) -> NaiveDate {
        self.now().with_timezone(&self.ctx.time_zone).date_naive()
    }

    /// Builds the envelope for one attempt (public for golden tests and tooling).
    pub fn build_envelope<F>(&self, transaction_id: &str, body: F) -> Result<Vec<u8>, Error>
    where
        F: FnOnce(&mut XmlWriter) -> std::io::Result<()>,
    {
        Ok(self.envelope(transaction_id, body)?)
    }

    fn envelope<F>(&self, transaction_id: &str, body: F) -> Result<Vec<u8>, OperaError>
    where
        F: FnOnce(&mut XmlWriter) -> std::io::Result<()>,
    {
        let params = HeaderParams {
            transaction_id,
            now: self.now(),
            settings: &self.settings,
            security_ttl: self.options.security_ttl,
        };
        envelope::envelope(&params, body)
            .map_err(|e| OperaError::Validation(format!("cannot write XML: {e}")))
    }

    /// One operation: the envelope is built once and sent through the
    /// transport (a read as often as its policy resends it, with the same
    /// `transactionID`; a write once), then checked and parsed.
    async fn call<T, W, P>(
        &self,
        op: &Operation,
        transaction_id: &str,
        write: W,
        parse: P,
    ) -> Result<T, OperaError>
    where
        W: Fn(&mut XmlWriter) -> std::io::Result<()>,
        P: Fn(&Document<'_>) -> Result<T, OperaError>,
    {
        let body = self.envelope(transaction_id, write)?;
        let url = pms_http::Url::parse(&self.endpoint(op.service))
            .map_err(|e| OperaError::Config(format!("the {} endpoint is not a URL: {e}", op.name)))?;
        tracing::debug!(operation = op.name, transaction_id, "OWS call");
        let lost = |message: String| {
            if op.write {
                OperaError::OutcomeUnknown {
                    operation: op.name,
                    message,
                    transaction_id: transaction_id.to_owned(),
                }
            } else {
                OperaError::Transport {
                    operation: op.name,
                    message,
                    transaction_id: transaction_id.to_owned(),
                }
            }
        };
        let mut call =
            Call::new(op.name, Method::POST, url, op.write).with_body(Body::Xml(Bytes::from(body)));
        let action = pms_http::HeaderValue::from_str(&op.soap_action())
            .map_err(|_| OperaError::Config(format!("the {} SOAPAction is not a header value", op.name)))?;
        call.headers.insert("soapaction", action);
        let answer = match self.transport.send(call).await {
            Ok(answer) => answer,
            Err(pms_http::TransportError::TooLarge {
                status,
                limit,
                at_least,
                ..
            }) => {
                let err = OperaError::Xml(crate::xml::XmlError::TooLarge {
                    size: usize::try_from(at_least).unwrap_or(usize::MAX),
                    limit,
                });
                return Err(if op.write && status == 200 {
                    lost(err.to_string())
                } else {
                    err
                });
            }
            Err(err) if err.never_sent() => {
                return Err(OperaError::Transport {
                    operation: op.name,
                    message: format!("not sent: {}", err.reason()),
                    transaction_id: transaction_id.to_owned(),
                });
            }
            Err(err) => return Err(lost(err.reason())),
        };
        let status = answer.code();
        tracing::debug!(
            operation = op.name,
            transaction_id,
            status,
            bytes = answer.bytes.len(),
            "OWS answer"
        );
        let raw = RawAnswer {
            status,
            retry_after: answer.retry_after,
            body: &answer.bytes,
        };
        let outcome = result::check_answer(op.name, transaction_id, raw, self.options.limits)
            .and_then(|doc| parse(&doc));
        match outcome {
            // A write answered 500/502/504 without a fault, or 200 with a body we
            // cannot read, may have been applied.
            Err(
                err @ OperaError::Http {
                    status: 500 | 502 | 504,
                    ..
                },
            ) if op.write => Err(lost(err.to_string())),
            Err(err) if op.write && status == 200 && err.kind() == ErrorKind::Decode => {
                Err(lost(err.to_string()))
            }
            other => other,
        }
    }

    fn read_id() -> String {
        RequestId::new_random().simple()
    }

    /// `FetchBooking` by resv_name_id (the reservation's [`VendorId`]).
    pub async fn fetch_booking(&self, resv_name_id: &str) -> Result<Reservation, Error> {
        self.booking(BookingKey::ResvNameId(resv_name_id)).await
    }

    /// `FetchBooking` by confirmation number.
    pub async fn fetch_booking_by_confirmation(&self, confirmation: &str) -> Result<Reservation, Error> {
        self.booking(BookingKey::ConfirmationNumber(confirmation)).await
    }

    async fn booking(&self, key: BookingKey<'_>) -> Result<Reservation, Error> {
        let tx = Self::read_id();
        Ok(self
            .call(
                &ops::fetch_booking::OP,
                &tx,
                |w| ops::fetch_booking::write(w, &self.settings.hotel_code, key),
                |doc| ops::fetch_booking::parse(doc, &self.ctx, &tx),
            )
            .await?)
    }

    /// Reservations departing in `range`: arrivals of
    /// `[range.first - max_stay_nights, range.last]` filtered by departure date
    /// (OWS has no departure filter, see [`OperaOptions::max_stay_nights`]).
    pub async fn departures_in(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        let first = range
            .first
            .checked_sub_days(chrono::Days::new(u64::from(self.options.max_stay_nights)))
            .ok_or_else(|| OperaError::Validation("departure range starts too early".into()))?;
        let window = DateRange {
            first,
            last: range.last,
        };
        Ok(self
            .bookings(DateKind::Arrival, window)
            .await?
            .into_iter()
            .filter(|r| range.contains(r.departure))
            .collect())
    }

    /// `FutureBookingSummary` for one window. A FAIL classified `NotFound`
    /// (nothing in the window) is an empty list.
    /// `FutureBookingSummary` for one window. A FAIL classified `NotFound`
    /// (nothing in the window) is an empty list.
    pub async fn future_booking_summary(
        &self,
        kind: DateKind,
        range: DateRange,
    ) -> Result<Vec<Reservation>, Error> {
        Ok(self.bookings(kind, range).await?)
    }

    /// [`OperaClient::future_booking_summary`] with the crate's error.
    pub(crate) async fn bookings(
        &self,
        kind: DateKind,
        range: DateRange,
    ) -> Result<Vec<Reservation>, OperaError> {
        let tx = Self::read_id();
        let outcome = self
            .call(
                &ops::future_booking_summary::OP,
                &tx,
                |w| ops::future_booking_summary::write(w, &self.settings.hotel_code, kind, range),
                |doc| ops::future_booking_summary::parse(doc, &self.ctx, &tx),
            )
            .await;
        match outcome {
            Err(OperaError::Fail { failure, .. }) if failure.kind == ErrorKind::NotFound => Ok(Vec::new()),
            other => other,
        }
    }

    /// Timed packages (spa, dining, activities) starting in `range`, see
    /// [`crate::agenda`]: the packages of reservations arriving in
    /// `[range.first - max_stay_nights, range.last]` (OWS lists by arrival only).
    pub async fn agenda_in(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, Error> {
        let first = range
            .first
            .checked_sub_days(chrono::Days::new(u64::from(self.options.max_stay_nights)))
            .ok_or_else(|| OperaError::Validation("agenda range starts too early".into()))?;
        let window = DateRange {
            first,
            last: range.last,
        };
        let tx = Self::read_id();
        let outcome = self
            .call(
                &ops::future_booking_summary::OP,
                &tx,
                |w| {
                    ops::future_booking_summary::write(
                        w,
                        &self.settings.hotel_code,
                        DateKind::Arrival,
                        window,
                    )
                },
                |doc| crate::agenda::parse(doc, &self.ctx, &tx),
            )
            .await;
        let items = match outcome {
            Err(OperaError::Fail { failure, .. }) if failure.kind == ErrorKind::NotFound => Vec::new(),
            other => other?,
        };
        let tz = self.ctx.time_zone;
        Ok(items
            .into_iter()
            .filter(|i| range.contains(i.starts_at.with_timezone(&tz).date_naive()))
            .collect())
    }

    /// `FetchProfile` by name id.
    pub async fn fetch_profile(&self, name_id: &str) -> Result<Guest, Error> {
        let tx = Self::read_id();
        Ok(self
            .call(
                &ops::fetch_profile::OP,
                &tx,
                |w| ops::fetch_profile::write(w, name_id),
                |doc| ops::fetch_profile::parse(doc, name_id, &self.ctx, &tx),
            )
            .await?)
    }

    /// `FetchHouseKeepingRoomStatus` for every room.
    pub async fn fetch_housekeeping_room_status(&self) -> Result<Vec<HousekeepingRoom>, Error> {
        let tx = Self::read_id();
        Ok(self
            .call(
                &ops::fetch_housekeeping_room_status::OP,
                &tx,
                |w| ops::fetch_housekeeping_room_status::write(w, &self.settings.hotel_code, None),
                |doc| ops::fetch_housekeeping_room_status::parse(doc, &tx),
            )
            .await?)
    }

    /// `UpdateRoomStatus` (Clean, Dirty, Inspected, Pickup).
    pub async fn update_room_status(
        &self,
        request_id: RequestId,
        room: &str,
        status: &pms_core::HousekeepingStatus,
    ) -> Result<(), Error> {
        let code = map::room_status_code(status).ok_or(OperaError::Unsupported(
            "setting out-of-order/out-of-service through UpdateRoomStatus",
        ))?;
        let tx = request_id.simple();
        Ok(self
            .call(
                &ops::update_room_status::OP,
                &tx,
                |w| ops::update_room_status::write(w, &self.settings.hotel_code, room, code),
                |doc| ops::update_room_status::parse(doc, &tx),
            )
            .await?)
    }

    /// `CheckIn` of a reservation by resv_name_id.
    pub async fn check_in_reservation(&self, request_id: RequestId, resv_name_id: &str) -> Result<(), Error> {
        let tx = request_id.simple();
        Ok(self
            .call(
                &ops::check_in::OP,
                &tx,
                |w| ops::check_in::write(w, &self.settings.hotel_code, resv_name_id),
                |doc| ops::check_in::parse(doc, &tx),
            )
            .await?)
    }

    /// `AssignRoom` of a reservation (by resv_name_id) to `room` (its number),
    /// without reading the booking first: the raw write. Answers
    /// `RoomNoAssigned` when OPERA echoes it. See [`ops::assign_room`].
    pub async fn assign_room_number(
        &self,
        request_id: RequestId,
        resv_name_id: &str,
        room: &str,
    ) -> Result<Option<String>, Error> {
        let room = room.trim();
        if room.is_empty() {
            return Err(OperaError::Validation("AssignRoom needs a room number".into()).into());
        }
        let tx = request_id.simple();
        Ok(self
            .call(
                &ops::assign_room::OP,
                &tx,
                |w| ops::assign_room::write(w, &self.settings.hotel_code, resv_name_id, room),
                |doc| ops::assign_room::parse(doc, &tx),
            )
            .await?)
    }

    /// `CheckOut` of a reservation by resv_name_id.
    pub async fn check_out_reservation(
        &self,
        request_id: RequestId,
        resv_name_id: &str,
    ) -> Result<(), Error> {
        let tx = request_id.simple();
        Ok(self
            .call(
                &ops::check_out::OP,
                &tx,
                |w| ops::check_out::write(w, &self.settings.hotel_code, resv_name_id),
                |doc| ops::check_out::parse(doc, &tx),
            )
            .await?)
    }

    /// The total and transaction code of a charge both OWS and OHIP can post:
    /// in the hotel currency (neither path converts), whole minor units (a
    /// sub-cent amount is refused rather than rounded), with a code.
    fn charge_total_and_code<'a>(
        &'a self,
        charge: &'a ChargeRequest,
    ) -> Result<(pms_core::Money, &'a str), OperaError> {
        let total = charge
            .total()
            .map_err(|e| OperaError::Validation(format!("charge total: {e}")))?;
        if total.currency != self.ctx.currency {
            return Err(OperaError::Validation(format!(
                "OPERA posts in the hotel currency {}; the charge is in {}",
                self.ctx.currency, total.currency
            )));
        }
        if total.round_to_minor_unit() != total {
            return Err(OperaError::Validation(format!(
                "the total {total} has more decimals than {} allows",
                total.currency
            )));
        }
        let code = charge
            .transaction_code
            .as_deref()
            .or(self.options.default_transaction_code.as_deref())
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| OperaError::Validation("posting a charge needs a transaction code".into()))?;
        Ok((total, code))
    }

    /// Posts a charge: through OHIP when [configured](Self::ohip_cashiering),
    /// else OWS `PostCharge` (see [`ops::post_charge`] for its field mapping).
    pub async fn post_charge_request(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        let (total, code) = self.charge_total_and_code(charge)?;
        if let Some(ohip) = &self.ohip {
            return Ok(ohip.post_charge(charge, total, code).await?);
        }
        let local = charge.consumed_at.with_timezone(&self.ctx.time_zone);
        let reference = ops::post_charge::reference(charge.request_id);
        let mut amount = total.amount;
        amount.rescale(total.currency.minor_units());
        let posting = ops::post_charge::Posting {
            hotel_code: &self.settings.hotel_code,
            resv_name_id: charge.reservation.as_str(),
            transaction_code: code,
            short_info: &charge.description,
            long_info: &reference,
            charge: amount,
            post_date: local.date_naive(),
            post_time: local.time(),
            user_id: self.options.user_id.as_deref(),
            station_id: self.options.station_id.as_deref(),
            folio_view: self.options.folio_view,
        };
        let tx = charge.request_id.simple();
        self.call(
            &ops::post_charge::OP,
            &tx,
            |w| ops::post_charge::write(w, &posting),
            |doc| ops::post_charge::parse(doc, &tx),
        )
        .await?;
        let id = VendorId::new(reference.clone()).map_err(|e| OperaError::Validation(e.to_string()))?;
        Ok(PostedCharge {
            request_id: charge.request_id,
            external: pms_core::ExternalRef::new(PmsKind::Opera, id),
        })
    }

    /// `Information.QueryHotelInformation` for the configured hotel code.
    pub async fn query_hotel_information(
        &self,
    ) -> Result<ops::query_hotel_information::HotelInformation, Error> {
        let tx = Self::read_id();
        let code = &self.settings.hotel_code;
        Ok(self
            .call(
                &ops::query_hotel_information::OP,
                &tx,
                |w| ops::query_hotel_information::write(w, code),
                |doc| ops::query_hotel_information::parse(doc, code, &tx),
            )
            .await?)
    }

    /// `Invoice` (folio) of a reservation by resv_name_id.
    pub async fn invoice(&self, resv_name_id: &str) -> Result<Folio, Error> {
        let tx = Self::read_id();
        Ok(self
            .call(
                &ops::invoice::OP,
                &tx,
                |w| ops::invoice::write(w, &self.settings.hotel_code, resv_name_id),
                |doc| ops::invoice::parse(doc, resv_name_id, &self.ctx, &tx),
            )
            .await?)
    }
}

#[async_trait]
impl PmsClient for OperaClient {
    fn kind(&self) -> PmsKind {
        PmsKind::Opera
    }

    fn capabilities(&self) -> Capabilities {
        let mut capabilities = vec![
            Capability::ChangePolling,
            Capability::RoomStatusWrite,
            Capability::CheckIn,
            Capability::CheckOut,
            Capability::PostCharge,
            Capability::Agenda,
            Capability::AssignRoom,
        ];
        if self.options.charge_read_back || self.ohip.is_some() {
            capabilities.push(Capability::ChargeReadBack);
        }
        capabilities.into_iter().collect()
    }

    async fn reservation(&self, id: &VendorId) -> Result<Reservation, Error> {
        Ok(self.fetch_booking(id.as_str()).await?)
    }

    async fn reservations_modified(&self, query: &ChangeQuery) -> Result<Page<Reservation>, Error> {
        Ok(poll::modified_page(self, query).await?)
    }

    async fn arrivals(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        Ok(self.future_booking_summary(DateKind::Arrival, range).await?)
    }

    async fn departures(&self, range: DateRange) -> Result<Vec<Reservation>, Error> {
        Ok(self.departures_in(range).await?)
    }

    async fn guest(&self, id: &VendorId) -> Result<Guest, Error> {
        Ok(self.fetch_profile(id.as_str()).await?)
    }

    async fn rooms(&self) -> Result<Vec<Room>, Error> {
        let rooms = self.fetch_housekeeping_room_status().await?;
        Ok(rooms
            .into_iter()
            .map(|r| Room {
                external: r.report.room,
                number: r.report.number,
                room_type: r.room_type,
                floor: None,
                status: Some(r.report.status),
            })
            .collect())
    }

    async fn room_statuses(&self) -> Result<Vec<RoomStatusReport>, Error> {
        let rooms = self.fetch_housekeeping_room_status().await?;
        Ok(rooms.into_iter().map(|r| r.report).collect())
    }

    async fn folio(&self, reservation: &VendorId) -> Result<Folio, Error> {
        Ok(self.invoice(reservation.as_str()).await?)
    }

    async fn set_room_status(&self, update: &RoomStatusUpdate) -> Result<(), Error> {
        match self
            .update_room_status(update.request_id, update.room.as_str(), &update.status)
            .await
        {
            Err(err) if err.kind() == ErrorKind::Unsupported => {
                Err(Error::unsupported(PmsKind::Opera, "set_room_status(OOO/OOS)"))
            }
            other => other,
        }
    }

    /// OWS `CheckIn` takes no room, and check-in never assigns one: when the
    /// caller names a room, the booking is read first and the check-in goes
    /// ahead only if that room is already assigned; otherwise the answer is
    /// `Unsupported` ("check_in with room assignment") and nothing is written.
    /// Assign the room first with [`PmsClient::assign_room`] (`AssignRoom`), as
    /// the check-in flow does.
    async fn check_in(&self, request: &CheckInRequest) -> Result<(), Error> {
        if let Some(room) = &request.room {
            let booking = self.fetch_booking(request.reservation.as_str()).await?;
            if booking.room_number.as_ref() != Some(room) {
                return Err(Error::unsupported(
                    PmsKind::Opera,
                    "check_in with room assignment",
                ));
            }
        }
        Ok(self
            .check_in_reservation(request.request_id, request.reservation.as_str())
            .await?)
    }

    /// Reads the booking (`FetchBooking`) first: the room it already holds
    /// succeeds without a write. Otherwise `AssignRoom` with `RoomNoRequested`;
    /// OPERA's `RoomNoAssigned`, when echoed, must be the room asked for (a
    /// different one is a decode error naming both). A FAIL (unknown room,
    /// room not available, stay in a state that cannot be assigned) is
    /// classified like every other `Result` FAIL.
    async fn assign_room(&self, request: &RoomAssignment) -> Result<(), Error> {
        let booking = self.fetch_booking(request.reservation.as_str()).await?;
        if booking.room_number.as_ref() == Some(&request.room) {
            return Ok(());
        }
        let assigned = self
            .assign_room_number(
                request.request_id,
                request.reservation.as_str(),
                request.room.as_str(),
            )
            .await?;
        match assigned {
            Some(number) if number != request.room.as_str() => Err(OperaError::decode(
                "AssignRoomResponse/RoomNoAssigned",
                "OPERA assigned another room than the one requested",
            )
            .into()),
            _ => Ok(()),
        }
    }

    async fn check_out(&self, request: &CheckOutRequest) -> Result<(), Error> {
        Ok(self
            .check_out_reservation(request.request_id, request.reservation.as_str())
            .await?)
    }

    async fn post_charge(&self, charge: &ChargeRequest) -> Result<PostedCharge, Error> {
        Ok(self.post_charge_request(charge).await?)
    }

    /// With OHIP cashiering, the posting whose `reference` is ours (see
    /// [`Cashiering::find_charge`]). Otherwise reads the Invoice and returns
    /// the line carrying `PMSREQ:{request id}`, `Unsupported` unless
    /// [`OperaOptions::charge_read_back`] is on.
    async fn find_charge(
        &self,
        reservation: &VendorId,
        request_id: RequestId,
    ) -> Result<Option<FolioCharge>, Error> {
        if let Some(ohip) = &self.ohip {
            return Ok(ohip
                .find_charge(reservation.as_str(), request_id, &self.ctx)
                .await?);
        }
        if !self.options.charge_read_back {
            return Err(Error::unsupported(
                PmsKind::Opera,
                "find_charge (Invoice read-back not enabled)",
            ));
        }
        let folio = self.invoice(reservation.as_str()).await?;
        Ok(folio
            .charges
            .into_iter()
            .find(|c| c.request_id == Some(request_id)))
    }

    async fn agenda(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, Error> {
        Ok(self.agenda_in(range).await?)
    }

    /// With OHIP configured, `getOperaHotelContext` (`currencyCode`,
    /// `timezone`; see `ohip/context.rs`). Over OWS alone,
    /// `QueryHotelInformation`, whose answer has neither (see
    /// `ops/query_hotel_information.rs`): the profile then carries the name
    /// only, and the call still proves OPERA knows the configured hotel code.
    async fn property_profile(&self) -> Result<pms_core::PropertyProfile, Error> {
        if let Some(ohip) = &self.ohip {
            return Ok(ohip.property_profile().await?);
        }
        let info = self.query_hotel_information().await?;
        Ok(pms_core::PropertyProfile {
            name: info.name,
            currency: None,
            time_zone: None,
        })
    }

    async fn health(&self) -> HealthReport {
        let started = std::time::Instant::now();
        let today = self.property_today();
        let outcome = self.bookings(DateKind::Arrival, DateRange::day(today)).await;
        let latency = started.elapsed();
        let (healthy, error, detail) = match outcome {
            Ok(_) => (true, None, None),
            Err(err) => (false, Some(err.kind()), Some(err.to_string())),
        };
        HealthReport {
            pms: PmsKind::Opera,
            healthy,
            latency,
            checked_at: self.now(),
            error,
            detail,
        }
    }
}
