//! The progress pages (issue 5 parts 1–3): `/dashboard` for every scope (the nation by
//! bureau, a bureau by bank, a bank by bureau or branch, a branch by manager, a manager's
//! own), `/supervision` for HQ and bureaus (banks ranked against the schedule, with the
//! "press" action), `/quality` (the quality rules per bank, branch or manager, worst
//! first), `/reminders` (a bank reads and answers what it was pressed about). Every number
//! comes from the rollups (store `progress`); the scope decides what may be asked for.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_domain::progress::{day, quality};
use yinqi_store::{
    Campaign, DashboardView, Level, ProgressReport, ProgressRow, Reminder, Scope, StoreError,
};

use super::pages::{form_caller, logged_in, nav};
use crate::AppState;
use crate::auth::Caller;
use crate::error::PageError;
use crate::progress_view::{
    self as view, Crumb, DashboardPage, QualityPage, RemindersPage, SupervisionPage,
};
use crate::templates::render;

/// The part of the campaign a page looks at: `?bureau=44&bank=7&branch=102…`.
#[derive(Deserialize, Default, Clone)]
pub struct ViewQuery {
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    branch: String,
    /// Set by the redirect after a successful form.
    #[serde(default)]
    done: String,
    /// The bank a supervision row's "press" link chose.
    #[serde(default)]
    press: String,
}

impl ViewQuery {
    /// The view asked for; a bank that is not a number is "not found", like one outside
    /// the scope.
    #[allow(clippy::result_large_err)]
    fn view(&self) -> Result<DashboardView, Response> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let bank = match text(&self.bank) {
            Some(b) => Some(
                b.parse::<i64>()
                    .map_err(|_| PageError::not_found().into_response())?,
            ),
            None => None,
        };
        Ok(DashboardView {
            bureau: text(&self.bureau),
            bank,
            branch: text(&self.branch),
        })
    }
}

fn today() -> day::Day {
    day::of_millis(yinqi_store::now_millis())
}

fn page_error(e: StoreError) -> Response {
    PageError::from(e).into_response()
}

/// The campaign and the report of `view` as `caller` may see it.
async fn load(
    state: &AppState,
    caller: &Caller,
    view: DashboardView,
) -> Result<(Campaign, ProgressReport), Response> {
    let scope = caller.scope.clone();
    state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let report = s.progress_report(&scope, campaign.id, &view, today())?;
            Ok((campaign, report))
        })
        .await
        .map_err(page_error)
}

fn bureau_name(code: &str) -> String {
    yinqi_domain::bureau::by_code(code).map_or_else(|| code.to_owned(), |b| b.name.to_owned())
}

