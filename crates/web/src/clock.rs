//! Showing stored timestamps (milliseconds since the epoch, UTC) as Beijing time, the time
//! every user of the platform works in.

/// `2026-11-27 23:19:52` in UTC+8.
pub fn beijing(millis: i64) -> String {
    let secs = millis.div_euclid(1000) + 8 * 3600;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The date in China (UTC+8) at `millis`: questionnaires check "not in the future"
/// against it.
pub fn china_date(millis: i64) -> yinqi_domain::questionnaire::Date {
    let days = (millis.div_euclid(1000) + 8 * 3600).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    yinqi_domain::questionnaire::Date::from_ymd(y as u16, m as u8, d as u8)
        .expect("a calendar date from the clock")
}

/// Today in China.
pub fn china_today() -> yinqi_domain::questionnaire::Date {
    china_date(yinqi_store::now_millis())
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::beijing;

    #[test]
    fn known_instants() {
        assert_eq!(beijing(0), "1970-01-01 08:00:00");
        // 2019-11-01 00:00:00 Beijing = 2019-10-31 16:00:00 UTC.
        assert_eq!(beijing(1_572_537_600_000), "2019-11-01 00:00:00");
        assert_eq!(
            beijing(951_782_400_000 - 8 * 3_600_000),
            "2000-02-29 00:00:00"
        );
        assert_eq!(beijing(-1000), "1970-01-01 07:59:59");
    }
}
