//! `reservations/getAll` pages handed out one reservation at a time, for
//! [`crate::MewsDecoder`]'s `decode_each` (`pms decode` of a large page).
//!
//! The page is split into one `&RawValue` per reservation (no tree, no
//! wire values held), then each is decoded, mapped and handed out before
//! the next is read: memory is the body plus one record. The records equal
//! `decode`'s. Errors name the same paths; when a payload has several bad
//! reservations, the first in page order is reported (`decode` decodes
//! every wire value before mapping any, so it may name a later one).

use pms_core::{Error, PmsKind, Record, RecordSink};
use serde_json::value::RawValue;

use crate::error::MewsError;
use crate::map::{self, MapContext};
use crate::wire::reservations::Reservation;

/// The page as the client's reader splits it (a `Cursor` of another type
/// is refused alike).
#[derive(serde::Deserialize)]
struct Page<'a> {
    #[serde(rename = "Reservations", borrow, default)]
    reservations: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Cursor", default)]
    #[allow(dead_code)] // read for its type check only
    cursor: Option<String>,
}

/// Hands every reservation of a `reservations/getAll` page to `sink`.
pub(crate) fn reservations(body: &[u8], ctx: &MapContext, sink: &mut RecordSink<'_>) -> Result<(), Error> {
    let page: Page<'_> = decode(body, "")?;
    let rows = page.reservations.ok_or_else(|| {
        Error::decode(
            PmsKind::Mews,
            "$.Reservations",
            "missing: not a response of this kind",
        )
    })?;
    for (i, raw) in rows.iter().enumerate() {
        let path = format!("Reservations[{i}]");
        let wire: Reservation = decode(raw.get().as_bytes(), &path)?;
        let record = map::reservation(&wire, Some((*raw).into()), ctx, &path)?;
        sink(Record::Reservation(&record))?;
    }
    Ok(())
}

/// Decodes without tracking the path; only a failure is decoded again to
/// name the failing path under `prefix` (as the client's reader does).
fn decode<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8], prefix: &str) -> Result<T, Error> {
    serde_json::from_slice(bytes).or_else(|_| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(&mut de).map_err(|e| MewsError::from_path_error(prefix, e).into())
    })
}
