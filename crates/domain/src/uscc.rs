//! Unified social credit code (统一社会信用代码, GB 32100-2015): the key of every enterprise
//! on the campaign list, parsed from whatever a clerk's spreadsheet made of it (DOMAIN §2).

use std::fmt;

use crate::text::normalize_code_cow;

/// The 31 characters a code may contain, in value order 0–30 (no I, O, Z, S, V).
pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17 for the position-18 check: 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the 8 body characters of an organisation code (GB 11714).
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

const LENGTH: usize = 18;

/// A unified social credit code whose characters and position-18 check are valid.
///
/// The only ways in are [`Uscc::parse`] and [`Uscc::from_first17`], so holding one means the
/// code is well formed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc([u8; 18]);

/// The result of parsing: the code, plus whether its embedded organisation code passed its
/// own check. An organisation-code failure is a warning only — the enterprise stays on the list
/// and the bureau is asked to verify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParsedUscc {
    /// The validated code.
    pub code: Uscc,
    /// Whether positions 9–17 pass the GB 11714 check.
    pub org_code_valid: bool,
}

/// Why a cell could not be read as a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// The cell is blank.
    #[error("统一社会信用代码为空")]
    Empty,
    /// Excel stored the code as a number and dropped its trailing digits; we never guess them.
    #[error(
        "统一社会信用代码被 Excel 当作数字保存，末尾数字已丢失（表中为 {raw}）：请把该列设为文本后重新导出"
    )]
    LostDigits {
        /// The cell as it arrived (trimmed).
        raw: String,
    },
    /// Not 18 characters after normalisation.
    #[error("统一社会信用代码应为 18 位，实为 {len} 位")]
    WrongLength {
        /// Number of characters found.
        len: usize,
    },
    /// A character outside the 31-character set.
    #[error(
        "统一社会信用代码第{position}位字符“{ch}”无效：只能是数字或除 I、O、Z、S、V 以外的大写字母"
    )]
    BadChar {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// Position 18 does not match positions 1–17 (most likely a typo).
    #[error("统一社会信用代码第18位校验码错误：应为 {expected}，实为 {found}")]
    CheckChar {
        /// The check character positions 1–17 call for.
        expected: char,
        /// The character actually at position 18.
        found: char,
    },
}

impl Uscc {
    /// Normalises a cell (trim, full-width to half-width, upper case) and validates it.
    pub fn parse(raw: &str) -> Result<ParsedUscc, UsccError> {
        let code = normalize_code_cow(raw);
        if code.is_empty() {
            return Err(UsccError::Empty);
        }
        let bytes = match charset_bytes::<LENGTH>(&code) {
            // 18 characters of the set hold neither `+` nor `.`: no spreadsheet number.
            Some(bytes) => bytes,
            None => {
                if excel_number_form(&code).is_some() {
                    return Err(lost_digits(raw));
                }
                checked_chars::<LENGTH>(&code)?
            }
        };
        let expected = check_char(&bytes[..17]);
        if expected != Some(bytes[17]) {
            if looks_truncated_by_excel(&bytes) {
                return Err(lost_digits(raw));
            }
            return Err(UsccError::CheckChar {
                // Always Some: checked_chars admitted only CHARSET bytes.
                expected: expected.map_or('?', char::from),
                found: char::from(bytes[17]),
            });
        }
        let code = Uscc(bytes);
        Ok(ParsedUscc {
            code,
            org_code_valid: code.has_valid_org_code(),
        })
    }

