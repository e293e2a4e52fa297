//! The values questionnaire answers take once normalised, and that expressions compute with:
//! exact decimals (never `f64`: amounts are money), calendar dates, strings and code lists.

use std::fmt;

/// A decimal with exactly two fractional digits, held as hundredths: amounts in 万元 are
/// entered to the hundredth (100 yuan), rates in percent to the hundredth, integers are
/// whole hundredths. Exact, so `10.1 + 0.2` problems never reach a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub i64);

/// The largest magnitude accepted, in hundredths: far above any real amount (10^14 万元),
/// and far enough below `i64::MAX` that nothing computed from it overflows.
const DEC_LIMIT: i64 = 10_i64.pow(16);

impl Dec {
    /// A whole number.
    pub fn from_int(n: i64) -> Option<Dec> {
        n.checked_mul(100).filter(|h| h.abs() <= DEC_LIMIT).map(Dec)
    }

    /// Parses `12`, `-3`, `12.5`, `12.34`. No exponent, no `+`, no thousands separators, at
    /// most two decimals: `None` otherwise (callers say which rule was broken).
    pub fn parse(raw: &str) -> Option<Dec> {
        let (negative, body) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 15 || !digits(int) || !digits(frac) || frac.len() > 2 {
            return None;
        }
        if body.contains('.') && frac.is_empty() {
            return None;
        }
        let whole: i64 = int.parse().ok()?;
        let mut cents: i64 = frac.parse().unwrap_or(0);
        if frac.len() == 1 {
            cents *= 10;
        }
        let magnitude = whole.checked_mul(100)?.checked_add(cents)?;
        (magnitude <= DEC_LIMIT).then_some(Dec(if negative { -magnitude } else { magnitude }))
    }

    /// Whether the value has no fractional part.
    pub fn is_whole(self) -> bool {
        self.0 % 100 == 0
    }

    /// The same number with exactly two decimals, `12.50`: the stored form of amounts.
    pub fn to_fixed2(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let m = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", m / 100, m % 100)
    }
}

/// The shortest form that [`Dec::parse`] reads back: `12`, `12.5`, `-0.05`.
impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let m = self.0.unsigned_abs();
        let (whole, cents) = (m / 100, m % 100);
        match cents {
            0 => write!(f, "{sign}{whole}"),
            c if c % 10 == 0 => write!(f, "{sign}{whole}.{}", c / 10),
            c => write!(f, "{sign}{whole}.{c:02}"),
        }
    }
}

/// A calendar date (proleptic Gregorian), years 1900–2999: questionnaires ask about visit
/// and disbursement dates, nothing older or stranger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1900..=2999).contains(&year) && (1..=days).contains(&day)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// Exactly `YYYY-MM-DD` (the form an HTML date input sends).
    pub fn parse_iso(raw: &str) -> Option<Date> {
        let b = raw.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &str| -> Option<u16> {
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let year = num(raw.get(0..4)?)?;
        let month = u8::try_from(num(raw.get(5..7)?)?).ok()?;
        let day = u8::try_from(num(raw.get(8..10)?)?).ok()?;
        Date::from_ymd(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A normalised answer, or what an expression computes. Dates, regions and industries are
/// strings in their canonical form (ISO dates compare correctly as strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Unanswered, or the question is hidden.
    Null,
    Bool(bool),
    Num(Dec),
    Str(String),
    /// The codes chosen in a multiple-choice question, in definition order.
    List(Vec<String>),
}

impl Value {
    /// The stored JSON form: whole numbers as JSON integers, other decimals as strings with
    /// two decimals (JSON numbers are read as `f64` by many clients), lists as arrays.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Num(d) if d.is_whole() => J::from(d.0 / 100),
            Value::Num(d) => J::String(d.to_fixed2()),
            Value::Str(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().cloned().map(J::String).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(Dec::parse("12"), Some(Dec(1200)));
        assert_eq!(Dec::parse("12.5"), Some(Dec(1250)));
        assert_eq!(Dec::parse("-0.05"), Some(Dec(-5)));
        for bad in [
            "", "-", "1.", ".5", "1.234", "1e3", "+1", "1,000", " 1", "0x10", "１",
        ] {
            assert_eq!(Dec::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Dec(-5).to_string(), "-0.05");
        assert_eq!(Dec(1250).to_fixed2(), "12.50");
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert!(Date::parse_iso("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-00-10",
        ] {
            assert_eq!(Date::parse_iso(bad), None, "{bad}");
        }
        let d = Date::parse_iso("2020-03-05").unwrap();
        assert_eq!(d.to_string(), "2020-03-05");
        assert!(Date::parse_iso("2019-12-31").unwrap() < d);
    }

    proptest! {
        #[test]
        fn decimal_display_round_trips(h in -DEC_LIMIT..=DEC_LIMIT) {
            prop_assert_eq!(Dec::parse(&Dec(h).to_string()), Some(Dec(h)));
            prop_assert_eq!(Dec::parse(&Dec(h).to_fixed2()), Some(Dec(h)));
        }
    }
}
