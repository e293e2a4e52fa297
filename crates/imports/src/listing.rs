//! Importing a bureau's enterprise list (DOMAIN §9): read the file once, streaming; parse,
//! classify and screen each row on one thread while the other stages accepted rows in the
//! database; then merge in one transaction. Rejected and flagged rows go to the error report.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use serde::Serialize;
use yinqi_domain::amount::Yuan;
use yinqi_domain::bureau;
use yinqi_domain::eligibility::Exclusions;
use yinqi_domain::entity::{EntityType, SpecialCategory};
use yinqi_domain::listing::{
    self, AccountBankRef, Field, FieldError, ListingContext, ListingRecordRef, Warnings,
};
use yinqi_domain::size;
use yinqi_store::{Campaign, DuplicateKind, MergeReport, RowText, Scope, StagedRow, Store};

use crate::ImportError;
use crate::outcome::{Outcome, Tally};
use crate::report::ErrorReport;
use yinqi_files::{FieldSpec, Progress, Row, TableReader, match_headers};

/// Rows per batch handed from the reading thread to the database.
const BATCH_ROWS: usize = 65_536;
/// How often (in rows) progress is reported.
const PROGRESS_EVERY: u64 = 16_384;

/// What to import, for whom, by whom.
#[derive(Clone, Copy, Debug)]
pub struct ListingRequest<'a> {
    pub path: &'a Path,
    pub campaign: &'a Campaign,
    pub bureau: &'a str,
    pub actor: &'a str,
    /// Where the error report goes; by default next to the input.
    pub error_report: Option<&'a Path>,
    /// The file name recorded with the import (an upload's original name); default the path's.
    pub display_name: Option<&'a str>,
}

/// The outcome of an import. The first fields are the documented JSON contract; the rest
/// are extra detail for the clerk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListingSummary {
    /// Data rows read (blank rows are skipped by the reader and not counted).
    pub rows: u64,
    /// Rows that could be read; every one is in the list or held back as a duplicate.
    pub accepted: u64,
    /// Rows that could not be read, or repeat a credit code earlier in the file.
    pub rejected: u64,
    /// Accepted rows with at least one warning.
    pub warnings: u64,
    pub eligible: u64,
    /// Accepted, not eligible rows by their first reason (DOMAIN §8).
    pub excluded: BTreeMap<String, u64>,
    pub assigned: u64,
    /// Accepted rows not assigned to a bank branch, by reason.
    pub unassigned: BTreeMap<String, u64>,
    /// Rows held back because another bureau listed the enterprise first.
    pub duplicates: u64,
    /// The error report, when any row needs the submitter's attention.
    pub error_report: Option<String>,
    pub import_id: i64,
    /// Rows new to the list, and rows that updated an enterprise already listed.
    pub inserted: u64,
    pub updated: u64,
    pub duplicates_in_file: u64,
    /// Rejected rows by the column at fault (the file's own header text).
    pub rejected_by_column: BTreeMap<String, u64>,
    pub warnings_by_kind: BTreeMap<String, u64>,
    /// Columns of the file that are not part of the format (ignored).
    pub ignored_columns: Vec<String>,
}

