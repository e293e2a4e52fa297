//! The enterprise confirms the visits its bank recorded (questionnaire 2) and rates them
//! (migration 9). An enterprise never reads q2's answers — the manager's assessment of it is
//! the bank's — so it gets a narrow view of each visit: the date, the mode and the bank.
//! The confirmations are written once, by the enterprise only, and read by the bank side,
//! the bureau and HQ for the quality checks; not by the customer manager, whose own visit
//! the rating judges.

use serde_json::Value as J;
use yinqi_domain::visit_feedback::Feedback;

use crate::answers::{ClientMeta, ip_hash, visible_enterprise};
use crate::db::{Conn, ConnExt, DbRow, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// What the enterprise said about one visit.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFeedback {
    pub id: i64,
    /// The visit: a submitted q2 response.
    pub response_id: i64,
    pub enterprise_id: i64,
    pub took_place: bool,
    /// 1–5, only for a visit that took place.
    pub rating: Option<u8>,
    pub comment: Option<String>,
    pub at: i64,
    /// The salted hash of the client's IP (as for answers).
    pub ip_hash: Option<Vec<u8>>,
}

/// One recorded visit as its enterprise sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitToConfirm {
    pub response_id: i64,
    /// `YYYY-MM-DD`, from q2's `visit_date`.
    pub visit_date: Option<String>,
    /// q2's `visit_mode` code (`on_site`, `video`, `phone`).
    pub visit_mode: Option<String>,
    /// The bank serving the enterprise (whose manager made the visit).
    pub bank_name: Option<String>,
    /// The enterprise's confirmation, once given.
    pub feedback: Option<VisitFeedback>,
}

const FEEDBACK_COLUMNS: &str =
    "f.id, f.response_id, f.enterprise_id, f.took_place, f.rating, f.comment, f.at, f.ip_hash";

/// A feedback row from `FEEDBACK_COLUMNS` starting at column `at`; `None` when the LEFT JOIN
/// found none.
fn feedback_from_row(r: &dyn DbRow, at: usize) -> Result<Option<VisitFeedback>> {
    let Some(id) = r.opt_i64(at)? else {
        return Ok(None);
    };
    Ok(Some(VisitFeedback {
        id,
        response_id: r.i64(at + 1)?,
        enterprise_id: r.i64(at + 2)?,
        took_place: r.bool(at + 3)?,
        rating: r.opt_i64(at + 4)?.map(|n| n as u8),
        comment: r.opt_text(at + 5)?,
        at: r.i64(at + 6)?,
        ip_hash: r.opt_bytes(at + 7)?,
    }))
}

/// A text answer of a stored answer set, if it is one.
fn answer_text(answers: &serde_json::Map<String, J>, id: &str) -> Option<String> {
    answers.get(id).and_then(J::as_str).map(str::to_owned)
}

/// The feedback on visit `response_id`, if any.
fn feedback_of_visit(c: &mut dyn Conn, response_id: i64) -> Result<Option<VisitFeedback>> {
    c.query_opt(
        &format!("SELECT {FEEDBACK_COLUMNS} FROM visit_feedback f WHERE f.response_id = $1"),
        params![response_id],
        |r| feedback_from_row(r, 0),
    )
    .map(Option::flatten)
}

impl Store {
    /// The submitted visits (q2) of enterprise `enterprise_id`, oldest first, with what the
    /// enterprise said about each — the date, mode and bank of a visit only, never q2's other
    /// answers. Any scope that sees the enterprise may ask; it is the enterprise's page.
    pub fn visits_to_confirm(
        &self,
        scope: &Scope,
        enterprise_id: i64,
    ) -> Result<Vec<VisitToConfirm>> {
        let (condition, mut values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT r.id, r.answers, k.name, {FEEDBACK_COLUMNS}
             FROM responses r
             JOIN enterprises e ON e.id = r.enterprise_id
             LEFT JOIN banks k ON k.id = e.bank_id
             LEFT JOIN visit_feedback f ON f.response_id = r.id
             WHERE r.enterprise_id = $1 AND r.questionnaire = 'q2' AND r.status = 'submitted'
               AND {condition}
             ORDER BY r.id"
        );
        let mut all = vec![Val::Int(enterprise_id)];
        all.append(&mut values);
        self.read(|c| {
            visible_enterprise(c, scope, enterprise_id)?;
            c.query_vec(&sql, &all, |r| {
                let answers = match serde_json::from_str(&r.text(1)?) {
                    Ok(J::Object(map)) => map,
                    _ => return Err(StoreError::Decode("response answers".into())),
                };
                Ok(VisitToConfirm {
                    response_id: r.i64(0)?,
                    visit_date: answer_text(&answers, "visit_date"),
                    visit_mode: answer_text(&answers, "visit_mode"),
                    bank_name: r.opt_text(2)?,
                    feedback: feedback_from_row(r, 3)?,
                })
            })
        })
    }

