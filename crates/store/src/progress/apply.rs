//! Counting a chunk of cases: their new facts against the facts last counted, the
//! difference added to the rollup tables, the new facts stored. All inside the caller's
//! transaction, so a chunk counts entirely or not at all.

use std::collections::{BTreeMap, HashMap};

use yinqi_domain::progress::tally::{self, COLUMNS, DAILY_COLUMNS};
use yinqi_domain::progress::{Case, Facts, Flags, SharedCounts, Stages, Tally, Thresholds};

use super::CaseKey;
use super::cases::{self, Chunk};
use crate::db::{Conn, DbRow, Val};
use crate::error::Result;
use crate::params;

/// Rows per multi-row upsert of facts (18 parameters each: under both engines' limits).
const FACTS_PER_STATEMENT: usize = 400;

/// Counts the cases of `chunk`; returns how many cases it looked at.
pub(crate) fn process(c: &mut dyn Conn, chunk: &Chunk<'_>) -> Result<usize> {
    let cases = cases::load(c, chunk)?;
    let old = old_facts(c, chunk)?;
    if let Chunk::Queue { lo, hi } = *chunk {
        // Before anything is queued again below (a key crossing its threshold re-queues
        // every case sharing it, some perhaps in this range but not in this chunk).
        c.execute(
            "DELETE FROM progress_queue WHERE enterprise_id BETWEEN $1 AND $2",
            params![lo, hi],
        )?;
    }
    let mut thresholds: HashMap<i64, Thresholds> = HashMap::new();
    for (key, _) in cases.values() {
        if let std::collections::hash_map::Entry::Vacant(slot) = thresholds.entry(key.campaign_id) {
            slot.insert(super::settings::load(c, key.campaign_id)?.thresholds);
        }
    }
    let counts = key_counts(c, &cases, &old, &thresholds)?;
    let mut deltas = Deltas::default();
    let mut changed = Vec::new();
    for (id, (key, case)) in &cases {
        let t = &thresholds[&key.campaign_id];
        let shared = counts.of(key.campaign_id, case);
        let facts = Facts::of(case, shared, t);
        match old.get(id) {
            Some((old_key, old_facts)) if old_key == key && *old_facts == facts => continue,
            Some((old_key, old_facts)) => deltas.count(old_key, old_facts, -1),
            None => {}
        }
        deltas.count(key, &facts, 1);
        changed.push((*id, key, facts));
    }
    deltas.write(c)?;
    store_facts(c, &changed)?;
    Ok(cases.len())
}

/// The facts last counted for the chunk's cases.
fn old_facts(c: &mut dyn Conn, chunk: &Chunk<'_>) -> Result<HashMap<i64, (CaseKey, Facts)>> {
    let (from, condition, values) = chunk.facts();
    let mut out = HashMap::new();
    c.query_each(
        &format!(
            "SELECT f.enterprise_id, f.campaign_id, f.bureau_code, f.bank_id, f.branch_code,
                    f.manager_id, f.stages, f.flags, f.demanded, f.approved, f.disbursed,
                    f.q1_day, f.visit_day, f.solution_day, f.disbursed_day, f.open_since,
                    f.ip_key, f.mobile_key
             FROM {from} WHERE {condition}"
        ),
        &values,
        &mut |r| {
            out.insert(r.i64(0)?, facts_from_row(r)?);
            Ok(())
        },
    )?;
    Ok(out)
}

fn facts_from_row(r: &dyn DbRow) -> Result<(CaseKey, Facts)> {
    let day = |i: usize| -> Result<Option<i32>> { Ok(r.opt_i64(i)?.map(|d| d as i32)) };
    Ok((
        CaseKey {
            campaign_id: r.i64(1)?,
            bureau_code: r.text(2)?,
            bank_id: r.i64(3)?,
            branch_code: r.text(4)?,
            manager_id: r.i64(5)?,
        },
        Facts {
            stages: Stages(r.i64(6)? as u16),
            flags: Flags(r.i64(7)? as u16),
            demanded: r.i64(8)?,
            approved: r.i64(9)?,
            disbursed: r.i64(10)?,
            q1_day: day(11)?,
            visit_day: day(12)?,
            solution_day: day(13)?,
            disbursed_day: day(14)?,
            open_since: day(15)?,
            ip_key: r.i64(16)?,
            mobile_key: r.i64(17)?,
        },
    ))
}

