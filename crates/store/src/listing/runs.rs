//! An external sort for large SQLite imports. Inserting rows in file order touches the
//! unique credit-code index at random; once the index outgrows the page cache (a few
//! million rows) every batch rewrites pages spread over all of it, and the load slows
//! three-fold. Past a threshold the load therefore writes each batch, sorted, to an
//! anonymous temporary file (a run) and at the end merges the runs, so the index is
//! filled in one ordered pass. Memory stays flat: one buffered reader per run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};

use super::StagedRow;
use crate::error::Result;

/// A credit code's length; codes are validated before they get here, and a longer one
/// (impossible) would still sort correctly because equal keys compare the full text.
const USCC_LEN: usize = 18;

/// The first 18 bytes of a code, zero-padded: a sort key that lives in the key array.
pub(super) fn sort_key(uscc: &str) -> [u8; USCC_LEN] {
    let mut key = [0u8; USCC_LEN];
    let n = uscc.len().min(USCC_LEN);
    key[..n].copy_from_slice(&uscc.as_bytes()[..n]);
    key
}

/// The positions of `rows` in credit-code order, the earlier line first among equal codes.
/// The keys are copied out first: sorting through pointers to each row's heap buffer
/// missed the cache on nearly every comparison.
pub(super) fn sorted_order(rows: &[StagedRow]) -> Vec<([u8; USCC_LEN], u64, u32)> {
    let mut keys: Vec<([u8; USCC_LEN], u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (sort_key(r.uscc()), r.line, i as u32))
        .collect();
    keys.sort_unstable();
    keys
}

/// Sorted runs written so far.
#[derive(Default)]
pub(super) struct Runs {
    files: Vec<File>,
}

impl Runs {
    pub(super) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes `rows`, sorted, as one more run.
    pub(super) fn write(&mut self, rows: &[StagedRow]) -> Result<()> {
        // Unlinked at once: nothing is left behind, whatever happens to the process.
        let file = tempfile::tempfile()?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        for (_, _, i) in sorted_order(rows) {
            rows[i as usize].write_to(&mut out)?;
        }
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        self.files.push(file);
        Ok(())
    }

    /// Merges the runs and hands the rows on in credit-code order (the earlier line first
    /// among equal codes), `chunk` rows at a time.
    pub(super) fn merge(
        self,
        chunk: usize,
        mut each: impl FnMut(&[StagedRow]) -> Result<()>,
    ) -> Result<()> {
        let mut readers = Vec::with_capacity(self.files.len());
        for mut file in self.files {
            file.seek(SeekFrom::Start(0))?;
            readers.push(BufReader::with_capacity(1 << 16, file));
        }
        let mut heads: Vec<Option<StagedRow>> = Vec::with_capacity(readers.len());
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (run, reader) in readers.iter_mut().enumerate() {
            let head = StagedRow::read_from(reader)?;
            if let Some(row) = &head {
                heap.push(Reverse((sort_key(row.uscc()), row.line, run)));
            }
            heads.push(head);
        }
        let mut out = Vec::with_capacity(chunk);
        while let Some(Reverse((_, _, run))) = heap.pop() {
            let next = StagedRow::read_from(&mut readers[run])?;
            if let Some(row) = &next {
                heap.push(Reverse((sort_key(row.uscc()), row.line, run)));
            }
            let row = std::mem::replace(&mut heads[run], next).expect("a popped run has a head");
            out.push(row);
            if out.len() == chunk {
                each(&out)?;
                out.clear();
            }
        }
        if !out.is_empty() {
            each(&out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::RowText;

    fn row(line: u64, uscc: &str) -> StagedRow {
        StagedRow::new(
            line,
            &RowText {
                uscc,
                ..RowText::default()
            },
        )
    }

    #[test]
    fn runs_merge_into_one_order_with_the_earlier_line_first() {
        let mut runs = Runs::default();
        runs.write(&[row(1, "C"), row(2, "A"), row(3, "B")])
            .unwrap();
        runs.write(&[row(4, "B"), row(5, "D")]).unwrap();
        runs.write(&[]).unwrap();
        runs.write(&[row(6, "A"), row(7, "A")]).unwrap();
        let mut seen = Vec::new();
        let mut chunks = Vec::new();
        runs.merge(3, |rows| {
            chunks.push(rows.len());
            seen.extend(rows.iter().map(|r| (r.uscc().to_owned(), r.line)));
            Ok(())
        })
        .unwrap();
        let expected: Vec<(String, u64)> = [
            ("A", 2),
            ("A", 6),
            ("A", 7),
            ("B", 3),
            ("B", 4),
            ("C", 1),
            ("D", 5),
        ]
        .iter()
        .map(|(u, l)| (u.to_string(), *l))
        .collect();
        assert_eq!(seen, expected);
        assert_eq!(chunks, vec![3, 3, 1]);
    }
}
