//! Every vendor decoder, for every payload kind, answers arbitrary or mutated
//! input with a typed error or records, never a panic.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use pms_core::{Currency, DecodeContext, HotelId, PayloadDecoder, PayloadKind};
use proptest::prelude::*;

fn decoders() -> Vec<Box<dyn PayloadDecoder>> {
    vec![
        Box::new(pms_mews::MewsDecoder),
        Box::new(pms_cloudbeds::CloudbedsDecoder),
        Box::new(pms_opera::OperaDecoder::new()),
    ]
}

fn context() -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("fuzz").unwrap(),
        time_zone: pms_core::chrono_tz::Europe::Berlin,
        currency: Currency::EUR,
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut out = Vec::new();
    for vendor in ["mews", "cloudbeds", "opera"] {
        let mut stack = vec![root.join(vendor)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "xml")) {
                    out.push(std::fs::read(&path).unwrap());
                }
            }
        }
    }
    assert!(
        out.len() > 30,
        "expected the recorded fixtures, found {}",
        out.len()
    );
    out
}

fn decode_everything(body: &[u8]) {
    let ctx = context();
    for decoder in decoders() {
        for kind in PayloadKind::ALL {
            // The result does not matter; returning at all does.
            let _ = decoder.decode(kind, body, &ctx);
        }
    }
}

#[test]
fn every_fixture_through_every_decoder_and_kind() {
    for body in fixtures() {
        decode_everything(&body);
    }
}

#[test]
fn hostile_shapes_are_refused_without_panicking() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_xml = format!("{}{}", "<a>".repeat(50_000), "</a>".repeat(50_000));
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>"#;
    for body in [
        deep_json.as_bytes(),
        deep_xml.as_bytes(),
        laughs.as_bytes(),
        b"",
        b"\xff\xfe\x00",
        b"null",
        b"{}",
    ] {
        decode_everything(body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        decode_everything(&body);
    }

    #[test]
    fn mutated_fixtures_never_panic(index in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8)) {
        let all = fixtures();
        let mut body = all[index.index(all.len())].clone();
        for (at, byte) in flips {
            if !body.is_empty() {
                let i = at.index(body.len());
                body[i] = byte;
            }
        }
        let keep = cut.index(body.len() + 1);
        body.truncate(keep);
        decode_everything(&body);
    }
}
