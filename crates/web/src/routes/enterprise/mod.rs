//! The enterprise's own pages behind its invitation link (issue 4, the enterprise's flow):
//! `/q/{code}` (who it is, its questionnaire's state, its visits to confirm), `/q/{code}/q1`
//! (questionnaire 1 as a form, or the same endpoint as JSON), `/q/{code}/done` (the
//! confirmation). `/q/{code}` finds the enterprise with a throttled lookup and hands the
//! browser a signed pass (`enterprise_cookie`); the other pages accept only that pass, for
//! that code, while the code is in force.

pub(crate) mod home;
pub(crate) mod q1;

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use yinqi_domain::invitation::InvitationCode;
use yinqi_store::{CodeHolder, Scope, now_millis};

use crate::AppState;
use crate::auth;
use crate::enterprise_cookie::{self as pass, ENTERPRISE_COOKIE, ENTERPRISE_CSRF_COOKIE};
use crate::error::PageError;
use crate::templates::{EnterpriseNoticePage, render};

/// Why an enterprise page refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denial {
    /// The path is not a well-formed code (no lookup is made; nothing to throttle).
    BadCode,
    /// No valid pass in this browser: open the link first.
    NoPass,
    /// The browser holds another enterprise's pass (or another code's).
    OtherEnterprise,
    /// The pass is for this code, but the code was revoked since.
    Revoked,
}

/// The enterprise a request may act for.
pub(crate) struct Granted {
    pub holder: CodeHolder,
    pub code: InvitationCode,
}

impl Granted {
    pub fn scope(&self) -> Scope {
        Scope::Enterprise(self.holder.enterprise_id)
    }
    /// `/q/{code}`, the start of every page of this enterprise.
    pub fn base(&self) -> String {
        format!("/q/{}", self.code.as_str())
    }
}

/// The code in a path, as typed (at most 64 characters are read).
pub(crate) fn parse_code(typed: &str) -> Option<InvitationCode> {
    InvitationCode::parse(&typed.chars().take(64).collect::<String>()).ok()
}

/// Checks the browser's pass against the code in the path and that the code is still in
/// force — a read, never a throttle write.
pub(crate) async fn access(
    state: &AppState,
    headers: &HeaderMap,
    typed: &str,
) -> Result<Result<Granted, Denial>, Response> {
    let Some(code) = parse_code(typed) else {
        return Ok(Err(Denial::BadCode));
    };
    let Some(cookie) = auth::cookie(headers, ENTERPRISE_COOKIE) else {
        return Ok(Err(Denial::NoPass));
    };
    state
        .db(move |s| {
            let key = s.enterprise_cookie_key()?;
            let Some(p) = pass::verify(&key, &cookie, now_millis()) else {
                return Ok(Err(Denial::NoPass));
            };
            if !p.is_for(&code) {
                return Ok(Err(Denial::OtherEnterprise));
            }
            Ok(match s.enterprise_for_code(&code)? {
                None => Err(Denial::Revoked),
                Some(holder) if holder.enterprise_id == p.enterprise_id => {
                    Ok(Granted { holder, code })
                }
                Some(_) => Err(Denial::OtherEnterprise),
            })
        })
        .await
        .map_err(|e| PageError::from(e).into_response())
}

/// The Chinese explanation of a denial, and the status it is answered with.
pub(crate) fn denial_text(denial: Denial) -> (StatusCode, &'static str, &'static str) {
    match denial {
        Denial::BadCode => (
            StatusCode::NOT_FOUND,
            "邀请码有误",
            "链接中的邀请码有误。请核对短信中的链接，或在输入页重新输入邀请码。",
        ),
        Denial::NoPass => (
            StatusCode::FORBIDDEN,
            "请先打开邀请链接",
            "请先打开贵企业短信中的邀请链接，确认企业信息后再填写。如果打开后仍回到这里，请允许浏览器使用 Cookie。",
        ),
        Denial::OtherEnterprise => (
            StatusCode::FORBIDDEN,
            "请重新打开贵企业的邀请链接",
            "这个浏览器刚才打开的是另一家企业的邀请链接。为保护各企业的信息，请重新打开贵企业自己短信中的邀请链接后再填写。",
        ),
        Denial::Revoked => (
            StatusCode::NOT_FOUND,
            "邀请码已作废",
            "这个邀请码已作废，不能再使用（已保存的内容不会丢失）。如贵企业收到了新的邀请码，请打开新短信中的链接；否则请联系开户银行。",
        ),
    }
}

/// The page answering a denial; a revoked code's pass is cleared.
pub(crate) fn denial_page(state: &AppState, denial: Denial, typed: &str) -> Response {
    let (status, title, message) = denial_text(denial);
    // Back to this code's own link when opening it helps; else to the page to type one.
    let link = match (denial, parse_code(typed)) {
        (Denial::NoPass | Denial::OtherEnterprise, Some(code)) => format!("/q/{}", code.as_str()),
        _ => "/q".to_owned(),
    };
    let link_text = if link == "/q" {
        "输入邀请码"
    } else {
        "打开本企业的邀请链接"
    };
    let page = EnterpriseNoticePage {
        nav: None,
        title,
        message,
        link: &link,
        link_text,
    };
    let mut response = (status, Html(render(&page))).into_response();
    if denial == Denial::Revoked {
        let clear = pass::set_cookie(ENTERPRISE_COOKIE, "", 0, state.config.secure_cookies);
        append_cookie(&mut response, &clear);
    }
    response
}

/// The CSRF token of the enterprise's pages: the browser's, if it has a well-formed one (so
/// two open tabs keep working), else a new one.
pub(crate) fn csrf_token(headers: &HeaderMap) -> String {
    auth::cookie(headers, ENTERPRISE_CSRF_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(auth::random_token)
}

/// Whether `presented` (a form field or the `X-CSRF-Token` header) equals the CSRF cookie.
pub(crate) fn csrf_ok(headers: &HeaderMap, presented: &str) -> bool {
    let expected = auth::cookie(headers, ENTERPRISE_CSRF_COOKIE).unwrap_or_default();
    !expected.is_empty() && auth::same_secret(&expected, presented)
}

/// Sets (refreshes) the CSRF cookie on a page that carries `token` in its forms.
pub(crate) fn with_csrf(state: &AppState, mut response: Response, token: &str) -> Response {
    let cookie = pass::set_cookie(
        ENTERPRISE_CSRF_COOKIE,
        token,
        pass::PASS_DAYS * 86_400,
        state.config.secure_cookies,
    );
    append_cookie(&mut response, &cookie);
    response
}

pub(crate) fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}

/// The user agent, cut to a sane length, for the answer's client metadata.
pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::USER_AGENT)
        // Not `to_str`: a user agent with bytes beyond ASCII is still worth keeping.
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(256)
                .collect()
        })
}

/// `2026-11-28 10:02` (Beijing time) for a stored timestamp.
pub(crate) fn minute(millis: i64) -> String {
    let mut text = crate::clock::beijing(millis);
    text.truncate(16);
    text
}
