//! Files the platform hands out: a bank's invitation-code batch for its SMS system.

use std::path::PathBuf;

use yinqi_domain::invitation::InvitationCode;
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_files::{TableWriter, TextEncoding};
use yinqi_store::{CodeBatch, Scope, Store, StoreError};

use crate::Config;

const SMS_HEADER: [&str; 8] = [
    "统一社会信用代码",
    "企业名称",
    "联系人",
    "联系电话",
    "开户网点行号",
    "邀请码",
    "问卷链接",
    "短信内容（规范话术）",
];

/// A cell as a spreadsheet will not run it: text starting with `=`, `+`, `-`, `@` or a
/// control character is a formula to Excel when it opens a CSV (CSV injection), so it gets
/// a leading apostrophe. XLSX cells are written as text and need no such care.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A scratch file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn scratch(ext: &str) -> Scratch {
    Scratch(std::env::temp_dir().join(format!(
        "yinqi-export-{}.{ext}",
        &crate::auth::random_token()[..16]
    )))
}

fn file_error(e: yinqi_files::FileError) -> StoreError {
    StoreError::Invalid(format!("生成导出文件失败：{e}"))
}

/// The SMS file of `batch` as `scope` may read it (a branch gets its own enterprises),
/// XLSX or CSV (UTF-8 with BOM, so Excel shows the Chinese).
pub fn sms_file(
    store: &Store,
    scope: &Scope,
    batch: &CodeBatch,
    config: &Config,
    xlsx: bool,
    full_phones: bool,
) -> Result<Vec<u8>, StoreError> {
    let file = scratch(if xlsx { "xlsx" } else { "csv" });
    let mut writer = if xlsx {
        TableWriter::xlsx(&file.0, "邀请码")
    } else {
        std::fs::File::create(&file.0)
            .map_err(yinqi_files::FileError::from)
            .and_then(|f| TableWriter::csv(std::io::BufWriter::new(f), TextEncoding::Utf8Bom, b','))
    }
    .map_err(file_error)?;
    writer.write_row(&SMS_HEADER).map_err(file_error)?;
    let mut failed = None;
    let streamed = store.each_batch_code(scope, batch.id, &mut |row| {
        let Ok(code) = InvitationCode::parse(&row.code) else {
            return Ok(());
        };
        let link = config.link_for(&code);
        let sms = yinqi_domain::invitation::standard_sms(&batch.bank_name, &row.name, &code, &link);
        let (name, phone) = if full_phones {
            (
                row.contact_name.clone().unwrap_or_default(),
                row.contact_phone.clone().unwrap_or_default(),
            )
        } else {
            (
                row.contact_name
                    .as_deref()
                    .map(mask_name)
                    .unwrap_or_default(),
                row.contact_phone
                    .as_deref()
                    .map(mask_phone)
                    .unwrap_or_default(),
            )
        };
        let cells = [
            row.uscc.clone(),
            row.name.clone(),
            name,
            phone,
            row.branch_code.clone().unwrap_or_default(),
            code.grouped(),
            link,
            sms,
        ];
        let written = if xlsx {
            writer.write_row(&cells)
        } else {
            let safe: Vec<_> = cells.iter().map(|c| csv_safe(c)).collect();
            writer.write_row(&safe)
        };
        if let Err(e) = written {
            failed = Some(e);
            return Err(StoreError::Aborted("导出中断".into()));
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(file_error(e));
    }
    streamed?;
    writer.finish().map_err(file_error)?;
    Ok(std::fs::read(&file.0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_in_csv() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+86 138"), "'+86 138");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("广州某公司"), "广州某公司");
        assert_eq!(csv_safe(""), "");
    }
}
