//! The list round (R21): a bureau's list in a campaign goes draft → submitted → checked by
//! HQ → frozen, or back to the bureau as returned with HQ's remarks. The bureau uploads only
//! while the list is a draft or returned; freezing releases the list to the banks, and
//! invitation codes are issued only for frozen lists (see [`Store::list_status`]).

use serde::Serialize;

use crate::db::{Conn, ConnExt, DbRow};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// Where a bureau's list stands in the round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStatus {
    /// Being assembled by the bureau (also every list nobody has touched yet).
    Draft,
    /// Handed to HQ for checking; the bureau can no longer upload.
    Submitted,
    /// HQ has checked totals and cross-bureau duplicates; waiting to be frozen.
    Checked,
    /// HQ sent it back with remarks; the bureau fixes it and submits again.
    Returned,
    /// Final: released to the banks, codes may be issued.
    Frozen,
}

impl ListStatus {
    pub const ALL: [ListStatus; 5] = [
        ListStatus::Draft,
        ListStatus::Submitted,
        ListStatus::Checked,
        ListStatus::Returned,
        ListStatus::Frozen,
    ];

    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ListStatus::Draft => "draft",
            ListStatus::Submitted => "submitted",
            ListStatus::Checked => "checked",
            ListStatus::Returned => "returned",
            ListStatus::Frozen => "frozen",
        }
    }

    pub fn from_code(code: &str) -> Option<ListStatus> {
        ListStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ListStatus::Draft => "草稿",
            ListStatus::Submitted => "已提交",
            ListStatus::Checked => "总部已核对",
            ListStatus::Returned => "已退回",
            ListStatus::Frozen => "已冻结",
        }
    }

    /// Whether the bureau may (re)load its list in this state.
    pub fn accepts_uploads(self) -> bool {
        matches!(self, ListStatus::Draft | ListStatus::Returned)
    }
}

fn status_of(code: &str) -> Result<ListStatus> {
    ListStatus::from_code(code).ok_or_else(|| StoreError::Decode(format!("名单状态 {code}")))
}

/// A bureau's list in a campaign: its status and the last change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListState {
    pub campaign_id: i64,
    pub bureau_code: String,
    pub status: ListStatus,
    /// HQ's remarks when it returned (or checked) the list; the bureau reads them.
    pub remarks: Option<String>,
    /// Who changed the status last, and when (`None` for a list nobody has moved yet).
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// One status change, as kept in the list's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListEvent {
    pub id: i64,
    pub from: ListStatus,
    pub to: ListStatus,
    pub remarks: Option<String>,
    pub actor: String,
    pub at: i64,
}

/// Totals of one bureau's list, for HQ's overview of every bureau.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BureauTotals {
    pub bureau_code: String,
    pub listed: u64,
    pub eligible: u64,
    pub assigned: u64,
    /// Rows of this bureau's files held back because another bureau listed them first.
    pub duplicates_claimed: u64,
}

