//! Reservations decoded from their text, for [`crate::CloudbedsDecoder`] and
//! the client.
//!
//! The body is redacted once as text ([`redact_raw_text`]), then split into
//! one `&RawValue` per row (no `serde_json::Value` tree is built); each row
//! is decoded into its wire type and kept as it stands in the redacted text.
//! The wire types read no personal key (`typed_fields_are_not_personal`), so
//! decoding the redacted row gives what the original gives.
//!
//! Anything unusual (a row that does not decode or map, text a `Value`
//! would refuse) answers [`Unusual`] and the caller runs its tree path over
//! the original bytes instead: that path names the failing JSON path, and
//! its result, records or error, is what callers always got.

use pms_core::Reservation;
use serde_json::value::RawValue;

use crate::map::{self, MapContext};
use crate::redact::{RedactedJson, redact_raw_text};
use crate::wire::Envelope;
use crate::wire::reservation::{ReservationDetail, ReservationListItem};

/// The text path cannot vouch for this payload; use the tree path.
#[derive(Debug)]
pub(crate) struct Unusual;

/// What a reservations answer held besides its records.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    /// `success`.
    pub(crate) success: Option<bool>,
    /// `total`.
    pub(crate) total: Option<u32>,
    /// `data`, mapped; `None` when absent or `null`.
    pub(crate) data: Option<T>,
}

/// The body as text, personal data redacted, for [`page_of`] and [`single_of`].
pub(crate) fn redacted(body: &[u8]) -> Result<String, Unusual> {
    let text = std::str::from_utf8(body).map_err(|_| Unusual)?;
    redact_raw_text(text).map_err(|_| Unusual)
}

/// A `getReservations` body (`data` an array) to records, in order.
pub(crate) fn page(body: &[u8], ctx: &MapContext) -> Result<Answer<Vec<Reservation>>, Unusual> {
    page_of(&redacted(body)?, ctx)
}

/// [`page`] of a body already [`redacted`].
pub(crate) fn page_of(text: &str, ctx: &MapContext) -> Result<Answer<Vec<Reservation>>, Unusual> {
    let envelope: Envelope<Vec<&RawValue>> = serde_json::from_str(text).map_err(|_| Unusual)?;
    let data = match envelope.data {
        Some(rows) => Some(map_rows(&rows, ctx)?),
        None => None,
    };
    Ok(Answer {
        success: envelope.success,
        total: envelope.total,
        data,
    })
}

/// A `getReservation` body (`data` one object) to a record.
pub(crate) fn single(body: &[u8], ctx: &MapContext) -> Result<Answer<Reservation>, Unusual> {
    single_of(&redacted(body)?, ctx)
}

/// [`single`] of a body already [`redacted`].
pub(crate) fn single_of(text: &str, ctx: &MapContext) -> Result<Answer<Reservation>, Unusual> {
    let envelope: Envelope<&RawValue> = serde_json::from_str(text).map_err(|_| Unusual)?;
    let data = match envelope.data {
        Some(raw) if raw.get().starts_with('{') => Some(map_detail(raw, ctx)?),
        Some(_) => return Err(Unusual),
        None => None,
    };
    Ok(Answer {
        success: envelope.success,
        total: envelope.total,
        data,
    })
}

/// Rows of a redacted body to records.
fn map_rows(rows: &[&RawValue], ctx: &MapContext) -> Result<Vec<Reservation>, Unusual> {
    // Sized up front: a collected `Result` iterator grows by doubling, and
    // moving the large records cost as much as mapping them.
    let mut out = Vec::with_capacity(rows.len());
    for (i, raw) in rows.iter().enumerate() {
        let item: ReservationListItem = serde_json::from_str(raw.get()).map_err(|_| Unusual)?;
        let kept = RedactedJson::from_redacted_text(raw);
        out.push(map::reservation_list_item(&item, i, Some(kept), ctx).map_err(|_| Unusual)?);
    }
    Ok(out)
}

/// The `data` of a redacted body to a record.
fn map_detail(raw: &RawValue, ctx: &MapContext) -> Result<Reservation, Unusual> {
    let detail: ReservationDetail = serde_json::from_str(raw.get()).map_err(|_| Unusual)?;
    let kept = RedactedJson::from_redacted_text(raw);
    map::reservation_detail(&detail, Some(kept), ctx).map_err(|_| Unusual)
}

#[cfg(test)]
mod tests;
