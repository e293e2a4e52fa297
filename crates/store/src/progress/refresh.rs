//! The refresher: brings the rollups up to date with everything that changed since its
//! watermark, in short transactions, safe to run from several processes at once.
//!
//! 1. **Collect** (one transaction): answers submitted or updated since the watermark
//!    (`responses.saved_at`, indexed) and audited changes of the list and the codes
//!    (`audit_log.at`) become queued cases, or sweeps of a whole bureau for bulk changes
//!    (an import, codes issued, an options change, an assignment by filter). The window
//!    reaches back [`OVERLAP_MS`] before the watermark (answers: a transaction may stamp a
//!    time and commit a little later) and [`AUDIT_OVERLAP_MS`] for the audit log (an import
//!    commits after its entry is written); audit entries already acted on are remembered,
//!    and requeuing an answer only recounts it, which changes nothing.
//! 2. **Count** (a transaction per chunk of [`CHUNK`] queued or [`SWEEP_CHUNK`] swept
//!    cases): queued cases first, then the sweeps, each chunk through `apply::process`.
//! 3. **Complete**: once nothing waits, `complete_at` — what the dashboards show as "data
//!    as of" — moves up to the collected window.
//!
//! On PostgreSQL every transaction first takes an advisory lock, so two processes never
//! count the same chunk; SQLite's write transactions are serial anyway.

use yinqi_domain::uscc::Uscc;

use super::REFRESH_LOCK;
use super::cases::Chunk;
use crate::db::{Conn, ConnExt, Dialect};
use crate::error::Result;
use crate::{Scope, Store, StoreError, now_millis, params};

/// How far before the watermark answers are looked at again.
pub const OVERLAP_MS: i64 = 30_000;
/// How far before the watermark the audit log is read again.
pub const AUDIT_OVERLAP_MS: i64 = 600_000;
/// Queued cases per transaction: small enough that a write waits at most a few tens of
/// milliseconds behind the refresher on SQLite.
pub const CHUNK: i64 = 2_000;
/// Swept cases per transaction. Sweeps follow bulk changes (an import, codes issued) and
/// touch index pages all over the facts' key indexes; larger transactions write each such
/// page once for many cases (SQLite writes whole 16 KiB pages to its log per transaction).
pub const SWEEP_CHUNK: i64 = 10_000;
/// How long acted-on audit entries are remembered (far beyond the overlap).
const SEEN_KEPT_MS: i64 = 24 * 3_600_000;

/// How much one call of the refresher may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshLimits {
    /// Queued cases per transaction.
    pub chunk: i64,
    /// Swept cases per transaction.
    pub sweep_chunk: i64,
    /// Cases to count before returning (at least one chunk is counted).
    pub budget: u64,
    /// How far before the watermark answers are looked at again ([`OVERLAP_MS`]; tests
    /// set 0 to see that nothing relies on the overlap requeuing a case).
    pub overlap_ms: i64,
}

impl Default for RefreshLimits {
    fn default() -> Self {
        RefreshLimits {
            chunk: CHUNK,
            sweep_chunk: SWEEP_CHUNK,
            budget: u64::MAX,
            overlap_ms: OVERLAP_MS,
        }
    }
}

/// What one call of the refresher did, and what is left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Cases queued by this call's collection.
    pub queued: u64,
    /// Cases counted (queued ones and swept ones).
    pub counted: u64,
    /// Cases still queued, and bureaus still being swept, when it stopped.
    pub queue_left: u64,
    pub sweeps_left: u64,
    /// The time the dashboards are complete up to (ms since the epoch; 0: never).
    pub complete_at: i64,
}

impl RefreshReport {
    pub fn is_complete(&self) -> bool {
        self.queue_left == 0 && self.sweeps_left == 0
    }
}

fn lock(c: &mut dyn Conn) -> Result<()> {
    if c.dialect() == Dialect::Postgres {
        c.query_each(
            "SELECT pg_advisory_xact_lock($1)",
            params![REFRESH_LOCK],
            &mut |_| Ok(()),
        )?;
    }
    Ok(())
}

