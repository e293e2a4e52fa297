//! Reading the rollups for a dashboard: one level of the campaign (the nation, a bureau, a
//! bank, a branch) as rows of the level below, within the caller's scope. Every read sums
//! a few rollup rows; none touches the list.

use yinqi_domain::progress::quality::stuck_before;
use yinqi_domain::progress::tally::COLUMNS;
use yinqi_domain::progress::{Rule, Tally, day::Day};

use super::refresh::RefreshReport;
use super::settings::{self, SupervisionSettings};
use crate::db::{Conn, ConnExt, DbRow, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, params};

/// What a dashboard asks to see: the nation (nothing set), a bureau, a bank (in a bureau or
/// across the country), a branch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DashboardView {
    pub bureau: Option<String>,
    pub bank: Option<i64>,
    pub branch: Option<String>,
}

/// What the rows of a report are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Bureau,
    Bank,
    Branch,
    Manager,
}

/// One row: a bureau, bank, branch or customer manager, with its tally and the number of
/// its cases whose solution is stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressRow {
    /// Bureau code, bank id, branch code or manager id, as text (for links).
    pub key: String,
    /// Its name ("" for "none": cases with no bank, branch or manager yet).
    pub label: String,
    pub tally: Tally,
    pub stuck: i64,
}

/// A dashboard's data.
#[derive(Clone, Debug)]
pub struct ProgressReport {
    /// The view as the scope allows it (its missing parts filled in from the scope).
    pub view: DashboardView,
    /// A customer manager's own report has no rows.
    pub manager: Option<i64>,
    pub rows_level: Option<Level>,
    pub rows: Vec<ProgressRow>,
    pub totals: Tally,
    pub stuck: i64,
    /// Names of the bank and branch viewed, when one is.
    pub bank_name: Option<String>,
    pub branch_name: Option<String>,
    /// Cases per day: questionnaire 1, first visit, first solution, first disbursement
    /// (bank level and above; empty for branches and managers).
    pub daily: Vec<(Day, [i64; 4])>,
    pub settings: SupervisionSettings,
    pub today: Day,
    /// How up to date the rollups are.
    pub status: RefreshReport,
    /// Counts below this were suppressed (aggregates-only viewers): shown as −1.
    pub min_cell: Option<i64>,
}

/// Counts an association may see only from this size up (fewer could single out an
/// enterprise).
pub const MIN_CELL: i64 = 10;

/// The view narrowed to the scope, and which rows it shows. Anything outside the scope is
/// "not found".
struct Resolved {
    view: DashboardView,
    manager: Option<i64>,
    /// Bank-side viewers see only lists that have been frozen (released to them).
    frozen_only: bool,
    rows: Option<Level>,
}

fn same<T: PartialEq>(asked: &Option<T>, fixed: &T) -> Result<()> {
    match asked {
        Some(a) if a != fixed => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

fn resolve(c: &mut dyn Conn, scope: &Scope, asked: &DashboardView) -> Result<Resolved> {
    let mut view = asked.clone();
    let mut manager = None;
    let frozen_only = !matches!(scope, Scope::Nation | Scope::Bureau(_) | Scope::Aggregates);
    match scope {
        Scope::Nation => {}
        Scope::Aggregates if view.branch.is_some() => return Err(StoreError::NotFound),
        Scope::Aggregates => {}
        Scope::Bureau(code) => {
            same(&view.bureau, code)?;
            view.bureau = Some(code.clone());
        }
        Scope::Bank { bank_id, bureau } => {
            same(&view.bank, bank_id)?;
            view.bank = Some(*bank_id);
            if let Some(b) = bureau {
                same(&view.bureau, b)?;
                view.bureau = Some(b.clone());
            }
        }
        Scope::Branch(code) => {
            same(&view.branch, code)?;
            view.branch = Some(code.clone());
        }
        Scope::Manager(id) => {
            if *asked != DashboardView::default() {
                return Err(StoreError::NotFound);
            }
            manager = Some(*id);
        }
        Scope::Enterprise(_) => return Err(StoreError::NotFound),
    }
    if let Some(branch) = view.branch.clone() {
        // A branch belongs to one bank and bureau: fill them in, refuse a mismatch.
        let (bank, bureau) = c
            .query_opt(
                "SELECT bank_id, bureau_code FROM bank_branches WHERE code = $1",
                params![branch.as_str()],
                |r| Ok((r.i64(0)?, r.opt_text(1)?)),
            )?
            .ok_or(StoreError::NotFound)?;
        same(&view.bank, &bank)?;
        view.bank = Some(bank);
        if let Some(bureau) = bureau {
            same(&view.bureau, &bureau)?;
            view.bureau = Some(bureau);
        }
    }
    if let Some(b) = &view.bureau
        && yinqi_domain::bureau::by_code(b).is_none()
    {
        return Err(StoreError::NotFound);
    }
    let rows = match (&manager, &view.branch, view.bank, &view.bureau) {
        // A manager's report is one row (their own), shown as totals.
        (Some(_), ..) => Some(Level::Manager),
        (None, Some(_), ..) => Some(Level::Manager),
        (None, None, Some(_), Some(_)) => Some(Level::Branch),
        (None, None, Some(_), None) => Some(Level::Bureau),
        (None, None, None, Some(_)) => Some(Level::Bank),
        (None, None, None, None) => Some(Level::Bureau),
    };
    Ok(Resolved {
        view,
        manager,
        frozen_only,
        rows,
    })
}

/// The WHERE clause (on alias `p`) selecting a resolved view's rollup rows, with its
/// parameters after `$1` = the campaign.
fn condition<'a>(r: &'a Resolved, campaign_id: i64) -> (String, Vec<Val<'a>>) {
    let mut values = vec![Val::Int(campaign_id)];
    let mut parts = vec!["p.campaign_id = $1".to_owned()];
    let mut add = |sql: &str, v: Val<'a>, values: &mut Vec<Val<'a>>| {
        values.push(v);
        parts.push(sql.replace('?', &format!("${}", values.len())));
    };
    if let Some(b) = &r.view.bureau {
        add("p.bureau_code = ?", Val::Text(b), &mut values);
    }
    if let Some(bank) = r.view.bank {
        add("p.bank_id = ?", Val::Int(bank), &mut values);
    }
    if let Some(branch) = &r.view.branch {
        add("p.branch_code = ?", Val::Text(branch), &mut values);
    }
    if let Some(m) = r.manager {
        add("p.manager_id = ?", Val::Int(m), &mut values);
    }
    if r.frozen_only {
        parts.push(
            "p.bureau_code IN (SELECT l.bureau_code FROM enterprise_lists l
                               WHERE l.campaign_id = $1 AND l.status = 'frozen')"
                .to_owned(),
        );
    }
    (parts.join(" AND "), values)
}

