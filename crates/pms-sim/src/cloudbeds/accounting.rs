//! The Accounting API's "Search posted transactions",
//! `POST /accounting/v1.0/transactions`, as `src/accounting-v1.0-openapi.json`
//! of `cloudbeds/openapi-specs` (`f6c4b9a`) specifies it:
//!
//! * Auth `bearerAuth` (`Authorization: Bearer`, an API key or an OAuth
//!   access token: the spec's only schemes are bearer and OAuth); header
//!   `X-Property-ID` required, int64 (`parameters.propertyIdHeader`).
//! * Body `ListTransactionsRequest {filters (required), pageToken, limit
//!   (default 100, max 1100), sort[] {field, direction asc|desc}}`;
//!   `filters` is `oneOf [AndOrGroup {and[], or[]}, FieldFilter {operator,
//!   field, value}]`, operators from `ConditionalOperator`. The rules of the
//!   operation's description are enforced: filters cannot be empty; one base
//!   filter (`id` equals/in, `source_id`+`source_kind`,
//!   `source_identifier`+`source_kind`, `external_relation_id`+`_kind`,
//!   `transaction_datetime`, `service_date`, `business_date`,
//!   `trial_balance_id`) among the top-level conditions; `trial_balance_id`
//!   `equals` only and once; a lone `FieldFilter` only on `id`,
//!   `transaction_datetime`, `service_date` or `business_date` with
//!   `equals`/`in`; only the listed filter and sort fields (else
//!   `INVALID_ARGUMENT_ERROR`). Field names are matched in any letter case:
//!   the spec writes `source_id`, Cloudbeds' own curl examples `SOURCE_ID`.
//!   Properties the schema does not declare are ignored (the schema does
//!   not forbid them; the docs' examples send `pageSize` and `orderBy`).
//! * Answer `ListTransactionsPaginated {transactions[], nextPageToken}`;
//!   `nextPageToken` is absent on the last page ("null or absent",
//!   `info.description`; the schema types it a non-null string). Items are
//!   `TransactionResponse`; amounts in the smallest currency unit with
//!   `currencyScale` ("Unless otherwise noted, monetary amounts are
//!   expressed in the smallest currency unit", `info.description`); fields
//!   the simulator has no value for are left out, not `null` (no field is
//!   nullable).
//! * Errors `ApiAccountingError {id, timestamp, errorCode, errorDetails}`:
//!   400 `INVALID_REQUEST`/`INVALID_ARGUMENT_ERROR`, 403 `ACCESS_DENIED` for
//!   another property. 401 for a missing or unknown credential is the
//!   simulator's choice (the spec lists none).
//!
//! The simulator's choices where Cloudbeds is silent (the connector reads
//! them as `pms_cloudbeds::accounting` documents): `internalTransactionCode`
//! from the table of developers.cloudbeds.com/docs/accounting (`1000` rate,
//! `2000` product, `4000` custom item, `8000` tax, `9000`/`9100` cash/`9300`
//! card payment, `A` adjustment of its type, `V` void); ledger signs
//! (charges positive, payments negative, a void the negation of what it
//! voids); a void names what it voids in `parentId` and `rootId`;
//! `sourceIdentifier`/`subSourceIdentifier` are the v1.3 `reservationID`
//! (the sim's single room's `subReservationID` is the same) and `sourceId` an
//! internal number; `notes` carries the `itemNote`; `externalRelationId` of a
//! custom item is the number of its `soldProductID` (`p_<n>`, as observed).

use std::cmp::Ordering;

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tokio::time::Instant;
use uuid::Uuid;

use super::folio::{Origin, Row, stay_rows};
use super::ids::CloudbedsIds;
use super::{Call, Front, MAX_BODY, auth, presented_credential, retry_after_value};
use crate::faults::Verdict;
use crate::journal::Outcome;
use crate::model::{ChargeKind, PaymentKind};
use crate::state::Hotel;

