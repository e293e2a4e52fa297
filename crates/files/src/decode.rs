//! Strict, streaming decoding of CSV bytes to UTF-8, with the encoding detected rather
//! than asked: UTF-8 (with or without BOM) or GB18030/GBK, as Chinese Excel writes them.
//!
//! While the bytes are ASCII the decoder stays undecided (ASCII is the same in both).
//! At the first non-ASCII byte it decides by trial-decoding the next 64 KiB: a window
//! that is valid UTF-8 is UTF-8, one that is valid GB18030 is GB18030, otherwise the one
//! that decodes further wins. Looking at a window instead of the single first sequence
//! matters: many GBK characters are, by themselves, valid UTF-8 (学 is `D1 A7`, which is
//! also UTF-8 for U+0467), but a run of GBK text never is.
//!
//! From then on every byte is decoded strictly with encoding_rs
//! (`decode_to_utf8_without_replacement`); an invalid sequence is a fatal error naming
//! its physical line. Nothing is ever replaced by U+FFFD.
//!
//! Memory is bounded: one 64 KiB input buffer, plus the decoded head kept until the
//! CSV parser has consumed it. The output is written straight into the caller's (the
//! csv crate's) buffer.

use std::fmt;
use std::io::{self, Read};

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark. Also reported for pure-ASCII files, which are
    /// valid UTF-8.
    Utf8,
    /// UTF-8 starting with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GB18030, the superset of GBK and GB2312 (Chinese Excel's plain "CSV").
    Gb18030,
}

impl TextEncoding {
    /// The name a clerk would recognise.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8（带 BOM）",
            TextEncoding::Gb18030 => "GBK/GB18030",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Gb18030 => GB18030,
        }
    }
}

/// Why decoding stopped. Travels inside an `io::Error` through the csv crate and is
/// turned back into a [`crate::FileError`] by the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeFailure {
    /// A byte sequence invalid in the decided encoding.
    Malformed {
        line: u64,
        encoding: TextEncoding,
        truncated: bool,
    },
    /// The output limit set by the reader (one record too long) was reached.
    Limit,
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeFailure::Malformed { line, encoding, .. } => {
                write!(f, "invalid {} at line {line}", encoding.label())
            }
            DecodeFailure::Limit => f.write_str("record length limit reached"),
        }
    }
}

impl std::error::Error for DecodeFailure {}

/// Private-use characters that GB18030-2022 maps to standard ones: encoded and read
/// back they come out as different characters, so the writer refuses them.
pub(crate) const GB18030_NOT_ROUND_TRIPPING: &[char] = &[
    '\u{E78D}', '\u{E78E}', '\u{E78F}', '\u{E790}', '\u{E791}', '\u{E792}', '\u{E793}', '\u{E794}',
    '\u{E795}', '\u{E796}', '\u{E81E}', '\u{E826}', '\u{E82B}', '\u{E82C}', '\u{E832}', '\u{E843}',
    '\u{E854}', '\u{E864}',
];

/// Size of the input buffer, and of the window the encoding is decided on.
const INPUT_BUFFER: usize = 64 * 1024;

/// The decoded head is kept until a complete non-blank line (the header) is in it,
/// but no longer than this.
const HEAD_LIMIT: usize = 1024 * 1024;

/// Below this much room the decoder refuses to write, so that a character never has to
/// be split across calls (encoding_rs needs room for a whole character).
const MIN_ROOM: usize = 16;

enum State {
    Undecided,
    Decided {
        decoder: encoding_rs::Decoder,
        encoding: TextEncoding,
    },
    Done,
}

/// Bytes of some text encoding in, UTF-8 out, as an `io::Read`.
pub(crate) struct Decoder {
    src: Box<dyn Read + Send>,
    input: Vec<u8>,
    in_pos: usize,
    src_eof: bool,
    state: State,
    decided: Option<TextEncoding>,
    /// Input bytes consumed so far, for progress.
    consumed: u64,
    /// Newlines in the consumed input, for the line of an encoding error.
    newlines: u64,
    /// The file uses bare CR line ends (classic Mac Excel): CR is turned into LF so the
    /// CSV parser and the line counts see ordinary lines.
    cr_lines: bool,
    /// Decoded head (see [`Decoder::prefetch_head`]), served before anything else.
    head: Vec<u8>,
    head_pos: usize,
    /// Bytes handed out so far, and the most the reader allows (record-length limit).
    out_total: u64,
    out_limit: u64,
    last_out: Option<u8>,
    failure: Option<DecodeFailure>,
    bom_checked: bool,
}

