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

/// What the OPERA connector must make of the simulator's agenda: each item a
/// timed package of its stay (title and kind from the sim, guest and stay as
/// the connector reads the reservation). Checked item by item against the
/// simulator, then returned as read.
async fn checked_opera_items(vendor: &Vendor, items: Vec<AgendaItem>) -> Vec<AgendaItem> {
    let sim: Vec<pms_sim::AgendaItem> = vendor.sim().state().with_hotel(|h| h.agenda.clone());
    assert_eq!(items.len(), sim.len());
    for item in &items {
        let external = item.external.as_ref().unwrap().id.as_str().to_owned();
        let resv = VendorId::new(external.split(':').next().unwrap()).unwrap();
        let stay = vendor.client.reservation(&resv).await.unwrap();
        let stay_uuid = vendor.reservation_uuid(&resv);
        let source = sim
            .iter()
            .find(|a| a.reservation_id == stay_uuid && a.starts.with_nanosecond(0).unwrap() == item.starts_at)
            .unwrap_or_else(|| panic!("no simulator item for {external}"));
        let kind = match source.kind {
            pms_sim::AgendaKind::Spa => AgendaKind::Spa,
            pms_sim::AgendaKind::Dining => AgendaKind::Dining,
            pms_sim::AgendaKind::Activity => AgendaKind::Activity,
        };
        let expected = AgendaItem {
            id: AgendaItemId::derive(&hotel(), item.external.as_ref().unwrap()),
            external: item.external.clone(),
            kind,
            title: source.title.clone(),
            starts_at: source.starts.with_nanosecond(0).unwrap(),
            ends_at: source.ends.with_nanosecond(0).unwrap(),
            location: None,
            guest: stay.primary_guest.as_ref().map(|g| g.id),
            reservation: Some(stay.id),
            status: AgendaStatus::Confirmed,
            source: AgendaSource::Pms(PmsKind::Opera),
        };
        assert_eq!(item, &expected);
    }
    items
}

#[tokio::test]
async fn mews_bookings_and_internal_ones_form_one_calendar_with_conflicts_and_changes() {
    let vendor = Vendor::mews(7).await;
    let feed = PmsAgendaFeed::new(vendor.client.clone());
    let expected = expected_mews_items(&vendor);
    assert_eq!(expected.len(), 20);
    assert_eq!(feed.items(whole_agenda(&vendor)).await.unwrap(), expected);
    one_calendar(&vendor, expected).await;
}

#[tokio::test]
async fn opera_packages_and_internal_ones_form_one_calendar_with_conflicts_and_changes() {
    let vendor = Vendor::opera(7).await;
    let feed = PmsAgendaFeed::new(vendor.client.clone());
    let read = feed.items(whole_agenda(&vendor)).await.unwrap();
    let expected = checked_opera_items(&vendor, read).await;
    assert_eq!(expected.len(), 20);
    one_calendar(&vendor, expected).await;
}

/// One item per (stay, kind, civil day): OPERA numbers packages of one code and
/// day, so only such items keep their id when another one is dropped or moved.
fn unique_in_its_day(vendor: &Vendor, id: uuid::Uuid) -> bool {
    vendor.sim().state().with_hotel(|h| {
        let Some(item) = h.agenda.iter().find(|a| a.id == id) else {
            return false;
        };
        let key = |a: &pms_sim::AgendaItem| (a.reservation_id, a.kind, h.business_date(a.starts));
        h.agenda.iter().filter(|a| key(a) == key(item)).count() == 1
    })
}

/// The sim's id of a mirrored item (Mews: the vendor id; OPERA: the item of
/// that stay starting then).
fn sim_id(vendor: &Vendor, item: &AgendaItem) -> uuid::Uuid {
    match vendor.kind {
        PmsKind::Mews => uuid::Uuid::parse_str(item.external.as_ref().unwrap().id.as_str()).unwrap(),
        _ => {
            let external = item.external.as_ref().unwrap().id.as_str().to_owned();
            let resv = VendorId::new(external.split(':').next().unwrap()).unwrap();
            let stay = vendor.reservation_uuid(&resv);
            vendor.sim().state().with_hotel(|h| {
                h.agenda
                    .iter()
                    .find(|a| {
                        a.reservation_id == stay && a.starts.with_nanosecond(0).unwrap() == item.starts_at
                    })
                    .map(|a| a.id)
                    .unwrap()
            })
        }
    }
}

/// Mirror, query, book internally, detect conflicts and PMS-side changes,
/// restart: the same checks on every connector with an agenda.
async fn one_calendar(vendor: &Vendor, expected: Vec<AgendaItem>) {
    assert!(vendor.client.capabilities().supports(Capability::Agenda));
    let h = Harness::new(vendor.client.clone()).await;
    let store: Arc<dyn Store> = h.store.clone();
    let storage = FlowStorage::new(store, Arc::new(Cipher::random()));
    let feed = PmsAgendaFeed::new(vendor.client.clone());
    assert_eq!(feed.source(), AgendaSource::Pms(vendor.kind));
    let range = whole_agenda(vendor);
    let mut agenda = Agenda::restore(&h.ctx, storage.clone()).await.unwrap();
    let added = agenda.refresh_from(&feed, range).await.unwrap();
    assert_eq!(added.len(), expected.len());
    assert!(added.iter().all(|c| matches!(c, AgendaChange::Added { .. })));
    assert!(
        agenda.refresh_from(&feed, range).await.unwrap().is_empty(),
        "nothing changed"
    );

    // Queries by stay, guest and civil day agree with the PMS.
    let sample = expected
        .iter()
        .find(|i| {
            i.starts_at.with_timezone(&pms_sim::TIME_ZONE).hour() < 20
                && unique_in_its_day(vendor, sim_id(vendor, i))
        })
        .unwrap()
        .clone();
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
    let sample_uuid = sim_id(vendor, &sample);
    let dropped_item = expected
        .iter()
        .find(|i| i.id != sample.id && unique_in_its_day(vendor, sim_id(vendor, i)))
        .unwrap()
        .clone();
    let dropped = sim_id(vendor, &dropped_item);
    vendor.sim().state().with_hotel_mut(|h| {
        let moved = h.agenda.iter_mut().find(|a| a.id == sample_uuid).unwrap();
        moved.starts += Duration::hours(3);
        moved.ends += Duration::hours(3);
        h.agenda.retain(|a| a.id != dropped);
    });
    let changes = agenda.refresh_from(&feed, range).await.unwrap();
    let dropped_id = dropped_item.id;
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
    // Cloudbeds sells add-ons and packages with a reservation (`read:addon`,
    // `read:package` scopes) but none of them has a time slot: nothing to mirror.
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
