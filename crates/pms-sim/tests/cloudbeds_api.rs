//! The Cloudbeds front over HTTP: envelopes, errors, paging, writes readable
//! back, `referenceID` dedupe, the rate limit, OAuth refresh.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::Utc;
use pms_sim::{
    CloudbedsIds, CloudbedsSim, Hotel, HotelSpec, RateLimit, ReservationState, RoomState, SimHandle,
    SimOptions,
};
use serde_json::Value;
use uuid::Uuid;

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

/// One client for every call: building one per request costs more than the request.
fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap()
        })
        .clone()
}

async fn start() -> SimHandle {
    CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(7)))
        .await
        .unwrap()
}

fn url(sim: &SimHandle, method: &str) -> String {
    format!("{}{method}", CloudbedsSim::api_url(sim))
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(sim: &SimHandle, method: &str, query: &[(&str, &str)]) -> Reply {
    let response = client()
        .get(url(sim, method))
        .header("x-api-key", sim.access_token())
        .query(query)
        .send()
        .await
        .unwrap();
    reply(response).await
}

async fn send(sim: &SimHandle, verb: reqwest::Method, method: &str, form: &[(&str, &str)]) -> Reply {
    let response = client()
        .request(verb, url(sim, method))
        .header("x-api-key", sim.access_token())
        .form(form)
        .send()
        .await
        .unwrap();
    reply(response).await
}

async fn post(sim: &SimHandle, method: &str, form: &[(&str, &str)]) -> Reply {
    send(sim, reqwest::Method::POST, method, form).await
}

/// A confirmed arrival today on a room in `room_state`: (reservationID, uuid, room uuid).
fn arrival_today(h: &Hotel, room_state: RoomState) -> Option<(String, Uuid, Uuid)> {
    let today = h.business_date(Utc::now());
    h.reservations.iter().find_map(|r| {
        let room = r.room_id.and_then(|id| h.room(id))?;
        (r.state == ReservationState::Confirmed
            && h.business_date(r.scheduled_start) == today
            && room.state == room_state)
            .then(|| (CloudbedsIds::reservation_id(r), r.id, room.id))
    })
}

fn in_house(h: &Hotel) -> (String, Uuid) {
    let r = h
        .reservations
        .iter()
        .find(|r| r.state == ReservationState::Started)
        .unwrap();
    (CloudbedsIds::reservation_id(r), r.id)
}

fn decimal(v: &Value) -> rust_decimal::Decimal {
    v.to_string().trim_matches('"').parse().unwrap()
}

#[tokio::test]
async fn envelopes_request_ids_and_credentials() {
    let sim = start().await;
    let ok = get(&sim, "getHotelDetails", &[]).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["success"], true);
    assert_eq!(ok.body["data"]["propertyCurrency"]["currencyCode"], "EUR");
    assert!(ok.headers.contains_key("x-request-id"));
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    assert_eq!(ok.body["data"]["propertyID"], property.as_str());

    // No credential, or a wrong one: 401 with the v1 envelope.
    let none = reply(client().get(url(&sim, "getHotelDetails")).send().await.unwrap()).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["success"], false);
    assert!(none.body["message"].as_str().unwrap().len() > 3);
    // The key also works as a Bearer token.
    let bearer = reply(
        client()
            .get(url(&sim, "getHotelDetails"))
            .bearer_auth(sim.access_token())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bearer.status, 200);
    // Another property's id is refused inside the envelope.
    let other = get(&sim, "getReservations", &[("propertyID", "1")]).await;
    assert_eq!((other.status, &other.body["success"]), (200, &Value::Bool(false)));
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_envelopes_not_panics() {
    let sim = start().await;
    let client = client();
    // v1.x takes forms, not JSON.
    let json = reply(
        client
            .post(url(&sim, "postHousekeepingStatus"))
            .header("x-api-key", sim.access_token())
            .json(&serde_json::json!({ "roomID": "1" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(json.status, 400);
    assert_eq!(json.body["success"], false);
    // Unknown method, wrong verb.
    assert_eq!(get(&sim, "getNothing", &[]).await.status, 404);
    let verb = send(&sim, reqwest::Method::POST, "getReservations", &[]).await;
    assert_eq!(verb.status, 405);
    assert_eq!(verb.body["success"], false);
    // Bad parameters are business errors in a 200.
    for (method, query) in [
        ("getReservations", vec![("pageSize", "101")]),
        ("getReservations", vec![("pageNumber", "0")]),
        ("getReservations", vec![("modifiedFrom", "yesterday")]),
        ("getReservation", vec![]),
        ("getReservation", vec![("reservationID", "nope")]),
        ("getGuest", vec![("guestID", "999999")]),
        ("getTransactions", vec![("includeDeleted", "maybe")]),
    ] {
        let r = get(&sim, method, &query).await;
        assert_eq!(r.status, 200, "{method} {query:?}");
        assert_eq!(r.body["success"], false, "{method} {query:?}: {}", r.body);
        assert!(r.body["message"].is_string());
    }
    for form in [
        vec![("reservationID", "1000")],
        vec![("reservationID", "1000"), ("items[0][appItemID]", "x")],
        vec![("reservationID", "1000"), ("items[x][appItemID]", "x")],
        vec![
            ("reservationID", "1000"),
            ("items[0][appItemID]", "x"),
            ("items[0][itemPrice]", "ten"),
        ],
    ] {
        let r = post(&sim, "postCustomItem", &form).await;
        assert_eq!(
            (r.status, &r.body["success"]),
            (200, &Value::Bool(false)),
            "{form:?}"
        );
    }
    // A body over the bound is refused before parsing.
    let big = "a=".to_owned() + &"x".repeat(2 * 1024 * 1024);
    let large = reply(
        client
            .post(url(&sim, "postCustomItem"))
            .header("x-api-key", sim.access_token())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(large.status, 413);
    assert_eq!(sim.state().counters().writes_applied, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_walks_every_reservation_once_with_count_and_total() {
    let sim = start().await;
    let expected: std::collections::BTreeSet<String> = sim
        .state()
        .with_hotel(|h| h.reservations.iter().map(CloudbedsIds::reservation_id).collect());
    let mut seen = Vec::new();
    for page in 1.. {
        let page = page.to_string();
        let r = get(
            &sim,
            "getReservations",
            &[("pageNumber", &page), ("pageSize", "7")],
        )
        .await;
        assert_eq!(r.body["success"], true, "{}", r.body);
        let data = r.body["data"].as_array().unwrap();
        assert_eq!(r.body["count"], data.len());
        assert_eq!(r.body["total"], expected.len());
        // Counts are strings, balance a number (spec GetReservationsResponse).
        if let Some(first) = data.first() {
            assert!(
                first["adults"].is_string() && first["balance"].is_number(),
                "{first}"
            );
        }
        seen.extend(
            data.iter()
                .map(|d| d["reservationID"].as_str().unwrap().to_owned()),
        );
        if data.len() < 7 {
            break;
        }
    }
    assert_eq!(seen.len(), expected.len(), "no reservation twice");
    assert_eq!(
        seen.into_iter().collect::<std::collections::BTreeSet<_>>(),
        expected
    );

    // Rooms page on rooms (count/total are rooms), default pageSize 20.
    let rooms = get(&sim, "getRooms", &[("pageSize", "15")]).await;
    assert_eq!(rooms.body["data"][0]["rooms"].as_array().unwrap().len(), 15);
    assert_eq!(
        (rooms.body["count"].clone(), rooms.body["total"].clone()),
        (15.into(), 20.into())
    );
    let rest = get(&sim, "getRooms", &[("pageSize", "15"), ("pageNumber", "2")]).await;
    assert_eq!(rest.body["count"], 5);
    // Guest list: data keyed by guest id.
    let guests = get(&sim, "getGuestList", &[("pageSize", "5")]).await;
    let map = guests.body["data"].as_object().unwrap();
    assert_eq!(map.len(), 5);
    assert!(map.iter().all(|(k, v)| v["guestID"] == k.as_str()));
    sim.shutdown().await;
}

#[tokio::test]
async fn housekeeping_writes_are_read_back_and_toggle_without_a_condition() {
    let sim = start().await;
    let (room_uuid, room_id) = sim.state().with_hotel(|h| {
        let room = h.rooms.iter().find(|r| r.state == RoomState::Clean).unwrap();
        (room.id, CloudbedsIds::room_id(h, room.id).unwrap())
    });
    let set = post(
        &sim,
        "postHousekeepingStatus",
        &[
            ("roomID", &room_id),
            ("roomCondition", "dirty"),
            ("doNotDisturb", "true"),
        ],
    )
    .await;
    assert_eq!(set.body["success"], true, "{}", set.body);
    assert_eq!(set.body["data"]["roomCondition"], "dirty");
    assert_eq!(sim.state().room(room_uuid).unwrap().state, RoomState::Dirty);
    let all = get(&sim, "getHousekeepingStatus", &[]).await;
    let item = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["roomID"] == room_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["roomCondition"], "dirty");
    assert_eq!(item["doNotDisturb"], true);
    // "If no optional parameters are sent, will switch from current room condition".
    let toggled = post(&sim, "postHousekeepingStatus", &[("roomID", &room_id)]).await;
    assert_eq!(toggled.body["data"]["roomCondition"], "clean");
    assert_eq!(sim.state().room(room_uuid).unwrap().state, RoomState::Clean);
    let unknown = post(
        &sim,
        "postHousekeepingStatus",
        &[("roomID", "0-0"), ("roomCondition", "clean")],
    )
    .await;
    assert_eq!(unknown.body["success"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn check_in_and_out_change_state_and_invalid_transitions_are_success_false() {
    let sim = start().await;
    let (res_id, res_uuid, room) = sim
        .state()
        .with_hotel(|h| arrival_today(h, RoomState::Inspected))
        .unwrap();
    // Checking out a guest who has not arrived: refused inside HTTP 200.
    let early = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &res_id), ("status", "checked_out")],
    )
    .await;
    assert_eq!(early.status, 200);
    assert_eq!(early.body["success"], false);
    assert!(
        early.body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be changed")
    );
    assert_eq!(
        sim.state().reservation(res_uuid).unwrap().state,
        ReservationState::Confirmed
    );

    let checked_in = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &res_id), ("status", "checked_in")],
    )
    .await;
    assert_eq!(checked_in.body["success"], true, "{}", checked_in.body);
    assert_eq!(checked_in.body["data"]["status"], "checked_in");
    let read = get(&sim, "getReservation", &[("reservationID", &res_id)]).await;
    assert_eq!(read.body["data"]["status"], "checked_in");
    assert_eq!(
        read.body["data"]["assigned"][0]["subReservationID"],
        res_id.as_str()
    );
    let again = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &res_id), ("status", "checked_in")],
    )
    .await;
    assert_eq!(again.body["success"], false);

    // A dirty room refuses check-in (the shared rule: inspected rooms only).
    if let Some((dirty_id, dirty_uuid, _)) = sim.state().with_hotel(|h| arrival_today(h, RoomState::Dirty)) {
        let r = send(
            &sim,
            reqwest::Method::PUT,
            "putReservation",
            &[("reservationID", &dirty_id), ("status", "checked_in")],
        )
        .await;
        assert_eq!(r.body["success"], false);
        assert_eq!(
            sim.state().reservation(dirty_uuid).unwrap().state,
            ReservationState::Confirmed
        );
    }

    // Check-out of an in-house guest leaving today; the room goes dirty.
    let leaving = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Started && h.business_date(r.scheduled_end) == today)
            .map(|r| (CloudbedsIds::reservation_id(r), r.id, r.room_id))
            .unwrap()
    });
    let out = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &leaving.0), ("status", "checked_out")],
    )
    .await;
    assert_eq!(out.body["success"], true, "{}", out.body);
    assert_eq!(
        sim.state().reservation(leaving.1).unwrap().state,
        ReservationState::Processed
    );
    assert_eq!(
        sim.state().room(leaving.2.unwrap()).unwrap().state,
        RoomState::Dirty
    );
    let _ = room;

    // Cancel and no-show rules.
    let future = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Confirmed && h.business_date(r.scheduled_start) > today)
            .map(CloudbedsIds::reservation_id)
            .unwrap()
    });
    let no_show = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &future), ("status", "no_show")],
    )
    .await;
    assert_eq!(no_show.body["success"], false, "no-show before the arrival day");
    let cancel = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &future), ("status", "canceled")],
    )
    .await;
    assert_eq!(cancel.body["data"]["status"], "canceled");
    let listed = get(
        &sim,
        "getReservations",
        &[("status", "canceled"), ("pageSize", "100")],
    )
    .await;
    assert!(
        listed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reservationID"] == future.as_str())
    );
    let bad = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &future), ("status", "teleported")],
    )
    .await;
    assert_eq!(bad.body["success"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_items_payments_and_voids_are_read_back_and_reference_ids_dedupe() {
    let sim = start().await;
    let (res_id, res_uuid) = sim.state().with_hotel(in_house);
    let balance = |r: &Reply| decimal(&r.body["data"]["balance"]);
    let before = balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await);
    let reference = Uuid::new_v4().to_string();
    let form = [
        ("reservationID", res_id.as_str()),
        ("subReservationID", res_id.as_str()),
        ("referenceID", reference.as_str()),
        ("items[0][appItemID]", "minibar-cola"),
        ("items[0][itemName]", "Cola"),
        ("items[0][itemQuantity]", "2"),
        ("items[0][itemPrice]", "4.50"),
        ("items[0][itemCategoryName]", "Minibar"),
        ("items[0][itemNote]", "pms-ref:abc"),
    ];
    let posted = post(&sim, "postCustomItem", &form).await;
    assert_eq!(posted.body["success"], true, "{}", posted.body);
    let sold = posted.body["data"]["soldProductID"].as_str().unwrap().to_owned();
    assert!(sold.starts_with("p_"));
    let transaction = posted.body["data"]["transactionID"].as_str().unwrap().to_owned();

    // The same referenceID again: success with a notice, nothing created.
    let repeat = post(&sim, "postCustomItem", &form).await;
    assert_eq!(repeat.body["success"], true);
    assert!(repeat.body["data"]["notice"].is_string());
    assert!(repeat.body["data"]["soldProductID"].is_null());
    assert_eq!(sim.state().charges_with_external_id(&reference).len(), 1);

    let after = get(&sim, "getReservation", &[("reservationID", &res_id)]).await;
    assert_eq!(balance(&after), before + rust_decimal::Decimal::new(900, 2));
    let tx = get(
        &sim,
        "getTransactions",
        &[("reservationID", &res_id), ("includeDeleted", "true")],
    )
    .await;
    let line = tx.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["transactionID"] == transaction.as_str())
        .unwrap()
        .clone();
    assert_eq!(line["transactionCategory"], "custom_item");
    assert_eq!(line["transactionType"], "debit");
    assert_eq!(decimal(&line["amount"]), rust_decimal::Decimal::new(-900, 2));
    assert_eq!(line["notes"], "pms-ref:abc");
    assert_eq!(line["itemCategoryName"], "Minibar");
    assert_eq!(line["quantity"], 2);

    // Payment: top-level ids, balance down; void it, balance back.
    let paid = post(
        &sim,
        "postPayment",
        &[
            ("reservationID", &res_id),
            ("type", "cash"),
            ("amount", "9.00"),
            ("description", "bar"),
        ],
    )
    .await;
    assert_eq!(paid.body["success"], true, "{}", paid.body);
    let payment_id = paid.body["paymentID"].as_str().unwrap().to_owned();
    assert!(paid.body["transactionID"].is_string());
    let b = balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await);
    assert_eq!(b, before);
    let credit = post(
        &sim,
        "postPayment",
        &[("reservationID", &res_id), ("type", "credit"), ("amount", "1")],
    )
    .await;
    assert_eq!(credit.body["success"], false, "credit needs cardType");
    let void = post(
        &sim,
        "postVoidPayment",
        &[("reservationID", &res_id), ("paymentID", &payment_id)],
    )
    .await;
    assert_eq!(void.body["success"], true, "{}", void.body);
    let twice = post(
        &sim,
        "postVoidPayment",
        &[("reservationID", &res_id), ("paymentID", &payment_id)],
    )
    .await;
    assert_eq!(twice.body["success"], false);
    let b = balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await);
    assert_eq!(b, before + rust_decimal::Decimal::new(900, 2));

    // Void the item: flagged deleted plus a void transaction pointing at it.
    let voided = post(
        &sim,
        "postVoidItem",
        &[("reservationID", &res_id), ("soldProductID", &sold)],
    )
    .await;
    assert_eq!(voided.body["success"], true, "{}", voided.body);
    let again = post(
        &sim,
        "postVoidItem",
        &[("reservationID", &res_id), ("soldProductID", &sold)],
    )
    .await;
    assert_eq!(again.body["success"], false);
    assert!(again.body["message"].as_str().unwrap().contains("already voided"));
    let tx = get(
        &sim,
        "getTransactions",
        &[("reservationID", &res_id), ("includeDeleted", "true")],
    )
    .await;
    let rows = tx.body["data"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|t| t["transactionID"] == transaction.as_str() && t["isDeleted"] == true)
    );
    assert!(
        rows.iter()
            .any(|t| t["parentTransactionID"] == transaction.as_str() && t["transactionCategory"] == "void")
    );
    let hidden = get(&sim, "getTransactions", &[("reservationID", &res_id)]).await;
    assert!(
        hidden.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["transactionID"] != transaction.as_str()
                && t["parentTransactionID"] != transaction.as_str())
    );
    assert_eq!(
        balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await),
        before
    );

    // Adjustments: a credit, voidable once.
    let adj = post(
        &sim,
        "postAdjustment",
        &[
            ("reservationID", &res_id),
            ("type", "rate"),
            ("amount", "5"),
            ("notes", "goodwill"),
        ],
    )
    .await;
    let adjustment = adj.body["data"]["adjustmentID"].as_str().unwrap().to_owned();
    let b = balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await);
    assert_eq!(b, before - rust_decimal::Decimal::from(5));
    // SDK 1.19.0 sends POST with a form body; the spec's DELETE is refused (405).
    let del = reply(
        client()
            .delete(url(&sim, "deleteAdjustment"))
            .header("x-api-key", sim.access_token())
            .query(&[
                ("reservationID", res_id.as_str()),
                ("adjustmentID", adjustment.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(del.status, 405, "{}", del.body);
    let del = post(
        &sim,
        "deleteAdjustment",
        &[("reservationID", &res_id), ("adjustmentID", &adjustment)],
    )
    .await;
    assert_eq!(del.body["success"], true, "{}", del.body);
    assert_eq!(
        balance(&get(&sim, "getReservation", &[("reservationID", &res_id)]).await),
        before
    );
    let _ = res_uuid;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_rate_limit_is_per_credential_with_429_and_retry_after() {
    let mut options = SimOptions::with_hotel(HotelSpec::small(7));
    // The documented 5 requests, over a window long enough that the test never races the clock.
    options.faults.rate_limit = Some(RateLimit {
        requests: pms_sim::CLOUDBEDS_RATE_LIMIT.requests,
        window: Duration::from_secs(120),
    });
    let sim = CloudbedsSim::start(options).await.unwrap();
    for _ in 0..5 {
        assert_eq!(get(&sim, "getHotelDetails", &[]).await.status, 200);
    }
    let limited = get(&sim, "getHotelDetails", &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["success"], false);
    assert!(limited.headers.contains_key("retry-after"));
    // The second key has its own budget.
    let other = sim.credentials().access_tokens[1].clone();
    let r = client()
        .get(url(&sim, "getHotelDetails"))
        .header("x-api-key", other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(sim.state().counters().rate_limited, 1);
    assert_eq!(pms_sim::CLOUDBEDS_RATE_LIMIT.window, Duration::from_secs(1));
    sim.shutdown().await;
}

#[tokio::test]
async fn oauth_refresh_issues_bearer_tokens() {
    let sim = start().await;
    let token_url = url(&sim, "access_token");
    let refused = client()
        .post(&token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CloudbedsSim::CLIENT_ID),
            ("client_secret", "wrong"),
            ("refresh_token", CloudbedsSim::REFRESH_TOKEN),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let granted: Value = client()
        .post(&token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CloudbedsSim::CLIENT_ID),
            ("client_secret", sim.client_token()),
            ("refresh_token", CloudbedsSim::REFRESH_TOKEN),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        granted["expires_in"],
        CloudbedsSim::ACCESS_TOKEN_LIFETIME.as_secs()
    );
    assert_eq!(granted["resources"][0]["type"], "property");
    let token = granted["access_token"].as_str().unwrap();
    let ok = client()
        .get(url(&sim, "getHotelDetails"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // Secrets never reach the journal.
    let logged = sim.state().requests_to("access_token");
    assert!(
        logged
            .iter()
            .all(|r| r.body.get("client_secret").is_none() && r.body.get("refresh_token").is_none())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn webhooks_have_the_cloudbeds_shape() {
    let sim = start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    sim.webhooks().register(&hook, "0123456789abcdef").unwrap();
    let (res_id, _, _) = sim
        .state()
        .with_hotel(|h| arrival_today(h, RoomState::Inspected))
        .unwrap();
    let r = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &res_id), ("status", "checked_in")],
    )
    .await;
    assert_eq!(r.body["success"], true);
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let body = rx.recv().await.unwrap();
    assert_eq!(body["event"], "reservation/status_changed");
    assert_eq!(body["version"], "1.0");
    assert_eq!(body["reservationID"], res_id.as_str());
    assert_eq!(body["status"], "checked_in");
    assert!(body["timestamp"].is_number());
    assert!(body["propertyID"].is_number() && body["propertyID_str"].is_string());
    sim.shutdown().await;
}

/// SDK 1.19.0 `postWebhook.authHeaderName`/`authHeaderValue`: each "Requires"
/// the other; the sender sends the header on every delivery and no token;
/// `getWebhooks` names the header, never its value, and the journal masks it.
#[tokio::test]
async fn webhook_subscriptions_with_an_auth_header() {
    let sim = start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Option<String>, Option<String>)>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
            let tx = tx.clone();
            async move {
                let header = headers
                    .get("x-hook-secret")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let _ = tx.send((header, uri.query().map(str::to_owned)));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    for half in [
        vec![("authHeaderName", "X-Hook-Secret")],
        vec![("authHeaderValue", "s3cr3t-value-0123")],
    ] {
        let mut form = vec![
            ("object", "reservation"),
            ("action", "status_changed"),
            ("endpointUrl", hook.as_str()),
        ];
        form.extend(half);
        let r = post(&sim, "postWebhook", &form).await;
        assert_eq!(r.body["success"], false, "{}", r.body);
    }
    let r = post(
        &sim,
        "postWebhook",
        &[
            ("object", "reservation"),
            ("action", "status_changed"),
            ("endpointUrl", hook.as_str()),
            ("authHeaderName", "X-Hook-Secret"),
            ("authHeaderValue", "s3cr3t-value-0123"),
        ],
    )
    .await;
    assert_eq!(r.body["success"], true, "{}", r.body);
    let listed = get(&sim, "getWebhooks", &[]).await;
    assert_eq!(
        listed.body["data"][0]["authHeader"],
        serde_json::json!({"name": "X-Hook-Secret"})
    );
    assert!(!listed.body.to_string().contains("s3cr3t"));
    assert!(
        sim.state()
            .requests_to("postWebhook")
            .iter()
            .all(|r| !r.body.to_string().contains("s3cr3t"))
    );
    let (res_id, _, _) = sim
        .state()
        .with_hotel(|h| arrival_today(h, RoomState::Inspected))
        .unwrap();
    let r = send(
        &sim,
        reqwest::Method::PUT,
        "putReservation",
        &[("reservationID", &res_id), ("status", "checked_in")],
    )
    .await;
    assert_eq!(r.body["success"], true);
    assert!(sim.webhooks().settle(Duration::from_secs(5)).await);
    let (header, query) = rx.recv().await.unwrap();
    assert_eq!(header.as_deref(), Some("s3cr3t-value-0123"));
    assert_eq!(query, None, "no token in the URL");
    sim.shutdown().await;
}

#[tokio::test]
async fn odd_parameters_on_every_method_get_envelopes_never_5xx() {
    let sim = start().await;
    let (res_id, room_id) = sim.state().with_hotel(|h| {
        let r = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        (
            CloudbedsIds::reservation_id(r),
            CloudbedsIds::room_id(h, r.room_id.unwrap()).unwrap(),
        )
    });
    let long = "9".repeat(5000);
    let odd: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("reservationID", "")],
        vec![("reservationID", &long), ("guestID", &long), ("roomID", &long)],
        vec![
            ("reservationID", &res_id),
            ("roomID", &room_id),
            ("status", "ünïcode ✓"),
        ],
        vec![
            ("reservationID", &res_id),
            ("items[99999999999999999999][appItemID]", "x"),
            ("pageNumber", "18446744073709551616"),
        ],
        vec![
            ("reservationID", &res_id),
            ("items[0][appItemID]", "x"),
            ("items[0][itemPrice]", "1e400"),
            ("items[0][itemQuantity]", "-1"),
            ("amount", "NaN"),
            ("type", "rate"),
            ("paymentID", "p_1"),
            ("soldProductID", "p_1"),
            ("adjustmentID", "1"),
            ("endpointUrl", "not a url"),
            ("object", "reservation"),
            ("action", "created"),
            ("subscriptionID", "x"),
        ],
        vec![
            ("reservationID", &res_id),
            ("pageSize", "5000"),
            ("pageNumber", "4294967295"),
            ("modifiedFrom", "2026-13-45 99:99:99"),
            ("saleDate", "1000-01-01 00:00:00"),
            ("roomCondition", "sparkling"),
        ],
    ];
    let methods = [
        (reqwest::Method::GET, "getReservations"),
        (reqwest::Method::GET, "getReservation"),
        (reqwest::Method::PUT, "putReservation"),
        (reqwest::Method::GET, "getGuest"),
        (reqwest::Method::GET, "getGuestList"),
        (reqwest::Method::GET, "getRooms"),
        (reqwest::Method::GET, "getHousekeepingStatus"),
        (reqwest::Method::POST, "postHousekeepingStatus"),
        (reqwest::Method::GET, "getHotelDetails"),
        (reqwest::Method::POST, "postCustomItem"),
        (reqwest::Method::POST, "postVoidItem"),
        (reqwest::Method::POST, "postAdjustment"),
        (reqwest::Method::POST, "deleteAdjustment"),
        (reqwest::Method::POST, "postPayment"),
        (reqwest::Method::POST, "postVoidPayment"),
        (reqwest::Method::GET, "getTransactions"),
        (reqwest::Method::POST, "access_token"),
        (reqwest::Method::POST, "postWebhook"),
        (reqwest::Method::GET, "getWebhooks"),
        (reqwest::Method::DELETE, "deleteWebhook"),
        (reqwest::Method::GET, "oauth/metadata"),
    ];
    for (verb, method) in methods {
        for params in &odd {
            let request = client()
                .request(verb.clone(), url(&sim, method))
                .header("x-api-key", sim.access_token());
            let request = if verb == reqwest::Method::GET || verb == reqwest::Method::DELETE {
                request.query(params)
            } else {
                request.form(params)
            };
            let r = reply(request.send().await.unwrap()).await;
            assert!(r.status < 500, "{method} {params:?}: {} {}", r.status, r.body);
            assert!(
                // `oauth/metadata` types `success` as a string (spec `GetMetadataResponse`).
                r.body["success"].is_boolean()
                    || r.body["success"] == "true"
                    || r.body["access_token"].is_string(),
                "{method}: {}",
                r.body
            );
        }
    }
    assert_eq!(sim.state().counters().injected_5xx, 0);
    sim.shutdown().await;
}

#[test]
fn the_vendor_is_named_cloudbeds() {
    assert_eq!(
        "cloudbeds".parse::<pms_sim::Vendor>().unwrap(),
        pms_sim::Vendor::Cloudbeds
    );
    assert_eq!(
        "Cloudbeds".parse::<pms_sim::Vendor>().unwrap(),
        pms_sim::Vendor::Cloudbeds
    );
    assert_eq!(pms_sim::Vendor::Cloudbeds.to_string(), "cloudbeds");
}
