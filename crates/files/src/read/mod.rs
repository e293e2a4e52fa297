//! [`TableReader`]: one streaming, row-by-row reader for CSV and XLSX files.
//!
//! Both formats end up as the same thing: a header (the first non-blank row, cells
//! trimmed) and then data rows, each with the physical line (CSV) or Excel row number
//! it came from, so a caller can report "第 N 行" that the clerk finds in their file.
//!
//! Rows are normalised the same way for both formats: fully blank rows are skipped,
//! trailing empty cells are dropped, and the limits ([`crate::MAX_RECORD_BYTES`],
//! [`crate::MAX_COLUMNS`]) are fatal errors naming the line. Nothing accumulates per
//! row: the caller's [`Row`] is refilled in place.

mod csv_source;
mod xlsx_source;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use csv::StringRecord;

use crate::decode::TextEncoding;
use crate::error::FileError;
use crate::sniff::{FileKind, SNIFF_LEN, sniff};
use crate::{MAX_COLUMNS, MAX_RECORD_BYTES};

use csv_source::CsvSource;
use xlsx_source::XlsxSource;

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// Delimited text.
    Csv {
        /// Detected encoding. While only ASCII has been read this is `Utf8`; it is
        /// final once a non-ASCII byte has been read (so ask after reading).
        encoding: TextEncoding,
        /// `,`, `\t` or `;`, detected from the header line.
        delimiter: u8,
    },
    /// An XLSX workbook; `sheet` is the worksheet read (the first visible one).
    Xlsx {
        /// Worksheet name.
        sheet: String,
    },
}

impl SourceFormat {
    /// True for XLSX.
    pub fn is_xlsx(&self) -> bool {
        matches!(self, SourceFormat::Xlsx { .. })
    }
}

/// Unit of a [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgressUnit {
    /// Bytes of the input file (CSV).
    Bytes,
    /// Worksheet rows (XLSX: the compressed sheet gives no byte position).
    Rows,
}

/// How far a reader has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Bytes or rows done.
    pub done: u64,
    /// Total, when known (file size; the worksheet's declared dimension).
    pub total: Option<u64>,
    /// What `done` and `total` count.
    pub unit: ProgressUnit,
}

impl Progress {
    /// Fraction done in `0.0..=1.0`, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.done as f64 / t as f64).min(1.0)),
            None => None,
        }
    }
}

/// One row of a table: its cells as text and the line it came from. Reused from row to
/// row by [`TableReader::read_row`], so reading allocates nothing in the steady state.
#[derive(Debug, Clone, Default)]
pub struct Row {
    record: StringRecord,
    line: u64,
}

impl Row {
    /// An empty row to read into.
    pub fn new() -> Row {
        Row::default()
    }

    /// 1-based physical line where the record starts (CSV) or the Excel row number.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Number of cells, up to the last non-empty one.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// True if the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    /// Cell `i` (0-based); `""` past the end.
    pub fn get(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
    }

    /// True if every cell is empty or whitespace. (The reader never returns such rows;
    /// this is for callers building rows of their own.)
    pub fn is_blank(&self) -> bool {
        self.record.iter().all(|c| c.trim().is_empty())
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.record.iter()
    }

    /// Replaces the contents (for tests and callers assembling rows).
    pub fn set<'a>(&mut self, line: u64, cells: impl IntoIterator<Item = &'a str>) {
        self.record.clear();
        for c in cells {
            self.record.push_field(c);
        }
        self.line = line;
    }

    /// Drops trailing empty cells and checks the limits. Returns false for a blank row.
    fn finish(&mut self) -> Result<bool, FileError> {
        finish_record(&mut self.record, self.line)
    }
}

/// Drops trailing empty cells and checks the limits. Returns false for a blank row.
pub(crate) fn finish_record(record: &mut StringRecord, line: u64) -> Result<bool, FileError> {
    let mut n = record.len();
    while n > 0 && record.get(n - 1) == Some("") {
        n -= 1;
    }
    record.truncate(n);
    if record.as_slice().len() > MAX_RECORD_BYTES {
        return Err(FileError::RecordTooLong { line });
    }
    if n > MAX_COLUMNS {
        return Err(FileError::TooManyColumns { line, columns: n });
    }
    Ok(!record.iter().all(|c| c.trim().is_empty()))
}

enum Source {
    Csv(Box<CsvSource>),
    Xlsx(XlsxSource),
}

/// Streams the rows of a CSV or XLSX file. See the module documentation.
pub struct TableReader {
    source: Source,
    format: SourceFormat,
    headers: Vec<String>,
    header_line: u64,
    rows_read: u64,
    finished: bool,
}

impl fmt::Debug for TableReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableReader")
            .field("format", &self.format)
            .field("headers", &self.headers)
            .field("header_line", &self.header_line)
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

impl TableReader {
    /// Opens a file, decides its format from its content (see [`sniff`]) and reads the
    /// header row.
    pub fn open(path: &Path) -> Result<TableReader, FileError> {
        let file = File::open(path)?;
        let name = path.file_name().and_then(|n| n.to_str());
        TableReader::from_reader(file, name)
    }

