#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
//! The JSON of every public enum is a stable contract (`pms decode` output,
//! fixtures, the store): spellings are pinned here and every variant round-trips.

use std::fmt::Debug;

use chrono::{TimeZone, Utc};
use pms_core::*;
use proptest::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T, expected: Value) {
    let json = serde_json::to_value(&value).unwrap();
    assert_eq!(json, expected, "spelling of {value:?}");
    let back: T = serde_json::from_value(json).unwrap();
    assert_eq!(back, value);
}

#[test]
fn reservation_status_spellings() {
    use ReservationStatus::*;
    for (v, s) in [
        (Inquiry, "inquiry"),
        (Tentative, "tentative"),
        (Confirmed, "confirmed"),
        (CheckedIn, "checked_in"),
        (CheckedOut, "checked_out"),
        (Cancelled, "cancelled"),
        (NoShow, "no_show"),
        (Waitlisted, "waitlisted"),
    ] {
        round_trip(v, json!(s));
    }
    // A vendor value that happens to look like a known one stays distinct.
    round_trip(Other("confirmed".into()), json!({"other": "confirmed"}));
}

#[test]
fn room_enum_spellings() {
    use HousekeepingStatus::*;
    for (v, s) in [
        (Clean, "clean"),
        (Dirty, "dirty"),
        (Inspected, "inspected"),
        (Pickup, "pickup"),
        (OutOfService, "out_of_service"),
        (OutOfOrder, "out_of_order"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(Other("Turndown".into()), json!({"other": "Turndown"}));
    round_trip(Occupancy::Vacant, json!("vacant"));
    round_trip(Occupancy::Occupied, json!("occupied"));
}

#[test]
fn folio_enum_spellings() {
    use ChargeKind::*;
    for (v, s) in [
        (Room, "room"),
        (RoomService, "room_service"),
        (Spa, "spa"),
        (Restaurant, "restaurant"),
        (Minibar, "minibar"),
        (Gratuity, "gratuity"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(Other("Laundry".into()), json!({"other": "Laundry"}));
    for (v, s) in [
        (PaymentState::Pending, "pending"),
        (PaymentState::Charged, "charged"),
        (PaymentState::Voided, "voided"),
        (PaymentState::Failed, "failed"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(PaymentState::Other("Failed".into()), json!({"other": "Failed"}));
    for (v, s) in [
        (CardHoldState::Requested, "requested"),
        (CardHoldState::Authorized, "authorized"),
        (CardHoldState::Captured, "captured"),
        (CardHoldState::Released, "released"),
        (CardHoldState::Declined, "declined"),
    ] {
        round_trip(v, json!(s));
    }
}

#[test]
fn agenda_guest_and_event_enum_spellings() {
    for (v, s) in [
        (AgendaKind::Spa, "spa"),
        (AgendaKind::Dining, "dining"),
        (AgendaKind::Activity, "activity"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(AgendaKind::Other("Golf".into()), json!({"other": "Golf"}));
    for (v, s) in [
        (AgendaStatus::Requested, "requested"),
        (AgendaStatus::Confirmed, "confirmed"),
        (AgendaStatus::Cancelled, "cancelled"),
        (AgendaStatus::Completed, "completed"),
        (AgendaStatus::NoShow, "no_show"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(
        AgendaStatus::Other("Waitlist".into()),
        json!({"other": "Waitlist"}),
    );
    round_trip(AgendaSource::Internal, json!("internal"));
    round_trip(AgendaSource::Pms(PmsKind::Mews), json!({"pms": "mews"}));
    for (v, s) in [
        (DocumentKind::Passport, "passport"),
        (DocumentKind::IdentityCard, "identity_card"),
        (DocumentKind::DrivingLicence, "driving_licence"),
        (DocumentKind::Visa, "visa"),
    ] {
        round_trip(v, json!(s));
    }
    round_trip(
        DocumentKind::Other("ResidencePermit".into()),
        json!({"other": "ResidencePermit"}),
    );
    for (v, s) in [
        (EventSource::Webhook, "webhook"),
        (EventSource::Poll, "poll"),
        (EventSource::Reconcile, "reconcile"),
    ] {
        round_trip(v, json!(s));
    }
    for (v, s) in [
        (PmsKind::Opera, "opera"),
        (PmsKind::Mews, "mews"),
        (PmsKind::Cloudbeds, "cloudbeds"),
    ] {
        round_trip(v, json!(s));
    }
}

#[test]
fn classification_enum_spellings() {
    use ErrorKind::*;
    for (v, s) in [
        (Transient, "transient"),
        (RateLimited, "rate_limited"),
        (Auth, "auth"),
        (NotFound, "not_found"),
        (Conflict, "conflict"),
        (Validation, "validation"),
        (Unsupported, "unsupported"),
        (OutcomeUnknown, "outcome_unknown"),
        (Vendor, "vendor"),
        (Decode, "decode"),
        (Config, "config"),
    ] {
        round_trip(v, json!(s));
    }
    use Capability as C;
    for (v, s) in [
        (C::Webhooks, "webhooks"),
        (C::ChangePolling, "change_polling"),
        (C::RoomStatusWrite, "room_status_write"),
        (C::CheckIn, "check_in"),
        (C::CheckOut, "check_out"),
        (C::PostCharge, "post_charge"),
        (C::VoidCharge, "void_charge"),
        (C::ChargeReadBack, "charge_read_back"),
        (C::IdVerification, "id_verification"),
        (C::Signature, "signature"),
        (C::CardHold, "card_hold"),
    ] {
        round_trip(v, json!(s));
    }
    for (v, s) in [
        (Feature::Webhooks, "webhooks"),
        (Feature::Polling, "polling"),
        (Feature::Reconcile, "reconcile"),
        (Feature::Charges, "charges"),
        (Feature::DigitalKeys, "digital_keys"),
        (Feature::CardHolds, "card_holds"),
    ] {
        round_trip(v, json!(s));
    }
    for kind in PayloadKind::ALL {
        round_trip(kind, json!(kind.as_str()));
    }
}

#[test]
fn event_changes_are_internally_tagged() {
    let room = ExternalRef::new(PmsKind::Mews, VendorId::new("r-1").unwrap());
    let event = PmsEvent {
        id: EventId::new("mews:ResourceUpdated:r-1"),
        hotel: HotelId::new("grand").unwrap(),
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
        source: EventSource::Webhook,
        change: Change::RoomStatusChanged {
            room,
            number: Some(RoomNumber::new("101").unwrap()),
            status: Some(HousekeepingStatus::Dirty),
        },
    };
    round_trip(
        event,
        json!({
            "id": "mews:ResourceUpdated:r-1",
            "hotel": "grand",
            "occurred_at": "2026-11-25T10:00:00Z",
            "source": "webhook",
            "change": {
                "type": "room_status_changed",
                "room": {"pms": "mews", "id": "r-1"},
                "number": "101",
                "status": "dirty"
            }
        }),
    );
}

#[test]
fn raw_payloads_keep_their_format() {
    round_trip(
        RawPayload::Xml("<a/>".into()),
        json!({"format": "xml", "body": "<a/>"}),
    );
    round_trip(
        RawPayload::Json(RawJson::from_value(&json!({"Id": 1})).unwrap()),
        json!({"format": "json", "body": {"Id": 1}}),
    );
}

#[test]
fn card_tokens_never_show_in_debug() {
    let hold = CardHoldRequest {
        request_id: RequestId::new_random(),
        reservation: VendorId::new("r").unwrap(),
        card: CardToken::new("tok_live_4242deadbeef"),
        amount: Money::parse("200", Currency::EUR).unwrap(),
    };
    assert!(!format!("{hold:?}").contains("4242deadbeef"));
}

fn status() -> impl Strategy<Value = ReservationStatus> {
    prop_oneof![
        Just(ReservationStatus::Inquiry),
        Just(ReservationStatus::Tentative),
        Just(ReservationStatus::Confirmed),
        Just(ReservationStatus::CheckedIn),
        Just(ReservationStatus::CheckedOut),
        Just(ReservationStatus::Cancelled),
        Just(ReservationStatus::NoShow),
        Just(ReservationStatus::Waitlisted),
        ".{0,12}".prop_map(ReservationStatus::Other),
    ]
}

fn money() -> impl Strategy<Value = Money> {
    (
        any::<i64>(),
        0u32..=6,
        prop::sample::select(vec!["EUR", "USD", "JPY", "KWD"]),
    )
        .prop_map(|(units, scale, code)| {
            Money::new(
                rust_decimal::Decimal::new(units, scale),
                Currency::new(code).unwrap(),
            )
        })
}

fn instant() -> impl Strategy<Value = chrono::DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000)
        .prop_map(|(s, micros)| Utc.timestamp_opt(s, micros * 1000).single().unwrap())
}

fn reservation() -> impl Strategy<Value = Reservation> {
    let pms = prop::sample::select(PmsKind::ALL.to_vec());
    (
        (
            pms,
            "[A-Za-z0-9-]{1,36}",
            "[a-z0-9_]{1,10}",
            status(),
            proptest::option::of("[A-Z0-9]{4,10}"),
        ),
        (
            0i32..3_000_000,
            0u32..400,
            proptest::option::of(instant()),
            proptest::option::of(instant()),
        ),
        (
            proptest::option::of("[0-9]{1,4}"),
            proptest::option::of("[A-Z]{2,5}"),
            any::<u16>(),
            any::<u16>(),
        ),
        (
            proptest::option::of(money()),
            proptest::option::of(money()),
            proptest::option::of(instant()),
        ),
        (
            proptest::option::of("\\PC{0,20}"),
            proptest::collection::vec("[a-z0-9]{1,8}", 0..3),
        ),
    )
        .prop_map(
            |(
                (pms, vendor_id, hotel, status, confirmation),
                (arrival_days, nights, eta, created),
                (room, room_type, adults, children),
                (total, balance, updated),
                (source, companions),
            )| {
                let hotel = HotelId::new(hotel).unwrap();
                let external = ExternalRef::new(pms, VendorId::new(vendor_id).unwrap());
                let arrival = chrono::NaiveDate::from_num_days_from_ce_opt(700_000 + arrival_days).unwrap();
                let guest_ref = |id: &str| {
                    let external = ExternalRef::new(pms, VendorId::new(id).unwrap());
                    GuestRef {
                        id: GuestId::derive(&hotel, &external),
                        external,
                    }
                };
                Reservation {
                    id: ReservationId::derive(&hotel, &external),
                    external,
                    confirmation_number: confirmation,
                    status,
                    arrival,
                    departure: arrival + chrono::Days::new(u64::from(nights)),
                    eta,
                    etd: None,
                    room_number: room.map(|r| RoomNumber::new(r).unwrap()),
                    room_type,
                    adults,
                    children,
                    primary_guest: Some(guest_ref("primary")),
                    companions: companions.iter().map(|c| guest_ref(c)).collect(),
                    rate_plan_code: None,
                    total,
                    balance,
                    created_at: created,
                    updated_at: updated,
                    source,
                    channel: None,
                    raw: Some(RawPayload::Json(
                        RawJson::from_value(&json!({"State": "Confirmed"})).unwrap(),
                    )),
                    hotel,
                }
            },
        )
}

proptest! {
    #[test]
    fn reservations_round_trip_through_json(reservation in reservation()) {
        let json = serde_json::to_string(&reservation).unwrap();
        let back: Reservation = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, reservation);
    }
}

#[test]
fn raw_json_keeps_the_text_and_compares_by_value() {
    let sent: Box<serde_json::value::RawValue> =
        serde_json::value::RawValue::from_string("{ \"b\": [1, 2],\n  \"a\": \"x\" }".into()).unwrap();
    let raw = RawJson::from(sent);
    assert_eq!(
        raw.text(),
        "{ \"b\": [1, 2],\n  \"a\": \"x\" }",
        "kept as received"
    );
    assert_eq!(raw, RawJson::from_value(&json!({"a": "x", "b": [1, 2]})).unwrap());
    assert_ne!(raw, RawJson::from_value(&json!({"a": "x", "b": [2, 1]})).unwrap());
    // Embedded as JSON (not as a string) and read back equal.
    let payload = RawPayload::Json(raw);
    let text = serde_json::to_string(&payload).unwrap();
    assert_eq!(
        text,
        "{\"format\":\"json\",\"body\":{ \"b\": [1, 2],\n  \"a\": \"x\" }}"
    );
    assert_eq!(serde_json::from_str::<RawPayload>(&text).unwrap(), payload);
}

#[test]
fn decode_errors_keep_places_but_not_the_values_a_parser_quotes() {
    let serde_message = serde_json::from_str::<u16>("\"Jane \\\"JD\\\" Doe <jane@example.com>\"")
        .unwrap_err()
        .to_string();
    assert!(
        serde_message.contains("Jane"),
        "serde quotes the value: {serde_message}"
    );
    let err = Error::decode(PmsKind::Mews, "$.Customers[0].Age", serde_message);
    let text = err.to_string();
    assert!(!text.contains("Jane") && !text.contains("example.com"), "{text}");
    assert!(
        text.contains("$.Customers[0].Age") && text.contains("expected u16"),
        "{text}"
    );
    assert_eq!(
        without_quoted_values("unknown variant `Bogus`, expected `A` at \"x\" and \"unterminated"),
        "unknown variant `Bogus`, expected `A` at \"<redacted>\" and \"<redacted>"
    );
}
