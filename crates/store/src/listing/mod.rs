//! Loading a bureau's enterprise list into a campaign, in one transaction: a failed import
//! changes nothing, a re-upload updates rows in place (keyed by credit code), a code that
//! appears again later in the same file is held back, and an enterprise that another bureau
//! already listed stays where it is and is reported (R10: one enterprise, one bank).
//!
//! Each engine loads the way that suits it (PERF_NOTES): SQLite inserts batches in
//! credit-code order on prepared statements inside the transaction (no cross-thread hop),
//! and past a million rows sorts the rest through temporary runs so the credit-code index
//! is filled in one ordered pass (`runs`); PostgreSQL `COPY`s into a temporary table and merges set-wise. Both share
//! the row → list mapping ([`MERGE_SELECT`], [`MERGE_ON_CONFLICT`]) and everything after.

mod postgres;
mod row;
mod runs;
mod sqlite;

pub use row::{RowText, StagedRow};

use crate::db::{Conn, ConnExt, Dialect, Val};
use crate::error::{Result, StoreError};
use crate::{Campaign, Scope, Store, now_millis, params};

/// Why a row was held back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DuplicateKind {
    /// The same credit code appears earlier in the same file, at `first_line`.
    InFile { first_line: u64 },
    /// Another bureau listed this enterprise first; it stays there.
    CrossBureau { owner_bureau: String },
}

/// A row that was held back, with its data for the error report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedDuplicate {
    pub row: StagedRow,
    pub kind: DuplicateKind,
}

/// A loaded row whose eligibility the bureau had overridden before this upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverriddenRow {
    pub line: u64,
    pub row_exclusions: i64,
    pub row_bank_code_valid: bool,
    pub row_bank_known: bool,
    pub override_decision: String,
    pub eligible: bool,
    pub unassigned: Option<String>,
}

/// What the load did, for the import summary and the error report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub import_id: i64,
    pub staged: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Held-back rows, in line order.
    pub duplicates: Vec<StagedDuplicate>,
    pub overridden: Vec<OverriddenRow>,
}

/// Who is importing what, recorded with the import.
struct Job {
    campaign: Campaign,
    bureau: String,
    file_name: String,
    actor: String,
    started_at: i64,
}

/// An import in progress. Dropping it without [`ListingImport::finish`] rolls everything
/// back and changes nothing.
pub struct ListingImport {
    conn: Box<dyn Conn + Send>,
    job: Job,
    engine: Engine,
    staged: u64,
}

enum Engine {
    Sqlite(sqlite::Load),
    Postgres,
}

impl Store {
    /// Starts loading a list for `bureau` in `campaign`. Only HQ or that bureau may.
    pub fn begin_listing_import(
        &self,
        scope: &Scope,
        campaign: &Campaign,
        bureau: &str,
        file_name: &str,
        actor: &str,
    ) -> Result<ListingImport> {
        if yinqi_domain::bureau::by_code(bureau).is_none() {
            return Err(StoreError::Invalid(format!("未知的监管局代码：{bureau}")));
        }
        if !scope.covers_bureau(bureau) {
            return Err(StoreError::NotFound);
        }
        let job = Job {
            campaign: campaign.clone(),
            bureau: bureau.to_owned(),
            file_name: file_name.to_owned(),
            actor: actor.to_owned(),
            started_at: now_millis(),
        };
        self.read(|c| crate::list_round::ensure_accepts_uploads(c, campaign.id, bureau))?;
        let mut conn = self.backend.dedicated()?;
        let engine = match conn.dialect() {
            Dialect::Sqlite => Engine::Sqlite(sqlite::Load::begin(&mut *conn, &job)?),
            Dialect::Postgres => {
                postgres::begin(&mut *conn)?;
                Engine::Postgres
            }
        };
        Ok(ListingImport {
            conn,
            job,
            engine,
            staged: 0,
        })
    }
}

