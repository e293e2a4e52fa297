//! User administration: admins see the users of their organisation and create users below
//! them (the store decides who may create whom).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_store::{Affiliation, NewUser, Role, User};

use super::pages::{form_caller, logged_in, nav};
use crate::AppState;
use crate::auth::Caller;
use crate::error::PageError;
use crate::templates::{UserRow, UsersPage, render};

/// The roles a viewer may offer in the creation form.
fn creatable(viewer: &User) -> Vec<(&'static str, &'static str)> {
    let roles: &[Role] = match viewer.role {
        Role::HqAdmin => &Role::ALL,
        Role::BureauStaff => &[Role::BankAdmin],
        Role::BankAdmin if viewer.affiliation.bureau_code.is_none() => {
            &[Role::BankAdmin, Role::BranchStaff, Role::CustomerManager]
        }
        Role::BankAdmin => &[Role::BranchStaff, Role::CustomerManager],
        _ => &[],
    };
    roles.iter().map(|r| (r.code(), r.label_zh())).collect()
}

fn org_of(u: &User) -> String {
    let a = &u.affiliation;
    let mut parts = Vec::new();
    if let Some(b) = a
        .bureau_code
        .as_deref()
        .and_then(yinqi_domain::bureau::by_code)
    {
        parts.push(b.name.to_owned());
    }
    if let Some(bank) = a.bank_id {
        parts.push(format!("银行 {bank}"));
    }
    if let Some(branch) = &a.branch_code {
        parts.push(format!("网点 {branch}"));
    }
    if parts.is_empty() && matches!(u.role, Role::HqAdmin | Role::HqStaff) {
        parts.push("总部".into());
    }
    parts.join(" · ")
}

async fn page(
    state: &AppState,
    caller: &Caller,
    error: Option<&str>,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, Response> {
    let viewer = caller.user.clone().expect("logged in");
    let roles = creatable(&viewer);
    if roles.is_empty() {
        return Err(PageError::not_found().into_response());
    }
    let users = state
        .db(move |s| s.users_visible_to(&viewer))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let rows = users
        .iter()
        .map(|u| UserRow {
            username: u.username.clone(),
            name: u.display_name.clone(),
            role: u.role.label_zh(),
            org: org_of(u),
        })
        .collect();
    let page = UsersPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows,
        roles,
        error,
        notice,
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    page(&state, &caller, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    password: String,
}

fn blank_to_none(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewUserForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let creator = caller.user.clone().expect("logged in");
    let Some(role) = Role::from_code(&form.role) else {
        return page(
            &state,
            &caller,
            Some("请选择角色"),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let password_hash = if role == Role::CustomerManager || form.password.is_empty() {
        None
    } else {
        match crate::auth::hash_password(&form.password) {
            Ok(h) => Some(h),
            Err(m) => {
                return page(
                    &state,
                    &caller,
                    Some(&m),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    // A bank admin creates within its own bank; others name the bank.
    let own_bank = creator.affiliation.bank_id;
    let provincial = creator
        .affiliation
        .bureau_code
        .clone()
        .filter(|_| creator.role == Role::BankAdmin);
    let result = state
        .db(move |s| {
            let bank_id = match (blank_to_none(&form.bank), own_bank) {
                (_, Some(own)) => Some(own),
                (Some(name), None) => Some(s.bank_id_by_name(&name)?.ok_or_else(|| {
                    yinqi_store::StoreError::Invalid(format!("银行机构名录中没有法人机构“{name}”"))
                })?),
                (None, None) => None,
            };
            let bureau_code = provincial.or_else(|| blank_to_none(&form.bureau));
            let new = NewUser {
                username: form.username.trim().to_owned(),
                display_name: form.display_name.trim().to_owned(),
                role,
                affiliation: Affiliation {
                    bureau_code: if matches!(role, Role::BranchStaff | Role::CustomerManager) {
                        None
                    } else {
                        bureau_code
                    },
                    bank_id: if matches!(
                        role,
                        Role::BankAdmin | Role::BranchStaff | Role::CustomerManager
                    ) {
                        bank_id
                    } else {
                        None
                    },
                    branch_code: blank_to_none(&form.branch),
                    association_id: None,
                },
                password_hash,
            };
            let user = s.create_user_as(&creator, &new)?;
            // A new customer manager gets an activation code at once, to pass on.
            let code = if user.role == Role::CustomerManager && !user.has_password {
                Some(s.issue_manager_code(&creator, user.id)?)
            } else {
                None
            };
            Ok((user, code))
        })
        .await;
    match result {
        Ok((user, code)) => {
            let mut notice = format!("已创建用户 {}（{}）", user.username, user.role.label_zh());
            if let Some(code) = code {
                notice.push_str(&format!(
                    "。激活码：{}（只显示这一次，请交给本人；本人在“客户经理激活”页面凭激活码设置密码）",
                    code.grouped()
                ));
            }
            page(&state, &caller, None, Some(&notice), StatusCode::OK).await
        }
        Err(yinqi_store::StoreError::NotFound) => {
            page(
                &state,
                &caller,
                Some("您无权在该机构下创建此类用户"),
                None,
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => {
            let message = PageError::from(e).message;
            page(
                &state,
                &caller,
                Some(&message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
