//! Contract: questionnaire versions and answers — publishing, drafts and submissions with
//! idempotent client ids, refused versions and hidden answers, who reads and writes what,
//! corrections, and the status history of financing solutions.

use serde_json::{Map, Value as J, json};
use sha2::Digest;
use yinqi_domain::questionnaire::{Date, HiddenAnswers, SolutionStatus, q1};
use yinqi_store::{
    AnswerInput, AssignTarget, ClientMeta, Response, ResponseStatus, Scope, Store, StoreError,
};

use crate::codes::{bank_scope, listed, manager};
use crate::harness::{TestDb, uscc};

pub fn today() -> Date {
    Date::from_ymd(2026, 11, 28).unwrap()
}

pub fn map(v: J) -> Map<String, J> {
    match v {
        J::Object(m) => m,
        _ => unreachable!(),
    }
}

pub fn q1_full() -> Map<String, J> {
    map(json!({
        "company_name": "广州测试企业1有限公司", "company_uscc": uscc(1),
        "respondent_name": "张三", "respondent_role": "owner",
        "respondent_mobile": "13800138000", "staff_band": "10_to_49",
        "revenue_band": "100_to_500", "assets_band": "100_to_500", "current_credit": "none",
        "need": "yes", "need_amount": 50, "need_term": "6_to_12m",
        "need_purpose": ["working_capital"], "guarantee": ["property"],
        "acceptable_rate": "4_to_5", "obstacles": ["collateral"], "wants_visit": "no",
        "consent": "agree"
    }))
}

pub fn q3(status: &str) -> Map<String, J> {
    let mut m = map(json!({
        "product_name": "经营快贷", "product_type": "credit", "proposed_amount": 100,
        "proposed_term_months": 12, "proposed_rate": "3.85", "guarantee_fund": "no",
        "status": status
    }));
    if matches!(status, "approved" | "disbursed" | "closed") {
        m.insert("approved_amount".into(), json!(80));
    }
    if matches!(status, "disbursed" | "closed") {
        for (k, v) in [
            ("disbursed_amount", json!(80)),
            ("disbursed_date", json!("2026-11-20")),
            ("disbursed_rate", json!("3.85")),
            ("disbursed_term_months", json!(12)),
            ("first_time_borrower", json!("yes")),
            ("unsecured", json!("yes")),
        ] {
            m.insert(k.into(), v);
        }
    }
    if status == "declined" {
        m.insert("decline_reason".into(), json!("finances"));
    }
    m
}

pub fn input<'a>(
    enterprise_id: i64,
    questionnaire: &'a str,
    client_id: &'a str,
    answers: &'a Map<String, J>,
) -> AnswerInput<'a> {
    AnswerInput {
        enterprise_id,
        questionnaire,
        version: 1,
        client_id,
        answers,
        today: today(),
        hidden: HiddenAnswers::Refuse,
        opened_at: None,
        user_id: None,
        actor: "test",
        client: ClientMeta {
            ip: Some("10.0.0.7"),
            user_agent: Some("Mozilla/5.0 (Linux; Android 14)"),
        },
    }
}

/// A released list of three enterprises at one bank, the first two held by manager wang.
/// Returns (bank id, enterprise ids, wang's id, another manager's id).
pub fn setup(store: &Store) -> (i64, Vec<i64>, i64, i64) {
    let (campaign, bank) = listed(store, 3, true);
    let wang = manager(store, "wang");
    let li = manager(store, "lili");
    for n in 1..=2 {
        store
            .assign_manager(
                &bank_scope(bank),
                campaign,
                &AssignTarget::One(&uscc(n)),
                Some(wang.id),
                false,
                "admin",
            )
            .unwrap();
    }
    let ids = (1..=3)
        .map(|n| {
            store
                .enterprise_by_uscc(&Scope::Nation, campaign, &uscc(n))
                .unwrap()
                .id
        })
        .collect();
    (bank, ids, wang.id, li.id)
}

fn q1_v2() -> String {
    yinqi_domain::questionnaire::SOURCES[0]
        .1
        .replacen("\"version\": 1", "\"version\": 2", 1)
}

