//! The real connector against the OPERA OWS simulator (`pms-sim`), which
//! writes its own SOAP: both deployments (on-premise `.asmx` with OGHeader
//! credentials, OPERA Cloud gateway with WS-Security).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use pms_core::*;
use pms_opera::{OperaClient, OperaOptions};
use pms_sim::{HotelSpec, OperaSim, ReservationState, RoomState, SimHandle, SimOptions};

async fn start(seed: u64) -> SimHandle {
    OperaSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
        .await
        .unwrap()
}

fn config(sim: &SimHandle, deployment: &str, password: &str) -> HotelConfig {
    let base = match deployment {
        "cloud" => format!("{}/OPERAOSB/OPERA_OWS/OWS_WS_51", sim.base_url()),
        _ => format!("{}/OWS_WS_51", sim.base_url()),
    };
    let vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "opera".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", base),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DEPLOYMENT", deployment.to_owned()),
        (
            "PMS_HOTEL_GRAND_OPERA_HOTEL_CODE",
            OperaSim::HOTEL_CODE.to_owned(),
        ),
        ("PMS_HOTEL_GRAND_OPERA_USERNAME", OperaSim::USER_NAME.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_PASSWORD", password.to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_ENTITY_ID", "KIOSK".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_ORIGIN_SYSTEM_TYPE", "WEB".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_ENTITY_ID", "TI".to_owned()),
        ("PMS_HOTEL_GRAND_OPERA_DESTINATION_SYSTEM_TYPE", "PMS".to_owned()),
    ]);
    Config::from_lookup(|name| Ok(vars.get(name).cloned()))
        .unwrap()
        .hotels
        .remove(0)
}

fn client_with(sim: &SimHandle, deployment: &str, options: OperaOptions) -> OperaClient {
    let hotel = config(sim, deployment, sim.access_token());
    OperaClient::builder(&hotel)
        .unwrap()
        .options(options)
        .build()
        .unwrap()
}

fn client(sim: &SimHandle, deployment: &str) -> OperaClient {
    client_with(sim, deployment, OperaOptions::default())
}

fn today(sim: &SimHandle) -> chrono::NaiveDate {
    sim.state().with_hotel(|h| h.business_date(Utc::now()))
}

/// resv_name_ids of the simulator's reservations matching `keep`.
fn sim_ids(
    sim: &SimHandle,
    keep: impl Fn(&pms_sim::Hotel, &pms_sim::Reservation) -> bool,
) -> BTreeSet<String> {
    sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| keep(h, r))
            .map(|r| OperaSim::resv_name_id(h, r.id).unwrap())
            .collect()
    })
}

fn ids(reservations: &[Reservation]) -> BTreeSet<String> {
    reservations.iter().map(|r| r.external.id.to_string()).collect()
}

/// An arrival today on a room in `room_state`.
fn arrival(sim: &SimHandle, room_state: RoomState) -> (VendorId, String) {
    sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find_map(|r| {
                let room = r.room_id.and_then(|id| h.room(id))?;
                (r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && room.state == room_state)
                    .then(|| {
                        (
                            VendorId::new(OperaSim::resv_name_id(h, r.id).unwrap()).unwrap(),
                            room.number.clone(),
                        )
                    })
            })
            .unwrap()
    })
}

/// An in-house stay leaving today with an open balance: (resv_name_id, sim id).
fn leaving(sim: &SimHandle) -> (VendorId, uuid::Uuid) {
    sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Started
                    && h.business_date(r.scheduled_end) == today
                    && !h.stay_balance(r.id).is_zero()
            })
            .map(|r| {
                (
                    VendorId::new(OperaSim::resv_name_id(h, r.id).unwrap()).unwrap(),
                    r.id,
                )
            })
            .unwrap()
    })
}

fn settle(sim: &SimHandle, stay: uuid::Uuid) {
    sim.state().with_hotel_mut(|h| {
        let amount = h.stay_balance(stay);
        let account_id = h.reservation(stay).unwrap().guest_id;
        h.add_external_payment(
            pms_sim::NewPayment {
                account_id,
                bill_id: None,
                reservation_id: Some(stay),
                amount,
                external_identifier: None,
                external_type: None,
            },
            Utc::now(),
        )
        .unwrap();
    });
}

