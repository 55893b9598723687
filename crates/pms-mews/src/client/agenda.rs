//! Agenda: bookings Mews manages beside stays (spa treatments, restaurant
//! tables, activities) as [`AgendaItem`]s.
//!
//! Mews models them as reservations of **hourly bookable services**:
//! `services/getAll` gives each service's `Data` coproduct; a `Bookable`
//! service's `Value.TimeUnitPeriod` is `Day`, `Month` or `Hour` ("the length of
//! time ... for which the service can be booked"; OpenAPI `BookableServiceData`,
//! <https://docs.mews.com/connector-api/operations/services>). Stays are the
//! `Day`/`Month` services; `Hour` services hold the agenda bookings, read with
//! `reservations/getAll/2023-06-06` filtered by `ServiceIds` and
//! `ScheduledStartUtc` (max 3 months per window, like every time filter;
//! <https://docs.mews.com/connector-api/operations/reservations>).
//!
//! Mapping (no field of the booking names "its" stay, so it is derived):
//! - id: the reservation `Id`; kind and title from the service's `Name`
//!   (spa / dining / activity by keyword, otherwise `Other(name)`);
//! - guest: the owner `AccountId` when `AccountType` is `Customer`;
//! - stay: the same customer's reservation of a stay service whose scheduled
//!   interval contains the booking's start (one `reservations/getAll` with
//!   `AccountIds`, `ServiceIds` and `CollidingUtc` per window), preferring one of
//!   the same reservation group (`GroupId`);
//! - status: `Confirmed`/`Started` → confirmed, `Processed` → completed,
//!   `Canceled` → cancelled (`CancellationReason` `NoShow` → no-show),
//!   `Inquired`/`Optional`/`Requested` → requested, anything else verbatim.
//!
//! The stay listings of this client (`arrivals`, `departures`,
//! `reservations_modified`, single reads) send the stay services
//! ([`stay_service_ids`]) as `ServiceIds`: without them Mews answers
//! reservations of "all bookable services", these bookings included.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, DateRange, Error, ExternalRef, GuestId,
    HotelId, PmsKind, ReservationId, VendorId,
};

use super::{MAX_FILTER_IDS, MewsClient, decode, local_midnight_utc, split_window};
use crate::wire::reservations::{
    AccountType, GetAllReservations, Reservation, ReservationsPage, ServiceOrderState,
};
use crate::wire::services::{Service, ServiceDataDiscriminator, ServicesPage};

/// The bookable services, split by time unit.
#[derive(Debug, Default)]
struct BookableServices<'a> {
    /// Active `Hour` services by id: the agenda.
    hourly: BTreeMap<&'a str, &'a Service>,
    /// `Day` / `Month` services: stays (see [`stay_service_ids`]).
    stays: Vec<String>,
}

/// A `Bookable` service's time unit: `Data.Value.TimeUnitPeriod` (or the
/// deprecated `TimeUnit`); `None` for `Additional` services.
fn bookable_unit(service: &Service) -> Option<Option<&str>> {
    let data = service.data.as_ref()?;
    if data.discriminator != ServiceDataDiscriminator::Bookable {
        return None;
    }
    Some(
        data.value
            .as_ref()
            .and_then(|v| v.get("TimeUnitPeriod").or_else(|| v.get("TimeUnit")))
            .and_then(|v| v.as_str()),
    )
}

/// The services whose reservations are stays: every `Bookable` service whose
/// `TimeUnitPeriod` is not `Hour`. The documented periods are `Day`, `Month`
/// and `Hour` (`operations/services.md#time-unit-period`); a `Day` service is
/// "a hotel room stay for a specified number of days or ... nights"
/// (<https://docs.mews.com/connector-api/concepts/time-units>). An unknown or
/// missing period counts as a stay, so no stay is ever dropped; inactive
/// services count too, since their past reservations still change.
pub(crate) fn stay_service_ids(services: &[Service]) -> Vec<String> {
    let mut ids: Vec<String> = services
        .iter()
        .filter(|s| bookable_unit(s).is_some_and(|unit| unit != Some("Hour")))
        .map(|s| s.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn bookable(services: &[Service]) -> BookableServices<'_> {
    let hourly = services
        .iter()
        .filter(|s| s.is_active != Some(false) && bookable_unit(s) == Some(Some("Hour")))
        .map(|s| (s.id.as_str(), s))
        .collect();
    BookableServices {
        hourly,
        stays: stay_service_ids(services),
    }
}

/// The kind of booking a service holds, from its name.
fn kind_of(name: &str) -> AgendaKind {
    let lower = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&["spa", "wellness", "massage", "sauna", "treatment", "beauty"]) {
        AgendaKind::Spa
    } else if has(&[
        "restaurant",
        "dining",
        "dinner",
        "lunch",
        "breakfast",
        "brunch",
        "table",
    ]) {
        AgendaKind::Dining
    } else if has(&["activit", "tour", "excursion", "golf", "tennis", "class", "walk"]) {
        AgendaKind::Activity
    } else {
        AgendaKind::Other(name.to_owned())
    }
}

