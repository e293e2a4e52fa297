//! `/q/{code}/q1`: questionnaire 1 for the enterprise holding the pass. `GET` shows the
//! latest version prefilled from the enterprise record, or the saved draft in its own
//! version. `POST` saves a draft or submits, either from the form (re-shown with a message
//! next to each refused answer and everything typed kept) or as JSON (the contract in
//! docs/ARCHITECTURE.md, "The enterprise's flow", which the load generator also speaks).
//! `/q/{code}/done` is the confirmation of a submitted answer.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value as J, json};
use yinqi_domain::questionnaire::{Definition, FieldError, HiddenAnswers, PrefillField};
use yinqi_store::{AnswerInput, ClientMeta, Response as Answer, ResponseStatus, StoreError};

use super::{Denial, Granted, access, csrf_ok, csrf_token, denial_page, see_other, with_csrf};
use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::questionnaire_form::{form_view, summary};
use crate::routes::pages::ClientAddr;
use crate::templates::{EnterpriseDonePage, EnterpriseNoticePage, EnterpriseQ1Page, render};

/// Fields of the form that are not answers.
const CONTROL_FIELDS: [&str; 6] = ["csrf", "client_id", "version", "opened_at", "js", "action"];

/// Reads a body up to the platform's limit (64 KB); `Err` when it is larger.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ()> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > crate::routes::BODY_LIMIT) {
        return Err(());
    }
    axum::body::to_bytes(body, crate::routes::BODY_LIMIT)
        .await
        .map_err(|_| ())
}

const TOO_LARGE: &str = "提交的内容太多（超过 64 KB），没有保存。之前保存的草稿不受影响。请返回上一页，删减过长的文字后再试。";

pub(crate) fn too_large_page() -> Response {
    let page = EnterpriseNoticePage {
        nav: None,
        title: "内容太多",
        message: TOO_LARGE,
        link: "",
        link_text: "",
    };
    (StatusCode::PAYLOAD_TOO_LARGE, Html(render(&page))).into_response()
}

/// The fields of a URL-encoded form, in order (a multiple-choice question repeats its name).
pub(crate) fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// A save or a submission, from the form or from JSON.
struct Posted {
    csrf: String,
    client_id: String,
    version: u32,
    opened_at: Option<i64>,
    submit: bool,
    hidden: HiddenAnswers,
    answers: Map<String, J>,
}

impl Posted {
    /// The form's fields; the rest are answers — a name sent once is a string, a repeated
    /// one an array (the validator accepts one box ticked as a string, and refuses an
    /// array for a single choice). A page whose script ran says `js=1`: it sends no answer
    /// to a hidden question, so one is refused; without the script, values typed before an
    /// earlier choice changed are still in the page and are dropped.
    fn from_form(pairs: Vec<(String, String)>) -> Posted {
        let control = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        let mut answers = Map::new();
        for (k, v) in pairs
            .iter()
            .filter(|(k, _)| !CONTROL_FIELDS.contains(&k.as_str()))
        {
            match answers.get_mut(k) {
                None => {
                    answers.insert(k.clone(), J::String(v.clone()));
                }
                Some(J::Array(items)) => items.push(J::String(v.clone())),
                Some(first) => *first = J::Array(vec![first.take(), J::String(v.clone())]),
            }
        }
        Posted {
            csrf: control("csrf"),
            client_id: control("client_id"),
            version: control("version").parse().unwrap_or(0),
            opened_at: control("opened_at").parse().ok(),
            submit: control("action") == "submit",
            hidden: if control("js") == "1" {
                HiddenAnswers::Refuse
            } else {
                HiddenAnswers::Drop
            },
            answers,
        }
    }
}

/// A client id for a form that has no draft yet.
fn new_client_id() -> String {
    crate::auth::random_token()[..32].to_owned()
}

/// Whether a posted client id could be kept in a re-shown form (the store checks it again).
fn plausible_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Saves or submits `posted` for the enterprise of `granted`.
async fn save(
    state: &AppState,
    headers: &HeaderMap,
    client: String,
    granted: &Granted,
    posted: &Posted,
) -> Result<Answer, StoreError> {
    let scope = granted.scope();
    let enterprise_id = granted.holder.enterprise_id;
    let actor = format!("enterprise:{}", granted.holder.uscc);
    let ua = super::user_agent(headers);
    let (client_id, version, submit, hidden) = (
        posted.client_id.clone(),
        posted.version,
        posted.submit,
        posted.hidden,
    );
    let opened_at = posted.opened_at.filter(|t| *t > 0);
    let answers = posted.answers.clone();
    state
        .db(move |s| {
            let input = AnswerInput {
                enterprise_id,
                questionnaire: "q1",
                version,
                client_id: &client_id,
                answers: &answers,
                today: crate::clock::today_beijing(),
                hidden,
                opened_at,
                user_id: None,
                actor: &actor,
                client: ClientMeta {
                    ip: Some(&client),
                    user_agent: ua.as_deref(),
                },
            };
            if submit {
                s.submit(&scope, &input)
            } else {
                s.save_draft(&scope, &input)
            }
        })
        .await
}

