//! The OHIP REST front (OPERA Cloud Property APIs, opera.md §4) for
//! cashiering, over the same [`Hotel`](crate::Hotel) as the OWS front:
//!
//! | request | operation |
//! |---|---|
//! | `POST /oauth/v1/tokens` | token (`oauth.json`): form `grant_type=password` (`username` [`USER_NAME`](super::USER_NAME), `password` an access token) or `client_credentials` (`scope`); `Authorization: Basic` [`OHIP_CLIENT_ID`]`:{an access token}`; `x-app-key` a UUID v4 |
//! | `POST /csh/v1/hotels/{hotelId}/reservations/{reservationId}/charges` | `postBillingCharges` (`csh.json`): `criteria.charges[]` posted like OWS `PostCharge` (same codes and rules), `postingReference` kept on the line |
//! | `GET /csh/v1/hotels/{hotelId}/transactions?reservationList=…` | `getGuestsTransactions`: the stay's live lines as `summaryPostingType` postings, `reference` set on lines posted through OHIP; `referenceNumberWildCard` filters by substring |
//! | `GET /ent/config/v1/hotels/{hotelId}/operaContext` | `getOperaHotelContext` (`entcfg.json`): `hotelContext` with the property's `currencyCode` and `timezone` |
//!
//! Every cashiering call needs `Authorization: Bearer {token}` (a token this
//! front issued, unexpired: else 401), `x-app-key` (UUID v4: else 401) and
//! `x-hotelid` = [`HOTEL_CODE`](super::HOTEL_CODE) (else 403). Errors are the
//! spec's `exceptionDetailType` with the OWS front's codes as `o:errorCode`.
//! Fault injection is the OWS front's: latency, the per-credential budget
//! (delayed, opera.md §4.2), injected 429 (`Retry-After`) and 503 (nothing
//! applied) before the operation, and after an applied charge an ambiguous hang.
//! Nothing is deduplicated by `postingReference`: like OPERA (as far as
//! documented, opera.md §8) a repeated reference posts again.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::time::Instant;
use uuid::Uuid;

use super::resv_advanced::{Line, line_code, post_line};
use super::soap::Fail;
use super::{HOTEL_CODE, OperaState, USER_NAME, reservation_at};
use crate::faults::Verdict;
use crate::journal::{Outcome, RequestRecord};
use crate::state;

/// The OAuth client id the simulator accepts; the secrets are the access tokens.
pub const OHIP_CLIENT_ID: &str = "sim-ohip-client";
/// Lifetime of an issued token (oauth.json: "typically, 3600").
pub const OHIP_TOKEN_SECONDS: i64 = 3600;

/// One OHIP request: what the journal records about it.
struct Call<'a> {
    state: &'a OperaState,
    at: DateTime<Utc>,
    path: String,
    credential: Option<String>,
    body: Value,
}

impl Call<'_> {
    fn record(&self, status: u16, outcome: Outcome, applied_write: bool) {
        self.state.core().journal.push(RequestRecord {
            at: self.at,
            path: self.path.clone(),
            credential: self.credential.clone(),
            body: self.body.clone(),
            status,
            outcome,
            applied_write,
        });
    }

    fn refuse(&self, status: StatusCode, code: &str, detail: &str) -> Response {
        self.record(status.as_u16(), Outcome::Rejected, false);
        problem(status, code, detail)
    }
}

/// An `exceptionDetailType` body.
fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "o:errorCode": code,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn is_uuid_v4(s: &str) -> bool {
    Uuid::parse_str(s).is_ok_and(|u| {
        u.get_version_num() == 4 && s.len() == 36 && !s.bytes().any(|b| b.is_ascii_uppercase())
    })
}

