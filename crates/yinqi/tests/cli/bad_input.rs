//! Hostile and broken files: each is refused with a message naming the problem, the list
//! is left exactly as it was, and no error report is left behind.

use std::io::Write;

use crate::harness::{Env, credit_code, write_csv};

/// Imports a good one-row list first, so "unchanged" means something.
fn env_with_a_list() -> Env {
    let env = Env::sqlite();
    let header = yinqi_domain::listing::Field::ALL
        .map(|f| f.header_zh().to_owned())
        .to_vec();
    let code = credit_code("440100", 1);
    let row = [
        code.as_str(),
        "广州某某有限公司",
        "440106",
        "F5211",
        "8",
        "120",
        "90",
        "B",
        "法人企业",
        "",
        "否",
        "102581000013",
        "",
        "",
    ]
    .map(str::to_owned)
    .to_vec();
    let good = env.path("good.csv");
    write_csv(&good, &[header, row]);
    env.ok(&[
        "import",
        "enterprises",
        good.to_str().unwrap(),
        "--bureau",
        "44",
    ]);
    env
}

/// Imports `bytes` as a list for bureau 44 and returns the error message, checking that
/// nothing changed.
fn refused(env: &Env, name: &str, bytes: &[u8]) -> String {
    let path = env.path(name);
    std::fs::write(&path, bytes).unwrap();
    refused_path(env, &path)
}

fn refused_path(env: &Env, path: &std::path::Path) -> String {
    let before = env.summary(None);
    let audit_before = env.ok(&["list", "audit"]);
    let err = env.fails(&[
        "import",
        "enterprises",
        path.to_str().unwrap(),
        "--bureau",
        "44",
    ]);
    assert!(err.contains("名单未作任何修改"), "{err}");
    assert_eq!(env.summary(None), before);
    assert_eq!(env.ok(&["list", "audit"]), audit_before);
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("{stem}.errors."))
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "no error report after a failed import"
    );
    err
}

fn header_line() -> String {
    yinqi_domain::listing::Field::ALL
        .map(|f| f.header_zh())
        .join(",")
}

#[test]
fn empty_file() {
    let env = env_with_a_list();
    let err = refused(&env, "empty.csv", b"");
    assert!(err.contains("空"), "{err}");
}

#[test]
fn header_only() {
    let env = env_with_a_list();
    let err = refused(
        &env,
        "header.csv",
        format!("{}\r\n", header_line()).as_bytes(),
    );
    assert!(err.contains("只有表头"), "{err}");
}

#[test]
fn missing_required_columns_are_all_named() {
    let env = env_with_a_list();
    let err = refused(
        &env,
        "cols.csv",
        "企业名称,行业代码\n某公司,C3011\n".as_bytes(),
    );
    for column in [
        "统一社会信用代码",
        "注册地行政区划代码",
        "纳税信用级别",
        "企业类型",
        "基本存款账户开户行行号",
    ] {
        assert!(err.contains(column), "{column} missing from: {err}");
    }
}

#[test]
fn utf16_is_refused_with_advice() {
    let env = env_with_a_list();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in header_line().encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let err = refused(&env, "utf16.csv", &bytes);
    assert!(err.contains("UTF-16") || err.contains("Unicode"), "{err}");
}

#[test]
fn mixed_encoding_names_the_line() {
    let env = env_with_a_list();
    let mut text = format!("{}\n", header_line()).into_bytes();
    let code = yinqi_domain::uscc::Uscc::from_first17("91440100MA5C00002").unwrap();
    for _ in 0..2000 {
        text.extend_from_slice(
            format!(
                "{},广州某某有限公司,440106,F5211,8,120,90,B,法人企业,,否,102581000013,,\n",
                code.as_str()
            )
            .as_bytes(),
        );
    }
    // Then a row as GBK would write 广州 (0xB9E3 0xD6DD): invalid as UTF-8.
    text.extend_from_slice(b"91440100MA5C00003X,\xB9\xE3\xD6\xDD,440106,F5211,8,120,90,B,,,,,,\n");
    let err = refused(&env, "mixed.csv", &text);
    assert!(err.contains("第 2,002 行"), "the line is named: {err}");
    assert!(err.contains("编码"), "{err}");
}

