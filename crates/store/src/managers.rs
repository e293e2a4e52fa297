//! Customer managers (R4): their activation codes, and the enterprises a bank gives each of
//! them — one by one, in bulk by branch or filter, and reassigned.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use yinqi_domain::invitation::InvitationCode;

use crate::codes::{code_hash, new_code};
use crate::db::{ConnExt, Val};
use crate::enterprises::{EnterpriseFilter, filter_conditions};
use crate::error::{Result, StoreError};
use crate::users::{Role, User};
use crate::{Scope, Store, now_millis, params};

/// Which enterprises an assignment is about.
#[derive(Clone, Debug)]
pub enum AssignTarget<'a> {
    /// One enterprise, by credit code.
    One(&'a str),
    /// Every enterprise in the caller's scope matching the filter (a branch, a search…).
    Filter(&'a EnterpriseFilter),
}

/// A customer manager as the bank's pages list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManagerSummary {
    pub user: User,
    pub enterprises: i64,
    /// Whether an activation code is waiting to be used.
    pub code_pending: bool,
}

impl Store {
    /// A new activation code for customer manager `user_id`, replacing any earlier one; the
    /// manager uses it once to set a password. A bank admin (of the manager's bank and
    /// territory) or an HQ admin may issue it.
    pub fn issue_manager_code(&self, issuer: &User, user_id: i64) -> Result<InvitationCode> {
        let target = self.user(user_id).map_err(|_| StoreError::NotFound)?;
        let visible = self
            .users_visible_to(issuer)?
            .iter()
            .any(|u| u.id == user_id);
        let may = matches!(issuer.role, Role::HqAdmin | Role::BankAdmin) && visible;
        if !may {
            return Err(StoreError::NotFound);
        }
        if target.role != Role::CustomerManager {
            return Err(StoreError::Invalid("只有客户经理使用激活码".into()));
        }
        let code = new_code();
        self.write(|c| {
            c.execute(
                "UPDATE manager_codes SET active = FALSE WHERE user_id = $1 AND active",
                params![user_id],
            )?;
            c.execute(
                "INSERT INTO manager_codes (user_id, code_hash, hint, active, created_by, created_at)
                 VALUES ($1, $2, $3, TRUE, $4, $5)",
                params![
                    user_id,
                    &code_hash(&code)[..],
                    code.hint(),
                    issuer.username.as_str(),
                    now_millis()
                ],
            )?;
            crate::audit::record(
                c,
                &issuer.username,
                "manager_code.issue",
                None,
                target.affiliation.bureau_code.as_deref(),
                Some(&target.username),
                &serde_json::json!({ "hint": code.hint() }),
            )
        })?;
        Ok(code)
    }

    /// Activates the customer manager whose code this is: sets their password and uses the
    /// code up. `None` when the code is unknown, used or replaced (the caller throttles).
    pub fn activate_manager(
        &self,
        code: &InvitationCode,
        password_hash: &str,
    ) -> Result<Option<User>> {
        let hash = code_hash(code);
        let user_id = self.write(|c| {
            let found = c.query_opt(
                "SELECT id, user_id FROM manager_codes WHERE code_hash = $1 AND active",
                params![&hash[..]],
                |r| Ok((r.i64(0)?, r.i64(1)?)),
            )?;
            let Some((code_id, user_id)) = found else {
                return Ok(None);
            };
            let now = now_millis();
            c.execute(
                "UPDATE manager_codes SET active = FALSE, used_at = $2 WHERE id = $1",
                params![code_id, now],
            )?;
            c.execute(
                "UPDATE users SET password_hash = $2, active = TRUE, updated_at = $3 WHERE id = $1",
                params![user_id, password_hash, now],
            )?;
            c.execute("DELETE FROM sessions WHERE user_id = $1", params![user_id])?;
            crate::audit::record(
                c,
                &format!("user:{user_id}"),
                "manager.activate",
                None,
                None,
                Some(&user_id.to_string()),
                &serde_json::json!({ "hint": code.hint() }),
            )?;
            Ok(Some(user_id))
        })?;
        user_id.map(|id| self.user(id)).transpose()
    }

