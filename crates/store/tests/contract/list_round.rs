//! Contract: the list round — every legal and illegal status change, who may make it, what
//! it allows (uploads, release to banks) — and jobs: progress, result and error report.

use yinqi_store::{
    BranchRecord, Campaign, JobStatus, ListStatus, NewCampaign, Scope, Store, StoreError,
};

use crate::harness::{TestDb, row};

const B: &str = "44";
const ICBC_GZ: &str = "102581000013";

fn bureau() -> Scope {
    Scope::Bureau(B.into())
}

fn campaign(store: &Store, code: &str) -> Campaign {
    store
        .create_campaign(&NewCampaign {
            code: code.into(),
            name: format!("测试活动 {code}"),
            tax_credit_year: 2018,
            size_standard: yinqi_domain::size::MIIT_2011.id.into(),
            starts_on: "2020-01-01".into(),
            ends_on: "2020-12-31".into(),
        })
        .unwrap()
}

fn try_import(store: &Store, campaign: &Campaign, n: u32) -> Result<(), StoreError> {
    let mut import = store.begin_listing_import(&bureau(), campaign, B, "list.csv", "clerk")?;
    import.stage(&[row(2, n, None)])?;
    import.finish(|_| Ok(serde_json::json!({})))?;
    Ok(())
}

/// The four steps, each by the side that is allowed to take it.
#[derive(Clone, Copy, Debug)]
enum Step {
    Submit,
    Check,
    Return,
    Freeze,
}

const STEPS: [Step; 4] = [Step::Submit, Step::Check, Step::Return, Step::Freeze];

fn take(
    store: &Store,
    scope: &Scope,
    campaign: &Campaign,
    step: Step,
) -> Result<ListStatus, StoreError> {
    let id = campaign.id;
    let state = match step {
        Step::Submit => store.submit_list(scope, id, B, "clerk")?,
        Step::Check => store.check_list(scope, id, B, None, "hq")?,
        Step::Return => store.return_list(scope, id, B, "第 3 行开户行有误", "hq")?,
        Step::Freeze => store.freeze_list(scope, id, B, "hq")?,
    };
    Ok(state.status)
}

fn right_scope(step: Step) -> Scope {
    match step {
        Step::Submit => bureau(),
        _ => Scope::Nation,
    }
}

/// Brings a fresh campaign's list (with one row) to `status` by legal steps.
fn reach(store: &Store, code: &str, status: ListStatus) -> Campaign {
    let c = campaign(store, code);
    try_import(store, &c, 1).unwrap();
    let path: &[Step] = match status {
        ListStatus::Draft => &[],
        ListStatus::Submitted => &[Step::Submit],
        ListStatus::Checked => &[Step::Submit, Step::Check],
        ListStatus::Returned => &[Step::Submit, Step::Return],
        ListStatus::Frozen => &[Step::Submit, Step::Check, Step::Freeze],
    };
    for step in path {
        take(store, &right_scope(*step), &c, *step).unwrap();
    }
    assert_eq!(
        store.list_status(&bureau(), c.id, B).unwrap().status,
        status
    );
    c
}

