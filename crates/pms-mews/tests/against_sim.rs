//! The Mews client against the Mews simulator: the simulator writes its own
//! payloads from the docs, so the two cannot agree on the same mistake.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use pms_core::*;
use pms_mews::{MewsClient, MewsConfig, parse_webhook, verify_token};
use pms_sim::{HotelSpec, MewsSim, SimHandle, SimOptions};
use secrecy::SecretString;

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

async fn client(sim: &SimHandle) -> MewsClient {
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", sim.base_url()),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().to_owned()),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
            "pms-mews tests 0.1".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_MEWS_TAX_CODES", "DE-2020-1-S".to_owned()),
    ]);
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let mut mews = MewsConfig::from_hotel(&config.hotels[0]).unwrap();
    let reader = MewsClient::builder(mews.clone()).build().unwrap();
    let services = reader.services().await.unwrap();
    let additional = services
        .iter()
        .find(|s| {
            s.data
                .as_ref()
                .is_some_and(|d| format!("{:?}", d.discriminator) == "Additional")
        })
        .unwrap();
    mews.charges.service_id = Some(additional.id.clone());
    MewsClient::builder(mews).build().unwrap()
}

#[tokio::test]
async fn pages_through_five_thousand_reservations() {
    let spec = HotelSpec {
        reservations: 5_000,
        guests: 3_000,
        rooms: 200,
        ..HotelSpec::small(71)
    };
    let sim = MewsSim::start(SimOptions::with_hotel(spec)).await.unwrap();
    let client = client(&sim).await;
    let query = |page| ChangeQuery {
        since: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        until: Utc::now() + chrono::Duration::days(1),
        page,
        page_size: 1000,
    };
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    let mut page = None;
    loop {
        let result = client.reservations_modified(&query(page)).await.unwrap();
        pages += 1;
        for reservation in &result.items {
            assert!(
                seen.insert(reservation.external.id.to_string()),
                "a reservation came twice"
            );
        }
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    let expected: BTreeSet<String> = sim
        .state()
        .with_hotel(|h| h.reservations.iter().map(|r| r.id.to_string()).collect());
    assert_eq!(seen.len(), 5_000);
    assert_eq!(seen, expected);
    assert!(pages >= 5, "{pages} pages");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_charge_is_posted_found_again_and_a_room_state_changes() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(72)))
        .await
        .unwrap();
    let client = client(&sim).await;
    let in_house = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| format!("{:?}", r.state) == "Started")
            .map(|r| r.id.to_string())
            .unwrap()
    });
    let charge = ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: VendorId::new(in_house.clone()).unwrap(),
        kind: ChargeKind::RoomService,
        description: "Club sandwich".into(),
        unit_amount: Money::parse("14.50", Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    };
    client.post_charge(&charge).await.unwrap();
    let in_sim = sim
        .state()
        .charges_with_external_id(&charge.request_id.to_string());
    assert_eq!(in_sim.len(), 1);
    let found = client
        .find_charge(&charge.reservation, charge.request_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.request_id, Some(charge.request_id));
    assert_eq!(found.total, Money::parse("29.00", Currency::EUR).unwrap());
    assert!(
        client
            .find_charge(&charge.reservation, RequestId::new_random())
            .await
            .unwrap()
            .is_none()
    );

    let room = client
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping == HousekeepingStatus::Inspected)
        .unwrap();
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: room.room.id.clone(),
            status: HousekeepingStatus::Dirty,
        })
        .await
        .unwrap();
    let after = client
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.room == room.room)
        .unwrap();
    assert_eq!(after.status.housekeeping, HousekeepingStatus::Dirty);
    sim.shutdown().await;
}

/// A webhook as received: query string and body.
type Delivery = (Option<String>, Vec<u8>);

#[tokio::test]
async fn a_webhook_from_the_simulator_is_authenticated_and_parsed() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(73)))
        .await
        .unwrap();
    let client = client(&sim).await;
    let received: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |axum::extract::RawQuery(query): axum::extract::RawQuery, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    sink.lock().unwrap().push((query, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    sim.webhooks().register(&url, "hook-secret-17").unwrap();

    let room = client.room_statuses().await.unwrap().into_iter().next().unwrap();
    let target = if room.status.housekeeping == HousekeepingStatus::Dirty {
        HousekeepingStatus::Clean
    } else {
        HousekeepingStatus::Dirty
    };
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: room.room.id.clone(),
            status: target,
        })
        .await
        .unwrap();
    sim.webhooks().settle(Duration::from_secs(5)).await;
    let deliveries = received.lock().unwrap().clone();
    assert!(!deliveries.is_empty());
    let secret = SecretString::from("hook-secret-17".to_owned());
    let (query, body) = &deliveries[0];
    verify_token(query.as_deref(), &secret).unwrap();
    assert!(verify_token(query.as_deref(), &SecretString::from("other".to_owned())).is_err());
    let parsed = parse_webhook(body, &hotel(), Utc::now()).unwrap();
    assert!(
        parsed
            .events()
            .iter()
            .any(|e| matches!(&e.change, Change::RoomStatusChanged { room: r, .. } if *r == room.room)),
        "{:?}",
        parsed.events()
    );
    sim.shutdown().await;
}

