//! The yinqi web platform as a library: `app(state)` builds the axum router that
//! `yinqi serve` runs and the tests call in-process. Pages are server-rendered in Chinese
//! and load nothing from outside (CSP `default-src 'self'`); the JSON API lives under
//! `/api/v1`. Every request that touches enterprise rows carries the caller's scope down to
//! the store, which answers "not found" for anything outside it.

mod answers_view;
pub mod auth;
pub mod clock;
pub mod enterprise_cookie;
mod error;
pub mod exports;
mod form_answers;
mod jobs;
mod metrics;
mod openapi;
mod openapi_answers;
mod progress_view;
pub mod questionnaire_form;
mod routes;
mod templates;
mod work_templates;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use yinqi_store::{Store, StoreError};

pub use error::{ApiError, PageError};

/// The throttles of the public code pages (for tests and the operator guide).
pub mod entry_limits {
    pub use crate::routes::entry::{CLIENT_FAILURES_ALLOWED, CODE_LOOKUPS_ALLOWED, CODE_WINDOW_MS};
}
pub use metrics::Metrics;
pub use openapi::PATHS as API_PATHS;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a login lasts without being renewed.
    pub session_hours: i64,
    /// Where uploaded files wait while their import runs (deleted afterwards).
    pub upload_dir: std::path::PathBuf,
    /// The address enterprises reach the platform at, without a trailing slash: the start
    /// of every invitation link (`{public_url}/q/{code}`) and poster QR code.
    pub public_url: String,
}

impl Config {
    /// The link that opens the questionnaire of the enterprise holding `code`.
    pub fn link_for(&self, code: &yinqi_domain::invitation::InvitationCode) -> String {
        format!("{}/q/{}", self.public_url, code.as_str())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_hours: 8,
            public_url: "http://127.0.0.1:8080".to_owned(),
            upload_dir: std::env::temp_dir().join("yinqi-uploads"),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store: Arc::new(store),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Runs a store call on the blocking pool: the store is synchronous (rusqlite and the
    /// synchronous PostgreSQL client), so it must not run on the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or_else(|_| Err(StoreError::Invalid("内部错误：数据库任务中断".into())))
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// How often a server purges old throttle windows and expired sessions, and how long a
/// finished window is kept (longer than any window, so no live count is lost).
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
const KEEP_WINDOWS_MS: i64 = 2 * 3600 * 1000;
/// How long an upload's error report stays downloadable (the job page says so).
pub const KEEP_ERROR_REPORTS_DAYS: i64 = 30;
const KEEP_ERROR_REPORTS_MS: i64 = KEEP_ERROR_REPORTS_DAYS * 24 * 3600 * 1000;

/// How often a server brings the dashboards' rollups up to date, and how many cases one
/// call counts before logging its progress (a long sweep — after an import — continues at
/// once, call after call, until it is done).
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
const PROGRESS_BUDGET: u64 = 200_000;

/// Keeps the progress rollups current: every [`PROGRESS_EVERY`], everything that changed
/// since the last round is counted. Several processes may run this at once: the store
/// serialises their transactions, so each change is counted once.
async fn refresh_progress(state: AppState) {
    let mut every = tokio::time::interval(PROGRESS_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        loop {
            let limits = yinqi_store::RefreshLimits {
                budget: PROGRESS_BUDGET,
                ..yinqi_store::RefreshLimits::default()
            };
            match state.db(move |s| s.refresh_progress(limits)).await {
                Ok(r) if r.is_complete() => {
                    if r.counted > 0 {
                        tracing::info!(counted = r.counted, "progress rollups up to date");
                    }
                    break;
                }
                Ok(r) => tracing::info!(
                    counted = r.counted,
                    queue_left = r.queue_left,
                    sweeps_left = r.sweeps_left,
                    "progress rollups catching up"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "progress refresh failed");
                    break;
                }
            }
        }
    }
}

/// Serves `app` on `addr` until Ctrl-C.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let housekeeping = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            // Several processes may do this at once; deleting old rows twice is harmless.
            match housekeeping.db(|s| s.purge_stale(KEEP_WINDOWS_MS)).await {
                Ok(n) => tracing::info!(removed = n, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
            match housekeeping
                .db(|s| s.purge_old_reports(KEEP_ERROR_REPORTS_MS))
                .await
            {
                Ok(n) => tracing::info!(reports_dropped = n, "housekeeping"),
                Err(e) => tracing::warn!(error = %e, "dropping old error reports failed"),
            }
        }
    });
    tokio::spawn(refresh_progress(state.clone()));
    tracing::info!(%addr, "yinqi serving");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
