use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// The text redaction, parsed.
fn streamed(text: &str) -> Value {
    let out = redact_raw_text(text).unwrap_or_else(|e| panic!("{e} in {text}"));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e} in output {out}"))
}

/// The tree redaction of the same text.
fn tree(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    redact_raw(&mut value);
    value
}

#[test]
fn the_keys_by_length_are_exactly_the_personal_keys() {
    let mut by_length: Vec<&str> = (0..64).flat_map(same_length_keys).copied().collect();
    let mut all = PII_KEYS.to_vec();
    by_length.sort_unstable();
    all.sort_unstable();
    assert_eq!(by_length, all);
    for key in PII_KEYS {
        assert!(
            is_pii_key(key.as_bytes()) && is_pii_key(key.to_ascii_uppercase().as_bytes()),
            "{key}"
        );
    }
}

#[test]
fn the_string_scan_stops_at_the_first_quote_backslash_or_control_byte() {
    let text = "abcdefghijklmnopqrstuvwxyz é😀 0123456789";
    for stop in ["\"", "\\", "\u{0}", "\u{1f}", "\n"] {
        for at in 0..text.len() {
            if !text.is_char_boundary(at) {
                continue;
            }
            let probe = format!("{}{stop}{}\"", &text[..at], &text[at..]);
            assert_eq!(string_stop(probe.as_bytes(), 0), at, "{probe:?}");
            for from in 0..=at {
                assert_eq!(string_stop(probe.as_bytes(), from), at);
            }
        }
    }
    assert_eq!(string_stop(b"no stop here, long enough", 0), 25);
    assert_eq!(string_stop(b"\x7f\xff\x80 \"", 0), 4);
}

#[test]
fn every_kind_of_personal_value_is_replaced_whole() {
    let text = r#"{"guestName":"Ada","email":null,"phone":5551234,"address":{"city":"London","lines":["1 Way"]},
        "customFields":[{"customFieldName":"x","customFieldValue":"y"}],"cardsOnFile":true,"taxID":-1.5e3,
        "reservationID":"8176082119429","balance":1954.14,"rooms":[{"roomName":"101"}]}"#;
    assert_eq!(
        streamed(text),
        json!({"guestName":"<redacted>","email":"<redacted>","phone":"<redacted>","address":"<redacted>",
            "customFields":"<redacted>","cardsOnFile":"<redacted>","taxID":"<redacted>",
            "reservationID":"8176082119429","balance":1954.14,"rooms":[{"roomName":"101"}]})
    );
}

#[test]
fn keys_match_in_any_case_and_escaped() {
    let text = r#"{"GUESTNAME":"a","Email":"b","guest\u004eame":"c","\u0065mail":"d","e\/mail":"kept","gu\"estName":"kept"}"#;
    let got = streamed(text);
    assert_eq!(got, tree(text));
    assert_eq!(got["guestName"], "<redacted>");
    assert_eq!(got["email"], "<redacted>");
    assert_eq!(got["GUESTNAME"], "<redacted>");
    assert_eq!(got["e/mail"], "kept");
    assert_eq!(got["gu\"estName"], "kept");
}

#[test]
fn nested_personal_keys_are_found_at_any_depth_and_only_the_outer_value_is_replaced() {
    let text = r#"[{"guestList":{"71224431":{"guestFirstName":"Ada","isMainGuest":true,"guestID":"71224431"}}},
        {"customFields":{"email":"inner","list":[{"phone":"1"}]}},[],{},[[{"firstName":"x"}]]]"#;
    assert_eq!(
        streamed(text),
        json!([{"guestList":{"71224431":{"guestFirstName":"<redacted>","isMainGuest":true,"guestID":"71224431"}}},
            {"customFields":"<redacted>"},[],{},[[{"firstName":"<redacted>"}]]])
    );
}

#[test]
fn strings_that_look_like_structure_do_not_confuse_the_scan() {
    let text = r#"{"note":"\"email\": \"x\", }{][ \\","guestName":"a\\","k\\":"\"guestName\":1","emoji":"😀 José \u00e9"}"#;
    let got = streamed(text);
    assert_eq!(got, tree(text));
    assert_eq!(got["note"], "\"email\": \"x\", }{][ \\");
    assert_eq!(got["guestName"], "<redacted>");
    assert_eq!(got["emoji"], "😀 José é");
}

#[test]
fn whitespace_between_tokens_is_dropped_and_text_inside_strings_kept() {
    let text = " {\n  \"guestName\" :\t{ \"a\" : [ 1 , 2 ] } ,\r\n  \"note\" : \"a  b\" , \"n\" : [ ] \n} ";
    assert_eq!(
        redact_raw_text(text).unwrap(),
        r#"{"guestName":"<redacted>","note":"a  b","n":[]}"#
    );
}

