//! Browser pages: login, logout, password change, home, the enterprise list and detail.
//! Every form carries a CSRF token; personal data is masked.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_domain::eligibility::{Exclusion, Exclusions, Unassigned};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_store::{Enterprise, EnterpriseFilter, Scope};

use crate::AppState;
use crate::auth::{self, Caller, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::PageError;
use crate::templates::{
    Detail, EnterprisePage, EnterprisesPage, HomePage, ListRow, LoginPage, Nav, PasswordPage,
    render,
};

/// The client's address, for throttling (the socket's peer; "local" in-process).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The caller when logged in, else a redirect to the login page.
pub async fn logged_in(state: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let store_headers = headers.clone();
    match state.db(move |s| auth::identify(s, &store_headers)).await {
        Ok(Some(caller)) if caller.user.is_some() => Ok(caller),
        Ok(_) => Err(redirect("/login")),
        Err(e) => Err(PageError::from(e).into_response()),
    }
}

/// The caller of a form post: logged in, and the form carries the session's CSRF token.
pub async fn form_caller(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Caller, Response> {
    let caller = logged_in(state, headers).await?;
    if caller.csrf_ok(Some(csrf)) {
        Ok(caller)
    } else {
        Err(PageError::expired().into_response())
    }
}

/// A credit code from a path. Anything that is not one is "not found", like a row outside
/// the caller's scope. (The error is the response itself, as every handler returns.)
#[allow(clippy::result_large_err)]
pub fn uscc_from_path(text: &str) -> Result<yinqi_domain::uscc::Uscc, Response> {
    yinqi_domain::uscc::Uscc::parse(text)
        .map(|parsed| parsed.code)
        .map_err(|_| PageError::not_found().into_response())
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// A 303 to `to` (after a form post).
pub fn see_other(to: &str) -> Response {
    redirect(to)
}

/// What the caller works for, in words (for the page header).
async fn org_label(state: &AppState, caller: &Caller) -> String {
    let Some(user) = &caller.user else {
        return String::new();
    };
    let a = user.affiliation.clone();
    if let Some(branch) = &a.branch_code {
        return format!("网点 {branch}");
    }
    if let Some(b) = a
        .bureau_code
        .as_deref()
        .and_then(yinqi_domain::bureau::by_code)
    {
        return b.name.to_owned();
    }
    if let Some(bank) = a.bank_id {
        return format!("银行编号 {bank}");
    }
    let _ = state;
    String::new()
}

pub async fn nav(state: &AppState, caller: &Caller) -> Option<Nav> {
    let user = caller.user.as_ref()?;
    Some(Nav::new(
        user,
        caller.csrf.as_deref().unwrap_or(""),
        org_label(state, caller).await,
    ))
}

pub async fn not_found() -> PageError {
    PageError::not_found()
}

pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    // A customer manager's home is the workbench.
    if matches!(caller.scope, Scope::Manager(_)) {
        return super::work::workbench_page(&state, &caller, Default::default()).await;
    }
    let scope = caller.scope.clone();
    let sees_rows = !matches!(scope, Scope::Aggregates);
    let (campaign, counts, open_reminders) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let counts = if sees_rows {
                Some(s.list_counts(&scope, campaign.id)?)
            } else {
                None
            };
            let open_reminders = match scope {
                Scope::Bank { .. } => s
                    .reminders(&scope, campaign.id, 100)?
                    .iter()
                    .filter(|r| r.reply.is_none())
                    .count(),
                _ => 0,
            };
            Ok((campaign, counts, open_reminders))
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let unassigned = counts
        .as_ref()
        .map(|c| {
            c.unassigned
                .iter()
                .map(|(code, n)| {
                    (
                        Unassigned::from_code(code).map_or("其他", |u| u.label_zh()),
                        *n,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let heading = match &caller.scope {
        Scope::Nation => "全国名单".to_owned(),
        Scope::Bureau(code) => yinqi_domain::bureau::by_code(code)
            .map_or_else(|| "本局名单".to_owned(), |b| format!("{}名单", b.name)),
        Scope::Bank { .. } => "本行名单".to_owned(),
        Scope::Branch(_) => "本网点名单".to_owned(),
        Scope::Manager(_) => "我的企业".to_owned(),
        _ => "汇总".to_owned(),
    };
    let page = HomePage {
        nav: nav(&state, &caller).await,
        heading: &heading,
        campaign: &campaign.name,
        counts,
        unassigned,
        open_reminders,
    };
    Ok(Html(render(&page)).into_response())
}

pub async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if logged_in(&state, &headers).await.is_ok() {
        return redirect("/");
    }
    login_page(&state, "", None, StatusCode::OK)
}

/// The login form with a fresh double-submit CSRF token.
fn login_page(
    state: &AppState,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let csrf = auth::random_token();
    let page = LoginPage {
        nav: None,
        csrf: &csrf,
        username,
        error,
    };
    let cookie = auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies);
    (status, [(SET_COOKIE, cookie)], Html(render(&page))).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_secret(&expected, &form.csrf) {
        return login_page(
            &state,
            "",
            Some("页面已过期，请重新登录"),
            StatusCode::FORBIDDEN,
        );
    }
    match super::api::attempt_login(&state, &form.username, &form.password, &client).await {
        Ok(login) => {
            // A session id the browser had before logging in is never reused (fixation).
            if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
                let old_hash = auth::sha256_hex(&old);
                let _ = state.db(move |s| s.delete_session(&old_hash)).await;
            }
            let secure = state.config.secure_cookies;
            let max_age = state.config.session_hours * 3600;
            let session = auth::set_cookie(SESSION_COOKIE, &login.session_id, max_age, secure);
            let clear = auth::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure);
            (
                StatusCode::SEE_OTHER,
                [(LOCATION, "/".to_owned())],
                axum::response::AppendHeaders([(SET_COOKIE, session), (SET_COOKIE, clear)]),
            )
                .into_response()
        }
        Err(e) => login_page(&state, &form.username, Some(&e.message), e.status),
    }
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let caller = match logged_in(&state, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !caller.csrf_ok(Some(&form.csrf)) {
        return PageError::expired().into_response();
    }
    if let Some(hash) = caller.session_hash.clone() {
        let actor = caller.actor.clone();
        let _ = state
            .db(move |s| {
                s.delete_session(&hash)?;
                s.record_audit(&actor, "logout", None, None, None, &serde_json::json!({}))
            })
            .await;
    }
    let clear = auth::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, "/login".to_owned()), (SET_COOKIE, clear)],
    )
        .into_response()
}

pub async fn password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let page = PasswordPage {
        nav: nav(&state, &caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        error: None,
        done: false,
    };
    Ok(Html(render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let user = caller.user.clone().expect("logged in");
    let username = user.username.clone();
    let keep = caller.session_hash.clone();
    let outcome = state
        .db(move |s| {
            let Some((_, Some(hash))) = s.user_for_login(&username)? else {
                return Ok(Err("当前密码不正确".to_owned()));
            };
            if !auth::verify_password(&form.current, &hash) {
                return Ok(Err("当前密码不正确".to_owned()));
            }
            let new_hash = match auth::hash_password(&form.new_password) {
                Ok(h) => h,
                Err(message) => return Ok(Err(message)),
            };
            s.set_password(user.id, &new_hash, &username)?;
            s.delete_other_sessions(user.id, keep.as_deref())?;
            Ok(Ok(()))
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let (status, error) = match &outcome {
        Ok(()) => (StatusCode::OK, None),
        Err(m) => (StatusCode::UNPROCESSABLE_ENTITY, Some(m.as_str())),
    };
    let page = PasswordPage {
        nav: nav(&state, &caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        error,
        done: outcome.is_ok(),
    };
    Ok((status, Html(render(&page))).into_response())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    eligible: String,
    #[serde(default)]
    assignment: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    branch: String,
    /// A customer manager's user id (the bank's "whose enterprises" view).
    #[serde(default)]
    manager: String,
    /// A bank (legal entity) by its registry name, for HQ and bureaus.
    #[serde(default)]
    bank: String,
    after: Option<i64>,
}

const PAGE_SIZE: u32 = 50;

impl ListQuery {
    /// The store's filter for this query; a bank named by `bank` is resolved by
    /// [`ListQuery::resolve_bank`] inside the store call.
    pub fn filter(&self) -> EnterpriseFilter {
        let query = self;
        EnterpriseFilter {
            query: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
            eligible: match query.eligible.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            bureau: Some(query.bureau.trim().to_owned()).filter(|b| !b.is_empty()),
            branch: Some(query.branch.trim().to_owned()).filter(|b| !b.is_empty()),
            manager_id: query.manager.trim().parse().ok(),
            assignment: Some(query.assignment.clone())
                .filter(|a| a == "assigned" || Unassigned::from_code(a).is_some()),
            ..EnterpriseFilter::default()
        }
    }

    /// Sets `filter`'s bank from the registry name in the query, if any. An unknown name
    /// matches no bank, so no rows (not every row).
    pub fn resolve_bank(
        bank_name: &str,
        store: &yinqi_store::Store,
        filter: &mut EnterpriseFilter,
    ) -> Result<(), yinqi_store::StoreError> {
        let name = bank_name.trim();
        if !name.is_empty() {
            filter.bank_id = Some(store.bank_id_by_name(name)?.unwrap_or(-1));
        }
        Ok(())
    }

    /// The bank name the query names (for the store call, which owns its copy).
    pub fn bank_name(&self) -> String {
        self.bank.trim().to_owned()
    }
}

pub async fn enterprises(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let mut filter = query.filter();
    let scope = caller.scope.clone();
    let after = query.after;
    let bank_name = query.bank_name();
    let rows = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            ListQuery::resolve_bank(&bank_name, s, &mut filter)?;
            s.enterprise_page(&scope, campaign.id, &filter, after, PAGE_SIZE)
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let next_link = (rows.len() == PAGE_SIZE as usize).then(|| {
        let last = rows.last().map_or(0, |e| e.id);
        format!(
            "/enterprises?q={}&eligible={}&assignment={}&bureau={}&branch={}&manager={}&bank={}&after={last}",
            url_encode(&query.q),
            url_encode(&query.eligible),
            url_encode(&query.assignment),
            url_encode(&query.bureau),
            url_encode(&query.branch),
            url_encode(&query.manager),
            url_encode(&query.bank)
        )
    });
    let managers = super::managers::choices(&state, &caller).await;
    let page = EnterprisesPage {
        nav: nav(&state, &caller).await,
        q: &query.q,
        eligible: &query.eligible,
        assignment: &query.assignment,
        bureau: &query.bureau,
        branch: &query.branch,
        manager: &query.manager,
        bank: &query.bank,
        show_bureau: matches!(caller.scope, Scope::Nation | Scope::Bank { .. }),
        show_bank: matches!(caller.scope, Scope::Nation | Scope::Bureau(_)),
        managers,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows: rows.iter().map(list_row).collect(),
        next_link,
    };
    Ok(Html(render(&page)).into_response())
}

/// `?done=…` after a form on the enterprise's page (a fixed notice, see `work::notice_for`).
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn enterprise(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let code = uscc_from_path(&uscc)?;
    let scope = caller.scope.clone();
    let e = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.enterprise_by_uscc(&scope, campaign.id, code.as_str())
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let notice = super::work::notice_for(&done.done).map(str::to_owned);
    Ok(enterprise_page(&state, &caller, &e, false, notice).await)
}

/// Shows one enterprise's contact in full, once, and records who looked.
pub async fn reveal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let code = uscc_from_path(&uscc)?;
    let e = super::api::reveal_contact(&state, &caller, code.as_str().to_owned())
        .await
        .map_err(|e| PageError::new(e.status, e.message).into_response())?;
    Ok(enterprise_page(&state, &caller, &e, true, None).await)
}

/// The enterprise page with its invitation code (as far as the caller may read it) and,
/// for the bank side, its customer manager.
pub async fn enterprise_page(
    state: &AppState,
    caller: &Caller,
    e: &Enterprise,
    revealed: bool,
    notice: Option<String>,
) -> Response {
    let code = super::codes::code_view(state, caller, e).await;
    let work =
        super::enterprise_work::enterprise_work(state, caller, e, revealed, code.code.is_some())
            .await;
    let managers = super::managers::choices(state, caller)
        .await
        .into_iter()
        .map(|(id, label)| (id, label, e.manager_id == Some(id)))
        .collect();
    let page = EnterprisePage {
        nav: nav(state, caller).await,
        e: detail(e, revealed),
        csrf: caller.csrf.as_deref().unwrap_or(""),
        revealed,
        code,
        manager: e.manager_id,
        managers,
        notice: notice.as_deref(),
        work,
    };
    Html(render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
}

const AUDIT_PAGE: u32 = 100;

/// The audit log within the caller's scope (HQ: all; a bureau: its own).
pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let whose = match &caller.scope {
        Scope::Nation => "全国".to_owned(),
        Scope::Bureau(code) => {
            yinqi_domain::bureau::by_code(code).map_or_else(|| code.clone(), |b| b.name.to_owned())
        }
        _ => return Err(PageError::not_found().into_response()),
    };
    let scope = caller.scope.clone();
    let entries = state
        .db(move |s| s.audit_page(&scope, query.before, AUDIT_PAGE))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let next_link = (entries.len() == AUDIT_PAGE as usize)
        .then(|| entries.last().map(|e| format!("/audit?before={}", e.id)))
        .flatten();
    let rows = entries
        .into_iter()
        .map(|e| crate::templates::AuditRow {
            at: crate::clock::beijing(e.at),
            actor: e.actor,
            action: crate::templates::action_label(&e.action),
            subject: e.subject.unwrap_or_default(),
            detail: if e.detail.as_object().is_some_and(|o| o.is_empty()) {
                String::new()
            } else {
                e.detail.to_string()
            },
        })
        .collect();
    let page = crate::templates::AuditPage {
        nav: nav(&state, &caller).await,
        whose: &whose,
        rows,
        next_link,
    };
    Ok(Html(render(&page)).into_response())
}

fn status_label(e: &Enterprise) -> &'static str {
    match (e.eligible, e.unassigned.as_deref()) {
        (false, _) => "不符合条件",
        (true, None) => "符合条件 · 已对应网点",
        (true, Some(_)) => "符合条件 · 未对应网点",
    }
}

fn masked_contact(e: &Enterprise) -> String {
    let name = e.contact_name.as_deref().map(mask_name).unwrap_or_default();
    let phone = e
        .contact_phone
        .as_deref()
        .map(mask_phone)
        .unwrap_or_default();
    format!("{name} {phone}").trim().to_owned()
}

fn list_row(e: &Enterprise) -> ListRow {
    ListRow {
        uscc: e.uscc.clone(),
        name: e.name.clone(),
        bureau: e.bureau_code.clone(),
        status: status_label(e),
        branch: e.branch_code.clone().unwrap_or_default(),
        contact: masked_contact(e),
    }
}

fn detail(e: &Enterprise, revealed: bool) -> Detail {
    let reasons: Vec<&str> = Exclusions::from_bits(e.exclusions as u16)
        .unwrap_or_default()
        .iter()
        .map(Exclusion::label_zh)
        .collect();
    Detail {
        uscc: e.uscc.clone(),
        name: e.name.clone(),
        bureau: yinqi_domain::bureau::by_code(&e.bureau_code)
            .map_or_else(|| e.bureau_code.clone(), |b| b.name.to_owned()),
        region: yinqi_domain::region::full_name(&e.region_code).map_or_else(
            || e.region_code.clone(),
            |n| format!("{n}（{}）", e.region_code),
        ),
        industry: e.industry_code.clone(),
        size: e
            .size_class
            .as_deref()
            .and_then(yinqi_domain::size::SizeClass::from_code)
            .map_or("无法划型", |s| s.name_zh())
            .to_owned(),
        tax_credit: e.tax_credit.clone().unwrap_or_else(|| "未评级".into()),
        status: status_label(e),
        reasons: reasons.join("、"),
        branch: e.branch_code.clone().unwrap_or_else(|| {
            e.unassigned
                .as_deref()
                .and_then(Unassigned::from_code)
                .map_or("", |u| u.label_zh())
                .to_owned()
        }),
        contact: if revealed {
            format!(
                "{} {}",
                e.contact_name.as_deref().unwrap_or(""),
                e.contact_phone.as_deref().unwrap_or("")
            )
            .trim()
            .to_owned()
        } else {
            masked_contact(e)
        },
    }
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A questionnaire as its respondents will see it, for the platform's staff to review
/// (`q1`, `q2`, `q3`; the newest version). Nothing can be submitted from here.
pub async fn questionnaire_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let def = yinqi_domain::questionnaire::builtin()
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| PageError::not_found().into_response())?;
    let page = crate::templates::QuestionnairePage {
        nav: nav(&state, &caller).await,
        form: crate::questionnaire_form::form_view(def, &serde_json::Map::new(), &[]),
        preview: true,
        action: "",
        csrf: "",
    };
    Ok(Html(render(&page)).into_response())
}
