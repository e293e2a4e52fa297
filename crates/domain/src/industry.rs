//! Industry codes of GB/T 4754-2017 (国民经济行业分类): the 20 sections (门类) with their
//! division (大类) ranges, and the codes enterprise lists carry — section letter plus 2–4 digits
//! (`C3011`, `F52`, `K7010`) — parsed and checked against those ranges.

use std::fmt;
use std::ops::{Deref, RangeInclusive};
use std::str::FromStr;

use crate::text::normalize_code_cow;

/// A section (门类) of GB/T 4754-2017.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
    K,
    L,
    M,
    N,
    O,
    P,
    Q,
    R,
    S,
    T,
}

/// A version of the industry classification: its sections and their division ranges.
#[derive(Debug)]
pub struct Classification {
    /// The standard's identifier.
    pub id: &'static str,
    /// The date it took effect (ISO 8601).
    pub effective: &'static str,
    sections: [SectionRow; 20],
}

/// One section of the classification as the standard lists it.
#[derive(Debug)]
struct SectionRow {
    section: Section,
    letter: char,
    name_zh: &'static str,
    divisions: RangeInclusive<u8>,
}

const fn row(
    section: Section,
    letter: char,
    name_zh: &'static str,
    first: u8,
    last: u8,
) -> SectionRow {
    SectionRow {
        section,
        letter,
        name_zh,
        divisions: first..=last,
    }
}

/// GB/T 4754-2017, in force since 2017-10-01. Rows are in `Section` order.
pub static GB_T_4754_2017: Classification = Classification {
    id: "GB/T 4754-2017",
    effective: "2017-10-01",
    sections: [
        row(Section::A, 'A', "农、林、牧、渔业", 1, 5),
        row(Section::B, 'B', "采矿业", 6, 12),
        row(Section::C, 'C', "制造业", 13, 43),
        row(Section::D, 'D', "电力、热力、燃气及水生产和供应业", 44, 46),
        row(Section::E, 'E', "建筑业", 47, 50),
        row(Section::F, 'F', "批发和零售业", 51, 52),
        row(Section::G, 'G', "交通运输、仓储和邮政业", 53, 60),
        row(Section::H, 'H', "住宿和餐饮业", 61, 62),
        row(Section::I, 'I', "信息传输、软件和信息技术服务业", 63, 65),
        row(Section::J, 'J', "金融业", 66, 69),
        row(Section::K, 'K', "房地产业", 70, 70),
        row(Section::L, 'L', "租赁和商务服务业", 71, 72),
        row(Section::M, 'M', "科学研究和技术服务业", 73, 75),
        row(Section::N, 'N', "水利、环境和公共设施管理业", 76, 79),
        row(Section::O, 'O', "居民服务、修理和其他服务业", 80, 82),
        row(Section::P, 'P', "教育", 83, 83),
        row(Section::Q, 'Q', "卫生和社会工作", 84, 85),
        row(Section::R, 'R', "文化、体育和娱乐业", 86, 90),
        row(Section::S, 'S', "公共管理、社会保障和社会组织", 91, 96),
        row(Section::T, 'T', "国际组织", 97, 97),
    ],
};

impl Section {
    /// Every section, in the standard's order.
    pub const ALL: [Section; 20] = [
        Section::A,
        Section::B,
        Section::C,
        Section::D,
        Section::E,
        Section::F,
        Section::G,
        Section::H,
        Section::I,
        Section::J,
        Section::K,
        Section::L,
        Section::M,
        Section::N,
        Section::O,
        Section::P,
        Section::Q,
        Section::R,
        Section::S,
        Section::T,
    ];

    fn row(self) -> &'static SectionRow {
        &GB_T_4754_2017.sections[self as usize]
    }

    /// The section letter, `'A'`–`'T'`.
    pub fn letter(self) -> char {
        self.row().letter
    }

    /// The section's Chinese name, e.g. 制造业.
    pub fn name_zh(self) -> &'static str {
        self.row().name_zh
    }

    /// The divisions (大类) of the section, e.g. 13–43 for C.
    pub fn divisions(self) -> RangeInclusive<u8> {
        self.row().divisions.clone()
    }

    /// The section of a letter, upper or lower case, half- or full-width.
    pub fn from_letter(c: char) -> Option<Section> {
        let c = crate::text::to_half_width(c).to_ascii_uppercase();
        // The letters are A–T in order (a test checks), so the letter is the index.
        let index = (c as u32).wrapping_sub('A' as u32);
        Section::ALL
            .get(usize::try_from(index).ok()?)
            .copied()
            .filter(|section| section.letter() == c)
    }

    /// The section a division belongs to; `None` outside 01–97.
    pub fn for_division(d: u8) -> Option<Section> {
        GB_T_4754_2017
            .sections
            .iter()
            .find(|row| row.divisions.contains(&d))
            .map(|row| row.section)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// A checked industry code: a section and 2–4 digits (division, then optional group and
/// class digits) whose division lies in the section.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndustryCode {
    section: Section,
    /// ASCII digits; only the first `len` are meaningful, the rest stay 0 so that derived
    /// equality and hashing see only the code.
    digits: [u8; 4],
    len: u8,
}

