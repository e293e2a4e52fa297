//! Money amounts and head counts as enterprise lists carry them: 万元 with up to four decimals
//! and employee counts, typed by hand or exported from Excel. Parsed exactly (decimal digits,
//! never through floating point) into whole yuan and whole persons.

use std::borrow::Cow;

use crate::text::normalize_code_cow;

/// An amount of money in whole yuan (元). Input files give 万元 with up to 4 decimals
/// (1 万元 = 10,000 元), so whole yuan hold every such value exactly.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Yuan(pub i64);

/// Yuan in one 万元.
const YUAN_PER_WAN: i64 = 10_000;

/// Decimal places of 万元 that are whole yuan; further places are rounded away.
const WAN_DECIMALS: usize = 4;

/// Yuan per unit of each of those decimals.
const PLACE_VALUES: [i64; WAN_DECIMALS] = [1000, 100, 10, 1];

/// The largest plausible amount: 10^12 万元 (10^16 元). Anything above is a unit or column
/// mistake (yuan typed into a 万元 column, a code pasted into an amount), not a real figure.
const MAX_AMOUNT: Yuan = Yuan(1_000_000_000_000 * YUAN_PER_WAN);

/// The largest plausible head count. The biggest employers in the world have a few million
/// staff, so more than ten million is a column mistake.
const MAX_COUNT: i64 = 10_000_000;

impl Yuan {
    /// Whole 万元 as yuan. Saturates at the `i64` range instead of overflowing (no real amount
    /// comes near it: parsed amounts are capped at 10^12 万元).
    pub fn from_wan(wan: i64) -> Yuan {
        Yuan(wan.saturating_mul(YUAN_PER_WAN))
    }

    /// The amount in 万元 as a decimal string with trailing zeros trimmed: `"123.45"`, `"7"`,
    /// `"0.0001"` — the form the data format uses, so a written-back file reads back equal.
    pub fn to_wan_string(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let yuan = self.0.unsigned_abs();
        let whole = yuan / YUAN_PER_WAN as u64;
        let fraction = yuan % YUAN_PER_WAN as u64;
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{fraction:0width$}", width = WAN_DECIMALS);
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Why a number cell could not be read. `raw` is the cell as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("“{raw}”不是数字")]
    NotANumber { raw: String },
    #[error("“{raw}”是负数，此处不能为负")]
    Negative { raw: String },
    #[error("“{raw}”不是整数，人数须为整数")]
    NotWhole { raw: String },
    #[error("“{raw}”数值大得不合理，请检查是否填错列或单位（金额以万元计）")]
    TooLarge { raw: String },
}

/// Parses a 万元 cell into yuan. Blank → `Ok(None)` (not given, which is not zero).
/// Accepts thousands separators (`"1,234.5"`), full-width digits (`"１２３"`), a trailing
/// 万元 / 万 unit, and any number of decimals: beyond the fourth (below one yuan) the value is
/// rounded half up to the yuan, which absorbs Excel's float noise (`12.345600000000001`).
pub fn parse_wan(raw: &str) -> Result<Option<Yuan>, AmountError> {
    if let Some(yuan) = plain_wan(raw) {
        return Ok(Some(yuan));
    }
    let cleaned = normalize_code_cow(raw);
    if cleaned.is_empty() {
        return Ok(None);
    }
    let number = strip_unit(&cleaned, &["万元", "万"]);
    let decimal = Decimal::parse(number).ok_or_else(|| not_a_number(raw))?;
    if decimal.negative && !decimal.is_zero() {
        return Err(AmountError::Negative {
            raw: raw.to_owned(),
        });
    }
    decimal
        .to_yuan()
        .filter(|yuan| *yuan <= MAX_AMOUNT)
        .map(Some)
        .ok_or_else(|| AmountError::TooLarge {
            raw: raw.to_owned(),
        })
}