/// Requests a sweep of one bureau's cases (from the first on, even if one is under way:
/// what it passed may have changed again).
pub(crate) fn sweep_bureau(
    c: &mut dyn Conn,
    campaign_id: i64,
    bureau: &str,
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO progress_sweeps (campaign_id, bureau_code, after_id, requested_at)
         VALUES ($1, $2, 0, $3)
         ON CONFLICT (campaign_id, bureau_code) DO UPDATE SET after_id = 0,
           requested_at = excluded.requested_at",
        params![campaign_id, bureau, now],
    )?;
    Ok(())
}

/// Requests a sweep of every bureau of a campaign.
pub(crate) fn sweep_campaign(c: &mut dyn Conn, campaign_id: i64, now: i64) -> Result<()> {
    for b in yinqi_domain::bureau::all() {
        sweep_bureau(c, campaign_id, b.code, now)?;
    }
    Ok(())
}

fn sweep_everything(c: &mut dyn Conn, now: i64) -> Result<()> {
    let campaigns = c.query_vec("SELECT id FROM campaigns", params![], |r| r.i64(0))?;
    for id in campaigns {
        sweep_campaign(c, id, now)?;
    }
    Ok(())
}

/// What an audited action means for the rollups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    /// One enterprise, by credit code or by id.
    Uscc(i64, String),
    Enterprise(i64),
    Bureau(i64, String),
    Campaign(i64),
    Everything,
}

/// The effect of an audit entry. Actions on enterprises and codes (`enterprise.*`,
/// `code.*`) touch the enterprise they name, or the bureau or campaign when they name none
/// (a bulk change); list imports, code issues and option changes touch their bureau; a
/// registry import may move any enterprise; corrections name their enterprise.
pub(crate) fn effect(
    action: &str,
    campaign: Option<i64>,
    bureau: Option<&str>,
    subject: Option<&str>,
    detail: &str,
) -> Effect {
    let wide = |campaign: Option<i64>, bureau: Option<&str>| match (campaign, bureau) {
        (Some(c), Some(b)) => Effect::Bureau(c, b.to_owned()),
        (Some(c), None) => Effect::Campaign(c),
        _ => Effect::Everything,
    };
    match action {
        "bank_registry.import" => Effect::Everything,
        "answers.correct" => serde_json::from_str::<serde_json::Value>(detail)
            .ok()
            .and_then(|d| d["enterprise_id"].as_i64())
            .map_or(Effect::None, Effect::Enterprise),
        "enterprise_list.import" | "codes.issue" | "bureau.options" => wide(campaign, bureau),
        "enterprise.reveal" => Effect::None,
        a if a.starts_with("enterprise.") || a.starts_with("code.") => {
            match (campaign, subject.filter(|s| Uscc::parse(s).is_ok())) {
                (Some(c), Some(uscc)) => Effect::Uscc(c, uscc.to_owned()),
                _ => wide(campaign, bureau),
            }
        }
        _ => Effect::None,
    }
}

/// Queues what changed between the watermark and now (both ends included: a change stamped
/// in the very millisecond of `now` is in this window, and again in the next, which only
/// recounts it); returns how many cases it queued.
fn collect(c: &mut dyn Conn, now: i64, overlap_ms: i64) -> Result<u64> {
    lock(c)?;
    let watermark = c.query_i64(
        "SELECT watermark FROM progress_state WHERE id = 1",
        params![],
    )?;
    let mut queued = 0;
    if watermark == 0 {
        // First run: count everything there is (and note the audit entries already
        // covered, so the next run does not sweep their bureaus again).
        collect_audit(c, now - AUDIT_OVERLAP_MS, now)?;
        sweep_everything(c, now)?;
    } else {
        queued += c.execute(
            "INSERT INTO progress_queue (enterprise_id)
             SELECT DISTINCT enterprise_id FROM responses
             WHERE status = 'submitted' AND saved_at >= $1 AND saved_at <= $2
             ON CONFLICT DO NOTHING",
            params![watermark - overlap_ms, now],
        )?;
        queued += collect_audit(c, watermark - AUDIT_OVERLAP_MS, now)?;
    }
    c.execute(
        "UPDATE progress_state SET watermark = $1, refreshed_at = $1 WHERE id = 1",
        params![now],
    )?;
    Ok(queued)
}

