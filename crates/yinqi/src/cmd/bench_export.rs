//! `yinqi bench export`: the enterprise export (the web route's own CSV writer, contacts
//! masked) over every enterprise of the database given by --database, against the floor
//! of the same database in the same run — reading the same rows with a plain
//! `SELECT * … ORDER BY id` and touching each value. Memory is the process's peak resident
//! set, printed after each step (flat means it does not grow with the rows).

use std::io::Write;
use std::time::Instant;

use yinqi_store::{EnterpriseFilter, Scope, Store};

/// Counts what the export writes, keeping none of it.
struct Counting(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Write for Counting {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

pub fn run(database: &str, repeat: usize) -> anyhow::Result<()> {
    let store = Store::open(database)?;
    let campaign = store.campaign(None)?;
    let floor = super::bench_floor::Floor::open(database)?;
    println!(
        "database {database}; peak memory at start {} MiB",
        peak_mib()
    );
    println!();
    println!("| what | rows | seconds | rows/s | vs floor | MB/s written | peak memory |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let rows = floor.scan(campaign.id)?;
        let floor_s = started.elapsed().as_secs_f64();
        println!(
            "| floor: SELECT * in id order | {rows} | {floor_s:.2} | {:.0} | 1.00 | – | {} MiB |",
            rows as f64 / floor_s,
            peak_mib()
        );
        let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let started = Instant::now();
        let exported = yinqi_web::exports::enterprises_csv(
            &store,
            &Scope::Nation,
            campaign.id,
            &EnterpriseFilter::default(),
            false,
            Counting(bytes.clone()),
        )?;
        let s = started.elapsed().as_secs_f64();
        let written = bytes.load(std::sync::atomic::Ordering::Relaxed) as f64;
        println!(
            "| yinqi CSV export, masked | {exported} | {s:.2} | {:.0} | {:.2} | {:.0} | {} MiB |",
            exported as f64 / s,
            floor_s / s,
            written / s / 1e6,
            peak_mib()
        );
    }
    Ok(())
}
