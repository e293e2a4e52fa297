//! Loading a bureau's enterprise list: rows are staged in a temporary table as fast as the
//! engine allows, then merged into the list in one transaction — so a failed import changes
//! nothing, a re-upload updates rows in place (keyed by credit code), and an enterprise that
//! another bureau already listed stays where it is and is reported (R10: one enterprise, one
//! bank).

use std::borrow::Cow;

use crate::db::{Conn, ConnExt, DbRow, Dialect, Val};
use crate::error::{Result, StoreError};
use crate::{Campaign, Scope, Store, now_millis, params};

/// One accepted, screened row of a bureau's list, ready to be staged. Codes are the stable
/// identifiers of the domain crate (`legal_person`, `small`, …); amounts are in yuan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StagedRow {
    pub line: u64,
    pub uscc: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub employees: Option<i64>,
    pub revenue: Option<i64>,
    pub assets: Option<i64>,
    pub tax_credit: Option<Cow<'static, str>>,
    pub entity_type: Cow<'static, str>,
    pub special_category: Option<Cow<'static, str>>,
    pub dishonest: bool,
    /// The basic-account bank code when it is 12 digits, else `None`.
    pub account_bank_code: Option<String>,
    /// What the file said when it was not a valid code (kept so the bureau can see it).
    pub account_bank_raw: Option<String>,
    /// The bank owning the account branch, when the registry knows the code.
    pub bank_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub size_class: Option<Cow<'static, str>>,
    pub size_unknown: Option<Cow<'static, str>>,
    /// Exclusion reasons as the domain's bit set (never `duplicate`: the merge decides that).
    pub exclusions: i64,
    pub warnings: i64,
}

/// Why a staged row was not merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DuplicateKind {
    /// The same credit code appears earlier in the same file, at `first_line`.
    InFile { first_line: u64 },
    /// Another bureau listed this enterprise first; it stays there.
    CrossBureau { owner_bureau: String },
}

/// A staged row that was held back, with its data for the error report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedDuplicate {
    pub row: StagedRow,
    pub kind: DuplicateKind,
}

/// A merged row whose eligibility a bureau had overridden before this upload.
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

/// What the merge did, for the import summary and the error report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub import_id: i64,
    pub staged: u64,
    pub inserted: u64,
    pub updated: u64,
    pub duplicates: Vec<StagedDuplicate>,
    pub overridden: Vec<OverriddenRow>,
}

const STAGING_COLUMNS: &[&str] = &[
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

const STAGING_TABLE: &str = "(
    line BIGINT PRIMARY KEY,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    employees BIGINT,
    revenue BIGINT,
    assets BIGINT,
    tax_credit TEXT,
    entity_type TEXT NOT NULL,
    special_category TEXT,
    dishonest BOOLEAN NOT NULL,
    account_bank_code TEXT,
    account_bank_raw TEXT,
    bank_id BIGINT,
    contact_name TEXT,
    contact_phone TEXT,
    size_class TEXT,
    size_unknown TEXT,
    exclusions BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    dup_of_line BIGINT,
    listed_by TEXT
)";

/// An import in progress: rows staged so far live only in this connection's temporary table.
/// Dropping it without [`ListingImport::finish`] discards them and changes nothing.
pub struct ListingImport {
    conn: Box<dyn Conn + Send>,
    campaign: Campaign,
    bureau: String,
    file_name: String,
    actor: String,
    started_at: i64,
    staged: u64,
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
        let mut conn = self.backend.dedicated()?;
        match conn.dialect() {
            // Staging lives in SQLite's temp database: filling it takes no lock on the list,
            // so the platform keeps working while a large file is read.
            Dialect::Sqlite => {
                conn.batch(&format!("CREATE TEMP TABLE staging {STAGING_TABLE}"))?;
                conn.batch("BEGIN")?;
            }
            Dialect::Postgres => {
                conn.batch("BEGIN")?;
                conn.batch(&format!(
                    "CREATE TEMP TABLE staging {STAGING_TABLE} ON COMMIT DROP"
                ))?;
            }
        }
        Ok(ListingImport {
            conn,
            campaign: campaign.clone(),
            bureau: bureau.to_owned(),
            file_name: file_name.to_owned(),
            actor: actor.to_owned(),
            started_at: now_millis(),
            staged: 0,
        })
    }
}

