//! Command-line interface: global options and the subcommands.

mod bench;
mod bench_dashboard;
mod bench_export;
mod bench_floor;
mod bench_http;
mod bench_pages;
mod bench_raw_insert;
mod bench_submit;
mod bench_submit_load;
mod bench_submit_prep;
mod bench_worklist;
mod campaign;
mod codes;
mod demo;
mod demo_work;
mod gen_answers;
mod gen_data;
mod import;
mod list;
mod options;
mod overrides;
mod progress;
mod rollup;
mod serve;
mod user;

use clap::{Parser, Subcommand};
use yinqi_store::{Campaign, Store};

/// 银企对接在线问卷与统计分析系统 — bank–enterprise financing matchmaking campaigns.
#[derive(Debug, Parser)]
#[command(name = "yinqi", version, about, propagate_version = true)]
pub struct Cli {
    /// Database: `sqlite:PATH` (embedded, created on first use) or `postgres://…`.
    #[arg(
        long,
        global = true,
        env = "YINQI_DATABASE",
        default_value = "sqlite:yinqi.db"
    )]
    database: String,
    /// Campaign code (default: the database's default campaign, 2019-2020 at first).
    #[arg(long, global = true, env = "YINQI_CAMPAIGN")]
    campaign: Option<String>,
    /// Who is acting, recorded in the audit log.
    #[arg(long, global = true, env = "YINQI_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate demo data (bank registry and three bureaus' lists), import it and print the summary.
    Demo(demo::DemoArgs),
    /// Create or upgrade the database schema.
    Migrate,
    /// Load a file: the bank registry or a bureau's enterprise list.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Write synthetic but realistic data files.
    #[command(subcommand)]
    Gen(gen_data::GenCommand),
    /// Include or exclude one enterprise regardless of screening, with a written reason.
    Override(overrides::OverrideArgs),
    /// Show or set a bureau's eligibility options (whether credit levels C, D, M join).
    Options(options::OptionsArgs),
    /// Campaigns: list, add, choose the default.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Look at the list: totals, one enterprise, cross-bureau duplicates, the audit log.
    #[command(subcommand)]
    List(list::ListCommand),
    /// Invitation codes: issue for a released list, list batches, hand them down.
    #[command(subcommand)]
    Codes(codes::CodesCommand),
    /// The progress rollups behind the dashboards: refresh, rebuild, verify, settings.
    #[command(subcommand)]
    Rollup(rollup::RollupCommand),
    /// Benchmarks (recorded in docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Serve the web platform.
    Serve(serve::ServeArgs),
    /// Users: create the first HQ admin and others from the command line.
    #[command(subcommand)]
    User(user::UserCommand),
}

/// What every command gets: the parsed global options.
pub struct Context {
    database: String,
    campaign: Option<String>,
    actor: String,
}

impl Context {
    fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.database)
            .map_err(|e| anyhow::anyhow!("打开数据库 {} 失败：{e}", self.database))
    }

    fn campaign(&self, store: &Store) -> anyhow::Result<Campaign> {
        Ok(store.campaign(self.campaign.as_deref())?)
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let actor = cli
        .actor
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".to_owned());
    let ctx = Context {
        database: cli.database,
        campaign: cli.campaign,
        actor,
    };
    match cli.command {
        Command::Demo(args) => demo::run(&ctx, &args),
        Command::Migrate => {
            ctx.open()?;
            println!(
                "数据库已就绪（结构版本 {}）：{}",
                yinqi_store::latest_version(),
                ctx.database
            );
            Ok(())
        }
        Command::Import(c) => import::run(&ctx, c),
        Command::Gen(c) => gen_data::run(&ctx, c),
        Command::Override(args) => overrides::run(&ctx, &args),
        Command::Options(args) => options::run(&ctx, &args),
        Command::Campaign(c) => campaign::run(&ctx, c),
        Command::List(c) => list::run(&ctx, c),
        Command::Codes(c) => codes::run(&ctx, c),
        Command::Rollup(c) => rollup::run(&ctx, c),
        Command::Bench(c) => bench::run(&ctx, c),
        Command::Serve(args) => serve::run(&ctx, &args),
        Command::User(c) => user::run(&ctx, c),
    }
}

/// The scope an operator acts in: a bureau's when one is named, else HQ's.
fn scope_for(bureau: Option<&str>) -> yinqi_store::Scope {
    match bureau {
        Some(code) => yinqi_store::Scope::Bureau(code.to_owned()),
        None => yinqi_store::Scope::Nation,
    }
}

/// Checks a bureau code given on the command line, listing the valid ones if it is wrong.
fn bureau_arg(code: &str) -> anyhow::Result<&'static yinqi_domain::bureau::Bureau> {
    yinqi_domain::bureau::by_code(code.trim()).ok_or_else(|| {
        let known: Vec<String> = yinqi_domain::bureau::all()
            .iter()
            .map(|b| format!("{} {}", b.code, b.name))
            .collect();
        anyhow::anyhow!("未知的监管局代码 {code}。可用代码：\n{}", known.join("\n"))
    })
}
