//! Contract tests against the Mews Connector API's own OpenAPI document
//! (`mews/connector-api.openapi.yaml` in the folder `PMS_VENDOR_SPECS`
//! names; unset: skipped, set and missing: failed).
//!
//! The client is driven through every call the connector makes, against the
//! simulator behind a recording proxy: each request must validate against
//! the operation's request schema (undeclared fields are violations), and
//! each answer against the response schema of its status. The operations
//! the simulator serves that the client never calls are driven directly.
//! Requests must present the credentials the operation's `security` asks
//! for (Mews puts its tokens in the body, so the document declares none).
//! Answer fields the schema lacks fail the test unless listed, with a
//! reason, in [`ALLOWED_EXTRA`].
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{Duration, Utc};
use pms_contract::{Allowed, Contract, Erratum, Formats, Known, Recorder, Report, Spec, VendorSpecs};
use pms_core::*;
use pms_mews::{MewsClient, MewsConfig};
use pms_sim::{HotelSpec, MewsSim, ReservationState, SimHandle, SimOptions};
use serde_json::{Value, json};

/// Answer fields the simulator sends that the schema does not declare, each
/// with its reason. Empty: the simulator sends none (the ones it did were
/// removed, see CHANGELOG).
const ALLOWED_EXTRA: &[Allowed<'static>] = &[];

/// Where the document is wrong. `MultipleReservationUpdateParameters`
/// reuses the single-update schema: it requires a top-level `ReservationId`
/// and every `ReservationUpdates[]` item to carry the three tokens, while
/// the Mews reference (<https://docs.mews.com/connector-api/operations/reservations#update-reservations>,
/// request example) sends the tokens once at the top and `ReservationId`
/// inside each item, as we do.
const ERRATA: &[Erratum<'static>] = &[
    Erratum {
        operation: "reservations_update",
        rule: "/components/schemas/MultipleReservationUpdateParameters/required",
        message: "\"ReservationId\"",
        why: "the reference's example has ReservationId per update, not at the top",
    },
    Erratum {
        operation: "reservations_update",
        rule: "/components/schemas/ReservationUpdateParameters/required",
        message: "Token\"",
        why: "the reference's example sends the tokens once, at the top",
    },
    Erratum {
        operation: "reservations_update",
        rule: "/components/schemas/ReservationUpdateParameters/required",
        message: "\"Client\"",
        why: "the reference's example sends Client once, at the top",
    },
];

const KNOWN: Known<'static> = Known {
    extra_fields: ALLOWED_EXTRA,
    request_fields: &[],
    errata: ERRATA,
    verbs: &[],
    unchecked: &[],
};

/// Every operation the connector calls, compared with the client by
/// `grep -rn '"[a-zA-Z]*/[a-zA-Z]*' crates/pms-mews/src` (every call names
/// its path): `configuration/get` is read both for health (an empty body)
/// and for the property profile (with `EnterpriseId` under a portfolio
/// token); `resourceBlocks/getAll` resolves a `ResourceBlockUpdated` hint.
const CLIENT_OPERATIONS: &[&str] = &[
    "mews:configuration_get",
    "mews:services_getAll",
    "mews:resources_getAll",
    "mews:reservations_getAll_2023-06-06",
    "mews:customers_getAll",
    "mews:orderItems_getAll",
    "mews:payments_getAll",
    "mews:resources_update",
    "mews:reservations_start",
    "mews:reservations_process",
    "mews:orders_add",
    "mews:orderItems_cancel",
    "mews:reservations_update",
    "mews:resourceBlocks_getAll",
];

/// The operations the simulator serves beyond those (its `OPERATIONS`
/// table in `crates/pms-sim/src/mews/mod.rs`).
const SIMULATOR_ONLY: &[&str] = &[
    "mews:bills_getAll",
    "mews:payments_addExternal",
    "mews:resourceBlocks_add",
    "mews:resourceBlocks_delete",
];

fn contract(specs: &VendorSpecs) -> Contract {
    let path = specs.file("mews/connector-api.openapi.yaml").unwrap();
    Contract::new(vec![Spec::load("mews", &path, Formats::default()).unwrap()])
}

