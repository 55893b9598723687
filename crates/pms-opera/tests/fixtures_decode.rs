//! The decoder on every fixture: whole normalized records compared with
//! hand-checked JSON in `fixtures/opera/expected/`, and every error fixture
//! classified.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{fixture, fixture_path, fixture_str};
use pms_core::{Currency, DecodeContext, ErrorKind, HotelId, PayloadDecoder, PayloadKind};
use pms_opera::OperaDecoder;
use pretty_assertions::assert_eq;

fn context() -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("grand").unwrap(),
        time_zone: chrono_tz::Asia::Kolkata,
        currency: Currency::new("INR").unwrap(),
    }
}

fn check(kind: PayloadKind, input: &str, expected: &str) {
    let decoded = OperaDecoder::new()
        .decode(kind, &fixture(input), &context())
        .unwrap_or_else(|e| panic!("{input}: {e}"));
    let actual = decoded.to_json_array().unwrap();
    let path = format!("expected/{expected}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(&actual).unwrap();
        std::fs::write(fixture_path(&path), format!("{text}\n")).unwrap();
    }
    let expected: serde_json::Value = serde_json::from_str(&fixture_str(&path)).unwrap();
    assert_eq!(actual, expected, "{input}");
}

#[test]
fn captured_fetch_booking_maps_to_the_whole_record() {
    check(
        PayloadKind::Reservations,
        "fetch_booking.response.xml",
        "fetch_booking.reservations.json",
    );
}

#[test]
fn future_booking_summary_with_unusual_prefixes_maps_every_record() {
    check(
        PayloadKind::Reservations,
        "future_booking_summary.response.xml",
        "future_booking_summary.reservations.json",
    );
}

#[test]
fn profile_maps_with_pii_fields() {
    check(
        PayloadKind::Guests,
        "fetch_profile.response.xml",
        "fetch_profile.guests.json",
    );
}

#[test]
fn housekeeping_maps_every_status_and_keeps_unknown_as_other() {
    check(
        PayloadKind::RoomStatuses,
        "fetch_housekeeping_room_status.response.xml",
        "fetch_housekeeping_room_status.room_statuses.json",
    );
    check(
        PayloadKind::Rooms,
        "fetch_housekeeping_room_status.response.xml",
        "fetch_housekeeping_room_status.rooms.json",
    );
}

#[test]
fn invoice_maps_to_one_folio_with_the_reference_read_back() {
    check(PayloadKind::Folio, "invoice.response.xml", "invoice.folio.json");
}

/// The captured FetchBooking answer's guest `Profile`, served as a
/// FetchProfile answer: OPERA writes the name, address and phone parts in the
/// Common namespace and lists the e-mail among the phones.
#[test]
fn the_captured_profile_maps_its_common_namespace_parts() {
    let capture = fixture_str("fetch_booking.response.xml");
    let start = capture.find("<s4:Profile ").unwrap();
    let end = capture.find("</s4:Profile>").unwrap() + "</s4:Profile>".len();
    let body = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
         <FetchProfileResponse xmlns=\"http://webservices.micros.com/ows/5.1/Name.wsdl\">\
         <Result resultStatusFlag=\"SUCCESS\"/>{}</FetchProfileResponse></soap:Body></soap:Envelope>",
        &capture[start..end]
    );
    let decoded = OperaDecoder::new()
        .decode(PayloadKind::Guests, body.as_bytes(), &context())
        .unwrap();
    let expected = serde_json::json!([{
        "address": {
            "city": "Hyderabad",
            "country": "IN",
            "lines": ["1 Example Street"],
            "postal_code": "560001",
            "region": "TS"
        },
        "birth_date": null,
        "email": "ada.sample@example.com",
        "external": { "id": "4471190", "pms": "opera" },
        "id": "5bade9d6-61cd-5e8a-bd99-182b27630f7c",
        "identity_document": null,
        "language": null,
        "loyalty_number": null,
        "name": { "first": "Ada", "last": "Sample", "middle": null, "title": "Mr." },
        "nationality": "IN",
        "phone": "7700900123",
        "updated_at": null
    }]);
    assert_eq!(decoded.to_json_array().unwrap(), expected);
}

fn error_kind(kind: PayloadKind, input: &str) -> ErrorKind {
    OperaDecoder::new()
        .decode(kind, &fixture(input), &context())
        .unwrap_err()
        .kind()
}