pub fn every_transition_is_legal_or_refused_clearly(db: &TestDb) {
    let legal = |from: ListStatus, step: Step| -> Option<ListStatus> {
        use ListStatus::*;
        match (from, step) {
            (Draft | Returned, Step::Submit) => Some(Submitted),
            (Submitted, Step::Check) => Some(Checked),
            (Submitted | Checked, Step::Return) => Some(Returned),
            (Checked, Step::Freeze) => Some(Frozen),
            _ => None,
        }
    };
    let mut n = 0;
    for from in ListStatus::ALL {
        for step in STEPS {
            n += 1;
            let c = reach(&db.store, &format!("c{n}"), from);
            let outcome = take(&db.store, &right_scope(step), &c, step);
            match (legal(from, step), outcome) {
                (Some(to), Ok(got)) => assert_eq!(got, to, "{from:?} {step:?}"),
                (None, Err(StoreError::Invalid(message))) => {
                    assert!(
                        message.contains(from.label_zh()),
                        "{from:?} {step:?}: {message}"
                    );
                    // Nothing changed.
                    assert_eq!(
                        db.store.list_status(&bureau(), c.id, B).unwrap().status,
                        from
                    );
                }
                (expected, got) => panic!("{from:?} {step:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }
}

pub fn only_the_right_side_takes_each_step(db: &TestDb) {
    let c = reach(&db.store, "roles", ListStatus::Draft);
    let bank = Scope::Bank {
        bank_id: 1,
        bureau: None,
    };
    // HQ does not submit for a bureau; a bureau does not check, return or freeze its own list.
    assert!(
        matches!(take(&db.store, &Scope::Nation, &c, Step::Submit), Err(StoreError::Invalid(m)) if m.contains("监管局"))
    );
    take(&db.store, &bureau(), &c, Step::Submit).unwrap();
    for step in [Step::Check, Step::Return, Step::Freeze] {
        assert!(
            matches!(take(&db.store, &bureau(), &c, step), Err(StoreError::Invalid(m)) if m.contains("总部")),
            "{step:?}"
        );
    }
    // Another bureau and the banks do not even see the list.
    for outsider in [Scope::Bureau("37".into()), bank.clone(), Scope::Aggregates] {
        for step in STEPS {
            assert!(
                matches!(
                    take(&db.store, &outsider, &c, step),
                    Err(StoreError::NotFound)
                ),
                "{outsider:?} {step:?}"
            );
        }
        assert!(matches!(
            db.store.list_status(&outsider, c.id, B),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.store.list_history(&outsider, c.id, B),
            Err(StoreError::NotFound)
        ));
    }
    assert!(matches!(
        db.store.list_status(&Scope::Nation, c.id, "99"),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        db.store.list_status(&bureau(), c.id, B).unwrap().status,
        ListStatus::Submitted
    );
}

pub fn returning_needs_remarks_and_submitting_needs_rows(db: &TestDb) {
    let empty = campaign(&db.store, "empty");
    assert!(matches!(
        db.store.submit_list(&bureau(), empty.id, B, "clerk"),
        Err(StoreError::Invalid(m)) if m.contains("还没有企业")
    ));
    let c = reach(&db.store, "remarks", ListStatus::Submitted);
    for blank in ["", "  \n"] {
        assert!(matches!(
            db.store.return_list(&Scope::Nation, c.id, B, blank, "hq"),
            Err(StoreError::Invalid(m)) if m.contains("意见")
        ));
    }
    let state = db
        .store
        .return_list(
            &Scope::Nation,
            c.id,
            B,
            "  请核实跨局重复的 2 家企业 ",
            "hq",
        )
        .unwrap();
    assert_eq!(state.status, ListStatus::Returned);
    assert_eq!(state.remarks.as_deref(), Some("请核实跨局重复的 2 家企业"));
    assert_eq!(state.updated_by.as_deref(), Some("hq"));
}

pub fn uploads_only_while_the_bureau_holds_the_list(db: &TestDb) {
    let c = reach(&db.store, "uploads", ListStatus::Draft);
    try_import(&db.store, &c, 2).unwrap();
    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
    let refused = try_import(&db.store, &c, 3);
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("已提交")),
        "{refused:?}"
    );
    assert!(matches!(
        db.store
            .create_upload_job(&bureau(), c.id, B, "list.csv", "clerk"),
        Err(StoreError::Invalid(_))
    ));
    db.store
        .return_list(&Scope::Nation, c.id, B, "补充企业", "hq")
        .unwrap();
    try_import(&db.store, &c, 3).unwrap();
    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
    db.store
        .check_list(&Scope::Nation, c.id, B, None, "hq")
        .unwrap();
    assert!(try_import(&db.store, &c, 4).is_err());
    assert_eq!(db.store.list_counts(&bureau(), c.id).unwrap().listed, 3);
}

pub fn an_import_under_way_when_the_list_is_submitted_is_refused(db: &TestDb) {
    // The import began while the list was a draft; another connection submits it before
    // the import commits (PostgreSQL only: SQLite's import holds the write lock throughout).
    if db.store.dialect() == yinqi_store::db::Dialect::Sqlite {
        return;
    }
    let c = reach(&db.store, "race", ListStatus::Draft);
    let mut import = db
        .store
        .begin_listing_import(&bureau(), &c, B, "late.csv", "clerk")
        .unwrap();
    import.stage(&[row(2, 9, None)]).unwrap();
    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
    let late = import.finish(|_| Ok(serde_json::json!({})));
    assert!(matches!(late, Err(StoreError::Invalid(_))), "{late:?}");
    assert_eq!(db.store.list_counts(&bureau(), c.id).unwrap().listed, 1);
}

pub fn freezing_releases_the_list_and_history_tells_the_story(db: &TestDb) {
    let rows = vec![BranchRecord {
        code: ICBC_GZ.into(),
        name: "中国工商银行广州分行营业部".into(),
        bank_name: "中国工商银行".into(),
        bank_type: "国有大型银行".into(),
        region_code: "440106".into(),
        parent_code: None,
    }];
    db.store
        .import_bank_registry(&Scope::Nation, &rows, "banks.csv", "hq")
        .unwrap();
    let bank_id = db.store.bank_directory().unwrap()[ICBC_GZ];
    let c = campaign(&db.store, "freeze");
    let mut import = db
        .store
        .begin_listing_import(&bureau(), &c, B, "list.csv", "clerk")
        .unwrap();
    import
        .stage(&[row(2, 1, Some((ICBC_GZ, Some(bank_id)))), row(3, 2, None)])
        .unwrap();
    import.finish(|_| Ok(serde_json::json!({}))).unwrap();
    let bank = Scope::Bank {
        bank_id,
        bureau: None,
    };
    let seen_by_bank = |store: &Store| store.list_counts(&bank, c.id).unwrap().listed;
    assert_eq!(seen_by_bank(&db.store), 0, "a draft list is not released");

    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
    db.store
        .return_list(&Scope::Nation, c.id, B, "联系电话缺失", "hq")
        .unwrap();
    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
    db.store
        .check_list(&Scope::Nation, c.id, B, Some("总数与税务数据一致"), "hq")
        .unwrap();
    assert_eq!(seen_by_bank(&db.store), 0, "a checked list is not released");
    let frozen = db.store.freeze_list(&Scope::Nation, c.id, B, "hq").unwrap();
    assert_eq!(frozen.status, ListStatus::Frozen);
    assert_eq!(seen_by_bank(&db.store), 1, "the bank sees its enterprise");

    let history = db.store.list_history(&bureau(), c.id, B).unwrap();
    let steps: Vec<(ListStatus, ListStatus, Option<&str>, &str)> = history
        .iter()
        .map(|e| (e.from, e.to, e.remarks.as_deref(), e.actor.as_str()))
        .collect();
    use ListStatus::*;
    assert_eq!(
        steps,
        vec![
            (Draft, Submitted, None, "clerk"),
            (Submitted, Returned, Some("联系电话缺失"), "hq"),
            (Returned, Submitted, None, "clerk"),
            (Submitted, Checked, Some("总数与税务数据一致"), "hq"),
            (Checked, Frozen, None, "hq"),
        ]
    );
    // Every step is audited, the freeze with the rows it released.
    let audit = db.store.audit_entries(&bureau(), 10).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        &actions[..5],
        [
            "enterprise_list.freeze",
            "enterprise_list.check",
            "enterprise_list.submit",
            "enterprise_list.return",
            "enterprise_list.submit",
        ]
    );
    assert_eq!(audit[0].detail["released"], 2);
    assert_eq!(audit[3].detail["remarks"], "联系电话缺失");

    // HQ sees every bureau, untouched ones as drafts; totals per bureau.
    let states = db.store.list_states(&Scope::Nation, c.id).unwrap();
    assert_eq!(states.len(), yinqi_domain::bureau::all().len());
    assert!(
        states
            .iter()
            .any(|s| s.bureau_code == B && s.status == Frozen)
    );
    assert!(
        states
            .iter()
            .any(|s| s.bureau_code == "11" && s.status == Draft)
    );
    assert_eq!(db.store.list_states(&bureau(), c.id).unwrap().len(), 1);
    let totals = db.store.list_totals(&Scope::Nation, c.id).unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(
        (
            totals[0].bureau_code.as_str(),
            totals[0].listed,
            totals[0].assigned
        ),
        (B, 2, 1)
    );
    assert!(db.store.list_totals(&bank, c.id).is_err());
}

pub fn jobs_report_progress_results_and_error_files(db: &TestDb) {
    let c = campaign(&db.store, "jobs");
    let other = Scope::Bureau("37".into());
    let job = db
        .store
        .create_upload_job(&bureau(), c.id, B, "名单.csv", "clerk")
        .unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.bureau_code.as_deref(), Some(B));
    assert!(matches!(
        db.store
            .create_upload_job(&bureau(), c.id, B, "again.csv", "clerk"),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.store
            .create_upload_job(&other, c.id, B, "x.csv", "clerk"),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store.job(&other, job.id),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store.start_job(&other, job.id),
        Err(StoreError::NotFound)
    ));

    db.store.start_job(&bureau(), job.id).unwrap();
    assert!(matches!(
        db.store.start_job(&bureau(), job.id),
        Err(StoreError::Conflict(_))
    ));
    db.store
        .job_progress(&bureau(), job.id, 4096, Some(10_000), "bytes")
        .unwrap();
    let running = db.store.job(&Scope::Nation, job.id).unwrap();
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(
        (
            running.progress_done,
            running.progress_total,
            running.progress_unit.as_str()
        ),
        (4096, Some(10_000), "bytes")
    );
    assert!((running.fraction().unwrap() - 0.4096).abs() < 1e-9);
    db.store.job_heartbeat(&bureau(), job.id).unwrap();

    // The list cannot be submitted while its upload runs.
    try_import(&db.store, &c, 1).unwrap();
    assert!(matches!(
        db.store.submit_list(&bureau(), c.id, B, "clerk"),
        Err(StoreError::Conflict(_))
    ));

    let report: Vec<u8> = "统一社会信用代码,错误原因\n123,校验位错误\n"
        .bytes()
        .collect();
    let summary = serde_json::json!({ "rows": 3, "accepted": 2, "rejected": 1 });
    db.store
        .finish_job(
            &bureau(),
            job.id,
            &summary,
            Some(("名单.errors.csv", &report)),
        )
        .unwrap();
    assert!(matches!(
        db.store.fail_job(&bureau(), job.id, "too late"),
        Err(StoreError::Conflict(_))
    ));
    // Another process sees the finished job and serves its report.
    let elsewhere = db.reopen();
    let done = elsewhere.job(&bureau(), job.id).unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.result.as_ref(), Some(&summary));
    assert_eq!(done.fraction(), Some(1.0));
    assert_eq!(done.report_name.as_deref(), Some("名单.errors.csv"));
    assert_eq!(done.report_size, Some(report.len() as u64));
    let (name, bytes) = elsewhere.job_report(&bureau(), job.id, "clerk").unwrap();
    assert_eq!((name.as_str(), bytes), ("名单.errors.csv", report));
    assert!(matches!(
        elsewhere.job_report(&other, job.id, "nosy"),
        Err(StoreError::NotFound)
    ));
    let audit = db.store.audit_entries(&bureau(), 1).unwrap();
    assert_eq!(audit[0].action, "export.error_report");

    // Housekeeping keeps a recent report and drops an old one; the job itself stays.
    assert_eq!(db.store.purge_old_reports(3_600_000).unwrap(), 0);
    assert!(db.store.job_report(&bureau(), job.id, "clerk").is_ok());
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(db.store.purge_old_reports(0).unwrap(), 1);
    let expired = db.store.job(&bureau(), job.id).unwrap();
    assert_eq!(expired.report_name.as_deref(), Some("名单.errors.csv"));
    assert_eq!(expired.report_size, None);
    assert!(matches!(
        db.store.job_report(&bureau(), job.id, "clerk"),
        Err(StoreError::NotFound)
    ));

    // A failed job keeps its message and has no report.
    let second = db
        .store
        .create_upload_job(&bureau(), c.id, B, "坏文件.xls", "clerk")
        .unwrap();
    db.store
        .fail_job(&bureau(), second.id, "文件是空的")
        .unwrap();
    let failed = db.store.job(&bureau(), second.id).unwrap();
    assert_eq!(
        (failed.status, failed.error.as_deref()),
        (JobStatus::Failed, Some("文件是空的"))
    );
    assert!(matches!(
        db.store.job_report(&bureau(), second.id, "clerk"),
        Err(StoreError::NotFound)
    ));
    let jobs = db.store.list_jobs(&bureau(), c.id, B, 10).unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![second.id, job.id]
    );
    assert!(db.store.list_jobs(&other, c.id, B, 10).is_err());
    db.store.submit_list(&bureau(), c.id, B, "clerk").unwrap();
}

pub fn a_job_whose_process_died_stops_blocking(db: &TestDb) {
    let c = campaign(&db.store, "stale");
    let job = db
        .store
        .create_upload_job(&bureau(), c.id, B, "名单.csv", "clerk")
        .unwrap();
    db.store.start_job(&bureau(), job.id).unwrap();
    // Its process stopped beating two minutes ago.
    let old = yinqi_store::now_millis() - 2 * yinqi_store::STALE_AFTER_MS;
    let sql = format!("UPDATE jobs SET heartbeat_at = {old} WHERE id = {}", job.id);
    if db.url.starts_with("sqlite:") {
        let path = db.url.trim_start_matches("sqlite:");
        rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(&sql)
            .unwrap();
    } else {
        postgres::Client::connect(&db.url, postgres::NoTls)
            .unwrap()
            .batch_execute(&sql)
            .unwrap();
    }
    let dead = db.store.job(&bureau(), job.id).unwrap();
    assert_eq!(dead.status, JobStatus::Failed);
    assert!(dead.error.unwrap().contains("中断"));
    db.store
        .create_upload_job(&bureau(), c.id, B, "again.csv", "clerk")
        .expect("a dead job does not block the next upload");
}
