//! Loading the cases of a chunk of enterprises — list row, code in force, submitted
//! answers — reduced to what `Facts::of` (domain) reads, in three queries per chunk.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use yinqi_domain::progress::{Case, ListFacts, Q1, Solution, Visit, day};
use yinqi_domain::questionnaire::{Dec, SolutionStatus};

use super::CaseKey;
use crate::db::{Conn, ConnExt, DbRow, Dialect, Val};
use crate::error::Result;
use crate::params;

/// A set of enterprises processed in one transaction.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Chunk<'a> {
    /// Queued enterprises with ids from `lo` to `hi`.
    Queue { lo: i64, hi: i64 },
    /// One bureau's enterprises with ids after `after`, up to `upto`.
    Sweep {
        campaign_id: i64,
        bureau: &'a str,
        after: i64,
        upto: i64,
    },
}

impl<'a> Chunk<'a> {
    /// The FROM and WHERE naming the chunk's enterprises as `e`, and their parameters.
    fn enterprises(&self) -> (&'static str, &'static str, Vec<Val<'a>>) {
        match *self {
            Chunk::Queue { lo, hi } => (
                "progress_queue q JOIN enterprises e ON e.id = q.enterprise_id",
                "q.enterprise_id BETWEEN $1 AND $2",
                vec![Val::Int(lo), Val::Int(hi)],
            ),
            Chunk::Sweep {
                campaign_id,
                bureau,
                after,
                upto,
            } => (
                "enterprises e",
                "e.campaign_id = $1 AND e.bureau_code = $2 AND e.id > $3 AND e.id <= $4",
                vec![
                    Val::Int(campaign_id),
                    Val::Text(bureau),
                    Val::Int(after),
                    Val::Int(upto),
                ],
            ),
        }
    }

    /// The same for the facts last counted for the chunk's enterprises, as `f`.
    pub(crate) fn facts(&self) -> (&'static str, &'static str, Vec<Val<'a>>) {
        match *self {
            Chunk::Queue { lo, hi } => (
                "progress_queue q JOIN progress_facts f ON f.enterprise_id = q.enterprise_id",
                "q.enterprise_id BETWEEN $1 AND $2",
                vec![Val::Int(lo), Val::Int(hi)],
            ),
            Chunk::Sweep {
                campaign_id,
                bureau,
                after,
                upto,
            } => (
                "progress_facts f",
                "f.campaign_id = $1 AND f.bureau_code = $2 AND f.enterprise_id > $3 AND f.enterprise_id <= $4",
                vec![
                    Val::Int(campaign_id),
                    Val::Text(bureau),
                    Val::Int(after),
                    Val::Int(upto),
                ],
            ),
        }
    }
}

/// Answer fields read from the stored JSON, in the order the responses query returns them.
const FIELDS: [&str; 9] = [
    "need",
    "wants_visit",
    "need_amount",
    "revenue_band",
    "respondent_mobile",
    "visit_date",
    "approved_amount",
    "disbursed_amount",
    "disbursed_date",
];
const FIRST_FIELD: usize = 7;

/// The responses query's FROM addition and the expression reading one answer as text.
/// PostgreSQL parses each document once (`OFFSET 0` keeps the planner from inlining the
/// lateral subquery back into every reference); SQLite caches parsed JSON per statement.
fn json_access(dialect: Dialect) -> (&'static str, fn(&str) -> String) {
    match dialect {
        Dialect::Sqlite => ("", |f| {
            format!("CAST(json_extract(r.answers, '$.{f}') AS TEXT)")
        }),
        Dialect::Postgres => (
            " CROSS JOIN LATERAL (SELECT r.answers::jsonb AS j OFFSET 0) a",
            |f| format!("(a.j ->> '{f}')"),
        ),
    }
}

/// A 万元 amount as stored in answers (`50`, `12.50`) in yuan.
fn yuan(text: Option<String>) -> Option<i64> {
    text.as_deref()
        .and_then(Dec::parse)
        .map(|d| d.0.saturating_mul(100))
}

/// A short, never-zero key from a hash: enough to count equal values, not to find them.
fn short_key(hash: &[u8]) -> i64 {
    let mut bytes = [0u8; 8];
    let n = hash.len().min(8);
    bytes[..n].copy_from_slice(&hash[..n]);
    match i64::from_le_bytes(bytes) {
        0 => 1,
        k => k,
    }
}

