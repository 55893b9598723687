//! Fixture tests: each documented Mews example decodes into exactly the
//! normalized records written out here by hand, field by field.
#![allow(clippy::unwrap_used)] // tests may unwrap, helpers included

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use pms_core::{
    AccountKind, Address, Change, ChargeId, ChargeKind, Currency, DecodeContext, Decoded, EventId,
    EventSource, ExternalRef, Folio, FolioAccount, FolioCharge, FolioId, FolioOwner, Guest, GuestId,
    GuestRef, HotelId, HousekeepingStatus, Money, PayloadDecoder, PayloadKind, Payment, PaymentState,
    PersonName, Pii, PmsEvent, PmsKind, RawJson, RawPayload, Reservation, ReservationId, ReservationStatus,
    Room, RoomNumber, RoomStatus, RoomStatusReport, VendorId,
};
use pms_mews::{MewsDecoder, MewsWebhook, parse_webhook};
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/mews")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hotel() -> HotelId {
    HotelId::new("grand").unwrap()
}

fn ctx(currency: &str) -> DecodeContext {
    DecodeContext {
        hotel: hotel(),
        // The enterprise of configuration_get.response.json.
        time_zone: chrono_tz::Europe::Budapest,
        currency: Currency::new(currency).unwrap(),
    }
}

fn mews(id: &str) -> ExternalRef {
    ExternalRef::new(PmsKind::Mews, VendorId::new(id).unwrap())
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::EUR).unwrap()
}

fn decode(kind: PayloadKind, file: &str, currency: &str) -> Decoded {
    MewsDecoder.decode(kind, &fixture(file), &ctx(currency)).unwrap()
}

#[test]
fn reservation_fixture_maps_to_the_whole_record() {
    let body = fixture("reservations_getall_2023_06_06.response.json");
    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let external = mews("0f515589-99b4-423d-b83a-b237009f0509");
    let owner = mews("fadd5bb6-b428-45d5-94f8-fd0d89fece6d");
    let expected = Reservation {
        id: ReservationId::derive(&hotel(), &external),
        external,
        hotel: hotel(),
        confirmation_number: Some("52".into()),
        status: ReservationStatus::Confirmed,
        // ScheduledStartUtc 2023-04-23T14:00Z is 16:00 in Budapest (CEST).
        arrival: date(2023, 4, 23),
        // ScheduledEndUtc 2023-04-25T12:00Z is 14:00 in Budapest.
        departure: date(2023, 4, 25),
        eta: Some(utc("2023-04-23T14:00:00Z")),
        etd: Some(utc("2023-04-25T12:00:00Z")),
        // Offline: no resources/getAll lookup for AssignedResourceId.
        room_number: None,
        room_type: Some("773d5e42-de1e-43a0-9ce6-f940faf2303f".into()),
        // Two age categories of 2 each, none configured as children.
        adults: 4,
        children: 0,
        primary_guest: Some(GuestRef {
            id: GuestId::derive(&hotel(), &owner),
            external: owner,
        }),
        companions: vec![],
        rate_plan_code: Some("ed4b660b-19d0-434b-9360-a4de2ea42eda".into()),
        total: None,
        balance: None,
        created_at: Some(utc("2023-03-23T16:00:00Z")),
        updated_at: Some(utc("2023-04-22T17:00:00Z")),
        source: Some("Connector".into()),
        channel: None,
        raw: Some(RawPayload::Json(
            RawJson::from_value(&raw["Reservations"][0]).unwrap(),
        )),
    };
    assert_eq!(
        decode(
            PayloadKind::Reservations,
            "reservations_getall_2023_06_06.response.json",
            "EUR"
        ),
        Decoded::Reservations(vec![expected])
    );
}

#[test]
fn business_dates_follow_the_property_time_zone() {
    let mut auckland = ctx("EUR");
    auckland.time_zone = chrono_tz::Pacific::Auckland;
    let Decoded::Reservations(r) = MewsDecoder
        .decode(
            PayloadKind::Reservations,
            &fixture("reservations_getall_2023_06_06.response.json"),
            &auckland,
        )
        .unwrap()
    else {
        panic!("not reservations");
    };
    // 14:00Z is 02:00 the next day in Auckland (NZST, +12).
    assert_eq!(
        (r[0].arrival, r[0].departure),
        (date(2023, 4, 24), date(2023, 4, 26))
    );
}

