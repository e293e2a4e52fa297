//! The platform's imports (used by the CLI now, by the web upload later): a bureau's enterprise list in the unified data format and the
//! bank registry. Both read the file once, streaming, report every unreadable row in an
//! error file of the same format, and change the database only if the whole file could be
//! read (a failed import changes nothing).

mod error;
pub mod listing;
mod outcome;
pub mod registry;
mod report;

pub use error::ImportError;
pub use listing::{ListingRequest, ListingSummary, import_listing};
pub use registry::{RegistrySummary, import_registry};

use std::path::{Path, PathBuf};

/// Where the error report of `input` goes unless the caller names a path: next to the
/// input, `名单.csv` → `名单.errors.csv` (XLSX stays XLSX).
pub fn default_report_path(input: &Path, is_xlsx: bool) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".to_owned());
    let ext = if is_xlsx { "xlsx" } else { "csv" };
    input.with_file_name(format!("{stem}.errors.{ext}"))
}
