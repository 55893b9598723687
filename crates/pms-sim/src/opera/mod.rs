//! The OPERA OWS 5.1 front (SOAP 1.1), over the same [`Hotel`] as every front.
//!
//! Wire rules (opera.md §1): one endpoint per service, on-premise
//! `POST {base}/{Service}.asmx` and OPERA Cloud gateway `POST {base}/{Service}`
//! (any leading path is accepted as the base, e.g. `/OWS_WS_51/`); SOAP 1.1
//! envelopes, `Content-Type: text/xml; charset=utf-8`, `SOAPAction:
//! http://webservices.micros.com/ows/5.1/{Service}.wsdl#{Operation}` (seen
//! verbatim for PostCharge; the pattern is \[unverified\] for the others, so an
//! empty SOAPAction is accepted and the body decides). Requests are read by
//! namespace URI + local name, never by prefix.
//!
//! Each request goes through: body bound (413 fault) → XML (DOCTYPE refused,
//! depth/element caps; `soap:Client` fault) → envelope and operation →
//! latency → rate limit per user → credentials (SOAP faults) → injected 429 /
//! 5xx → the operation (`Result` SUCCESS or FAIL, HTTP 200) → for applied
//! writes, maybe an ambiguous hang.
//!
//! | service | operations | file |
//! |---|---|---|
//! | `Reservation` | FetchBooking, FutureBookingSummary, AssignRoom | `reservation.rs` |
//! | `Name` | FetchProfile | `name.rs` |
//! | `HouseKeeping` | FetchHouseKeepingRoomStatus | `housekeeping.rs` |
//! | `GuestServices` | UpdateRoomStatus | `housekeeping.rs` |
//! | `ResvAdvanced` | CheckIn, CheckOut, PostCharge, Invoice | `resv_advanced.rs` |
//! | `Information` | QueryHotelInformation (elements `HotelInformation{Request,Response}`) | `information.rs` |
//!
//! Beside OWS the same router serves the OHIP REST cashiering front (token,
//! `postBillingCharges`, `getGuestsTransactions`, and `getOperaHotelContext` for the
//! property's currency and time zone) over the same hotel, with
//! the same fault injection: see `ohip.rs`.
//!
//! Ids: OPERA ids are numbers. A reservation's `resv_name_id` (`RESVID`) is
//! [`RESV_ID_BASE`] + its position in [`Hotel::reservations`], its confirmation
//! number is [`Reservation::number`](crate::Reservation), a profile's `NameID`
//! is [`NAME_ID_BASE`] + its position in [`Hotel::guests`], and a room is its
//! number.
//!
//! Authentication: the user name is [`USER_NAME`], the accepted passwords are
//! [`Credentials::access_tokens`](crate::Credentials) (each one a credential
//! with its own rate budget), `Domain` and every `HotelReference@hotelCode`
//! must be [`HOTEL_CODE`]. On-premise sends the password in
//! `OGHeader/.../UserPassword`; the Cloud path needs `wsse:Security` with a
//! `wsse:UsernameToken` and a current `wsu:Timestamp`, and accepts the OGHeader
//! user in the `{user}@I{hotel}` form (MentatSystemsHospitality
//! `SoapEnvelopeService.cs`, opera.md §1.3).
//!
//! Rate limit: OWS publishes none (opera.md §4.2). When one is configured it is
//! enforced per user the way Oracle documents its gateway throttle for OHIP:
//! requests over the budget are *delayed* until the window has room, not
//! refused. An injected `throttle_429` answers HTTP 429 with `Retry-After`
//! (the simulator's own shape: no OWS 429 is documented).

mod housekeeping;
mod information;
mod name;
mod ohip;
mod reservation;
mod resv_advanced;
mod soap;
mod xml;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use tokio::time::Instant;
use uuid::Uuid;

use crate::faults::Verdict;
use crate::journal::{Outcome, RequestRecord};
use crate::model::{Guest, Reservation};
use crate::server::SimCore;
use crate::state::{self, Hotel};
use soap::{Echo, Fail, Fault};
use xml::{Element, Limits, ns};

