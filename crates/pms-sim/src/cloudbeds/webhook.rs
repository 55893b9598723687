//! Cloudbeds webhook bodies (vendor notes §7.2, §7.3): one POST per event,
//! thin JSON with `version` `"1.0"`, `event` `object/action`, `timestamp`
//! (UNIX seconds with microseconds, a JSON number) and ids. Id casing varies
//! by event, and each numeric id comes with a `*_str` twin, exactly as in the
//! captures; nothing is signed and there is no delivery id.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::error::CbError;
use super::ids::CloudbedsIds;
use super::params::Params;
use super::reservations::check_property;
use super::{Front, OpResult, Reply};
use crate::state::Hotel;

/// `timestamp`: seconds with six decimals, e.g. `1766005381.816514`.
fn timestamp(at: DateTime<Utc>) -> Value {
    let micros = at.timestamp_micros();
    let seconds = micros as f64 / 1_000_000.0;
    serde_json::Number::from_f64(seconds).map_or(Value::Null, Value::Number)
}

fn property(hotel: &Hotel) -> (Value, String) {
    let id = CloudbedsIds::property_id(hotel);
    let number = id.parse::<u64>().map_or(Value::Null, Value::from);
    (number, id)
}

/// `reservation/status_changed` (Pipedream test event, a real capture):
/// `reservationID, propertyID, propertyID_str, status, actor {type, id}`.
pub(crate) fn status_changed(hotel: &Hotel, reservation_id: &str, status: &str, at: DateTime<Utc>) -> Value {
    let (property_id, property_str) = property(hotel);
    json!({
        "version": "1.0",
        "event": "reservation/status_changed",
        "timestamp": timestamp(at),
        "reservationID": reservation_id,
        "propertyID": property_id,
        "propertyID_str": property_str,
        "status": status,
        // The API key's user; the simulator has one.
        "actor": { "type": "user", "id": "1" }
    })
}

/// `housekeeping/room_condition_changed` (secondary catalog only, vendor
/// notes §7.2, §12.11): `propertyId`, `roomId`, `condition` (not `roomCondition`).
pub(crate) fn room_condition_changed(
    hotel: &Hotel,
    room_id: &str,
    condition: &str,
    at: DateTime<Utc>,
) -> Value {
    let (property_id, property_str) = property(hotel);
    json!({
        "version": "1.0",
        "event": "housekeeping/room_condition_changed",
        "timestamp": timestamp(at),
        "propertyId": property_id,
        "propertyId_str": property_str,
        "roomId": room_id,
        "condition": condition
    })
}

/// `reservation/accommodation_changed` (secondary catalog only, vendor notes
/// §7.2): `propertyId`, `reservationId`, `subReservationId`, `roomId`,
/// `roomIdPrev` (empty when there was none / when unassigned).
pub(crate) fn accommodation_changed(
    hotel: &Hotel,
    reservation_id: &str,
    room_id: &str,
    previous_room_id: &str,
    at: DateTime<Utc>,
) -> Value {
    let (property_id, property_str) = property(hotel);
    json!({
        "version": "1.0",
        "event": "reservation/accommodation_changed",
        "timestamp": timestamp(at),
        "propertyId": property_id,
        "propertyId_str": property_str,
        "reservationId": reservation_id,
        "subReservationId": reservation_id,
        "roomId": room_id,
        "roomIdPrev": previous_room_id
    })
}

/// `accounting/transaction` (Pipedream test event): `propertyId` as a
/// string, `internalTransactionCode, serviceDate, transactionDateTime`
/// (zone-less, `T`-separated), `transactionId, parentTransactionId`, and **no
/// `timestamp`**.
pub(crate) fn accounting_transaction(
    hotel: &Hotel,
    transaction_id: &str,
    parent_id: Option<&str>,
    code: &str,
    at: DateTime<Utc>,
) -> Value {
    json!({
        "version": "1.0",
        "event": "accounting/transaction",
        "propertyId": CloudbedsIds::property_id(hotel),
        "internalTransactionCode": code,
        "serviceDate": super::render::local_date(hotel, at),
        "transactionDateTime": at.with_timezone(&hotel.property.time_zone).format("%Y-%m-%dT%H:%M:%S").to_string(),
        "transactionId": transaction_id,
        "parentTransactionId": parent_id
    })
}

/// One `postWebhook` subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    id: String,
    object: String,
    action: String,
    endpoint: String,
    /// `authHeaderName`, when subscribed with one (its value is never listed).
    auth_header: Option<String>,
}

/// The events a write produced that a subscription asks for. With no
/// subscription at all every event goes to the receiver registered through
/// [`crate::Webhooks::register`] (test setup); once `postWebhook` was used,
/// only subscribed `object/action` pairs are sent.
pub(crate) fn subscribed(front: &Front, events: Vec<Value>) -> Vec<Value> {
    let local = front.local();
    if local.subscriptions.is_empty() {
        return events;
    }
    events
        .into_iter()
        .filter(|e| {
            let name = e.get("event").and_then(Value::as_str).unwrap_or_default();
            local
                .subscriptions
                .iter()
                .any(|s| name.split_once('/') == Some((s.object.as_str(), s.action.as_str())))
        })
        .collect()
}

