//! A bank's API tokens: its admin (of the legal entity) creates them — each shown once —
//! and revokes them; a revoked token stops working at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yinqi_store::Role;

use super::pages::{logged_in, nav};
use crate::AppState;
use crate::auth::{self, Caller};
use crate::clock::beijing;
use crate::error::PageError;
use crate::templates::{TokenRow, TokensPage, render};

/// The bank whose tokens the caller manages (admins of a legal entity only).
fn managed_bank(caller: &Caller) -> Option<i64> {
    let user = caller.user.as_ref()?;
    (user.role == Role::BankAdmin && user.affiliation.bureau_code.is_none())
        .then_some(user.affiliation.bank_id)
        .flatten()
}

async fn page(
    state: &AppState,
    caller: &Caller,
    created: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, Response> {
    let bank = managed_bank(caller).ok_or_else(|| PageError::not_found().into_response())?;
    let tokens = state
        .db(move |s| s.api_tokens(bank))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
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
    };
    Ok((status, Html(render(&page))).into_response())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    page(&state, &caller, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewToken>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !caller.csrf_ok(Some(&form.csrf)) {
        return Err(
            PageError::new(StatusCode::FORBIDDEN, "页面已过期，请刷新后重试").into_response(),
        );
    }
    let bank = managed_bank(&caller).ok_or_else(|| PageError::not_found().into_response())?;
    let token = format!("yq_{}", &auth::random_token()[..40]);
    let hash = auth::sha256_hex(&token);
    let prefix = token[..10].to_owned();
    let actor = caller.actor.clone();
    let created = state
        .db(move |s| s.create_api_token(bank, &form.name, &hash, &prefix, &actor))
        .await;
    match created {
        Ok(_) => page(&state, &caller, Some(&token), None, StatusCode::OK).await,
        Err(e) => {
            let message = PageError::from(e).message;
            page(
                &state,
                &caller,
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
}

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Response> {
    let caller = logged_in(&state, &headers).await?;
    if !caller.csrf_ok(Some(&form.csrf)) {
        return Err(
            PageError::new(StatusCode::FORBIDDEN, "页面已过期，请刷新后重试").into_response(),
        );
    }
    let bank = managed_bank(&caller).ok_or_else(|| PageError::not_found().into_response())?;
    let actor = caller.actor.clone();
    state
        .db(move |s| s.revoke_api_token(bank, id, &actor))
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    page(&state, &caller, None, None, StatusCode::OK).await
}
