//! A bank's customer managers: who they are, how many enterprises each holds, their
//! activation codes, and giving enterprises to them — one (from the enterprise page), in
//! bulk by branch or by the list's filter, or taking them back.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_store::{AssignTarget, EnterpriseFilter, Role, Scope, StoreError};

use super::pages::{CsrfForm, form_caller, logged_in, nav, uscc_from_path};
use crate::AppState;
use crate::auth::Caller;
use crate::error::PageError;
use crate::templates::{ManagerRow, ManagersPage, render};

/// Whether the caller gives enterprises to managers: bank admins and branch staff.
fn assigns(caller: &Caller) -> bool {
    matches!(caller.scope, Scope::Bank { .. } | Scope::Branch(_))
}

async fn page(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, Response> {
    if !assigns(caller) {
        return Err(PageError::not_found().into_response());
    }
    let viewer = caller.user.clone().expect("logged in");
    let issues_codes = viewer.role == Role::BankAdmin;
    let managers = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.managers_of(&viewer, campaign.id)
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let rows = managers
        .into_iter()
        .map(|m| ManagerRow {
            id: m.user.id,
            username: m.user.username,
            name: m.user.display_name,
            branch: m.user.affiliation.branch_code.unwrap_or_default(),
            enterprises: m.enterprises,
            status: if m.user.has_password {
                "已激活"
            } else if m.code_pending {
                "待激活"
            } else {
                "未发激活码"
            },
        })
        .collect();
    let page = ManagersPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows,
        issues_codes,
        notice: notice.as_deref(),
        error: error.as_deref(),
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    page(&state, &caller, None, None, StatusCode::OK).await
}

/// A new activation code for a manager (the old one stops working).
pub async fn reissue_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let issuer = caller.user.clone().expect("logged in");
    let result = state
        .db(move |s| {
            let code = s.issue_manager_code(&issuer, id)?;
            Ok((s.user(id)?, code))
        })
        .await;
    match result {
        Ok((user, code)) => {
            let notice = format!(
                "{}（{}）的新激活码：{}（只显示这一次；旧激活码已作废）",
                user.display_name,
                user.username,
                code.grouped()
            );
            page(&state, &caller, Some(notice), None, StatusCode::OK).await
        }
        Err(StoreError::NotFound) => Err(PageError::not_found().into_response()),
        Err(e) => {
            let message = PageError::from(e).message;
            page(
                &state,
                &caller,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    csrf: String,
    /// The manager's user id; empty takes the enterprises back from their managers.
    #[serde(default)]
    manager: String,
    #[serde(default)]
    only_unassigned: Option<String>,
    // The enterprise list's filter, as its form sends it.
    #[serde(default)]
    q: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    eligible: String,
    #[serde(default)]
    assignment: String,
}

fn parse_manager(text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| "请选择客户经理".to_owned())
}

/// Gives every enterprise matching the filter (a branch, a search) to one manager.
pub async fn assign_bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<BulkForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if !assigns(&caller) {
        return Err(PageError::not_found().into_response());
    }
    let manager = match parse_manager(&form.manager) {
        Ok(m) => m,
        Err(message) => {
            return page(
                &state,
                &caller,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let filter = EnterpriseFilter {
        query: Some(form.q.trim().to_owned()).filter(|q| !q.is_empty()),
        branch: Some(form.branch.trim().to_owned()).filter(|b| !b.is_empty()),
        eligible: match form.eligible.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        assignment: Some(form.assignment.trim().to_owned()).filter(|a| !a.is_empty()),
        ..EnterpriseFilter::default()
    };
    let only_unassigned = form.only_unassigned.is_some();
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let result = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.assign_manager(
                &scope,
                campaign.id,
                &AssignTarget::Filter(&filter),
                manager,
                only_unassigned,
                &actor,
            )
        })
        .await;
    match result {
        Ok(n) => {
            let notice = if manager.is_some() {
                format!("已将 {n} 家企业指派给该客户经理。")
            } else {
                format!("已收回 {n} 家企业的客户经理指派。")
            };
            page(&state, &caller, Some(notice), None, StatusCode::OK).await
        }
        Err(StoreError::NotFound) => {
            page(
                &state,
                &caller,
                None,
                Some("客户经理不属于本行（本网点）".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            let message = PageError::from(e).message;
            page(
                &state,
                &caller,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct OneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    manager: String,
}

/// Gives one enterprise to a manager (or takes it back), from its page.
pub async fn assign_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<OneForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if !assigns(&caller) {
        return Err(PageError::not_found().into_response());
    }
    let code = uscc_from_path(&uscc)?;
    let manager = parse_manager(&form.manager)
        .map_err(|m| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, m).into_response())?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.assign_manager(
                &scope,
                campaign.id,
                &AssignTarget::One(code.as_str()),
                manager,
                false,
                &actor,
            )
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/enterprises/{}", code.as_str()))],
    )
        .into_response())
}

/// The managers the caller may give an enterprise to, for the enterprise page's select.
pub async fn choices(state: &AppState, caller: &Caller) -> Vec<(i64, String)> {
    if !assigns(caller) {
        return vec![];
    }
    let viewer = caller.user.clone().expect("logged in");
    state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.managers_of(&viewer, campaign.id)
        })
        .await
        .map(|ms| {
            ms.into_iter()
                .map(|m| {
                    (
                        m.user.id,
                        format!("{}（{}）", m.user.display_name, m.user.username),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
