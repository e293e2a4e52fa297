//! Loading the bank registry through the command line.

use crate::harness::{Env, read_csv, write_csv};

#[test]
fn generated_registry_loads_then_reloads_in_place() {
    let env = Env::sqlite();
    let banks = env.path("banks.csv");
    env.ok(&["gen", "banks", "--out", banks.to_str().unwrap()]);
    let rows = read_csv(&banks).len() as u64 - 1;
    let first = env.json(&["import", "banks", banks.to_str().unwrap(), "--json"]);
    assert_eq!(
        (
            first["rows"].as_u64(),
            first["accepted"].as_u64(),
            first["rejected"].as_u64()
        ),
        (Some(rows), Some(rows), Some(0))
    );
    assert_eq!(first["branches_created"].as_u64(), Some(rows));
    assert!(first["banks_created"].as_u64().unwrap() > 100);
    assert_eq!(first["error_report"], serde_json::Value::Null);
    let second = env.json(&["import", "banks", banks.to_str().unwrap(), "--json"]);
    assert_eq!(
        (
            second["banks_created"].as_u64(),
            second["branches_updated"].as_u64()
        ),
        (Some(0), Some(rows))
    );
}

#[test]
fn bad_registry_rows_are_reported_and_the_rest_load() {
    let env = Env::sqlite();
    let header = [
        "行号",
        "网点名称",
        "法人机构",
        "机构类型",
        "行政区划代码",
        "上级行号",
    ]
    .map(str::to_owned)
    .to_vec();
    let row = |cells: [&str; 6]| cells.map(str::to_owned).to_vec();
    let file = env.path("banks.csv");
    write_csv(
        &file,
        &[
            header,
            row([
                "102100099996",
                "中国工商银行北京分行",
                "中国工商银行",
                "国有大型银行",
                "110101",
                "",
            ]),
            row([
                "10210009999",
                "短行号",
                "中国工商银行",
                "国有大型银行",
                "110101",
                "",
            ]),
            row(["102100099997", "", "中国工商银行", "城商行", "990000", "x"]),
            row([
                "102100099996",
                "重复",
                "中国工商银行",
                "国有大型银行",
                "110101",
                "",
            ]),
            row([
                "102100099998",
                "中国工商银行东城支行",
                "中国工商银行",
                "国有大型银行",
                "110101",
                "102100099996",
            ]),
        ],
    );
    let got = env.json(&["import", "banks", file.to_str().unwrap(), "--json"]);
    assert_eq!(
        (
            got["rows"].as_u64(),
            got["accepted"].as_u64(),
            got["rejected"].as_u64()
        ),
        (Some(5), Some(2), Some(3))
    );
    let report = read_csv(std::path::Path::new(got["error_report"].as_str().unwrap()));
    assert_eq!(report.len(), 4);
    let reasons: Vec<&str> = report[1..]
        .iter()
        .map(|r| r.last().unwrap().as_str())
        .collect();
    assert!(
        reasons[0].contains("第3行") && reasons[0].contains("行号"),
        "{reasons:?}"
    );
    for needle in ["网点名称为空", "机构类型“城商行”", "990000", "上级行号"] {
        assert!(reasons[1].contains(needle), "{needle} in {}", reasons[1]);
    }
    assert!(reasons[2].contains("与第2行重复"), "{reasons:?}");
}