/// The enterprise's questionnaire 1 answer so far, if any.
async fn current(state: &AppState, granted: &Granted) -> Result<Option<Answer>, StoreError> {
    let scope = granted.scope();
    let id = granted.holder.enterprise_id;
    state
        .db(move |s| Ok(s.responses_of(&scope, id, Some("q1"))?.into_iter().next()))
        .await
}

/// The version a form is shown in: `wanted` if it exists, else the draft's, else the newest.
async fn definition(
    state: &AppState,
    wanted: Option<u32>,
    draft: Option<&Answer>,
) -> Result<Arc<Definition>, StoreError> {
    let draft_version = draft.map(|d| d.version);
    state
        .db(move |s| {
            for v in [wanted, draft_version].into_iter().flatten() {
                match s.questionnaire("q1", v) {
                    Ok(def) => return Ok(def),
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            s.latest_questionnaire("q1")
        })
        .await
}

/// What a form page shows besides the questions.
struct FormState {
    values: Map<String, J>,
    client_id: String,
    opened_at: i64,
    notice: Option<String>,
    field_errors: Vec<FieldError>,
    errors: Vec<String>,
}

fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    granted: &Granted,
    def: &Definition,
    form: FormState,
    status: StatusCode,
) -> Response {
    // An error about a question this version does not have cannot sit next to it.
    let (known, unknown): (Vec<_>, Vec<_>) = form
        .field_errors
        .into_iter()
        .partition(|e| def.question(&e.question).is_some());
    let mut errors = form.errors;
    errors.extend(
        unknown
            .into_iter()
            .map(|e| format!("{}：{}", e.question, e.message)),
    );
    let csrf = csrf_token(headers);
    let base = granted.base();
    let page = EnterpriseQ1Page {
        nav: None,
        form: form_view(def, &form.values, &known),
        name: &granted.holder.name,
        action: &format!("{base}/q1"),
        home: &base,
        csrf: &csrf,
        client_id: &form.client_id,
        opened_at: form.opened_at,
        notice: form.notice,
        errors,
        has_field_errors: !known.is_empty(),
    };
    with_csrf(state, (status, Html(render(&page))).into_response(), &csrf)
}

/// `GET /q/{code}/q1`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(typed): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let granted = match access(&state, &headers, &typed).await {
        Err(response) => return response,
        Ok(Err(Denial::NoPass)) => match super::parse_code(&typed) {
            Some(code) => return see_other(&format!("/q/{}", code.as_str())),
            None => return denial_page(&state, Denial::BadCode, &typed),
        },
        Ok(Err(denial)) => return denial_page(&state, denial, &typed),
        Ok(Ok(granted)) => granted,
    };
    let draft = match current(&state, &granted).await {
        Ok(Some(r)) if r.status == ResponseStatus::Submitted => {
            return see_other(&format!("{}/done", granted.base()));
        }
        Ok(found) => found,
        Err(e) => return PageError::from(e).into_response(),
    };
    let def = match definition(&state, None, draft.as_ref()).await {
        Ok(def) => def,
        Err(e) => return PageError::from(e).into_response(),
    };
    let h = &granted.holder;
    // Only the name and credit code: the contact phone on the list is personal data, and
    // the link may have been forwarded.
    let form = match &draft {
        Some(d) => FormState {
            values: d.answers.clone(),
            client_id: d.client_id.clone(),
            opened_at: d.opened_at,
            notice: (query.as_deref() == Some("saved=1")).then(|| {
                format!(
                    "草稿已于 {} 保存。可以关闭页面，以后用同一链接继续填写。",
                    super::minute(d.saved_at)
                )
            }),
            field_errors: vec![],
            errors: vec![],
        },
        None => FormState {
            values: def.prefill(&|field| match field {
                PrefillField::Name => Some(h.name.clone()),
                PrefillField::Uscc => Some(h.uscc.clone()),
                _ => None,
            }),
            client_id: new_client_id(),
            opened_at: yinqi_store::now_millis(),
            notice: None,
            field_errors: vec![],
            errors: vec![],
        },
    };
    form_page(&state, &headers, &granted, &def, form, StatusCode::OK)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// `POST /q/{code}/q1`: the form, or JSON when the body says `application/json`.
