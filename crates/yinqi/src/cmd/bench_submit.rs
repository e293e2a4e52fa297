//! `yinqi bench submit`: questionnaire 1 submissions per second over HTTP on loopback,
//! beside the raw durable single-row insert rate of the same database in the same run
//! (`bench_raw_insert`). For each setup — SQLite; PostgreSQL; two `yinqi serve` processes
//! sharing one PostgreSQL — it prepares a fresh database with enough enterprises holding
//! codes, measures the raw rate, starts the server(s), lets every simulated enterprise open
//! its link (untimed), then times `--clients` keep-alive clients submitting one
//! questionnaire each, bounded by `--submissions` and `--seconds`. Afterwards it counts the
//! submitted rows in the database: every acknowledged submission must be there.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;

use super::bench_http::Client;
use super::bench_raw_insert::{self, RawInsert};
use super::bench_submit_load::{self as load, Load};
use super::bench_submit_prep::{self as prep, Target};

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Submissions per measurement, each by an enterprise of its own (the count bound).
    #[arg(long, default_value_t = 50_000)]
    submissions: usize,
    /// Longest a measurement may run (the time bound), seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Concurrent clients (keep-alive connections), split over the servers.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Also measure PostgreSQL at this URL, with one and with two `yinqi serve` processes
    /// (schema `bench_submit` is dropped and recreated).
    #[arg(long)]
    postgres: Option<String>,
    /// Servers already running on the database given by --database, e.g.
    /// `http://127.0.0.1:8080` (comma-separated): the bench prepares that database and
    /// submits to them instead of starting its own.
    #[arg(long, value_delimiter = ',')]
    url: Vec<String>,
    /// Working directory: generated files, the SQLite database, the servers' logs.
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// Call the store from threads instead of going over HTTP (the submit path alone).
    #[arg(long)]
    store_only: bool,
    /// Also measure with group commit off (each submission its own transaction).
    #[arg(long)]
    compare: bool,
}

/// One line of the results.
struct Line {
    setup: String,
    what: String,
    done: u64,
    elapsed: Duration,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    errors: String,
    note: String,
}

impl Line {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }

    fn raw(setup: &str, r: &RawInsert) -> Line {
        Line {
            setup: setup.into(),
            what: r.what.clone(),
            done: r.rows,
            elapsed: r.elapsed,
            p50_ms: None,
            p99_ms: None,
            errors: "0".into(),
            note: String::new(),
        }
    }
}

pub fn run(database: &str, actor: &str, args: &SubmitArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let mut lines = Vec::new();
    if !args.url.is_empty() {
        let servers = args
            .url
            .iter()
            .map(|u| parse_addr(u))
            .collect::<anyhow::Result<Vec<_>>>()?;
        lines.extend(setup(
            "given servers",
            database,
            Servers::Given(servers),
            args,
            actor,
        )?);
    } else {
        let path = args.dir.join("submit.db");
        remove_sqlite(&path);
        let url = format!("sqlite:{}", path.display());
        lines.extend(setup("SQLite", &url, Servers::Spawn(1), args, actor)?);
        if let Some(pg) = &args.postgres {
            let url = fresh_schema(pg, "bench_submit")?;
            lines.extend(setup("PostgreSQL", &url, Servers::Spawn(1), args, actor)?);
            if !args.store_only {
                let url = fresh_schema(pg, "bench_submit")?;
                lines.extend(setup(
                    "PostgreSQL, 2 servers",
                    &url,
                    Servers::Spawn(2),
                    args,
                    actor,
                )?);
            }
            fresh_schema(pg, "bench_submit")?;
        }
    }
    print_table(&lines, args);
    Ok(())
}

enum Servers {
    Spawn(usize),
    Given(Vec<SocketAddr>),
}

