//! Staff filling in a questionnaire for an enterprise: a visit (q2, `/work/{uscc}/visit`) by
//! the customer manager holding it, a financing solution (q3, `/work/{uscc}/solutions/new`)
//! by that manager or the bank. The form carries a client id made when it opened, so a retry
//! or a double click saves once; drafts are kept and reopened; errors come back next to each
//! question and nothing saved is lost. [`render_form`] is shared with the solution and
//! correction pages.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header::USER_AGENT};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value as J};
use yinqi_domain::questionnaire::{Definition, FieldError};
use yinqi_store::{
    AnswerInput, ClientMeta, Enterprise, Response as Answer, ResponseStatus, Scope, StoreError,
    now_millis,
};

use super::pages::{ClientAddr, form_caller, logged_in, nav, see_other, uscc_from_path};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::{beijing, today_beijing};
use crate::error::PageError;
use crate::form_answers::{PostedForm, new_client_id};
use crate::questionnaire_form::form_view;
use crate::templates::render;
use crate::work_templates::{AnswerFormPage, CorrectionRow, ReasonField, StatusRow};

/// Everything an answer form page shows besides the questions' own state.
pub struct FormSpec {
    pub heading: String,
    pub action: String,
    pub enterprise: Enterprise,
    pub def: Arc<Definition>,
    pub values: Map<String, J>,
    pub errors: Vec<FieldError>,
    /// Empty for forms that change a submitted answer rather than save a new one.
    pub client_id: String,
    pub opened_at: i64,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub new_link: Option<String>,
    pub history: Vec<StatusRow>,
    pub reason: Option<ReasonField>,
    pub draft_button: bool,
    pub submit_label: &'static str,
    pub corrections: Vec<CorrectionRow>,
    /// Notes added under a question's help (which statuses a solution may move to).
    pub notes: Vec<(&'static str, String)>,
    pub status: StatusCode,
}

impl FormSpec {
    /// A spec with nothing but the essentials; callers fill in the rest.
    pub fn new(
        heading: String,
        action: String,
        enterprise: Enterprise,
        def: Arc<Definition>,
    ) -> FormSpec {
        FormSpec {
            heading,
            action,
            enterprise,
            def,
            values: Map::new(),
            errors: vec![],
            client_id: String::new(),
            opened_at: 0,
            notice: None,
            error: None,
            new_link: None,
            history: vec![],
            reason: None,
            draft_button: false,
            submit_label: "提交",
            corrections: vec![],
            notes: vec![],
            status: StatusCode::OK,
        }
    }
}

/// Whether a client id is one the store accepts (else a fresh one is given to the form).
fn usable_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn render_form(state: &AppState, caller: &Caller, spec: FormSpec) -> Response {
    let mut form = form_view(&spec.def, &spec.values, &spec.errors);
    for (question, note) in &spec.notes {
        for q in form
            .sections
            .iter_mut()
            .flat_map(|s| s.questions.iter_mut())
        {
            if q.id == *question {
                q.help = format!("{} {note}", q.help).trim().to_owned();
            }
        }
    }
    let other_errors = spec
        .errors
        .iter()
        .filter(|e| spec.def.question(&e.question).is_none())
        .map(|e| format!("{}：{}", e.question, e.message))
        .collect();
    let field_errors = spec
        .errors
        .iter()
        .filter(|e| spec.def.question(&e.question).is_some())
        .count();
    let client_id = match (spec.draft_button, usable_client_id(&spec.client_id)) {
        (true, false) => new_client_id(),
        _ => spec.client_id,
    };
    let page = AnswerFormPage {
        nav: nav(state, caller).await,
        form,
        preview: false,
        action: spec.action,
        csrf: caller.csrf.clone().unwrap_or_default(),
        heading: spec.heading,
        back_link: format!("/enterprises/{}#answers", spec.enterprise.uscc),
        enterprise_name: spec.enterprise.name,
        enterprise_uscc: spec.enterprise.uscc,
        client_id,
        opened_at: spec.opened_at,
        notice: spec.notice,
        error: spec.error,
        other_errors,
        field_errors,
        new_link: spec.new_link,
        history: spec.history,
        reason: spec.reason,
        draft_button: spec.draft_button,
        submit_label: spec.submit_label,
        corrections: spec.corrections,
    };
    (spec.status, Html(render(&page))).into_response()
}

/// A refused save as the page shows it: per-question errors, or one message on top. (The
/// error is the response itself, as every handler returns.)
#[allow(clippy::result_large_err)]
pub fn show_refusal(spec: &mut FormSpec, e: StoreError) -> Result<(), Response> {
    match e {
        StoreError::Answers(errors) => {
            spec.errors = errors;
            spec.status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        StoreError::Invalid(m) => {
            spec.error = Some(m);
            spec.status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        StoreError::Conflict(m) => {
            spec.error = Some(m);
            spec.status = StatusCode::CONFLICT;
        }
        other => return Err(PageError::from(other).into_response()),
    }
    Ok(())
}

/// Which new answer set a form makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NewAnswer {
    Visit,
    Solution,
}

impl NewAnswer {
    fn questionnaire(self) -> &'static str {
        match self {
            NewAnswer::Visit => "q2",
            NewAnswer::Solution => "q3",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            NewAnswer::Visit => "记录走访",
            NewAnswer::Solution => "新建融资方案",
        }
    }

    fn path(self, uscc: &str) -> String {
        match self {
            NewAnswer::Visit => format!("/work/{uscc}/visit"),
            NewAnswer::Solution => format!("/work/{uscc}/solutions/new"),
        }
    }

    /// Who fills it in (the store checks again): a visit is the holding manager's; a
    /// solution also the bank's or branch's.
    fn allowed(self, scope: &Scope) -> bool {
        match self {
            NewAnswer::Visit => matches!(scope, Scope::Manager(_)),
            NewAnswer::Solution => yinqi_store::may_update_solution(scope),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct OpenQuery {
    /// A saved draft to continue.
    draft: Option<i64>,
    /// `1`: a blank form even when a draft is waiting.
    #[serde(default)]
    new: String,
}

pub async fn visit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Query(query): Query<OpenQuery>,
) -> Result<Response, Response> {
    open_form(&state, &headers, &uscc, query, NewAnswer::Visit).await
}

pub async fn solution_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Query(query): Query<OpenQuery>,
) -> Result<Response, Response> {
    open_form(&state, &headers, &uscc, query, NewAnswer::Solution).await
}

pub async fn visit_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    Path(uscc): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save_form(&state, &headers, ip, &uscc, pairs, NewAnswer::Visit).await
}

pub async fn solution_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    Path(uscc): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save_form(&state, &headers, ip, &uscc, pairs, NewAnswer::Solution).await
}

