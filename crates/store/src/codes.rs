//! Invitation codes (一企一码, DESIGN §5): issuing one code per eligible, assigned enterprise
//! of a frozen list, the batches that carry them HQ → bureau → bank → managers, revoking
//! and reissuing, and finding the enterprise behind a code someone typed.
//!
//! Codes are looked up by their SHA-256 only. The code text is kept so the bank can push the
//! link again; only the bank side reads it (a bank, its branches, and its managers once the
//! bank has handed the batch on) — HQ and the bureau see counts.

use serde::Serialize;
use sha2::{Digest, Sha256};
use yinqi_domain::invitation::InvitationCode;

use crate::db::{Conn, ConnExt, DbRow, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// Where a batch is on its way down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    Hq,
    Bureau,
    Bank,
    Managers,
}

impl Holder {
    pub fn code(self) -> &'static str {
        match self {
            Holder::Hq => "hq",
            Holder::Bureau => "bureau",
            Holder::Bank => "bank",
            Holder::Managers => "managers",
        }
    }

    pub fn from_code(code: &str) -> Option<Holder> {
        [Holder::Hq, Holder::Bureau, Holder::Bank, Holder::Managers]
            .into_iter()
            .find(|h| h.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Holder::Hq => "总部",
            Holder::Bureau => "监管局",
            Holder::Bank => "银行",
            Holder::Managers => "客户经理",
        }
    }

    /// The next holder down, if any.
    pub fn next(self) -> Option<Holder> {
        match self {
            Holder::Hq => Some(Holder::Bureau),
            Holder::Bureau => Some(Holder::Bank),
            Holder::Bank => Some(Holder::Managers),
            Holder::Managers => None,
        }
    }

    /// Whether `scope` holds a batch of `bureau` and `bank_id` at this stage (and so may
    /// hand it on).
    fn is_held_by(self, scope: &Scope, bureau: &str, bank_id: i64) -> bool {
        match (self, scope) {
            (Holder::Hq, Scope::Nation) => true,
            (Holder::Bureau, Scope::Bureau(b)) => b == bureau,
            (
                Holder::Bank,
                Scope::Bank {
                    bank_id: mine,
                    bureau: territory,
                },
            ) => *mine == bank_id && territory.as_deref().is_none_or(|t| t == bureau),
            _ => false,
        }
    }
}

/// One bank's codes in one bureau's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeBatch {
    pub id: i64,
    pub campaign_id: i64,
    pub bureau_code: String,
    pub bank_id: i64,
    pub bank_name: String,
    pub holder: Holder,
    /// Codes in force (revoked ones not counted).
    pub codes: i64,
    pub handed_at: i64,
}

/// One recorded hand-over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handover {
    pub from: Holder,
    pub to: Holder,
    pub codes: i64,
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: i64,
}

/// What one issuing run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IssueSummary {
    pub batches: u64,
    pub codes: u64,
}

/// A code with the enterprise it opens, for the bank's SMS file and pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeRow {
    pub uscc: String,
    pub name: String,
    pub branch_code: Option<String>,
    pub manager_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub code: String,
}

/// The enterprise a code opens, as the code-entry page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeHolder {
    pub enterprise_id: i64,
    pub campaign_id: i64,
    pub uscc: String,
    pub name: String,
    pub bureau_code: String,
    pub bank_name: Option<String>,
    pub branch_name: Option<String>,
}

/// The key codes are found by.
pub fn code_hash(code: &InvitationCode) -> [u8; 32] {
    Sha256::digest(code.as_str().as_bytes()).into()
}

/// A fresh code from the operating system's random source.
pub fn new_code() -> InvitationCode {
    loop {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).expect("the operating system's random source is available");
        if let Some(code) = InvitationCode::from_random(&bytes) {
            return code;
        }
    }
}

/// Codes for a bulk issue: the random bytes come from the OS 16 KiB at a time rather than
/// one system call per code (a bureau's list is hundreds of thousands of codes).
struct CodeSource {
    bytes: Vec<u8>,
    used: usize,
}