/// One setup: prepare, raw baseline, then the submissions (with and without group commit
/// when comparing).
fn setup(
    label: &str,
    url: &str,
    servers: Servers,
    args: &SubmitArgs,
    actor: &str,
) -> anyhow::Result<Vec<Line>> {
    let runs = if args.compare { 2 } else { 1 };
    let targets = prep::prepare(url, &args.dir, args.submissions * runs, actor)?;
    let limit = Duration::from_secs(args.seconds);
    let sample = prep::q1_answers(&targets[0], 0).to_string();
    let raw =
        bench_raw_insert::measure(url, args.submissions as u64, limit, args.clients, &sample)?;
    eprintln!("{label}: {} rows/s raw", raw.rate() as u64);
    let mut lines = vec![Line::raw(label, &raw)];
    for (run, chunk) in targets.chunks(args.submissions).take(runs).enumerate() {
        let group_commit = run == 0;
        let before = prep::submitted_q1(url)?;
        let (what, load, note) = if args.store_only {
            store_run(url, chunk, args, group_commit)?
        } else {
            http_run(label, url, &servers, chunk, args, group_commit)?
        };
        let committed = prep::submitted_q1(url)? - before;
        if committed != load.ok {
            bail!(
                "{label}: {} submissions acknowledged but {committed} committed",
                load.ok
            );
        }
        eprintln!(
            "{label}: {what}: {} /s, p99 {:.1} ms, errors {}",
            load.rate() as u64,
            load.percentile_ms(99),
            load.error_text()
        );
        lines.push(Line {
            setup: label.into(),
            what,
            done: load.ok,
            elapsed: load.elapsed,
            p50_ms: Some(load.percentile_ms(50)),
            p99_ms: Some(load.percentile_ms(99)),
            errors: load.error_text(),
            note: format!("{note}; {committed} committed"),
        });
    }
    Ok(lines)
}

fn with_or_without(group_commit: bool) -> &'static str {
    if group_commit {
        "group commit"
    } else {
        "group commit off"
    }
}

fn store_run(
    url: &str,
    targets: &[Target],
    args: &SubmitArgs,
    group_commit: bool,
) -> anyhow::Result<(String, Load, String)> {
    let store = yinqi_store::Store::open(url).map_err(|e| anyhow::anyhow!("{e}"))?;
    store.set_group_commit(group_commit);
    let campaign = store.campaign(None)?;
    let enterprises = targets
        .iter()
        .map(|t| {
            Ok((
                store
                    .enterprise_by_uscc(&yinqi_store::Scope::Nation, campaign.id, &t.uscc)?
                    .id,
                t,
            ))
        })
        .collect::<yinqi_store::Result<Vec<_>>>()?;
    let before = store.save_stats();
    let cpu_before = cpu_ticks(&[std::process::id()]);
    let load = load::store_submit_all(
        &store,
        &enterprises,
        args.clients,
        Duration::from_secs(args.seconds),
    );
    let after = store.save_stats();
    let what = format!(
        "yinqi store.submit, {} threads, {}",
        args.clients,
        with_or_without(group_commit)
    );
    let cpu = cpu_ticks(&[std::process::id()]).saturating_sub(cpu_before);
    let note = format!(
        "{}; CPU per submission in this process: {:.0} µs",
        batch_note(
            after.saves - before.saves,
            after.transactions - before.transactions
        ),
        cpu as f64 * 10_000.0 / load.ok.max(1) as f64
    );
    Ok((what, load, note))
}

fn batch_note(saves: u64, transactions: u64) -> String {
    format!(
        "{:.1} saves per transaction",
        saves as f64 / transactions.max(1) as f64
    )
}

