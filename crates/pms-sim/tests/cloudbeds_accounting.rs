//! The Cloudbeds front's Accounting API, `POST /accounting/v1.0/transactions`:
//! request validation and answer shape as `src/accounting-v1.0-openapi.json`
//! specifies them (the simulator module `cloudbeds/accounting.rs` lists the
//! rules), and the folio lines of the v1.3 writes readable through it.
#![allow(clippy::unwrap_used)]

use pms_sim::{CloudbedsIds, CloudbedsSim, Hotel, HotelSpec, SimHandle, SimOptions};
use serde_json::{Value, json};

async fn start() -> SimHandle {
    CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(11)))
        .await
        .unwrap()
}

fn accounting(sim: &SimHandle) -> String {
    format!("{}/accounting/v1.0/transactions", sim.base_url())
}

fn property(sim: &SimHandle) -> String {
    sim.state().with_hotel(CloudbedsIds::property_id)
}

struct Answer {
    status: u16,
    body: Value,
}

async fn search_with(sim: &SimHandle, property: &str, body: Value) -> Answer {
    let response = reqwest::Client::new()
        .post(accounting(sim))
        .bearer_auth(sim.access_token())
        .header("X-Property-ID", property)
        .json(&body)
        .send()
        .await
        .unwrap();
    Answer {
        status: response.status().as_u16(),
        body: response.json().await.unwrap_or(Value::Null),
    }
}

async fn search(sim: &SimHandle, body: Value) -> Answer {
    search_with(sim, &property(sim), body).await
}

fn in_house(h: &Hotel) -> String {
    h.reservations
        .iter()
        .find(|r| r.state == pms_sim::ReservationState::Started)
        .map(CloudbedsIds::reservation_id)
        .unwrap()
}

fn of_stay(reservation: &str) -> Value {
    json!({"and": [
        {"field": "source_identifier", "operator": "equals", "value": reservation},
        {"field": "source_kind", "operator": "equals", "value": "RESERVATION"}
    ]})
}

/// `ApiAccountingError`: exactly `{id, timestamp, errorCode, errorDetails}`.
fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let mut keys: Vec<&str> = answer
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["errorCode", "errorDetails", "id", "timestamp"]);
    assert_eq!(answer.body["errorCode"], code, "{}", answer.body);
}

