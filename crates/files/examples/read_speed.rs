//! How fast `TableReader` reads: generates N rows of 15 short fields (shaped like the
//! unified enterprise format) to temporary files, then times reading them, next to the
//! csv crate alone on the same bytes as a baseline measured in the same run.
//!
//! `cargo run --release -p yinqi-files --example read_speed -- [rows] [xlsx_rows]`

use std::path::Path;
use std::time::{Duration, Instant};

use yinqi_files::{Row, SourceFormat, TableReader, TableWriter, TextEncoding};

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let xlsx_rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");

    let utf8 = dir.path().join("utf8.csv");
    let gbk = dir.path().join("gbk.csv");
    for (path, encoding) in [
        (&utf8, TextEncoding::Utf8Bom),
        (&gbk, TextEncoding::Gb18030),
    ] {
        let t = Instant::now();
        write_csv(path, rows, encoding);
        let e = t.elapsed().as_secs_f64();
        println!(
            "CSV write via TableWriter, {encoding:?}: {:.2} s = {:.2} M rows/s (row generation included)",
            e,
            rows as f64 / e / 1e6
        );
    }
    let size = std::fs::metadata(&utf8).unwrap().len();
    println!(
        "{rows} rows × 15 fields, UTF-8 file {:.1} MB ({} bytes/row)",
        size as f64 / 1e6,
        size / rows as u64
    );

    report(
        "csv crate alone (ByteRecord, no decoding)",
        rows,
        size,
        || baseline(&utf8),
    );
    report("TableReader, UTF-8 with BOM", rows, size, || read(&utf8));
    let gsize = std::fs::metadata(&gbk).unwrap().len();
    report("TableReader, GB18030", rows, gsize, || read(&gbk));

    if xlsx_rows > 0 {
        let xlsx = dir.path().join("t.xlsx");
        let t = Instant::now();
        let mut w = TableWriter::xlsx(&xlsx, "Sheet1").unwrap();
        w.write_row(&HEADER).unwrap();
        let mut cells: Vec<String> = Vec::new();
        for i in 0..xlsx_rows {
            fill(&mut cells, i);
            w.write_row(&cells).unwrap();
        }
        w.finish().unwrap();
        let written = t.elapsed();
        let xsize = std::fs::metadata(&xlsx).unwrap().len();
        println!(
            "XLSX write via TableWriter: {xlsx_rows} rows in {:.2} s = {:.0} rows/s ({:.1} MB)",
            written.as_secs_f64(),
            xlsx_rows as f64 / written.as_secs_f64(),
            xsize as f64 / 1e6
        );
        report("TableReader, XLSX", xlsx_rows, xsize, || read(&xlsx));
    }
}

const HEADER: [&str; 15] = [
    "统一社会信用代码",
    "企业名称",
    "注册地行政区划代码",
    "行业代码",
    "从业人员",
    "营业收入（万元）",
    "资产总额（万元）",
    "纳税信用级别",
    "企业类型",
    "特殊类别",
    "失信标志",
    "基本存款账户开户行行号",
    "联系人",
    "联系电话",
    "备注",
];

fn fill(cells: &mut Vec<String>, i: usize) {
    const NAMES: [&str; 4] = ["青岛", "济南", "烟台", "潍坊"];
    cells.clear();
    cells.push(format!("91370200{i:010}"));
    cells.push(format!("{}市海洋科技有限公司{}", NAMES[i % 4], i % 1000));
    cells.push(format!("3702{:02}", i % 20));
    cells.push(format!("C{}", 13 + i % 30));
    cells.push((i % 500).to_string());
    cells.push(format!("{}.{}", i % 10_000, i % 100));
    cells.push(format!("{}", i % 30_000));
    cells.push(["A", "B", "M", ""][i % 4].to_string());
    cells.push("法人企业".to_string());
    cells.push(String::new());
    cells.push("否".to_string());
    cells.push(format!("{:012}", 102_100_000_000 + i % 1000));
    cells.push(["张伟", "王芳", "李娜"][i % 3].to_string());
    cells.push(format!("13{:09}", i));
    cells.push(String::new());
}

fn write_csv(path: &Path, rows: usize, encoding: TextEncoding) {
    let mut w = TableWriter::create(
        path,
        &SourceFormat::Csv {
            encoding,
            delimiter: b',',
        },
    )
    .unwrap();
    w.write_row(&HEADER).unwrap();
    let mut cells = Vec::new();
    for i in 0..rows {
        fill(&mut cells, i);
        w.write_row(&cells).unwrap();
    }
    w.finish().unwrap();
}

/// Reads every row and touches every cell, as a caller would.
fn read(path: &Path) -> usize {
    let mut reader = TableReader::open(path).unwrap();
    let mut row = Row::new();
    let mut n = 0;
    let mut bytes = 0usize;
    while reader.read_row(&mut row).unwrap() {
        n += 1;
        bytes += row.get(0).len() + row.get(13).len();
    }
    std::hint::black_box(bytes);
    n
}

fn baseline(path: &Path) -> usize {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_path(path)
        .unwrap();
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while rdr.read_byte_record(&mut rec).unwrap() {
        n += 1;
    }
    n
}

/// Median of three runs.
fn report(what: &str, rows: usize, bytes: u64, mut run: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let n = run();
            let e = t.elapsed();
            assert_eq!(n, rows, "{what}");
            e
        })
        .collect();
    times.sort();
    let t = times[1].as_secs_f64();
    println!(
        "{what:<44} {:>7.3} s  {:>6.2} M rows/s  {:>6.0} MB/s",
        t,
        rows as f64 / t / 1e6,
        bytes as f64 / t / 1e6
    );
}