/// The path served.
pub(crate) const PATH: &str = "/accounting/v1.0/transactions";
/// `limit` when absent.
const DEFAULT_LIMIT: u64 = 100;
/// "maximum value is 1100".
const MAX_LIMIT: u64 = 1100;

/// The description's "Supported filter fields".
const FILTER_FIELDS: &[&str] = &[
    "account_category",
    "chart_of_account_type",
    "created_at",
    "customer_id",
    "custom_code",
    "external_relation_id",
    "external_relation_kind",
    "folio_id",
    "id",
    "internal_code",
    "origin_id",
    "parent_id",
    "routed_from",
    "source_id",
    "source_identifier",
    "source_kind",
    "transaction_datetime",
    "trial_balance_id",
    "service_date",
    "business_date",
];

/// The description's "Supported sort fields".
const SORT_FIELDS: &[&str] = &[
    "created_at",
    "id",
    "internal_code",
    "source_id",
    "transaction_datetime",
    "service_date",
    "business_date",
];

/// `ConditionalOperator`.
const OPERATORS: &[&str] = &[
    "greater_than_or_equal",
    "greater_than",
    "less_than_or_equal",
    "less_than",
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "is_null",
    "not_null",
];

/// An `ApiAccountingError` answer.
struct AccountingError {
    status: StatusCode,
    code: &'static str,
    details: String,
}

impl AccountingError {
    fn invalid(details: impl Into<String>) -> Self {
        AccountingError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            details: details.into(),
        }
    }

    fn argument(details: impl Into<String>) -> Self {
        AccountingError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_ARGUMENT_ERROR",
            details: details.into(),
        }
    }

    fn into_response(self) -> Response {
        let body = json!({
            "id": Uuid::new_v4().to_string(),
            "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "errorCode": self.code,
            "errorDetails": self.details,
        });
        (self.status, axum::Json(body)).into_response()
    }
}

/// One `FieldFilter`, field lower-cased (`created_at` read as `transaction_datetime`).
#[derive(Debug, Clone)]
struct Condition {
    field: String,
    operator: String,
    value: Value,
}

/// `Filters`, parsed.
#[derive(Debug, Clone)]
enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Field(Condition),
}

fn parse_filter(value: &Value, at: &str) -> Result<Filter, AccountingError> {
    let Value::Object(object) = value else {
        return Err(AccountingError::invalid(format!("{at} must be an object")));
    };
    let group = object.contains_key("and") || object.contains_key("or");
    let field = object.contains_key("field") || object.contains_key("operator");
    match (group, field) {
        (true, true) => Err(AccountingError::invalid(format!(
            "{at} is both a group (and/or) and a field filter"
        ))),
        (false, false) => Err(AccountingError::invalid(format!("{at}: filters cannot be empty"))),
        (true, false) => {
            if object.contains_key("and") && object.contains_key("or") {
                return Err(AccountingError::invalid(format!("{at} has both and and or")));
            }
            let (key, items) = object
                .get("and")
                .map(|v| ("and", v))
                .or_else(|| object.get("or").map(|v| ("or", v)))
                .ok_or_else(|| AccountingError::invalid(format!("{at}: filters cannot be empty")))?;
            let Value::Array(items) = items else {
                return Err(AccountingError::invalid(format!("{at}.{key} must be an array")));
            };
            if items.is_empty() {
                return Err(AccountingError::invalid(format!(
                    "{at}.{key}: filters cannot be empty"
                )));
            }
            let parsed = items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_filter(item, &format!("{at}.{key}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if key == "and" {
                Filter::And(parsed)
            } else {
                Filter::Or(parsed)
            })
        }
        (false, true) => {
            let text = |key: &str| -> Result<String, AccountingError> {
                match object.get(key) {
                    Some(Value::String(s)) => Ok(s.to_ascii_lowercase()),
                    Some(_) => Err(AccountingError::invalid(format!("{at}.{key} must be a string"))),
                    None => Err(AccountingError::invalid(format!("{at}.{key} is required"))),
                }
            };
            let mut field = text("field")?;
            let operator = text("operator")?;
            if !FILTER_FIELDS.contains(&field.as_str()) {
                return Err(AccountingError::argument(format!(
                    "{at}.field: unrecognized filter field {field}"
                )));
            }
            if !OPERATORS.contains(&operator.as_str()) {
                return Err(AccountingError::invalid(format!(
                    "{at}.operator: {operator} is not a ConditionalOperator"
                )));
            }
            let value = object.get("value").cloned().unwrap_or(Value::Null);
            let needs_value = !matches!(operator.as_str(), "is_null" | "not_null");
            if needs_value && value.is_null() {
                return Err(AccountingError::invalid(format!(
                    "{at}.value is required for {operator}"
                )));
            }
            if matches!(operator.as_str(), "in" | "not_in") && !value.is_array() {
                return Err(AccountingError::invalid(format!(
                    "{at}.value must be an array for {operator}"
                )));
            }
            if field == "created_at" {
                field = "transaction_datetime".to_owned();
            }
            Ok(Filter::Field(Condition {
                field,
                operator,
                value,
            }))
        }
    }
}

