//! Reading the enterprise list within a scope, and a bureau's include/exclude overrides.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::{Conn, ConnExt, DbRow, Val};
use crate::error::{Result, StoreError};
use crate::listing::recompute_assignment;
use crate::{Scope, Store, now_millis, params};

/// One enterprise case as stored (codes as the domain's stable identifiers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Enterprise {
    pub id: i64,
    pub campaign_id: i64,
    pub uscc: String,
    pub bureau_code: String,
    pub name: String,
    pub region_code: String,
    pub industry_code: String,
    pub employees: Option<i64>,
    pub revenue: Option<i64>,
    pub assets: Option<i64>,
    pub tax_credit: Option<String>,
    pub tax_credit_year: i64,
    pub entity_type: String,
    pub special_category: Option<String>,
    pub dishonest: bool,
    pub account_bank_code: Option<String>,
    pub account_bank_raw: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub size_class: Option<String>,
    pub size_unknown: Option<String>,
    pub exclusions: i64,
    pub override_decision: Option<String>,
    pub eligible: bool,
    pub branch_code: Option<String>,
    pub bank_id: Option<i64>,
    pub unassigned: Option<String>,
    pub warnings: i64,
    pub import_id: i64,
    pub source_line: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The customer manager the bank gave this enterprise to.
    pub manager_id: Option<i64>,
}

const ENTERPRISE_COLUMNS: &str = "e.id, e.campaign_id, e.uscc, e.bureau_code, e.name,
    e.region_code, e.industry_code, e.employees, e.revenue, e.assets, e.tax_credit,
    e.tax_credit_year, e.entity_type, e.special_category, e.dishonest, e.account_bank_code,
    e.account_bank_raw, e.contact_name, e.contact_phone, e.size_class, e.size_unknown,
    e.exclusions, e.override, e.eligible, e.branch_code, e.bank_id, e.unassigned, e.warnings,
    e.import_id, e.source_line, e.created_at, e.updated_at, e.manager_id";

fn enterprise_from_row(r: &dyn DbRow) -> Result<Enterprise> {
    Ok(Enterprise {
        id: r.i64(0)?,
        campaign_id: r.i64(1)?,
        uscc: r.text(2)?,
        bureau_code: r.text(3)?,
        name: r.text(4)?,
        region_code: r.text(5)?,
        industry_code: r.text(6)?,
        employees: r.opt_i64(7)?,
        revenue: r.opt_i64(8)?,
        assets: r.opt_i64(9)?,
        tax_credit: r.opt_text(10)?,
        tax_credit_year: r.i64(11)?,
        entity_type: r.text(12)?,
        special_category: r.opt_text(13)?,
        dishonest: r.bool(14)?,
        account_bank_code: r.opt_text(15)?,
        account_bank_raw: r.opt_text(16)?,
        contact_name: r.opt_text(17)?,
        contact_phone: r.opt_text(18)?,
        size_class: r.opt_text(19)?,
        size_unknown: r.opt_text(20)?,
        exclusions: r.i64(21)?,
        override_decision: r.opt_text(22)?,
        eligible: r.bool(23)?,
        branch_code: r.opt_text(24)?,
        bank_id: r.opt_i64(25)?,
        unassigned: r.opt_text(26)?,
        warnings: r.i64(27)?,
        import_id: r.i64(28)?,
        source_line: r.i64(29)?,
        created_at: r.i64(30)?,
        updated_at: r.i64(31)?,
        manager_id: r.opt_i64(32)?,
    })
}

/// Totals of a list within a scope: how many are listed, eligible, excluded (by stored
/// exclusion bit set and override), assigned, and unassigned by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListCounts {
    pub listed: u64,
    pub eligible: u64,
    pub assigned: u64,
    /// Rows not eligible, grouped by (exclusion bit set, override decision).
    pub not_eligible: Vec<(i64, Option<String>, u64)>,
    pub unassigned: BTreeMap<String, u64>,
}

