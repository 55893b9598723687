//! Reservations decoded from their text, for [`crate::CloudbedsDecoder`] and
//! the client.
//!
//! A `getReservations` page is split into one `&RawValue` per row (no
//! `serde_json::Value` tree is built), each row is decoded into its wire type
//! once, mapped, and kept as redacted text ([`RedactedJson::from_text`]).
//! Anything unusual (a row that does not decode or map, `success` not true,
//! text a `Value` would refuse) answers [`Unusual`] and the caller runs its
//! tree path over the same bytes instead: that path names the failing JSON
//! path, and its result, records or error, is what callers always got.

use pms_core::Reservation;
use serde_json::value::RawValue;

use crate::map::{self, MapContext};
use crate::redact::RedactedJson;
use crate::wire::Envelope;
use crate::wire::reservation::{ReservationDetail, ReservationListItem};

/// The text path cannot vouch for this payload; use the tree path.
#[derive(Debug)]
pub(crate) struct Unusual;

/// A `getReservations` body with each row still as text.
pub(crate) fn page(body: &[u8]) -> Result<Envelope<Vec<&RawValue>>, Unusual> {
    serde_json::from_slice(body).map_err(|_| Unusual)
}

/// A `getReservation` body with its `data` still as text.
pub(crate) fn single(body: &[u8]) -> Result<Envelope<&RawValue>, Unusual> {
    serde_json::from_slice(body).map_err(|_| Unusual)
}

/// `getReservations.data[]` rows to records, in order.
pub(crate) fn rows(rows: &[&RawValue], ctx: &MapContext) -> Result<Vec<Reservation>, Unusual> {
    // Sized up front: a collected `Result` iterator grows by doubling, and
    // moving the large records cost as much as mapping them.
    let mut out = Vec::with_capacity(rows.len());
    for (i, raw) in rows.iter().enumerate() {
        let item: ReservationListItem = serde_json::from_str(raw.get()).map_err(|_| Unusual)?;
        let kept = RedactedJson::from_text(raw).map_err(|_| Unusual)?;
        out.push(map::reservation_list_item(&item, i, Some(kept), ctx).map_err(|_| Unusual)?);
    }
    Ok(out)
}

/// `getReservation.data` to a record.
pub(crate) fn detail(raw: &RawValue, ctx: &MapContext) -> Result<Reservation, Unusual> {
    let detail: ReservationDetail = serde_json::from_str(raw.get()).map_err(|_| Unusual)?;
    let kept = RedactedJson::from_text(raw).map_err(|_| Unusual)?;
    map::reservation_detail(&detail, Some(kept), ctx).map_err(|_| Unusual)
}

#[cfg(test)]
mod tests;
