//! `yinqi bench dashboard`: the progress pages on a loaded database (8M enterprises and
//! their answers), each kind of page a user opens requested through the whole web app
//! in-process (session lookup, scope, store, template), beside the plain aggregate queries
//! a page would need without the rollups, measured in the same run: a GROUP BY over the
//! list, and the funnel by GROUP BY over the list, codes and answers.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use yinqi_store::{Affiliation, DashboardView, NewUser, ProgressReport, Role, Scope, Store, User};
use yinqi_web::{AppState, Config};

/// One kind of page and its timings.
struct Timing {
    what: String,
    runs: Vec<Duration>,
}

fn quantile(runs: &[Duration], q: f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// A bench user (no password: it never logs in) and a session cookie for it.
fn session(
    store: &Store,
    username: &str,
    role: Role,
    affiliation: Affiliation,
) -> anyhow::Result<String> {
    let user: User = match store.user_for_login(username)? {
        Some((u, _)) => u,
        None => store.create_user(
            &NewUser {
                username: username.into(),
                display_name: username.into(),
                role,
                affiliation,
                password_hash: Some("bench-no-login".into()),
            },
            "bench",
        )?,
    };
    let token = yinqi_web::auth::random_token();
    store.create_session(
        &yinqi_web::auth::sha256_hex(&token),
        user.id,
        "bench-csrf",
        yinqi_store::now_millis() + 3_600_000,
        "bench",
    )?;
    Ok(format!("{}={token}", yinqi_web::auth::SESSION_COOKIE))
}

/// Row keys of a report (bureau codes, bank ids, branch codes).
fn keys(report: &ProgressReport) -> Vec<String> {
    report
        .rows
        .iter()
        .map(|r| r.key.clone())
        .filter(|k| !k.is_empty() && k != "0")
        .collect()
}

/// `n` items spread over `items` by a fixed stride walk (reproducible).
fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            items[(x >> 33) as usize % items.len()].clone()
        })
        .collect()
}

