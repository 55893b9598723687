//! The real connector against the Cloudbeds simulator (`pms-sim`), which
//! writes its own payloads from the vendor documentation: paging, charges
//! and their read-back, housekeeping, check-in/out, errors, OAuth, webhooks.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::Utc;
use pms_cloudbeds::{CloudbedsClient, WebhookVerifier, authenticate_and_parse};
use pms_core::{
    Change, ChangeQuery, ChargeKind, ChargeRequest, CheckInRequest, CheckOutRequest, Config, Currency,
    DateRange, ErrorKind, HotelConfig, HousekeepingStatus, Money, PmsClient, RequestId, ReservationStatus,
    RoomStatusUpdate, VendorId, VoidChargeRequest,
};
use pms_sim::{
    CloudbedsIds, CloudbedsSim, Hotel, HotelSpec, RateLimit, ReservationState, RoomState, SimHandle,
    SimOptions,
};
use secrecy::SecretString;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WEBHOOK_TOKEN: &str = "cb-webhook-token-5f0e2a9c71";

async fn start(seed: u64) -> SimHandle {
    CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(seed)))
        .await
        .unwrap()
}

fn property_id(sim: &SimHandle) -> String {
    sim.state().with_hotel(CloudbedsIds::property_id)
}

fn hotel_config(sim: &SimHandle, auth: &[(&str, String)]) -> HotelConfig {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), "harbor".into()),
        ("PMS_HOTEL_HARBOR_PMS".into(), "cloudbeds".into()),
        ("PMS_HOTEL_HARBOR_BASE_URL".into(), CloudbedsSim::api_url(sim)),
        ("PMS_HOTEL_HARBOR_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_HARBOR_CURRENCY".into(), "EUR".into()),
        ("PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID".into(), property_id(sim)),
    ]);
    for (k, v) in auth {
        vars.insert(format!("PMS_HOTEL_HARBOR_CLOUDBEDS_{k}"), v.clone());
    }
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    config.hotels[0].clone()
}

fn client(sim: &SimHandle) -> CloudbedsClient {
    let config = hotel_config(sim, &[("API_KEY", sim.access_token().to_owned())]);
    CloudbedsClient::builder(&config)
        .unwrap()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn vendor(id: &str) -> VendorId {
    VendorId::new(id).unwrap()
}

fn in_house(h: &Hotel) -> String {
    h.reservations
        .iter()
        .find(|r| r.state == ReservationState::Started)
        .map(CloudbedsIds::reservation_id)
        .unwrap()
}

fn charge(reservation: &str, description: &str) -> ChargeRequest {
    ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(reservation),
        kind: ChargeKind::Minibar,
        description: description.into(),
        unit_amount: Money::parse("6.50", Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    }
}

#[tokio::test]
async fn paging_reads_every_reservation_of_the_generated_hotel() {
    let sim = start(21).await;
    let cb = client(&sim);
    let expected: BTreeSet<String> = sim
        .state()
        .with_hotel(|h| h.reservations.iter().map(CloudbedsIds::reservation_id).collect());
    let mut seen = Vec::new();
    let mut page = None;
    let mut pages = 0;
    loop {
        let result = cb
            .reservations_modified(&ChangeQuery {
                since: Utc::now() - chrono::Duration::days(4 * 366),
                until: Utc::now() + chrono::Duration::minutes(1),
                page: page.take(),
                page_size: 25,
            })
            .await
            .unwrap();
        pages += 1;
        seen.extend(result.items.iter().map(|r| r.external.id.to_string()));
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, expected.len().div_ceil(25));
    assert_eq!(seen.len(), expected.len(), "nothing read twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);

    // Arrivals today: the list filters agree with the simulator's state.
    let today = Utc::now()
        .with_timezone(&pms_core::chrono_tz::Europe::Berlin)
        .date_naive();
    let arrivals = cb.arrivals(DateRange::new(today, today).unwrap()).await.unwrap();
    let expected_arrivals = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| h.business_date(r.scheduled_start) == today)
            .count()
    });
    assert_eq!(arrivals.len(), expected_arrivals);
    // Rooms page through to the last one; guests resolve.
    assert_eq!(cb.rooms().await.unwrap().len(), 20);
    let guest = arrivals[0].primary_guest.clone().unwrap();
    let g = cb.guest(&guest.external.id).await.unwrap();
    assert!(g.name.last.is_some());
    assert!(cb.health().await.healthy);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_posted_charge_is_found_again_deduplicated_and_voided() {
    let sim = start(22).await;
    let cb = client(&sim);
    let reservation = sim.state().with_hotel(in_house);
    let request = charge(&reservation, "Minibar: two colas");
    let posted = cb.post_charge(&request).await.unwrap();
    let found = cb
        .find_charge(&vendor(&reservation), request.request_id)
        .await
        .unwrap()
        .expect("the charge is found by its request id");
    assert_eq!(found.request_id, Some(request.request_id));
    assert_eq!(found.total, Money::parse("13.00", Currency::EUR).unwrap());
    assert!(!found.voided);
    assert_eq!(
        sim.state()
            .charges_with_external_id(&request.request_id.to_string())
            .len(),
        1
    );

    // The same request again: Cloudbeds' referenceID dedupe creates nothing.
    let again = cb.post_charge(&request).await.unwrap();
    assert_eq!(again.request_id, request.request_id);
    assert_eq!(
        sim.state()
            .charges_with_external_id(&request.request_id.to_string())
            .len(),
        1
    );

    // The folio shows it, and the balance moved.
    let folio = cb.folio(&vendor(&reservation)).await.unwrap();
    assert!(
        folio
            .charges
            .iter()
            .any(|c| c.request_id == Some(request.request_id))
    );

    cb.void_charge(&VoidChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&reservation),
        charge: posted.external.id.clone(),
        reason: "wrong room".into(),
    })
    .await
    .unwrap();
    let voided = cb
        .find_charge(&vendor(&reservation), request.request_id)
        .await
        .unwrap()
        .unwrap();
    assert!(voided.voided);
    // Every folio read went to the Accounting API; getTransactions (gone from
    // the public spec) was never needed.
    assert!(
        !sim.state()
            .requests_to("/accounting/v1.0/transactions")
            .is_empty()
    );
    assert!(sim.state().requests_to("getTransactions").is_empty());
    sim.shutdown().await;
}

