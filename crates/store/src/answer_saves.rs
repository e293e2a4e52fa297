//! The part of saving answers that runs inside the (shared) write transaction: find the
//! enterprise within the scope and the answer this save continues, apply the rules of
//! idempotent client ids, and write one row. Everything else was worked out beforehand on
//! the caller's thread (`PreparedSave`), so a batch of saves spends its transaction on rows
//! only: one read and one write per save. Every refusal is decided before the write, which
//! is what lets `group_commit` keep the rest of a batch when one save is refused.

use serde_json::Value as J;
use yinqi_domain::questionnaire::{FieldError, Mode, SolutionStatus};

use crate::answers::{RESPONSE_COLUMNS, Response, ResponseStatus, response_at};
use crate::db::{Conn, ConnExt, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, now_millis, params};

/// What a save checked against its definition: the answers to store, every problem with
/// them, or a version the database does not have (told only after the scope check).
pub(crate) enum Checked {
    Valid {
        answers: serde_json::Map<String, J>,
        /// The answers as stored (JSON text).
        text: String,
        /// q3 submissions: the status answered.
        solution_status: Option<SolutionStatus>,
    },
    Refused(Vec<FieldError>),
    UnknownVersion(String),
}

/// A save with everything that needs no stored row already worked out. Owned: the group
/// commit may run it on another caller's thread, and twice (see `group_commit`).
pub(crate) struct PreparedSave {
    pub scope: Scope,
    pub enterprise_id: i64,
    pub questionnaire: String,
    pub version: u32,
    /// Trimmed and checked.
    pub client_id: String,
    pub mode: Mode,
    pub checked: Checked,
    pub opened_at: Option<i64>,
    pub user_id: Option<i64>,
    pub actor: String,
    pub ip_hash: Option<Vec<u8>>,
    pub user_agent: Option<String>,
}

/// The enterprise's campaign if `p.scope` sees it (else `NotFound`), and the answer this
/// save continues: the row of its client id, or for q1 the enterprise's one answer. One
/// statement for the usual case of a new answer (a round trip saved on PostgreSQL), a
/// second to read the row when there is one. Scalar subqueries rather than a join with
/// `responses`: SQLite re-prepared the join on every run once rows were being inserted
/// between runs (13 % of a submission's CPU).
fn find(c: &mut dyn Conn, p: &PreparedSave) -> Result<(i64, Option<Response>)> {
    let (condition, values) = p
        .scope
        .enterprise_condition("e", 4)
        .ok_or(StoreError::NotFound)?;
    let sql = format!(
        "SELECT e.campaign_id, COALESCE(
           (SELECT x.id FROM responses x WHERE x.client_id = $2),
           (SELECT x.id FROM responses x
            WHERE x.enterprise_id = $1 AND x.questionnaire = 'q1' AND $3))
         FROM enterprises e WHERE e.id = $1 AND {condition}"
    );
    let mut all = vec![
        Val::Int(p.enterprise_id),
        Val::Text(&p.client_id),
        Val::Bool(p.questionnaire == "q1"),
    ];
    all.extend(values);
    let (campaign_id, existing) = c.query_one(&sql, &all, |r| Ok((r.i64(0)?, r.opt_i64(1)?)))?;
    let existing = match existing {
        Some(id) => Some(c.query_one(
            &format!("SELECT {RESPONSE_COLUMNS} FROM responses r WHERE r.id = $1"),
            params![id],
            |r| response_at(r, 0),
        )?),
        None => None,
    };
    Ok((campaign_id, existing))
}

/// Refuses a save that does not fit the answer it continues; `Ok(Some)` is the first result
/// again (the same submission retried).
fn continues(p: &PreparedSave, old: &Response) -> Result<Option<Response>> {
    if old.enterprise_id != p.enterprise_id || old.questionnaire != p.questionnaire {
        return Err(StoreError::Invalid(
            "表单编号已被另一份问卷使用，请刷新页面后重新填写".into(),
        ));
    }
    if old.version != p.version {
        return Err(StoreError::Invalid(format!(
            "问卷版本不一致（草稿为第 {} 版），请刷新页面后重新填写",
            old.version
        )));
    }
    if old.status == ResponseStatus::Submitted {
        if p.mode == Mode::Submit && old.client_id == p.client_id {
            return Ok(Some(old.clone()));
        }
        return Err(StoreError::Conflict(
            "这份问卷已经提交过，如需修改请联系客户经理或监管部门更正".into(),
        ));
    }
    Ok(None)
}

