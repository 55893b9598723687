#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
use chrono::{NaiveDate, TimeZone, Utc};
use pms_core::{
    Address, DocumentKind, ExternalRef, Guest, GuestId, HotelId, IdentityDocument, PersonName, Pii, PmsKind,
    VendorId,
};

fn seeded_guest() -> Guest {
    let external = ExternalRef::new(PmsKind::Cloudbeds, VendorId::new("g-991").unwrap());
    Guest {
        id: GuestId::derive(&HotelId::new("grand").unwrap(), &external),
        external,
        name: PersonName {
            title: Some("Dr".into()),
            first: Some("Ottoline".into()),
            middle: Some("Zephyrine".into()),
            last: Some("Quaxworth".into()),
        },
        email: Some("ottoline.quaxworth@example.org".into()),
        phone: Some("+44 20 7946 0958".into()),
        address: Some(Pii::new(Address {
            lines: vec!["17 Wyvern Crescent".into()],
            city: Some("Dunmorrow".into()),
            postal_code: Some("ZX9 4QQ".into()),
            region: None,
            country: Some("GB".into()),
        })),
        nationality: Some("GB".into()),
        birth_date: Some(Pii::new(NaiveDate::from_ymd_opt(1971, 2, 3).unwrap())),
        language: Some("en-GB".into()),
        loyalty_number: Some("LOY-55501234".into()),
        identity_document: Some(Pii::new(IdentityDocument {
            kind: DocumentKind::Passport,
            number: "P98765432".into(),
            issuing_country: Some("GB".into()),
            expires_on: NaiveDate::from_ymd_opt(2031, 8, 9),
        })),
        updated_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()),
    }
}

#[test]
fn debug_of_a_guest_contains_none_of_the_personal_data() {
    let guest = seeded_guest();
    let debug = format!("{guest:?}");
    let pretty = format!("{guest:#?}");
    for secret in [
        "Ottoline",
        "Zephyrine",
        "Quaxworth",
        "ottoline.quaxworth",
        "7946",
        "Wyvern",
        "Dunmorrow",
        "ZX9",
        "1971",
        "LOY-555",
        "P98765432",
        "2031",
    ] {
        assert!(!debug.contains(secret), "Debug leaks {secret}: {debug}");
        assert!(!pretty.contains(secret), "pretty Debug leaks {secret}");
    }
    // Structure stays visible, so the output is still useful.
    assert!(debug.contains("g-991"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn serde_keeps_the_personal_data_for_stores_and_fixtures() {
    let guest = seeded_guest();
    let json = serde_json::to_string(&guest).unwrap();
    assert!(json.contains("Quaxworth") && json.contains("P98765432"));
    let back: Guest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, guest);
}