/// A new form, or the caller's draft to continue (the one named, else the newest).
async fn open_form(
    state: &AppState,
    headers: &HeaderMap,
    uscc: &str,
    query: OpenQuery,
    kind: NewAnswer,
) -> Result<Response, Response> {
    let caller = logged_in(state, headers).await?;
    let code = uscc_from_path(uscc)?;
    if !kind.allowed(&caller.scope) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let me = caller.user.as_ref().map(|u| u.id);
    let q = kind.questionnaire();
    let (e, def, draft) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&scope, campaign.id, code.as_str())?;
            let mut drafts = s
                .responses_of(&scope, e.id, Some(q))?
                .into_iter()
                .filter(|r| r.status == ResponseStatus::Draft && r.user_id == me);
            let draft = match query.draft {
                Some(id) => Some(drafts.find(|r| r.id == id).ok_or(StoreError::NotFound)?),
                None if query.new == "1" => None,
                None => drafts.next_back(),
            };
            let def = match &draft {
                Some(d) => s.questionnaire(q, d.version)?,
                None => s.latest_questionnaire(q)?,
            };
            Ok((e, def, draft))
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let path = kind.path(&e.uscc);
    let mut spec = FormSpec::new(kind.heading().to_owned(), path.clone(), e, def);
    spec.draft_button = true;
    spec.submit_label = "提交";
    match draft {
        Some(d) => {
            spec.notice = Some(format!("继续填写 {} 保存的草稿。", beijing(d.saved_at)));
            spec.new_link = Some(format!("{path}?new=1"));
            spec.values = d.answers;
            spec.client_id = d.client_id;
            spec.opened_at = d.opened_at;
        }
        None => {
            spec.client_id = new_client_id();
            spec.opened_at = now_millis();
        }
    }
    Ok(render_form(state, &caller, spec).await)
}

