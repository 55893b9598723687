use pms_core::{Currency, HotelId, RawPayload};
use serde_json::Value;

use super::*;

fn ctx() -> MapContext {
    MapContext {
        hotel: HotelId::new("harbor").unwrap(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::USD,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cloudbeds")
        .join(name);
    std::fs::read(path).unwrap()
}

/// What the tree path maps a `getReservations` body to.
fn rows_through_the_tree(body: &[u8]) -> Vec<Reservation> {
    let envelope: Envelope<Vec<Value>> = serde_json::from_slice(body).unwrap();
    envelope
        .data
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let item: ReservationListItem = serde_json::from_value(raw.clone()).unwrap();
            map::reservation_list_item(&item, i, RedactedJson::from_value(raw), &ctx()).unwrap()
        })
        .collect()
}

fn rows_through_the_text(body: &[u8]) -> Vec<Reservation> {
    let page = page(body).unwrap();
    rows(page.data.as_deref().unwrap(), &ctx()).unwrap()
}

fn raw_text(reservation: &Reservation) -> &str {
    match &reservation.raw {
        Some(RawPayload::Json(json)) => json.text(),
        other => panic!("no raw JSON: {other:?}"),
    }
}

#[test]
fn fixture_pages_take_the_text_path_and_equal_the_tree_path() {
    for name in ["get_reservations_page1.json", "get_reservations_page2.json"] {
        let body = fixture(name);
        let text = rows_through_the_text(&body);
        assert!(!text.is_empty(), "{name}");
        assert_eq!(text, rows_through_the_tree(&body), "{name}");
        for reservation in &text {
            let raw = raw_text(reservation);
            assert!(raw.contains(r#""guestName":"<redacted>""#), "{raw}");
            assert!(!raw.contains('\n'), "whitespace kept: {raw}");
        }
    }
}

#[test]
fn a_get_reservation_answer_takes_the_text_path_and_equals_the_tree_path() {
    let body = fixture("get_reservation.json");
    let answer = single(&body).unwrap();
    let got = detail(answer.data.unwrap(), &ctx()).unwrap();
    let tree: Envelope<Value> = serde_json::from_slice(&body).unwrap();
    let raw = tree.data.unwrap();
    let wire: ReservationDetail = serde_json::from_value(raw.clone()).unwrap();
    let expected = map::reservation_detail(&wire, RedactedJson::from_value(raw), &ctx()).unwrap();
    assert_eq!(got, expected);
    for pii in ["Lovelace", "ada@example.com", "Babbage"] {
        assert!(!raw_text(&got).contains(pii), "{pii} kept");
    }
}

#[test]
fn escaped_and_spaced_rows_equal_the_tree_path() {
    let body = br#"{ "success" : true , "data" : [
        { "reservationID" : "8176082119429", "status" : "confirmed", "startDate" : "2026-02-01",
          "endDate" : "2026-02-03", "guest\u004eame" : "Jos\u00e9 \ud83d\ude00", "sourceName" : "Website\/Booking Engine",
          "guestList" : { "71224431" : { "guestID" : 71224431, "isMainGuest" : "1", "GUESTEMAIL" : "a@b.c" } },
          "balance" : 1954.14, "adults" : 2 } ], "count" : 1, "total" : 1 }"#;
    let text = rows_through_the_text(body);
    assert_eq!(text, rows_through_the_tree(body));
    let raw = raw_text(&text[0]);
    assert!(!raw.contains("Jos") && !raw.contains("a@b.c"), "{raw}");
}

#[test]
fn what_the_text_path_cannot_vouch_for_is_unusual() {
    let row = |extra: &str| {
        format!(
            r#"{{"success":true,"data":[{{"reservationID":"1","status":"confirmed","startDate":"2026-02-01","endDate":"2026-02-03"{extra}}}]}}"#
        )
    };
    for body in [
        // A wire type error, a duplicate key, a mapping error (no status),
        // text a `Value` refuses.
        row(r#","adults":"many""#),
        row(r#","status":"canceled""#),
        row(r#","status":"""#).replacen(r#""status":"confirmed","#, "", 1),
        row(r#","guestName":"\ud800""#),
        row(r#","note":1e400"#),
    ] {
        let page = page(body.as_bytes()).unwrap();
        assert!(rows(page.data.as_deref().unwrap(), &ctx()).is_err(), "{body}");
    }
    assert!(page(b"{\"success\":true,\"data\":{}}").is_err());
    assert!(page(b"not json").is_err());
}