async fn reads_reservations_and_profiles(deployment: &str) {
    let sim = start(31).await;
    let client = client(&sim, deployment);
    let day = today(&sim);
    let window = DateRange::new(day, day + chrono::Days::new(2)).unwrap();
    let arrivals = client.arrivals(window).await.unwrap();
    let expected = sim_ids(&sim, |h, r| window.contains(h.business_date(r.scheduled_start)));
    assert!(!expected.is_empty());
    assert_eq!(ids(&arrivals), expected);

    let (id, room) = arrival(&sim, RoomState::Inspected);
    let booking = client.reservation(&id).await.unwrap();
    let sim_res = sim.state().with_hotel(|h| {
        h.reservation(OperaSim::reservation_id(h, id.as_str()).unwrap())
            .cloned()
            .unwrap()
    });
    assert_eq!(booking.status, ReservationStatus::Confirmed);
    assert_eq!(booking.arrival, day);
    assert_eq!(
        booking.room_number.as_ref().map(|n| n.as_str()),
        Some(room.as_str())
    );
    assert_eq!(
        booking.confirmation_number.as_deref(),
        Some(sim_res.number.as_str())
    );
    assert_eq!(booking.adults, u16::from(sim_res.adults));
    assert_eq!(
        booking.updated_at,
        Some(sim_res.updated),
        "updateDate round-trips through the property's offset"
    );
    let by_number = client
        .fetch_booking_by_confirmation(&sim_res.number)
        .await
        .unwrap();
    assert_eq!(by_number.external, booking.external);

    let guest_ref = booking.primary_guest.clone().unwrap();
    let guest = client.guest(&guest_ref.external.id).await.unwrap();
    let sim_guest = sim
        .state()
        .with_hotel(|h| h.guest(sim_res.guest_id).cloned().unwrap());
    assert_eq!(
        guest.name.last.as_ref().map(|n| n.expose().to_owned()),
        Some(sim_guest.last_name.to_string())
    );
    assert_eq!(
        guest_ref.external.id.as_str(),
        sim.state()
            .with_hotel(|h| OperaSim::name_id(h, sim_res.guest_id))
            .unwrap()
    );

    let departures = client
        .departures(DateRange::new(day, day).unwrap())
        .await
        .unwrap();
    let expected_departures = sim_ids(&sim, |h, r| {
        h.business_date(r.scheduled_end) == day
            && h.business_date(r.scheduled_start) >= day - chrono::Days::new(30)
    });
    assert_eq!(ids(&departures), expected_departures);

    let missing = client
        .reservation(&VendorId::new("99999999999").unwrap())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    sim.shutdown().await;
}

#[tokio::test]
async fn on_premise_reads_reservations_by_window_and_id_and_profiles() {
    reads_reservations_and_profiles("on_premise").await;
}

#[tokio::test]
async fn cloud_reads_reservations_by_window_and_id_and_profiles() {
    reads_reservations_and_profiles("cloud").await;
}

async fn room_statuses_round_trip(deployment: &str) {
    let sim = start(32).await;
    let client = client(&sim, deployment);
    let rooms = client.room_statuses().await.unwrap();
    assert_eq!(rooms.len(), sim.state().summary().rooms);
    let dirty = rooms
        .iter()
        .find(|r| r.status.housekeeping == HousekeepingStatus::Dirty)
        .unwrap()
        .clone();
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: dirty.room.id.clone(),
            status: HousekeepingStatus::Inspected,
        })
        .await
        .unwrap();
    let again = client.room_statuses().await.unwrap();
    let now = again.iter().find(|r| r.number == dirty.number).unwrap();
    assert_eq!(now.status.housekeeping, HousekeepingStatus::Inspected);
    let sim_state = sim.state().with_hotel(|h| {
        h.rooms
            .iter()
            .find(|r| r.number == dirty.number.as_str())
            .unwrap()
            .state
    });
    assert_eq!(sim_state, RoomState::Inspected);
    // Pickup is not enabled at the simulated property: a FAIL, classified.
    let pickup = client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: dirty.room.id.clone(),
            status: HousekeepingStatus::Pickup,
        })
        .await
        .unwrap_err();
    assert_eq!(pickup.kind(), ErrorKind::Conflict, "{pickup}");
    // Occupancy comes from the in-house stays.
    let occupied = again
        .iter()
        .filter(|r| r.status.occupancy == Some(Occupancy::Occupied))
        .count();
    let in_house = sim
        .state()
        .summary()
        .reservations_by_state
        .get("Started")
        .copied()
        .unwrap_or(0);
    assert_eq!(occupied, in_house);
    sim.shutdown().await;
}

#[tokio::test]
async fn on_premise_room_statuses_are_read_and_updated() {
    room_statuses_round_trip("on_premise").await;
}

#[tokio::test]
async fn cloud_room_statuses_are_read_and_updated() {
    room_statuses_round_trip("cloud").await;
}