fn http_run(
    label: &str,
    url: &str,
    servers: &Servers,
    targets: &[Target],
    args: &SubmitArgs,
    group_commit: bool,
) -> anyhow::Result<(String, Load, String)> {
    let mut children = Children(Vec::new());
    let addrs = match servers {
        Servers::Given(addrs) => addrs.clone(),
        Servers::Spawn(n) => (0..*n)
            .map(|i| {
                let log = args
                    .dir
                    .join(format!("serve-{}-{i}.log", label.replace([' ', ','], "")));
                let (addr, child) = spawn_server(url, &log, group_commit)?;
                children.0.push(child);
                Ok(addr)
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let targets: Arc<[Target]> = targets.to_vec().into();
    let server_pids: Vec<u32> = children.0.iter().map(Child::id).collect();
    let (load, note) = runtime.block_on(async {
        for addr in &addrs {
            wait_ready(*addr).await?;
        }
        let before = save_stats(&addrs).await;
        let (sessions, open_time) = load::open_all(&addrs, targets.clone(), args.clients).await?;
        let cpu_before = (cpu_ticks(&server_pids), cpu_ticks(&[std::process::id()]));
        let load = load::submit_all(
            &addrs,
            targets.clone(),
            sessions,
            args.clients,
            Duration::from_secs(args.seconds),
        )
        .await;
        let cpu_after = (cpu_ticks(&server_pids), cpu_ticks(&[std::process::id()]));
        let after = save_stats(&addrs).await;
        let per_submission = |ticks: u64| ticks as f64 * 10_000.0 / load.ok.max(1) as f64;
        let note = format!(
            "links opened at {:.0}/s beforehand; {}; CPU per submission: server{} {:.0} µs, load generator {:.0} µs",
            targets.len() as f64 / open_time.as_secs_f64(),
            batch_note(after.0 - before.0, after.1 - before.1),
            if server_pids.len() > 1 { "s" } else { "" },
            per_submission(cpu_after.0.saturating_sub(cpu_before.0)),
            per_submission(cpu_after.1.saturating_sub(cpu_before.1)),
        );
        anyhow::Ok((load, note))
    })?;
    let what = format!(
        "yinqi over HTTP, {} clients → {} server{}, {}",
        args.clients,
        addrs.len(),
        if addrs.len() == 1 { "" } else { "s" },
        with_or_without(group_commit)
    );
    Ok((what, load, note))
}

/// User + system CPU time of the processes `pids`, in clock ticks (10 ms on Linux), from
/// `/proc`; 0 where unreadable (another system, a server not started by the bench).
fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .sum()
}

/// Servers started by the bench, stopped (by their process id) when it is done with them.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_server(url: &str, log: &Path, group_commit: bool) -> anyhow::Result<(SocketAddr, Child)> {
    // A free port: bound, noted, released for the server.
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let out = std::fs::File::create(log)?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(["--database", url, "serve", "--listen", &addr.to_string()])
        .stdout(out.try_clone()?)
        .stderr(out)
        .stdin(Stdio::null());
    if !group_commit {
        command.env("YINQI_GROUP_COMMIT", "off");
    }
    let child = command.spawn().context("start yinqi serve")?;
    Ok((addr, child))
}

async fn wait_ready(addr: SocketAddr) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let mut client = Client::new(addr);
        if let Ok(r) = client.request("GET", "/healthz", &[], None).await
            && r.status == 200
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("yinqi serve on {addr} did not answer /healthz within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The servers' answer-save counters summed: (saves, transactions).
async fn save_stats(addrs: &[SocketAddr]) -> (u64, u64) {
    let mut total = (0, 0);
    for addr in addrs {
        let mut client = Client::new(*addr);
        let Ok(r) = client.request("GET", "/metrics", &[], None).await else {
            continue;
        };
        for line in r.text().lines() {
            let value = |name: &str| {
                line.strip_prefix(name)
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            if let Some(v) = value("yinqi_answer_saves_total ") {
                total.0 += v;
            }
            if let Some(v) = value("yinqi_answer_save_transactions_total ") {
                total.1 += v;
            }
        }
    }
    total
}

fn parse_addr(url: &str) -> anyhow::Result<SocketAddr> {
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    host.parse()
        .with_context(|| format!("--url {url}: expected http://IP:PORT on loopback"))
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Drops and recreates `schema`, returning a URL whose connections use it.
fn fresh_schema(url: &str, schema: &str) -> anyhow::Result<String> {
    let mut client =
        postgres::Client::connect(url, postgres::NoTls).context("connect to PostgreSQL")?;
    client.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}

fn print_table(lines: &[Line], args: &SubmitArgs) {
    println!(
        "| setup | what | done | seconds | per second | p50 ms | p99 ms | errors | vs raw | notes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|---:|---|");
    let mut raw_rate = None;
    for l in lines {
        let ratio = if l.what.starts_with("raw") {
            raw_rate = Some(l.rate());
            "1.00".to_owned()
        } else {
            raw_rate.map_or("–".into(), |r| format!("{:.2}", l.rate() / r))
        };
        let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
        println!(
            "| {} | {} | {} | {:.1} | {:.0} | {} | {} | {} | {} | {} |",
            l.setup,
            l.what,
            l.done,
            l.elapsed.as_secs_f64(),
            l.rate(),
            ms(l.p50_ms),
            ms(l.p99_ms),
            l.errors,
            ratio,
            l.note
        );
    }
    println!(
        "(bounds: {} submissions or {} s per measurement; {} clients)",
        args.submissions, args.seconds, args.clients
    );
}
