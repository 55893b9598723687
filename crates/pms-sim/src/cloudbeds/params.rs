//! Request parameters: the query string (GET, DELETE) or the form body (POST,
//! PUT), "Request Format: HTTP GET, POST and PUT (Content-Type:
//! application/x-www-form-urlencoded)" (spec `info.description`). Arrays use
//! PHP-style indexed keys, `items[0][itemPrice]` (vendor notes §2: the spec
//! does not say how; two independent codebases send this shape).

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::error::CbError;

/// Decoded `name=value` pairs, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
    /// The request's `Host` header (for answers that name the API's own URL).
    pub host: Option<String>,
}

/// A form body, refusing other content types (v1.x takes no JSON bodies).
pub(crate) fn form_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Params, CbError> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !bytes.is_empty() && !is_form && !content_type.starts_with("multipart/form-data") {
        return Err(CbError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "Invalid request format: send application/x-www-form-urlencoded",
        ));
    }
    if !bytes.is_empty() && !is_form {
        return Err(CbError::business(
            "multipart/form-data is only accepted by file uploads",
        ));
    }
    Ok(Params::parse(bytes))
}

impl Params {
    /// Parses `a=1&b=2`; undecodable bytes become U+FFFD, never an error.
    pub fn parse(bytes: &[u8]) -> Self {
        Params {
            pairs: url::form_urlencoded::parse(bytes).into_owned().collect(),
            host: None,
        }
    }

    /// The first value of `name`, trimmed; empty counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` was sent at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    pub fn required(&self, name: &str) -> Result<&str, CbError> {
        self.get(name).ok_or_else(|| CbError::required(name))
    }

    /// A boolean: `true|false|1|0` (vendor notes §2 "Booleans").
    pub fn bool(&self, name: &str) -> Result<Option<bool>, CbError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(CbError::invalid(name, "must be true or false")),
            },
        }
    }

    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, CbError> {
        self.get(name).map(|v| decimal(name, v)).transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, CbError> {
        self.get(name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| CbError::invalid(name, "expected YYYY-MM-DD"))
            })
            .transpose()
    }

    /// A date-time filter (`modifiedFrom/To`, `resultsFrom/To`, `saleDate`):
    /// the spec types them `format: date-time` and the tech-specs page gives
    /// `YYYY-MM-DD HH:MM:SS`. Accepted, as [`parse_datetime`] says: both,
    /// with fractional seconds, and the official SDK's form
    /// (`cloudbeds-pms-v1-3` `Configuration.datetime_format`
    /// `%Y-%m-%dT%H:%M:%S.%f%z`: `2026-11-08T00:22:29.474111+0000`, or with
    /// no offset for a naive `datetime`). A value without an offset is read
    /// in the property's time zone (the zone of these filters is
    /// undocumented, vendor notes §12.5; `dateModified` is local, so the
    /// filters are too); one with an offset is taken as written. A bare date
    /// means its midnight.
    pub fn local_datetime(&self, name: &str, tz: chrono_tz::Tz) -> Result<Option<DateTime<Utc>>, CbError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let parsed = parse_datetime(v).ok_or_else(|| {
            CbError::invalid(name, "expected a date-time (YYYY-MM-DD HH:MM:SS or RFC 3339)")
        })?;
        let naive = match parsed {
            Stamp::Instant(t) => return Ok(Some(t)),
            Stamp::Local(naive) => naive,
        };
        let at = tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&naive));
        Ok(Some(at))
    }

    /// `pageNumber` (1-based, default 1) and `pageSize` (default and maximum
    /// per method).
    pub fn page(&self, default_size: u32, max_size: u32) -> Result<(u32, u32), CbError> {
        let number = match self.get("pageNumber") {
            None => 1,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| CbError::invalid("pageNumber", "must be a positive integer"))?,
        };
        let size = match self.get("pageSize") {
            None => default_size,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max_size).contains(n))
                .ok_or_else(|| CbError::invalid("pageSize", format!("must be between 1 and {max_size}")))?,
        };
        Ok((number, size))
    }

    /// PHP-style arrays: `items[0][itemPrice]=1` → `{0: {"itemPrice": "1"}}`.
    /// Nested arrays below the field (`items[0][itemTaxes][0][taxName]`) are
    /// kept under their full remaining key (`itemTaxes][0][taxName`).
    pub fn indexed(&self, prefix: &str) -> Result<BTreeMap<usize, BTreeMap<String, String>>, CbError> {
        let mut out: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        let open = format!("{prefix}[");
        for (key, value) in &self.pairs {
            let Some(rest) = key.strip_prefix(&open) else {
                continue;
            };
            let Some((index, rest)) = rest.split_once(']') else {
                return Err(CbError::invalid(prefix, format!("malformed key {key}")));
            };
            let index: usize = index
                .parse()
                .ok()
                .filter(|i| *i < 1000)
                .ok_or_else(|| CbError::invalid(prefix, format!("bad index in {key}")))?;
            let field = rest
                .strip_prefix('[')
                .and_then(|f| f.strip_suffix(']'))
                .ok_or_else(|| CbError::invalid(prefix, format!("malformed key {key}")))?;
            out.entry(index)
                .or_default()
                .entry(field.to_owned())
                .or_insert_with(|| value.trim().to_owned());
        }
        Ok(out)
    }

    /// The parameters as a JSON object, for the journal (no credential is
    /// ever a parameter: they travel in headers).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (k, v) in &self.pairs {
            map.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
        }
        Value::Object(map)
    }
}

