//! A bank's API tokens: its admin (of the legal entity) or an HQ admin creates them — each
//! shown once — and revokes them; a revoked token stops working at once. HQ names the bank
//! (`?bank=法人机构名称`) on every request.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_store::Role;

use super::pages::{form_caller, logged_in, nav};
use crate::AppState;
use crate::auth::{self, Caller};
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::{TokenRow, TokensPage, render};

/// Whose tokens a request is about: the caller's own bank (a legal entity's admin), or for
/// an HQ admin the bank named in the request.
#[derive(Clone, Debug)]
struct Managed {
    bank_id: i64,
    /// The bank's registry name, when HQ named it (carried in the page's forms).
    named: Option<String>,
}

async fn managed_bank(
    state: &AppState,
    caller: &Caller,
    bank_name: Option<&str>,
) -> Result<Option<Managed>, Response> {
    let Some(user) = caller.user.as_ref() else {
        return Ok(None);
    };
    match user.role {
        Role::BankAdmin if user.affiliation.bureau_code.is_none() => {
            Ok(user.affiliation.bank_id.map(|bank_id| Managed {
                bank_id,
                named: None,
            }))
        }
        Role::HqAdmin => {
            let Some(name) = bank_name.map(str::trim).filter(|n| !n.is_empty()) else {
                return Ok(None);
            };
            let owned = name.to_owned();
            let id = state
                .db(move |s| s.bank_id_by_name(&owned))
                .await
                .map_err(|e| PageError::from(e).into_response())?;
            Ok(id.map(|bank_id| Managed {
                bank_id,
                named: Some(name.to_owned()),
            }))
        }
        _ => Err(PageError::not_found().into_response()),
    }
}

async fn page(
    state: &AppState,
    caller: &Caller,
    managed: Option<&Managed>,
    created: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, Response> {
    let is_hq = caller.user.as_ref().map(|u| u.role) == Some(Role::HqAdmin);
    let tokens = match managed {
        Some(m) => {
            let bank = m.bank_id;
            state
                .db(move |s| s.api_tokens(bank))
                .await
                .map_err(|e| PageError::from(e).into_response())?
        }
        None if is_hq => vec![],
        None => return Err(PageError::not_found().into_response()),
    };
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_by: t.created_by,
            created_at: beijing(t.created_at),
            last_used: t.last_used_at.map(beijing).unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let page = TokensPage {
        nav: nav(state, caller).await,
        csrf: caller.csrf.as_deref().unwrap_or(""),
        rows,
        created,
        error,
        chooses_bank: is_hq,
        bank: managed.and_then(|m| m.named.as_deref()).unwrap_or(""),
        has_bank: managed.is_some(),
    };
    Ok((status, Html(render(&page))).into_response())
}

#[derive(Deserialize)]
pub struct BankQuery {
    #[serde(default)]
    bank: String,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<BankQuery>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    let managed = managed_bank(&state, &caller, Some(&query.bank)).await?;
    if managed.is_none() && !query.bank.trim().is_empty() {
        let message = format!("银行机构名录中没有法人机构“{}”", query.bank.trim());
        return page(
            &state,
            &caller,
            None,
            None,
            Some(&message),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    page(
        &state,
        &caller,
        managed.as_ref(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// HQ only: the bank's registry name.
    #[serde(default)]
    bank: String,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewToken>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let managed = managed_bank(&state, &caller, Some(&form.bank))
        .await?
        .ok_or_else(|| PageError::not_found().into_response())?;
    let bank = managed.bank_id;
    let token = format!("yq_{}", &auth::random_token()[..40]);
    let hash = auth::sha256_hex(&token);
    let prefix = token[..10].to_owned();
    let actor = caller.actor.clone();
    let created = state
        .db(move |s| s.create_api_token(bank, &form.name, &hash, &prefix, &actor))
        .await;
    match created {
        Ok(_) => {
            page(
                &state,
                &caller,
                Some(&managed),
                Some(&token),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let message = PageError::from(e).message;
            page(
                &state,
                &caller,
                Some(&managed),
                None,
                Some(&message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
    /// HQ only: the bank's registry name.
    #[serde(default)]
    bank: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Response> {
    let caller = form_caller(&state, &headers, &form.csrf).await?;
    let managed = managed_bank(&state, &caller, Some(&form.bank))
        .await?
        .ok_or_else(|| PageError::not_found().into_response())?;
    let bank = managed.bank_id;
    let actor = caller.actor.clone();
    state
        .db(move |s| s.revoke_api_token(bank, id, &actor))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    page(&state, &caller, Some(&managed), None, None, StatusCode::OK).await
}
