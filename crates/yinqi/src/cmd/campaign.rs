//! `yinqi campaign list|add|default`: campaigns run beside each other.

use clap::Subcommand;
use yinqi_store::NewCampaign;

use super::Context;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// List the campaigns.
    List,
    /// Open a new campaign (its own list, codes and answers).
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The year whose tax credit rating decides eligibility.
        #[arg(long)]
        tax_credit_year: i64,
        #[arg(long)]
        starts_on: String,
        #[arg(long)]
        ends_on: String,
        /// Size standard id (see `yinqi_domain::size`).
        #[arg(long, default_value = "miit-2011-300")]
        size_standard: String,
    },
    /// Make a campaign the one commands use when none is named.
    Default { code: String },
}

pub fn run(ctx: &Context, command: CampaignCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match command {
        CampaignCommand::List => {
            for c in store.campaigns()? {
                let mark = if c.is_default { "（默认）" } else { "" };
                println!(
                    "{}  {}{mark}  {} 至 {}，纳税信用评价年度 {}",
                    c.code, c.name, c.starts_on, c.ends_on, c.tax_credit_year
                );
            }
        }
        CampaignCommand::Add {
            code,
            name,
            tax_credit_year,
            starts_on,
            ends_on,
            size_standard,
        } => {
            let c = store.create_campaign(&NewCampaign {
                code,
                name,
                tax_credit_year,
                size_standard,
                starts_on,
                ends_on,
            })?;
            println!("已新建活动 {}（{}）", c.code, c.name);
        }
        CampaignCommand::Default { code } => {
            store.set_default_campaign(&code)?;
            println!("默认活动已设为 {code}");
        }
    }
    Ok(())
}
