//! Contract tests against Cloudbeds' own OpenAPI documents, in the folder
//! `PMS_VENDOR_SPECS` names (unset: skipped, set and missing: failed):
//! `cloudbeds/pms-v1.3-openapi.yaml` (the API v1.3, under `/api/v1.3`) and
//! `cloudbeds/accounting-v1.0-openapi.json` (the Accounting API, whose
//! paths carry `/accounting/v1.0` under the bare server
//! `https://api.cloudbeds.com`).
//!
//! The client is driven through every call the connector makes, against the
//! simulator behind a recording proxy: every query string, form body and
//! JSON body must validate against the operation's parameters and request
//! schema (undeclared parameters and fields are violations), the request
//! must present the credentials the operation's `security` accepts, and
//! every answer must validate against the response schema of its status.
//! The methods the simulator serves that the client never calls are driven
//! directly. Folio reads and charge read-back go through the Accounting
//! API's `listTransactions`; `getTransactions` (which left the public v1.3
//! document in 2025) is only the fallback when the Accounting call is
//! refused: a second test drives that path, and its `getTransactions`
//! exchanges are counted, not checked.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use pms_cloudbeds::{AdjustmentRequest, AdjustmentType, CloudbedsClient, PaymentRequest};
use pms_contract::{
    Allowed, Contract, Erratum, Exchange, Formats, Known, Recorder, Report, Spec, Unchecked, VendorSpecs,
    VerbDeviation,
};
use pms_core::*;
use pms_sim::{CloudbedsIds, CloudbedsSim, HotelSpec, ReservationState, RoomState, SimHandle, SimOptions};

/// Answer fields the simulator sends that the schemas do not declare, each
/// with its reason. The v1.3 document's `getWebhooks` items lack
/// `authHeader`; SDK 1.19.0's `GetWebhooksResponseDataInner` has
/// `authHeader: GetWebhooksResponseDataInnerAuthHeader {name}` ("Present
/// only when the subscription was registered with an auth header";
/// `name`: "Header name. The value is never returned."), the answer side of
/// the `postWebhook` fields in [`REQUEST_FIELDS`].
const ALLOWED_EXTRA: &[Allowed<'static>] = &[Allowed {
    operation: "GET /getWebhooks",
    field: "/data/*/authHeader",
    why: "SDK 1.19.0 GetWebhooksResponseDataInner.authHeader {name}; not yet in the v1.3 document",
}];

/// Request fields we send that the v1.3 document lacks, where the vendor's
/// later word has them: SDK `cloudbeds-pms-v1-3` 1.19.0 (October 2026,
/// newer than the document at `f6c4b9a`; the vendor-specs README calls the
/// package "the later word"), `IntegrationApi.post_webhook_post`, sends
/// `authHeaderName` ("HTTP header sent with every delivery, i.e.
/// `Authorization`. Use instead of credentials in `endpointUrl`. Requires
/// `authHeaderValue`.") and `authHeaderValue` as form fields of
/// `postWebhook` (`integration_api.py`: `_form_params.append(('authHeaderName', ...))`).
/// Every other undeclared request field stays an error.
const REQUEST_FIELDS: &[Allowed<'static>] = &[
    Allowed {
        operation: "POST /postWebhook",
        field: "/authHeaderName",
        why: "SDK 1.19.0 post_webhook_post form field; not yet in the v1.3 document",
    },
    Allowed {
        operation: "POST /postWebhook",
        field: "/authHeaderValue",
        why: "SDK 1.19.0 post_webhook_post form field; not yet in the v1.3 document",
    },
];

/// `deleteAdjustment`: the v1.3 document (`f6c4b9a`) gives `delete` with
/// query parameters `propertyID`, `reservationID`, `adjustmentID`; SDK
/// 1.19.0 (`AdjustmentApi.delete_adjustment_post`) sends `method='POST'`
/// with the same three names as form fields, and the connector follows the
/// later word. The request is checked against the DELETE operation's
/// parameters (read from the form), the answer against its responses.
const VERBS: &[VerbDeviation<'static>] = &[VerbDeviation {
    operation: "DELETE /deleteAdjustment",
    documented: "DELETE",
    sent: "POST",
    why: "SDK 1.19.0 delete_adjustment_post sends POST with a form; the v1.3 document says DELETE with a query",
}];

