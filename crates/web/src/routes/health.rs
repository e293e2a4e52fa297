//! Liveness, metrics and the stylesheet.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::AppState;

/// 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db(|s| s.campaign(None)).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let saves = state.store.save_stats();
    let mut text = state.metrics.render();
    // Group commit at work: many answer saves per write transaction.
    text.push_str(&format!(
        "# HELP yinqi_answer_saves_total Questionnaire saves (drafts and submissions) handled.\n\
         # TYPE yinqi_answer_saves_total counter\nyinqi_answer_saves_total {}\n\
         # HELP yinqi_answer_save_transactions_total Write transactions those saves took.\n\
         # TYPE yinqi_answer_save_transactions_total counter\n\
         yinqi_answer_save_transactions_total {}\n",
        saves.saves, saves.transactions
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

/// The questionnaire page script (hides questions that do not apply).
pub async fn questionnaire_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/q.js"),
    )
}

/// The workbench's copy button (the SMS text with the link).
pub async fn work_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/work.js"),
    )
}
