//! Cloudbeds webhook bodies (vendor notes §7.2, §7.3): one POST per event,
//! thin JSON with `version` `"1.0"`, `event` `object/action`, `timestamp`
//! (UNIX seconds with microseconds, a JSON number) and ids. Id casing varies
//! by event, and each numeric id comes with a `*_str` twin, exactly as in the
//! captures; nothing is signed and there is no delivery id.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::ids::CloudbedsIds;
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
