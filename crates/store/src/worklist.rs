//! The customer manager's worklist (issue 4, the workbench): each enterprise they hold with
//! where it stands — from "not yet contacted" to "solution in progress" or "done" — counted
//! per status and paged. The status is derived from the facts (pushes, questionnaire 1,
//! visits, solutions), never kept by hand, so it cannot drift from them.
//!
//! One light pass computes every held enterprise's status from indexed lookups (the
//! enterprise's active code and its pushes, its q1, the count of its q2 and q3); the counts
//! and the page come from that pass, and only the page's rows are then read in detail. A
//! manager holds a few thousand enterprises at most, so the pass is bounded by that.

use serde::Serialize;
use yinqi_domain::questionnaire::SolutionStatus;

use crate::codes::code_reading_condition;
use crate::db::{ConnExt, Dialect, Val};
use crate::error::{Result, StoreError};
use crate::pushes::{PushChannel, channel_of};
use crate::{Scope, Store};

/// Days after questionnaire 1 asked for a visit before the visit counts as overdue.
pub const VISIT_DUE_DAYS: i64 = 7;
const DAY_MS: i64 = 86_400_000;

/// Where an enterprise stands for its manager; one status each, the first that applies in
/// this order: a solution in progress; a solution closed (done); visited but no solution
/// yet; a visit wanted more than [`VISIT_DUE_DAYS`] ago and not made; a visit wanted;
/// questionnaire 1 answered without wanting a visit (done); link pushed (or questionnaire 1
/// opened) but not answered; nothing yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    NotContacted,
    Pushed,
    WantsVisit,
    VisitOverdue,
    Visited,
    SolutionOpen,
    Done,
}

impl WorkStatus {
    /// In the order the workbench shows them (the order of the work).
    pub const ALL: [WorkStatus; 7] = [
        WorkStatus::NotContacted,
        WorkStatus::Pushed,
        WorkStatus::WantsVisit,
        WorkStatus::VisitOverdue,
        WorkStatus::Visited,
        WorkStatus::SolutionOpen,
        WorkStatus::Done,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WorkStatus::NotContacted => "not_contacted",
            WorkStatus::Pushed => "pushed",
            WorkStatus::WantsVisit => "wants_visit",
            WorkStatus::VisitOverdue => "visit_overdue",
            WorkStatus::Visited => "visited",
            WorkStatus::SolutionOpen => "solution_open",
            WorkStatus::Done => "done",
        }
    }

    pub fn from_code(code: &str) -> Option<WorkStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            WorkStatus::NotContacted => "未联系",
            WorkStatus::Pushed => "已推送待填写",
            WorkStatus::WantsVisit => "希望走访",
            WorkStatus::VisitOverdue => "走访逾期",
            WorkStatus::Visited => "已走访待出方案",
            WorkStatus::SolutionOpen => "方案进行中",
            WorkStatus::Done => "已完成",
        }
    }
}

/// Which of the held enterprises to list.
#[derive(Clone, Debug, Default)]
pub struct WorkFilter {
    pub status: Option<WorkStatus>,
    /// A credit code, or part of a name.
    pub query: Option<String>,
    /// The moment the statuses are taken at (milliseconds): "overdue" is relative to it.
    pub as_of: i64,
}

/// A page of the worklist: rows after enterprise id `after`, `size` of them.
#[derive(Clone, Copy, Debug)]
pub struct WorkPage {
    pub after: Option<i64>,
    pub size: u32,
}

/// One held enterprise as the workbench shows it (contacts as stored: the page masks them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkRow {
    pub enterprise_id: i64,
    pub uscc: String,
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub bank_name: Option<String>,
    pub status: WorkStatus,
    /// The code in force, when the caller may read it (its batch reached the managers).
    pub code: Option<String>,
    /// The last push of the code in force.
    pub last_push: Option<(i64, PushChannel)>,
    /// Questionnaire 1: submitted when, and whether a visit was asked for.
    pub q1_submitted_at: Option<i64>,
    pub q1_draft: bool,
    pub wants_visit: bool,
    pub visits: i64,
    pub solutions: i64,
    pub open_solutions: i64,
}

/// The counts per status (all held enterprises, whatever the filter) and one page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Worklist {
    pub counts: Vec<(WorkStatus, u64)>,
    pub total: u64,
    pub rows: Vec<WorkRow>,
    /// Whether rows follow this page.
    pub more: bool,
}

/// The SQL of `q1.answers`' `wants_visit` answer in each dialect (answers are JSON text).
fn wants_visit_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "json_extract(q.answers, '$.wants_visit')",
        Dialect::Postgres => "(q.answers::jsonb ->> 'wants_visit')",
    }
}

