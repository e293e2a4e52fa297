//! Text normalisation shared by every code parser: what a clerk's spreadsheet does to codes
//! (full-width digits from a Chinese input method, stray spaces, lower case) is undone here.

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
}