impl CodeSource {
    const REFILL: usize = 16 * 1024;
    /// Bytes offered per code: 11 needed, a few spare for rejected bytes.
    const PER_CODE: usize = 16;

    fn new() -> CodeSource {
        CodeSource {
            bytes: vec![0; Self::REFILL],
            used: Self::REFILL,
        }
    }

    fn next(&mut self) -> InvitationCode {
        loop {
            if self.used + Self::PER_CODE > self.bytes.len() {
                getrandom::fill(&mut self.bytes)
                    .expect("the operating system's random source is available");
                self.used = 0;
            }
            let slice = &self.bytes[self.used..self.used + Self::PER_CODE];
            self.used += Self::PER_CODE;
            if let Some(code) = InvitationCode::from_random(slice) {
                return code;
            }
        }
    }
}

/// Enterprises handled per step of a bulk issue, so memory does not grow with the list.
const ISSUE_CHUNK: i64 = 4096;

const BATCH_COLUMNS: &str = "b.id, b.campaign_id, b.bureau_code, b.bank_id, k.name, b.holder,
    (SELECT COUNT(*) FROM enterprise_codes c WHERE c.batch_id = b.id AND c.active), b.handed_at";

fn batch_from_row(r: &dyn DbRow) -> Result<CodeBatch> {
    let holder = r.text(5)?;
    Ok(CodeBatch {
        id: r.i64(0)?,
        campaign_id: r.i64(1)?,
        bureau_code: r.text(2)?,
        bank_id: r.i64(3)?,
        bank_name: r.text(4)?,
        holder: Holder::from_code(&holder)
            .ok_or_else(|| StoreError::Decode(format!("unknown holder {holder}")))?,
        codes: r.i64(6)?,
        handed_at: r.i64(7)?,
    })
}

/// The batches `scope` may see: HQ all, a bureau its own, a bank (or branch) its bank's once
/// they reached the bank. Managers see codes through their enterprises, not batches.
fn batch_condition(scope: &Scope) -> Option<(String, Vec<Val<'_>>)> {
    match scope {
        Scope::Nation => Some(("TRUE".into(), vec![])),
        Scope::Bureau(b) => Some(("b.bureau_code = $2".into(), vec![Val::Text(b)])),
        Scope::Bank {
            bank_id,
            bureau: None,
        } => Some((
            "b.bank_id = $2 AND b.holder IN ('bank', 'managers')".into(),
            vec![Val::Int(*bank_id)],
        )),
        Scope::Bank {
            bank_id,
            bureau: Some(t),
        } => Some((
            "b.bank_id = $2 AND b.bureau_code = $3 AND b.holder IN ('bank', 'managers')".into(),
            vec![Val::Int(*bank_id), Val::Text(t)],
        )),
        Scope::Branch(code) => Some((
            "b.holder IN ('bank', 'managers') AND b.bank_id = (SELECT bank_id FROM bank_branches WHERE code = $2)"
                .into(),
            vec![Val::Text(code)],
        )),
        _ => None,
    }
}

/// The extra condition on a batch `b` under which `scope` may read the codes themselves.
pub(crate) fn code_reading_condition(scope: &Scope) -> Option<&'static str> {
    match scope {
        Scope::Bank { .. } | Scope::Branch(_) => Some("b.holder IN ('bank', 'managers')"),
        Scope::Manager(_) => Some("b.holder = 'managers'"),
        _ => None,
    }
}