/// The OGHeader / UsernameToken user name the simulator accepts.
pub const USER_NAME: &str = "SIMOWS";
/// The hotel (resort) code: OHIP's partner sandbox code (opera.md §4.1).
pub const HOTEL_CODE: &str = "SAND01";
/// `resv_name_id` of the reservation at position 0.
pub const RESV_ID_BASE: u64 = 10_000_000;
/// `NameID` of the guest profile at position 0.
pub const NAME_ID_BASE: u64 = 20_000_000;
pub use ohip::{OHIP_CLIENT_ID, OHIP_TOKEN_SECONDS};

/// Bodies above this get a 413 fault before parsing.
const MAX_BODY: usize = 1024 * 1024;
const LIMITS: Limits = Limits {
    max_depth: 64,
    max_elements: 20_000,
};
/// Accepted clock skew on a `wsu:Timestamp`.
const SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// The OWS services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Reservation,
    ResvAdvanced,
    Name,
    HouseKeeping,
    GuestServices,
    Information,
}

impl Service {
    fn parse(s: &str) -> Option<Service> {
        Some(match s {
            "Reservation" => Service::Reservation,
            "ResvAdvanced" => Service::ResvAdvanced,
            "Name" => Service::Name,
            "HouseKeeping" => Service::HouseKeeping,
            "GuestServices" => Service::GuestServices,
            "Information" => Service::Information,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Service::Reservation => "Reservation",
            Service::ResvAdvanced => "ResvAdvanced",
            Service::Name => "Name",
            Service::HouseKeeping => "HouseKeeping",
            Service::GuestServices => "GuestServices",
            Service::Information => "Information",
        }
    }
}

/// What an operation answers on success: the XML after `Result`.
type OpResult = Result<Vec<u8>, Fail>;

struct Operation {
    service: Service,
    name: &'static str,
    /// Namespace of `{name}Request` and `{name}Response` (opera.md §1.2).
    ns: &'static str,
    write: bool,
    run: fn(&OperaState, &Element) -> OpResult,
}

const OPERATIONS: &[Operation] = &[
    Operation {
        service: Service::Reservation,
        name: "FetchBooking",
        ns: ns::RESERVATION_WSDL,
        write: false,
        run: reservation::fetch_booking,
    },
    Operation {
        service: Service::Reservation,
        name: "FutureBookingSummary",
        ns: ns::RESERVATION_WSDL,
        write: false,
        run: reservation::future_booking_summary,
    },
    Operation {
        service: Service::Reservation,
        name: "AssignRoom",
        ns: ns::RESERVATION_WSDL,
        write: true,
        run: reservation::assign_room,
    },
    Operation {
        service: Service::Name,
        name: "FetchProfile",
        ns: ns::NAME_WSDL,
        write: false,
        run: name::fetch_profile,
    },
    Operation {
        service: Service::HouseKeeping,
        name: "FetchHouseKeepingRoomStatus",
        ns: ns::HOUSEKEEPING_WSDL,
        write: false,
        run: housekeeping::fetch_room_status,
    },
    Operation {
        service: Service::GuestServices,
        name: "UpdateRoomStatus",
        ns: ns::GUEST_SERVICES,
        write: true,
        run: housekeeping::update_room_status,
    },
    Operation {
        service: Service::ResvAdvanced,
        name: "CheckIn",
        ns: ns::RESV_ADVANCED,
        write: true,
        run: resv_advanced::check_in,
    },
    Operation {
        service: Service::ResvAdvanced,
        name: "CheckOut",
        ns: ns::RESV_ADVANCED,
        write: true,
        run: resv_advanced::check_out,
    },
    Operation {
        service: Service::ResvAdvanced,
        name: "PostCharge",
        ns: ns::RESV_ADVANCED,
        write: true,
        run: resv_advanced::post_charge,
    },
    Operation {
        service: Service::ResvAdvanced,
        name: "Invoice",
        ns: ns::RESV_ADVANCED,
        write: false,
        run: resv_advanced::invoice,
    },
    Operation {
        service: Service::Information,
        name: "QueryHotelInformation",
        ns: ns::INFORMATION_WSDL,
        write: false,
        run: information::query_hotel_information,
    },
];

impl Operation {
    /// `{base}Request` / `{base}Response`: the operation's name, except for
    /// `QueryHotelInformation`, whose elements are `HotelInformation…`.
    fn element_base(&self) -> &'static str {
        match self.name {
            "QueryHotelInformation" => information::ELEMENT_BASE,
            name => name,
        }
    }
}

