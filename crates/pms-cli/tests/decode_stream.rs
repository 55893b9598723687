//! `pms decode` writes records as the decoder hands them out: `--jsonl`
//! prints one record per line, the default prints the same bytes the old
//! whole-array output did (`to_string_pretty` of `Decoded::to_json_array`),
//! and a page whose second reservation is broken has its first one handed
//! out before the error, for each vendor (the reservations kind streams).
#![allow(clippy::unwrap_used)] // tests may unwrap

use assert_cmd::Command;
use pms_core::chrono_tz::Tz;
use pms_core::{Currency, DecodeContext, ErrorKind, HotelId, PayloadDecoder, PayloadKind, Record};
use serde_json::Value;

struct Case {
    pms: &'static str,
    decoder: Box<dyn PayloadDecoder>,
    time_zone: Tz,
    currency: &'static str,
    /// A reservations page with at least two records.
    page: Vec<u8>,
    /// The same page with its second reservation broken.
    broken: Vec<u8>,
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `list` (a JSON array under `key`) made of `n` copies of its first item,
/// each with `id_key` set to a distinct value; `edit` changes the second.
fn json_page(path: &str, key: &str, id_key: &str, ids: &[&str], edit: Option<(&str, Value)>) -> Vec<u8> {
    let mut root: Value = serde_json::from_slice(&fixture(path)).unwrap();
    let first = root[key][0].clone();
    let items: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut item = first.clone();
            item[id_key] = Value::String((*id).to_owned());
            if i == 1
                && let Some((field, value)) = &edit
            {
                item[*field] = value.clone();
            }
            item
        })
        .collect();
    root[key] = Value::Array(items);
    serde_json::to_vec(&root).unwrap()
}

fn cases() -> Vec<Case> {
    let mews_ids = [
        "0f515589-99b4-423d-b83a-b237009f0501",
        "0f515589-99b4-423d-b83a-b237009f0502",
        "0f515589-99b4-423d-b83a-b237009f0503",
    ];
    let mews = "mews/reservations_getall_2023_06_06.response.json";
    let cloudbeds = "cloudbeds/get_reservations_page1.json";
    let cloudbeds_ids = ["8176082000001", "8176082000002", "8176082000003"];
    let opera = String::from_utf8(fixture("opera/future_booking_summary.response.xml")).unwrap();
    vec![
        Case {
            pms: "mews",
            decoder: Box::new(pms_mews::MewsDecoder),
            time_zone: pms_core::chrono_tz::Europe::London,
            currency: "GBP",
            page: json_page(mews, "Reservations", "Id", &mews_ids, None),
            broken: json_page(
                mews,
                "Reservations",
                "Id",
                &mews_ids,
                Some(("State", Value::from(42))),
            ),
        },
        Case {
            pms: "cloudbeds",
            decoder: Box::new(pms_cloudbeds::CloudbedsDecoder),
            time_zone: pms_core::chrono_tz::America::New_York,
            currency: "USD",
            page: json_page(cloudbeds, "data", "reservationID", &cloudbeds_ids, None),
            broken: json_page(
                cloudbeds,
                "data",
                "reservationID",
                &cloudbeds_ids,
                Some(("startDate", Value::from("not a date"))),
            ),
        },
        Case {
            pms: "opera",
            decoder: Box::new(pms_opera::OperaDecoder::new()),
            time_zone: pms_core::chrono_tz::Asia::Kolkata,
            currency: "INR",
            broken: opera
                .replace(
                    "<TimeSpan><StartDate>2026-03-11T00:00:00</StartDate>",
                    "<TimeSpan><StartDate>not a date</StartDate>",
                )
                .into_bytes(),
            page: opera.into_bytes(),
        },
    ]
}

fn context(case: &Case) -> DecodeContext {
    DecodeContext {
        hotel: HotelId::new("demo").unwrap(),
        time_zone: case.time_zone,
        currency: Currency::new(case.currency).unwrap(),
    }
}

fn decode(case: &Case, body: &[u8], jsonl: bool) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("pms").unwrap();
    cmd.args([
        "decode",
        "--pms",
        case.pms,
        "--kind",
        "reservations",
        "--time-zone",
        case.time_zone.name(),
        "--currency",
        case.currency,
    ]);
    if jsonl {
        cmd.arg("--jsonl");
    }
    cmd.arg("-").write_stdin(body.to_vec()).assert()
}

#[test]
fn the_default_output_is_the_old_pretty_array_and_jsonl_one_record_per_line() {
    for case in cases() {
        let decoded = case
            .decoder
            .decode(PayloadKind::Reservations, &case.page, &context(&case))
            .unwrap();
        let array = decoded.to_json_array().unwrap();
        let records = array.as_array().unwrap();
        assert!(records.len() >= 2, "{}: {} records", case.pms, records.len());
        // What `pms decode` printed before it streamed.
        let old = format!("{}\n", serde_json::to_string_pretty(&array).unwrap());

        let out = decode(&case, &case.page, false)
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(String::from_utf8(out).unwrap(), old, "{}", case.pms);

        let out = decode(&case, &case.page, true)
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), records.len(), "{}: {text}", case.pms);
        for (line, record) in lines.iter().zip(records) {
            assert_eq!(
                &serde_json::from_str::<Value>(line).unwrap(),
                record,
                "{}",
                case.pms
            );
        }
        assert!(text.ends_with('\n'));
    }
}

#[test]
fn decode_each_hands_out_records_one_at_a_time_in_decode_order() {
    for case in cases() {
        let whole = case
            .decoder
            .decode(PayloadKind::Reservations, &case.page, &context(&case))
            .unwrap()
            .to_json_array()
            .unwrap();
        let mut seen = Vec::new();
        case.decoder
            .decode_each(PayloadKind::Reservations, &case.page, &context(&case), &mut |r| {
                assert!(matches!(r, Record::Reservation(_)));
                seen.push(serde_json::to_value(r).unwrap());
                Ok(())
            })
            .unwrap();
        assert_eq!(Value::Array(seen), whole, "{}", case.pms);

        // The first reservation is out before the second fails: nothing
        // collected the page first.
        let mut handed = 0;
        let err = case
            .decoder
            .decode_each(
                PayloadKind::Reservations,
                &case.broken,
                &context(&case),
                &mut |_| {
                    handed += 1;
                    Ok(())
                },
            )
            .unwrap_err();
        assert_eq!(handed, 1, "{}: {err}", case.pms);
        assert_eq!(err.kind(), ErrorKind::Decode, "{}: {err}", case.pms);
        // `decode` itself refuses the page whole, as before.
        assert!(
            case.decoder
                .decode(PayloadKind::Reservations, &case.broken, &context(&case))
                .is_err()
        );
    }
}

#[test]
fn a_page_that_fails_part_way_exits_1_after_the_records_before_it() {
    for case in cases() {
        let assert = decode(&case, &case.broken, true).code(1);
        let output = assert.get_output();
        let text = String::from_utf8(output.stdout.clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{}: {text}", case.pms);
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("cannot decode"),
            "{}",
            case.pms
        );
    }
    // A payload that fails before its first record prints nothing at all.
    let case = &cases()[0];
    let output = decode(case, br#"{"Reservations": 7}"#, false)
        .code(1)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty());
}
