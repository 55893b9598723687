//! Reading rows: [`Cols`], typed reads through the [`Dialect`].

use chrono::{DateTime, Utc};
use pms_core::{HotelId, RequestId};

use super::{Dialect, corrupt};
use crate::SyncError;

/// The columns of one row of `what` (for errors): each read is typed, and
/// anything unreadable (wrong type, NULL where a value must be, out of
/// range) is [`SyncError::Corrupt`].
pub(crate) struct Cols<'r, D: Dialect> {
    row: &'r D::Row,
    what: &'static str,
}

impl<'r, D: Dialect> Cols<'r, D> {
    /// The columns of `row`, a `what`.
    pub(crate) fn of(row: &'r D::Row, what: &'static str) -> Self {
        Cols { row, what }
    }

    fn some<T>(&self, column: &'static str, read: Result<Option<T>, &'static str>) -> Result<T, SyncError> {
        self.maybe(read)?.ok_or_else(|| corrupt(self.what, column))
    }

    fn maybe<T>(&self, read: Result<Option<T>, &'static str>) -> Result<Option<T>, SyncError> {
        read.map_err(|label| corrupt(self.what, label))
    }

    /// A text.
    pub(crate) fn text(&self, column: &'static str) -> Result<String, SyncError> {
        self.some(column, D::read_text(self.row, column))
    }

    /// A text or NULL.
    pub(crate) fn opt_text(&self, column: &'static str) -> Result<Option<String>, SyncError> {
        self.maybe(D::read_text(self.row, column))
    }

    /// An integer.
    pub(crate) fn int(&self, column: &'static str) -> Result<i64, SyncError> {
        self.some(column, D::read_int(self.row, column))
    }

    /// A count that must fit a `u32` (attempts).
    pub(crate) fn count(&self, column: &'static str) -> Result<u32, SyncError> {
        u32::try_from(self.int(column)?).map_err(|_| corrupt(self.what, column))
    }

    /// A count that must not be negative.
    pub(crate) fn total(&self, column: &'static str) -> Result<u64, SyncError> {
        u64::try_from(self.int(column)?).map_err(|_| corrupt(self.what, column))
    }

    /// Bytes.
    pub(crate) fn bytes(&self, column: &'static str) -> Result<Vec<u8>, SyncError> {
        self.some(column, D::read_bytes(self.row, column))
    }

    /// A boolean.
    pub(crate) fn flag(&self, column: &'static str) -> Result<bool, SyncError> {
        self.some(column, D::read_flag(self.row, column))
    }

    /// An instant.
    pub(crate) fn instant(&self, column: &'static str) -> Result<DateTime<Utc>, SyncError> {
        self.some(column, D::read_instant(self.row, column))
    }

    /// An instant or NULL.
    pub(crate) fn opt_instant(&self, column: &'static str) -> Result<Option<DateTime<Utc>>, SyncError> {
        self.maybe(D::read_instant(self.row, column))
    }

    /// A JSON value.
    pub(crate) fn json(&self, column: &'static str) -> Result<serde_json::Value, SyncError> {
        self.some(column, D::read_json(self.row, column))
    }

    /// A JSON value or NULL.
    pub(crate) fn opt_json(&self, column: &'static str) -> Result<Option<serde_json::Value>, SyncError> {
        self.maybe(D::read_json(self.row, column))
    }

    /// A request id.
    pub(crate) fn request_id(&self, column: &'static str) -> Result<RequestId, SyncError> {
        self.some(column, D::read_request_id(self.row, column))
    }

    /// A request id or NULL.
    pub(crate) fn opt_request_id(&self, column: &'static str) -> Result<Option<RequestId>, SyncError> {
        self.maybe(D::read_request_id(self.row, column))
    }

    /// A hotel id (the `hotel` column).
    pub(crate) fn hotel(&self) -> Result<HotelId, SyncError> {
        HotelId::new(self.text("hotel")?).map_err(|_| corrupt(self.what, "hotel"))
    }
}