/// `{base}?bureau=…&bank=…&branch=…` with the parts given.
fn href(base: &str, bureau: Option<&str>, bank: Option<i64>, branch: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(b) = bureau {
        parts.push(format!("bureau={b}"));
    }
    if let Some(b) = bank {
        parts.push(format!("bank={b}"));
    }
    if let Some(b) = branch {
        parts.push(format!("branch={b}"));
    }
    if parts.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

/// What the page is about, in words.
fn title(report: &ProgressReport) -> String {
    let v = &report.view;
    if report.manager.is_some() {
        return "我的企业".into();
    }
    if let Some(branch) = &v.branch {
        return report.branch_name.clone().unwrap_or_else(|| branch.clone());
    }
    let bank = report.bank_name.clone().unwrap_or_default();
    match (&v.bureau, v.bank) {
        (Some(b), Some(_)) => format!("{bank}（{}）", bureau_name(b)),
        (None, Some(_)) => format!("{bank}（全国）"),
        (Some(b), None) => bureau_name(b),
        (None, None) => "全国".into(),
    }
}

/// Links back up to the levels above the one shown, as far as the scope reaches.
fn crumbs(scope: &Scope, report: &ProgressReport, base: &str) -> Vec<Crumb> {
    let v = &report.view;
    let bank_name = report.bank_name.clone().unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |label: String, href: String| out.push(Crumb { label, href });
    match scope {
        Scope::Nation | Scope::Aggregates => {
            if v.bureau.is_some() || v.bank.is_some() {
                push("全国".into(), base.into());
            }
            if let (Some(b), Some(_)) = (&v.bureau, v.bank) {
                push(bureau_name(b), href(base, Some(b), None, None));
            }
            if v.branch.is_some() {
                push(bank_name, href(base, v.bureau.as_deref(), v.bank, None));
            }
        }
        Scope::Bureau(b) => {
            if v.bank.is_some() {
                push(bureau_name(b), base.into());
            }
            if v.branch.is_some() {
                push(bank_name, href(base, v.bureau.as_deref(), v.bank, None));
            }
        }
        Scope::Bank { bureau: None, .. } => {
            if v.bureau.is_some() {
                push(format!("{bank_name}（全国）"), base.into());
            }
            if v.branch.is_some() {
                push(bank_name, href(base, v.bureau.as_deref(), v.bank, None));
            }
        }
        Scope::Bank {
            bureau: Some(_), ..
        } if v.branch.is_some() => push(bank_name, base.into()),
        _ => {}
    }
    out
}

/// The link from a row to the level below, on `base` (none below a branch, and none to
/// branches for aggregates-only viewers).
fn row_link(report: &ProgressReport, row: &ProgressRow, base: &str) -> Option<String> {
    let v = &report.view;
    match report.rows_level? {
        Level::Bureau => Some(href(base, Some(&row.key), v.bank, None)),
        Level::Bank => {
            let bank = row.key.parse().ok()?;
            Some(href(base, v.bureau.as_deref(), Some(bank), None))
        }
        Level::Branch if report.min_cell.is_none() => {
            Some(href(base, v.bureau.as_deref(), v.bank, Some(&row.key)))
        }
        _ => None,
    }
}

fn rows_heading(level: Option<Level>) -> &'static str {
    match level {
        Some(Level::Bureau) => "各监管局",
        Some(Level::Bank) => "各银行",
        Some(Level::Branch) => "各网点",
        Some(Level::Manager) => "各客户经理",
        None => "",
    }
}

fn phase(report: &ProgressReport) -> String {
    let s = &report.settings.schedule;
    format!(
        "当前阶段：{}（今天 {}；调查走访阶段 {} 至 {}）",
        s.phase_on(report.today).label_zh(),
        day::iso(report.today),
        day::iso(s.organisation_ends + 1),
        day::iso(s.survey_ends)
    )
}

fn supervises(scope: &Scope) -> bool {
    matches!(scope, Scope::Nation | Scope::Bureau(_))
}

fn sees_quality(scope: &Scope) -> bool {
    !matches!(scope, Scope::Aggregates | Scope::Enterprise(_))
}

pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let asked = q.view()?;
    let (campaign, report) = load(&state, &caller, asked).await?;
    let scope = caller.scope.clone();
    let reminders = if matches!(scope, Scope::Bank { .. }) {
        let id = campaign.id;
        state
            .db(move |s| s.reminders(&scope, id, 20))
            .await
            .map_err(page_error)?
            .iter()
            .filter(|r| r.reply.is_none())
            .map(view::reminder_view)
            .collect()
    } else {
        Vec::new()
    };
    let t = &report.totals;
    let query = href("", report.view.bureau.as_deref(), report.view.bank, None);
    let page = DashboardPage {
        nav: nav(&state, &caller).await,
        title: title(&report),
        campaign: &campaign.name,
        crumbs: crumbs(&caller.scope, &report, "/dashboard"),
        fresh: view::freshness(&report),
        phase: phase(&report),
        funnel: view::funnel(t),
        demanded: view::wan(t.demanded()),
        approved: view::wan(t.approved()),
        disbursed: view::wan(t.disbursed()),
        rows_heading: rows_heading(report.rows_level),
        rows: view::rows(
            &report,
            &|r| row_link(&report, r, "/dashboard"),
            report.rows_level != Some(Level::Manager),
        ),
        measures: view::measure_labels(),
        chart: view::chart(&report.daily),
        suppressed: report.min_cell,
        reminders,
        supervision_link: if supervises(&caller.scope) && report.view.bank.is_none() {
            format!("/supervision{query}")
        } else {
            String::new()
        },
        quality_link: if sees_quality(&caller.scope) {
            format!(
                "/quality{}",
                href(
                    "",
                    report.view.bureau.as_deref(),
                    report.view.bank,
                    report.view.branch.as_deref()
                )
            )
        } else {
            String::new()
        },
    };
    Ok(Html(render(&page)).into_response())
}

