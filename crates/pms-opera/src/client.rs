//! [`OperaClient`]: configuration, endpoints, SOAP 1.1 transport over
//! reqwest, typed operations, and the [`PmsClient`] implementation.
//!
//! Endpoints (opera.md §1.1): on-premise `{base}/{Service}.asmx`
//! (e.g. `http://host/ows_51/Reservation.asmx`), OPERA Cloud gateway
//! `{base}/{Service}` (e.g. `https://…/OPERAOSB/OPERA_OWS/OWS_WS_51/Reservation`).
//! Every call is `POST` with `Content-Type: text/xml; charset=utf-8` and
//! `SOAPAction: http://webservices.micros.com/ows/5.1/{Service}.wsdl#{Operation}`.
//!
//! Retries: reads are retried here on transient failures (up to
//! [`OperaOptions::read_retries`]) with the **same** `transactionID`. Writes are
//! never retried here; the sync layer retries a write intent with the same
//! [`RequestId`], which becomes the same `transactionID` again. A write whose
//! answer is lost (timeout after sending, reset, 500/502/504, or a 200 body
//! that cannot be read) is [`OperaError::OutcomeUnknown`]: read back first
//! (`find_charge`, `reservation`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use pms_core::{
    Capabilities, Capability, ChangeQuery, ChargeRequest, CheckInRequest, CheckOutRequest, Clock, DateRange,
    Error, ErrorKind, Folio, FolioCharge, Guest, HealthReport, HotelConfig, OperaSettings, Page, PmsClient,
    PmsKind, PmsSettings, PostedCharge, RateLimit, RequestId, Reservation, Room, RoomAssignment,
    RoomStatusReport, RoomStatusUpdate, SystemClock, VendorId,
};

use crate::envelope::{self, HeaderParams, XmlWriter};
use crate::error::OperaError;
use crate::map::{self, MapContext};
use crate::ohip::{Cashiering, OhipConfig};
use crate::ops::fetch_booking::BookingKey;
use crate::ops::fetch_housekeeping_room_status::HousekeepingRoom;
use crate::ops::future_booking_summary::DateKind;
use crate::ops::{self, Operation, Service};
use crate::poll::{self, PollConfig};
use crate::result::{self, RawAnswer};
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
    /// Extra attempts for a transient read failure, same `transactionID` (default 2).
    pub read_retries: u32,
    /// Pause before a read retry (default 500 ms).
    pub retry_backoff: Duration,
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
            read_retries: 2,
            retry_backoff: Duration::from_millis(500),
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
    http: reqwest::Client,
    base: String,
    settings: OperaSettings,
    ctx: MapContext,
    options: OperaOptions,
    clock: Arc<dyn Clock>,
    /// OHIP cashiering: when set, charges are posted and read back through it.
    ohip: Option<Arc<Cashiering>>,
}

impl OperaClient {
    /// A client for `hotel` (which must be an OPERA hotel) with default options and the system clock.
    pub fn from_config(hotel: &HotelConfig) -> Result<Self, OperaError> {
        Self::with_options(hotel, OperaOptions::default(), Arc::new(SystemClock))
    }