fn conditions(filter: &Filter, out: &mut Vec<Condition>) {
    match filter {
        Filter::Field(c) => out.push(c.clone()),
        Filter::And(items) | Filter::Or(items) => items.iter().for_each(|f| conditions(f, out)),
    }
}

/// The rules of the operation's description ("Required filter constraints",
/// "Additional filter rules").
fn check_rules(filter: &Filter) -> Result<(), AccountingError> {
    let top: Vec<Condition> = match filter {
        Filter::Field(c) => {
            let lone_ok = matches!(
                c.field.as_str(),
                "id" | "transaction_datetime" | "service_date" | "business_date"
            ) && matches!(c.operator.as_str(), "equals" | "in");
            if !lone_ok {
                return Err(AccountingError::invalid(
                    "a single filter condition may only be id, transaction_datetime, service_date or business_date with equals or in",
                ));
            }
            vec![c.clone()]
        }
        Filter::And(items) => items
            .iter()
            .filter_map(|f| match f {
                Filter::Field(c) => Some(c.clone()),
                _ => None,
            })
            .collect(),
        Filter::Or(_) => Vec::new(),
    };
    let mut all = Vec::new();
    conditions(filter, &mut all);
    let has = |list: &[Condition], field: &str| list.iter().any(|c| c.field == field);
    for (needs, partner) in [
        ("source_id", "source_kind"),
        ("source_identifier", "source_kind"),
        ("external_relation_id", "external_relation_kind"),
        ("external_relation_kind", "external_relation_id"),
    ] {
        if has(&all, needs) && !has(&all, partner) {
            return Err(AccountingError::invalid(format!(
                "{needs} requires {partner} in the same request"
            )));
        }
    }
    let trial: Vec<&Condition> = all.iter().filter(|c| c.field == "trial_balance_id").collect();
    if trial.len() > 1 || trial.iter().any(|c| c.operator != "equals") {
        return Err(AccountingError::invalid(
            "trial_balance_id only supports equals and cannot appear more than once",
        ));
    }
    let base = top
        .iter()
        .any(|c| c.field == "id" && matches!(c.operator.as_str(), "equals" | "in"))
        || (has(&top, "source_id") && has(&top, "source_kind"))
        || (has(&top, "source_identifier") && has(&top, "source_kind"))
        || (has(&top, "external_relation_id") && has(&top, "external_relation_kind"))
        || [
            "transaction_datetime",
            "service_date",
            "business_date",
            "trial_balance_id",
        ]
        .iter()
        .any(|f| has(&top, f));
    if !base {
        return Err(AccountingError::invalid(
            "every request must include one of the base filters (id, source_id + source_kind, source_identifier + source_kind, external_relation_id + external_relation_kind, transaction_datetime, service_date, business_date, trial_balance_id)",
        ));
    }
    Ok(())
}