impl ListingImport {
    /// Rows loaded so far.
    pub fn staged(&self) -> u64 {
        self.staged
    }

    /// How many rows SQLite loads straight in before it sorts the rest through temporary
    /// runs (default a million; see `runs`). Only the contract tests change it, to put small
    /// lists through the sorted path. PostgreSQL ignores it.
    pub fn sort_after(&mut self, rows: u64) {
        if let Engine::Sqlite(load) = &mut self.engine {
            load.sort_after(rows);
        }
    }

    /// Loads a batch of rows.
    pub fn stage(&mut self, rows: &[StagedRow]) -> Result<()> {
        match &mut self.engine {
            Engine::Sqlite(load) => load.stage(&mut *self.conn, &self.job, rows)?,
            Engine::Postgres => postgres::stage(&mut *self.conn, rows)?,
        }
        self.staged += rows.len() as u64;
        Ok(())
    }

    /// Completes the import in its transaction. `summarize` sees the report and returns the
    /// summary stored with the import record (and audited); if it fails, everything is
    /// rolled back and its message returned as [`StoreError::Aborted`].
    pub fn finish(
        mut self,
        summarize: impl FnOnce(&MergeReport) -> std::result::Result<serde_json::Value, String>,
    ) -> Result<MergeReport> {
        let conn = &mut *self.conn;
        let result = (|| {
            let mut report = match &mut self.engine {
                Engine::Sqlite(load) => load.finish(conn, &self.job)?,
                Engine::Postgres => postgres::merge(conn, &self.job)?,
            };
            report.staged = self.staged;
            complete(conn, &self.job, report, summarize)
        })();
        match result {
            Ok(report) => {
                conn.batch("COMMIT")?;
                crate::refresh_statistics(conn, false);
                Ok(report)
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// The steps after the rows are in, the same for both engines: overrides re-applied,
/// the summary recorded and audited.
fn complete(
    c: &mut dyn Conn,
    job: &Job,
    mut report: MergeReport,
    summarize: impl FnOnce(&MergeReport) -> std::result::Result<serde_json::Value, String>,
) -> Result<MergeReport> {
    let campaign_id = job.campaign.id;
    // Again inside the transaction: the list may have been submitted while the file was read.
    crate::list_round::ensure_accepts_uploads(c, campaign_id, &job.bureau)?;
    recompute_assignment(
        c,
        "campaign_id = $1 AND bureau_code = $2 AND override IS NOT NULL",
        params![campaign_id, job.bureau.as_str()],
    )?;
    report.overridden = overridden_rows(c, campaign_id, &job.bureau, report.import_id)?;
    report.duplicates.sort_by_key(|d| d.row.line);
    let summary = summarize(&report).map_err(StoreError::Aborted)?;
    c.execute(
        "UPDATE imports SET finished_at = $2, row_count = $3, accepted = $4, rejected = $5, summary = $6
         WHERE id = $1",
        params![
            report.import_id,
            now_millis(),
            summary["rows"].as_i64().unwrap_or(0),
            summary["accepted"].as_i64().unwrap_or(0),
            summary["rejected"].as_i64().unwrap_or(0),
            summary.to_string().as_str()
        ],
    )?;
    crate::audit::record(
        c,
        &job.actor,
        "enterprise_list.import",
        Some(campaign_id),
        Some(&job.bureau),
        Some(&job.file_name),
        &summary,
    )?;
    Ok(report)
}

/// Records the import (its summary is filled in at the end) and returns its id.
fn insert_import(c: &mut dyn Conn, job: &Job) -> Result<i64> {
    c.query_i64(
        "INSERT INTO imports (campaign_id, bureau_code, kind, file_name, actor, started_at, finished_at, row_count, accepted, rejected, summary)
         VALUES ($1, $2, 'enterprises', $3, $4, $5, $5, 0, 0, 0, '{}') RETURNING id",
        params![job.campaign.id, job.bureau.as_str(), job.file_name.as_str(), job.actor.as_str(), job.started_at],
    )
}

/// The data columns of a loaded row, in the order [`row_values`] gives them.
const ROW_COLUMNS: [&str; 21] = [
    "line",
    "uscc",
    "name",
    "region_code",
    "industry_code",
    "employees",
    "revenue",
    "assets",
    "tax_credit",
    "entity_type",
    "special_category",
    "dishonest",
    "account_bank_code",
    "account_bank_raw",
    "bank_id",
    "contact_name",
    "contact_phone",
    "size_class",
    "size_unknown",
    "exclusions",
    "warnings",
];

fn row_values(r: &StagedRow) -> [Val<'_>; ROW_COLUMNS.len()] {
    let t = r.text();
    [
        Val::Int(r.line as i64),
        Val::Text(t.uscc),
        Val::Text(t.name),
        Val::Text(t.region_code),
        Val::Text(t.industry_code),
        r.employees.into(),
        r.revenue.into(),
        r.assets.into(),
        t.tax_credit.into(),
        Val::Text(t.entity_type),
        t.special_category.into(),
        Val::Bool(r.dishonest),
        t.account_bank_code.into(),
        t.account_bank_raw.into(),
        r.bank_id.into(),
        t.contact_name.into(),
        t.contact_phone.into(),
        t.size_class.into(),
        t.size_unknown.into(),
        Val::Int(r.exclusions),
        Val::Int(r.warnings),
    ]
}

/// The list columns a loaded row fills, in the order of [`MERGE_SELECT`].
const MERGE_INTO: &str = "INSERT INTO enterprises (campaign_id, bureau_code, tax_credit_year,
    import_id, first_import_id, created_at, updated_at, source_line, uscc, name, region_code,
    industry_code, employees, revenue, assets, tax_credit, entity_type, special_category,
    dishonest, account_bank_code, account_bank_raw, contact_name, contact_phone, size_class,
    size_unknown, exclusions, warnings, override, eligible, branch_code, bank_id, unassigned)";

/// A row `s` (with the columns of [`ROW_COLUMNS`]) as a list row: eligible when no reason
/// excludes it, assigned to its account branch when the registry knows it. Parameters:
/// $1 campaign, $2 bureau, $3 tax credit year, $4 import, $5 now. Overrides are applied
/// afterwards by [`recompute_assignment`].
const MERGE_SELECT: &str = "SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS BIGINT),
    CAST($4 AS BIGINT), CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($5 AS BIGINT), s.line,
    s.uscc, s.name, s.region_code, s.industry_code, s.employees, s.revenue, s.assets,
    s.tax_credit, s.entity_type, s.special_category, s.dishonest, s.account_bank_code,
    s.account_bank_raw, s.contact_name, s.contact_phone, s.size_class, s.size_unknown,
    s.exclusions, s.warnings, NULL, s.exclusions = 0,
    CASE WHEN s.exclusions = 0 AND s.bank_id IS NOT NULL THEN s.account_bank_code END,
    CASE WHEN s.exclusions = 0 THEN s.bank_id END,
    CASE WHEN s.exclusions <> 0 THEN 'excluded'
         WHEN s.account_bank_code IS NULL THEN 'bank_code_invalid'
         WHEN s.bank_id IS NULL THEN 'bank_unknown' END";

/// A re-uploaded row updates the enterprise in place; who listed it first, and when, stay.
const MERGE_ON_CONFLICT: &str = "ON CONFLICT (campaign_id, uscc) DO UPDATE SET
    name = excluded.name, region_code = excluded.region_code,
    industry_code = excluded.industry_code, employees = excluded.employees,
    revenue = excluded.revenue, assets = excluded.assets, tax_credit = excluded.tax_credit,
    tax_credit_year = excluded.tax_credit_year, entity_type = excluded.entity_type,
    special_category = excluded.special_category, dishonest = excluded.dishonest,
    account_bank_code = excluded.account_bank_code, account_bank_raw = excluded.account_bank_raw,
    contact_name = excluded.contact_name, contact_phone = excluded.contact_phone,
    size_class = excluded.size_class, size_unknown = excluded.size_unknown,
    exclusions = excluded.exclusions, eligible = excluded.eligible,
    branch_code = excluded.branch_code, bank_id = excluded.bank_id,
    unassigned = excluded.unassigned, warnings = excluded.warnings,
    import_id = excluded.import_id, source_line = excluded.source_line,
    updated_at = excluded.updated_at";

/// Records (or refreshes) that `claimant` tried to list an enterprise `owner` listed first.
fn record_cross_bureau_duplicate(
    c: &mut dyn Conn,
    job: &Job,
    import_id: i64,
    row: &StagedRow,
    owner: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO cross_bureau_duplicates (campaign_id, uscc, name, claimant_bureau, owner_bureau, import_id, source_line, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (campaign_id, uscc, claimant_bureau) DO UPDATE SET
            name = excluded.name, owner_bureau = excluded.owner_bureau,
            import_id = excluded.import_id, source_line = excluded.source_line",
        params![
            job.campaign.id,
            row.uscc(),
            row.text().name,
            job.bureau.as_str(),
            owner,
            import_id,
            row.line as i64,
            now_millis()
        ],
    )?;
    Ok(())
}

/// The SQL for "effectively eligible": a bureau's override wins, else no exclusion reason.
const EFFECTIVELY_ELIGIBLE: &str =
    "(CASE override WHEN 'include' THEN TRUE WHEN 'exclude' THEN FALSE ELSE exclusions = 0 END)";

/// Recomputes eligibility and the assignment to the account bank's branch for the rows
/// matching `condition` (on table `enterprises`), from their stored facts, overrides and the
/// current registry. The one place this rule lives for rows already listed.
pub(crate) fn recompute_assignment(
    c: &mut dyn Conn,
    condition: &str,
    params: &[Val<'_>],
) -> Result<u64> {
    let e = EFFECTIVELY_ELIGIBLE;
    let branch =
        "(SELECT b.code FROM bank_branches b WHERE b.code = enterprises.account_bank_code)";
    let bank =
        "(SELECT b.bank_id FROM bank_branches b WHERE b.code = enterprises.account_bank_code)";
    let sql = format!(
        "UPDATE enterprises SET
            eligible = {e},
            branch_code = CASE WHEN {e} THEN {branch} END,
            bank_id = CASE WHEN {e} THEN {bank} END,
            unassigned = CASE WHEN NOT {e} THEN 'excluded'
                              WHEN account_bank_code IS NULL THEN 'bank_code_invalid'
                              WHEN {branch} IS NULL THEN 'bank_unknown' END
         WHERE {condition}"
    );
    c.execute(&sql, params)
}

fn overridden_rows(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    import_id: i64,
) -> Result<Vec<OverriddenRow>> {
    c.query_vec(
        "SELECT e.source_line, e.exclusions, e.account_bank_code IS NOT NULL,
                EXISTS (SELECT 1 FROM bank_branches b WHERE b.code = e.account_bank_code),
                e.override, e.eligible, e.unassigned
         FROM enterprises e
         WHERE e.campaign_id = $1 AND e.bureau_code = $2 AND e.override IS NOT NULL
           AND e.import_id = $3
         ORDER BY e.source_line",
        params![campaign_id, bureau, import_id],
        |r| {
            Ok(OverriddenRow {
                line: r.i64(0)? as u64,
                row_exclusions: r.i64(1)?,
                row_bank_code_valid: r.bool(2)?,
                row_bank_known: r.bool(3)?,
                override_decision: r.text(4)?,
                eligible: r.bool(5)?,
                unassigned: r.opt_text(6)?,
            })
        },
    )
}