fn client(sim: &SimHandle, base_url: String, service: Option<String>) -> MewsClient {
    client_with(sim, base_url, service, None)
}

/// A client; `enterprise` configures `MEWS_ENTERPRISE_ID` (a portfolio
/// token's hotel: requests then carry `EnterpriseId` / `EnterpriseIds`).
fn client_with(
    sim: &SimHandle,
    base_url: String,
    service: Option<String>,
    enterprise: Option<String>,
) -> MewsClient {
    let mut vars = HashMap::from([
        ("PMS_HOTELS", "grand".to_owned()),
        ("PMS_HOTEL_GRAND_PMS", "mews".to_owned()),
        ("PMS_HOTEL_GRAND_BASE_URL", base_url),
        ("PMS_HOTEL_GRAND_TIME_ZONE", "Europe/Berlin".to_owned()),
        ("PMS_HOTEL_GRAND_CURRENCY", "EUR".to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_CLIENT_TOKEN", sim.client_token().to_owned()),
        ("PMS_HOTEL_GRAND_MEWS_ACCESS_TOKEN", sim.access_token().to_owned()),
        (
            "PMS_HOTEL_GRAND_MEWS_CLIENT_NAME",
            "pms-mews contract 0.1".to_owned(),
        ),
        ("PMS_HOTEL_GRAND_MEWS_TAX_CODES", "DE-2020-1-S".to_owned()),
    ]);
    if let Some(enterprise) = enterprise {
        vars.insert("PMS_HOTEL_GRAND_MEWS_ENTERPRISE_ID", enterprise);
    }
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let mut mews = MewsConfig::from_hotel(&config.hotels[0]).unwrap();
    mews.charges.service_id = service;
    MewsClient::builder(mews).build().unwrap()
}

fn id(text: impl ToString) -> VendorId {
    VendorId::new(text.to_string()).unwrap()
}

/// Drives the client through every call it makes; returns what went over the wire.
async fn client_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<pms_contract::Exchange> {
    let base = proxy.rebase(&sim.base_url());
    let bare = client(sim, base.clone(), None);
    assert!(bare.health().await.healthy, "configuration/get");
    let profile = bare.property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::EUR), "configuration/get");
    // Under a portfolio token: `EnterpriseId` / `EnterpriseIds` in the requests.
    let enterprise = sim.state().with_hotel(|h| h.property.id.to_string());
    let portfolio = client_with(sim, base.clone(), None, Some(enterprise));
    portfolio.property_profile().await.unwrap();
    portfolio.rooms().await.unwrap();
    let additional = bare
        .services()
        .await
        .unwrap()
        .into_iter()
        .find(|s| {
            s.data
                .as_ref()
                .is_some_and(|d| format!("{:?}", d.discriminator) == "Additional")
        })
        .map(|s| s.id)
        .unwrap();
    let client = client(sim, base, Some(additional));
    let tz = pms_sim::TIME_ZONE;
    let today = Utc::now().with_timezone(&tz).date_naive();

    let page = client
        .reservations_modified(&ChangeQuery {
            since: Utc::now() - Duration::days(30),
            until: Utc::now() + Duration::days(1),
            page: None,
            page_size: 50,
        })
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    let range = DateRange::new(today, today + Duration::days(1)).unwrap();
    client.arrivals(range).await.unwrap();
    client.departures(range).await.unwrap();
    client.agenda(range).await.unwrap();
    client.rooms().await.unwrap();
    let statuses = client.room_statuses().await.unwrap();

    let (in_house, guest, arriving, arriving_room, leaving) = sim.state().with_hotel(|h| {
        let in_house = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        let arriving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && r.room_id.is_some()
                    && h.business_date(r.scheduled_start) == today
            })
            .unwrap();
        let leaving = h
            .reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Started
                    && r.id != in_house.id
                    && h.business_date(r.scheduled_end) == today
            })
            .unwrap();
        (
            in_house.id,
            in_house.guest_id,
            arriving.id,
            arriving.room_id.unwrap(),
            leaving.id,
        )
    });
    client.reservation(&id(in_house)).await.unwrap();
    client.guest(&id(guest)).await.unwrap();
    client.folio(&id(in_house)).await.unwrap();

    let charge = ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: id(in_house),
        kind: ChargeKind::RoomService,
        description: "Club sandwich".into(),
        unit_amount: Money::parse("14.50", Currency::EUR).unwrap(),
        quantity: 2.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    };
    client.post_charge(&charge).await.unwrap();
    let found = client
        .find_charge(&charge.reservation, charge.request_id)
        .await
        .unwrap()
        .unwrap();
    client
        .void_charge(&VoidChargeRequest {
            request_id: RequestId::new_random(),
            reservation: charge.reservation.clone(),
            charge: found.external.id.clone(),
            reason: "contract test".into(),
        })
        .await
        .unwrap();

    let room = statuses.first().unwrap();
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: room.room.id.clone(),
            status: HousekeepingStatus::Dirty,
        })
        .await
        .unwrap();
    client
        .set_room_status(&RoomStatusUpdate {
            request_id: RequestId::new_random(),
            room: id(arriving_room),
            status: HousekeepingStatus::Inspected,
        })
        .await
        .unwrap();
    client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: id(arriving),
            room: None,
        })
        .await
        .unwrap();
    client
        .check_out(&CheckOutRequest {
            request_id: RequestId::new_random(),
            reservation: id(leaving),
            allow_open_balance: true,
        })
        .await
        .unwrap();

    let (confirmed, free_room) = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some())
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    Some(room.id) != r.room_id
                        && !h.reservations.iter().any(|o| {
                            o.room_id == Some(room.id)
                                && !matches!(
                                    o.state,
                                    ReservationState::Canceled | ReservationState::Processed
                                )
                                && o.scheduled_start < r.scheduled_end
                                && o.scheduled_end > r.scheduled_start
                        })
                })?;
                Some((r.id, free.number.clone()))
            })
            .unwrap()
    });
    client
        .assign_room(&RoomAssignment {
            request_id: RequestId::new_random(),
            reservation: id(confirmed),
            room: RoomNumber::new(free_room).unwrap(),
        })
        .await
        .unwrap();
    // A refusal (403): a stay that starts in a week cannot be checked in.
    let future = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .find(|r| {
                r.state == ReservationState::Confirmed
                    && h.business_date(r.scheduled_start) > today + Duration::days(2)
            })
            .map(|r| r.id)
            .unwrap()
    });
    let refused = client
        .check_in(&CheckInRequest {
            request_id: RequestId::new_random(),
            reservation: id(future),
            room: None,
        })
        .await;
    assert!(refused.is_err(), "{refused:?}");
    proxy.take()
}

