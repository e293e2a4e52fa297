//! Profiles the list import's reading thread by itself: decoding, parsing, screening and
//! staging every row of a file, with no database. Generates nothing; give it a file:
//!
//! ```text
//! yinqi gen enterprises --rows 50000 --seed 3 --bureau 44 --out /tmp/p50k.csv
//! yinqi gen banks --out /tmp/banks.csv            # optional: a bank directory to look codes up in
//! cargo build --release -p yinqi-imports --example parse_rows
//! valgrind --tool=callgrind target/release/examples/parse_rows /tmp/p50k.csv [44] [/tmp/banks.csv]
//! ```
//!
//! Prints the number of data rows read.

use std::collections::HashMap;
use std::path::Path;

use yinqi_files::{Row, TableReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: parse_rows LIST.csv [BUREAU] [REGISTRY.csv]")?;
    let bureau = args.next().unwrap_or_else(|| "44".to_owned());
    let directory = match args.next() {
        Some(registry) => read_directory(Path::new(&registry))?,
        None => HashMap::new(),
    };
    let rows =
        yinqi_imports::listing::parse_file_for_profiling(Path::new(&path), &bureau, &directory)?;
    println!("{rows}");
    Ok(())
}

/// Bank code → a made-up bank id, from the first column of a registry file (`yinqi gen banks`).
fn read_directory(path: &Path) -> Result<HashMap<String, i64>, Box<dyn std::error::Error>> {
    let mut reader = TableReader::open(path)?;
    let mut row = Row::new();
    let mut directory = HashMap::new();
    while reader.read_row(&mut row)? {
        let id = directory.len() as i64 + 1;
        directory.insert(row.get(0).to_owned(), id);
    }
    Ok(directory)
}
