//! [`AuditStore`] on any [`Backend`]: the append-only audit log (its
//! triggers, which refuse updates and deletes, are in the migrations).

use async_trait::async_trait;
use pms_core::HotelId;

use super::{Backend, Cols, Dialect, Sql, Stmt};
use crate::SyncError;
use crate::store::{AuditEntry, AuditFilter, AuditStore, NewAuditEntry};

macro_rules! audit_columns {
    () => {
        "seq, hotel, reservation, action, actor, request_id, details, at"
    };
}

static APPEND: Sql = Sql::new(
    "INSERT INTO audit (hotel, reservation, action, actor, request_id, details, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
);

/// One static statement: a NULL parameter switches its condition off.
static QUERY: Sql = Sql::new(concat!(
    "SELECT ",
    audit_columns!(),
    " FROM audit WHERE ($1::text IS NULL OR hotel = $1) \
     AND ($2::text IS NULL OR reservation = $2) AND ($3::text IS NULL OR action = $3) \
     AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) \
     ORDER BY at, seq LIMIT $6"
));

#[async_trait]
impl<B: Backend> AuditStore for B {
    async fn audit_append(&self, entry: &NewAuditEntry) -> Result<i64, SyncError> {
        let row = Stmt::<B::Db>::of(&APPEND)
            .text(entry.hotel.as_str())
            .opt_text(entry.reservation.as_deref())
            .text(&entry.action)
            .text(&entry.actor)
            .opt_request_id(entry.request_id)
            .json(&entry.details)
            .instant(entry.at)
            .fetch_one(self.pool())
            .await?;
        Cols::<B::Db>::of(&row, "audit entry").int("seq")
    }

    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, SyncError> {
        Stmt::<B::Db>::of(&QUERY)
            .opt_text(filter.hotel.as_ref().map(HotelId::as_str))
            .opt_text(filter.reservation.as_deref())
            .opt_text(filter.action.as_deref())
            .opt_instant(filter.from)
            .opt_instant(filter.until)
            .limit(filter.limit)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(audit_from_row::<B::Db>)
            .collect()
    }
}

fn audit_from_row<D: Dialect>(row: &D::Row) -> Result<AuditEntry, SyncError> {
    let cols = Cols::<D>::of(row, "audit entry");
    Ok(AuditEntry {
        seq: cols.int("seq")?,
        entry: NewAuditEntry {
            hotel: cols.hotel()?,
            reservation: cols.opt_text("reservation")?,
            action: cols.text("action")?,
            actor: cols.text("actor")?,
            request_id: cols.opt_request_id("request_id")?,
            details: cols.json("details")?,
            at: cols.instant("at")?,
        },
    })
}