fn name_contains_sql(dialect: Dialect, param: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("instr(e.name, ${param}) > 0"),
        Dialect::Postgres => format!("strpos(e.name, ${param}) > 0"),
    }
}

/// `'proposed', 'applied', …`: the statuses of a solution still in progress.
fn open_statuses_sql() -> String {
    SolutionStatus::ALL
        .iter()
        .filter(|s| !s.is_final())
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts of submitted q2 and q3 (all, and those still open) of enterprise `e`.
fn answer_counts_sql() -> String {
    format!(
        "(SELECT COUNT(*) FROM responses v WHERE v.enterprise_id = e.id
            AND v.questionnaire = 'q2' AND v.status = 'submitted') AS visits,
         (SELECT COUNT(*) FROM responses s WHERE s.enterprise_id = e.id
            AND s.questionnaire = 'q3' AND s.status = 'submitted') AS solutions,
         (SELECT COUNT(*) FROM responses s WHERE s.enterprise_id = e.id
            AND s.questionnaire = 'q3' AND s.solution_status IN ({})) AS open_solutions",
        open_statuses_sql()
    )
}

/// How far the bank's own questionnaires went for enterprise `e`, in one pass over its
/// answers (one index range, not one per questionnaire): 3 a solution still open, 2 a
/// solution (all final), 1 a visit, 0 neither.
fn stage_sql() -> String {
    format!(
        "(SELECT MAX(CASE
             WHEN r.questionnaire = 'q3' AND r.solution_status IN ({}) THEN 3
             WHEN r.questionnaire = 'q3' AND r.status = 'submitted' THEN 2
             WHEN r.questionnaire = 'q2' AND r.status = 'submitted' THEN 1
             ELSE 0 END)
          FROM responses r WHERE r.enterprise_id = e.id) AS stage",
        open_statuses_sql()
    )
}

/// The status, from the facts columns of `f` ([`WorkStatus`] says the order).
fn status_sql(cutoff_param: usize) -> String {
    format!(
        "CASE
           WHEN f.stage = 3 THEN 'solution_open'
           WHEN f.stage = 2 THEN 'done'
           WHEN f.stage = 1 THEN 'visited'
           WHEN f.q1_status = 'submitted' AND f.wants_visit = 'yes'
                AND f.q1_at < ${cutoff_param} THEN 'visit_overdue'
           WHEN f.q1_status = 'submitted' AND f.wants_visit = 'yes' THEN 'wants_visit'
           WHEN f.q1_status = 'submitted' THEN 'done'
           WHEN f.pushed OR f.q1_status = 'draft' THEN 'pushed'
           ELSE 'not_contacted'
         END"
    )
}

fn status_of(code: &str) -> Result<WorkStatus> {
    WorkStatus::from_code(code).ok_or_else(|| StoreError::Decode(format!("work status {code}")))
}