/// Checks `bureau` exists and `scope` may look at its list.
fn check_bureau(scope: &Scope, bureau: &str) -> Result<()> {
    if yinqi_domain::bureau::by_code(bureau).is_none() {
        return Err(StoreError::Invalid(format!("未知的监管局代码：{bureau}")));
    }
    if !scope.covers_bureau(bureau) {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn state_from_row(campaign_id: i64, bureau: &str, r: Option<&dyn DbRow>) -> Result<ListState> {
    Ok(match r {
        Some(r) => ListState {
            campaign_id,
            bureau_code: bureau.to_owned(),
            status: status_of(&r.text(0)?)?,
            remarks: r.opt_text(1)?,
            updated_by: Some(r.text(2)?),
            updated_at: Some(r.i64(3)?),
        },
        None => ListState {
            campaign_id,
            bureau_code: bureau.to_owned(),
            status: ListStatus::Draft,
            remarks: None,
            updated_by: None,
            updated_at: None,
        },
    })
}

/// The list's state as the connection sees it (inside the caller's transaction).
pub(crate) fn current_state(c: &mut dyn Conn, campaign_id: i64, bureau: &str) -> Result<ListState> {
    let mut state = None;
    c.query_each(
        "SELECT status, remarks, updated_by, updated_at FROM enterprise_lists
         WHERE campaign_id = $1 AND bureau_code = $2",
        params![campaign_id, bureau],
        &mut |r| {
            state = Some(state_from_row(campaign_id, bureau, Some(r))?);
            Ok(())
        },
    )?;
    match state {
        Some(s) => Ok(s),
        None => state_from_row(campaign_id, bureau, None),
    }
}

/// Refuses an import into a list that is no longer the bureau's to change. Called when the
/// import begins (to fail early) and again inside its final transaction (the authority: the
/// list may have been submitted while the file was being read).
pub(crate) fn ensure_accepts_uploads(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
) -> Result<()> {
    let status = current_state(c, campaign_id, bureau)?.status;
    if status.accepts_uploads() {
        return Ok(());
    }
    Err(StoreError::Invalid(format!(
        "名单当前为“{}”，不能再导入：只有草稿或已退回的名单可以导入{}",
        status.label_zh(),
        if status == ListStatus::Frozen {
            "（名单已冻结并发布给银行）"
        } else {
            "（如需修改，请总部退回名单）"
        }
    )))
}

/// Who may make a change: the bureau itself, or HQ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Actor {
    Bureau,
    Hq,
}

/// One step of the round.
struct Step {
    action: &'static str,
    /// The verb in messages ("提交").
    verb: &'static str,
    by: Actor,
    from: &'static [ListStatus],
    to: ListStatus,
}

const SUBMIT: Step = Step {
    action: "enterprise_list.submit",
    verb: "提交",
    by: Actor::Bureau,
    from: &[ListStatus::Draft, ListStatus::Returned],
    to: ListStatus::Submitted,
};
const CHECK: Step = Step {
    action: "enterprise_list.check",
    verb: "标记为已核对",
    by: Actor::Hq,
    from: &[ListStatus::Submitted],
    to: ListStatus::Checked,
};
const RETURN: Step = Step {
    action: "enterprise_list.return",
    verb: "退回",
    by: Actor::Hq,
    from: &[ListStatus::Submitted, ListStatus::Checked],
    to: ListStatus::Returned,
};
const FREEZE: Step = Step {
    action: "enterprise_list.freeze",
    verb: "冻结",
    by: Actor::Hq,
    from: &[ListStatus::Checked],
    to: ListStatus::Frozen,
};

impl Store {
    /// The status of `bureau`'s list in `campaign_id`. HQ and that bureau may ask; the code
    /// issuing checks it is [`ListStatus::Frozen`] before issuing any code.
    pub fn list_status(&self, scope: &Scope, campaign_id: i64, bureau: &str) -> Result<ListState> {
        check_bureau(scope, bureau)?;
        self.read(|c| current_state(c, campaign_id, bureau))
    }

    /// Every list `scope` may see in `campaign_id`: HQ all bureaus (in the order of the
    /// bureau table, untouched lists as drafts), a bureau its own.
    pub fn list_states(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<ListState>> {
        let bureaus: Vec<&str> = match scope {
            Scope::Nation => yinqi_domain::bureau::all().iter().map(|b| b.code).collect(),
            Scope::Bureau(code) => vec![code.as_str()],
            _ => return Err(StoreError::NotFound),
        };
        self.read(|c| {
            let mut stored = std::collections::HashMap::new();
            c.query_each(
                "SELECT bureau_code, status, remarks, updated_by, updated_at FROM enterprise_lists
                 WHERE campaign_id = $1",
                params![campaign_id],
                &mut |r| {
                    let bureau = r.text(0)?;
                    let state = ListState {
                        campaign_id,
                        bureau_code: bureau.clone(),
                        status: status_of(&r.text(1)?)?,
                        remarks: r.opt_text(2)?,
                        updated_by: Some(r.text(3)?),
                        updated_at: Some(r.i64(4)?),
                    };
                    stored.insert(bureau, state);
                    Ok(())
                },
            )?;
            bureaus
                .iter()
                .map(|b| match stored.remove(*b) {
                    Some(s) => Ok(s),
                    None => state_from_row(campaign_id, b, None),
                })
                .collect()
        })
    }

    /// The status changes of `bureau`'s list, oldest first.
    pub fn list_history(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
    ) -> Result<Vec<ListEvent>> {
        check_bureau(scope, bureau)?;
        self.read(|c| {
            c.query_vec(
                "SELECT id, from_status, to_status, remarks, actor, at FROM enterprise_list_history
                 WHERE campaign_id = $1 AND bureau_code = $2 ORDER BY id",
                params![campaign_id, bureau],
                |r| {
                    Ok(ListEvent {
                        id: r.i64(0)?,
                        from: status_of(&r.text(1)?)?,
                        to: status_of(&r.text(2)?)?,
                        remarks: r.opt_text(3)?,
                        actor: r.text(4)?,
                        at: r.i64(5)?,
                    })
                },
            )
        })
    }

    /// Totals of each bureau's list in `campaign_id` that `scope` may see (HQ: every bureau
    /// with rows or held-back duplicates; a bureau: its own), in one pass over the list.
    pub fn list_totals(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<BureauTotals>> {
        let (condition, bureau) = match scope {
            Scope::Nation => ("TRUE", None),
            Scope::Bureau(code) => ("bureau_code = $2", Some(code.as_str())),
            _ => return Err(StoreError::NotFound),
        };
        let rows_sql = format!(
            "SELECT bureau_code, COUNT(*),
                    SUM(CASE WHEN eligible THEN 1 ELSE 0 END),
                    SUM(CASE WHEN unassigned IS NULL THEN 1 ELSE 0 END)
             FROM enterprises WHERE campaign_id = $1 AND {condition} GROUP BY bureau_code"
        );
        let dup_sql = format!(
            "SELECT claimant_bureau, COUNT(*) FROM cross_bureau_duplicates
             WHERE campaign_id = $1 AND {} GROUP BY claimant_bureau",
            condition.replace("bureau_code", "claimant_bureau")
        );
        self.read(|c| {
            let run = |c: &mut dyn Conn,
                       sql: &str,
                       f: &mut dyn FnMut(&dyn DbRow) -> Result<()>|
             -> Result<()> {
                match bureau {
                    Some(b) => c.query_each(sql, params![campaign_id, b], f),
                    None => c.query_each(sql, params![campaign_id], f),
                }
            };
            let mut by_bureau = std::collections::BTreeMap::<String, BureauTotals>::new();
            run(c, &rows_sql, &mut |r| {
                let t = by_bureau.entry(r.text(0)?).or_default();
                t.listed = r.i64(1)? as u64;
                t.eligible = r.i64(2)? as u64;
                t.assigned = r.i64(3)? as u64;
                Ok(())
            })?;
            run(c, &dup_sql, &mut |r| {
                by_bureau.entry(r.text(0)?).or_default().duplicates_claimed = r.i64(1)? as u64;
                Ok(())
            })?;
            Ok(by_bureau
                .into_iter()
                .map(|(code, t)| BureauTotals {
                    bureau_code: code,
                    ..t
                })
                .collect())
        })
    }

    /// The bureau hands its list to HQ for checking. Refused while the list is empty or an
    /// upload of it is still running.
    pub fn submit_list(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        actor: &str,
    ) -> Result<ListState> {
        self.step(scope, campaign_id, bureau, &SUBMIT, None, actor)
    }

    /// HQ records that it has checked the list (totals, cross-bureau duplicates); `remarks`
    /// are optional here.
    pub fn check_list(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        remarks: Option<&str>,
        actor: &str,
    ) -> Result<ListState> {
        self.step(scope, campaign_id, bureau, &CHECK, remarks, actor)
    }

    /// HQ sends the list back to the bureau; the remarks say what to fix and are required.
    pub fn return_list(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        remarks: &str,
        actor: &str,
    ) -> Result<ListState> {
        if remarks.trim().is_empty() {
            return Err(StoreError::Invalid(
                "退回名单须填写意见，说明需要监管局修改什么".into(),
            ));
        }
        self.step(scope, campaign_id, bureau, &RETURN, Some(remarks), actor)
    }

    /// HQ freezes a checked list: final, and released to the banks in the same transaction.
    pub fn freeze_list(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        actor: &str,
    ) -> Result<ListState> {
        let state = self.step(scope, campaign_id, bureau, &FREEZE, None, actor)?;
        // Freezing moved the whole list into the released-only indexes.
        self.write(|c| {
            crate::refresh_statistics(c, true);
            Ok(())
        })?;
        Ok(state)
    }

    fn step(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        step: &Step,
        remarks: Option<&str>,
        actor: &str,
    ) -> Result<ListState> {
        check_bureau(scope, bureau)?;
        match (step.by, scope) {
            (Actor::Bureau, Scope::Bureau(_)) | (Actor::Hq, Scope::Nation) => {}
            (Actor::Bureau, _) => {
                return Err(StoreError::Invalid(format!(
                    "名单只能由监管局自己{}",
                    step.verb
                )));
            }
            (Actor::Hq, _) => {
                return Err(StoreError::Invalid(format!(
                    "只有总部可以{}名单",
                    step.verb
                )));
            }
        }
        let remarks = remarks.map(str::trim).filter(|r| !r.is_empty());
        self.write(|c| {
            let current = current_state(c, campaign_id, bureau)?.status;
            if !step.from.contains(&current) {
                let allowed: Vec<&str> = step.from.iter().map(|s| s.label_zh()).collect();
                return Err(StoreError::Invalid(format!(
                    "名单当前为“{}”，不能{}：只有“{}”的名单可以{}",
                    current.label_zh(),
                    step.verb,
                    allowed.join("”或“"),
                    step.verb
                )));
            }
            let mut detail = serde_json::json!({ "from": current.code(), "to": step.to.code() });
            if let Some(r) = remarks {
                detail["remarks"] = r.into();
            }
            if step.to == ListStatus::Submitted {
                let listed = c.query_i64(
                    "SELECT COUNT(*) FROM enterprises WHERE campaign_id = $1 AND bureau_code = $2",
                    params![campaign_id, bureau],
                )?;
                if listed == 0 {
                    return Err(StoreError::Invalid(
                        "名单中还没有企业，请先导入名单再提交".into(),
                    ));
                }
                if crate::jobs::active_upload(c, &self.live_jobs, campaign_id, bureau)?.is_some() {
                    return Err(StoreError::Conflict(
                        "名单正在导入，请等导入完成后再提交".into(),
                    ));
                }
                detail["listed"] = listed.into();
            }
            let now = now_millis();
            // The status named in the WHERE clause makes a concurrent change of the same
            // list (two HQ users at once) fail here instead of both succeeding.
            let changed = if current == ListStatus::Draft {
                c.execute(
                    "INSERT INTO enterprise_lists (campaign_id, bureau_code, status, remarks, updated_by, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (campaign_id, bureau_code) DO UPDATE
                     SET status = excluded.status, remarks = excluded.remarks,
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at
                     WHERE enterprise_lists.status = 'draft'",
                    params![campaign_id, bureau, step.to.code(), remarks, actor, now],
                )?
            } else {
                c.execute(
                    "UPDATE enterprise_lists SET status = $3, remarks = $4, updated_by = $5, updated_at = $6
                     WHERE campaign_id = $1 AND bureau_code = $2 AND status = $7",
                    params![campaign_id, bureau, step.to.code(), remarks, actor, now, current.code()],
                )?
            };
            if changed != 1 {
                return Err(StoreError::Conflict(
                    "名单状态刚刚被他人更改，请刷新后重试".into(),
                ));
            }
            c.execute(
                "INSERT INTO enterprise_list_history (campaign_id, bureau_code, from_status, to_status, remarks, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params![campaign_id, bureau, current.code(), step.to.code(), remarks, actor, now],
            )?;
            if step.to == ListStatus::Frozen {
                detail["released"] = crate::enterprises::release_rows(c, campaign_id, bureau)?.into();
            }
            crate::audit::record(
                c,
                actor,
                step.action,
                Some(campaign_id),
                Some(bureau),
                None,
                &detail,
            )?;
            current_state(c, campaign_id, bureau)
        })
    }
}
