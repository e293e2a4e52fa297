//! Text normalisation shared by every code parser: what a clerk's spreadsheet does to codes
//! (full-width digits from a Chinese input method, stray spaces, lower case) is undone here.
//!
//! Each normaliser has a `_cow` twin that returns the cell itself (or a trimmed slice of it)
//! when it is already in normal form — nearly every cell of a real list is — so the list
//! import can read millions of rows without allocating a string per cell.

use std::borrow::Cow;

/// Maps full-width ASCII variants (U+FF01–U+FF5E) to their ASCII forms and the ideographic
/// space (U+3000) to a plain space; everything else is left alone.
pub fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Normalises a code-like cell: full-width to half-width, ASCII upper case, and every kind of
/// whitespace removed (codes never contain spaces; Excel and copy-paste add them).
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .map(to_half_width)
        .filter(|c| !c.is_whitespace() && *c != '\u{200B}' && *c != '\u{FEFF}')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// [`normalize_code`] without allocating when `raw` is already normal apart from removable
/// characters at its ends: then the result borrows from `raw`.
pub fn normalize_code_cow(raw: &str) -> Cow<'_, str> {
    if all_plain(raw, PLAIN_IN_CODE) {
        return Cow::Borrowed(raw);
    }
    let trimmed = raw.trim_matches(removed_from_code);
    if trimmed
        .chars()
        .all(|c| !removed_from_code(c) && to_half_width(c) == c && c.to_ascii_uppercase() == c)
    {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(normalize_code(raw))
    }
}

/// Whether [`normalize_code`] drops `c`.
fn removed_from_code(c: char) -> bool {
    let c = to_half_width(c);
    c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}'
}

/// Flags of [`BYTE_CLASS`]: a byte that is not plain in a code cell (it may be dropped or
/// changed: ASCII whitespace, lower case, or the lead byte of a character that may be) …
const PLAIN_IN_CODE: u8 = 1;
/// … and in a text cell (ASCII whitespace including the space, or such a lead byte).
const PLAIN_IN_TEXT: u8 = 2;

/// Which bytes can start something a normaliser changes. Outside ASCII those are the lead
/// bytes of U+0085 and U+00A0 (`C2`), U+1680 (`E1`), U+2000–U+205F (`E2`, which holds
/// U+200B too), U+3000 (`E3`), and U+FEFF and the full-width forms U+FF01–U+FF5E (`EF`);
/// Chinese text (`E4`–`E9`) and continuation bytes never are. A cell none of whose bytes is
/// flagged is returned as it is, after one pass over its bytes: nearly every cell of a list.
const BYTE_CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let ascii_space = matches!(byte, b' ' | b'\t'..=b'\r');
        let lead = matches!(byte, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF);
        if ascii_space || lead || byte.is_ascii_lowercase() {
            class[b] |= PLAIN_IN_CODE;
        }
        if ascii_space || lead {
            class[b] |= PLAIN_IN_TEXT;
        }
        b += 1;
    }
    class
};

/// Whether no byte of `s` has the `flag` of [`BYTE_CLASS`].
fn all_plain(s: &str, flag: u8) -> bool {
    s.bytes()
        .fold(0, |seen, b| seen | BYTE_CLASS[usize::from(b)])
        & flag
        == 0
}

/// Normalises a free-text cell (a name): full-width ASCII to half-width, surrounding
/// whitespace trimmed and inner runs of whitespace collapsed to one space.
pub fn normalize_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw
        .split(|c: char| to_half_width(c).is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(to_half_width));
    }
    out
}

/// [`normalize_text`] without allocating when `raw` is already normal apart from whitespace at
/// its ends: then the result borrows from `raw`.
pub fn normalize_text_cow(raw: &str) -> Cow<'_, str> {
    if all_plain(raw, PLAIN_IN_TEXT) {
        return Cow::Borrowed(raw);
    }
    let trimmed = raw.trim_matches(|c: char| to_half_width(c).is_whitespace());
    if text_is_normal(trimmed) {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(normalize_text(raw))
    }
}

/// Whether [`normalize_text`] returns `s` (already trimmed) unchanged: no character it maps,
/// and whitespace only as single plain spaces.
fn text_is_normal(s: &str) -> bool {
    let mut after_space = false;
    s.chars().all(|c| {
        let ok = to_half_width(c) == c && (!c.is_whitespace() || (c == ' ' && !after_space));
        after_space = c == ' ';
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_codes_become_ascii() {
        assert_eq!(
            normalize_code(" ９１３５０１００ｍ０００１００Ｙ４３ "),
            "91350100M000100Y43"
        );
        assert_eq!(normalize_code("c 30\u{3000}11"), "C3011");
    }

    #[test]
    fn names_keep_chinese_and_collapse_spaces() {
        assert_eq!(
            normalize_text("  青岛\u{3000}\u{3000}某某 有限公司 "),
            "青岛 某某 有限公司"
        );
        assert_eq!(normalize_text("ＡＢＣ科技"), "ABC科技");
        assert_eq!(normalize_text("   "), "");
    }

    #[test]
    fn normal_cells_are_borrowed() {
        assert!(matches!(
            normalize_code_cow(" 91350100M000100Y43\u{3000}"),
            Cow::Borrowed("91350100M000100Y43")
        ));
        assert!(matches!(normalize_code_cow("法人企业"), Cow::Borrowed(_)));
        assert!(matches!(normalize_code_cow("c3011"), Cow::Owned(_)));
        assert!(matches!(
            normalize_text_cow(" 青岛 某某有限公司 "),
            Cow::Borrowed("青岛 某某有限公司")
        ));
        assert!(matches!(normalize_text_cow("青岛  某某"), Cow::Owned(_)));
        assert!(matches!(normalize_text_cow("（青岛）"), Cow::Owned(_)));
        for raw in [
            "a\ra",
            "a\u{0B}a",
            "a\u{85}a",
            "a\u{200B}a",
            "a\u{FEFF}",
            "ａ",
        ] {
            assert_eq!(normalize_code_cow(raw), normalize_code(raw), "{raw:?}");
            assert_eq!(normalize_text_cow(raw), normalize_text(raw), "{raw:?}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Characters each normaliser treats specially, their neighbours, and ordinary ones.
        const ALPHABET: &[char] = &[
            'a', 'z', 'A', 'Z', '0', '9', '-', '_', '.', ',', '+', ' ', '\t', '\n', '\r', '\u{0B}',
            '\u{0C}', '\u{1F}', '\u{7F}', '\u{85}', '\u{A0}', '\u{1680}', '\u{2000}', '\u{200A}',
            '\u{200B}', '\u{2028}', '\u{202F}', '\u{205F}', '\u{2212}', '\u{3000}', '\u{3001}',
            '\u{FEFF}', '\u{FF00}', '\u{FF01}', '\u{FF10}', '\u{FF21}', '\u{FF41}', '\u{FF5E}',
            '\u{FF5F}', '青', '岛', '级', '万', 'é',
        ];

        fn cell() -> impl Strategy<Value = String> {
            prop_oneof![
                proptest::collection::vec(proptest::sample::select(ALPHABET), 0..24)
                    .prop_map(|cs| cs.into_iter().collect()),
                any::<String>(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            #[test]
            fn cow_normalisers_agree_with_the_owned_ones(raw in cell()) {
                prop_assert_eq!(normalize_code_cow(&raw), normalize_code(&raw));
                prop_assert_eq!(normalize_text_cow(&raw), normalize_text(&raw));
            }
        }
    }
}