impl Decoder {
    /// `already_read` are the first bytes of the stream (read for sniffing), `src` the
    /// rest.
    pub(crate) fn new(src: Box<dyn Read + Send>, already_read: Vec<u8>) -> Decoder {
        let mut input = already_read;
        input.reserve(INPUT_BUFFER.saturating_sub(input.len()));
        Decoder {
            src,
            input,
            in_pos: 0,
            src_eof: false,
            state: State::Undecided,
            decided: None,
            consumed: 0,
            newlines: 0,
            cr_lines: false,
            head: Vec::new(),
            head_pos: 0,
            out_total: 0,
            out_limit: u64::MAX,
            last_out: None,
            failure: None,
            bom_checked: false,
        }
    }

    /// Looks for a byte-order mark at the very start.
    fn check_bom(&mut self) -> io::Result<()> {
        self.bom_checked = true;
        while self.input.len() < 4 && self.fill()? {}
        if self.input.starts_with(b"\xEF\xBB\xBF") {
            self.skip_input(3);
            self.decide(TextEncoding::Utf8Bom);
        } else if self.input.starts_with(b"\x84\x31\x95\x33") {
            // GB18030's own byte-order mark: rare, but unambiguous.
            self.skip_input(4);
            self.decide(TextEncoding::Gb18030);
        }
        Ok(())
    }

    /// The encoding, once decided (a BOM, or the first non-ASCII byte read).
    pub(crate) fn encoding(&self) -> Option<TextEncoding> {
        self.decided
    }

    /// Input bytes consumed so far (including a BOM).
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Decoded bytes handed out so far.
    pub(crate) fn out_total(&self) -> u64 {
        self.out_total
    }

    /// The last decoded byte handed out.
    pub(crate) fn last_out(&self) -> Option<u8> {
        self.last_out
    }