fn collect_audit(c: &mut dyn Conn, from: i64, to: i64) -> Result<u64> {
    let entries = c.query_vec(
        "SELECT a.id, a.at, a.action, a.campaign_id, a.bureau_code, a.subject, a.detail
         FROM audit_log a
         WHERE a.at >= $1 AND a.at <= $2
           AND NOT EXISTS (SELECT 1 FROM progress_seen_audit s WHERE s.audit_id = a.id)",
        params![from, to],
        |r| {
            Ok((
                r.i64(0)?,
                r.i64(1)?,
                effect(
                    &r.text(2)?,
                    r.opt_i64(3)?,
                    r.opt_text(4)?.as_deref(),
                    r.opt_text(5)?.as_deref(),
                    &r.text(6)?,
                ),
            ))
        },
    )?;
    let mut queued = 0;
    for (id, at, effect) in entries {
        match effect {
            Effect::None => continue,
            Effect::Uscc(campaign, uscc) => {
                queued += c.execute(
                    "INSERT INTO progress_queue (enterprise_id)
                     SELECT id FROM enterprises WHERE campaign_id = $1 AND uscc = $2
                     ON CONFLICT DO NOTHING",
                    params![campaign, uscc.as_str()],
                )?;
            }
            Effect::Enterprise(id) => {
                queued += c.execute(
                    "INSERT INTO progress_queue (enterprise_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    params![id],
                )?;
            }
            Effect::Bureau(campaign, bureau) => sweep_bureau(c, campaign, &bureau, to)?,
            Effect::Campaign(campaign) => sweep_campaign(c, campaign, to)?,
            Effect::Everything => sweep_everything(c, to)?,
        }
        c.execute(
            "INSERT INTO progress_seen_audit (audit_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            params![id, at],
        )?;
    }
    c.execute(
        "DELETE FROM progress_seen_audit WHERE at < $1",
        params![to - SEEN_KEPT_MS],
    )?;
    Ok(queued)
}

/// Counts the next chunk of queued cases; returns how many, 0 when the queue is empty.
fn count_queued(c: &mut dyn Conn, chunk: i64) -> Result<u64> {
    lock(c)?;
    let ids = c.query_vec(
        "SELECT enterprise_id FROM progress_queue ORDER BY enterprise_id LIMIT $1",
        params![chunk],
        |r| r.i64(0),
    )?;
    let (Some(lo), Some(hi)) = (ids.first(), ids.last()) else {
        return Ok(0);
    };
    super::apply::process(c, &Chunk::Queue { lo: *lo, hi: *hi })?;
    Ok(ids.len() as u64)
}

/// Counts the next chunk of the oldest sweep; returns how many cases, or `None` when no
/// sweep is under way.
fn count_swept(c: &mut dyn Conn, chunk: i64) -> Result<Option<u64>> {
    lock(c)?;
    let Some((campaign_id, bureau, after)) = c.query_opt(
        "SELECT campaign_id, bureau_code, after_id FROM progress_sweeps
         ORDER BY requested_at, campaign_id, bureau_code LIMIT 1",
        params![],
        |r| Ok((r.i64(0)?, r.text(1)?, r.i64(2)?)),
    )?
    else {
        return Ok(None);
    };
    // The last id of the next chunk: the planner walks the (campaign, bureau, id) index.
    let ids = c.query_vec(
        "SELECT id FROM enterprises WHERE campaign_id = $1 AND bureau_code = $2 AND id > $3
         ORDER BY id LIMIT $4",
        params![campaign_id, bureau.as_str(), after, chunk],
        |r| r.i64(0),
    )?;
    let Some(upto) = ids.last().copied() else {
        c.execute(
            "DELETE FROM progress_sweeps WHERE campaign_id = $1 AND bureau_code = $2",
            params![campaign_id, bureau.as_str()],
        )?;
        return Ok(Some(0));
    };
    super::apply::process(
        c,
        &Chunk::Sweep {
            campaign_id,
            bureau: &bureau,
            after,
            upto,
        },
    )?;
    c.execute(
        "UPDATE progress_sweeps SET after_id = $3 WHERE campaign_id = $1 AND bureau_code = $2",
        params![campaign_id, bureau.as_str(), upto],
    )?;
    Ok(Some(ids.len() as u64))
}