/// Standard base64 (for comparing a Basic credential).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// `POST /oauth/v1/tokens`.
pub(super) async fn token(State(state): State<Arc<OperaState>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    let mut call = Call {
        state: &state,
        at: state::now(),
        path: "/oauth/v1/tokens".into(),
        credential: None,
        // Never the password or the client secret.
        body: json!({ "service": "OHIP", "operation": "token", "grant_type": grant }),
    };
    let core = state.core();
    if !header_str(&headers, "x-app-key").is_some_and(is_uuid_v4) {
        return call.refuse(
            StatusCode::UNAUTHORIZED,
            "INVALID_APP_KEY",
            "x-app-key is missing or not a UUID v4",
        );
    }
    let basic = header_str(&headers, "authorization").unwrap_or_default();
    let client_ok = core.credentials.access_tokens.iter().any(|secret| {
        basic
            == format!(
                "Basic {}",
                base64(format!("{OHIP_CLIENT_ID}:{secret}").as_bytes())
            )
    });
    if !client_ok {
        return call.refuse(
            StatusCode::UNAUTHORIZED,
            "INVALID_CLIENT",
            "Invalid client ID, client secret, username, and/or password, and/or scope",
        );
    };
    let user_ok = match grant.as_str() {
        "password" => {
            form.get("username").map(String::as_str) == Some(USER_NAME)
                && form
                    .get("password")
                    .is_some_and(|p| core.credentials.access_tokens.contains(p))
        }
        "client_credentials" => form.get("scope").is_some_and(|s| !s.trim().is_empty()),
        _ => {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED_GRANT_TYPE",
                "grant_type must be password or client_credentials",
            );
        }
    };
    if !user_ok {
        return call.refuse(
            StatusCode::UNAUTHORIZED,
            "INVALID_GRANT",
            "Invalid client ID, client secret, username, and/or password, and/or scope",
        );
    }
    call.credential = Some(OHIP_CLIENT_ID.to_owned());
    let access = format!("sim-ohip-{}", Uuid::new_v4().simple());
    state
        .ohip_tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(
            access.clone(),
            call.at + chrono::Duration::seconds(OHIP_TOKEN_SECONDS),
        );
    call.record(200, Outcome::Served, false);
    let body = json!({
        "access_token": access,
        "expires_in": OHIP_TOKEN_SECONDS,
        "token_type": "Bearer",
        "oracle_tk_context": "user_assertion",
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Headers, then the shared fault pipeline; `Err` is the answer already given.
async fn admit(call: &mut Call<'_>, headers: &HeaderMap, hotel_id: &str) -> Result<(), Response> {
    let state = call.state;
    let core = state.core();
    let bearer = header_str(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let valid = state
        .ohip_tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(bearer)
        .is_some_and(|expires| *expires > call.at);
    if !valid || !header_str(headers, "x-app-key").is_some_and(is_uuid_v4) {
        // The gateway's 401 has no documented body (csh.json: "Unauthorized").
        call.record(401, Outcome::Rejected, false);
        return Err(StatusCode::UNAUTHORIZED.into_response());
    }
    call.credential = Some(OHIP_CLIENT_ID.to_owned());
    if header_str(headers, "x-hotelid") != Some(HOTEL_CODE) || hotel_id != HOTEL_CODE {
        return Err(call.refuse(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "x-hotelid and the path must name a hotel of this integration",
        ));
    }
    let config = core.faults.config();
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(limit) = config.rate_limit {
        let key = format!("ohip#{bearer}");
        while let Err(wait) = core.limiter.check(&key, limit, Instant::now()) {
            tokio::time::sleep(wait.max(std::time::Duration::from_millis(1))).await;
        }
    }
    match core.faults.roll_request() {
        Verdict::Pass => Ok(()),
        Verdict::Throttle(wait) => {
            call.record(429, Outcome::Injected429, false);
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too Many Requests",
            );
            if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Err(response)
        }
        Verdict::ServerError => {
            call.record(503, Outcome::Injected5xx, false);
            Err(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Service Unavailable",
            ))
        }
    }
}

fn fail_response(call: &Call<'_>, fail: &Fail) -> Response {
    let status = match fail.code {
        "RESERVATION_NOT_FOUND" => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    call.refuse(status, fail.code, &fail.text)
}

/// A JSON amount (number or numeric string) as a decimal, from its text.
fn amount(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `POST /csh/v1/hotels/{hotelId}/reservations/{reservationId}/charges`.
pub(super) async fn post_charges(
    State(state): State<Arc<OperaState>>,
    Path((hotel_id, reservation)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut call = Call {
        state: &state,
        at: state::now(),
        path: format!("/csh/v1/hotels/{hotel_id}/reservations/{reservation}/charges"),
        credential: None,
        body: json!({
            "service": "OHIP",
            "operation": "postBillingCharges",
            "x-request-id": header_str(&headers, "x-request-id"),
            "request": parsed,
        }),
    };
    if let Err(response) = admit(&mut call, &headers, &hotel_id).await {
        return response;
    }
    let criteria = &parsed["criteria"];
    let charges = criteria["charges"].as_array().cloned().unwrap_or_default();
    if charges.is_empty() {
        return call.refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "criteria.charges is required",
        );
    }
    if criteria["reservationId"]["id"]
        .as_str()
        .is_some_and(|id| id != reservation)
    {
        return call.refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "criteria.reservationId does not match the path",
        );
    }
    let currency = state.core().read().property.currency.clone();
    let mut postings = Vec::new();
    for charge in &charges {
        let Some(code) = charge["transactionCode"].as_str() else {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "transactionCode is required",
            );
        };
        let quantity = charge["postingQuantity"].as_i64().unwrap_or(1);
        let Some(price) = amount(&charge["price"]["amount"]) else {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "INVALID_AMOUNT",
                "price.amount is required",
            );
        };
        if charge["price"]["currencyCode"]
            .as_str()
            .is_some_and(|c| c != currency)
        {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "INVALID_CURRENCY",
                "postings are in the hotel currency",
            );
        }
        let reference = charge["postingReference"].as_str().map(str::to_owned);
        if reference.as_ref().is_some_and(|r| r.chars().count() > 2000) {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "postingReference is longer than 2000",
            );
        }
        let line = Line {
            code,
            amount: price * Decimal::from(quantity),
            short_info: charge["postingRemark"].as_str(),
            reference: reference.clone(),
            consumed: None,
        };
        // Each charge of the request is all-or-nothing here; a multi-charge
        // request is not atomic (none of ours sends more than one).
        let ids = match post_line(&state, &reservation, line) {
            Ok((_, ids)) => ids,
            Err(fail) => return fail_response(&call, &fail),
        };
        let mut posted = state.ohip_charges.lock().unwrap_or_else(|p| p.into_inner());
        posted.extend(ids.iter().copied());
        drop(posted);
        let hotel = state.core().read();
        postings.extend(
            ids.iter()
                .filter_map(|id| hotel.charges.iter().find(|c| c.id == *id))
                .map(|c| summary_posting(&state, &hotel, c, true)),
        );
    }
    let hang = state.core().faults.roll_ambiguous();
    call.record(
        201,
        if hang.is_some() {
            Outcome::AmbiguousTimeout
        } else {
            Outcome::Served
        },
        true,
    );
    if let Some(hang) = hang {
        // Already applied; the answer arrives after the client gave up.
        tokio::time::sleep(hang).await;
    }
    let body = json!({ "postings": postings, "links": [] });
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A folio line as a `summaryPostingType`. Its `transactionNo` is the
/// line's position among the hotel's charges, offset like OPERA's numbers.
fn summary_posting(
    state: &OperaState,
    hotel: &crate::Hotel,
    charge: &crate::model::Charge,
    ohip: bool,
) -> Value {
    let number = hotel
        .charges
        .iter()
        .position(|c| c.id == charge.id)
        .map_or(0, |i| 50_000_000 + i as u64);
    let currency = hotel.property.currency.clone();
    // Amounts are JSON numbers: `summaryPostingType.transactionAmount` and
    // `currencyAmountType.amount` are `type: number` in csh.json (some of
    // Oracle's examples quote them; the schema is the contract). Written
    // from the decimal's own two-place text.
    let total = amount_number(charge.gross_total());
    let unit = amount_number(charge.unit_gross);
    let mut posting = json!({
        "transactionNo": number,
        "transactionCode": line_code(state, hotel, charge),
        "transactionDescription": charge.name.to_string(),
        "remark": charge.name.to_string(),
        "transactionAmount": total,
        "postedAmount": { "amount": total, "currencyCode": currency },
        "price": { "amount": unit, "currencyCode": currency },
        "quantity": charge.unit_count,
        "transactionDate": hotel.business_date(charge.consumed).format("%Y-%m-%d").to_string(),
    });
    if ohip && let Some(reference) = &charge.external_identifier {
        posting["reference"] = Value::String(reference.clone());
    }
    posting
}

