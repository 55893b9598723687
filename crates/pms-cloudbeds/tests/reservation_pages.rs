//! `CloudbedsDecoder` on reservation pages the text path does not vouch
//! for: the records or the typed error the tree path always gave.
#![allow(clippy::unwrap_used)] // tests may unwrap; vendor data in src/ never is

use pms_cloudbeds::CloudbedsDecoder;
use pms_core::{
    Currency, DecodeContext, Decoded, ErrorKind, HotelId, PayloadDecoder, PayloadKind, ReservationStatus,
};

fn ctx() -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("harbor").unwrap(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::USD,
    }
}

fn page(rows: &[&str]) -> String {
    format!(
        r#"{{"success":true,"data":[{}],"count":{n},"total":{n}}}"#,
        rows.join(","),
        n = rows.len()
    )
}

const GOOD: &str = r#"{"reservationID":"1","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","guestName":"Ada"}"#;

fn decode(body: &str) -> Result<Decoded, pms_core::Error> {
    CloudbedsDecoder.decode(PayloadKind::Reservations, body.as_bytes(), &ctx())
}

const BAD_COUNT: &str = r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","adults":"many"}"#;

fn error(body: &str) -> (ErrorKind, String) {
    let err = decode(body).unwrap_err();
    (err.kind(), err.to_string())
}

#[test]
fn a_row_that_does_not_decode_names_its_path_as_the_tree_did() {
    assert_eq!(
        error(&page(&[GOOD, BAD_COUNT])),
        (
            ErrorKind::Decode,
            "cannot decode cloudbeds payload at `$.data[1].adults`: not a count".into()
        )
    );
    let no_status = r#"{"reservationID":"2","startDate":"2026-02-01","endDate":"2026-02-03"}"#;
    assert_eq!(
        error(&page(&[GOOD, no_status])),
        (
            ErrorKind::Decode,
            "cannot decode cloudbeds payload at `data[1].status`: missing required field".into()
        )
    );
}

#[test]
fn text_a_value_refuses_is_refused_with_its_path() {
    let surrogate = r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","guestName":"\ud800"}"#;
    let (kind, message) = error(&page(&[GOOD, surrogate]));
    assert_eq!(kind, ErrorKind::Decode);
    assert!(
        message.starts_with("cannot decode cloudbeds payload at `$.data[1].guestName`: "),
        "{message}"
    );
    let huge = r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","x":1e400}"#;
    let (kind, message) = error(&page(&[GOOD, huge]));
    assert_eq!(kind, ErrorKind::Decode);
    assert!(
        message.starts_with("cannot decode cloudbeds payload at `$.data[1].x`: number out of range"),
        "{message}"
    );
}

#[test]
fn envelope_errors_are_unchanged() {
    for (body, kind, message) in [
        (
            r#"{"success":true,"data":"x"}"#,
            ErrorKind::Decode,
            "cannot decode cloudbeds payload at `$.data`: expected an array or an object",
        ),
        (
            r#"{"success":true}"#,
            ErrorKind::Decode,
            "cannot decode cloudbeds payload at `$.data`: missing",
        ),
        (
            r#"{"success":false,"message":"Reservation not found","data":[1,2]}"#,
            ErrorKind::NotFound,
            "not found: recorded payload: Reservation not found",
        ),
    ] {
        assert_eq!(error(body), (kind, message.to_owned()), "{body}");
    }
    assert_eq!(
        error(r#"{"success":true,"data":[],"count":"many"}"#).0,
        ErrorKind::Decode
    );
}

#[test]
fn a_row_with_a_duplicate_key_decodes_as_the_tree_did_the_last_one_winning() {
    let twice = r#"{"reservationID":"2","status":"confirmed","status":"canceled","startDate":"2026-02-01","endDate":"2026-02-03","guestName":"Ada"}"#;
    let Decoded::Reservations(got) = decode(&page(&[GOOD, twice])).unwrap() else {
        panic!("wrong kind")
    };
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].status, ReservationStatus::Cancelled);
    assert!(!format!("{got:?}").contains("Ada"));
}

#[test]
fn a_guest_list_keyed_by_a_personal_key_name_still_maps_its_guest() {
    let keyed = r#"{"reservationID":"2","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03","guestList":{"email":{"guestID":"7","isMainGuest":true}}}"#;
    let Decoded::Reservations(got) = decode(&page(&[keyed])).unwrap() else {
        panic!("wrong kind")
    };
    let guest = got[0]
        .primary_guest
        .as_ref()
        .map(|g| g.external.id.as_str().to_owned());
    assert_eq!(guest.as_deref(), Some("7"));
}
