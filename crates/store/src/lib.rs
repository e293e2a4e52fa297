//! Storage of the yinqi platform: one [`Store`] over an embedded SQLite file (the default)
//! or PostgreSQL, chosen by URL. Every method that reads or writes enterprise rows takes the
//! caller's [`Scope`].

pub mod db;
mod error;
mod migrate;
mod scope;

mod answer_changes;
mod answer_saves;
mod answers;
mod audit;
mod banks;
mod campaigns;
mod codes;
mod enterprises;
mod group_commit;
mod jobs;
mod list_round;
mod listing;
mod managers;
mod progress;
mod pushes;
mod questionnaires;
mod reminders;
mod secrets;
mod sessions;
mod settings;
mod users;
mod visit_feedback;
mod worklist;

pub use answer_changes::{Correction, StatusChange, may_correct, may_update_solution};
pub use answers::{AnswerInput, ClientMeta, Response, ResponseStatus};
pub use audit::AuditEntry;
pub use banks::{BankImportSummary, BranchRecord};
pub use campaigns::{Campaign, NewCampaign};
pub use codes::{
    CodeBatch, CodeHolder, CodeRow, Handover, Holder, IssueSummary, code_hash, new_code,
};
pub use enterprises::{CrossBureauDuplicate, Enterprise, EnterpriseFilter, ListCounts};
pub use error::{Result, StoreError};
pub use group_commit::GroupCommitStats;
pub use jobs::{HEARTBEAT_EVERY_MS, Job, JobStatus, LIST_UPLOAD, STALE_AFTER_MS};
pub use list_round::{BureauTotals, ListEvent, ListState, ListStatus};
pub use listing::{
    DuplicateKind, ListingImport, MergeReport, OverriddenRow, RowText, StagedDuplicate, StagedRow,
};
pub use managers::{AssignTarget, ManagerSummary};
pub use migrate::{MIGRATIONS, latest_version};
pub use progress::{
    CaseKey, DashboardView, Level, MIN_CELL, ProgressReport, ProgressRow, Recount, RefreshLimits,
    RefreshReport, SupervisionSettings, rule_counts,
};
pub use pushes::{Push, PushChannel};
pub use questionnaires::{PublishedVersion, QUESTIONNAIRES};
pub use reminders::Reminder;
pub use scope::Scope;
pub use sessions::{ApiToken, Session};
pub use users::{Affiliation, NewUser, Role, User};
pub use visit_feedback::{VisitFeedback, VisitToConfirm};
pub use worklist::{VISIT_DUE_DAYS, WorkFilter, WorkPage, WorkRow, WorkStatus, Worklist};

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use db::postgres::PgBackend;
use db::sqlite::SqliteBackend;
use db::{Backend, Conn, Dialect};

/// The platform's database, whichever engine holds it.
pub struct Store {
    backend: Box<dyn Backend>,
    /// Running jobs' progress on SQLite (see `jobs`).
    live_jobs: jobs::Live,
    /// Parsed questionnaire definitions (immutable once published).
    definitions: questionnaires::Cache,
    /// The database's salt for client IP hashes (see `answers`).
    ip_salt: std::sync::OnceLock<Vec<u8>>,
    /// The key of the enterprise cookie's HMAC (see `secrets`).
    cookie_key: std::sync::OnceLock<Vec<u8>>,
    /// Saves of answers, committed in groups (see `group_commit`).
    saves: group_commit::GroupCommit<Response>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend.dialect())
    }
}

impl Store {
    /// Opens (creating and migrating on first use) the database at `url`:
    /// `sqlite:PATH` (also `sqlite://PATH`) or `postgres://…` / `postgresql://…`.
    pub fn open(url: &str) -> Result<Store> {
        let backend: Box<dyn Backend> = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            Box::new(SqliteBackend::open(Path::new(path))?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Box::new(PgBackend::open(url)?)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        let saves = group_commit::GroupCommit::new(match backend.dialect() {
            Dialect::Sqlite => 1,
            Dialect::Postgres => group_commit::PG_BATCHES_IN_FLIGHT,
        });
        // `YINQI_GROUP_COMMIT=off` (or 0): each save commits on its own, as before.
        if std::env::var("YINQI_GROUP_COMMIT").is_ok_and(|v| v == "0" || v == "off") {
            saves.set_enabled(false);
        }
        let store = Store {
            backend,
            saves,
            live_jobs: jobs::Live::default(),
            definitions: questionnaires::Cache::default(),
            ip_salt: std::sync::OnceLock::new(),
            cookie_key: std::sync::OnceLock::new(),
        };
        store.write(|conn| {
            migrate::migrate(conn)?;
            campaigns::seed_reference_data(conn)?;
            questionnaires::seed_builtin(conn)?;
            answers::seed_ip_salt(conn)?;
            secrets::seed_cookie_key(conn)
        })?;
        Ok(store)
    }

    /// Which engine this store runs on.
    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.backend.read(&mut |conn| {
            let f = f.take().expect("backend calls the closure once");
            out = Some(f(conn)?);
            Ok(())
        })?;
        Ok(out.expect("closure ran"))
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.backend.write(&mut |conn| {
            let f = f.take().expect("backend calls the closure once");
            out = Some(f(conn)?);
            Ok(())
        })?;
        Ok(out.expect("closure ran"))
    }
}

/// Milliseconds since the Unix epoch: how every timestamp is stored, in both engines.
/// Refreshes the planner's statistics of the enterprise table after a bulk change. Without
/// them SQLite takes `campaign_id = ?` for a selective index and sorts a whole campaign to
/// serve one page (356 ms instead of 0.1 ms at 8M rows). SQLite reads the whole table for
/// it (about 0.3 s per million rows) — a sampled ANALYZE (`analysis_limit`) misjudges
/// exactly this column, one value shared by every row — so after an import it runs only
/// when the table has no statistics yet or has doubled since (`always` forces it: a freeze
/// fills the released-only indexes). PostgreSQL samples, so it always runs there. Best
/// effort: a failure leaves the old statistics, never the change undone.
pub(crate) fn refresh_statistics(conn: &mut dyn Conn, always: bool) {
    use db::ConnExt;
    let sql = match conn.dialect() {
        Dialect::Postgres => "ANALYZE enterprises",
        Dialect::Sqlite => {
            if !always {
                let known = conn
                    .query_opt(
                        "SELECT stat FROM sqlite_stat1 WHERE idx = 'enterprises_uscc'",
                        params![],
                        |r| r.text(0),
                    )
                    .ok()
                    .flatten()
                    .and_then(|s| s.split(' ').next().and_then(|n| n.parse::<i64>().ok()));
                let rows = conn
                    .query_i64("SELECT COALESCE(MAX(id), 0) FROM enterprises", params![])
                    .unwrap_or(0);
                if known.is_some_and(|n| rows < 2 * n.max(1)) {
                    return;
                }
            }
            "PRAGMA analysis_limit = 0; ANALYZE enterprises;"
        }
    };
    let _ = conn.batch(sql);
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
