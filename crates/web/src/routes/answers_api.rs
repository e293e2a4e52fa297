//! The bank API over questionnaire answers (issue 4, part 7): a bank's own systems read the
//! answers of their enterprises, create financing solutions (questionnaire 3) and move them
//! along. The store does the same checks as for the pages (scope, version, validation,
//! idempotent client ids, the status rules); this module only speaks JSON. A refused answer
//! set is a 422 listing each question's problem; an illegal status change 409; a row
//! outside the caller's scope 404.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_domain::questionnaire::{Context, Definition, HiddenAnswers, Mode, SolutionStatus};
use yinqi_store::{AnswerInput, ClientMeta, Response as Answer, StatusChange, StoreError};

use super::api::{body, caller, csrf_checked, uscc_param};
use super::pages::ClientAddr;
use crate::AppState;
use crate::auth::Caller;
use crate::clock::today_beijing;
use crate::error::ApiError;

/// How a personal answer is shown masked.
type Mask = fn(&str) -> String;

/// Answers that are personal data (PIPL: a person's name and mobile), with how each is
/// masked unless the caller asks for them in full (`?contacts=full`, audited).
const PERSONAL_ANSWERS: [(&str, Mask); 2] = [
    ("respondent_name", mask_name),
    ("respondent_mobile", mask_phone),
];

/// A store failure as the answers API reports it: refused answers list every question's
/// problem under `errors` (other refusals have one entry with `question: null`).
fn failure(e: StoreError) -> Response {
    let fields = match &e {
        StoreError::Answers(fields) => fields
            .iter()
            .map(|f| json!({ "question": f.question, "message": f.message }))
            .collect(),
        StoreError::Invalid(message) => vec![json!({ "question": null, "message": message })],
        _ => return ApiError::from(e).into_response(),
    };
    let body = json!({
        "error": { "code": "invalid", "message": e.to_string() },
        "errors": fields,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn api(e: ApiError) -> Response {
    e.into_response()
}

/// The answers shown to the caller: personal answers masked unless `full`.
fn shown_answers(answers: &Map<String, Value>, full: bool) -> Map<String, Value> {
    let mut shown = answers.clone();
    if !full {
        for (id, mask) in PERSONAL_ANSWERS {
            if let Some(Value::String(text)) = shown.get_mut(id) {
                *text = mask(text);
            }
        }
    }
    shown
}

fn answer_json(r: &Answer, full_contacts: bool) -> Value {
    json!({
        "id": r.id,
        "questionnaire": r.questionnaire,
        "version": r.version,
        "status": r.status.code(),
        "client_id": r.client_id,
        "answers": shown_answers(&r.answers, full_contacts),
        "solution_status": r.solution_status.map(SolutionStatus::code),
        "opened_at": r.opened_at,
        "saved_at": r.saved_at,
        "submitted_at": r.submitted_at,
        "duration_ms": r.duration_ms,
        "user_id": r.user_id,
    })
}

fn solution_json(r: &Answer, history: &[StatusChange]) -> Value {
    let mut v = answer_json(r, false);
    v["enterprise_id"] = json!(r.enterprise_id);
    v["history"] = history
        .iter()
        .map(|h| {
            json!({
                "from": h.from.map(SolutionStatus::code),
                "to": h.to.code(),
                "reason": h.reason,
                "actor": h.actor,
                "user_id": h.user_id,
                "at": h.at,
            })
        })
        .collect();
    v
}

#[derive(Deserialize)]
pub struct AnswersParams {
    questionnaire: Option<String>,
    contacts: Option<String>,
}

/// `GET /api/v1/enterprises/{uscc}/answers[?questionnaire=q1|q2|q3][&contacts=full]`.
pub async fn answers(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    params: Result<Query<AnswersParams>, QueryRejection>,
) -> Result<Json<Value>, Response> {
    let Query(p) = params.map_err(|e| {
        api(ApiError::bad_request(format!(
            "查询参数有误：{}",
            e.body_text()
        )))
    })?;
    let questionnaire = match p.questionnaire.as_deref() {
        None | Some("") => None,
        Some(q @ ("q1" | "q2" | "q3")) => Some(q.to_owned()),
        Some(_) => {
            return Err(api(ApiError::bad_request(
                "questionnaire 应为 q1、q2 或 q3",
            )));
        }
    };
    let full = match p.contacts.as_deref() {
        None | Some("" | "masked") => false,
        Some("full") => true,
        Some(_) => return Err(api(ApiError::bad_request("contacts 应为 masked 或 full"))),
    };
    let caller = caller(&state, &headers).await.map_err(api)?;
    let uscc = uscc_param(&uscc).map_err(api)?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let (e, rows) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&scope, campaign.id, uscc.as_str())?;
            let rows = s.responses_of(&scope, e.id, questionnaire.as_deref())?;
            let personal = rows.iter().any(|r| {
                PERSONAL_ANSWERS
                    .iter()
                    .any(|(id, _)| r.answers.contains_key(*id))
            });
            // No record, no data: the look at personal answers is logged before they leave.
            if full && personal {
                s.record_audit(
                    &actor,
                    "answers.reveal",
                    Some(campaign.id),
                    Some(&e.bureau_code),
                    Some(&e.uscc),
                    &json!({ "fields": PERSONAL_ANSWERS.map(|(id, _)| id) }),
                )?;
            }
            Ok((e, rows))
        })
        .await
        .map_err(|e| api(e.into()))?;
    Ok(Json(json!({
        "uscc": e.uscc,
        "items": rows.iter().map(|r| answer_json(r, full)).collect::<Vec<_>>(),
    })))
}

