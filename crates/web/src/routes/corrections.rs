//! Audited corrections (`/responses/{id}/correct`): a submitted answer — q1, a visit, a
//! solution — changes only here, with a reason, the old answers kept beside the new. Who may
//! correct what is the store's rule (`may_correct`): HQ and the enterprise's bureau any
//! questionnaire; the bank, its branch and the holding manager the bank's own (q2, q3),
//! never the enterprise's q1. Everyone else gets "not found". The page shows every earlier
//! correction as old answer → new answer.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use yinqi_domain::questionnaire::Definition;
use yinqi_store::{
    Correction, Enterprise, Response as Answer, ResponseStatus, StoreError, may_correct,
};

use super::answer_forms::{FormSpec, render_form, show_refusal};
use super::pages::{form_caller, logged_in, see_other};
use super::solutions::{answers_to_send, id_from_path};
use crate::AppState;
use crate::answers_view::{changes, has_personal};
use crate::clock::{beijing, today_beijing};
use crate::error::PageError;
use crate::form_answers::PostedForm;
use crate::work_templates::{CorrectionRow, ReasonField};

/// A submitted answer the caller may correct, with what the page needs.
struct Loaded {
    answer: Answer,
    enterprise: Enterprise,
    def: Arc<Definition>,
    corrections: Vec<Correction>,
}

fn load(s: &yinqi_store::Store, scope: &yinqi_store::Scope, id: i64) -> Result<Loaded, StoreError> {
    let answer = s.response(scope, id)?;
    if !may_correct(scope, &answer.questionnaire) || answer.status != ResponseStatus::Submitted {
        return Err(StoreError::NotFound);
    }
    Ok(Loaded {
        enterprise: s.enterprise_by_id(scope, answer.enterprise_id)?,
        def: s.questionnaire(&answer.questionnaire, answer.version)?,
        corrections: s.corrections(scope, id)?,
        answer,
    })
}

fn heading(questionnaire: &str) -> &'static str {
    match questionnaire {
        "q1" => "更正问卷一（融资需求）",
        "q2" => "更正走访记录（问卷二）",
        _ => "更正融资方案（问卷三）",
    }
}

fn spec_of(loaded: Loaded) -> FormSpec {
    let mut spec = FormSpec::new(
        heading(&loaded.answer.questionnaire).to_owned(),
        format!("/responses/{}/correct", loaded.answer.id),
        loaded.enterprise,
        loaded.def.clone(),
    );
    spec.notice = Some(format!(
        "原答案于 {} 提交。提交更正后原答案留档，更正记入审计日志。",
        loaded.answer.submitted_at.map(beijing).unwrap_or_default()
    ));
    spec.values = loaded.answer.answers;
    spec.corrections = loaded
        .corrections
        .iter()
        .rev()
        .map(|c| CorrectionRow {
            at: beijing(c.at),
            actor: c.actor.clone(),
            reason: c.reason.clone(),
            lines: changes(&loaded.def, &c.old_answers, &c.new_answers),
        })
        .collect();
    spec.reason = Some(ReasonField {
        label: "更正原因",
        required: true,
        value: String::new(),
        error: String::new(),
        help: "例如：企业来电说明填错、走访记录录入有误。",
    });
    spec.submit_label = "提交更正";
    spec
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let id = id_from_path(&id)?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let loaded = state
        .db(move |s| {
            let loaded = load(s, &scope, id)?;
            // The form shows the respondent's name and mobile in full to be corrected: a
            // view of personal data, recorded like any other.
            if has_personal(&loaded.def, &loaded.answer.answers) {
                s.record_audit(
                    &actor,
                    "answers.reveal",
                    Some(loaded.enterprise.campaign_id),
                    Some(&loaded.enterprise.bureau_code),
                    Some(&loaded.enterprise.uscc),
                    &serde_json::json!({ "response": id, "for": "correction" }),
                )?;
            }
            Ok(loaded)
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    Ok(render_form(&state, &caller, spec_of(loaded)).await)
}

pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let posted = PostedForm::parse(pairs);
    let caller = form_caller(&state, &headers, &posted.csrf).await?;
    let id = id_from_path(&id)?;
    let scope = caller.scope.clone();
    let user_id = caller.user.as_ref().map(|u| u.id);
    let actor = caller.actor.clone();
    let posted = Arc::new(posted);
    let form = posted.clone();
    let reason = posted.reason.trim().to_owned();
    let (loaded, result) = state
        .db(move |s| {
            let loaded = load(s, &scope, id)?;
            if reason.is_empty() {
                return Ok((loaded, None));
            }
            let result = answers_to_send(&loaded.def, &form).and_then(|answers| {
                s.correct(
                    &scope,
                    id,
                    &answers,
                    today_beijing(),
                    &reason,
                    user_id,
                    &actor,
                )
            });
            Ok((loaded, Some(result)))
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let refused = match result {
        Some(Ok(_)) => {
            return Ok(see_other(&format!(
                "/enterprises/{}?done=corrected#answers",
                loaded.enterprise.uscc
            )));
        }
        Some(Err(e)) => Some(e),
        None => None,
    };
    let def = loaded.def.clone();
    let mut spec = spec_of(loaded);
    spec.values = posted.answers(&def);
    match refused {
        Some(e) => show_refusal(&mut spec, e)?,
        None => {
            spec.status = StatusCode::UNPROCESSABLE_ENTITY;
            spec.error = Some("请写明更正原因".into());
            if let Some(r) = spec.reason.as_mut() {
                r.error = "更正须说明原因".into();
            }
        }
    }
    if let Some(r) = spec.reason.as_mut() {
        r.value = posted.reason.clone();
    }
    Ok(render_form(&state, &caller, spec).await)
}