#[test]
fn not_a_table_at_all() {
    let env = env_with_a_list();
    let pdf = refused(
        &env,
        "list.pdf",
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n",
    );
    assert!(pdf.contains("不是 CSV 或 XLSX"), "{pdf}");
    let xls = refused(
        &env,
        "old.xls",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
    );
    assert!(
        xls.contains(".xls") || xls.contains("97-2003") || xls.contains("xlsx"),
        "{xls}"
    );
    let zip = refused(&env, "fake.xlsx", b"PK\x03\x04 this is not a workbook");
    assert!(!zip.is_empty());
    let binary = refused(
        &env,
        "random.csv",
        &[0u8, 159, 146, 150, 0, 1, 2, 3, 0, 0, 255, 254],
    );
    assert!(
        binary.contains("不是 CSV 或 XLSX") || binary.contains("二进制"),
        "{binary}"
    );
}

#[test]
fn a_very_long_line_is_refused_by_line_number() {
    let env = env_with_a_list();
    let mut text = format!("{}\n", header_line()).into_bytes();
    text.extend(std::iter::repeat_n(b'A', 2 << 20));
    text.push(b'\n');
    let err = refused(&env, "long.csv", &text);
    assert!(err.contains("第 2 行"), "names line 2: {err}");
    assert!(err.contains("超过了 1 MB"), "{err}");
}

#[test]
fn thousands_of_columns_are_refused() {
    let env = env_with_a_list();
    let mut text = format!("{}\n", header_line());
    text.push_str(&vec!["x"; 5000].join(","));
    text.push('\n');
    let err = refused(&env, "wide.csv", text.as_bytes());
    assert!(err.contains("5000") || err.contains("512"), "{err}");
}

/// A 2 GB file of zeros (sparse, so the test stays cheap) is refused at once, not read.
#[test]
fn a_two_gigabyte_file_of_nothing_is_refused() {
    let env = env_with_a_list();
    let path = env.path("huge.csv");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(2 << 30).unwrap();
    let err = refused_path(&env, &path);
    assert!(
        err.contains("不是 CSV 或 XLSX") || err.contains("二进制"),
        "{err}"
    );
}

#[test]
fn an_unknown_bureau_or_campaign_is_named() {
    let env = env_with_a_list();
    let path = env.path("x.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "{}", header_line()).unwrap();
    let err = env.fails(&[
        "import",
        "enterprises",
        path.to_str().unwrap(),
        "--bureau",
        "99",
    ]);
    assert!(
        err.contains("未知的监管局代码 99") && err.contains("3702 青岛银保监局"),
        "{err}"
    );
    let err = env.fails(&[
        "--campaign",
        "1999",
        "import",
        "enterprises",
        path.to_str().unwrap(),
        "--bureau",
        "44",
    ]);
    assert!(err.contains("1999"), "{err}");
}

#[test]
fn rows_of_sql_and_html_are_data_not_code() {
    let env = env_with_a_list();
    let code = yinqi_domain::uscc::Uscc::from_first17("91440100MA5C00009").unwrap();
    let header = yinqi_domain::listing::Field::ALL
        .map(|f| f.header_zh().to_owned())
        .to_vec();
    let row = [
        code.as_str(),
        "x'); DROP TABLE enterprises; --<script>alert(1)</script>",
        "440106",
        "F5211",
        "8",
        "120",
        "90",
        "B",
        "法人企业",
        "",
        "否",
        "102581000013",
        "Robert'); --",
        "",
    ]
    .map(str::to_owned)
    .to_vec();
    let path = env.path("evil.csv");
    write_csv(&path, &[header, row]);
    let got = env.json(&[
        "import",
        "enterprises",
        path.to_str().unwrap(),
        "--bureau",
        "44",
        "--json",
    ]);
    assert_eq!(got["accepted"], 1);
    assert_eq!(env.summary(None)["listed"], 2);
    let shown = env.ok(&["list", "show", code.as_str()]);
    assert!(
        shown.contains("DROP TABLE enterprises; --<script>"),
        "{shown}"
    );
}