/// The body of `POST /api/v1/enterprises/{uscc}/solutions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSolution {
    /// Generated by the calling system once per solution; a retry with the same id returns
    /// the same solution instead of creating another.
    client_id: String,
    version: u32,
    answers: Map<String, Value>,
    /// When the bank's user started the form (milliseconds since the epoch), if known.
    #[serde(default)]
    opened_at: Option<i64>,
}

/// A state-changing call: the caller, who must carry the session's CSRF token when it comes
/// with a session cookie.
async fn writer(state: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let caller = caller(state, headers).await.map_err(api)?;
    csrf_checked(&caller, headers).map_err(api)?;
    Ok(caller)
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect())
}

/// `POST /api/v1/enterprises/{uscc}/solutions`: submits a new questionnaire 3.
pub async fn create_solution(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    parsed: Result<Json<NewSolution>, JsonRejection>,
) -> Result<Response, Response> {
    let caller = writer(&state, &headers).await?;
    let uscc = uscc_param(&uscc).map_err(api)?;
    let new = body(parsed).map_err(api)?;
    let user_agent = user_agent(&headers);
    let (saved, history) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&caller.scope, campaign.id, uscc.as_str())?;
            let input = AnswerInput {
                enterprise_id: e.id,
                questionnaire: "q3",
                version: new.version,
                client_id: &new.client_id,
                answers: &new.answers,
                today: today_beijing(),
                hidden: HiddenAnswers::Refuse,
                opened_at: new.opened_at,
                user_id: caller.user.as_ref().map(|u| u.id),
                actor: &caller.actor,
                client: ClientMeta {
                    ip: Some(&client),
                    user_agent: user_agent.as_deref(),
                },
            };
            let saved = s.submit(&caller.scope, &input)?;
            let history = s.solution_history(&caller.scope, saved.id)?;
            Ok((saved, history))
        })
        .await
        .map_err(failure)?;
    let location = format!("/api/v1/solutions/{}", saved.id);
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        Json(solution_json(&saved, &history)),
    )
        .into_response())
}

/// `GET /api/v1/solutions/{id}`: one solution with its status history.
pub async fn solution(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Response> {
    let caller = caller(&state, &headers).await.map_err(api)?;
    let id = id_param(&id).map_err(|e| *e)?;
    let (saved, history) = state
        .db(move |s| {
            let saved = s.response(&caller.scope, id)?;
            if saved.questionnaire != "q3" {
                return Err(StoreError::NotFound);
            }
            let history = s.solution_history(&caller.scope, id)?;
            Ok((saved, history))
        })
        .await
        .map_err(|e| api(e.into()))?;
    Ok(Json(solution_json(&saved, &history)))
}

/// A solution id from a path; anything else is "not found", like a row outside the scope.
fn id_param(text: &str) -> Result<i64, Box<Response>> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Box::new(api(ApiError::not_found())))
}

/// The body of `POST /api/v1/solutions/{id}/status`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    status: String,
    /// Why the status changed (kept in the history).
    #[serde(default)]
    reason: Option<String>,
    /// Answers given or changed with this step (`approved_amount` when approving, the
    /// disbursement's details…); the others keep their current values.
    #[serde(default)]
    answers: Option<Map<String, Value>>,
}

/// The whole form for a status update: the current answers, with the answers sent and the
/// new status over them. Answers carried over that the new status hides (an approved amount
/// when the solution is declined) are dropped, as the form does; answers sent with the
/// update are kept, so one to a hidden question is refused by name.
fn updated_form(
    definition: &Definition,
    current: &Map<String, Value>,
    update: &StatusUpdate,
    today: yinqi_domain::questionnaire::Date,
) -> Map<String, Value> {
    let sent = update.answers.clone().unwrap_or_default();
    let mut merged = current.clone();
    merged.extend(sent.clone());
    merged.insert("status".into(), Value::String(update.status.clone()));
    let visible_only = Context {
        today,
        mode: Mode::Draft,
        hidden: HiddenAnswers::Drop,
    };
    let Ok(visible) = definition.validate(&merged, &visible_only) else {
        // Something sent is wrong: the store's validation names it.
        return merged;
    };
    let mut form = visible.to_json();
    for (id, value) in sent {
        form.entry(id).or_insert(value);
    }
    form
}

/// `POST /api/v1/solutions/{id}/status`: moves a solution along
/// (proposed → applied → under review → approved → disbursed → closed, or out of that line).
pub async fn update_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    parsed: Result<Json<StatusUpdate>, JsonRejection>,
) -> Result<Json<Value>, Response> {
    let caller = writer(&state, &headers).await?;
    let id = id_param(&id).map_err(|e| *e)?;
    let update = body(parsed).map_err(api)?;
    let (saved, history) = state
        .db(move |s| {
            let scope = &caller.scope;
            let current = s.response(scope, id)?;
            if current.questionnaire != "q3" {
                return Err(StoreError::NotFound);
            }
            let definition = s.questionnaire("q3", current.version)?;
            let today = today_beijing();
            let form = updated_form(&definition, &current.answers, &update, today);
            let user_id = caller.user.as_ref().map(|u| u.id);
            let saved = s
                .update_solution(
                    scope,
                    id,
                    &form,
                    today,
                    update.reason.as_deref(),
                    user_id,
                    &caller.actor,
                )
                // `update_solution` refuses with `Invalid` exactly when the status may not
                // follow the current one (`SolutionStatus::may_become`): a conflict with
                // the stored state, not a malformed request.
                .map_err(|e| match e {
                    StoreError::Invalid(message) => StoreError::Conflict(message),
                    e => e,
                })?;
            let history = s.solution_history(scope, id)?;
            Ok((saved, history))
        })
        .await
        .map_err(failure)?;
    Ok(Json(solution_json(&saved, &history)))
}