/// A money amount as a JSON number with its two decimal places' value
/// (`12.50` → `12.5`: JSON numbers carry no scale).
fn amount_number(value: Decimal) -> Value {
    let text = format!("{:.2}", value.round_dp(2));
    serde_json::from_str::<serde_json::Number>(&text).map_or(Value::Null, Value::Number)
}

/// Any other OHIP path (`/csh/...`, `/oauth/...`, or another OHIP module's
/// prefix) or method: the gateway's JSON `exceptionDetailType`, never the
/// OWS front's SOAP fault. 404 for a path the front does not serve, 405 for
/// a served path asked with another method.
pub(super) async fn not_served(
    State(state): State<Arc<OperaState>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Response {
    let path = uri.path().to_owned();
    let served = ["/oauth/v1/tokens", "/transactions", "/charges"]
        .iter()
        .any(|suffix| {
            path.ends_with(suffix) && (path.starts_with("/oauth/") || path.starts_with("/csh/v1/hotels/"))
        });
    let call = Call {
        state: &state,
        at: state::now(),
        path,
        credential: None,
        body: json!({ "service": "OHIP", "operation": null, "method": method.as_str() }),
    };
    if served {
        call.refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "the method is not allowed on this resource",
        )
    } else {
        call.refuse(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "the simulator's OHIP front does not serve this resource",
        )
    }
}