/// An enterprise that a second bureau also listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrossBureauDuplicate {
    pub uscc: String,
    pub name: String,
    pub claimant_bureau: String,
    pub owner_bureau: String,
    pub source_line: i64,
}

impl Store {
    /// The enterprise with credit code `uscc` in `campaign_id`, if `scope` may see it.
    pub fn enterprise_by_uscc(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
    ) -> Result<Enterprise> {
        let (condition, mut values) = scope
            .enterprise_condition("e", 3)
            .ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprises e
             WHERE e.campaign_id = $1 AND e.uscc = $2 AND {condition}"
        );
        let mut all: Vec<Val<'_>> = vec![Val::Int(campaign_id), Val::Text(uscc)];
        all.append(&mut values);
        self.read(|c| c.query_one(&sql, &all, enterprise_from_row))
    }

    /// The enterprise with case id `id`, if `scope` may see it (pages that start from an
    /// answer, which knows its enterprise by id).
    pub fn enterprise_by_id(&self, scope: &Scope, id: i64) -> Result<Enterprise> {
        let (condition, mut values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.id = $1 AND {condition}"
        );
        let mut all: Vec<Val<'_>> = vec![Val::Int(id)];
        all.append(&mut values);
        self.read(|c| c.query_one(&sql, &all, enterprise_from_row))
    }

    /// Totals of the list visible to `scope` in `campaign_id`.
    pub fn list_counts(&self, scope: &Scope, campaign_id: i64) -> Result<ListCounts> {
        let (condition, mut values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT e.eligible, e.exclusions, e.override, e.unassigned, COUNT(*)
             FROM enterprises e WHERE e.campaign_id = $1 AND {condition}
             GROUP BY e.eligible, e.exclusions, e.override, e.unassigned"
        );
        let mut all: Vec<Val<'_>> = vec![Val::Int(campaign_id)];
        all.append(&mut values);
        self.read(|c| {
            let mut counts = ListCounts::default();
            c.query_each(&sql, &all, &mut |r| {
                let n = r.i64(4)? as u64;
                counts.listed += n;
                if r.bool(0)? {
                    counts.eligible += n;
                } else {
                    counts.not_eligible.push((r.i64(1)?, r.opt_text(2)?, n));
                }
                match r.opt_text(3)? {
                    Some(reason) => *counts.unassigned.entry(reason).or_default() += n,
                    None => counts.assigned += n,
                }
                Ok(())
            })?;
            Ok(counts)
        })
    }

    /// Enterprises that a bureau in `scope` listed but another bureau had listed first (or,
    /// for the owning bureau, that others tried to list too).
    pub fn cross_bureau_duplicates(
        &self,
        scope: &Scope,
        campaign_id: i64,
    ) -> Result<Vec<CrossBureauDuplicate>> {
        let (condition, bureau) = match scope {
            Scope::Nation => ("TRUE", None),
            Scope::Bureau(code) => ("(claimant_bureau = $2 OR owner_bureau = $2)", Some(code)),
            _ => return Err(StoreError::NotFound),
        };
        let sql = format!(
            "SELECT uscc, name, claimant_bureau, owner_bureau, source_line
             FROM cross_bureau_duplicates WHERE campaign_id = $1 AND {condition}
             ORDER BY claimant_bureau, source_line"
        );
        self.read(|c| {
            let map = |r: &dyn DbRow| {
                Ok(CrossBureauDuplicate {
                    uscc: r.text(0)?,
                    name: r.text(1)?,
                    claimant_bureau: r.text(2)?,
                    owner_bureau: r.text(3)?,
                    source_line: r.i64(4)?,
                })
            };
            match bureau {
                Some(b) => c.query_vec(&sql, params![campaign_id, b], map),
                None => c.query_vec(&sql, params![campaign_id], map),
            }
        })
    }

    /// Records a bureau's decision to include or exclude one enterprise regardless of the
    /// screening (`decision` `None` clears it), with the written reason, who and when; the
    /// enterprise's eligibility and assignment follow at once.
    pub fn set_override(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
        decision: Option<&str>,
        reason: &str,
        actor: &str,
    ) -> Result<Enterprise> {
        if !matches!(scope, Scope::Nation | Scope::Bureau(_)) {
            return Err(StoreError::NotFound);
        }
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("请填写调整理由".into()));
        }
        if let Some(d) = decision
            && d != "include"
            && d != "exclude"
        {
            return Err(StoreError::Invalid(format!("未知的调整决定：{d}")));
        }
        let current = self.enterprise_by_uscc(scope, campaign_id, uscc)?;
        self.write(|c| {
            c.execute(
                "INSERT INTO eligibility_overrides (campaign_id, enterprise_id, decision, reason, actor, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                params![campaign_id, current.id, decision.unwrap_or("clear"), reason, actor, now_millis()],
            )?;
            c.execute(
                "UPDATE enterprises SET override = $2, updated_at = $3 WHERE id = $1",
                params![current.id, decision, now_millis()],
            )?;
            recompute_assignment(c, "id = $1", params![current.id])?;
            crate::audit::record(
                c,
                actor,
                "enterprise.override",
                Some(campaign_id),
                Some(&current.bureau_code),
                Some(uscc),
                &serde_json::json!({ "decision": decision.unwrap_or("clear"), "reason": reason }),
            )?;
            c.query_one(
                &format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.id = $1"),
                params![current.id],
                enterprise_from_row,
            )
        })
    }
}