/// Imports a bureau's list. Only HQ or that bureau may. On any error the list is unchanged
/// and no error report is left behind.
pub fn import_listing(
    store: &Store,
    scope: &Scope,
    req: &ListingRequest<'_>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ListingSummary, ImportError> {
    let bureau = bureau::by_code(req.bureau)
        .ok_or_else(|| ImportError::UnknownBureau(req.bureau.to_owned()))?;
    let standard = size::standard_by_id(&req.campaign.size_standard)
        .ok_or_else(|| ImportError::UnknownStandard(req.campaign.size_standard.clone()))?;
    let options = store.bureau_options(scope, req.campaign.id, bureau.code)?;
    let directory = store.bank_directory()?;

    let mut reader = TableReader::open(req.path)?;
    let columns = Columns::match_file(reader.headers())?;
    let report_path = req
        .error_report
        .map(Path::to_owned)
        .unwrap_or_else(|| crate::default_report_path(req.path, reader.format().is_xlsx()));
    let mut report = ErrorReport::new(&report_path, reader.format(), reader.headers());
    let display_name = req.display_name.map(str::to_owned).unwrap_or_else(|| {
        req.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    });
    let mut import =
        store.begin_listing_import(scope, req.campaign, bureau.code, &display_name, req.actor)?;

    let reading = Reading {
        columns: &columns,
        headers: reader.headers().to_vec(),
        ctx: ListingContext {
            bureau,
            standard,
            options: &options,
        },
        directory: &directory,
    };
    let (tx, rx) = sync_channel::<Vec<StagedRow>>(1);
    let (produced, staged) = std::thread::scope(|s| {
        let producer = s.spawn(|| reading.read_all(&mut reader, &mut report, tx, progress));
        let mut staged = Ok(());
        for batch in rx {
            if let Err(e) = import.stage(&batch) {
                staged = Err(e);
                break; // dropping the receiver stops the reader
            }
        }
        let produced = producer.join().unwrap_or_else(|_| {
            Err(ImportError::Store(yinqi_store::StoreError::Invalid(
                "读取线程意外终止".into(),
            )))
        });
        (produced, staged)
    });
    let produced = match (produced, staged) {
        (Ok(p), Ok(())) if p.rows > 0 => p,
        (Ok(_), Ok(())) => {
            report.discard();
            return Err(ImportError::NoDataRows);
        }
        (_, Err(e)) => {
            report.discard();
            return Err(e.into());
        }
        (Err(e), _) => {
            report.discard();
            return Err(e);
        }
    };

    let mut summary = ListingSummary::default();
    let mut report = Some(report);
    let merged = import.finish(|merge| {
        let report = report.take().expect("summarised once");
        summary = reading.summarize(produced, merge, report, &columns)?;
        serde_json::to_value(&summary).map_err(|e| e.to_string())
    });
    if let Some(report) = report {
        report.discard();
    }
    let merge = match merged {
        Ok(merge) => merge,
        Err(e) => {
            let _ = std::fs::remove_file(&report_path);
            return Err(e.into());
        }
    };
    summary.import_id = merge.import_id;
    Ok(summary)
}

/// Runs exactly the reading thread's work of [`import_listing`] over a file — decoding,
/// parsing, screening, staging, the error report — with no database: the staged batches are
/// only counted. For `examples/parse_rows.rs`, which profiles that thread by itself. Returns
/// the number of data rows read. The error report goes to a temporary file, deleted after.
#[doc(hidden)]
pub fn parse_file_for_profiling(
    path: &Path,
    bureau: &str,
    directory: &HashMap<String, i64>,
) -> Result<u64, ImportError> {
    let bureau =
        bureau::by_code(bureau).ok_or_else(|| ImportError::UnknownBureau(bureau.to_owned()))?;
    let options = yinqi_domain::eligibility::EligibilityOptions::default();
    let mut reader = TableReader::open(path)?;
    let columns = Columns::match_file(reader.headers())?;
    let report_path =
        std::env::temp_dir().join(format!("yinqi-profile-{}.errors.csv", std::process::id()));
    let mut report = ErrorReport::new(&report_path, reader.format(), reader.headers());
    let reading = Reading {
        columns: &columns,
        headers: reader.headers().to_vec(),
        ctx: ListingContext {
            bureau,
            standard: &size::MIIT_2011,
            options: &options,
        },
        directory,
    };
    let (tx, rx) = sync_channel::<Vec<StagedRow>>(1);
    let produced = std::thread::scope(|s| {
        let consumer = s.spawn(move || rx.into_iter().map(|b| b.len() as u64).sum::<u64>());
        let produced = reading.read_all(&mut reader, &mut report, tx, &|_| {});
        let staged = consumer.join().unwrap_or_default();
        produced.map(|p| {
            debug_assert_eq!(staged, p.accepted);
            p.rows
        })
    });
    report.discard();
    produced
}

