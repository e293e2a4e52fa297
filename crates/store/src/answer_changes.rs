//! Changes to submitted answers: audited corrections (the old answers kept beside the new),
//! and a financing solution's (q3) status moving along `SolutionStatus::may_become`, each
//! change appended to its history.

use serde_json::Value as J;
use yinqi_domain::questionnaire::{Context, Date, SolutionStatus};

use crate::answers::{Response, ResponseStatus, solution_status_of, visible_response};
use crate::db::{Conn, ConnExt};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, audit, now_millis, params};

/// One correction of a submitted answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    pub id: i64,
    pub response_id: i64,
    pub old_answers: serde_json::Map<String, J>,
    pub new_answers: serde_json::Map<String, J>,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

/// One change of a solution's status; `from` is `None` for the first submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub from: Option<SolutionStatus>,
    pub to: SolutionStatus,
    pub reason: Option<String>,
    pub actor: String,
    pub user_id: Option<i64>,
    pub at: i64,
}

/// Appends one status change (inside the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_status(
    c: &mut dyn Conn,
    response_id: i64,
    from: Option<SolutionStatus>,
    to: SolutionStatus,
    reason: Option<&str>,
    actor: &str,
    user_id: Option<i64>,
    at: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO solution_status_history
           (response_id, from_status, to_status, reason, actor, user_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            response_id,
            from.map(SolutionStatus::code),
            to.code(),
            reason,
            actor,
            user_id,
            at
        ],
    )?;
    Ok(())
}

/// Who may correct a submitted answer: q1 is the enterprise's own statement, so only the
/// regulator changes it (on the enterprise's word); q2/q3 also the bank side that wrote them.
/// (Pages use it to offer the correction; the store checks it on every call.)
pub fn may_correct(scope: &Scope, questionnaire: &str) -> bool {
    match scope {
        Scope::Nation | Scope::Bureau(_) => true,
        Scope::Bank { .. } | Scope::Branch(_) | Scope::Manager(_) => questionnaire != "q1",
        Scope::Enterprise(_) | Scope::Aggregates => false,
    }
}

/// Who may move a financing solution (q3) on: the customer manager holding the enterprise,
/// its bank or branch (their systems, through the API).
pub fn may_update_solution(scope: &Scope) -> bool {
    matches!(
        scope,
        Scope::Manager(_) | Scope::Bank { .. } | Scope::Branch(_)
    )
}

/// The label q3's definition gives a status ("已提交申请"), or its code.
fn status_label(definition: &yinqi_domain::questionnaire::Definition, s: SolutionStatus) -> String {
    definition
        .question("status")
        .and_then(|q| q.kind.choices())
        .and_then(|choices| choices.iter().find(|c| c.code == s.code()))
        .map_or_else(|| s.code().to_owned(), |c| c.label.clone())
}

fn parse_map(text: &str) -> Result<serde_json::Map<String, J>> {
    match serde_json::from_str(text) {
        Ok(J::Object(map)) => Ok(map),
        _ => Err(StoreError::Decode("stored answers".into())),
    }
}

