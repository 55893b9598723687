//! Malformed input never panics the simulator: every operation answers odd
//! bodies with a documented Mews status and error body.

mod common;

use common::{call, start};
use serde_json::{Value, json};

const OPERATIONS: &[&str] = &[
    "configuration/get",
    "reservations/getAll/2023-06-06",
    "reservations/start",
    "reservations/process",
    "customers/getAll",
    "resources/getAll",
    "resources/update",
    "services/getAll",
    "orders/add",
    "orderItems/getAll",
    "orderItems/cancel",
    "bills/getAll",
    "payments/getAll",
    "payments/addExternal",
];

fn odd_bodies() -> Vec<Value> {
    let many: Vec<String> = (0..1001)
        .map(|i| format!("00000000-0000-0000-0000-{i:012}"))
        .collect();
    vec![
        json!({}),
        json!({ "Limitation": "ten" }),
        json!({ "Limitation": { "Count": 4_294_967_296u64 } }),
        json!({ "Limitation": { "Count": 0 } }),
        json!({ "Limitation": { "Count": 5, "Cursor": "not-a-uuid" } }),
        json!({ "Limitation": { "Count": 5, "Cursor": "00000000-0000-0000-0000-000000000001" } }),
        json!({ "Limitation": { "Count": 5 }, "UpdatedUtc": { "StartUtc": "yesterday", "EndUtc": null } }),
        json!({ "Limitation": { "Count": 5 }, "UpdatedUtc": { "StartUtc": "2026-02-01T00:00:00Z", "EndUtc": "2026-01-01T00:00:00Z" } }),
        json!({ "Limitation": { "Count": 5 }, "ReservationIds": many, "OrderItemIds": many, "ResourceIds": many }),
        json!({ "ReservationId": null }),
        json!({ "ReservationId": "00000000-0000-0000-0000-000000000000", "AllowOpenBalance": "yes" }),
        json!({ "ResourceUpdates": [{ "ResourceId": "x", "State": { "Value": 3 } }] }),
        json!({ "ResourceUpdates": null }),
        json!({ "ServiceId": "00000000-0000-0000-0000-000000000000", "AccountId": "00000000-0000-0000-0000-000000000000",
                "Items": [{ "Name": "x", "UnitCount": -1, "UnitAmount": { "Currency": "EUR", "TaxCodes": [], "GrossValue": "1" } }] }),
        json!({ "ServiceId": "00000000-0000-0000-0000-000000000000", "Items": [{ "Name": "x", "UnitCount": 1,
                "UnitAmount": { "Currency": "EUR", "TaxCodes": ["DE-2020-1-S"], "GrossValue": 1e308 } }] }),
        json!({ "AccountId": "00000000-0000-0000-0000-000000000000", "Amount": { "Currency": "EUR", "GrossValue": -5 } }),
        json!({ "OrderItemIds": many }),
        json!({ "Extent": [], "Limitation": { "Count": 1 } }),
        json!([1, 2, 3]),
        json!("just a string"),
    ]
}

#[tokio::test]
async fn odd_bodies_get_documented_errors_on_every_operation() {
    let sim = start().await;
    for operation in OPERATIONS {
        for body in odd_bodies() {
            let reply = call(&sim, operation, body.clone()).await;
            assert!(
                [200, 400, 401, 403].contains(&reply.status),
                "{operation} answered {} to {body}",
                reply.status
            );
            if reply.status != 200 {
                assert!(reply.body["Message"].is_string(), "{operation}: {}", reply.body);
            }
        }
    }
    // Still serving after all of it.
    assert_eq!(call(&sim, "configuration/get", json!({})).await.status, 200);
}
