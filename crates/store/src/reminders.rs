//! Pressing banks (督促, R18): a bureau — or HQ — records a reminder to a bank whose
//! progress is slow or whose questionnaires are of poor quality; the bank sees it on its
//! home page and dashboard and replies once. Both steps are audited.

use serde::Serialize;

use crate::db::{ConnExt, DbRow, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, audit, now_millis, params};

/// One reminder and, once given, the bank's reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub id: i64,
    pub campaign_id: i64,
    /// The territory it concerns; `None`: HQ about the whole bank.
    pub bureau_code: Option<String>,
    pub bank_id: i64,
    pub bank_name: String,
    pub message: String,
    pub created_by: String,
    pub created_at: i64,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    pub replied_at: Option<i64>,
}

const COLUMNS: &str = "m.id, m.campaign_id, m.bureau_code, m.bank_id, b.name, m.message,
    m.created_by, m.created_at, m.reply, m.replied_by, m.replied_at";

fn from_row(r: &dyn DbRow) -> Result<Reminder> {
    Ok(Reminder {
        id: r.i64(0)?,
        campaign_id: r.i64(1)?,
        bureau_code: r.opt_text(2)?,
        bank_id: r.i64(3)?,
        bank_name: r.text(4)?,
        message: r.text(5)?,
        created_by: r.text(6)?,
        created_at: r.i64(7)?,
        reply: r.opt_text(8)?,
        replied_by: r.opt_text(9)?,
        replied_at: r.opt_i64(10)?,
    })
}

/// The reminders `scope` reads: HQ all, a bureau those about its territory, a bank those
/// addressed to it (a provincial admin: about its province or the whole bank).
fn readable(scope: &Scope) -> Result<(String, Vec<Val<'_>>)> {
    Ok(match scope {
        Scope::Nation => ("TRUE".into(), vec![]),
        Scope::Bureau(code) => ("m.bureau_code = $2".into(), vec![Val::Text(code)]),
        Scope::Bank {
            bank_id,
            bureau: None,
        } => ("m.bank_id = $2".into(), vec![Val::Int(*bank_id)]),
        Scope::Bank {
            bank_id,
            bureau: Some(b),
        } => (
            "m.bank_id = $2 AND (m.bureau_code = $3 OR m.bureau_code IS NULL)".into(),
            vec![Val::Int(*bank_id), Val::Text(b)],
        ),
        _ => return Err(StoreError::NotFound),
    })
}

/// Longest message or reply accepted.
const MAX_TEXT: usize = 1000;

fn checked_text<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "请填写{what}（不超过 {MAX_TEXT} 字）"
        )));
    }
    Ok(text)
}

impl Store {
    /// Records a reminder to `bank_id` about `bureau`'s territory (a bureau: always its
    /// own; HQ: any bureau, or `None` for the whole bank). The bank must have enterprises
    /// there (as counted by the dashboards), else "not found".
    pub fn remind_bank(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bank_id: i64,
        bureau: Option<&str>,
        message: &str,
        actor: &str,
    ) -> Result<Reminder> {
        let bureau = match (scope, bureau) {
            (Scope::Nation, b) => b.map(str::to_owned),
            (Scope::Bureau(own), None) => Some(own.clone()),
            (Scope::Bureau(own), Some(b)) if b == own => Some(own.clone()),
            _ => return Err(StoreError::NotFound),
        };
        let message = checked_text(message, "督促内容")?;
        self.write(|c| {
            let listed = c.query_i64(
                "SELECT COUNT(*) FROM progress_bank
                 WHERE campaign_id = $1 AND bank_id = $2 AND ($3 = '' OR bureau_code = $3)
                   AND listed > 0",
                params![campaign_id, bank_id, bureau.as_deref().unwrap_or("")],
            )?;
            if listed == 0 {
                return Err(StoreError::NotFound);
            }
            let now = now_millis();
            let id = c.query_i64(
                "INSERT INTO reminders (campaign_id, bureau_code, bank_id, message, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![campaign_id, bureau.as_deref(), bank_id, message, actor, now],
            )?;
            audit::record(
                c,
                actor,
                "reminder.create",
                Some(campaign_id),
                bureau.as_deref(),
                Some(&bank_id.to_string()),
                &serde_json::json!({ "reminder": id, "message": message }),
            )?;
            c.query_one(
                &format!("SELECT {COLUMNS} FROM reminders m JOIN banks b ON b.id = m.bank_id WHERE m.id = $1"),
                params![id],
                from_row,
            )
        })
    }

    /// The reminders `scope` may read in `campaign_id`, newest first.
    pub fn reminders(&self, scope: &Scope, campaign_id: i64, limit: u32) -> Result<Vec<Reminder>> {
        let (condition, mut values) = readable(scope)?;
        let mut all = vec![Val::Int(campaign_id)];
        all.append(&mut values);
        all.push(Val::Int(i64::from(limit)));
        let sql = format!(
            "SELECT {COLUMNS} FROM reminders m JOIN banks b ON b.id = m.bank_id
             WHERE m.campaign_id = $1 AND {condition} ORDER BY m.id DESC LIMIT ${}",
            all.len()
        );
        self.read(|c| c.query_vec(&sql, &all, from_row))
    }

    /// The bank's reply to one of its reminders; once only.
    pub fn reply_reminder(
        &self,
        scope: &Scope,
        reminder_id: i64,
        reply: &str,
        actor: &str,
    ) -> Result<Reminder> {
        if !matches!(scope, Scope::Bank { .. }) {
            return Err(StoreError::NotFound);
        }
        let reply = checked_text(reply, "回复内容")?;
        let (condition, mut values) = readable(scope)?;
        let mut all = vec![Val::Int(reminder_id)];
        all.append(&mut values);
        let sql = format!(
            "SELECT {COLUMNS} FROM reminders m JOIN banks b ON b.id = m.bank_id
             WHERE m.id = $1 AND {condition}"
        );
        self.write(|c| {
            let found = c.query_one(&sql, &all, from_row)?;
            let now = now_millis();
            let changed = c.execute(
                "UPDATE reminders SET reply = $2, replied_by = $3, replied_at = $4
                 WHERE id = $1 AND reply IS NULL",
                params![reminder_id, reply, actor, now],
            )?;
            if changed != 1 {
                return Err(StoreError::Conflict("这条督促已经回复过了".into()));
            }
            audit::record(
                c,
                actor,
                "reminder.reply",
                Some(found.campaign_id),
                found.bureau_code.as_deref(),
                Some(&found.bank_id.to_string()),
                &serde_json::json!({ "reminder": reminder_id }),
            )?;
            c.query_one(&sql, &all, from_row)
        })
    }
}
