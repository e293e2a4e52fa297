//! Writing tables, and reading back what was written: the byte-level shape of the CSV
//! Excel expects, the errors for what a format cannot hold, and a property test that
//! random tables survive every writer format unchanged.

mod common;

use common::{Dir, read_table, rows, strings};
use proptest::prelude::*;
use yinqi_files::{FileError, SourceFormat, TableReader, TableWriter, TextEncoding};

fn csv(encoding: TextEncoding, delimiter: u8) -> SourceFormat {
    SourceFormat::Csv {
        encoding,
        delimiter,
    }
}

#[test]
fn csv_utf8_bom_bytes() {
    let dir = Dir::new();
    let path = dir.path("out.csv");
    let mut w = TableWriter::create(&path, &csv(TextEncoding::Utf8Bom, b',')).unwrap();
    w.write_row(&["代码", "名称"]).unwrap();
    w.write_row(&["0012", "青岛,\"港\""]).unwrap();
    w.write_row(&[""]).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        bytes,
        "\u{feff}代码,名称\r\n0012,\"青岛,\"\"港\"\"\"\r\n\"\"\r\n".as_bytes()
    );
}

#[test]
fn like_keeps_the_input_format_but_adds_a_bom() {
    let dir = Dir::new();
    let input = dir.file("in.csv", "代码\t名称\n1\t青岛\n");
    let reader = TableReader::open(&input).unwrap();
    let out = dir.path("out.csv");
    let mut w = TableWriter::like(reader.format(), &out).unwrap();
    w.write_row(reader.headers()).unwrap();
    w.write_row(&["1", "青岛"]).unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        "\u{feff}代码\t名称\r\n1\t青岛\r\n".as_bytes()
    );

    let gbk = dir.file("gbk.csv", common::gb("代码,名称\r\n1,青岛\r\n"));
    let mut reader = TableReader::open(&gbk).unwrap();
    common::read_rows(&mut reader);
    assert_eq!(reader.format(), &csv(TextEncoding::Gb18030, b','));
    let out = dir.path("gbk-out.csv");
    let mut w = TableWriter::like(reader.format(), &out).unwrap();
    w.write_row(&["代码", "名称"]).unwrap();
    w.write_row(&["1", "青岛𠀀"]).unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        common::gb("代码,名称\r\n1,青岛𠀀\r\n")
    );
}

#[test]
fn gb18030_refuses_what_it_cannot_round_trip() {
    let dir = Dir::new();
    for ch in ['\u{E5E5}', '\u{E78D}'] {
        let mut w =
            TableWriter::create(&dir.path("x.csv"), &csv(TextEncoding::Gb18030, b',')).unwrap();
        w.write_row(&["a", "b"]).unwrap();
        let cell = format!("x{ch}");
        let err = w.write_row(&["ok", cell.as_str()]).unwrap_err();
        assert!(
            matches!(err, FileError::Unencodable { row: 2, column: 1, ch: c } if c == ch),
            "{err:?}"
        );
        assert!(err.to_string().contains("第 2 行第 2 列（B 列）"), "{err}");
    }
}

#[test]
fn xlsx_cell_limit() {
    let dir = Dir::new();
    let mut w = TableWriter::xlsx(&dir.path("x.xlsx"), "Sheet1").unwrap();
    w.write_row(&["a"]).unwrap();
    let long = "长".repeat(32_768);
    let err = w.write_row(&["ok", long.as_str()]).unwrap_err();
    assert!(
        matches!(
            err,
            FileError::CellTooLong {
                row: 2,
                column: 1,
                chars: 32_768
            }
        ),
        "{err:?}"
    );
    // Exactly at the limit is fine.
    let max = "长".repeat(32_767);
    w.write_row(&[max.as_str()]).unwrap();
    w.finish().unwrap();
}

#[test]
fn csv_to_a_stream() {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    struct Pipe(std::sync::mpsc::Sender<Vec<u8>>);
    impl std::io::Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.send(buf.to_vec()).unwrap();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = TableWriter::csv(Pipe(tx), TextEncoding::Utf8, b';').unwrap();
    w.write_row(&["a;b", "c"]).unwrap();
    w.finish().unwrap();
    let bytes: Vec<u8> = rx.iter().flatten().collect();
    assert_eq!(bytes, b"\"a;b\";c\r\n");
}

#[test]
fn xlsx_header_and_rows_read_back() {
    let dir = Dir::new();
    let path = dir.path("x.xlsx");
    let mut w = TableWriter::like(&SourceFormat::Xlsx { sheet: "S".into() }, &path).unwrap();
    w.write_row(&["代码", "名称"]).unwrap();
    w.write_row(&["370202", "青岛"]).unwrap();
    w.finish().unwrap();
    let t = read_table(&path);
    assert_eq!(t.headers, strings(&["代码", "名称"]));
    assert_eq!(t.rows, rows(&[(2, &["370202", "青岛"])]));
}