pub async fn post(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(typed): Path<String>,
    body: Body,
) -> Response {
    let json = is_json(&headers);
    let Ok(bytes) = read_body(&headers, body).await else {
        return if json {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", TOO_LARGE).into_response()
        } else {
            too_large_page()
        };
    };
    let granted = match access(&state, &headers, &typed).await {
        Err(response) => return response,
        Ok(Err(denial)) if json => return json_denial(denial),
        Ok(Err(denial)) => return denial_page(&state, denial, &typed),
        Ok(Ok(granted)) => granted,
    };
    if json {
        post_json(&state, &headers, client, &granted, &bytes).await
    } else {
        post_form(&state, &headers, client, &granted, &bytes).await
    }
}

async fn post_form(
    state: &AppState,
    headers: &HeaderMap,
    client: String,
    granted: &Granted,
    bytes: &[u8],
) -> Response {
    let posted = Posted::from_form(form_pairs(bytes));
    if !csrf_ok(headers, &posted.csrf) {
        let message = "页面已过期（可能在别的窗口打开过），没有保存。您填写的内容都还在，请再点一次“保存草稿”或“提交问卷”。";
        return reshow(
            state,
            headers,
            granted,
            posted,
            vec![],
            message.into(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let base = granted.base();
    match save(state, headers, client, granted, &posted).await {
        Ok(r) if r.status == ResponseStatus::Submitted => see_other(&format!("{base}/done")),
        Ok(_) => see_other(&format!("{base}/q1?saved=1")),
        Err(StoreError::Answers(errors)) => {
            reshow(
                state,
                headers,
                granted,
                posted,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict(message)) => match current(state, granted).await {
            Ok(Some(r)) if r.status == ResponseStatus::Submitted => {
                see_other(&format!("{base}/done"))
            }
            _ => {
                reshow(
                    state,
                    headers,
                    granted,
                    posted,
                    vec![],
                    message,
                    StatusCode::CONFLICT,
                )
                .await
            }
        },
        Err(StoreError::Invalid(message)) => {
            reshow(
                state,
                headers,
                granted,
                posted,
                vec![],
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The form again with what was posted and why it was not saved.
async fn reshow(
    state: &AppState,
    headers: &HeaderMap,
    granted: &Granted,
    posted: Posted,
    field_errors: Vec<FieldError>,
    message: String,
    status: StatusCode,
) -> Response {
    let draft = match current(state, granted).await {
        Ok(d) => d,
        Err(e) => return PageError::from(e).into_response(),
    };
    let def = match definition(state, Some(posted.version), draft.as_ref()).await {
        Ok(def) => def,
        Err(e) => return PageError::from(e).into_response(),
    };
    let client_id = match &draft {
        Some(d) => d.client_id.clone(),
        None if plausible_client_id(&posted.client_id) => posted.client_id,
        None => new_client_id(),
    };
    let form = FormState {
        values: posted.answers,
        client_id,
        opened_at: draft
            .as_ref()
            .map(|d| d.opened_at)
            .or(posted.opened_at)
            .unwrap_or_else(yinqi_store::now_millis),
        notice: None,
        field_errors,
        errors: (!message.is_empty())
            .then_some(message)
            .into_iter()
            .collect(),
    };
    form_page(state, headers, granted, &def, form, status)
}

/// The JSON body of a save or a submission.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSave {
    client_id: String,
    version: u32,
    #[serde(default)]
    opened_at: Option<i64>,
    action: String,
    answers: Map<String, J>,
}

fn json_denial(denial: Denial) -> Response {
    let (status, _, message) = super::denial_text(denial);
    let code = match denial {
        Denial::BadCode => "not_found",
        Denial::NoPass | Denial::OtherEnterprise => "reopen_link",
        Denial::Revoked => "revoked",
    };
    ApiError::new(status, code, message).into_response()
}

fn json_errors(errors: Vec<(Option<String>, String)>) -> Response {
    let errors: Vec<J> = errors
        .into_iter()
        .map(|(question, message)| json!({ "question": question, "message": message }))
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "errors": errors })),
    )
        .into_response()
}

async fn post_json(
    state: &AppState,
    headers: &HeaderMap,
    client: String,
    granted: &Granted,
    bytes: &[u8],
) -> Response {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !csrf_ok(headers, token) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "缺少或不符的 X-CSRF-Token（应与 yinqi_ent_csrf Cookie 相同），请刷新页面后重试",
        )
        .into_response();
    }
    let body: JsonSave = match serde_json::from_slice(bytes) {
        Ok(body) => body,
        Err(e) => {
            return ApiError::bad_request(format!("请求体不符合约定的 JSON 格式：{e}"))
                .into_response();
        }
    };
    let submit = match body.action.as_str() {
        "save" => false,
        "submit" => true,
        _ => return ApiError::bad_request("action 应为 save 或 submit").into_response(),
    };
    let posted = Posted {
        csrf: String::new(),
        client_id: body.client_id,
        version: body.version,
        opened_at: body.opened_at,
        submit,
        hidden: HiddenAnswers::Refuse,
        answers: body.answers,
    };
    match save(state, headers, client, granted, &posted).await {
        Ok(r) => Json(json!({ "status": r.status.code(), "response_id": r.id })).into_response(),
        Err(StoreError::Answers(errors)) => json_errors(
            errors
                .into_iter()
                .map(|e| (Some(e.question), e.message))
                .collect(),
        ),
        Err(StoreError::Invalid(message)) => json_errors(vec![(None, message)]),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// What happens after the submission, from the answers.
fn next_steps(granted: &Granted, def: &Definition, answers: &Map<String, J>) -> Vec<String> {
    let h = &granted.holder;
    let bank = match (&h.bank_name, &h.branch_name) {
        (Some(b), Some(br)) => format!("{b}（{br}）"),
        (Some(b), None) => b.clone(),
        _ => "贵企业的开户银行".to_owned(),
    };
    let answer = |id: &str| answers.get(id).and_then(J::as_str).unwrap_or_default();
    let label = |id: &str| {
        def.question(id)
            .and_then(|q| q.kind.choices())
            .and_then(|cs| cs.iter().find(|c| c.code == answer(id)))
            .map(|c| c.label.clone())
            .unwrap_or_default()
    };
    let phone = yinqi_domain::phone::mask_phone(answer("respondent_mobile"));
    let mut steps = vec![if answer("wants_visit") == "yes" {
        format!(
            "{bank}的客户经理会通过您留的手机（{phone}）联系您，约定上门时间（您方便的时间：{}）。",
            label("visit_time")
        )
    } else if answer("need") == "yes" {
        format!("{bank}的客户经理会通过您留的手机（{phone}）联系您，介绍适合贵企业的融资产品。")
    } else {
        format!("您的回答已交给{bank}。今后如需融资，可随时联系开户银行。")
    }];
    steps.push("客户经理走访后，请再次打开本链接，确认走访是否确实进行，并为服务评分。".into());
    steps.push("银行不会以本次活动的名义收取任何费用；如遇可疑情况，请向当地银保监局反映。".into());
    steps
}

/// `GET /q/{code}/done`: the confirmation and what was submitted.
pub async fn done(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(typed): Path<String>,
) -> Response {
    let granted = match access(&state, &headers, &typed).await {
        Err(response) => return response,
        Ok(Err(Denial::NoPass)) => match super::parse_code(&typed) {
            Some(code) => return see_other(&format!("/q/{}", code.as_str())),
            None => return denial_page(&state, Denial::BadCode, &typed),
        },
        Ok(Err(denial)) => return denial_page(&state, denial, &typed),
        Ok(Ok(granted)) => granted,
    };
    let answer = match current(&state, &granted).await {
        Ok(Some(r)) if r.status == ResponseStatus::Submitted => r,
        Ok(_) => return see_other(&format!("{}/q1", granted.base())),
        Err(e) => return PageError::from(e).into_response(),
    };
    let def = match definition(&state, Some(answer.version), None).await {
        Ok(def) => def,
        Err(e) => return PageError::from(e).into_response(),
    };
    let page = EnterpriseDonePage {
        nav: None,
        name: &granted.holder.name,
        submitted_at: super::minute(answer.submitted_at.unwrap_or(answer.saved_at)),
        next_steps: next_steps(&granted, &def, &answer.answers),
        summary: summary(&def, &answer.answers),
        home: &granted.base(),
    };
    Html(render(&page)).into_response()
}
