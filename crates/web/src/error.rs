//! Errors mapped to responses in one place: a JSON error for the API, a Chinese error page
//! for browsers. Details of rows outside the caller's scope never leak: they are 404.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use yinqi_store::StoreError;

/// An API failure: status plus a stable code and a Chinese message.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录")
    }
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "记录不存在")
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let (status, code) = status_of(&e);
        let message = public_message(&e);
        ApiError::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, axum::Json(body)).into_response()
    }
}

/// A page failure, rendered as a page in the site's layout.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    /// A form posted without its page's CSRF token (an old tab, or another site).
    pub fn expired() -> PageError {
        PageError::new(StatusCode::FORBIDDEN, "页面已过期，请刷新后重试")
    }

    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }
    pub fn not_found() -> PageError {
        PageError::new(StatusCode::NOT_FOUND, "页面或记录不存在")
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError::new(status_of(&e).0, public_message(&e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = crate::templates::ErrorPage {
            nav: None,
            status: self.status.as_u16(),
            message: &self.message,
        };
        (self.status, Html(crate::templates::render(&page))).into_response()
    }
}

/// Exhaustive on purpose: a new `StoreError` variant must be placed here (a caller's
/// mistake or a failure) before the web layer compiles, instead of silently becoming a 500.
fn status_of(e: &StoreError) -> (StatusCode, &'static str) {
    match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        StoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        StoreError::Invalid(_) | StoreError::Aborted(_) | StoreError::Answers(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        }
        StoreError::BadUrl(_)
        | StoreError::SchemaTooNew { .. }
        | StoreError::Sqlite(_)
        | StoreError::Postgres(_)
        | StoreError::Decode(_)
        | StoreError::Io(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// What a caller may read of an error: the store's own messages for the caller's mistakes,
/// nothing about the database for failures (those are logged instead).
fn public_message(e: &StoreError) -> String {
    match e {
        StoreError::NotFound
        | StoreError::Conflict(_)
        | StoreError::Invalid(_)
        | StoreError::Aborted(_)
        | StoreError::Answers(_) => e.to_string(),
        other @ (StoreError::BadUrl(_)
        | StoreError::SchemaTooNew { .. }
        | StoreError::Sqlite(_)
        | StoreError::Postgres(_)
        | StoreError::Decode(_)
        | StoreError::Io(_)) => {
            tracing::error!(error = %other, "store failure");
            "服务器内部错误，请稍后重试".to_owned()
        }
    }
}
