//! Contact phone numbers and masking of contact data (DOMAIN §9, §11).
//!
//! Contact names and phones are personal information: lists and exports show them masked by
//! default, so the masking rules live here next to the parser.

use std::borrow::Cow;
use std::fmt;

use crate::text::{normalize_text, to_half_width};

/// A normalised contact phone number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Phone {
    /// 11 digits, `13812345678`.
    Mobile(String),
    /// Area code, number and optional extension joined by `-`: `0532-88886666`,
    /// `0532-88886666-123`.
    Landline(String),
}

/// Why a cell could not be read as a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Neither an 11-digit mobile nor a landline with area code.
    #[error("联系电话“{raw}”格式错误：应为 11 位手机号或带区号的固定电话（如 0532-88886666）")]
    Malformed {
        /// The cell as it arrived (trimmed).
        raw: String,
    },
}

impl Phone {
    /// The normalised number.
    pub fn as_str(&self) -> &str {
        match self {
            Phone::Mobile(s) | Phone::Landline(s) => s,
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Debug output is masked so that personal data does not leak into logs.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Phone::Mobile(_) => "Mobile",
            Phone::Landline(_) => "Landline",
        };
        f.debug_tuple(kind)
            .field(&mask_phone(self.as_str()))
            .finish()
    }
}

/// Parses a contact phone cell.
///
/// Spaces, `-`, `—`, `–` and parentheses (half- or full-width) are separators. A mobile is
/// `1[3-9]` + 9 digits, optionally after `+86`, `0086` or `86`. A landline is `0` + a 2–3
/// digit area code + a 7–8 digit local number, optionally followed by an extension (after a
/// separator, `转`, `#`, `EXT` or `X`).
pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
    let malformed = || PhoneError::Malformed {
        raw: raw.trim().to_owned(),
    };
    let cleaned: String = raw
        .chars()
        .map(to_half_width)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (main, extension) = split_extension(&cleaned);
    let groups = digit_groups(main).ok_or_else(malformed)?;
    let digits: String = groups.concat();
    // A mobile never has an extension.
    if let (None, Some(mobile)) = (extension, mobile_number(&digits)) {
        return Ok(Phone::Mobile(mobile.to_owned()));
    }
    let extension = match extension {
        Some(ext) => Some(
            digit_groups(ext)
                .map(|g| g.concat())
                .ok_or_else(malformed)?,
        ),
        None => None,
    };
    landline(&groups, extension.as_deref())
        .map(Phone::Landline)
        .ok_or_else(malformed)
}

/// The normalised number of a contact phone cell, as [`parse`] gives it, borrowing from `raw`
/// when `raw` is already written that way (`13812345678`, `0532-88886666`): the list import
/// reads one per row, and [`parse`] builds several strings for each.
pub fn normalize(raw: &str) -> Result<Cow<'_, str>, PhoneError> {
    if is_normal_mobile(raw) || is_normal_landline(raw) {
        return Ok(Cow::Borrowed(raw));
    }
    parse(raw).map(|phone| match phone {
        Phone::Mobile(s) | Phone::Landline(s) => Cow::Owned(s),
    })
}

/// 11 digits starting `1[3-9]`: what [`parse`] returns for it is itself.
fn is_normal_mobile(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && b[1] >= b'3'
}

/// `area-number` with a valid area code and local number and nothing else: [`parse`] reads
/// the two groups as such (their digits start with `0`, so they are not a mobile) and
/// writes them back the same way.
fn is_normal_landline(raw: &str) -> bool {
    raw.split_once('-')
        .is_some_and(|(area, number)| is_area_code(area) && is_local_number(number))
}

/// Splits off an extension introduced by an explicit marker; separators are handled later.
fn split_extension(cleaned: &str) -> (&str, Option<&str>) {
    for marker in ["转", "EXT.", "EXT", "#", "X"] {
        if let Some((main, ext)) = cleaned.split_once(marker) {
            return (main, Some(ext));
        }
    }
    (cleaned, None)
}

/// The runs of digits between separators, or `None` if anything else is in the cell (a
/// second number, a name, a `+` that does not start the cell).
fn digit_groups(s: &str) -> Option<Vec<&str>> {
    let is_separator = |c: char| c.is_whitespace() || matches!(c, '-' | '—' | '–' | '(' | ')');
    let mut groups: Vec<&str> = s.split(is_separator).filter(|g| !g.is_empty()).collect();
    // A leading `+` belongs to a country code (`+86`, `(+86)`).
    if let Some(first) = groups.first_mut() {
        *first = first.strip_prefix('+').unwrap_or(first);
    }
    let all_digits = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    (all_digits && !groups.is_empty()).then_some(groups)
}

/// An 11-digit mainland mobile number, after removing a country-code prefix.
fn mobile_number(digits: &str) -> Option<&str> {
    let is_mobile = |d: &str| {
        let b = d.as_bytes();
        b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
    };
    ["0086", "86", ""]
        .iter()
        .filter_map(|prefix| digits.strip_prefix(prefix))
        .find(|rest| is_mobile(rest))
}

