//! The two date forms the indicators read: RFC 3339 date-times (as `chrono`'s
//! `DateTime::parse_from_rfc3339`, which Cardinal uses, accepts them) and `YYYY-MM-DD` days.

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` if `text` is not an RFC 3339 date-time:
/// `YYYY-MM-DD`, `T` (or `t` or a space), `HH:MM:SS`, an optional fraction, then `Z` (or `z`) or
/// `±HH:MM`.
pub fn parse_rfc3339(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return None;
    }
    let days = parse_date(text.get(..10)?)?;
    if !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let hour = two_digits(bytes, 11)?;
    let minute = two_digits(bytes, 14)?;
    let second = two_digits(bytes, 17)?;
    if bytes[13] != b':' || bytes[16] != b':' || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut nanos: i128 = 0;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            if at - start < 9 {
                nanos = nanos * 10 + i128::from(bytes[at] - b'0');
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset_seconds: i64 = match bytes.get(at)? {
        b'Z' | b'z' if at + 1 == bytes.len() => 0,
        sign @ (b'+' | b'-') if at + 6 == bytes.len() && bytes[at + 3] == b':' => {
            let hours = two_digits(bytes, at + 1)?;
            let minutes = two_digits(bytes, at + 4)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours) * 3600 + i64::from(minutes) * 60;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let seconds = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + nanos)
}

/// Whole days between two RFC 3339 date-times, truncated toward zero (as chrono's
/// `TimeDelta::num_days`).
pub fn whole_days_between(start: i128, end: i128) -> i64 {
    ((end - start) / 86_400_000_000_000) as i64
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` day, or `None` if it is not one (or does not exist).
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i64::from(two_digits(bytes, 0)?) * 100 + i64::from(two_digits(bytes, 2)?);
    let month = two_digits(bytes, 5)?;
    let day = two_digits(bytes, 8)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The day (`YYYY-MM-DD`) a date or date-time falls on, as written (its own offset, not UTC).
pub fn day_of(text: &str) -> Option<i64> {
    let day = parse_date(text.get(..10)?)?;
    if text.len() == 10 || parse_rfc3339(text).is_some() {
        Some(day)
    } else {
        None
    }
}

fn two_digits(bytes: &[u8], at: usize) -> Option<u32> {
    let tens = *bytes.get(at)?;
    let units = *bytes.get(at + 1)?;
    if tens.is_ascii_digit() && units.is_ascii_digit() {
        Some(u32::from(tens - b'0') * 10 + u32::from(units - b'0'))
    } else {
        None
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1969-12-31t19:00:00-05:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01 00:00:01.5Z"), Some(1_500_000_000));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z").unwrap() / 1_000_000_000, 951_868_800);
    }

    #[test]
    fn refuses_what_chrono_refuses() {
        for text in [
            "invalid",
            "2000-01-01",
            "2000-01-01T00:00:00",
            "2000-02-30T00:00:00Z",
            "2000-01-01T24:00:00Z",
            "2000-01-01T00:00:00+0100",
            "2000-01-01T00:00:00.Z",
            "2000-01-01T00:00:00Zjunk",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn whole_days_truncate_toward_zero() {
        let start = parse_rfc3339("2000-01-01T18:00:00Z").unwrap();
        let almost = parse_rfc3339("2000-01-16T17:59:59Z").unwrap();
        let exact = parse_rfc3339("2000-01-16T18:00:00Z").unwrap();
        assert_eq!(whole_days_between(start, almost), 14);
        assert_eq!(whole_days_between(start, exact), 15);
        assert_eq!(whole_days_between(almost, start), -14);
    }

    #[test]
    fn days() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(day_of("2024-02-29T23:00:00-05:00"), Some(19_782));
        assert_eq!(day_of("2024-02-29"), Some(19_782));
        assert_eq!(day_of("2024-02-29Tnonsense"), None);
    }
}
