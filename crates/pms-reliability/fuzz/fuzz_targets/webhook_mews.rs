//! Mews webhook bodies and token query strings on arbitrary bytes: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pms_core::HotelId;

fuzz_target!(|data: &[u8]| {
    let hotel = HotelId::new("fuzz").expect("valid hotel id");
    let _ = pms_mews::parse_webhook(data, &hotel, chrono::Utc::now());
    if let Ok(query) = std::str::from_utf8(data) {
        let token = secrecy::SecretString::from("fuzz-webhook-token-0123456789".to_owned());
        let _ = pms_mews::verify_token(Some(query), &token);
    }
});
