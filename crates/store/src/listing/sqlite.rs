//! SQLite: inside the import's one write transaction, new codes go in 64 rows per
//! `INSERT OR IGNORE` (no statement journal, the statement cost shared; when fewer rows
//! went in than were sent, the chunk's rows are looked up to see which); the few rows the
//! unique index turns away — re-uploaded, repeated in this file, or another bureau's — are
//! then upserted one by one. rusqlite runs every step on the calling thread (PERF_NOTES).

use std::sync::LazyLock;

use super::runs::{Runs, sorted_order};
use super::{
    DuplicateKind, Job, MERGE_INTO, MERGE_ON_CONFLICT, MERGE_SELECT, MergeReport, ROW_COLUMNS,
    StagedDuplicate, StagedRow, insert_import, record_cross_bureau_duplicate, row_values,
};
use crate::db::{Conn, ConnExt, Val};
use crate::error::Result;
use crate::{now_millis, params};

/// Parameters before a row's own: campaign, bureau, tax credit year, import, now.
const HEAD: usize = 5;
/// Rows per multi-row insert.
const CHUNK: usize = 64;

/// Rows loaded straight into the table before the load switches to sorted runs: the
/// credit-code index of this many rows (about 30 bytes each) stays well inside the import's
/// page cache, and loading them at once keeps reading and writing overlapped for the lists
/// of most bureaus.
const DIRECT_ROWS: u64 = 1 << 20;
/// Rows per merged chunk handed to the loader after the runs are merged.
const MERGED_CHUNK: usize = 1 << 16;

/// Inserts up to `rows` new rows, skipping codes already listed.
/// Written with SQLite's own `?N` placeholders: this statement is SQLite's alone, and the
/// text is long enough that rewriting it per chunk would show.
fn insert_new_sql(rows: usize) -> String {
    let tuple = |r: usize| {
        let first = HEAD + 1 + r * ROW_COLUMNS.len();
        let cells: Vec<String> = (first..first + ROW_COLUMNS.len())
            .map(|p| format!("?{p}"))
            .collect();
        format!("({})", cells.join(", "))
    };
    let tuples: Vec<String> = (0..rows).map(tuple).collect();
    let named: Vec<String> = ROW_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("column{} AS {c}", i + 1))
        .collect();
    let head = MERGE_SELECT.replace('$', "?");
    format!(
        "{} {head} FROM (SELECT {} FROM (VALUES {})) AS s WHERE TRUE",
        MERGE_INTO.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1),
        named.join(", "),
        tuples.join(", ")
    )
}

/// Inserts a new code, updates one this bureau listed before, and does nothing — returning
/// no row — for a code listed earlier in this same import or by another bureau.
static FULL_CHUNK: LazyLock<String> = LazyLock::new(|| insert_new_sql(CHUNK));

static UPSERT: LazyLock<String> = LazyLock::new(|| {
    let row = ROW_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${} AS {c}", HEAD + 1 + i))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{MERGE_INTO} {MERGE_SELECT} FROM (SELECT {row}) AS s WHERE TRUE
         {MERGE_ON_CONFLICT}
         WHERE enterprises.bureau_code = excluded.bureau_code
           AND enterprises.import_id <> excluded.import_id
         RETURNING first_import_id = import_id"
    )
});

pub(super) struct Load {
    import_id: i64,
    /// Rows loaded straight in; past `direct_limit` batches go to `runs` instead.
    direct: u64,
    direct_limit: u64,
    runs: Runs,
    inserted: u64,
    updated: u64,
    duplicates: Vec<StagedDuplicate>,
}

