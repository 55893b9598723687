//! Recorded-shape agenda payloads (`fixtures/mews/agenda/`, see its README)
//! decoded into whole normalized agenda items, compared field by field with
//! items written out by hand.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, ExternalRef, GuestId, HotelId, PmsKind,
    ReservationId, VendorId,
};
use pretty_assertions::assert_eq;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/mews/agenda")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

fn mews(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
}

fn booking(
    id: &str,
    from: (u32, u32, u32),
    until: (u32, u32, u32),
    guest: &str,
    stay: Option<&str>,
    status: AgendaStatus,
) -> AgendaItem {
    let at = |(d, h, m): (u32, u32, u32)| Utc.with_ymd_and_hms(2023, 4, d, h, m, 0).unwrap();
    AgendaItem {
        id: AgendaItemId::derive(&hotel(), &mews(id)),
        external: Some(mews(id)),
        kind: AgendaKind::Spa,
        title: "Spa & Wellness".into(),
        starts_at: at(from),
        ends_at: at(until),
        location: None,
        guest: Some(GuestId::derive(&hotel(), &mews(guest))),
        reservation: stay.map(|s| ReservationId::derive(&hotel(), &mews(s))),
        status,
        source: AgendaSource::Pms(PmsKind::Mews),
    }
}

#[test]
fn hourly_service_reservations_become_agenda_items_linked_to_their_stay() {
    let items = pms_mews::decode_agenda(
        &hotel(),
        &fixture("services_getall.response.json"),
        &fixture("reservations_hourly.response.json"),
        &fixture("reservations_stays.response.json"),
    )
    .unwrap();
    let customer = "fadd5bb6-b428-45d5-94f8-fd0d89fece6d";
    let stay = "0f515589-99b4-423d-b83a-b237009f0509";
    assert_eq!(
        items,
        vec![
            booking(
                "b3f1e2a4-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
                (24, 9, 0),
                (24, 10, 0),
                customer,
                Some(stay),
                AgendaStatus::Confirmed,
            ),
            booking(
                "c4a2f3b5-6d7e-4f80-9b0c-1d2e3f4a5b6c",
                (24, 15, 30),
                (24, 16, 30),
                customer,
                Some(stay),
                AgendaStatus::NoShow,
            ),
            // Another customer, no stay of theirs in the answer: no stay link.
            booking(
                "d5b3a4c6-7e8f-4091-8c1d-2e3f4a5b6c7d",
                (26, 9, 0),
                (26, 10, 30),
                "e465c031-fd99-4546-8c70-abcf0029c249",
                None,
                AgendaStatus::Requested,
            ),
        ]
    );
}

#[test]
fn stays_and_unknown_services_are_not_agenda_items() {
    // The stay answer as "bookings": its service is the daily one, so nothing.
    let items = pms_mews::decode_agenda(
        &hotel(),
        &fixture("services_getall.response.json"),
        &fixture("reservations_stays.response.json"),
        &fixture("reservations_stays.response.json"),
    )
    .unwrap();
    assert_eq!(items, vec![]);
}

#[test]
fn a_booking_that_ends_before_it_starts_is_a_decode_error() {
    let bookings = String::from_utf8(fixture("reservations_hourly.response.json"))
        .unwrap()
        .replace(
            "\"ScheduledEndUtc\": \"2023-04-24T10:00:00Z\"",
            "\"ScheduledEndUtc\": \"2023-04-24T08:00:00Z\"",
        );
    let err = pms_mews::decode_agenda(
        &hotel(),
        &fixture("services_getall.response.json"),
        bookings.as_bytes(),
        &fixture("reservations_stays.response.json"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), pms_core::ErrorKind::Decode, "{err}");
}
