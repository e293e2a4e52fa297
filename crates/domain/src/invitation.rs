//! Invitation codes (一企一码, DESIGN §5): the code an enterprise types or follows as a link
//! to reach its questionnaire, and the code a customer manager activates an account with.
//!
//! A code is 11 random characters and a check character from a 31-letter alphabet without
//! look-alikes (no 0/O, 1/I, U/V), about 54 bits of chance, shown in three groups of four:
//! `K7QM-3XPD-9RWC`. The check is a weighted sum modulo 31 with distinct weights, so every
//! single mistyped character and every swap of two characters is caught before any lookup.
//! This module is pure: the caller supplies the random bytes (from the OS generator).

use std::fmt;

/// The alphabet, in value order 0–30.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKLMNPQRSTVWXYZ";

/// Random characters in a code; with the check character, a code has [`LENGTH`] characters.
pub const RANDOM_CHARS: usize = 11;
pub const LENGTH: usize = RANDOM_CHARS + 1;

/// Bits of chance in a code: 11 · log2(31).
pub const ENTROPY_BITS: f64 = 54.49;

/// A well-formed code: right length, right characters, right check character.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvitationCode([u8; LENGTH]);

/// Why typed text is not a code. The messages speak to the person typing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("邀请码应为 12 位（如 K7QM-3XPD-9RWC），您输入了 {0} 位")]
    Length(usize),
    #[error("邀请码第 {position} 位“{found}”不是有效字符（邀请码不含 0、1、I、O、U）")]
    Character { position: usize, found: char },
    #[error("邀请码有误，请逐位核对后重新输入")]
    Check,
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Weight of position `i` (0-based): 1, 2, … 11 — distinct and non-zero modulo 31, which is
/// what makes every substitution and every transposition change the sum.
fn weight(i: usize) -> u32 {
    i as u32 + 1
}

fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &c)| weight(i) * value_of(c).expect("body is in the alphabet"))
        .sum();
    // The check character's own weight is 12; choose it so the whole sum is 0 mod 31.
    let need = (31 - sum % 31) % 31;
    // 12 · x ≡ need (mod 31); 12⁻¹ ≡ 13 (mod 31) because 12 · 13 = 156 = 5 · 31 + 1.
    ALPHABET[((need * 13) % 31) as usize]
}

/// Bytes per random character drawn: one byte, rejected when ≥ 248 (= 8 · 31) so each of the
/// 31 characters is equally likely.
const REJECT_FROM: u8 = 248;

impl InvitationCode {
    /// Makes a code from random bytes, or `None` if too many of them were rejected (ask for
    /// more). 16 bytes suffice with probability above 1 − 10⁻⁹.
    pub fn from_random(bytes: &[u8]) -> Option<InvitationCode> {
        let mut out = [0u8; LENGTH];
        let mut n = 0;
        for &b in bytes {
            if n == RANDOM_CHARS {
                break;
            }
            if b < REJECT_FROM {
                out[n] = ALPHABET[(b % 31) as usize];
                n += 1;
            }
        }
        if n < RANDOM_CHARS {
            return None;
        }
        out[RANDOM_CHARS] = check_char(&out[..RANDOM_CHARS]);
        Some(InvitationCode(out))
    }

    /// Reads a code as a person typed it: case, spaces, hyphens and full-width characters
    /// do not matter.
    pub fn parse(input: &str) -> Result<InvitationCode, CodeError> {
        let mut out = [0u8; LENGTH];
        let mut n = 0;
        for c in input.chars() {
            let c = fold_full_width(c);
            if c.is_whitespace() || matches!(c, '-' | '_' | '—' | '–' | '·') {
                continue;
            }
            let up = c.to_ascii_uppercase();
            n += 1;
            if n > LENGTH {
                continue; // keep counting for the length message
            }
            if !up.is_ascii() || value_of(up as u8).is_none() {
                return Err(CodeError::Character {
                    position: n,
                    found: c,
                });
            }
            out[n - 1] = up as u8;
        }
        if n != LENGTH {
            return Err(CodeError::Length(n));
        }
        if out[RANDOM_CHARS] != check_char(&out[..RANDOM_CHARS]) {
            return Err(CodeError::Check);
        }
        Ok(InvitationCode(out))
    }

    /// The 12 characters without separators: the form in links (`/q/K7QM3XPD9RWC`) and the
    /// form that is hashed.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("alphabet is ASCII")
    }

    /// The form people read: three groups of four.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
    }

    /// The last four characters, enough for a help desk to tell codes apart without
    /// holding the whole code.
    pub fn hint(&self) -> &str {
        &self.as_str()[8..]
    }
}

/// The standard script (规范话术, R14) a bank sends with an enterprise's link: who writes,
/// why, that it is free and voluntary, the code and the link. Kept short enough for three
/// SMS segments.
pub fn standard_sms(bank: &str, enterprise: &str, code: &InvitationCode, link: &str) -> String {
    format!(
        "【{bank}】尊敬的{enterprise}：按照监管部门“百行进万企”融资对接工作安排，我行诚邀贵企业填写融资需求问卷，\
         了解贵企业的融资需要并提供对接服务。问卷免费、自愿填写，信息仅用于本次融资对接。\
         请打开 {link} 填写，或在问卷入口输入邀请码 {code}。如有疑问，请联系贵企业基本存款账户开户网点。"
    )
}