impl Load {
    /// Opens the write transaction the whole import runs in.
    pub(super) fn begin(c: &mut dyn Conn, job: &Job) -> Result<Load> {
        // The list table carries no foreign keys (see the migration); the pragma keeps the
        // other tables' checks off this connection's hot path too.
        c.batch("PRAGMA foreign_keys = OFF")?;
        c.batch("BEGIN IMMEDIATE")?;
        match insert_import(c, job) {
            Ok(import_id) => Ok(Load {
                import_id,
                direct: 0,
                direct_limit: DIRECT_ROWS,
                runs: Runs::default(),
                inserted: 0,
                updated: 0,
                duplicates: Vec::new(),
            }),
            Err(e) => {
                let _ = c.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    pub(super) fn sort_after(&mut self, rows: u64) {
        self.direct_limit = rows;
    }

    /// Takes a batch: loaded at once while the list is small, else kept in a sorted run for
    /// [`Load::finish`]. Every row of a run comes later in the file than every row loaded
    /// at once, so "the earlier line is kept" holds across the two.
    pub(super) fn stage(&mut self, c: &mut dyn Conn, job: &Job, rows: &[StagedRow]) -> Result<()> {
        if self.direct < self.direct_limit {
            self.direct += rows.len() as u64;
            self.load(c, job, rows)
        } else {
            self.runs.write(rows)
        }
    }

    /// Loads rows into the table.
    fn load(&mut self, c: &mut dyn Conn, job: &Job, rows: &[StagedRow]) -> Result<()> {
        // In credit-code order, successive inserts touch neighbouring index pages; among
        // equal codes the earlier line goes first, so it is the one kept.
        let keys = sorted_order(rows);
        let now = now_millis();
        let head = [
            Val::Int(job.campaign.id),
            Val::Text(&job.bureau),
            Val::Int(job.campaign.tax_credit_year),
            Val::Int(self.import_id),
            Val::Int(now),
        ];
        let mut turned_away = Vec::new();
        let mut distinct = Vec::with_capacity(keys.len());
        for (k, &(key, _, i)) in keys.iter().enumerate() {
            let i = i as usize;
            let repeated = k > 0
                && keys[k - 1].0 == key
                && rows[keys[k - 1].2 as usize].uscc() == rows[i].uscc();
            if repeated {
                turned_away.push(i);
            } else {
                distinct.push(i);
            }
        }
        for chunk in distinct.chunks(CHUNK) {
            let mut values = Vec::with_capacity(HEAD + chunk.len() * ROW_COLUMNS.len());
            values.extend_from_slice(&head);
            for &i in chunk {
                values.extend_from_slice(&row_values(&rows[i]));
            }
            let sql = if chunk.len() == CHUNK {
                FULL_CHUNK.as_str()
            } else {
                &insert_new_sql(chunk.len())
            };
            let inserted = c.execute(sql, &values)?;
            self.inserted += inserted;
            if inserted < chunk.len() as u64 {
                // Rare: find which rows of the chunk the unique index turned away.
                for &i in chunk {
                    let ours = c.query_opt(
                        "SELECT 1 FROM enterprises WHERE campaign_id = $1 AND uscc = $2
                           AND import_id = $3 AND source_line = $4",
                        params![
                            job.campaign.id,
                            rows[i].uscc(),
                            self.import_id,
                            rows[i].line as i64
                        ],
                        |_| Ok(()),
                    )?;
                    if ours.is_none() {
                        turned_away.push(i);
                    }
                }
            }
        }
        // Codes already listed: this bureau's earlier upload is updated in place; anything
        // else is held back. Line order, so the first of a repeated code is the one kept.
        turned_away.sort_unstable_by_key(|&i| rows[i].line);
        let mut held_back = Vec::new();
        let width = HEAD + ROW_COLUMNS.len();
        let mut values = Vec::with_capacity(turned_away.len() * width);
        for &i in &turned_away {
            values.extend_from_slice(&head);
            values.extend_from_slice(&row_values(&rows[i]));
        }
        let updated = &mut self.updated;
        c.bulk()
            .for_each_row(&UPSERT, width, &values, &mut |k, returned| {
                match returned {
                    Some(_) => *updated += 1,
                    None => held_back.push(turned_away[k]),
                }
                Ok(())
            })?;
        drop(values);
        for i in held_back {
            let row = &rows[i];
            let (owner, first_line) = c.query_one(
                "SELECT bureau_code, source_line FROM enterprises WHERE campaign_id = $1 AND uscc = $2",
                params![job.campaign.id, row.uscc()],
                |r| Ok((r.text(0)?, r.i64(1)?)),
            )?;
            let kind = if owner == job.bureau {
                DuplicateKind::InFile {
                    first_line: first_line as u64,
                }
            } else {
                record_cross_bureau_duplicate(c, job, self.import_id, row, &owner)?;
                DuplicateKind::CrossBureau {
                    owner_bureau: owner,
                }
            };
            self.duplicates.push(StagedDuplicate {
                row: row.clone(),
                kind,
            });
        }
        Ok(())
    }

    /// Loads the sorted runs, merged (the index filled in one ordered pass), and reports.
    pub(super) fn finish(&mut self, c: &mut dyn Conn, job: &Job) -> Result<MergeReport> {
        if !self.runs.is_empty() {
            let runs = std::mem::take(&mut self.runs);
            runs.merge(MERGED_CHUNK, |rows| self.load(c, job, rows))?;
        }
        Ok(MergeReport {
            import_id: self.import_id,
            inserted: self.inserted,
            updated: self.updated,
            duplicates: std::mem::take(&mut self.duplicates),
            ..MergeReport::default()
        })
    }
}
