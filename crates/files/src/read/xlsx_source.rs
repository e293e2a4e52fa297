//! XLSX rows: calamine's streaming cell reader (`worksheet_cells_reader`, never
//! `worksheet_range`), assembled into rows on a worker thread.
//!
//! Why a thread: calamine's `XlsxCellReader` borrows the workbook (shared strings,
//! formats), so the two cannot live in one struct without unsafe code, which the
//! workspace forbids. The worker owns both and sends finished rows in batches over a
//! bounded channel; emptied batches come back for reuse, so the steady state allocates
//! nothing and at most a few batches (each ≤ 256 rows and ≈ 256 KiB of text) exist at
//! once. Dropping the reader closes the channel, which stops the worker.
//!
//! Memory note: calamine loads the workbook's shared-string table whole when opening;
//! that, not the rows, is what an XLSX read costs.

use std::io::{Read, Seek};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::{self, JoinHandle};

use calamine::{DataRef, Dimensions, Reader, Sheet, SheetType, SheetVisible, Xlsx, XlsxError};
use csv::StringRecord;

use super::{Row, finish_record};
use crate::cell_text::push_cell_text;
use crate::error::{ColumnLetter, FileError};
use crate::{MAX_COLUMNS, MAX_RECORD_BYTES};

const BATCH_ROWS: usize = 256;
const BATCH_BYTES: usize = 256 * 1024;
/// Full batches in flight; with one being filled and one being read, four at most.
const CHANNEL_DEPTH: usize = 2;

#[derive(Default)]
struct Batch {
    rows: Vec<(u64, StringRecord)>,
    len: usize,
}

enum Msg {
    Rows(Batch),
    End,
    Failed(FileError),
}

struct Opened {
    sheet: String,
    total_rows: Option<u64>,
}

pub(super) struct XlsxSource {
    rx: Option<Receiver<Msg>>,
    recycle: Sender<Batch>,
    current: Option<Batch>,
    next: usize,
    total_rows: Option<u64>,
    last_line: u64,
    worker: Option<JoinHandle<()>>,
}

impl XlsxSource {
    pub(super) fn open<R>(reader: R) -> Result<(XlsxSource, String), FileError>
    where
        R: Read + Seek + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(CHANNEL_DEPTH);
        let (recycle_tx, recycle_rx) = mpsc::channel();
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let worker = thread::Builder::new()
            .name("yinqi-xlsx-reader".into())
            .spawn(move || work(reader, open_tx, tx, recycle_rx))?;
        let opened = match open_rx.recv() {
            Ok(Ok(opened)) => opened,
            Ok(Err(e)) => {
                let _ = worker.join();
                return Err(e);
            }
            Err(_) => {
                let _ = worker.join();
                return Err(FileError::XlsxReaderLost { line: None });
            }
        };
        let source = XlsxSource {
            rx: Some(rx),
            recycle: recycle_tx,
            current: None,
            next: 0,
            total_rows: opened.total_rows,
            last_line: 0,
            worker: Some(worker),
        };
        Ok((source, opened.sheet))
    }

    pub(super) fn rows_done(&self) -> u64 {
        self.last_line
    }

    pub(super) fn total_rows(&self) -> Option<u64> {
        self.total_rows
    }

    pub(super) fn read(&mut self, row: &mut Row) -> Result<bool, FileError> {
        loop {
            if let Some(batch) = &mut self.current {
                if self.next < batch.len {
                    let (line, record) = &mut batch.rows[self.next];
                    // Swap rather than copy: the caller's old buffers go back to the
                    // worker with the batch.
                    std::mem::swap(&mut row.record, record);
                    row.line = *line;
                    self.last_line = *line;
                    self.next += 1;
                    return Ok(true);
                }
                if let Some(done) = self.current.take() {
                    // The worker may be gone already; then the batch is simply freed.
                    let _ = self.recycle.send(done);
                }
            }
            let Some(rx) = &self.rx else {
                return Ok(false);
            };
            match rx.recv() {
                Ok(Msg::Rows(batch)) => {
                    self.current = Some(batch);
                    self.next = 0;
                }
                Ok(Msg::End) => {
                    self.rx = None;
                    return Ok(false);
                }
                Ok(Msg::Failed(e)) => {
                    self.rx = None;
                    return Err(e);
                }
                Err(_) => {
                    self.rx = None;
                    return Err(FileError::XlsxReaderLost {
                        line: (self.last_line > 0).then_some(self.last_line),
                    });
                }
            }
        }
    }
}