/// What one save did, with what the page needs to show it again.
struct Saved {
    enterprise: Enterprise,
    def: Arc<Definition>,
    answers: Map<String, J>,
    result: Result<Answer, StoreError>,
}

async fn save_form(
    state: &AppState,
    headers: &HeaderMap,
    ip: String,
    uscc: &str,
    pairs: Vec<(String, String)>,
    kind: NewAnswer,
) -> Result<Response, Response> {
    let posted = PostedForm::parse(pairs);
    let caller = form_caller(state, headers, &posted.csrf).await?;
    let code = uscc_from_path(uscc)?;
    if !kind.allowed(&caller.scope) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let user_id = caller.user.as_ref().map(|u| u.id);
    let actor = caller.actor.clone();
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(300).collect::<String>());
    let q = kind.questionnaire();
    let posted = Arc::new(posted);
    let form = posted.clone();
    let saved = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let e = s.enterprise_by_uscc(&scope, campaign.id, code.as_str())?;
            // A version this database does not have (a tampered form): the newest form is
            // shown again with the message, nothing saved.
            let Some(def) = form.version.and_then(|v| s.questionnaire(q, v).ok()) else {
                let def = s.latest_questionnaire(q)?;
                let answers = form.answers(&def);
                return Ok(Saved {
                    enterprise: e,
                    def,
                    answers,
                    result: Err(StoreError::Invalid(
                        "问卷版本无效，请刷新页面后重新填写".into(),
                    )),
                });
            };
            let answers = form.answers(&def);
            let input = AnswerInput {
                enterprise_id: e.id,
                questionnaire: q,
                version: def.version,
                client_id: &form.client_id,
                answers: &answers,
                today: today_beijing(),
                hidden: form.hidden_answers(),
                opened_at: form.opened_at,
                user_id,
                actor: &actor,
                client: ClientMeta {
                    ip: Some(&ip),
                    user_agent: user_agent.as_deref(),
                },
            };
            let result = if form.draft {
                s.save_draft(&scope, &input)
            } else {
                s.submit(&scope, &input)
            };
            if let Err(StoreError::NotFound) = result {
                return Err(StoreError::NotFound);
            }
            Ok(Saved {
                enterprise: e,
                def,
                answers,
                result,
            })
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let mut spec = FormSpec::new(
        kind.heading().to_owned(),
        kind.path(&saved.enterprise.uscc),
        saved.enterprise,
        saved.def,
    );
    spec.draft_button = true;
    spec.client_id = posted.client_id.clone();
    spec.opened_at = posted.opened_at.unwrap_or_else(now_millis);
    match saved.result {
        Ok(r) if r.status == ResponseStatus::Submitted => Ok(match kind {
            NewAnswer::Visit => see_other(&format!(
                "/enterprises/{}?done=visit#answers",
                spec.enterprise.uscc
            )),
            NewAnswer::Solution => see_other(&format!("/work/solutions/{}?done=solution", r.id)),
        }),
        Ok(r) => {
            spec.notice = Some(format!(
                "草稿已于 {} 保存，可稍后从企业页面继续填写。",
                beijing(r.saved_at)
            ));
            spec.values = r.answers;
            spec.opened_at = r.opened_at;
            Ok(render_form(state, &caller, spec).await)
        }
        Err(e) => {
            spec.values = saved.answers;
            show_refusal(&mut spec, e)?;
            Ok(render_form(state, &caller, spec).await)
        }
    }
}
