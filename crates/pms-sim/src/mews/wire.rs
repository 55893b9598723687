//! Wire conventions shared by every Mews operation: request decoding,
//! `Limitation` pagination, time-interval filters, timestamps and amounts.
//!
//! Sources: `guidelines/pagination.md`, `operations/_objects.md`,
//! `guidelines/serialization.md` (<https://docs.mews.com/connector-api/>).

use chrono::{DateTime, Months, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::MewsError;

/// Decodes a request body, naming the offending property in the 400.
pub fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, MewsError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let param = if path == "." { "request".to_owned() } else { path };
        MewsError::invalid(&param, e.inner())
    })
}

/// `Limitation`: `Count` 1..=1000, optional `Cursor` (pagination.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Limitation {
    pub count: u32,
    #[serde(default)]
    pub cursor: Option<Uuid>,
}

impl Limitation {
    pub fn check(&self) -> Result<(), MewsError> {
        if !(1..=1000).contains(&self.count) {
            return Err(MewsError::invalid(
                "Limitation",
                "Count must be between 1 and 1000",
            ));
        }
        Ok(())
    }
}

/// A `{StartUtc, EndUtc}` filter (`_objects.md#time-interval`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeInterval {
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
}

impl TimeInterval {
    /// End not before start, and at most 3 months long ("max length 3
    /// months"); measured in calendar months since the docs do not say.
    pub fn check(&self, name: &str) -> Result<(), MewsError> {
        if self.end_utc < self.start_utc {
            return Err(MewsError::invalid(name, "EndUtc is before StartUtc"));
        }
        let limit = self.start_utc.checked_add_months(Months::new(3));
        if limit.is_some_and(|limit| self.end_utc > limit) {
            return Err(MewsError::invalid(
                name,
                "the interval exceeds the maximum length of 3 months",
            ));
        }
        Ok(())
    }

    /// Half-open `[StartUtc, EndUtc)`, or equality when both are the same
    /// instant (`_objects.md`; it contradicts `serialization.md`, which says
    /// inclusive; the filter-specific page wins).
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        if self.start_utc == self.end_utc {
            t == self.start_utc
        } else {
            self.start_utc <= t && t < self.end_utc
        }
    }
}

/// Checks every interval filter that is present.
pub fn check_intervals(filters: &[(&str, Option<&TimeInterval>)]) -> Result<(), MewsError> {
    for (name, interval) in filters {
        if let Some(i) = interval {
            i.check(name)?;
        }
    }
    Ok(())
}

/// True when `filter` is absent or `t` is inside it.
pub fn within(filter: Option<&TimeInterval>, t: DateTime<Utc>) -> bool {
    filter.is_none_or(|f| f.contains(t))
}

/// True when `filter` is absent, or `t` is present and inside it.
pub fn within_opt(filter: Option<&TimeInterval>, t: Option<DateTime<Utc>>) -> bool {
    match filter {
        None => true,
        Some(f) => t.is_some_and(|t| f.contains(t)),
    }
}

/// True when `ids` is absent or holds `id`.
pub fn listed(ids: Option<&Vec<Uuid>>, id: Uuid) -> bool {
    ids.is_none_or(|ids| ids.contains(&id))
}

/// Id arrays are capped ("max 1000 items", some 100 or 10).
pub fn check_len<T>(name: &str, ids: Option<&Vec<T>>, max: usize) -> Result<(), MewsError> {
    if ids.is_some_and(|ids| ids.len() > max) {
        return Err(MewsError::invalid(
            name,
            format!("at most {max} items are allowed"),
        ));
    }
    Ok(())
}

/// The sort key of paged records: creation, then id.
pub type PageKey = (DateTime<Utc>, Uuid);

/// One page, newest first. The cursor is the id of the oldest record
/// returned and the next page holds strictly older ones; the cursor is null
/// only when the page is empty (pagination.md).
pub fn paginate<T>(
    mut rows: Vec<(PageKey, T)>,
    limitation: &Limitation,
    cursor: Option<PageKey>,
) -> (Vec<T>, Option<Uuid>) {
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    let page: Vec<(PageKey, T)> = rows
        .into_iter()
        .filter(|(key, _)| cursor.is_none_or(|c| *key < c))
        .take(limitation.count as usize)
        .collect();
    let next = page.last().map(|((_, id), _)| *id);
    (page.into_iter().map(|(_, row)| row).collect(), next)
}

