//! Decode + map of 10,000 reservations per vendor against an untyped parse of
//! the same bytes (JSON: `serde_json::Value`; XML: a bare quick-xml event scan).
//!
//! `cargo bench -p pms-bench --bench decode` (add `-- --quick` for a short run).
//! Targets (issue 10): JSON typed decode+map ≤ 0.8× the `Value` parse; XML ≤ 1.5× the scan.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pms_bench::baseline::{value_parse, xml_scan};
use pms_bench::payloads;
use pms_core::{Currency, Decoded, PayloadDecoder, PayloadKind, chrono_tz};

const N: usize = 10_000;

fn reservations(decoded: Decoded) -> usize {
    match decoded {
        Decoded::Reservations(r) => r.len(),
        _ => panic!("not reservations"),
    }
}

fn json(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_10k_reservations");
    group.sample_size(20);

    let mews = payloads::mews_reservations(N);
    let ctx = payloads::context(chrono_tz::Europe::Budapest, Currency::EUR);
    group.throughput(Throughput::Bytes(mews.len() as u64));
    group.bench_function(BenchmarkId::new("mews", "decoder"), |b| {
        b.iter(|| {
            let d = pms_mews::MewsDecoder.decode(PayloadKind::Reservations, black_box(&mews), &ctx);
            assert_eq!(reservations(d.expect("mews decodes")), N);
        })
    });
    group.bench_function(BenchmarkId::new("mews", "serde_json_value"), |b| {
        b.iter(|| value_parse(black_box(&mews)))
    });

    let cloudbeds = payloads::cloudbeds_reservations(N);
    let ctx = payloads::context(chrono_tz::America::New_York, Currency::USD);
    group.throughput(Throughput::Bytes(cloudbeds.len() as u64));
    group.bench_function(BenchmarkId::new("cloudbeds", "decoder"), |b| {
        b.iter(|| {
            let d = pms_cloudbeds::CloudbedsDecoder.decode(
                PayloadKind::Reservations,
                black_box(&cloudbeds),
                &ctx,
            );
            assert_eq!(reservations(d.expect("cloudbeds decodes")), N);
        })
    });
    group.bench_function(BenchmarkId::new("cloudbeds", "serde_json_value"), |b| {
        b.iter(|| value_parse(black_box(&cloudbeds)))
    });
    group.finish();
}

fn xml(c: &mut Criterion) {
    let ctx = payloads::context(chrono_tz::Asia::Kolkata, Currency::new("INR").expect("INR"));
    // 10,000 reservations exceed the default 16 MB / 500,000-element limits only
    // if indentation is kept; the generator drops it, the limits stay default.
    let decoder = pms_opera::OperaDecoder::new();

    let mut group = c.benchmark_group("xml_opera");
    group.sample_size(10);
    let fbs = payloads::opera_future_booking_summary(N);
    group.throughput(Throughput::Bytes(fbs.len() as u64));
    group.bench_function(BenchmarkId::new("future_booking_summary_10k", "decoder"), |b| {
        b.iter(|| {
            let d = decoder.decode(PayloadKind::Reservations, black_box(&fbs), &ctx);
            assert_eq!(reservations(d.expect("FutureBookingSummary decodes")), N);
        })
    });
    group.bench_function(
        BenchmarkId::new("future_booking_summary_10k", "quick_xml_scan"),
        |b| b.iter(|| xml_scan(black_box(&fbs))),
    );

    let fetch = payloads::OPERA_FETCH_BOOKING;
    group.sample_size(50);
    group.throughput(Throughput::Bytes(fetch.len() as u64));
    group.bench_function(BenchmarkId::new("fetch_booking_1", "decoder"), |b| {
        b.iter(|| {
            let d = decoder.decode(PayloadKind::Reservations, black_box(fetch), &ctx);
            assert_eq!(reservations(d.expect("FetchBooking decodes")), 1);
        })
    });
    group.bench_function(BenchmarkId::new("fetch_booking_1", "quick_xml_scan"), |b| {
        b.iter(|| xml_scan(black_box(fetch)))
    });
    group.finish();
}

criterion_group!(benches, json, xml);
criterion_main!(benches);