pub fn run(database: &str, samples: usize) -> anyhow::Result<()> {
    let store = Store::open(database)?;
    let campaign = store.campaign(None)?;
    let status = store.progress_status()?;
    if !status.is_complete() || status.complete_at == 0 {
        bail!("统计尚未完成：请先运行 yinqi rollup refresh（见 docs/BENCHMARKS.md）");
    }
    let today = yinqi_domain::progress::day::of_millis(yinqi_store::now_millis());
    let nation = store.progress_report(
        &Scope::Nation,
        campaign.id,
        &DashboardView::default(),
        today,
    )?;
    let listed = nation.totals.stage(yinqi_domain::progress::Stage::Listed);
    let bureau = keys(&nation)
        .into_iter()
        .next()
        .context("no bureau has a list")?;
    let in_bureau = DashboardView {
        bureau: Some(bureau.clone()),
        ..DashboardView::default()
    };
    let banks: Vec<i64> =
        keys(&store.progress_report(&Scope::Nation, campaign.id, &in_bureau, today)?)
            .iter()
            .filter_map(|k| k.parse().ok())
            .collect();
    let banks = spread(&banks, samples.min(banks.len()).max(1));
    let mut branches = Vec::new();
    for bank in banks.iter().take(20) {
        let view = DashboardView {
            bureau: Some(bureau.clone()),
            bank: Some(*bank),
            branch: None,
        };
        branches.extend(keys(&store.progress_report(
            &Scope::Nation,
            campaign.id,
            &view,
            today,
        )?));
    }
    let branches = spread(&branches, samples.min(branches.len()).max(1));
    println!(
        "database {database}: {listed} enterprises; bureau {bureau}: {} banks and {} branches sampled, {samples} runs per page",
        banks.len(),
        branches.len()
    );

    let hq = session(&store, "bench-hq", Role::HqStaff, Affiliation::default())?;
    let bureau_user = session(
        &store,
        &format!("bench-bureau-{bureau}"),
        Role::BureauStaff,
        Affiliation {
            bureau_code: Some(bureau.clone()),
            ..Affiliation::default()
        },
    )?;
    let association = store.ensure_association("基准测试银行业协会", "bench")?;
    let assoc = session(
        &store,
        "bench-association",
        Role::AssociationViewer,
        Affiliation {
            association_id: Some(association),
            ..Affiliation::default()
        },
    )?;
    let bank_users = banks
        .iter()
        .map(|b| {
            session(
                &store,
                &format!("bench-bank-{b}"),
                Role::BankAdmin,
                Affiliation {
                    bank_id: Some(*b),
                    ..Affiliation::default()
                },
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let branch_users = branches
        .iter()
        .map(|b| {
            session(
                &store,
                &format!("bench-branch-{b}"),
                Role::BranchStaff,
                Affiliation {
                    branch_code: Some(b.clone()),
                    ..Affiliation::default()
                },
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    // Baselines first, while the page cache is as the pages will find it.
    let floor = super::bench_floor::Floor::open(database)?;
    let mut baselines: Vec<Timing> = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        floor.group_by_bureau(campaign.id)?;
        push(
            &mut baselines,
            "plain aggregate: list GROUP BY bureau",
            t.elapsed(),
        );
        let t = Instant::now();
        store.progress_recount(&Scope::Nation, campaign.id)?;
        push(
            &mut baselines,
            "plain aggregate: funnel GROUP BY over list, codes and answers",
            t.elapsed(),
        );
    }

    let state = AppState::new(store, Config::default());
    let app = yinqi_web::app(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut timings: Vec<Timing> = Vec::new();
    let get = |cookie: &str, uri: &str| -> anyhow::Result<Duration> {
        let request = Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())?;
        let started = Instant::now();
        let response = runtime.block_on(async {
            let r = app.clone().oneshot(request).await?;
            let status = r.status();
            axum::body::to_bytes(r.into_body(), 16 << 20).await?;
            anyhow::Ok(status)
        })?;
        let elapsed = started.elapsed();
        if response != StatusCode::OK {
            bail!("{uri}: HTTP {response}");
        }
        Ok(elapsed)
    };
    for i in 0..samples {
        let bank = banks[i % banks.len()];
        let bank_user = &bank_users[i % bank_users.len()];
        let branch_user = &branch_users[i % branch_users.len()];
        let pages: [(&str, &str, String); 10] = [
            ("HQ: the nation by bureau", &hq, "/dashboard".into()),
            (
                "HQ: a bureau by bank",
                &hq,
                format!("/dashboard?bureau={bureau}"),
            ),
            ("bureau: its banks", &bureau_user, "/dashboard".into()),
            (
                "bureau: a bank by branch",
                &bureau_user,
                format!("/dashboard?bank={bank}"),
            ),
            (
                "bureau: supervision list",
                &bureau_user,
                "/supervision".into(),
            ),
            ("bureau: quality by bank", &bureau_user, "/quality".into()),
            ("bank: itself by bureau", bank_user, "/dashboard".into()),
            (
                "bank: a bureau by branch",
                bank_user,
                format!("/dashboard?bureau={bureau}"),
            ),
            (
                "branch: by customer manager",
                branch_user,
                "/dashboard".into(),
            ),
            ("association: the nation", &assoc, "/dashboard".into()),
        ];
        for (what, cookie, uri) in &pages {
            let elapsed = get(cookie, uri)?;
            push(&mut timings, what, elapsed);
        }
    }
    println!();
    println!("| request | runs | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for t in baselines.iter().chain(&timings) {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            t.what,
            t.runs.len(),
            quantile(&t.runs, 0.5),
            quantile(&t.runs, 0.95),
            quantile(&t.runs, 1.0)
        );
    }
    Ok(())
}

fn push(timings: &mut Vec<Timing>, what: &str, elapsed: Duration) {
    match timings.iter_mut().find(|t| t.what == what) {
        Some(t) => t.runs.push(elapsed),
        None => timings.push(Timing {
            what: what.to_owned(),
            runs: vec![elapsed],
        }),
    }
}
