//! A financing solution (q3) over time: `/work/solutions/{id}` shows its status history and,
//! while it is open and the caller moves solutions on (the holding manager, the bank or
//! branch), the whole form to record progress — the status may only move where
//! `SolutionStatus::may_become` allows, and the store says so in words when it does not.
//! A final status (closed, declined, withdrawn, no real need, referred) makes it read-only;
//! a mistake is then fixed by an audited correction.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value as J};
use yinqi_domain::questionnaire::{Context, Definition, HiddenAnswers, Mode, SolutionStatus};
use yinqi_store::{
    Enterprise, Response as Answer, ResponseStatus, StatusChange, StoreError, may_correct,
    may_update_solution,
};

use super::answer_forms::{FormSpec, render_form, show_refusal};
use super::pages::{form_caller, logged_in, nav, see_other};
use crate::AppState;
use crate::answers_view::{in_words, label_of};
use crate::auth::Caller;
use crate::clock::{beijing, today_beijing};
use crate::error::PageError;
use crate::form_answers::PostedForm;
use crate::templates::render;
use crate::work_templates::{ReasonField, SolutionPage, StatusRow};

/// An id from a path: anything but a number is "not found", like a row out of scope.
#[allow(clippy::result_large_err)]
pub fn id_from_path(text: &str) -> Result<i64, Response> {
    text.parse()
        .map_err(|_| PageError::not_found().into_response())
}

/// A solution with what its page needs.
struct Loaded {
    answer: Answer,
    enterprise: Enterprise,
    def: Arc<Definition>,
    history: Vec<StatusChange>,
}

fn load(s: &yinqi_store::Store, scope: &yinqi_store::Scope, id: i64) -> Result<Loaded, StoreError> {
    let answer = s.response(scope, id)?;
    if answer.questionnaire != "q3" {
        return Err(StoreError::NotFound);
    }
    Ok(Loaded {
        enterprise: s.enterprise_by_id(scope, answer.enterprise_id)?,
        def: s.questionnaire("q3", answer.version)?,
        history: s.solution_history(scope, id)?,
        answer,
    })
}

fn status_label(def: &Definition, s: SolutionStatus) -> String {
    label_of(def, "status", s.code())
}

fn history_rows(def: &Definition, history: &[StatusChange]) -> Vec<StatusRow> {
    history
        .iter()
        .map(|h| StatusRow {
            at: beijing(h.at),
            change: match h.from {
                None => format!("提交方案：{}", status_label(def, h.to)),
                Some(from) if from == h.to => status_label(def, h.to),
                Some(from) => format!("{} → {}", status_label(def, from), status_label(def, h.to)),
            },
            reason: h.reason.clone().unwrap_or_default(),
            actor: h.actor.clone(),
        })
        .collect()
}

/// "可改为：已提交申请、审批中…" for the status question.
fn next_statuses(def: &Definition, from: SolutionStatus) -> String {
    let next: Vec<String> = SolutionStatus::ALL
        .into_iter()
        .filter(|s| *s != from && from.may_become(*s))
        .map(|s| status_label(def, s))
        .collect();
    format!(
        "当前状态为“{}”，可改为：{}。",
        status_label(def, from),
        next.join("、")
    )
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let id = id_from_path(&id)?;
    let scope = caller.scope.clone();
    let loaded = state
        .db(move |s| load(s, &scope, id))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let notice = super::work::notice_for(&query.done);
    if loaded.answer.status == ResponseStatus::Draft {
        // A draft is its writer's to continue; nobody else sees it here.
        let mine = loaded.answer.user_id.is_some()
            && loaded.answer.user_id == caller.user.as_ref().map(|u| u.id);
        if !mine {
            return Err(PageError::not_found().into_response());
        }
        return Ok(see_other(&format!(
            "/work/{}/solutions/new?draft={id}",
            loaded.enterprise.uscc
        )));
    }
    let status = loaded
        .answer
        .solution_status
        .unwrap_or(SolutionStatus::Proposed);
    if may_update_solution(&caller.scope) && !status.is_final() {
        let mut spec = update_spec(loaded);
        spec.notice = notice.map(str::to_owned);
        return Ok(render_form(&state, &caller, spec).await);
    }
    Ok(read_only(&state, &caller, loaded, notice).await)
}