/// Parses a head-count cell (从业人员). Blank → `Ok(None)`. Accepts `"12"`, `"1,200"`, a
/// trailing 人, and `"12.0"` (Excel writes whole numbers that way); a fraction that is not
/// zero (`"12.5"`) is an error, not rounded, since a head count with a fraction is a typo.
pub fn parse_count(raw: &str) -> Result<Option<i64>, AmountError> {
    if let Some(count) = plain_count(raw) {
        return Ok(Some(count));
    }
    let cleaned = normalize_code_cow(raw);
    if cleaned.is_empty() {
        return Ok(None);
    }
    let number = strip_unit(&cleaned, &["人"]);
    let decimal = Decimal::parse(number).ok_or_else(|| not_a_number(raw))?;
    if decimal.negative && !decimal.is_zero() {
        return Err(AmountError::Negative {
            raw: raw.to_owned(),
        });
    }
    if !decimal.fraction.bytes().all(|b| b == b'0') {
        return Err(AmountError::NotWhole {
            raw: raw.to_owned(),
        });
    }
    decimal
        .whole_value()
        .filter(|count| *count <= MAX_COUNT)
        .map(Some)
        .ok_or_else(|| AmountError::TooLarge {
            raw: raw.to_owned(),
        })
}

/// Whole digits of a plain amount that [`plain_wan`] reads: 10^12 万元 and more is left to
/// the general path, which knows when an amount is too large.
const PLAIN_WAN_DIGITS: usize = 12;

/// The amount when `raw` is written the way nearly every cell is, `digits[.digits]` with at
/// most 12 whole digits and 4 decimals, read in one pass over the bytes; `None` for
/// anything else (blank, signs, separators, units, spaces, more decimals …), which
/// [`parse_wan`] reads the general way. For such a cell both give the same value: no
/// normalising applies, no rounding is needed, and the amount is below [`MAX_AMOUNT`].
fn plain_wan(raw: &str) -> Option<Yuan> {
    let mut whole = 0i64;
    let mut whole_digits = 0;
    let mut decimals: Option<usize> = None; // after the point: how many so far
    let mut fraction_yuan = 0i64;
    for b in raw.bytes() {
        match (b, decimals) {
            (b'.', None) => decimals = Some(0),
            (b'0'..=b'9', None) if whole_digits < PLAIN_WAN_DIGITS => {
                whole = whole * 10 + i64::from(b - b'0');
                whole_digits += 1;
            }
            (b'0'..=b'9', Some(n)) if n < WAN_DECIMALS => {
                fraction_yuan += i64::from(b - b'0') * PLACE_VALUES[n];
                decimals = Some(n + 1);
            }
            _ => return None,
        }
    }
    if whole_digits + decimals.unwrap_or(0) == 0 {
        return None; // blank, or a lone point
    }
    Some(Yuan(whole * YUAN_PER_WAN + fraction_yuan))
}

/// Digits of a plain head count that [`plain_count`] reads; longer ones go the general way.
const PLAIN_COUNT_DIGITS: usize = 8;

/// The count when `raw` is 1–8 ASCII digits and no more than [`MAX_COUNT`], read in one
/// pass; `None` for anything else, which [`parse_count`] reads the general way.
fn plain_count(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.len() > PLAIN_COUNT_DIGITS {
        return None;
    }
    let mut count = 0i64;
    for b in raw.bytes() {
        count = count * 10 + i64::from(ascii_digit(b)?);
    }
    (count <= MAX_COUNT).then_some(count)
}

fn ascii_digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

fn not_a_number(raw: &str) -> AmountError {
    AmountError::NotANumber {
        raw: raw.to_owned(),
    }
}

/// Removes the first matching unit suffix; units are listed longest first.
fn strip_unit<'a>(cleaned: &'a str, units: &[&str]) -> &'a str {
    units
        .iter()
        .find_map(|unit| cleaned.strip_suffix(unit))
        .unwrap_or(cleaned)
}

/// A plain decimal literal split into its digit strings, so that no value passes through
/// floating point.
#[derive(Debug, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    /// Digits before the point, thousands separators removed (may be empty: `".5"`).
    whole: Cow<'a, str>,
    /// Digits after the point (may be empty).
    fraction: &'a str,
}