/// Builds `area-number[-extension]` from the digit groups of a landline.
///
/// When the cell is written as `area number extension` with separators, the groups say where
/// the number ends (`0532-2345678-9` is a 7-digit number with extension 9). Otherwise the
/// digits are read as one run whose area code length is implied by its first digits, and the
/// rest must be exactly the local number: without a separator or marker an extension cannot
/// be told apart from the number.
fn landline(groups: &[&str], marked_extension: Option<&str>) -> Option<String> {
    let digits: String = groups.concat();
    let (area, number, trailing) = match groups {
        [area, number, rest @ ..] if is_area_code(area) && is_local_number(number) => {
            (*area, *number, rest.concat())
        }
        _ => {
            // A cell of only an area code ("0532") has nothing after it: not a number.
            let (area, number) = digits.split_at_checked(implied_area_code_len(&digits)?)?;
            (area, number, String::new())
        }
    };
    if !is_area_code(area) || !is_local_number(number) {
        return None;
    }
    let extension = match (trailing.as_str(), marked_extension) {
        ("", None) => None,
        ("", Some(ext)) => Some(ext),
        (trailing, None) => Some(trailing),
        // Digits both after the number and after a marker: ambiguous, so refuse.
        (_, Some(_)) => return None,
    };
    match extension {
        None => Some(format!("{area}-{number}")),
        Some(ext) if is_extension(ext) => Some(format!("{area}-{number}-{ext}")),
        Some(_) => None,
    }
}

/// Length of the area code (with its leading 0) implied by the digits: 3 for Beijing (`010`)
/// and the `02x` cities, 4 for every other area.
fn implied_area_code_len(digits: &str) -> Option<usize> {
    match digits.as_bytes() {
        [b'0', b'1' | b'2', ..] => Some(3),
        [b'0', ..] => Some(4),
        _ => None,
    }
}

/// `0` followed by 2–3 digits, not starting `00` (the international prefix).
fn is_area_code(area: &str) -> bool {
    (3..=4).contains(&area.len())
        && area.starts_with('0')
        && !area.starts_with("00")
        && area.bytes().all(|b| b.is_ascii_digit())
}

/// 7–8 digits; local numbers never start with 0 or 1 (those are trunk and service prefixes).
fn is_local_number(number: &str) -> bool {
    (7..=8).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with(['0', '1'])
}

/// 1–6 digits.
fn is_extension(ext: &str) -> bool {
    (1..=6).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_digit())
}

/// Masks a phone number for display: mobile `138****5678`; landline keeps the area code and
/// the last 2 digits of the number (`0532-****66`, an extension is dropped); anything else
/// has all but its last 2 characters masked (everything, if it is that short).
pub fn mask_phone(p: &str) -> String {
    match parse(p) {
        Ok(Phone::Mobile(m)) => format!("{}****{}", &m[..3], &m[7..]),
        Ok(Phone::Landline(l)) => mask_landline(&l),
        Err(_) => mask_all_but_last_two(p.trim()),
    }
}

fn mask_landline(normalised: &str) -> String {
    let mut parts = normalised.split('-');
    let area = parts.next().unwrap_or_default();
    let number = parts.next().unwrap_or_default();
    let last_two = &number[number.len().saturating_sub(2)..];
    format!("{area}-****{last_two}")
}

fn mask_all_but_last_two(s: &str) -> String {
    let len = s.chars().count();
    if len <= 2 {
        return "*".repeat(len);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + 2 < len { '*' } else { c })
        .collect()
}