#[test]
fn customer_fixture_maps_to_whole_guests() {
    let john = mews("fadd5bb6-b428-45d5-94f8-fd0d89fece6d");
    let expected = vec![Guest {
        id: GuestId::derive(&hotel(), &john),
        external: john,
        name: PersonName {
            title: Some(Pii::from("Mister")),
            first: Some(Pii::from("John")),
            middle: None,
            // LastName + SecondLastName.
            last: Some(Pii::from("Smith Williams")),
        },
        email: Some(Pii::from("j.smith@example.com")),
        phone: Some(Pii::from("00420123456789")),
        address: Some(Pii::new(Address {
            lines: vec!["Somerford Road Hello House/135".into()],
            city: Some("Christchurch".into()),
            postal_code: Some("BH23 3PY".into()),
            region: Some("GB-ENG".into()),
            country: Some("GB".into()),
        })),
        nationality: Some(Pii::from("US")),
        birth_date: Some(Pii::new(date(1983, 12, 31))),
        language: Some("en-GB".into()),
        loyalty_number: Some(Pii::from("LL810213")),
        identity_document: None,
        updated_at: Some(utc("2018-01-02T00:00:00Z")),
    }];
    let decoded = decode(PayloadKind::Guests, "customers_getall.response.json", "EUR");
    assert_eq!(decoded, Decoded::Guests(expected));
    // Debug output carries no personal data.
    let debug = format!("{decoded:?}");
    assert!(
        !debug.contains("Smith") && !debug.contains("example.com"),
        "{debug}"
    );
}

fn room_status(state: HousekeepingStatus, updated: &str) -> RoomStatus {
    RoomStatus {
        housekeeping: state,
        occupancy: None,
        updated_at: Some(utc(updated)),
    }
}

#[test]
fn resource_fixture_maps_to_whole_rooms_and_statuses() {
    let rows = [
        (
            "20e00c32-d561-4008-8609-82d8aa525714",
            "101",
            Some("1"),
            HousekeepingStatus::Clean,
            "2023-06-15T14:20:00Z",
        ),
        (
            "1ec29188-01ca-4294-9983-fac59f85a448",
            "101A",
            None,
            HousekeepingStatus::Inspected,
            "2023-06-15T14:25:00Z",
        ),
        (
            "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "Suite 1",
            Some("5"),
            HousekeepingStatus::Dirty,
            "2023-06-20T16:45:00Z",
        ),
    ];
    let rooms: Vec<Room> = rows
        .iter()
        .map(|(id, name, floor, state, updated)| Room {
            external: mews(id),
            number: RoomNumber::new(*name).unwrap(),
            room_type: None,
            floor: floor.map(str::to_owned),
            status: Some(room_status(state.clone(), updated)),
        })
        .collect();
    let reports: Vec<RoomStatusReport> = rows
        .iter()
        .map(|(id, name, _, state, updated)| RoomStatusReport {
            room: mews(id),
            number: RoomNumber::new(*name).unwrap(),
            status: room_status(state.clone(), updated),
        })
        .collect();
    assert_eq!(
        decode(PayloadKind::Rooms, "resources_getall.response.json", "EUR"),
        Decoded::Rooms(rooms)
    );
    assert_eq!(
        decode(PayloadKind::RoomStatuses, "resources_getall.response.json", "EUR"),
        Decoded::RoomStatuses(reports)
    );
}

#[allow(clippy::too_many_arguments)]
fn charge(
    id: &str,
    kind: ChargeKind,
    unit: &str,
    total: &str,
    tax: &str,
    category: &str,
    service: &str,
    posted: &str,
) -> FolioCharge {
    let external = mews(id);
    FolioCharge {
        id: ChargeId::derive(&hotel(), &external),
        external,
        kind,
        description: "Additional note".into(),
        unit_amount: eur(unit),
        quantity: Decimal::ONE,
        total: eur(total),
        tax: Some(eur(tax)),
        transaction_code: Some(category.into()),
        outlet: Some(service.into()),
        posted_at: utc(posted),
        // ConsumedUtc 2023-03-31T00:00Z is 02:00 in Budapest (CEST since 26 March).
        business_date: Some(date(2023, 3, 31)),
        voided: false,
        request_id: None,
    }
}

