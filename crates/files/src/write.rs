//! [`TableWriter`]: writing tables of text cells as CSV or XLSX with bounded memory,
//! typically an error report the clerk fixes and re-uploads, or an export.
//!
//! CSV is written the way Excel reads it without asking: UTF-8 with a BOM (or GB18030,
//! Chinese Excel's native CSV encoding), CRLF line ends, quotes only where needed. XLSX
//! uses rust_xlsxwriter's constant-memory worksheet (each row goes to a temporary file
//! as soon as the next starts); every cell is written as a string so Excel never turns a
//! credit code or a region code into a number, the first row is a bold, frozen header,
//! and column widths follow the content of the first rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use encoding_rs::{EncoderResult, GB18030};
use rust_xlsxwriter::{Format, Workbook};

use crate::decode::{GB18030_NOT_ROUND_TRIPPING, TextEncoding};
use crate::error::FileError;
use crate::read::SourceFormat;
use crate::{XLSX_MAX_CELL_CHARS, XLSX_MAX_ROWS};

/// Excel's column limit.
const XLSX_MAX_COLUMNS: usize = 16_384;

/// Column widths are measured on this many rows; later rows rarely change the picture
/// and measuring costs a pass over every cell.
const WIDTH_SAMPLE_ROWS: u64 = 1_000;

/// Writes rows to a CSV or XLSX file. The first row written is the header. Nothing is
/// guaranteed to be on disk until [`TableWriter::finish`] returns.
pub struct TableWriter {
    inner: Inner,
    rows: u64,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.inner {
            Inner::Csv(c) => format!("Csv({:?})", c.encoding),
            Inner::Xlsx(x) => format!("Xlsx({})", x.path.display()),
        };
        f.debug_struct("TableWriter")
            .field("kind", &kind)
            .field("rows", &self.rows)
            .finish()
    }
}

enum Inner {
    Csv(CsvOut),
    Xlsx(Box<XlsxOut>),
}

struct CsvOut {
    out: Box<dyn Write + Send>,
    encoding: TextEncoding,
    delimiter: char,
    line: String,
    encoder: Option<encoding_rs::Encoder>,
    encoded: Vec<u8>,
}

struct XlsxOut {
    workbook: Workbook,
    path: PathBuf,
    bold: Format,
    widths: Vec<usize>,
}

impl TableWriter {
    /// Creates `path` in exactly `format`: `Csv { encoding: Utf8, .. }` writes no BOM
    /// (use [`TableWriter::like`] or `Utf8Bom` for files meant for Excel).
    pub fn create(path: &Path, format: &SourceFormat) -> Result<TableWriter, FileError> {
        match format {
            SourceFormat::Csv {
                encoding,
                delimiter,
            } => {
                let file = File::create(path)?;
                TableWriter::csv(
                    BufWriter::with_capacity(64 * 1024, file),
                    *encoding,
                    *delimiter,
                )
            }
            SourceFormat::Xlsx { sheet } => TableWriter::xlsx(path, sheet),
        }
    }

    /// Creates `path` in the same format as an input file, so a clerk gets back what
    /// they sent: same CSV encoding and delimiter (UTF-8 always with a BOM, so Excel
    /// shows the Chinese correctly), or XLSX with the same sheet name.
    pub fn like(format: &SourceFormat, path: &Path) -> Result<TableWriter, FileError> {
        let format = match format {
            SourceFormat::Csv {
                encoding: TextEncoding::Utf8,
                delimiter,
            } => SourceFormat::Csv {
                encoding: TextEncoding::Utf8Bom,
                delimiter: *delimiter,
            },
            other => other.clone(),
        };
        TableWriter::create(path, &format)
    }