/// Filters of the enterprise list pages and API; every one optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnterpriseFilter {
    /// A full credit code, or the start of the enterprise's name.
    pub query: Option<String>,
    pub eligible: Option<bool>,
    pub bureau: Option<String>,
    pub bank_id: Option<i64>,
    pub branch: Option<String>,
    pub manager_id: Option<i64>,
    /// An unassigned reason code, or `assigned` for rows with a branch.
    pub assignment: Option<String>,
}

impl Store {
    /// One page of the enterprises `scope` may see, in id order after `after` (keyset
    /// paging: the cost of a page does not grow with how far one has paged). A search by the
    /// start of a name is ordered by name instead (see [`Store::name_search_page`]); `after`
    /// is still the last id of the previous page.
    pub fn enterprise_page(
        &self,
        scope: &Scope,
        campaign_id: i64,
        filter: &EnterpriseFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Enterprise>> {
        if let Some(term) = name_search_term(filter) {
            return self.name_search_page(scope, campaign_id, filter, &term, after, limit);
        }
        let mut values: Vec<Val<'_>> = vec![Val::Int(campaign_id), Val::Int(after.unwrap_or(0))];
        let mut name_prefix = String::new();
        let conditions = filter_conditions(scope, filter, &mut values, &mut name_prefix)?;
        let sql = format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprises e
             WHERE e.campaign_id = $1 AND e.id > $2 AND {}
             ORDER BY e.id LIMIT {}",
            conditions.join(" AND "),
            limit.clamp(1, 500)
        );
        self.read(|c| c.query_vec(&sql, &values, enterprise_from_row))
    }
}

impl Store {
    /// Every enterprise `scope` may see that matches `filter`, in id order, handed to `each`
    /// one at a time as the database returns them (an export of millions never holds more
    /// than one row). `each` may stop the walk by returning an error.
    pub fn each_enterprise(
        &self,
        scope: &Scope,
        campaign_id: i64,
        filter: &EnterpriseFilter,
        each: &mut dyn FnMut(Enterprise) -> Result<()>,
    ) -> Result<()> {
        let mut values: Vec<Val<'_>> = vec![Val::Int(campaign_id)];
        let mut term = String::new();
        let conditions = filter_conditions(scope, filter, &mut values, &mut term)?;
        let sql = format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprises e
             WHERE e.campaign_id = $1 AND {} ORDER BY e.id",
            conditions.join(" AND ")
        );
        self.read(|c| c.query_each(&sql, &values, &mut |r| each(enterprise_from_row(r)?)))
    }

    /// The largest enterprise id (for benchmarks sampling the table).
    pub fn max_enterprise_id(&self) -> Result<i64> {
        self.read(|c| c.query_i64("SELECT COALESCE(MAX(id), 0) FROM enterprises", params![]))
    }
}

