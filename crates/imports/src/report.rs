//! The error report handed back to the submitter: the rows that need their attention, in the
//! same format and columns as their file plus one reason column, so they can fix the rows
//! and upload the report itself again. Created only when there is something to report.

use std::path::{Path, PathBuf};

use yinqi_files::{FileError, SourceFormat, TableWriter};

pub struct ErrorReport {
    path: PathBuf,
    format: SourceFormat,
    headers: Vec<String>,
    writer: Option<TableWriter>,
    rows: u64,
}

/// The reason column's header: Chinese unless the file used the English keys.
fn reason_header(headers: &[String]) -> &'static str {
    let english = headers
        .iter()
        .filter(|h| !h.is_empty())
        .all(|h| h.is_ascii());
    if english {
        "error_reason"
    } else {
        "错误原因"
    }
}

impl ErrorReport {
    pub fn new(path: &Path, format: &SourceFormat, headers: &[String]) -> ErrorReport {
        ErrorReport {
            path: path.to_owned(),
            format: format.clone(),
            headers: headers.to_vec(),
            writer: None,
            rows: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one row: the file's own cells (padded to the header width) and the reason.
    pub fn write<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        reason: &str,
    ) -> Result<(), FileError> {
        let width = self.headers.len();
        let writer = match &mut self.writer {
            Some(w) => w,
            None => {
                let mut w = TableWriter::like(&self.format, &self.path)?;
                let mut header: Vec<&str> = self.headers.iter().map(String::as_str).collect();
                header.push(reason_header(&self.headers));
                w.write_row(&header)?;
                self.writer.insert(w)
            }
        };
        let mut row: Vec<&str> = cells.into_iter().take(width).collect();
        row.resize(width, "");
        row.push(reason);
        writer.write_row(&row)?;
        self.rows += 1;
        Ok(())
    }

    /// Completes the file; `None` when nothing was reported (no file is left behind).
    pub fn finish(self) -> Result<Option<PathBuf>, FileError> {
        match self.writer {
            Some(w) => {
                w.finish()?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }

    /// Abandons the report of a failed import, removing any partial file.
    pub fn discard(self) {
        if let Some(w) = self.writer {
            drop(w);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