async fn check_in_and_out(deployment: &str) {
    let sim = start(33).await;
    let client = client(&sim, deployment);
    let (id, room) = arrival(&sim, RoomState::Inspected);
    client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: id.clone(),
            room: Some(RoomNumber::new(room).unwrap()),
        })
        .await
        .unwrap();
    assert_eq!(
        client.reservation(&id).await.unwrap().status,
        ReservationStatus::CheckedIn
    );
    let twice = client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: id.clone(),
            room: None,
        })
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::Conflict, "{twice}");

    let (dirty, _) = arrival(&sim, RoomState::Dirty);
    let refused = client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: dirty.clone(),
            room: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Conflict, "{refused}");

    let (out, stay) = leaving(&sim);
    let request = |id: &VendorId| CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: id.clone(),
        allow_open_balance: false,
    };
    let open_balance = client.check_out(&request(&out)).await.unwrap_err();
    assert_eq!(open_balance.kind(), ErrorKind::Conflict, "{open_balance}");
    settle(&sim, stay);
    client.check_out(&request(&out)).await.unwrap();
    assert_eq!(
        client.reservation(&out).await.unwrap().status,
        ReservationStatus::CheckedOut
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn on_premise_check_in_and_out_change_state() {
    check_in_and_out("on_premise").await;
}

#[tokio::test]
async fn cloud_check_in_and_out_change_state() {
    check_in_and_out("cloud").await;
}

fn charge(reservation: &VendorId, amount: &str, code: Option<&str>) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: reservation.clone(),
        kind: ChargeKind::Spa,
        description: "Hot stone massage".into(),
        unit_amount: Money::parse(amount, Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: code.map(str::to_owned),
        outlet: None,
        consumed_at: Utc::now(),
    }
}

async fn charge_on_the_invoice(deployment: &str) {
    let sim = start(34).await;
    let client = client(&sim, deployment);
    let (stay, _) = leaving(&sim);
    let before = client.folio(&stay).await.unwrap();
    let request = charge(&stay, "30.25", Some("3000"));
    let posted = client.post_charge(&request).await.unwrap();
    let reference = format!("PMSREQ:{}", request.request_id.simple());
    assert_eq!(posted.external.id.as_str(), reference);
    // Stored once, with the LongInfo reference on the line.
    assert_eq!(
        sim.state()
            .with_hotel(|h| OperaSim::postings_with_long_info(h, &reference)),
        1
    );
    let after = client.folio(&stay).await.unwrap();
    assert_eq!(after.charges.len(), before.charges.len() + 1);
    let line = after
        .charges
        .iter()
        .find(|c| c.description == "Hot stone massage")
        .unwrap();
    assert_eq!(line.total, Money::parse("60.50", Currency::EUR).unwrap());
    assert_eq!(line.transaction_code.as_deref(), Some("3000"));
    assert_eq!(
        after.balance,
        before
            .balance
            .checked_add(Money::parse("60.50", Currency::EUR).unwrap())
            .unwrap()
    );
    let sim_balance = sim
        .state()
        .with_hotel(|h| h.stay_balance(OperaSim::reservation_id(h, stay.as_str()).unwrap()));
    assert_eq!(after.balance.amount, sim_balance);

    // No BillItem field echoes LongInfo, so the line carries no request id and
    // read-back stays off by default ...
    assert_eq!(line.request_id, None);
    let unsupported = client.find_charge(&stay, request.request_id).await.unwrap_err();
    assert_eq!(unsupported.kind(), ErrorKind::Unsupported);
    // ... and turned on it would answer "not posted" for a posted charge: the
    // false negative the connector's docs warn about.
    let opted_in = client_with(
        &sim,
        deployment,
        OperaOptions {
            charge_read_back: true,
            ..OperaOptions::default()
        },
    );
    assert_eq!(
        opted_in.find_charge(&stay, request.request_id).await.unwrap(),
        None
    );

    // Refusals: no transaction code (client side), an unknown one (FAIL), a stay not in house.
    let none = client
        .post_charge(&charge(&stay, "1.00", None))
        .await
        .unwrap_err();
    assert_eq!(none.kind(), ErrorKind::Validation);
    let unknown = client
        .post_charge(&charge(&stay, "1.00", Some("7777")))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::Validation, "{unknown}");
    let (arriving, _) = arrival(&sim, RoomState::Dirty);
    let not_in_house = client
        .post_charge(&charge(&arriving, "1.00", Some("2000")))
        .await
        .unwrap_err();
    assert_eq!(not_in_house.kind(), ErrorKind::Conflict, "{not_in_house}");
    sim.shutdown().await;
}