    /// Builds a code from its first 17 characters by appending the right check character
    /// (for generators and fixtures). No normalisation: the input must already be upper-case
    /// ASCII from [`CHARSET`]. A wrong length is reported as the length of the code it would
    /// give (input + 1), so the error message stays true.
    pub fn from_first17(first17: &str) -> Result<Uscc, UsccError> {
        if first17.is_empty() {
            return Err(UsccError::Empty);
        }
        let body = checked_chars::<17>(first17).map_err(|err| match err {
            UsccError::WrongLength { len } => UsccError::WrongLength { len: len + 1 },
            other => other,
        })?;
        // Always Some: checked_chars admitted only CHARSET bytes.
        let check = check_char(&body).unwrap_or(b'0');
        let mut bytes = [0u8; LENGTH];
        bytes[..17].copy_from_slice(&body);
        bytes[17] = check;
        Ok(Uscc(bytes))
    }

    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        // Construction admits only CHARSET bytes, which are ASCII.
        std::str::from_utf8(&self.0).expect("a Uscc holds ASCII only")
    }

    /// Position 1: the registration authority (`9` = market regulation, `5` = civil affairs …).
    pub fn registration_authority(&self) -> char {
        char::from(self.0[0])
    }

    /// Position 2: the category within the authority (under `9`: `1` enterprise, `2`
    /// individual business, `3` farmers' cooperative).
    pub fn category(&self) -> char {
        char::from(self.0[1])
    }

    /// Positions 3–8: the region code of the registering authority. May be `100000` or an
    /// abolished district, so callers must not reject it against the current region list.
    pub fn region_part(&self) -> &str {
        &self.as_str()[2..8]
    }

    /// Positions 9–17: the organisation code (GB 11714), 8 body characters + 1 check.
    pub fn org_code(&self) -> &str {
        &self.as_str()[8..17]
    }

    /// Whether positions 9–17 pass the GB 11714 check.
    pub fn has_valid_org_code(&self) -> bool {
        org_code_check_char(&self.0[8..16]) == Some(self.0[16])
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Uscc").field(&self.as_str()).finish()
    }
}

impl serde::Serialize for Uscc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Uscc {
    /// Deserialises through [`Uscc::parse`]; an organisation-code warning is not an error here.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
        Uscc::parse(&raw)
            .map(|parsed| parsed.code)
            .map_err(serde::de::Error::custom)
    }
}

/// The position-18 check character for positions 1–17. `None` if `first17` is not 17
/// characters long or holds a character outside [`CHARSET`].
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != WEIGHTS.len() {
        return None;
    }
    let mut sum = 0u32;
    for (&c, &weight) in first17.iter().zip(&WEIGHTS) {
        sum += charset_value(c)? * weight;
    }
    Some(CHARSET[((31 - sum % 31) % 31) as usize])
}

/// The GB 11714 organisation-code check character (`0`–`9` or `X`) for an 8-character body.
/// `None` if the body is not 8 characters of `0`–`9`/`A`–`Z`.
pub fn org_code_check_char(body8: &[u8]) -> Option<u8> {
    if body8.len() != ORG_CODE_WEIGHTS.len() {
        return None;
    }
    let mut sum = 0u32;
    for (&c, &weight) in body8.iter().zip(&ORG_CODE_WEIGHTS) {
        sum += org_code_value(c)? * weight;
    }
    match 11 - sum % 11 {
        10 => Some(b'X'),
        11 => Some(b'0'),
        digit => Some(b'0' + digit as u8),
    }
}

/// Value 0–30 of a character in the 31-character set.
fn charset_value(c: u8) -> Option<u32> {
    // A table rather than a search of CHARSET: every code costs 34 of these.
    match CHARSET_VALUES[usize::from(c)] {
        NOT_IN_CHARSET => None,
        v => Some(u32::from(v)),
    }
}

const NOT_IN_CHARSET: u8 = u8::MAX;

/// [`CHARSET`] inverted: each byte's value, or [`NOT_IN_CHARSET`].
const CHARSET_VALUES: [u8; 256] = {
    let mut table = [NOT_IN_CHARSET; 256];
    let mut value = 0;
    while value < CHARSET.len() {
        table[CHARSET[value] as usize] = value as u8;
        value += 1;
    }
    table
};