fn status_of(reservation: &Reservation) -> AgendaStatus {
    match &reservation.state {
        ServiceOrderState::Confirmed | ServiceOrderState::Started => AgendaStatus::Confirmed,
        ServiceOrderState::Processed => AgendaStatus::Completed,
        ServiceOrderState::Canceled if reservation.cancellation_reason.as_deref() == Some("NoShow") => {
            AgendaStatus::NoShow
        }
        ServiceOrderState::Canceled => AgendaStatus::Cancelled,
        ServiceOrderState::Inquired | ServiceOrderState::Optional | ServiceOrderState::Requested => {
            AgendaStatus::Requested
        }
        ServiceOrderState::Unknown(other) => AgendaStatus::Other(other.clone()),
    }
}

fn mews_ref(id: &str, path: &str) -> Result<ExternalRef, Error> {
    VendorId::new(id)
        .map(|id| ExternalRef::new(PmsKind::Mews, id))
        .map_err(|_| Error::decode(PmsKind::Mews, path, "empty id"))
}

fn customer(reservation: &Reservation) -> Option<&str> {
    match reservation.account_type {
        None | Some(AccountType::Customer) => reservation.account_id.as_deref(),
        Some(_) => None,
    }
}

/// The stay a booking belongs to: the same customer's stay whose scheduled
/// interval holds the booking's start, one of the same group first.
fn stay_of<'a>(booking: &Reservation, stays: &'a [Reservation]) -> Option<&'a Reservation> {
    let owner = customer(booking)?;
    let start = booking.scheduled_start_utc;
    let candidates = stays.iter().filter(|s| {
        customer(s) == Some(owner)
            && s.state != ServiceOrderState::Canceled
            && s.scheduled_start_utc <= start
            && start < s.scheduled_end_utc
    });
    let mut best: Option<&Reservation> = None;
    for stay in candidates {
        let same_group = booking.group_id.is_some() && stay.group_id == booking.group_id;
        let best_same_group =
            best.is_some_and(|b| booking.group_id.is_some() && b.group_id == booking.group_id);
        if best.is_none() || (same_group && !best_same_group) {
            best = Some(stay);
        }
    }
    best
}

/// Maps bookings of hourly services (with the services and the stays they
/// may belong to) into agenda items. Bookings of other services are skipped.
pub fn map_agenda(
    hotel: &HotelId,
    services: &[Service],
    bookings: &[Reservation],
    stays: &[Reservation],
) -> Result<Vec<AgendaItem>, Error> {
    let services = bookable(services);
    let mut out = Vec::with_capacity(bookings.len());
    for (i, booking) in bookings.iter().enumerate() {
        let path = format!("Reservations[{i}]");
        let Some(service) = booking
            .service_id
            .as_deref()
            .and_then(|id| services.hourly.get(id))
        else {
            continue;
        };
        if booking.scheduled_end_utc <= booking.scheduled_start_utc {
            return Err(Error::decode(
                PmsKind::Mews,
                format!("{path}.ScheduledEndUtc"),
                "not after ScheduledStartUtc",
            ));
        }
        let external = mews_ref(&booking.id, &format!("{path}.Id"))?;
        let name = service.name.clone().unwrap_or_else(|| service.id.clone());
        let guest = customer(booking)
            .map(|id| external_guest(hotel, id, &path))
            .transpose()?;
        let reservation = stay_of(booking, stays)
            .map(|stay| mews_ref(&stay.id, &format!("{path} stay")).map(|r| ReservationId::derive(hotel, &r)))
            .transpose()?;
        out.push(AgendaItem {
            id: AgendaItemId::derive(hotel, &external),
            external: Some(external),
            kind: kind_of(&name),
            title: name,
            starts_at: booking.scheduled_start_utc,
            ends_at: booking.scheduled_end_utc,
            location: None,
            guest,
            reservation,
            status: status_of(booking),
            source: AgendaSource::Pms(PmsKind::Mews),
        });
    }
    out.sort_by_key(|item| (item.starts_at, item.id));
    Ok(out)
}