/// The rows' grouping column, their label and the join that names them, over `p`.
fn grouping(level: Option<Level>) -> (&'static str, &'static str, &'static str) {
    match level {
        Some(Level::Bureau) => ("p.bureau_code", "''", ""),
        Some(Level::Bank) => (
            "CAST(p.bank_id AS TEXT)",
            "MAX(b.name)",
            " LEFT JOIN banks b ON b.id = p.bank_id",
        ),
        Some(Level::Branch) => (
            "p.branch_code",
            "MAX(br.name)",
            " LEFT JOIN bank_branches br ON br.code = p.branch_code",
        ),
        Some(Level::Manager) => (
            "CAST(p.manager_id AS TEXT)",
            "MAX(u.display_name)",
            " LEFT JOIN users u ON u.id = p.manager_id",
        ),
        None => ("p.campaign_id", "''", ""),
    }
}

/// Bureau and bank rows come from the bank table; branch and manager ones, and a
/// manager's own totals, from the branch table.
fn table_for(r: &Resolved) -> &'static str {
    match r.rows {
        Some(Level::Bureau) | Some(Level::Bank) => "progress_bank",
        _ => "progress_branch",
    }
}

fn rows(c: &mut dyn Conn, r: &Resolved, campaign_id: i64, cutoff: Day) -> Result<Vec<ProgressRow>> {
    let table = table_for(r);
    let (group, label, join) = grouping(r.rows);
    let (cond, values) = condition(r, campaign_id);
    let sums: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM(p.{c}) AS BIGINT)"))
        .collect();
    let mut out: Vec<ProgressRow> = Vec::new();
    c.query_each(
        &format!(
            "SELECT {group}, {label}, {} FROM {table} p{join} WHERE {cond} GROUP BY {group}
             ORDER BY {group}",
            sums.join(", ")
        ),
        &values,
        &mut |row| {
            let mut tally = Tally::default();
            for (i, v) in tally.0.iter_mut().enumerate() {
                *v = row.opt_i64(2 + i)?.unwrap_or(0);
            }
            if tally.is_zero() {
                return Ok(());
            }
            out.push(ProgressRow {
                key: row.text(0)?,
                label: row.opt_text(1)?.unwrap_or_default(),
                tally,
                stuck: 0,
            });
            Ok(())
        },
    )?;
    // Stuck solutions of the same rows: bank totals for bureau and bank rows, the
    // branch × manager rows below that.
    let (group, _, _) = grouping(r.rows);
    let (mut cond, mut values) = condition(r, campaign_id);
    cond.push_str(if table == "progress_bank" {
        " AND p.branch_code = '*'"
    } else {
        " AND p.branch_code <> '*'"
    });
    values.push(Val::Int(i64::from(cutoff)));
    let cutoff_param = values.len();
    c.query_each(
        &format!(
            "SELECT {group}, CAST(SUM(p.n) AS BIGINT) FROM progress_open p
             WHERE {cond} AND p.day < ${cutoff_param} GROUP BY {group}"
        ),
        &values,
        &mut |row| {
            let key = row.text(0)?;
            if let Some(found) = out.iter_mut().find(|x| x.key == key) {
                found.stuck = row.opt_i64(1)?.unwrap_or(0);
            }
            Ok(())
        },
    )?;
    for row in &mut out {
        if r.rows == Some(Level::Bureau) {
            row.label = yinqi_domain::bureau::by_code(&row.key)
                .map_or_else(|| row.key.clone(), |b| b.name.to_owned());
        }
    }
    Ok(out)
}

