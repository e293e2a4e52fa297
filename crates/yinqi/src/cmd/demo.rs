//! `yinqi demo`: the main job on a fresh machine — generate a bank registry and three
//! bureaus' lists, import them into the database, and print where the campaign stands.

use std::path::PathBuf;

use clap::Args;
use yinqi::synth::{self, DEFAULT_BANK_SEED, ListingSpec, OutputFormat};
use yinqi_imports::{self as import, ListingRequest};
use yinqi_store::Scope;

use super::import::print_listing;
use super::progress::Bar;
use super::{Context, bureau_arg};

/// The demo's bureaus: a municipality, a province, and a separately-planned city inside it.
const DEMO_BUREAUS: [&str; 3] = ["11", "37", "3702"];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Rows of each bureau's generated list.
    #[arg(long, default_value_t = 20_000)]
    rows: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the generated files (and their error reports) are written.
    #[arg(long, default_value = "demo-data")]
    dir: PathBuf,
    /// Import and print, then stop (by default the web platform is served afterwards).
    #[arg(long)]
    no_serve: bool,
    /// Address the web platform listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
}

/// The demo's logins: username, password, what they show.
const DEMO_PASSWORD: &str = "yinqi-demo-2019";

pub fn run(ctx: &Context, args: &DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let store = ctx.open()?;
    let campaign = ctx.campaign(&store)?;
    println!("数据库：{}；活动：{}", ctx.database, campaign.name);

    let banks = args.dir.join("行号表.csv");
    let n = synth::write_registry(DEFAULT_BANK_SEED, &banks, OutputFormat::CsvUtf8)?;
    let registry =
        import::import_registry(&store, &Scope::Nation, &banks, None, &ctx.actor, &|_| {})?;
    println!(
        "行号表 {}：{n} 个网点（新增 {}，更新 {}）",
        banks.display(),
        registry.branches_created,
        registry.branches_updated
    );

    for (i, code) in DEMO_BUREAUS.iter().enumerate() {
        let bureau = bureau_arg(code)?;
        let state = store.list_status(&Scope::Nation, campaign.id, bureau.code)?;
        if !state.status.accepts_uploads() {
            // A second demo run on the same database: the list is no longer the bureau's.
            println!(
                "{}的名单当前为“{}”，不再导入。",
                bureau.name,
                state.status.label_zh()
            );
            continue;
        }
        // Beijing's list arrives the way Chinese Excel saves CSV: GB18030.
        let format = if i == 0 {
            OutputFormat::CsvGb18030
        } else {
            OutputFormat::CsvUtf8
        };
        let file = args
            .dir
            .join(format!("{}-{}名单.csv", bureau.code, bureau.name));
        let spec = ListingSpec::new(bureau, args.rows, args.seed + i as u64);
        super::gen_data::write_listing(&spec, &file, Some(format))?;
        let started = std::time::Instant::now();
        let bar = Bar::new(&format!("导入{}名单", bureau.name));
        let request = ListingRequest {
            path: &file,
            campaign: &campaign,
            bureau: bureau.code,
            actor: &ctx.actor,
            error_report: None,
            display_name: None,
        };
        let summary = import::import_listing(
            &store,
            &Scope::Bureau(bureau.code.to_owned()),
            &request,
            &|p| bar.update(p),
        );
        bar.finish();
        println!();
        print_listing(&summary?, &campaign.name, bureau.name, started.elapsed());
        // The demo's lists go through the round at once (submitted, checked, frozen), so the
        // bank logins see their enterprises.
        store.submit_list(
            &Scope::Bureau(bureau.code.to_owned()),
            campaign.id,
            bureau.code,
            &ctx.actor,
        )?;
        store.check_list(&Scope::Nation, campaign.id, bureau.code, None, &ctx.actor)?;
        store.freeze_list(&Scope::Nation, campaign.id, bureau.code, &ctx.actor)?;
    }

    let totals = store.list_counts(&Scope::Nation, campaign.id)?;
    println!();
    println!(
        "全国合计：名单 {} 家，符合条件 {} 家，已对应开户行网点 {} 家。",
        totals.listed, totals.eligible, totals.assigned
    );
    println!("查看：yinqi list summary --bureau 37；yinqi list duplicates；yinqi list audit");
    give_out_codes(&store, &campaign, &ctx.actor)?;
    print_logins(&store, &campaign, &ctx.actor)?;
    print_codes(&store, &campaign, &ctx.actor, args.listen)?;
    if args.no_serve {
        return Ok(());
    }
    drop(store);
    super::serve::run(
        ctx,
        &super::serve::ServeArgs {
            listen: args.listen,
            secure_cookies: false,
            session_hours: 8,
            public_url: None,
            json_logs: false,
            upload_dir: None,
        },
    )
}

/// HQ issues every demo list's codes and each batch travels down to its bank, as in the
/// campaign (the bank then pushes the links).
fn give_out_codes(
    store: &yinqi_store::Store,
    campaign: &yinqi_store::Campaign,
    actor: &str,
) -> anyhow::Result<()> {
    let mut issued = 0;
    for code in DEMO_BUREAUS {
        issued += store
            .issue_codes(&Scope::Nation, campaign.id, code, actor)?
            .codes;
        let bureau = Scope::Bureau(code.to_owned());
        for batch in store.code_batches(&bureau, campaign.id)? {
            if batch.holder == yinqi_store::Holder::Hq {
                store.hand_over(&Scope::Nation, batch.id, actor)?;
            }
            if matches!(
                batch.holder,
                yinqi_store::Holder::Hq | yinqi_store::Holder::Bureau
            ) {
                store.hand_over(&bureau, batch.id, actor)?;
            }
        }
    }
    println!("邀请码：本次新发放 {issued} 个，已按银行分批经监管局移交各银行。");
    Ok(())
}