/// Live Mews answers `reservations/getAll/2023-06-06` without `ServiceIds`
/// with reservations of "all bookable services" (operations/reservations.md),
/// and so does the simulator: the hourly spa / table / activity bookings of
/// the agenda must not come back from the stay listings.
#[tokio::test]
async fn stay_listings_never_return_hourly_agenda_bookings() {
    let spec = HotelSpec {
        agenda_items: 40,
        ..HotelSpec::small(74)
    };
    let sim = MewsSim::start(SimOptions::with_hotel(spec)).await.unwrap();
    let client = client(&sim).await;
    let tz = pms_sim::TIME_ZONE;
    let (stays, bookings, days) = sim.state().with_hotel(|h| {
        let stays: BTreeSet<String> = h.reservations.iter().map(|r| r.id.to_string()).collect();
        let bookings: BTreeSet<String> = h.agenda.iter().map(|a| a.id.to_string()).collect();
        let days: Vec<_> = h
            .agenda
            .iter()
            .map(|a| a.starts.with_timezone(&tz).date_naive())
            .collect();
        (stays, bookings, days)
    });
    assert!(!bookings.is_empty(), "the seeded hotel has an agenda");
    let first = *days.iter().min().unwrap();
    let last = *days.iter().max().unwrap();
    let range = DateRange::new(first, last).unwrap();

    // Arrivals and departures over every day that has an agenda booking.
    for listed in [
        client.arrivals(range).await.unwrap(),
        client.departures(range).await.unwrap(),
    ] {
        let ids: BTreeSet<String> = listed.iter().map(|r| r.external.id.to_string()).collect();
        assert!(
            ids.is_disjoint(&bookings),
            "agenda bookings listed as stays: {:?}",
            ids.intersection(&bookings).collect::<Vec<_>>()
        );
        assert!(ids.is_subset(&stays));
    }

    // Everything modified since 2020: exactly the stays.
    let mut seen = BTreeSet::new();
    let mut page = None;
    loop {
        let result = client
            .reservations_modified(&ChangeQuery {
                since: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
                until: Utc::now() + chrono::Duration::days(1),
                page,
                page_size: 1000,
            })
            .await
            .unwrap();
        seen.extend(result.items.iter().map(|r| r.external.id.to_string()));
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, stays);

    // A single read of a booking's id is no stay.
    let booking = VendorId::new(bookings.iter().next().unwrap().clone()).unwrap();
    assert_eq!(
        client.reservation(&booking).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Every stay read named the stay service, and only it.
    let stay_service = sim
        .state()
        .with_hotel(|h| h.services.first().map(|s| s.id.to_string()))
        .unwrap();
    let reads = sim.state().requests_to("reservations/getAll/2023-06-06");
    assert!(!reads.is_empty());
    for read in reads {
        assert_eq!(
            read.body["ServiceIds"],
            serde_json::json!([stay_service]),
            "{}",
            read.body
        );
    }
    // The agenda, which reads the hourly services by ServiceIds, still works.
    let agenda = client.agenda(range).await.unwrap();
    let agenda_ids: BTreeSet<String> = agenda
        .iter()
        .filter_map(|i| i.external.as_ref().map(|e| e.id.to_string()))
        .collect();
    assert_eq!(agenda_ids, bookings);
    sim.shutdown().await;
}

/// `assign_room` through `reservations/update`: the simulator moves the stay,
/// and a number the hotel does not have is refused before anything is sent.
#[tokio::test]
async fn a_confirmed_reservation_is_moved_to_a_free_room() {
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec::small(75)))
        .await
        .unwrap();
    let client = client(&sim).await;
    // A confirmed stay with a room, and another room no in-house stay holds
    // during it.
    let (reservation, target) = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| format!("{:?}", r.state) == "Confirmed" && r.room_id.is_some())
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    Some(room.id) != r.room_id
                        && !h.reservations.iter().any(|o| {
                            o.room_id == Some(room.id)
                                && format!("{:?}", o.state) != "Canceled"
                                && format!("{:?}", o.state) != "Processed"
                                && o.scheduled_start < r.scheduled_end
                                && o.scheduled_end > r.scheduled_start
                        })
                })?;
                Some((r.id.to_string(), free.number.clone()))
            })
            .unwrap()
    });
    let reservation = VendorId::new(reservation).unwrap();
    let before = client.reservation(&reservation).await.unwrap();
    assert_ne!(
        before.room_number.as_ref().map(RoomNumber::as_str),
        Some(target.as_str())
    );

    let unknown = client
        .assign_room(&RoomAssignment {
            request_id: RequestId::new_random(),
            reservation: reservation.clone(),
            room: RoomNumber::new("no-such-room").unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::Validation);
    assert!(sim.state().requests_to("reservations/update").is_empty());

    let request = RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: reservation.clone(),
        room: RoomNumber::new(target.clone()).unwrap(),
    };
    client.assign_room(&request).await.unwrap();
    let after = client.reservation(&reservation).await.unwrap();
    assert_eq!(after.room_number, Some(RoomNumber::new(target.clone()).unwrap()));
    // Assigning it again writes nothing.
    client.assign_room(&request).await.unwrap();

    let writes = sim.state().requests_to("reservations/update");
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].status, 200);
    assert!(writes[0].applied_write);
    let room_id = sim.state().with_hotel(|h| {
        h.rooms
            .iter()
            .find(|r| r.number == target)
            .map(|r| r.id.to_string())
            .unwrap()
    });
    assert_eq!(
        writes[0].body["ReservationUpdates"],
        serde_json::json!([{ "ReservationId": reservation.as_str(), "AssignedResourceId": { "Value": room_id } }])
    );
    assert_eq!(
        sim.state().requests().iter().filter(|r| r.applied_write).count(),
        1
    );
    sim.shutdown().await;
}