pub fn publishing_follows_version_rules(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.latest_questionnaire("q1").unwrap().version, 1);
    assert_eq!(s.questionnaire("q3", 1).unwrap().id, "q3");
    assert!(matches!(
        s.questionnaire("q1", 9),
        Err(StoreError::NotFound)
    ));
    // Only HQ publishes.
    assert!(matches!(
        s.publish_questionnaire(&Scope::Bureau("44".into()), &q1_v2(), "clerk"),
        Err(StoreError::NotFound)
    ));
    let err = s
        .publish_questionnaire(&Scope::Nation, "{\"id\": \"q1\"}", "hq")
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    // The same version again, or one not above the latest, is refused.
    let v1 = yinqi_domain::questionnaire::SOURCES[0].1;
    assert!(matches!(
        s.publish_questionnaire(&Scope::Nation, v1, "hq"),
        Err(StoreError::Conflict(_))
    ));
    let published = s
        .publish_questionnaire(&Scope::Nation, &q1_v2(), "hq")
        .unwrap();
    assert_eq!(
        (published.version, published.published_by.as_str()),
        (2, "hq")
    );
    assert!(
        s.publish_questionnaire(&Scope::Nation, &q1_v2(), "hq")
            .is_err()
    );
    assert_eq!(s.latest_questionnaire("q1").unwrap().version, 2);
    // Another process sees it; reopening does not load the built-ins twice.
    let other = db.reopen();
    other.ensure_builtin_questionnaires().unwrap();
    assert_eq!(other.latest_questionnaire("q1").unwrap().version, 2);
    let versions: Vec<_> = other
        .questionnaire_versions("q1")
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.published_by))
        .collect();
    assert_eq!(versions, [(1, "builtin".into()), (2, "hq".into())]);
    assert!(
        s.audit_entries(&Scope::Nation, 10)
            .unwrap()
            .iter()
            .any(|a| a.action == "questionnaire.publish" && a.subject.as_deref() == Some("q1.v2"))
    );
}

pub fn draft_then_submit_is_idempotent(db: &TestDb) {
    let s = &db.store;
    let (_, ids, _, _) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let partial = map(json!({ "need": "yes", "need_amount": 30 }));
    let draft = s
        .save_draft(&me, &input(ids[0], "q1", "tab-1", &partial))
        .unwrap();
    assert_eq!(draft.status, ResponseStatus::Draft);
    assert_eq!(draft.answers.get("need_amount"), Some(&json!(30)));
    // Submitting the incomplete draft is refused and the draft stays as it was.
    let err = s
        .submit(&me, &input(ids[0], "q1", "tab-1", &partial))
        .unwrap_err();
    let StoreError::Answers(fields) = &err else {
        panic!("{err}")
    };
    assert!(fields.iter().any(|f| f.question == "respondent_name"));
    assert!(err.to_string().contains("道题需要修改"), "{err}");
    assert_eq!(s.response(&me, draft.id).unwrap(), draft);

    let full = q1_full();
    let done = s.submit(&me, &input(ids[0], "q1", "tab-1", &full)).unwrap();
    assert_eq!(
        (done.id, done.status),
        (draft.id, ResponseStatus::Submitted)
    );
    assert!(done.duration_ms.is_some() && done.submitted_at.is_some());
    assert_eq!(done.opened_at, draft.opened_at);
    assert_eq!(
        done.user_agent.as_deref(),
        Some("Mozilla/5.0 (Linux; Android 14)")
    );
    // The same client id again: the first result, nothing new.
    let again = s.submit(&me, &input(ids[0], "q1", "tab-1", &full)).unwrap();
    assert_eq!(again, done);
    // Another tab, another client id: already submitted; a draft cannot overwrite it either.
    let err = s
        .submit(&me, &input(ids[0], "q1", "tab-2", &full))
        .unwrap_err();
    assert!(err.to_string().contains("已经提交"), "{err}");
    assert!(
        s.save_draft(&me, &input(ids[0], "q1", "tab-1", &partial))
            .is_err()
    );
    // The client IP is kept only as a salted hash, the same for the same address.
    let hash = done.ip_hash.clone().unwrap();
    assert_eq!(hash.len(), 32);
    assert_ne!(hash, sha2::Sha256::digest(b"10.0.0.7").to_vec());
    assert_eq!(s.responses_of(&me, ids[0], Some("q1")).unwrap(), [done]);

    // A draft from one tab submitted from another: the submitting tab's retry gets its result.
    let other = Scope::Enterprise(ids[1]);
    s.save_draft(&other, &input(ids[1], "q1", "phone-a", &partial))
        .unwrap();
    let first = s
        .submit(&other, &input(ids[1], "q1", "phone-b", &full))
        .unwrap();
    assert_eq!(
        s.submit(&other, &input(ids[1], "q1", "phone-b", &full))
            .unwrap(),
        first
    );
    assert!(
        s.submit(&other, &input(ids[1], "q1", "phone-a", &full))
            .is_err()
    );
    assert_eq!(s.responses_of(&other, ids[1], None).unwrap().len(), 1);
    assert_eq!(first.ip_hash, Some(hash), "one address, one hash");
}

