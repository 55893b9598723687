//! Large vendor payloads built by repeating and varying the documented
//! examples in `fixtures/`, so benchmarks decode realistic shapes at volume.

use pms_core::{Currency, DecodeContext, HotelId, chrono_tz};
use serde_json::Value;

/// The documented Mews `reservations/getAll/2023-06-06` example (one reservation).
pub const MEWS_RESERVATIONS: &[u8] =
    include_bytes!("../../../fixtures/mews/reservations_getall_2023_06_06.response.json");
/// The documented Mews General webhook example.
pub const MEWS_WEBHOOK: &[u8] = include_bytes!("../../../fixtures/mews/webhook_general.request.json");
/// The Cloudbeds `getReservations` example (two reservations).
pub const CLOUDBEDS_RESERVATIONS: &[u8] =
    include_bytes!("../../../fixtures/cloudbeds/get_reservations_page1.json");
/// The OPERA `FutureBookingSummaryResponse` example (two reservations).
pub const OPERA_FUTURE_BOOKING_SUMMARY: &[u8] =
    include_bytes!("../../../fixtures/opera/future_booking_summary.response.xml");
/// The captured OPERA `FetchBookingResponse` (one reservation, the whole
/// ~100 KB answer; see `fixtures/opera/README.md`).
pub const OPERA_FETCH_BOOKING: &[u8] = include_bytes!("../../../fixtures/opera/fetch_booking.response.xml");

/// A decode context for `hotel` (the zone and currency only matter to vendors sending local values).
pub fn context(time_zone: chrono_tz::Tz, currency: Currency) -> DecodeContext {
    DecodeContext {
        // A literal that satisfies the id rules; see the unit test.
        hotel: HotelId::new("bench").unwrap_or_else(|_| unreachable!("\"bench\" is a valid hotel id")),
        time_zone,
        currency,
    }
}

fn template_items(body: &[u8], key: &str) -> (serde_json::Map<String, Value>, Vec<Value>) {
    let mut root: serde_json::Map<String, Value> =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("fixture does not parse: {e}"));
    let items = match root.remove(key) {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => panic!("fixture has no `{key}` array"),
    };
    (root, items)
}

/// A UUID-shaped id unique per `i` and `salt`.
fn uuid(salt: u32, i: usize) -> String {
    format!("{salt:08x}-0000-4000-8000-{i:012x}")
}

/// A Mews `reservations/getAll/2023-06-06` page of `n` reservations: the
/// documented example with a distinct `Id`, `Number` and `ChannelNumber` each.
pub fn mews_reservations(n: usize) -> Vec<u8> {
    let (mut root, items) = template_items(MEWS_RESERVATIONS, "Reservations");
    let out: Vec<Value> = (0..n)
        .map(|i| {
            let mut r = items[i % items.len()].clone();
            if let Some(obj) = r.as_object_mut() {
                obj.insert("Id".into(), Value::String(uuid(0x0f51_5589, i)));
                obj.insert("Number".into(), Value::String((1000 + i).to_string()));
                obj.insert("ChannelNumber".into(), Value::String(format!("CH{i:06}")));
            }
            r
        })
        .collect();
    root.insert("Reservations".into(), Value::Array(out));
    root.insert("Cursor".into(), Value::String(uuid(0xc0ff_ee00, n)));
    serde_json::to_vec(&root).unwrap_or_else(|e| panic!("cannot serialize: {e}"))
}

/// A Cloudbeds `getReservations` page of `n` reservations: the two documented
/// ones alternating, each with a distinct `reservationID` and guest name.
pub fn cloudbeds_reservations(n: usize) -> Vec<u8> {
    let (mut root, items) = template_items(CLOUDBEDS_RESERVATIONS, "data");
    let out: Vec<Value> = (0..n)
        .map(|i| {
            let mut r = items[i % items.len()].clone();
            if let Some(obj) = r.as_object_mut() {
                let id = (8_176_082_000_000u64 + i as u64).to_string();
                obj.insert("reservationID".into(), Value::String(id.clone()));
                obj.insert("subReservationID".into(), Value::String(id));
                obj.insert("guestName".into(), Value::String(format!("Guest Number{i}")));
            }
            r
        })
        .collect();
    root.insert("data".into(), Value::Array(out));
    root.insert("count".into(), Value::from(n));
    root.insert("total".into(), Value::from(n));
    serde_json::to_vec(&root).unwrap_or_else(|e| panic!("cannot serialize: {e}"))
}

