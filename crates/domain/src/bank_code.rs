//! Payment-system bank codes (支付系统行号 / CNAPS, DOMAIN §7): the 12-digit code of an
//! enterprise's basic deposit account bank, which decides the branch — hence the bank and
//! bureau — the enterprise is assigned to.
//!
//! Layout: 3-digit bank category + 4-digit city code + 4-digit branch serial + 1 check digit.
//! The check digit's algorithm is not published, so it is deliberately *not* validated: a
//! code that is wrong but well formed is caught by the bank registry lookup instead
//! (`bank_unknown`), never by guessing here.

use std::borrow::Cow;
use std::fmt;

use crate::text::normalize_code_cow;
use crate::uscc::{ExcelNumber, excel_number_form};

const LENGTH: usize = 12;

/// A well-formed 12-digit payment-system bank code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankCode([u8; 12]);

/// Why a cell could not be read as a bank code (reason code `bank_code_invalid`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankCodeError {
    /// The cell is blank.
    #[error("开户行行号为空")]
    Empty,
    /// Not 12 digits after normalisation.
    #[error("开户行行号“{raw}”格式错误：应为 12 位数字")]
    NotTwelveDigits {
        /// The cell as it arrived (trimmed).
        raw: String,
    },
    /// Excel turned the code into scientific notation; the digits cannot be trusted.
    #[error(
        "开户行行号被 Excel 当作数字保存，数字可能已丢失（表中为 {raw}）：请把该列设为文本后重新导出"
    )]
    LostDigits {
        /// The cell as it arrived (trimmed).
        raw: String,
    },
}

impl BankCode {
    /// Normalises a cell (full-width, spaces, `-` separators) and checks it is 12 digits.
    ///
    /// `102100099996.0` (a float written back as text) is accepted because its integral part
    /// still has all 12 digits; scientific notation (`1.02100099996E+11`) is `LostDigits`,
    /// because Excel's usual display of it has already dropped digits and we never guess.
    pub fn parse(raw: &str) -> Result<BankCode, BankCodeError> {
        // The usual cell, already 12 digits, needs none of the normalising below.
        if let Ok(bytes) = <[u8; LENGTH]>::try_from(raw.as_bytes())
            && bytes.iter().all(u8::is_ascii_digit)
        {
            return Ok(BankCode(bytes));
        }
        let normalized = normalize_code_cow(raw);
        let normalized = if normalized.contains('-') {
            Cow::Owned(normalized.replace('-', ""))
        } else {
            normalized
        };
        if normalized.is_empty() {
            return Err(BankCodeError::Empty);
        }
        let digits = match excel_number_form(&normalized) {
            Some(ExcelNumber::Scientific) => {
                return Err(BankCodeError::LostDigits {
                    raw: raw.trim().to_owned(),
                });
            }
            Some(ExcelNumber::Decimal {
                integral,
                fraction_is_zero: true,
            }) => integral,
            _ => &normalized,
        };
        match <[u8; LENGTH]>::try_from(digits.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_digit) => Ok(BankCode(bytes)),
            _ => Err(BankCodeError::NotTwelveDigits {
                raw: raw.trim().to_owned(),
            }),
        }
    }

    /// The 12-digit code.
    pub fn as_str(&self) -> &str {
        // Construction admits ASCII digits only.
        std::str::from_utf8(&self.0).expect("a BankCode holds ASCII digits only")
    }

    /// Digits 1–3: the bank category (`102` ICBC, `313` city commercial banks …).
    pub fn category(&self) -> &str {
        &self.as_str()[..3]
    }

    /// Digits 4–7: the payment-system city code.
    pub fn city_code(&self) -> &str {
        &self.as_str()[3..7]
    }

    /// Digits 8–11: the branch serial within bank and city.
    pub fn serial(&self) -> &str {
        &self.as_str()[7..11]
    }

    /// Digit 12: the (unvalidated) check digit.
    pub fn check_digit(&self) -> char {
        char::from(self.0[11])
    }

    /// The name of the bank category, if it is a known one.
    pub fn category_name(&self) -> Option<&'static str> {
        category_name(self.category())
    }
}