/// A filter value as text (`"123"` and `123` are the same id).
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Orders two field values: instants by time, numbers as numbers, the rest as text.
fn compare(field: &str, left: &str, right: &str) -> Option<Ordering> {
    if field == "transaction_datetime" {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|t| t.and_utc())
                })
        };
        return Some(at(left)?.cmp(&at(right)?));
    }
    match (left.parse::<i128>(), right.parse::<i128>()) {
        (Ok(l), Ok(r)) => Some(l.cmp(&r)),
        _ => Some(left.cmp(right)),
    }
}

fn matches(filter: &Filter, fields: &Map<String, Value>) -> bool {
    match filter {
        Filter::And(items) => items.iter().all(|f| matches(f, fields)),
        Filter::Or(items) => items.iter().any(|f| matches(f, fields)),
        Filter::Field(c) => {
            let key = field_key(&c.field);
            let got = key.and_then(|k| fields.get(k)).and_then(text_of);
            let got_eq = |v: &Value| {
                let (Some(got), Some(want)) = (got.as_deref(), text_of(v)) else {
                    return false;
                };
                let kind_like = matches!(c.field.as_str(), "source_kind" | "external_relation_kind");
                if kind_like {
                    got.eq_ignore_ascii_case(&want)
                } else {
                    compare(&c.field, got, &want) == Some(Ordering::Equal)
                }
            };
            let ordered = |want: &Ordering, or_equal: bool| {
                let (Some(got), Some(value)) = (got.as_deref(), text_of(&c.value)) else {
                    return false;
                };
                compare(&c.field, got, &value)
                    .is_some_and(|o| o == *want || (or_equal && o == Ordering::Equal))
            };
            match c.operator.as_str() {
                "equals" => got_eq(&c.value),
                "not_equals" => !got_eq(&c.value),
                "in" => c.value.as_array().is_some_and(|vs| vs.iter().any(got_eq)),
                "not_in" => !c.value.as_array().is_some_and(|vs| vs.iter().any(got_eq)),
                "greater_than" => ordered(&Ordering::Greater, false),
                "greater_than_or_equal" => ordered(&Ordering::Greater, true),
                "less_than" => ordered(&Ordering::Less, false),
                "less_than_or_equal" => ordered(&Ordering::Less, true),
                "contains" => got
                    .as_deref()
                    .zip(text_of(&c.value))
                    .is_some_and(|(g, w)| g.contains(&w)),
                "not_contains" => !got
                    .as_deref()
                    .zip(text_of(&c.value))
                    .is_some_and(|(g, w)| g.contains(&w)),
                "is_null" => got.is_none(),
                "not_null" => got.is_some(),
                _ => false,
            }
        }
    }
}

/// The `TransactionResponse` key a filter or sort field reads.
fn field_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "id" => "id",
        "customer_id" => "customerId",
        "custom_code" => "customTransactionCode",
        "external_relation_id" => "externalRelationId",
        "external_relation_kind" => "externalRelationKind",
        "internal_code" => "internalTransactionCode",
        "origin_id" => "originId",
        "parent_id" => "parentId",
        "routed_from" => "routedFrom",
        "source_id" => "sourceId",
        "source_identifier" => "sourceIdentifier",
        "source_kind" => "sourceKind",
        "transaction_datetime" | "created_at" => "transactionDatetime",
        "service_date" => "serviceDate",
        "business_date" => "businessDate",
        // Not modelled: folios, accounts, trial balances. A filter on them matches nothing.
        _ => return None,
    })
}

