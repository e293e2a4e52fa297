//! Calendar days as numbers (days since 1970-01-01) in China time (UTC+8), the calendar
//! every user of the platform works in: daily series, "visited before answering" and "no
//! change for 30 days" compare days, never timestamps.

/// Days since 1970-01-01 (China time). Small enough for every date a campaign meets.
pub type Day = i32;

const MILLIS_PER_DAY: i64 = 86_400_000;
const CHINA_OFFSET_MILLIS: i64 = 8 * 3_600_000;

/// The China-time day of a timestamp in milliseconds since the epoch (UTC).
pub fn of_millis(millis: i64) -> Day {
    (millis + CHINA_OFFSET_MILLIS).div_euclid(MILLIS_PER_DAY) as Day
}

/// The day of a calendar date (proleptic Gregorian; H. Hinnant's `days_from_civil`).
pub fn of_ymd(year: i32, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day.
pub fn ymd(day: Day) -> (i32, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i32::from(m <= 2), m as u32, d as u32)
}

/// `YYYY-MM-DD`, exactly, as questionnaires store dates; `None` for anything else.
pub fn parse_iso(text: &str) -> Option<Day> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |s: &str| -> Option<u32> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let year = digits(text.get(0..4)?)? as i32;
    let month = digits(text.get(5..7)?)?;
    let day = digits(text.get(8..10)?)?;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&day)
        .then(|| of_ymd(year, month, day))
}

/// `YYYY-MM-DD`.
pub fn iso(day: Day) -> String {
    let (y, m, d) = ymd(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(of_ymd(1970, 1, 1), 0);
        assert_eq!(
            of_ymd(2020, 3, 1) - of_ymd(2020, 2, 28),
            2,
            "2020 is a leap year"
        );
        assert_eq!(iso(of_ymd(2019, 11, 1)), "2019-11-01");
        assert_eq!(parse_iso("2020-02-29"), Some(of_ymd(2020, 2, 29)));
        assert_eq!(parse_iso("2019-02-29"), None);
        assert_eq!(parse_iso("2019-13-01"), None);
        assert_eq!(parse_iso("2019-1-01"), None);
    }

    #[test]
    fn china_time_starts_the_day_eight_hours_before_utc() {
        // 2019-11-01 00:00 Beijing = 2019-10-31 16:00 UTC.
        let midnight = 1_572_537_600_000;
        assert_eq!(iso(of_millis(midnight)), "2019-11-01");
        assert_eq!(iso(of_millis(midnight - 1)), "2019-10-31");
    }

    proptest! {
        #[test]
        fn days_and_dates_round_trip(day in -50_000i32..200_000) {
            let (y, m, d) = ymd(day);
            prop_assert_eq!(of_ymd(y, m, d), day);
            if (1000..=9999).contains(&y) {
                prop_assert_eq!(parse_iso(&iso(day)), Some(day));
            }
        }
    }
}
