//! Importing the bank registry (HQ): branch code, branch name, legal entity, institution
//! type, region and parent branch. The whole file is validated first; only then are the
//! good rows loaded, in one transaction.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use yinqi_domain::bank_code::{self, BankCode};
use yinqi_domain::text::normalize_text;
use yinqi_domain::{bureau, region};
use yinqi_store::{BranchRecord, Scope, Store};

use crate::ImportError;
use crate::report::ErrorReport;
use yinqi_files::{FieldSpec, Progress, Row, TableReader, match_headers};

/// The registry's columns, in the order of the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Code,
    Name,
    BankName,
    BankType,
    Region,
    Parent,
}

const COLUMNS: [(Column, &[&str], bool); 6] = [
    (
        Column::Code,
        &["行号", "bank_code", "支付系统行号", "联行号"],
        true,
    ),
    (
        Column::Name,
        &["网点名称", "branch_name", "机构名称", "行名"],
        true,
    ),
    (
        Column::BankName,
        &["法人机构", "bank_name", "所属法人", "法人机构名称"],
        true,
    ),
    (Column::BankType, &["机构类型", "bank_type"], true),
    (
        Column::Region,
        &["行政区划代码", "region_code", "所在地行政区划代码"],
        true,
    ),
    (Column::Parent, &["上级行号", "parent_code"], false),
];

/// Longest branch or bank name accepted.
const MAX_NAME_CHARS: usize = 100;

/// What a registry import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegistrySummary {
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub banks_created: u64,
    pub branches_created: u64,
    pub branches_updated: u64,
    pub error_report: Option<String>,
}

/// Loads a registry file. Unreadable rows go to the error report; the rest are loaded.
pub fn import_registry(
    store: &Store,
    scope: &Scope,
    path: &Path,
    error_report: Option<&Path>,
    actor: &str,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RegistrySummary, ImportError> {
    let mut reader = TableReader::open(path)?;
    let specs: Vec<FieldSpec> = COLUMNS
        .iter()
        .enumerate()
        .map(|(id, (_, names, required))| FieldSpec {
            id,
            names,
            required: *required,
        })
        .collect();
    let map = match_headers(reader.headers(), &specs)?;
    let index: Vec<Option<usize>> = (0..COLUMNS.len()).map(|id| map.get(id)).collect();
    let cell = |row: &Row, c: Column| -> String {
        index[c as usize].map_or_else(String::new, |i| row.get(i).to_owned())
    };
    let report_path = error_report
        .map(Path::to_owned)
        .unwrap_or_else(|| crate::default_report_path(path, reader.format().is_xlsx()));
    let mut report = ErrorReport::new(&report_path, reader.format(), reader.headers());

    let mut summary = RegistrySummary::default();
    let mut records = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut row = Row::new();
    let result = (|| -> Result<(), ImportError> {
        while reader.read_row(&mut row)? {
            summary.rows += 1;
            let problems = match validate(&cell, &row) {
                Ok(record) => match seen.get(&record.code) {
                    Some(first) => vec![format!("行号 {} 与第{first}行重复", record.code)],
                    None => {
                        seen.insert(record.code.clone(), row.line());
                        records.push(record);
                        Vec::new()
                    }
                },
                Err(problems) => problems,
            };
            if problems.is_empty() {
                summary.accepted += 1;
            } else {
                summary.rejected += 1;
                let reason = format!("【错误】第{}行 {}", row.line(), problems.join("；"));
                report
                    .write(row.iter(), &reason)
                    .map_err(|source| ImportError::Report {
                        path: report_path.display().to_string(),
                        source,
                    })?;
            }
            if summary.rows.is_multiple_of(16_384) {
                progress(reader.progress());
            }
        }
        progress(reader.progress());
        if summary.rows == 0 {
            return Err(ImportError::NoDataRows);
        }
        Ok(())
    })();
    if let Err(e) = result {
        report.discard();
        return Err(e);
    }
    let file_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let loaded = match store.import_bank_registry(scope, &records, &file_name, actor) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.discard();
            return Err(e.into());
        }
    };
    summary.banks_created = loaded.banks_created;
    summary.branches_created = loaded.branches_created;
    summary.branches_updated = loaded.branches_updated;
    summary.error_report = report
        .finish()
        .map_err(|source| ImportError::Report {
            path: report_path.display().to_string(),
            source,
        })?
        .map(|p| p.display().to_string());
    Ok(summary)
}

/// Checks one row, returning every problem found.
fn validate(cell: &dyn Fn(&Row, Column) -> String, row: &Row) -> Result<BranchRecord, Vec<String>> {
    let mut problems = Vec::new();
    let code = BankCode::parse(&cell(row, Column::Code))
        .map_err(|e| problems.push(format!("行号：{e}")))
        .ok();
    let name = required_name(&cell(row, Column::Name), "网点名称")
        .map_err(|e| problems.push(e))
        .ok();
    let bank_name = required_name(&cell(row, Column::BankName), "法人机构")
        .map_err(|e| problems.push(e))
        .ok();
    let raw_type = cell(row, Column::BankType);
    let bank_type = bank_code::parse_institution_type(&raw_type);
    if bank_type.is_none() {
        problems.push(format!(
            "机构类型“{}”不是以下之一：{}",
            raw_type.trim(),
            bank_code::INSTITUTION_TYPES.join("、")
        ));
    }
    let region_code = match region::parse_code(&cell(row, Column::Region)) {
        Ok(code) if bureau::for_region(&code).is_some() => Some(code),
        Ok(code) => {
            problems.push(format!("行政区划代码 {code} 不属于任何省级辖区"));
            None
        }
        Err(e) => {
            problems.push(format!("行政区划代码：{e}"));
            None
        }
    };
    let raw_parent = normalize_text(&cell(row, Column::Parent));
    let parent_code = if raw_parent.is_empty() {
        Some(None)
    } else {
        BankCode::parse(&raw_parent)
            .map(|c| Some(c.as_str().to_owned()))
            .map_err(|e| problems.push(format!("上级行号：{e}")))
            .ok()
    };
    match (code, name, bank_name, bank_type, region_code, parent_code) {
        (
            Some(code),
            Some(name),
            Some(bank_name),
            Some(bank_type),
            Some(region_code),
            Some(parent_code),
        ) if problems.is_empty() => Ok(BranchRecord {
            code: code.as_str().to_owned(),
            name,
            bank_name,
            bank_type: bank_type.to_owned(),
            region_code,
            parent_code,
        }),
        _ => Err(problems),
    }
}

fn required_name(raw: &str, column: &str) -> Result<String, String> {
    let name = normalize_text(raw);
    if name.is_empty() {
        return Err(format!("{column}为空"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("{column}超过 {MAX_NAME_CHARS} 个字符"));
    }
    Ok(name)
}
