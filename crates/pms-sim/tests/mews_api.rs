//! The Mews front over HTTP: wire format, errors, and writes readable back.

mod common;

use chrono::{Duration, Utc};
use common::{call, call_as, get_all, start};
use pms_sim::{Hotel, ReservationState, RoomState};
use serde_json::{Value, json};
use uuid::Uuid;

fn arrival_today(h: &Hotel, room_state: RoomState) -> Option<(Uuid, Uuid)> {
    let today = h.business_date(Utc::now());
    h.reservations.iter().find_map(|r| {
        let room = r.room_id.and_then(|id| h.room(id))?;
        (r.state == ReservationState::Confirmed
            && h.business_date(r.scheduled_start) == today
            && room.state == room_state)
            .then_some((r.id, room.id))
    })
}

#[tokio::test]
async fn configuration_names_the_enterprise_and_its_time_zone() {
    let sim = start().await;
    let reply = call(&sim, "configuration/get", json!({})).await;
    assert_eq!(reply.status, 200);
    assert!(reply.headers.contains_key("request-id"));
    assert_eq!(reply.body["Enterprise"]["TimeZoneIdentifier"], "Europe/Berlin");
    assert_eq!(reply.body["Enterprise"]["Pricing"], "Gross");
    assert_eq!(reply.body["Enterprise"]["Currencies"][0]["Currency"], "EUR");
    assert!(reply.body["NowUtc"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn bad_tokens_get_401_with_the_documented_error_body() {
    let sim = start().await;
    let reply = call_as(&sim, "not-a-token", "configuration/get", json!({})).await;
    assert_eq!(reply.status, 401);
    assert!(reply.body["Message"].as_str().unwrap().contains("AccessToken"));
    let request_id = reply.headers["request-id"].to_str().unwrap();
    assert_eq!(reply.body["RequestId"], request_id);
    assert!(reply.body["Details"].is_null());
}

#[tokio::test]
async fn malformed_requests_get_vendor_errors_not_panics() {
    let sim = start().await;
    let url = format!("{}/api/connector/v1/resources/getAll", sim.base_url());
    let client = reqwest::Client::new();
    // Strict JSON: a trailing comma is "Invalid JSON".
    let r = client
        .post(&url)
        .body(r#"{"Limitation": {"Count": 1},}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["Message"], "Invalid JSON");
    // Missing required Limitation names the property.
    let missing = call(
        &sim,
        "resources/getAll",
        json!({ "Extent": { "Resources": true } }),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body["Message"].as_str().unwrap().starts_with("Invalid"),
        "{}",
        missing.body
    );
    // Wrong types are a 400 too.
    let wrong = call(&sim, "reservations/start", json!({ "ReservationId": 12 })).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body["Message"].as_str().unwrap().contains("ReservationId"));
    // Count outside 1..=1000.
    let count = call(
        &sim,
        "resources/getAll",
        json!({ "Extent": { "Resources": true }, "Limitation": { "Count": 1001 } }),
    )
    .await;
    assert_eq!(count.status, 400);
    // Case-sensitive paths: a wrong one is 404.
    assert_eq!(call(&sim, "Resources/getAll", json!({})).await.status, 404);
    assert_eq!(call(&sim, "reservations/getAll", json!({})).await.status, 404);
    // Only POST.
    let get = client.get(&url).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert!(get.json::<Value>().await.unwrap()["Message"].is_string());
    // Bodies are bounded.
    let big = "x".repeat(2 * 1024 * 1024);
    let r = client.post(&url).body(big).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
}

#[tokio::test]
async fn reservations_page_newest_first_through_the_top_level_cursor() {
    let sim = start().await;
    let now = Utc::now();
    let window = json!({ "StartUtc": (now - Duration::days(80)).to_rfc3339(), "EndUtc": (now + Duration::days(1)).to_rfc3339() });
    let all = get_all(
        &sim,
        "reservations/getAll/2023-06-06",
        "Reservations",
        json!({ "UpdatedUtc": window }),
        17,
    )
    .await;
    let expected = sim.state().with_hotel(|h| {
        let start = now - Duration::days(80);
        let end = now + Duration::days(1);
        let stays = h
            .reservations
            .iter()
            .filter(|r| r.updated >= start && r.updated < end)
            .count();
        // Without ServiceIds the hourly agenda bookings come too (they
        // carry their stay's UpdatedUtc).
        let bookings = h
            .agenda
            .iter()
            .filter(|a| {
                h.reservation(a.reservation_id)
                    .is_some_and(|r| r.updated >= start && r.updated < end)
            })
            .count();
        stays + bookings
    });
    assert_eq!(all.len(), expected);
    let created: Vec<&str> = all.iter().map(|r| r["CreatedUtc"].as_str().unwrap()).collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "pages run newest to oldest"
    );
    let first = &all[0];
    for field in [
        "Id",
        "ServiceId",
        "AccountId",
        "Number",
        "State",
        "ScheduledStartUtc",
        "ScheduledEndUtc",
        "PersonCounts",
        "Options",
    ] {
        assert!(!first[field].is_null(), "{field} missing");
    }
}

#[tokio::test]
async fn reservation_filters_and_the_three_month_cap() {
    let sim = start().await;
    let (id, number) = sim
        .state()
        .with_hotel(|h| (h.reservations[3].id, h.reservations[3].number.clone()));
    let one = call(
        &sim,
        "reservations/getAll/2023-06-06",
        json!({ "ReservationIds": [id], "Limitation": { "Count": 10 } }),
    )
    .await;
    assert_eq!(one.body["Reservations"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["Reservations"][0]["Number"], number.as_str());
    assert_eq!(one.body["Cursor"], json!(id));

    let now = Utc::now();
    let today_arrivals = json!({ "StartUtc": (now - Duration::hours(20)).to_rfc3339(), "EndUtc": (now + Duration::hours(20)).to_rfc3339() });
    let arriving = call(
        &sim,
        "reservations/getAll/2023-06-06",
        json!({ "ScheduledStartUtc": today_arrivals, "Limitation": { "Count": 1000 } }),
    )
    .await;
    assert_eq!(arriving.status, 200);
    assert!(!arriving.body["Reservations"].as_array().unwrap().is_empty());

    let too_long = json!({ "StartUtc": "2026-01-01T00:00:00Z", "EndUtc": "2026-04-02T00:00:00Z" });
    let refused = call(
        &sim,
        "reservations/getAll/2023-06-06",
        json!({ "UpdatedUtc": too_long, "Limitation": { "Count": 10 } }),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body["Message"].as_str().unwrap().contains("UpdatedUtc"));
}

#[tokio::test]
async fn resources_update_is_readable_back() {
    let sim = start().await;
    let room = sim
        .state()
        .with_hotel(|h| h.rooms.iter().find(|r| r.state != RoomState::Dirty).unwrap().id);
    let update = call(
        &sim,
        "resources/update",
        json!({ "ResourceUpdates": [{ "ResourceId": room, "State": { "Value": "Dirty" } }] }),
    )
    .await;
    assert_eq!(update.status, 200);
    assert_eq!(update.body, json!({}));
    let read = call(
        &sim,
        "resources/getAll",
        json!({ "ResourceIds": [room], "Extent": { "Resources": true }, "Limitation": { "Count": 10 } }),
    )
    .await;
    assert_eq!(read.body["Resources"][0]["State"], "Dirty");
    assert_eq!(read.body["Resources"][0]["Data"]["Discriminator"], "Space");
    assert_eq!(sim.state().room(room).unwrap().state, RoomState::Dirty);

    let ooo = call(
        &sim,
        "resources/update",
        json!({ "ResourceUpdates": [{ "ResourceId": room, "State": { "Value": "OutOfOrder" } }] }),
    )
    .await;
    assert_eq!(ooo.status, 400, "OutOfOrder comes from resource blocks");
    let unknown = call(
        &sim,
        "resources/update",
        json!({ "ResourceUpdates": [{ "ResourceId": Uuid::nil(), "State": { "Value": "Clean" } }] }),
    )
    .await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn check_in_follows_the_mews_starting_conditions() {
    let sim = start().await;
    let (ready, _) = sim
        .state()
        .with_hotel(|h| arrival_today(h, RoomState::Inspected))
        .unwrap();
    let started = call(&sim, "reservations/start", json!({ "ReservationId": ready })).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let read = call(
        &sim,
        "reservations/getAll/2023-06-06",
        json!({ "ReservationIds": [ready], "Limitation": { "Count": 1 } }),
    )
    .await;
    let r = &read.body["Reservations"][0];
    assert_eq!(r["State"], "Started");
    assert!(r["ActualStartUtc"].is_string());
    assert_eq!(r["Options"]["ConnectorCheckIn"], true);
    // A replay is a business error, not a second check-in.
    let again = call(&sim, "reservations/start", json!({ "ReservationId": ready })).await;
    assert_eq!(again.status, 403);

    // A dirty room blocks check-in until housekeeping inspects it.
    let (blocked, room) = sim
        .state()
        .with_hotel(|h| arrival_today(h, RoomState::Dirty))
        .unwrap();
    assert_eq!(
        call(&sim, "reservations/start", json!({ "ReservationId": blocked }))
            .await
            .status,
        403
    );
    call(
        &sim,
        "resources/update",
        json!({ "ResourceUpdates": [{ "ResourceId": room, "State": { "Value": "Inspected" } }] }),
    )
    .await;
    assert_eq!(
        call(&sim, "reservations/start", json!({ "ReservationId": blocked }))
            .await
            .status,
        200
    );

    // Future arrivals cannot start.
    let future = sim.state().with_hotel(|h| {
        let today = h.business_date(Utc::now());
        h.reservations
            .iter()
            .find(|r| r.state == ReservationState::Confirmed && h.business_date(r.scheduled_start) > today)
            .unwrap()
            .id
    });
    assert_eq!(
        call(&sim, "reservations/start", json!({ "ReservationId": future }))
            .await
            .status,
        403
    );
    assert_eq!(
        call(
            &sim,
            "reservations/start",
            json!({ "ReservationId": Uuid::nil() })
        )
        .await
        .status,
        400
    );
}

#[tokio::test]
async fn check_out_needs_an_in_house_guest_and_a_settled_or_excused_balance() {
    let sim = start().await;
    let (leaving, room) = sim
        .state()
        .with_hotel(|h| {
            let today = h.business_date(Utc::now());
            h.reservations.iter().find_map(|r| {
                (r.state == ReservationState::Started
                    && h.business_date(r.scheduled_end) == today
                    && !h.stay_balance(r.id).is_zero())
                .then(|| (r.id, r.room_id.unwrap()))
            })
        })
        .unwrap();
    let unpaid = call(&sim, "reservations/process", json!({ "ReservationId": leaving })).await;
    assert_eq!(unpaid.status, 403, "{}", unpaid.body);
    let no_notes = call(
        &sim,
        "reservations/process",
        json!({ "ReservationId": leaving, "AllowOpenBalance": true }),
    )
    .await;
    assert_eq!(no_notes.status, 400);
    let ok = call(
        &sim,
        "reservations/process",
        json!({ "ReservationId": leaving, "AllowOpenBalance": true, "Notes": "city ledger" }),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let r = sim.state().reservation(leaving).unwrap();
    assert_eq!(r.state, ReservationState::Processed);
    assert!(r.actual_end.is_some());
    assert_eq!(sim.state().room(room).unwrap().state, RoomState::Dirty);
    // Only in-house stays check out.
    assert_eq!(
        call(&sim, "reservations/process", json!({ "ReservationId": leaving }))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn orders_add_is_readable_back_with_its_external_identifier() {
    let sim = start().await;
    let (stay, guest, service) = sim.state().with_hotel(|h| {
        let r = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        let service = h
            .services
            .iter()
            .find(|s| s.name == "Restaurant & Bar")
            .unwrap()
            .id;
        (r.id, r.guest_id, service)
    });
    let before = Utc::now() - Duration::seconds(2);
    let added = call(
        &sim,
        "orders/add",
        json!({
            "ServiceId": service,
            "AccountId": guest,
            "LinkedReservationId": stay,
            "Items": [{
                "Name": "Spa tip",
                "UnitCount": 2,
                "UnitAmount": { "Currency": "EUR", "TaxCodes": ["DE-2020-1-S"], "GrossValue": 11.9 },
                "ExternalIdentifier": "ledger-42"
            }]
        }),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let order_id = added.body["OrderId"].as_str().unwrap().to_owned();

    let by_order = call(
        &sim,
        "orderItems/getAll",
        json!({ "ServiceOrderIds": [order_id], "Limitation": { "Count": 10 } }),
    )
    .await;
    let items = by_order.body["OrderItems"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["ExternalIdentifier"], "ledger-42");
    assert_eq!(item["UnitCount"], 2);
    assert_eq!(item["Amount"]["GrossValue"], 23.8);
    assert_eq!(item["Amount"]["NetValue"], 20.0);
    assert_eq!(item["Type"], "CustomItem");
    assert_eq!(item["AccountingState"], "Open");

    // The ambiguous-write read-back: by account and a creation window.
    let window = json!({ "StartUtc": before.to_rfc3339(), "EndUtc": (Utc::now() + Duration::seconds(2)).to_rfc3339() });
    let by_account = call(
        &sim,
        "orderItems/getAll",
        json!({ "AccountIds": [guest], "CreatedUtc": window, "Limitation": { "Count": 100 } }),
    )
    .await;
    assert!(
        by_account.body["OrderItems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["ExternalIdentifier"] == "ledger-42")
    );
    assert_eq!(sim.state().charges_with_external_id("ledger-42").len(), 1);

    // Void it; the void is visible and a second void is refused.
    let id = item["Id"].clone();
    assert_eq!(
        call(&sim, "orderItems/cancel", json!({ "OrderItemIds": [id] }))
            .await
            .status,
        200
    );
    let again = call(
        &sim,
        "orderItems/getAll",
        json!({ "OrderItemIds": [id], "Limitation": { "Count": 1 } }),
    )
    .await;
    assert_eq!(again.body["OrderItems"][0]["AccountingState"], "Canceled");
    assert!(again.body["OrderItems"][0]["CanceledUtc"].is_string());
    assert_eq!(
        call(&sim, "orderItems/cancel", json!({ "OrderItemIds": [id] }))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn orders_add_posts_twice_when_replayed_and_validates_its_input() {
    let sim = start().await;
    let (guest, service, product) = sim.state().with_hotel(|h| {
        let p = h.products.iter().find(|p| p.name == "Breakfast").unwrap();
        (h.guests[0].id, p.service_id, p.id)
    });
    let body = json!({ "ServiceId": service, "AccountId": guest, "ProductOrders": [{ "ProductId": product, "Count": 1, "ExternalIdentifier": "bf-1" }] });
    assert_eq!(call(&sim, "orders/add", body.clone()).await.status, 200);
    assert_eq!(call(&sim, "orders/add", body).await.status, 200);
    let posted = sim.state().charges_with_external_id("bf-1");
    assert_eq!(posted.len(), 2, "no server-side idempotency");
    assert_eq!(sim.state().requests_to("orders/add").len(), 2);

    let stay_service = sim.state().with_hotel(|h| h.services[0].id);
    let wrong_service = call(&sim, "orders/add", json!({ "ServiceId": stay_service, "AccountId": guest, "Items": [{ "Name": "x", "UnitCount": 1, "UnitAmount": { "Currency": "EUR", "TaxCodes": ["DE-2020-1-S"], "GrossValue": 1 } }] })).await;
    assert_eq!(wrong_service.status, 400);
    let bad_tax = call(&sim, "orders/add", json!({ "ServiceId": service, "AccountId": guest, "Items": [{ "Name": "x", "UnitCount": 1, "UnitAmount": { "Currency": "EUR", "TaxCodes": ["XX"], "GrossValue": 1 } }] })).await;
    assert_eq!(bad_tax.status, 400);
    let no_items = call(
        &sim,
        "orders/add",
        json!({ "ServiceId": service, "AccountId": guest }),
    )
    .await;
    assert_eq!(no_items.status, 400);
    let too_old = call(&sim, "orders/add", json!({ "ServiceId": service, "AccountId": guest, "ConsumptionUtc": "2020-01-01T00:00:00Z", "ProductOrders": [{ "ProductId": product }] })).await;
    assert_eq!(too_old.status, 403);
}

#[tokio::test]
async fn customers_services_bills_and_payments_read() {
    let sim = start().await;
    let (guest, bill, stay) = sim.state().with_hotel(|h| {
        let p = h.payments.first().unwrap();
        (h.guests[0].id, p.bill_id.unwrap(), p.reservation_id.unwrap())
    });
    let customers = call(
        &sim,
        "customers/getAll",
        json!({ "CustomerIds": [guest], "Extent": { "Customers": true }, "Limitation": { "Count": 5 } }),
    )
    .await;
    assert_eq!(customers.body["Customers"][0]["Id"], json!(guest));
    assert!(customers.body["Customers"][0]["LastName"].is_string());
    let no_filter = call(
        &sim,
        "customers/getAll",
        json!({ "Extent": { "Customers": true }, "Limitation": { "Count": 5 } }),
    )
    .await;
    assert_eq!(no_filter.status, 400);

    let services = call(&sim, "services/getAll", json!({ "Limitation": { "Count": 10 } })).await;
    let kinds: Vec<&str> = services.body["Services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Data"]["Discriminator"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"Bookable") && kinds.contains(&"Additional"));

    let bills = call(
        &sim,
        "bills/getAll",
        json!({ "BillIds": [bill], "Limitation": { "Count": 5 } }),
    )
    .await;
    assert_eq!(bills.body["Bills"][0]["Id"], json!(bill));
    let payments = call(
        &sim,
        "payments/getAll",
        json!({ "ReservationIds": [stay], "Limitation": { "Count": 5 } }),
    )
    .await;
    assert!(payments.body["Payments"][0]["Amount"]["GrossValue"].is_number());
    let lines = call(
        &sim,
        "orderItems/getAll",
        json!({ "BillIds": [bill], "Limitation": { "Count": 100 } }),
    )
    .await;
    assert!(!lines.body["OrderItems"].as_array().unwrap().is_empty());
    let unfiltered = call(
        &sim,
        "orderItems/getAll",
        json!({ "Limitation": { "Count": 100 } }),
    )
    .await;
    assert_eq!(unfiltered.status, 400);
}

#[tokio::test]
async fn every_request_is_journaled_with_its_credential() {
    let sim = start().await;
    call(&sim, "configuration/get", json!({})).await;
    call_as(&sim, "wrong", "configuration/get", json!({})).await;
    let records = sim.state().requests();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].path, "/api/connector/v1/configuration/get");
    assert_eq!(records[0].credential.as_deref(), Some(sim.access_token()));
    assert_eq!(records[0].status, 200);
    assert_eq!(records[1].status, 401);
    // Bodies are kept for assertions, without the tokens.
    assert_eq!(records[0].body["Client"], "pms-sim tests 1.0");
    assert!(records[0].body.get("AccessToken").is_none());
}

#[tokio::test]
async fn paying_the_balance_lets_the_guest_check_out_and_closes_the_bill() {
    let sim = start().await;
    let (leaving, guest, balance) = sim
        .state()
        .with_hotel(|h| {
            let today = h.business_date(Utc::now());
            h.reservations.iter().find_map(|r| {
                let balance = h.stay_balance(r.id);
                (r.state == ReservationState::Started
                    && h.business_date(r.scheduled_end) == today
                    && !balance.is_zero())
                .then_some((r.id, r.guest_id, balance))
            })
        })
        .unwrap();
    assert_eq!(
        call(&sim, "reservations/process", json!({ "ReservationId": leaving }))
            .await
            .status,
        403
    );
    // The JSON number is written from the decimal's text, never via a float.
    let amount: Value = serde_json::from_str(&balance.to_string()).unwrap();
    let negated: Value = serde_json::from_str(&(-balance).to_string()).unwrap();
    let paid = call(
        &sim,
        "payments/addExternal",
        json!({ "AccountId": guest, "ReservationId": leaving, "Amount": { "Currency": "EUR", "GrossValue": amount }, "ExternalIdentifier": "pay-1", "Type": "Cash" }),
    )
    .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let payment_id = paid.body["ExternalPaymentId"].clone();
    let read = call(
        &sim,
        "payments/getAll",
        json!({ "PaymentIds": [payment_id], "Limitation": { "Count": 1 } }),
    )
    .await;
    let payment = &read.body["Payments"][0];
    assert_eq!(payment["Data"]["External"]["ExternalIdentifier"], "pay-1");
    assert_eq!(payment["Data"]["External"]["Type"], "Cash");
    // Money received is negative on the wire.
    assert_eq!(payment["Amount"]["GrossValue"].as_f64(), negated.as_f64());

    let done = call(
        &sim,
        "reservations/process",
        json!({ "ReservationId": leaving, "CloseBills": true }),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let items = call(
        &sim,
        "orderItems/getAll",
        json!({ "ServiceOrderIds": [leaving], "Limitation": { "Count": 100 } }),
    )
    .await;
    let items = items.body["OrderItems"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["AccountingState"] == "Closed" && i["ClosedUtc"].is_string())
    );
    let bill = items[0]["BillId"].clone();
    let bills = call(
        &sim,
        "bills/getAll",
        json!({ "BillIds": [bill], "Limitation": { "Count": 1 } }),
    )
    .await;
    assert_eq!(bills.body["Bills"][0]["State"], "Closed");
}

#[tokio::test]
async fn reservations_update_assigns_a_free_room_and_refuses_unknown_or_occupied_ones() {
    let sim = start().await;
    // A confirmed future stay with a room; a room an in-house stay holds
    // during it; a room no live stay holds during it.
    let (reservation, current, occupied, free) = sim.state().with_hotel(|h| {
        let live = |r: &pms_sim::Reservation| {
            !matches!(r.state, ReservationState::Canceled | ReservationState::Processed)
        };
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some())
            .find_map(|r| {
                let overlaps = |o: &pms_sim::Reservation| {
                    o.scheduled_start < r.scheduled_end && o.scheduled_end > r.scheduled_start
                };
                let occupied = h.reservations.iter().find(|o| {
                    o.state == ReservationState::Started && o.room_id != r.room_id && overlaps(o)
                })?;
                let free = h.rooms.iter().find(|room| {
                    Some(room.id) != r.room_id
                        && !h
                            .reservations
                            .iter()
                            .any(|o| o.room_id == Some(room.id) && live(o) && overlaps(o))
                })?;
                Some((r.id, r.room_id?, occupied.room_id?, free.id))
            })
            .unwrap()
    });
    let update = |room: Value| json!({ "ReservationUpdates": [{ "ReservationId": reservation, "AssignedResourceId": { "Value": room } }] });

    let unknown = call(&sim, "reservations/update", update(json!(Uuid::nil()))).await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.body["Message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid AssignedResourceId")
    );
    let taken = call(&sim, "reservations/update", update(json!(occupied))).await;
    assert_eq!(taken.status, 403, "{}", taken.body);
    assert!(taken.body["RequestId"].is_string());
    assert_eq!(
        sim.state().reservation(reservation).unwrap().room_id,
        Some(current)
    );

    let moved = call(&sim, "reservations/update", update(json!(free))).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["Reservations"][0]["AssignedResourceId"], json!(free));
    assert_eq!(sim.state().reservation(reservation).unwrap().room_id, Some(free));
    let read = call(
        &sim,
        "reservations/getAll/2023-06-06",
        json!({ "ReservationIds": [reservation], "Limitation": { "Count": 1 } }),
    )
    .await;
    assert_eq!(read.body["Reservations"][0]["AssignedResourceId"], json!(free));
    // The same room again is a no-op success.
    assert_eq!(
        call(&sim, "reservations/update", update(json!(free)))
            .await
            .status,
        200
    );
    // Fields the simulator does not model are refused, not dropped.
    let dates = call(
        &sim,
        "reservations/update",
        json!({ "ReservationUpdates": [{ "ReservationId": reservation, "StartUtc": { "Value": "2030-01-01T00:00:00Z" } }] }),
    )
    .await;
    assert_eq!(dates.status, 400, "{}", dates.body);
}
