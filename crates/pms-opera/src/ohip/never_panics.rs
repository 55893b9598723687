//! Every OHIP answer we decode (token, posted charge, transactions, error
//! body) meets arbitrary, mutated and oddly typed input with a value or a
//! typed error, never a panic (issue 11's "fuzz every decoder"; the OWS
//! decoders have their proptests in `tests/proptest_decoder.rs`).

use pms_core::{Currency, ErrorKind, HotelId, RequestId};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::charges::{find_posting, posted_id, posting_reference};
use super::http::status_error;
use super::token::decode_token;
use crate::map::MapContext;

const TOKEN: &str = include_str!("../../tests/fixtures/ohip/token.json");
const POSTED: &str = include_str!("../../tests/fixtures/ohip/post_charge.response.json");
const TRANSACTIONS: &str = include_str!("../../tests/fixtures/ohip/transactions.response.json");
const ERROR: &str = include_str!("../../tests/fixtures/ohip/error_400.json");

/// The reference of the fixture's second posting.
fn reference() -> String {
    posting_reference(RequestId::from_uuid(uuid::Uuid::from_u128(0xb1)))
}

fn ctx() -> MapContext {
    MapContext {
        hotel: HotelId::new("ohipfuzz").unwrap(),
        time_zone: pms_core::chrono_tz::Asia::Kolkata,
        currency: Currency::new("INR").unwrap(),
        keep_raw: false,
    }
}

/// Runs every decoder on `bytes`; only a panic fails.
fn decode_all(bytes: &[u8]) {
    let _ = decode_token(bytes);
    let _ = posted_id(bytes, reference());
    let _ = find_posting(bytes, &reference(), &ctx());
    let _ = status_error("fuzz", "r", 400, bytes, None, ErrorKind::Validation);
}

/// Values of every JSON type, including the edges of numbers.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(1e300)),
        Just(json!(-0.0)),
        Just(json!("79228162514264337593543950336")),
        Just(json!("1e400")),
        Just(json!("")),
        Just(json!("   ")),
        Just(json!("2026-02-30")),
        Just(json!("PMSREQ:000000000000000000000000000000b1")),
        ".{0,12}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// A transactions answer whose posting fields hold any of [`leaf`].
fn transactions() -> impl Strategy<Value = Value> {
    let fields = [
        "transactionNo",
        "reference",
        "remark",
        "transactionCode",
        "transactionDescription",
        "transactionAmount",
        "quantity",
        "transactionDate",
    ];
    (
        proptest::collection::vec(leaf(), fields.len()),
        leaf(),
        leaf(),
        leaf(),
        any::<bool>(),
    )
        .prop_map(move |(values, amount, currency, price, keep_reference)| {
            let mut posting: serde_json::Map<String, Value> =
                fields.iter().map(|f| (f.to_string(), Value::Null)).collect();
            for (field, value) in fields.iter().zip(values) {
                posting.insert((*field).to_owned(), value);
            }
            if keep_reference {
                // So the mapping of the posting itself is reached, not only the search.
                posting.insert("reference".into(), Value::from(reference()));
            }
            posting.insert("postedAmount".into(), json!({ "amount": amount, "currencyCode": currency }));
            posting.insert("price".into(), json!({ "amount": price, "currencyCode": "INR" }));
            json!({ "reservationFolioInformation": [{ "folioWindows": [{ "folios": [{ "postings": [posting] }] }] }] })
        })
}

fn mutate(source: &str, cuts: &[(usize, u8)], truncate: usize) -> Vec<u8> {
    let mut bytes = source.as_bytes().to_vec();
    for &(at, byte) in cuts {
        if let Some(at) = at.checked_rem(bytes.len()) {
            bytes[at] = byte;
        }
    }
    bytes.truncate(truncate.min(bytes.len()));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..4,
        cuts in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        truncate in any::<usize>(),
    ) {
        let source = [TOKEN, POSTED, TRANSACTIONS, ERROR][which];
        decode_all(&mutate(source, &cuts, truncate));
    }

    #[test]
    fn oddly_typed_postings_map_or_fail_typed(answer in transactions()) {
        let bytes = serde_json::to_vec(&answer).unwrap();
        decode_all(&bytes);
        if let Ok(Some(charge)) = find_posting(&bytes, &reference(), &ctx()) {
            // A mapped posting is ours and has a usable line id.
            prop_assert_eq!(charge.request_id, Some(RequestId::from_uuid(uuid::Uuid::from_u128(0xb1))));
            prop_assert!(!charge.external.id.as_str().trim().is_empty());
        }
    }

    #[test]
    fn any_token_lifetime_is_bounded(expires_in in leaf()) {
        let body = serde_json::to_vec(&json!({ "access_token": "t", "expires_in": expires_in })).unwrap();
        let (_, lifetime) = decode_token(&body).unwrap();
        prop_assert!(lifetime <= 86_400);
    }
}

#[test]
fn fixtures_still_decode() {
    assert_eq!(decode_token(TOKEN.as_bytes()).unwrap().1, 3600);
    let found = find_posting(TRANSACTIONS.as_bytes(), &reference(), &ctx())
        .unwrap()
        .unwrap();
    assert_eq!(found.external.id.as_str(), "887766");
}

#[test]
fn a_blank_transaction_number_falls_back_to_our_reference() {
    let body = json!({ "postings": [{ "transactionNo": "  ", "reference": reference() }] });
    let id = posted_id(&serde_json::to_vec(&body).unwrap(), reference()).unwrap();
    assert_eq!(id, reference());
}

#[test]
fn a_lifetime_of_centuries_is_capped_instead_of_overflowing_the_renewal_instant() {
    let body = br#"{"access_token":"t","expires_in":10000000000000}"#;
    assert_eq!(decode_token(body).unwrap().1, 86_400);
}