/// Where the document contradicts itself. `getHousekeepingStatus` lists
/// `roomCondition` as `dirty|clean`, while `postHousekeepingStatus` in the
/// same document takes `inspected` ("available only if the property has the
/// feature enabled") and the `housekeeping/room_condition_changed` webhook
/// reports it; a property with inspections reads its inspected rooms back
/// as `inspected` (the SDK maps the value to `unknown_default_open_api`
/// rather than failing).
const ERRATA: &[Erratum<'static>] = &[Erratum {
    operation: "GET /getHousekeepingStatus",
    rule: "/components/schemas/GetHousekeepingStatusResponse/properties/data/items/properties/roomCondition/enum",
    message: "\"inspected\"",
    why: "postHousekeepingStatus in the same document sets inspected",
}];

const KNOWN: Known<'static> = Known {
    extra_fields: ALLOWED_EXTRA,
    request_fields: REQUEST_FIELDS,
    errata: ERRATA,
    verbs: VERBS,
    unchecked: &[],
};

/// The fallback test's exchanges no document describes.
const FALLBACK_UNCHECKED: &[Unchecked<'static>] = &[
    Unchecked {
        method: "GET",
        path: "/api/v1.3/getTransactions",
        why: "left the public v1.3 document in 2025 (no SDK from 1.3.0 to 1.19.0 has it); the Accounting API replaces it",
    },
    Unchecked {
        method: "POST",
        path: REFUSING_ROOT_CALL,
        why: "the simulator's 404 at an Accounting root it does not serve: the refusal itself, in no document",
    },
];

/// An Accounting root the simulator does not serve: `POST` there is 404,
/// one of the answers the client reads as "no Accounting service" (the
/// simulator has no switch to take a property off the Accounting service).
const REFUSING_ROOT: &str = "/accounting-off/v1.0/";
const REFUSING_ROOT_CALL: &str = "/accounting-off/v1.0/transactions";

/// Every call the connector makes. Ids are `METHOD /path` for v1.3 (the
/// document names no `operationId`s) and the `operationId` for Accounting.
/// Compared with the client by `grep -rn 'name: "' crates/pms-cloudbeds/src`
/// (every `Call` names its method; `transactions` is the Accounting call)
/// and `auth.rs` (`access_token`): `getTransactions` is the one call left
/// out, as the fallback (see [`FALLBACK_UNCHECKED`]). Not driven: the
/// Accounting call's follow-up page (`pageToken`), which needs more than
/// 1,000 lines on one stay; its body differs from the first page's only by
/// that declared string.
const CLIENT_OPERATIONS: &[&str] = &[
    "cloudbeds:GET /getHotelDetails",
    "cloudbeds:GET /getHotels",
    "cloudbeds:GET /getReservations",
    "cloudbeds:GET /getReservationsWithRateDetails",
    "cloudbeds:GET /getReservation",
    "cloudbeds:GET /getGuest",
    "cloudbeds:GET /getRooms",
    "cloudbeds:GET /getHousekeepingStatus",
    "cloudbeds:POST /postHousekeepingStatus",
    "cloudbeds:PUT /putReservation",
    "cloudbeds:POST /postRoomAssign",
    "cloudbeds:POST /postCustomItem",
    "cloudbeds:POST /postVoidItem",
    "cloudbeds:POST /postAdjustment",
    // Sent as POST: see VERBS.
    "cloudbeds:DELETE /deleteAdjustment",
    "cloudbeds:POST /postPayment",
    "cloudbeds:POST /postVoidPayment",
    "cloudbeds:POST /postWebhook",
    "cloudbeds:GET /getWebhooks",
    "cloudbeds:DELETE /deleteWebhook",
    "cloudbeds:GET /oauth/metadata",
    "cloudbeds:POST /access_token",
    "cloudbeds-accounting:listTransactions",
];