/// The busiest bank's first branch gets two customer managers: manager01 (with the demo
/// password, holding the branch's enterprises and their codes) and manager02 (to be
/// activated with the code printed here).
fn print_codes(
    store: &yinqi_store::Store,
    campaign: &yinqi_store::Campaign,
    actor: &str,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    use yinqi_store::{AssignTarget, EnterpriseFilter, Holder};
    let (Some((admin, _)), Some((manager, _)), Some((waiting, _))) = (
        store.user_for_login("bankadmin")?,
        store.user_for_login("manager01")?,
        store.user_for_login("manager02")?,
    ) else {
        return Ok(());
    };
    let bank = admin.scope();
    let branch = manager.affiliation.branch_code.clone().unwrap_or_default();
    let filter = EnterpriseFilter {
        branch: Some(branch.clone()),
        ..EnterpriseFilter::default()
    };
    let given = store.assign_manager(
        &bank,
        campaign.id,
        &AssignTarget::Filter(&filter),
        Some(manager.id),
        true,
        actor,
    )?;
    for batch in store.code_batches(&bank, campaign.id)? {
        if batch.holder == Holder::Bank {
            store.hand_over(&bank, batch.id, actor)?;
        }
    }
    let mine = Scope::Manager(manager.id);
    let first = store.enterprise_page(&mine, campaign.id, &EnterpriseFilter::default(), None, 2)?;
    println!("  manager01 新接手网点 {branch} 的 {given} 家企业，邀请码已交到客户经理。");
    // Two links: one enterprise to try with a phone's browser as is, a second to try again
    // (with JavaScript off, or after the first has submitted).
    for (n, e) in first.iter().enumerate() {
        let Some(code) = store.enterprise_code(&mine, campaign.id, &e.uscc)? else {
            continue;
        };
        let which = if n == 0 {
            "企业问卷链接示例"
        } else {
            "第二个企业问卷链接示例"
        };
        println!(
            "{which}（{}）：http://{listen}/q/{}  （也可在 http://{listen}/q 输入 {}）",
            e.name,
            code.as_str(),
            code.grouped()
        );
    }
    let touched = super::demo_work::seed(store, campaign.id, (manager.id, &manager.username))?;
    if touched > 0 {
        println!(
            "  manager01 的工作台：{touched} 家企业已推送链接、填写问卷一、走访或出具融资方案，登录后首页即可看到各状态。"
        );
    }
    if !waiting.has_password {
        let code = store.issue_manager_code(&admin, waiting.id)?;
        println!(
            "客户经理激活：打开 http://{listen}/activate，输入激活码 {} 并设置密码（用户名 manager02）",
            code.grouped()
        );
    }
    Ok(())
}

/// Creates the demo's users (once) and prints their logins.
fn print_logins(
    store: &yinqi_store::Store,
    campaign: &yinqi_store::Campaign,
    actor: &str,
) -> anyhow::Result<()> {
    use yinqi_store::{Affiliation, NewUser, Role};
    let hash = yinqi_web::auth::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    let busiest = store.busiest_bank_branch(campaign.id)?;
    let mut logins: Vec<(&str, &str, Role, Affiliation)> = vec![
        (
            "hqadmin",
            "总部管理员",
            Role::HqAdmin,
            Affiliation::default(),
        ),
        (
            "shandong",
            "山东银保监局",
            Role::BureauStaff,
            Affiliation {
                bureau_code: Some("37".into()),
                ..Affiliation::default()
            },
        ),
        (
            "qingdao",
            "青岛银保监局",
            Role::BureauStaff,
            Affiliation {
                bureau_code: Some("3702".into()),
                ..Affiliation::default()
            },
        ),
    ];
    if let Some((bank_id, _, branch)) = &busiest {
        logins.push((
            "bankadmin",
            "银行管理员",
            Role::BankAdmin,
            Affiliation {
                bank_id: Some(*bank_id),
                ..Affiliation::default()
            },
        ));
        logins.push((
            "branch01",
            "网点工作人员",
            Role::BranchStaff,
            Affiliation {
                branch_code: Some(branch.clone()),
                ..Affiliation::default()
            },
        ));
        logins.push((
            "manager01",
            "客户经理",
            Role::CustomerManager,
            Affiliation {
                branch_code: Some(branch.clone()),
                ..Affiliation::default()
            },
        ));
    }
    println!();
    println!("演示账号（密码均为 {DEMO_PASSWORD}）：");
    for (username, name, role, affiliation) in logins {
        if !store.username_exists(username)? {
            store.create_user(
                &NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    role,
                    affiliation,
                    password_hash: Some(hash.clone()),
                },
                actor,
            )?;
        }
        println!("  {username:<10} {}", role.label_zh());
    }
    if let Some((_, _, branch)) = &busiest
        && !store.username_exists("manager02")?
    {
        store.create_user(
            &NewUser {
                username: "manager02".into(),
                display_name: "待激活客户经理".into(),
                role: Role::CustomerManager,
                affiliation: Affiliation {
                    branch_code: Some(branch.clone()),
                    ..Affiliation::default()
                },
                password_hash: None,
            },
            actor,
        )?;
    }
    if let Some((_, bank, branch)) = busiest {
        println!(
            "  （bankadmin 为{bank}的管理员，branch01 为其网点 {branch} 的工作人员，manager01 为该网点的客户经理）"
        );
    }
    Ok(())
}