/// Resolves a request cursor to its record's key, or a 400.
pub fn cursor_key(
    limitation: &Limitation,
    find: impl FnOnce(Uuid) -> Option<PageKey>,
) -> Result<Option<PageKey>, MewsError> {
    match limitation.cursor {
        None => Ok(None),
        Some(id) => find(id)
            .map(Some)
            .ok_or_else(|| MewsError::invalid("Limitation", "unknown Cursor")),
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, the form in the docs' examples.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An optional timestamp, `null` when absent.
pub fn ts_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(ts(t)))
}

/// A money value as a JSON number. Mews types amounts as `number (double)`,
/// so the conversion to a float happens here, at the wire, and nowhere else.
pub fn number(value: Decimal) -> Value {
    value.round_dp(2).to_f64().map_or(Value::Null, |f| json!(f))
}

/// Reads a JSON number into a `Decimal` without going through arithmetic on
/// floats: the number's shortest text form is parsed exactly.
pub fn decimal(value: &Value, name: &str) -> Result<Decimal, MewsError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        _ => return Err(MewsError::invalid(name, "expected a number")),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| MewsError::invalid(name, "not a representable amount"))
}

/// Net and tax parts of a gross amount at `rate`, rounded to cents the way a
/// tax-inclusive (gross pricing) property does: tax = gross - net.
pub fn split_gross(gross: Decimal, rate: Decimal) -> (Decimal, Decimal) {
    let net =
        (gross / (Decimal::ONE + rate)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    (net, gross - net)
}

/// An `Amount` object (`_objects.md#amount`) for a gross value.
pub fn amount(currency: &str, gross: Decimal, tax_code: &str, rate: Decimal) -> Value {
    let (net, tax) = split_gross(gross, rate);
    json!({
        "Currency": currency,
        "NetValue": number(net),
        "GrossValue": number(gross),
        "TaxValues": [{ "Code": tax_code, "Value": number(tax) }],
        "Breakdown": { "Items": [{ "TaxRateCode": tax_code, "NetValue": number(net), "TaxValue": number(tax) }] }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn intervals_are_half_open_and_capped() {
        let i = TimeInterval {
            start_utc: t("2026-01-01T00:00:00Z"),
            end_utc: t("2026-02-01T00:00:00Z"),
        };
        assert!(i.contains(t("2026-01-01T00:00:00Z")));
        assert!(!i.contains(t("2026-02-01T00:00:00Z")));
        let long = TimeInterval {
            start_utc: t("2026-01-01T00:00:00Z"),
            end_utc: t("2026-04-01T00:00:01Z"),
        };
        assert!(long.check("UpdatedUtc").is_err());
        let exact = TimeInterval {
            start_utc: t("2026-01-01T00:00:00Z"),
            end_utc: t("2026-04-01T00:00:00Z"),
        };
        assert!(exact.check("UpdatedUtc").is_ok());
    }

    #[test]
    fn pages_run_newest_to_oldest_and_end_with_an_empty_page() {
        let rows: Vec<(PageKey, u32)> = (0..5u32)
            .map(|i| {
                (
                    (
                        t("2026-01-01T00:00:00Z") + chrono::Duration::hours(i.into()),
                        Uuid::from_u128(i.into()),
                    ),
                    i,
                )
            })
            .collect();
        let lim = Limitation {
            count: 2,
            cursor: None,
        };
        let (p1, c1) = paginate(rows.clone(), &lim, None);
        assert_eq!(p1, vec![4, 3]);
        let key = |id: Uuid| rows.iter().find(|r| r.0.1 == id).map(|r| r.0);
        let (p2, c2) = paginate(rows.clone(), &lim, c1.and_then(key));
        assert_eq!(p2, vec![2, 1]);
        let (p3, c3) = paginate(rows.clone(), &lim, c2.and_then(key));
        assert_eq!(p3, vec![0]);
        let (p4, c4) = paginate(rows.clone(), &lim, c3.and_then(key));
        assert!(p4.is_empty() && c4.is_none());
    }

    #[test]
    fn amounts_stay_decimal_until_the_wire() {
        assert_eq!(decimal(&json!(93.46), "x").unwrap(), Decimal::new(9346, 2));
        assert_eq!(
            split_gross(Decimal::new(10000, 2), Decimal::new(7, 2)),
            (Decimal::new(9346, 2), Decimal::new(654, 2))
        );
    }
}