/// Which column of the file holds each field of the format.
struct Columns {
    index: [Option<usize>; Field::ALL.len()],
    ignored: Vec<String>,
}

impl Columns {
    fn match_file(headers: &[String]) -> Result<Columns, ImportError> {
        let specs: Vec<FieldSpec> = Field::ALL
            .iter()
            .enumerate()
            .map(|(id, f)| FieldSpec {
                id,
                names: f.header_names(),
                required: f.column_required(),
            })
            .collect();
        let map = match_headers(headers, &specs)?;
        let mut index = [None; Field::ALL.len()];
        for (id, slot) in index.iter_mut().enumerate() {
            *slot = map.get(id);
        }
        let ignored = map
            .unknown_columns()
            .iter()
            .map(|c| c.header.clone())
            .collect();
        Ok(Columns { index, ignored })
    }

    fn of(&self, field: Field) -> Option<usize> {
        self.index[field as usize]
    }

    fn cell<'r>(&self, row: &'r Row, field: Field) -> &'r str {
        self.of(field).map_or("", |i| row.get(i))
    }
}

/// What the reading thread needs, shared read-only.
struct Reading<'a> {
    columns: &'a Columns,
    headers: Vec<String>,
    ctx: ListingContext<'a>,
    directory: &'a HashMap<String, i64>,
}

/// Totals gathered while reading, before the merge.
#[derive(Default)]
struct Produced {
    rows: u64,
    accepted: u64,
    rejected: u64,
    warned: u64,
    tally: Tally,
    rejected_by_column: BTreeMap<String, u64>,
    warnings_by_kind: BTreeMap<&'static str, u64>,
}