fn external_guest(hotel: &HotelId, id: &str, path: &str) -> Result<GuestId, Error> {
    mews_ref(id, &format!("{path}.AccountId")).map(|g| GuestId::derive(hotel, &g))
}

/// Decodes recorded `services/getAll` and `reservations/getAll/2023-06-06`
/// answers (bookings, then the stays they may belong to) into agenda items,
/// as [`pms_core::PmsClient::agenda`] does with live answers.
pub fn decode_agenda(
    hotel: &HotelId,
    services: &[u8],
    bookings: &[u8],
    stays: &[u8],
) -> Result<Vec<AgendaItem>, Error> {
    let services: ServicesPage = decode(services)?;
    let bookings: ReservationsPage = decode(bookings)?;
    let stays: ReservationsPage = decode(stays)?;
    map_agenda(
        hotel,
        &services.services,
        &bookings.reservations,
        &stays.reservations,
    )
}

impl MewsClient {
    /// Every page of one agenda query (through [`MewsClient::all_pages`]: the
    /// request's `Limitation` is replaced page by page, and a repeated
    /// `Cursor` is an error rather than a silent end).
    async fn agenda_reservations(&self, request: GetAllReservations) -> Result<Vec<Reservation>, Error> {
        self.all_pages(
            "reservations/getAll/2023-06-06",
            |limitation| GetAllReservations {
                limitation: Some(limitation),
                ..request.clone()
            },
            |page: ReservationsPage| (page.reservations, page.cursor),
        )
        .await
    }

    /// The agenda for `range`: see the module documentation.
    pub(super) async fn agenda_items(&self, range: DateRange) -> Result<Vec<AgendaItem>, Error> {
        // `services()` also refreshes the client's stay-service cache.
        let services = self.services().await?;
        let split = bookable(&services);
        if split.hourly.is_empty() {
            return Ok(Vec::new());
        }
        let hourly: Vec<String> = split.hourly.keys().map(|id| (*id).to_owned()).collect();
        let stay_services = self.configured_stays.clone().unwrap_or(split.stays);
        let tz: Tz = self.config.time_zone;
        let start = local_midnight_utc(range.first, tz);
        let end = local_midnight_utc(range.last.succ_opt().unwrap_or(range.last), tz);
        let mut bookings = Vec::new();
        let mut stays = Vec::new();
        for window in split_window(start, end) {
            let found = self
                .agenda_reservations(GetAllReservations {
                    enterprise_ids: self.enterprise_ids(),
                    service_ids: Some(hourly.clone()),
                    scheduled_start_utc: Some(window),
                    ..GetAllReservations::default()
                })
                .await?;
            let accounts: BTreeSet<String> = found
                .iter()
                .filter_map(|r| customer(r).map(str::to_owned))
                .collect();
            let accounts: Vec<String> = accounts.into_iter().collect();
            if !stay_services.is_empty() {
                for chunk in accounts.chunks(MAX_FILTER_IDS) {
                    stays.extend(
                        self.agenda_reservations(GetAllReservations {
                            enterprise_ids: self.enterprise_ids(),
                            service_ids: Some(stay_services.clone()),
                            account_ids: Some(chunk.to_vec()),
                            colliding_utc: Some(window),
                            ..GetAllReservations::default()
                        })
                        .await?,
                    );
                }
            }
            bookings.extend(found);
        }
        let items = map_agenda(&self.config.hotel, &services, &bookings, &stays)?;
        // A window boundary is a UTC instant; the range is civil days.
        let within = |at: DateTime<Utc>| range.contains(at.with_timezone(&tz).date_naive());
        Ok(items.into_iter().filter(|i| within(i.starts_at)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_map_to_kinds_and_unknown_ones_stay_verbatim() {
        assert_eq!(kind_of("Spa & Wellness"), AgendaKind::Spa);
        assert_eq!(kind_of("Restaurant tables"), AgendaKind::Dining);
        assert_eq!(kind_of("Golf tee times"), AgendaKind::Activity);
        assert_eq!(kind_of("Parking"), AgendaKind::Other("Parking".into()));
    }
}
