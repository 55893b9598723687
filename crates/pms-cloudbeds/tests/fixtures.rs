//! Whole-record mapper tests over `fixtures/cloudbeds/` (see its README for
//! each payload's source). Expected records are written out by hand from the
//! payloads: ids, instants (America/New_York is UTC-5 in winter) and amounts.
#![allow(clippy::unwrap_used)] // tests may unwrap; vendor data in src/ never is

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use pms_cloudbeds::CloudbedsDecoder;
use pms_core::{
    Address, Change, ChargeId, ChargeKind, Currency, DecodeContext, Decoded, DocumentKind, ErrorKind,
    EventId, EventSource, ExternalRef, Folio, FolioCharge, FolioId, FolioOwner, Guest, GuestId, GuestRef,
    HotelId, HousekeepingStatus, IdentityDocument, Money, Occupancy, PayloadDecoder, PayloadKind, Payment,
    PaymentState, PersonName, Pii, PmsEvent, PmsKind, RawJson, RawPayload, RequestId, Reservation,
    ReservationId, ReservationStatus, Room, RoomNumber, RoomStatus, RoomStatusReport, VendorId,
};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cloudbeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hotel() -> HotelId {
    HotelId::new("harbor").unwrap()
}

fn ctx() -> DecodeContext {
    DecodeContext {
        hotel: hotel(),
        time_zone: chrono_tz::America::New_York,
        currency: Currency::USD,
    }
}

fn cb(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Cloudbeds, VendorId::new(id).unwrap())
}

