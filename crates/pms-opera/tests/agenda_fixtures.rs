//! The constructed package answer (`fixtures/opera/agenda/`, see its README)
//! decoded into whole agenda items, compared with items written out by hand.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, Currency, ExternalRef, GuestId,
    HotelId, PmsKind, ReservationId, VendorId,
};
use pms_opera::MapContext;
use pretty_assertions::assert_eq;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/opera/agenda")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ctx() -> MapContext {
    MapContext {
        hotel: HotelId::new("grand").unwrap(),
        time_zone: chrono_tz::Europe::Berlin,
        currency: Currency::EUR,
        keep_raw: false,
    }
}

fn opera(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Opera, VendorId::new(id).unwrap())
}

#[allow(clippy::too_many_arguments)]
fn item(
    id: &str,
    kind: AgendaKind,
    title: &str,
    from: (u32, u32, u32),
    until: (u32, u32, u32),
    guest: Option<&str>,
    stay: &str,
    status: AgendaStatus,
) -> AgendaItem {
    let hotel = ctx().hotel;
    let at = |(d, h, m): (u32, u32, u32)| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();
    AgendaItem {
        id: AgendaItemId::derive(&hotel, &opera(id)),
        external: Some(opera(id)),
        kind,
        title: title.into(),
        starts_at: at(from),
        ends_at: at(until),
        location: None,
        guest: guest.map(|g| GuestId::derive(&hotel, &opera(g))),
        reservation: Some(ReservationId::derive(&hotel, &opera(stay))),
        status,
        source: AgendaSource::Pms(PmsKind::Opera),
    }
}

#[test]
fn timed_packages_become_agenda_items_and_rate_packages_do_not() {
    let items =
        pms_opera::agenda::decode_agenda(&fixture("future_booking_summary_packages.response.xml"), &ctx())
            .unwrap();
    assert_eq!(
        items,
        vec![
            // 09:00+01:00 with an explicit offset; a cancelled stay cancels it; no profile.
            item(
                "900002:GOLF:2026-03-11:0",
                AgendaKind::Activity,
                "GOLF",
                (11, 8, 0),
                (11, 12, 0),
                None,
                "900002",
                AgendaStatus::Cancelled,
            ),
            // Property-local 16:00 in Berlin (CET, UTC+1) is 15:00 UTC.
            item(
                "900001:SPA60:2026-03-11:0",
                AgendaKind::Spa,
                "Hot stone massage",
                (11, 15, 0),
                (11, 16, 0),
                Some("P-76"),
                "900001",
                AgendaStatus::Confirmed,
            ),
            // Crosses midnight: the end is on EndDate.
            item(
                "900001:DINE:2026-03-12:0",
                AgendaKind::Dining,
                "Late dinner",
                (12, 22, 30),
                (13, 0, 0),
                Some("P-76"),
                "900001",
                AgendaStatus::Confirmed,
            ),
        ]
    );
}

#[test]
fn a_package_ending_before_it_starts_is_a_decode_error() {
    let body = String::from_utf8(fixture("future_booking_summary_packages.response.xml"))
        .unwrap()
        .replace("endTime=\"17:00:00\"", "endTime=\"15:00:00\"");
    let err = pms_opera::agenda::decode_agenda(body.as_bytes(), &ctx()).unwrap_err();
    assert!(matches!(err, pms_opera::OperaError::Decode { .. }), "{err:?}");
}