/// Why an industry code was refused. `raw` is the cell as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryError {
    #[error("行业代码为空")]
    Empty,
    #[error("行业代码“{raw}”格式不对：应为门类字母加 2–4 位数字，如 C3011、F52、K7010")]
    Malformed { raw: String },
    #[error(
        "行业代码“{raw}”位数不足：大类为两位数字（如 C30、05）；若原为 0 开头的数字，可能被 Excel 去掉了开头的 0"
    )]
    TooShort { raw: String },
    #[error(
        "行业代码“{raw}”只有门类{}（{}），无法划型：请至少填写到大类，如 C30",
        .section.letter(), .section.name_zh()
    )]
    TooCoarse { raw: String, section: Section },
    #[error("行业代码“{raw}”的门类字母不存在：门类为 A–T")]
    UnknownSection { raw: String },
    #[error("行业代码 {raw} 不存在：大类为 01–97")]
    UnknownDivision { raw: String },
    #[error(
        "行业代码 {raw} 不存在：{}（{}）的大类为 {:02}–{:02}",
        .section.name_zh(), .section.letter(),
        .section.divisions().start(), .section.divisions().end()
    )]
    DivisionNotInSection { raw: String, section: Section },
    #[error(
        "行业代码 {raw} 有误：大类 {division:02} 属于{}（{}），不属于{}（{}）",
        .actual.name_zh(), .actual.letter(), .given.name_zh(), .given.letter()
    )]
    SectionMismatch {
        raw: String,
        given: Section,
        actual: Section,
        division: u8,
    },
    #[error("行业代码 {raw} 不存在：中类（第三位数字）不能为 0")]
    NoSuchGroup { raw: String },
}