/// Kinds of shared keys, with the facts column holding each.
const KINDS: [(&str, &str); 2] = [("ip", "ip_key"), ("mobile", "mobile_key")];

/// Keys counted per statement (inlined as integer literals: they are our own hashes).
const KEYS_PER_QUERY: usize = 500;

/// How many cases hold each key the chunk's cases hold, once the chunk is counted.
#[derive(Default)]
struct KeyCounts(HashMap<(i64, &'static str, i64), i64>);

impl KeyCounts {
    fn get(&self, campaign: i64, kind: &'static str, key: i64) -> u32 {
        match key {
            0 => 0,
            k => self
                .0
                .get(&(campaign, kind, k))
                .copied()
                .unwrap_or(1)
                .max(1) as u32,
        }
    }

    fn of(&self, campaign: i64, case: &Case) -> SharedCounts {
        let q1 = case.q1.as_ref();
        SharedCounts {
            ip: self.get(campaign, "ip", q1.map_or(0, |q| q.ip_key)),
            mobile: self.get(campaign, "mobile", q1.map_or(0, |q| q.mobile_key)),
        }
    }
}

/// How many stored facts hold each of `keys` (campaign, kind, key), by the facts table's
/// own partial indexes: no table of counts to keep, whose random updates would cost a page
/// write per answer.
fn stored_counts(
    c: &mut dyn Conn,
    keys: &std::collections::BTreeSet<(i64, &'static str, i64)>,
) -> Result<HashMap<(i64, &'static str, i64), i64>> {
    let mut out = HashMap::new();
    let mut groups: BTreeMap<(i64, &'static str), Vec<i64>> = BTreeMap::new();
    for (campaign, kind, key) in keys {
        groups.entry((*campaign, *kind)).or_default().push(*key);
    }
    for ((campaign, kind), list) in groups {
        let column = if kind == "ip" { "ip_key" } else { "mobile_key" };
        for part in list.chunks(KEYS_PER_QUERY) {
            let literals: Vec<String> = part.iter().map(i64::to_string).collect();
            c.query_each(
                &format!(
                    "SELECT {column}, COUNT(*) FROM progress_facts
                     WHERE campaign_id = $1 AND {column} <> 0 AND {column} IN ({})
                     GROUP BY {column}",
                    literals.join(", ")
                ),
                params![campaign],
                &mut |r| {
                    out.insert((campaign, kind, r.i64(0)?), r.i64(1)?);
                    Ok(())
                },
            )?;
        }
    }
    Ok(out)
}

/// The counts of the keys the chunk's cases hold once the chunk is counted. When a key's
/// count crosses its threshold, every case holding it is queued: their flag changed
/// although nothing of theirs did.
fn key_counts(
    c: &mut dyn Conn,
    cases: &BTreeMap<i64, (CaseKey, Case)>,
    old: &HashMap<i64, (CaseKey, Facts)>,
    thresholds: &HashMap<i64, Thresholds>,
) -> Result<KeyCounts> {
    // Holders within the chunk before and after (an enterprise never changes campaign).
    let mut before: HashMap<(i64, &'static str, i64), i64> = HashMap::new();
    let mut after: HashMap<(i64, &'static str, i64), i64> = HashMap::new();
    for (id, (key, case)) in cases {
        let q1 = case.q1.as_ref();
        let new = [q1.map_or(0, |q| q.ip_key), q1.map_or(0, |q| q.mobile_key)];
        let was = old
            .get(id)
            .map_or([0, 0], |(_, f)| [f.ip_key, f.mobile_key]);
        for (i, (kind, _)) in KINDS.iter().enumerate() {
            if was[i] != 0 {
                *before.entry((key.campaign_id, kind, was[i])).or_default() += 1;
            }
            if new[i] != 0 {
                *after.entry((key.campaign_id, kind, new[i])).or_default() += 1;
            }
        }
    }
    let keys: std::collections::BTreeSet<_> = before.keys().chain(after.keys()).copied().collect();
    let stored = stored_counts(c, &keys)?;
    let mut counts = KeyCounts::default();
    for k in keys {
        let (campaign, kind, key) = k;
        let was = stored.get(&k).copied().unwrap_or(0);
        let outside = was - before.get(&k).copied().unwrap_or(0);
        let now = outside + after.get(&k).copied().unwrap_or(0);
        counts.0.insert(k, now);
        let threshold = thresholds.get(&campaign).map_or(i64::MAX, |t| {
            i64::from(match kind {
                "ip" => t.shared_ip_answers,
                _ => t.shared_mobile_enterprises,
            })
            .max(2)
        });
        if (was >= threshold) != (now >= threshold) && outside > 0 {
            let column = if kind == "ip" { "ip_key" } else { "mobile_key" };
            c.execute(
                &format!(
                    "INSERT INTO progress_queue (enterprise_id)
                     SELECT enterprise_id FROM progress_facts
                     WHERE campaign_id = $1 AND {column} <> 0 AND {column} = $2
                     ON CONFLICT DO NOTHING"
                ),
                params![campaign, key],
            )?;
        }
    }
    Ok(counts)
}

/// The differences a chunk makes to each rollup table, by key.
#[derive(Default)]
struct Deltas {
    branch: HashMap<CaseKey, Tally>,
    bank: HashMap<(i64, String, i64), Tally>,
    daily: HashMap<(i64, String, i64, i32), [i64; 4]>,
    open: HashMap<(CaseKey, i32), i64>,
}

impl Deltas {
    /// Adds (`sign` 1) or takes away (−1) one case's facts.
    fn count(&mut self, key: &CaseKey, facts: &Facts, sign: i64) {
        let t = Tally::of(facts);
        let bank = (key.campaign_id, key.bureau_code.clone(), key.bank_id);
        for target in [
            self.branch.entry(key.clone()).or_default(),
            self.bank.entry(bank.clone()).or_default(),
        ] {
            if sign > 0 {
                target.add(&t)
            } else {
                target.sub(&t)
            }
        }
        // Daily rows per bank and per bureau (bank `BUREAU_TOTAL`), so the national and
        // bureau charts sum a few rows per day, not one per bank.
        for (day, i) in tally::daily(facts) {
            for bank_id in [key.bank_id, super::BUREAU_TOTAL] {
                self.daily
                    .entry((key.campaign_id, key.bureau_code.clone(), bank_id, day))
                    .or_default()[i] += sign;
            }
        }
        // Open solutions per branch × manager and per bank (branch `BANK_TOTAL`), likewise.
        if let Some(day) = facts.open_since {
            let bank_total = CaseKey {
                branch_code: super::BANK_TOTAL.to_owned(),
                manager_id: 0,
                ..key.clone()
            };
            for k in [key.clone(), bank_total] {
                *self.open.entry((k, day)).or_default() += sign;
            }
        }
    }

    fn write(&self, c: &mut dyn Conn) -> Result<()> {
        let branch_sql = upsert_sql(
            "progress_branch",
            &[
                "campaign_id",
                "bureau_code",
                "bank_id",
                "branch_code",
                "manager_id",
            ],
            &COLUMNS,
        );
        for (k, t) in self.branch.iter().filter(|(_, t)| !t.is_zero()) {
            let mut values = vec![
                Val::Int(k.campaign_id),
                Val::Text(&k.bureau_code),
                Val::Int(k.bank_id),
                Val::Text(&k.branch_code),
                Val::Int(k.manager_id),
            ];
            values.extend(t.0.iter().map(|v| Val::Int(*v)));
            c.execute(&branch_sql, &values)?;
        }
        let bank_sql = upsert_sql(
            "progress_bank",
            &["campaign_id", "bureau_code", "bank_id"],
            &COLUMNS,
        );
        for ((campaign, bureau, bank), t) in self.bank.iter().filter(|(_, t)| !t.is_zero()) {
            let mut values = vec![Val::Int(*campaign), Val::Text(bureau), Val::Int(*bank)];
            values.extend(t.0.iter().map(|v| Val::Int(*v)));
            c.execute(&bank_sql, &values)?;
        }
        let daily_sql = upsert_sql(
            "progress_daily",
            &["campaign_id", "bureau_code", "bank_id", "day"],
            &DAILY_COLUMNS,
        );
        for ((campaign, bureau, bank, day), d) in
            self.daily.iter().filter(|(_, d)| d.iter().any(|v| *v != 0))
        {
            let mut values = vec![
                Val::Int(*campaign),
                Val::Text(bureau),
                Val::Int(*bank),
                Val::Int(i64::from(*day)),
            ];
            values.extend(d.iter().map(|v| Val::Int(*v)));
            c.execute(&daily_sql, &values)?;
        }
        let open_sql = upsert_sql(
            "progress_open",
            &[
                "campaign_id",
                "bureau_code",
                "bank_id",
                "branch_code",
                "manager_id",
                "day",
            ],
            &["n"],
        );
        for ((k, day), n) in self.open.iter().filter(|(_, n)| **n != 0) {
            c.execute(
                &open_sql,
                &[
                    Val::Int(k.campaign_id),
                    Val::Text(&k.bureau_code),
                    Val::Int(k.bank_id),
                    Val::Text(&k.branch_code),
                    Val::Int(k.manager_id),
                    Val::Int(i64::from(*day)),
                    Val::Int(*n),
                ],
            )?;
        }
        Ok(())
    }
}

/// `INSERT … ON CONFLICT (keys) DO UPDATE SET counter = counter + excluded.counter`.
fn upsert_sql(table: &str, keys: &[&str], counters: &[&str]) -> String {
    let columns: Vec<&str> = keys.iter().chain(counters).copied().collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = counters
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        placeholders.join(", "),
        keys.join(", "),
        sets.join(", ")
    )
}

const FACT_COLUMNS: [&str; 18] = [
    "enterprise_id",
    "campaign_id",
    "bureau_code",
    "bank_id",
    "branch_code",
    "manager_id",
    "stages",
    "flags",
    "demanded",
    "approved",
    "disbursed",
    "q1_day",
    "visit_day",
    "solution_day",
    "disbursed_day",
    "open_since",
    "ip_key",
    "mobile_key",
];

/// Stores the new facts of the changed cases, many rows per statement.
fn store_facts(c: &mut dyn Conn, changed: &[(i64, &CaseKey, Facts)]) -> Result<()> {
    let width = FACT_COLUMNS.len();
    let sets: Vec<String> = FACT_COLUMNS[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for rows in changed.chunks(FACTS_PER_STATEMENT) {
        let tuples: Vec<String> = (0..rows.len())
            .map(|r| {
                let p: Vec<String> = (1..=width).map(|i| format!("${}", r * width + i)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO progress_facts ({}) VALUES {} ON CONFLICT (enterprise_id) DO UPDATE SET {}",
            FACT_COLUMNS.join(", "),
            tuples.join(", "),
            sets.join(", ")
        );
        let day = |d: Option<i32>| d.map_or(Val::Null, |d| Val::Int(i64::from(d)));
        let mut values = Vec::with_capacity(rows.len() * width);
        for (id, k, f) in rows {
            values.extend([
                Val::Int(*id),
                Val::Int(k.campaign_id),
                Val::Text(&k.bureau_code),
                Val::Int(k.bank_id),
                Val::Text(&k.branch_code),
                Val::Int(k.manager_id),
                Val::Int(i64::from(f.stages.0)),
                Val::Int(i64::from(f.flags.0)),
                Val::Int(f.demanded),
                Val::Int(f.approved),
                Val::Int(f.disbursed),
                day(f.q1_day),
                day(f.visit_day),
                day(f.solution_day),
                day(f.disbursed_day),
                day(f.open_since),
                Val::Int(f.ip_key),
                Val::Int(f.mobile_key),
            ]);
        }
        c.execute(&sql, &values)?;
    }
    Ok(())
}