    /// Writes CSV to any stream (an HTTP response, say). The BOM, if any, is written
    /// at once.
    pub fn csv<W>(out: W, encoding: TextEncoding, delimiter: u8) -> Result<TableWriter, FileError>
    where
        W: Write + Send + 'static,
    {
        let mut out: Box<dyn Write + Send> = Box::new(out);
        if encoding == TextEncoding::Utf8Bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let encoder = (encoding == TextEncoding::Gb18030).then(|| GB18030.new_encoder());
        Ok(TableWriter {
            inner: Inner::Csv(CsvOut {
                out,
                encoding,
                delimiter: char::from(delimiter),
                line: String::new(),
                encoder,
                encoded: Vec::new(),
            }),
            rows: 0,
        })
    }

    /// Creates an XLSX file with one worksheet named `sheet` (Excel's naming rules
    /// apply; an unusable name falls back to "Sheet1").
    pub fn xlsx(path: &Path, sheet: &str) -> Result<TableWriter, FileError> {
        // Fail now, not after writing a million rows, if the file cannot be created.
        File::create(path)?;
        let mut workbook = Workbook::new();
        let worksheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_write)?;
        if !sheet.is_empty() {
            // An invalid name leaves the default one in place.
            let _ = worksheet.set_name(sheet);
        }
        worksheet.set_freeze_panes(1, 0).map_err(xlsx_write)?;
        Ok(TableWriter {
            inner: Inner::Xlsx(Box::new(XlsxOut {
                workbook,
                path: path.to_path_buf(),
                bold: Format::new().set_bold(),
                widths: Vec::new(),
            })),
            rows: 0,
        })
    }

    /// Rows written so far (including the header).
    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    /// Appends one row. Accepts `&[&str]`, `&[String]`, …
    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), FileError> {
        let row_number = self.rows + 1;
        match &mut self.inner {
            Inner::Csv(c) => c.write_row(cells, row_number)?,
            Inner::Xlsx(x) => x.write_row(cells, self.rows)?,
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes (CSV) or assembles and saves the workbook (XLSX).
    pub fn finish(self) -> Result<(), FileError> {
        match self.inner {
            Inner::Csv(mut c) => {
                c.out.flush()?;
                Ok(())
            }
            Inner::Xlsx(mut x) => x.finish(),
        }
    }
}

impl CsvOut {
    fn write_row<S: AsRef<str>>(&mut self, cells: &[S], row_number: u64) -> Result<(), FileError> {
        self.line.clear();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(self.delimiter);
            }
            push_csv_field(&mut self.line, cell.as_ref(), self.delimiter);
        }
        if let [only] = cells
            && only.as_ref().is_empty()
        {
            // A lone empty cell would be an empty line, which readers skip.
            self.line.push_str("\"\"");
        }
        self.line.push_str("\r\n");
        match &mut self.encoder {
            None => self.out.write_all(self.line.as_bytes())?,
            Some(encoder) => {
                encode_gb18030(encoder, &self.line, &mut self.encoded).map_err(|ch| {
                    let column = cells
                        .iter()
                        .position(|c| c.as_ref().contains(ch))
                        .unwrap_or(0);
                    FileError::Unencodable {
                        row: row_number,
                        column,
                        ch,
                    }
                })?;
                self.out.write_all(&self.encoded)?;
            }
        }
        Ok(())
    }
}

/// Appends a field, quoted if it contains the delimiter, a quote or a line break (or
/// starts with U+FEFF, which a reader would take for a byte-order mark).
fn push_csv_field(line: &mut String, field: &str, delimiter: char) {
    let needs_quotes = field.starts_with('\u{feff}')
        || field
            .chars()
            .any(|c| c == delimiter || matches!(c, '"' | '\n' | '\r'));
    if !needs_quotes {
        line.push_str(field);
        return;
    }
    line.push('"');
    let mut parts = field.split('"');
    if let Some(first) = parts.next() {
        line.push_str(first);
    }
    for part in parts {
        line.push_str("\"\"");
        line.push_str(part);
    }
    line.push('"');
}