/// After an ambiguous timeout the sync layer only has what `find_charge`
/// returns. The Accounting API names a line by its transaction `id` and has
/// no `soldProductID` (`TransactionResponse`), while `postVoidItem` takes only the `soldProductID`
/// `postCustomItem` answered: the connector must not send a `postVoidItem`
/// with the wrong id, so such a void is a typed `Unsupported`, nothing is
/// voided, and voiding by the id the post answered still works.
#[tokio::test]
async fn a_charge_known_only_by_read_back_is_not_voided_blindly() {
    let sim = start(23).await;
    let cb = client(&sim);
    let reservation = sim.state().with_hotel(in_house);
    let request = charge(&reservation, "Minibar: water");
    let posted = cb.post_charge(&request).await.unwrap();
    let found = cb
        .find_charge(&vendor(&reservation), request.request_id)
        .await
        .unwrap()
        .unwrap();
    let line = sim
        .state()
        .charges_with_external_id(&request.request_id.to_string());
    assert_eq!(line.len(), 1);
    assert_eq!(
        found.external.id.as_str(),
        CloudbedsIds::transaction_id(line[0].id),
        "read back by its transactionID"
    );
    assert_ne!(found.external, posted.external, "not the soldProductID");

    let err = cb
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&reservation),
            charge: found.external.id.clone(),
            reason: "recovered".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(sim.state().requests_to("postVoidItem").is_empty(), "nothing sent");
    let still = sim
        .state()
        .charges_with_external_id(&request.request_id.to_string());
    assert!(still[0].canceled.is_none(), "nothing voided");

    // By the soldProductID the post answered, the same line voids.
    cb.void_charge(&VoidChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&reservation),
        charge: posted.external.id.clone(),
        reason: "recovered".into(),
    })
    .await
    .unwrap();
    let voided = cb
        .find_charge(&vendor(&reservation), request.request_id)
        .await
        .unwrap()
        .unwrap();
    assert!(voided.voided);
    sim.shutdown().await;
}