/// The supervision page (HQ and bureaus) with an optional notice or press-form error.
async fn supervision_page(
    state: &AppState,
    caller: &Caller,
    q: &ViewQuery,
    notice: Option<&str>,
    refused: Option<(String, String, String)>,
) -> Result<Response, Response> {
    if !supervises(&caller.scope) {
        return Err(PageError::not_found().into_response());
    }
    // Supervision looks at bureaus and their banks, not deeper.
    let asked = DashboardView {
        bureau: q.view()?.bureau,
        ..DashboardView::default()
    };
    let (campaign, report) = load(state, caller, asked).await?;
    let scope = caller.scope.clone();
    let id = campaign.id;
    let all = state
        .db(move |s| s.reminders(&scope, id, 50))
        .await
        .map_err(page_error)?;
    let shown: Vec<&Reminder> = all
        .iter()
        .filter(|r| report.view.bureau.is_none() || r.bureau_code == report.view.bureau)
        .collect();
    let s = &report.settings.schedule;
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let rows = view::rows(
        &report,
        &|r| {
            row_link(&report, r, "/supervision")
                .filter(|_| report.rows_level == Some(Level::Bureau))
        },
        true,
    );
    let measures = view::measure_labels();
    let (press_bank, press_message, error) = match refused {
        Some((bank, message, typed)) => (bank, typed, Some(message)),
        None => {
            let bank = q.press.trim().to_owned();
            let suggestion = rows
                .iter()
                .find(|r| r.key == bank)
                .map(|r| view::suggested_message(r, &measures))
                .unwrap_or_default();
            (bank, suggestion, None)
        }
    };
    let page = SupervisionPage {
        nav: nav(state, caller).await,
        title: title(&report),
        campaign: &campaign.name,
        crumbs: crumbs(&caller.scope, &report, "/supervision"),
        fresh: view::freshness(&report),
        phase: phase(&report),
        schedule: vec![
            ("活动开始", day::iso(s.starts)),
            (
                "组织阶段结束（名单确定、邀请码下发）",
                day::iso(s.organisation_ends),
            ),
            ("调查走访阶段结束", day::iso(s.survey_ends)),
            ("总结报送截止", day::iso(s.summary_due)),
            (
                "问卷回收目标（占已发码企业）",
                format!("{}%", s.q1_target_pct),
            ),
            (
                "走访完成目标（占愿意走访企业）",
                format!("{}%", s.visit_target_pct),
            ),
        ],
        measures,
        rows,
        banks: report.rows_level == Some(Level::Bank),
        bureau: report.view.bureau.clone().unwrap_or_default(),
        csrf: caller.csrf.as_deref().unwrap_or(""),
        notice,
        press_bank,
        press_message,
        error,
        reminders: shown.into_iter().map(view::reminder_view).collect(),
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn supervision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let notice = (q.done == "1").then_some("已记录督促，银行将在其首页和进度看板上看到。");
    supervision_page(&state, &caller, &q, notice, None).await
}

#[derive(Deserialize)]
pub struct PressForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    message: String,
}

