//! CSV rows: the strict [`Decoder`] feeding the csv crate, with line numbers that match
//! what the clerk sees in a text editor.
//!
//! The csv crate is told that only LF ends a record. With its CRLF mode the line it
//! reports for a record is off by one in CRLF files (the LF of the previous record is
//! only consumed when the next one starts) and blank lines shift it further; with LF
//! only, a record's first line is exactly "line after the record − newlines inside its
//! quoted cells − 1", and the CR of a CRLF ends up at the end of the last cell, where it
//! is removed. (The one thing this gets wrong is a quoted last cell that really ends
//! with a bare CR in an LF-only file — a cell content no spreadsheet produces.)

use std::io::Read;

use csv::StringRecord;

use super::{Row, SourceFormat};
use crate::MAX_RECORD_BYTES;
use crate::decode::{DecodeFailure, Decoder, TextEncoding};
use crate::error::FileError;

/// The csv crate's input buffer.
const CSV_BUFFER: usize = 64 * 1024;

/// How far past the start of a record the decoder may run: the record itself, plus
/// what the csv crate may already hold in its buffer, plus slack. (The decoded head,
/// at most 1 MiB + 64 KiB, fits in the first window.)
const RECORD_WINDOW: u64 = (MAX_RECORD_BYTES + CSV_BUFFER + 8192) as u64;

pub(super) struct CsvSource {
    csv: csv::Reader<Decoder>,
    total: Option<u64>,
    /// Line just after the last record read: where the next one starts, unless blank
    /// lines come first.
    next_line: u64,
    scratch: String,
}

impl CsvSource {
    pub(super) fn open(
        rest: Box<dyn Read + Send>,
        head: Vec<u8>,
        total: Option<u64>,
    ) -> Result<(CsvSource, SourceFormat), FileError> {
        let mut decoder = Decoder::new(rest, head);
        let delimiter = detect_delimiter(decoder.prefetch_head()?);
        let encoding = decoder.encoding().unwrap_or(TextEncoding::Utf8);
        // The first record (the header, after any blank lines) is bounded too.
        decoder.set_limit(RECORD_WINDOW);
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(CSV_BUFFER)
            .from_reader(decoder);
        let source = CsvSource {
            csv,
            total,
            next_line: 1,
            scratch: String::new(),
        };
        Ok((
            source,
            SourceFormat::Csv {
                encoding,
                delimiter,
            },
        ))
    }

    pub(super) fn encoding(&self) -> Option<TextEncoding> {
        self.csv.get_ref().encoding()
    }

    pub(super) fn bytes_consumed(&self) -> u64 {
        self.csv.get_ref().consumed()
    }

    pub(super) fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    /// Reads the next non-blank record.
    pub(super) fn read(&mut self, row: &mut Row) -> Result<bool, FileError> {
        loop {
            match self.csv.read_record(&mut row.record) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(e) => return Err(self.error(e)),
            }
            let pos = self.csv.position();
            let (end_byte, end_line) = (pos.byte(), pos.line());
            let decoder = self.csv.get_mut();
            // The record ended with LF unless it ran to the very end of the text
            // without one.
            let ended_by_newline =
                end_byte < decoder.out_total() || decoder.last_out() == Some(b'\n');
            let inner_newlines = count_newlines(row.record.as_slice().as_bytes());
            row.line = end_line
                .saturating_sub(inner_newlines + u64::from(ended_by_newline))
                .max(1);
            self.next_line = end_line;
            // The next record may be at most MAX_RECORD_BYTES; the csv crate may
            // already hold a buffer's worth beyond it.
            decoder.set_limit(end_byte + RECORD_WINDOW);
            strip_cr(&mut row.record, &mut self.scratch);
            if row.finish()? {
                return Ok(true);
            }
        }
    }

    fn error(&self, e: csv::Error) -> FileError {
        let line = e.position().map_or(self.next_line, |p| p.line());
        let detail = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => {
                match io.get_ref().and_then(|r| r.downcast_ref::<DecodeFailure>()) {
                    Some(DecodeFailure::Malformed {
                        line,
                        encoding,
                        truncated,
                    }) => FileError::Encoding {
                        line: *line,
                        encoding: *encoding,
                        truncated: *truncated,
                    },
                    Some(DecodeFailure::Limit) => FileError::RecordTooLong {
                        line: self.next_line,
                    },
                    None => FileError::Io(io),
                }
            }
            _ => FileError::Csv { line, detail },
        }
    }
}

/// Removes the CR of a CRLF line end from the last cell.
fn strip_cr(record: &mut StringRecord, scratch: &mut String) {
    let n = record.len();
    let Some(last) = n.checked_sub(1).and_then(|i| record.get(i)) else {
        return;
    };
    if let Some(stripped) = last.strip_suffix('\r') {
        scratch.clear();
        scratch.push_str(stripped);
        record.truncate(n - 1);
        record.push_field(scratch);
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Comma, tab or semicolon: whichever occurs most (outside quotes) in the first line
/// with content. Ties go to comma, then tab; no delimiter at all means one column.
fn detect_delimiter(head: &[u8]) -> u8 {
    let line = head
        .split(|&b| b == b'\n')
        .find(|line| {
            line.iter()
                .any(|b| !matches!(b, b' ' | b'\t' | b',' | b';' | b'"' | b'\r'))
        })
        .unwrap_or(&[]);
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b'\t', b';'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"a\tb\tc\n1,2\n"), b'\t');
        assert_eq!(detect_delimiter(b"a;b;c\n"), b';');
        assert_eq!(detect_delimiter(b",,,\n\na\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"x,y\"\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"single\n"), b',');
        assert_eq!(detect_delimiter(b""), b',');
    }
}
