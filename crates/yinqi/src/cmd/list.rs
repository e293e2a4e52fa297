//! `yinqi list summary|show|duplicates|audit`: looking at the list from the terminal;
//! `yinqi list status|submit|check|return|freeze`: the list round (R21) with the same store
//! calls as the web pages. Personal data (contact name and phone) is masked, as everywhere.

use clap::Subcommand;
use yinqi_domain::eligibility::{Exclusion, Exclusions, Unassigned};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_store::{ListCounts, Scope};

use super::{Context, bureau_arg, scope_for};

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Totals: listed, eligible, excluded by reason, assigned, unassigned by reason.
    Summary {
        /// One bureau's list (default: the whole country).
        #[arg(long)]
        bureau: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One enterprise, by credit code.
    Show {
        uscc: String,
        #[arg(long)]
        bureau: Option<String>,
    },
    /// Enterprises listed by two bureaus (each stays with the first).
    Duplicates {
        #[arg(long)]
        bureau: Option<String>,
    },
    /// Where each bureau's list stands in the round (draft, submitted, checked, returned, frozen).
    Status {
        #[arg(long)]
        bureau: Option<String>,
    },
    /// As the bureau: hand its list to HQ for checking (after that it can no longer upload).
    Submit {
        #[arg(long)]
        bureau: String,
    },
    /// As HQ: record that a submitted list was checked (totals, cross-bureau duplicates).
    Check {
        #[arg(long)]
        bureau: String,
        #[arg(long)]
        remarks: Option<String>,
    },
    /// As HQ: send a submitted or checked list back to the bureau, saying what to fix.
    Return {
        #[arg(long)]
        bureau: String,
        #[arg(long)]
        remarks: String,
    },
    /// As HQ: freeze a checked list; it is released to the banks and codes may be issued.
    /// `list release` is the same command (releasing is now part of freezing).
    #[command(visible_alias = "release")]
    Freeze {
        #[arg(long)]
        bureau: String,
    },
    /// The newest audit log entries.
    Audit {
        #[arg(long)]
        bureau: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

pub fn run(ctx: &Context, command: ListCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let campaign = ctx.campaign(&store)?;
    let bureau_of = |b: &Option<String>| -> anyhow::Result<Option<&'static str>> {
        b.as_deref()
            .map(|c| bureau_arg(c).map(|b| b.code))
            .transpose()
    };
    match command {
        ListCommand::Summary { bureau, json } => {
            let bureau = bureau_of(&bureau)?;
            let counts = store.list_counts(&scope_for(bureau), campaign.id)?;
            if json {
                println!("{}", serde_json::to_string(&summary_json(&counts))?);
            } else {
                print_counts(
                    &counts,
                    bureau.map_or("全国", |c| bureau_arg(c).map_or(c, |b| b.name)),
                    &campaign.name,
                );
            }
        }
        ListCommand::Show { uscc, bureau } => {
            let bureau = bureau_of(&bureau)?;
            let code = yinqi_domain::uscc::Uscc::parse(&uscc)?.code;
            let e = store.enterprise_by_uscc(&scope_for(bureau), campaign.id, code.as_str())?;
            println!("{}  {}", e.uscc, e.name);
            println!(
                "  监管局 {}  注册地 {}  行业 {}",
                e.bureau_code, e.region_code, e.industry_code
            );
            println!(
                "  规模 {}  纳税信用 {}  {}",
                e.size_class.as_deref().unwrap_or("无法划型"),
                e.tax_credit.as_deref().unwrap_or("未评级"),
                if e.eligible { "纳入" } else { "不纳入" }
            );
            let reasons: Vec<&str> = Exclusions::from_bits(e.exclusions as u16)
                .unwrap_or_default()
                .iter()
                .map(Exclusion::label_zh)
                .collect();
            if !reasons.is_empty() {
                println!("  筛选原因：{}", reasons.join("、"));
            }
            if let Some(o) = &e.override_decision {
                println!("  监管局调整：{o}");
            }
            match (&e.branch_code, &e.unassigned) {
                (Some(b), _) => println!("  开户行网点 {b}"),
                (None, Some(u)) => println!(
                    "  未对应网点：{}",
                    Unassigned::from_code(u).map_or(u.as_str(), |x| x.label_zh())
                ),
                _ => {}
            }
            println!(
                "  联系人 {} {}（已脱敏）",
                e.contact_name.as_deref().map(mask_name).unwrap_or_default(),
                e.contact_phone
                    .as_deref()
                    .map(mask_phone)
                    .unwrap_or_default()
            );
        }
        ListCommand::Duplicates { bureau } => {
            let bureau = bureau_of(&bureau)?;
            let dups = store.cross_bureau_duplicates(&scope_for(bureau), campaign.id)?;
            if dups.is_empty() {
                println!("没有跨局重复的企业。");
            }
            for d in dups {
                println!(
                    "{}  {}  报送局 {}（第{}行）→ 仍归属 {}",
                    d.uscc, d.name, d.claimant_bureau, d.source_line, d.owner_bureau
                );
            }
        }
        ListCommand::Status { bureau } => {
            let bureau = bureau_of(&bureau)?;
            for state in store.list_states(&scope_for(bureau), campaign.id)? {
                let name = bureau_arg(&state.bureau_code).map_or("", |b| b.name);
                print!(
                    "{} {}  {}",
                    state.bureau_code,
                    name,
                    state.status.label_zh()
                );
                if let Some(by) = &state.updated_by {
                    print!("（{by}）");
                }
                if let Some(r) = &state.remarks {
                    print!("  意见：{r}");
                }
                println!();
            }
        }
        ListCommand::Submit { bureau } => {
            let b = bureau_arg(&bureau)?;
            store.submit_list(&scope_for(Some(b.code)), campaign.id, b.code, &ctx.actor)?;
            println!("{}的名单已提交总部核对。", b.name);
        }
        ListCommand::Check { bureau, remarks } => {
            let b = bureau_arg(&bureau)?;
            store.check_list(
                &Scope::Nation,
                campaign.id,
                b.code,
                remarks.as_deref(),
                &ctx.actor,
            )?;
            println!("{}的名单已标记为总部已核对。", b.name);
        }
        ListCommand::Return { bureau, remarks } => {
            let b = bureau_arg(&bureau)?;
            store.return_list(&Scope::Nation, campaign.id, b.code, &remarks, &ctx.actor)?;
            println!("{}的名单已退回监管局修改。", b.name);
        }
        ListCommand::Freeze { bureau } => {
            let b = bureau_arg(&bureau)?;
            store.freeze_list(&Scope::Nation, campaign.id, b.code, &ctx.actor)?;
            let released = store
                .audit_entries(&Scope::Bureau(b.code.to_owned()), 1)?
                .first()
                .and_then(|a| a.detail["released"].as_u64())
                .unwrap_or(0);
            println!(
                "{}的名单已冻结并发布给银行（本次新发布 {released} 家企业）。",
                b.name
            );
        }
        ListCommand::Audit { bureau, limit } => {
            let bureau = bureau_of(&bureau)?;
            for a in store.audit_entries(&scope_for(bureau), limit)? {
                println!(
                    "{}  {}  {}  {}  {}",
                    a.at,
                    a.actor,
                    a.action,
                    a.subject.unwrap_or_default(),
                    a.detail
                );
            }
        }
    }
    Ok(())
}

/// The list totals in the import summary's vocabulary (first reason, unassigned reasons).
fn summary_json(c: &ListCounts) -> serde_json::Value {
    let mut excluded = std::collections::BTreeMap::<String, u64>::new();
    for (bits, decision, n) in &c.not_eligible {
        let reason = Exclusions::from_bits(*bits as u16)
            .and_then(|e| e.first())
            .map_or_else(
                || decision.as_deref().unwrap_or("override").to_owned(),
                |e| e.code().to_owned(),
            );
        *excluded.entry(reason).or_default() += n;
    }
    serde_json::json!({
        "listed": c.listed,
        "eligible": c.eligible,
        "excluded": excluded,
        "assigned": c.assigned,
        "unassigned": c.unassigned,
    })
}

fn print_counts(c: &ListCounts, whose: &str, campaign: &str) {
    let json = summary_json(c);
    println!(
        "{whose} · {campaign}：名单 {} 家，符合条件 {} 家，已对应开户行网点 {} 家",
        c.listed, c.eligible, c.assigned
    );
    if let Some(map) = json["excluded"].as_object() {
        for (reason, n) in map {
            let label = Exclusion::from_code(reason)
                .map_or("监管局调整为不纳入", |e| e.label_zh());
            println!("  不符合条件 · {label}：{n}");
        }
    }
    for (reason, n) in &c.unassigned {
        println!(
            "  未对应网点 · {}：{n}",
            Unassigned::from_code(reason).map_or(reason.as_str(), |u| u.label_zh())
        );
    }
}