impl ListingImport {
    /// Rows staged so far.
    pub fn staged(&self) -> u64 {
        self.staged
    }

    /// Adds a batch of rows to the staging table.
    pub fn stage(&mut self, rows: &[StagedRow]) -> Result<()> {
        let mut values: Vec<Val<'_>> = Vec::with_capacity(rows.len() * STAGING_COLUMNS.len());
        for r in rows {
            values.extend_from_slice(&[
                Val::Int(r.line as i64),
                Val::Text(&r.uscc),
                Val::Text(&r.name),
                Val::Text(&r.region_code),
                Val::Text(&r.industry_code),
                r.employees.into(),
                r.revenue.into(),
                r.assets.into(),
                r.tax_credit.as_deref().into(),
                Val::Text(&r.entity_type),
                r.special_category.as_deref().into(),
                Val::Bool(r.dishonest),
                r.account_bank_code.as_deref().into(),
                r.account_bank_raw.as_deref().into(),
                r.bank_id.into(),
                r.contact_name.as_deref().into(),
                r.contact_phone.as_deref().into(),
                r.size_class.as_deref().into(),
                r.size_unknown.as_deref().into(),
                Val::Int(r.exclusions),
                Val::Int(r.warnings),
            ]);
        }
        self.staged += self.conn.bulk().load("staging", STAGING_COLUMNS, &values)?;
        Ok(())
    }

