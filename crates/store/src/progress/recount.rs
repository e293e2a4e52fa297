//! Counting from scratch, to check the rollups and as the benchmark's baseline: the funnel
//! straight from the list and the answers by one GROUP BY over every row (independent of
//! the refresher's code), and every rollup table recomputed from freshly loaded cases.
//! Both read the whole list: never on a request.

use std::collections::{BTreeMap, HashMap};

use yinqi_domain::progress::tally::{self, COLUMNS};
use yinqi_domain::progress::{Facts, SharedCounts, Tally};

use super::CaseKey;
use super::cases::{self, Chunk};
use crate::db::{Conn, Dialect};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, params};

/// Funnel stages and amounts (the first 15 tally counters) by case key, counted by SQL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recount {
    pub funnel: BTreeMap<CaseKey, [i64; 15]>,
}

/// Every rollup table of a campaign, as maps (rows that sum to zero left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rollups {
    branch: BTreeMap<CaseKey, Tally>,
    bank: BTreeMap<(String, i64), Tally>,
    daily: BTreeMap<(String, i64, i64), [i64; 4]>,
    open: BTreeMap<(CaseKey, i64), i64>,
}

/// A 万元 answer as whole yuan, in SQL (`alias.answers` holds the JSON).
fn amount_sql(dialect: Dialect, field: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!(
            "CAST(ROUND(CAST(json_extract(r.answers, '$.{field}') AS REAL) * 10000) AS INTEGER)"
        ),
        Dialect::Postgres => {
            format!(
                "CAST(ROUND(CAST(r.answers::jsonb ->> '{field}' AS NUMERIC) * 10000) AS BIGINT)"
            )
        }
    }
}

fn text_sql(dialect: Dialect, field: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("json_extract(r.answers, '$.{field}')"),
        Dialect::Postgres => format!("(r.answers::jsonb ->> '{field}')"),
    }
}