    /// Refuse to hand out more than `limit` decoded bytes in total: the reader moves
    /// this forward after each record so one runaway record cannot fill memory.
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.out_limit = limit;
    }

    /// Decodes ahead until the head holds a complete non-blank line (or the file ends,
    /// or [`HEAD_LIMIT`] is reached, or a decoding error occurs — which is kept and
    /// reported when the parser gets to it). Returns the decoded head, for delimiter
    /// detection. Must be called before the first `read`.
    pub(crate) fn prefetch_head(&mut self) -> io::Result<&[u8]> {
        let mut head = std::mem::take(&mut self.head);
        let mut scan = ScanHead::default();
        while self.failure.is_none() && head.len() < HEAD_LIMIT && !scan.done {
            let old = head.len();
            head.resize(old + INPUT_BUFFER, 0);
            let n = match self.decode_into(&mut head[old..]) {
                Ok(n) => n,
                Err(e) if self.failure.is_some() => {
                    drop(e);
                    0
                }
                Err(e) => {
                    head.truncate(old);
                    self.head = head;
                    return Err(e);
                }
            };
            head.truncate(old + n);
            if n == 0 {
                break;
            }
            scan.feed(&head[old..]);
        }
        // Bare-CR line ends: the head (all of the file, or a full HEAD_LIMIT) has CRs
        // and not a single LF.
        if head.contains(&b'\r') && !head.contains(&b'\n') {
            self.cr_lines = true;
            self.newlines += head.iter().filter(|&&b| b == b'\r').count() as u64;
            for b in head.iter_mut().filter(|b| **b == b'\r') {
                *b = b'\n';
            }
        }
        self.head = head;
        Ok(&self.head)
    }

    fn decide(&mut self, encoding: TextEncoding) {
        self.decided = Some(encoding);
        self.state = State::Decided {
            decoder: encoding.encoding().new_decoder_without_bom_handling(),
            encoding,
        };
    }

    fn skip_input(&mut self, n: usize) {
        let bytes = &self.input[self.in_pos..self.in_pos + n];
        self.newlines += count_newlines(bytes, self.cr_lines);
        self.in_pos += n;
        self.consumed += n as u64;
    }

    /// Reads more input after moving the unread rest to the front. Returns false at
    /// the end of the source.
    fn fill(&mut self) -> io::Result<bool> {
        if self.src_eof {
            return Ok(false);
        }
        if self.in_pos > 0 {
            self.input.drain(..self.in_pos);
            self.in_pos = 0;
        }
        let old = self.input.len();
        let want = INPUT_BUFFER.max(old + 1024);
        self.input.resize(want, 0);
        let n = loop {
            match self.src.read(&mut self.input[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.input.truncate(old);
                    return Err(e);
                }
            }
        };
        self.input.truncate(old + n);
        if n == 0 {
            self.src_eof = true;
        }
        Ok(n > 0)
    }

    /// Decides the encoding at the first non-ASCII byte (at `in_pos`).
    fn decide_at_non_ascii(&mut self) -> io::Result<()> {
        while self.input.len() - self.in_pos < INPUT_BUFFER && self.fill()? {}
        let window = &self.input[self.in_pos..];
        let encoding = choose_encoding(window, self.src_eof);
        self.decide(encoding);
        Ok(())
    }

    fn fail(&mut self, failure: DecodeFailure) -> io::Error {
        self.failure = Some(failure);
        io::Error::new(io::ErrorKind::InvalidData, failure)
    }

    /// Decodes as much as fits into `dst` (which must have at least [`MIN_ROOM`]
    /// bytes). `Ok(0)` only at the end of the input.
    fn decode_into(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if let Some(f) = self.failure {
            return Err(io::Error::new(io::ErrorKind::InvalidData, f));
        }
        if !self.bom_checked {
            self.check_bom()?;
        }
        loop {
            if self.in_pos == self.input.len() && !self.src_eof {
                self.fill()?;
                continue;
            }
            match &mut self.state {
                State::Done => return Ok(0),
                State::Undecided => {
                    let src = &self.input[self.in_pos..];
                    if src.is_empty() {
                        // End of input while still ASCII.
                        self.state = State::Done;
                        return Ok(0);
                    }
                    let ascii = ascii_prefix_len(src);
                    if ascii > 0 {
                        let n = ascii.min(dst.len());
                        dst[..n].copy_from_slice(&src[..n]);
                        self.skip_input(n);
                        return Ok(n);
                    }
                    self.decide_at_non_ascii()?;
                }
                State::Decided { decoder, encoding } => {
                    let encoding = *encoding;
                    let last = self.src_eof;
                    let src = &self.input[self.in_pos..];
                    let (result, read, written) =
                        decoder.decode_to_utf8_without_replacement(src, dst, last);
                    match result {
                        DecoderResult::InputEmpty => {
                            self.skip_input(read);
                            if last {
                                self.state = State::Done;
                                return Ok(written);
                            }
                            if written > 0 {
                                return Ok(written);
                            }
                        }
                        DecoderResult::OutputFull => {
                            self.skip_input(read);
                            if written == 0 {
                                // Ok(0) would read as the end of the file.
                                return Err(io::Error::other("decode buffer too small"));
                            }
                            return Ok(written);
                        }
                        DecoderResult::Malformed(bad, after) => {
                            // The bad sequence may have begun in an earlier buffer;
                            // then it starts (for line counting) at the beginning.
                            let start = read.saturating_sub(bad as usize + after as usize);
                            let truncated = last && read == src.len() && after == 0;
                            let line =
                                self.newlines + count_newlines(&src[..start], self.cr_lines) + 1;
                            self.skip_input(read);
                            let failure = DecodeFailure::Malformed {
                                line,
                                encoding,
                                truncated,
                            };
                            if written > 0 {
                                // Hand out the good text before it; the error comes on
                                // the next call, so every record before it is read.
                                self.failure = Some(failure);
                                return Ok(written);
                            }
                            return Err(self.fail(failure));
                        }
                    }
                }
            }
        }
    }
}

impl Read for Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.head_pos < self.head.len() {
            let n = (self.head.len() - self.head_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            if self.head_pos == self.head.len() {
                // The head can be up to 1 MiB: give the memory back.
                self.head = Vec::new();
                self.head_pos = 0;
            }
            return Ok(self.handed_out(&buf[..n]));
        }
        let room = self.out_limit.saturating_sub(self.out_total);
        if room < MIN_ROOM as u64 {
            return Err(self.fail(DecodeFailure::Limit));
        }
        if buf.len() < MIN_ROOM {
            // Decode into a scratch buffer so a character is never split; what does
            // not fit is served first next time.
            let mut scratch = [0u8; MIN_ROOM];
            let n = self.decode_chunk(&mut scratch)?;
            let k = n.min(buf.len());
            buf[..k].copy_from_slice(&scratch[..k]);
            self.head = scratch[k..n].to_vec();
            self.head_pos = 0;
            return Ok(self.handed_out(&buf[..k]));
        }
        let cap = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.decode_chunk(&mut buf[..cap])?;
        Ok(self.handed_out(&buf[..n]))
    }
}

impl Decoder {
    fn decode_chunk(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        let n = self.decode_into(dst)?;
        if self.cr_lines {
            for b in dst[..n].iter_mut().filter(|b| **b == b'\r') {
                *b = b'\n';
            }
        }
        Ok(n)
    }