fn folio(owner: &str, charges: Vec<FolioCharge>, payments: Vec<Payment>, balance: &str) -> Folio {
    let reservation = mews(owner);
    Folio {
        id: FolioId::derive(&hotel(), &reservation),
        external: reservation.clone(),
        owner: FolioOwner::Reservation(reservation),
        balance: eur(balance),
        other_balances: Vec::new(),
        charges,
        payments,
    }
}

#[test]
fn folio_amounts_are_summed_in_their_own_currency_not_the_configured_one() {
    // The order items of the docs are in EUR; a hotel configured in GBP
    // still gets the EUR folios (this failed with "currency mismatch").
    let Decoded::Folio(in_gbp) = decode(PayloadKind::Folio, "orderitems_getall.response.json", "GBP") else {
        panic!("not folios");
    };
    let Decoded::Folio(in_eur) = decode(PayloadKind::Folio, "orderitems_getall.response.json", "EUR") else {
        panic!("not folios");
    };
    assert_eq!(in_gbp, in_eur);
    assert!(
        in_gbp
            .iter()
            .all(|f| f.balance.currency == Currency::EUR && !f.is_multi_currency())
    );
}

#[test]
fn a_folio_that_mixes_currencies_says_so() {
    // Vendor-shaped: the docs' two order items, the city tax moved to USD and
    // onto the room night's reservation.
    let mut items: serde_json::Value =
        serde_json::from_slice(&fixture("orderitems_getall.response.json")).unwrap();
    let reservation = items["OrderItems"][1]["ServiceOrderId"].clone();
    items["OrderItems"][0]["ServiceOrderId"] = reservation.clone();
    for amount in ["UnitAmount", "Amount"] {
        items["OrderItems"][0][amount]["Currency"] = "USD".into();
    }
    let body = serde_json::to_vec(&items).unwrap();
    let Decoded::Folio(folios) = MewsDecoder
        .decode(PayloadKind::Folio, &body, &ctx("GBP"))
        .unwrap()
    else {
        panic!("not folios");
    };
    assert_eq!(folios.len(), 1);
    let folio = &folios[0];
    assert!(folio.is_multi_currency());
    // The property's currency (GBP) is not among the lines: the first code leads.
    assert_eq!(folio.balance, eur("100"));
    assert_eq!(
        folio.other_balances,
        vec![Money::parse("5", Currency::USD).unwrap()]
    );
    assert_eq!(folio.computed_balance().unwrap(), folio.balance);
    assert_eq!(
        folio.computed_balances().unwrap(),
        vec![eur("100"), Money::parse("5", Currency::USD).unwrap()]
    );
    // In a EUR hotel... still EUR first; in a USD hotel, USD leads.
    let Decoded::Folio(usd) = MewsDecoder
        .decode(PayloadKind::Folio, &body, &ctx("USD"))
        .unwrap()
    else {
        panic!("not folios");
    };
    assert_eq!(usd[0].balance, Money::parse("5", Currency::USD).unwrap());
    assert_eq!(usd[0].other_balances, vec![eur("100")]);
    // The JSON names both.
    let json = serde_json::to_value(folio).unwrap();
    assert_eq!(
        json["other_balances"],
        serde_json::json!([{"amount": "5", "currency": "USD"}])
    );
}

#[test]
fn a_fully_voided_folio_has_a_balance_of_zero_not_minus_zero() {
    // The docs' room night, canceled, and a canceled payment against it.
    let mut items: serde_json::Value =
        serde_json::from_slice(&fixture("orderitems_getall.response.json")).unwrap();
    let mut payments: serde_json::Value =
        serde_json::from_slice(&fixture("payments_getall.response.json")).unwrap();
    let item = &mut items["OrderItems"][1];
    item["AccountingState"] = "Canceled".into();
    let reservation = item["ServiceOrderId"].clone();
    let payment = &mut payments["Payments"][1];
    payment["ReservationId"] = reservation;
    payment["State"] = "Canceled".into();
    let body = serde_json::json!({
        "OrderItems": [items["OrderItems"][1].clone()],
        "Payments": [payments["Payments"][1].clone()],
    });
    let Decoded::Folio(folios) = MewsDecoder
        .decode(
            PayloadKind::Folio,
            &serde_json::to_vec(&body).unwrap(),
            &ctx("EUR"),
        )
        .unwrap()
    else {
        panic!("not folios");
    };
    let balance = folios[0].balance;
    assert!(balance.is_zero());
    assert_eq!(balance.to_string(), "0 EUR");
    assert_eq!(
        serde_json::to_value(balance).unwrap(),
        serde_json::json!({"amount": "0", "currency": "EUR"})
    );
}

