//! The list round's pages (R21): a bureau sees its list, uploads files and submits it; HQ
//! sees every bureau's list and checks, returns (with remarks) or freezes it. The rules are
//! the store's; these handlers only choose what to offer and show its answers.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use yinqi_domain::eligibility::Exclusions;
use yinqi_store::{ListStatus, Scope, StoreError};

use super::pages::{form_caller, logged_in, nav};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::{BureauRow, DuplicateRow, HistoryRow, JobRow, ListPage, ListsPage, render};

/// Largest list file accepted (a national list of a few million rows fits comfortably).
pub const UPLOAD_LIMIT: usize = 2 * 1024 * 1024 * 1024;
/// Cross-bureau duplicates shown on a list's page (the CLI lists them all).
const DUPLICATES_SHOWN: usize = 200;

fn page_error(e: StoreError) -> Response {
    PageError::from(e).into_response()
}

/// HQ's overview of every bureau; a bureau goes straight to its own list.
pub async fn index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    match caller.scope.clone() {
        Scope::Nation => overview(&state, &caller).await,
        Scope::Bureau(code) => list_page(&state, &caller, &code, None, StatusCode::OK).await,
        _ => Err(PageError::not_found().into_response()),
    }
}

async fn overview(state: &AppState, caller: &Caller) -> Result<Response, Response> {
    let (campaign, states, totals) = state
        .db(|s| {
            let campaign = s.campaign(None)?;
            let states = s.list_states(&Scope::Nation, campaign.id)?;
            let totals = s.list_totals(&Scope::Nation, campaign.id)?;
            Ok((campaign, states, totals))
        })
        .await
        .map_err(page_error)?;
    let rows: Vec<BureauRow> = states
        .into_iter()
        .map(|st| {
            let t = totals
                .iter()
                .find(|t| t.bureau_code == st.bureau_code)
                .cloned()
                .unwrap_or_default();
            BureauRow {
                name: yinqi_domain::bureau::by_code(&st.bureau_code).map_or("", |b| b.name),
                code: st.bureau_code,
                status: st.status.label_zh(),
                status_code: st.status.code(),
                listed: t.listed,
                eligible: t.eligible,
                assigned: t.assigned,
                duplicates: t.duplicates_claimed,
                updated: st.updated_at.map(beijing).unwrap_or_default(),
            }
        })
        .collect();
    let by_status = ListStatus::ALL
        .iter()
        .map(|s| {
            (
                s.label_zh(),
                rows.iter().filter(|r| r.status_code == s.code()).count(),
            )
        })
        .collect();
    let page = ListsPage {
        nav: nav(state, caller).await,
        campaign: &campaign.name,
        listed: rows.iter().map(|r| r.listed).sum(),
        duplicates: rows.iter().map(|r| r.duplicates).sum(),
        by_status,
        rows,
    };
    Ok(Html(render(&page)).into_response())
}

/// One bureau's list: HQ or that bureau.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(bureau): Path<String>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    list_page(&state, &caller, &bureau, None, StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    bureau: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, Response> {
    let b = yinqi_domain::bureau::by_code(bureau)
        .filter(|b| caller.scope.covers_bureau(b.code))
        .ok_or_else(|| PageError::not_found().into_response())?;
    let scope = caller.scope.clone();
    let code = b.code;
    let (campaign, list, history, counts, duplicates, jobs) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let list = s.list_status(&scope, campaign.id, code)?;
            let history = s.list_history(&scope, campaign.id, code)?;
            let own = Scope::Bureau(code.to_owned());
            let counts = s.list_counts(&own, campaign.id)?;
            let duplicates = s.cross_bureau_duplicates(&own, campaign.id)?;
            let jobs = s.list_jobs(&scope, campaign.id, code, 10)?;
            Ok((campaign, list, history, counts, duplicates, jobs))
        })
        .await
        .map_err(page_error)?;
    let is_hq = caller.scope == Scope::Nation;
    let is_bureau = matches!(&caller.scope, Scope::Bureau(c) if c == code);
    let st = list.status;
    let mut excluded = std::collections::BTreeMap::<&'static str, u64>::new();
    for (bits, _, n) in &counts.not_eligible {
        let label = Exclusions::from_bits(*bits as u16)
            .and_then(|e| e.first())
            .map_or("监管局调整为不纳入", |e| e.label_zh());
        *excluded.entry(label).or_default() += n;
    }
    let more_duplicates = duplicates.len().saturating_sub(DUPLICATES_SHOWN);
    let page = ListPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        campaign: &campaign.name,
        bureau_code: code,
        bureau_name: b.name,
        status: st.label_zh(),
        status_code: st.code(),
        remarks: list.remarks,
        updated: list
            .updated_at
            .map(|at| format!("{} {}", beijing(at), list.updated_by.unwrap_or_default()))
            .unwrap_or_default(),
        counts,
        excluded: excluded.into_iter().collect(),
        duplicates: duplicates
            .into_iter()
            .take(DUPLICATES_SHOWN)
            .map(|d| DuplicateRow {
                uscc: d.uscc,
                name: d.name,
                claimant: d.claimant_bureau,
                owner: d.owner_bureau,
                line: d.source_line,
            })
            .collect(),
        more_duplicates,
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                at: beijing(h.at),
                actor: h.actor,
                from: h.from.label_zh(),
                to: h.to.label_zh(),
                remarks: h.remarks.unwrap_or_default(),
            })
            .collect(),
        jobs: jobs
            .into_iter()
            .map(|j| JobRow {
                id: j.id,
                file_name: j.file_name,
                status: j.status.label_zh(),
                status_code: j.status.code(),
                created_by: j.created_by,
                created_at: beijing(j.created_at),
            })
            .collect(),
        is_hq,
        can_upload: is_bureau && st.accepts_uploads(),
        can_submit: is_bureau && st.accepts_uploads(),
        can_check: is_hq && st == ListStatus::Submitted,
        can_return: is_hq && matches!(st, ListStatus::Submitted | ListStatus::Checked),
        can_freeze: is_hq && st == ListStatus::Checked,
        error,
    };
    Ok((status, Html(render(&page))).into_response())
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    remarks: String,
}

