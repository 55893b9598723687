//! Cloudbeds webhook bodies (parse, then authenticate-and-parse) on arbitrary bytes: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pms_core::HotelId;

fuzz_target!(|data: &[u8]| {
    let hotel = HotelId::new("fuzz").expect("valid hotel id");
    let at = chrono::Utc::now();
    let _ = pms_cloudbeds::parse_webhook(data, &hotel, at);
    let token = secrecy::SecretString::from("fuzz-webhook-token-0123456789".to_owned());
    let verifier = pms_cloudbeds::WebhookVerifier::new(&token).expect("long enough token");
    let _ = pms_cloudbeds::authenticate_and_parse(
        &verifier,
        "fuzz-webhook-token-0123456789",
        data,
        "318267",
        &hotel,
        at,
    );
});