impl Drop for XlsxSource {
    fn drop(&mut self) {
        // Closing the channel makes the worker's next send fail, so it stops after at
        // most one batch; join so the file is closed when the reader is gone.
        self.rx = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// Why the worker stopped early.
enum Stop {
    Failed(FileError),
    /// The reader was dropped.
    Gone,
}

impl From<FileError> for Stop {
    fn from(e: FileError) -> Self {
        Stop::Failed(e)
    }
}

fn work<R: Read + Seek>(
    reader: R,
    open_tx: SyncSender<Result<Opened, FileError>>,
    tx: SyncSender<Msg>,
    recycle: Receiver<Batch>,
) {
    let mut workbook: Xlsx<R> = match Xlsx::new(reader) {
        Ok(w) => w,
        Err(e) => {
            let _ = open_tx.send(Err(open_error(e)));
            return;
        }
    };
    let Some(sheet) = pick_sheet(workbook.sheets_metadata()) else {
        let _ = open_tx.send(Err(FileError::NoWorksheet));
        return;
    };
    let mut cells = match workbook.worksheet_cells_reader(&sheet) {
        Ok(c) => c,
        Err(e) => {
            let _ = open_tx.send(Err(xlsx_error(e, None)));
            return;
        }
    };
    let dims = cells.dimensions();
    let total_rows = (dims != Dimensions::default()).then(|| u64::from(dims.end.0) + 1);
    if open_tx.send(Ok(Opened { sheet, total_rows })).is_err() {
        return;
    }
    drop(open_tx);

    let mut asm = Assembler {
        tx,
        recycle,
        batch: Batch::default(),
        bytes: 0,
        row: None,
        text: String::new(),
    };
    let mut read_all = || -> Result<(), Stop> {
        loop {
            let cell = match cells.next_cell() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return Err(xlsx_error(e, asm.current_line()).into()),
            };
            asm.cell(cell.get_position(), cell.get_value())?;
        }
        asm.end_row()?;
        asm.flush()
    };
    match read_all() {
        Ok(()) => {
            let _ = asm.tx.send(Msg::End);
        }
        Err(Stop::Failed(e)) => {
            // Rows completed before the error are delivered first, as for CSV.
            if asm.flush().is_ok() {
                let _ = asm.tx.send(Msg::Failed(e));
            }
        }
        Err(Stop::Gone) => {}
    }
}

/// The first visible worksheet; failing that, the first worksheet.
fn pick_sheet(sheets: &[Sheet]) -> Option<String> {
    let worksheet = |s: &&Sheet| s.typ == SheetType::WorkSheet;
    sheets
        .iter()
        .filter(worksheet)
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| sheets.iter().find(worksheet))
        .map(|s| s.name.clone())
}

fn open_error(e: XlsxError) -> FileError {
    match e {
        XlsxError::Io(io) => FileError::Io(io),
        // Not a zip after all, or a zip without a workbook in it.
        XlsxError::Zip(_) | XlsxError::FileNotFound(_) | XlsxError::RelationshipNotFound => {
            FileError::NotAWorkbook { what: None }
        }
        XlsxError::Password => FileError::LegacyExcel,
        other => xlsx_error(other, None),
    }
}

fn xlsx_error(e: XlsxError, line: Option<u64>) -> FileError {
    match e {
        XlsxError::Io(io) => FileError::Io(io),
        other => FileError::Xlsx {
            line,
            detail: other.to_string(),
        },
    }
}

/// Builds rows from cells in stream order.
struct Assembler {
    tx: SyncSender<Msg>,
    recycle: Receiver<Batch>,
    batch: Batch,
    /// Text bytes in the batch.
    bytes: usize,
    /// 0-based worksheet row being assembled into `batch.rows[batch.len]`.
    row: Option<u32>,
    text: String,
}

impl Assembler {
    fn current_line(&self) -> Option<u64> {
        self.row.map(|r| u64::from(r) + 1)
    }

    fn cell(&mut self, (r, c): (u32, u32), value: &DataRef<'_>) -> Result<(), Stop> {
        // Styled but empty cells are everywhere in real sheets (formatting applied to
        // whole columns); they must not widen rows.
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        if self.row != Some(r) {
            self.end_row()?;
            self.start_row(r);
        }
        let line = u64::from(r) + 1;
        let text: &str = match value {
            DataRef::String(s) => s,
            DataRef::SharedString(s) => s,
            other => {
                self.text.clear();
                push_cell_text(other, &mut self.text);
                &self.text
            }
        };
        if text.is_empty() {
            return Ok(());
        }
        let col = c as usize;
        if col >= MAX_COLUMNS {
            return Err(FileError::TooManyColumns {
                line,
                columns: col + 1,
            }
            .into());
        }
        let record = &mut self.batch.rows[self.batch.len].1;
        if col < record.len() {
            return Err(FileError::Xlsx {
                line: Some(line),
                detail: format!("cell {}{line} out of order", ColumnLetter(col)),
            }
            .into());
        }
        while record.len() < col {
            record.push_field("");
        }
        record.push_field(text);
        if record.as_slice().len() > MAX_RECORD_BYTES {
            return Err(FileError::RecordTooLong { line }.into());
        }
        Ok(())
    }

    fn start_row(&mut self, r: u32) {
        if self.batch.rows.len() == self.batch.len {
            self.batch.rows.push((0, StringRecord::new()));
        }
        let slot = &mut self.batch.rows[self.batch.len];
        slot.0 = u64::from(r) + 1;
        slot.1.clear();
        self.row = Some(r);
    }

    fn end_row(&mut self) -> Result<(), Stop> {
        if self.row.take().is_none() {
            return Ok(());
        }
        let (line, record) = &mut self.batch.rows[self.batch.len];
        if finish_record(record, *line)? {
            self.bytes += record.as_slice().len();
            self.batch.len += 1;
            if self.batch.len >= BATCH_ROWS || self.bytes >= BATCH_BYTES {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if self.batch.len == 0 {
            return Ok(());
        }
        let fresh = match self.recycle.try_recv() {
            Ok(mut b) => {
                b.len = 0;
                b
            }
            Err(_) => Batch::default(),
        };
        let full = std::mem::replace(&mut self.batch, fresh);
        self.bytes = 0;
        self.tx.send(Msg::Rows(full)).map_err(|_| Stop::Gone)
    }
}