/// A step of the round: `submit` (the bureau), `check`, `return`, `freeze` (HQ).
pub async fn step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((bureau, action)): Path<(String, String)>,
    Form(form): Form<StepForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if !caller.scope.covers_bureau(&bureau)
        || !["submit", "check", "return", "freeze"].contains(&action.as_str())
    {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let code = bureau.clone();
    let outcome = state
        .db(move |s| {
            let id = s.campaign(None)?.id;
            let remarks = Some(form.remarks.as_str());
            match action.as_str() {
                "submit" => s.submit_list(&scope, id, &code, &actor),
                "check" => s.check_list(&scope, id, &code, remarks, &actor),
                "return" => s.return_list(&scope, id, &code, &form.remarks, &actor),
                _ => s.freeze_list(&scope, id, &code, &actor),
            }
        })
        .await;
    match outcome {
        Ok(_) => Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/lists/{bureau}"))],
        )
            .into_response()),
        Err(StoreError::NotFound) => Err(PageError::not_found().into_response()),
        Err(e) => {
            let e = PageError::from(e);
            list_page(&state, &caller, &bureau, Some(&e.message), e.status).await
        }
    }
}

/// Receives a list file (multipart: the CSRF field first, then the file), streams it to a
/// temporary file — never whole in memory — and starts the import as a background job.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(bureau): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !caller.scope.covers_bureau(&bureau) {
        return Err(PageError::not_found().into_response());
    }
    if !matches!(&caller.scope, Scope::Bureau(_)) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "名单由监管局上传；总部可以核对、退回或冻结名单",
        )
        .into_response());
    }
    let bad_body = |e: axum::extract::multipart::MultipartError| {
        PageError::new(e.status(), format!("上传中断或文件过大：{}", e.body_text())).into_response()
    };
    let mut csrf_seen = false;
    let mut received = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad_body)? {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(bad_body)?;
                if !caller.csrf_ok(Some(&token)) {
                    return Err(PageError::expired().into_response());
                }
                csrf_seen = true;
            }
            Some("file") if csrf_seen => {
                let name = clean_file_name(field.file_name().unwrap_or(""));
                let (file, path) = crate::jobs::upload_file(&state.config.upload_dir, &name)
                    .map_err(|e| upload_failed(&e))?;
                let mut file = tokio::fs::File::from_std(file);
                let mut bytes = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(bad_body)? {
                    bytes += chunk.len() as u64;
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| upload_failed(&e))?;
                }
                file.flush().await.map_err(|e| upload_failed(&e))?;
                received = Some((name, path, bytes));
            }
            Some("file") => return Err(PageError::expired().into_response()),
            _ => {}
        }
    }
    let Some((name, path, bytes)) =
        received.filter(|(name, _, bytes)| !name.is_empty() || *bytes > 0)
    else {
        return list_page(
            &state,
            &caller,
            &bureau,
            Some("请选择要上传的名单文件"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    tracing::info!(bureau = %bureau, file = %name, bytes, "list uploaded");
    match crate::jobs::start_upload(&state, &caller, &bureau, &name, path).await {
        Ok(id) => Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/jobs/{id}"))],
        )
            .into_response()),
        Err(StoreError::NotFound) => Err(PageError::not_found().into_response()),
        Err(e) => {
            let e = PageError::from(e);
            list_page(&state, &caller, &bureau, Some(&e.message), e.status).await
        }
    }
}

fn upload_failed(e: &std::io::Error) -> Response {
    tracing::error!(error = %e, "could not store an upload");
    PageError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器无法保存上传的文件，请稍后重试",
    )
    .into_response()
}

/// The uploaded file's own name, without any directory a browser may send along, and
/// without characters that would upset a download header later.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_directories_and_quotes() {
        assert_eq!(clean_file_name(r"C:\Users\张三\名单.xlsx"), "名单.xlsx");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\n.csv"), "ab.csv");
    }
}