fn daily(c: &mut dyn Conn, r: &Resolved, campaign_id: i64) -> Result<Vec<(Day, [i64; 4])>> {
    if r.view.branch.is_some() || r.manager.is_some() {
        return Ok(Vec::new());
    }
    let (mut cond, values) = condition(r, campaign_id);
    if r.view.bank.is_none() {
        // The bureaus' own series rows (see `BUREAU_TOTAL`), not every bank's.
        cond.push_str(" AND p.bank_id = -1");
    }
    c.query_vec(
        &format!(
            "SELECT p.day, CAST(SUM(p.q1) AS BIGINT), CAST(SUM(p.visited) AS BIGINT),
                    CAST(SUM(p.solution) AS BIGINT), CAST(SUM(p.disbursed) AS BIGINT)
             FROM progress_daily p WHERE {cond} GROUP BY p.day ORDER BY p.day"
        ),
        &values,
        |row: &dyn DbRow| {
            let mut d = [0i64; 4];
            for (i, v) in d.iter_mut().enumerate() {
                *v = row.opt_i64(1 + i)?.unwrap_or(0);
            }
            Ok((row.i64(0)? as Day, d))
        },
    )
}

/// Hides what an aggregates-only viewer may not see: counts under [`MIN_CELL`] (and the
/// amounts that go with them) become −1; quality counts are not theirs at all.
fn suppress(t: &mut Tally) {
    use yinqi_domain::progress::Stage;
    let small = |v: i64| v > 0 && v < MIN_CELL;
    let amounts = [
        (12, Stage::NeedsFinancing),
        (13, Stage::Approved),
        (14, Stage::Disbursed),
    ];
    for (amount, stage) in amounts {
        if small(t.stage(stage)) {
            t.0[amount] = -1;
        }
    }
    for v in &mut t.0[..Tally::STAGES] {
        if small(*v) {
            *v = -1;
        }
    }
    for v in &mut t.0[15..] {
        *v = -1;
    }
}

impl Store {
    /// The dashboard of `view` (narrowed to what `scope` may see; "not found" outside it)
    /// on `today`.
    pub fn progress_report(
        &self,
        scope: &Scope,
        campaign_id: i64,
        view: &DashboardView,
        today: Day,
    ) -> Result<ProgressReport> {
        let status = self.progress_status()?;
        self.read(|c| {
            let settings = settings::load(c, campaign_id)?;
            let r = resolve(c, scope, view)?;
            let cutoff = stuck_before(today, &settings.thresholds);
            let mut rows = rows(c, &r, campaign_id, cutoff)?;
            let mut totals = Tally::default();
            let mut stuck = 0;
            for row in &rows {
                totals.add(&row.tally);
                stuck += row.stuck;
            }
            let mut daily = daily(c, &r, campaign_id)?;
            let min_cell = (*scope == Scope::Aggregates).then_some(MIN_CELL);
            if min_cell.is_some() {
                for (_, counts) in &mut daily {
                    for v in counts.iter_mut().filter(|v| **v > 0 && **v < MIN_CELL) {
                        *v = -1;
                    }
                }
                for row in &mut rows {
                    suppress(&mut row.tally);
                    row.stuck = -1;
                }
                suppress(&mut totals);
                stuck = -1;
            }
            let name =
                |c: &mut dyn Conn, sql: &str, v: Val<'_>| c.query_opt(sql, &[v], |r| r.text(0));
            let bank_name = match r.view.bank {
                Some(id) => name(c, "SELECT name FROM banks WHERE id = $1", Val::Int(id))?,
                None => None,
            };
            let branch_name = match &r.view.branch {
                Some(code) => name(
                    c,
                    "SELECT name FROM bank_branches WHERE code = $1",
                    Val::Text(code),
                )?,
                None => None,
            };
            Ok(ProgressReport {
                manager: r.manager,
                rows_level: if r.manager.is_some() { None } else { r.rows },
                view: r.view,
                rows: if r.manager.is_some() {
                    Vec::new()
                } else {
                    rows
                },
                totals,
                stuck,
                bank_name,
                branch_name,
                daily,
                settings,
                today,
                status: status.clone(),
                min_cell,
            })
        })
    }
}

/// The flagged rules in display order, with their counts in `t` (stuck given apart).
pub fn rule_counts(t: &Tally, stuck: i64) -> Vec<(Rule, i64)> {
    Rule::ALL
        .iter()
        .map(|r| {
            (
                *r,
                if *r == Rule::StuckSolution {
                    stuck
                } else {
                    t.rule(*r)
                },
            )
        })
        .collect()
}