#[test]
fn bills_fixture_maps_to_whole_account_folios() {
    // The docs' bill carries no lines (Extent.Items is deprecated): an empty
    // folio of the company account the bill is issued to.
    let bill = mews("ea087d64-3901-4eee-b0b7-9fce4c58a005");
    let expected = Folio {
        id: FolioId::derive(&hotel(), &bill),
        external: bill,
        owner: FolioOwner::Account(FolioAccount {
            external: mews("c6f5c82d-621a-4c8a-903b-1b0a9a23b71f"),
            kind: AccountKind::Company,
        }),
        balance: Money::zero(Currency::EUR),
        other_balances: Vec::new(),
        charges: Vec::new(),
        payments: Vec::new(),
    };
    assert_eq!(
        decode(PayloadKind::Folio, "bills_getall.response.json", "EUR"),
        Decoded::Folio(vec![expected])
    );
    // Serialized, the owner is an `account`, not a `reservation`.
    let Decoded::Folio(folios) = decode(PayloadKind::Folio, "bills_getall.response.json", "EUR") else {
        panic!("not folios");
    };
    let json = serde_json::to_value(&folios[0]).unwrap();
    assert_eq!(json["account"]["kind"], "company");
    assert!(json.get("reservation").is_none());
}

#[test]
fn bill_lines_join_their_bill_by_bill_id() {
    // Vendor-shaped: the docs' bill with the docs' room-night order item and
    // cash payment moved onto it (`BillId`), as `orderItems/getAll` and
    // `payments/getAll` with `BillIds` would answer.
    let bills: serde_json::Value = serde_json::from_slice(&fixture("bills_getall.response.json")).unwrap();
    let items: serde_json::Value =
        serde_json::from_slice(&fixture("orderitems_getall.response.json")).unwrap();
    let payments: serde_json::Value =
        serde_json::from_slice(&fixture("payments_getall.response.json")).unwrap();
    let bill_id = bills["Bills"][0]["Id"].clone();
    let mut item = items["OrderItems"][1].clone();
    item["BillId"] = bill_id.clone();
    let mut payment = payments["Payments"][1].clone();
    payment["BillId"] = bill_id;
    let body = serde_json::json!({"Bills": bills["Bills"], "OrderItems": [item], "Payments": [payment]});
    let Decoded::Folio(folios) = MewsDecoder
        .decode(
            PayloadKind::Folio,
            &serde_json::to_vec(&body).unwrap(),
            &ctx("EUR"),
        )
        .unwrap()
    else {
        panic!("not folios");
    };
    assert_eq!(folios.len(), 1);
    assert_eq!(folios[0].charges.len(), 1);
    assert_eq!(folios[0].payments.len(), 1);
    // 100 charged, 300 paid.
    assert_eq!(folios[0].balance, eur("-200"));
    assert_eq!(folios[0].reservation(), None);

    // A line on a bill the payload does not hold is an error naming it.
    let mut stray = items["OrderItems"][0].clone();
    stray["BillId"] = "00000000-0000-0000-0000-000000000000".into();
    let body = serde_json::json!({"Bills": bills["Bills"], "OrderItems": [stray]});
    match MewsDecoder.decode(
        PayloadKind::Folio,
        &serde_json::to_vec(&body).unwrap(),
        &ctx("EUR"),
    ) {
        Err(pms_core::Error::Decode { path, .. }) => assert_eq!(path, "OrderItems[0].BillId"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn order_item_fixture_maps_to_whole_folios() {
    let expected = vec![
        folio(
            "ac5ef5eb-c5b2-4083-879f-83f04a5ebda5",
            vec![charge(
                "53896156-f25b-4949-b55b-afd3007b1146",
                ChargeKind::Other("CityTax".into()),
                "5",
                "5",
                "0",
                "c0610937-0165-4091-a79c-44eb34173daf",
                "294c7859-63ba-46ad-a8bf-34fad2019383",
                "2023-03-28T07:28:04Z",
            )],
            vec![],
            "5",
        ),
        folio(
            "dd01a673-ee6e-4f10-9c93-afcd00759ddd",
            vec![charge(
                "bd11dc4a-8f9e-442b-bb1e-f5361b31dfa2",
                ChargeKind::Room,
                "100",
                "100",
                "6.54",
                "c5819fe7-d67c-4c24-b02e-6ce84a1d3b1d",
                "05089c0c-5d55-4756-827b-c4bcee1edf00",
                "2023-03-28T07:28:01Z",
            )],
            vec![],
            "100",
        ),
    ];
    assert_eq!(
        decode(PayloadKind::Folio, "orderitems_getall.response.json", "EUR"),
        Decoded::Folio(expected)
    );
}

#[test]
fn payment_fixture_maps_to_whole_payments() {
    let payment = |id: &str, amount: &str, method: &str, paid: &str| Payment {
        external: mews(id),
        // Mews books payments negative on the bill; the model keeps them positive.
        amount: eur(amount),
        method: Some(method.into()),
        state: PaymentState::Charged,
        paid_at: Some(utc(paid)),
    };
    let expected = vec![
        folio(
            "0f515589-99b4-423d-b83a-b237009f0509",
            vec![],
            vec![payment(
                "f6313945-94c1-4e27-b402-031c2a8c989f",
                "3700",
                "CreditCardPayment",
                "2023-03-06T07:31:52Z",
            )],
            "-3700",
        ),
        folio(
            "b7a3f5cb-1e69-4a5f-a069-10f461996d7f",
            vec![],
            vec![payment(
                "be922eb7-bc5f-4877-b847-1120c0c2acd2",
                "300",
                "CashPayment",
                "2023-03-02T12:12:32Z",
            )],
            "-300",
        ),
    ];
    assert_eq!(
        decode(PayloadKind::Folio, "payments_getall.response.json", "EUR"),
        Decoded::Folio(expected)
    );
}

#[test]
fn general_webhook_fixture_maps_to_whole_events() {
    let received = utc("2026-11-25T03:00:00Z");
    let parsed = parse_webhook(&fixture("webhook_general.request.json"), &hotel(), received).unwrap();
    let event = |key: &str, id: &str, change: Change| PmsEvent {
        id: EventId::new(format!("mews:851df8c8-90f2-4c4a-8e01-a4fc46b25178:{key}:{id}")),
        hotel: hotel(),
        occurred_at: received,
        source: EventSource::Webhook,
        change,
    };
    let MewsWebhook::General {
        enterprise_id,
        integration_id,
        events,
        ignored,
    } = parsed
    else {
        panic!("not a general webhook");
    };
    assert_eq!(enterprise_id, "851df8c8-90f2-4c4a-8e01-a4fc46b25178");
    assert_eq!(integration_id, "c8bee838-7fb1-4f4e-8fac-ac87008b2f90");
    assert_eq!(
        events,
        vec![
            event(
                "reservation",
                "bfee2c44-1f84-4326-a862-5289598f6e2d",
                Change::ReservationUpdated {
                    reservation: mews("bfee2c44-1f84-4326-a862-5289598f6e2d")
                }
            ),
            event(
                "room",
                "7cccbdc6-73cf-4cd4-8056-6fd00f4d9699",
                Change::RoomStatusChanged {
                    room: mews("7cccbdc6-73cf-4cd4-8056-6fd00f4d9699"),
                    number: None,
                    status: None
                }
            ),
            event(
                "guest",
                "c2f1d888-232e-49eb-87ac-5f75363af13b",
                Change::GuestUpdated {
                    guest: mews("c2f1d888-232e-49eb-87ac-5f75363af13b")
                }
            ),
            event(
                "guest",
                "b3ce0fd7-a715-4bfc-969e-ef7a4822963c",
                Change::GuestUpdated {
                    guest: mews("b3ce0fd7-a715-4bfc-969e-ef7a4822963c")
                }
            ),
            event(
                "payment",
                "a41e2d45-71bc-49b4-9a05-a3ac5f75735c",
                Change::FolioChanged {
                    reservation: None,
                    item: Some(mews("a41e2d45-71bc-49b4-9a05-a3ac5f75735c"))
                }
            ),
        ]
    );
    assert_eq!(
        ignored,
        vec![(
            "MessageAdded".to_owned(),
            "4bfe4675-98a9-4428-9ea9-ae5300dbaa93".to_owned()
        )]
    );
}

#[test]
fn customer_added_and_updated_for_one_id_yield_one_event() {
    let body = br#"{"EnterpriseId":"e","IntegrationId":"i","Entities":{},"Events":[
        {"Discriminator":"CustomerAdded","Value":{"Id":"c1"}},
        {"Discriminator":"CustomerUpdated","Value":{"Id":"c1"}},
        {"Discriminator":"SomethingNew","Value":{"Id":"x"}}]}"#;
    let parsed = parse_webhook(body, &hotel(), utc("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(parsed.events().len(), 1);
    let MewsWebhook::General { ignored, .. } = parsed else {
        panic!("not general");
    };
    assert_eq!(ignored, vec![("SomethingNew".to_owned(), "x".to_owned())]);
}

#[test]
fn integration_webhook_fixture_is_parsed_and_keeps_the_token_secret() {
    use pms_core::secrecy::ExposeSecret;
    let parsed = parse_webhook(
        &fixture("webhook_integration.request.json"),
        &hotel(),
        utc("2026-11-25T03:00:00Z"),
    )
    .unwrap();
    assert!(parsed.events().is_empty());
    let debug = format!("{parsed:?}");
    assert!(!debug.contains("9E5E84E9974D4F16"), "{debug}");
    let MewsWebhook::Integration(notice) = parsed else {
        panic!("not an integration webhook");
    };
    assert_eq!(notice.action, "IntegrationCreated");
    assert_eq!(notice.integration_id, "9e5e84e9-974d-4f16-9662-ab2200f27cb1");
    assert_eq!(
        notice.enterprise_id.as_deref(),
        Some("8865aa96-f62d-4f9b-a912-ab2100f60f42")
    );
    assert_eq!(notice.enabled, Some(true));
    assert_eq!(
        notice.access_token.as_ref().map(|t| t.expose_secret().to_owned()),
        Some("9E5E84E9974D4F169662AB2200F27CB1-00B343A0DDA725CACAC028E38E3EABF".to_owned())
    );
}

#[test]
fn configuration_bills_and_error_fixtures_parse() {
    use pms_mews::wire::bills::{BillState, BillType, BillsPage};
    use pms_mews::wire::configuration::{Configuration, Pricing};
    use pms_mews::wire::errors::ErrorBody;

    let config: Configuration = serde_json::from_slice(&fixture("configuration_get.response.json")).unwrap();
    assert_eq!(config.now_utc, utc("2018-01-01T14:58:02Z"));
    assert_eq!(config.enterprise.id, "851df8c8-90f2-4c4a-8e01-a4fc46b25178");
    assert_eq!(config.enterprise.time_zone_identifier, "Europe/Budapest");
    assert_eq!(config.enterprise.pricing, Some(Pricing::Gross));
    assert_eq!(config.enterprise.currencies.len(), 2);

    let bills: BillsPage = serde_json::from_slice(&fixture("bills_getall.response.json")).unwrap();
    assert_eq!(bills.bills.len(), 1);
    let bill = &bills.bills[0];
    assert_eq!(bill.id, "ea087d64-3901-4eee-b0b7-9fce4c58a005");
    assert_eq!(bill.state, BillState::Closed);
    assert_eq!(bill.bill_type, Some(BillType::Invoice));
    assert_eq!(bill.due_utc, None);
    assert_eq!(
        bills.cursor.as_deref(),
        Some("ea087d64-3901-4eee-b0b7-9fce4c58a005")
    );

    let error: ErrorBody = serde_json::from_slice(&fixture("error_400.constructed.json")).unwrap();
    assert_eq!(error.message.as_deref(), Some("Invalid ServiceIds"));
    assert_eq!(
        error.request_id.as_deref(),
        Some("4e3a5cde-2f44-4d8e-9a0b-7c1f0d2e9b11")
    );
}

#[test]
fn malformed_payload_names_the_json_path() {
    let body = br#"{"Reservations":[{"Id":"r1","State":"Confirmed","ScheduledStartUtc":"2023-04-23T14:00:00Z","ScheduledEndUtc":"tomorrow"}]}"#;
    match MewsDecoder.decode(PayloadKind::Reservations, body, &ctx("EUR")) {
        Err(pms_core::Error::Decode { pms, path, .. }) => {
            assert_eq!(pms, PmsKind::Mews);
            assert_eq!(path, "Reservations[0].ScheduledEndUtc");
        }
        other => panic!("{other:?}"),
    }
    let body =
        br#"{"OrderItems":[{"Id":"o","UnitCount":1,"UnitAmount":{"Currency":"EUR","GrossValue":"x"}}]}"#;
    match MewsDecoder.decode(PayloadKind::Folio, body, &ctx("EUR")) {
        Err(pms_core::Error::Decode { path, .. }) => assert_eq!(path, "OrderItems[0].UnitAmount.GrossValue"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn decode_errors_never_quote_vendor_values() {
    // Vendor-shaped payloads (the docs' examples) with one field each set to
    // a distinctive value of the wrong type: the error names the path, never
    // the value.
    const NEEDLE: &str = "19310231";
    let with = |file: &str, list: &str, field: &str, value: serde_json::Value| {
        let mut body: serde_json::Value = serde_json::from_slice(&fixture(file)).unwrap();
        body[list][0][field] = value;
        serde_json::to_vec(&body).unwrap()
    };
    let cases = [
        (
            PayloadKind::Guests,
            with(
                "customers_getall.response.json",
                "Customers",
                "Email",
                19310231.into(),
            ),
            "Customers[0].Email",
        ),
        (
            PayloadKind::Guests,
            with(
                "customers_getall.response.json",
                "Customers",
                "FirstName",
                true.into(),
            ),
            "Customers[0].FirstName",
        ),
        (
            PayloadKind::Reservations,
            with(
                "reservations_getall_2023_06_06.response.json",
                "Reservations",
                "Number",
                19310231.5.into(),
            ),
            "Reservations[0].Number",
        ),
        (
            PayloadKind::Folio,
            with(
                "orderitems_getall.response.json",
                "OrderItems",
                "UnitCount",
                "Zebulon 19310231".into(),
            ),
            "OrderItems[0].UnitCount",
        ),
        (
            PayloadKind::Reservations,
            with(
                "reservations_getall_2023_06_06.response.json",
                "Reservations",
                "State",
                serde_json::json!({"Zebulon": 19310231}),
            ),
            "Reservations[0].State",
        ),
        (
            PayloadKind::Webhook,
            {
                let mut body: serde_json::Value =
                    serde_json::from_slice(&fixture("webhook_general.request.json")).unwrap();
                body["EnterpriseId"] = 19310231.into();
                serde_json::to_vec(&body).unwrap()
            },
            "EnterpriseId",
        ),
    ];
    for (kind, body, path) in cases {
        let err = MewsDecoder.decode(kind, &body, &ctx("EUR")).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains(NEEDLE) && !text.contains("Zebulon"), "{text}");
        match err {
            pms_core::Error::Decode { path: at, .. } => assert_eq!(at, path, "{text}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn resource_block_fixture_maps_to_whole_room_blocks() {
    use pms_core::{RoomBlock, RoomBlockKind};
    use pms_mews::wire::resource_blocks::ResourceBlocksPage;
    let page: ResourceBlocksPage =
        serde_json::from_slice(&fixture("resourceblocks_getall.response.json")).unwrap();
    let blocks: Vec<RoomBlock> = page
        .resource_blocks
        .iter()
        .enumerate()
        .map(|(i, b)| pms_mews::map::room_block(b, &format!("ResourceBlocks[{i}]")).unwrap())
        .collect();
    let block = |id: &str, room: &str, kind: RoomBlockKind, start: &str, end: &str, active: bool| RoomBlock {
        external: mews(id),
        room: mews(room),
        kind,
        starts_at: utc(start),
        ends_at: utc(end),
        active,
    };
    assert_eq!(
        blocks,
        vec![
            block(
                "7f8e9d0c-1b2a-3c4d-5e6f-7a8b9c0d1e2f",
                "20e00c32-d561-4008-8609-82d8aa525714",
                RoomBlockKind::OutOfOrder,
                "2023-07-15T14:00:00Z",
                "2023-07-15T18:00:00Z",
                true
            ),
            block(
                "8e9f0a1b-2c3d-4e5f-6a7b-8c9d0e1f2a3b",
                "1ec29188-01ca-4294-9983-fac59f85a448",
                RoomBlockKind::InternalUse,
                "2023-07-20T10:00:00Z",
                "2023-07-22T12:00:00Z",
                true
            ),
            block(
                "63f4ebee-7e36-4ca9-b7d8-6331a8b009e5",
                "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                RoomBlockKind::OutOfOrder,
                "2023-06-01T20:00:00Z",
                "2023-06-03T23:59:59Z",
                false
            ),
        ]
    );
    assert_eq!(
        page.cursor.as_deref(),
        Some("9f0a1b2c-3d4e-5f6a-7b8c-9d0e1f2a3b4c")
    );
}

#[test]
fn resource_block_webhooks_become_room_block_hints() {
    let received = utc("2026-11-25T03:00:00Z");
    let body = fixture("webhook_general_resource_block.constructed.json");
    let parsed = parse_webhook(&body, &hotel(), received).unwrap();
    let parsed_events = parsed.events().to_vec();
    let hint = |id: &str| PmsEvent {
        id: EventId::new(format!(
            "mews:3fa85f64-5717-4562-b3fc-2c963f66afa6:room_block:{id}"
        )),
        hotel: hotel(),
        occurred_at: received,
        source: EventSource::Webhook,
        change: Change::RoomBlockChanged { block: mews(id) },
    };
    assert_eq!(
        parsed.events(),
        [
            hint("7f8e9d0c-1b2a-3c4d-5e6f-7a8b9c0d1e2f"),
            hint("63f4ebee-7e36-4ca9-b7d8-6331a8b009e5")
        ]
    );
    let MewsWebhook::General { ignored, .. } = parsed else {
        panic!("not general");
    };
    assert!(ignored.is_empty(), "{ignored:?}");
    // `pms decode --kind webhook` gives the same events (dated when decoded).
    let Decoded::Events(decoded) = MewsDecoder
        .decode(PayloadKind::Webhook, &body, &ctx("EUR"))
        .unwrap()
    else {
        panic!("not events");
    };
    let undated: Vec<PmsEvent> = decoded
        .into_iter()
        .map(|e| PmsEvent {
            occurred_at: received,
            ..e
        })
        .collect();
    assert_eq!(undated, parsed_events);
}

#[test]
fn websocket_message_fixture_maps_to_events_that_carry_the_state() {
    let received = utc("2026-11-25T03:00:00Z");
    let body = fixture("websocket_message.json");
    assert!(pms_mews::is_websocket_message(&body));
    // General webhooks are told apart by shape.
    assert!(!pms_mews::is_websocket_message(&fixture(
        "webhook_general.request.json"
    )));
    assert!(!pms_mews::is_websocket_message(&fixture(
        "webhook_integration.request.json"
    )));
    let events = pms_mews::parse_websocket_message(&body, &hotel(), received).unwrap();
    let event = |key: &str, id: &str, change: Change| PmsEvent {
        id: EventId::new(format!("mews:ws:{key}:{id}")),
        hotel: hotel(),
        occurred_at: received,
        source: EventSource::Webhook,
        change,
    };
    // DeviceCommand and PriceUpdate have no model equivalent.
    assert_eq!(
        events,
        vec![
            event(
                "reservation",
                "bfee2c44-1f84-4326-a862-5289598f6e2d",
                Change::ReservationStatusChanged {
                    reservation: mews("bfee2c44-1f84-4326-a862-5289598f6e2d"),
                    status: Some(ReservationStatus::CheckedOut),
                }
            ),
            event(
                "room",
                "5ee074b1-6c86-48e8-915f-c7aa4702086f",
                Change::RoomStatusChanged {
                    room: mews("5ee074b1-6c86-48e8-915f-c7aa4702086f"),
                    number: None,
                    status: Some(HousekeepingStatus::Dirty),
                }
            ),
        ]
    );
    // `pms decode --pms mews --kind webhook` accepts it.
    let Decoded::Events(decoded) = MewsDecoder
        .decode(PayloadKind::Webhook, &body, &ctx("EUR"))
        .unwrap()
    else {
        panic!("not events");
    };
    let decoded: Vec<Change> = decoded.into_iter().map(|e| e.change).collect();
    assert_eq!(decoded, events.into_iter().map(|e| e.change).collect::<Vec<_>>());
    // A state-bearing event without its State is an error naming it.
    let bad = br#"{"Events":[{"Type":"Resource","Id":"5ee074b1-6c86-48e8-915f-c7aa4702086f"}]}"#;
    match MewsDecoder.decode(PayloadKind::Webhook, bad, &ctx("EUR")) {
        Err(pms_core::Error::Decode { path, .. }) => assert_eq!(path, "Events[0].State"),
        other => panic!("{other:?}"),
    }
}
