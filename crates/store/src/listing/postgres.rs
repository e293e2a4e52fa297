//! PostgreSQL: rows are `COPY`ed into a temporary table, then merged set-wise in the same
//! transaction — per-row statements would pay a network round trip each.

use super::{
    DuplicateKind, Job, MERGE_INTO, MERGE_ON_CONFLICT, MERGE_SELECT, MergeReport, ROW_COLUMNS,
    RowText, StagedDuplicate, StagedRow, insert_import, row_values,
};
use crate::db::{Conn, ConnExt, DbRow};
use crate::error::{Result, StoreError};
use crate::{now_millis, params};

const STAGING_TABLE: &str = "CREATE TEMP TABLE staging (
    line BIGINT NOT NULL,
    uscc TEXT COLLATE \"C\" NOT NULL,
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
) ON COMMIT DROP";

pub(super) fn begin(c: &mut dyn Conn) -> Result<()> {
    c.batch("BEGIN")?;
    // Sorting and indexing the staged rows happen in memory rather than in temp files.
    c.batch("SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '256MB'")?;
    c.batch(STAGING_TABLE)
}

pub(super) fn stage(c: &mut dyn Conn, rows: &[StagedRow]) -> Result<()> {
    let values: Vec<_> = rows.iter().flat_map(row_values).collect();
    c.bulk().load("staging", &ROW_COLUMNS, &values)?;
    Ok(())
}

pub(super) fn merge(c: &mut dyn Conn, job: &Job) -> Result<MergeReport> {
    c.batch("CREATE INDEX staging_uscc ON staging (uscc, line); ANALYZE staging")?;
    // One import per campaign at a time: the duplicate check and the merge must see a list
    // that no other bureau is changing.
    c.execute(
        "SELECT pg_advisory_xact_lock(8721002, CAST($1 AS INTEGER))",
        params![job.campaign.id],
    )?;
    let import_id = insert_import(c, job)?;
    let campaign_id = job.campaign.id;
    let bureau = job.bureau.as_str();
    mark_duplicates_in_file(c)?;
    let already_listed = mark_already_listed(c, campaign_id)?;
    let merged = c.execute(
        &format!(
            "{MERGE_INTO} {MERGE_SELECT} FROM staging s
             WHERE s.dup_of_line IS NULL AND (s.listed_by IS NULL OR s.listed_by = $2)
             ORDER BY s.uscc
             {MERGE_ON_CONFLICT}"
        ),
        params![
            campaign_id,
            bureau,
            job.campaign.tax_credit_year,
            import_id,
            now_millis()
        ],
    )?;
    record_cross_bureau_duplicates(c, campaign_id, bureau, import_id)?;
    let duplicates = held_back_rows(c, bureau)?;
    let cross_bureau = duplicates
        .iter()
        .filter(|d| matches!(d.kind, DuplicateKind::CrossBureau { .. }))
        .count() as u64;
    let updated = already_listed - cross_bureau;
    Ok(MergeReport {
        import_id,
        inserted: merged - updated,
        updated,
        duplicates,
        ..MergeReport::default()
    })
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

/// Notes, for each staged code already in the campaign's list, which bureau listed it.
/// Returns how many staged rows were already listed.
fn mark_already_listed(c: &mut dyn Conn, campaign_id: i64) -> Result<u64> {
    c.execute(
        "UPDATE staging SET listed_by = e.bureau_code
         FROM enterprises AS e
         WHERE e.campaign_id = $1 AND e.uscc = staging.uscc AND staging.dup_of_line IS NULL",
        params![campaign_id],
    )
}

fn record_cross_bureau_duplicates(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    import_id: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO cross_bureau_duplicates (campaign_id, uscc, name, claimant_bureau, owner_bureau, import_id, source_line, created_at)
         SELECT CAST($1 AS BIGINT), uscc, name, CAST($2 AS TEXT), listed_by, CAST($3 AS BIGINT), line, CAST($4 AS BIGINT)
         FROM staging WHERE listed_by <> $2
         ON CONFLICT (campaign_id, uscc, claimant_bureau) DO UPDATE SET
            name = excluded.name, owner_bureau = excluded.owner_bureau,
            import_id = excluded.import_id, source_line = excluded.source_line",
        params![campaign_id, bureau, import_id, now_millis()],
    )?;
    Ok(())
}

fn held_back_rows(c: &mut dyn Conn, bureau: &str) -> Result<Vec<StagedDuplicate>> {
    c.query_vec(
        &format!(
            "SELECT {}, dup_of_line, listed_by FROM staging
             WHERE dup_of_line IS NOT NULL OR listed_by <> $1 ORDER BY line",
            ROW_COLUMNS.join(", ")
        ),
        params![bureau],
        staged_from_row,
    )
}

fn staged_from_row(r: &dyn DbRow) -> Result<StagedDuplicate> {
    let texts: Vec<Option<String>> = [1, 2, 3, 4, 8, 9, 10, 12, 13, 15, 16, 17, 18]
        .into_iter()
        .map(|i| r.opt_text(i))
        .collect::<Result<_>>()?;
    let t = |i: usize| texts[i].as_deref();
    let mut row = StagedRow::new(
        r.i64(0)? as u64,
        &RowText {
            uscc: t(0).unwrap_or_default(),
            name: t(1).unwrap_or_default(),
            region_code: t(2).unwrap_or_default(),
            industry_code: t(3).unwrap_or_default(),
            tax_credit: t(4),
            entity_type: t(5).unwrap_or_default(),
            special_category: t(6),
            account_bank_code: t(7),
            account_bank_raw: t(8),
            contact_name: t(9),
            contact_phone: t(10),
            size_class: t(11),
            size_unknown: t(12),
        },
    );
    row.employees = r.opt_i64(5)?;
    row.revenue = r.opt_i64(6)?;
    row.assets = r.opt_i64(7)?;
    row.dishonest = r.bool(11)?;
    row.bank_id = r.opt_i64(14)?;
    row.exclusions = r.i64(19)?;
    row.warnings = r.i64(20)?;
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