pub fn concurrent_double_submit_makes_one_row(db: &TestDb) {
    let s = &db.store;
    let (_, ids, wang, _) = setup(s);
    let full = q1_full();
    let me = Scope::Enterprise(ids[0]);
    let results: Vec<Result<Response, StoreError>> = std::thread::scope(|t| {
        let a = t.spawn(|| s.submit(&me, &input(ids[0], "q1", "click", &full)));
        let b = t.spawn(|| s.submit(&me, &input(ids[0], "q1", "click", &full)));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let a = results[0].as_ref().unwrap();
    let b = results[1].as_ref().unwrap();
    assert_eq!(a, b);
    assert_eq!(s.responses_of(&me, ids[0], None).unwrap().len(), 1);
    // Two tabs of one enterprise submitting at once: one answer, the other told so.
    let other = Scope::Enterprise(ids[1]);
    let results: Vec<Result<Response, StoreError>> = std::thread::scope(|t| {
        let a = t.spawn(|| s.submit(&other, &input(ids[1], "q1", "tab-a", &full)));
        let b = t.spawn(|| s.submit(&other, &input(ids[1], "q1", "tab-b", &full)));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(m)) if m.contains("已经提交")))
    );
    assert_eq!(s.responses_of(&other, ids[1], None).unwrap().len(), 1);
    // A q3 double submit from two threads (new rows, not an update) also makes one.
    let answers = q3("proposed");
    let mgr = Scope::Manager(wang);
    let results: Vec<Result<Response, StoreError>> = std::thread::scope(|t| {
        let a = t.spawn(|| s.submit(&mgr, &input(ids[0], "q3", "sol-1", &answers)));
        let b = t.spawn(|| s.submit(&mgr, &input(ids[0], "q3", "sol-1", &answers)));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert_eq!(s.responses_of(&mgr, ids[0], Some("q3")).unwrap().len(), 1);
    assert_eq!(
        s.solution_history(&mgr, results[0].as_ref().unwrap().id)
            .unwrap()
            .len(),
        1
    );
}

pub fn tampered_version_and_hidden_answers_are_refused(db: &TestDb) {
    let s = &db.store;
    let (_, ids, _, _) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let full = q1_full();
    let mut unknown = input(ids[0], "q1", "t1", &full);
    unknown.version = 99;
    let err = s.submit(&me, &unknown).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)) && err.to_string().contains("第 99 版"));
    // A draft given against v1 cannot be submitted as v2, even once v2 exists.
    let partial = map(json!({ "need": "no" }));
    s.save_draft(&me, &input(ids[0], "q1", "t1", &partial))
        .unwrap();
    s.publish_questionnaire(&Scope::Nation, &q1_v2(), "hq")
        .unwrap();
    let mut v2 = input(ids[0], "q1", "t1", &full);
    v2.version = 2;
    assert!(matches!(s.submit(&me, &v2), Err(StoreError::Invalid(_))));
    // An answer to a question hidden by the answers given is named.
    let mut hidden = full.clone();
    hidden.insert("need".into(), json!("no"));
    hidden.insert("no_need_reason".into(), json!(["own_funds"]));
    let err = s
        .submit(&me, &input(ids[0], "q1", "t1", &hidden))
        .unwrap_err();
    let StoreError::Answers(fields) = err else {
        panic!("expected field errors")
    };
    assert!(
        fields.iter().any(|f| f.question == "need_amount"),
        "{fields:?}"
    );
    // With JavaScript off the stale values are dropped and the submission goes through.
    let mut js_off = input(ids[0], "q1", "t1", &hidden);
    js_off.hidden = HiddenAnswers::Drop;
    let done = s.submit(&me, &js_off).unwrap();
    assert!(!done.answers.contains_key("need_amount"));
    assert_eq!(done.version, 1);
    assert!(
        q1().validate(
            &done.answers,
            &yinqi_domain::questionnaire::Context::submit(today())
        )
        .is_ok()
    );
}

