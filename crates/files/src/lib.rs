//! Reading and writing the tables that bureaus and banks exchange: CSV in whichever
//! encoding Chinese Excel wrote it (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX.
//!
//! The crate is deliberately generic: it knows tables of text cells, line numbers and
//! header names, nothing about enterprises. Everything streams with bounded memory,
//! because one bureau's file can be 1–2 GB:
//!
//! * [`sniff`] decides from the first bytes whether a file is CSV or XLSX, and rejects
//!   everything else (legacy `.xls`, UTF-16, PDF, images, empty files) with a message
//!   the clerk can act on;
//! * [`TableReader`] reads either format row by row into a reused [`Row`];
//! * [`match_headers`] maps the header row onto the fields a caller expects;
//! * [`TableWriter`] writes CSV (UTF-8 with BOM or GB18030) or XLSX (every cell a
//!   string, so Excel never turns codes into numbers).
//!
//! All errors are [`FileError`] / [`HeaderError`], whose `Display` is a Chinese message
//! for a data clerk naming the problem and, where known, the line.

mod cell_text;
mod decode;
mod error;
mod headers;
mod read;
mod sniff;
mod write;

pub use decode::TextEncoding;
pub use error::FileError;
pub use headers::{
    DuplicateField, FieldSpec, HeaderError, HeaderMap, MissingField, UnknownColumn, match_headers,
    normalize_header,
};
pub use read::{Progress, ProgressUnit, Row, SourceFormat, TableReader};
pub use sniff::{FileKind, SNIFF_LEN, sniff};
pub use write::TableWriter;

/// Longest record (one CSV record or one spreadsheet row, cell text only) the reader
/// accepts. A real row of the unified format is well under 1 KiB; anything near this
/// limit is almost always an unbalanced quote swallowing the rest of the file, and
/// stopping early keeps memory bounded.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Most columns a row may have (counted up to its last non-empty cell). The unified
/// format has 14; a wide sheet is a wrong file, and a bound keeps rows small.
pub const MAX_COLUMNS: usize = 512;

/// Maximum number of characters Excel stores in one cell.
pub const XLSX_MAX_CELL_CHARS: usize = 32_767;

/// Maximum number of rows in one Excel worksheet.
pub const XLSX_MAX_ROWS: u64 = 1_048_576;