#[test]
fn compact_text_without_personal_data_is_copied_unchanged() {
    let text = r#"{"reservationID":"1","n":-0.5e-3,"b":[true,false,null],"s":"\/\b\f\n\r\t"}"#;
    assert_eq!(redact_raw_text(text).unwrap(), text);
}

#[test]
fn duplicate_keys_redact_as_the_tree_does() {
    for text in [
        r#"{"email":"a","email":{"b":1}}"#,
        r#"{"x":{"email":"a"},"x":5}"#,
        r#"{"x":5,"x":{"email":"a"}}"#,
    ] {
        assert_eq!(streamed(text), tree(text), "{text}");
    }
}

#[test]
fn scalars_and_empty_containers_at_the_top() {
    for text in [
        "\"x\"",
        "5",
        "null",
        "true",
        "[]",
        "{}",
        r#"{"email":{}}"#,
        r#"{"email":[]}"#,
    ] {
        assert_eq!(streamed(text), tree(text), "{text}");
    }
}

#[test]
fn text_a_value_refuses_is_refused() {
    for text in [
        "",
        "   ",
        "{",
        r#"{"a" 1}"#,
        r#"{"a":1,}"#,
        "[1,]",
        "[1 2]",
        r#"{"a":1} x"#,
        r#""unterminated"#,
        r#""bad \x escape""#,
        "\"control \u{1} char\"",
        r#"{"guestName":"\ud800"}"#,
        r#"{"note":"\udc00"}"#,
        r#"{"\ud800x":1}"#,
        r#"{"email":"\u12"}"#,
        "1e400",
        r#"{"email":-1e400}"#,
        "01",
        "1.",
        "-",
        "tru",
        "nul",
        r#"{1:2}"#,
    ] {
        assert!(
            serde_json::from_str::<Value>(text).is_err(),
            "serde_json accepts {text:?}"
        );
        assert!(redact_raw_text(text).is_err(), "accepted {text:?}");
    }
}

#[test]
fn paired_surrogates_and_long_numbers_are_accepted_as_a_value_accepts_them() {
    let long = format!("[{}]", "9".repeat(400));
    for text in [r#"{"a":"\ud83d\ude00"}"#, "1e308", "-0", &long, r#"{"b":1E+2}"#] {
        let parsed = serde_json::from_str::<Value>(text).is_ok();
        assert_eq!(redact_raw_text(text).is_ok(), parsed, "{text}");
    }
}

#[test]
fn every_fixture_redacts_as_the_tree_does() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cloudbeds");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(streamed(&text), tree(&text), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen > 10, "only {seen} fixtures");
}

#[test]
fn redacted_json_from_text_and_from_value_are_equal() {
    let text = r#"{"guestName":"Ada","reservationID":"1","amount":1.10}"#;
    let raw: &RawValue = serde_json::from_str(text).unwrap();
    let from_text = RedactedJson::from_text(raw).unwrap();
    let from_value = RedactedJson::from_value(serde_json::from_str(text).unwrap()).unwrap();
    assert_eq!(from_text, from_value);
    assert!(!format!("{from_text:?}").contains("Ada"));
}

// ---- property: the text redaction equals the tree redaction ----

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        // A personal key with its letters in random case.
        (prop::sample::select(PII_KEYS), any::<u64>()).prop_map(|(k, mask)| {
            k.chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask >> (i % 64) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        }),
        "[a-zA-Z0-9_\"\\\\/ é😀\u{1}]{0,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// JSON text of `value`, optionally with whitespace around every token and
/// every character of keys and strings written as a `\u` escape.
fn write(value: &Value, spaced: bool, escaped: bool, out: &mut String) {
    let gap = if spaced { " \n\t" } else { "" };
    match value {
        Value::String(s) => write_string(s, escaped, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(gap);
                write(item, spaced, escaped, out);
                out.push_str(gap);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(gap);
                write_string(k, escaped, out);
                out.push_str(gap);
                out.push(':');
                out.push_str(gap);
                write(v, spaced, escaped, out);
                out.push_str(gap);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_string(s: &str, escaped: bool, out: &mut String) {
    if escaped {
        out.push('"');
        for unit in s.encode_utf16() {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap());
    }
}

proptest! {
    #[test]
    fn text_redaction_parses_to_the_tree_redaction(value in json_value(), spaced: bool, escaped: bool) {
        let mut text = String::new();
        write(&value, spaced, escaped, &mut text);
        prop_assert_eq!(streamed(&text), tree(&text));
    }

    #[test]
    fn text_redaction_never_panics_and_accepts_what_a_value_accepts(
        text in "[\\[\\]{}\",:0-9a-fEeu.+\\- \\\\]{0,40}"
    ) {
        let ours = redact_raw_text(&text);
        match serde_json::from_str::<Value>(&text) {
            Ok(_) => prop_assert_eq!(streamed(&text), tree(&text)),
            Err(_) => prop_assert!(ours.is_err(), "accepted {:?}", text),
        }
    }
}
