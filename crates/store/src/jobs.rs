//! Jobs: long work (a bureau's list uploaded through the web page) that runs in the
//! background while pages poll its progress. A job's state, result and error report live in
//! the database, so any app process sharing it can show the job and serve the report; a
//! heartbeat tells a job whose process died from one still running.
//!
//! One exception, for SQLite only: an import holds SQLite's single write lock from its first
//! row to its commit, so progress written to the database during it would wait for the very
//! import it describes. On SQLite the running job's progress and heartbeat are therefore
//! kept in this process (SQLite is the single-process deployment) and overlaid on the row
//! when it is read; PostgreSQL writes them to the row.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::db::{Conn, ConnExt, DbRow, Dialect, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// The kind of job that loads a bureau's list from an uploaded file.
pub const LIST_UPLOAD: &str = "enterprise_list.upload";
/// How often a running job should beat.
pub const HEARTBEAT_EVERY_MS: i64 = 5_000;
/// A queued or running job silent for this long is taken to have died with its process.
pub const STALE_AFTER_MS: i64 = 60_000;

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn code(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn from_code(code: &str) -> Result<JobStatus> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Done,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .ok_or_else(|| StoreError::Decode(format!("任务状态 {code}")))
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            JobStatus::Queued => "排队中",
            JobStatus::Running => "处理中",
            JobStatus::Done => "已完成",
            JobStatus::Failed => "失败",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

/// One job as stored (the error report's bytes are fetched separately).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub campaign_id: Option<i64>,
    pub bureau_code: Option<String>,
    /// The uploaded file's own name.
    pub file_name: String,
    pub status: JobStatus,
    /// Bytes or rows done, of `progress_total` when known; `progress_unit` says which.
    pub progress_done: u64,
    pub progress_total: Option<u64>,
    pub progress_unit: String,
    /// The work's summary (for an upload: the import summary, as the CLI prints it).
    pub result: Option<serde_json::Value>,
    /// Why the job failed, in words for the user.
    pub error: Option<String>,
    /// The error report's file name and size, when there is one.
    pub report_name: Option<String>,
    pub report_size: Option<u64>,
    pub created_by: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub heartbeat_at: i64,
}

impl Job {
    /// Fraction done in `0.0..=1.0`, when the total is known (1 once done).
    pub fn fraction(&self) -> Option<f64> {
        if self.status == JobStatus::Done {
            return Some(1.0);
        }
        match self.progress_total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.progress_done as f64 / t as f64).min(1.0)),
            None => None,
        }
    }
}

const COLUMNS: &str = "id, kind, campaign_id, bureau_code, file_name, status, progress_done,
    progress_total, progress_unit, result, error, report_name, CAST(LENGTH(report) AS BIGINT),
    created_by, created_at, started_at, finished_at, heartbeat_at";

fn job_from_row(r: &dyn DbRow) -> Result<Job> {
    Ok(Job {
        id: r.i64(0)?,
        kind: r.text(1)?,
        campaign_id: r.opt_i64(2)?,
        bureau_code: r.opt_text(3)?,
        file_name: r.text(4)?,
        status: JobStatus::from_code(&r.text(5)?)?,
        progress_done: r.i64(6)? as u64,
        progress_total: r.opt_i64(7)?.map(|t| t as u64),
        progress_unit: r.text(8)?,
        result: r
            .opt_text(9)?
            .map(|t| serde_json::from_str(&t).unwrap_or_default()),
        error: r.opt_text(10)?,
        report_name: r.opt_text(11)?,
        report_size: r.opt_i64(12)?.map(|n| n as u64),
        created_by: r.text(13)?,
        created_at: r.i64(14)?,
        started_at: r.opt_i64(15)?,
        finished_at: r.opt_i64(16)?,
        heartbeat_at: r.i64(17)?,
    })
}

/// Progress of running jobs kept in this process (SQLite only; see the module doc).
#[derive(Default)]
pub(crate) struct Live(Mutex<HashMap<i64, LiveProgress>>);

#[derive(Clone)]
struct LiveProgress {
    done: Option<u64>,
    total: Option<u64>,
    unit: Option<String>,
    at: i64,
}

impl Live {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, LiveProgress>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn beat(&self, id: i64, progress: Option<(u64, Option<u64>, &str)>) {
        let mut map = self.lock();
        let entry = map.entry(id).or_insert(LiveProgress {
            done: None,
            total: None,
            unit: None,
            at: 0,
        });
        entry.at = now_millis();
        if let Some((done, total, unit)) = progress {
            entry.done = Some(done);
            entry.total = total;
            entry.unit = Some(unit.to_owned());
        }
    }

    fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }

    /// The job as this process knows it: live progress over the row, then a silent job
    /// shown as failed.
    fn view(&self, mut job: Job, now: i64) -> Job {
        if job.status == JobStatus::Running
            && let Some(live) = self.lock().get(&job.id).cloned()
        {
            job.heartbeat_at = job.heartbeat_at.max(live.at);
            if let Some(done) = live.done {
                job.progress_done = done;
                job.progress_total = live.total;
            }
            if let Some(unit) = live.unit {
                job.progress_unit = unit;
            }
        }
        if !job.status.is_finished() && now - job.heartbeat_at > STALE_AFTER_MS {
            job.status = JobStatus::Failed;
            job.error = Some("处理该任务的程序已中断（超过一分钟没有响应），请重新上传".into());
        }
        job
    }
}

