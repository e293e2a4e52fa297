//! The store's one error type: callers see "not found", "conflict", "invalid" or a database
//! failure, never a driver-specific error.

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist or lies outside the caller's scope (the two are not told apart).
    #[error("记录不存在")]
    NotFound,
    /// The change contradicts what is stored (a unique key, a state that moved on).
    #[error("{0}")]
    Conflict(String),
    /// The caller asked for something the store refuses (bad argument, scope not allowed).
    #[error("{0}")]
    Invalid(String),
    /// Answers that do not pass their questionnaire's rules: one message per question, to show
    /// next to it. Nothing was saved by the refused call; what was saved before stays.
    #[error("{}", answers_summary(.0))]
    Answers(Vec<yinqi_domain::questionnaire::FieldError>),
    /// The caller stopped a multi-step change midway; nothing of it was kept.
    #[error("{0}")]
    Aborted(String),
    /// The database URL could not be understood.
    #[error("数据库地址无法识别：{0}（应为 sqlite:路径 或 postgres://…）")]
    BadUrl(String),
    /// The database schema is newer than this program knows.
    #[error("数据库结构版本 {found} 比本程序支持的 {known} 新，请升级程序")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("SQLite 错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL 错误：{0}")]
    Postgres(#[from] postgres::Error),
    #[error("数据库返回了意外的数据：{0}")]
    Decode(String),
    #[error("读写文件失败：{0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand used throughout the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// "3 道题需要修改：第一题的问题…" — the Display of [`StoreError::Answers`].
fn answers_summary(errors: &[yinqi_domain::questionnaire::FieldError]) -> String {
    match errors.first() {
        Some(first) => format!(
            "有 {} 道题需要修改（{}：{}）",
            errors.len(),
            first.question,
            first.message
        ),
        None => "答案需要修改".to_owned(),
    }
}