/// Decimal places of a currency's minor unit (ISO 4217); 2 for the rest.
fn currency_scale(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// A number of `digits` digits for `id` (stable, like the v1.3 ids).
fn number(id: Uuid, salt: u64) -> String {
    let (hi, lo) = id.as_u64_pair();
    let x = (hi ^ lo.rotate_left(17) ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (10_000_000 + x % 90_000_000).to_string()
}

/// `internalTransactionCode`, `externalRelationKind` and `externalRelationId` of a row.
fn coding(row: &Row) -> (String, &'static str, String) {
    let (base, kind, relation) = match row.origin {
        Origin::Payment { id, kind } => {
            let base = match kind {
                PaymentKind::Cash => "9100",
                PaymentKind::CreditCard => "9300",
                PaymentKind::External => "9000",
            };
            (base.to_owned(), "PAYMENT", CloudbedsIds::payment_id(id))
        }
        Origin::Charge {
            id,
            order,
            kind,
            custom,
        } => match row.adjustment.as_deref() {
            Some(adjusted) => {
                let base = match adjusted {
                    "rate" => "1000",
                    "product" => "2000",
                    "fee" => "8100",
                    _ => "8000",
                };
                (format!("{base}A"), "ADJUSTMENT", CloudbedsIds::adjustment_id(id))
            }
            None => match kind {
                ChargeKind::SpaceOrder => (
                    "1000".to_owned(),
                    "ROOM",
                    row.reservation.map(|r| number(r, 0x5B)).unwrap_or_default(),
                ),
                ChargeKind::ProductOrder => ("2000".to_owned(), "ITEM", number(order, 0x17E)),
                ChargeKind::CityTax => ("8000".to_owned(), "TAX", number(id, 0x7A)),
                ChargeKind::CustomItem => {
                    let sold = CloudbedsIds::sold_product_id(order);
                    let relation = sold.strip_prefix("p_").unwrap_or(&sold).to_owned();
                    (
                        if custom { "4000" } else { "2000" }.to_owned(),
                        "ITEM_POS",
                        relation,
                    )
                }
            },
        },
    };
    let code = if row.is_void {
        format!("{}V", base.trim_end_matches('A'))
    } else {
        base
    };
    (code, kind, relation)
}

/// One row as a `TransactionResponse`.
fn render(hotel: &Hotel, property_id: &str, row: &Row) -> Map<String, Value> {
    let stay = row.reservation.and_then(|r| hotel.reservation(r));
    let guest = stay.and_then(|r| hotel.guest(r.guest_id));
    let currency = hotel.property.currency.to_string();
    let scale = currency_scale(&currency);
    // Ledger sign: a charge is positive; `getTransactions` gives credit - debit.
    let ledger = -row.amount;
    let minor = (ledger * Decimal::from(10u64.pow(scale))).round();
    let (code, relation_kind, relation_id) = coding(row);
    let tz = hotel.property.time_zone;
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            out.insert(key.to_owned(), value);
        }
    };
    put("id", json!(row.id));
    put("propertyId", json!(property_id));
    put("internalTransactionCode", json!(code));
    put("amount", json!(minor.to_i64()));
    put("currencyScale", json!(scale));
    put("currency", json!(currency));
    put("customerId", json!(guest.map(CloudbedsIds::guest_id)));
    put(
        "rootId",
        json!(row.parent.clone().unwrap_or_else(|| row.id.clone())),
    );
    put("parentId", json!(row.parent));
    if let Some(stay) = stay {
        put("sourceId", json!(number(stay.id, 0x50)));
        put("subSourceId", json!(number(stay.id, 0x5B)));
        put("sourceIdentifier", json!(CloudbedsIds::reservation_id(stay)));
        put("subSourceIdentifier", json!(CloudbedsIds::reservation_id(stay)));
    }
    put("sourceKind", json!("RESERVATION"));
    put("externalRelationId", json!(relation_id));
    put("externalRelationKind", json!(relation_kind));
    put("quantity", json!(row.quantity));
    put("description", json!(row.description));
    put("userId", json!("1"));
    put("sourceDatetime", json!(at(stay.map_or(row.at, |r| r.created))));
    put("transactionDatetime", json!(at(row.at)));
    put(
        "transactionDatetimePropertyTime",
        json!(
            row.at
                .with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
        ),
    );
    put(
        "serviceDate",
        json!(super::render::local_date(hotel, row.service_date)),
    );
    put("businessDate", json!(super::render::local_date(hotel, row.at)));
    put("createdAt", json!(at(row.at)));
    put("notes", json!(row.notes));
    out
}