/// Masks a person's name for display: the first character is kept and every other character
/// becomes `*` (`张三` → `张*`, `欧阳娜娜` → `欧***`, `ABC Ltd` → `A******`); empty stays empty.
pub fn mask_name(name: &str) -> String {
    let name = normalize_text(name);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mobile(s: &str) -> Result<Phone, PhoneError> {
        Ok(Phone::Mobile(s.to_owned()))
    }

    fn landline_ok(s: &str) -> Result<Phone, PhoneError> {
        Ok(Phone::Landline(s.to_owned()))
    }

    fn malformed(raw: &str) -> Result<Phone, PhoneError> {
        Err(PhoneError::Malformed {
            raw: raw.to_owned(),
        })
    }

    /// Cells that are only an area code, or less, once split past the end of the digits.
    #[test]
    fn a_bare_area_code_is_malformed_not_a_crash() {
        for raw in ["0", "01", "053", "0532", "０５３"] {
            assert!(parse(raw).is_err(), "{raw}");
            // Masking reads the number the same way; it must not crash either.
            assert!(mask_phone(raw).contains('*'), "{raw}");
        }
    }

    #[test]
    fn mobiles_in_their_usual_spellings() {
        for raw in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "008613812345678",
            "8613812345678",
            "(+86)13812345678",
            "１３８１２３４５６７８",
            "138—1234—5678",
        ] {
            assert_eq!(parse(raw), mobile("13812345678"), "{raw:?}");
        }
        assert_eq!(parse("19912345678"), mobile("19912345678"));
    }

    #[test]
    fn invalid_mobiles_are_malformed() {
        for raw in [
            "12812345678",
            "1381234567",
            "138123456789",
            "+87 13812345678",
            "13812345678/13987654321",
        ] {
            assert_eq!(parse(raw), malformed(raw), "{raw:?}");
        }
    }

    #[test]
    fn landlines_are_normalised_with_dashes() {
        for raw in [
            "0532-88886666",
            "0532 88886666",
            "053288886666",
            "(0532)88886666",
            "（0532）88886666",
            "0532-8888-6666",
            "0532—88886666",
        ] {
            assert_eq!(parse(raw), landline_ok("0532-88886666"), "{raw:?}");
        }
        assert_eq!(parse("010-62345678"), landline_ok("010-62345678"));
        assert_eq!(parse("01062345678"), landline_ok("010-62345678"));
        assert_eq!(parse("02167891234"), landline_ok("021-67891234"));
        assert_eq!(parse("0631-5234567"), landline_ok("0631-5234567"));
    }

    #[test]
    fn landline_extensions() {
        assert_eq!(parse("0532-88886666-123"), landline_ok("0532-88886666-123"));
        assert_eq!(
            parse("0532-88886666转123"),
            landline_ok("0532-88886666-123")
        );
        assert_eq!(
            parse("0532-88886666 ext 123"),
            landline_ok("0532-88886666-123")
        );
        assert_eq!(parse("0532-88886666#8"), landline_ok("0532-88886666-8"));
        assert_eq!(parse("0532-2345678-9"), landline_ok("0532-2345678-9"));
        assert_eq!(parse("0532 88886666 123"), landline_ok("0532-88886666-123"));
    }

    #[test]
    fn invalid_landlines_are_malformed() {
        for raw in [
            "88886666",       // no area code
            "0532-888866",    // number too short
            "0532-888866667", // number too long
            "0532-08886666",  // number starts with 0
            "0532-88886666-1234567",
            "0532-88886666转",
            "0532-88886666-12转3",
            "0532-88886666转分机",
            "",
            "  ",
            "无",
        ] {
            assert_eq!(parse(raw), malformed(raw.trim()), "{raw:?}");
        }
    }

    #[test]
    fn error_message_is_chinese() {
        assert_eq!(
            PhoneError::Malformed {
                raw: "88886666".to_owned()
            }
            .to_string(),
            "联系电话“88886666”格式错误：应为 11 位手机号或带区号的固定电话（如 0532-88886666）"
        );
    }

    #[test]
    fn as_str_and_debug_do_not_leak() {
        let phone = parse("138 1234 5678");
        assert_eq!(phone.as_ref().map(Phone::as_str), Ok("13812345678"));
        assert_eq!(
            phone.map(|p| format!("{p:?}")),
            Ok("Mobile(\"138****5678\")".to_owned())
        );
    }

    #[test]
    fn masking_phones() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 138 1234 5678"), "138****5678");
        assert_eq!(mask_phone("0532-88886666"), "0532-****66");
        assert_eq!(mask_phone("0532-88886666-123"), "0532-****66");
        assert_eq!(mask_phone("010-62345678"), "010-****78");
        assert_eq!(mask_phone("88886666"), "******66");
        assert_eq!(mask_phone("电话待补"), "**待补");
        assert_eq!(mask_phone("12"), "**");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn masking_names() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜"), "欧**");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("ABC Ltd"), "A******");
        assert_eq!(mask_name("  张三 "), "张*");
        assert_eq!(mask_name("张"), "张");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("   "), "");
    }

    #[test]
    fn normal_numbers_are_borrowed() {
        assert!(matches!(normalize("13812345678"), Ok(Cow::Borrowed(_))));
        assert!(matches!(normalize("0532-88886666"), Ok(Cow::Borrowed(_))));
        assert!(matches!(normalize("010-62345678"), Ok(Cow::Borrowed(_))));
        assert!(matches!(normalize("0532 88886666"), Ok(Cow::Owned(_))));
        assert!(matches!(normalize("0532-88886666-1"), Ok(Cow::Owned(_))));
        assert_eq!(
            normalize("88886666"),
            malformed("88886666").map(|_| Cow::Borrowed(""))
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn phone_cell() -> impl Strategy<Value = String> {
            prop_oneof![
                "1[0-9]{10}",
                "[0-9]{10,12}",
                "0[0-9]{1,4}-[0-9]{6,9}",
                "0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,7})?",
                "0[0-9]{2,3}-[0-9]{7,8}-",
                "[-0-9]{0,14}",
                "(\\+86|0086|86)?[ ]?1[3-9][0-9]{9}",
                "[0-9 ()（）+#X转ext.—–-]{0,16}",
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(8192))]

            #[test]
            fn normalize_agrees_with_parse(raw in phone_cell()) {
                let parsed = parse(&raw).map(|p| p.as_str().to_owned());
                let normalized = normalize(&raw).map(Cow::into_owned);
                prop_assert_eq!(normalized, parsed);
            }
        }
    }
}