impl Store {
    /// Issues a code to every eligible, assigned enterprise of `bureau`'s released list that
    /// has none in force, in one batch per bank (created at HQ). HQ only; running it again
    /// after the list grew issues the new enterprises' codes.
    pub fn issue_codes(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        actor: &str,
    ) -> Result<IssueSummary> {
        if scope != &Scope::Nation {
            return Err(StoreError::NotFound);
        }
        if yinqi_domain::bureau::by_code(bureau).is_none() {
            return Err(StoreError::Invalid(format!("未知的监管局代码：{bureau}")));
        }
        self.write(|c| {
            let state = crate::list_round::current_state(c, campaign_id, bureau)?;
            if state.status != crate::ListStatus::Frozen {
                return Err(StoreError::Invalid(format!(
                    "该监管局的名单尚未冻结（现为“{}”），冻结后才能发放邀请码",
                    state.status.label_zh()
                )));
            }
            let mut summary = IssueSummary::default();
            let now = now_millis();
            let mut source = CodeSource::new();
            let mut batch: Option<(i64, i64)> = None; // (bank_id, batch_id)
            // Keyset over (bank, enterprise): one chunk of enterprises at a time.
            let mut after = (i64::MIN, 0i64);
            loop {
                let needing: Vec<(i64, i64)> = c.query_vec(
                    &format!(
                        "SELECT e.id, e.bank_id FROM enterprises e
                         WHERE e.campaign_id = $1 AND e.bureau_code = $2 AND e.released
                           AND e.eligible AND e.bank_id IS NOT NULL
                           AND (e.bank_id > $3 OR (e.bank_id = $3 AND e.id > $4))
                           AND NOT EXISTS (SELECT 1 FROM enterprise_codes c
                                           WHERE c.enterprise_id = e.id AND c.active)
                         ORDER BY e.bank_id, e.id LIMIT {ISSUE_CHUNK}"
                    ),
                    params![campaign_id, bureau, after.0, after.1],
                    |r| Ok((r.i64(0)?, r.i64(1)?)),
                )?;
                let Some(&(last_id, last_bank)) = needing.last() else {
                    break;
                };
                after = (last_bank, last_id);
                let mut rows: Vec<(i64, i64, [u8; 32], InvitationCode)> =
                    Vec::with_capacity(needing.len());
                for (enterprise_id, bank_id) in needing {
                    let batch_id = match batch {
                        Some((b, id)) if b == bank_id => id,
                        _ => {
                            let (id, created) =
                                ensure_batch(c, campaign_id, bureau, bank_id, actor, now)?;
                            summary.batches += u64::from(created);
                            batch = Some((bank_id, id));
                            id
                        }
                    };
                    let code = source.next();
                    rows.push((enterprise_id, batch_id, code_hash(&code), code));
                }
                summary.codes += rows.len() as u64;
                let mut values: Vec<Val<'_>> = Vec::with_capacity(rows.len() * 8);
                for (enterprise_id, batch_id, hash, code) in &rows {
                    values.extend([
                        Val::Int(campaign_id),
                        Val::Int(*enterprise_id),
                        Val::Int(*batch_id),
                        Val::Bytes(hash),
                        Val::Text(code.as_str()),
                        Val::Bool(true),
                        Val::Text(actor),
                        Val::Int(now),
                    ]);
                }
                c.bulk().load(
                    "enterprise_codes",
                    &[
                        "campaign_id",
                        "enterprise_id",
                        "batch_id",
                        "code_hash",
                        "code",
                        "active",
                        "issued_by",
                        "issued_at",
                    ],
                    &values,
                )?;
            }
            crate::audit::record(
                c,
                actor,
                "codes.issue",
                Some(campaign_id),
                Some(bureau),
                None,
                &serde_json::json!({ "codes": summary.codes, "new_batches": summary.batches }),
            )?;
            Ok(summary)
        })
    }

    /// The code batches `scope` may see, by bureau and bank.
    pub fn code_batches(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<CodeBatch>> {
        let Some((condition, mut values)) = batch_condition(scope) else {
            return Ok(vec![]);
        };
        values.insert(0, Val::Int(campaign_id));
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM code_batches b JOIN banks k ON k.id = b.bank_id
             WHERE b.campaign_id = $1 AND {condition} ORDER BY b.bureau_code, k.name, b.id"
        );
        self.read(|c| c.query_vec(&sql, &values, batch_from_row))
    }