impl Store {
    /// One round of the refresher (serve runs it every few seconds; `yinqi rollup refresh`
    /// until done): collects what changed, then counts up to `limits.budget` cases.
    pub fn refresh_progress(&self, limits: RefreshLimits) -> Result<RefreshReport> {
        let now = now_millis();
        let chunk = limits.chunk.max(1);
        let sweep_chunk = limits.sweep_chunk.max(1);
        let mut report = RefreshReport {
            queued: self.write(|c| collect(c, now, limits.overlap_ms))?,
            ..RefreshReport::default()
        };
        while report.counted < limits.budget {
            let n = self.write(|c| count_queued(c, chunk))?;
            if n > 0 {
                report.counted += n;
                continue;
            }
            match self.write(|c| count_swept(c, sweep_chunk))? {
                Some(n) => report.counted += n,
                None => break,
            }
        }
        self.write(|c| {
            lock(c)?;
            c.execute(
                "UPDATE progress_state SET complete_at = watermark - $1
                 WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM progress_queue)
                   AND NOT EXISTS (SELECT 1 FROM progress_sweeps)",
                params![OVERLAP_MS],
            )?;
            Ok(())
        })?;
        let status = self.progress_status()?;
        report.queue_left = status.queue_left;
        report.sweeps_left = status.sweeps_left;
        report.complete_at = status.complete_at;
        Ok(report)
    }

    /// How up to date the rollups are, without changing anything.
    pub fn progress_status(&self) -> Result<RefreshReport> {
        self.read(|c| {
            let complete_at = c.query_i64(
                "SELECT complete_at FROM progress_state WHERE id = 1",
                params![],
            )?;
            Ok(RefreshReport {
                queue_left: c.query_i64("SELECT COUNT(*) FROM progress_queue", params![])? as u64,
                sweeps_left: c.query_i64("SELECT COUNT(*) FROM progress_sweeps", params![])? as u64,
                complete_at,
                ..RefreshReport::default()
            })
        })
    }

    /// Recounts every case of every campaign from scratch (HQ only): the rollups stay
    /// readable meanwhile and converge as the sweeps proceed.
    pub fn rebuild_progress(&self, scope: &Scope) -> Result<()> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        self.write(|c| {
            lock(c)?;
            sweep_everything(c, now_millis())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_effects() {
        let uscc = "91350100M000100Y43";
        assert_eq!(
            effect("enterprise.override", Some(1), Some("44"), Some(uscc), "{}"),
            Effect::Uscc(1, uscc.into())
        );
        assert_eq!(
            effect("enterprise.assign_manager", Some(1), Some("44"), None, "{}"),
            Effect::Bureau(1, "44".into())
        );
        assert_eq!(
            effect("enterprise.assign_manager", Some(1), None, None, "{}"),
            Effect::Campaign(1)
        );
        assert_eq!(
            effect("code.revoke", Some(1), Some("44"), Some(uscc), "{}"),
            Effect::Uscc(1, uscc.into())
        );
        assert_eq!(
            effect("codes.issue", Some(1), Some("44"), None, "{}"),
            Effect::Bureau(1, "44".into())
        );
        assert_eq!(
            effect(
                "answers.correct",
                Some(1),
                None,
                Some("q1#5"),
                r#"{"enterprise_id": 9}"#
            ),
            Effect::Enterprise(9)
        );
        assert_eq!(
            effect("bank_registry.import", None, None, None, "{}"),
            Effect::Everything
        );
        for quiet in [
            "login",
            "enterprise.reveal",
            "codes.hand_over",
            "enterprise_list.freeze",
        ] {
            assert_eq!(
                effect(quiet, Some(1), Some("44"), Some(uscc), "{}"),
                Effect::None
            );
        }
    }
}