impl IndustryCode {
    /// Parses `"C3011"`, `"c30"`, `"F52"`, `"K7010"`, or digits only (`"3011"`, `"52"`), whose
    /// section is inferred from the division. A letter that contradicts the division is an
    /// error, and so is a bare section letter (`"C"`): too coarse to classify by size.
    pub fn parse(raw: &str) -> Result<IndustryCode, IndustryError> {
        let code = normalize_code_cow(raw);
        let owned = || raw.to_owned();
        let (letter, digits) = split_letter(&code);
        let given = match letter {
            Some(c) => Some(
                Section::from_letter(c)
                    .ok_or_else(|| IndustryError::UnknownSection { raw: owned() })?,
            ),
            None => None,
        };
        if code.is_empty() {
            return Err(IndustryError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4 {
            return Err(IndustryError::Malformed { raw: owned() });
        }
        match (given, digits.len()) {
            (Some(section), 0) => {
                return Err(IndustryError::TooCoarse {
                    raw: owned(),
                    section,
                });
            }
            (_, 0 | 1) => return Err(IndustryError::TooShort { raw: owned() }),
            _ => {}
        }
        let bytes = digits.as_bytes();
        let division = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        let section = section_of(division, given, raw)?;
        if bytes.get(2) == Some(&b'0') {
            return Err(IndustryError::NoSuchGroup { raw: owned() });
        }
        let mut stored = [0u8; 4];
        stored[..bytes.len()].copy_from_slice(bytes);
        Ok(IndustryCode {
            section,
            digits: stored,
            len: bytes.len() as u8,
        })
    }

    /// The section (门类).
    pub fn section(&self) -> Section {
        self.section
    }

    /// The division (大类), 1–97.
    pub fn division(&self) -> u8 {
        self.digit(0).unwrap_or(0) * 10 + self.digit(1).unwrap_or(0)
    }

    /// The group digit (the third digit, 中类 within the division), if the code goes that deep.
    pub fn group(&self) -> Option<u8> {
        self.digit(2)
    }

    /// The class digit (the fourth digit, 小类 within the group), if given.
    pub fn class(&self) -> Option<u8> {
        self.digit(3)
    }

    /// The digits after the section letter, e.g. `"3011"`.
    pub fn digits(&self) -> &str {
        // The stored bytes are ASCII digits by construction.
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The canonical form, section letter and digits: `"C3011"`.
    pub fn as_string(&self) -> String {
        format!("{}{}", self.section.letter(), self.digits())
    }

    /// The canonical form like [`as_string`](Self::as_string), held inline instead of on the
    /// heap: the list import needs it for every row only to copy it.
    pub fn to_text(&self) -> IndustryCodeText {
        let mut bytes = [0u8; 5];
        bytes[0] = u8::try_from(self.section.letter()).unwrap_or(b'?');
        let len = usize::from(self.len);
        bytes[1..=len].copy_from_slice(&self.digits[..len]);
        IndustryCodeText {
            bytes,
            len: self.len + 1,
        }
    }

    fn digit(&self, index: usize) -> Option<u8> {
        (index < usize::from(self.len)).then(|| self.digits[index] - b'0')
    }
}

/// An industry code's canonical text (`"C3011"`), from [`IndustryCode::to_text`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndustryCodeText {
    /// The section letter and the digits, ASCII; only the first `len` are meaningful.
    bytes: [u8; 5],
    len: u8,
}

impl IndustryCodeText {
    pub fn as_str(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl Deref for IndustryCodeText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for IndustryCodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IndustryCodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Splits a normalised code into its optional leading letter and the rest.
fn split_letter(code: &str) -> (Option<char>, &str) {
    match code.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => (Some(c), &code[1..]),
        _ => (None, code),
    }
}

/// The section a division belongs to, checked against the letter the code gave, if any.
fn section_of(division: u8, given: Option<Section>, raw: &str) -> Result<Section, IndustryError> {
    // The cell is copied into the error only when there is one.
    let raw = || raw.to_owned();
    match (given, Section::for_division(division)) {
        (None, Some(actual)) => Ok(actual),
        (None, None) => Err(IndustryError::UnknownDivision { raw: raw() }),
        (Some(given), Some(actual)) if given == actual => Ok(actual),
        (Some(given), Some(actual)) => Err(IndustryError::SectionMismatch {
            raw: raw(),
            given,
            actual,
            division,
        }),
        (Some(section), None) => Err(IndustryError::DivisionNotInSection {
            raw: raw(),
            section,
        }),
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.section.letter(), self.digits())
    }
}

impl FromStr for IndustryCode {
    type Err = IndustryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndustryCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> IndustryCode {
        IndustryCode::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    fn raw(s: &str) -> String {
        s.to_owned()
    }

    #[test]
    fn table_rows_follow_the_enum_order() {
        for (i, section) in Section::ALL.into_iter().enumerate() {
            assert_eq!(section as usize, i);
            assert_eq!(GB_T_4754_2017.sections[i].section, section);
            assert_eq!(section.letter(), char::from(b'A' + i as u8));
        }
    }

    #[test]
    fn divisions_are_those_of_the_standard() {
        let expected = [
            ('A', 1, 5),
            ('B', 6, 12),
            ('C', 13, 43),
            ('D', 44, 46),
            ('E', 47, 50),
            ('F', 51, 52),
            ('G', 53, 60),
            ('H', 61, 62),
            ('I', 63, 65),
            ('J', 66, 69),
            ('K', 70, 70),
            ('L', 71, 72),
            ('M', 73, 75),
            ('N', 76, 79),
            ('O', 80, 82),
            ('P', 83, 83),
            ('Q', 84, 85),
            ('R', 86, 90),
            ('S', 91, 96),
            ('T', 97, 97),
        ];
        for (letter, first, last) in expected {
            let section = Section::from_letter(letter).unwrap();
            assert_eq!(section.divisions(), first..=last, "{letter}");
        }
    }

    #[test]
    fn every_division_from_1_to_97_has_exactly_one_section() {
        for d in 1..=97u8 {
            let owners = Section::ALL
                .into_iter()
                .filter(|s| s.divisions().contains(&d))
                .count();
            assert_eq!(owners, 1, "division {d}");
        }
        assert_eq!(Section::for_division(0), None);
        assert_eq!(Section::for_division(98), None);
        assert_eq!(Section::for_division(13), Some(Section::C));
        assert_eq!(Section::for_division(43), Some(Section::C));
        assert_eq!(Section::for_division(70), Some(Section::K));
        assert_eq!(Section::for_division(97), Some(Section::T));
    }

    #[test]
    fn section_names_and_letters() {
        assert_eq!(Section::C.name_zh(), "制造业");
        assert_eq!(Section::J.name_zh(), "金融业");
        assert_eq!(Section::T.name_zh(), "国际组织");
        assert_eq!(Section::from_letter('k'), Some(Section::K));
        assert_eq!(Section::from_letter('Ｑ'), Some(Section::Q));
        assert_eq!(Section::from_letter('U'), None);
        assert_eq!(Section::from_letter('1'), None);
        assert_eq!(Section::G.to_string(), "G");
    }

    #[test]
    fn parses_codes_with_a_letter() {
        let c = code("C3011");
        assert_eq!(
            (c.section(), c.division(), c.group(), c.class()),
            (Section::C, 30, Some(1), Some(1))
        );
        assert_eq!(c.as_string(), "C3011");
        assert_eq!(code("c30").as_string(), "C30");
        assert_eq!(code("c30").group(), None);
        let f = code("F52");
        assert_eq!(
            (f.section(), f.division(), f.group()),
            (Section::F, 52, None)
        );
        let k = code("K7010");
        assert_eq!((k.division(), k.group(), k.class()), (70, Some(1), Some(0)));
        assert_eq!(code("G591").group(), Some(1));
        assert_eq!(code(" ｃ ３０１１ ").as_string(), "C3011");
        assert_eq!(code("A01").as_string(), "A01");
    }

    #[test]
    fn infers_the_section_from_digits_only() {
        assert_eq!(code("3011"), code("C3011"));
        assert_eq!(code("52").section(), Section::F);
        assert_eq!(code("05").section(), Section::A);
        assert_eq!(code("0511").as_string(), "A0511");
        assert_eq!(code("97").as_string(), "T97");
        assert_eq!(code("7010").to_string(), "K7010");
        assert_eq!("I6510".parse::<IndustryCode>(), Ok(code("6510")));
    }

    #[test]
    fn refuses_a_letter_that_contradicts_the_division() {
        let err = IndustryCode::parse("C52").unwrap_err();
        assert_eq!(
            err,
            IndustryError::SectionMismatch {
                raw: raw("C52"),
                given: Section::C,
                actual: Section::F,
                division: 52,
            }
        );
        assert_eq!(
            err.to_string(),
            "行业代码 C52 有误：大类 52 属于批发和零售业（F），不属于制造业（C）"
        );
        assert!(matches!(
            IndustryCode::parse("A06"),
            Err(IndustryError::SectionMismatch {
                actual: Section::B,
                ..
            })
        ));
    }

    #[test]
    fn refuses_divisions_that_do_not_exist() {
        let err = IndustryCode::parse("C99").unwrap_err();
        assert_eq!(
            err,
            IndustryError::DivisionNotInSection {
                raw: raw("C99"),
                section: Section::C
            }
        );
        assert_eq!(
            err.to_string(),
            "行业代码 C99 不存在：制造业（C）的大类为 13–43"
        );
        assert_eq!(
            IndustryCode::parse("A00").unwrap_err().to_string(),
            "行业代码 A00 不存在：农、林、牧、渔业（A）的大类为 01–05"
        );
        assert_eq!(
            IndustryCode::parse("9901"),
            Err(IndustryError::UnknownDivision { raw: raw("9901") })
        );
        assert_eq!(
            IndustryCode::parse("00"),
            Err(IndustryError::UnknownDivision { raw: raw("00") })
        );
    }

    #[test]
    fn refuses_a_bare_section_letter() {
        let err = IndustryCode::parse("C").unwrap_err();
        assert_eq!(
            err,
            IndustryError::TooCoarse {
                raw: raw("C"),
                section: Section::C
            }
        );
        assert_eq!(
            err.to_string(),
            "行业代码“C”只有门类C（制造业），无法划型：请至少填写到大类，如 C30"
        );
    }

    #[test]
    fn refuses_malformed_codes() {
        assert_eq!(IndustryCode::parse(""), Err(IndustryError::Empty));
        assert_eq!(IndustryCode::parse("  "), Err(IndustryError::Empty));
        for bad in ["C30111", "C30A", "CC30", "30C", "C-30", "制造业", "C3.0"] {
            assert_eq!(
                IndustryCode::parse(bad),
                Err(IndustryError::Malformed { raw: raw(bad) }),
                "{bad}"
            );
        }
        assert_eq!(
            IndustryCode::parse("U30"),
            Err(IndustryError::UnknownSection { raw: raw("U30") })
        );
        assert_eq!(
            IndustryCode::parse("Z"),
            Err(IndustryError::UnknownSection { raw: raw("Z") })
        );
    }

    #[test]
    fn a_single_digit_is_too_short_never_guessed() {
        assert_eq!(
            IndustryCode::parse("5"),
            Err(IndustryError::TooShort { raw: raw("5") })
        );
        assert_eq!(
            IndustryCode::parse("A5"),
            Err(IndustryError::TooShort { raw: raw("A5") })
        );
    }

    #[test]
    fn group_zero_does_not_exist() {
        assert_eq!(
            IndustryCode::parse("C300"),
            Err(IndustryError::NoSuchGroup { raw: raw("C300") })
        );
        assert_eq!(
            IndustryCode::parse("F5200"),
            Err(IndustryError::NoSuchGroup { raw: raw("F5200") })
        );
        assert_eq!(code("G5910").class(), Some(0));
    }

    #[test]
    fn from_letter_agrees_with_a_search_of_the_table() {
        for c in (0..0x1_0000).filter_map(char::from_u32) {
            let h = crate::text::to_half_width(c).to_ascii_uppercase();
            let searched = GB_T_4754_2017
                .sections
                .iter()
                .find(|row| row.letter == h)
                .map(|row| row.section);
            assert_eq!(Section::from_letter(c), searched, "{c:?}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// `IndustryCode::parse` as it was before its fast paths: normalising into a
        /// `String`, searching the table for the letter, copying the cell up front.
        fn reference_parse(raw: &str) -> Result<IndustryCode, IndustryError> {
            let code = crate::text::normalize_code(raw);
            let owned = || raw.to_owned();
            let (letter, digits) = split_letter(&code);
            let given = match letter {
                Some(c) => Some(
                    reference_from_letter(c)
                        .ok_or_else(|| IndustryError::UnknownSection { raw: owned() })?,
                ),
                None => None,
            };
            if code.is_empty() {
                return Err(IndustryError::Empty);
            }
            if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 4 {
                return Err(IndustryError::Malformed { raw: owned() });
            }
            match (given, digits.len()) {
                (Some(section), 0) => {
                    return Err(IndustryError::TooCoarse {
                        raw: owned(),
                        section,
                    });
                }
                (_, 0 | 1) => return Err(IndustryError::TooShort { raw: owned() }),
                _ => {}
            }
            let bytes = digits.as_bytes();
            let division = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
            let section = reference_section_of(division, given, raw)?;
            if bytes.get(2) == Some(&b'0') {
                return Err(IndustryError::NoSuchGroup { raw: owned() });
            }
            let mut stored = [0u8; 4];
            stored[..bytes.len()].copy_from_slice(bytes);
            Ok(IndustryCode {
                section,
                digits: stored,
                len: bytes.len() as u8,
            })
        }

        fn reference_from_letter(c: char) -> Option<Section> {
            let c = crate::text::to_half_width(c).to_ascii_uppercase();
            GB_T_4754_2017
                .sections
                .iter()
                .find(|row| row.letter == c)
                .map(|row| row.section)
        }

        fn reference_section_of(
            division: u8,
            given: Option<Section>,
            raw: &str,
        ) -> Result<Section, IndustryError> {
            let raw = raw.to_owned();
            match (given, Section::for_division(division)) {
                (None, Some(actual)) => Ok(actual),
                (None, None) => Err(IndustryError::UnknownDivision { raw }),
                (Some(given), Some(actual)) if given == actual => Ok(actual),
                (Some(given), Some(actual)) => Err(IndustryError::SectionMismatch {
                    raw,
                    given,
                    actual,
                    division,
                }),
                (Some(section), None) => Err(IndustryError::DivisionNotInSection { raw, section }),
            }
        }

        fn industry_cell() -> impl Strategy<Value = String> {
            prop_oneof![
                "[A-Ta-z]?[0-9]{0,5}",
                "[ \u{3000}]?[A-Za-zＡ-Ｚａ-ｚ]?[0-9０-９]{1,4}[ ]?",
                "[A-Z0-9 .\\-]{0,6}",
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// The parser against the one before its fast paths, and the inline text
            /// against `as_string`.
            #[test]
            fn parse_and_text_agree_with_the_reference(raw in industry_cell()) {
                let parsed = IndustryCode::parse(&raw);
                prop_assert_eq!(&parsed, &reference_parse(&raw));
                if let Ok(code) = &parsed {
                    let text = code.to_text();
                    prop_assert_eq!(text.as_str(), code.as_string());
                    prop_assert_eq!(code.to_text().to_string(), code.to_string());
                }
            }
        }
    }
}