    fn handed_out(&mut self, out: &[u8]) -> usize {
        self.out_total += out.len() as u64;
        if let Some(&b) = out.last() {
            self.last_out = Some(b);
        }
        out.len()
    }
}

/// Tracks whether decoded text so far holds a complete line with some content.
#[derive(Default)]
struct ScanHead {
    content: bool,
    done: bool,
}

impl ScanHead {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                // Only LF ends the search: a lone CR may sit inside a quoted cell, and
                // a file with bare-CR line ends is recognised by having no LF at all in
                // the (then maximal) head.
                b'\n' if self.content => {
                    self.done = true;
                    return;
                }
                b' ' | b'\t' | b',' | b';' | b'"' | b'\n' | b'\r' => {}
                _ => self.content = true,
            }
        }
    }
}

/// Picks UTF-8 or GB18030 for a window that starts with a non-ASCII byte.
fn choose_encoding(window: &[u8], at_eof: bool) -> TextEncoding {
    let (utf8_valid, fully_valid) = match std::str::from_utf8(window) {
        Ok(_) => (window.len(), true),
        // Valid up to a character cut off by the window's end (or the file's: then the
        // file is truncated, which is reported as such).
        Err(e) if e.error_len().is_none() => (e.valid_up_to(), true),
        Err(e) => (e.valid_up_to(), false),
    };
    let utf8_text = std::str::from_utf8(&window[..utf8_valid]).unwrap_or("");
    if fully_valid {
        // Short GBK text can be valid UTF-8 too (学校 is D1 A7 D0 A3, which is UTF-8
        // for "ѧУ"). Such accidental UTF-8 is made of two-byte sequences, i.e. Latin,
        // Greek, Cyrillic… letters, where real UTF-8 Chinese data is mostly CJK. So
        // when both decodings are valid and the UTF-8 one is mostly not CJK, take
        // GB18030.
        let gb_valid = gb18030_valid_prefix(&window[..utf8_valid], false) == utf8_valid;
        if gb_valid && !mostly_cjk(utf8_text) {
            return TextEncoding::Gb18030;
        }
        return TextEncoding::Utf8;
    }
    // Several valid multi-byte characters before the first bad byte: this is UTF-8
    // with something else mixed in later (an error at that line), not GBK, which is
    // valid UTF-8 for a character or two at most by accident.
    let utf8_chars = utf8_text.chars().filter(|c| !c.is_ascii()).count();
    if utf8_chars >= 4 && mostly_cjk(utf8_text) {
        return TextEncoding::Utf8;
    }
    let gb_valid = gb18030_valid_prefix(window, at_eof);
    if gb_valid == window.len() || gb_valid > utf8_valid {
        TextEncoding::Gb18030
    } else {
        TextEncoding::Utf8
    }
}

/// At least half of the non-ASCII characters are Chinese: ideographs (with the
/// extension planes), CJK punctuation, full-width forms.
fn mostly_cjk(text: &str) -> bool {
    let (mut cjk, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if matches!(c as u32,
            0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x323AF)
        {
            cjk += 1;
        } else {
            other += 1;
        }
    }
    cjk >= other
}

/// How many bytes of `window` decode as GB18030 before the first error.
fn gb18030_valid_prefix(window: &[u8], at_eof: bool) -> usize {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut scratch = [0u8; 8 * 1024];
    let mut pos = 0;
    loop {
        let (result, read, _) =
            decoder.decode_to_utf8_without_replacement(&window[pos..], &mut scratch, at_eof);
        match result {
            DecoderResult::InputEmpty => return window.len(),
            DecoderResult::OutputFull => pos += read,
            DecoderResult::Malformed(bad, after) => {
                return (pos + read).saturating_sub(bad as usize + after as usize);
            }
        }
    }
}

/// Length of the leading run of ASCII bytes.
fn ascii_prefix_len(bytes: &[u8]) -> usize {
    // `is_ascii` on whole blocks is vectorised; only the block with the first
    // non-ASCII byte is scanned bytewise.
    let mut i = 0;
    while i + 64 <= bytes.len() && bytes[i..i + 64].is_ascii() {
        i += 64;
    }
    i + bytes[i..]
        .iter()
        .position(|&b| b >= 0x80)
        .unwrap_or(bytes.len() - i)
}

