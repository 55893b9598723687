//! Lenient scalar decoding for Cloudbeds JSON.
//!
//! Cloudbeds sends numbers as strings and strings as numbers (`"adults": "2"`,
//! `"roomTypeID": 544559`), `""` where it means null, booleans as `true`,
//! `"1"` or `"true"`, and local date-times without a zone
//! (`"2026-01-19 18:11:31"`, tech-specs page; vendor notes §6). Each helper
//! here accepts exactly the documented and observed spellings and rejects
//! anything else with a serde error, so the caller's `serde_path_to_error`
//! names the JSON path. **No message here quotes the value**: it may be a
//! guest's birth date or document number, and errors reach logs; the path
//! names the spot (`crate::error::without_vendor_values` redacts what serde
//! itself quotes).

use std::fmt;
use std::str::FromStr;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// `v.trim()`, skipped when both ends are printable ASCII (no Unicode
/// whitespace can be there): nearly every value of a payload, and trimming
/// scans from both ends char by char.
fn trimmed(v: &str) -> &str {
    let bytes = v.as_bytes();
    let printable = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if printable(bytes.first()) && printable(bytes.last()) {
        v
    } else {
        v.trim()
    }
}

/// An id or code that may arrive as a string or a number; `""` and `null` are `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = trimmed(v);
            Ok((!t.is_empty()).then(|| t.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                Ok(Some(format!("{v:.0}")))
            } else {
                Err(E::custom("expected an integer id, found a fractional number"))
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

/// Text of a scalar (string, number, boolean) for reading *failure* bodies:
/// anything else (an object, an array) is `None`, not an error, so an odd
/// field never hides the rest of what a failure says.
pub fn opt_scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A decimal amount sent as a JSON number (`3908.28`) or a string (`"1954.14"`).
///
/// serde_json (without `arbitrary_precision`, which we must not switch on
/// for the whole workspace) hands numbers over as `f64`. We rebuild the
/// decimal from the *shortest round-trip* text of that `f64` (Rust's
/// `Display`), which is exactly the literal Cloudbeds wrote for any amount
/// of up to 15 significant digits; no arithmetic is done in floating point.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number, a decimal string or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = trimmed(v);
            if t.is_empty() {
                return Ok(None);
            }
            parse_decimal(t).map(Some).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Decimal::from(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Decimal::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if !v.is_finite() {
                return Err(E::custom("amount is not a finite number"));
            }
            parse_decimal(&v.to_string()).map(Some).map_err(E::custom)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

fn parse_decimal(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| "not a decimal amount".to_owned())
}

/// Reads a scalar as [`opt_string`] does (trimmed text, a number as its
/// digits, `""`/`null` as `None`) and hands the text to `parse` without
/// copying it. A `parse` failure comes back as a value and is raised by
/// [`text`], after the deserializer returns, where these helpers always
/// raised it (so serde_json reports the same position).
struct Text<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for Text<F> {
    type Value = Option<Result<T, String>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = trimmed(v);
        Ok((!t.is_empty()).then(|| (self.0)(t)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some((self.0)(&v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some((self.0)(&v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            Ok(Some((self.0)(&format!("{v:.0}"))))
        } else {
            Err(E::custom("expected an integer id, found a fractional number"))
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
        d.deserialize_any(self)
    }
}

fn text<'de, D: Deserializer<'de>, T>(
    d: D,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, D::Error> {
    match d.deserialize_option(Text(parse))? {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(message)) => Err(de::Error::custom(message)),
    }
}

fn count<N: FromStr>(s: &str) -> Result<N, String> {
    s.parse().map_err(|_| "not a count".to_owned())
}

/// A count sent as `"2"` or `2`; `""`/`null` are `None`.
pub fn opt_u16<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    text(d, count)
}

/// A count sent as `"20"` or `20`; `""`/`null` are `None`.
pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    text(d, count)
}

/// A boolean sent as `true`, `"true"`, `"1"`, `1` (and the negatives); `""`/`null` are `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean, 0/1, \"true\"/\"false\" or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::custom("not a boolean")),
            }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::custom("not a boolean")),
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "1" | "true" => Ok(Some(true)),
                "0" | "false" => Ok(Some(false)),
                _ => Err(E::custom("not a boolean")),
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

/// A civil date `YYYY-MM-DD`; `""`, `null` and `0000-00-00` are `None`.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    text(d, |s| {
        if s.starts_with("0000-00-00") {
            return Ok(None);
        }
        // Some list methods send a date-time where a date is documented.
        let day = s.get(..10).unwrap_or(s);
        canonical_date(day.as_bytes())
            .or_else(|| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .map(Some)
            .ok_or_else(|| "not a YYYY-MM-DD date".to_owned())
    })
    .map(Option::flatten)
}

/// A zone-less date-time `YYYY-MM-DD HH:MM:SS` (also accepted: `T` separator,
/// a date alone meaning midnight); `""`, `null` and `0000-00-00 00:00:00` are
/// `None`. The time zone is applied by the mapper (property-local for the
/// v1.x `date*` fields, UTC for the `*UTC` ones).
pub fn opt_local_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    text(d, |s| {
        if s.starts_with("0000-00-00") {
            return Ok(None);
        }
        parse_local_datetime(s)
            .map(Some)
            .ok_or_else(|| "not a YYYY-MM-DD HH:MM:SS date-time".to_owned())
    })
    .map(Option::flatten)
}

