//! A background job's page (progress bar that refreshes itself without script, then the
//! import summary) and the download of its error report, audited as an export.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use yinqi_domain::eligibility::{Exclusion, Unassigned};
use yinqi_store::{Job, JobStatus};

use super::pages::{logged_in, nav};
use crate::AppState;
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::{JobPage, render};

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let scope = caller.scope.clone();
    let job = state
        .db(move |s| s.job(&scope, id))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let page = JobPage {
        nav: nav(&state, &caller).await,
        id: job.id,
        bureau_code: job.bureau_code.as_deref().unwrap_or(""),
        file_name: &job.file_name,
        status: job.status.label_zh(),
        status_code: job.status.code(),
        finished: job.status.is_finished(),
        percent: job.fraction().map(|f| (f * 100.0).floor() as u32),
        progress_text: progress_text(&job),
        error: job.error.as_deref(),
        summary: job.result.as_ref().map(summary_rows).unwrap_or_default(),
        report: job
            .report_name
            .clone()
            .zip(job.report_size)
            .map(|(name, size)| (name, size_text(size))),
        report_expired: job
            .report_name
            .clone()
            .filter(|_| job.report_size.is_none()),
        report_keep_days: crate::KEEP_ERROR_REPORTS_DAYS,
        created_by: &job.created_by,
        created_at: beijing(job.created_at),
    };
    Ok(Html(render(&page)).into_response())
}

pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let (name, bytes) = state
        .db(move |s| s.job_report(&scope, id, &actor))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let content_type = if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    let disposition = format!(
        "attachment; filename=\"errors-{id}.{}\"; filename*=UTF-8''{}",
        if name.ends_with(".xlsx") {
            "xlsx"
        } else {
            "csv"
        },
        percent_encode(&name)
    );
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((StatusCode::OK, response).into_response())
}

/// RFC 5987 encoding of a file name for `filename*`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn size_text(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} 字节"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

fn progress_text(job: &Job) -> String {
    if job.status == JobStatus::Queued {
        return "等待开始…".into();
    }
    let done = job.progress_done;
    match (job.progress_unit.as_str(), job.progress_total) {
        ("rows", Some(t)) => format!("已读取 {done} / {t} 行"),
        ("rows", None) => format!("已读取 {done} 行"),
        (_, Some(t)) => format!("已读取 {} / {}", size_text(done), size_text(t)),
        (_, None) => format!("已读取 {}", size_text(done)),
    }
}

/// The import summary in the words the CLI prints it in.
fn summary_rows(v: &serde_json::Value) -> Vec<(String, String)> {
    let n = |key: &str| v[key].as_u64().unwrap_or(0).to_string();
    let mut rows = vec![
        ("数据行".to_owned(), n("rows")),
        ("接受".to_owned(), n("accepted")),
        ("其中新增".to_owned(), n("inserted")),
        ("其中更新".to_owned(), n("updated")),
        ("拒绝（需修改）".to_owned(), n("rejected")),
        ("其中文件内重复".to_owned(), n("duplicates_in_file")),
        ("符合条件".to_owned(), n("eligible")),
        ("已对应开户行网点".to_owned(), n("assigned")),
        ("跨局重复（仍归原局）".to_owned(), n("duplicates")),
        ("需核实（已接受）".to_owned(), n("warnings")),
    ];
    if let Some(map) = v["excluded"].as_object() {
        for (code, count) in map {
            let label =
                Exclusion::from_code(code).map_or("监管局调整为不纳入", |e| e.label_zh());
            rows.push((format!("不符合条件 · {label}"), count.to_string()));
        }
    }
    if let Some(map) = v["unassigned"].as_object() {
        for (code, count) in map {
            let label = Unassigned::from_code(code).map_or(code.as_str(), |u| u.label_zh());
            rows.push((format!("未对应网点 · {label}"), count.to_string()));
        }
    }
    if let Some(cols) = v["ignored_columns"].as_array().filter(|c| !c.is_empty()) {
        let names: Vec<&str> = cols.iter().filter_map(|c| c.as_str()).collect();
        rows.push(("已忽略的非标准列".to_owned(), names.join("、")));
    }
    rows
}
