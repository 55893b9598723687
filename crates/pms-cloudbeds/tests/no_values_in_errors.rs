//! Issue 17 item 9 (RELIABILITY bug 18, Cloudbeds part): decode errors quoted
//! the offending value (serde quoted the impossible birth date 1931-02-31,
//! and numbers too), and `pms sync` printed them. Vendor values never appear
//! in an error's text; its JSON path names the spot.
#![allow(clippy::unwrap_used)] // tests may unwrap; vendor data in src/ never is

use pms_cloudbeds::CloudbedsDecoder;
use pms_core::{Currency, DecodeContext, ErrorKind, HotelId, PayloadDecoder, PayloadKind};

fn ctx() -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("harbor").unwrap(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::USD,
    }
}

/// Decodes `body` as `kind`; the error must name `path` and quote none of `values`.
fn refused_without_values(kind: PayloadKind, body: &str, path: &str, values: &[&str]) {
    let err = CloudbedsDecoder
        .decode(kind, body.as_bytes(), &ctx())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    let text = format!("{err} / {err:?}");
    assert!(text.contains(path), "no path {path} in: {text}");
    for value in values {
        assert!(!text.contains(value), "the value {value} leaked: {text}");
    }
}

#[test]
fn an_impossible_birth_date_is_named_by_its_path_not_its_value() {
    // getGuestList: `data` keyed by guest ID.
    let guests = r#"{"success":true,"data":{"71224431":{"guestID":"71224431","firstName":"Zebulon",
        "birthDate":"1931-02-31"}}}"#;
    refused_without_values(
        PayloadKind::Guests,
        guests,
        "$.data.71224431.birthDate",
        &["1931-02-31", "1931", "Zebulon"],
    );
    // getReservation: the guest list of the stay.
    let reservation = r#"{"success":true,"data":{"reservationID":"8176082119429","status":"confirmed",
        "startDate":"2026-02-01","endDate":"2026-02-03","guestList":{"71224431":{"guestID":"71224431",
        "guestFirstName":"Zebulon","guestBirthdate":"1931-02-31","isMainGuest":true}}}}"#;
    refused_without_values(
        PayloadKind::Guests,
        reservation,
        "$.data.guestList.71224431.guestBirthdate",
        &["1931-02-31", "Zebulon"],
    );
}

#[test]
fn numbers_and_strings_serde_would_quote_are_redacted() {
    let page = |row: &str| format!(r#"{{"success":true,"data":[{row}],"count":1,"total":1}}"#);
    // A count that is no count (the text path and the tree path).
    refused_without_values(
        PayloadKind::Reservations,
        &page(
            r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","adults":"7391-xyz"}"#,
        ),
        "$.data[0].adults",
        &["7391"],
    );
    // A number where an id is expected: serde says integer `...` or floating `...`.
    refused_without_values(
        PayloadKind::Reservations,
        &page(
            r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","adults":2,"guestList":{"g":{"guestID":{"x":1}}}}"#,
        ),
        "guestList",
        &["\"x\""],
    );
    refused_without_values(
        PayloadKind::Reservations,
        &page(
            r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","balance":"1954.14-zebulon"}"#,
        ),
        "$.data[0].balance",
        &["1954.14", "zebulon"],
    );
    // A boolean that is none, a number serde puts in backticks.
    refused_without_values(
        PayloadKind::Guests,
        r#"{"success":true,"data":{"71224431":{"guestID":"71224431","isAnonymized":424242}}}"#,
        "$.data.71224431.isAnonymized",
        &["424242"],
    );
    refused_without_values(
        PayloadKind::Guests,
        r#"{"success":true,"data":{"71224431":{"guestID":"71224431","firstName":31415.9265}}}"#,
        "$.data.71224431.firstName",
        &["31415"],
    );
}

#[test]
fn webhook_values_do_not_reach_the_error_either() {
    refused_without_values(
        PayloadKind::Webhook,
        r#"{"version":"1.0","event":"reservation/created","timestamp":"17660x05381","propertyID":318267,"reservationID":"1"}"#,
        "$.timestamp",
        &["17660x05381"],
    );
    refused_without_values(
        PayloadKind::Webhook,
        r#"{"version":"1.0","event":"guest/created","timestamp":1766005800.25,"propertyId":318267,"guestId":7.12244315}"#,
        "$.guestid",
        &["7.1224"],
    );
}