fn count_newlines(bytes: &[u8], cr_lines: bool) -> u64 {
    let nl = if cr_lines { b'\r' } else { b'\n' };
    bytes.iter().filter(|&&b| b == nl).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> (Result<String, DecodeFailure>, Option<TextEncoding>) {
        // Feed in small pieces to exercise sequences split across reads.
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = 7.min(buf.len()).min(self.0.len() - self.1);
                buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let mut d = Decoder::new(Box::new(Trickle(bytes.to_vec(), 0)), Vec::new());
        let mut out = Vec::new();
        let mut buf = [0u8; 100];
        loop {
            match d.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let f = *e
                        .get_ref()
                        .unwrap()
                        .downcast_ref::<DecodeFailure>()
                        .unwrap();
                    return (Err(f), d.encoding());
                }
            }
        }
        (Ok(String::from_utf8(out).unwrap()), d.encoding())
    }

    #[test]
    fn ascii_stays_undecided() {
        assert_eq!(decode_all(b"a,b\n1,2\n"), (Ok("a,b\n1,2\n".into()), None));
    }

    #[test]
    fn utf8_and_bom() {
        let text = "代码,名称\n1,青岛𠀀\n";
        assert_eq!(
            decode_all(text.as_bytes()),
            (Ok(text.into()), Some(TextEncoding::Utf8))
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(
            decode_all(&bom),
            (Ok(text.into()), Some(TextEncoding::Utf8Bom))
        );
    }

    #[test]
    fn gb18030_even_when_first_char_is_valid_utf8() {
        // 学 in GBK is D1 A7, a valid UTF-8 sequence on its own.
        let text = "学校,名称\n1,青岛𠀀\n";
        let (bytes, _, _) = GB18030.encode(text);
        assert_eq!(&bytes[..2], b"\xD1\xA7");
        assert_eq!(
            decode_all(&bytes),
            (Ok(text.into()), Some(TextEncoding::Gb18030))
        );
    }

    #[test]
    fn short_gbk_that_is_valid_utf8() {
        for text in ["学校", "uscc,name\n1,学校\n", "学"] {
            let bytes = GB18030.encode(text).0;
            assert!(std::str::from_utf8(&bytes).is_ok(), "{text}");
            assert_eq!(
                decode_all(&bytes),
                (Ok(text.into()), Some(TextEncoding::Gb18030))
            );
        }
        // And short UTF-8 Chinese that is also valid GB18030 stays UTF-8.
        let text = "名称\n青岛\n";
        assert!(!GB18030.decode_without_bom_handling(text.as_bytes()).1);
        assert_eq!(
            decode_all(text.as_bytes()),
            (Ok(text.into()), Some(TextEncoding::Utf8))
        );
        // UTF-8 Latin text with a typo'd byte later is still UTF-8.
        let mut bytes = "naïve café crème brûlée\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xFF\n");
        assert_eq!(decode_all(&bytes).1, Some(TextEncoding::Utf8));
    }

    #[test]
    fn mixed_encoding_names_line() {
        let mut bytes = "代码,名称\n".as_bytes().to_vec();
        for i in 0..5000 {
            bytes.extend_from_slice(format!("{i},青岛\n").as_bytes());
        }
        bytes.extend_from_slice(&GB18030.encode("1,青岛\n").0);
        let (r, enc) = decode_all(&bytes);
        assert_eq!(enc, Some(TextEncoding::Utf8));
        assert_eq!(
            r,
            Err(DecodeFailure::Malformed {
                line: 5002,
                encoding: TextEncoding::Utf8,
                truncated: false
            })
        );
    }

    #[test]
    fn truncated_at_end() {
        let mut bytes = "名称\n青".as_bytes().to_vec();
        bytes.pop();
        let (r, _) = decode_all(&bytes);
        assert_eq!(
            r,
            Err(DecodeFailure::Malformed {
                line: 2,
                encoding: TextEncoding::Utf8,
                truncated: true
            })
        );
    }

    #[test]
    fn gb18030_round_trips_everything_but_known_exceptions() {
        // The writer relies on this list: every other character written as GB18030
        // reads back identically. U+E5E5 the encoder refuses outright.
        let mut bad = Vec::new();
        for c in (1u32..=0x10FFFF).filter_map(char::from_u32) {
            let mut b = [0u8; 4];
            let (bytes, _, unmappable) = GB18030.encode(c.encode_utf8(&mut b));
            if unmappable {
                assert_eq!(c, '\u{E5E5}');
                continue;
            }
            let (back, malformed) = GB18030.decode_without_bom_handling(&bytes);
            assert!(!malformed);
            if back.chars().ne(std::iter::once(c)) {
                bad.push(c);
            }
        }
        assert_eq!(bad, GB18030_NOT_ROUND_TRIPPING);
    }
}
