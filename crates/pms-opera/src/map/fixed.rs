//! Fixed-layout dates and date-times (`2026-03-10`, `2026-03-10T14:30:00`)
//! read digit by digit. OWS sends these layouts almost always, and chrono's
//! `parse_from_str` re-reads its format string on every call, which made date
//! parsing a large share of mapping a reservation. Anything else (fractions,
//! offsets other than `Z`, leap seconds, out-of-range fields) answers `None`
//! and the caller falls back to chrono, so results never differ.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// `YYYY-MM-DD`, exactly.
pub(super) fn date(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = number(&b[0..4])?;
    let month = number(&b[5..7])?;
    let day = number(&b[8..10])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `YYYY-MM-DDTHH:MM:SS`, exactly (seconds 00–59).
pub(super) fn date_time(raw: &str) -> Option<NaiveDateTime> {
    let b = raw.as_bytes();
    if b.len() != 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = date(raw.get(..10)?)?;
    let hour = number(&b[11..13])?;
    let minute = number(&b[14..16])?;
    let second = number(&b[17..19])?;
    // chrono reads `60` as a leap second; leave that to chrono.
    if second > 59 {
        return None;
    }
    Some(date.and_time(NaiveTime::from_hms_opt(hour, minute, second)?))
}

fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let digit = u32::from(d.checked_sub(b'0').filter(|v| *v <= 9)?);
        n.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_layouts_read_as_chrono_reads_them_and_the_rest_is_left_to_chrono() {
        for raw in ["2026-03-10", "0001-01-01", "2024-02-29", "9999-12-31"] {
            assert_eq!(
                date(raw),
                NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok(),
                "{raw}"
            );
        }
        for raw in [
            "2026-02-30",
            "2026-13-01",
            "2026-3-10",
            "2026/03/10",
            "+2026-03-1",
            "2026-03-1x",
        ] {
            assert_eq!(date(raw), None, "{raw}");
        }
        for raw in [
            "2026-02-01T09:15:00",
            "2026-12-31T23:59:59",
            "2026-01-01T00:00:00",
        ] {
            let chrono = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").ok();
            assert_eq!(date_time(raw), chrono, "{raw}");
        }
        for raw in [
            "2026-02-01T24:00:00",
            "2026-02-01T09:15:60",
            "2026-02-01 09:15:00",
            "2026-02-01T09:15:00.5",
            "2026-02-01T09:15:00Z",
        ] {
            assert_eq!(date_time(raw), None, "{raw}");
        }
    }
}
