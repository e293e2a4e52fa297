//! Reading CSV files as bureaus send them: every encoding Chinese Excel writes, and
//! every way such a file goes wrong, with the line numbers a clerk will look for.

mod common;

use common::{Dir, gb, read_rows, read_table, rows, strings};
use yinqi_files::{FileError, ProgressUnit, Row, SourceFormat, TableReader, TextEncoding};

fn csv_format(reader: &TableReader) -> (TextEncoding, u8) {
    match reader.format() {
        SourceFormat::Csv {
            encoding,
            delimiter,
        } => (*encoding, *delimiter),
        other => panic!("not csv: {other:?}"),
    }
}

const TEXT: &str = "统一社会信用代码,企业名称,注册地行政区划代码\n\
                    91370200163562681G,青岛港（集团）有限公司,370202\n\
                    91110000100001234X,北京𠀀科技有限公司,110101\n";

fn expected_rows() -> Vec<(u64, Vec<String>)> {
    rows(&[
        (
            2,
            &["91370200163562681G", "青岛港（集团）有限公司", "370202"],
        ),
        (3, &["91110000100001234X", "北京𠀀科技有限公司", "110101"]),
    ])
}

#[test]
fn utf8_without_bom() {
    let dir = Dir::new();
    let path = dir.file("a.csv", TEXT);
    let table = read_table(&path);
    assert_eq!(
        table.headers,
        strings(&["统一社会信用代码", "企业名称", "注册地行政区划代码"])
    );
    assert_eq!(table.header_line, 1);
    assert_eq!(table.rows, expected_rows());
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader), (TextEncoding::Utf8, b','));
}

#[test]
fn utf8_with_bom_and_crlf() {
    let dir = Dir::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(TEXT.replace('\n', "\r\n").as_bytes());
    let path = dir.file("a.csv", bytes);
    let table = read_table(&path);
    assert_eq!(table.headers[0], "统一社会信用代码");
    assert_eq!(table.rows, expected_rows());
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader), (TextEncoding::Utf8Bom, b','));
}

#[test]
fn gb18030_with_four_byte_character() {
    let dir = Dir::new();
    let bytes = gb(&TEXT.replace('\n', "\r\n"));
    // 𠀀 (U+20000) is a four-byte GB18030 sequence.
    assert!(bytes.windows(4).any(|w| w == b"\x95\x32\x82\x36"));
    let path = dir.file("a.csv", bytes);
    let table = read_table(&path);
    assert_eq!(table.headers[1], "企业名称");
    assert_eq!(table.rows, expected_rows());
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader), (TextEncoding::Gb18030, b','));
}

#[test]
fn gbk_decided_late_after_ascii_header() {
    // English keys in the header, ASCII rows, Chinese only far down: still GBK.
    let dir = Dir::new();
    let mut text = String::from("uscc,name\r\n");
    for i in 0..20_000 {
        text.push_str(&format!("91370200{i:010},Company {i}\r\n"));
    }
    text.push_str("91370200999999999X,学校\r\n");
    let path = dir.file("a.csv", gb(&text));
    let mut reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader), (TextEncoding::Utf8, b','));
    let (rows, err) = read_rows(&mut reader);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(rows.len(), 20_001);
    assert_eq!(
        rows.last().unwrap(),
        &(20_002, strings(&["91370200999999999X", "学校"]))
    );
    assert_eq!(csv_format(&reader), (TextEncoding::Gb18030, b','));
}