    /// Like [`TableReader::open`], for any seekable source (an upload held in memory or
    /// a temporary file). `file_name` only sharpens error messages.
    pub fn from_reader<R>(mut reader: R, file_name: Option<&str>) -> Result<TableReader, FileError>
    where
        R: Read + Seek + Send + 'static,
    {
        let start = reader.stream_position()?;
        let total = reader.seek(SeekFrom::End(0))?.saturating_sub(start);
        reader.seek(SeekFrom::Start(start))?;
        let head = read_head(&mut reader)?;
        match sniff(&head, file_name)? {
            FileKind::Csv => {
                TableReader::csv_with_head(Box::new(reader), head, Some(total), file_name)
            }
            FileKind::Xlsx => {
                reader.seek(SeekFrom::Start(start))?;
                TableReader::from_xlsx_reader(BufReader::with_capacity(64 * 1024, reader))
            }
        }
    }

    /// Reads CSV from a plain stream (an upload body, say). Encoding and delimiter are
    /// still detected, and non-text content still rejected. `total_bytes` is only for
    /// [`TableReader::progress`].
    pub fn from_csv_reader<R>(
        mut reader: R,
        total_bytes: Option<u64>,
    ) -> Result<TableReader, FileError>
    where
        R: Read + Send + 'static,
    {
        let head = read_head(&mut reader)?;
        TableReader::csv_with_head(Box::new(reader), head, total_bytes, None)
    }

    /// Reads the first visible worksheet of an XLSX workbook.
    pub fn from_xlsx_reader<R>(reader: R) -> Result<TableReader, FileError>
    where
        R: Read + Seek + Send + 'static,
    {
        let (source, sheet) = XlsxSource::open(reader)?;
        TableReader::with_source(Source::Xlsx(source), SourceFormat::Xlsx { sheet })
    }

    fn csv_with_head(
        rest: Box<dyn Read + Send>,
        head: Vec<u8>,
        total: Option<u64>,
        file_name: Option<&str>,
    ) -> Result<TableReader, FileError> {
        if sniff(&head, file_name)? == FileKind::Xlsx {
            return Err(FileError::NotATable {
                what: Some("Excel 工作簿，此处需要 CSV 文件"),
            });
        }
        let (source, format) = CsvSource::open(rest, head, total)?;
        TableReader::with_source(Source::Csv(Box::new(source)), format)
    }

    fn with_source(source: Source, format: SourceFormat) -> Result<TableReader, FileError> {
        let mut reader = TableReader {
            source,
            format,
            headers: Vec::new(),
            header_line: 0,
            rows_read: 0,
            finished: false,
        };
        if !reader.use_next_row_as_header()? {
            return Err(FileError::NoHeader);
        }
        Ok(reader)
    }

    /// The detected format. For CSV the encoding is final once a non-ASCII byte has
    /// been read; before that it says `Utf8` (see [`SourceFormat::Csv`]).
    pub fn format(&self) -> &SourceFormat {
        &self.format
    }

    /// The header row: the first non-blank row, cells trimmed, trailing empty cells
    /// dropped.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Line (CSV) or Excel row of the header.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// Data rows returned so far. A file with a header and no data is not an error
    /// for the reader; callers check this at the end.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Reads the next non-blank data row into `row` (reusing its buffers). Returns
    /// `Ok(false)` at the end. After an error the reader is finished: further calls
    /// return `Ok(false)`; rows before the error have all been returned.
    pub fn read_row(&mut self, row: &mut Row) -> Result<bool, FileError> {
        let got = self.next_row(row)?;
        if got {
            self.rows_read += 1;
        }
        Ok(got)
    }

    /// Takes the next non-blank row as the header instead of the current one, for
    /// sheets with a title row above the header (“2024 年百行进万企企业名单”). Call it
    /// before reading data rows; returns false if there is no further row.
    pub fn use_next_row_as_header(&mut self) -> Result<bool, FileError> {
        let mut row = Row::new();
        if !self.next_row(&mut row)? {
            return Ok(false);
        }
        self.header_line = row.line;
        self.headers.clear();
        self.headers.extend(
            row.iter()
                .map(|c| c.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}'))
                .map(str::to_owned),
        );
        while self.headers.last().is_some_and(|h| h.is_empty()) {
            self.headers.pop();
        }
        Ok(true)
    }

    /// How far reading has got.
    pub fn progress(&self) -> Progress {
        match &self.source {
            Source::Csv(s) => Progress {
                done: s.bytes_consumed(),
                total: s.total_bytes(),
                unit: ProgressUnit::Bytes,
            },
            Source::Xlsx(s) => Progress {
                done: s.rows_done(),
                total: s.total_rows(),
                unit: ProgressUnit::Rows,
            },
        }
    }

    fn next_row(&mut self, row: &mut Row) -> Result<bool, FileError> {
        if self.finished {
            return Ok(false);
        }
        let result = match &mut self.source {
            Source::Csv(s) => {
                let r = s.read(row);
                if let SourceFormat::Csv { encoding, .. } = &mut self.format
                    && let Some(e) = s.encoding()
                {
                    *encoding = e;
                }
                r
            }
            Source::Xlsx(s) => s.read(row),
        };
        match result {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.finished = true;
                Ok(false)
            }
            Err(e) => {
                self.finished = true;
                Err(e)
            }
        }
    }
}

/// Reads up to [`SNIFF_LEN`] bytes (fewer only at the end of the stream).
fn read_head(reader: &mut impl Read) -> Result<Vec<u8>, FileError> {
    let mut head = vec![0u8; SNIFF_LEN];
    let mut n = 0;
    while n < head.len() {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    head.truncate(n);
    Ok(head)
}
