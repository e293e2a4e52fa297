//! The router: which path goes to which handler, and what wraps every response (security
//! headers, request metrics, body limits).

mod answer_forms;
mod answers_api;
mod api;
mod codes;
mod corrections;
mod dashboard;
mod enterprise;
mod enterprise_work;
pub(crate) mod entry;
pub(crate) mod export;
mod health;
mod jobs;
mod lists;
mod managers;
mod pages;
mod qr;
mod solutions;
mod tokens;
mod users;
mod work;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::AppState;

/// Largest form or JSON body accepted (uploads get their own limit when they arrive).
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/static/app.css", get(health::stylesheet))
        .route("/static/q.js", get(health::questionnaire_script))
        .route("/static/work.js", get(health::work_script))
        .route("/questionnaires/{id}", get(pages::questionnaire_preview))
        .route("/work", get(work::workbench))
        .route("/work/{uscc}/push", post(work::push))
        .route(
            "/work/{uscc}/visit",
            get(answer_forms::visit_form).post(answer_forms::visit_save),
        )
        .route(
            "/work/{uscc}/solutions/new",
            get(answer_forms::solution_form).post(answer_forms::solution_save),
        )
        .route(
            "/work/solutions/{id}",
            get(solutions::show).post(solutions::update),
        )
        .route(
            "/responses/{id}/correct",
            get(corrections::form).post(corrections::save),
        )
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route(
            "/password",
            get(pages::password_form).post(pages::change_password),
        )
        .route("/enterprises", get(pages::enterprises))
        .route("/enterprises/export", get(export::enterprises))
        .route("/enterprises/{uscc}", get(pages::enterprise))
        .route("/enterprises/{uscc}/reveal", post(pages::reveal))
        .route("/enterprises/{uscc}/code", post(codes::revoke))
        .route("/enterprises/{uscc}/qr.svg", get(codes::qr))
        .route("/enterprises/{uscc}/manager", post(managers::assign_one))
        .route("/codes", get(codes::list))
        .route("/codes/issue", post(codes::issue))
        .route("/codes/batches/{id}", get(codes::batch))
        .route("/codes/batches/{id}/hand-over", post(codes::hand_over))
        .route("/codes/batches/{id}/export", get(codes::export))
        .route("/managers", get(managers::list))
        .route("/managers/assign", post(managers::assign_bulk))
        .route("/managers/{id}/code", post(managers::reissue_code))
        .route("/q", get(entry::entry_form).post(entry::entry_submit))
        .route("/q/{code}", get(enterprise::home::open_code))
        .route(
            "/q/{code}/q1",
            get(enterprise::q1::show).post(enterprise::q1::post),
        )
        .route("/q/{code}/done", get(enterprise::q1::done))
        .route(
            "/q/{code}/visits/{id}",
            post(enterprise::home::confirm_visit),
        )
        .route("/activate", get(entry::activate_form).post(entry::activate))
        .route("/poster", get(entry::poster))
        .route("/audit", get(pages::audit))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/supervision", get(dashboard::supervision))
        .route("/supervision/remind", post(dashboard::press))
        .route("/quality", get(dashboard::quality))
        .route("/reminders", get(dashboard::reminders))
        .route("/reminders/{id}/reply", post(dashboard::reply))
        .route("/lists", get(lists::index))
        .route("/lists/{bureau}", get(lists::show))
        .route(
            "/lists/{bureau}/upload",
            // A list file is far larger than any form: this route alone takes big bodies,
            // and streams them to disk.
            post(lists::upload).layer(DefaultBodyLimit::max(lists::UPLOAD_LIMIT)),
        )
        .route("/lists/{bureau}/{action}", post(lists::step))
        .route("/jobs/{id}", get(jobs::show))
        .route("/jobs/{id}/report", get(jobs::report))
        .route("/users", get(users::list).post(users::create))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/enterprises", get(api::enterprises))
        .route("/api/v1/enterprises/{uscc}", get(api::enterprise))
        .route("/api/v1/enterprises/{uscc}/contact", post(api::contact))
        .route("/api/v1/enterprises/{uscc}/code", get(api::code))
        .route(
            "/api/v1/enterprises/{uscc}/answers",
            get(answers_api::answers),
        )
        .route(
            "/api/v1/enterprises/{uscc}/solutions",
            post(answers_api::create_solution),
        )
        .route("/api/v1/solutions/{id}", get(answers_api::solution))
        .route(
            "/api/v1/solutions/{id}/status",
            post(answers_api::update_status),
        )
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Counts each request by route pattern and status, and logs it (structured).
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.record(&method, &route, status, seconds);
    tracing::info!(%method, %route, status, ms = seconds * 1000.0, "request");
    response
}

/// Headers on every response: nothing may load from outside the platform, no framing, no
/// sniffing, no referrer leaving the site, no caching of personal data.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
