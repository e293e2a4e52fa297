//! `yinqi import banks|enterprises FILE`: load the bank registry or a bureau's list.

use std::path::PathBuf;

use clap::Subcommand;
use yinqi_imports::{self as import, ListingRequest, ListingSummary, RegistrySummary};
use yinqi_store::Scope;

use super::progress::Bar;
use super::{Context, bureau_arg};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Load the bank registry (行号, 网点名称, 法人机构, 机构类型, 行政区划代码, 上级行号).
    Banks {
        /// CSV (UTF-8 or GBK) or XLSX.
        file: PathBuf,
        /// Where to write the rows that could not be read (default: FILE.errors.csv/xlsx).
        #[arg(long)]
        error_report: Option<PathBuf>,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Load a bureau's enterprise list in the unified data format.
    Enterprises {
        /// CSV (UTF-8 with or without BOM, or GBK/GB18030) or XLSX.
        file: PathBuf,
        /// The submitting bureau's code: 11 北京, 37 山东 (without Qingdao), 3702 青岛, …
        #[arg(long)]
        bureau: String,
        /// Where to write the rows that need attention (default: FILE.errors.csv/xlsx).
        #[arg(long)]
        error_report: Option<PathBuf>,
        /// Print the summary as one JSON object (the last line printed).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Banks {
            file,
            error_report,
            json,
        } => {
            let store = ctx.open()?;
            let bar = Bar::new("读取行号表");
            let summary = import::import_registry(
                &store,
                &Scope::Nation,
                &file,
                error_report.as_deref(),
                &ctx.actor,
                &|p| bar.update(p),
            );
            bar.finish();
            let summary =
                summary.map_err(|e| anyhow::anyhow!("导入失败，数据库未作任何修改：{e}"))?;
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                print_registry(&summary);
            }
            Ok(())
        }
        ImportCommand::Enterprises {
            file,
            bureau,
            error_report,
            json,
        } => {
            let bureau = bureau_arg(&bureau)?;
            let store = ctx.open()?;
            let campaign = ctx.campaign(&store)?;
            let started = std::time::Instant::now();
            let bar = Bar::new(&format!("读取{}名单", bureau.name));
            let request = ListingRequest {
                path: &file,
                campaign: &campaign,
                bureau: bureau.code,
                actor: &ctx.actor,
                error_report: error_report.as_deref(),
                display_name: None,
            };
            let summary = import::import_listing(
                &store,
                &Scope::Bureau(bureau.code.to_owned()),
                &request,
                &|p| bar.update(p),
            );
            bar.finish();
            let summary =
                summary.map_err(|e| anyhow::anyhow!("导入失败，名单未作任何修改：{e}"))?;
            if json {
                let mut value = serde_json::to_value(&summary)?;
                value["elapsed_ms"] = (started.elapsed().as_millis() as u64).into();
                if let Some(kib) = peak_rss_kib() {
                    value["peak_rss_mib"] = (kib / 1024).into();
                }
                println!("{value}");
            } else {
                print_listing(&summary, &campaign.name, bureau.name, started.elapsed());
            }
            Ok(())
        }
    }
}

/// The process's peak resident memory (Linux `VmHWM`), for the benchmark's memory figure.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn print_registry(s: &RegistrySummary) {
    println!(
        "行号表导入完成：共 {} 行，接受 {} 行，拒绝 {} 行",
        s.rows, s.accepted, s.rejected
    );
    println!(
        "  新增法人机构 {}，新增网点 {}，更新网点 {}",
        s.banks_created, s.branches_created, s.branches_updated
    );
    if let Some(path) = &s.error_report {
        println!("  无法读取的行已写入：{path}（修改后可直接重新导入该文件）");
    }
}

pub fn print_listing(
    s: &ListingSummary,
    campaign: &str,
    bureau: &str,
    elapsed: std::time::Duration,
) {
    println!(
        "{bureau} · {campaign} 名单导入完成（用时 {:.1} 秒）",
        elapsed.as_secs_f64()
    );
    println!(
        "  共 {} 行：接受 {}（新增 {}，更新 {}），拒绝 {}（其中文件内重复 {}）",
        s.rows, s.accepted, s.inserted, s.updated, s.rejected, s.duplicates_in_file
    );
    println!(
        "  符合条件 {}，已对应到开户行网点 {}",
        s.eligible, s.assigned
    );
    for (reason, n) in &s.excluded {
        println!("  不符合条件 · {}：{n}", exclusion_label(reason));
    }
    for (reason, n) in &s.unassigned {
        println!("  未对应网点 · {}：{n}", unassigned_label(reason));
    }
    if s.duplicates > 0 {
        println!(
            "  已由其他监管局报送（跨局重复，仍归原局）：{}",
            s.duplicates
        );
    }
    if s.warnings > 0 {
        println!("  需核实（已接受）：{} 行", s.warnings);
    }
    if !s.ignored_columns.is_empty() {
        println!("  已忽略非标准列：{}", s.ignored_columns.join("、"));
    }
    if let Some(path) = &s.error_report {
        println!("  需要处理的行已写入：{path}（按“错误原因”列修改后可直接重新导入该文件）");
    }
}

fn exclusion_label(code: &str) -> &str {
    yinqi_domain::eligibility::Exclusion::from_code(code).map_or(
        if code == "override" {
            "监管局调整为不纳入"
        } else {
            code
        },
        |e| e.label_zh(),
    )
}

fn unassigned_label(code: &str) -> &str {
    yinqi_domain::eligibility::Unassigned::from_code(code).map_or(code, |u| u.label_zh())
}