fn submitted(old: &Response) -> Result<()> {
    if old.status != ResponseStatus::Submitted {
        return Err(StoreError::Conflict(
            "这份问卷还是草稿，提交后才能更正或更新".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Corrects a submitted answer: validated in full against its own version, the old
    /// answers kept in the corrections table, audited. For q3 a correction may set any
    /// status (it fixes a mistake, not a step of the solution); the history records it.
    #[allow(clippy::too_many_arguments)]
    pub fn correct(
        &self,
        scope: &Scope,
        response_id: i64,
        answers: &serde_json::Map<String, J>,
        today: Date,
        reason: &str,
        user_id: Option<i64>,
        actor: &str,
    ) -> Result<Response> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("更正须说明原因".into()));
        }
        self.write(|c| {
            let old = visible_response(c, scope, response_id)?;
            if !may_correct(scope, &old.questionnaire) {
                return Err(StoreError::NotFound);
            }
            submitted(&old)?;
            let definition = self.definition_in(c, &old.questionnaire, old.version)?;
            let normalised = definition
                .validate(answers, &Context::submit(today))
                .map_err(StoreError::Answers)?;
            let new_answers = J::Object(normalised.to_json()).to_string();
            let old_answers = J::Object(old.answers.clone()).to_string();
            let now = now_millis();
            let status = solution_status_of(&normalised).filter(|_| old.questionnaire == "q3");
            c.execute(
                "UPDATE responses SET answers = $2, solution_status = $3 WHERE id = $1",
                params![
                    response_id,
                    new_answers.as_str(),
                    status.map(SolutionStatus::code)
                ],
            )?;
            c.execute(
                "INSERT INTO response_corrections
                   (response_id, old_answers, new_answers, reason, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                params![
                    response_id,
                    old_answers.as_str(),
                    new_answers.as_str(),
                    reason,
                    actor,
                    now
                ],
            )?;
            if let Some(to) = status.filter(|s| Some(*s) != old.solution_status) {
                let why = format!("更正：{reason}");
                record_status(
                    c,
                    response_id,
                    old.solution_status,
                    to,
                    Some(&why),
                    actor,
                    user_id,
                    now,
                )?;
            }
            // The enterprise's bureau, so the bureau's own audit log shows the correction.
            let bureau = c.query_one(
                "SELECT bureau_code FROM enterprises WHERE id = $1",
                params![old.enterprise_id],
                |r| r.text(0),
            )?;
            audit::record(
                c,
                actor,
                "answers.correct",
                Some(old.campaign_id),
                Some(&bureau),
                Some(&format!("{}#{}", old.questionnaire, response_id)),
                &serde_json::json!({ "reason": reason, "enterprise_id": old.enterprise_id }),
            )?;
            visible_response(c, scope, response_id)
        })
    }

    /// Updates a submitted financing solution (q3) as it progresses: the whole form again,
    /// validated, with a status change only where `may_become` allows it.
    #[allow(clippy::too_many_arguments)]
    pub fn update_solution(
        &self,
        scope: &Scope,
        response_id: i64,
        answers: &serde_json::Map<String, J>,
        today: Date,
        reason: Option<&str>,
        user_id: Option<i64>,
        actor: &str,
    ) -> Result<Response> {
        if !may_update_solution(scope) {
            return Err(StoreError::NotFound);
        }
        let user_id = match scope {
            Scope::Manager(id) => Some(*id),
            _ => user_id,
        };
        self.write(|c| {
            let old = visible_response(c, scope, response_id)?;
            if old.questionnaire != "q3" {
                return Err(StoreError::NotFound);
            }
            submitted(&old)?;
            let definition = self.definition_in(c, "q3", old.version)?;
            let normalised = definition
                .validate(answers, &Context::submit(today))
                .map_err(StoreError::Answers)?;
            let to = solution_status_of(&normalised)
                .ok_or_else(|| StoreError::Decode("q3 without a status".into()))?;
            let from = old
                .solution_status
                .ok_or_else(|| StoreError::Decode("submitted q3 without a status".into()))?;
            if !from.may_become(to) {
                let why = if from.is_final() {
                    "方案已结束，状态不能再变更（如有错误请申请更正）".to_owned()
                } else {
                    "不能从当前状态变更为所选状态".to_owned()
                };
                return Err(StoreError::Invalid(format!(
                    "{why}：“{}”→“{}”",
                    status_label(&definition, from),
                    status_label(&definition, to)
                )));
            }
            let now = now_millis();
            c.execute(
                "UPDATE responses SET answers = $2, solution_status = $3, saved_at = $4,
                   user_id = COALESCE($5, user_id), actor = $6
                 WHERE id = $1",
                params![
                    response_id,
                    J::Object(normalised.to_json()).to_string().as_str(),
                    to.code(),
                    now,
                    user_id,
                    actor
                ],
            )?;
            if from != to {
                let reason = reason.map(str::trim).filter(|r| !r.is_empty());
                record_status(c, response_id, Some(from), to, reason, actor, user_id, now)?;
            }
            visible_response(c, scope, response_id)
        })
    }

    /// The corrections of one answer set, oldest first.
    pub fn corrections(&self, scope: &Scope, response_id: i64) -> Result<Vec<Correction>> {
        self.read(|c| {
            visible_response(c, scope, response_id)?;
            let rows = c.query_vec(
                "SELECT id, response_id, old_answers, new_answers, reason, actor, at
                 FROM response_corrections WHERE response_id = $1 ORDER BY id",
                params![response_id],
                |r| {
                    Ok((
                        r.i64(0)?,
                        r.i64(1)?,
                        r.text(2)?,
                        r.text(3)?,
                        r.text(4)?,
                        r.text(5)?,
                        r.i64(6)?,
                    ))
                },
            )?;
            rows.into_iter()
                .map(|(id, response_id, old, new, reason, actor, at)| {
                    Ok(Correction {
                        id,
                        response_id,
                        old_answers: parse_map(&old)?,
                        new_answers: parse_map(&new)?,
                        reason,
                        actor,
                        at,
                    })
                })
                .collect()
        })
    }

    /// A solution's status history, oldest first.
    pub fn solution_history(&self, scope: &Scope, response_id: i64) -> Result<Vec<StatusChange>> {
        self.read(|c| {
            visible_response(c, scope, response_id)?;
            c.query_vec(
                "SELECT from_status, to_status, reason, actor, user_id, at
                 FROM solution_status_history WHERE response_id = $1 ORDER BY id",
                params![response_id],
                |r| {
                    let status = |code: String| {
                        SolutionStatus::from_code(&code)
                            .ok_or_else(|| StoreError::Decode(format!("solution status {code}")))
                    };
                    Ok(StatusChange {
                        from: r.opt_text(0)?.map(status).transpose()?,
                        to: status(r.text(1)?)?,
                        reason: r.opt_text(2)?,
                        actor: r.text(3)?,
                        user_id: r.opt_i64(4)?,
                        at: r.i64(5)?,
                    })
                },
            )
        })
    }
}