#[tokio::test]
async fn room_status_written_is_read_back() {
    let sim = start(24).await;
    let cb = client(&sim);
    let statuses = cb.room_statuses().await.unwrap();
    assert_eq!(statuses.len(), 20);
    let room = statuses
        .iter()
        .find(|r| r.status.housekeeping == HousekeepingStatus::Dirty)
        .unwrap()
        .clone();
    cb.set_room_status(&RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: room.room.id.clone(),
        status: HousekeepingStatus::Inspected,
    })
    .await
    .unwrap();
    let after = cb.room_statuses().await.unwrap();
    let read = after.iter().find(|r| r.room == room.room).unwrap();
    assert_eq!(read.status.housekeeping, HousekeepingStatus::Inspected);
    assert_eq!(read.number, room.number);
    let uuid = sim.state().with_hotel(|h| {
        let ids = CloudbedsIds::room_ids(h);
        ids.into_iter()
            .find(|(_, wire)| wire == room.room.id.as_str())
            .map(|(id, _)| id)
            .unwrap()
    });
    assert_eq!(sim.state().room(uuid).unwrap().state, RoomState::Inspected);
    sim.shutdown().await;
}

#[tokio::test]
async fn check_in_and_check_out_change_the_simulated_state() {
    let sim = start(25).await;
    let cb = client(&sim);
    let (arriving, arriving_uuid, room_number) = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find_map(|r| {
                let room = r.room_id.and_then(|id| h.room(id))?;
                (r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && room.state == RoomState::Inspected)
                    .then(|| (CloudbedsIds::reservation_id(r), r.id, room.number.clone()))
            })
            .unwrap()
    });
    cb.check_in(&CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&arriving),
        room: Some(pms_core::RoomNumber::new(room_number).unwrap()),
    })
    .await
    .unwrap();
    assert_eq!(
        sim.state().reservation(arriving_uuid).unwrap().state,
        ReservationState::Started
    );
    let read = cb.reservation(&vendor(&arriving)).await.unwrap();
    assert_eq!(read.status, ReservationStatus::CheckedIn);

    // Checking out before the departure day: success:false, classified.
    let err = cb
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&arriving),
            allow_open_balance: true,
        })
        .await;
    let leaves_today = sim.state().with_hotel(|h| {
        h.reservation(arriving_uuid)
            .is_some_and(|r| h.business_date(r.scheduled_end) <= h.business_date(Utc::now()))
    });
    if !leaves_today {
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Conflict);
    }

    let (leaving, leaving_uuid) = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Started && h.business_date(r.scheduled_end) == today)
            .map(|r| (CloudbedsIds::reservation_id(r), r.id))
            .unwrap()
    });
    cb.check_out(&CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&leaving),
        allow_open_balance: true,
    })
    .await
    .unwrap();
    assert_eq!(
        sim.state().reservation(leaving_uuid).unwrap().state,
        ReservationState::Processed
    );
    assert_eq!(
        cb.reservation(&vendor(&leaving)).await.unwrap().status,
        ReservationStatus::CheckedOut
    );
    // Idempotent: already checked out is success without a write.
    let writes = sim.state().requests_to("putReservation").len();
    cb.check_out(&CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&leaving),
        allow_open_balance: true,
    })
    .await
    .unwrap();
    assert_eq!(sim.state().requests_to("putReservation").len(), writes);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_rate_limits_and_oauth() {
    let mut options = SimOptions::with_hotel(HotelSpec::small(26));
    options.faults.rate_limit = Some(RateLimit {
        requests: 5,
        window: Duration::from_secs(120),
    });
    let sim = CloudbedsSim::start(options).await.unwrap();
    let cb = client(&sim);
    let missing = cb.reservation(&vendor("no-such-reservation")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    for _ in 0..4 {
        let _ = cb.reservation(&vendor("1000")).await;
    }
    let limited = cb.reservation(&vendor("1000")).await.unwrap_err();
    assert_eq!(limited.kind(), ErrorKind::RateLimited);

    // OAuth: a fresh token from /access_token has its own budget.
    let config = hotel_config(
        &sim,
        &[
            ("CLIENT_ID", CloudbedsSim::CLIENT_ID.to_owned()),
            ("CLIENT_SECRET", sim.client_token().to_owned()),
            ("REFRESH_TOKEN", CloudbedsSim::REFRESH_TOKEN.to_owned()),
        ],
    );
    let oauth = CloudbedsClient::from_hotel(&config).unwrap();
    let r = oauth.reservation(&vendor("1000")).await.unwrap();
    assert_eq!(r.external.id.as_str(), "1000");
    sim.shutdown().await;
}

#[tokio::test]
async fn simulator_webhooks_authenticate_and_parse() {
    let sim = start(27).await;
    let cb = client(&sim);
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    sim.webhooks()
        .register(&format!("{}/cloudbeds", receiver.uri()), WEBHOOK_TOKEN)
        .unwrap();
    let room = cb
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping == HousekeepingStatus::Clean)
        .unwrap();
    cb.set_room_status(&RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: room.room.id.clone(),
        status: HousekeepingStatus::Dirty,
    })
    .await
    .unwrap();
    let arriving = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id.and_then(|id| h.room(id)).map(|x| x.state) == Some(RoomState::Inspected)
            })
            .map(CloudbedsIds::reservation_id)
            .unwrap()
    });
    cb.check_in(&CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&arriving),
        room: None,
    })
    .await
    .unwrap();
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);

    let verifier = WebhookVerifier::new(&SecretString::from(WEBHOOK_TOKEN.to_owned())).unwrap();
    let hotel = pms_core::HotelId::new("harbor").unwrap();
    let property = property_id(&sim);
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "one event per change");
    let mut changes = Vec::new();
    for request in &requests {
        let token = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "Token")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let delivery =
            authenticate_and_parse(&verifier, &token, &request.body, &property, &hotel, Utc::now()).unwrap();
        changes.extend(delivery.events.into_iter().map(|e| e.change));
        // A forged token or another property is refused.
        assert!(
            authenticate_and_parse(
                &verifier,
                "forged-token-000000",
                &request.body,
                &property,
                &hotel,
                Utc::now()
            )
            .is_err()
        );
        assert!(authenticate_and_parse(&verifier, &token, &request.body, "1", &hotel, Utc::now()).is_err());
    }
    assert!(changes.iter().any(|c| matches!(
        c,
        Change::RoomStatusChanged { room: r, status: Some(HousekeepingStatus::Dirty), .. } if r.id == room.room.id
    )), "{changes:?}");
    assert!(
        changes.iter().any(|c| matches!(
            c,
            Change::ReservationStatusChanged { reservation, status: Some(ReservationStatus::CheckedIn) }
                if reservation.id.as_str() == arriving
        )),
        "{changes:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn webhook_subscriptions_filter_events_and_metadata_names_the_api() {
    let sim = start(28).await;
    let cb = client(&sim);
    assert_eq!(
        cb.api_url_from_metadata().await.unwrap().as_str(),
        CloudbedsSim::api_url(&sim)
    );
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let endpoint = url::Url::parse(&format!("{}/cloudbeds", receiver.uri())).unwrap();
    let secret = SecretString::from(WEBHOOK_TOKEN.to_owned());
    let id = cb
        .subscribe_webhook("housekeeping", "room_condition_changed", &endpoint, &secret)
        .await
        .unwrap();
    // The secret (`authHeaderValue`) never reaches the simulator's journal.
    let journaled = sim.state().requests_to("postWebhook");
    assert!(
        !journaled[0].body.to_string().contains(WEBHOOK_TOKEN),
        "{}",
        journaled[0].body
    );
    let listed = cb.list_webhooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    // getWebhooks names the header, never its value.
    assert_eq!(
        listed[0].auth_header.as_ref().and_then(|h| h.name.as_deref()),
        Some(pms_cloudbeds::WEBHOOK_AUTH_HEADER)
    );
    assert_eq!(
        listed[0].event.as_ref().and_then(|e| e.action.as_deref()),
        Some("room_condition_changed")
    );

    // A housekeeping change is delivered; a check-in (not subscribed) is not.
    let room = cb
        .room_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.housekeeping == HousekeepingStatus::Clean)
        .unwrap();
    cb.set_room_status(&RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: room.room.id.clone(),
        status: HousekeepingStatus::Dirty,
    })
    .await
    .unwrap();
    let arriving = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id.and_then(|id| h.room(id)).map(|x| x.state) == Some(RoomState::Inspected)
            })
            .map(CloudbedsIds::reservation_id)
            .unwrap()
    });
    cb.check_in(&CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&arriving),
        room: None,
    })
    .await
    .unwrap();
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let verifier = WebhookVerifier::new(&secret).unwrap();
    // The simulator's sender puts the secret in the subscribed header, not in the URL.
    assert_eq!(requests[0].url.query(), None);
    let mut headers = http::HeaderMap::new();
    for (name, value) in requests[0].headers.iter() {
        headers.insert(name.clone(), value.clone());
    }
    let presented = pms_cloudbeds::Presented::from_request(&headers, requests[0].url.query());
    assert_eq!(presented.header.as_deref(), Some(WEBHOOK_TOKEN));
    let hotel = pms_core::HotelId::new("harbor").unwrap();
    let delivery = pms_cloudbeds::authenticate_delivery(
        &verifier,
        &presented,
        &requests[0].body,
        &property_id(&sim),
        &hotel,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(delivery.event, "housekeeping/room_condition_changed");
    // The same body with a wrong header is refused.
    let forged = pms_cloudbeds::Presented {
        header: Some("0123456789abcdef-forged".into()),
        url_token: None,
    };
    assert!(
        pms_cloudbeds::authenticate_delivery(
            &verifier,
            &forged,
            &requests[0].body,
            &property_id(&sim),
            &hotel,
            Utc::now()
        )
        .is_err()
    );

    cb.delete_webhook(&id).await.unwrap();
    assert!(cb.list_webhooks().await.unwrap().is_empty());
    assert!(
        cb.delete_webhook(&id).await.is_err(),
        "deleting twice is success:false"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn assign_room_moves_a_confirmed_stay_and_refuses_unknown_or_taken_rooms() {
    let sim = start(27).await;
    let cb = client(&sim);
    let active = |s: ReservationState| {
        matches!(
            s,
            ReservationState::Inquired
                | ReservationState::Optional
                | ReservationState::Confirmed
                | ReservationState::Started
        )
    };
    // A confirmed stay, a free room for its dates, and a room another stay holds then.
    let (reservation, uuid, free, taken) = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed)
            .find_map(|r| {
                let overlaps = |o: &pms_sim::Reservation| {
                    o.id != r.id
                        && active(o.state)
                        && o.scheduled_start < r.scheduled_end
                        && r.scheduled_start < o.scheduled_end
                };
                let free = h.rooms.iter().find(|room| {
                    Some(room.id) != r.room_id
                        && !matches!(room.state, RoomState::OutOfOrder | RoomState::OutOfService)
                        && !h
                            .reservations
                            .iter()
                            .any(|o| overlaps(o) && o.room_id == Some(room.id))
                })?;
                let taken = h
                    .reservations
                    .iter()
                    .find(|o| overlaps(o) && o.room_id.is_some() && o.room_id != r.room_id)
                    .and_then(|o| h.room(o.room_id?))?;
                Some((
                    CloudbedsIds::reservation_id(r),
                    r.id,
                    (free.id, free.number.clone()),
                    taken.number.clone(),
                ))
            })
            .unwrap()
    });
    let assign = |room: &str| pms_core::RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: vendor(&reservation),
        room: pms_core::RoomNumber::new(room).unwrap(),
    };
    assert!(cb.capabilities().supports(pms_core::Capability::AssignRoom));

    // An unknown number: Validation, and nothing is sent.
    let err = cb.assign_room(&assign("no-such-room")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(sim.state().requests_to("postRoomAssign").is_empty());

    // A room another stay holds on these dates: the simulator refuses, nothing changes.
    let before = sim.state().reservation(uuid).unwrap().room_id;
    let err = cb.assign_room(&assign(&taken)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(sim.state().reservation(uuid).unwrap().room_id, before);

    // A free room: assigned, and read back.
    cb.assign_room(&assign(&free.1)).await.unwrap();
    assert_eq!(sim.state().reservation(uuid).unwrap().room_id, Some(free.0));
    let read = cb.reservation(&vendor(&reservation)).await.unwrap();
    assert_eq!(read.room_number.unwrap().as_str(), free.1);

    // Again: already assigned, success without a write.
    let writes = sim.state().requests_to("postRoomAssign").len();
    cb.assign_room(&assign(&free.1)).await.unwrap();
    assert_eq!(sim.state().requests_to("postRoomAssign").len(), writes);
    sim.shutdown().await;
}
