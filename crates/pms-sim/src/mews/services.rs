//! `services/getAll` (`operations/services.md`,
//! <https://docs.mews.com/connector-api/operations/services>): `Bookable`
//! services hold stays, `Additional` ones take `orders/add`; the hourly
//! `Bookable` services of the agenda come from `super::agenda`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::OpResult;
use super::agenda::{self, AgendaService};
use super::wire::{Limitation, check_len, cursor_key, decode, listed, paginate, ts};
use crate::model::ServiceKind;
use crate::server::SimCore;

/// A listed service: the model's, or one of the hourly agenda services.
enum Row<'a> {
    Model(&'a crate::model::Service),
    Agenda(&'a AgendaService),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAll {
    limitation: Limitation,
    #[serde(default)]
    service_ids: Option<Vec<Uuid>>,
}

pub(super) fn get_all(core: &SimCore, body: &Value) -> OpResult {
    let q: GetAll = decode(body)?;
    q.limitation.check()?;
    check_len("ServiceIds", q.service_ids.as_ref(), 1000)?;
    let hotel = core.read();
    let hourly = agenda::services(&hotel);
    let hourly_created = agenda::created(&hotel);
    let cursor = cursor_key(&q.limitation, |id| {
        hotel
            .service(id)
            .map(|s| (s.created, s.id))
            .or_else(|| hourly.iter().find(|s| s.id == id).map(|s| (hourly_created, s.id)))
    })?;
    let rows = hotel
        .services
        .iter()
        .filter(|s| listed(q.service_ids.as_ref(), s.id))
        .map(|s| ((s.created, s.id), Row::Model(s)))
        .chain(
            hourly
                .iter()
                .filter(|s| listed(q.service_ids.as_ref(), s.id))
                .map(|s| ((hourly_created, s.id), Row::Agenda(s))),
        )
        .collect();
    let (page, next) = paginate(rows, &q.limitation, cursor);
    let enterprise_id = hotel.property.id;
    let services: Vec<Value> = page
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let s = match row {
                Row::Model(s) => s,
                Row::Agenda(s) => return agenda::render_service(&hotel, s, i),
            };
            let data = match s.kind {
                // Check-in 15:00 / check-out 11:00 as offsets from the day,
                // in the `P0M0DT15H0M0S` form the docs show (serialization.md).
                ServiceKind::Bookable => json!({
                    "Discriminator": "Bookable",
                    "Value": { "StartOffset": "P0M0DT15H0M0S", "EndOffset": "P0M0DT11H0M0S", "OccupancyStartOffset": "P0M0DT15H0M0S", "OccupancyEndOffset": "P0M0DT11H0M0S", "TimeUnit": "Day", "TimeUnitPeriod": "Day" }
                }),
                // `Promotions` is required and not nullable (OpenAPI
                // `AdditionalServiceData`): all six flags, none promoted.
                ServiceKind::Additional => json!({
                    "Discriminator": "Additional",
                    "Value": { "Promotions": {
                        "BeforeCheckIn": false, "AfterCheckIn": false, "DuringStay": false,
                        "BeforeCheckOut": false, "AfterCheckOut": false, "DuringCheckOut": false
                    } }
                }),
            };
            json!({
                "Id": s.id,
                "EnterpriseId": enterprise_id,
                "IsActive": true,
                "Name": s.name,
                "Names": { "en-US": s.name },
                "Options": { "BillAsPackage": false },
                "Data": data,
                "ExternalIdentifier": null,
                "CreatedUtc": ts(s.created),
                "UpdatedUtc": ts(s.created),
                "Ordering": i
            })
        })
        .collect();
    Ok((json!({ "Services": services, "Cursor": next }), Vec::new()))
}