/// The form that records a solution's progress, filled with its answers now.
fn update_spec(loaded: Loaded) -> FormSpec {
    let id = loaded.answer.id;
    let status = loaded
        .answer
        .solution_status
        .unwrap_or(SolutionStatus::Proposed);
    let title = product_name(&loaded.answer.answers);
    let mut spec = FormSpec::new(
        format!("融资方案：{title}"),
        format!("/work/solutions/{id}"),
        loaded.enterprise,
        loaded.def.clone(),
    );
    spec.values = loaded.answer.answers;
    spec.history = history_rows(&loaded.def, &loaded.history);
    spec.notes = vec![("status", next_statuses(&loaded.def, status))];
    spec.reason = Some(ReasonField {
        label: "状态变更说明",
        required: false,
        value: String::new(),
        error: String::new(),
        help: "改变状态时请写明缘由，例如审批意见、企业撤回的原因；只更新其他内容时可不填。",
    });
    spec.submit_label = "保存进展";
    spec
}

fn product_name(answers: &Map<String, J>) -> String {
    answers
        .get("product_name")
        .and_then(J::as_str)
        .unwrap_or("融资方案")
        .to_owned()
}

async fn read_only(
    state: &AppState,
    caller: &Caller,
    loaded: Loaded,
    notice: Option<&'static str>,
) -> Response {
    let status = loaded
        .answer
        .solution_status
        .unwrap_or(SolutionStatus::Proposed);
    let page = SolutionPage {
        nav: nav(state, caller).await,
        title: product_name(&loaded.answer.answers),
        status_label: status_label(&loaded.def, status),
        is_final: status.is_final(),
        sections: in_words(&loaded.def, &loaded.answer.answers, false),
        history: history_rows(&loaded.def, &loaded.history),
        correct_link: may_correct(&caller.scope, "q3")
            .then(|| format!("/responses/{}/correct", loaded.answer.id)),
        enterprise_name: loaded.enterprise.name,
        enterprise_uscc: loaded.enterprise.uscc,
        notice,
    };
    Html(render(&page)).into_response()
}

/// The answers to send: as posted with the page script; without it, answers to questions
/// that no longer apply are dropped first (the store refuses them otherwise).
pub fn answers_to_send(
    def: &Definition,
    posted: &PostedForm,
) -> Result<Map<String, J>, StoreError> {
    let answers = posted.answers(def);
    if posted.hidden_answers() == HiddenAnswers::Refuse {
        return Ok(answers);
    }
    let ctx = Context {
        today: today_beijing(),
        mode: Mode::Submit,
        hidden: HiddenAnswers::Drop,
    };
    def.validate(&answers, &ctx)
        .map(|n| n.to_json())
        .map_err(StoreError::Answers)
}

pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let posted = PostedForm::parse(pairs);
    let caller = form_caller(&state, &headers, &posted.csrf).await?;
    let id = id_from_path(&id)?;
    if !may_update_solution(&caller.scope) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let user_id = caller.user.as_ref().map(|u| u.id);
    let actor = caller.actor.clone();
    let posted = Arc::new(posted);
    let form = posted.clone();
    let (loaded, result) = state
        .db(move |s| {
            let loaded = load(s, &scope, id)?;
            if loaded.answer.status != ResponseStatus::Submitted {
                return Err(StoreError::NotFound);
            }
            let result = answers_to_send(&loaded.def, &form).and_then(|answers| {
                s.update_solution(
                    &scope,
                    id,
                    &answers,
                    today_beijing(),
                    Some(&form.reason),
                    user_id,
                    &actor,
                )
            });
            Ok((loaded, result))
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    if result.is_ok() {
        return Ok(see_other(&format!("/work/solutions/{id}?done=updated")));
    }
    let def = loaded.def.clone();
    let mut spec = update_spec(loaded);
    spec.values = posted.answers(&def);
    if let Some(r) = spec.reason.as_mut() {
        r.value = posted.reason.clone();
    }
    if let Err(e) = result {
        // A refused status change belongs next to the status question too.
        if let StoreError::Invalid(m) = &e {
            spec.errors.push(yinqi_domain::questionnaire::FieldError {
                question: "status".into(),
                message: m.clone(),
            });
        }
        show_refusal(&mut spec, e)?;
    }
    Ok(render_form(&state, &caller, spec).await)
}
