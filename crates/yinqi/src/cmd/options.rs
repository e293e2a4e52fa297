//! `yinqi options --bureau CODE [--accept C,D,M|none]`: a bureau's eligibility options.

use clap::Args;
use yinqi_domain::eligibility::EligibilityOptions;

use super::{Context, bureau_arg, scope_for};

#[derive(Debug, Args)]
pub struct OptionsArgs {
    #[arg(long)]
    bureau: String,
    /// Which of the credit levels C, D, M (M also covers "not rated") join besides A and B:
    /// e.g. `--accept C,M`, or `--accept none`. Without it, the current setting is shown.
    #[arg(long)]
    accept: Option<String>,
}

pub fn run(ctx: &Context, args: &OptionsArgs) -> anyhow::Result<()> {
    let bureau = bureau_arg(&args.bureau)?;
    let store = ctx.open()?;
    let campaign = ctx.campaign(&store)?;
    let scope = scope_for(Some(bureau.code));
    if let Some(accept) = &args.accept {
        let options = parse_accept(accept)?;
        let rows =
            store.set_bureau_options(&scope, campaign.id, bureau.code, options, &ctx.actor)?;
        println!("已保存，并按新设置重新筛选了 {rows} 家企业。");
    }
    let o = store.bureau_options(&scope, campaign.id, bureau.code)?;
    let yes = |b: bool| if b { "纳入" } else { "不纳入" };
    println!(
        "{} · {}：纳税信用 A、B 级纳入；C 级{}；D 级{}；M 级及未评级{}",
        bureau.name,
        campaign.name,
        yes(o.accept_c),
        yes(o.accept_d),
        yes(o.accept_m)
    );
    Ok(())
}

fn parse_accept(raw: &str) -> anyhow::Result<EligibilityOptions> {
    let mut options = EligibilityOptions::default();
    if raw.trim().eq_ignore_ascii_case("none") {
        return Ok(options);
    }
    for part in raw.split([',', '，', ' ']).filter(|p| !p.is_empty()) {
        match part.trim().to_ascii_uppercase().as_str() {
            "C" => options.accept_c = true,
            "D" => options.accept_d = true,
            "M" => options.accept_m = true,
            other => anyhow::bail!("--accept 只能列 C、D、M 或 none，不能是 {other}"),
        }
    }
    Ok(options)
}