    /// A client with explicit options and clock.
    pub fn with_options(
        hotel: &HotelConfig,
        options: OperaOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, OperaError> {
        let PmsSettings::Opera(settings) = &hotel.pms else {
            return Err(OperaError::Config(format!(
                "hotel `{}` is configured for {}, not opera",
                hotel.id,
                hotel.pms_kind()
            )));
        };
        if settings.hotel_code.trim().is_empty() {
            return Err(OperaError::Config("the OPERA hotel code is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| OperaError::Config(format!("cannot build the HTTP client: {e}")))?;
        let ohip = settings
            .ohip
            .as_ref()
            .map(|ohip| OhipConfig::from_settings(ohip, &settings.hotel_code));
        let client = OperaClient {
            http,
            base: hotel.base_url.as_str().trim_end_matches('/').to_owned(),
            settings: settings.clone(),
            ctx: MapContext {
                hotel: hotel.id.clone(),
                time_zone: hotel.time_zone,
                currency: hotel.currency,
                keep_raw: options.keep_raw,
            },
            options,
            clock,
            ohip: None,
        };
        Ok(match ohip {
            Some(config) => client.ohip_cashiering(config),
            None => client,
        })
    }

    /// Posts charges through OHIP `postBillingCharges` with our reference and
    /// reads them back with `getGuestsTransactions` (see [`crate::ohip`]):
    /// `post_charge` and `find_charge` use OHIP and the client advertises
    /// [`Capability::ChargeReadBack`]. Every other call stays on OWS.
    /// [`OperaClient::from_config`] does this when the hotel has
    /// `PMS_HOTEL_<ID>_OPERA_OHIP_*` variables.
    pub fn ohip_cashiering(mut self, config: OhipConfig) -> Self {
        self.ohip = Some(Arc::new(Cashiering::new(
            self.http.clone(),
            config,
            self.clock.clone(),
            self.options.limits.max_bytes,
            self.options.read_retries,
            self.options.retry_backoff,
        )));
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
        self.clock.now()
    }

    /// Today's civil date at the property.
    pub fn property_today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&self.ctx.time_zone).date_naive()
    }

    /// Builds the envelope for one attempt (public for golden tests and tooling).
    pub fn build_envelope<F>(&self, transaction_id: &str, body: F) -> Result<Vec<u8>, OperaError>
    where
        F: FnOnce(&mut XmlWriter) -> std::io::Result<()>,
    {
        let params = HeaderParams {
            transaction_id,
            now: self.clock.now(),
            settings: &self.settings,
            security_ttl: self.options.security_ttl,
        };
        envelope::envelope(&params, body)
            .map_err(|e| OperaError::Validation(format!("cannot write XML: {e}")))
    }

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
        // Writes are sent once: OWS has no idempotency key. Reads keep their
        // transactionID across tries.
        let attempts = if op.write {
            1
        } else {
            self.options.read_retries.saturating_add(1)
        };
        crate::retry::transient(
            op.name,
            transaction_id,
            attempts,
            self.options.retry_backoff,
            || self.call_once(op, transaction_id, &write, &parse),
        )
        .await
    }

    async fn call_once<T, W, P>(
        &self,
        op: &Operation,
        transaction_id: &str,
        write: &W,
        parse: &P,
    ) -> Result<T, OperaError>
    where
        W: Fn(&mut XmlWriter) -> std::io::Result<()>,
        P: Fn(&Document<'_>) -> Result<T, OperaError>,
    {
        let body = self.build_envelope(transaction_id, write)?;
        let url = self.endpoint(op.service);
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
        let sent = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", op.soap_action())
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) if err.is_connect() => {
                return Err(OperaError::Transport {
                    operation: op.name,
                    message: "connection failed before the request was sent".into(),
                    transaction_id: transaction_id.to_owned(),
                });
            }
            Err(err) if err.is_timeout() => return Err(lost("timed out waiting for the answer".into())),
            Err(_) => return Err(lost("the request failed after it may have been sent".into())),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let cap = self.options.limits.max_bytes;
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let size = bytes.len().saturating_add(chunk.len());
                    if size > cap {
                        let err = OperaError::Xml(crate::xml::XmlError::TooLarge { size, limit: cap });
                        return Err(if op.write && status == 200 {
                            lost(err.to_string())
                        } else {
                            err
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) if err.is_timeout() => return Err(lost("timed out reading the answer".into())),
                Err(_) => return Err(lost("the answer was cut off".into())),
            }
        }
        tracing::debug!(
            operation = op.name,
            transaction_id,
            status,
            bytes = bytes.len(),
            "OWS answer"
        );
        let answer = RawAnswer {
            status,
            retry_after,
            body: &bytes,
        };
        let outcome = result::check_answer(op.name, transaction_id, answer, self.options.limits)
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
    pub async fn fetch_booking(&self, resv_name_id: &str) -> Result<Reservation, OperaError> {
        let tx = Self::read_id();
        self.call(
            &ops::fetch_booking::OP,
            &tx,
            |w| ops::fetch_booking::write(w, &self.settings.hotel_code, BookingKey::ResvNameId(resv_name_id)),
            |doc| ops::fetch_booking::parse(doc, &self.ctx, &tx),
        )
        .await
    }

    /// `FetchBooking` by confirmation number.
    pub async fn fetch_booking_by_confirmation(&self, confirmation: &str) -> Result<Reservation, OperaError> {
        let tx = Self::read_id();
        self.call(
            &ops::fetch_booking::OP,
            &tx,
            |w| {
                ops::fetch_booking::write(
                    w,
                    &self.settings.hotel_code,
                    BookingKey::ConfirmationNumber(confirmation),
                )
            },
            |doc| ops::fetch_booking::parse(doc, &self.ctx, &tx),
        )
        .await
    }

    /// Reservations departing in `range`: arrivals of
    /// `[range.first - max_stay_nights, range.last]` filtered by departure date
    /// (OWS has no departure filter, see [`OperaOptions::max_stay_nights`]).
    pub async fn departures_in(&self, range: DateRange) -> Result<Vec<Reservation>, OperaError> {
        let first = range
            .first
            .checked_sub_days(chrono::Days::new(u64::from(self.options.max_stay_nights)))
            .ok_or_else(|| OperaError::Validation("departure range starts too early".into()))?;
        let window = DateRange {
            first,
            last: range.last,
        };
        Ok(self
            .future_booking_summary(DateKind::Arrival, window)
            .await?
            .into_iter()
            .filter(|r| range.contains(r.departure))
            .collect())
    }

    /// `FutureBookingSummary` for one window. A FAIL classified `NotFound`
    /// (nothing in the window) is an empty list.
    pub async fn future_booking_summary(
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
    pub async fn agenda_in(&self, range: DateRange) -> Result<Vec<pms_core::AgendaItem>, OperaError> {
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
    pub async fn fetch_profile(&self, name_id: &str) -> Result<Guest, OperaError> {
        let tx = Self::read_id();
        self.call(
            &ops::fetch_profile::OP,
            &tx,
            |w| ops::fetch_profile::write(w, name_id),
            |doc| ops::fetch_profile::parse(doc, name_id, &self.ctx, &tx),
        )
        .await
    }

    /// `FetchHouseKeepingRoomStatus` for every room.
    pub async fn fetch_housekeeping_room_status(&self) -> Result<Vec<HousekeepingRoom>, OperaError> {
        let tx = Self::read_id();
        self.call(
            &ops::fetch_housekeeping_room_status::OP,
            &tx,
            |w| ops::fetch_housekeeping_room_status::write(w, &self.settings.hotel_code, None),
            |doc| ops::fetch_housekeeping_room_status::parse(doc, &tx),
        )
        .await
    }

    /// `UpdateRoomStatus` (Clean, Dirty, Inspected, Pickup).
    pub async fn update_room_status(
        &self,
        request_id: RequestId,
        room: &str,
        status: &pms_core::HousekeepingStatus,
    ) -> Result<(), OperaError> {
        let code = map::room_status_code(status).ok_or(OperaError::Unsupported(
            "setting out-of-order/out-of-service through UpdateRoomStatus",
        ))?;
        let tx = request_id.simple();
        self.call(
            &ops::update_room_status::OP,
            &tx,
            |w| ops::update_room_status::write(w, &self.settings.hotel_code, room, code),
            |doc| ops::update_room_status::parse(doc, &tx),
        )
        .await
    }

    /// `CheckIn` of a reservation by resv_name_id.
    pub async fn check_in_reservation(
        &self,
        request_id: RequestId,
        resv_name_id: &str,
    ) -> Result<(), OperaError> {
        let tx = request_id.simple();
        self.call(
            &ops::check_in::OP,
            &tx,
            |w| ops::check_in::write(w, &self.settings.hotel_code, resv_name_id),
            |doc| ops::check_in::parse(doc, &tx),
        )
        .await
    }

    /// `AssignRoom` of a reservation (by resv_name_id) to `room` (its number),
    /// without reading the booking first: the raw write. Answers
    /// `RoomNoAssigned` when OPERA echoes it. See [`ops::assign_room`].
    pub async fn assign_room_number(
        &self,
        request_id: RequestId,
        resv_name_id: &str,
        room: &str,
    ) -> Result<Option<String>, OperaError> {
        let room = room.trim();
        if room.is_empty() {
            return Err(OperaError::Validation("AssignRoom needs a room number".into()));
        }
        let tx = request_id.simple();
        self.call(
            &ops::assign_room::OP,
            &tx,
            |w| ops::assign_room::write(w, &self.settings.hotel_code, resv_name_id, room),
            |doc| ops::assign_room::parse(doc, &tx),
        )
        .await
    }

    /// `CheckOut` of a reservation by resv_name_id.
    pub async fn check_out_reservation(
        &self,
        request_id: RequestId,
        resv_name_id: &str,
    ) -> Result<(), OperaError> {
        let tx = request_id.simple();
        self.call(
            &ops::check_out::OP,
            &tx,
            |w| ops::check_out::write(w, &self.settings.hotel_code, resv_name_id),
            |doc| ops::check_out::parse(doc, &tx),
        )
        .await
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
    pub async fn post_charge_request(&self, charge: &ChargeRequest) -> Result<PostedCharge, OperaError> {
        let (total, code) = self.charge_total_and_code(charge)?;
        if let Some(ohip) = &self.ohip {
            return ohip.post_charge(charge, total, code).await;
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
    ) -> Result<ops::query_hotel_information::HotelInformation, OperaError> {
        let tx = Self::read_id();
        let code = &self.settings.hotel_code;
        self.call(
            &ops::query_hotel_information::OP,
            &tx,
            |w| ops::query_hotel_information::write(w, code),
            |doc| ops::query_hotel_information::parse(doc, code, &tx),
        )
        .await
    }

    /// `Invoice` (folio) of a reservation by resv_name_id.
    pub async fn invoice(&self, resv_name_id: &str) -> Result<Folio, OperaError> {
        let tx = Self::read_id();
        self.call(
            &ops::invoice::OP,
            &tx,
            |w| ops::invoice::write(w, &self.settings.hotel_code, resv_name_id),
            |doc| ops::invoice::parse(doc, resv_name_id, &self.ctx, &tx),
        )
        .await
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
            Err(OperaError::Unsupported(_)) => {
                Err(Error::unsupported(PmsKind::Opera, "set_room_status(OOO/OOS)"))
            }
            other => Ok(other?),
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
        let outcome = self
            .future_booking_summary(DateKind::Arrival, DateRange::day(today))
            .await;
        let latency = started.elapsed();
        let (healthy, error, detail) = match outcome {
            Ok(_) => (true, None, None),
            Err(err) => (false, Some(err.kind()), Some(err.to_string())),
        };
        HealthReport {
            pms: PmsKind::Opera,
            healthy,
            latency,
            checked_at: self.clock.now(),
            error,
            detail,
        }
    }
}
