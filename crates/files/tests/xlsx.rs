//! Reading XLSX workbooks: written by our own writer, and written directly with
//! rust_xlsxwriter the way a clerk's Excel would (numbers, dates, gaps, hidden sheets).

mod common;

use common::{Dir, read_rows, read_table, rows, strings};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use yinqi_files::{FileError, ProgressUnit, Row, SourceFormat, TableReader, TableWriter};

#[test]
fn round_trip_through_our_writer() {
    let dir = Dir::new();
    let path = dir.path("名单.xlsx");
    let mut w = TableWriter::create(
        &path,
        &SourceFormat::Xlsx {
            sheet: "企业名单".into(),
        },
    )
    .unwrap();
    w.write_row(&[
        "统一社会信用代码",
        "企业名称",
        "注册地行政区划代码",
        "从业人员",
    ])
    .unwrap();
    w.write_row(&[
        "911000001000013000",
        "青岛港（集团）有限公司",
        "370202",
        "0012",
    ])
    .unwrap();
    w.write_row(&["", "", "", ""]).unwrap(); // blank: skipped on reading
    w.write_row(&["91370200MA3C5XXX1", "多行\n名称", "", "1.50"])
        .unwrap();
    w.write_row(&[" 前后空格 ", "=SUM(A1)", "_x0041_", "TRUE"])
        .unwrap();
    assert_eq!(w.rows_written(), 5);
    w.finish().unwrap();

    let table = read_table(&path);
    assert_eq!(
        table.headers,
        strings(&[
            "统一社会信用代码",
            "企业名称",
            "注册地行政区划代码",
            "从业人员"
        ])
    );
    assert_eq!(
        table.rows,
        rows(&[
            (
                2,
                &[
                    "911000001000013000",
                    "青岛港（集团）有限公司",
                    "370202",
                    "0012"
                ]
            ),
            (4, &["91370200MA3C5XXX1", "多行\n名称", "", "1.50"]),
            // Everything is a string: no formula, no boolean, no escape decoding.
            (5, &[" 前后空格 ", "=SUM(A1)", "_x0041_", "TRUE"]),
        ])
    );
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(
        reader.format(),
        &SourceFormat::Xlsx {
            sheet: "企业名单".into()
        }
    );

    // The header row is bold, data is not.
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let styles = wb.worksheet_style("企业名单").unwrap();
    let bold = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold())
    };
    assert!(bold(0, 0) && bold(0, 3));
    assert!(!bold(1, 0));
}

#[test]
fn numbers_dates_and_gaps_written_by_excel() {
    let dir = Dir::new();
    let path = dir.path("excel.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy/m/d h:mm");
    ws.write_string(0, 0, "统一社会信用代码").unwrap();
    ws.write_string(0, 1, "注册地行政区划代码").unwrap();
    ws.write_string(0, 2, "营业收入（万元）").unwrap();
    ws.write_string(0, 3, "成立日期").unwrap();
    ws.write_string(0, 4, "失信").unwrap();
    ws.write_string(0, 6, "备注").unwrap(); // F1 left empty: a gap in the header
    // Row 2: an 18-digit code typed into a number cell loses its last digits.
    ws.write_number(1, 0, 911000001000013000.0).unwrap();
    ws.write_number(1, 1, 370202.0).unwrap();
    ws.write_number(1, 2, 1234.5).unwrap();
    ws.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2024, 3, 15).unwrap(), &date)
        .unwrap();
    ws.write_boolean(1, 4, false).unwrap();
    // Row 3 blank (but formatted), row 4 has gaps.
    ws.write_blank(2, 0, &date).unwrap();
    ws.write_string(3, 2, "只有第三列").unwrap();
    ws.write_number(3, 6, 0.1).unwrap();
    ws.write_datetime_with_format(
        4,
        3,
        ExcelDateTime::from_ymd(2024, 3, 15)
            .unwrap()
            .and_hms(8, 30, 0)
            .unwrap(),
        &datetime,
    )
    .unwrap();
    ws.write_number(4, 0, -42.0).unwrap();
    ws.write_number(4, 1, 1e15).unwrap();
    ws.write_number(4, 2, 0.1 + 0.2).unwrap();
    wb.save(&path).unwrap();

    let table = read_table(&path);
    assert_eq!(
        table.headers,
        strings(&[
            "统一社会信用代码",
            "注册地行政区划代码",
            "营业收入（万元）",
            "成立日期",
            "失信",
            "",
            "备注"
        ])
    );
    assert_eq!(
        table.rows,
        rows(&[
            (
                2,
                &[
                    "9.11000001000013E+17",
                    "370202",
                    "1234.5",
                    "2024-03-15",
                    "FALSE"
                ]
            ),
            (4, &["", "", "只有第三列", "", "", "", "0.1"]),
            (5, &["-42", "1E+15", "0.3", "2024-03-15 08:30:00"]),
        ])
    );
}