/// A page token: the offset and a fingerprint of the query it belongs to.
fn token(offset: usize, fingerprint: u64) -> String {
    format!("{offset}.{fingerprint:016x}")
}

fn fingerprint(filters: &Value, sort: &Value) -> u64 {
    // FNV-1a over the canonical JSON: stable within a run, which is all a token needs.
    let text = format!("{filters}|{sort}");
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The search itself, once the request is authenticated and well-formed.
fn search(front: &Front, property: i64, body: &Value) -> Result<Value, AccountingError> {
    let Value::Object(body) = body else {
        return Err(AccountingError::invalid(
            "the body must be a ListTransactionsRequest object",
        ));
    };
    let filters = body
        .get("filters")
        .ok_or_else(|| AccountingError::invalid("filters is required"))?;
    let filter = parse_filter(filters, "filters")?;
    check_rules(&filter)?;
    let limit = match body.get("limit") {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                AccountingError::invalid(format!("limit must be an integer from 1 to {MAX_LIMIT}"))
            })?,
        Some(_) => return Err(AccountingError::invalid("limit must be an integer")),
    };
    let sort_value = body.get("sort").cloned().unwrap_or(Value::Null);
    let mut sort: Vec<(String, bool)> = Vec::new();
    match &sort_value {
        Value::Null => {}
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let field = item
                    .get("field")
                    .and_then(Value::as_str)
                    .ok_or_else(|| AccountingError::invalid(format!("sort[{i}].field is required")))?
                    .to_ascii_lowercase();
                if !SORT_FIELDS.contains(&field.as_str()) {
                    return Err(AccountingError::argument(format!(
                        "sort[{i}].field: unrecognized sort field {field}"
                    )));
                }
                let descending = match item.get("direction").and_then(Value::as_str) {
                    Some(d) if d.eq_ignore_ascii_case("asc") => false,
                    Some(d) if d.eq_ignore_ascii_case("desc") => true,
                    _ => {
                        return Err(AccountingError::invalid(format!(
                            "sort[{i}].direction must be asc or desc"
                        )));
                    }
                };
                sort.push((field, descending));
            }
        }
        _ => return Err(AccountingError::invalid("sort must be an array")),
    }
    let print = fingerprint(filters, &sort_value);
    let offset = match body.get("pageToken") {
        None | Some(Value::Null) => 0,
        Some(Value::String(t)) => {
            let (offset, tail) = t
                .split_once('.')
                .ok_or_else(|| AccountingError::invalid("pageToken is not a token of this search"))?;
            offset
                .parse::<usize>()
                .ok()
                .filter(|_| u64::from_str_radix(tail, 16).ok() == Some(print))
                .ok_or_else(|| AccountingError::invalid("pageToken is not a token of this search"))?
        }
        Some(_) => return Err(AccountingError::invalid("pageToken must be a string")),
    };
    let hotel = front.core.read();
    let property_id = CloudbedsIds::property_id(&hotel);
    if property_id.parse::<i64>().ok() != Some(property) {
        return Err(AccountingError {
            status: StatusCode::FORBIDDEN,
            code: "ACCESS_DENIED",
            details: "You do not have permission to perform this operation on the specified property".into(),
        });
    }
    let rows = stay_rows(front, &hotel, None);
    let mut found: Vec<Map<String, Value>> = rows
        .iter()
        .map(|row| render(&hotel, &property_id, row))
        .filter(|fields| matches(&filter, fields))
        .collect();
    if sort.is_empty() {
        sort.push(("id".into(), false));
    }
    found.sort_by(|a, b| {
        for (field, descending) in &sort {
            let key = field_key(field).unwrap_or("id");
            let (l, r) = (a.get(key).and_then(text_of), b.get(key).and_then(text_of));
            let order = match (l, r) {
                (Some(l), Some(r)) => compare(field, &l, &r).unwrap_or(Ordering::Equal),
                (l, r) => l.is_some().cmp(&r.is_some()),
            };
            let order = if *descending { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    });
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit);
    let page: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .map(Value::Object)
        .collect();
    let mut answer = json!({ "transactions": page });
    if end < found.len()
        && let Some(object) = answer.as_object_mut()
    {
        object.insert("nextPageToken".into(), json!(token(end, print)));
    }
    Ok(answer)
}