#[test]
fn mixed_encoding_deep_in_file_names_the_line() {
    let dir = Dir::new();
    let mut bytes = "统一社会信用代码,企业名称\n".as_bytes().to_vec();
    for i in 0..100_000 {
        bytes.extend_from_slice(format!("9137{i:014},青岛企业{i}\n").as_bytes());
    }
    // Line 100,002: a row pasted in from a GBK file.
    bytes.extend_from_slice(&gb("91370000000000000X,济南企业\n"));
    bytes.extend_from_slice("91370000000000001X,淄博企业\n".as_bytes());
    let path = dir.file("mixed.csv", bytes);
    let mut reader = TableReader::open(&path).unwrap();
    let (rows, err) = read_rows(&mut reader);
    // Every row before the bad one was read.
    assert_eq!(rows.len(), 100_000);
    assert_eq!(rows.last().unwrap().0, 100_001);
    let err = err.expect("mixed encoding must fail");
    assert!(
        matches!(
            err,
            FileError::Encoding {
                line: 100_002,
                encoding: TextEncoding::Utf8,
                truncated: false
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "第 100,002 行编码错误：文件前面是 UTF-8，此处不是（混合编码）。请用 Excel 打开后“另存为”“CSV UTF-8（逗号分隔）”后重新上传"
    );
    // The reader is finished after an error.
    assert!(!reader.read_row(&mut Row::new()).unwrap());
}

#[test]
fn utf8_inside_gbk_file_is_an_error_too() {
    let dir = Dir::new();
    let mut bytes = gb("代码,名称\r\n1,青岛\r\n2,济南\r\n");
    // UTF-8 bytes are often valid GB18030 as well (any even-length run of CJK is);
    // an odd-length run followed by ASCII is not, and that is caught.
    bytes.extend_from_slice("3,淄博市\r\n".as_bytes());
    let path = dir.file("mixed.csv", bytes);
    let mut reader = TableReader::open(&path).unwrap();
    let (rows, err) = read_rows(&mut reader);
    assert_eq!(rows.len(), 2);
    let err = err.unwrap();
    assert_eq!(err.line(), Some(4), "{err:?}");
    assert!(err.to_string().contains("GBK/GB18030"), "{err}");
}

#[test]
fn utf16_is_rejected() {
    let dir = Dir::new();
    let mut bytes = vec![0xFF, 0xFE];
    for u in "代码,名称\r\n1,2\r\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let err = TableReader::open(&dir.file("u.csv", &bytes)).unwrap_err();
    assert!(matches!(err, FileError::Utf16), "{err:?}");
    assert!(err.to_string().contains("CSV UTF-8"));

    // Without BOM: recognised by the NUL pattern.
    let no_bom = &bytes[2..];
    let mut ascii16 = Vec::new();
    for u in "uscc,name\r\n1,2\r\n".encode_utf16() {
        ascii16.extend_from_slice(&u.to_le_bytes());
    }
    for b in [no_bom, &ascii16[..]] {
        let err = TableReader::open(&dir.file("u2.csv", b)).unwrap_err();
        assert!(matches!(err, FileError::Utf16), "{err:?}");
    }
}

#[test]
fn binary_pdf_and_xls_are_rejected() {
    let dir = Dir::new();
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let err = TableReader::open(&dir.file("x.csv", &binary)).unwrap_err();
    assert!(matches!(err, FileError::NotATable { .. }), "{err:?}");
    assert!(err.to_string().starts_with("这不是 CSV 或 XLSX 文件"));

    let err = TableReader::open(&dir.file("x.csv", b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            FileError::NotATable {
                what: Some("PDF 文件")
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("PDF"));

    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(4096, 0);
    let err = TableReader::open(&dir.file("名单.xls", &xls)).unwrap_err();
    assert!(matches!(err, FileError::LegacyExcel), "{err:?}");
    assert!(err.to_string().contains(".xlsx"));
}

#[test]
fn empty_files_are_rejected() {
    let dir = Dir::new();
    for bytes in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\r\n  \r\n",
        b"\n\n",
    ] {
        let err = TableReader::open(&dir.file("e.csv", bytes)).unwrap_err();
        assert!(matches!(err, FileError::Empty), "{bytes:?}: {err:?}");
        assert!(err.to_string().contains("文件是空的"));
    }
    // Only delimiters: not empty, but there is no header.
    let err = TableReader::open(&dir.file("e.csv", ",,,\r\n,,\r\n")).unwrap_err();
    assert!(matches!(err, FileError::NoHeader), "{err:?}");
}

#[test]
fn header_only_is_not_an_error() {
    let dir = Dir::new();
    let path = dir.file("h.csv", "\u{feff}统一社会信用代码,企业名称\r\n,\r\n");
    let mut reader = TableReader::open(&path).unwrap();
    assert_eq!(
        reader.headers(),
        &strings(&["统一社会信用代码", "企业名称"])[..]
    );
    assert!(!reader.read_row(&mut Row::new()).unwrap());
    assert_eq!(reader.rows_read(), 0);
}

#[test]
fn two_mib_line_is_rejected_with_its_line() {
    let dir = Dir::new();
    let mut text = String::from("代码,名称\n1,a\n2,");
    text.push_str(&"长".repeat(700_000)); // 2.1 MB of UTF-8
    text.push_str("\n3,c\n");
    let path = dir.file("long.csv", text);
    let mut reader = TableReader::open(&path).unwrap();
    let (rows, err) = read_rows(&mut reader);
    assert_eq!(rows, common::rows(&[(2, &["1", "a"])]));
    let err = err.unwrap();
    assert!(
        matches!(err, FileError::RecordTooLong { line: 3 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("第 3 行"), "{err}");
}

#[test]
fn unbalanced_quote_stops_early() {
    // An opening quote without its closing one swallows the rest of the file; the
    // reader stops at the limit instead of holding 2 GB in one record.
    let dir = Dir::new();
    let mut text = String::from("代码,名称\r\n1,\"青岛\r\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},企业名称{i}\r\n"));
    }
    let path = dir.file("quote.csv", text);
    let mut reader = TableReader::open(&path).unwrap();
    let (rows, err) = read_rows(&mut reader);
    assert!(rows.is_empty());
    let err = err.unwrap();
    assert!(
        matches!(err, FileError::RecordTooLong { line: 2 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("引号"));
}

#[test]
fn unbalanced_quote_in_the_header() {
    let dir = Dir::new();
    let mut text = String::from("\"代码,名称\r\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i},企业名称{i}\r\n"));
    }
    let err = TableReader::open(&dir.file("q.csv", text)).unwrap_err();
    assert!(
        matches!(err, FileError::RecordTooLong { line: 1 }),
        "{err:?}"
    );
}

#[test]
fn reader_and_writer_can_move_to_other_threads() {
    fn send<T: Send>() {}
    send::<TableReader>();
    send::<yinqi_files::TableWriter>();
    send::<FileError>();
}

#[test]
fn record_just_under_the_limit_is_fine() {
    let dir = Dir::new();
    let big = "x".repeat(1024 * 1024 - 10);
    let path = dir.file("big.csv", format!("a,b\r\n1,{big}\r\n2,y\r\n"));
    let table = read_table(&path);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].1[1].len(), big.len());
    assert_eq!(table.rows[1], (3, strings(&["2", "y"])));
}

#[test]
fn five_thousand_columns_are_rejected() {
    let dir = Dir::new();
    let wide = vec!["x"; 5000].join(",");
    let path = dir.file("wide.csv", format!("a,b\n1,2\n{wide}\n"));
    let mut reader = TableReader::open(&path).unwrap();
    let (read, err) = read_rows(&mut reader);
    assert_eq!(read.len(), 1);
    let err = err.unwrap();
    assert!(
        matches!(
            err,
            FileError::TooManyColumns {
                line: 3,
                columns: 5000
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("第 3 行有 5,000 列"), "{err}");

    // A wide header fails at open.
    let path = dir.file("wide2.csv", format!("{wide}\n1,2\n"));
    let err = TableReader::open(&path).unwrap_err();
    assert!(
        matches!(err, FileError::TooManyColumns { line: 1, .. }),
        "{err:?}"
    );

    // Trailing empty cells (Excel's used range) do not count.
    let path = dir.file(
        "trailing.csv",
        format!("a,b{}\n1,2{}\n", ",".repeat(3000), ",".repeat(3000)),
    );
    let table = read_table(&path);
    assert_eq!(table.headers, strings(&["a", "b"]));
    assert_eq!(table.rows, rows(&[(2, &["1", "2"])]));
}

#[test]
fn quoted_newlines_keep_line_numbers_right() {
    let text = "代码,地址,备注\n\
                1,\"青岛市\n市南区\",x\n\
                2,\"a\"\"b\",y\n\
                \n\
                ,,\n\
                3,\"多\n行\n文本\",\"z\"\n\
                4,last,\n";
    let expected = rows(&[
        (2, &["1", "青岛市\n市南区", "x"]),
        (4, &["2", "a\"b", "y"]),
        (7, &["3", "多\n行\n文本", "z"]),
        (10, &["4", "last"]),
    ]);
    let dir = Dir::new();
    assert_eq!(read_table(&dir.file("lf.csv", text)).rows, expected);

    // CRLF line ends; newlines inside cells stay LF as Excel writes them.
    let crlf = text
        .replace("\n", "\r\n")
        .replace("市\r\n市", "市\n市")
        .replace("多\r\n行\r\n文", "多\n行\n文");
    let expected_crlf = expected.clone();
    assert_eq!(read_table(&dir.file("crlf.csv", &crlf)).rows, expected_crlf);

    // CRLF inside a quoted cell is kept as it is.
    let path = dir.file("crlf2.csv", "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n");
    assert_eq!(
        read_table(&path).rows,
        rows(&[(2, &["1", "x\r\ny"]), (4, &["2", "z"])])
    );

    // No newline at the end of the file.
    let path = dir.file("noeol.csv", "a,b\r\n1,2\r\n\r\n3,\"x\ny\"");
    assert_eq!(
        read_table(&path).rows,
        rows(&[(2, &["1", "2"]), (4, &["3", "x\ny"])])
    );
}

#[test]
fn blank_lines_before_header_and_between_rows() {
    let dir = Dir::new();
    let path = dir.file(
        "b.csv",
        "\r\n,,\r\n 名称 , 代码 ,,\r\n\r\n青岛,1\r\n  ,\t\r\n济南,2\r\n",
    );
    let table = read_table(&path);
    assert_eq!(table.header_line, 3);
    assert_eq!(table.headers, strings(&["名称", "代码"]));
    assert_eq!(
        table.rows,
        rows(&[(5, &["青岛", "1"]), (7, &["济南", "2"])])
    );
}

#[test]
fn tab_and_semicolon_delimiters() {
    let dir = Dir::new();
    let path = dir.file("t.txt", gb("代码\t名称\t备注\r\n1\t青岛, 市南\t\r\n"));
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader), (TextEncoding::Gb18030, b'\t'));
    let table = read_table(&path);
    assert_eq!(table.headers, strings(&["代码", "名称", "备注"]));
    assert_eq!(table.rows, rows(&[(2, &["1", "青岛, 市南"])]));

    let path = dir.file("s.csv", "code;name\n1;\"a;b\"\n");
    let reader = TableReader::open(&path).unwrap();
    assert_eq!(csv_format(&reader).1, b';');
    assert_eq!(read_table(&path).rows, rows(&[(2, &["1", "a;b"])]));
}

#[test]
fn bare_cr_line_ends() {
    let dir = Dir::new();
    let path = dir.file("mac.csv", "代码,名称\r1,青岛\r2,济南\r");
    let table = read_table(&path);
    assert_eq!(table.headers, strings(&["代码", "名称"]));
    assert_eq!(
        table.rows,
        rows(&[(2, &["1", "青岛"]), (3, &["2", "济南"])])
    );
}

#[test]
fn title_row_above_header() {
    let dir = Dir::new();
    let path = dir.file(
        "t.csv",
        "2024年百行进万企企业名单,,\n代码,名称,备注\n1,青岛,\n",
    );
    let mut reader = TableReader::open(&path).unwrap();
    assert_eq!(
        reader.headers(),
        &strings(&["2024年百行进万企企业名单"])[..]
    );
    assert!(reader.use_next_row_as_header().unwrap());
    assert_eq!(reader.headers(), &strings(&["代码", "名称", "备注"])[..]);
    assert_eq!(reader.header_line(), 2);
    let (rows, err) = read_rows(&mut reader);
    assert!(err.is_none());
    assert_eq!(rows, common::rows(&[(3, &["1", "青岛"])]));
}

#[test]
fn from_a_plain_stream_and_progress() {
    struct Stream(std::io::Cursor<Vec<u8>>);
    impl std::io::Read for Stream {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            // Short reads, as from a network.
            let n = buf.len().min(1000);
            self.0.read(&mut buf[..n])
        }
    }
    let mut text = String::from("代码,名称\n");
    for i in 0..10_000 {
        text.push_str(&format!("{i},企业{i}\n"));
    }
    let len = text.len() as u64;
    let mut reader =
        TableReader::from_csv_reader(Stream(std::io::Cursor::new(text.into_bytes())), Some(len))
            .unwrap();
    let p = reader.progress();
    assert_eq!((p.unit, p.total), (ProgressUnit::Bytes, Some(len)));
    assert!(p.done < len);
    let (rows, err) = read_rows(&mut reader);
    assert!(err.is_none());
    assert_eq!(rows.len(), 10_000);
    assert_eq!(rows[9_999], (10_001, strings(&["9999", "企业9999"])));
    let p = reader.progress();
    assert_eq!(p.done, len);
    assert_eq!(p.fraction(), Some(1.0));
}

#[test]
fn html_disguised_as_xls() {
    let dir = Dir::new();
    let path = dir.file(
        "export.xls",
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body><table><tr><td>代码</td></tr></table></body></html>",
    );
    let err = TableReader::open(&path).unwrap_err();
    assert!(matches!(err, FileError::HtmlOrXml), "{err:?}");
}

#[test]
fn truncated_file_ends_inside_a_character() {
    let dir = Dir::new();
    let mut bytes = "代码,名称\n1,青岛".as_bytes().to_vec();
    bytes.pop();
    let mut reader = TableReader::open(&dir.file("cut.csv", bytes)).unwrap();
    let (_, err) = read_rows(&mut reader);
    let err = err.unwrap();
    assert!(
        matches!(
            err,
            FileError::Encoding {
                line: 2,
                truncated: true,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = Dir::new();
    let err = TableReader::open(&dir.path("nope.csv")).unwrap_err();
    assert!(matches!(err, FileError::Io(_)));
    assert!(err.to_string().contains("找不到文件"), "{err}");
}