/// The key of a respondent's mobile, keyed by the database's secret salt so the facts
/// table cannot be turned back into phone numbers by hashing every number.
fn mobile_key(salt: &[u8], mobile: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(b"mobile:");
    h.update(mobile.trim().as_bytes());
    short_key(&h.finalize())
}

fn salt(c: &mut dyn Conn) -> Result<Vec<u8>> {
    Ok(c.query_opt(
        "SELECT value FROM store_secrets WHERE name = 'ip_salt'",
        params![],
        |r| r.opt_bytes(0),
    )?
    .flatten()
    .unwrap_or_default())
}

/// The cases of `chunk`, by enterprise id.
pub(crate) fn load(c: &mut dyn Conn, chunk: &Chunk<'_>) -> Result<BTreeMap<i64, (CaseKey, Case)>> {
    let (from, condition, values) = chunk.enterprises();
    let mut cases = BTreeMap::new();
    c.query_each(
        &format!(
            "SELECT e.id, e.campaign_id, e.bureau_code, COALESCE(e.bank_id, 0),
                    COALESCE(e.branch_code, ''), COALESCE(e.manager_id, 0), e.eligible,
                    e.unassigned IS NULL AND e.bank_id IS NOT NULL, e.revenue,
                    EXISTS (SELECT 1 FROM enterprise_codes c
                            WHERE c.enterprise_id = e.id AND c.active)
             FROM {from} WHERE {condition}"
        ),
        &values,
        &mut |r| {
            let key = CaseKey {
                campaign_id: r.i64(1)?,
                bureau_code: r.text(2)?,
                bank_id: r.i64(3)?,
                branch_code: r.text(4)?,
                manager_id: r.i64(5)?,
            };
            let case = Case {
                list: ListFacts {
                    eligible: r.bool(6)?,
                    assigned: r.bool(7)?,
                    managed: key.manager_id != 0,
                    coded: r.bool(9)?,
                    revenue: r.opt_i64(8)?,
                },
                ..Case::default()
            };
            cases.insert(r.i64(0)?, (key, case));
            Ok(())
        },
    )?;
    if cases.is_empty() {
        return Ok(cases);
    }
    let salt = salt(c)?;
    let (lateral, field) = json_access(c.dialect());
    let fields: Vec<String> = FIELDS.iter().map(|f| field(f)).collect();
    let sql = format!(
        "SELECT r.enterprise_id, r.questionnaire, r.submitted_at, r.saved_at, r.duration_ms,
                r.solution_status, r.ip_hash, {}
         FROM {from} JOIN responses r ON r.enterprise_id = e.id{lateral}
         WHERE {condition} AND r.status = 'submitted'",
        fields.join(", ")
    );
    c.query_each(&sql, &values, &mut |r| {
        let Some((_, case)) = cases.get_mut(&r.i64(0)?) else {
            return Ok(());
        };
        add_response(case, r, &salt)
    })?;
    Ok(cases)
}

fn add_response(case: &mut Case, r: &dyn DbRow, salt: &[u8]) -> Result<()> {
    let text = |i: usize| r.opt_text(FIRST_FIELD + i);
    let submitted_at = r.opt_i64(2)?.unwrap_or(0);
    let duration_ms = r.opt_i64(4)?;
    match r.text(1)?.as_str() {
        "q1" => {
            case.q1 = Some(Q1 {
                submitted_at,
                duration_ms,
                needs_financing: text(0)?.as_deref() == Some("yes"),
                wants_visit: text(1)?.as_deref() == Some("yes"),
                need_amount: yuan(text(2)?),
                revenue_band: text(3)?,
                ip_key: r.opt_bytes(6)?.as_deref().map_or(0, short_key),
                mobile_key: text(4)?.map_or(0, |m| mobile_key(salt, &m)),
            })
        }
        "q2" => case.visits.push(Visit {
            submitted_at,
            duration_ms,
            visit_day: text(5)?.as_deref().and_then(day::parse_iso),
        }),
        "q3" => {
            // A submitted q3 always has a status; one from a future version that this
            // build does not know counts as proposed rather than being lost.
            let status = r
                .opt_text(5)?
                .as_deref()
                .and_then(SolutionStatus::from_code)
                .unwrap_or(SolutionStatus::Proposed);
            case.solutions.push(Solution {
                status,
                submitted_at,
                saved_at: r.i64(3)?,
                approved: yuan(text(6)?),
                disbursed: yuan(text(7)?),
                disbursed_day: text(8)?.as_deref().and_then(day::parse_iso),
            })
        }
        _ => {}
    }
    Ok(())
}
