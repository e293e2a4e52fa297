//! `yinqi codes issue|list|hand-over`: invitation codes from the terminal, for HQ's operator
//! (the same store rules as the web pages; the codes themselves are read by banks only).

use clap::Subcommand;
use yinqi_store::{Holder, Scope};

use super::{Context, bureau_arg};

#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Issue the codes of a bureau's released list (one batch per bank, held by HQ).
    Issue {
        #[arg(long)]
        bureau: String,
    },
    /// The code batches, by bureau and bank, with where each is now.
    List {
        #[arg(long)]
        bureau: Option<String>,
    },
    /// Hand a batch to the next holder (acting as its present holder: HQ, its bureau or
    /// its bank). With `--all`, every batch of the bureau held at the same stage.
    HandOver {
        #[arg(long, conflicts_with = "bureau")]
        batch: Option<i64>,
        /// Every batch of this bureau still at the stage given by `--from`.
        #[arg(long, requires = "from")]
        bureau: Option<String>,
        /// hq, bureau or bank.
        #[arg(long)]
        from: Option<String>,
    },
}

/// The scope that holds a batch at `holder` (the operator acts as it).
fn holder_scope(holder: Holder, bureau: &str, bank_id: i64) -> Option<Scope> {
    match holder {
        Holder::Hq => Some(Scope::Nation),
        Holder::Bureau => Some(Scope::Bureau(bureau.to_owned())),
        Holder::Bank => Some(Scope::Bank {
            bank_id,
            bureau: None,
        }),
        Holder::Managers => None,
    }
}

pub fn run(ctx: &Context, command: CodesCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let campaign = ctx.campaign(&store)?;
    match command {
        CodesCommand::Issue { bureau } => {
            let b = bureau_arg(&bureau)?;
            let summary = store.issue_codes(&Scope::Nation, campaign.id, b.code, &ctx.actor)?;
            println!(
                "{}：发放邀请码 {} 个，新建批次 {} 个（由总部持有，请移交监管局）。",
                b.name, summary.codes, summary.batches
            );
        }
        CodesCommand::List { bureau } => {
            let scope = match &bureau {
                Some(code) => Scope::Bureau(bureau_arg(code)?.code.to_owned()),
                None => Scope::Nation,
            };
            let batches = store.code_batches(&scope, campaign.id)?;
            if batches.is_empty() {
                println!("暂无邀请码批次。");
            }
            for b in batches {
                println!(
                    "批次 {:>5}  {:<6} {:<20} 有效邀请码 {:>8}  持有：{}",
                    b.id,
                    b.bureau_code,
                    b.bank_name,
                    b.codes,
                    b.holder.label_zh()
                );
            }
        }
        CodesCommand::HandOver {
            batch,
            bureau,
            from,
        } => {
            let targets = match (batch, bureau, from) {
                (Some(id), _, _) => vec![store.code_batch(&Scope::Nation, id)?],
                (None, Some(bureau), Some(from)) => {
                    let code = bureau_arg(&bureau)?.code.to_owned();
                    let from = Holder::from_code(&from)
                        .ok_or_else(|| anyhow::anyhow!("--from 应为 hq、bureau 或 bank"))?;
                    store
                        .code_batches(&Scope::Bureau(code), campaign.id)?
                        .into_iter()
                        .filter(|b| b.holder == from)
                        .collect()
                }
                _ => anyhow::bail!("请指定 --batch 批次号，或 --bureau 与 --from"),
            };
            for b in targets {
                let scope = holder_scope(b.holder, &b.bureau_code, b.bank_id)
                    .ok_or_else(|| anyhow::anyhow!("批次 {} 已交到客户经理", b.id))?;
                let moved = store.hand_over(&scope, b.id, &ctx.actor)?;
                println!(
                    "批次 {}（{} {}）：{} 个邀请码 {} → {}",
                    b.id,
                    b.bureau_code,
                    b.bank_name,
                    b.codes,
                    b.holder.label_zh(),
                    moved.holder.label_zh()
                );
            }
        }
    }
    Ok(())
}