/// The core plus what only OPERA knows: the transaction code of each posting.
#[derive(Debug)]
pub(crate) struct OperaState {
    core: Arc<SimCore>,
    /// `PostChargeRequest@Account` of charges posted through this front.
    transaction_codes: Mutex<HashMap<Uuid, String>>,
    /// OHIP access tokens issued, with their expiry.
    ohip_tokens: Mutex<HashMap<String, DateTime<Utc>>>,
    /// Charges posted through OHIP: only theirs show a `reference` when read.
    ohip_charges: Mutex<HashSet<Uuid>>,
}

impl OperaState {
    fn core(&self) -> &SimCore {
        &self.core
    }
}

/// OHIP path prefixes: the `basePath`s (`/csh/v1`, `/oauth/v1`, ...) of
/// the documents in oracle/hospitality-api-docs `rest-api-specs/property/`
/// that this project reads (rsv, fof, hsk, crm, csh, int, oauth, medcfg).
const OHIP_MODULES: &[&str] = &["oauth", "csh", "rsv", "fof", "hsk", "crm", "int", "medcfg", "ent"];

/// The OPERA router over a simulator core.
pub(crate) fn router(core: Arc<SimCore>) -> Router {
    let state = Arc::new(OperaState {
        core,
        transaction_codes: Mutex::new(HashMap::new()),
        ohip_tokens: Mutex::new(HashMap::new()),
        ohip_charges: Mutex::new(HashSet::new()),
    });
    let mut router = Router::new()
        .route("/oauth/v1/tokens", post(ohip::token).fallback(ohip::not_served))
        .route(
            "/csh/v1/hotels/{hotel_id}/reservations/{reservation_id}/charges",
            post(ohip::post_charges).fallback(ohip::not_served),
        )
        .route(
            "/csh/v1/hotels/{hotel_id}/transactions",
            get(ohip::transactions).fallback(ohip::not_served),
        )
        .route(
            "/ent/config/v1/hotels/{hotel_id}/operaContext",
            get(ohip::opera_context).fallback(ohip::not_served),
        );
    // Every other path under an OHIP module's prefix answers OHIP's JSON 404
    // (the module names of Oracle's `rest-api-specs/property/*.json`), not
    // the OWS front's SOAP fault.
    for module in OHIP_MODULES {
        router = router
            .route(&format!("/{module}"), any(ohip::not_served))
            .route(&format!("/{module}/{{*rest}}"), any(ohip::not_served));
    }
    router
        .route("/{*endpoint}", post(handle).fallback(wrong_method))
        .with_state(state)
}

/// The `resv_name_id` of the reservation at `position`.
pub fn resv_name_id(position: usize) -> String {
    (RESV_ID_BASE + position as u64).to_string()
}

/// The `NameID` of the guest at `position`.
pub fn name_id(position: usize) -> String {
    (NAME_ID_BASE + position as u64).to_string()
}

/// The position a `resv_name_id` names, if it names one.
fn reservation_at<'h>(hotel: &'h Hotel, id: &str) -> Option<(usize, &'h Reservation)> {
    let n: u64 = id.trim().parse().ok()?;
    let i = usize::try_from(n.checked_sub(RESV_ID_BASE)?).ok()?;
    hotel.reservations.get(i).map(|r| (i, r))
}

/// The position and guest a `NameID` names.
fn guest_at<'h>(hotel: &'h Hotel, id: &str) -> Option<(usize, &'h Guest)> {
    let n: u64 = id.trim().parse().ok()?;
    let i = usize::try_from(n.checked_sub(NAME_ID_BASE)?).ok()?;
    hotel.guests.get(i).map(|g| (i, g))
}

/// The `NameID` of a guest id (linear: profiles are looked up rarely).
fn name_id_of(hotel: &Hotel, guest: Uuid) -> Option<String> {
    hotel.guests.iter().position(|g| g.id == guest).map(name_id)
}