/// The condition limiting `jobs` to what `scope` may see, with its parameter.
fn scope_condition(scope: &Scope, param: usize) -> Result<(String, Option<&str>)> {
    match scope {
        Scope::Nation => Ok(("TRUE".into(), None)),
        Scope::Bureau(code) => Ok((format!("bureau_code = ${param}"), Some(code.as_str()))),
        _ => Err(StoreError::NotFound),
    }
}

/// The newest upload of `bureau`'s list that is still queued or running, if any.
pub(crate) fn active_upload(
    c: &mut dyn Conn,
    live: &Live,
    campaign_id: i64,
    bureau: &str,
) -> Result<Option<i64>> {
    let now = now_millis();
    let candidates = c.query_vec(
        &format!(
            "SELECT {COLUMNS} FROM jobs WHERE kind = $1 AND campaign_id = $2 AND bureau_code = $3
             AND status IN ('queued', 'running') ORDER BY id DESC"
        ),
        params![LIST_UPLOAD, campaign_id, bureau],
        job_from_row,
    )?;
    Ok(candidates
        .into_iter()
        .map(|j| live.view(j, now))
        .find(|j| !j.status.is_finished())
        .map(|j| j.id))
}

impl Store {
    /// Records a new upload of `bureau`'s list (queued; the caller runs it). Refused unless
    /// the list accepts uploads and no other upload of it is still running.
    pub fn create_upload_job(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        file_name: &str,
        actor: &str,
    ) -> Result<Job> {
        if yinqi_domain::bureau::by_code(bureau).is_none() {
            return Err(StoreError::Invalid(format!("未知的监管局代码：{bureau}")));
        }
        if !scope.covers_bureau(bureau) {
            return Err(StoreError::NotFound);
        }
        let id = self.write(|c| {
            crate::list_round::ensure_accepts_uploads(c, campaign_id, bureau)?;
            if let Some(other) = active_upload(c, &self.live_jobs, campaign_id, bureau)? {
                return Err(StoreError::Conflict(format!(
                    "本局名单已有一个导入任务（第 {other} 号）在进行，请等它完成后再上传"
                )));
            }
            let now = now_millis();
            let id = c.query_i64(
                "INSERT INTO jobs (kind, campaign_id, bureau_code, file_name, status, created_by, created_at, heartbeat_at)
                 VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6) RETURNING id",
                params![LIST_UPLOAD, campaign_id, bureau, file_name, actor, now],
            )?;
            crate::audit::record(
                c,
                actor,
                LIST_UPLOAD,
                Some(campaign_id),
                Some(bureau),
                Some(file_name),
                &serde_json::json!({ "job": id }),
            )?;
            Ok(id)
        })?;
        self.job(scope, id)
    }

    /// One job, if `scope` may see it (HQ: all; a bureau: its own).
    pub fn job(&self, scope: &Scope, id: i64) -> Result<Job> {
        let (condition, bureau) = scope_condition(scope, 2)?;
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND {condition}");
        let job = self.read(|c| match bureau {
            Some(b) => c.query_one(&sql, params![id, b], job_from_row),
            None => c.query_one(&sql, params![id], job_from_row),
        })?;
        Ok(self.live_jobs.view(job, now_millis()))
    }

    /// The newest `limit` jobs of `bureau`'s list, newest first.
    pub fn list_jobs(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        limit: u32,
    ) -> Result<Vec<Job>> {
        if !scope.covers_bureau(bureau) {
            return Err(StoreError::NotFound);
        }
        let now = now_millis();
        let jobs = self.read(|c| {
            c.query_vec(
                &format!(
                    "SELECT {COLUMNS} FROM jobs WHERE campaign_id = $1 AND bureau_code = $2
                     ORDER BY id DESC LIMIT $3"
                ),
                params![campaign_id, bureau, i64::from(limit)],
                job_from_row,
            )
        })?;
        Ok(jobs
            .into_iter()
            .map(|j| self.live_jobs.view(j, now))
            .collect())
    }

    /// Runs `sql` (parameters: id, now, then `extra`) on the job if `scope` may see it;
    /// NotFound if it may not, Conflict if the job was not in a state the statement accepts.
    fn update_job(&self, scope: &Scope, id: i64, sql: &str, extra: &[Val<'_>]) -> Result<()> {
        let first = 3 + extra.len();
        let (condition, bureau) = scope_condition(scope, first)?;
        let sql = format!("{sql} AND {condition}");
        let mut values: Vec<Val<'_>> = vec![Val::Int(id), Val::Int(now_millis())];
        values.extend_from_slice(extra);
        if let Some(b) = bureau {
            values.push(Val::Text(b));
        }
        let changed = self.write(|c| c.execute(&sql, &values))?;
        if changed == 1 {
            return Ok(());
        }
        // Tell "not yours" from "moved on" without saying more than the scope allows.
        self.job(scope, id)?;
        Err(StoreError::Conflict(format!("任务 {id} 的状态已经改变")))
    }

    /// Marks a queued job running.
    pub fn start_job(&self, scope: &Scope, id: i64) -> Result<()> {
        self.update_job(
            scope,
            id,
            "UPDATE jobs SET status = 'running', started_at = $2, heartbeat_at = $2
             WHERE id = $1 AND status = 'queued'",
            &[],
        )
    }

    /// Records a running job's progress (`unit`: `bytes` or `rows`) and that it is alive.
    pub fn job_progress(
        &self,
        scope: &Scope,
        id: i64,
        done: u64,
        total: Option<u64>,
        unit: &str,
    ) -> Result<()> {
        self.beat(scope, id, Some((done, total, unit)))
    }

    /// Records that a running job is alive (while it has no progress to tell).
    pub fn job_heartbeat(&self, scope: &Scope, id: i64) -> Result<()> {
        self.beat(scope, id, None)
    }

    fn beat(
        &self,
        scope: &Scope,
        id: i64,
        progress: Option<(u64, Option<u64>, &str)>,
    ) -> Result<()> {
        if self.dialect() == Dialect::Sqlite {
            // Scope is checked by reading: the row itself is not written (module doc).
            let job = self.job(scope, id)?;
            if job.status == JobStatus::Running {
                self.live_jobs.beat(id, progress);
            }
            return Ok(());
        }
        match progress {
            Some((done, total, unit)) => self.update_job(
                scope,
                id,
                "UPDATE jobs SET heartbeat_at = $2, progress_done = $3, progress_total = $4, progress_unit = $5
                 WHERE id = $1 AND status = 'running'",
                &[Val::Int(done as i64), total.map(|t| t as i64).into(), Val::Text(unit)],
            ),
            None => self.update_job(
                scope,
                id,
                "UPDATE jobs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'",
                &[],
            ),
        }
    }

    /// Completes a running job with its result and, optionally, an error report
    /// (`(file name, bytes)`) that its owner can download from any app process.
    pub fn finish_job(
        &self,
        scope: &Scope,
        id: i64,
        result: &serde_json::Value,
        report: Option<(&str, &[u8])>,
    ) -> Result<()> {
        // On SQLite the progress so far is only in this process: keep its final figure.
        let live = self.live_jobs.lock().get(&id).cloned();
        let final_count = live.and_then(|l| l.total.or(l.done)).map(|n| n as i64);
        let result_text = result.to_string();
        let outcome = self.update_job(
            scope,
            id,
            "UPDATE jobs SET status = 'done', finished_at = $2, heartbeat_at = $2, result = $3,
                 report_name = $4, report = $5,
                 progress_total = COALESCE($6, progress_total),
                 progress_done = COALESCE($6, progress_total, progress_done)
             WHERE id = $1 AND status = 'running'",
            &[
                Val::Text(&result_text),
                report.map(|r| r.0).into(),
                report.map(|r| r.1).into(),
                final_count.into(),
            ],
        );
        self.live_jobs.forget(id);
        outcome
    }

    /// Ends a queued or running job as failed, with the message shown to its owner.
    pub fn fail_job(&self, scope: &Scope, id: i64, message: &str) -> Result<()> {
        let outcome = self.update_job(
            scope,
            id,
            "UPDATE jobs SET status = 'failed', finished_at = $2, heartbeat_at = $2, error = $3
             WHERE id = $1 AND status IN ('queued', 'running')",
            &[Val::Text(message)],
        );
        self.live_jobs.forget(id);
        outcome
    }

    /// Housekeeping: drops the error reports of jobs finished more than `keep_ms` ago (the
    /// job, its summary and the report's name stay, so its page can say the report expired).
    /// A report holds the rejected rows of a whole list; kept forever they would grow with
    /// every re-upload. Returns the reports dropped.
    pub fn purge_old_reports(&self, keep_ms: i64) -> Result<u64> {
        let before = now_millis() - keep_ms;
        self.write(|c| {
            c.execute(
                "UPDATE jobs SET report = NULL WHERE report IS NOT NULL AND finished_at < $1",
                params![before],
            )
        })
    }

    /// A finished job's error report, `(file name, bytes)`, for `scope`; audited as an
    /// export of the rows it holds.
    pub fn job_report(&self, scope: &Scope, id: i64, actor: &str) -> Result<(String, Vec<u8>)> {
        let job = self.job(scope, id)?;
        let (name, bytes) = self
            .read(|c| {
                c.query_one(
                    "SELECT report_name, report FROM jobs WHERE id = $1",
                    params![id],
                    |r| Ok((r.opt_text(0)?, r.opt_bytes(1)?)),
                )
            })
            .map(|(name, bytes)| name.zip(bytes))?
            .ok_or(StoreError::NotFound)?;
        self.write(|c| {
            crate::audit::record(
                c,
                actor,
                "export.error_report",
                job.campaign_id,
                job.bureau_code.as_deref(),
                Some(&name),
                &serde_json::json!({ "job": id, "bytes": bytes.len() }),
            )
        })?;
        Ok((name, bytes))
    }
}