/// `POST /accounting/v1.0/transactions`.
pub(crate) async fn transactions(
    State(front): State<Arc<Front>>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut call = Call::new(&front, PATH.to_owned());
    let reply = |call: &Call, error: AccountingError, outcome: Outcome| {
        call.record(error.status, outcome, false);
        super::with_request_id(error.into_response(), &call.request_id)
    };
    if method != axum::http::Method::POST {
        return reply(
            &call,
            AccountingError {
                status: StatusCode::METHOD_NOT_ALLOWED,
                code: "INVALID_REQUEST",
                details: "Search posted transactions is POST".into(),
            },
            Outcome::Rejected,
        );
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return reply(
            &call,
            AccountingError::invalid("request body is too large"),
            Outcome::Rejected,
        );
    };
    // The bearer token only: the spec's schemes are `bearerAuth` and OAuth.
    let bearer = presented_credential(&headers).filter(|_| !headers.contains_key("x-api-key"));
    call.credential = bearer.clone();
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    call.body = parsed.clone().unwrap_or(Value::Null);
    let core = &front.core;
    let config = core.faults.config();
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(limit) = config.rate_limit {
        let key = call.credential.as_deref().unwrap_or_default();
        if let Err(wait) = core.limiter.check(key, limit, Instant::now()) {
            call.record(StatusCode::TOO_MANY_REQUESTS, Outcome::RateLimited, false);
            let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
            if let Some(value) = retry_after_value(wait, config.retry_after_format) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            return super::with_request_id(response, &call.request_id);
        }
    }
    if auth::authenticate(&front, bearer.as_deref()).is_err() {
        return reply(
            &call,
            AccountingError {
                status: StatusCode::UNAUTHORIZED,
                code: "ACCESS_DENIED",
                details: "a valid bearer token is required".into(),
            },
            Outcome::Rejected,
        );
    }
    match core.faults.roll_request() {
        Verdict::Pass => {}
        Verdict::Throttle(wait) => {
            call.record(StatusCode::TOO_MANY_REQUESTS, Outcome::Injected429, false);
            let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
            if let Some(value) = retry_after_value(wait, config.retry_after_format) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            return super::with_request_id(response, &call.request_id);
        }
        Verdict::ServerError => {
            return reply(
                &call,
                AccountingError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "UNEXPECTED_ERROR",
                    details: "injected server error".into(),
                },
                Outcome::Injected5xx,
            );
        }
    }
    let property = headers
        .get("x-property-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let Some(property) = property else {
        return reply(
            &call,
            AccountingError::invalid("header X-Property-ID is required and must be an integer"),
            Outcome::Rejected,
        );
    };
    let json_body = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json_body {
        return reply(
            &call,
            AccountingError::invalid("the body must be application/json"),
            Outcome::Rejected,
        );
    }
    let Some(body) = parsed else {
        return reply(
            &call,
            AccountingError::invalid("the body is not JSON"),
            Outcome::Rejected,
        );
    };
    match search(&front, property, &body) {
        Ok(answer) => {
            call.record(StatusCode::OK, Outcome::Served, false);
            super::with_request_id(
                (StatusCode::OK, axum::Json(answer)).into_response(),
                &call.request_id,
            )
        }
        Err(error) => reply(&call, error, Outcome::Rejected),
    }
}