    /// The customer managers a bank admin or branch works with, with how many enterprises
    /// each holds in `campaign_id`.
    pub fn managers_of(&self, viewer: &User, campaign_id: i64) -> Result<Vec<ManagerSummary>> {
        let scope = viewer.scope();
        let managers: Vec<User> = self
            .users_visible_to(viewer)?
            .into_iter()
            .filter(|u| u.role == Role::CustomerManager)
            .filter(|u| match &scope {
                Scope::Branch(code) => u.affiliation.branch_code.as_ref() == Some(code),
                _ => true,
            })
            .collect();
        if managers.is_empty() {
            return Ok(vec![]);
        }
        // Two grouped queries for all of them (this runs on every list page a bank opens).
        let mut values = vec![Val::Int(campaign_id)];
        values.extend(managers.iter().map(|u| Val::Int(u.id)));
        let marks: Vec<String> = (2..=values.len()).map(|i| format!("${i}")).collect();
        let marks = marks.join(", ");
        let ids: Vec<Val<'_>> = values[1..].to_vec();
        let id_marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let id_marks = id_marks.join(", ");
        let (held, pending) = self.read(|c| {
            let held: HashMap<i64, i64> = c
                .query_vec(
                    &format!(
                        "SELECT manager_id, COUNT(*) FROM enterprises
                         WHERE campaign_id = $1 AND manager_id IN ({marks}) GROUP BY manager_id"
                    ),
                    &values,
                    |r| Ok((r.i64(0)?, r.i64(1)?)),
                )?
                .into_iter()
                .collect();
            let pending: HashSet<i64> = c
                .query_vec(
                    &format!(
                        "SELECT DISTINCT user_id FROM manager_codes
                         WHERE active AND user_id IN ({id_marks})"
                    ),
                    &ids,
                    |r| r.i64(0),
                )?
                .into_iter()
                .collect();
            Ok((held, pending))
        })?;
        Ok(managers
            .into_iter()
            .map(|user| ManagerSummary {
                enterprises: held.get(&user.id).copied().unwrap_or(0),
                code_pending: pending.contains(&user.id),
                user,
            })
            .collect())
    }

    /// Gives the target enterprises to customer manager `manager_id` (or takes them back with
    /// `None`). The caller is a bank admin or branch; the manager must belong to the caller's
    /// bank (branch, territory). Only eligible enterprises assigned to the bank move; with
    /// `only_unassigned`, those already with a manager keep theirs. Returns how many moved.
    pub fn assign_manager(
        &self,
        scope: &Scope,
        campaign_id: i64,
        target: &AssignTarget<'_>,
        manager_id: Option<i64>,
        only_unassigned: bool,
        actor: &str,
    ) -> Result<u64> {
        if !matches!(scope, Scope::Bank { .. } | Scope::Branch(_)) {
            return Err(StoreError::NotFound);
        }
        if let Some(id) = manager_id {
            self.check_manager_in_scope(scope, id)?;
        }
        let one_filter;
        // The audit entry names a bureau when there is one, so the bureau sees it.
        let mut bureau = match scope {
            Scope::Bank {
                bureau: Some(b), ..
            } => Some(b.clone()),
            _ => None,
        };
        let filter = match target {
            AssignTarget::One(uscc) => {
                bureau = Some(
                    self.enterprise_by_uscc(scope, campaign_id, uscc)?
                        .bureau_code,
                );
                one_filter = EnterpriseFilter {
                    query: Some((*uscc).to_owned()),
                    ..EnterpriseFilter::default()
                };
                &one_filter
            }
            AssignTarget::Filter(f) => {
                bureau = bureau.or_else(|| f.bureau.clone());
                *f
            }
        };
        let mut values: Vec<Val<'_>> = vec![Val::Int(campaign_id), manager_id.into()];
        let mut term = String::new();
        let mut conditions = filter_conditions(scope, filter, &mut values, &mut term)?;
        conditions.push("e.eligible AND e.bank_id IS NOT NULL".into());
        if only_unassigned {
            conditions.push("e.manager_id IS NULL".into());
        }
        let sql = format!(
            "UPDATE enterprises AS e SET manager_id = $2 WHERE e.campaign_id = $1 AND {}",
            conditions.join(" AND ")
        );
        self.write(|c| {
            let n = c.execute(&sql, &values)?;
            if matches!(target, AssignTarget::One(_)) && n == 0 {
                return Err(StoreError::Invalid(
                    "该企业未纳入或未分配到本行，不能指派客户经理".into(),
                ));
            }
            crate::audit::record(
                c,
                actor,
                if manager_id.is_some() {
                    "enterprise.assign_manager"
                } else {
                    "enterprise.unassign_manager"
                },
                Some(campaign_id),
                bureau.as_deref(),
                match target {
                    AssignTarget::One(u) => Some(u),
                    AssignTarget::Filter(_) => None,
                },
                &serde_json::json!({
                    "manager_id": manager_id,
                    "enterprises": n,
                    "only_unassigned": only_unassigned,
                    "filter": format!("{filter:?}"),
                }),
            )?;
            Ok(n)
        })
    }

    /// Fails with "not found" unless `manager_id` is a customer manager of the scope's bank
    /// (and branch, or territory).
    fn check_manager_in_scope(&self, scope: &Scope, manager_id: i64) -> Result<()> {
        let manager = self.user(manager_id).map_err(|_| StoreError::NotFound)?;
        if manager.role != Role::CustomerManager {
            return Err(StoreError::NotFound);
        }
        let branch = manager.affiliation.branch_code.clone().unwrap_or_default();
        let branch_bureau = self.read(|c| {
            c.query_opt(
                "SELECT bureau_code FROM bank_branches WHERE code = $1",
                params![branch.as_str()],
                |r| r.opt_text(0),
            )
        })?;
        let fits = match scope {
            Scope::Bank { bank_id, bureau } => {
                manager.affiliation.bank_id == Some(*bank_id)
                    && bureau
                        .as_ref()
                        .is_none_or(|b| branch_bureau.flatten().as_ref() == Some(b))
            }
            Scope::Branch(code) => &branch == code,
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}
