//! Value formats shared by every method.
//!
//! Tech specs (developers.cloudbeds.com/reference/tech-specs, vendor notes
//! §6): "Date: YYYY-MM-DD - Time: HH:MM:SS - DateTime: YYYY-MM-DD HH:MM:SS",
//! zone-less and property-local (the `...UTC` siblings are UTC). Money is a
//! JSON number in `total`, `balance`, `amount` (a few fields are strings;
//! those call [`money_string`]).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use crate::model::ReservationState;
use crate::state::Hotel;

/// `YYYY-MM-DD HH:MM:SS` in the property's zone.
pub(crate) fn local_ts(hotel: &Hotel, at: DateTime<Utc>) -> String {
    at.with_timezone(&hotel.property.time_zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub(crate) fn utc_ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD`.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The property-local date of an instant.
pub(crate) fn local_date(hotel: &Hotel, at: DateTime<Utc>) -> String {
    date(hotel.business_date(at))
}

/// A money amount as a JSON number, rounded to cents first so the float
/// carrier prints the decimal exactly (e.g. `3908.28`).
pub(crate) fn money(amount: Decimal) -> Value {
    amount
        .round_dp(2)
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// A money amount as a string with two decimals (`roomTotal`, `suggestedDeposit`).
pub(crate) fn money_string(amount: Decimal) -> String {
    let mut a = amount.round_dp(2);
    a.rescale(2);
    a.to_string()
}

/// The reservation `status` enum (`not_confirmed, confirmed, canceled,
/// checked_in, checked_out, no_show`, spec `GetReservationsResponse`).
/// `no_show` is held by the front (the shared hotel has no such state).
pub(crate) fn status(state: ReservationState, no_show: bool) -> &'static str {
    match state {
        ReservationState::Inquired | ReservationState::Optional => "not_confirmed",
        ReservationState::Confirmed => "confirmed",
        ReservationState::Started => "checked_in",
        ReservationState::Processed => "checked_out",
        ReservationState::Canceled if no_show => "no_show",
        ReservationState::Canceled => "canceled",
    }
}
