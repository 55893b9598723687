//! The hotel's agenda (spa, dining, activities) as Mews holds it: one hourly
//! `Bookable` service per kind (`Data.Value.TimeUnitPeriod` `Hour`, OpenAPI
//! `BookableServiceData`), listed by `services/getAll` beside the model's
//! services, and each agenda item a reservation (ver 2023-06-06) of its
//! kind's service, owned by the guest (`AccountId`), in the stay's
//! reservation group (`GroupId`), returned by `reservations/getAll/2023-06-06`
//! to queries whose `ServiceIds` name that service and, like real Mews ("If
//! not provided, all bookable services are used"), to queries without
//! `ServiceIds`.
//! Sources: <https://docs.mews.com/connector-api/operations/services>,
//! <https://docs.mews.com/connector-api/operations/reservations>.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::wire::ts;
use crate::model::{AgendaItem, AgendaKind};
use crate::state::Hotel;

/// One hourly bookable service.
pub(super) struct AgendaService {
    pub(super) id: Uuid,
    pub(super) name: &'static str,
    pub(super) kind: AgendaKind,
}

/// The hourly services, with ids derived from the property (stable per hotel).
pub(super) fn services(hotel: &Hotel) -> Vec<AgendaService> {
    let seed = hotel.property.chain_id.as_u64_pair().0;
    [
        (AgendaKind::Spa, "Spa treatments", 10),
        (AgendaKind::Dining, "Restaurant tables", 11),
        (AgendaKind::Activity, "Activities", 12),
    ]
    .into_iter()
    .map(|(kind, name, n)| AgendaService {
        id: Uuid::from_u64_pair(seed, n),
        name,
        kind,
    })
    .collect()
}

/// The service an item is booked on.
pub(super) fn service_of(hotel: &Hotel, kind: AgendaKind) -> Uuid {
    services(hotel)
        .into_iter()
        .find(|s| s.kind == kind)
        .map_or(Uuid::nil(), |s| s.id)
}

/// When the hourly services were created: with the hotel's first service.
pub(super) fn created(hotel: &Hotel) -> DateTime<Utc> {
    hotel
        .services
        .iter()
        .map(|s| s.created)
        .min()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A `Service` of `services/getAll`.
pub(super) fn render_service(hotel: &Hotel, service: &AgendaService, ordering: usize) -> Value {
    json!({
        "Id": service.id,
        "EnterpriseId": hotel.property.id,
        "IsActive": true,
        "Name": service.name,
        "Names": { "en-US": service.name },
        "Options": { "BillAsPackage": false },
        "Data": {
            "Discriminator": "Bookable",
            "Value": {
                "StartOffset": "PT0S",
                "EndOffset": "PT0S",
                "OccupancyStartOffset": "PT0S",
                "OccupancyEndOffset": "PT0S",
                "TimeUnit": "Hour",
                "TimeUnitPeriod": "Hour"
            }
        },
        "ExternalIdentifier": null,
        "CreatedUtc": ts(created(hotel)),
        "UpdatedUtc": ts(created(hotel)),
        "Ordering": ordering
    })
}

/// A `Reservation (ver 2023-06-06)` for an agenda item.
pub(super) fn render_booking(hotel: &Hotel, item: &AgendaItem) -> Value {
    let stay = hotel.reservation(item.reservation_id);
    let seed = hotel.property.chain_id.as_u64_pair().0;
    let created = stay.map_or(item.starts, |s| s.created);
    let updated = stay.map_or(item.starts, |s| s.updated);
    json!({
        "Id": item.id,
        "ServiceId": service_of(hotel, item.kind),
        "AccountId": item.guest_id,
        "AccountType": "Customer",
        "CreatorProfileId": hotel.property.chain_id,
        "UpdaterProfileId": hotel.property.chain_id,
        "BookerId": null,
        "Number": (item.id.as_u64_pair().0 % 1_000_000).to_string(),
        "State": "Confirmed",
        "Origin": "Commander",
        "CommanderOrigin": "InPerson",
        "OriginDetails": null,
        "CreatedUtc": ts(created),
        "UpdatedUtc": ts(updated),
        "CancelledUtc": null,
        "VoucherId": null,
        "BusinessSegmentId": null,
        "Options": {
            "OwnerCheckedIn": false,
            "AllCompanionsCheckedIn": false,
            "AnyCompanionCheckedIn": false,
            "ConnectorCheckIn": false
        },
        "RateId": Uuid::from_u64_pair(seed, 13),
        "CreditCardId": null,
        "GroupId": stay.map(|s| s.group_id),
        "RequestedResourceCategoryId": Uuid::from_u64_pair(seed, 14),
        "AssignedResourceId": null,
        "AvailabilityBlockId": null,
        "PartnerCompanyId": null,
        "TravelAgencyId": null,
        "AssignedResourceLocked": false,
        "ChannelNumber": null,
        "ChannelManagerNumber": null,
        "CancellationReason": null,
        "ReleasedUtc": null,
        "StartUtc": ts(item.starts),
        "EndUtc": ts(item.ends),
        "ScheduledStartUtc": ts(item.starts),
        "ActualStartUtc": null,
        "ScheduledEndUtc": ts(item.ends),
        "ActualEndUtc": null,
        "Purpose": "Leisure",
        "QrCodeData": null,
        "PersonCounts": [{ "AgeCategoryId": Uuid::from_u64_pair(seed, 1), "Count": 1 }]
    })
}