/// Saves one prepared answer in the caller's transaction. Races are settled by the
/// database: a new row goes in with `ON CONFLICT DO NOTHING`, a draft becomes submitted
/// only `WHERE status = 'draft'`; the loser of either looks again and sees the winner's row.
pub(crate) fn save_in(c: &mut dyn Conn, p: &PreparedSave) -> Result<Response> {
    for _ in 0..2 {
        let (campaign_id, existing) = find(c, p)?;
        let valid = match &p.checked {
            Checked::UnknownVersion(message) => return Err(StoreError::Invalid(message.clone())),
            Checked::Refused(fields) => Err(fields),
            Checked::Valid {
                answers,
                text,
                solution_status,
            } => Ok((answers, text, *solution_status)),
        };
        if let Some(old) = &existing
            && let Some(same) = continues(p, old)?
        {
            return Ok(same);
        }
        let (answers, text, solution_status) =
            valid.map_err(|fields| StoreError::Answers(fields.clone()))?;
        let now = now_millis();
        let submitted = p.mode == Mode::Submit;
        let mut row = Response {
            id: 0,
            campaign_id,
            enterprise_id: p.enterprise_id,
            questionnaire: p.questionnaire.clone(),
            version: p.version,
            status: if submitted {
                ResponseStatus::Submitted
            } else {
                ResponseStatus::Draft
            },
            answers: answers.clone(),
            solution_status,
            client_id: p.client_id.clone(),
            opened_at: p.opened_at.unwrap_or(now).min(now),
            saved_at: now,
            submitted_at: None,
            duration_ms: None,
            user_agent: p.user_agent.clone(),
            user_id: p.user_id,
            actor: p.actor.clone(),
            ip_hash: p.ip_hash.clone(),
        };
        if let Some(old) = &existing {
            row.id = old.id;
            row.campaign_id = old.campaign_id;
            row.opened_at = old.opened_at;
        }
        if submitted {
            row.submitted_at = Some(now);
            row.duration_ms = Some(now - row.opened_at);
        }
        let written = match &existing {
            Some(_) => replace_draft(c, &row, text)?,
            None => insert(c, &row, text)?,
        };
        let Some(id) = written else { continue };
        row.id = id;
        if let Some(to) = solution_status {
            crate::answer_changes::record_status(
                c,
                id,
                None,
                to,
                None,
                &row.actor,
                row.user_id,
                now,
            )?;
        }
        return Ok(row);
    }
    Err(StoreError::Conflict(
        "这份问卷正在另一处保存，请稍后刷新页面".into(),
    ))
}

/// Replaces a draft; `None` when a concurrent submission got there first. The row takes the
/// saving client's id (q1 from a second tab), so a retry of this very submission finds it.
fn replace_draft(c: &mut dyn Conn, row: &Response, text: &str) -> Result<Option<i64>> {
    let changed = c.execute(
        "UPDATE responses SET status = $2, answers = $3, solution_status = $4,
           saved_at = $5, submitted_at = $6, duration_ms = $7, ip_hash = $8,
           user_agent = $9, user_id = $10, actor = $11, client_id = $12
         WHERE id = $1 AND status = 'draft'",
        params![
            row.id,
            row.status.code(),
            text,
            row.solution_status.map(SolutionStatus::code),
            row.saved_at,
            row.submitted_at,
            row.duration_ms,
            row.ip_hash.as_deref(),
            &row.user_agent,
            row.user_id,
            row.actor.as_str(),
            row.client_id.as_str()
        ],
    )?;
    Ok((changed == 1).then_some(row.id))
}

/// Inserts a new answer; `None` when a concurrent save of the same client id (or the same
/// enterprise's q1) got there first.
fn insert(c: &mut dyn Conn, row: &Response, text: &str) -> Result<Option<i64>> {
    c.query_opt(
        "INSERT INTO responses (campaign_id, enterprise_id, questionnaire,
           version, status, answers, solution_status, client_id, opened_at,
           saved_at, submitted_at, duration_ms, ip_hash, user_agent, user_id,
           actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
           $15, $16)
         ON CONFLICT DO NOTHING RETURNING id",
        params![
            row.campaign_id,
            row.enterprise_id,
            row.questionnaire.as_str(),
            row.version,
            row.status.code(),
            text,
            row.solution_status.map(SolutionStatus::code),
            row.client_id.as_str(),
            row.opened_at,
            row.saved_at,
            row.submitted_at,
            row.duration_ms,
            row.ip_hash.as_deref(),
            &row.user_agent,
            row.user_id,
            row.actor.as_str()
        ],
        |r| r.i64(0),
    )
}
