//! `yinqi user add`: creates a user (the first HQ admin this way; admins create the rest in
//! the web pages).

use std::io::BufRead;

use clap::{Args, Subcommand};
use yinqi_store::{Affiliation, NewUser, Role};

use super::Context;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add(AddArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// hq_admin, hq_staff, bureau_staff, bank_admin, branch_staff, customer_manager, association_viewer
    #[arg(long)]
    role: String,
    #[arg(long)]
    username: String,
    /// The person's name as shown in the pages (default: the username).
    #[arg(long)]
    name: Option<String>,
    /// For bureau staff, or a bank admin limited to one bureau's territory.
    #[arg(long)]
    bureau: Option<String>,
    /// For a bank admin: the bank (legal entity) by its registry name, e.g. 中国工商银行.
    #[arg(long)]
    bank: Option<String>,
    /// For branch staff and customer managers: the branch's 12-digit code.
    #[arg(long)]
    branch: Option<String>,
    /// For an association viewer: the association's name (created if new).
    #[arg(long)]
    association: Option<String>,
    /// Read the password from the first line of standard input (else it is asked for).
    #[arg(long)]
    password_stdin: bool,
}

pub fn run(ctx: &Context, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add(args) = command;
    let role = Role::from_code(&args.role).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        anyhow::anyhow!("未知的角色 {}，可用：{}", args.role, all.join(", "))
    })?;
    let store = ctx.open()?;
    let bank_id = match &args.bank {
        Some(name) => Some(
            store
                .bank_id_by_name(name)?
                .ok_or_else(|| anyhow::anyhow!("银行机构名录中没有法人机构“{name}”"))?,
        ),
        None => None,
    };
    let association_id = match &args.association {
        Some(name) => Some(store.ensure_association(name, &ctx.actor)?),
        None => None,
    };
    let password_hash = if role == Role::CustomerManager {
        None
    } else {
        let password = read_password(args.password_stdin)?;
        Some(yinqi_web::auth::hash_password(&password).map_err(|e| anyhow::anyhow!(e))?)
    };
    let user = store.create_user(
        &NewUser {
            username: args.username.clone(),
            display_name: args.name.clone().unwrap_or_else(|| args.username.clone()),
            role,
            affiliation: Affiliation {
                bureau_code: args.bureau.clone(),
                bank_id,
                branch_code: args.branch.clone(),
                association_id,
            },
            password_hash,
        },
        &ctx.actor,
    )?;
    println!(
        "已创建用户 {}（{}），编号 {}",
        user.username,
        user.role.label_zh(),
        user.id
    );
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin {
        eprint!("请输入密码（10 位以上，含字母和数字）：");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
