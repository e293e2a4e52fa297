//! `/q/{code}`: the enterprise's own page — who it is, which bank serves it, where its
//! questionnaire stands — and, once its bank has recorded visits, the place to confirm each
//! visit took place and rate it (`POST /q/{code}/visits/{id}`).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use yinqi_domain::visit_feedback::{Feedback, FeedbackError};
use yinqi_store::{ClientMeta, ResponseStatus, StoreError, VisitToConfirm, now_millis};

use super::{Granted, access, append_cookie, csrf_ok, csrf_token, see_other, with_csrf};
use crate::AppState;
use crate::enterprise_cookie::{self as pass, ENTERPRISE_COOKIE};
use crate::error::PageError;
use crate::routes::entry::{Lookup, count_failure, entry_page, lookup, throttled};
use crate::routes::pages::ClientAddr;
use crate::templates::{EnterpriseHomePage, VisitView, render};

/// `GET /q/{code}`. A browser already holding this code's pass is not looked up again; any
/// other goes through the throttled lookup, and a good code gives it the pass (replacing
/// another enterprise's: opening one's own link is how a shared phone switches).
pub async fn open_code(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(typed): Path<String>,
) -> Response {
    let typed: String = typed.chars().take(64).collect();
    match access(&state, &headers, &typed).await {
        Err(response) => return response,
        Ok(Ok(granted)) => return home(&state, &headers, granted, None, StatusCode::OK).await,
        Ok(Err(_)) => {}
    }
    let code = match yinqi_domain::invitation::InvitationCode::parse(&typed) {
        Ok(code) => code,
        Err(e) => {
            return match count_failure(&state, &client).await {
                Ok(true) => throttled(),
                Ok(false) => {
                    entry_page(&state, &typed, Some(&e.to_string()), StatusCode::NOT_FOUND)
                }
                Err(response) => response,
            };
        }
    };
    let holder = match lookup(&state, &client, code).await {
        Err(response) => return response,
        Ok(Lookup::Throttled) => return throttled(),
        Ok(Lookup::Unknown) => {
            return entry_page(
                &state,
                &code.grouped(),
                Some("邀请码无效或已作废。请核对短信中的邀请码，或联系贵企业的开户银行重新获取。"),
                StatusCode::NOT_FOUND,
            );
        }
        Ok(Lookup::Found(holder)) => holder,
    };
    let enterprise_id = holder.enterprise_id;
    let key = match state.db(|s| s.enterprise_cookie_key()).await {
        Ok(key) => key,
        Err(e) => return PageError::from(e).into_response(),
    };
    let expires = now_millis() + pass::PASS_DAYS * 86_400_000;
    let value = pass::sign(&key, enterprise_id, &code, expires);
    let mut response = home(
        &state,
        &headers,
        Granted { holder, code },
        None,
        StatusCode::OK,
    )
    .await;
    let cookie = pass::set_cookie(
        ENTERPRISE_COOKIE,
        &value,
        pass::PASS_DAYS * 86_400,
        state.config.secure_cookies,
    );
    append_cookie(&mut response, &cookie);
    response
}

/// A refused confirmation, to show again with what was posted.
struct Refused {
    response_id: i64,
    form: FeedbackForm,
    error: String,
    field: &'static str,
}

/// The page of `granted`, with a refused confirmation shown on its visit.
async fn home(
    state: &AppState,
    headers: &HeaderMap,
    granted: Granted,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let scope = granted.scope();
    let id = granted.holder.enterprise_id;
    let loaded = state
        .db(move |s| {
            let q1 = s.responses_of(&scope, id, Some("q1"))?.into_iter().next();
            let visits = s.visits_to_confirm(&scope, id)?;
            Ok((q1, visits))
        })
        .await;
    let (q1, visits) = match loaded {
        Ok(found) => found,
        Err(e) => return PageError::from(e).into_response(),
    };
    let (q1_state, q1_when) = match &q1 {
        None => ("new", String::new()),
        Some(r) if r.status == ResponseStatus::Submitted => (
            "submitted",
            super::minute(r.submitted_at.unwrap_or(r.saved_at)),
        ),
        Some(r) => ("draft", super::minute(r.saved_at)),
    };
    let csrf = csrf_token(headers);
    let h = &granted.holder;
    let page = EnterpriseHomePage {
        nav: None,
        name: &h.name,
        uscc: &h.uscc,
        bank: h.bank_name.as_deref().unwrap_or(""),
        branch: h.branch_name.as_deref().unwrap_or(""),
        code: &granted.code.grouped(),
        base: &granted.base(),
        csrf: &csrf,
        q1_state,
        q1_when,
        visits: visits
            .iter()
            .map(|v| visit_view(v, refused.as_ref()))
            .collect(),
    };
    with_csrf(state, (status, Html(render(&page))).into_response(), &csrf)
}