impl Reading<'_> {
    fn read_all(
        &self,
        reader: &mut TableReader,
        report: &mut ErrorReport,
        tx: SyncSender<Vec<StagedRow>>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Produced, ImportError> {
        let mut out = Produced::default();
        let mut row = Row::new();

        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while reader.read_row(&mut row)? {
            out.rows += 1;
            // The record borrows from `row`, which is only overwritten once it is staged.
            match listing::parse_record_ref(|f| self.columns.cell(&row, f), &self.ctx) {
                Ok(record) => {
                    out.accepted += 1;
                    if !record.warnings.is_empty() {
                        out.warned += 1;
                        for w in record.warnings.iter() {
                            *out.warnings_by_kind.entry(w.code()).or_default() += 1;
                        }
                        let labels: Vec<&str> =
                            record.warnings.iter().map(|w| w.label_zh()).collect();
                        self.report_row(
                            report,
                            &row,
                            &format!("【提示】第{}行 {}", row.line(), labels.join("；")),
                        )?;
                    }
                    let (staged, outcome) = self.stage(row.line(), record);
                    out.tally.add(outcome);
                    batch.push(staged);
                    if batch.len() == BATCH_ROWS
                        && tx
                            .send(std::mem::replace(
                                &mut batch,
                                Vec::with_capacity(BATCH_ROWS),
                            ))
                            .is_err()
                    {
                        return Ok(out); // the database side failed; its error wins
                    }
                }
                Err(errors) => {
                    out.rejected += 1;
                    for e in &errors {
                        *out.rejected_by_column
                            .entry(self.header_of(e.field))
                            .or_default() += 1;
                    }
                    let reason = format!("【错误】第{}行 {}", row.line(), self.describe(&errors));
                    self.report_row(report, &row, &reason)?;
                }
            }
            if out.rows.is_multiple_of(PROGRESS_EVERY) {
                progress(reader.progress());
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        progress(reader.progress());
        Ok(out)
    }

    fn report_row(
        &self,
        report: &mut ErrorReport,
        row: &Row,
        reason: &str,
    ) -> Result<(), ImportError> {
        report
            .write(row.iter(), reason)
            .map_err(|source| ImportError::Report {
                path: report.path().display().to_string(),
                source,
            })
    }

    /// The header the file itself uses for `field` (the template's when the column is absent).
    fn header_of(&self, field: Field) -> String {
        self.columns
            .of(field)
            .and_then(|i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| field.header_zh().to_owned())
    }

    fn describe(&self, errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|e| format!("{}：{}", self.header_of(e.field), e.message))
            .collect::<Vec<_>>()
            .join("；")
    }

    /// The row as stored, with the summary category it has before the merge.
    fn stage(&self, line: u64, rec: ListingRecordRef<'_>) -> (StagedRow, Outcome) {
        let (code, raw, bank_id) = match &rec.account_bank {
            AccountBankRef::Valid(c) => {
                let c = c.as_str();
                (Some(c), None, self.directory.get(c).copied())
            }
            AccountBankRef::Invalid(raw) => (None, Some(&**raw), None),
            AccountBankRef::Missing => (None, None, None),
        };
        let outcome = Outcome::screened(rec.exclusions, code.is_some(), bank_id.is_some());
        let industry = rec.industry.to_text();
        let mut row = StagedRow::new(
            line,
            &RowText {
                uscc: rec.uscc.as_str(),
                name: &rec.name,
                region_code: &rec.region_code,
                industry_code: &industry,
                tax_credit: rec.tax_credit.map(|t| t.as_str()),
                entity_type: rec.entity_type.code(),
                special_category: rec.special_category.map(|s| s.code()),
                account_bank_code: code,
                account_bank_raw: raw,
                contact_name: rec.contact_name.as_deref(),
                contact_phone: rec.contact_phone.as_deref(),
                size_class: rec.size.as_ref().ok().map(|s| s.code()),
                size_unknown: rec.size.as_ref().err().map(|e| e.code()),
            },
        );
        row.employees = rec.indicators.employees;
        row.revenue = rec.indicators.revenue.map(|y| y.0);
        row.assets = rec.indicators.assets.map(|y| y.0);
        row.dishonest = rec.dishonest;
        row.bank_id = bank_id;
        row.exclusions = i64::from(rec.exclusions.bits());
        row.warnings = i64::from(rec.warnings.bits());
        (row, outcome)
    }

    /// Corrects the reading totals with what only the merge knew (duplicates, overrides),
    /// completes the error report, and builds the summary.
    fn summarize(
        &self,
        mut p: Produced,
        merge: &MergeReport,
        mut report: ErrorReport,
        columns: &Columns,
    ) -> Result<ListingSummary, String> {
        let mut cross_bureau = 0;
        let mut in_file = 0;
        for dup in &merge.duplicates {
            let row = &dup.row;
            let exclusions = Exclusions::from_bits(row.exclusions as u16).unwrap_or_default();
            p.tally.remove(Outcome::screened(
                exclusions,
                row.text().account_bank_code.is_some(),
                row.bank_id.is_some(),
            ));
            let reason = match &dup.kind {
                DuplicateKind::InFile { first_line } => {
                    in_file += 1;
                    p.accepted -= 1;
                    p.rejected += 1;
                    // A rejected row no longer counts among the accepted rows with warnings.
                    if row.warnings != 0 {
                        p.warned -= 1;
                        for w in Warnings::from_bits(row.warnings as u32)
                            .unwrap_or_default()
                            .iter()
                        {
                            if let Some(n) = p.warnings_by_kind.get_mut(w.code()) {
                                *n -= 1;
                            }
                        }
                    }
                    format!(
                        "【重复】第{}行 与第{}行的统一社会信用代码相同，本行未导入",
                        row.line, first_line
                    )
                }
                DuplicateKind::CrossBureau { owner_bureau } => {
                    cross_bureau += 1;
                    p.tally.add(Outcome::cross_bureau_duplicate());
                    let owner =
                        bureau::by_code(owner_bureau).map_or(owner_bureau.as_str(), |b| b.name);
                    format!(
                        "【跨局重复】第{}行 该企业已由{owner}报送，按“一企一行”仍归属该局，本行未导入",
                        row.line
                    )
                }
            };
            let cells = human_cells(row, columns, self.headers.len());
            report
                .write(cells.iter().map(String::as_str), &reason)
                .map_err(|e| format!("无法写出错误报告：{e}"))?;
        }
        for o in &merge.overridden {
            let exclusions = Exclusions::from_bits(o.row_exclusions as u16).unwrap_or_default();
            p.tally.remove(Outcome::screened(
                exclusions,
                o.row_bank_code_valid,
                o.row_bank_known,
            ));
            p.tally.add(Outcome::stored(
                o.eligible,
                exclusions,
                o.unassigned.as_deref(),
            ));
        }
        let error_report = report
            .finish()
            .map_err(|e| format!("无法写出错误报告：{e}"))?
            .map(|p| p.display().to_string());
        Ok(ListingSummary {
            rows: p.rows,
            accepted: p.accepted,
            rejected: p.rejected,
            warnings: p.warned,
            eligible: p.tally.eligible,
            excluded: to_owned_keys(&p.tally.excluded),
            assigned: p.tally.assigned,
            unassigned: to_owned_keys(&p.tally.unassigned),
            duplicates: cross_bureau,
            error_report,
            import_id: merge.import_id,
            inserted: merge.inserted,
            updated: merge.updated,
            duplicates_in_file: in_file,
            rejected_by_column: p.rejected_by_column,
            warnings_by_kind: to_owned_keys(&p.warnings_by_kind),
            ignored_columns: columns.ignored.clone(),
        })
    }
}

fn to_owned_keys(map: &BTreeMap<&'static str, u64>) -> BTreeMap<String, u64> {
    map.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// A staged row written back in the file's columns, in the words of the template
/// (中文 entity types, 万元 amounts), for rows the report shows after the merge.
fn human_cells(row: &StagedRow, columns: &Columns, width: usize) -> Vec<String> {
    let t = row.text();
    let mut cells = vec![String::new(); width];
    for field in Field::ALL {
        let Some(i) = columns.of(field).filter(|i| *i < width) else {
            continue;
        };
        cells[i] = match field {
            Field::Uscc => t.uscc.to_owned(),
            Field::Name => t.name.to_owned(),
            Field::RegionCode => t.region_code.to_owned(),
            Field::IndustryCode => t.industry_code.to_owned(),
            Field::Employees => row.employees.map(|n| n.to_string()).unwrap_or_default(),
            Field::Revenue => row
                .revenue
                .map(|y| Yuan(y).to_wan_string())
                .unwrap_or_default(),
            Field::Assets => row
                .assets
                .map(|y| Yuan(y).to_wan_string())
                .unwrap_or_default(),
            Field::TaxCredit => t.tax_credit.unwrap_or_default().to_owned(),
            Field::EntityType => EntityType::from_code(t.entity_type)
                .map_or(t.entity_type, |e| e.name_zh())
                .to_owned(),
            Field::SpecialCategory => t
                .special_category
                .and_then(SpecialCategory::from_code)
                .map(|c| c.name_zh().to_owned())
                .unwrap_or_default(),
            Field::Dishonest => if row.dishonest { "是" } else { "否" }.to_owned(),
            Field::AccountBankCode => t
                .account_bank_code
                .or(t.account_bank_raw)
                .unwrap_or_default()
                .to_owned(),
            Field::ContactName => t.contact_name.unwrap_or_default().to_owned(),
            Field::ContactPhone => t.contact_phone.unwrap_or_default().to_owned(),
        };
    }
    cells
}