    /// The enterprise confirms visit `response_id` (a submitted q2 of its own) took place or
    /// not, and rates it. Once only: the same confirmation again (a retry, a double click)
    /// returns the stored one; a different one is a conflict. Only the enterprise itself
    /// (`Scope::Enterprise`) writes; for anyone else, and for a visit that is not this
    /// enterprise's submitted q2, the visit is not found.
    pub fn record_visit_feedback(
        &self,
        scope: &Scope,
        enterprise_id: i64,
        response_id: i64,
        feedback: &Feedback,
        client: ClientMeta<'_>,
    ) -> Result<VisitFeedback> {
        if *scope != Scope::Enterprise(enterprise_id) {
            return Err(StoreError::NotFound);
        }
        let ip = match client.ip {
            Some(ip) => Some(ip_hash(&self.ip_salt_now()?, ip)),
            None => None,
        };
        self.write(|c| {
            visible_enterprise(c, scope, enterprise_id)?;
            c.query_one(
                "SELECT id FROM responses
                 WHERE id = $1 AND enterprise_id = $2 AND questionnaire = 'q2'
                   AND status = 'submitted'",
                params![response_id, enterprise_id],
                |r| r.i64(0),
            )?;
            c.query_opt(
                "INSERT INTO visit_feedback (response_id, enterprise_id, took_place, rating,
                   comment, at, ip_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT DO NOTHING RETURNING id",
                params![
                    response_id,
                    enterprise_id,
                    feedback.took_place(),
                    feedback.rating().map(i64::from),
                    feedback.comment(),
                    now_millis(),
                    ip.as_deref()
                ],
                |r| r.i64(0),
            )?;
            let stored = feedback_of_visit(c, response_id)?.ok_or(StoreError::NotFound)?;
            let same = stored.took_place == feedback.took_place()
                && stored.rating == feedback.rating()
                && stored.comment.as_deref() == feedback.comment();
            if same {
                Ok(stored)
            } else {
                Err(StoreError::Conflict(
                    "这次走访已经确认过，不能再修改。如有问题请联系当地银保监局。".into(),
                ))
            }
        })
    }

    /// What enterprise `enterprise_id` said about its visits, oldest first: for the bank
    /// side, the bureau and HQ (quality checks, spot checks) and the enterprise itself. A
    /// customer manager, whose visit it judges, and aggregate-only callers get not found.
    pub fn visit_feedback_of(
        &self,
        scope: &Scope,
        enterprise_id: i64,
    ) -> Result<Vec<VisitFeedback>> {
        if matches!(scope, Scope::Manager(_) | Scope::Aggregates) {
            return Err(StoreError::NotFound);
        }
        let (condition, mut values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let sql = format!(
            "SELECT {FEEDBACK_COLUMNS} FROM visit_feedback f
             JOIN enterprises e ON e.id = f.enterprise_id
             WHERE f.enterprise_id = $1 AND {condition}
             ORDER BY f.id"
        );
        let mut all = vec![Val::Int(enterprise_id)];
        all.append(&mut values);
        self.read(|c| {
            visible_enterprise(c, scope, enterprise_id)?;
            c.query_vec(&sql, &all, |r| {
                feedback_from_row(r, 0)?.ok_or_else(|| StoreError::Decode("feedback id".into()))
            })
        })
    }
}