/// Records a reminder to a bank; back to the supervision list, or the list again with the
/// message next to the form when it was refused.
pub async fn press(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PressForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let bank: i64 = form
        .bank
        .trim()
        .parse()
        .map_err(|_| PageError::not_found().into_response())?;
    let bureau = Some(form.bureau.trim().to_owned()).filter(|b| !b.is_empty());
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let message = form.message.clone();
    let asked_bureau = bureau.clone();
    let result = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.remind_bank(
                &scope,
                campaign.id,
                bank,
                asked_bureau.as_deref(),
                &message,
                &actor,
            )
        })
        .await;
    let q = ViewQuery {
        bureau: bureau.clone().unwrap_or_default(),
        press: bank.to_string(),
        ..ViewQuery::default()
    };
    match result {
        Ok(_) => {
            let to = href("/supervision", bureau.as_deref(), None, None);
            let sep = if to.contains('?') { '&' } else { '?' };
            Ok((
                StatusCode::SEE_OTHER,
                [(LOCATION, format!("{to}{sep}done=1"))],
            )
                .into_response())
        }
        Err(StoreError::Invalid(message)) => {
            let error = Some((bank.to_string(), message, form.message));
            supervision_page(&state, &caller, &q, None, error).await
        }
        Err(e) => Err(page_error(e)),
    }
}

pub async fn quality(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !sees_quality(&caller.scope) {
        return Err(PageError::not_found().into_response());
    }
    let (campaign, report) = load(&state, &caller, q.view()?).await?;
    let mut rows = view::rows(&report, &|r| row_link(&report, r, "/quality"), false);
    view::rank_by_quality(&mut rows);
    let t = &report.totals;
    let page = QualityPage {
        nav: nav(&state, &caller).await,
        title: title(&report),
        campaign: &campaign.name,
        crumbs: crumbs(&caller.scope, &report, "/quality"),
        fresh: view::freshness(&report),
        rows_heading: rows_heading(report.rows_level),
        rules: view::rule_labels(),
        explained: view::rules_explained(&report.settings.thresholds),
        rows,
        total_rules: yinqi_store::rule_counts(t, report.stuck)
            .into_iter()
            .map(|(_, n)| view::count(n))
            .collect(),
        total_score: quality::score(t.responded(), t.flagged(), report.stuck)
            .map_or_else(|| "—".into(), |s| s.to_string()),
        total_responded: view::count(t.responded()),
    };
    Ok(Html(render(&page)).into_response())
}

/// The reminders page, with an optional notice or reply-form error.
async fn reminders_page(
    state: &AppState,
    caller: &Caller,
    notice: Option<&str>,
    error: Option<(i64, String, String)>,
    status: StatusCode,
) -> Result<Response, Response> {
    if !matches!(
        caller.scope,
        Scope::Bank { .. } | Scope::Nation | Scope::Bureau(_)
    ) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let rows = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.reminders(&scope, campaign.id, 100)
        })
        .await
        .map_err(page_error)?;
    let page = RemindersPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows: rows.iter().map(view::reminder_view).collect(),
        replies: matches!(caller.scope, Scope::Bank { .. }),
        notice,
        error,
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn reminders(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let notice = (q.done == "1").then_some("已回复，监管部门可以看到您的回复。");
    reminders_page(&state, &caller, notice, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reply: String,
}

pub async fn reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::not_found().into_response())?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let text = form.reply.clone();
    match state
        .db(move |s| s.reply_reminder(&scope, id, &text, &actor))
        .await
    {
        Ok(_) => Ok((
            StatusCode::SEE_OTHER,
            [(LOCATION, "/reminders?done=1".to_owned())],
        )
            .into_response()),
        Err(StoreError::Invalid(m)) => {
            reminders_page(
                &state,
                &caller,
                None,
                Some((id, m, form.reply)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => {
            reminders_page(
                &state,
                &caller,
                None,
                Some((id, m, form.reply)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(page_error(e)),
    }
}
