//! Tax credit rating (纳税信用级别) as enterprise lists carry it: A, B, M, C, D, or not rated.
//! Which levels a bureau accepts is decided in `eligibility`; this module only reads them.

use crate::text::normalize_code_cow;

/// A tax credit level. `M` (newly established, or no revenue with a score ≥ 70) exists since
/// 2018. Ordered as the campaign ranks them: A, B, M, C, D.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum TaxCredit {
    A,
    B,
    M,
    C,
    D,
}

impl TaxCredit {
    /// Every level, best first.
    pub const ALL: [TaxCredit; 5] = [
        TaxCredit::A,
        TaxCredit::B,
        TaxCredit::M,
        TaxCredit::C,
        TaxCredit::D,
    ];

    /// The level's letter as text, the form it is stored in.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxCredit::A => "A",
            TaxCredit::B => "B",
            TaxCredit::M => "M",
            TaxCredit::C => "C",
            TaxCredit::D => "D",
        }
    }

    /// The level's letter.
    pub fn letter(self) -> char {
        match self {
            TaxCredit::A => 'A',
            TaxCredit::B => 'B',
            TaxCredit::M => 'M',
            TaxCredit::C => 'C',
            TaxCredit::D => 'D',
        }
    }

    /// The level of a letter, upper or lower case, half- or full-width.
    pub fn from_letter(c: char) -> Option<TaxCredit> {
        let c = crate::text::to_half_width(c).to_ascii_uppercase();
        TaxCredit::ALL.into_iter().find(|level| level.letter() == c)
    }
}

/// Cells that say "not rated" in words; a blank cell says it too.
const NOT_RATED: [&str; 6] = ["未评级", "未评价", "未评定", "无", "暂无", "无评级"];

/// Why a tax credit cell could not be read. `raw` is the cell as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxCreditError {
    #[error("纳税信用级别“{raw}”无法识别：应为 A、B、M、C、D，未评级的留空")]
    Unknown { raw: String },
}

/// Reads a tax credit cell. Blank, 未评级 or 无 → `Ok(None)`: not rated, which eligibility
/// treats like M. Accepts `"a"`, `"Ａ"`, `"A级"`, `"B 级"`.
pub fn parse(raw: &str) -> Result<Option<TaxCredit>, TaxCreditError> {
    let cell = normalize_code_cow(raw);
    if cell.is_empty() || NOT_RATED.contains(&&*cell) {
        return Ok(None);
    }
    let letter_only = cell.strip_suffix('级').unwrap_or(&cell);
    let mut chars = letter_only.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => TaxCredit::from_letter(c).map(Some),
        _ => None,
    }
    .ok_or_else(|| TaxCreditError::Unknown {
        raw: raw.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_in_every_form_a_clerk_types() {
        for (raw, level) in [
            ("A", TaxCredit::A),
            ("a", TaxCredit::A),
            ("Ａ", TaxCredit::A),
            (" A级 ", TaxCredit::A),
            ("B 级", TaxCredit::B),
            ("ｍ", TaxCredit::M),
            ("C", TaxCredit::C),
            ("d级", TaxCredit::D),
        ] {
            assert_eq!(parse(raw), Ok(Some(level)), "{raw}");
        }
    }

    #[test]
    fn blank_and_not_rated_words_are_none() {
        for raw in ["", "  ", "未评级", "无", " 暂无 ", "未评价"] {
            assert_eq!(parse(raw), Ok(None), "{raw}");
        }
    }

    #[test]
    fn anything_else_is_unknown() {
        for raw in ["E", "AA", "A+", "级", "1", "优秀", "A类", "-"] {
            assert_eq!(
                parse(raw),
                Err(TaxCreditError::Unknown {
                    raw: raw.to_owned()
                }),
                "{raw}"
            );
        }
        assert_eq!(
            parse("E").unwrap_err().to_string(),
            "纳税信用级别“E”无法识别：应为 A、B、M、C、D，未评级的留空"
        );
    }

    #[test]
    fn letters_round_trip_and_order() {
        for level in TaxCredit::ALL {
            assert_eq!(TaxCredit::from_letter(level.letter()), Some(level));
        }
        assert_eq!(TaxCredit::from_letter('x'), None);
        assert!(TaxCredit::B < TaxCredit::M && TaxCredit::M < TaxCredit::C);
    }
}
