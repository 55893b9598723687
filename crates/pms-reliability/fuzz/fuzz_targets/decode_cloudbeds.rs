//! Every cloudbeds payload kind on arbitrary bytes: a typed error or records, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pms_core::{Currency, DecodeContext, HotelId, PayloadDecoder, PayloadKind};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let kind = PayloadKind::ALL[usize::from(selector) % PayloadKind::ALL.len()];
    let context = DecodeContext {
        hotel: HotelId::new("fuzz").expect("valid hotel id"),
        time_zone: pms_core::chrono_tz::Europe::Berlin,
        currency: Currency::EUR,
    };
    let _ = pms_cloudbeds::CloudbedsDecoder.decode(kind, body, &context);
});
