//! Running the binary against a fresh database in a temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// A fresh database (SQLite file or PostgreSQL schema) and a scratch directory.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database: String,
    pg: Option<(String, String)>,
}

impl Env {
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite:{}", dir.path().join("yinqi.db").display());
        Env {
            dir,
            database,
            pg: None,
        }
    }

    pub fn postgres() -> Env {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("YINQI_TEST_POSTGRES")
            .expect("YINQI_TEST_POSTGRES must point at a PostgreSQL database for these tests");
        let schema = format!(
            "cli_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).expect("connect");
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .expect("schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            database: format!("{base}{sep}options=-csearch_path%3D{schema}"),
            pg: Some((base, schema)),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `yinqi --database … ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_yinqi"))
            .arg("--database")
            .arg(&self.database)
            .args(args)
            .env("YINQI_ACTOR", "测试员")
            .env_remove("YINQI_CAMPAIGN")
            .current_dir(self.dir.path())
            .output()
            .expect("run yinqi")
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "yinqi {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "yinqi {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("utf-8 output")
    }

    /// Runs a `--json` command and parses its last line.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(out.lines().last().expect("a line")).expect("JSON last line")
    }

    /// Loads the generated bank registry.
    pub fn load_banks(&self) {
        let banks = self.path("banks.csv");
        self.ok(&["gen", "banks", "--out", banks.to_str().unwrap()]);
        self.ok(&["import", "banks", banks.to_str().unwrap()]);
    }

    /// The list totals of one bureau (or the nation), as JSON.
    pub fn summary(&self, bureau: Option<&str>) -> Value {
        let mut args = vec!["list", "summary", "--json"];
        if let Some(b) = bureau {
            args.extend(["--bureau", b]);
        }
        self.json(&args)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut admin) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Reads a CSV written by yinqi (UTF-8 with BOM) into rows of cells.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read csv");
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

/// Writes a UTF-8 CSV (no BOM) from rows of cells.
pub fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).expect("create csv");
    for r in rows {
        w.write_record(r).expect("write");
    }
    w.flush().expect("flush");
}

/// The documented summary keys, to compare an import with a generator's expectation.
pub const CONTRACT_KEYS: [&str; 9] = [
    "rows",
    "accepted",
    "rejected",
    "warnings",
    "eligible",
    "excluded",
    "assigned",
    "unassigned",
    "duplicates",
];

pub fn assert_matches_expected(got: &Value, expected: &Value) {
    for key in CONTRACT_KEYS {
        assert_eq!(
            got[key], expected[key],
            "summary key {key}: got {}, expected {}",
            got[key], expected[key]
        );
    }
}

/// A fully valid credit code (both check characters right) registered in `region`, numbered `n`.
pub fn credit_code(region: &str, n: u32) -> String {
    let body = format!("{n:08}");
    let org_check =
        yinqi_domain::uscc::org_code_check_char(body.as_bytes()).expect("digits") as char;
    yinqi_domain::uscc::Uscc::from_first17(&format!("91{region}{body}{org_check}"))
        .expect("valid")
        .as_str()
        .to_owned()
}
