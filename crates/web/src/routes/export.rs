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

#[derive(serde::Deserialize, Default)]
pub struct ExportOptions {
    #[serde(default)]
    format: String,
    /// `full` leaves contact names and phones unmasked (audited as such).
    #[serde(default)]
    contacts: String,
}

/// `GET /enterprises/export`: the list as the caller filtered it, as CSV (streamed while the
/// database returns rows) or XLSX (assembled in a scratch file, then sent). Audited before
/// the first byte leaves: who, which filter, which format, masked or not.
pub async fn enterprises(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(query): axum::extract::Query<super::pages::ListQuery>,
    axum::extract::Query(options): axum::extract::Query<ExportOptions>,
) -> Result<axum::response::Response, axum::response::Response> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;

    let caller = super::pages::logged_in(&state, &headers).await?;
    if matches!(caller.scope, Scope::Aggregates) {
        return Err(crate::PageError::not_found().into_response());
    }
    let xlsx = match options.format.as_str() {
        "xlsx" => true,
        "csv" | "" => false,
        _ => {
            return Err(crate::PageError::new(
                StatusCode::BAD_REQUEST,
                "导出格式只能是 csv 或 xlsx",
            )
            .into_response());
        }
    };
    let full = options.contacts == "full";
    let mut filter = query.filter();
    let bank_name = query.bank_name();
    let scope = caller.scope.clone();
    let actor = caller.actor.clone();
    let audited_filter = format!("{filter:?} bank={bank_name}");
    let (campaign, filter) = state
        .db(move |s| {
            let campaign = s.campaign(None)?;
            super::pages::ListQuery::resolve_bank(&bank_name, s, &mut filter)?;
            let bureau = match &scope {
                Scope::Bureau(b) => Some(b.clone()),
                _ => filter.bureau.clone(),
            };
            s.record_audit(
                &actor,
                "export.enterprises",
                Some(campaign.id),
                bureau.as_deref(),
                None,
                &serde_json::json!({
                    "format": if xlsx { "xlsx" } else { "csv" },
                    "full_contacts": full,
                    "filter": audited_filter,
                }),
            )?;
            Ok((campaign.id, filter))
        })
        .await
        .map_err(|e| crate::PageError::from(e).into_response())?;
    let stamp = crate::clock::beijing(yinqi_store::now_millis()).replace([' ', ':', '-'], "");
    let filename = format!("enterprises-{stamp}.{}", if xlsx { "xlsx" } else { "csv" });
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let store = state.store.clone();
    let scope = caller.scope.clone();
    tokio::task::spawn_blocking(move || {
        let out = crate::exports::ChannelWriter::new(tx.clone());
        let result = if xlsx {
            xlsx_into(&store, &scope, campaign, &filter, full, out)
        } else {
            crate::exports::enterprises_csv(&store, &scope, campaign, &filter, full, out)
                .map(|_| ())
        };
        if let Err(e) = result {
            // The client sees a failed download, never a silently short file.
            tracing::warn!(error = %e, "export failed");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let body =
        axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        }));
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The XLSX export: written to a scratch file (a workbook is a zip, assembled at the end),
/// then copied into the response in chunks.
fn xlsx_into(
    store: &Store,
    scope: &Scope,
    campaign: i64,
    filter: &yinqi_store::EnterpriseFilter,
    full: bool,
    mut out: crate::exports::ChannelWriter,
) -> Result<(), StoreError> {
    let file = scratch("xlsx");
    crate::exports::enterprises_xlsx(store, scope, campaign, filter, full, &file.0)?;
    let mut workbook = std::fs::File::open(&file.0)?;
    std::io::copy(&mut workbook, &mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}
