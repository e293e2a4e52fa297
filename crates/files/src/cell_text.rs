//! Spreadsheet cell values as the text a clerk sees in Excel.
//!
//! The reader hands out text only, so numbers must come out the way Excel shows them in
//! a General cell: `370202`, not `370202.0`; and a number too long to be exact (an
//! 18-digit credit code typed into a number cell) in scientific notation with 15
//! significant digits, `9.11000001000013E+17`, so the caller can see that digits were
//! lost rather than receive a plausible-looking wrong code.

use std::fmt::Write;

use calamine::{DataRef, ExcelDateTime};

/// Appends the display text of `value` to `out`.
pub(crate) fn push_cell_text(value: &DataRef<'_>, out: &mut String) {
    match value {
        DataRef::Empty => {}
        DataRef::String(s) => out.push_str(s),
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::Int(i) => {
            let _ = write!(out, "{i}");
        }
        DataRef::Float(f) => push_general_number(*f, out),
        DataRef::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => push_datetime(dt, out),
        DataRef::DateTimeIso(s) => push_iso_datetime(s, out),
        DataRef::DurationIso(s) => out.push_str(s),
        DataRef::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

/// Excel's General format at full (15-digit) precision, i.e. C's `%.15G` with Excel's
/// exponent style: integers below 1e15 in full, otherwise 15 significant digits,
/// scientific when the exponent is below -4 or at least 15.
pub(crate) fn push_general_number(f: f64, out: &mut String) {
    if !f.is_finite() {
        let _ = write!(out, "{f}");
        return;
    }
    if f == 0.0 {
        out.push('0');
        return;
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: every integer below 2^53 is representable, and 1e15 < 2^53.
        let _ = write!(out, "{}", f as i64);
        return;
    }
    // Round to 15 significant digits; the formatter rounds correctly, and the exponent
    // is read back from its output because rounding can carry into it (9.99…e14).
    let mut sci = String::with_capacity(24);
    let _ = write!(sci, "{:.14e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };

    if f < 0.0 {
        out.push('-');
    }
    if !(-4..15).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "E{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    }
}

fn push_datetime(dt: &ExcelDateTime, out: &mut String) {
    if dt.is_duration() {
        // Durations as Excel's [h]:mm:ss.
        let secs = (dt.as_f64() * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.unsigned_abs();
        let _ = write!(
            out,
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        return;
    }
    let (y, m, d, hh, mm, ss, _ms) = dt.to_ymd_hms_milli();
    let has_time = (hh, mm, ss) != (0, 0, 0);
    if dt.as_f64() < 1.0 && dt.as_f64() >= 0.0 && has_time {
        // A time of day without a date.
        let _ = write!(out, "{hh:02}:{mm:02}:{ss:02}");
        return;
    }
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
    if has_time {
        let _ = write!(out, " {hh:02}:{mm:02}:{ss:02}");
    }
}

fn push_iso_datetime(s: &str, out: &mut String) {
    match s.split_once('T') {
        Some((date, time)) => {
            out.push_str(date);
            // Midnight means a plain date, as it does for serial dates.
            if !time
                .trim_start_matches(['0', ':', '.'])
                .trim_end_matches('Z')
                .is_empty()
            {
                out.push(' ');
                out.push_str(time);
            }
        }
        None => out.push_str(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    fn general(f: f64) -> String {
        let mut s = String::new();
        push_general_number(f, &mut s);
        s
    }

    #[test]
    fn numbers_like_excel_general() {
        assert_eq!(general(370202.0), "370202");
        assert_eq!(general(-5.0), "-5");
        assert_eq!(general(0.0), "0");
        assert_eq!(general(-0.0), "0");
        assert_eq!(general(123456789012345.0), "123456789012345");
        assert_eq!(general(1e15), "1E+15");
        assert_eq!(general(911000001000013000.0), "9.11000001000013E+17");
        assert_eq!(general(911000001000013456.0), "9.11000001000013E+17");
        assert_eq!(general(0.1 + 0.2), "0.3");
        assert_eq!(general(123.456), "123.456");
        assert_eq!(general(-1.5), "-1.5");
        assert_eq!(general(0.0001), "0.0001");
        assert_eq!(general(0.00001), "1E-05");
        assert_eq!(general(1.23e-7), "1.23E-07");
        assert_eq!(general(1e100), "1E+100");
        assert_eq!(general(999999999999999.9), "1E+15");
        assert_eq!(general(12.5e14), "1.25E+15");
    }

    #[test]
    fn other_values() {
        let text = |v: DataRef<'_>| {
            let mut s = String::new();
            push_cell_text(&v, &mut s);
            s
        };
        assert_eq!(text(DataRef::Bool(true)), "TRUE");
        assert_eq!(text(DataRef::Error(calamine::CellErrorType::NA)), "#N/A");
        assert_eq!(
            text(DataRef::DateTime(ExcelDateTime::new(
                45943.0,
                ExcelDateTimeType::DateTime,
                false
            ))),
            "2025-10-13"
        );
        assert_eq!(
            text(DataRef::DateTime(ExcelDateTime::new(
                45943.5,
                ExcelDateTimeType::DateTime,
                false
            ))),
            "2025-10-13 12:00:00"
        );
        assert_eq!(
            text(DataRef::DateTime(ExcelDateTime::new(
                0.75,
                ExcelDateTimeType::DateTime,
                false
            ))),
            "18:00:00"
        );
        assert_eq!(
            text(DataRef::DateTime(ExcelDateTime::new(
                1.5,
                ExcelDateTimeType::TimeDelta,
                false
            ))),
            "36:00:00"
        );
        assert_eq!(
            text(DataRef::DateTimeIso("2024-01-02T00:00:00".into())),
            "2024-01-02"
        );
        assert_eq!(
            text(DataRef::DateTimeIso("2024-01-02T08:30:00".into())),
            "2024-01-02 08:30:00"
        );
    }
}