/// A date-time parameter: an instant (it had an offset) or a wall-clock
/// time in the property's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    Instant(DateTime<Utc>),
    Local(NaiveDateTime),
}

/// `YYYY-MM-DD`, then `T` or a space, `HH:MM:SS`, optional fractional
/// seconds, optional offset (`Z`, `±HH:MM`, `±HHMM`); or a bare
/// `YYYY-MM-DD`. Anything else (a missing seconds field, an hour 24, an
/// offset beyond ±23:59, trailing text) is `None`.
pub(crate) fn parse_datetime(v: &str) -> Option<Stamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(Stamp::Instant(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(v, format) {
            return Some(Stamp::Instant(t.with_timezone(&Utc)));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
            return Some(Stamp::Local(t));
        }
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|_| v.len() == 10)
        .map(|d| Stamp::Local(d.and_time(chrono::NaiveTime::MIN)))
}

/// A decimal amount as sent in a form (`12.50`, `-3`).
pub(crate) fn decimal(name: &str, v: &str) -> Result<Decimal, CbError> {
    v.trim()
        .parse::<Decimal>()
        .map_err(|_| CbError::invalid(name, "expected a number"))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> Stamp {
        Stamp::Local(
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_micro_opt(h, mi, s, micro))
                .unwrap(),
        )
    }

    #[test]
    fn the_sdk_and_the_tech_specs_forms_are_accepted() {
        let instant = Stamp::Instant(
            Utc.with_ymd_and_hms(2026, 11, 8, 0, 22, 29).unwrap() + chrono::Duration::microseconds(474_111),
        );
        // cloudbeds-pms-v1-3 1.19.0: `%Y-%m-%dT%H:%M:%S.%f%z`, aware and naive.
        assert_eq!(parse_datetime("2026-11-08T00:22:29.474111+0000"), Some(instant));
        assert_eq!(parse_datetime("2026-11-08T01:22:29.474111+0100"), Some(instant));
        assert_eq!(
            parse_datetime("2026-11-08T00:22:29.474111"),
            Some(local(2026, 11, 8, 0, 22, 29, 474_111))
        );
        // RFC 3339 (the spec's `format: date-time`).
        assert_eq!(parse_datetime("2026-11-08T00:22:29.474111Z"), Some(instant));
        assert_eq!(parse_datetime("2026-11-08T00:22:29.474111+00:00"), Some(instant));
        // Tech specs: "DateTime: YYYY-MM-DD HH:MM:SS".
        assert_eq!(
            parse_datetime("2026-11-08 00:22:29"),
            Some(local(2026, 11, 8, 0, 22, 29, 0))
        );
        assert_eq!(
            parse_datetime("2026-11-08T00:22:29"),
            Some(local(2026, 11, 8, 0, 22, 29, 0))
        );
        assert_eq!(parse_datetime("2026-11-08"), Some(local(2026, 11, 8, 0, 0, 0, 0)));
    }

    #[test]
    fn what_is_no_date_time_is_still_refused() {
        for bad in [
            "yesterday",
            "2026-11-08T00:22",
            "2026-11-08 24:00:00",
            "2026-13-08 00:00:00",
            "2026-11-08T00:22:29+2500",
            "2026-11-08T00:22:29.474111+0000 extra",
            "08/11/2026 00:22:29",
            "2026-11-8",
            "",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_filter_in_the_sdk_form_reads_as_the_instant_it_names() {
        let params = Params::parse(
            b"modifiedFrom=2026-11-08T00%3A22%3A29.474111%2B0000&modifiedTo=2026-11-08T00%3A22%3A29.474111",
        );
        let tz = chrono_tz::Europe::Berlin;
        let from = params.local_datetime("modifiedFrom", tz).unwrap().unwrap();
        assert_eq!(
            from,
            Utc.with_ymd_and_hms(2026, 11, 8, 0, 22, 29).unwrap() + chrono::Duration::microseconds(474_111)
        );
        // Without an offset: Berlin wall-clock time (UTC+1 in November).
        let to = params.local_datetime("modifiedTo", tz).unwrap().unwrap();
        assert_eq!(to, from - chrono::Duration::hours(1));
        let bad = Params::parse(b"modifiedFrom=2026-11-08T00%3A22");
        assert!(bad.local_datetime("modifiedFrom", tz).is_err());
    }
}
