//! The decoder never panics, whatever the bytes.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use pms_core::{Currency, DecodeContext, HotelId, PayloadDecoder, PayloadKind};
use pms_opera::OperaDecoder;
use proptest::prelude::*;

fn context() -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("grand").unwrap(),
        time_zone: chrono_tz::Europe::Prague,
        currency: Currency::EUR,
    }
}

const FIXTURES: &[&str] = &[
    "fetch_booking.response.xml",
    "future_booking_summary.response.xml",
    "fetch_profile.response.xml",
    "fetch_housekeeping_room_status.response.xml",
    "invoice.response.xml",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for kind in PayloadKind::ALL {
            let _ = OperaDecoder::new().decode(kind, &bytes, &context());
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in 0..FIXTURES.len(),
        cut in any::<prop::sample::Index>(),
        splice in "[<>&;\"'/=a-zA-Z0-9 :#x-]{0,24}",
    ) {
        let original = common::fixture(FIXTURES[index]);
        let at = cut.index(original.len() + 1);
        let mut bytes = original[..at].to_vec();
        bytes.extend_from_slice(splice.as_bytes());
        bytes.extend_from_slice(&original[at..]);
        for kind in PayloadKind::ALL {
            let _ = OperaDecoder::new().decode(kind, &bytes, &context());
        }
    }
}
