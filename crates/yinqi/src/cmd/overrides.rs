//! `yinqi override include|exclude|clear`: a bureau's recorded decision on one enterprise.

use clap::{Args, ValueEnum};

use super::{Context, bureau_arg, scope_for};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Decision {
    /// Include although the screening excluded it.
    Include,
    /// Exclude although the screening found it eligible.
    Exclude,
    /// Remove the override; the screening decides again.
    Clear,
}

#[derive(Debug, Args)]
pub struct OverrideArgs {
    #[arg(value_enum)]
    decision: Decision,
    /// The bureau whose list holds the enterprise.
    #[arg(long)]
    bureau: String,
    /// The enterprise's unified social credit code.
    #[arg(long)]
    uscc: String,
    /// The written reason (kept with who and when).
    #[arg(long)]
    reason: String,
}

pub fn run(ctx: &Context, args: &OverrideArgs) -> anyhow::Result<()> {
    let bureau = bureau_arg(&args.bureau)?;
    let store = ctx.open()?;
    let campaign = ctx.campaign(&store)?;
    let uscc = yinqi_domain::uscc::Uscc::parse(&args.uscc)?.code;
    let decision = match args.decision {
        Decision::Include => Some("include"),
        Decision::Exclude => Some("exclude"),
        Decision::Clear => None,
    };
    let e = store
        .set_override(
            &scope_for(Some(bureau.code)),
            campaign.id,
            uscc.as_str(),
            decision,
            &args.reason,
            &ctx.actor,
        )
        .map_err(|e| match e {
            yinqi_store::StoreError::NotFound => {
                anyhow::anyhow!(
                    "{}的名单中没有统一社会信用代码为 {} 的企业",
                    bureau.name,
                    uscc
                )
            }
            other => other.into(),
        })?;
    let status = if e.eligible { "纳入" } else { "不纳入" };
    println!(
        "已记录：{}（{}）现为“{status}”，操作人 {}",
        e.name, e.uscc, ctx.actor
    );
    match (&e.branch_code, &e.unassigned) {
        (Some(branch), _) => println!("  对应开户行网点：{branch}"),
        (None, Some(reason)) => println!(
            "  未对应网点：{}",
            yinqi_domain::eligibility::Unassigned::from_code(reason)
                .map_or(reason.as_str(), |u| u.label_zh())
        ),
        (None, None) => {}
    }
    Ok(())
}
