//! The bank registry: legal entities (法人机构) and their branches keyed by the 12-digit
//! payment-system bank code, which is how an enterprise's basic account finds its bank.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::{Conn, ConnExt};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// One validated row of the registry file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchRecord {
    pub code: String,
    pub name: String,
    pub bank_name: String,
    pub bank_type: String,
    pub region_code: String,
    pub parent_code: Option<String>,
}

/// What loading a registry file changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BankImportSummary {
    pub banks_created: u64,
    pub branches_created: u64,
    pub branches_updated: u64,
}

impl Store {
    /// Loads registry rows (HQ only): banks are matched by name, branches by code; a branch
    /// already present is updated in place, so reloading a corrected file is safe.
    pub fn import_bank_registry(
        &self,
        scope: &Scope,
        rows: &[BranchRecord],
        file_name: &str,
        actor: &str,
    ) -> Result<BankImportSummary> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        self.write(|c| {
            let mut summary = BankImportSummary::default();
            let mut bank_ids = existing_bank_ids(c)?;
            let now = now_millis();
            for row in rows {
                let bank_id = match bank_ids.get(&row.bank_name) {
                    Some(id) => *id,
                    None => {
                        let id = c.query_i64(
                            "INSERT INTO banks (name, bank_type, created_at) VALUES ($1, $2, $3) RETURNING id",
                            params![&row.bank_name, &row.bank_type, now],
                        )?;
                        summary.banks_created += 1;
                        bank_ids.insert(row.bank_name.clone(), id);
                        id
                    }
                };
                let bureau = yinqi_domain::bureau::for_region(&row.region_code).map(|b| b.code);
                let existed = c.query_i64(
                    "SELECT COUNT(*) FROM bank_branches WHERE code = $1",
                    params![&row.code],
                )? > 0;
                c.execute(
                    "INSERT INTO bank_branches (code, name, bank_id, region_code, bureau_code, parent_code, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, bank_id = excluded.bank_id,
                        region_code = excluded.region_code, bureau_code = excluded.bureau_code,
                        parent_code = excluded.parent_code, updated_at = excluded.updated_at",
                    params![&row.code, &row.name, bank_id, &row.region_code, bureau, &row.parent_code, now],
                )?;
                if existed {
                    summary.branches_updated += 1;
                } else {
                    summary.branches_created += 1;
                }
            }
            crate::audit::record(
                c,
                actor,
                "bank_registry.import",
                None,
                None,
                Some(file_name),
                &serde_json::to_value(&summary).unwrap_or_default(),
            )?;
            Ok(summary)
        })
    }

    /// Every branch code with its bank, for assigning enterprises while a list is read.
    /// The registry is reference data, visible to every scope.
    pub fn bank_directory(&self) -> Result<HashMap<String, i64>> {
        self.read(|c| {
            let mut map = HashMap::new();
            c.query_each(
                "SELECT code, bank_id FROM bank_branches",
                params![],
                &mut |r| {
                    map.insert(r.text(0)?, r.i64(1)?);
                    Ok(())
                },
            )?;
            Ok(map)
        })
    }

    /// Number of banks and of branches in the registry.
    pub fn registry_counts(&self) -> Result<(u64, u64)> {
        self.read(|c| {
            let banks = c.query_i64("SELECT COUNT(*) FROM banks", params![])?;
            let branches = c.query_i64("SELECT COUNT(*) FROM bank_branches", params![])?;
            Ok((banks as u64, branches as u64))
        })
    }
}

fn existing_bank_ids(c: &mut dyn Conn) -> Result<HashMap<String, i64>> {
    let mut map = HashMap::new();
    c.query_each("SELECT name, id FROM banks", params![], &mut |r| {
        map.insert(r.text(0)?, r.i64(1)?);
        Ok(())
    })?;
    Ok(map)
}

impl Store {
    /// The id of the bank (legal entity) with exactly this registry name.
    pub fn bank_id_by_name(&self, name: &str) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_opt(
                "SELECT id FROM banks WHERE name = $1",
                params![name.trim()],
                |r| r.i64(0),
            )
        })
    }

    /// The registry name of bank (legal entity) `id`.
    pub fn bank_name(&self, id: i64) -> Result<Option<String>> {
        self.read(|c| {
            c.query_opt("SELECT name FROM banks WHERE id = $1", params![id], |r| {
                r.text(0)
            })
        })
    }

    /// The bank with the most enterprises assigned in `campaign_id`, and one of its branches
    /// with enterprises (for the demo's logins).
    pub fn busiest_bank_branch(&self, campaign_id: i64) -> Result<Option<(i64, String, String)>> {
        self.read(|c| {
            c.query_opt(
                "SELECT e.bank_id, b.name, MIN(e.branch_code) FROM enterprises e JOIN banks b ON b.id = e.bank_id
                 WHERE e.campaign_id = $1 AND e.bank_id IS NOT NULL
                 GROUP BY e.bank_id, b.name ORDER BY COUNT(*) DESC, e.bank_id LIMIT 1",
                params![campaign_id],
                |r| Ok((r.i64(0)?, r.text(1)?, r.text(2)?)),
            )
        })
    }
}