#[test]
fn first_visible_sheet_and_progress() {
    let dir = Dir::new();
    let path = dir.path("sheets.xlsx");
    let mut wb = Workbook::new();
    let hidden = wb.add_worksheet().set_name("说明").unwrap();
    hidden.write_string(0, 0, "填表说明").unwrap();
    hidden.set_hidden(true);
    let data = wb.add_worksheet().set_name("名单").unwrap();
    data.write_string(0, 0, "代码").unwrap();
    for i in 1..=1000u32 {
        data.write_number(i, 0, f64::from(i)).unwrap();
    }
    data.set_active(true);
    wb.save(&path).unwrap();

    let mut reader = TableReader::open(&path).unwrap();
    assert_eq!(
        reader.format(),
        &SourceFormat::Xlsx {
            sheet: "名单".into()
        }
    );
    assert_eq!(reader.headers(), &strings(&["代码"])[..]);
    let (rows, err) = read_rows(&mut reader);
    assert!(err.is_none());
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[999], (1001, strings(&["1000"])));
    let p = reader.progress();
    assert_eq!(p.unit, ProgressUnit::Rows);
    assert_eq!((p.done, p.total), (1001, Some(1001)));
}

#[test]
fn too_many_columns_and_header_only() {
    let dir = Dir::new();
    let path = dir.path("wide.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(2, 600, "far right").unwrap();
    wb.save(&path).unwrap();
    let mut reader = TableReader::open(&path).unwrap();
    let (rows, err) = read_rows(&mut reader);
    assert_eq!(rows.len(), 1);
    let err = err.unwrap();
    assert!(
        matches!(
            err,
            FileError::TooManyColumns {
                line: 3,
                columns: 601
            }
        ),
        "{err:?}"
    );

    let path = dir.path("header.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "代码").unwrap();
    wb.save(&path).unwrap();
    let mut reader = TableReader::open(&path).unwrap();
    assert!(!reader.read_row(&mut Row::new()).unwrap());
    assert_eq!(reader.rows_read(), 0);

    let path = dir.path("empty.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet();
    wb.save(&path).unwrap();
    let err = TableReader::open(&path).unwrap_err();
    assert!(matches!(err, FileError::NoHeader), "{err:?}");
}

/// A zip archive with one stored (uncompressed) file, built by hand.
fn zip_with(name: &str, content: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let crc = crc32(content);
    let (n, c) = (name.len() as u16, content.len() as u32);
    let mut z = Vec::new();
    z.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&c.to_le_bytes());
    z.extend_from_slice(&c.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(content);
    let cd_start = z.len() as u32;
    z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&c.to_le_bytes());
    z.extend_from_slice(&c.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&[0u8; 12]); // extra, comment, disk, attributes
    z.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    z.extend_from_slice(name.as_bytes());
    let cd_len = z.len() as u32 - cd_start;
    z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    z.extend_from_slice(&cd_len.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

#[test]
fn zip_that_is_not_a_workbook() {
    let dir = Dir::new();
    let path = dir.file(
        "名单.xlsx",
        zip_with("名单.csv", "代码,名称\n1,青岛\n".as_bytes()),
    );
    let err = TableReader::open(&path).unwrap_err();
    assert!(
        matches!(err, FileError::NotAWorkbook { what: None }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ZIP 压缩包"), "{err}");

    let path = dir.file("报告.docx", zip_with("word/document.xml", b"<w:document/>"));
    let err = TableReader::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            FileError::NotAWorkbook {
                what: Some("Word 文档")
            }
        ),
        "{err:?}"
    );
}

#[test]
fn truncated_workbook_is_an_error_not_a_hang() {
    let dir = Dir::new();
    let path = dir.path("full.xlsx");
    let mut w = TableWriter::xlsx(&path, "Sheet1").unwrap();
    w.write_row(&["代码", "名称"]).unwrap();
    for i in 0..20_000 {
        w.write_row(&[format!("{i}"), format!("企业{i}")]).unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.file("cut.xlsx", &bytes[..bytes.len() / 2]);
    let result = TableReader::open(&cut).and_then(|mut r| {
        let (_, err) = read_rows(&mut r);
        err.map_or(Ok(()), Err)
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, FileError::NotAWorkbook { .. } | FileError::Xlsx { .. }),
        "{err:?}"
    );
}

#[test]
fn dropping_a_reader_midway_stops_the_worker() {
    let dir = Dir::new();
    let path = dir.path("many.xlsx");
    let mut w = TableWriter::xlsx(&path, "Sheet1").unwrap();
    w.write_row(&["代码"]).unwrap();
    for i in 0..50_000 {
        w.write_row(&[i.to_string()]).unwrap();
    }
    w.finish().unwrap();
    for _ in 0..20 {
        let mut reader = TableReader::open(&path).unwrap();
        let mut row = Row::new();
        for _ in 0..10 {
            assert!(reader.read_row(&mut row).unwrap());
        }
        drop(reader); // must return promptly (joins the worker)
    }
}
