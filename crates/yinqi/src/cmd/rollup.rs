//! `yinqi rollup …`: the progress rollups behind the dashboards. `yinqi serve` keeps them
//! up to date in the background; these commands do the same work in the foreground (after
//! a bulk load, from cron at night), check them against a count from scratch, and show or
//! set the campaign's supervision settings (schedule and quality thresholds).

use std::time::Instant;

use anyhow::bail;
use clap::Subcommand;
use yinqi_store::{RefreshLimits, Scope, Store};

use super::Context;

#[derive(Debug, Subcommand)]
pub enum RollupCommand {
    /// Bring the rollups up to date with every change, then stop.
    Refresh,
    /// Recount every case of every campaign from scratch (the dashboards stay readable).
    Rebuild,
    /// How up to date the rollups are.
    Status,
    /// Compare the rollups with a count from scratch (reads the whole list; slow).
    Verify,
    /// Show the campaign's schedule and quality thresholds (JSON).
    Settings {
        /// Change settings: `survey_ends=2020-03-31`, `q1_min_seconds=90`, … (HQ's decision,
        /// recorded in the audit log; new thresholds recount the flags).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

pub fn run(ctx: &Context, command: RollupCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match command {
        RollupCommand::Refresh => refresh(&store),
        RollupCommand::Rebuild => {
            store.rebuild_progress(&Scope::Nation)?;
            refresh(&store)
        }
        RollupCommand::Status => {
            let s = store.progress_status()?;
            println!(
                "统计截至：{}；待统计企业 {} 家，待重算监管局 {} 个",
                when(s.complete_at),
                s.queue_left,
                s.sweeps_left
            );
            Ok(())
        }
        RollupCommand::Verify => {
            let campaign = ctx.campaign(&store)?;
            let started = Instant::now();
            let differences = store.verify_progress(&Scope::Nation, campaign.id)?;
            if differences.is_empty() {
                println!(
                    "统计与逐条重算一致（{:.1} 秒）",
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            for d in differences.iter().take(50) {
                eprintln!("{d}");
            }
            bail!("统计与逐条重算有 {} 处不一致", differences.len())
        }
        RollupCommand::Settings { set } => settings(ctx, &store, &set),
    }
}

fn when(millis: i64) -> String {
    if millis <= 0 {
        return "尚未统计".into();
    }
    let secs = millis / 1000 + 8 * 3600;
    let day = yinqi_domain::progress::day::iso((secs / 86_400) as i32);
    let rem = secs % 86_400;
    format!(
        "{day} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn refresh(store: &Store) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut counted = 0;
    loop {
        let r = store.refresh_progress(RefreshLimits {
            budget: 200_000,
            ..RefreshLimits::default()
        })?;
        counted += r.counted;
        if r.is_complete() {
            println!(
                "统计已更新：重算 {counted} 家企业，用时 {:.1} 秒；数据截至 {}",
                started.elapsed().as_secs_f64(),
                when(r.complete_at)
            );
            return Ok(());
        }
        eprintln!(
            "  已重算 {counted} 家（{:.0} 秒），待统计 {} 家，待重算监管局 {} 个",
            started.elapsed().as_secs_f64(),
            r.queue_left,
            r.sweeps_left
        );
    }
}

/// Shows the settings, or changes the named fields and stores them (validated by the
/// domain types they deserialise into).
fn settings(ctx: &Context, store: &Store, set: &[String]) -> anyhow::Result<()> {
    let campaign = ctx.campaign(store)?;
    let current = store.supervision_settings(campaign.id)?;
    let mut schedule = serde_json::to_value(&current.schedule)?;
    let mut thresholds = serde_json::to_value(&current.thresholds)?;
    for pair in set {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("设置应写成 名称=值：{pair}");
        };
        let (key, value) = (key.trim(), value.trim());
        let target = if schedule.get(key).is_some() {
            &mut schedule
        } else if thresholds.get(key).is_some() {
            &mut thresholds
        } else {
            bail!("没有名为 {key} 的设置");
        };
        target[key] = match value.parse::<u64>() {
            Ok(n) => n.into(),
            Err(_) => value.into(),
        };
    }
    let updated = yinqi_store::SupervisionSettings {
        schedule: serde_json::from_value(schedule)
            .map_err(|e| anyhow::anyhow!("日程设置无效：{e}"))?,
        thresholds: serde_json::from_value(thresholds)
            .map_err(|e| anyhow::anyhow!("阈值设置无效：{e}"))?,
    };
    if !set.is_empty() {
        store.set_supervision_settings(&Scope::Nation, campaign.id, &updated, &ctx.actor)?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "campaign": campaign.code,
            "schedule": updated.schedule,
            "thresholds": updated.thresholds,
        }))?
    );
    Ok(())
}