impl fmt::Display for BankCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BankCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BankCode").field(&self.as_str()).finish()
    }
}

impl serde::Serialize for BankCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for BankCode {
    /// Deserialises through [`BankCode::parse`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <String as serde::Deserialize>::deserialize(deserializer)?;
        BankCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Bank categories (first 3 digits). Reconstructed from the widely published CNAPS category
/// list, not from an official PBOC text; sorted by code for binary search.
const CATEGORIES: [(&str, &str); 33] = [
    ("001", "中国人民银行"),
    ("102", "中国工商银行"),
    ("103", "中国农业银行"),
    ("104", "中国银行"),
    ("105", "中国建设银行"),
    ("201", "国家开发银行"),
    ("202", "中国进出口银行"),
    ("203", "中国农业发展银行"),
    ("301", "交通银行"),
    ("302", "中信银行"),
    ("303", "中国光大银行"),
    ("304", "华夏银行"),
    ("305", "中国民生银行"),
    ("306", "广发银行"),
    ("307", "平安银行"),
    ("308", "招商银行"),
    ("309", "兴业银行"),
    ("310", "上海浦东发展银行"),
    ("313", "城市商业银行"),
    ("314", "农村商业银行"),
    ("315", "恒丰银行"),
    ("316", "浙商银行"),
    ("317", "农村合作银行"),
    ("318", "渤海银行"),
    ("319", "徽商银行"),
    ("320", "村镇银行"),
    ("321", "重庆三峡银行"),
    ("322", "上海农村商业银行"),
    ("401", "城市信用合作社"),
    ("402", "农村信用合作社"),
    ("403", "中国邮政储蓄银行"),
    ("501", "汇丰银行"),
    ("502", "东亚银行"),
];

/// The name of a bank category (`102` → `中国工商银行`), if it is on the known list.
pub fn category_name(category: &str) -> Option<&'static str> {
    CATEGORIES
        .binary_search_by(|(code, _)| (*code).cmp(category))
        .ok()
        .map(|i| CATEGORIES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Result<String, BankCodeError> {
        BankCode::parse(raw).map(|c| c.to_string())
    }

    #[test]
    fn twelve_digits_are_split_into_parts() {
        let code = BankCode::parse("102100099996");
        let parts = code
            .as_ref()
            .map(|c| (c.category(), c.city_code(), c.serial(), c.check_digit()));
        assert_eq!(parts, Ok(("102", "1000", "9999", '6')));
        assert_eq!(
            code.map(|c| (c.category_name(), format!("{c:?}"))),
            Ok((
                Some("中国工商银行"),
                "BankCode(\"102100099996\")".to_owned()
            ))
        );
    }

    #[test]
    fn spaces_dashes_and_full_width_digits_are_removed() {
        for raw in [
            " 102100099996 ",
            "102-1000-9999-6",
            "１０２１０００９９９９６",
            "102 1000 9999 6",
            "102－1000－9999－6",
        ] {
            assert_eq!(parsed(raw), Ok("102100099996".to_owned()), "{raw:?}");
        }
    }

    #[test]
    fn the_check_digit_is_not_validated() {
        for last in 0..10 {
            let raw = format!("10210009999{last}");
            assert_eq!(parsed(&raw), Ok(raw.clone()));
        }
    }

    #[test]
    fn excel_decimal_with_twelve_integral_digits_is_accepted() {
        assert_eq!(parsed("102100099996.0"), Ok("102100099996".to_owned()));
        assert_eq!(parsed("102100099996.00"), Ok("102100099996".to_owned()));
        assert_eq!(
            parsed("10210009999.0"),
            Err(BankCodeError::NotTwelveDigits {
                raw: "10210009999.0".to_owned()
            })
        );
        assert_eq!(
            parsed("102100099996.5"),
            Err(BankCodeError::NotTwelveDigits {
                raw: "102100099996.5".to_owned()
            })
        );
    }

    #[test]
    fn scientific_notation_is_lost_digits() {
        for raw in ["1.02100099996E+11", "1.021E+11", "1.02100099996e+11"] {
            assert_eq!(
                parsed(raw),
                Err(BankCodeError::LostDigits {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
    }

    #[test]
    fn blank_and_malformed_are_rejected() {
        assert_eq!(parsed(""), Err(BankCodeError::Empty));
        assert_eq!(parsed(" - "), Err(BankCodeError::Empty));
        for raw in [
            "10210009999",
            "1021000999961",
            "10210009999A",
            "中国工商银行",
            "１０２",
        ] {
            assert_eq!(
                parsed(raw),
                Err(BankCodeError::NotTwelveDigits {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
        assert_eq!(
            BankCodeError::NotTwelveDigits {
                raw: "10210009999".to_owned()
            }
            .to_string(),
            "开户行行号“10210009999”格式错误：应为 12 位数字"
        );
    }

    #[test]
    fn category_names_of_the_well_known_banks() {
        let expected = [
            ("102", "中国工商银行"),
            ("103", "中国农业银行"),
            ("104", "中国银行"),
            ("105", "中国建设银行"),
            ("301", "交通银行"),
            ("308", "招商银行"),
            ("313", "城市商业银行"),
            ("314", "农村商业银行"),
            ("402", "农村信用合作社"),
            ("403", "中国邮政储蓄银行"),
            ("201", "国家开发银行"),
        ];
        for (code, name) in expected {
            assert_eq!(category_name(code), Some(name), "{code}");
        }
        assert_eq!(category_name("999"), None);
        assert_eq!(category_name("10"), None);
        assert!(CATEGORIES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}

/// The kinds of banking institution a registry row may name (机构类型), as the registry
/// file writes them.
pub const INSTITUTION_TYPES: [&str; 10] = [
    "国有大型银行",
    "股份制银行",
    "城市商业银行",
    "农村商业银行",
    "农村信用社",
    "村镇银行",
    "民营银行",
    "外资银行",
    "政策性银行",
    "其他",
];

/// The institution type named by `raw` (surrounding spaces ignored), if it is one of
/// [`INSTITUTION_TYPES`].
pub fn parse_institution_type(raw: &str) -> Option<&'static str> {
    let wanted = crate::text::normalize_text(raw);
    INSTITUTION_TYPES.iter().copied().find(|t| *t == wanted)
}

#[cfg(test)]
mod institution_tests {
    use super::*;

    #[test]
    fn institution_types_are_matched_exactly() {
        assert_eq!(
            parse_institution_type(" 城市商业银行 "),
            Some("城市商业银行")
        );
        assert_eq!(parse_institution_type("城商行"), None);
        assert_eq!(parse_institution_type(""), None);
    }

    mod properties {
        use super::super::*;
        use crate::text::normalize_code;
        use proptest::prelude::*;

        /// `BankCode::parse` as it was before normalising without allocating.
        fn reference_parse(raw: &str) -> Result<BankCode, BankCodeError> {
            let normalized: String = normalize_code(raw).replace('-', "");
            if normalized.is_empty() {
                return Err(BankCodeError::Empty);
            }
            let digits = match excel_number_form(&normalized) {
                Some(ExcelNumber::Scientific) => {
                    return Err(BankCodeError::LostDigits {
                        raw: raw.trim().to_owned(),
                    });
                }
                Some(ExcelNumber::Decimal {
                    integral,
                    fraction_is_zero: true,
                }) => integral,
                _ => normalized.as_str(),
            };
            match <[u8; LENGTH]>::try_from(digits.as_bytes()) {
                Ok(bytes) if bytes.iter().all(u8::is_ascii_digit) => Ok(BankCode(bytes)),
                _ => Err(BankCodeError::NotTwelveDigits {
                    raw: raw.trim().to_owned(),
                }),
            }
        }

        fn bank_cell() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9]{10,13}",
                "[ ]?[0-9０-９]{4}[\\- ]?[0-9]{4}[\\-－]?[0-9]{3,4}(\\.0*)?",
                "[0-9]\\.[0-9]{1,11}E\\+1[01]",
                "[0-9.E+\\- ]{0,14}",
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn parse_agrees_with_the_reference(raw in bank_cell()) {
                prop_assert_eq!(BankCode::parse(&raw), reference_parse(&raw));
            }
        }
    }
}
