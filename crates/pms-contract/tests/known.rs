//! What a test may know beyond the documents ([`Known`]), and a vendor
//! with two documents: on small inline documents, so these run without
//! `PMS_VENDOR_SPECS`.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use pms_contract::{
    Allowed, Contract, Document, Exchange, Formats, Known, Request, Response, Spec, Unchecked, VerbDeviation,
};
use serde_json::{Value, json};

/// A v1.3-like document: RPC names under `/api/v1.3`, an API key.
fn rpc() -> Spec {
    let doc = json!({
        "openapi": "3.0.1",
        "servers": [{"url": "https://api.example.com/api/v1.3/"}],
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "x-api-key"}}},
        "security": [{"key": []}],
        "paths": {
            "/deleteThing": {"delete": {
                "parameters": [
                    {"name": "thingID", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "count", "in": "query", "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"success": {"type": "boolean"}}
                }}}}}
            }},
            "/postHook": {"post": {
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "properties": {"url": {"type": "string"}}
                }}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"success": {"type": "boolean"}}
                }}}}}
            }}
        }
    });
    let doc = Document::from_value(Path::new("rpc.json"), doc).unwrap();
    Spec::from_document("rpc", doc, Formats::default()).unwrap()
}

/// An Accounting-like document: a bare server, paths with their own prefix, bearer only.
fn ledger() -> Spec {
    let doc = json!({
        "openapi": "3.0.1",
        "servers": [{"url": "https://api.example.com"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/ledger/v1/entries": {"post": {
            "operationId": "listEntries",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["filters"], "properties": {"filters": {"type": "object"}}
            }}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"entries": {"type": "array"}}
            }}}}}
        }}}
    });
    let doc = Document::from_value(Path::new("ledger.json"), doc).unwrap();
    Spec::from_document("ledger", doc, Formats::default()).unwrap()
}

fn exchange(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &str,
    answer: Value,
) -> Exchange {
    Exchange {
        request: Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        },
        response: Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: answer.to_string().into_bytes(),
        },
    }
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const KEY: (&str, &str) = ("x-api-key", "k");

const VERBS: &[VerbDeviation<'static>] = &[VerbDeviation {
    operation: "DELETE /deleteThing",
    documented: "DELETE",
    sent: "POST",
    why: "the later SDK posts it",
}];

#[test]
fn a_verb_deviation_checks_the_form_as_the_documented_query() {
    let contract = Contract::new(vec![rpc()]);
    let sent = exchange(
        "POST",
        "/api/v1.3/deleteThing",
        "",
        &[FORM, KEY],
        "thingID=7&count=2",
        json!({"success": true}),
    );
    // Without the deviation, the POST has no operation.
    let plain = contract.report(std::slice::from_ref(&sent), &Known::default());
    assert_eq!(plain.failures.len(), 1, "{:?}", plain.failures);
    assert!(
        plain.failures[0].contains("no operation for POST"),
        "{:?}",
        plain.failures
    );

    let known = Known {
        verbs: VERBS,
        ..Known::default()
    };
    let report = contract.report(std::slice::from_ref(&sent), &known);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.covered.contains("rpc:DELETE /deleteThing"));
    assert_eq!(
        report.deviations_seen.iter().collect::<Vec<_>>(),
        ["rpc:DELETE /deleteThing sent as POST"]
    );
    assert!(report.unused(&known).is_empty());

    // The documented parameters still bind: a wrong type and an unknown name fail.
    let wrong = exchange(
        "POST",
        "/api/v1.3/deleteThing",
        "",
        &[FORM, KEY],
        "count=two&extra=1",
        json!({"success": true}),
    );
    let report = contract.report(&[wrong], &known);
    let text = report.failures.join("\n");
    assert!(text.contains("query parameter `thingID`"), "{text}");
    assert!(text.contains("query parameter `count`"), "{text}");
    assert!(text.contains("query parameter `extra`"), "{text}");
}

