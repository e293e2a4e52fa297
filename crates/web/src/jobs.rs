//! Running an uploaded list as a background job: the same import as `yinqi import
//! enterprises`, on the blocking pool, with its progress, heartbeat, summary and error report
//! written through the store so any app process can show them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use tempfile::TempPath;
use yinqi_files::{Progress, ProgressUnit};
use yinqi_imports::{ListingRequest, import_listing};
use yinqi_store::{Campaign, HEARTBEAT_EVERY_MS, Scope, Store, StoreError};

use crate::AppState;
use crate::auth::Caller;

/// Progress is written at most this often (each write is a statement on PostgreSQL).
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// Creates the temporary file an upload is streamed into, in `dir`, keeping the uploaded
/// name's extension (the reader's messages use it). Deleted when the returned path drops.
pub fn upload_file(dir: &Path, name: &str) -> std::io::Result<(std::fs::File, TempPath)> {
    std::fs::create_dir_all(dir)?;
    let ext: String = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let suffix = if ext.is_empty() {
        String::new()
    } else {
        format!(".{ext}")
    };
    let file = tempfile::Builder::new()
        .prefix("yinqi-upload-")
        .suffix(&suffix)
        .tempfile_in(dir)?;
    let handle = file.as_file().try_clone()?;
    Ok((handle, file.into_temp_path()))
}

/// Records the upload as a job and runs it in the background; returns the job's id.
pub async fn start_upload(
    state: &AppState,
    caller: &Caller,
    bureau: &str,
    file_name: &str,
    input: TempPath,
) -> Result<i64, StoreError> {
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let (bureau, file_name) = (bureau.to_owned(), file_name.to_owned());
    let (campaign, job) = {
        let (scope, actor, bureau, file_name) = (
            scope.clone(),
            actor.clone(),
            bureau.clone(),
            file_name.clone(),
        );
        state
            .db(move |s| {
                let campaign = s.campaign(None)?;
                let job = s.create_upload_job(&scope, campaign.id, &bureau, &file_name, &actor)?;
                Ok((campaign, job))
            })
            .await?
    };
    let store = state.store.clone();
    let id = job.id;
    tokio::spawn(async move {
        let work = {
            let store = store.clone();
            let scope = scope.clone();
            tokio::task::spawn_blocking(move || {
                let upload = Upload {
                    store: &store,
                    scope: &scope,
                    campaign: &campaign,
                    bureau: &bureau,
                    actor: &actor,
                    file_name: &file_name,
                    job: id,
                };
                upload.run(&input);
            })
        };
        if work.await.is_err() {
            // The import panicked: say so on the job instead of leaving it running.
            let _ = tokio::task::spawn_blocking(move || {
                store.fail_job(
                    &scope,
                    id,
                    "导入过程中发生内部错误，名单未作任何修改，请重试",
                )
            })
            .await;
        }
    });
    Ok(id)
}

struct Upload<'a> {
    store: &'a Store,
    scope: &'a Scope,
    campaign: &'a Campaign,
    bureau: &'a str,
    actor: &'a str,
    file_name: &'a str,
    job: i64,
}

impl Upload<'_> {
    fn run(&self, input: &Path) {
        if let Err(e) = self.store.start_job(self.scope, self.job) {
            tracing::error!(job = self.job, error = %e, "could not start job");
            return;
        }
        let (stop, stopped) = channel::<()>();
        let outcome = std::thread::scope(|s| {
            // The heartbeat goes on through the merge, when the reader reports no progress.
            s.spawn(move || {
                let every = Duration::from_millis(HEARTBEAT_EVERY_MS as u64);
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    let _ = self.store.job_heartbeat(self.scope, self.job);
                }
            });
            let outcome = self.import(input);
            drop(stop);
            outcome
        });
        let written = match outcome {
            Ok((summary, report)) => self.store.finish_job(
                self.scope,
                self.job,
                &summary,
                report.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
            ),
            Err(message) => self.store.fail_job(self.scope, self.job, &message),
        };
        if let Err(e) = written {
            tracing::error!(job = self.job, error = %e, "could not record the job's outcome");
        }
    }

    /// The import; on success its summary and error report `(download name, bytes)`.
    #[allow(clippy::type_complexity)]
    fn import(
        &self,
        input: &Path,
    ) -> Result<(serde_json::Value, Option<(String, Vec<u8>)>), String> {
        let last = Mutex::new(Instant::now() - PROGRESS_EVERY);
        let progress = |p: Progress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < PROGRESS_EVERY {
                return;
            }
            *last = Instant::now();
            let unit = match p.unit {
                ProgressUnit::Bytes => "bytes",
                ProgressUnit::Rows => "rows",
            };
            let _ = self
                .store
                .job_progress(self.scope, self.job, p.done, p.total, unit);
        };
        let request = ListingRequest {
            path: input,
            campaign: self.campaign,
            bureau: self.bureau,
            actor: self.actor,
            error_report: None,
            display_name: Some(self.file_name),
        };
        let mut summary = import_listing(self.store, self.scope, &request, &progress)
            .map_err(|e| e.to_string())?;
        // The report was written next to the upload; it moves into the database (any app
        // process serves it) and the server's path is not shown to anyone.
        let report = match summary.error_report.take().map(PathBuf::from) {
            Some(path) => {
                let bytes = std::fs::read(&path);
                let _ = std::fs::remove_file(&path);
                let bytes = bytes.map_err(|e| format!("无法读取错误报告：{e}"))?;
                let is_xlsx = path.extension().is_some_and(|e| e == "xlsx");
                let name = yinqi_imports::default_report_path(Path::new(self.file_name), is_xlsx)
                    .file_name()
                    .map_or_else(
                        || "errors.csv".to_owned(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                Some((name, bytes))
            }
            None => None,
        };
        let value = serde_json::to_value(&summary).map_err(|e| e.to_string())?;
        Ok((value, report))
    }
}