/// The methods the simulator serves beyond those (its `OPERATIONS` table in
/// `crates/pms-sim/src/cloudbeds/mod.rs` and the Accounting route):
/// `getGuestList`. `getTransactions` is served for the fallback only.
const SIMULATOR_ONLY: &[&str] = &["cloudbeds:GET /getGuestList"];

/// The Cloudbeds tech-specs page gives "DateTime: YYYY-MM-DD HH:MM:SS (e.g.
/// 2015-12-31 23:59:59)" (developers.cloudbeds.com/docs/tech-specs) while
/// the document types the same fields `format: date-time` (RFC 3339): both
/// forms are the vendor's, so both pass.
fn is_cloudbeds_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
}

/// The same page's "Time: HH:MM:SS (e.g. 23:59:59)", beside RFC 3339's
/// `full-time` that `format: time` means.
fn is_cloudbeds_time(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M:%S").is_ok_and(|_| s.len() == 8)
        || chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T{s}")).is_ok()
}

/// Both documents. The tech-specs forms are v1.3's; the Accounting
/// document is read with the standard formats only.
fn contract(specs: &VendorSpecs) -> Contract {
    let v13 = specs.file("cloudbeds/pms-v1.3-openapi.yaml").unwrap();
    let accounting = specs.file("cloudbeds/accounting-v1.0-openapi.json").unwrap();
    let formats = Formats::default()
        .with("date-time", is_cloudbeds_date_time)
        .with("time", is_cloudbeds_time);
    Contract::new(vec![
        Spec::load("cloudbeds", &v13, formats).unwrap(),
        Spec::load("cloudbeds-accounting", &accounting, Formats::default()).unwrap(),
    ])
}

fn hotel_config(sim: &SimHandle, base_url: String, auth: &[(&str, String)]) -> HotelConfig {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PMS_HOTELS".into(), "harbor".into()),
        ("PMS_HOTEL_HARBOR_PMS".into(), "cloudbeds".into()),
        ("PMS_HOTEL_HARBOR_BASE_URL".into(), base_url),
        ("PMS_HOTEL_HARBOR_TIME_ZONE".into(), "Europe/Berlin".into()),
        ("PMS_HOTEL_HARBOR_CURRENCY".into(), "EUR".into()),
        (
            "PMS_HOTEL_HARBOR_CLOUDBEDS_PROPERTY_ID".into(),
            sim.state().with_hotel(CloudbedsIds::property_id),
        ),
    ]);
    for (k, v) in auth {
        vars.insert(format!("PMS_HOTEL_HARBOR_CLOUDBEDS_{k}"), v.clone());
    }
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    config.hotels[0].clone()
}

fn vendor(id: impl Into<String>) -> VendorId {
    VendorId::new(id.into()).unwrap()
}

fn money(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap()
}

/// A client of the simulator through the proxy, with the API key; its
/// Accounting root is the simulator's unless `accounting_root` names
/// another path.
fn api_key_client(sim: &SimHandle, proxy: &Recorder, accounting_root: Option<&str>) -> CloudbedsClient {
    let base = proxy.rebase(&CloudbedsSim::api_url(sim));
    let config = hotel_config(sim, base, &[("API_KEY", sim.access_token().to_owned())]);
    let mut builder = CloudbedsClient::builder(&config)
        .unwrap()
        .timeout(Duration::from_secs(10));
    if let Some(root) = accounting_root {
        builder = builder.accounting_base_url(url::Url::parse(&format!("{}{root}", proxy.origin())).unwrap());
    }
    builder.build().unwrap()
}

