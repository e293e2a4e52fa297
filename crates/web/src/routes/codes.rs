//! Invitation code pages: HQ issues a released list's codes, each batch is handed down
//! HQ → bureau → bank → managers, the bank exports its batch for its SMS system (with the
//! standard script and each link), and anyone handling codes revokes and reissues one.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_domain::invitation::{InvitationCode, standard_sms};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_store::{CodeBatch, CodeRow, Holder, Role, Scope};

use super::pages::{CsrfForm, form_caller, logged_in, nav, uscc_from_path};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::{BatchPage, BatchRow, CodeSample, CodeView, CodesPage, HandoverRow, render};

fn page_error(e: impl Into<PageError>) -> Response {
    e.into().into_response()
}

/// Whether the caller works with codes at all (associations and managers do not manage
/// batches; managers see their codes on their enterprises).
fn handles_batches(caller: &Caller) -> bool {
    caller.user.as_ref().is_some_and(|u| {
        matches!(
            u.role,
            Role::HqAdmin | Role::HqStaff | Role::BureauStaff | Role::BankAdmin | Role::BranchStaff
        )
    })
}

/// Whether `caller` may hand `batch` on (mirrors the store's rule, to show the button).
fn may_hand_over(caller: &Caller, batch: &CodeBatch) -> bool {
    let role = caller.user.as_ref().map(|u| u.role);
    match (batch.holder, &caller.scope) {
        (Holder::Hq, Scope::Nation) => role == Some(Role::HqAdmin),
        (Holder::Bureau, Scope::Bureau(b)) => *b == batch.bureau_code,
        (Holder::Bank, Scope::Bank { bank_id, bureau }) => {
            *bank_id == batch.bank_id && bureau.as_ref().is_none_or(|t| *t == batch.bureau_code)
        }
        _ => false,
    }
}

fn bureau_name(code: &str) -> String {
    yinqi_domain::bureau::by_code(code).map_or_else(|| code.to_owned(), |b| b.name.to_owned())
}

fn batch_row(caller: &Caller, b: &CodeBatch) -> BatchRow {
    BatchRow {
        id: b.id,
        bureau: bureau_name(&b.bureau_code),
        bank: b.bank_name.clone(),
        holder: b.holder.label_zh(),
        codes: b.codes,
        handed_at: beijing(b.handed_at),
        next: if may_hand_over(caller, b) {
            b.holder.next().map(Holder::label_zh)
        } else {
            None
        },
    }
}

async fn codes_page(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, Response> {
    if !handles_batches(caller) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let batches = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.code_batches(&scope, campaign.id)
        })
        .await
        .map_err(page_error)?;
    let may_issue = caller
        .user
        .as_ref()
        .is_some_and(|u| u.role == Role::HqAdmin);
    let page = CodesPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows: batches.iter().map(|b| batch_row(caller, b)).collect(),
        bureaus: if may_issue {
            yinqi_domain::bureau::all()
                .iter()
                .map(|b| (b.code, b.name))
                .collect()
        } else {
            vec![]
        },
        notice: notice.as_deref(),
        error: error.as_deref(),
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    codes_page(&state, &caller, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    bureau: String,
}