pub fn scope_decides_who_reads_and_writes_answers(db: &TestDb) {
    let s = &db.store;
    let (bank, ids, wang, li) = setup(s);
    let full = q1_full();
    let mine = s
        .submit(
            &Scope::Enterprise(ids[0]),
            &input(ids[0], "q1", "e1", &full),
        )
        .unwrap();
    // Another enterprise can neither read nor write this one's answers.
    let other = Scope::Enterprise(ids[1]);
    assert!(matches!(
        s.response(&other, mine.id),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.submit(&other, &input(ids[0], "q1", "e2", &full)),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.responses_of(&other, ids[0], None),
        Err(StoreError::NotFound)
    ));
    // An enterprise does not fill in the bank's questionnaires; a manager does not fill q1.
    let visit = map(json!({ "visit_mode": "on_site" }));
    assert!(matches!(
        s.save_draft(
            &Scope::Enterprise(ids[0]),
            &input(ids[0], "q2", "v0", &visit)
        ),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.save_draft(&Scope::Manager(wang), &input(ids[0], "q1", "v0", &visit)),
        Err(StoreError::NotFound)
    ));
    // The holding manager writes q2; another manager, or one for an enterprise he does not
    // hold, gets NotFound.
    let q2 = s
        .save_draft(&Scope::Manager(wang), &input(ids[0], "q2", "v1", &visit))
        .unwrap();
    assert_eq!(q2.user_id, Some(wang));
    assert!(matches!(
        s.save_draft(&Scope::Manager(li), &input(ids[0], "q2", "v2", &visit)),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.save_draft(&Scope::Manager(wang), &input(ids[2], "q2", "v3", &visit)),
        Err(StoreError::NotFound)
    ));
    // The enterprise sees its q1 only.
    assert!(matches!(
        s.response(&Scope::Enterprise(ids[0]), q2.id),
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.responses_of(&Scope::Enterprise(ids[0]), ids[0], None)
            .unwrap()
            .len(),
        1
    );
    // The bank, its branch, the bureau and HQ read both; another bank or bureau nothing.
    for scope in [
        bank_scope(bank),
        Scope::Branch(crate::listing::ICBC_GZ.into()),
        Scope::Bureau("44".into()),
        Scope::Nation,
        Scope::Manager(wang),
    ] {
        assert_eq!(
            s.responses_of(&scope, ids[0], None).unwrap().len(),
            2,
            "{scope:?}"
        );
    }
    for scope in [
        bank_scope(bank + 1000),
        Scope::Bureau("11".into()),
        Scope::Manager(li),
        Scope::Aggregates,
    ] {
        assert!(
            matches!(s.response(&scope, mine.id), Err(StoreError::NotFound)),
            "{scope:?}"
        );
    }
    // A bureau or HQ does not answer for anyone.
    assert!(matches!(
        s.submit(&Scope::Nation, &input(ids[0], "q1", "n1", &full)),
        Err(StoreError::NotFound)
    ));
}

pub fn corrections_keep_the_old_answers(db: &TestDb) {
    let s = &db.store;
    let (_, ids, wang, _) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let done = s
        .submit(&me, &input(ids[0], "q1", "c1", &q1_full()))
        .unwrap();
    let mut fixed = q1_full();
    fixed.insert("need_amount".into(), json!("75.5"));
    // The enterprise and the bank side do not rewrite q1; a correction needs a reason.
    for scope in [me.clone(), Scope::Manager(wang)] {
        assert!(matches!(
            s.correct(&scope, done.id, &fixed, today(), "填错", None, "x"),
            Err(StoreError::NotFound)
        ));
    }
    let bureau = Scope::Bureau("44".into());
    assert!(
        s.correct(&bureau, done.id, &fixed, today(), " ", None, "clerk")
            .is_err()
    );
    let mut bad = fixed.clone();
    bad.insert("need_amount".into(), json!(-1));
    assert!(matches!(
        s.correct(
            &bureau,
            done.id,
            &bad,
            today(),
            "企业来电更正",
            None,
            "clerk"
        ),
        Err(StoreError::Answers(_))
    ));
    let corrected = s
        .correct(
            &bureau,
            done.id,
            &fixed,
            today(),
            "企业来电更正",
            None,
            "clerk",
        )
        .unwrap();
    assert_eq!(corrected.answers.get("need_amount"), Some(&json!("75.50")));
    assert_eq!(corrected.submitted_at, done.submitted_at);
    let history = s.corrections(&me, done.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].old_answers, done.answers);
    assert_eq!(history[0].new_answers, corrected.answers);
    assert_eq!(
        (history[0].reason.as_str(), history[0].actor.as_str()),
        ("企业来电更正", "clerk")
    );
    assert!(
        s.audit_entries(&Scope::Nation, 10)
            .unwrap()
            .iter()
            .any(|a| a.action == "answers.correct")
    );
}