fn guest_ref(id: &str) -> GuestRef {
    GuestRef {
        id: GuestId::derive(&hotel(), &cb(id)),
        external: cb(id),
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn usd(amount: rust_decimal::Decimal) -> Money {
    Money::new(amount, Currency::USD)
}

fn decode(kind: PayloadKind, name: &str) -> Decoded {
    CloudbedsDecoder.decode(kind, &fixture(name), &ctx()).unwrap()
}

fn raw_items(name: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
    match &v["data"] {
        serde_json::Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Sets `"<redacted>"` at each listed JSON pointer (hand-listed PII fields of the fixture).
fn redact(mut value: serde_json::Value, pointers: &[&str]) -> serde_json::Value {
    for pointer in pointers {
        let slot = value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer}"));
        *slot = serde_json::Value::String("<redacted>".into());
    }
    value
}

fn reservation(id: &str) -> Reservation {
    // The fields every expected reservation sets; each test overrides the rest.
    Reservation {
        id: ReservationId::derive(&hotel(), &cb(id)),
        external: cb(id),
        hotel: hotel(),
        confirmation_number: Some(id.to_owned()),
        status: ReservationStatus::Confirmed,
        arrival: day("2026-02-01"),
        departure: day("2026-02-03"),
        eta: None,
        etd: None,
        room_number: None,
        room_type: None,
        adults: 0,
        children: 0,
        primary_guest: None,
        companions: vec![],
        rate_plan_code: None,
        total: None,
        balance: None,
        created_at: None,
        updated_at: None,
        source: None,
        channel: None,
        raw: None,
    }
}

#[test]
fn get_reservation_maps_to_a_whole_reservation() {
    let Decoded::Reservations(got) = decode(PayloadKind::Reservations, "get_reservation.json") else {
        panic!("wrong kind")
    };
    let guest = "/guestList/71224431";
    let companion = "/guestList/71224499";
    let raw = redact(
        raw_items("get_reservation.json").remove(0),
        &[
            "/guestName",
            "/guestEmail",
            &format!("{guest}/guestFirstName"),
            &format!("{guest}/guestLastName"),
            &format!("{guest}/guestGender"),
            &format!("{guest}/guestEmail"),
            &format!("{guest}/guestPhone"),
            &format!("{guest}/guestCellPhone"),
            &format!("{guest}/guestAddress"),
            &format!("{guest}/guestAddress2"),
            &format!("{guest}/guestCity"),
            &format!("{guest}/guestState"),
            &format!("{guest}/guestZip"),
            &format!("{guest}/guestBirthdate"),
            &format!("{guest}/guestDocumentType"),
            &format!("{guest}/guestDocumentNumber"),
            &format!("{guest}/guestDocumentIssueDate"),
            &format!("{guest}/guestDocumentIssuingCountry"),
            &format!("{guest}/guestDocumentExpirationDate"),
            &format!("{guest}/taxID"),
            &format!("{guest}/companyTaxID"),
            &format!("{guest}/companyName"),
            &format!("{guest}/customFields"),
            &format!("{companion}/guestFirstName"),
            &format!("{companion}/guestLastName"),
            &format!("{companion}/guestBirthdate"),
            "/cardsOnFile",
            "/customFields",
        ],
    );
    let expected = Reservation {
        status: ReservationStatus::Confirmed,
        // estimatedArrivalTime 15:00 local on 2026-02-01 (EST, UTC-5).
        eta: Some(utc("2026-02-01T20:00:00Z")),
        room_number: Some(RoomNumber::new("101").unwrap()),
        room_type: Some("Queen Room".into()),
        adults: 2,
        children: 0,
        primary_guest: Some(guest_ref("71224431")),
        companions: vec![guest_ref("71224499")],
        total: Some(usd(dec!(3908.28))),
        balance: Some(usd(dec!(1954.14))),
        // "2026-01-19 18:11:31" and "2026-01-20 09:02:10" are property-local.
        created_at: Some(utc("2026-01-19T23:11:31Z")),
        updated_at: Some(utc("2026-01-20T14:02:10Z")),
        source: Some("Website/Booking Engine".into()),
        channel: Some("ss-1".into()),
        raw: Some(RawPayload::Json(RawJson::from_value(&raw).unwrap())),
        ..reservation("8176082119429")
    };
    assert_eq!(got, vec![expected]);
    let debug = format!("{got:?}");
    for pii in ["Lovelace", "ada@example.com", "Analytical", "Babbage"] {
        assert!(!debug.contains(pii), "{pii} in Debug");
    }
}

#[test]
fn get_reservations_maps_every_item() {
    let Decoded::Reservations(got) = decode(PayloadKind::Reservations, "get_reservations_page1.json") else {
        panic!("wrong kind")
    };
    let raw: Vec<_> = raw_items("get_reservations_page1.json")
        .into_iter()
        .map(|item| redact(item, &["/guestName"]))
        .collect();
    let expected = vec![
        Reservation {
            adults: 2,
            primary_guest: Some(guest_ref("71224431")),
            balance: Some(usd(dec!(1954.14))),
            created_at: Some(utc("2026-01-19T23:11:31Z")),
            updated_at: Some(utc("2026-01-20T14:02:10Z")),
            source: Some("Website/Booking Engine".into()),
            channel: Some("ss-1".into()),
            raw: Some(RawPayload::Json(RawJson::from_value(&raw[0]).unwrap())),
            ..reservation("8176082119429")
        },
        Reservation {
            status: ReservationStatus::CheckedIn,
            arrival: day("2026-01-20"),
            departure: day("2026-01-22"),
            adults: 1,
            children: 1,
            // guestID sent as a number.
            primary_guest: Some(guest_ref("71224432")),
            balance: Some(usd(dec!(0))),
            created_at: Some(utc("2026-01-20T15:00:00Z")),
            updated_at: Some(utc("2026-01-20T15:05:00Z")),
            source: Some("Booking.com".into()),
            channel: Some("ss-2".into()),
            raw: Some(RawPayload::Json(RawJson::from_value(&raw[1]).unwrap())),
            ..reservation("8176082119430")
        },
    ];
    assert_eq!(got, expected);
}

#[test]
fn get_guest_list_maps_a_whole_guest() {
    let Decoded::Guests(got) = decode(PayloadKind::Guests, "get_guest_list.json") else {
        panic!("wrong kind")
    };
    let expected = Guest {
        id: GuestId::derive(&hotel(), &cb("71224432")),
        external: cb("71224432"),
        name: PersonName {
            title: None,
            first: Some(Pii::from("Grace")),
            middle: None,
            last: Some(Pii::from("Hopper")),
        },
        email: Some(Pii::from("grace@example.com")),
        phone: Some(Pii::from("+1 202 555 0199")),
        address: None,
        nationality: None,
        birth_date: None,
        language: None,
        loyalty_number: None,
        identity_document: None,
        updated_at: Some(utc("2026-01-20T15:05:00Z")),
    };
    assert_eq!(got, vec![expected]);
}

#[test]
fn get_guest_without_an_id_is_a_typed_decode_error() {
    let err = CloudbedsDecoder
        .decode(PayloadKind::Guests, &fixture("get_guest.json"), &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("$.data.guestID"), "{err}");
}

#[test]
fn get_guest_maps_with_the_requested_id() {
    let wire: pms_cloudbeds::wire::Envelope<pms_cloudbeds::wire::guest::GuestDetail> =
        serde_json::from_slice(&fixture("get_guest.json")).unwrap();
    let map_ctx = pms_cloudbeds::map::MapContext::from(&ctx());
    let got = pms_cloudbeds::map::guest(&wire.data.unwrap(), "71224431", "$.data", &map_ctx).unwrap();
    let expected = Guest {
        id: GuestId::derive(&hotel(), &cb("71224431")),
        external: cb("71224431"),
        name: PersonName {
            title: None,
            first: Some(Pii::from("Ada")),
            middle: None,
            last: Some(Pii::from("Lovelace")),
        },
        email: Some(Pii::from("ada@example.com")),
        // phone is "", so the cell phone is used.
        phone: Some(Pii::from("+1 212 555 0100")),
        address: Some(Pii::new(Address {
            lines: vec!["1 Analytical Way".into(), "Apt 2".into()],
            city: Some("London".into()),
            postal_code: Some("NW1 6XE".into()),
            region: None,
            country: Some("GB".into()),
        })),
        nationality: None,
        birth_date: Some(Pii::new(day("1815-12-10"))),
        language: None,
        loyalty_number: None,
        identity_document: Some(Pii::new(IdentityDocument {
            kind: DocumentKind::Passport,
            number: "P1234567".into(),
            issuing_country: Some("GB".into()),
            expires_on: Some(day("2030-01-01")),
        })),
        updated_at: None,
    };
    assert_eq!(got, expected);
    assert!(!format!("{got:?}").contains("Lovelace"), "PII in Debug");
}

#[test]
fn get_rooms_maps_rooms_with_numeric_and_string_type_ids() {
    let Decoded::Rooms(got) = decode(PayloadKind::Rooms, "get_rooms.json") else {
        panic!("wrong kind")
    };
    let expected = vec![
        Room {
            external: cb("544559-0"),
            number: RoomNumber::new("101").unwrap(),
            room_type: Some("Queen Room".into()),
            floor: None,
            status: None,
        },
        Room {
            external: cb("601917-0"),
            number: RoomNumber::new("Garden Suite").unwrap(),
            // roomTypeName is "", so the short name is used.
            room_type: Some("SUITE".into()),
            floor: None,
            status: None,
        },
    ];
    assert_eq!(got, expected);
}

#[test]
fn get_housekeeping_status_maps_conditions_occupancy_and_blocks() {
    let Decoded::RoomStatuses(got) = decode(PayloadKind::RoomStatuses, "get_housekeeping_status.json") else {
        panic!("wrong kind")
    };
    let expected = vec![
        RoomStatusReport {
            room: cb("544559-0"),
            number: RoomNumber::new("101").unwrap(),
            status: RoomStatus {
                housekeeping: HousekeepingStatus::Dirty,
                occupancy: Some(Occupancy::Occupied),
                updated_at: Some(utc("2026-01-20T05:00:00Z")),
            },
        },
        RoomStatusReport {
            room: cb("601917-0"),
            number: RoomNumber::new("Garden Suite").unwrap(),
            status: RoomStatus {
                // roomBlocked wins over roomCondition "clean".
                housekeeping: HousekeepingStatus::OutOfOrder,
                occupancy: Some(Occupancy::Vacant),
                updated_at: Some(utc("2026-01-19T05:00:00Z")),
            },
        },
    ];
    assert_eq!(got, expected);
}

#[test]
fn get_transactions_maps_a_whole_folio() {
    let Decoded::Folio(got) = decode(PayloadKind::Folio, "get_transactions.json") else {
        panic!("wrong kind")
    };
    let res = cb("8176082119429");
    let charge = |id: &str| ChargeId::derive(&hotel(), &cb(id));
    let expected = Folio {
        id: FolioId::derive(&hotel(), &res),
        external: res.clone(),
        owner: pms_core::FolioOwner::Reservation(res),
        other_balances: Vec::new(),
        // 1737.00 + 24.50 (the voided 10.00 excluded) - (500 paid - 50 refunded).
        balance: usd(dec!(1311.50)),
        charges: vec![
            FolioCharge {
                id: charge("t-100"),
                external: cb("t-100"),
                kind: ChargeKind::Room,
                description: "Room rate".into(),
                unit_amount: usd(dec!(1737.00)),
                quantity: dec!(1),
                total: usd(dec!(1737.00)),
                tax: None,
                transaction_code: Some("RATE".into()),
                outlet: None,
                posted_at: utc("2026-02-01T20:10:00Z"),
                business_date: Some(day("2026-02-01")),
                voided: false,
                request_id: None,
            },
            FolioCharge {
                id: charge("t-101"),
                external: cb("t-101"),
                // itemCategoryName "Minibar" is our label for the kind.
                kind: ChargeKind::Minibar,
                description: "Minibar".into(),
                unit_amount: usd(dec!(12.25)),
                quantity: dec!(2),
                total: usd(dec!(24.50)),
                tax: None,
                transaction_code: None,
                outlet: Some("Minibar".into()),
                posted_at: utc("2026-02-02T02:30:00Z"),
                business_date: Some(day("2026-02-01")),
                voided: false,
                request_id: Some(
                    "2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f"
                        .parse::<RequestId>()
                        .unwrap(),
                ),
            },
            FolioCharge {
                id: charge("t-103"),
                external: cb("t-103"),
                kind: ChargeKind::Other("product".into()),
                description: "Water".into(),
                unit_amount: usd(dec!(10)),
                quantity: dec!(1),
                total: usd(dec!(10)),
                tax: None,
                transaction_code: None,
                outlet: None,
                posted_at: utc("2026-02-02T03:00:00Z"),
                business_date: Some(day("2026-02-01")),
                // t-104 is a void pointing at it.
                voided: true,
                request_id: None,
            },
        ],
        payments: vec![
            Payment {
                external: cb("t-102"),
                amount: usd(dec!(500)),
                method: Some("cash".into()),
                state: PaymentState::Charged,
                paid_at: Some(utc("2026-02-01T20:00:00Z")),
            },
            Payment {
                // A refund: a debit in category `refund`, negative as the model wants.
                external: cb("t-105"),
                amount: usd(dec!(-50)),
                method: Some("cash".into()),
                state: PaymentState::Charged,
                paid_at: Some(utc("2026-02-02T14:00:00Z")),
            },
        ],
    };
    assert_eq!(got, vec![expected]);
}

/// An Accounting answer (`POST /accounting/v1.0/transactions`, one page):
/// amounts in minor units with `currencyScale`, payments as ledger credits,
/// a `V` line voiding the line its `parentId` names.
#[test]
fn accounting_transactions_map_to_a_whole_folio() {
    let res = cb("8176082119429");
    let charge = |id: &str| ChargeId::derive(&hotel(), &cb(id));
    let Decoded::Folio(first) = decode(PayloadKind::Folio, "accounting_transactions_page1.json") else {
        panic!("wrong kind")
    };
    let expected = Folio {
        id: FolioId::derive(&hotel(), &res),
        external: res.clone(),
        owner: FolioOwner::Reservation(res.clone()),
        // 1737.00 + 24.50 - 500 paid.
        balance: usd(dec!(1261.50)),
        other_balances: Vec::new(),
        charges: vec![
            FolioCharge {
                id: charge("54741583610067"),
                external: cb("54741583610067"),
                kind: ChargeKind::Room,
                description: "Room rate - Queen".into(),
                unit_amount: usd(dec!(1737.00)),
                quantity: dec!(1),
                total: usd(dec!(1737.00)),
                tax: None,
                transaction_code: Some("1000".into()),
                outlet: None,
                posted_at: utc("2026-02-01T20:10:00.648106Z"),
                business_date: Some(day("2026-02-01")),
                voided: false,
                request_id: None,
            },
            FolioCharge {
                id: charge("54741583610068"),
                external: cb("54741583610068"),
                kind: ChargeKind::Other("custom_item".into()),
                description: "Minibar".into(),
                unit_amount: usd(dec!(12.25)),
                quantity: dec!(2),
                total: usd(dec!(24.50)),
                tax: None,
                transaction_code: Some("4000".into()),
                outlet: None,
                posted_at: utc("2026-02-02T02:30:00Z"),
                business_date: Some(day("2026-02-01")),
                voided: false,
                request_id: Some(
                    "2f1f0e4e-8c1b-4a52-9d0e-6b7a8c9d0e1f"
                        .parse::<RequestId>()
                        .unwrap(),
                ),
            },
        ],
        payments: vec![Payment {
            external: cb("54741583610069"),
            amount: usd(dec!(500)),
            method: Some("Cash".into()),
            state: PaymentState::Charged,
            paid_at: Some(utc("2026-02-01T20:00:00Z")),
        }],
    };
    assert_eq!(first, vec![expected]);
    let Decoded::Folio(second) = decode(PayloadKind::Folio, "accounting_transactions_page2.json") else {
        panic!("wrong kind")
    };
    let expected = Folio {
        id: FolioId::derive(&hotel(), &res),
        external: res.clone(),
        owner: FolioOwner::Reservation(res),
        // The water is voided; the refund of 50 is owed back.
        balance: usd(dec!(50)),
        other_balances: Vec::new(),
        charges: vec![FolioCharge {
            id: charge("54741583610071"),
            external: cb("54741583610071"),
            kind: ChargeKind::Other("item".into()),
            description: "Water".into(),
            unit_amount: usd(dec!(10)),
            quantity: dec!(1),
            total: usd(dec!(10)),
            tax: None,
            transaction_code: Some("2000".into()),
            outlet: None,
            posted_at: utc("2026-02-02T03:00:00Z"),
            business_date: Some(day("2026-02-01")),
            voided: true,
            request_id: None,
        }],
        payments: vec![Payment {
            // 9100A, a refund: a ledger debit, negative as the model wants.
            external: cb("54741583610070"),
            amount: usd(dec!(-50)),
            method: Some("Cash".into()),
            state: PaymentState::Charged,
            paid_at: Some(utc("2026-02-02T14:00:00Z")),
        }],
    };
    assert_eq!(second, vec![expected]);
}

fn webhook(name: &str) -> Vec<PmsEvent> {
    let Decoded::Events(events) = decode(PayloadKind::Webhook, &format!("webhooks/{name}")) else {
        panic!("wrong kind")
    };
    events
}

fn event(id: &str, at: &str, change: Change) -> PmsEvent {
    PmsEvent {
        id: EventId::new(id),
        hotel: hotel(),
        occurred_at: utc(at),
        source: EventSource::Webhook,
        change,
    }
}

/// The Pipedream test events (fixtures/cloudbeds/README.md: their bytes, only
/// the JavaScript around the object removed).
#[test]
fn webhook_reservation_events() {
    assert_eq!(
        webhook("reservation_created.json"),
        vec![event(
            "cloudbeds:reservation/created:318267:7061304407766:1766005022.073195",
            "2025-12-17T20:57:02.073195Z",
            Change::ReservationCreated {
                reservation: cb("7061304407766")
            },
        )]
    );
    assert_eq!(
        webhook("reservation_status_changed.json"),
        vec![event(
            "cloudbeds:reservation/status_changed:318267:7061304407766:1766005381.816514",
            "2025-12-17T21:03:01.816514Z",
            Change::ReservationStatusChanged {
                reservation: cb("7061304407766"),
                status: Some(ReservationStatus::Cancelled),
            },
        )]
    );
    // propertyId / reservationId casing.
    assert_eq!(
        webhook("reservation_dates_changed.json"),
        vec![event(
            "cloudbeds:reservation/dates_changed:12345:31415926:1789459200.431234",
            "2026-09-15T08:00:00.431234Z",
            Change::ReservationUpdated {
                reservation: cb("31415926")
            },
        )]
    );
    assert_eq!(
        webhook("reservation_deleted.json"),
        vec![event(
            "cloudbeds:reservation/deleted:12345:31415926:1789459200.431234",
            "2026-09-15T08:00:00.431234Z",
            Change::ReservationCancelled {
                reservation: cb("31415926")
            },
        )]
    );
}

#[test]
fn webhook_guest_housekeeping_accounting_and_ignored_events() {
    assert_eq!(
        webhook("guest_created.json"),
        vec![event(
            "cloudbeds:guest/created:318267:159926682:1766005021.042568",
            "2025-12-17T20:57:01.042568Z",
            Change::GuestUpdated {
                guest: cb("159926682")
            },
        )]
    );
    assert_eq!(
        webhook("housekeeping_room_condition_changed.json"),
        vec![event(
            "cloudbeds:housekeeping/room_condition_changed:318267:544559-0:1766005900.75",
            "2025-12-17T21:11:40.75Z",
            Change::RoomStatusChanged {
                room: cb("544559-0"),
                number: None,
                status: Some(HousekeepingStatus::Clean),
            },
        )]
    );
    // No timestamp: the dedupe key falls back to the body's hash, the instant to reception.
    let received = utc("2026-01-01T00:00:00Z");
    let delivery = pms_cloudbeds::parse_webhook(
        &fixture("webhooks/accounting_transaction.json"),
        &hotel(),
        received,
    )
    .unwrap();
    assert_eq!(delivery.event, "accounting/transaction");
    assert_eq!(delivery.property_id, "12345");
    let [got] = <[PmsEvent; 1]>::try_from(delivery.events).unwrap();
    assert!(
        got.id
            .as_str()
            .starts_with("cloudbeds:accounting/transaction:12345:148785457922303:sha256:"),
        "{}",
        got.id
    );
    assert_eq!(
        got,
        PmsEvent {
            id: got.id.clone(),
            hotel: hotel(),
            occurred_at: received,
            source: EventSource::Webhook,
            change: Change::FolioChanged {
                reservation: None,
                item: Some(cb("148785457922303"))
            },
        }
    );
    // The December 2024 changelog's sample: accepted, no model change.
    assert_eq!(webhook("night_audit_completed.json"), vec![]);
}

/// Issue 18: a room block decoded to nothing with success; each named room
/// is a room hint now (one re-read of room statuses tells what changed).
#[test]
fn webhook_room_block_is_a_hint_per_room() {
    let hint = |room: &str| {
        event(
            &format!("cloudbeds:roomblock/created:318267:rb_30216230/{room}:1766006100.5"),
            "2025-12-17T21:15:00.5Z",
            Change::RoomStatusChanged {
                room: cb(room),
                number: None,
                status: None,
            },
        )
    };
    assert_eq!(
        webhook("roomblock_created.json"),
        vec![hint("544559-0"), hint("601917-0")]
    );
}

/// `getReservation`'s `guestList` decodes as guests (`guest`-prefixed fields).
#[test]
fn get_reservation_guest_list_decodes_as_guests() {
    let Decoded::Guests(got) = decode(PayloadKind::Guests, "get_reservation.json") else {
        panic!("wrong kind")
    };
    let guest = |id: &str, first: &str, last: &str| Guest {
        id: GuestId::derive(&hotel(), &cb(id)),
        external: cb(id),
        name: PersonName {
            title: None,
            first: Some(Pii::from(first)),
            middle: None,
            last: Some(Pii::from(last)),
        },
        email: None,
        phone: None,
        address: None,
        nationality: None,
        birth_date: None,
        language: None,
        loyalty_number: None,
        identity_document: None,
        updated_at: None,
    };
    let ada = Guest {
        email: Some(Pii::from("ada@example.com")),
        // guestPhone is "", so the cell phone is used.
        phone: Some(Pii::from("+1 212 555 0100")),
        address: Some(Pii::new(Address {
            lines: vec!["1 Analytical Way".into()],
            city: Some("New York".into()),
            postal_code: Some("10001".into()),
            region: Some("NY".into()),
            country: Some("US".into()),
        })),
        // guestDocumentType "na": no document; guestBirthdate "": none.
        ..guest("71224431", "Ada", "Lovelace")
    };
    assert_eq!(got, vec![ada, guest("71224499", "Charles", "Babbage")]);
}

#[test]
fn success_false_payload_is_an_error_not_records() {
    let err = CloudbedsDecoder
        .decode(
            PayloadKind::Reservations,
            &fixture("error_success_false.json"),
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn malformed_payload_names_the_json_path() {
    let body = br#"{"success": true, "data": [{"reservationID": "1", "status": "confirmed",
        "startDate": "2026-02-31", "endDate": "2026-03-01"}]}"#;
    let err = CloudbedsDecoder
        .decode(PayloadKind::Reservations, body, &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("$.data[0].startDate"), "{err}");
}
