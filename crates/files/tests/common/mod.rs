//! Helpers shared by the integration tests: files generated on the fly in a temporary
//! directory, and reading a whole table back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use yinqi_files::{FileError, Row, TableReader};

/// A temporary directory that lives as long as the value.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().expect("temp dir"))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes `bytes` to a file called `name` and returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }
}

/// A table as read: headers, then (line, cells) per data row.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub header_line: u64,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads every row; on a read error returns the rows read so far with the error.
pub fn read_rows(reader: &mut TableReader) -> (Vec<(u64, Vec<String>)>, Option<FileError>) {
    let mut rows = Vec::new();
    let mut row = Row::new();
    loop {
        match reader.read_row(&mut row) {
            Ok(true) => rows.push((row.line(), row.iter().map(str::to_owned).collect())),
            Ok(false) => return (rows, None),
            Err(e) => return (rows, Some(e)),
        }
    }
}

/// Opens and reads a whole file, panicking on any error.
pub fn read_table(path: &Path) -> Table {
    let mut reader = TableReader::open(path).unwrap_or_else(|e| panic!("open: {e}"));
    let (rows, err) = read_rows(&mut reader);
    if let Some(e) = err {
        panic!("read: {e}");
    }
    assert_eq!(reader.rows_read(), rows.len() as u64);
    Table {
        headers: reader.headers().to_vec(),
        header_line: reader.header_line(),
        rows,
    }
}

/// Owned rows from string literals.
pub fn rows(data: &[(u64, &[&str])]) -> Vec<(u64, Vec<String>)> {
    data.iter()
        .map(|(l, cells)| (*l, cells.iter().map(|s| s.to_string()).collect()))
        .collect()
}

pub fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// GB18030 bytes of a string.
pub fn gb(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}