/// Full-width Latin letters and digits (ＡＢＣ１２３, typed with a Chinese input method) to ASCII.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

impl fmt::Display for InvitationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl fmt::Debug for InvitationCode {
    // Codes are secrets: debug output (logs, panics) shows the hint only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvitationCode(…{})", self.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(seed: u8) -> InvitationCode {
        let bytes: Vec<u8> = (0..16u8)
            .map(|i| seed.wrapping_mul(37).wrapping_add(i * 11) % 248)
            .collect();
        InvitationCode::from_random(&bytes).unwrap()
    }

    #[test]
    fn alphabet_has_no_look_alikes_and_no_repeats() {
        for bad in b"01IOU" {
            assert!(!ALPHABET.contains(bad));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 31);
    }

    #[test]
    fn entropy_is_at_least_fifty_bits() {
        let bits = RANDOM_CHARS as f64 * 31f64.log2();
        assert!(bits >= 50.0);
        assert!((bits - ENTROPY_BITS).abs() < 0.01);
    }

    #[test]
    fn twelve_is_the_inverse_of_thirteen() {
        assert_eq!(12 * 13 % 31, 1);
    }

    #[test]
    fn too_few_usable_bytes_ask_for_more() {
        assert!(InvitationCode::from_random(&[255; 32]).is_none());
        assert!(InvitationCode::from_random(&[0; 10]).is_none());
        assert!(InvitationCode::from_random(&[0; 11]).is_some());
    }

    #[test]
    fn typed_forms_are_read_the_same() {
        let c = code(7);
        let grouped = c.grouped();
        assert_eq!(InvitationCode::parse(&grouped), Ok(c));
        assert_eq!(InvitationCode::parse(&grouped.to_lowercase()), Ok(c));
        assert_eq!(InvitationCode::parse(&format!(" {} ", c.as_str())), Ok(c));
        let full_width: String = c
            .as_str()
            .chars()
            .map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(InvitationCode::parse(&full_width), Ok(c));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(InvitationCode::parse("ABCD"), Err(CodeError::Length(4)));
        assert_eq!(InvitationCode::parse(""), Err(CodeError::Length(0)));
        let c = code(3);
        let with_o = format!("O{}", &c.as_str()[1..]);
        assert_eq!(
            InvitationCode::parse(&with_o),
            Err(CodeError::Character {
                position: 1,
                found: 'O'
            })
        );
        let msg = CodeError::Length(4).to_string();
        assert!(msg.contains("12 位") && msg.contains('4'), "{msg}");
    }

    #[test]
    fn standard_sms_names_bank_enterprise_code_and_link() {
        let c = code(5);
        let text = standard_sms(
            "中国工商银行广州分行",
            "广州某某有限公司",
            &c,
            "https://x/q/ABC",
        );
        assert!(text.starts_with("【中国工商银行广州分行】"));
        assert!(text.contains("广州某某有限公司"));
        assert!(text.contains(&c.grouped()));
        assert!(text.contains("https://x/q/ABC"));
        assert!(text.contains("免费"));
    }

    #[test]
    fn debug_output_hides_the_code() {
        let c = code(9);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(c.as_str()));
        assert!(dbg.contains(c.hint()));
    }

    proptest! {
        #[test]
        fn generated_codes_parse_back(bytes in proptest::collection::vec(0u8..248, 11..20)) {
            let c = InvitationCode::from_random(&bytes).unwrap();
            prop_assert_eq!(InvitationCode::parse(c.as_str()), Ok(c));
            prop_assert_eq!(InvitationCode::parse(&c.grouped()), Ok(c));
        }

        #[test]
        fn every_single_substitution_is_caught(
            bytes in proptest::collection::vec(0u8..248, 11),
            position in 0usize..LENGTH,
            replacement in 0usize..31,
        ) {
            let c = InvitationCode::from_random(&bytes).unwrap();
            let mut typed = c.as_str().as_bytes().to_vec();
            prop_assume!(typed[position] != ALPHABET[replacement]);
            typed[position] = ALPHABET[replacement];
            let typed = String::from_utf8(typed).unwrap();
            prop_assert_eq!(InvitationCode::parse(&typed), Err(CodeError::Check));
        }

        #[test]
        fn every_swap_of_two_characters_is_caught(
            bytes in proptest::collection::vec(0u8..248, 11),
            i in 0usize..LENGTH,
            j in 0usize..LENGTH,
        ) {
            let c = InvitationCode::from_random(&bytes).unwrap();
            let mut typed = c.as_str().as_bytes().to_vec();
            prop_assume!(typed[i] != typed[j]);
            typed.swap(i, j);
            let typed = String::from_utf8(typed).unwrap();
            prop_assert_eq!(InvitationCode::parse(&typed), Err(CodeError::Check));
        }
    }
}