/// Drives the client through every call it makes.
async fn client_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let base = proxy.rebase(&CloudbedsSim::api_url(sim));
    let cb = api_key_client(sim, proxy, None);
    let tz = pms_sim::TIME_ZONE;
    let today = Utc::now().with_timezone(&tz).date_naive();

    assert!(cb.health().await.healthy, "getHotelDetails");
    let profile = cb.property_profile().await.unwrap();
    assert_eq!(profile.currency, Some(Currency::EUR), "getHotels");
    let page = cb
        .reservations_modified(&ChangeQuery {
            since: Utc::now() - chrono::Duration::days(30),
            until: Utc::now() + chrono::Duration::days(1),
            page: None,
            page_size: 50,
        })
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    let range = DateRange::new(today, today + chrono::Duration::days(1)).unwrap();
    cb.arrivals(range).await.unwrap();
    cb.departures(range).await.unwrap();
    cb.rooms().await.unwrap();
    let statuses = cb.room_statuses().await.unwrap();

    let (in_house, guest, arriving, leaving) = sim.state().with_hotel(|h| {
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
                    && h.business_date(r.scheduled_start) == today
                    && r.room_id.and_then(|id| h.room(id)).map(|x| x.state) == Some(RoomState::Inspected)
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
            CloudbedsIds::reservation_id(in_house),
            CloudbedsIds::guest_id(h.guest(in_house.guest_id).unwrap()),
            CloudbedsIds::reservation_id(arriving),
            CloudbedsIds::reservation_id(leaving),
        )
    });
    cb.reservation(&vendor(&in_house)).await.unwrap();
    cb.guest(&vendor(guest)).await.unwrap();
    // The Accounting API's listTransactions (folio and read-back).
    cb.folio(&vendor(&in_house)).await.unwrap();

    let charge = ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&in_house),
        kind: ChargeKind::Minibar,
        description: "Sparkling water".into(),
        unit_amount: money("6.50"),
        quantity: 2.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    };
    let posted = cb.post_charge(&charge).await.unwrap();
    assert!(
        cb.find_charge(&charge.reservation, charge.request_id)
            .await
            .unwrap()
            .is_some()
    );
    cb.void_charge(&VoidChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&in_house),
        charge: posted.external.id.clone(),
        reason: "contract test".into(),
    })
    .await
    .unwrap();
    let adjustment = cb
        .post_adjustment(&AdjustmentRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&in_house),
            kind: AdjustmentType::Rate,
            amount: money("-5.00"),
            item_id: None,
        })
        .await
        .unwrap();
    cb.delete_adjustment(&vendor(&in_house), &adjustment)
        .await
        .unwrap();
    let payment = cb
        .post_payment(&PaymentRequest {
            request_id: RequestId::new_random(),
            reservation: vendor(&in_house),
            method: "cash".into(),
            card_type: None,
            amount: money("10.00"),
            is_deposit: false,
        })
        .await
        .unwrap();
    cb.void_payment(&vendor(&in_house), &payment.payment_id)
        .await
        .unwrap();

    let room = statuses.first().unwrap();
    cb.set_room_status(&RoomStatusUpdate {
        request_id: RequestId::new_random(),
        room: room.room.id.clone(),
        status: HousekeepingStatus::Dirty,
    })
    .await
    .unwrap();
    cb.check_in(&CheckInRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&arriving),
        room: None,
    })
    .await
    .unwrap();
    cb.check_out(&CheckOutRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&leaving),
        allow_open_balance: true,
    })
    .await
    .unwrap();

    // A room move: a confirmed stay to a room nobody holds then.
    let (confirmed, free_room) = sim.state().with_hotel(|h| {
        h.reservations
            .iter()
            .filter(|r| r.state == ReservationState::Confirmed && r.room_id.is_some())
            .find_map(|r| {
                let free = h.rooms.iter().find(|room| {
                    room.category_id == r.category_id
                        && Some(room.id) != r.room_id
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
                Some((CloudbedsIds::reservation_id(r), free.number.clone()))
            })
            .unwrap()
    });
    cb.assign_room(&RoomAssignment {
        request_id: RequestId::new_random(),
        reservation: vendor(confirmed),
        room: RoomNumber::new(free_room).unwrap(),
    })
    .await
    .unwrap();

    let hook = url::Url::parse("https://hooks.example.com/cloudbeds/harbor").unwrap();
    let secret = secrecy::SecretString::from("contract-test-webhook-secret");
    let subscription = cb
        .subscribe_webhook("reservation", "status_changed", &hook, &secret)
        .await
        .unwrap();
    assert!(!cb.list_webhooks().await.unwrap().is_empty());
    cb.delete_webhook(&subscription).await.unwrap();
    // The older subscription, the secret in the URL, no auth header.
    let hook_with_token =
        url::Url::parse("https://hooks.example.com/cloudbeds/harbor?token=contract-test").unwrap();
    let subscription = cb
        .subscribe_webhook_with_url_token("reservation", "status_changed", &hook_with_token)
        .await
        .unwrap();
    cb.delete_webhook(&subscription).await.unwrap();
    cb.api_url_from_metadata().await.unwrap();

    // An error answer: `success: false` for an unknown reservation.
    let missing = cb.reservation(&vendor("no-such-reservation")).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    // OAuth: the refresh grant at /access_token, then a call with the token.
    let config = hotel_config(
        sim,
        base,
        &[
            ("CLIENT_ID", CloudbedsSim::CLIENT_ID.to_owned()),
            ("CLIENT_SECRET", sim.client_token().to_owned()),
            ("REFRESH_TOKEN", CloudbedsSim::REFRESH_TOKEN.to_owned()),
        ],
    );
    let oauth = CloudbedsClient::from_hotel(&config).unwrap();
    oauth.reservation(&vendor(&in_house)).await.unwrap();
    proxy.take()
}

/// The methods only the simulator serves, called directly.
async fn simulator_only_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = proxy.rebase(&CloudbedsSim::api_url(sim));
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let answer = http
        .get(format!(
            "{}getGuestList",
            base.trim_end_matches('/').to_owned() + "/"
        ))
        .header("x-api-key", sim.access_token())
        .query(&[
            ("propertyIDs", property.as_str()),
            ("pageNumber", "1"),
            ("pageSize", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    proxy.take()
}

/// The Accounting call's error answers, asked for on purpose (their
/// requests are not checked): 400 `ApiAccountingError` is the answer the
/// document declares (`components.responses.400`); the simulator's 401 (no
/// credential) and 403 (another property, "Access denied") are statuses
/// the document does not list, so their bodies are checked against
/// `ApiAccountingError` on their own.
async fn accounting_error_traffic(
    sim: &SimHandle,
    proxy: &Recorder,
) -> (Vec<Exchange>, Vec<(u16, serde_json::Value)>) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/accounting/v1.0/transactions", proxy.origin());
    let property = sim.state().with_hotel(CloudbedsIds::property_id);
    let search = |body: serde_json::Value, property: &str, bearer: Option<&str>| {
        let mut request = http.post(&url).header("x-property-id", property).json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let token = sim.access_token().to_owned();
    let by_stay = serde_json::json!({"filters": {"and": [
        {"field": "source_identifier", "operator": "equals", "value": "1"},
        {"field": "source_kind", "operator": "equals", "value": "RESERVATION"}
    ]}});
    for body in [
        serde_json::json!({"filters": {"and": []}}),
        serde_json::json!({"filters": {"field": "folio_name", "operator": "equals", "value": "x"}}),
        serde_json::json!({"filters": by_stay["filters"], "limit": 5000}),
    ] {
        let answer = search(body, &property, Some(&token)).await.unwrap();
        assert_eq!(answer.status(), 400);
    }
    let declared = proxy.take();
    let mut others = Vec::new();
    for (property, bearer, status) in [(property.as_str(), None, 401), ("1", Some(token.as_str()), 403)] {
        let answer = search(by_stay.clone(), property, bearer).await.unwrap();
        assert_eq!(answer.status().as_u16(), status);
        others.push((status, answer.json().await.unwrap()));
    }
    proxy.take();
    (declared, others)
}

/// The fallback: the Accounting call refused (404 at a root the simulator
/// does not serve), the client reads the folio and reads a posted charge
/// back through `getTransactions`.
async fn fallback_traffic(sim: &SimHandle, proxy: &Recorder) -> Vec<Exchange> {
    let cb = api_key_client(sim, proxy, Some(REFUSING_ROOT));
    let in_house = sim.state().with_hotel(|h| {
        let r = h
            .reservations
            .iter()
            .find(|r| r.state == ReservationState::Started)
            .unwrap();
        CloudbedsIds::reservation_id(r)
    });
    let folio = cb.folio(&vendor(&in_house)).await.unwrap();
    assert!(!folio.charges.is_empty(), "the fallback read the stay's charges");
    let charge = ChargeRequest {
        request_id: RequestId::new_random(),
        reservation: vendor(&in_house),
        kind: ChargeKind::Minibar,
        description: "Still water".into(),
        unit_amount: money("3.50"),
        quantity: 1.into(),
        transaction_code: None,
        outlet: None,
        consumed_at: Utc::now(),
    };
    cb.post_charge(&charge).await.unwrap();
    assert!(
        cb.find_charge(&charge.reservation, charge.request_id)
            .await
            .unwrap()
            .is_some(),
        "read back through getTransactions"
    );
    proxy.take()
}

#[tokio::test]
async fn client_requests_and_simulator_answers_follow_the_cloudbeds_schemas() {
    let Some(specs) = VendorSpecs::from_env_or_skip("cloudbeds schema") else {
        return;
    };
    let contract = contract(&specs);
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(82)))
        .await
        .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();

    let client = client_traffic(&sim, &proxy).await;
    assert!(
        !client
            .iter()
            .any(|e| e.request.path.ends_with("/getTransactions")),
        "with the Accounting API answering, getTransactions is never sent"
    );
    let mut report = Report::default();
    report.merge(contract.report(&client, &KNOWN));
    report.assert_covers(CLIENT_OPERATIONS);
    report.merge(contract.report(&simulator_only_traffic(&sim, &proxy).await, &KNOWN));
    report.assert_covers(SIMULATOR_ONLY);
    let (declared, others) = accounting_error_traffic(&sim, &proxy).await;
    report.merge(contract.report_answers(&declared, &KNOWN));
    let accounting = Spec::load(
        "cloudbeds-accounting",
        &specs.file("cloudbeds/accounting-v1.0-openapi.json").unwrap(),
        Formats::default(),
    )
    .unwrap();
    for (status, body) in &others {
        let violations = accounting
            .check_value(
                &format!("Accounting {status}"),
                body,
                "/components/schemas/ApiAccountingError",
            )
            .unwrap();
        report.failures.extend(violations.iter().map(ToString::to_string));
        report.exchanges += 1;
    }
    println!(
        "{} exchanges over {} operations {:?}; request fields allowed: {:?}; verb deviations: {:?}; errata seen: {:?}",
        report.exchanges,
        report.covered.len(),
        report.covered,
        report.request_fields_seen,
        report.deviations_seen,
        report.errata_seen
    );
    report.assert_clean();
    report.assert_known_used(&KNOWN);
    proxy.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_refused_accounting_call_falls_back_to_get_transactions_and_the_rest_is_checked() {
    let Some(specs) = VendorSpecs::from_env_or_skip("cloudbeds schema (fallback)") else {
        return;
    };
    let contract = contract(&specs);
    let sim = CloudbedsSim::start(SimOptions::with_hotel(HotelSpec::small(86)))
        .await
        .unwrap();
    let proxy = Recorder::start(&sim.base_url()).await.unwrap();

    let exchanges = fallback_traffic(&sim, &proxy).await;
    let refused: Vec<u16> = exchanges
        .iter()
        .filter(|e| e.request.path == REFUSING_ROOT_CALL)
        .map(|e| e.response.status)
        .collect();
    assert!(
        !refused.is_empty() && refused.iter().all(|s| *s == 404),
        "{refused:?}"
    );
    let known = Known {
        unchecked: FALLBACK_UNCHECKED,
        ..KNOWN
    };
    let report = contract.report(&exchanges, &known);
    println!(
        "{} exchanges, unchecked {:?}, checked operations {:?}",
        report.exchanges, report.unchecked, report.covered
    );
    assert!(
        report.unchecked["GET /api/v1.3/getTransactions"] >= 2,
        "{:?}",
        report.unchecked
    );
    report.assert_covers(&["cloudbeds:POST /postCustomItem"]);
    report.assert_clean();
    assert!(
        report.unused(&known).iter().all(|u| !u.starts_with("unchecked")),
        "{:?}",
        report.unused(&known)
    );
    proxy.shutdown().await;
    sim.shutdown().await;
}