#[tokio::test]
async fn on_premise_charge_is_posted_and_seen_on_the_invoice() {
    charge_on_the_invoice("on_premise").await;
}

#[tokio::test]
async fn cloud_charge_is_posted_and_seen_on_the_invoice() {
    charge_on_the_invoice("cloud").await;
}

#[tokio::test]
async fn wrong_passwords_are_auth_errors_on_both_deployments() {
    let sim = start(35).await;
    for deployment in ["on_premise", "cloud"] {
        let hotel = config(&sim, deployment, "not-the-password");
        let client = OperaClient::builder(&hotel)
            .unwrap()
            .options(OperaOptions::default())
            .build()
            .unwrap();
        let err = client.room_statuses().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{deployment}: {err}");
        let health = client.health().await;
        assert!(!health.healthy);
    }
    assert!(client(&sim, "cloud").health().await.healthy);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_ambiguous_post_is_outcome_unknown_and_was_applied() {
    let sim = start(36).await;
    let client = client_with(
        &sim,
        "on_premise",
        OperaOptions {
            timeout: std::time::Duration::from_millis(300),
            ..OperaOptions::default()
        },
    );
    let (stay, _) = leaving(&sim);
    sim.faults().update(|f| {
        f.timeout_after_write = 1.0;
        f.ambiguous_hang = std::time::Duration::from_secs(3);
    });
    let request = charge(&stay, "5.00", Some("2000"));
    let err = client.post_charge(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    let reference = format!("PMSREQ:{}", request.request_id.simple());
    assert_eq!(
        sim.state()
            .with_hotel(|h| OperaSim::postings_with_long_info(h, &reference)),
        1
    );
    sim.shutdown().await;
}

/// The Cloud gateway's injected failure is a WebLogic 503 page: transient
/// for a read; a write that got it posted nothing and is not `Ok`.
#[tokio::test]
async fn a_gateway_503_page_is_transient_and_posts_nothing() {
    let sim = start(37).await;
    let client = client(&sim, "cloud");
    let (stay, _) = leaving(&sim);
    sim.faults().update(|f| f.error_5xx = 1.0);
    let read = client.room_statuses().await.unwrap_err();
    assert_eq!(read.kind(), ErrorKind::Transient, "{read}");
    let second = charge(&stay, "5.00", Some("2000"));
    let write = client.post_charge(&second).await.unwrap_err();
    assert!(
        matches!(write.kind(), ErrorKind::Transient | ErrorKind::OutcomeUnknown),
        "{write}"
    );
    let reference = format!("PMSREQ:{}", second.request_id.simple());
    assert_eq!(
        sim.state()
            .with_hotel(|h| OperaSim::postings_with_long_info(h, &reference)),
        0
    );
    sim.shutdown().await;
}

/// On-premise, the injected failure is an ASP.NET `soap:Server` fault whose
/// faultstring is the .NET connection-pool message integrators scan for
/// ("Timeout expired. The timeout period elapsed prior to obtaining a
/// connection from the pool.", opera.md §1.5). It is transient.
#[tokio::test]
async fn an_asmx_pool_timeout_fault_is_transient() {
    let sim = start(38).await;
    let client = client(&sim, "on_premise");
    sim.faults().update(|f| f.error_5xx = 1.0);
    let read = client.room_statuses().await.unwrap_err();
    assert_eq!(read.kind(), ErrorKind::Transient, "{read}");
    sim.shutdown().await;
}

/// A room `stay` can move to: not its own and with no in-house stay over its
/// dates (one with no in-house stay at all when there is one). The small
/// hotel is nearly full, so other not-yet-arrived stays holding it over those
/// dates are unassigned first (test setup, straight in the shared hotel).
fn free_room_for(sim: &SimHandle, stay: &VendorId) -> String {
    sim.state().with_hotel_mut(|h| {
        let r = h
            .reservation(OperaSim::reservation_id(h, stay.as_str()).unwrap())
            .unwrap()
            .clone();
        let now = Utc::now();
        let in_house = |room: uuid::Uuid, overlapping: bool| {
            h.reservations.iter().any(|o| {
                o.room_id == Some(room)
                    && o.state == ReservationState::Started
                    && (!overlapping || r.scheduled_start < o.scheduled_end.max(now))
            })
        };
        let candidates: Vec<&pms_sim::Room> =
            h.rooms.iter().filter(|room| Some(room.id) != r.room_id).collect();
        let room = candidates
            .iter()
            .find(|room| !in_house(room.id, false))
            .or_else(|| candidates.iter().find(|room| !in_house(room.id, true)))
            .map(|room| (room.id, room.number.clone()))
            .unwrap();
        for o in h.reservations.iter_mut() {
            let waiting = matches!(
                o.state,
                ReservationState::Inquired | ReservationState::Optional | ReservationState::Confirmed
            );
            if o.id != r.id
                && waiting
                && o.room_id == Some(room.0)
                && o.scheduled_start < r.scheduled_end
                && r.scheduled_start < o.scheduled_end
            {
                o.room_id = None;
            }
        }
        room.1
    })
}

/// The room of an in-house stay still there when `stay` arrives.
fn occupied_room(sim: &SimHandle, stay: &VendorId) -> String {
    sim.state().with_hotel(|h| {
        let r = h
            .reservation(OperaSim::reservation_id(h, stay.as_str()).unwrap())
            .unwrap();
        h.reservations
            .iter()
            .filter(|o| o.state == ReservationState::Started && o.scheduled_end > r.scheduled_start)
            .find_map(|o| {
                o.room_id
                    .and_then(|id| h.room(id))
                    .map(|room| room.number.clone())
            })
            .unwrap()
    })
}

fn assign_room_calls(sim: &SimHandle) -> usize {
    sim.state()
        .requests_to("Reservation")
        .into_iter()
        .chain(sim.state().requests_to("Reservation.asmx"))
        .filter(|r| r.body.get("operation").and_then(|o| o.as_str()) == Some("AssignRoom"))
        .count()
}

async fn assign_room_then_check_in(deployment: &str) {
    let sim = start(39).await;
    let client = client(&sim, deployment);
    assert!(client.capabilities().supports(Capability::AssignRoom));
    let (id, old_room) = arrival(&sim, RoomState::Dirty);
    let new_room = free_room_for(&sim, &id);
    assert_ne!(new_room, old_room);
    let assign = |room: &str| RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: id.clone(),
        room: RoomNumber::new(room).unwrap(),
    };
    client.assign_room(&assign(&new_room)).await.unwrap();
    assert_eq!(assign_room_calls(&sim), 1);
    // Read back through FetchBooking, and in the shared hotel.
    let booking = client.reservation(&id).await.unwrap();
    assert_eq!(
        booking.room_number.as_ref().map(RoomNumber::as_str),
        Some(new_room.as_str())
    );
    assert_eq!(booking.status, ReservationStatus::Confirmed);
    let sim_room = sim.state().with_hotel(|h| {
        let r = h
            .reservation(OperaSim::reservation_id(h, id.as_str()).unwrap())
            .unwrap();
        r.room_id
            .and_then(|room| h.room(room))
            .map(|room| room.number.clone())
    });
    assert_eq!(sim_room.as_deref(), Some(new_room.as_str()));

    // The room it already has: no AssignRoom sent.
    client.assign_room(&assign(&new_room)).await.unwrap();
    assert_eq!(assign_room_calls(&sim), 1);

    // An unknown room: a FAIL, classified, nothing changed.
    let unknown = client.assign_room(&assign("NOPE-999")).await.unwrap_err();
    assert!(
        matches!(unknown.kind(), ErrorKind::Validation | ErrorKind::Conflict),
        "{unknown}"
    );
    assert!(unknown.to_string().contains("AssignRoom"), "{unknown}");
    // The room of an in-house stay: a conflict.
    let taken = client
        .assign_room(&assign(&occupied_room(&sim, &id)))
        .await
        .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::Conflict, "{taken}");
    assert_eq!(
        client
            .reservation(&id)
            .await
            .unwrap()
            .room_number
            .as_ref()
            .map(RoomNumber::as_str),
        Some(new_room.as_str())
    );

    // The flow's next step: the new room made ready, then check-in verifies it.
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: VendorId::new(new_room.clone()).unwrap(),
            status: HousekeepingStatus::Inspected,
        })
        .await
        .unwrap();
    client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: id.clone(),
            room: Some(RoomNumber::new(new_room.clone()).unwrap()),
        })
        .await
        .unwrap();
    assert_eq!(
        client.reservation(&id).await.unwrap().status,
        ReservationStatus::CheckedIn
    );
    // An in-house stay cannot be assigned (moves are not AssignRoom).
    let moved = client.assign_room(&assign(&old_room)).await.unwrap_err();
    assert_eq!(moved.kind(), ErrorKind::Conflict, "{moved}");
    sim.shutdown().await;
}

#[tokio::test]
async fn on_premise_assign_room_moves_a_confirmed_stay_then_check_in() {
    assign_room_then_check_in("on_premise").await;
}

#[tokio::test]
async fn cloud_assign_room_moves_a_confirmed_stay_then_check_in() {
    assign_room_then_check_in("cloud").await;
}