/// An instant in RFC 3339 (`2025-01-01T18:28:05.648106Z`, any offset), as
/// the Accounting API writes its "(ISO 8601) in UTC" date-times; one without
/// a zone is read as UTC, which is what the field documents. `""`/`null`
/// are `None`.
pub fn opt_utc_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    text(d, |s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|at| at.with_timezone(&chrono::Utc))
            .ok()
            .or_else(|| parse_local_datetime(s).map(|at| at.and_utc()))
            .ok_or_else(|| "not an ISO 8601 date-time".to_owned())
    })
}

/// A JSON object keyed by id (`guestList`, `getGuestList.data`). PHP encodes
/// an *empty* associative array as `[]`, so `[]`, `null` and `""` are an
/// empty map; a non-empty array is an error.
pub fn keyed_map<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrEmpty<T> {
        Map(BTreeMap<String, T>),
        List(Vec<serde::de::IgnoredAny>),
        Text(String),
    }
    match Option::<MapOrEmpty<T>>::deserialize(d)? {
        None => Ok(BTreeMap::new()),
        Some(MapOrEmpty::Map(map)) => Ok(map),
        Some(MapOrEmpty::List(list)) if list.is_empty() => Ok(BTreeMap::new()),
        Some(MapOrEmpty::Text(text)) if text.trim().is_empty() => Ok(BTreeMap::new()),
        Some(_) => Err(de::Error::custom("expected an object keyed by id")),
    }
}

/// Parses the date-time spellings Cloudbeds uses.
pub fn parse_local_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Some(at) = canonical_datetime(s.as_bytes()) {
        return Some(at);
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, format) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

/// `YYYY-MM-DD`, digits only, as Cloudbeds writes dates; read without
/// chrono's format interpreter (a page has four dates a row). `None` for
/// anything else, which then goes through chrono as before.
fn canonical_date(s: &[u8]) -> Option<NaiveDate> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = s else {
        return None;
    };
    let year = i32::try_from(digits(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&[m0, m1])?, digits(&[d0, d1])?)
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), as [`canonical_date`].
fn canonical_datetime(s: &[u8]) -> Option<NaiveDateTime> {
    let &[ref day @ .., b' ' | b'T', h0, h1, b':', n0, n1, b':', s0, s1] = s else {
        return None;
    };
    let time = NaiveTime::from_hms_opt(digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?)?;
    Some(canonical_date(day)?.and_time(time))
}

fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |n, &c| {
        // At most four digits reach here: no overflow, checked all the same.
        c.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u32::from(c.wrapping_sub(b'0'))))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trim_shortcut_trims_as_trim_does() {
        for v in [
            "",
            "a",
            " ",
            "ab",
            " a",
            "a ",
            "\u{a0}x",
            "x\u{3000}",
            "\té\n",
            "é",
            "\u{85}",
            "a b",
            "\u{2028}",
        ] {
            assert_eq!(trimmed(v), v.trim(), "{v:?}");
        }
    }
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "opt_decimal")]
        d: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_u16")]
        n: Option<u16>,
    }

    fn t(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn ids_from_strings_numbers_and_empty() {
        assert_eq!(t(r#"{"s": 544559}"#).s.as_deref(), Some("544559"));
        assert_eq!(t(r#"{"s": "601917-0"}"#).s.as_deref(), Some("601917-0"));
        assert_eq!(t(r#"{"s": ""}"#).s, None);
        assert_eq!(t(r#"{"s": null}"#).s, None);
        assert_eq!(t("{}").s, None);
    }

    #[test]
    fn amounts_keep_their_literal_digits() {
        assert_eq!(t(r#"{"d": 3908.28}"#).d.unwrap().to_string(), "3908.28");
        assert_eq!(t(r#"{"d": "1954.14"}"#).d.unwrap().to_string(), "1954.14");
        assert_eq!(t(r#"{"d": 0.1}"#).d.unwrap().to_string(), "0.1");
        assert_eq!(t(r#"{"d": 12}"#).d.unwrap().to_string(), "12");
        assert_eq!(t(r#"{"d": ""}"#).d, None);
        assert!(serde_json::from_str::<T>(r#"{"d": "abc"}"#).is_err());
    }

    #[test]
    fn booleans_and_counts() {
        assert_eq!(t(r#"{"b": "1"}"#).b, Some(true));
        assert_eq!(t(r#"{"b": false}"#).b, Some(false));
        assert_eq!(t(r#"{"b": 0}"#).b, Some(false));
        assert!(serde_json::from_str::<T>(r#"{"b": "maybe"}"#).is_err());
        assert_eq!(t(r#"{"n": "2"}"#).n, Some(2));
        assert_eq!(t(r#"{"n": 3}"#).n, Some(3));
    }

    #[derive(Deserialize)]
    struct M {
        #[serde(default, deserialize_with = "keyed_map")]
        m: BTreeMap<String, u8>,
    }

    #[test]
    fn php_empty_maps_are_empty() {
        let m = |json: &str| serde_json::from_str::<M>(json).map(|m| m.m.len());
        assert_eq!(m(r#"{"m": []}"#).unwrap(), 0);
        assert_eq!(m(r#"{"m": null}"#).unwrap(), 0);
        assert_eq!(m(r#"{"m": {"a": 1, "b": 2}}"#).unwrap(), 2);
        assert!(m(r#"{"m": [1]}"#).is_err());
    }

    proptest::proptest! {
        /// Any amount of up to 15 significant digits survives the trip
        /// through a JSON number exactly (the f64 is only a carrier).
        #[test]
        fn json_number_amounts_are_exact(units in -999_999_999_999_999i64..=999_999_999_999_999, scale in 0u32..=4) {
            let amount = Decimal::new(units, scale);
            let json = format!(r#"{{"d": {amount}}}"#);
            let parsed = serde_json::from_str::<T>(&json).unwrap().d.unwrap();
            proptest::prop_assert_eq!(parsed, amount);
        }
    }

    #[derive(Deserialize)]
    struct Dates {
        #[serde(default, deserialize_with = "opt_date")]
        day: Option<NaiveDate>,
        #[serde(default, deserialize_with = "opt_local_datetime")]
        at: Option<NaiveDateTime>,
    }

    proptest::proptest! {
        /// Read directly or through chrono, any text gives the same date,
        /// date-time or error message.
        #[test]
        fn canonical_dates_read_as_chrono_reads_them(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2})?|[0-9: T-]{0,20}"
        ) {
            let day = text.get(..10).unwrap_or(&text);
            let chrono_day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
            if let Some(direct) = canonical_date(day.as_bytes()) {
                proptest::prop_assert_eq!(Some(direct), chrono_day);
            }
            let chrono_at = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok());
            if let Some(direct) = canonical_datetime(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(direct), chrono_at);
            }
        }
    }

    #[test]
    fn dates_counts_and_their_errors() {
        let dates = |json: &str| {
            serde_json::from_str::<Dates>(json)
                .map(|d| (d.day, d.at))
                .map_err(|e| e.to_string())
        };
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok();
        assert_eq!(
            dates(r#"{"day": "2026-02-01", "at": " 2026-01-19T18:11:31 "}"#),
            Ok((NaiveDate::from_ymd_opt(2026, 2, 1), at("2026-01-19 18:11:31")))
        );
        assert_eq!(
            dates(r#"{"day": "2026-02-01 10:00", "at": "2026-01-19"}"#),
            Ok((NaiveDate::from_ymd_opt(2026, 2, 1), at("2026-01-19 00:00:00")))
        );
        assert_eq!(dates(r#"{"day": "0000-00-00", "at": ""}"#), Ok((None, None)));
        assert_eq!(
            dates(r#"{"day": "2026-02-30"}"#).unwrap_err(),
            "not a YYYY-MM-DD date at line 1 column 21"
        );
        assert_eq!(
            dates(r#"{"at": 20260119}"#).unwrap_err(),
            "not a YYYY-MM-DD HH:MM:SS date-time at line 1 column 16"
        );
        assert_eq!(
            dates(r#"{"day": true}"#).unwrap_err(),
            "invalid type: boolean `true`, expected a string, a number or null at line 1 column 12"
        );
        assert_eq!(
            serde_json::from_str::<T>(r#"{"n": "many"}"#)
                .map(|t| t.n)
                .map_err(|e| e.to_string()),
            Err("not a count at line 1 column 13".to_owned())
        );
        assert_eq!(t(r#"{"n": " 7 "}"#).n, Some(7));
        assert_eq!(t(r#"{"n": 7.0}"#).n, Some(7));
    }

    #[test]
    fn date_times() {
        assert_eq!(
            parse_local_datetime("2026-01-19 18:11:31").unwrap().to_string(),
            "2026-01-19 18:11:31"
        );
        assert!(parse_local_datetime("19/01/2026").is_none());
    }
}
