//! The list round from the command line: submit, check, return, freeze (alias release), and
//! what each state allows.

use crate::harness::Env;

/// Loads the banks and a generated list of 200 rows for bureau 37.
fn loaded(env: &Env) -> String {
    env.load_banks();
    let file = env.path("list.csv");
    let file = file.to_str().unwrap().to_owned();
    env.ok(&[
        "gen",
        "enterprises",
        "--rows",
        "200",
        "--bureau",
        "37",
        "--out",
        &file,
    ]);
    env.ok(&["import", "enterprises", &file, "--bureau", "37"]);
    file
}

fn status(env: &Env) -> String {
    env.ok(&["list", "status", "--bureau", "37"])
}

fn the_round(env: &Env) {
    let file = loaded(env);
    assert!(status(env).contains("草稿"), "{}", status(env));
    // HQ's steps are refused on a draft, with the reason.
    let err = env.fails(&["list", "freeze", "--bureau", "37"]);
    assert!(err.contains("草稿") && err.contains("冻结"), "{err}");
    let err = env.fails(&["list", "return", "--bureau", "37", "--remarks", " "]);
    assert!(err.contains("意见"), "{err}");

    env.ok(&["list", "submit", "--bureau", "37"]);
    assert!(status(env).contains("已提交"));
    let err = env.fails(&["import", "enterprises", &file, "--bureau", "37"]);
    assert!(err.contains("不能再导入"), "{err}");
    let err = env.fails(&["list", "submit", "--bureau", "37"]);
    assert!(err.contains("已提交"), "{err}");

    env.ok(&[
        "list",
        "return",
        "--bureau",
        "37",
        "--remarks",
        "请补充联系电话",
    ]);
    let s = status(env);
    assert!(s.contains("已退回") && s.contains("请补充联系电话"), "{s}");
    env.ok(&["import", "enterprises", &file, "--bureau", "37"]);
    env.ok(&["list", "submit", "--bureau", "37"]);
    env.ok(&["list", "check", "--bureau", "37", "--remarks", "总数已核对"]);

    // `release` is the same command as freeze.
    assert!(env.summary(Some("37"))["listed"].as_u64().unwrap() > 0);
    let out = env.ok(&["list", "release", "--bureau", "37"]);
    assert!(
        out.contains("已冻结") && out.contains("发布给银行"),
        "{out}"
    );
    assert!(status(env).contains("已冻结"));
    let err = env.fails(&["list", "return", "--bureau", "37", "--remarks", "晚了"]);
    assert!(err.contains("已冻结"), "{err}");
    let audit = env.ok(&["list", "audit", "--bureau", "37", "--limit", "10"]);
    for action in [
        "enterprise_list.freeze",
        "enterprise_list.check",
        "enterprise_list.return",
        "enterprise_list.submit",
    ] {
        assert!(audit.contains(action), "{action} in {audit}");
    }
    // HQ's overview lists every bureau.
    let all = env.ok(&["list", "status"]);
    assert!(all.lines().count() >= 36, "{all}");
    assert!(all.contains("11 北京") || all.contains("11 "), "{all}");
}

#[test]
fn the_round_sqlite() {
    the_round(&Env::sqlite());
}

#[test]
fn the_demo_freezes_its_lists() {
    let env = Env::sqlite();
    let dir = env.path("demo");
    env.ok(&[
        "demo",
        "--rows",
        "300",
        "--no-serve",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    let all = env.ok(&["list", "status"]);
    for bureau in ["11", "37", "3702"] {
        let line = all
            .lines()
            .find(|l| l.starts_with(&format!("{bureau} ")))
            .unwrap();
        assert!(line.contains("已冻结"), "{line}");
    }
    // Run again on the same database: the frozen lists are left alone.
    let again = env.ok(&[
        "demo",
        "--rows",
        "300",
        "--no-serve",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert!(again.contains("不再导入"), "{again}");
}

mod postgres {
    use super::*;

    #[test]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    fn the_round() {
        super::the_round(&Env::postgres());
    }
}