/// HQ issues the codes of one bureau's released list.
pub async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<IssueForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if caller.user.as_ref().map(|u| u.role) != Some(Role::HqAdmin) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let bureau = form.bureau.trim().to_owned();
    let result = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.issue_codes(&scope, campaign.id, &bureau, &actor)
        })
        .await;
    match result {
        Ok(summary) => {
            let notice = format!(
                "已为{}发放邀请码 {} 个（新建批次 {} 个）。",
                bureau_name(form.bureau.trim()),
                summary.codes,
                summary.batches
            );
            codes_page(&state, &caller, Some(notice), None, StatusCode::OK).await
        }
        Err(e) => {
            let message = PageError::from(e).message;
            codes_page(
                &state,
                &caller,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Hands a batch to the next holder down.
pub async fn hand_over(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if !handles_batches(&caller) || caller.user.as_ref().map(|u| u.role) == Some(Role::HqStaff) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let result = state.db(move |s| s.hand_over(&scope, id, &actor)).await;
    match result {
        Ok(b) => {
            let notice = format!(
                "已将{}·{}的 {} 个邀请码移交给{}。",
                bureau_name(&b.bureau_code),
                b.bank_name,
                b.codes,
                b.holder.label_zh()
            );
            codes_page(&state, &caller, Some(notice), None, StatusCode::OK).await
        }
        Err(yinqi_store::StoreError::NotFound) => Err(PageError::not_found().into_response()),
        Err(e) => {
            let message = PageError::from(e).message;
            codes_page(&state, &caller, None, Some(message), StatusCode::CONFLICT).await
        }
    }
}

/// How many codes the batch page shows; the export carries them all.
const SAMPLE_ROWS: usize = 100;

/// One batch: its hand-overs and, for the bank side, its first codes and the export.
pub async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !handles_batches(&caller) {
        return Err(PageError::not_found().into_response());
    }
    let scope = caller.scope.clone();
    let (batch, handovers, sample) = state
        .db(move |s| {
            let batch = s.code_batch(&scope, id)?;
            let handovers = s.handovers(&scope, id)?;
            let mut sample = Vec::new();
            // HQ and the bureau cannot read codes: the store refuses, the page shows counts.
            let _ = s.each_batch_code(&scope, id, &mut |row| {
                if sample.len() < SAMPLE_ROWS {
                    sample.push(row);
                }
                Ok(())
            });
            Ok((batch, handovers, sample))
        })
        .await
        .map_err(page_error)?;
    let reads_codes = matches!(caller.scope, Scope::Bank { .. } | Scope::Branch(_))
        && matches!(batch.holder, Holder::Bank | Holder::Managers);
    let page = BatchPage {
        nav: nav(&state, &caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        batch: batch_row(&caller, &batch),
        handovers: handovers
            .into_iter()
            .map(|h| HandoverRow {
                at: beijing(h.at),
                from: h.from.label_zh(),
                to: h.to.label_zh(),
                codes: h.codes,
                actor: h.actor,
                detail: managers_line(&h.detail),
            })
            .collect(),
        reads_codes,
        sample: sample
            .into_iter()
            .filter_map(|r| {
                let code = InvitationCode::parse(&r.code).ok()?;
                Some(CodeSample {
                    link: state.config.link_for(&code),
                    code: code.grouped(),
                    contact: masked_contact(&r),
                    uscc: r.uscc,
                    name: r.name,
                })
            })
            .collect(),
    };
    Ok(Html(render(&page)).into_response())
}

/// The per-manager split of a hand-over to managers, in words.
fn managers_line(detail: &serde_json::Value) -> String {
    let Some(managers) = detail["managers"].as_object() else {
        return String::new();
    };
    let mut parts: Vec<String> = managers
        .iter()
        .map(|(name, n)| format!("{name} {n} 个"))
        .collect();
    if let Some(n) = detail["not_assigned_to_a_manager"].as_i64()
        && n > 0
    {
        parts.push(format!("未指派客户经理 {n} 个"));
    }
    parts.join("，")
}

fn masked_contact(r: &CodeRow) -> String {
    let name = r.contact_name.as_deref().map(mask_name).unwrap_or_default();
    let phone = r
        .contact_phone
        .as_deref()
        .map(mask_phone)
        .unwrap_or_default();
    format!("{name} {phone}").trim().to_owned()
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
    /// `full` puts whole mobile numbers in the file (for the SMS system); audited as such.
    #[serde(default)]
    phones: String,
}

/// The batch as a file for the bank's SMS system: one row per enterprise with its code,
/// link and the standard script. Masked phones unless asked for in full; always audited.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !matches!(caller.scope, Scope::Bank { .. } | Scope::Branch(_)) {
        return Err(PageError::not_found().into_response());
    }
    let xlsx = match query.format.as_str() {
        "xlsx" => true,
        "csv" | "" => false,
        _ => {
            return Err(
                PageError::new(StatusCode::BAD_REQUEST, "导出格式只能是 csv 或 xlsx")
                    .into_response(),
            );
        }
    };
    let full_phones = query.phones == "full";
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let config = state.config.clone();
    let (bytes, batch) = state
        .db(move |s| {
            let batch = s.code_batch(&scope, id)?;
            let bytes = super::export::sms_file(s, &scope, &batch, &config, xlsx, full_phones)?;
            s.record_audit(
                &actor,
                "codes.export",
                Some(batch.campaign_id),
                Some(&batch.bureau_code),
                Some(&batch.bank_name),
                &serde_json::json!({
                    "batch": batch.id,
                    "format": if xlsx { "xlsx" } else { "csv" },
                    "full_phones": full_phones,
                }),
            )?;
            Ok((bytes, batch))
        })
        .await
        .map_err(page_error)?;
    let filename = format!(
        "invitation-codes-{}-{}.{}",
        batch.bureau_code,
        batch.id,
        if xlsx { "xlsx" } else { "csv" }
    );
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The standard script for one enterprise of the caller's bank.
pub fn sms_for(config: &crate::Config, bank: &str, name: &str, code: &InvitationCode) -> String {
    standard_sms(bank, name, code, &config.link_for(code))
}

/// What the enterprise page shows of its code: the status to anyone who sees the
/// enterprise; the code, link and SMS to the bank side once the batch reached it.
pub async fn code_view(state: &AppState, caller: &Caller, e: &yinqi_store::Enterprise) -> CodeView {
    let scope = caller.scope.clone();
    let uscc = e.uscc.clone();
    let campaign = e.campaign_id;
    let found = state
        .db(move |s| {
            let status = s.code_status(&scope, campaign, &uscc)?;
            let code = s.enterprise_code(&scope, campaign, &uscc)?;
            Ok((status, code))
        })
        .await;
    let Ok((status, code)) = found else {
        return CodeView::default();
    };
    let may_revoke = status.is_some()
        && matches!(
            caller.scope,
            Scope::Nation | Scope::Bureau(_) | Scope::Bank { .. } | Scope::Branch(_)
        )
        && caller.user.as_ref().map(|u| u.role) != Some(Role::HqStaff);
    let status = match status {
        None => "未发放".to_owned(),
        Some((holder, issued_at)) => {
            format!(
                "已发放（{}），批次现由{}持有",
                beijing(issued_at),
                holder.label_zh()
            )
        }
    };
    match code {
        Some(code) => {
            let bank = bank_label(state, e.bank_id).await;
            CodeView {
                status,
                link: state.config.link_for(&code),
                sms: sms_for(&state.config, &bank, &e.name, &code),
                code: Some(code.grouped()),
                may_revoke,
            }
        }
        None => CodeView {
            status,
            may_revoke,
            ..CodeView::default()
        },
    }
}

async fn bank_label(state: &AppState, bank_id: Option<i64>) -> String {
    let Some(id) = bank_id else {
        return String::new();
    };
    state
        .db(move |s| s.bank_name(id))
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    /// `yes` gives the enterprise a new code at once.
    #[serde(default)]
    reissue: String,
}

/// Revokes an enterprise's code (it stops working at once), optionally reissuing it.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    if caller.user.as_ref().map(|u| u.role) == Some(Role::HqStaff) {
        return Err(PageError::not_found().into_response());
    }
    let code = uscc_from_path(&uscc)?;
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let reissue = form.reissue == "yes";
    let result = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            let fresh = s.revoke_code(
                &scope,
                campaign.id,
                code.as_str(),
                &form.reason,
                reissue,
                &actor,
            );
            let e = s.enterprise_by_uscc(&scope, campaign.id, code.as_str())?;
            Ok((fresh, e))
        })
        .await
        .map_err(page_error)?;
    let (fresh, e) = result;
    let notice = match fresh {
        Ok(Some(_)) => "原邀请码已作废并立即失效，已发放新邀请码。".to_owned(),
        Ok(None) => "邀请码已作废并立即失效。".to_owned(),
        Err(err) => PageError::from(err).message,
    };
    Ok(super::pages::enterprise_page(&state, &caller, &e, false, Some(notice)).await)
}

/// The QR code of an enterprise's link, for those who may read its code.
pub async fn qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let code = uscc_from_path(&uscc)?;
    let scope = caller.scope.clone();
    let found = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            s.enterprise_code(&scope, campaign.id, code.as_str())
        })
        .await
        .map_err(page_error)?
        .ok_or_else(|| PageError::not_found().into_response())?;
    let svg = super::qr::svg(&state.config.link_for(&found));
    Ok((
        [(CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))],
        svg,
    )
        .into_response())
}