    /// One batch, if `scope` may see it.
    pub fn code_batch(&self, scope: &Scope, batch_id: i64) -> Result<CodeBatch> {
        let (condition, mut values) = batch_condition(scope).ok_or(StoreError::NotFound)?;
        values.insert(0, Val::Int(batch_id));
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM code_batches b JOIN banks k ON k.id = b.bank_id
             WHERE b.id = $1 AND {condition}"
        );
        self.read(|c| c.query_opt(&sql, &values, batch_from_row))?
            .ok_or(StoreError::NotFound)
    }

    /// Hands a batch to the next holder down. Only its present holder may: HQ to the bureau,
    /// the bureau to the bank, the bank to its customer managers (who then see the codes of
    /// the enterprises assigned to them). Recorded with the number of codes it carried.
    pub fn hand_over(&self, scope: &Scope, batch_id: i64, actor: &str) -> Result<CodeBatch> {
        let batch = self.code_batch(scope, batch_id)?;
        if !batch
            .holder
            .is_held_by(scope, &batch.bureau_code, batch.bank_id)
        {
            return Err(StoreError::Invalid(format!(
                "这批邀请码现在由{}持有，只有持有方才能向下移交",
                batch.holder.label_zh()
            )));
        }
        let to = batch
            .holder
            .next()
            .ok_or_else(|| StoreError::Invalid("这批邀请码已交到客户经理，无需再移交".into()))?;
        self.write(|c| {
            let detail = if to == Holder::Managers {
                managers_detail(c, batch_id)?
            } else {
                serde_json::json!({})
            };
            let moved = c.execute(
                "UPDATE code_batches SET holder = $2, handed_at = $3 WHERE id = $1 AND holder = $4",
                params![batch_id, to.code(), now_millis(), batch.holder.code()],
            )?;
            if moved == 0 {
                return Err(StoreError::Conflict("这批邀请码刚刚已被移交".into()));
            }
            c.execute(
                "INSERT INTO code_handovers (batch_id, from_holder, to_holder, codes, detail, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params![
                    batch_id,
                    batch.holder.code(),
                    to.code(),
                    batch.codes,
                    detail.to_string().as_str(),
                    actor,
                    now_millis()
                ],
            )?;
            crate::audit::record(
                c,
                actor,
                "codes.hand_over",
                Some(batch.campaign_id),
                Some(&batch.bureau_code),
                Some(&batch.bank_name),
                &serde_json::json!({ "batch": batch_id, "from": batch.holder.code(), "to": to.code(), "codes": batch.codes, "detail": detail }),
            )
        })?;
        // Every giver still sees the batch after it moved on (HQ all, the bureau its own,
        // the bank its batches held by its managers).
        self.code_batch(scope, batch_id)
    }

    /// The hand-overs of a batch `scope` may see, oldest first.
    pub fn handovers(&self, scope: &Scope, batch_id: i64) -> Result<Vec<Handover>> {
        self.code_batch(scope, batch_id)?;
        self.read(|c| {
            c.query_vec(
                "SELECT from_holder, to_holder, codes, detail, actor, at FROM code_handovers
                 WHERE batch_id = $1 ORDER BY id",
                params![batch_id],
                |r| {
                    let holder = |i| {
                        let t = r.text(i)?;
                        Holder::from_code(&t)
                            .ok_or_else(|| StoreError::Decode(format!("unknown holder {t}")))
                    };
                    Ok(Handover {
                        from: holder(0)?,
                        to: holder(1)?,
                        codes: r.i64(2)?,
                        detail: serde_json::from_str(&r.text(3)?).unwrap_or_default(),
                        actor: r.text(4)?,
                        at: r.i64(5)?,
                    })
                },
            )
        })
    }

    /// The codes in force of a batch, for the bank side only (see the module note), each
    /// with its enterprise; a branch gets its own enterprises', a manager theirs. Calls
    /// each row in enterprise order (streamed: a big bank's batch is never held whole).
    pub fn each_batch_code(
        &self,
        scope: &Scope,
        batch_id: i64,
        each: &mut dyn FnMut(CodeRow) -> Result<()>,
    ) -> Result<()> {
        let reading = code_reading_condition(scope).ok_or(StoreError::NotFound)?;
        let (scope_sql, scope_values) = scope
            .enterprise_condition("e", 2)
            .ok_or(StoreError::NotFound)?;
        let mut values = vec![Val::Int(batch_id)];
        values.extend(scope_values);
        let sql = format!(
            "SELECT e.uscc, e.name, e.branch_code, e.manager_id, e.contact_name, e.contact_phone, c.code
             FROM enterprise_codes c
             JOIN code_batches b ON b.id = c.batch_id
             JOIN enterprises e ON e.id = c.enterprise_id
             WHERE c.batch_id = $1 AND c.active AND {reading} AND {scope_sql}
             ORDER BY c.enterprise_id"
        );
        self.read(|c| {
            c.query_each(&sql, &values, &mut |r| {
                each(CodeRow {
                    uscc: r.text(0)?,
                    name: r.text(1)?,
                    branch_code: r.opt_text(2)?,
                    manager_id: r.opt_i64(3)?,
                    contact_name: r.opt_text(4)?,
                    contact_phone: r.opt_text(5)?,
                    code: r.text(6)?,
                })
            })
        })
    }

    /// The code in force of one enterprise, if `scope` may read codes and see it; `Ok(None)`
    /// when it has none (yet) or the batch has not reached this reader.
    pub fn enterprise_code(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
    ) -> Result<Option<InvitationCode>> {
        let Some(reading) = code_reading_condition(scope) else {
            return Ok(None);
        };
        let (scope_sql, scope_values) = scope
            .enterprise_condition("e", 3)
            .ok_or(StoreError::NotFound)?;
        let mut values = vec![Val::Int(campaign_id), Val::Text(uscc)];
        values.extend(scope_values);
        let sql = format!(
            "SELECT c.code FROM enterprise_codes c
             JOIN code_batches b ON b.id = c.batch_id
             JOIN enterprises e ON e.id = c.enterprise_id
             WHERE e.campaign_id = $1 AND e.uscc = $2 AND c.active AND {reading} AND {scope_sql}"
        );
        let text = self.read(|c| c.query_opt(&sql, &values, |r| r.text(0)))?;
        Ok(text.and_then(|t| InvitationCode::parse(&t).ok()))
    }

    /// Whether the enterprise has a code in force and where its batch is, for anyone who
    /// sees the enterprise (HQ and the bureau see the status, never the code).
    pub fn code_status(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
    ) -> Result<Option<(Holder, i64)>> {
        let enterprise = self.enterprise_by_uscc(scope, campaign_id, uscc)?;
        let found = self.read(|c| {
            c.query_opt(
                "SELECT b.holder, c.issued_at FROM enterprise_codes c
                 JOIN code_batches b ON b.id = c.batch_id
                 WHERE c.enterprise_id = $1 AND c.active",
                params![enterprise.id],
                |r| Ok((r.text(0)?, r.i64(1)?)),
            )
        })?;
        Ok(found.and_then(|(h, at)| Holder::from_code(&h).map(|h| (h, at))))
    }

    /// Revokes an enterprise's code at once (it opens nothing from now on) and, with
    /// `reissue`, gives it a new one in the same batch. Anyone who sees the enterprise and
    /// handles codes may: HQ, its bureau, its bank and branch.
    pub fn revoke_code(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
        reason: &str,
        reissue: bool,
        actor: &str,
    ) -> Result<Option<InvitationCode>> {
        if matches!(
            scope,
            Scope::Manager(_) | Scope::Enterprise(_) | Scope::Aggregates
        ) {
            return Err(StoreError::NotFound);
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "请写明作废原因（不超过 500 字）".into(),
            ));
        }
        let enterprise = self.enterprise_by_uscc(scope, campaign_id, uscc)?;
        self.write(|c| {
            let current = c.query_opt(
                "SELECT id, batch_id FROM enterprise_codes WHERE enterprise_id = $1 AND active",
                params![enterprise.id],
                |r| Ok((r.i64(0)?, r.i64(1)?)),
            )?;
            let (code_id, batch_id) =
                current.ok_or_else(|| StoreError::Invalid("该企业目前没有有效的邀请码".into()))?;
            let now = now_millis();
            c.execute(
                "UPDATE enterprise_codes SET active = FALSE, revoked_at = $2, revoked_by = $3,
                    revoke_reason = $4 WHERE id = $1",
                params![code_id, now, actor, reason],
            )?;
            let fresh = if reissue {
                let code = new_code();
                c.execute(
                    "INSERT INTO enterprise_codes (campaign_id, enterprise_id, batch_id, code_hash,
                        code, active, issued_by, issued_at)
                     VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7)",
                    params![
                        campaign_id,
                        enterprise.id,
                        batch_id,
                        &code_hash(&code)[..],
                        code.as_str(),
                        actor,
                        now
                    ],
                )?;
                Some(code)
            } else {
                None
            };
            crate::audit::record(
                c,
                actor,
                if reissue {
                    "code.reissue"
                } else {
                    "code.revoke"
                },
                Some(campaign_id),
                Some(&enterprise.bureau_code),
                Some(uscc),
                &serde_json::json!({ "reason": reason }),
            )?;
            Ok(fresh)
        })
    }

    /// The enterprise a code opens, if the code is in force. The caller throttles guessing.
    pub fn enterprise_for_code(&self, code: &InvitationCode) -> Result<Option<CodeHolder>> {
        let hash = code_hash(code);
        self.read(|c| {
            c.query_opt(
                "SELECT e.id, e.campaign_id, e.uscc, e.name, e.bureau_code, k.name, br.name
                 FROM enterprise_codes c
                 JOIN enterprises e ON e.id = c.enterprise_id
                 LEFT JOIN banks k ON k.id = e.bank_id
                 LEFT JOIN bank_branches br ON br.code = e.branch_code
                 WHERE c.code_hash = $1 AND c.active",
                params![&hash[..]],
                |r| {
                    Ok(CodeHolder {
                        enterprise_id: r.i64(0)?,
                        campaign_id: r.i64(1)?,
                        uscc: r.text(2)?,
                        name: r.text(3)?,
                        bureau_code: r.text(4)?,
                        bank_name: r.opt_text(5)?,
                        branch_name: r.opt_text(6)?,
                    })
                },
            )
        })
    }
}