/// `POST /postWebhook` (form: `object`, `action`, `endpointUrl`, optional
/// `propertyID`, and in SDK `cloudbeds-pms-v1-3` 1.19.0 `authHeaderName` /
/// `authHeaderValue`, "HTTP header sent with every delivery ... Requires
/// `authHeaderValue`" and the reverse): answers `data: {subscriptionID}`
/// (spec `PostWebhookResponse`). The simulator's sender has one receiver,
/// so the newest subscription's endpoint (and header) receives every
/// subscribed event; without a header, a `Token` query parameter already in
/// the URL is kept as the sender's token.
pub(crate) fn post_webhook(front: &Front, params: &Params) -> OpResult {
    let object = params.required("object")?.to_owned();
    let action = params.required("action")?.to_owned();
    let endpoint = params.required("endpointUrl")?.to_owned();
    let url = url::Url::parse(&endpoint)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| CbError::invalid("endpointUrl", "must be an absolute http(s) URL"))?;
    // Listed as subscribed (HTTP header names are case-insensitive on the wire).
    let auth_header = params.get("authHeaderName").map(str::to_owned);
    let header = match (params.get("authHeaderName"), params.get("authHeaderValue")) {
        (None, None) => None,
        (Some(name), Some(value)) => {
            let name = axum::http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CbError::invalid("authHeaderName", "is not an HTTP header name"))?;
            let value = axum::http::HeaderValue::from_str(value)
                .map_err(|_| CbError::invalid("authHeaderValue", "is not an HTTP header value"))?;
            Some((name, value))
        }
        (Some(_), None) => return Err(CbError::required("authHeaderValue")),
        (None, Some(_)) => return Err(CbError::required("authHeaderName")),
    };
    {
        let hotel = front.core.read();
        check_property(&hotel, params, "propertyID")?;
    }
    match header {
        Some((name, value)) => front
            .core
            .webhooks
            .register_with_header(url.as_str(), name, value)
            .map_err(|e| CbError::invalid("endpointUrl", e))?,
        None => {
            let token = url
                .query_pairs()
                .find(|(k, _)| k == "Token")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let mut bare = url.clone();
            let rest: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "Token")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            bare.set_query(None);
            if !rest.is_empty() {
                bare.query_pairs_mut().extend_pairs(rest);
            }
            front
                .core
                .webhooks
                .register(bare.as_str(), &token)
                .map_err(|e| CbError::invalid("endpointUrl", e))?;
        }
    }
    let mut local = front.local();
    local.next_subscription += 1;
    let id = (7_000_000 + local.next_subscription).to_string();
    local.subscriptions.push(Subscription {
        id: id.clone(),
        object,
        action,
        endpoint,
        auth_header,
    });
    Ok(Reply::write(
        json!({ "success": true, "data": { "subscriptionID": id } }),
        Vec::new(),
    ))
}

/// `GET /getWebhooks`: `data[]` of `{id, event: {entity, action}, key: {type,
/// id}, owner: {type, id}, subscriptionType, subscriptionData: {endpoint}}`,
/// plus `authHeader: {name}` for subscriptions made with one.
pub(crate) fn get_webhooks(front: &Front, params: &Params) -> OpResult {
    let property = {
        let hotel = front.core.read();
        check_property(&hotel, params, "propertyID")?;
        CloudbedsIds::property_id(&hotel)
    };
    let data: Vec<Value> = front
        .local()
        .subscriptions
        .iter()
        .map(|s| {
            let mut item = json!({
                "id": s.id,
                "event": { "entity": s.object, "action": s.action },
                "key": { "type": "property", "id": property },
                "owner": { "type": "property", "id": property },
                "subscriptionType": "webhook",
                "subscriptionData": { "endpoint": s.endpoint }
            });
            // "Present only when the subscription was registered with an auth
            // header" (SDK 1.19.0 `GetWebhooksResponseDataInnerAuthHeader`).
            if let (Some(name), Some(object)) = (&s.auth_header, item.as_object_mut()) {
                object.insert("authHeader".into(), json!({ "name": name }));
            }
            item
        })
        .collect();
    Ok(Reply::read(json!({ "success": true, "data": data })))
}

/// `DELETE /deleteWebhook?subscriptionID=...`. The last subscription gone,
/// the receiver is unregistered.
pub(crate) fn delete_webhook(front: &Front, params: &Params) -> OpResult {
    let id = params.required("subscriptionID")?;
    let mut local = front.local();
    let before = local.subscriptions.len();
    local.subscriptions.retain(|s| s.id != id);
    if local.subscriptions.len() == before {
        return Err(CbError::business(format!("Subscription {id} not found")));
    }
    if local.subscriptions.is_empty() {
        front.core.webhooks.unregister();
    }
    Ok(Reply::write(json!({ "success": true }), Vec::new()))
}
