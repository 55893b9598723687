//! The agenda mirrored through the real connectors from the simulators
//! (`PmsAgendaFeed` over `PmsClient::agenda`), plus internal bookings kept in
//! the store: conflicts, change detection, and queries by guest, stay and day.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Timelike};
use pms_core::{
    AgendaItem, AgendaItemId, AgendaKind, AgendaSource, AgendaStatus, Capability, DateRange, ErrorKind,
    ExternalRef, GuestId, PmsKind, ReservationId, VendorId,
};
use pms_flows::{Agenda, AgendaChange, AgendaFeed, FlowStorage, PmsAgendaFeed};
use pms_sync::Cipher;
use pms_sync::store::Store;
use support::{Harness, Vendor, hotel};

fn mews_ref(id: uuid::Uuid) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id.to_string()).unwrap())
}

/// The range covering every agenda item of the simulated hotel.
fn whole_agenda(vendor: &Vendor) -> DateRange {
    vendor.sim().state().with_hotel(|h| {
        let days: Vec<_> = h.agenda.iter().map(|a| h.business_date(a.starts)).collect();
        DateRange::new(*days.iter().min().unwrap(), *days.iter().max().unwrap()).unwrap()
    })
}

/// What the Mews connector must make of the simulator's agenda: each item a
/// reservation of its kind's hourly service (titled with the service's name),
/// owned by the guest and linked to the stay it falls in.
fn expected_mews_items(vendor: &Vendor) -> Vec<AgendaItem> {
    let hotel = hotel();
    let whole_second = |t: chrono::DateTime<chrono::Utc>| t.with_nanosecond(0).unwrap();
    let mut items: Vec<AgendaItem> = vendor.sim().state().with_hotel(|h| {
        h.agenda
            .iter()
            .map(|a| {
                let (kind, title) = match a.kind {
                    pms_sim::AgendaKind::Spa => (AgendaKind::Spa, "Spa treatments"),
                    pms_sim::AgendaKind::Dining => (AgendaKind::Dining, "Restaurant tables"),
                    pms_sim::AgendaKind::Activity => (AgendaKind::Activity, "Activities"),
                };
                AgendaItem {
                    id: AgendaItemId::derive(&hotel, &mews_ref(a.id)),
                    external: Some(mews_ref(a.id)),
                    kind,
                    title: title.into(),
                    starts_at: whole_second(a.starts),
                    ends_at: whole_second(a.ends),
                    location: None,
                    guest: Some(GuestId::derive(&hotel, &mews_ref(a.guest_id))),
                    reservation: Some(ReservationId::derive(&hotel, &mews_ref(a.reservation_id))),
                    status: AgendaStatus::Confirmed,
                    source: AgendaSource::Pms(PmsKind::Mews),
                }
            })
            .collect()
    });
    items.sort_by_key(|i| (i.starts_at, i.id));
    items
}

