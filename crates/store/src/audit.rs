//! The append-only audit trail: imports, overrides and (later) logins, exports and every
//! reveal of personal data. Rows are only ever inserted.

use serde::Serialize;

use crate::db::{Conn, ConnExt};
use crate::error::Result;
use crate::{Scope, Store, now_millis, params};

/// One recorded action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub campaign_id: Option<i64>,
    pub bureau_code: Option<String>,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

/// Appends one entry inside the caller's transaction, so the action and its record commit
/// together or not at all.
pub(crate) fn record(
    c: &mut dyn Conn,
    actor: &str,
    action: &str,
    campaign_id: Option<i64>,
    bureau_code: Option<&str>,
    subject: Option<&str>,
    detail: &serde_json::Value,
) -> Result<()> {
    c.execute(
        "INSERT INTO audit_log (at, actor, action, campaign_id, bureau_code, subject, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            now_millis(),
            actor,
            action,
            campaign_id,
            bureau_code,
            subject,
            detail.to_string().as_str()
        ],
    )?;
    Ok(())
}

impl Store {
    /// The newest `limit` entries visible to `scope` (HQ: all; a bureau: its own).
    pub fn audit_entries(&self, scope: &Scope, limit: u32) -> Result<Vec<AuditEntry>> {
        self.audit_page(scope, None, limit)
    }

    /// `limit` entries visible to `scope` older than entry `before` (newest first).
    pub fn audit_page(
        &self,
        scope: &Scope,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let (condition, bureau) = match scope {
            Scope::Nation => ("TRUE", None),
            Scope::Bureau(code) => ("bureau_code = $3", Some(code.as_str())),
            _ => return Ok(Vec::new()),
        };
        let before = before.unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT id, at, actor, action, campaign_id, bureau_code, subject, detail
             FROM audit_log WHERE id < $2 AND {condition} ORDER BY id DESC LIMIT $1"
        );
        self.read(|c| {
            let map = |r: &dyn crate::db::DbRow| {
                Ok(AuditEntry {
                    id: r.i64(0)?,
                    at: r.i64(1)?,
                    actor: r.text(2)?,
                    action: r.text(3)?,
                    campaign_id: r.opt_i64(4)?,
                    bureau_code: r.opt_text(5)?,
                    subject: r.opt_text(6)?,
                    detail: serde_json::from_str(&r.text(7)?).unwrap_or_default(),
                })
            };
            match bureau {
                Some(b) => c.query_vec(&sql, params![i64::from(limit), before, b], map),
                None => c.query_vec(&sql, params![i64::from(limit), before], map),
            }
        })
    }
}

impl Store {
    /// Records an action that changed nothing else in the database (a login, a logout, a
    /// view of personal data, an export).
    pub fn record_audit(
        &self,
        actor: &str,
        action: &str,
        campaign_id: Option<i64>,
        bureau_code: Option<&str>,
        subject: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        self.write(|c| record(c, actor, action, campaign_id, bureau_code, subject, detail))
    }
}