#[test]
fn an_allowed_request_field_is_tolerated_and_every_other_stays_an_error() {
    let contract = Contract::new(vec![rpc()]);
    let request_fields = [Allowed {
        operation: "POST /postHook",
        field: "/authName",
        why: "the later SDK takes it",
    }];
    let known = Known {
        request_fields: &request_fields,
        ..Known::default()
    };
    let sent = exchange(
        "POST",
        "/api/v1.3/postHook",
        "",
        &[FORM, KEY],
        "url=https%3A%2F%2Fh&authName=X&authSecret=y",
        json!({"success": true}),
    );
    let report = contract.report(&[sent], &known);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(
        report.failures[0].contains("/authSecret"),
        "{:?}",
        report.failures
    );
    assert!(report.request_fields_seen.contains("POST /postHook /authName"));
    assert!(report.unused(&known).is_empty());
    // An answer's undeclared field is not a request field.
    let answer = exchange(
        "POST",
        "/api/v1.3/postHook",
        "",
        &[FORM, KEY],
        "url=u",
        json!({"success": true, "authName": "X"}),
    );
    let report = contract.report(&[answer], &known);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert_eq!(report.unused(&known), ["request field POST /postHook /authName"]);
}

#[test]
fn each_request_goes_to_the_document_that_declares_it_and_credentials_are_checked() {
    let contract = Contract::new(vec![ledger(), rpc()]);
    let ledger_call = exchange(
        "POST",
        "/ledger/v1/entries",
        "",
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer t"),
        ],
        r#"{"filters":{}}"#,
        json!({"entries": []}),
    );
    let rpc_call = exchange(
        "DELETE",
        "/api/v1.3/deleteThing",
        "thingID=1",
        &[KEY],
        "",
        json!({"success": true}),
    );
    let report = contract.report(&[ledger_call, rpc_call], &Known::default());
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(
        report.covered.iter().collect::<Vec<_>>(),
        ["ledger:listEntries", "rpc:DELETE /deleteThing"]
    );
    // The API key is no bearer token, and the v1.3 key is required.
    let key_only = exchange(
        "POST",
        "/ledger/v1/entries",
        "",
        &[("content-type", "application/json"), KEY],
        r#"{"filters":{}}"#,
        json!({"entries": []}),
    );
    let no_key = exchange(
        "DELETE",
        "/api/v1.3/deleteThing",
        "thingID=1",
        &[],
        "",
        json!({"success": true}),
    );
    let report = contract.report(&[key_only, no_key], &Known::default());
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
    assert!(report.failures.iter().all(|f| f.contains("request credentials")));
    // A path neither declares names both documents that cover it.
    let lost = exchange("GET", "/api/v1.3/getNothing", "", &[KEY], "", json!({}));
    let report = contract.report(&[lost], &Known::default());
    assert!(
        report.failures[0].contains("rpc+ledger: no operation"),
        "{:?}",
        report.failures
    );
}

#[test]
fn unchecked_exchanges_are_counted_by_template_and_stale_entries_are_named() {
    let contract = Contract::new(vec![rpc()]);
    let unchecked = [
        Unchecked {
            method: "GET",
            path: "/api/v1.3/hotels/{id}/context",
            why: "its document is not among the specs",
        },
        Unchecked {
            method: "GET",
            path: "/api/v1.3/getGone",
            why: "left the document",
        },
    ];
    let known = Known {
        unchecked: &unchecked,
        ..Known::default()
    };
    let calls = [
        exchange("GET", "/api/v1.3/hotels/H1/context", "", &[], "", json!({})),
        exchange("GET", "/api/v1.3/hotels/H2/context", "", &[], "", json!({})),
        exchange("POST", "/api/v1.3/hotels/H2/context", "", &[], "", json!({})),
    ];
    let report = contract.report(&calls, &known);
    assert_eq!(report.unchecked["GET /api/v1.3/hotels/{id}/context"], 2);
    assert_eq!(report.exchanges, 3);
    // The POST is not the listed method: it is looked up, and found in no document.
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert_eq!(report.unused(&known), ["unchecked GET /api/v1.3/getGone"]);
}