pub fn solution_status_moves_only_where_allowed(db: &TestDb) {
    let s = &db.store;
    let (bank, ids, wang, _) = setup(s);
    let mgr = Scope::Manager(wang);
    let first = s
        .submit(&mgr, &input(ids[0], "q3", "s1", &q3("proposed")))
        .unwrap();
    assert_eq!(first.solution_status, Some(SolutionStatus::Proposed));
    // A second solution for the same enterprise is its own row.
    let second = s
        .submit(&mgr, &input(ids[0], "q3", "s2", &q3("applied")))
        .unwrap();
    assert_ne!(first.id, second.id);
    let up = |scope: &Scope, id: i64, status: &str| {
        s.update_solution(scope, id, &q3(status), today(), Some("进度"), None, "m")
    };
    assert_eq!(
        up(&mgr, first.id, "approved").unwrap().solution_status,
        Some(SolutionStatus::Approved)
    );
    let err = up(&mgr, first.id, "declined").unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    // The bank's own system (API) moves it on too.
    up(&bank_scope(bank), first.id, "disbursed").unwrap();
    up(&mgr, first.id, "closed").unwrap();
    let err = up(&mgr, first.id, "applied").unwrap_err();
    assert!(err.to_string().contains("已结束"), "{err}");
    // Declined straight from applied is fine; nothing then follows it.
    up(&mgr, second.id, "declined").unwrap();
    assert!(up(&mgr, second.id, "approved").is_err());
    // An enterprise does not touch solutions.
    assert!(matches!(
        up(&Scope::Enterprise(ids[0]), first.id, "closed"),
        Err(StoreError::NotFound)
    ));
    let steps: Vec<_> = s
        .solution_history(&Scope::Bureau("44".into()), first.id)
        .unwrap()
        .into_iter()
        .map(|h| (h.from.map(SolutionStatus::code), h.to.code()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, "proposed"),
            (Some("proposed"), "approved"),
            (Some("approved"), "disbursed"),
            (Some("disbursed"), "closed"),
        ]
    );
    // A correction may reopen a final status; the history says it was a correction.
    let fixed = s
        .correct(
            &Scope::Bureau("44".into()),
            second.id,
            &q3("under_review"),
            today(),
            "误点拒绝",
            None,
            "clerk",
        )
        .unwrap();
    assert_eq!(fixed.solution_status, Some(SolutionStatus::UnderReview));
    let last = s.solution_history(&mgr, second.id).unwrap().pop().unwrap();
    assert_eq!(last.reason.as_deref(), Some("更正：误点拒绝"));
}