/// The plain aggregate: one GROUP BY over the list joined with codes and answers.
pub(crate) fn recount(c: &mut dyn Conn, campaign_id: i64) -> Result<Recount> {
    let d = c.dialect();
    let approved = "r.solution_status IN ('approved', 'disbursed', 'closed')";
    let disbursed = "r.solution_status IN ('disbursed', 'closed')";
    let sql = format!(
        "SELECT e.bureau_code, COALESCE(e.bank_id, 0), COALESCE(e.branch_code, ''),
           COALESCE(e.manager_id, 0),
           CAST(COUNT(*) AS BIGINT),
           CAST(SUM(CASE WHEN e.eligible THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN e.unassigned IS NULL AND e.bank_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN e.manager_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN c.enterprise_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN q.enterprise_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN q.need = 'yes' THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN q.wants_visit = 'yes' THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN v.enterprise_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN s.enterprise_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN s.approved > 0 THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN s.disbursed > 0 THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(CASE WHEN q.need = 'yes' THEN COALESCE(q.amount, 0) ELSE 0 END) AS BIGINT),
           CAST(SUM(COALESCE(s.approved_yuan, 0)) AS BIGINT),
           CAST(SUM(COALESCE(s.disbursed_yuan, 0)) AS BIGINT)
         FROM enterprises e
         LEFT JOIN enterprise_codes c ON c.enterprise_id = e.id AND c.active
         LEFT JOIN (SELECT r.enterprise_id, {need} AS need, {wants} AS wants_visit,
                           {amount} AS amount
                    FROM responses r WHERE r.questionnaire = 'q1' AND r.status = 'submitted') q
           ON q.enterprise_id = e.id
         LEFT JOIN (SELECT DISTINCT r.enterprise_id FROM responses r
                    WHERE r.questionnaire = 'q2' AND r.status = 'submitted') v
           ON v.enterprise_id = e.id
         LEFT JOIN (SELECT r.enterprise_id,
                      SUM(CASE WHEN {approved} THEN 1 ELSE 0 END) AS approved,
                      SUM(CASE WHEN {disbursed} THEN 1 ELSE 0 END) AS disbursed,
                      SUM(CASE WHEN {approved} THEN COALESCE({approved_amount}, 0) ELSE 0 END) AS approved_yuan,
                      SUM(CASE WHEN {disbursed} THEN COALESCE({disbursed_amount}, 0) ELSE 0 END) AS disbursed_yuan
                    FROM responses r WHERE r.questionnaire = 'q3' AND r.status = 'submitted'
                    GROUP BY r.enterprise_id) s
           ON s.enterprise_id = e.id
         WHERE e.campaign_id = $1
         GROUP BY e.bureau_code, COALESCE(e.bank_id, 0), COALESCE(e.branch_code, ''),
           COALESCE(e.manager_id, 0)",
        need = text_sql(d, "need"),
        wants = text_sql(d, "wants_visit"),
        amount = amount_sql(d, "need_amount"),
        approved_amount = amount_sql(d, "approved_amount"),
        disbursed_amount = amount_sql(d, "disbursed_amount"),
    );
    let mut out = Recount::default();
    c.query_each(&sql, params![campaign_id], &mut |r| {
        let key = CaseKey {
            campaign_id,
            bureau_code: r.text(0)?,
            bank_id: r.i64(1)?,
            branch_code: r.text(2)?,
            manager_id: r.i64(3)?,
        };
        let mut counts = [0i64; 15];
        for (i, v) in counts.iter_mut().enumerate() {
            *v = r.opt_i64(4 + i)?.unwrap_or(0);
        }
        out.funnel.insert(key, counts);
        Ok(())
    })?;
    Ok(out)
}

/// Every rollup table recomputed from freshly loaded cases (two passes: the shared keys'
/// counts first, then each case's facts).
fn fresh(c: &mut dyn Conn, campaign_id: i64) -> Result<Rollups> {
    let thresholds = super::settings::load(c, campaign_id)?.thresholds;
    let mut all = Vec::new();
    for b in yinqi_domain::bureau::all() {
        let chunk = Chunk::Sweep {
            campaign_id,
            bureau: b.code,
            after: 0,
            upto: i64::MAX,
        };
        all.extend(cases::load(c, &chunk)?.into_values());
    }
    let mut keys: HashMap<(&str, i64), i64> = HashMap::new();
    for (_, case) in &all {
        if let Some(q) = &case.q1 {
            for (kind, k) in [("ip", q.ip_key), ("mobile", q.mobile_key)] {
                if k != 0 {
                    *keys.entry((kind, k)).or_default() += 1;
                }
            }
        }
    }
    let mut out = Rollups::default();
    for (key, case) in &all {
        let q1 = case.q1.as_ref();
        let count = |kind: &str, k: i64| keys.get(&(kind, k)).copied().unwrap_or(0) as u32;
        let shared = SharedCounts {
            ip: count("ip", q1.map_or(0, |q| q.ip_key)),
            mobile: count("mobile", q1.map_or(0, |q| q.mobile_key)),
        };
        let facts = Facts::of(case, shared, &thresholds);
        let t = Tally::of(&facts);
        out.branch.entry(key.clone()).or_default().add(&t);
        out.bank
            .entry((key.bureau_code.clone(), key.bank_id))
            .or_default()
            .add(&t);
        for (day, i) in tally::daily(&facts) {
            for bank in [key.bank_id, super::BUREAU_TOTAL] {
                out.daily
                    .entry((key.bureau_code.clone(), bank, i64::from(day)))
                    .or_default()[i] += 1;
            }
        }
        if let Some(day) = facts.open_since {
            let bank_total = CaseKey {
                branch_code: super::BANK_TOTAL.to_owned(),
                manager_id: 0,
                ..key.clone()
            };
            for k in [key.clone(), bank_total] {
                *out.open.entry((k, i64::from(day))).or_default() += 1;
            }
        }
    }
    out.branch.retain(|_, t| !t.is_zero());
    out.bank.retain(|_, t| !t.is_zero());
    Ok(out)
}

/// The rollup tables as stored.
fn stored(c: &mut dyn Conn, campaign_id: i64) -> Result<Rollups> {
    let mut out = Rollups::default();
    let columns = COLUMNS.join(", ");
    let tally = |r: &dyn crate::db::DbRow, first: usize| -> Result<Tally> {
        let mut t = Tally::default();
        for (i, v) in t.0.iter_mut().enumerate() {
            *v = r.i64(first + i)?;
        }
        Ok(t)
    };
    c.query_each(
        &format!(
            "SELECT bureau_code, bank_id, branch_code, manager_id, {columns}
             FROM progress_branch WHERE campaign_id = $1"
        ),
        params![campaign_id],
        &mut |r| {
            let t = tally(r, 4)?;
            if !t.is_zero() {
                let key = CaseKey {
                    campaign_id,
                    bureau_code: r.text(0)?,
                    bank_id: r.i64(1)?,
                    branch_code: r.text(2)?,
                    manager_id: r.i64(3)?,
                };
                out.branch.insert(key, t);
            }
            Ok(())
        },
    )?;
    c.query_each(
        &format!(
            "SELECT bureau_code, bank_id, {columns} FROM progress_bank WHERE campaign_id = $1"
        ),
        params![campaign_id],
        &mut |r| {
            let t = tally(r, 2)?;
            if !t.is_zero() {
                out.bank.insert((r.text(0)?, r.i64(1)?), t);
            }
            Ok(())
        },
    )?;
    c.query_each(
        "SELECT bureau_code, bank_id, day, q1, visited, solution, disbursed
         FROM progress_daily WHERE campaign_id = $1",
        params![campaign_id],
        &mut |r| {
            let d = [r.i64(3)?, r.i64(4)?, r.i64(5)?, r.i64(6)?];
            if d.iter().any(|v| *v != 0) {
                out.daily.insert((r.text(0)?, r.i64(1)?, r.i64(2)?), d);
            }
            Ok(())
        },
    )?;
    c.query_each(
        "SELECT bureau_code, bank_id, branch_code, manager_id, day, n
         FROM progress_open WHERE campaign_id = $1 AND n <> 0",
        params![campaign_id],
        &mut |r| {
            let key = CaseKey {
                campaign_id,
                bureau_code: r.text(0)?,
                bank_id: r.i64(1)?,
                branch_code: r.text(2)?,
                manager_id: r.i64(3)?,
            };
            out.open.insert((key, r.i64(4)?), r.i64(5)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// Up to `limit` lines describing where `a` (expected) and `b` (stored) differ.
fn differences<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    expected: &BTreeMap<K, V>,
    found: &BTreeMap<K, V>,
    out: &mut Vec<String>,
) {
    for (k, v) in expected {
        match found.get(k) {
            Some(f) if f == v => {}
            other => out.push(format!("{what} {k:?}: expected {v:?}, stored {other:?}")),
        }
    }
    for (k, v) in found {
        if !expected.contains_key(k) {
            out.push(format!("{what} {k:?}: expected nothing, stored {v:?}"));
        }
    }
}

impl Store {
    /// The funnel counted straight from the list and the answers (HQ only): the
    /// benchmark's plain aggregate, and the independent half of [`Store::verify_progress`].
    pub fn progress_recount(&self, scope: &Scope, campaign_id: i64) -> Result<Recount> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        self.read(|c| recount(c, campaign_id))
    }

    /// Where the rollups of `campaign_id` differ from a count from scratch (HQ only): the
    /// funnel against [`Store::progress_recount`], every table against a recomputation of
    /// each case, the bank table against the sum of the branch table. Empty when they
    /// agree. Meaningful once the refresher has caught up and nothing is being written.
    pub fn verify_progress(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<String>> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        self.read(|c| {
            let sql = recount(c, campaign_id)?;
            let fresh = fresh(c, campaign_id)?;
            let stored = stored(c, campaign_id)?;
            let mut out = Vec::new();
            let funnel: BTreeMap<CaseKey, [i64; 15]> = stored
                .branch
                .iter()
                .map(|(k, t)| {
                    let mut f = [0i64; 15];
                    f.copy_from_slice(&t.0[..15]);
                    (k.clone(), f)
                })
                .collect();
            differences("funnel (SQL recount)", &sql.funnel, &funnel, &mut out);
            differences("progress_branch", &fresh.branch, &stored.branch, &mut out);
            differences("progress_bank", &fresh.bank, &stored.bank, &mut out);
            differences("progress_daily", &fresh.daily, &stored.daily, &mut out);
            differences("progress_open", &fresh.open, &stored.open, &mut out);
            Ok(out)
        })
    }
}