    /// Merges the staged rows into the list in one transaction. `summarize` sees the merge
    /// report and returns the summary stored with the import record (and audited); if it
    /// fails, the merge is rolled back and its message returned as [`StoreError::Aborted`].
    pub fn finish(
        mut self,
        summarize: impl FnOnce(&MergeReport) -> std::result::Result<serde_json::Value, String>,
    ) -> Result<MergeReport> {
        let dialect = self.conn.dialect();
        if dialect == Dialect::Sqlite {
            self.conn.batch("COMMIT")?;
            self.conn
                .batch("CREATE INDEX temp.staging_uscc ON staging (uscc)")?;
            self.conn.batch("BEGIN IMMEDIATE")?;
        } else {
            self.conn
                .batch("CREATE INDEX staging_uscc ON staging (uscc)")?;
            self.conn.batch("ANALYZE staging")?;
            // One import per campaign at a time: the duplicate check and the merge must see
            // a list that no other bureau is changing.
            self.conn.execute(
                "SELECT pg_advisory_xact_lock(8721002, CAST($1 AS INTEGER))",
                params![self.campaign.id],
            )?;
        }
        match self.merge(summarize) {
            Ok(report) => {
                self.conn.batch("COMMIT")?;
                Ok(report)
            }
            Err(e) => {
                let _ = self.conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn merge(
        &mut self,
        summarize: impl FnOnce(&MergeReport) -> std::result::Result<serde_json::Value, String>,
    ) -> Result<MergeReport> {
        let now = now_millis();
        let c = &mut *self.conn;
        let campaign_id = self.campaign.id;
        let bureau = self.bureau.as_str();
        let import_id = c.query_i64(
            "INSERT INTO imports (campaign_id, bureau_code, kind, file_name, actor, started_at, finished_at, row_count, accepted, rejected, summary)
             VALUES ($1, $2, 'enterprises', $3, $4, $5, $6, 0, 0, 0, '{}') RETURNING id",
            params![campaign_id, bureau, &self.file_name, &self.actor, self.started_at, now],
        )?;
        mark_duplicates_in_file(c)?;
        let already_listed = mark_already_listed(c, campaign_id)?;
        let merged = c.execute(
            MERGE_SQL,
            params![
                campaign_id,
                bureau,
                self.campaign.tax_credit_year,
                import_id,
                now
            ],
        )?;
        record_cross_bureau_duplicates(c, campaign_id, bureau, import_id, now)?;
        recompute_assignment(
            c,
            "campaign_id = $1 AND bureau_code = $2 AND override IS NOT NULL",
            params![campaign_id, bureau],
        )?;
        let duplicates = held_back_rows(c, bureau)?;
        let cross_bureau = duplicates
            .iter()
            .filter(|d| matches!(d.kind, DuplicateKind::CrossBureau { .. }))
            .count() as u64;
        let updated = already_listed - cross_bureau;
        let mut report = MergeReport {
            import_id,
            staged: self.staged,
            inserted: merged - updated,
            updated,
            duplicates,
            overridden: overridden_rows(c, campaign_id, bureau, import_id)?,
        };
        let summary = summarize(&report).map_err(StoreError::Aborted)?;
        c.execute(
            "UPDATE imports SET row_count = $2, accepted = $3, rejected = $4, summary = $5 WHERE id = $1",
            params![
                import_id,
                summary["rows"].as_i64().unwrap_or(0),
                summary["accepted"].as_i64().unwrap_or(0),
                summary["rejected"].as_i64().unwrap_or(0),
                summary.to_string().as_str()
            ],
        )?;
        crate::audit::record(
            c,
            &self.actor,
            "enterprise_list.import",
            Some(campaign_id),
            Some(bureau),
            Some(&self.file_name),
            &summary,
        )?;
        report.import_id = import_id;
        Ok(report)
    }
}

/// Every occurrence of a credit code after its first line in the same file is held back.
fn mark_duplicates_in_file(c: &mut dyn Conn) -> Result<()> {
    c.execute(
        "UPDATE staging SET dup_of_line = f.first_line
         FROM (SELECT uscc, MIN(line) AS first_line FROM staging GROUP BY uscc HAVING COUNT(*) > 1) AS f
         WHERE staging.uscc = f.uscc AND staging.line <> f.first_line",
        params![],
    )?;
    Ok(())
}

/// Notes, for each staged code already in the campaign's list, which bureau listed it: the
/// importing bureau's own rows are updated in place; another bureau's stay with it.
/// Returns how many staged rows were already listed.
fn mark_already_listed(c: &mut dyn Conn, campaign_id: i64) -> Result<u64> {
    c.execute(
        "UPDATE staging SET listed_by = e.bureau_code
         FROM enterprises AS e
         WHERE e.campaign_id = $1 AND e.uscc = staging.uscc AND staging.dup_of_line IS NULL",
        params![campaign_id],
    )
}

/// Inserts new rows and updates re-uploaded ones, in credit-code order so the unique index
/// is filled sequentially (4–8× faster than file order, PERF_NOTES). Eligibility and the
/// assignment to the account bank's branch are computed here for rows without an override;
/// [`recompute_assignment`] then applies overrides.
const MERGE_SQL: &str = "
INSERT INTO enterprises (campaign_id, uscc, bureau_code, name, region_code, industry_code,
    employees, revenue, assets, tax_credit, tax_credit_year, entity_type, special_category,
    dishonest, account_bank_code, account_bank_raw, contact_name, contact_phone, size_class,
    size_unknown, exclusions, override, eligible, branch_code, bank_id, unassigned, warnings,
    import_id, source_line, created_at, updated_at)
SELECT CAST($1 AS BIGINT), uscc, CAST($2 AS TEXT), name, region_code, industry_code,
    employees, revenue, assets, tax_credit, CAST($3 AS BIGINT), entity_type, special_category,
    dishonest, account_bank_code, account_bank_raw, contact_name, contact_phone, size_class,
    size_unknown, exclusions, NULL, exclusions = 0,
    CASE WHEN exclusions = 0 AND bank_id IS NOT NULL THEN account_bank_code END,
    CASE WHEN exclusions = 0 THEN bank_id END,
    CASE WHEN exclusions <> 0 THEN 'excluded'
         WHEN account_bank_code IS NULL THEN 'bank_code_invalid'
         WHEN bank_id IS NULL THEN 'bank_unknown' END,
    warnings, CAST($4 AS BIGINT), line, CAST($5 AS BIGINT), CAST($5 AS BIGINT)
FROM staging
WHERE dup_of_line IS NULL AND (listed_by IS NULL OR listed_by = $2)
ORDER BY uscc
ON CONFLICT (campaign_id, uscc) DO UPDATE SET
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

fn record_cross_bureau_duplicates(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    import_id: i64,
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO cross_bureau_duplicates (campaign_id, uscc, name, claimant_bureau, owner_bureau, import_id, source_line, created_at)
         SELECT CAST($1 AS BIGINT), uscc, name, CAST($2 AS TEXT), listed_by, CAST($3 AS BIGINT), line, CAST($4 AS BIGINT)
         FROM staging WHERE listed_by <> $2
         ON CONFLICT (campaign_id, uscc, claimant_bureau) DO UPDATE SET
            name = excluded.name, owner_bureau = excluded.owner_bureau,
            import_id = excluded.import_id, source_line = excluded.source_line",
        params![campaign_id, bureau, import_id, now],
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

const STAGED_SELECT: &str = "line, uscc, name, region_code, industry_code, employees, revenue,
    assets, tax_credit, entity_type, special_category, dishonest, account_bank_code,
    account_bank_raw, bank_id, contact_name, contact_phone, size_class, size_unknown,
    exclusions, warnings, dup_of_line, listed_by";

fn staged_from_row(r: &dyn DbRow) -> Result<StagedDuplicate> {
    let row = StagedRow {
        line: r.i64(0)? as u64,
        uscc: r.text(1)?,
        name: r.text(2)?,
        region_code: r.text(3)?,
        industry_code: r.text(4)?,
        employees: r.opt_i64(5)?,
        revenue: r.opt_i64(6)?,
        assets: r.opt_i64(7)?,
        tax_credit: r.opt_text(8)?.map(Cow::Owned),
        entity_type: Cow::Owned(r.text(9)?),
        special_category: r.opt_text(10)?.map(Cow::Owned),
        dishonest: r.bool(11)?,
        account_bank_code: r.opt_text(12)?,
        account_bank_raw: r.opt_text(13)?,
        bank_id: r.opt_i64(14)?,
        contact_name: r.opt_text(15)?,
        contact_phone: r.opt_text(16)?,
        size_class: r.opt_text(17)?.map(Cow::Owned),
        size_unknown: r.opt_text(18)?.map(Cow::Owned),
        exclusions: r.i64(19)?,
        warnings: r.i64(20)?,
    };
    let kind = match (r.opt_i64(21)?, r.opt_text(22)?) {
        (Some(first), _) => DuplicateKind::InFile {
            first_line: first as u64,
        },
        (None, Some(owner)) => DuplicateKind::CrossBureau {
            owner_bureau: owner,
        },
        (None, None) => return Err(StoreError::Decode("staged row is not a duplicate".into())),
    };
    Ok(StagedDuplicate { row, kind })
}

fn held_back_rows(c: &mut dyn Conn, bureau: &str) -> Result<Vec<StagedDuplicate>> {
    c.query_vec(
        &format!(
            "SELECT {STAGED_SELECT} FROM staging
             WHERE dup_of_line IS NOT NULL OR listed_by <> $1 ORDER BY line"
        ),
        params![bureau],
        staged_from_row,
    )
}

fn overridden_rows(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    import_id: i64,
) -> Result<Vec<OverriddenRow>> {
    c.query_vec(
        "SELECT s.line, s.exclusions, s.account_bank_code IS NOT NULL, s.bank_id IS NOT NULL,
                e.override, e.eligible, e.unassigned
         FROM enterprises e JOIN staging s ON s.uscc = e.uscc AND s.line = e.source_line
         WHERE e.campaign_id = $1 AND e.bureau_code = $2 AND e.override IS NOT NULL
           AND e.import_id = $3
         ORDER BY s.line",
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