/// `GET /csh/v1/hotels/{hotelId}/transactions`.
pub(super) async fn transactions(
    State(state): State<Arc<OperaState>>,
    Path(hotel_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut call = Call {
        state: &state,
        at: state::now(),
        path: format!("/csh/v1/hotels/{hotel_id}/transactions"),
        credential: None,
        body: json!({ "service": "OHIP", "operation": "getGuestsTransactions", "query": query }),
    };
    if let Err(response) = admit(&mut call, &headers, &hotel_id).await {
        return response;
    }
    let Some(reservation) = query.get("reservationList") else {
        return call.refuse(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "reservationList is required",
        );
    };
    let wildcard = query.get("referenceNumberWildCard").filter(|w| !w.is_empty());
    let hotel = state.core().read();
    let Some((_, stay)) = reservation_at(&hotel, reservation) else {
        drop(hotel);
        return fail_response(
            &call,
            &Fail::new("RESERVATION_NOT_FOUND", "Reservation not found."),
        );
    };
    let ohip = state
        .ohip_charges
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let postings: Vec<Value> = hotel
        .charges_of_stay(stay.id)
        .filter(|c| c.canceled.is_none())
        .map(|c| summary_posting(&state, &hotel, c, ohip.contains(&c.id)))
        .filter(|p| wildcard.is_none_or(|w| p["reference"].as_str().is_some_and(|r| r.contains(w.as_str()))))
        .collect();
    drop(hotel);
    call.record(200, Outcome::Served, false);
    if postings.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let body = json!({
        "reservationFolioInformation": [{
            "reservationInfo": { "reservationIdList": [{ "id": reservation, "type": "Reservation" }], "hotelId": HOTEL_CODE },
            "folioWindows": [{ "folioWindowNo": 1, "folios": [{ "postings": postings }] }],
        }],
        "links": [],
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `GET /ent/config/v1/hotels/{hotelId}/operaContext` (`getOperaHotelContext`,
/// `entcfg.json` of oracle/hospitality-api-docs @ 335587b): the hotel's
/// context, `operaHotelContextDetails{hotelContext{hotelId, hotelName,
/// businessDate, countryMode, languageCode, currencyCode, checkInTime,
/// checkOutTime, timezone, chainCode}, links}`, from the simulated property.
pub(super) async fn opera_context(
    State(state): State<Arc<OperaState>>,
    Path(hotel_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut call = Call {
        state: &state,
        at: state::now(),
        path: format!("/ent/config/v1/hotels/{hotel_id}/operaContext"),
        credential: None,
        body: json!({ "service": "OHIP", "operation": "getOperaHotelContext" }),
    };
    if let Err(response) = admit(&mut call, &headers, &hotel_id).await {
        return response;
    }
    let hotel = state.core().read();
    let p = &hotel.property;
    let body = json!({
        "hotelContext": {
            "hotelId": HOTEL_CODE,
            "hotelName": p.name,
            "businessDate": hotel.business_date(call.at).format("%Y-%m-%d").to_string(),
            "countryMode": "DE",
            "languageCode": "E",
            "currencyCode": p.currency,
            "timezone": p.time_zone.name(),
            "chainCode": "SIM",
        },
        "links": [],
    });
    drop(hotel);
    call.record(200, Outcome::Served, false);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn app_keys_must_be_lower_case_uuid_v4() {
        assert!(is_uuid_v4("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
        assert!(!is_uuid_v4("3fa85f64-5717-1562-b3fc-2c963f66afa6"));
        assert!(!is_uuid_v4("3fa85f6457174562b3fc2c963f66afa6"));
    }
}
