//! Why an import failed as a whole (row-level problems are not errors: they go to the report).

use yinqi_store::StoreError;

use yinqi_files::{FileError, HeaderError};

/// A reason the whole import was refused; the database is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("{0}")]
    Header(#[from] HeaderError),
    #[error("文件只有表头，没有数据行")]
    NoDataRows,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("无法写出错误报告 {path}：{source}")]
    Report { path: String, source: FileError },
    #[error("未知的监管局代码：{0}")]
    UnknownBureau(String),
    #[error("未知的划型标准：{0}")]
    UnknownStandard(String),
}
