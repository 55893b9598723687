//! The agenda mirrored from the simulators' bookings plus internal ones.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use pms_core::{AgendaItem, AgendaItemId, AgendaSource, AgendaStatus, DateRange};
use pms_flows::{Agenda, AgendaChange, AgendaFeed};
use support::{SimAgendaFeed, vendors};

#[tokio::test]
async fn pms_bookings_and_internal_ones_form_one_calendar_with_conflicts_and_changes() {
    for vendor in vendors().await {
        let feed = SimAgendaFeed::new(&vendor);
        let (first, last) = vendor.sim().state().with_hotel(|h| {
            let days: Vec<_> = h.agenda.iter().map(|a| h.business_date(a.starts)).collect();
            (*days.iter().min().unwrap(), *days.iter().max().unwrap())
        });
        let range = DateRange::new(first, last).unwrap();
        let mut agenda = Agenda::new(pms_sim::TIME_ZONE);

        let added = agenda.refresh_from(&feed, range).await.unwrap();
        let pms_items = feed.items(range).await.unwrap();
        assert_eq!(added.len(), pms_items.len());
        assert!(added.iter().all(|c| matches!(c, AgendaChange::Added { .. })));
        assert!(
            agenda.refresh_from(&feed, range).await.unwrap().is_empty(),
            "nothing changed"
        );

        // Queries by stay, guest and civil day agree with the PMS.
        let sample = &pms_items[0];
        let stay = agenda.by_stay(sample.reservation.unwrap());
        assert!(stay.iter().any(|i| i.id == sample.id));
        assert!(stay.iter().all(|i| i.reservation == sample.reservation));
        let guest = agenda.by_guest(sample.guest.unwrap());
        assert!(guest.windows(2).all(|w| w[0].starts_at <= w[1].starts_at));
        let day = sample.starts_at.with_timezone(&pms_sim::TIME_ZONE).date_naive();
        assert!(agenda.on_day(day).iter().any(|i| i.id == sample.id));

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
        agenda.upsert(dinner.clone()).unwrap();
        let conflicts = agenda.conflicts();
        assert_eq!(conflicts.len(), before + 1);
        assert!(conflicts.iter().any(|c| c.guest == sample.guest.unwrap()
            && [c.first, c.second].contains(&dinner.id)
            && [c.first, c.second].contains(&sample.id)));

        // The PMS moves the booking and drops another: the mirror pass reports both.
        let (moved, dropped) = vendor.sim().state().with_hotel_mut(|h| {
            let moved = h
                .agenda
                .iter_mut()
                .find(|a| a.id.to_string() == sample.external.as_ref().unwrap().id.as_str())
                .unwrap();
            moved.starts += Duration::hours(3);
            moved.ends += Duration::hours(3);
            let moved_id = moved.id;
            let dropped = h
                .agenda
                .iter()
                .position(|a| a.id != moved_id && range.contains(h.business_date(a.starts)))
                .unwrap();
            (moved_id, h.agenda.remove(dropped).id)
        });
        let changes = agenda.refresh_from(&feed, range).await.unwrap();
        assert!(changes.iter().any(|c| matches!(c, AgendaChange::Updated { id, fields } if *id == sample.id && fields == &["starts_at", "ends_at"])), "{changes:?}");
        assert!(
            changes.iter().any(|c| matches!(c, AgendaChange::Removed { .. })),
            "{changes:?}"
        );
        assert!(
            agenda.get(dinner.id).is_some(),
            "internal items survive a mirror pass"
        );
        assert_eq!(moved.to_string(), sample.external.as_ref().unwrap().id.as_str());
        let dropped_id = AgendaItemId::derive(
            &support::hotel(),
            &pms_core::ExternalRef::new(vendor.kind, pms_core::VendorId::new(dropped.to_string()).unwrap()),
        );
        assert!(
            changes.contains(&AgendaChange::Removed { id: dropped_id }),
            "{changes:?}"
        );

        // Cancelled items no longer conflict.
        let mut cancelled = dinner.clone();
        cancelled.status = AgendaStatus::Cancelled;
        agenda.upsert(cancelled).unwrap();
        assert!(
            agenda
                .conflicts()
                .iter()
                .all(|c| c.first != dinner.id && c.second != dinner.id)
        );
    }
}
