//! `getReservations` pages handed out one reservation at a time, for
//! [`crate::CloudbedsDecoder`]'s `decode_each` (`pms decode` of a large page).
//!
//! The page is split into one `&RawValue` per row over the original bytes
//! (no tree, no copy); each row is then taken the way [`crate::reservations`]
//! takes a page, but per row: redacted as text ([`redact_raw_text`]),
//! decoded from the redacted text and kept as it stands there; a row the
//! text path cannot vouch for is decoded as a tree, whose error names
//! `$.data[i]`. Both paths give the same record for a row (`reservations`
//! explains why), so the records equal `decode`'s. A page this path does not
//! take (not JSON, `success` not true, no `data` array) streams nothing and
//! answers `None`: the caller decodes the whole payload instead.
//!
//! Memory: the body, one `&RawValue` per row and one record (with its
//! redacted row).

use pms_core::{Record, RecordSink};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::CloudbedsError;
use crate::map::{self, MapContext};
use crate::redact::{RedactedJson, redact_raw_text};
use crate::wire::Envelope;
use crate::wire::reservation::ReservationListItem;

/// Hands every reservation of a `getReservations` page to `sink`; `None`
/// when the page is not one this path streams (nothing was handed out).
pub(crate) fn reservations(
    body: &[u8],
    ctx: &MapContext,
    sink: &mut RecordSink<'_>,
) -> Option<Result<(), pms_core::Error>> {
    let page: Envelope<Vec<&RawValue>> = serde_json::from_slice(body).ok()?;
    if page.success != Some(true) {
        return None;
    }
    let rows = page.data?;
    Some(each_row(&rows, ctx, sink))
}

fn each_row(rows: &[&RawValue], ctx: &MapContext, sink: &mut RecordSink<'_>) -> Result<(), pms_core::Error> {
    for (i, raw) in rows.iter().enumerate() {
        let record = match from_text(raw, i, ctx) {
            Some(record) => record,
            None => from_tree(raw, i, ctx)?,
        };
        sink(Record::Reservation(&record))?;
    }
    Ok(())
}

/// The text path of one row (as `reservations::page_of` maps a row of the
/// redacted page).
fn from_text(raw: &RawValue, index: usize, ctx: &MapContext) -> Option<pms_core::Reservation> {
    let redacted = RawValue::from_string(redact_raw_text(raw.get()).ok()?).ok()?;
    let item: ReservationListItem = serde_json::from_str(redacted.get()).ok()?;
    let kept = RedactedJson::from_redacted_text(&redacted);
    map::reservation_list_item(&item, index, Some(kept), ctx).ok()
}

/// The tree path of one row (as the decoder's tree path maps it).
fn from_tree(
    raw: &RawValue,
    index: usize,
    ctx: &MapContext,
) -> Result<pms_core::Reservation, CloudbedsError> {
    let path = format!("$.data[{index}]");
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let value: Value =
        serde_path_to_error::deserialize(&mut de).map_err(|e| CloudbedsError::from_path_error(&path, e))?;
    let item: ReservationListItem =
        serde_path_to_error::deserialize(&value).map_err(|e| CloudbedsError::from_path_error(&path, e))?;
    map::reservation_list_item(&item, index, RedactedJson::from_value(value.clone()), ctx)
}