/// Many enterprises submitting at the same moment go through the group commit: every good
/// submission is committed and gets its own row, a retry gets the first result, and a
/// refused or out-of-scope submission in the same rush fails alone.
pub fn concurrent_submissions_each_get_their_own_committed_result(db: &TestDb) {
    let s = &db.store;
    const N: u32 = 40;
    let (campaign, _) = listed(s, N + 1, true);
    let ids: Vec<i64> = (1..=N + 1)
        .map(|n| {
            s.enterprise_by_uscc(&Scope::Nation, campaign, &uscc(n))
                .unwrap()
                .id
        })
        .collect();
    let full = q1_full();
    let mut bad = q1_full();
    bad.insert("need_amount".into(), json!("很多"));
    let client_ids: Vec<String> = (0..N).map(|i| format!("rush-{i}")).collect();
    let before = s.save_stats();
    let start = std::sync::Barrier::new(N as usize + 3);
    let (good, retry, refused, outside) = std::thread::scope(|t| {
        let good: Vec<_> = (0..N as usize)
            .map(|i| {
                let (id, client, full, start) = (ids[i], &client_ids[i], &full, &start);
                t.spawn(move || {
                    start.wait();
                    s.submit(&Scope::Enterprise(id), &input(id, "q1", client, full))
                })
            })
            .collect();
        let retry = t.spawn(|| {
            start.wait();
            s.submit(
                &Scope::Enterprise(ids[3]),
                &input(ids[3], "q1", &client_ids[3], &full),
            )
        });
        let (last, bad, start) = (ids[N as usize], &bad, &start);
        let refused = t.spawn(move || {
            start.wait();
            s.submit(
                &Scope::Enterprise(last),
                &input(last, "q1", "rush-bad", bad),
            )
        });
        let outside = t.spawn(|| {
            start.wait();
            s.submit(
                &Scope::Enterprise(ids[1]),
                &input(ids[2], "q1", "rush-outside", &full),
            )
        });
        (
            good.into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>(),
            retry.join().unwrap(),
            refused.join().unwrap(),
            outside.join().unwrap(),
        )
    });
    let good: Vec<Response> = good.into_iter().map(Result::unwrap).collect();
    let mut distinct: Vec<i64> = good.iter().map(|r| r.id).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), N as usize, "one row each");
    for (i, r) in good.iter().enumerate() {
        assert_eq!(
            (r.enterprise_id, r.client_id.as_str(), r.status),
            (ids[i], client_ids[i].as_str(), ResponseStatus::Submitted)
        );
        // What the caller was handed is what was committed.
        let me = Scope::Enterprise(ids[i]);
        assert_eq!(&s.response(&me, r.id).unwrap(), r);
        assert_eq!(s.responses_of(&me, ids[i], None).unwrap().len(), 1);
    }
    assert_eq!(retry.unwrap(), good[3]);
    let Err(StoreError::Answers(fields)) = refused else {
        panic!("the bad submission is refused: {refused:?}")
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].question, "need_amount");
    assert!(matches!(outside, Err(StoreError::NotFound)));
    let last = ids[N as usize];
    assert!(
        s.responses_of(&Scope::Enterprise(last), last, None)
            .unwrap()
            .is_empty()
    );
    let after = s.save_stats();
    assert_eq!(after.saves - before.saves, u64::from(N) + 3);
    assert!(after.transactions > before.transactions);
    // A draft saved after the rush still follows the rules (the batcher is idle again).
    assert!(matches!(
        s.save_draft(
            &Scope::Enterprise(ids[0]),
            &input(ids[0], "q1", "late-tab", &full)
        ),
        Err(StoreError::Conflict(_))
    ));
}
