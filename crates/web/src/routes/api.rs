//! The JSON API under `/api/v1`: sessions, the caller, the enterprise list and one
//! enterprise. Callers authenticate with the session cookie (state-changing calls then need
//! the `X-CSRF-Token` header) or a bank's `Authorization: Bearer` token.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use yinqi_domain::eligibility::Exclusions;
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_store::{Enterprise, EnterpriseFilter, User};

use super::pages::ClientAddr;
use crate::AppState;
use crate::auth::{self, Caller, SESSION_COOKIE};
use crate::error::ApiError;

/// A successful login: the new session's id (for the cookie) and its CSRF token.
pub struct LoggedIn {
    pub session_id: String,
    pub csrf: String,
    pub user: User,
}

/// Checks a username and password under the throttles and opens a session. Failures are
/// audited; the message never says whether the username exists.
pub async fn attempt_login(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> Result<LoggedIn, ApiError> {
    let username = username.trim().to_owned();
    let password = password.to_owned();
    if username.is_empty() || password.is_empty() || username.len() > 64 || password.len() > 128 {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
        ));
    }
    let client = client.to_owned();
    let hours = state.config.session_hours;
    state
        .db(move |s| {
            let client_bucket = format!("login:client:{client}");
            let account_bucket = format!("login:account:{username}");
            let throttled = || {
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "登录尝试过于频繁，请 15 分钟后再试",
                )
            };
            if s.rate_hit(&client_bucket, auth::LOGIN_WINDOW_MS)? > auth::CLIENT_ATTEMPTS_ALLOWED
                || s.rate_hits(&account_bucket, auth::LOGIN_WINDOW_MS)?
                    >= auth::ACCOUNT_FAILURES_ALLOWED
            {
                s.record_audit(
                    &username,
                    "login.throttled",
                    None,
                    None,
                    Some(&client),
                    &json!({}),
                )?;
                return Ok(Err(throttled()));
            }
            let found = s.user_for_login(&username)?;
            let ok = match &found {
                Some((user, Some(hash))) if user.active => auth::verify_password(&password, hash),
                _ => {
                    auth::verify_nothing(&password);
                    false
                }
            };
            let Some((user, _)) = found.filter(|_| ok) else {
                s.rate_hit(&account_bucket, auth::LOGIN_WINDOW_MS)?;
                s.record_audit(
                    &username,
                    "login.failed",
                    None,
                    None,
                    Some(&client),
                    &json!({}),
                )?;
                return Ok(Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "bad_credentials",
                    "用户名或密码错误",
                )));
            };
            s.rate_reset(&account_bucket)?;
            let session_id = auth::random_token();
            let csrf = auth::random_token();
            let expires = yinqi_store::now_millis() + hours * 3_600_000;
            s.create_session(
                &auth::sha256_hex(&session_id),
                user.id,
                &csrf,
                expires,
                &client,
            )?;
            s.record_audit(
                &user.username,
                "login",
                None,
                user.affiliation.bureau_code.as_deref(),
                Some(&client),
                &json!({}),
            )?;
            Ok(Ok(LoggedIn {
                session_id,
                csrf,
                user,
            }))
        })
        .await
        .map_err(ApiError::from)?
}

pub(super) async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let headers = headers.clone();
    state
        .db(move |s| auth::identify(s, &headers))
        .await?
        .ok_or_else(ApiError::unauthorized)
}

/// JSON bodies: a malformed or wrong-typed body is a JSON 400 (a body over the size limit
/// 413), not axum's plain text.
pub(super) fn body<T>(parsed: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    parsed.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("请求体过大（上限 {} KiB）", super::BODY_LIMIT / 1024),
            )
        } else {
            ApiError::bad_request(format!("请求体不是有效的 JSON：{}", e.body_text()))
        }
    })
}

/// A state-changing call made with a session cookie must carry the session's CSRF token in
/// `X-CSRF-Token` (API-token callers need none).
pub(super) fn csrf_checked(caller: &Caller, headers: &HeaderMap) -> Result<(), ApiError> {
    let presented = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if caller.csrf_ok(presented) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "缺少或错误的 X-CSRF-Token",
        ))
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    parsed: Result<Json<Credentials>, JsonRejection>,
) -> Result<Response, ApiError> {
    let creds = body(parsed)?;
    let login = attempt_login(&state, &creds.username, &creds.password, &client).await?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        &login.session_id,
        state.config.session_hours * 3600,
        state.config.secure_cookies,
    );
    let payload = json!({ "user": user_json(&login.user), "csrf_token": login.csrf });
    Ok(([(SET_COOKIE, cookie)], Json(payload)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = caller(&state, &headers).await?;
    csrf_checked(&caller, &headers)?;
    if let Some(hash) = caller.session_hash {
        state.db(move |s| s.delete_session(&hash)).await?;
    }
    let clear = auth::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, clear)]).into_response())
}

pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&state, &headers).await?;
    Ok(Json(json!({
        "user": caller.user.as_ref().map(user_json),
        "scope": format!("{:?}", caller.scope),
        "csrf_token": caller.csrf,
    })))
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.code(),
        "bureau_code": u.affiliation.bureau_code,
        "bank_id": u.affiliation.bank_id,
        "branch_code": u.affiliation.branch_code,
    })
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    limit: Option<u32>,
    after: Option<i64>,
    q: Option<String>,
    eligible: Option<bool>,
    bureau: Option<String>,
    bank: Option<i64>,
    branch: Option<String>,
    manager: Option<i64>,
    assignment: Option<String>,
}

pub async fn enterprises(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) =
        params.map_err(|e| ApiError::bad_request(format!("查询参数有误：{}", e.body_text())))?;
    let caller = caller(&state, &headers).await?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit 应在 1–500 之间"));
    }
    let filter = EnterpriseFilter {
        query: p.q,
        eligible: p.eligible,
        bureau: p.bureau,
        bank_id: p.bank,
        branch: p.branch,
        manager_id: p.manager,
        assignment: p.assignment,
    };
    let scope = caller.scope.clone();
    let after = p.after;
    let rows = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.enterprise_page(&scope, campaign.id, &filter, after, limit)
        })
        .await?;
    let next_after = (rows.len() == limit as usize)
        .then(|| rows.last().map(|e| e.id))
        .flatten();
    Ok(Json(json!({
        "items": rows.iter().map(enterprise_json).collect::<Vec<_>>(),
        "next_after": next_after,
    })))
}

pub async fn enterprise(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&state, &headers).await?;
    let code = uscc_param(&uscc)?;
    let scope = caller.scope.clone();
    let e = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.enterprise_by_uscc(&scope, campaign.id, code.as_str())
        })
        .await?;
    Ok(Json(enterprise_json(&e)))
}

/// A credit code from a path; anything else is "not found", like a row outside the scope.
pub(super) fn uscc_param(text: &str) -> Result<yinqi_domain::uscc::Uscc, ApiError> {
    yinqi_domain::uscc::Uscc::parse(text)
        .map(|parsed| parsed.code)
        .map_err(|_| ApiError::not_found())
}

/// An enterprise's invitation code, link and standard SMS, for the bank's own systems to
/// push the link; 404 unless the caller is the bank side and the batch reached it.
pub async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&state, &headers).await?;
    let uscc = uscc_param(&uscc)?;
    let scope = caller.scope.clone();
    let (e, code, bank) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&scope, campaign.id, uscc.as_str())?;
            let code = s.enterprise_code(&scope, campaign.id, uscc.as_str())?;
            let bank = match e.bank_id {
                Some(id) => s.bank_name(id)?,
                None => None,
            };
            Ok((e, code, bank))
        })
        .await?;
    let code = code.ok_or_else(ApiError::not_found)?;
    let link = state.config.link_for(&code);
    let sms = yinqi_domain::invitation::standard_sms(
        bank.as_deref().unwrap_or(""),
        &e.name,
        &code,
        &link,
    );
    Ok(Json(json!({
        "uscc": e.uscc,
        "code": code.grouped(),
        "link": link,
        "sms": sms,
    })))
}

/// Reads one enterprise in the caller's scope with its contact unmasked, recording the
/// look in the audit log first (no record, no data).
pub async fn reveal_contact(
    state: &AppState,
    caller: &Caller,
    uscc: String,
) -> Result<Enterprise, ApiError> {
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    Ok(state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&scope, campaign.id, &uscc)?;
            s.record_audit(
                &actor,
                "enterprise.reveal",
                Some(campaign.id),
                Some(&e.bureau_code),
                Some(&e.uscc),
                &json!({ "fields": ["contact_name", "contact_phone"] }),
            )?;
            Ok(e)
        })
        .await?)
}

pub async fn contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&state, &headers).await?;
    csrf_checked(&caller, &headers)?;
    let code = uscc_param(&uscc)?;
    let e = reveal_contact(&state, &caller, code.as_str().to_owned()).await?;
    Ok(Json(
        json!({ "uscc": e.uscc, "contact_name": e.contact_name, "contact_phone": e.contact_phone }),
    ))
}

/// An enterprise as the API shows it: contacts masked (revealing them is a separate,
/// audited action).
fn enterprise_json(e: &Enterprise) -> Value {
    json!({
        "id": e.id,
        "uscc": e.uscc,
        "name": e.name,
        "bureau_code": e.bureau_code,
        "region_code": e.region_code,
        "industry_code": e.industry_code,
        "employees": e.employees,
        "revenue_yuan": e.revenue,
        "assets_yuan": e.assets,
        "size_class": e.size_class,
        "tax_credit": e.tax_credit,
        "eligible": e.eligible,
        "exclusions": Exclusions::from_bits(e.exclusions as u16).unwrap_or_default().codes(),
        "override": e.override_decision,
        "branch_code": e.branch_code,
        "bank_id": e.bank_id,
        "manager_id": e.manager_id,
        "unassigned": e.unassigned,
        "contact_name": e.contact_name.as_deref().map(mask_name),
        "contact_phone": e.contact_phone.as_deref().map(mask_phone),
    })
}

pub async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}