/// Property-local date of an instant.
fn local_date(hotel: &Hotel, at: DateTime<Utc>) -> NaiveDate {
    hotel.business_date(at)
}

/// Property-local date-time with its offset, e.g. `2026-03-01T11:00:00+01:00`.
fn local_stamp(hotel: &Hotel, at: DateTime<Utc>) -> String {
    at.with_timezone(&hotel.property.time_zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Checks a `HotelReference@hotelCode` when the request carries one.
fn check_hotel(reference: Option<&Element>) -> Result<(), Fail> {
    match reference.and_then(|r| r.attr("hotelCode")) {
        Some(code) if code != HOTEL_CODE => Err(Fail::property_restricted(code)),
        _ => Ok(()),
    }
}

fn xml_fail(e: std::io::Error) -> Fail {
    Fail::new("SYSTEM_ERROR", format!("cannot write the answer: {e}"))
}

/// The parts of a request the pipeline reads before the operation.
#[derive(Debug, Default)]
struct Caller {
    echo: Echo,
    user: Option<String>,
    password: Option<String>,
    domain: Option<String>,
    token_user: Option<String>,
    token_password: Option<String>,
    created: Option<String>,
    expires: Option<String>,
    has_security: bool,
}

fn read_header(envelope: &Element) -> Caller {
    let mut caller = Caller::default();
    let Some(header) = envelope.child(ns::SOAP, "Header") else {
        return caller;
    };
    if let Some(og) = header.child(ns::CORE, "OGHeader") {
        let pair = |local: &str| {
            og.child(ns::CORE, local).map(|e| {
                (
                    e.attr("entityID").unwrap_or_default().to_owned(),
                    e.attr("systemType").unwrap_or_default().to_owned(),
                )
            })
        };
        caller.echo = Echo {
            transaction_id: og.attr("transactionID").unwrap_or_default().to_owned(),
            origin: pair("Origin").unwrap_or_default(),
            destination: pair("Destination").unwrap_or_default(),
        };
        if let Some(creds) = og
            .child(ns::CORE, "Authentication")
            .and_then(|a| a.child(ns::CORE, "UserCredentials"))
        {
            let text = |local: &str| creds.child_text(ns::CORE, local).map(str::to_owned);
            caller.user = text("UserName");
            caller.password = text("UserPassword");
            caller.domain = text("Domain");
        }
    }
    if let Some(security) = header.child(ns::WSSE, "Security") {
        caller.has_security = true;
        if let Some(token) = security.child(ns::WSSE, "UsernameToken") {
            caller.token_user = token.child_text(ns::WSSE, "Username").map(str::to_owned);
            caller.token_password = token.child_text(ns::WSSE, "Password").map(str::to_owned);
        }
        if let Some(stamp) = security.child(ns::WSU, "Timestamp") {
            caller.created = stamp.child_text(ns::WSU, "Created").map(str::to_owned);
            caller.expires = stamp.child_text(ns::WSU, "Expires").map(str::to_owned);
        }
    }
    caller
}

/// Checks credentials; the error is the fault to answer.
fn authenticate(core: &SimCore, caller: &Caller, cloud: bool, now: DateTime<Utc>) -> Result<(), Fault> {
    let known = |password: Option<&str>| {
        password.is_some_and(|p| core.credentials.access_tokens.iter().any(|t| t == p))
    };
    if caller.domain.as_deref() != Some(HOTEL_CODE) {
        return Err(Fault::client(
            "AUTHENTICATION_FAILED: the Domain is missing or not a hotel of this interface",
        ));
    }
    if cloud {
        if !caller.has_security {
            return Err(Fault::security(
                "wsse:InvalidSecurity",
                "InvalidSecurity: a wsse:Security header is required on this endpoint",
            ));
        }
        let parse = |v: Option<&String>| {
            v.and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                .map(|d| d.with_timezone(&Utc))
        };
        let (Some(created), Some(expires)) = (parse(caller.created.as_ref()), parse(caller.expires.as_ref()))
        else {
            return Err(Fault::security(
                "wsse:InvalidSecurity",
                "InvalidSecurity: the wsu:Timestamp is missing or unreadable",
            ));
        };
        if created > now + SKEW || expires <= now - SKEW || expires <= created {
            return Err(Fault::security(
                "wsse:MessageExpired",
                "MessageExpired: the message timestamp is outside its validity window",
            ));
        }
        let cloud_user = format!("{USER_NAME}@I{HOTEL_CODE}");
        let og_user_ok = matches!(caller.user.as_deref(), Some(u) if u == USER_NAME || u == cloud_user);
        if caller.token_user.as_deref() != Some(USER_NAME)
            || !known(caller.token_password.as_deref())
            || !og_user_ok
        {
            return Err(Fault::security(
                "wsse:FailedAuthentication",
                "FailedAuthentication: the security token could not be authenticated",
            ));
        }
        return Ok(());
    }
    if caller.user.as_deref() != Some(USER_NAME) || !known(caller.password.as_deref()) {
        return Err(Fault::client(
            "AUTHENTICATION_FAILED: invalid user name or password",
        ));
    }
    Ok(())
}

/// One request in flight: what the journal will record about it.
struct Call<'a> {
    core: &'a SimCore,
    at: DateTime<Utc>,
    path: String,
    credential: Option<String>,
    body: Value,
}

impl Call<'_> {
    fn record(&self, status: u16, outcome: Outcome, applied_write: bool) {
        self.core.journal.push(RequestRecord {
            at: self.at,
            path: self.path.clone(),
            credential: self.credential.clone(),
            body: self.body.clone(),
            status,
            outcome,
            applied_write,
        });
    }

    fn fault(&self, fault: &Fault) -> Response {
        self.record(fault.status, Outcome::Rejected, false);
        fault_response(fault)
    }
}