fn tokens(sim: &SimHandle, params: Value) -> Value {
    let mut body = json!({
        "ClientToken": sim.client_token(),
        "AccessToken": sim.access_token(),
        "Client": "pms-mews contract 0.1",
    });
    for (k, v) in params.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// Calls the operations only the simulator serves, and an answer of each
/// error status it gives.
async fn simulator_only_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<pms_contract::Exchange> {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |op: &str| format!("{}/api/connector/v1/{op}", proxy.rebase(&sim.base_url()));
    let (account, bill, reservation) = sim.state().with_hotel(|h| {
        let r = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        let bill = h.bills.first().unwrap();
        (r.guest_id, bill.id, r.id)
    });
    let now = Utc::now();
    let calls = [
        (
            "bills/getAll",
            json!({"BillIds": [bill], "Limitation": {"Count": 10}}),
        ),
        (
            "bills/getAll",
            json!({"UpdatedUtc": {"StartUtc": now - Duration::days(30), "EndUtc": now}, "State": "Closed", "Limitation": {"Count": 5}}),
        ),
        (
            "payments/addExternal",
            json!({"AccountId": account, "ReservationId": reservation, "Amount": {"Currency": "EUR", "GrossValue": 10.5}, "Type": "Cash", "ExternalIdentifier": "contract-1"}),
        ),
    ];
    for (op, params) in calls {
        http.post(url(op))
            .json(&tokens(sim, params))
            .send()
            .await
            .unwrap();
    }
    proxy.take()
}

/// A room block: added and deleted directly (the connector only reads
/// blocks), read by the client while active and after deletion, as a
/// `ResourceBlockUpdated` hint makes it do.
async fn room_block_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<pms_contract::Exchange> {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |op: &str| format!("{}/api/connector/v1/{op}", proxy.rebase(&sim.base_url()));
    let client = client(sim, proxy.rebase(&sim.base_url()), None);
    let room = sim.state().with_hotel(|h| h.rooms[0].id);
    let now = Utc::now();
    let added: Value = http
        .post(url("resourceBlocks/add"))
        .json(&tokens(
            sim,
            json!({"ResourceBlocks": [{
                "ResourceId": room, "Name": "Maintenance", "Type": "OutOfOrder",
                "StartUtc": now - Duration::hours(1), "EndUtc": now + Duration::days(1),
                "Notes": "contract test"
            }]}),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let block = id(added["ResourceBlocks"][0]["Id"].as_str().unwrap());
    let active = client.room_block(&block).await.unwrap();
    assert_eq!(active.room.id.as_str(), room.to_string());
    assert!(active.active);
    http.post(url("resourceBlocks/delete"))
        .json(&tokens(sim, json!({"ResourceBlockIds": [block.as_str()]})))
        .send()
        .await
        .unwrap();
    assert!(
        !client.room_block(&block).await.unwrap().active,
        "a deleted block is still read"
    );
    proxy.take()
}

/// Requests wrong on purpose, for the simulator's error answers (their
/// requests are not checked).
async fn error_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<pms_contract::Exchange> {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |op: &str| format!("{}/api/connector/v1/{op}", proxy.rebase(&sim.base_url()));
    // 400: an unknown state.
    let body = tokens(sim, json!({"State": "Sideways", "Limitation": {"Count": 5}}));
    assert_eq!(
        http.post(url("bills/getAll"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    // 401: a wrong AccessToken.
    let mut bad = tokens(sim, json!({"Limitation": {"Count": 1}}));
    bad["AccessToken"] = json!("00000000000000000000000000000000-000000000000000000000000000000");
    assert_eq!(
        http.post(url("services/getAll"))
            .json(&bad)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    proxy.take()
}

#[tokio::test]
async fn client_requests_and_simulator_answers_follow_the_mews_schema() {
    let Some(specs) = VendorSpecs::from_env_or_skip("mews schema") else {
        return;
    };
    let contract = contract(&specs);
    let sim = MewsSim::start(SimOptions::with_hotel(HotelSpec {
        agenda_items: 20,
        ..HotelSpec::small(81)
    }))
    .await
    .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();

    let mut report = Report::default();
    let client = client_traffic(&sim, &proxy).await;
    let sent = |path: &str, field: &str| {
        client.iter().any(|e| {
            e.request.path.ends_with(path)
                && serde_json::from_slice::<Value>(&e.request.body).is_ok_and(|b| b.get(field).is_some())
        })
    };
    assert!(
        sent("configuration/get", "EnterpriseId"),
        "the portfolio profile read"
    );
    assert!(
        sent("resources/getAll", "EnterpriseIds"),
        "the portfolio rooms read"
    );
    report.merge(contract.report(&client, &KNOWN));
    report.merge(contract.report(&room_block_traffic(&sim, &proxy).await, &KNOWN));
    report.merge(contract.report(&simulator_only_traffic(&sim, &proxy).await, &KNOWN));
    report.assert_covers(CLIENT_OPERATIONS);
    report.assert_covers(SIMULATOR_ONLY);
    report.merge(contract.report_answers(&error_traffic(&sim, &proxy).await, &KNOWN));
    println!(
        "{} exchanges over {} operations; allowed extra fields seen: {:?}; errata seen: {:?}",
        report.exchanges,
        report.covered.len(),
        report.allowed_seen,
        report.errata_seen
    );
    report.assert_clean();
    report.assert_known_used(&KNOWN);
    proxy.shutdown().await;
    sim.shutdown().await;
}