#[tokio::test]
async fn credentials_and_the_property_header_are_checked() {
    let sim = start().await;
    let body = json!({"filters": of_stay("1")});
    let plain = |request: reqwest::RequestBuilder| async move {
        let r = request
            .json(&json!({"filters": of_stay("1")}))
            .send()
            .await
            .unwrap();
        Answer {
            status: r.status().as_u16(),
            body: r.json().await.unwrap_or(Value::Null),
        }
    };
    let client = reqwest::Client::new();
    // No credential; an x-api-key (the spec declares bearerAuth and OAuth only).
    let none = plain(
        client
            .post(accounting(&sim))
            .header("X-Property-ID", property(&sim)),
    )
    .await;
    assert_error(&none, 401, "ACCESS_DENIED");
    let key = plain(
        client
            .post(accounting(&sim))
            .header("x-api-key", sim.access_token())
            .header("X-Property-ID", property(&sim)),
    )
    .await;
    assert_error(&key, 401, "ACCESS_DENIED");
    // X-Property-ID: required, an int64, and ours.
    let missing = plain(client.post(accounting(&sim)).bearer_auth(sim.access_token())).await;
    assert_error(&missing, 400, "INVALID_REQUEST");
    assert_error(
        &search_with(&sim, "abc", body.clone()).await,
        400,
        "INVALID_REQUEST",
    );
    assert_error(&search_with(&sim, "1", body.clone()).await, 403, "ACCESS_DENIED");
    // Not JSON.
    let form = client
        .post(accounting(&sim))
        .bearer_auth(sim.access_token())
        .header("X-Property-ID", property(&sim))
        .form(&[("filters", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_filter_rules_of_the_spec_are_enforced() {
    let sim = start().await;
    let cases = [
        (json!({}), "INVALID_REQUEST"),
        (json!({"filters": {}}), "INVALID_REQUEST"),
        (json!({"filters": {"and": []}}), "INVALID_REQUEST"),
        // No base filter.
        (
            json!({"filters": {"and": [{"field": "internal_code", "operator": "equals", "value": "1000"}]}}),
            "INVALID_REQUEST",
        ),
        // source_id requires source_kind.
        (
            json!({"filters": {"and": [{"field": "source_id", "operator": "equals", "value": "1"}, {"field": "service_date", "operator": "equals", "value": "2026-01-01"}]}}),
            "INVALID_REQUEST",
        ),
        // external_relation_id and _kind always together.
        (
            json!({"filters": {"and": [{"field": "external_relation_id", "operator": "equals", "value": "1"}, {"field": "service_date", "operator": "equals", "value": "2026-01-01"}]}}),
            "INVALID_REQUEST",
        ),
        // A lone condition: only id, transaction_datetime, service_date, business_date with equals/in.
        (
            json!({"filters": {"field": "source_kind", "operator": "equals", "value": "RESERVATION"}}),
            "INVALID_REQUEST",
        ),
        (
            json!({"filters": {"field": "service_date", "operator": "greater_than", "value": "2026-01-01"}}),
            "INVALID_REQUEST",
        ),
        // trial_balance_id: equals only.
        (
            json!({"filters": {"and": [{"field": "trial_balance_id", "operator": "in", "value": ["1"]}]}}),
            "INVALID_REQUEST",
        ),
        // Not a ConditionalOperator; `in` without an array.
        (
            json!({"filters": {"field": "id", "operator": "like", "value": "1"}}),
            "INVALID_REQUEST",
        ),
        (
            json!({"filters": {"field": "id", "operator": "in", "value": "1"}}),
            "INVALID_REQUEST",
        ),
        // Unrecognized filter and sort fields.
        (
            json!({"filters": {"field": "guest_name", "operator": "equals", "value": "x"}}),
            "INVALID_ARGUMENT_ERROR",
        ),
        (
            json!({"filters": of_stay("1"), "sort": [{"field": "amount", "direction": "asc"}]}),
            "INVALID_ARGUMENT_ERROR",
        ),
        (
            json!({"filters": of_stay("1"), "sort": [{"field": "id", "direction": "up"}]}),
            "INVALID_REQUEST",
        ),
        // limit: 1..=1100.
        (json!({"filters": of_stay("1"), "limit": 0}), "INVALID_REQUEST"),
        (json!({"filters": of_stay("1"), "limit": 1101}), "INVALID_REQUEST"),
        (
            json!({"filters": of_stay("1"), "pageToken": "nope"}),
            "INVALID_REQUEST",
        ),
    ];
    for (body, code) in cases {
        let answer = search(&sim, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_error(&answer, 400, code);
    }
    // Accepted: the spec's own examples (a lone `id in [numbers]`, `pageToken: null`),
    // and Cloudbeds' docs spelling of field names in capitals.
    for body in [
        json!({"filters": {"field": "id", "operator": "in", "value": [101, 102, 103]}}),
        json!({"filters": {"field": "service_date", "operator": "equals", "value": "2024-01-01"}}),
        json!({"filters": of_stay("1"), "pageToken": null, "limit": 10, "sort": [{"field": "transaction_datetime", "direction": "asc"}]}),
        json!({"filters": {"and": [
            {"operator": "equals", "value": "1", "field": "SOURCE_IDENTIFIER"},
            {"operator": "equals", "value": "RESERVATION", "field": "SOURCE_KIND"}
        ]}, "pageSize": 100, "orderBy": [{"field": "ID", "direction": "asc"}]}),
    ] {
        let answer = search(&sim, body.clone()).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert!(answer.body["transactions"].is_array());
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn v1_writes_are_posted_transactions_with_minor_units_and_pages() {
    let sim = start().await;
    let reservation = sim.state().with_hotel(in_house);
    let client = reqwest::Client::new();
    let v13 = |method: &str| format!("{}{method}", CloudbedsSim::api_url(&sim));
    let posted: Value = client
        .post(v13("postCustomItem"))
        .header("x-api-key", sim.access_token())
        .form(&[
            ("reservationID", reservation.as_str()),
            ("referenceID", "ref-accounting-1"),
            ("items[0][appItemID]", "spa-1"),
            ("items[0][itemName]", "Massage"),
            ("items[0][itemQuantity]", "2"),
            ("items[0][itemPrice]", "45.25"),
            ("items[0][itemNote]", "pms-ref:accounting"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["success"], true, "{posted}");
    let sold = posted["data"]["soldProductID"].as_str().unwrap().to_owned();
    let all = search(&sim, json!({"filters": of_stay(&reservation), "limit": 1100})).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.get("nextPageToken").is_none(), "{}", all.body);
    let lines = all.body["transactions"].as_array().unwrap().clone();
    let item = lines
        .iter()
        .find(|t| t["notes"] == "pms-ref:accounting")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(item["internalTransactionCode"], "4000");
    assert_eq!(item["amount"], 9050, "two at 45.25, in cents");
    assert_eq!(item["currencyScale"], 2);
    assert_eq!(item["quantity"], 2);
    assert_eq!(item["sourceIdentifier"], reservation.as_str());
    assert_eq!(item["sourceKind"], "RESERVATION");
    assert_eq!(item["externalRelationKind"], "ITEM_POS");
    assert_eq!(
        format!("p_{}", item["externalRelationId"].as_str().unwrap()),
        sold
    );
    // No field is null (the schema declares none nullable).
    for line in &lines {
        assert!(line.as_object().unwrap().values().all(|v| !v.is_null()), "{line}");
    }

    // Voided: the original stays (an immutable ledger) and a V line names it.
    let voided: Value = client
        .post(v13("postVoidItem"))
        .header("x-api-key", sim.access_token())
        .form(&[
            ("reservationID", reservation.as_str()),
            ("soldProductID", sold.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(voided["success"], true, "{voided}");
    let after = search(&sim, json!({"filters": of_stay(&reservation), "limit": 1100})).await;
    let void = after.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["parentId"] == item["id"])
        .unwrap()
        .clone();
    assert_eq!(void["internalTransactionCode"], "4000V");
    assert_eq!(void["amount"], -9050);

    // One line per page: every line once, then no nextPageToken.
    let mut seen = Vec::new();
    let mut token = Value::Null;
    loop {
        let page = search(
            &sim,
            json!({"filters": of_stay(&reservation), "limit": 1, "pageToken": token}),
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(
            page.body["transactions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone()),
        );
        match page.body.get("nextPageToken") {
            Some(next) => token = next.clone(),
            None => break,
        }
    }
    let ids: Vec<Value> = after.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(seen, ids);
    // A token of another search is refused.
    let other = search(
        &sim,
        json!({"filters": of_stay("1"), "limit": 1, "pageToken": "1.0000000000000000"}),
    )
    .await;
    assert_error(&other, 400, "INVALID_REQUEST");
    sim.shutdown().await;
}

/// With `PMS_VENDOR_SPECS` set, every key and type of an answer is the
/// spec's `TransactionResponse` (a missing spec file then fails the test).
#[tokio::test]
async fn answers_use_only_the_fields_and_types_of_transaction_response() {
    let Ok(dir) = std::env::var("PMS_VENDOR_SPECS") else {
        eprintln!("PMS_VENDOR_SPECS unset: spec check skipped");
        return;
    };
    let path = std::path::Path::new(&dir).join("cloudbeds/accounting-v1.0-openapi.json");
    let spec: Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .unwrap();
    let properties = spec["components"]["schemas"]["TransactionResponse"]["properties"]
        .as_object()
        .unwrap()
        .clone();
    let sim = start().await;
    let reservation = sim.state().with_hotel(in_house);
    let answer = search(&sim, json!({"filters": of_stay(&reservation)})).await;
    let lines = answer.body["transactions"].as_array().unwrap();
    assert!(!lines.is_empty());
    for line in lines {
        for (key, value) in line.as_object().unwrap() {
            let declared = properties
                .get(key)
                .unwrap_or_else(|| panic!("{key} is not a TransactionResponse field"));
            let declared = match declared["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.trim_start_matches("#/components/schemas/");
                    &spec["components"]["schemas"][name]
                }
                None => declared,
            };
            let ty = declared["type"].as_str().unwrap_or("object");
            if let Some(allowed) = declared["enum"].as_array() {
                assert!(allowed.contains(value), "{key}: {value} is not in its enum");
            }
            let ok = match ty {
                "string" => value.is_string(),
                "number" => value.is_number(),
                "integer" => value.is_i64() || value.is_u64(),
                _ => value.is_object(),
            };
            assert!(ok, "{key}: {value} is not a {ty}");
        }
    }
    sim.shutdown().await;
}