#[test]
fn error_fixtures_are_classified() {
    let r = PayloadKind::Reservations;
    assert_eq!(
        error_kind(r, "fetch_booking.fail.response.xml"),
        ErrorKind::NotFound
    );
    assert_eq!(error_kind(r, "post_charge.fail.response.xml"), ErrorKind::Auth);
    assert_eq!(error_kind(r, "check_in.fail.response.xml"), ErrorKind::Conflict);
    assert_eq!(error_kind(r, "soap_fault.response.xml"), ErrorKind::Auth);
    assert_eq!(error_kind(r, "soap_fault.server.response.xml"), ErrorKind::Vendor);
    assert_eq!(error_kind(r, "weblogic_503.html"), ErrorKind::Transient);
    assert_eq!(error_kind(r, "billion_laughs.xml"), ErrorKind::Decode);
    assert_eq!(
        error_kind(PayloadKind::Webhook, "check_out.response.xml"),
        ErrorKind::Unsupported
    );
    // A response of another kind is a decode error naming the element.
    let err = OperaDecoder::new()
        .decode(PayloadKind::Folio, &fixture("check_out.response.xml"), &context())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[test]
fn pii_never_shows_in_debug_output() {
    let decoded = OperaDecoder::new()
        .decode(
            PayloadKind::Guests,
            &fixture("fetch_profile.response.xml"),
            &context(),
        )
        .unwrap();
    let debug = format!("{decoded:?}");
    for secret in ["Ada", "Sample", "example.com", "7700", "Example Street"] {
        assert!(!debug.contains(secret), "{secret} leaked into Debug");
    }
}

#[test]
fn prefixes_are_irrelevant_only_namespaces_count() {
    // The captured response with every prefix renamed (and one made the default
    // namespace) decodes to the same record.
    let original = fixture_str("fetch_booking.response.xml");
    let renamed = original
        .replace("s0:", "zz9:")
        .replace("xmlns:s0=", "xmlns:zz9=")
        .replace("s1:", "hotel_common:")
        .replace("xmlns:s1=", "xmlns:hotel_common=")
        .replace("s2:", "C:")
        .replace("xmlns:s2=", "xmlns:C=")
        .replace("<s3:", "<")
        .replace("</s3:", "</")
        .replace("xmlns:s3=", "xmlns=");
    assert_ne!(original, renamed);
    let decode = |body: &str| {
        OperaDecoder::new()
            .decode(PayloadKind::Reservations, body.as_bytes(), &context())
            .unwrap()
    };
    assert_eq!(decode(&renamed), decode(&original));
    // The same local names in a foreign namespace are not picked up.
    let foreign = original.replace(
        "http://webservices.micros.com/og/4.3/Reservation/",
        "urn:not-opera",
    );
    assert_eq!(
        OperaDecoder::new()
            .decode(PayloadKind::Reservations, foreign.as_bytes(), &context())
            .unwrap_err()
            .kind(),
        ErrorKind::Decode
    );
}

/// A distinctive value in a field that fails to parse: the error names the
/// element and never quotes the value, whichever layer refuses it (a mapper,
/// the entity resolver, the character-reference reader).
#[test]
fn decode_errors_name_the_element_and_never_quote_the_value() {
    let capture = fixture_str("fetch_booking.response.xml");
    let cases = [
        (
            "<s1:StartDate>2019-02-14T00:00:00</s1:StartDate>",
            "<s1:StartDate>Lovelace-1931-02-31</s1:StartDate>",
            "RoomStay/TimeSpan/StartDate",
        ),
        (
            r#"<s1:GuestCount count="1""#,
            r#"<s1:GuestCount count="Lovelace7""#,
            "GuestCount/@count",
        ),
        (
            r#"currencyCode="INR">19840</s1:Total>"#,
            r#"currencyCode="INR">Lovelace</s1:Total>"#,
            "RoomStay/Total",
        ),
        (
            r#"insertDate="2019-02-14T13:00:57""#,
            r#"insertDate="Lovelace""#,
            "ReservationHistory",
        ),
        (">Taj West End Bengaluru<", ">Taj &Lovelace; Bengaluru<", "body"),
        (">Taj West End Bengaluru<", ">Taj &#xLovelace; Bengaluru<", "body"),
    ];
    for (from, to, spot) in cases {
        assert_eq!(capture.matches(from).count(), 1, "{from}");
        let body = capture.replacen(from, to, 1);
        let err = OperaDecoder::new()
            .decode(PayloadKind::Reservations, body.as_bytes(), &context())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{to}");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("Lovelace"), "the value leaked: {text}");
            assert!(text.contains(spot), "{text} does not name {spot}");
        }
    }
}
