//! `yinqi gen banks|enterprises`: synthetic but realistic files for the demo, the tests and
//! the benchmarks. An enterprise list comes with `FILE.expected.json`: the summary that
//! importing it into a fresh database must print.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use yinqi::synth::{self, DEFAULT_BANK_SEED, ListingSpec, OutputFormat};

use super::bureau_arg;

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// A bank registry of every bureau's territory.
    Banks {
        #[arg(long, default_value_t = DEFAULT_BANK_SEED)]
        seed: u64,
        /// Output file (.csv or .xlsx).
        #[arg(long, default_value = "banks.csv")]
        out: PathBuf,
        /// csv (UTF-8 with BOM), gb18030, or xlsx (default: from the file name).
        #[arg(long)]
        format: Option<OutputFormat>,
    },
    /// A bureau's enterprise list in the unified data format, with a known share of defects.
    Enterprises {
        #[arg(long, default_value_t = 10_000)]
        rows: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The bureau whose list it is.
        #[arg(long, default_value = "44")]
        bureau: String,
        /// Seed of the bank registry the account banks are drawn from (as `gen banks --seed`).
        #[arg(long, default_value_t = DEFAULT_BANK_SEED)]
        bank_seed: u64,
        /// Output file (.csv or .xlsx).
        #[arg(long, default_value = "enterprises.csv")]
        out: PathBuf,
        /// csv (UTF-8 with BOM), gb18030, or xlsx (default: from the file name).
        #[arg(long)]
        format: Option<OutputFormat>,
    },
    /// Synthetic submitted answers for every enterprise holding a code, written straight
    /// into the database given by --database (benchmarks, demos; not for real campaigns).
    Answers {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Enterprises (per mille of those holding a code) answering questionnaire 1.
        #[arg(long, default_value_t = 300)]
        q1: u64,
        /// … visited (questionnaire 2).
        #[arg(long, default_value_t = 100)]
        q2: u64,
        /// … with a financing solution (questionnaire 3).
        #[arg(long, default_value_t = 30)]
        q3: u64,
    },
}

pub fn run(ctx: &super::Context, command: GenCommand) -> anyhow::Result<()> {
    match command {
        GenCommand::Answers { seed, q1, q2, q3 } => {
            let shares = synth::AnswerShares { q1, q2, q3 };
            return super::gen_answers::run(&ctx.database, ctx.campaign.as_deref(), seed, shares);
        }
        GenCommand::Banks { seed, out, format } => {
            let n = synth::write_registry(
                seed,
                &out,
                format.unwrap_or_else(|| OutputFormat::for_path(&out)),
            )?;
            println!("已生成行号表 {}：{n} 个网点", out.display());
        }
        GenCommand::Enterprises {
            rows,
            seed,
            bureau,
            bank_seed,
            out,
            format,
        } => {
            let bureau = bureau_arg(&bureau)?;
            let spec = ListingSpec {
                bank_seed,
                ..ListingSpec::new(bureau, rows, seed)
            };
            let expected = write_listing(&spec, &out, format)?;
            println!("已生成{}名单 {}：{rows} 行", bureau.name, out.display());
            println!(
                "导入到新数据库应得到的结果：{}",
                expected_path(&out).display()
            );
            println!("{}", serde_json::to_string(&expected)?);
        }
    }
    Ok(())
}

/// Writes a list and its expected summary beside it.
pub fn write_listing(
    spec: &ListingSpec,
    out: &Path,
    format: Option<OutputFormat>,
) -> anyhow::Result<synth::ExpectedSummary> {
    let expected = synth::write_listing(
        spec,
        out,
        format.unwrap_or_else(|| OutputFormat::for_path(out)),
    )?;
    let path = expected_path(out);
    std::fs::write(&path, serde_json::to_string_pretty(&expected)? + "\n")
        .with_context(|| format!("写入 {} 失败", path.display()))?;
    Ok(expected)
}

/// `list.csv` → `list.csv.expected.json`.
pub fn expected_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".expected.json");
    PathBuf::from(name)
}