/// Encodes a whole row before anything is written, so an unencodable character leaves
/// no half-written row behind.
fn encode_gb18030(
    encoder: &mut encoding_rs::Encoder,
    text: &str,
    out: &mut Vec<u8>,
) -> Result<(), char> {
    out.clear();
    // Characters that would silently come back as different ones are refused like
    // unmappable ones; they all lie in one small private-use range.
    if let Some(ch) = text
        .chars()
        .filter(|c| ('\u{E78D}'..='\u{E864}').contains(c))
        .find(|c| GB18030_NOT_ROUND_TRIPPING.contains(c))
    {
        return Err(ch);
    }
    // GB18030 needs at most 4 bytes per character, and a character is at least 1
    // byte of UTF-8; worst case 4×. Reserve what the encoder says it may need.
    let needed = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 4);
    out.resize(needed, 0);
    let (result, _read, written) = encoder.encode_from_utf8_without_replacement(text, out, false);
    match result {
        EncoderResult::InputEmpty => {
            out.truncate(written);
            Ok(())
        }
        EncoderResult::Unmappable(ch) => Err(ch),
        // Cannot happen with the buffer sized as above; report it rather than lose text.
        EncoderResult::OutputFull => Err('\u{FFFD}'),
    }
}

impl XlsxOut {
    fn write_row<S: AsRef<str>>(&mut self, cells: &[S], row: u64) -> Result<(), FileError> {
        if row >= XLSX_MAX_ROWS || cells.len() > XLSX_MAX_COLUMNS {
            return Err(FileError::TooBigForXlsx);
        }
        let row_index = row as u32;
        let worksheet = self.workbook.worksheet_from_index(0).map_err(xlsx_write)?;
        let measure = row < WIDTH_SAMPLE_ROWS;
        if measure && self.widths.len() < cells.len() {
            self.widths.resize(cells.len(), 0);
        }
        for (col, cell) in cells.iter().enumerate() {
            let text = cell.as_ref();
            if text.is_empty() {
                continue;
            }
            // Excel counts its limit in UTF-16 units.
            if text.len() > XLSX_MAX_CELL_CHARS {
                let units = text.encode_utf16().count();
                if units > XLSX_MAX_CELL_CHARS {
                    return Err(FileError::CellTooLong {
                        row: row + 1,
                        column: col,
                        chars: text.chars().count(),
                    });
                }
            }
            let col_index = col as u16;
            if row == 0 {
                worksheet.write_string_with_format(row_index, col_index, text, &self.bold)
            } else {
                worksheet.write_string(row_index, col_index, text)
            }
            .map_err(xlsx_write)?;
            if measure {
                self.widths[col] = self.widths[col].max(display_width(text));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), FileError> {
        let worksheet = self.workbook.worksheet_from_index(0).map_err(xlsx_write)?;
        for (col, &width) in self.widths.iter().enumerate() {
            // Excel widths are in characters of the default font; CJK counts double.
            let width = (width + 2).clamp(8, 50) as f64;
            worksheet
                .set_column_width(col as u16, width)
                .map_err(xlsx_write)?;
        }
        self.workbook.save(&self.path).map_err(xlsx_write)
    }
}

/// Width in Excel character units: wide (CJK) characters count two; a multi-line
/// cell is as wide as its longest line.
fn display_width(text: &str) -> usize {
    text.split('\n')
        .map(|line| {
            line.chars()
                .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

fn xlsx_write(e: rust_xlsxwriter::XlsxError) -> FileError {
    match e {
        rust_xlsxwriter::XlsxError::IoError(io) => FileError::Io(io),
        rust_xlsxwriter::XlsxError::RowColumnLimitError => FileError::TooBigForXlsx,
        other => FileError::XlsxWrite(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        push_csv_field(&mut s, "plain", ',');
        assert_eq!(s, "plain");
        for (field, quoted) in [
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("\u{feff}x", "\"\u{feff}x\""),
            ("\"", "\"\"\"\""),
        ] {
            s.clear();
            push_csv_field(&mut s, field, ',');
            assert_eq!(s, quoted);
        }
        s.clear();
        push_csv_field(&mut s, "a,b", '\t');
        assert_eq!(s, "a,b");
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("370202"), 6);
        assert_eq!(display_width("青岛"), 4);
        assert_eq!(display_width("ab\n青岛港"), 6);
    }
}
