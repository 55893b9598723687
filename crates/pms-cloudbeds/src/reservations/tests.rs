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
    page(body, &ctx()).unwrap().data.unwrap()
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
    let got = single(&body, &ctx()).unwrap().data.unwrap();
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
        assert!(page(body.as_bytes(), &ctx()).is_err(), "{body}");
    }
    assert!(page(b"{\"success\":true,\"data\":{}}", &ctx()).is_err());
    assert!(single(b"{\"success\":true,\"data\":[]}", &ctx()).is_err());
    assert!(page(b"not json", &ctx()).is_err());
    // A guest list keyed by a personal key name reads as a string once redacted.
    let keyed = row(r#","guestList":{"email":{"guestID":"7","isMainGuest":true}}"#);
    assert!(page(keyed.as_bytes(), &ctx()).is_err());
}

/// The names of a struct's wire fields, as serde derive declares them.
struct FieldNames<'a>(&'a mut Vec<&'static str>);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("structs only"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(fields);
        Err(serde::de::Error::custom("names taken"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

fn fields_of<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
    let mut names = Vec::new();
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

/// Rows are decoded from the redacted text: no field the wire types read
/// may be one whose value the redaction replaces.
#[test]
fn typed_fields_are_not_personal() {
    use crate::wire::reservation::{AssignedRoom, ReservationGuest, ReservationListRoom};
    for fields in [
        fields_of::<Envelope<()>>(),
        fields_of::<ReservationListItem>(),
        fields_of::<ReservationListRoom>(),
        fields_of::<ReservationGuest>(),
        fields_of::<ReservationDetail>(),
        fields_of::<AssignedRoom>(),
    ] {
        assert!(!fields.is_empty());
        for field in fields {
            let personal = crate::redact::PII_KEYS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(field));
            assert!(!personal, "{field} is redacted before it is read");
        }
    }
    assert!(fields_of::<ReservationListItem>().contains(&"guestList"));
}