/// GB 11714 body value: digits 0–9, letters A–Z = 10–35.
fn org_code_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// The bytes of `code` if it is exactly `N` bytes, all from [`CHARSET`].
fn charset_bytes<const N: usize>(code: &str) -> Option<[u8; N]> {
    let bytes = <[u8; N]>::try_from(code.as_bytes()).ok()?;
    bytes
        .iter()
        .all(|&b| charset_value(b).is_some())
        .then_some(bytes)
}

/// Checks the length (in characters, so a stray Chinese character counts as one) and that
/// every character is in [`CHARSET`], returning the bytes.
fn checked_chars<const N: usize>(code: &str) -> Result<[u8; N], UsccError> {
    if let Some(bytes) = charset_bytes(code) {
        return Ok(bytes); // the usual case, without decoding characters
    }
    let len = code.chars().count();
    if len != N {
        return Err(UsccError::WrongLength { len });
    }
    let mut bytes = [0u8; N];
    for (i, ch) in code.chars().enumerate() {
        match u8::try_from(ch)
            .ok()
            .filter(|&b| charset_value(b).is_some())
        {
            Some(b) => bytes[i] = b,
            None => {
                return Err(UsccError::BadChar {
                    position: i + 1,
                    ch,
                });
            }
        }
    }
    Ok(bytes)
}

/// Excel keeps 15 significant digits: an 18-digit code typed into a number cell comes back as
/// its first 15 digits followed by `000`. Such a string that also fails the check is far more
/// likely truncated than mistyped.
fn looks_truncated_by_excel(code: &[u8; LENGTH]) -> bool {
    code.iter().all(u8::is_ascii_digit) && code.ends_with(b"000")
}

fn lost_digits(raw: &str) -> UsccError {
    UsccError::LostDigits {
        raw: raw.trim().to_owned(),
    }
}

/// The shapes a long digit string takes after a spreadsheet stored it as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExcelNumber<'a> {
    /// Scientific notation such as `9.11E+17`: digits beyond the mantissa are gone.
    Scientific,
    /// A decimal such as `370202.0` (written by tools that read the cell as a float).
    Decimal {
        /// The digits before the point.
        integral: &'a str,
        /// Whether every digit after the point is `0` (or there are none).
        fraction_is_zero: bool,
    },
}

/// Recognises a normalised (upper-cased, space-free) cell that is really a spreadsheet number.
/// Scientific notation is only recognised with `E+`, as Excel writes it: a code such as
/// `…100E4` is a legitimate code shape, not a number.
pub(crate) fn excel_number_form(code: &str) -> Option<ExcelNumber<'_>> {
    // Both shapes need a `+` or a `.`; most cells (every valid code) have neither, and
    // searching for "E+" costs far more than this scan.
    if !code.bytes().any(|b| b == b'+' || b == b'.') {
        return None;
    }
    if let Some((mantissa, exponent)) = code.split_once("E+") {
        let mantissa_ok = match mantissa.split_once('.') {
            Some((int, frac)) => is_digits(int) && (frac.is_empty() || is_digits(frac)),
            None => is_digits(mantissa),
        };
        return (mantissa_ok && is_digits(exponent)).then_some(ExcelNumber::Scientific);
    }
    let (integral, fraction) = code.split_once('.')?;
    if !is_digits(integral) || !(fraction.is_empty() || is_digits(fraction)) {
        return None;
    }
    Some(ExcelNumber::Decimal {
        integral,
        fraction_is_zero: fraction.bytes().all(|b| b == b'0'),
    })
}

