//! The public doors: an enterprise's code-entry page (its link `/q/{code}` is in
//! `enterprise`, with the pages behind it), a customer
//! manager's account activation, and the printable poster for branch screens. No login;
//! guessing is throttled per client and per code, with the counters in the database so
//! every `yinqi serve` process shares them.

use axum::Form;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_domain::invitation::InvitationCode;
use yinqi_store::CodeHolder;

use super::pages::ClientAddr;
use crate::AppState;
use crate::auth::{self, LOGIN_CSRF_COOKIE};
use crate::error::PageError;
use crate::templates::{ActivatePage, EntryPage, PosterPage, render};

/// Failed code attempts (mistyped or unknown) allowed per client address per window.
pub const CLIENT_FAILURES_ALLOWED: i64 = 20;
/// Lookups of one code allowed per window, from anywhere (an enterprise opens its own link
/// a few times; hammering one code is not a person).
pub const CODE_LOOKUPS_ALLOWED: i64 = 60;
pub const CODE_WINDOW_MS: i64 = 15 * 60 * 1000;

pub(crate) fn throttled() -> Response {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "尝试次数过多，请 15 分钟后再试。如邀请码确实无法使用，请联系贵企业的开户银行。",
    )
    .into_response()
}

/// A page with a fresh double-submit CSRF token (there is no session on these pages).
fn with_form_token(
    state: &AppState,
    status: StatusCode,
    html: impl FnOnce(&str) -> String,
) -> Response {
    let csrf = auth::random_token();
    let body = html(&csrf);
    let cookie = auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies);
    (status, [(SET_COOKIE, cookie)], Html(body)).into_response()
}

fn form_token_ok(headers: &HeaderMap, presented: &str) -> bool {
    let expected = auth::cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    !expected.is_empty() && auth::same_secret(&expected, presented)
}

pub(crate) fn entry_page(
    state: &AppState,
    typed: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    with_form_token(state, status, |csrf| {
        render(&EntryPage {
            nav: None,
            csrf,
            typed,
            error,
        })
    })
}

pub async fn entry_form(State(state): State<AppState>) -> Response {
    entry_page(&state, "", None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The typed code: a mistyped one is answered at once (its check character), a well-formed
/// one goes to its link.
pub async fn entry_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<EntryForm>,
) -> Response {
    if !form_token_ok(&headers, &form.csrf) {
        return entry_page(
            &state,
            "",
            Some("页面已过期，请重新输入"),
            StatusCode::FORBIDDEN,
        );
    }
    let typed: String = form.code.chars().take(64).collect();
    match InvitationCode::parse(&typed) {
        Ok(code) => (
            StatusCode::SEE_OTHER,
            [(LOCATION, format!("/q/{}", code.as_str()))],
        )
            .into_response(),
        Err(e) => {
            match count_failure(&state, &client).await {
                Ok(true) => return throttled(),
                Ok(false) => {}
                Err(response) => return response,
            }
            entry_page(
                &state,
                &typed,
                Some(&e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// Counts a failed attempt of `client`; true when it is over the limit.
pub(crate) async fn count_failure(state: &AppState, client: &str) -> Result<bool, Response> {
    let bucket = format!("code:client:{client}");
    state
        .db(move |s| s.rate_hit(&bucket, CODE_WINDOW_MS))
        .await
        .map(|n| n > CLIENT_FAILURES_ALLOWED)
        .map_err(|e| PageError::from(e).into_response())
}

/// What a lookup of a well-formed code found, after the throttles.
pub(crate) enum Lookup {
    Throttled,
    Unknown,
    Found(CodeHolder),
}

pub(crate) async fn lookup(
    state: &AppState,
    client: &str,
    code: InvitationCode,
) -> Result<Lookup, Response> {
    let client_bucket = format!("code:client:{client}");
    let code_bucket = format!("code:code:{}", auth::sha256_hex(code.as_str()));
    state
        .db(move |s| {
            // Count the attempt as a failure first and refund it if the code is good, so a
            // burst of simultaneous guesses cannot slip past the limit.
            if s.rate_hit(&client_bucket, CODE_WINDOW_MS)? > CLIENT_FAILURES_ALLOWED
                || s.rate_hit(&code_bucket, CODE_WINDOW_MS)? > CODE_LOOKUPS_ALLOWED
            {
                return Ok(Lookup::Throttled);
            }
            match s.enterprise_for_code(&code)? {
                Some(holder) => {
                    s.rate_refund(&client_bucket)?;
                    Ok(Lookup::Found(holder))
                }
                None => Ok(Lookup::Unknown),
            }
        })
        .await
        .map_err(|e| PageError::from(e).into_response())
}

fn activate_page(
    state: &AppState,
    error: Option<&str>,
    done: Option<&str>,
    status: StatusCode,
) -> Response {
    with_form_token(state, status, |csrf| {
        render(&ActivatePage {
            nav: None,
            csrf,
            error,
            done,
        })
    })
}

pub async fn activate_form(State(state): State<AppState>) -> Response {
    activate_page(&state, None, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

/// A customer manager sets a password with the code their bank gave them.
pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    if !form_token_ok(&headers, &form.csrf) {
        return activate_page(
            &state,
            Some("页面已过期，请重新填写"),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    let invalid = |message: &str| {
        activate_page(
            &state,
            Some(message),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let code = match InvitationCode::parse(&form.code.chars().take(64).collect::<String>()) {
        Ok(code) => code,
        Err(e) => {
            return match count_failure(&state, &client).await {
                Ok(true) => throttled(),
                Ok(false) => invalid(&e.to_string()),
                Err(response) => response,
            };
        }
    };
    if form.password != form.password2 {
        return invalid("两次输入的密码不一致");
    }
    let hash = match auth::hash_password(&form.password) {
        Ok(hash) => hash,
        Err(message) => return invalid(&message),
    };
    let client_bucket = format!("code:client:{client}");
    let result = state
        .db(move |s| {
            if s.rate_hit(&client_bucket, CODE_WINDOW_MS)? > CLIENT_FAILURES_ALLOWED {
                return Ok(Err(()));
            }
            let user = s.activate_manager(&code, &hash)?;
            if user.is_some() {
                s.rate_refund(&client_bucket)?;
            }
            Ok(Ok(user))
        })
        .await;
    match result {
        Err(e) => PageError::from(e).into_response(),
        Ok(Err(())) => throttled(),
        Ok(Ok(None)) => invalid("激活码无效、已使用或已被重新发放，请向本行管理员索取新的激活码"),
        Ok(Ok(Some(user))) => activate_page(&state, None, Some(&user.username), StatusCode::OK),
    }
}

/// The printable poster for branch screens: scan, then type the code from the SMS.
pub async fn poster(State(state): State<AppState>) -> Response {
    let url = format!("{}/q", state.config.public_url);
    let page = PosterPage {
        nav: None,
        qr_svg: super::qr::svg(&url),
        url: &url,
    };
    Html(render(&page)).into_response()
}