impl<'a> Decimal<'a> {
    /// Reads `[+|-]digits[.digits]`, or an accounting negative `(digits)`, from an already
    /// normalised cell (no spaces, half-width). Exponents, `NaN` and `inf` are not numbers here.
    fn parse(text: &'a str) -> Option<Decimal<'a>> {
        let (negative, unsigned) = split_sign(text)?;
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let whole = remove_thousands_separators(whole)?;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(&whole) || !all_digits(fraction) || whole.len() + fraction.len() == 0 {
            return None;
        }
        Some(Decimal {
            negative,
            whole,
            fraction,
        })
    }

    fn is_zero(&self) -> bool {
        self.whole
            .bytes()
            .chain(self.fraction.bytes())
            .all(|b| b == b'0')
    }

    /// The whole part as a number, `None` when it does not fit in `i64`.
    fn whole_value(&self) -> Option<i64> {
        let significant = self.whole.trim_start_matches('0');
        if significant.is_empty() {
            return Some(0);
        }
        significant.parse().ok()
    }

    /// The value read as 万元, in yuan rounded half up; `None` when it does not fit in `i64`.
    fn to_yuan(&self) -> Option<Yuan> {
        let whole_yuan = self.whole_value()?.checked_mul(YUAN_PER_WAN)?;
        // The first four decimals are whole yuan: "5" is 5000, "05" is 500, "1234" is 1234.
        // (`fraction` is ASCII digits only, checked by `parse`.)
        let kept_yuan = self
            .fraction
            .bytes()
            .zip(PLACE_VALUES)
            .map(|(digit, place)| i64::from(digit - b'0') * place)
            .sum::<i64>();
        let round_up = self
            .fraction
            .as_bytes()
            .get(WAN_DECIMALS)
            .is_some_and(|digit| *digit >= b'5');
        whole_yuan
            .checked_add(kept_yuan)?
            .checked_add(i64::from(round_up))
            .map(Yuan)
    }
}

/// Splits off a leading sign; Excel's accounting format shows negatives as `(123)`.
fn split_sign(text: &str) -> Option<(bool, &str)> {
    if let Some(inner) = text.strip_prefix('(') {
        return inner.strip_suffix(')').map(|inner| (true, inner));
    }
    // U+2212 is the typographic minus that word processors substitute for '-'.
    if let Some(rest) = text
        .strip_prefix('-')
        .or_else(|| text.strip_prefix('\u{2212}'))
    {
        return Some((true, rest));
    }
    Some((false, text.strip_prefix('+').unwrap_or(text)))
}

/// Removes thousands separators, insisting on groups of three so that a European decimal
/// comma (`"12,5"`) is refused rather than read as 125.
fn remove_thousands_separators(whole: &str) -> Option<Cow<'_, str>> {
    if !whole.contains(',') {
        return Some(Cow::Borrowed(whole));
    }
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len());
    let mut joined = first.to_owned();
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        joined.push_str(group);
    }
    first_ok.then_some(Cow::Owned(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wan(raw: &str) -> Result<Option<Yuan>, AmountError> {
        parse_wan(raw)
    }

    fn yuan(value: i64) -> Result<Option<Yuan>, AmountError> {
        Ok(Some(Yuan(value)))
    }

    #[test]
    fn from_wan_multiplies_by_ten_thousand() {
        assert_eq!(Yuan::from_wan(0), Yuan(0));
        assert_eq!(Yuan::from_wan(300), Yuan(3_000_000));
        assert_eq!(Yuan::from_wan(i64::MAX), Yuan(i64::MAX));
    }

    #[test]
    fn to_wan_string_trims_trailing_zeros() {
        assert_eq!(Yuan(1_234_500).to_wan_string(), "123.45");
        assert_eq!(Yuan(70_000).to_wan_string(), "7");
        assert_eq!(Yuan(0).to_wan_string(), "0");
        assert_eq!(Yuan(1).to_wan_string(), "0.0001");
        assert_eq!(Yuan(10_010).to_wan_string(), "1.001");
        assert_eq!(Yuan(-15_000).to_wan_string(), "-1.5");
    }

    #[test]
    fn blank_amount_is_not_given() {
        assert_eq!(wan(""), Ok(None));
        assert_eq!(wan("  \u{3000} "), Ok(None));
    }

    #[test]
    fn amount_forms_a_clerk_types() {
        assert_eq!(wan("123"), yuan(1_230_000));
        assert_eq!(wan("1,234.5"), yuan(12_345_000));
        assert_eq!(wan("1，234．5"), yuan(12_345_000));
        assert_eq!(wan("１２３"), yuan(1_230_000));
        assert_eq!(wan(" 12.3456 "), yuan(123_456));
        assert_eq!(wan("0.0001"), yuan(1));
        assert_eq!(wan(".5"), yuan(5_000));
        assert_eq!(wan("5."), yuan(50_000));
        assert_eq!(wan("+8"), yuan(80_000));
        assert_eq!(wan("007"), yuan(70_000));
        assert_eq!(wan("300万元"), yuan(3_000_000));
        assert_eq!(wan("300 万"), yuan(3_000_000));
        assert_eq!(wan("0"), yuan(0));
        assert_eq!(wan("-0"), yuan(0));
    }

    #[test]
    fn amounts_beyond_four_decimals_round_half_up_to_the_yuan() {
        assert_eq!(wan("12.34565"), yuan(123_457));
        assert_eq!(wan("12.34564999"), yuan(123_456));
        assert_eq!(wan("0.00005"), yuan(1));
        assert_eq!(wan("0.00004"), yuan(0));
        assert_eq!(wan("12.345600000000001"), yuan(123_456));
        assert_eq!(wan("0.99995"), yuan(10_000));
    }

    #[test]
    fn negative_amounts_are_refused() {
        let negative = |raw: &str| {
            Err(AmountError::Negative {
                raw: raw.to_owned(),
            })
        };
        assert_eq!(wan("-5"), negative("-5"));
        assert_eq!(wan("－5"), negative("－5"));
        assert_eq!(wan("\u{2212}0.5"), negative("\u{2212}0.5"));
        assert_eq!(wan("(1,000)"), negative("(1,000)"));
    }

    #[test]
    fn text_is_not_an_amount() {
        for raw in [
            "NaN",
            "nan",
            "inf",
            "abc",
            "一百",
            "1.2.3",
            ".",
            "-",
            "1e5",
            "1.5E+3",
            "12,5",
            "1,23,456",
            "1234,567",
            "(12",
            "12元",
            "--5",
            "1,234.5,6",
            "约100",
        ] {
            assert_eq!(
                wan(raw),
                Err(AmountError::NotANumber {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
    }

    #[test]
    fn absurd_amounts_are_too_large() {
        assert_eq!(wan("1000000000000"), yuan(MAX_AMOUNT.0));
        assert_eq!(wan("1,000,000,000,000"), yuan(10_000_000_000_000_000));
        let too_large = |raw: &str| {
            Err(AmountError::TooLarge {
                raw: raw.to_owned(),
            })
        };
        assert_eq!(wan("1000000000000.0001"), too_large("1000000000000.0001"));
        assert_eq!(wan("1000000000001"), too_large("1000000000001"));
        let huge = "9".repeat(40);
        assert_eq!(wan(&huge), too_large(&huge));
    }

    #[test]
    fn counts_accept_excel_whole_numbers() {
        assert_eq!(parse_count(""), Ok(None));
        assert_eq!(parse_count(" "), Ok(None));
        assert_eq!(parse_count("12"), Ok(Some(12)));
        assert_eq!(parse_count("1,200"), Ok(Some(1_200)));
        assert_eq!(parse_count("12.0"), Ok(Some(12)));
        assert_eq!(parse_count("12.000"), Ok(Some(12)));
        assert_eq!(parse_count("１２"), Ok(Some(12)));
        assert_eq!(parse_count("35人"), Ok(Some(35)));
        assert_eq!(parse_count("0"), Ok(Some(0)));
        assert_eq!(parse_count("10000000"), Ok(Some(10_000_000)));
    }

    #[test]
    fn counts_refuse_fractions_negatives_text_and_absurd_values() {
        let raw = |s: &str| s.to_owned();
        assert_eq!(
            parse_count("12.5"),
            Err(AmountError::NotWhole { raw: raw("12.5") })
        );
        assert_eq!(
            parse_count("0.1"),
            Err(AmountError::NotWhole { raw: raw("0.1") })
        );
        assert_eq!(
            parse_count("-3"),
            Err(AmountError::Negative { raw: raw("-3") })
        );
        assert_eq!(
            parse_count("三十"),
            Err(AmountError::NotANumber { raw: raw("三十") })
        );
        assert_eq!(
            parse_count("12万"),
            Err(AmountError::NotANumber { raw: raw("12万") })
        );
        assert_eq!(
            parse_count("10000001"),
            Err(AmountError::TooLarge {
                raw: raw("10000001")
            })
        );
        let huge = "9".repeat(30);
        assert_eq!(
            parse_count(&huge),
            Err(AmountError::TooLarge { raw: huge.clone() })
        );
    }

    #[test]
    fn error_messages_are_chinese_and_quote_the_cell() {
        assert_eq!(wan("abc").unwrap_err().to_string(), "“abc”不是数字");
        assert_eq!(
            parse_count("12.5").unwrap_err().to_string(),
            "“12.5”不是整数，人数须为整数"
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn written_amounts_read_back_equal(value in 0i64..=MAX_AMOUNT.0) {
                let written = Yuan(value).to_wan_string();
                prop_assert_eq!(parse_wan(&written), Ok(Some(Yuan(value))));
            }

            #[test]
            fn grouped_counts_read_as_plain_ones(value in 0i64..=MAX_COUNT) {
                let plain = value.to_string();
                let grouped = group_thousands(&plain);
                prop_assert_eq!(parse_count(&grouped), Ok(Some(value)));
            }
        }

        fn group_thousands(digits: &str) -> String {
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
    }

    /// The parsers as they were before their fast paths (normalising into a `String`,
    /// copying the whole part, formatting the fraction to read it back), to check that the
    /// fast paths change nothing.
    mod reference {
        use super::super::{
            AmountError, MAX_AMOUNT, MAX_COUNT, WAN_DECIMALS, YUAN_PER_WAN, Yuan, not_a_number,
            split_sign, strip_unit,
        };
        use crate::text::normalize_code;

        pub fn parse_wan(raw: &str) -> Result<Option<Yuan>, AmountError> {
            let cleaned = normalize_code(raw);
            if cleaned.is_empty() {
                return Ok(None);
            }
            let number = strip_unit(&cleaned, &["万元", "万"]);
            let decimal = Decimal::parse(number).ok_or_else(|| not_a_number(raw))?;
            if decimal.negative && !decimal.is_zero() {
                return Err(AmountError::Negative {
                    raw: raw.to_owned(),
                });
            }
            decimal
                .to_yuan()
                .filter(|yuan| *yuan <= MAX_AMOUNT)
                .map(Some)
                .ok_or_else(|| AmountError::TooLarge {
                    raw: raw.to_owned(),
                })
        }

        pub fn parse_count(raw: &str) -> Result<Option<i64>, AmountError> {
            let cleaned = normalize_code(raw);
            if cleaned.is_empty() {
                return Ok(None);
            }
            let number = strip_unit(&cleaned, &["人"]);
            let decimal = Decimal::parse(number).ok_or_else(|| not_a_number(raw))?;
            if decimal.negative && !decimal.is_zero() {
                return Err(AmountError::Negative {
                    raw: raw.to_owned(),
                });
            }
            if !decimal.fraction.bytes().all(|b| b == b'0') {
                return Err(AmountError::NotWhole {
                    raw: raw.to_owned(),
                });
            }
            decimal
                .whole_value()
                .filter(|count| *count <= MAX_COUNT)
                .map(Some)
                .ok_or_else(|| AmountError::TooLarge {
                    raw: raw.to_owned(),
                })
        }

        struct Decimal<'a> {
            negative: bool,
            whole: String,
            fraction: &'a str,
        }

        impl<'a> Decimal<'a> {
            fn parse(text: &'a str) -> Option<Decimal<'a>> {
                let (negative, unsigned) = split_sign(text)?;
                let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
                let whole = remove_thousands_separators(whole)?;
                let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                if !all_digits(&whole) || !all_digits(fraction) || whole.len() + fraction.len() == 0
                {
                    return None;
                }
                Some(Decimal {
                    negative,
                    whole,
                    fraction,
                })
            }

            fn is_zero(&self) -> bool {
                self.whole
                    .bytes()
                    .chain(self.fraction.bytes())
                    .all(|b| b == b'0')
            }

            fn whole_value(&self) -> Option<i64> {
                let significant = self.whole.trim_start_matches('0');
                if significant.is_empty() {
                    return Some(0);
                }
                significant.parse().ok()
            }

            fn to_yuan(&self) -> Option<Yuan> {
                let whole_yuan = self.whole_value()?.checked_mul(YUAN_PER_WAN)?;
                let kept = &self.fraction[..self.fraction.len().min(WAN_DECIMALS)];
                let kept_yuan = format!("{kept:0<width$}", width = WAN_DECIMALS)
                    .parse::<i64>()
                    .ok()?;
                let round_up = self
                    .fraction
                    .as_bytes()
                    .get(WAN_DECIMALS)
                    .is_some_and(|digit| *digit >= b'5');
                whole_yuan
                    .checked_add(kept_yuan)?
                    .checked_add(i64::from(round_up))
                    .map(Yuan)
            }
        }

        fn remove_thousands_separators(whole: &str) -> Option<String> {
            if !whole.contains(',') {
                return Some(whole.to_owned());
            }
            let mut groups = whole.split(',');
            let first = groups.next()?;
            let first_ok = (1..=3).contains(&first.len());
            let mut joined = first.to_owned();
            for group in groups {
                if group.len() != 3 {
                    return None;
                }
                joined.push_str(group);
            }
            first_ok.then_some(joined)
        }
    }

    mod agreement {
        use super::super::*;
        use super::reference;
        use proptest::prelude::*;

        #[test]
        fn plain_fast_paths_stop_at_their_limits() {
            for raw in [
                "999999999999.9999",
                "1000000000000",
                "1000000000001",
                "9999999999999.9999",
                "0000000000001.5",
                "1.00005",
                "12.",
                ".5",
                ".",
                "",
                "10000000",
                "10000001",
                "99999999",
                "123456789",
                "1.5.",
                "1..5",
            ] {
                assert_eq!(parse_wan(raw), reference::parse_wan(raw), "{raw}");
                assert_eq!(parse_count(raw), reference::parse_count(raw), "{raw}");
            }
        }

        /// What amount and head-count columns hold: plain and grouped numbers, many
        /// decimals, signs, units, full-width digits, Excel's noise, and anything else.
        fn amount_cell() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9]{1,8}(\\.[0-9]{0,7})?",
                "[+\\-\u{2212}(]?[0-9]{0,4}(,[0-9]{2,4}){0,3}(\\.[0-9]{0,6})?[)]?",
                "[ \u{3000}]?[0-9０-９]{1,5}[.．]?[0-9]{0,5}[ ]?(万元|万|人)?",
                "[0-9]{15,22}(\\.[0-9]{0,9})?",
                "[0-9]{0,14}\\.?[0-9]{0,6}",
                "[0-9]{6,9}",
                "[0-9.,+\\-()eE万元人 ]{0,8}",
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(8192))]

            #[test]
            fn parsers_agree_with_the_reference(raw in amount_cell()) {
                prop_assert_eq!(parse_wan(&raw), reference::parse_wan(&raw));
                prop_assert_eq!(parse_count(&raw), reference::parse_count(&raw));
            }

            #[test]
            fn every_yuan_value_agrees_with_the_reference(value in 0i64..=MAX_AMOUNT.0, extra in "[0-9]{0,4}") {
                let written = format!("{}{extra}", Yuan(value).to_wan_string());
                prop_assert_eq!(parse_wan(&written), reference::parse_wan(&written));
            }
        }
    }
}
