//! Campaign progress behind the dashboards, the supervision list and the quality rules
//! (issue 5 parts 1–3), kept as incremental rollups so no page ever scans the list.
//!
//! Each enterprise's case (list row, code, submitted answers) reduces to its `Facts`
//! (domain `progress`). `progress_facts` keeps the facts last counted for every case; the
//! rollup tables (`progress_bank`, `progress_branch`, `progress_daily`, `progress_open`)
//! hold their sums. The refresher ([`refresh`]) recomputes the cases that
//! changed since its watermark — answers by `saved_at`, list and code changes through the
//! audit log — and applies new facts minus old ones, so repeating it changes nothing.
//! Readers ([`read`]) sum a few rollup rows within the caller's scope.

mod apply;
mod cases;
mod read;
mod recount;
mod refresh;
mod settings;

pub use read::{DashboardView, Level, MIN_CELL, ProgressReport, ProgressRow, rule_counts};
pub use recount::Recount;
pub use refresh::{RefreshLimits, RefreshReport};
pub use settings::SupervisionSettings;

/// Where a case is counted: its bureau, bank, branch and customer manager (0 / "" when it
/// has none), in one campaign.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseKey {
    pub campaign_id: i64,
    pub bureau_code: String,
    pub bank_id: i64,
    pub branch_code: String,
    pub manager_id: i64,
}

/// `progress_daily` rows with this bank hold the whole bureau's series.
pub(crate) const BUREAU_TOTAL: i64 = -1;
/// `progress_open` rows with this branch hold the whole bank's open solutions.
pub(crate) const BANK_TOTAL: &str = "*";

/// The advisory lock that keeps two processes' refreshers from applying the same change
/// twice on PostgreSQL (SQLite serialises write transactions by itself).
const REFRESH_LOCK: i64 = 8_721_011;