/// Non-empty and ASCII digits only.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_code;
    use proptest::prelude::*;

    fn parse_ok(raw: &str) -> ParsedUscc {
        match Uscc::parse(raw) {
            Ok(parsed) => parsed,
            Err(err) => panic!("{raw} should parse, got {err:?}"),
        }
    }

    #[test]
    fn standard_worked_example_is_valid() {
        let parsed = parse_ok("91350100M000100Y43");
        assert_eq!(parsed.code.as_str(), "91350100M000100Y43");
        assert!(parsed.org_code_valid);
    }

    #[test]
    fn real_bank_and_company_codes_are_valid() {
        for code in [
            "911000001000013428", // Bank of China
            "9144030010001686XA", // China Merchants Bank
            "91100000100003962T", // ICBC
            "914403001922038216", // Huawei
        ] {
            let parsed = parse_ok(code);
            assert_eq!(parsed.code.as_str(), code);
            assert!(
                parsed.org_code_valid,
                "{code} has a valid organisation code"
            );
        }
    }

    #[test]
    fn char_outside_the_charset_is_reported_with_its_position() {
        assert_eq!(
            Uscc::parse("91350100M000100Y4Z"),
            Err(UsccError::BadChar {
                position: 18,
                ch: 'Z'
            })
        );
        assert_eq!(
            Uscc::parse("9I350100M000100Y43"),
            Err(UsccError::BadChar {
                position: 2,
                ch: 'I'
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y4号"),
            Err(UsccError::BadChar {
                position: 18,
                ch: '号'
            })
        );
    }

    #[test]
    fn wrong_position_18_is_an_error_naming_the_expected_char() {
        assert_eq!(
            Uscc::parse("91110000100003962T"),
            Err(UsccError::CheckChar {
                expected: 'Y',
                found: 'T'
            })
        );
        assert_eq!(
            Uscc::parse("91100000100003962A"),
            Err(UsccError::CheckChar {
                expected: 'T',
                found: 'A'
            })
        );
    }

    #[test]
    fn check_char_of_the_worked_example_is_3() {
        assert_eq!(check_char(b"91350100M000100Y4"), Some(b'3'));
        assert_eq!(check_char(b"91110000100003962"), Some(b'Y'));
        assert_eq!(check_char(b"91350100M000100YI"), None);
        assert_eq!(check_char(b"9135"), None);
    }

    #[test]
    fn bad_org_code_is_only_a_warning() {
        let parsed = parse_ok("91310000631295002H");
        assert_eq!(parsed.code.as_str(), "91310000631295002H");
        assert!(!parsed.org_code_valid);
        assert_eq!(parsed.code.org_code(), "631295002");
        assert_eq!(org_code_check_char(b"63129500"), Some(b'1'));
    }

    #[test]
    fn org_code_check_char_follows_gb_11714() {
        assert_eq!(org_code_check_char(b"M000100Y"), Some(b'4'));
        assert_eq!(org_code_check_char(b"10000134"), Some(b'2'));
        assert_eq!(org_code_check_char(b"10001686"), Some(b'X'));
        assert_eq!(org_code_check_char(b"19220382"), Some(b'1'));
        assert_eq!(org_code_check_char(b"1000134"), None);
        assert_eq!(org_code_check_char(b"m000100y"), None);
    }

    #[test]
    fn parts_are_sliced_by_position() {
        let code = parse_ok("91350100M000100Y43").code;
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.category(), '1');
        assert_eq!(code.region_part(), "350100");
        assert_eq!(code.org_code(), "M000100Y4");
        assert_eq!(code.to_string(), "91350100M000100Y43");
        assert_eq!(format!("{code:?}"), "Uscc(\"91350100M000100Y43\")");
    }

    #[test]
    fn messy_input_is_normalised() {
        let expected = parse_ok("91350100M000100Y43").code;
        for raw in [
            " 91350100m000100y43 ",
            "９１３５０１００Ｍ０００１００Ｙ４３",
            "9135 0100 M000 100Y 43",
            "\u{FEFF}91350100M000100Y43\t",
        ] {
            assert_eq!(parse_ok(raw).code, expected, "{raw:?}");
        }
    }

    #[test]
    fn empty_and_wrong_length() {
        assert_eq!(Uscc::parse(""), Err(UsccError::Empty));
        assert_eq!(Uscc::parse(" \u{3000} "), Err(UsccError::Empty));
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(UsccError::WrongLength { len: 17 })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y433"),
            Err(UsccError::WrongLength { len: 19 })
        );
        // Characters, not bytes.
        assert_eq!(
            Uscc::parse("统一社会信用代码"),
            Err(UsccError::WrongLength { len: 8 })
        );
    }

    #[test]
    fn excel_numbers_are_reported_as_lost_digits() {
        for raw in [
            "9.11E+17",
            "9.11000001000013E+17",
            "9.11e+17",
            "911000001000013000.0",
            "911000001000013000",
            "91100000100001342.8",
        ] {
            assert_eq!(
                Uscc::parse(raw),
                Err(UsccError::LostDigits {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
        assert_eq!(
            Uscc::parse(" 9.11E+17 "),
            Err(UsccError::LostDigits {
                raw: "9.11E+17".to_owned()
            })
        );
    }

    #[test]
    fn trailing_000_that_passes_the_check_is_a_real_code() {
        // 1 code in 31 ending in 000 has 0 as its check char; only failures are suspected.
        assert_eq!(
            parse_ok("911000001000019000").code.as_str(),
            "911000001000019000"
        );
    }

    #[test]
    fn a_code_shape_containing_e_is_not_mistaken_for_a_number() {
        assert_eq!(
            parse_ok("9135010000000100E4").code.as_str(),
            "9135010000000100E4"
        );
    }

    #[test]
    fn from_first17_appends_the_check_char_and_validates() {
        assert_eq!(
            Uscc::from_first17("91350100M000100Y4").map(|c| c.to_string()),
            Ok("91350100M000100Y43".to_owned())
        );
        assert_eq!(
            Uscc::from_first17("91100000100003962").map(|c| c.to_string()),
            Ok("91100000100003962T".to_owned())
        );
        assert_eq!(
            Uscc::from_first17("91350100M000100O4"),
            Err(UsccError::BadChar {
                position: 16,
                ch: 'O'
            })
        );
        assert_eq!(
            Uscc::from_first17("91350100M000100Y"),
            Err(UsccError::WrongLength { len: 17 })
        );
        assert_eq!(Uscc::from_first17(""), Err(UsccError::Empty));
    }

    #[test]
    fn error_messages_are_chinese_and_specific() {
        assert_eq!(
            UsccError::CheckChar {
                expected: 'T',
                found: 'A'
            }
            .to_string(),
            "统一社会信用代码第18位校验码错误：应为 T，实为 A"
        );
        let lost = UsccError::LostDigits {
            raw: "9.11E+17".to_owned(),
        }
        .to_string();
        assert!(lost.contains("被 Excel 当作数字保存") && lost.contains("9.11E+17"));
        assert!(lost.contains("请把该列设为文本后重新导出"));
    }

    #[test]
    fn deserialising_goes_through_parse() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};

        let from = |raw: &'static str| {
            let de: StrDeserializer<'_, Error> = raw.into_deserializer();
            Uscc::deserialize(de).map(|c| c.to_string())
        };
        assert_eq!(
            from(" 91350100m000100y43"),
            Ok("91350100M000100Y43".to_owned())
        );
        assert_eq!(
            from("91310000631295002H"),
            Ok("91310000631295002H".to_owned())
        );
        assert!(from("91100000100003962A").is_err());
    }

    #[test]
    fn excel_number_form_recognises_only_number_shapes() {
        assert_eq!(
            excel_number_form("1.02100099996E+11"),
            Some(ExcelNumber::Scientific)
        );
        assert_eq!(
            excel_number_form("370202.0"),
            Some(ExcelNumber::Decimal {
                integral: "370202",
                fraction_is_zero: true
            })
        );
        assert_eq!(
            excel_number_form("370202.5"),
            Some(ExcelNumber::Decimal {
                integral: "370202",
                fraction_is_zero: false
            })
        );
        assert_eq!(excel_number_form("91350100M000100Y43"), None);
        assert_eq!(excel_number_form("9135010000000100E4"), None);
        assert_eq!(excel_number_form("A.0"), None);
        assert_eq!(excel_number_form("E+17"), None);
    }

    fn first17() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(CHARSET.to_vec()), 17)
            .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
    }

    fn full_width(c: char) -> char {
        char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
    }

    proptest! {
        #[test]
        fn any_generated_code_parses_back(first in first17()) {
            let code = Uscc::from_first17(&first).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&code.as_str()[..17], first.as_str());
            let parsed = Uscc::parse(code.as_str()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed.code, code);
        }

        #[test]
        fn every_single_substitution_is_caught(
            first in first17(),
            position in 0usize..18,
            shift in 1usize..31,
        ) {
            let code = Uscc::from_first17(&first).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut bytes = code.0;
            let old = charset_value(bytes[position]).unwrap_or(0) as usize;
            bytes[position] = CHARSET[(old + shift) % 31];
            // The check itself catches it (31 is prime and no weight is 0 mod 31) …
            prop_assert_ne!(check_char(&bytes[..17]), Some(bytes[17]));
            // … so parsing rejects it, as a typo or as an Excel-truncated number.
            let mutated = std::str::from_utf8(&bytes).unwrap_or_default().to_owned();
            let rejected = matches!(
                Uscc::parse(&mutated),
                Err(UsccError::CheckChar { .. } | UsccError::LostDigits { .. })
            );
            prop_assert!(rejected, "{} was not rejected", mutated);
        }

        #[test]
        fn full_width_lower_case_and_padded_variants_parse_the_same(
            first in first17(),
            styles in proptest::collection::vec(0u8..3, 18),
            pad_left in "[ \u{3000}\t]{0,3}",
            pad_right in "[ \u{3000}\t]{0,3}",
        ) {
            let code = Uscc::from_first17(&first).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let body: String = code
                .as_str()
                .chars()
                .zip(&styles)
                .map(|(c, style)| match style {
                    0 => c.to_ascii_lowercase(),
                    1 => full_width(c),
                    _ => c,
                })
                .collect();
            let raw = format!("{pad_left}{body}{pad_right}");
            let parsed = Uscc::parse(&raw).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed.code, code);
        }
    }

    #[test]
    fn charset_table_inverts_charset() {
        for b in 0..=u8::MAX {
            let searched = CHARSET.iter().position(|&x| x == b).map(|v| v as u32);
            assert_eq!(charset_value(b), searched, "{b}");
        }
    }

    /// The parser as it was before its fast paths (normalising into a `String`, searching
    /// CHARSET, splitting on "E+" first), kept to check that the fast paths change nothing.
    mod reference {
        use super::super::{
            CHARSET, ExcelNumber, LENGTH, ParsedUscc, Uscc, UsccError, WEIGHTS, is_digits,
            looks_truncated_by_excel, lost_digits,
        };
        use crate::text::normalize_code;

        pub fn parse(raw: &str) -> Result<ParsedUscc, UsccError> {
            let code = normalize_code(raw);
            if code.is_empty() {
                return Err(UsccError::Empty);
            }
            if excel_number_form(&code).is_some() {
                return Err(lost_digits(raw));
            }
            let bytes = checked_chars::<LENGTH>(&code)?;
            let expected = check_char(&bytes[..17]);
            if expected != Some(bytes[17]) {
                if looks_truncated_by_excel(&bytes) {
                    return Err(lost_digits(raw));
                }
                return Err(UsccError::CheckChar {
                    expected: expected.map_or('?', char::from),
                    found: char::from(bytes[17]),
                });
            }
            let code = Uscc(bytes);
            Ok(ParsedUscc {
                code,
                org_code_valid: code.has_valid_org_code(),
            })
        }

        fn check_char(first17: &[u8]) -> Option<u8> {
            let mut sum = 0u32;
            for (&c, &weight) in first17.iter().zip(&WEIGHTS) {
                sum += charset_value(c)? * weight;
            }
            Some(CHARSET[((31 - sum % 31) % 31) as usize])
        }

        fn charset_value(c: u8) -> Option<u32> {
            CHARSET.iter().position(|&x| x == c).map(|v| v as u32)
        }

        fn checked_chars<const N: usize>(code: &str) -> Result<[u8; N], UsccError> {
            let len = code.chars().count();
            if len != N {
                return Err(UsccError::WrongLength { len });
            }
            let mut bytes = [0u8; N];
            for (i, ch) in code.chars().enumerate() {
                match u8::try_from(ch)
                    .ok()
                    .filter(|&b| charset_value(b).is_some())
                {
                    Some(b) => bytes[i] = b,
                    None => {
                        return Err(UsccError::BadChar {
                            position: i + 1,
                            ch,
                        });
                    }
                }
            }
            Ok(bytes)
        }

        pub fn excel_number_form(code: &str) -> Option<ExcelNumber<'_>> {
            if let Some((mantissa, exponent)) = code.split_once("E+") {
                let mantissa_ok = match mantissa.split_once('.') {
                    Some((int, frac)) => is_digits(int) && (frac.is_empty() || is_digits(frac)),
                    None => is_digits(mantissa),
                };
                return (mantissa_ok && is_digits(exponent)).then_some(ExcelNumber::Scientific);
            }
            let (integral, fraction) = code.split_once('.')?;
            if !is_digits(integral) || !(fraction.is_empty() || is_digits(fraction)) {
                return None;
            }
            Some(ExcelNumber::Decimal {
                integral,
                fraction_is_zero: fraction.bytes().all(|b| b == b'0'),
            })
        }
    }

    /// Cells a credit-code column holds: valid codes in a clerk's spellings, near misses,
    /// Excel's numbers, and noise.
    fn uscc_cell() -> impl Strategy<Value = String> {
        const NOISE: &[char] = &[
            '0', '1', '9', 'A', 'E', 'H', 'Y', 'I', 'O', 'Z', 'S', 'V', 'a', 'e', 'y', '.', '+',
            '-', ' ', '\t', '\u{3000}', '\u{200B}', '\u{FF10}', '\u{FF21}', '\u{FF45}', '\u{FF0B}',
            '青', 'é',
        ];
        let valid = (
            first17(),
            proptest::collection::vec(0u8..4, 18),
            0usize..19,
            0u8..31,
        )
            .prop_map(|(first, styles, position, shift)| {
                let code = Uscc::from_first17(&first).unwrap_or(Uscc(*b"91350100M000100Y43"));
                let mut bytes = code.0;
                if let Some(b) = bytes.get_mut(position) {
                    let old = charset_value(*b).unwrap_or(0) as usize;
                    *b = CHARSET[(old + usize::from(shift)) % 31];
                }
                bytes
                    .iter()
                    .zip(&styles)
                    .map(|(&b, style)| match style {
                        0 => char::from(b).to_ascii_lowercase(),
                        1 => full_width(char::from(b)),
                        _ => char::from(b),
                    })
                    .collect::<String>()
            });
        prop_oneof![
            valid,
            "[0-9]{15}000",
            "9\\.[0-9]{1,12}E\\+1[0-9]",
            "[0-9]{6,18}\\.[0-9]{0,3}",
            proptest::collection::vec(proptest::sample::select(NOISE), 0..22)
                .prop_map(|cs| cs.into_iter().collect()),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn parse_agrees_with_the_reference(raw in uscc_cell()) {
            prop_assert_eq!(Uscc::parse(&raw), reference::parse(&raw));
            let normalized = normalize_code(&raw);
            prop_assert_eq!(
                excel_number_form(&normalized),
                reference::excel_number_form(&normalized)
            );
        }
    }
}