#[tokio::test]
async fn mews_bookings_and_internal_ones_form_one_calendar_with_conflicts_and_changes() {
    let vendor = Vendor::mews(7).await;
    assert!(vendor.client.capabilities().supports(Capability::Agenda));
    let h = Harness::new(vendor.client.clone()).await;
    let store: Arc<dyn Store> = h.store.clone();
    let storage = FlowStorage::new(store, Arc::new(Cipher::random()));
    let feed = PmsAgendaFeed::new(vendor.client.clone());
    assert_eq!(feed.source(), AgendaSource::Pms(PmsKind::Mews));
    let range = whole_agenda(&vendor);
    let mut agenda = Agenda::restore(&h.ctx, storage.clone()).await.unwrap();

    // The mirror holds exactly what the PMS holds, mapped whole.
    let pms_items = feed.items(range).await.unwrap();
    let expected = expected_mews_items(&vendor);
    assert_eq!(expected.len(), 20);
    assert_eq!(pms_items, expected);
    let added = agenda.refresh_from(&feed, range).await.unwrap();
    assert_eq!(added.len(), expected.len());
    assert!(added.iter().all(|c| matches!(c, AgendaChange::Added { .. })));
    assert!(
        agenda.refresh_from(&feed, range).await.unwrap().is_empty(),
        "nothing changed"
    );

    // Queries by stay, guest and civil day agree with the PMS.
    let sample = expected[0].clone();
    let stay: Vec<AgendaItemId> = agenda
        .by_stay(sample.reservation.unwrap())
        .iter()
        .map(|i| i.id)
        .collect();
    let expected_stay: Vec<AgendaItemId> = expected
        .iter()
        .filter(|i| i.reservation == sample.reservation)
        .map(|i| i.id)
        .collect();
    assert_eq!(stay, expected_stay);
    let guest = agenda.by_guest(sample.guest.unwrap());
    assert!(guest.iter().any(|i| i.id == sample.id));
    assert!(guest.windows(2).all(|w| w[0].starts_at <= w[1].starts_at));
    let day = sample.starts_at.with_timezone(&pms_sim::TIME_ZONE).date_naive();
    let on_day: Vec<AgendaItemId> = agenda.on_day(day).iter().map(|i| i.id).collect();
    let from = pms_sim::TIME_ZONE
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .unwrap();
    let until = from + Duration::days(1);
    let expected_day: Vec<AgendaItemId> = expected
        .iter()
        .filter(|i| i.starts_at < until && i.ends_at > from)
        .map(|i| i.id)
        .collect();
    assert_eq!(on_day, expected_day);

    // An internal booking over a PMS one for the same guest is a conflict.
    let before = agenda.conflicts().len();
    let dinner = AgendaItem {
        id: AgendaItemId::from_uuid(uuid::Uuid::from_u128(77)),
        external: None,
        title: "Chef's table".into(),
        starts_at: sample.starts_at + Duration::minutes(10),
        ends_at: sample.starts_at + Duration::minutes(90),
        source: AgendaSource::Internal,
        ..sample.clone()
    };
    assert_eq!(
        agenda.conflicts_with(&dinner).first().map(|i| i.id),
        Some(sample.id)
    );
    agenda.book(dinner.clone()).await.unwrap();
    let conflicts = agenda.conflicts();
    assert_eq!(conflicts.len(), before + 1);
    assert!(conflicts.iter().any(|c| c.guest == sample.guest.unwrap()
        && [c.first, c.second].contains(&dinner.id)
        && [c.first, c.second].contains(&sample.id)));

    // The PMS moves the booking and drops another: the mirror pass reports both.
    let sample_uuid = uuid::Uuid::parse_str(sample.external.as_ref().unwrap().id.as_str()).unwrap();
    let dropped = vendor.sim().state().with_hotel_mut(|h| {
        let moved = h.agenda.iter_mut().find(|a| a.id == sample_uuid).unwrap();
        moved.starts += Duration::hours(3);
        moved.ends += Duration::hours(3);
        let dropped = h
            .agenda
            .iter()
            .position(|a| a.id != sample_uuid && range.contains(h.business_date(a.starts)))
            .unwrap();
        h.agenda.remove(dropped).id
    });
    let changes = agenda.refresh_from(&feed, range).await.unwrap();
    let dropped_id = AgendaItemId::derive(&hotel(), &mews_ref(dropped));
    let mut expected_changes = vec![
        AgendaChange::Updated {
            id: sample.id,
            fields: vec!["starts_at", "ends_at"],
        },
        AgendaChange::Removed { id: dropped_id },
    ];
    let mut changes_sorted = changes.clone();
    let order = |c: &AgendaChange| format!("{c:?}");
    changes_sorted.sort_by_key(order);
    expected_changes.sort_by_key(order);
    assert_eq!(changes_sorted, expected_changes);
    assert_eq!(
        agenda.get(dinner.id),
        Some(&dinner),
        "internal items survive a mirror pass"
    );
    assert!(
        agenda
            .conflicts()
            .iter()
            .all(|c| ![c.first, c.second].contains(&sample.id) || ![c.first, c.second].contains(&dinner.id)),
        "moved three hours later, the PMS booking no longer overlaps the dinner"
    );

    // A restart keeps the internal booking; the PMS bookings come back from the feed.
    let mut restarted = Agenda::restore(&h.ctx, storage).await.unwrap();
    assert_eq!(restarted.get(dinner.id), Some(&dinner));
    assert_eq!(restarted.get(sample.id), None);
    restarted.refresh_from(&feed, range).await.unwrap();
    assert_eq!(
        restarted.get(sample.id).map(|i| i.starts_at),
        Some(sample.starts_at + Duration::hours(3))
    );

    // Cancelled items no longer conflict.
    let mut cancelled = dinner.clone();
    cancelled.status = AgendaStatus::Cancelled;
    cancelled.starts_at = sample.starts_at + Duration::hours(3);
    cancelled.ends_at = cancelled.starts_at + Duration::minutes(30);
    let mut live = cancelled.clone();
    live.status = AgendaStatus::Confirmed;
    assert!(
        !restarted.conflicts_with(&live).is_empty(),
        "it would overlap if it were live"
    );
    restarted.book(cancelled).await.unwrap();
    assert!(
        restarted
            .conflicts()
            .iter()
            .all(|c| c.first != dinner.id && c.second != dinner.id)
    );
}

#[tokio::test]
async fn cloudbeds_has_no_agenda_and_says_so() {
    let vendor = Vendor::cloudbeds(7).await;
    assert!(!vendor.client.capabilities().supports(Capability::Agenda));
    let feed = PmsAgendaFeed::new(vendor.client.clone());
    let day = DateRange::day(chrono::Utc::now().date_naive());
    let err = feed.items(day).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    // A refresh from it fails and leaves the agenda as it was.
    let h = Harness::new(vendor.client.clone()).await;
    let mut agenda = Agenda::new(h.ctx.time_zone);
    assert!(agenda.refresh_from(&feed, day).await.is_err());
    assert!(agenda.on_day(day.first).is_empty());
}