/// The label of q2's visit mode, from the built-in definition (codes are stable).
fn mode_label(code: &str) -> String {
    yinqi_domain::questionnaire::q2()
        .question("visit_mode")
        .and_then(|q| q.kind.choices())
        .and_then(|cs| cs.iter().find(|c| c.code == code))
        .map_or_else(|| code.to_owned(), |c| c.label.clone())
}

fn visit_view(v: &VisitToConfirm, refused: Option<&Refused>) -> VisitView {
    let refused = refused.filter(|r| r.response_id == v.response_id);
    let form = refused.map(|r| &r.form);
    let rating = form.and_then(|f| f.rating.parse::<u8>().ok());
    let message = |field: &str| {
        refused
            .filter(|r| r.field == field)
            .map(|r| r.error.clone())
            .unwrap_or_default()
    };
    VisitView {
        response_id: v.response_id,
        date: v.visit_date.clone().unwrap_or_else(|| "日期未填".into()),
        mode: v.visit_mode.as_deref().map(mode_label).unwrap_or_default(),
        bank: v.bank_name.clone().unwrap_or_default(),
        confirmed: v.feedback.as_ref().map(|f| match f.rating {
            Some(r) if f.took_place => format!("走访确实进行，评分 {r} 分"),
            _ if f.took_place => "走访确实进行".to_owned(),
            _ => "没有进行这次走访".to_owned(),
        }),
        took_place: form.map(|f| f.took_place.clone()).unwrap_or_default(),
        comment: form.map(|f| f.comment.clone()).unwrap_or_default(),
        stars: (1..=5).map(|n| (n, rating == Some(n))).collect(),
        error: message(""),
        took_place_error: message("took_place"),
        rating_error: message("rating"),
        comment_error: message("comment"),
    }
}

#[derive(Default, Clone)]
struct FeedbackForm {
    csrf: String,
    took_place: String,
    rating: String,
    comment: String,
}

impl FeedbackForm {
    /// The fields of a posted form (a repeated field counts once: the first).
    fn from_pairs(pairs: &[(String, String)]) -> FeedbackForm {
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        FeedbackForm {
            csrf: field("csrf"),
            took_place: field("took_place"),
            rating: field("rating"),
            comment: field("comment"),
        }
    }
}

/// The confirmation as the form posted it. Without a script the rating stays visible when
/// "did not take place" is chosen, so a rating sent with "no" is dropped, not refused.
fn feedback_of(form: &FeedbackForm) -> Result<Feedback, (&'static str, String)> {
    let took_place = match form.took_place.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(("took_place", "请选择这次走访是否确实进行".into())),
    };
    let rating = match form.rating.trim() {
        "" => None,
        _ if !took_place => None,
        r => Some(
            r.parse::<i64>()
                .map_err(|_| ("rating", FeedbackError::RatingOutOfRange.to_string()))?,
        ),
    };
    Feedback::new(took_place, rating, &form.comment).map_err(|e| (e.field(), e.to_string()))
}

/// `POST /q/{code}/visits/{id}`: the enterprise confirms a visit.
pub async fn confirm_visit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path((typed, visit)): Path<(String, String)>,
    body: Body,
) -> Response {
    let bytes = match super::q1::read_body(&headers, body).await {
        Ok(bytes) => bytes,
        Err(()) => return super::q1::too_large_page(),
    };
    let form = FeedbackForm::from_pairs(&super::q1::form_pairs(&bytes));
    let granted = match access(&state, &headers, &typed).await {
        Err(response) => return response,
        Ok(Err(denial)) => return super::denial_page(&state, denial, &typed),
        Ok(Ok(granted)) => granted,
    };
    let Ok(response_id) = visit.parse::<i64>() else {
        return PageError::not_found().into_response();
    };
    let refuse = |field: &'static str, error: String, form: FeedbackForm| Refused {
        response_id,
        form,
        error,
        field,
    };
    if !csrf_ok(&headers, &form.csrf) {
        let refused = refuse("", "页面已过期，请再点一次“提交确认”。".into(), form);
        return home(
            &state,
            &headers,
            granted,
            Some(refused),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let feedback = match feedback_of(&form) {
        Ok(f) => f,
        Err((field, message)) => {
            let refused = refuse(field, message, form);
            return home(
                &state,
                &headers,
                granted,
                Some(refused),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let scope = granted.scope();
    let id = granted.holder.enterprise_id;
    let ua = super::user_agent(&headers);
    let saved = state
        .db(move |s| {
            let meta = ClientMeta {
                ip: Some(&client),
                user_agent: ua.as_deref(),
            };
            s.record_visit_feedback(&scope, id, response_id, &feedback, meta)
        })
        .await;
    match saved {
        Ok(_) => see_other(&format!("{}#visit-{response_id}", granted.base())),
        Err(StoreError::Conflict(message)) => {
            let refused = refuse("", message, form);
            home(
                &state,
                &headers,
                granted,
                Some(refused),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}