// ---------------------------------------------------------------------------------
// Property: any table written in any format reads back identically (after the
// reader's documented normalisation: header cells trimmed, trailing empty cells
// dropped, blank rows skipped).

fn cell() -> impl Strategy<Value = String> {
    // Any character except C0 controls other than tab, LF and CR: real cells don't
    // have them, and the sniffer (rightly) treats text full of them as binary.
    let any_char = any::<char>().prop_filter("control", |c| {
        !c.is_control() || matches!(c, '\t' | '\n' | '\r') || (*c as u32) >= 0x7F
    });
    prop_oneof![
        Just(String::new()),
        "[a-z0-9 ,;\"\t\r\n]{0,8}",
        "[\u{4e00}-\u{9fa5}，。（）]{1,6}",
        proptest::collection::vec(any_char, 0..8).prop_map(|v| v.into_iter().collect()),
    ]
}

fn table() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    // Header cells never hold a delimiter and there are at least two: the delimiter is
    // detected from the header line (a one-column header says nothing), and real
    // headers are words.
    let header_cell = cell().prop_map(|s| s.replace([',', ';', '\t'], ""));
    let header = (
        "[a-z\u{4e00}-\u{9fa5}]{1,4}",
        proptest::collection::vec(header_cell, 1..4),
    )
        .prop_map(|(first, rest)| {
            let mut h = vec![first];
            h.extend(rest);
            h
        });
    let body = proptest::collection::vec(proptest::collection::vec(cell(), 0..6), 0..12);
    (header, body)
}

fn trim_header(h: &str) -> String {
    h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_owned()
}

fn expected(
    header: &[String],
    body: &[Vec<String>],
    xlsx: bool,
) -> (Vec<String>, Vec<(u64, Vec<String>)>) {
    let mut headers: Vec<String> = header.iter().map(|h| trim_header(h)).collect();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    let mut out = Vec::new();
    // Physical line of each row: CSV rows take one line plus one per LF inside cells.
    let mut line = 1 + header
        .iter()
        .map(|c| c.matches('\n').count() as u64)
        .sum::<u64>();
    for (i, row) in body.iter().enumerate() {
        line += 1;
        let start = if xlsx { i as u64 + 2 } else { line };
        line += row
            .iter()
            .map(|c| c.matches('\n').count() as u64)
            .sum::<u64>();
        let mut cells = row.clone();
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.push((start, cells));
    }
    (headers, out)
}

fn round_trip(format: &SourceFormat, header: &[String], body: &[Vec<String>]) {
    let dir = Dir::new();
    let path = dir.path(if format.is_xlsx() { "t.xlsx" } else { "t.csv" });
    let mut w = TableWriter::create(&path, format).unwrap();
    w.write_row(header).unwrap();
    for row in body {
        w.write_row(row).unwrap();
    }
    w.finish().unwrap();
    let got = read_table(&path);
    let (headers, rows) = expected(header, body, format.is_xlsx());
    assert_eq!(got.headers, headers);
    assert_eq!(got.header_line, 1);
    assert_eq!(got.rows, rows);
    if let SourceFormat::Csv { delimiter, .. } = format {
        let reader = TableReader::open(&path).unwrap();
        match reader.format() {
            SourceFormat::Csv { delimiter: d, .. } => assert_eq!(d, delimiter),
            other => panic!("{other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_tables_round_trip((header, body) in table()) {
        round_trip(&csv(TextEncoding::Utf8Bom, b','), &header, &body);
        round_trip(&csv(TextEncoding::Utf8Bom, b'\t'), &header, &body);
        round_trip(&SourceFormat::Xlsx { sheet: "Sheet1".into() }, &header, &body);
    }

    /// UTF-8 without a BOM is detected, not declared, so it is tested with the text it
    /// really carries: ASCII and Chinese. (Text whose only non-ASCII characters are a
    /// few Latin or Cyrillic letters can be equally valid GBK, and is read as GBK.)
    #[test]
    fn random_chinese_tables_round_trip_utf8_without_bom(
        header in proptest::collection::vec("[a-z\u{4e00}-\u{9fa5}]{1,4}", 2..5),
        body in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9 ,;\"\t\r\n\u{4e00}-\u{9fa5}（），。\u{20000}-\u{2000A}]{0,8}", 0..6),
            0..12,
        ),
    ) {
        round_trip(&csv(TextEncoding::Utf8, b','), &header, &body);
        round_trip(&csv(TextEncoding::Gb18030, b'\t'), &header, &body);
    }

    #[test]
    fn random_tables_round_trip_gb18030((header, body) in table()) {
        let representable = |s: &String| {
            s.chars().all(|c| c != '\u{E5E5}' && !('\u{E78D}'..='\u{E864}').contains(&c))
        };
        prop_assume!(header.iter().all(representable));
        prop_assume!(body.iter().flatten().all(representable));
        round_trip(&csv(TextEncoding::Gb18030, b','), &header, &body);
    }
}
