//! Enterprise-level exports (R17, issue 5): the enterprises a caller may see, filtered as on
//! the list page, written as CSV while the database returns them — memory stays flat
//! whatever the count — with contacts masked unless asked for in full. The route audits
//! before the first byte; this module only writes.

use std::io::Write;

use yinqi_domain::eligibility::{Exclusion, Exclusions, Unassigned};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_files::{FileError, TableWriter, TextEncoding};
use yinqi_store::{Enterprise, EnterpriseFilter, Scope, Store, StoreError};

use crate::routes::export::csv_safe;

/// The columns of an enterprise export, in Chinese as clerks read them.
pub const HEADER: [&str; 17] = [
    "统一社会信用代码",
    "企业名称",
    "监管局代码",
    "注册地行政区划代码",
    "行业代码",
    "从业人员",
    "营业收入（元）",
    "资产总额（元）",
    "规模",
    "纳税信用级别",
    "是否纳入",
    "不纳入原因",
    "开户行网点行号",
    "未对应网点原因",
    "客户经理编号",
    "联系人",
    "联系电话",
];

/// One enterprise as an export row; `full_contacts` leaves name and phone unmasked.
pub fn row(e: &Enterprise, full_contacts: bool) -> [String; 17] {
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let reasons: Vec<&str> = Exclusions::from_bits(e.exclusions as u16)
        .unwrap_or_default()
        .iter()
        .map(Exclusion::label_zh)
        .collect();
    let (name, phone) = if full_contacts {
        (
            e.contact_name.clone().unwrap_or_default(),
            e.contact_phone.clone().unwrap_or_default(),
        )
    } else {
        (
            e.contact_name.as_deref().map(mask_name).unwrap_or_default(),
            e.contact_phone
                .as_deref()
                .map(mask_phone)
                .unwrap_or_default(),
        )
    };
    [
        e.uscc.clone(),
        e.name.clone(),
        e.bureau_code.clone(),
        e.region_code.clone(),
        e.industry_code.clone(),
        number(e.employees),
        number(e.revenue),
        number(e.assets),
        e.size_class
            .as_deref()
            .and_then(yinqi_domain::size::SizeClass::from_code)
            .map_or("无法划型", |s| s.name_zh())
            .to_owned(),
        e.tax_credit.clone().unwrap_or_else(|| "未评级".into()),
        if e.eligible { "是" } else { "否" }.to_owned(),
        reasons.join("、"),
        e.branch_code.clone().unwrap_or_default(),
        e.unassigned
            .as_deref()
            .and_then(Unassigned::from_code)
            .map_or("", |u| u.label_zh())
            .to_owned(),
        number(e.manager_id),
        name,
        phone,
    ]
}

fn file_error(e: FileError) -> StoreError {
    StoreError::Aborted(format!("写出导出文件失败：{e}"))
}

/// Writes the enterprises `scope` may see that match `filter` to `out` as CSV (UTF-8 with
/// BOM, so Excel shows the Chinese; cells a spreadsheet would run as formulas defused).
/// Returns the rows written. Stops at the first write error (the client went away).
pub fn enterprises_csv<W: Write + Send + 'static>(
    store: &Store,
    scope: &Scope,
    campaign_id: i64,
    filter: &EnterpriseFilter,
    full_contacts: bool,
    out: W,
) -> Result<u64, StoreError> {
    let mut writer = TableWriter::csv(out, TextEncoding::Utf8Bom, b',').map_err(file_error)?;
    writer.write_row(&HEADER).map_err(file_error)?;
    let mut rows = 0u64;
    store.each_enterprise(scope, campaign_id, filter, &mut |e| {
        let cells = row(&e, full_contacts);
        let safe = cells.iter().map(|c| csv_safe(c));
        let safe: Vec<_> = safe.collect();
        writer.write_row(&safe).map_err(file_error)?;
        rows += 1;
        Ok(())
    })?;
    writer.finish().map_err(file_error)?;
    Ok(rows)
}

/// Writes the same rows to an XLSX file at `path` (constant memory: rows go to a
/// temporary file as they come; the workbook is assembled at the end).
pub fn enterprises_xlsx(
    store: &Store,
    scope: &Scope,
    campaign_id: i64,
    filter: &EnterpriseFilter,
    full_contacts: bool,
    path: &std::path::Path,
) -> Result<u64, StoreError> {
    let mut writer = TableWriter::xlsx(path, "企业名单").map_err(file_error)?;
    writer.write_row(&HEADER).map_err(file_error)?;
    let mut rows = 0u64;
    store.each_enterprise(scope, campaign_id, filter, &mut |e| {
        writer
            .write_row(&row(&e, full_contacts))
            .map_err(file_error)?;
        rows += 1;
        Ok(())
    })?;
    writer.finish().map_err(file_error)?;
    Ok(rows)
}

/// A `Write` that hands 64 KiB chunks to an async response body through a bounded channel:
/// the database walk blocks while the client is slow, so memory stays flat.
pub struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    pub fn new(tx: tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>) -> Self {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "下载已中断"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