/// Creates the batch of `bank_id` in `bureau`'s list if it is new; returns its id and
/// whether it was created.
fn ensure_batch(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    bank_id: i64,
    actor: &str,
    now: i64,
) -> Result<(i64, bool)> {
    let existing = c.query_opt(
        "SELECT id FROM code_batches WHERE campaign_id = $1 AND bureau_code = $2 AND bank_id = $3",
        params![campaign_id, bureau, bank_id],
        |r| r.i64(0),
    )?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id = c.query_i64(
        "INSERT INTO code_batches (campaign_id, bureau_code, bank_id, holder, created_by, created_at, handed_at)
         VALUES ($1, $2, $3, 'hq', $4, $5, $5) RETURNING id",
        params![campaign_id, bureau, bank_id, actor, now],
    )?;
    Ok((id, true))
}

/// How a batch's codes split among the bank's customer managers when it is handed to them.
fn managers_detail(c: &mut dyn Conn, batch_id: i64) -> Result<serde_json::Value> {
    let per_manager: Vec<(Option<String>, i64)> = c.query_vec(
        "SELECT u.username, COUNT(*) FROM enterprise_codes c
         JOIN enterprises e ON e.id = c.enterprise_id
         LEFT JOIN users u ON u.id = e.manager_id
         WHERE c.batch_id = $1 AND c.active
         GROUP BY u.username ORDER BY u.username",
        params![batch_id],
        |r| Ok((r.opt_text(0)?, r.i64(1)?)),
    )?;
    let mut managers = serde_json::Map::new();
    let mut unassigned = 0;
    for (username, n) in per_manager {
        match username {
            Some(u) => {
                managers.insert(u, n.into());
            }
            None => unassigned += n,
        }
    }
    Ok(serde_json::json!({ "managers": managers, "not_assigned_to_a_manager": unassigned }))
}