/// The name prefix a filter searches for, when its query is not a credit code. Every
/// character is literal (no LIKE patterns anywhere).
fn name_search_term(filter: &EnterpriseFilter) -> Option<String> {
    let q = filter.query.as_deref()?.trim();
    if q.is_empty() || yinqi_domain::uscc::Uscc::parse(q).is_ok() {
        return None;
    }
    Some(q.to_owned())
}

impl Store {
    /// Enterprises whose name starts with `term`, ordered by (name, id) so a page is a short
    /// walk along the name index however common the prefix. Rows of frozen lists (released)
    /// come from the partial index `enterprises_name`; rows of lists still in the round —
    /// only HQ and their bureau see them — are read from those bureaus' rows. Names compare
    /// bytewise (SQLite's BINARY, PostgreSQL's "C" collation), so a prefix is a range.
    fn name_search_page(
        &self,
        scope: &Scope,
        campaign_id: i64,
        filter: &EnterpriseFilter,
        term: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Enterprise>> {
        let limit = limit.clamp(1, 500) as usize;
        let after_key = match after {
            Some(id) => self
                .read(|c| {
                    c.query_opt(
                        "SELECT name FROM enterprises WHERE id = $1",
                        params![id],
                        |r| r.text(0),
                    )
                })?
                .map(|name| (name, id)),
            None => None,
        };
        let rest = EnterpriseFilter {
            query: None,
            ..filter.clone()
        };
        let mut rows =
            self.name_search_part(scope, campaign_id, &rest, term, &after_key, None, limit)?;
        if matches!(scope, Scope::Nation | Scope::Bureau(_)) {
            let drafts: Vec<String> = self
                .list_states(scope, campaign_id)?
                .into_iter()
                .filter(|l| l.status != crate::ListStatus::Frozen)
                .map(|l| l.bureau_code)
                .collect();
            if !drafts.is_empty() {
                rows.extend(self.name_search_part(
                    scope,
                    campaign_id,
                    &rest,
                    term,
                    &after_key,
                    Some(&drafts),
                    limit,
                )?);
                rows.sort_by(|a, b| {
                    a.name
                        .as_bytes()
                        .cmp(b.name.as_bytes())
                        .then(a.id.cmp(&b.id))
                });
                rows.truncate(limit);
            }
        }
        Ok(rows)
    }

    /// One side of [`Store::name_search_page`]: released rows (`drafts` = None) or the
    /// unreleased rows of the bureaus in `drafts`.
    #[allow(clippy::too_many_arguments)]
    fn name_search_part(
        &self,
        scope: &Scope,
        campaign_id: i64,
        rest: &EnterpriseFilter,
        term: &str,
        after_key: &Option<(String, i64)>,
        drafts: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Enterprise>> {
        let name = match self.dialect() {
            crate::db::Dialect::Sqlite => "e.name",
            crate::db::Dialect::Postgres => "(e.name COLLATE \"C\")",
        };
        let upper = format!("{term}\u{10FFFF}");
        let mut values: Vec<Val<'_>> =
            vec![Val::Int(campaign_id), Val::Text(term), Val::Text(&upper)];
        let mut unused = String::new();
        let mut conditions = filter_conditions(scope, rest, &mut values, &mut unused)?;
        match drafts {
            None => conditions.push("e.released".into()),
            Some(bureaus) => {
                let mut marks = Vec::with_capacity(bureaus.len());
                for b in bureaus {
                    values.push(Val::Text(b));
                    marks.push(format!("${}", values.len()));
                }
                conditions.push(format!(
                    "NOT e.released AND e.bureau_code IN ({})",
                    marks.join(", ")
                ));
            }
        }
        if let Some((after_name, after_id)) = after_key {
            values.push(Val::Text(after_name));
            let n = values.len();
            values.push(Val::Int(*after_id));
            conditions.push(format!(
                "({name} > ${n} OR ({name} = ${n} AND e.id > ${}))",
                n + 1
            ));
        }
        let sql = format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprises e
             WHERE e.campaign_id = $1 AND {name} >= $2 AND {name} < $3 AND {}
             ORDER BY {name}, e.id LIMIT {limit}",
            conditions.join(" AND ")
        );
        self.read(|c| c.query_vec(&sql, &values, enterprise_from_row))
    }
}

/// The conditions on `enterprises e` for `scope` and `filter`, their parameters appended to
/// `values` (numbered after those already there). `name_prefix` holds the normalised search
/// text the parameters borrow.
pub(crate) fn filter_conditions<'v>(
    scope: &'v Scope,
    filter: &'v EnterpriseFilter,
    values: &mut Vec<Val<'v>>,
    name_prefix: &'v mut String,
) -> Result<Vec<String>> {
    let (scope_sql, mut scope_values) = scope
        .enterprise_condition("e", values.len() + 1)
        .ok_or(StoreError::NotFound)?;
    values.append(&mut scope_values);
    let mut conditions = vec![scope_sql];
    // Adds `sql` with its one `?` numbered as the next parameter.
    fn add<'v>(conditions: &mut Vec<String>, values: &mut Vec<Val<'v>>, sql: &str, v: Val<'v>) {
        values.push(v);
        conditions.push(sql.replace('?', &format!("${}", values.len())));
    }
    if let Some(q) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let parsed = yinqi_domain::uscc::Uscc::parse(q);
        *name_prefix = match &parsed {
            Ok(p) => p.code.as_str().to_owned(),
            // Compared with substr(), so every character is literal.
            Err(_) => q.to_owned(),
        };
        let term: &'v str = name_prefix;
        match parsed {
            Ok(_) => {
                add(&mut conditions, values, "e.uscc = ?", Val::Text(term));
            }
            Err(_) => {
                // Prefix match on the name (the index-friendly form).
                values.push(Val::Text(term));
                conditions.push(format!(
                    "substr(e.name, 1, length(${n})) = ${n}",
                    n = values.len()
                ));
            }
        }
    }
    if let Some(eligible) = filter.eligible {
        add(
            &mut conditions,
            values,
            "e.eligible = ?",
            Val::Bool(eligible),
        );
    }
    if let Some(b) = &filter.bureau {
        add(&mut conditions, values, "e.bureau_code = ?", Val::Text(b));
    }
    if let Some(b) = filter.bank_id {
        add(&mut conditions, values, "e.bank_id = ?", Val::Int(b));
    }
    if let Some(b) = &filter.branch {
        add(&mut conditions, values, "e.branch_code = ?", Val::Text(b));
    }
    if let Some(m) = filter.manager_id {
        add(&mut conditions, values, "e.manager_id = ?", Val::Int(m));
    }
    match filter.assignment.as_deref() {
        None => {}
        Some("assigned") => conditions.push("e.unassigned IS NULL".into()),
        Some(reason) => add(
            &mut conditions,
            values,
            "e.unassigned = ?",
            Val::Text(reason),
        ),
    }
    Ok(conditions)
}

/// Marks `bureau`'s rows released to the banks (inside the caller's transaction: freezing the
/// list, [`Store::freeze_list`], is the only way); returns how many were not yet.
pub(crate) fn release_rows(c: &mut dyn Conn, campaign_id: i64, bureau: &str) -> Result<u64> {
    c.execute(
        "UPDATE enterprises SET released = TRUE WHERE campaign_id = $1 AND bureau_code = $2 AND NOT released",
        params![campaign_id, bureau],
    )
}
