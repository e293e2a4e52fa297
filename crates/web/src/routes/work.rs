//! The customer manager's workbench (`/work`, also the manager's home page): the enterprises
//! they hold, counted and filtered by where each stands, with the standard SMS and link ready
//! to copy and a form to mark the link as pushed.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_domain::invitation::InvitationCode;
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_store::{
    PushChannel, Scope, VISIT_DUE_DAYS, WorkFilter, WorkPage, WorkRow, WorkStatus, now_millis,
};

use super::codes::sms_for;
use super::pages::{form_caller, logged_in, nav, see_other, url_encode, uscc_from_path};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::render;
use crate::work_templates::{Channels, WorkCard, WorkChip, WorkbenchPage};

/// Enterprises per workbench page.
const PAGE_SIZE: u32 = 30;

/// What a page says after a redirect (`?done=…`): fixed texts, nothing from the URL shown.
pub fn notice_for(done: &str) -> Option<&'static str> {
    Some(match done {
        "pushed" => "已标记为已推送。",
        "visit" => "走访记录已提交。",
        "solution" => "融资方案已提交。",
        "updated" => "方案进展已保存。",
        "corrected" => "更正已保存，原答案已留档。",
        _ => return None,
    })
}

/// The push form's choices.
pub fn channels() -> Channels {
    PushChannel::ALL
        .iter()
        .map(|c| (c.code(), c.label_zh()))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct WorkQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    after: Option<i64>,
    #[serde(default)]
    done: String,
}

pub async fn workbench(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<WorkQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    workbench_page(&state, &caller, query).await
}

/// The workbench of a logged-in customer manager; anyone else: not found.
pub async fn workbench_page(
    state: &AppState,
    caller: &Caller,
    query: WorkQuery,
) -> Result<Response, Response> {
    if !matches!(caller.scope, Scope::Manager(_)) {
        return Err(PageError::not_found().into_response());
    }
    let status = WorkStatus::from_code(&query.status);
    let filter = WorkFilter {
        status,
        query: Some(query.q.trim().to_owned()).filter(|q| !q.is_empty()),
        as_of: now_millis(),
    };
    let page = WorkPage {
        after: query.after,
        size: PAGE_SIZE,
    };
    let scope = caller.scope.clone();
    let list = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.manager_worklist(&scope, campaign.id, &filter, page)
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    let status_code = status.map_or("", WorkStatus::code);
    let next_link = list.rows.last().filter(|_| list.more).map(|last| {
        format!(
            "/work?status={status_code}&q={}&after={}",
            url_encode(&query.q),
            last.enterprise_id
        )
    });
    let page = WorkbenchPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.clone().unwrap_or_default(),
        chips: list
            .counts
            .iter()
            .map(|(s, n)| WorkChip {
                code: s.code(),
                label: s.label_zh(),
                count: *n,
                active: Some(*s) == status,
            })
            .collect(),
        total: list.total,
        status: status_code.to_owned(),
        q: query.q.clone(),
        cards: list.rows.iter().map(|r| card(state, r)).collect(),
        next_link,
        notice: notice_for(&query.done),
        channels: channels(),
        due_days: VISIT_DUE_DAYS,
    };
    Ok(Html(render(&page)).into_response())
}

/// One held enterprise as a card: status, masked contact, what happened, the SMS.
fn card(state: &AppState, r: &WorkRow) -> WorkCard {
    let mut facts = vec![];
    if let Some((at, channel)) = r.last_push {
        facts.push(format!(
            "{} 已通过{}推送链接",
            beijing(at),
            channel.label_zh()
        ));
    }
    match (r.q1_submitted_at, r.q1_draft) {
        (Some(at), _) => facts.push(format!(
            "{} 提交问卷一{}",
            beijing(at),
            if r.wants_visit {
                "，希望客户经理上门走访"
            } else {
                "，未要求走访"
            }
        )),
        (None, true) => facts.push("企业已打开问卷一，尚未提交".to_owned()),
        (None, false) => {}
    }
    if r.status == WorkStatus::VisitOverdue {
        facts.push(format!("希望走访已超过 {VISIT_DUE_DAYS} 天，尚未记录走访"));
    }
    if r.visits > 0 {
        facts.push(format!("已走访 {} 次", r.visits));
    }
    if r.solutions > 0 {
        facts.push(format!(
            "融资方案 {} 个，其中进行中 {} 个",
            r.solutions, r.open_solutions
        ));
    }
    let contact = format!(
        "{} {}",
        r.contact_name.as_deref().map(mask_name).unwrap_or_default(),
        r.contact_phone
            .as_deref()
            .map(mask_phone)
            .unwrap_or_default()
    );
    let sms = r
        .code
        .as_deref()
        .and_then(|c| InvitationCode::parse(c).ok())
        .map(|code| {
            sms_for(
                &state.config,
                r.bank_name.as_deref().unwrap_or("开户银行"),
                &r.name,
                &code,
            )
        });
    WorkCard {
        uscc: r.uscc.clone(),
        name: r.name.clone(),
        status_code: r.status.code(),
        status_label: r.status.label_zh(),
        contact: contact.trim().to_owned(),
        facts,
        sms,
    }
}

#[derive(Deserialize)]
pub struct PushForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    /// Where to go afterwards: the workbench (`work`) or the enterprise's page.
    #[serde(default)]
    back: String,
    /// The workbench filter to return to.
    #[serde(default)]
    status: String,
}

/// Marks an enterprise's link as pushed through the chosen channel (audited).
pub async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<PushForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let code = uscc_from_path(&uscc)?;
    let Some(channel) = PushChannel::from_code(&form.channel) else {
        return Err(PageError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "请选择推送方式（短信、微信、电话或当面）",
        )
        .into_response());
    };
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let user_id = caller.user.as_ref().map(|u| u.id);
    let uscc = code.as_str().to_owned();
    let target = uscc.clone();
    state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.mark_pushed(&scope, campaign.id, &target, channel, user_id, &actor)
        })
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    Ok(if form.back == "work" {
        let status = WorkStatus::from_code(&form.status).map_or("", WorkStatus::code);
        see_other(&format!("/work?status={status}&done=pushed"))
    } else {
        see_other(&format!("/enterprises/{uscc}?done=pushed#answers"))
    })
}