impl Store {
    /// The enterprises a customer manager holds, with their status: counts per status and
    /// the page `page` of those matching `filter`, in enterprise order. Managers only (a
    /// bank's or branch's lists are far larger; their dashboards come with issue 5).
    pub fn manager_worklist(
        &self,
        scope: &Scope,
        campaign_id: i64,
        filter: &WorkFilter,
        page: WorkPage,
    ) -> Result<Worklist> {
        if !matches!(scope, Scope::Manager(_)) {
            return Err(StoreError::NotFound);
        }
        let size = page.size.clamp(1, 500) as usize;
        let (scope_sql, scope_values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let next = 2 + scope_values.len();
        let query = filter.query.as_deref().map(str::trim).unwrap_or("");
        let query_upper = query.to_uppercase();
        let cutoff = filter.as_of - VISIT_DUE_DAYS * DAY_MS;
        let dialect = self.dialect();
        let statuses_sql = format!(
            "SELECT f.id, {status}, f.matches FROM (
               SELECT e.id,
                 EXISTS (SELECT 1 FROM code_pushes p WHERE p.code_id = c.id) AS pushed,
                 q.status AS q1_status, q.submitted_at AS q1_at, {wants} AS wants_visit,
                 {stage},
                 CASE WHEN ${q} = '' OR e.uscc = ${qu} OR {contains} THEN 1 ELSE 0 END AS matches
               FROM enterprises e
               LEFT JOIN enterprise_codes c ON c.enterprise_id = e.id AND c.active
               LEFT JOIN responses q ON q.enterprise_id = e.id AND q.questionnaire = 'q1'
               WHERE e.campaign_id = $1 AND {scope_sql}
             ) f ORDER BY f.id",
            status = status_sql(next),
            wants = wants_visit_sql(dialect),
            stage = stage_sql(),
            q = next + 1,
            qu = next + 2,
            contains = name_contains_sql(dialect, next + 1),
        );
        let mut values: Vec<Val<'_>> = vec![Val::Int(campaign_id)];
        values.extend(scope_values);
        values.extend([Val::Int(cutoff), Val::Text(query), Val::Text(&query_upper)]);
        self.read(|c| {
            let all = c.query_vec(&statuses_sql, &values, |r| {
                Ok((r.i64(0)?, status_of(&r.text(1)?)?, r.i64(2)? == 1))
            })?;
            let mut counts: Vec<(WorkStatus, u64)> =
                WorkStatus::ALL.iter().map(|s| (*s, 0)).collect();
            for (_, status, _) in &all {
                if let Some(slot) = counts.iter_mut().find(|(s, _)| s == status) {
                    slot.1 += 1;
                }
            }
            let mut picked: Vec<(i64, WorkStatus)> = all
                .iter()
                .filter(|(id, status, matches)| {
                    *matches
                        && filter.status.is_none_or(|s| s == *status)
                        && page.after.is_none_or(|after| *id > after)
                })
                .take(size + 1)
                .map(|(id, status, _)| (*id, *status))
                .collect();
            let more = picked.len() > size;
            picked.truncate(size);
            let rows = page_rows(c, scope, dialect, &picked)?;
            Ok(Worklist {
                counts,
                total: all.len() as u64,
                rows,
                more,
            })
        })
    }
}

/// The details of the page's enterprises, in the order given.
fn page_rows(
    c: &mut dyn crate::db::Conn,
    scope: &Scope,
    dialect: Dialect,
    picked: &[(i64, WorkStatus)],
) -> Result<Vec<WorkRow>> {
    if picked.is_empty() {
        return Ok(vec![]);
    }
    let reading = code_reading_condition(scope).unwrap_or("FALSE");
    let ids: Vec<Val<'_>> = picked.iter().map(|(id, _)| Val::Int(*id)).collect();
    let placeholders = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT e.id, e.uscc, e.name, e.contact_name, e.contact_phone, k.name,
           CASE WHEN {reading} THEN c.code END,
           (SELECT p.at FROM code_pushes p WHERE p.code_id = c.id ORDER BY p.at DESC, p.id DESC LIMIT 1),
           (SELECT p.channel FROM code_pushes p WHERE p.code_id = c.id ORDER BY p.at DESC, p.id DESC LIMIT 1),
           q.status, q.submitted_at, {wants},
           {counts}
         FROM enterprises e
         LEFT JOIN banks k ON k.id = e.bank_id
         LEFT JOIN enterprise_codes c ON c.enterprise_id = e.id AND c.active
         LEFT JOIN code_batches b ON b.id = c.batch_id
         LEFT JOIN responses q ON q.enterprise_id = e.id AND q.questionnaire = 'q1'
         WHERE e.id IN ({placeholders})",
        wants = wants_visit_sql(dialect),
        counts = answer_counts_sql(),
    );
    let mut found = c.query_vec(&sql, &ids, |r| {
        let push = match (r.opt_i64(7)?, r.opt_text(8)?) {
            (Some(at), Some(channel)) => Some((at, channel_of(&channel)?)),
            _ => None,
        };
        let q1_status = r.opt_text(9)?;
        Ok(WorkRow {
            enterprise_id: r.i64(0)?,
            uscc: r.text(1)?,
            name: r.text(2)?,
            contact_name: r.opt_text(3)?,
            contact_phone: r.opt_text(4)?,
            bank_name: r.opt_text(5)?,
            status: WorkStatus::NotContacted,
            code: r.opt_text(6)?,
            last_push: push,
            q1_submitted_at: r.opt_i64(10)?,
            q1_draft: q1_status.as_deref() == Some("draft"),
            wants_visit: r.opt_text(11)?.as_deref() == Some("yes"),
            visits: r.i64(12)?,
            solutions: r.i64(13)?,
            open_solutions: r.i64(14)?,
        })
    })?;
    let mut rows = Vec::with_capacity(picked.len());
    for (id, status) in picked {
        if let Some(i) = found.iter().position(|r| r.enterprise_id == *id) {
            let mut row = found.swap_remove(i);
            row.status = *status;
            rows.push(row);
        }
    }
    Ok(rows)
}