fn xml_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

fn fault_response(fault: &Fault) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match fault.render() {
        Ok(body) => xml_response(status, body),
        Err(_) => status.into_response(),
    }
}

async fn wrong_method(State(state): State<Arc<OperaState>>, uri: axum::http::Uri) -> Response {
    state.core.journal.push(RequestRecord {
        at: state::now(),
        path: uri.path().to_owned(),
        credential: None,
        body: Value::Null,
        status: 405,
        outcome: Outcome::Rejected,
        applied_write: false,
    });
    fault_response(&Fault {
        status: 405,
        code: "soap:Client",
        string: "Only POST is supported.".into(),
    })
}

/// The SOAPAction header without quotes, if any.
fn soap_action(headers: &HeaderMap) -> Option<String> {
    headers
        .get("SOAPAction")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_owned())
}

async fn handle(
    State(state): State<Arc<OperaState>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let core = state.core();
    let mut call = Call {
        core,
        at: state::now(),
        path: uri.path().to_owned(),
        credential: None,
        body: Value::Null,
    };
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    let (name, cloud) = match last.strip_suffix(".asmx") {
        Some(name) => (name, false),
        None => (last, true),
    };
    let Some(service) = Service::parse(name) else {
        call.record(404, Outcome::Rejected, false);
        return (StatusCode::NOT_FOUND, "The resource cannot be found.").into_response();
    };
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return call.fault(&Fault {
            status: 413,
            code: "soap:Client",
            string: "Request body is too large.".into(),
        });
    };
    let envelope = match xml::parse(&bytes, LIMITS) {
        Ok(root) => root,
        Err(e) => return call.fault(&Fault::client(format!("Invalid XML: {}", e.0))),
    };
    if envelope.is(ns::SOAP12, "Envelope") {
        return call.fault(&Fault {
            status: 500,
            code: "soap:VersionMismatch",
            string: "Only SOAP 1.1 envelopes are accepted.".into(),
        });
    }
    if !envelope.is(ns::SOAP, "Envelope") {
        return call.fault(&Fault::client("The root element is not a SOAP 1.1 Envelope."));
    }
    let Some(request) = envelope
        .child(ns::SOAP, "Body")
        .and_then(|b| b.elements().first())
    else {
        return call.fault(&Fault::client("The SOAP Body is missing or empty."));
    };
    let op = OPERATIONS.iter().find(|op| {
        op.service == service
            && request.local_name() == format!("{}Request", op.element_base())
            && request.namespace() == Some(op.ns)
    });
    let Some(op) = op else {
        return call.fault(&Fault::client(format!(
            "Server did not recognize the request element {{{}}}{} on {}.",
            request.namespace().unwrap_or_default(),
            request.local_name(),
            service.as_str()
        )));
    };
    let caller = read_header(&envelope);
    let excerpt = bytes
        .get(request.span.0..request.span.1)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    // The journal keeps the Body's request only: the header holds passwords.
    call.body = json!({
        "service": service.as_str(),
        "operation": op.name,
        "transactionID": caller.echo.transaction_id,
        "request": excerpt,
    });
    call.credential = caller.token_user.clone().or_else(|| caller.user.clone());
    let expected = format!(
        "http://webservices.micros.com/ows/5.1/{}.wsdl#{}",
        service.as_str(),
        op.name
    );
    if let Some(action) = soap_action(&headers)
        && !action.is_empty()
        && action != expected
    {
        // The ASP.NET (.asmx) wording for a SOAPAction it cannot route.
        return call.fault(&Fault::client(format!(
            "Server did not recognize the value of HTTP Header SOAPAction: {action}."
        )));
    }

    let config = core.faults.config();
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(limit) = config.rate_limit {
        let key = format!(
            "{}#{}",
            call.credential.as_deref().unwrap_or_default(),
            caller
                .token_password
                .as_deref()
                .or(caller.password.as_deref())
                .and_then(|p| core.credentials.access_tokens.iter().position(|t| t == p))
                .map_or(-1, |i| i as i64)
        );
        // Delayed, not refused: Oracle's documented gateway throttle (opera.md §4.2).
        while let Err(wait) = core.limiter.check(&key, limit, Instant::now()) {
            tokio::time::sleep(wait.max(std::time::Duration::from_millis(1))).await;
        }
    }
    let now = state::now();
    if let Err(fault) = authenticate(core, &caller, cloud, now) {
        return call.fault(&fault);
    }
    match core.faults.roll_request() {
        Verdict::Pass => {}
        Verdict::Throttle(wait) => {
            call.record(429, Outcome::Injected429, false);
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            let secs = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Verdict::ServerError => return injected_5xx(&call, cloud),
    }

    let outcome = (op.run)(&state, request);
    let fail = outcome.as_ref().err().cloned();
    let rendered = soap::response(
        &caller.echo,
        cloud,
        now,
        op.element_base(),
        op.ns,
        outcome.as_deref(),
    );
    let Ok(body) = rendered else {
        return call.fault(&Fault::server("Server was unable to write the response."));
    };
    if fail.is_some() {
        call.record(200, Outcome::Rejected, false);
        return xml_response(StatusCode::OK, body);
    }
    let hang = if op.write {
        core.faults.roll_ambiguous()
    } else {
        None
    };
    let outcome = if hang.is_some() {
        Outcome::AmbiguousTimeout
    } else {
        Outcome::Served
    };
    call.record(200, outcome, op.write);
    if let Some(hang) = hang {
        // Already applied; the answer arrives after the client gave up.
        tokio::time::sleep(hang).await;
    }
    xml_response(StatusCode::OK, body)
}

/// An injected server failure, nothing applied. The on-premise `.asmx` path
/// answers an ASP.NET `soap:Server` fault carrying the connection-pool
/// message integrators scan for; the Cloud gateway path answers the WebLogic
/// "Error 503--Service Unavailable" page (both strings: opera.md §1.5, §7.4).
fn injected_5xx(call: &Call<'_>, cloud: bool) -> Response {
    if cloud {
        call.record(503, Outcome::Injected5xx, false);
        let page = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0 Draft//EN\">\n<HTML><HEAD><TITLE>Error 503--Service Unavailable</TITLE></HEAD>\n<BODY bgcolor=\"white\"><H2>Error 503--Service Unavailable</H2></BODY></HTML>\n";
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return response;
    }
    call.record(500, Outcome::Injected5xx, false);
    fault_response(&Fault::server(
        "Server was unable to process request. ---> Timeout expired. The timeout period elapsed prior to obtaining a connection from the pool.",
    ))
}
