//! `yinqi bench import`: the list import measured against the physical limit of the same
//! machine in the same run — a raw bulk insert of the same file's rows into each engine
//! (SQLite: one transaction of multi-row INSERTs through rusqlite, index built after;
//! PostgreSQL: `COPY … FROM STDIN`, index built after). The import itself runs in a child
//! process so its peak memory is its own. Results go to docs/BENCHMARKS.md by hand.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use yinqi::synth::{self, DEFAULT_BANK_SEED, ListingSpec, OutputFormat};

use super::Context;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Import N generated rows into SQLite (and PostgreSQL), beside a raw bulk insert.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Working directory for the generated file and the databases.
        #[arg(long, default_value = "target/bench")]
        dir: PathBuf,
        /// Also measure PostgreSQL at this URL (schemas `bench_raw` and `bench_yinqi` are
        /// dropped and recreated).
        #[arg(long)]
        postgres: Option<String>,
        /// The bureau whose list is generated.
        #[arg(long, default_value = "44")]
        bureau: String,
        /// Runs of each measurement, alternating raw and import; the median is reported
        /// (the machine is shared and noisy).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Time the enterprise list pages of every role on the database given by --database
    /// (load it first), beside a plain keyset page of the same database.
    Pages {
        /// Enterprises sampled over the table; each kind of page runs once per sample.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Time the progress pages (dashboards, supervision, quality) of every role on the
    /// database given by --database (loaded, answers added, rollups refreshed), beside the
    /// plain aggregate queries over the same rows.
    Dashboard {
        /// Runs of each kind of page (banks and branches sampled over the bureau).
        #[arg(long, default_value_t = 100)]
        samples: usize,
    },
    /// Export every enterprise of the database given by --database as CSV (the web
    /// export's writer), beside a plain read of the same rows.
    Export {
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Questionnaire 1 submissions per second over HTTP (SQLite, PostgreSQL, two servers on
    /// one PostgreSQL), beside the raw durable single-row insert rate of the same database.
    Submit(super::bench_submit::SubmitArgs),
    /// Time a customer manager's workbench: loads a generated list of N rows into the
    /// (fresh) database given by --database, gives the busiest bank's enterprises to one
    /// manager with mixed progress, and times the worklist beside a plain read of the same
    /// rows.
    Worklist {
        #[arg(long, default_value_t = 20_000)]
        rows: u64,
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
}

/// One measured run.
struct Measure {
    what: String,
    rows: u64,
    elapsed: Duration,
    peak_mib: Option<u64>,
}

impl Measure {
    fn rate(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64()
    }
}

pub fn run(ctx: &Context, command: BenchCommand) -> anyhow::Result<()> {
    let (rows, dir, postgres, bureau, repeat) = match command {
        BenchCommand::Pages { samples } => return super::bench_pages::run(&ctx.database, samples),
        BenchCommand::Export { repeat } => return super::bench_export::run(&ctx.database, repeat),
        BenchCommand::Submit(args) => {
            return super::bench_submit::run(&ctx.database, &ctx.actor, &args);
        }
        BenchCommand::Dashboard { samples } => {
            return super::bench_dashboard::run(&ctx.database, samples);
        }
        BenchCommand::Worklist { rows, samples } => {
            return super::bench_worklist::run(ctx, rows, samples.max(1));
        }
        BenchCommand::Import {
            rows,
            dir,
            postgres,
            bureau,
            repeat,
        } => (rows, dir, postgres, bureau, repeat),
    };
    let repeat = repeat.max(1);
    let bureau = super::bureau_arg(&bureau)?;
    std::fs::create_dir_all(&dir)?;
    let list = dir.join(format!("list-{}-{rows}.csv", bureau.code));
    let banks = dir.join("banks.csv");
    if !list.exists() {
        let t = Instant::now();
        synth::write_listing(
            &ListingSpec::new(bureau, rows, 1),
            &list,
            OutputFormat::CsvUtf8,
        )?;
        eprintln!(
            "generated {} in {:.1}s",
            list.display(),
            t.elapsed().as_secs_f64()
        );
    }
    synth::write_registry(DEFAULT_BANK_SEED, &banks, OutputFormat::CsvUtf8)?;
    let size_mib = std::fs::metadata(&list)?.len() / (1 << 20);
    eprintln!("input: {} ({rows} rows, {size_mib} MiB)", list.display());

    let mut results = Vec::new();
    let (mut raw, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..repeat {
        let sqlite_raw = dir.join("raw.db");
        remove_sqlite(&sqlite_raw);
        raw.push(raw_sqlite(&list, &sqlite_raw, rows)?);
        remove_sqlite(&sqlite_raw);
        let sqlite_db = dir.join("yinqi.db");
        remove_sqlite(&sqlite_db);
        let url = format!("sqlite:{}", sqlite_db.display());
        ours.push(yinqi_import(
            &url,
            &banks,
            &list,
            bureau.code,
            rows,
            "yinqi import → SQLite",
        )?);
        remove_sqlite(&sqlite_db);
    }
    results.push(median(raw));
    results.push(median(ours));
    if let Some(url) = postgres {
        let (mut raw, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..repeat {
            raw.push(raw_postgres(&url, &list, rows)?);
            let schema_url = fresh_schema(&url, "bench_yinqi")?;
            ours.push(yinqi_import(
                &schema_url,
                &banks,
                &list,
                bureau.code,
                rows,
                "yinqi import → PostgreSQL",
            )?);
        }
        fresh_schema(&url, "bench_raw")?;
        fresh_schema(&url, "bench_yinqi")?;
        results.push(median(raw));
        results.push(median(ours));
    }
    print_table(&results, size_mib, repeat);
    Ok(())
}

/// The run with the median time (peak memory: the largest seen in any run).
fn median(mut runs: Vec<Measure>) -> Measure {
    let peak = runs.iter().filter_map(|m| m.peak_mib).max();
    runs.sort_by_key(|m| m.elapsed);
    let mut mid = runs.swap_remove(runs.len() / 2);
    mid.peak_mib = peak;
    mid
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Streams the CSV's records (no validation) into a 14-text-column table in one
/// transaction, then indexes the credit code: what the engine can do with these rows.
fn raw_sqlite(list: &Path, db: &Path, rows: u64) -> anyhow::Result<Measure> {
    const BATCH: usize = 64;
    let started = Instant::now();
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch(
        "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
    )?;
    conn.execute_batch(&format!(
        "CREATE TABLE raw ({})",
        (0..14)
            .map(|i| format!("c{i} TEXT"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let tx = conn.transaction()?;
    {
        let one = format!("({})", vec!["?"; 14].join(","));
        let sql = format!(
            "INSERT INTO raw VALUES {}",
            vec![one.as_str(); BATCH].join(",")
        );
        let mut stmt = tx.prepare(&sql)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(BufReader::new(skip_bom(File::open(list)?)?));
        // Records are reused and bound in place: the baseline allocates nothing per row.
        let mut batch = vec![csv::StringRecord::new(); BATCH];
        let mut filled = 0;
        while reader.read_record(&mut batch[filled])? {
            filled += 1;
            if filled == BATCH {
                for (r, record) in batch.iter().enumerate() {
                    for c in 0..14 {
                        stmt.raw_bind_parameter(r * 14 + c + 1, record.get(c).unwrap_or(""))?;
                    }
                }
                stmt.raw_execute()?;
                filled = 0;
            }
        }
        let mut single = tx.prepare(&format!("INSERT INTO raw VALUES {one}"))?;
        for record in &batch[..filled] {
            for c in 0..14 {
                single.raw_bind_parameter(c + 1, record.get(c).unwrap_or(""))?;
            }
            single.raw_execute()?;
        }
    }
    tx.commit()?;
    conn.execute_batch("CREATE INDEX raw_uscc ON raw (c0)")?;
    Ok(Measure {
        what: "raw: rusqlite INSERT, index after → SQLite".into(),
        rows,
        elapsed: started.elapsed(),
        peak_mib: None,
    })
}

/// `COPY` of the same file into a 14-text-column table, then the index.
fn raw_postgres(url: &str, list: &Path, rows: u64) -> anyhow::Result<Measure> {
    let schema_url = fresh_schema(url, "bench_raw")?;
    let started = Instant::now();
    let mut client = postgres::Client::connect(&schema_url, postgres::NoTls)?;
    client.batch_execute(&format!(
        "CREATE TABLE raw ({})",
        (0..14)
            .map(|i| format!("c{i} TEXT"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let mut writer = client.copy_in("COPY raw FROM STDIN (FORMAT csv, HEADER true)")?;
    let mut input = skip_bom(File::open(list)?)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        writer.write_all(&buf[..n])?;
    }
    writer.finish()?;
    client.batch_execute("CREATE INDEX raw_uscc ON raw (c0)")?;
    Ok(Measure {
        what: "raw: COPY, index after → PostgreSQL".into(),
        rows,
        elapsed: started.elapsed(),
        peak_mib: None,
    })
}

fn skip_bom(mut file: File) -> anyhow::Result<std::io::Chain<std::io::Cursor<Vec<u8>>, File>> {
    let mut head = [0u8; 3];
    let n = file.read(&mut head)?;
    let keep = if n == 3 && head == [0xEF, 0xBB, 0xBF] {
        Vec::new()
    } else {
        head[..n].to_vec()
    };
    Ok(std::io::Cursor::new(keep).chain(file))
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

/// Runs the real command in a child process: registry, then the list (timed, with the
/// child's own peak memory from its `--json` summary).
fn yinqi_import(
    database: &str,
    banks: &Path,
    list: &Path,
    bureau: &str,
    rows: u64,
    what: &str,
) -> anyhow::Result<Measure> {
    let exe = std::env::current_exe()?;
    let status = Command::new(&exe)
        .args(["--database", database, "import", "banks"])
        .arg(banks)
        .arg("--json")
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("loading the registry failed");
    }
    let started = Instant::now();
    let out = Command::new(&exe)
        .args(["--database", database, "import", "enterprises"])
        .arg(list)
        .args(["--bureau", bureau, "--json"])
        .output()?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!("import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8(out.stdout)?;
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))?;
    if summary["rows"].as_u64() != Some(rows) {
        bail!("the import read {} rows, not {rows}", summary["rows"]);
    }
    Ok(Measure {
        what: what.into(),
        rows,
        elapsed,
        peak_mib: summary["peak_rss_mib"].as_u64(),
    })
}

fn print_table(results: &[Measure], size_mib: u64, repeat: usize) {
    println!("| what | rows | seconds | rows/s | vs raw of the same engine | peak memory |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut raw_rate = None;
    for m in results {
        let ratio = if m.what.starts_with("raw") {
            raw_rate = Some(m.rate());
            "1.00".to_owned()
        } else {
            raw_rate.map_or("–".into(), |r| format!("{:.2}", m.rate() / r))
        };
        println!(
            "| {} | {} | {:.2} | {:.0} | {} | {} |",
            m.what,
            m.rows,
            m.elapsed.as_secs_f64(),
            m.rate(),
            ratio,
            m.peak_mib.map_or("–".into(), |p| format!("{p} MiB"))
        );
    }
    println!(
        "(input file {size_mib} MiB; median of {repeat} alternating runs; peak memory: largest of the runs)"
    );
}
