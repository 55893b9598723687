//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// Parses a `Retry-After` value as delay-seconds or an HTTP-date (the
/// IMF-fixdate, RFC 850 and asctime forms of RFC 9110 §5.6.7), measured
/// against `now` (the transport's injected clock, so tests in virtual time
/// read dates right). A date in the past means "now" (zero); anything else
/// (a negative number, words) is `None`: the header is ignored, not guessed.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time".
        return Some(value.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let when: SystemTime = httpdate::parse_http_date(value).ok()?;
    let when: DateTime<Utc> = when.into();
    Some(when.signed_duration_since(now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap()
    }

    #[test]
    fn delay_seconds() {
        assert_eq!(parse_retry_after("17", now()), Some(Duration::from_secs(17)));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::MAX)
        );
    }

    #[test]
    fn every_http_date_form_is_measured_on_the_given_clock() {
        let thirty = Some(Duration::from_secs(30));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now()), thirty);
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now()),
            thirty
        );
        assert_eq!(parse_retry_after("Wed Oct 21 07:28:30 2015", now()), thirty);
    }

    #[test]
    fn a_past_date_is_now() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn anything_else_is_ignored() {
        for value in ["soon", "-5", "1.5", "", "Wed, 21 Oct 2015"] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }
}