/// An OPERA `FutureBookingSummaryResponse` with `n` `HotelReservation`s: the
/// two documented ones alternating, each with distinct confirmation and
/// `RESVID` numbers. Indentation between tags is dropped, as OWS sends it.
pub fn opera_future_booking_summary(n: usize) -> Vec<u8> {
    let text = std::str::from_utf8(OPERA_FUTURE_BOOKING_SUMMARY).unwrap_or_else(|e| panic!("{e}"));
    let open = "<HotelReservations>";
    let close = "</HotelReservations>";
    let start = text
        .find(open)
        .map(|i| i + open.len())
        .expect("fixture has HotelReservations");
    let end = text.find(close).expect("fixture closes HotelReservations");
    let (head, inner, tail) = (&text[..start], &text[start..end], &text[end..]);
    let blocks: Vec<&str> = inner
        .split_inclusive("</HotelReservation>")
        .filter(|b| b.contains("<HotelReservation"))
        .collect();
    assert_eq!(blocks.len(), 2, "the fixture holds two reservations");
    let compact = |s: &str| -> String { s.lines().map(str::trim).collect::<Vec<_>>().join("") };
    let blocks: Vec<String> = blocks.iter().map(|b| compact(b)).collect();
    let mut out = compact(head);
    out.reserve(n * blocks[0].len());
    for i in 0..n {
        let (conf, resv) = (100_000 + i, 9_000_000 + i);
        let block = blocks[i % 2]
            .replace(">55501<", &format!(">{conf}<"))
            .replace(">55502<", &format!(">{conf}<"))
            .replace(">900001<", &format!(">{resv}<"))
            .replace(">900002<", &format!(">{resv}<"));
        out.push_str(&block);
    }
    out.push_str(&compact(tail));
    out.into_bytes()
}

/// A Mews General webhook body with one `ServiceOrderUpdated` and one
/// `ResourceUpdated` event about entities unique to `i`.
pub fn mews_webhook(i: usize) -> Vec<u8> {
    let (mut root, _) = template_items(MEWS_WEBHOOK, "Events");
    let events = serde_json::json!([
        {"Discriminator": "ServiceOrderUpdated", "Value": {"Id": uuid(0x5e41_0000, i)}},
        {"Discriminator": "ResourceUpdated", "Value": {"Id": uuid(0x4e50_0000, i)}},
    ]);
    root.insert("Events".into(), events);
    serde_json::to_vec(&root).unwrap_or_else(|e| panic!("cannot serialize: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use pms_core::{Decoded, PayloadDecoder, PayloadKind};

    use super::*;

    fn count(decoded: Decoded) -> usize {
        match decoded {
            Decoded::Reservations(r) => {
                let ids: std::collections::BTreeSet<_> =
                    r.iter().map(|r| r.external.id.to_string()).collect();
                assert_eq!(ids.len(), r.len(), "ids are distinct");
                r.len()
            }
            other => panic!("not reservations: {other:?}"),
        }
    }

    #[test]
    fn generated_payloads_decode_to_n_distinct_reservations() {
        let ctx = context(chrono_tz::Europe::Budapest, Currency::EUR);
        let mews = pms_mews::MewsDecoder
            .decode(PayloadKind::Reservations, &mews_reservations(7), &ctx)
            .unwrap();
        assert_eq!(count(mews), 7);
        let ctx = context(chrono_tz::America::New_York, Currency::USD);
        let cloudbeds = pms_cloudbeds::CloudbedsDecoder
            .decode(PayloadKind::Reservations, &cloudbeds_reservations(7), &ctx)
            .unwrap();
        assert_eq!(count(cloudbeds), 7);
        let ctx = context(chrono_tz::Asia::Kolkata, Currency::new("INR").unwrap());
        let opera = pms_opera::OperaDecoder::new()
            .decode(PayloadKind::Reservations, &opera_future_booking_summary(7), &ctx)
            .unwrap();
        assert_eq!(count(opera), 7);
        let fetch = pms_opera::OperaDecoder::new()
            .decode(PayloadKind::Reservations, OPERA_FETCH_BOOKING, &ctx)
            .unwrap();
        assert_eq!(count(fetch), 1);
    }

    #[test]
    fn generated_webhooks_parse_to_two_events() {
        let hotel = HotelId::new("bench").unwrap();
        let parsed = pms_mews::parse_webhook(&mews_webhook(3), &hotel, chrono::Utc::now()).unwrap();
        assert_eq!(parsed.events().len(), 2);
    }
}
