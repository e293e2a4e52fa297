//! Contract: the customer manager's worklist and link pushes — each held enterprise's status
//! follows the facts (push, questionnaire 1, visits, solutions), counts and filters agree,
//! paging walks every row once, and only the holder (or the bank) marks a push.

use serde_json::{Map, Value as J, json};
use yinqi_store::{
    AssignTarget, PushChannel, Scope, Store, StoreError, VISIT_DUE_DAYS, WorkFilter, WorkPage,
    WorkStatus, Worklist,
};

use crate::answers::{input, map, q1_full, q3, today};
use crate::codes::{bank_scope, listed, manager};
use crate::harness::{TestDb, uscc};

const DAY_MS: i64 = 86_400_000;

/// A complete visit (q2) on site, with a confirmed need.
pub fn q2_full() -> Map<String, J> {
    map(json!({
        "visit_date": "2026-11-20", "visit_mode": "on_site", "people_met": ["legal_rep"],
        "premises": "rented", "operating_status": "normal", "main_business": "五金加工",
        "staff_count": 35, "revenue": 800, "profit": 60, "total_assets": 500,
        "total_liabilities": 200, "tax_paid": 30, "existing_credit": "none",
        "confirmed_need": "yes", "need_amount": 100, "need_term_months": 12,
        "need_purpose": ["working_capital"], "repayment_source": ["operating_income"],
        "collateral": ["receivables"], "exclusion_check": ["none"], "need_real": "yes",
        "meets_policy": "yes", "suggested_products": ["credit"]
    }))
}

struct Fixture {
    campaign: i64,
    bank: i64,
    /// Enterprise ids of uscc(1..=4); the first three are wang's.
    ids: Vec<i64>,
    wang: i64,
    li: i64,
}

/// Bureau 44's released list of five at one bank; wang holds the first three, lili the
/// fourth; the codes are issued and handed down to the managers.
fn setup(store: &Store) -> Fixture {
    let (campaign, bank) = listed(store, 5, true);
    let wang = manager(store, "wang").id;
    let li = manager(store, "lili").id;
    for (n, who) in [(1, wang), (2, wang), (3, wang), (4, li)] {
        store
            .assign_manager(
                &bank_scope(bank),
                campaign,
                &AssignTarget::One(&uscc(n)),
                Some(who),
                false,
                "admin",
            )
            .unwrap();
    }
    store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    let batch = store.code_batches(&Scope::Nation, campaign).unwrap()[0].id;
    store.hand_over(&Scope::Nation, batch, "hq").unwrap();
    store
        .hand_over(&Scope::Bureau("44".into()), batch, "clerk")
        .unwrap();
    store.hand_over(&bank_scope(bank), batch, "admin").unwrap();
    let ids = (1..=4)
        .map(|n| {
            store
                .enterprise_by_uscc(&Scope::Nation, campaign, &uscc(n))
                .unwrap()
                .id
        })
        .collect();
    Fixture {
        campaign,
        bank,
        ids,
        wang,
        li,
    }
}

fn all(store: &Store, f: &Fixture, who: i64, as_of: i64) -> Worklist {
    store
        .manager_worklist(
            &Scope::Manager(who),
            f.campaign,
            &WorkFilter {
                as_of,
                ..WorkFilter::default()
            },
            WorkPage {
                after: None,
                size: 50,
            },
        )
        .unwrap()
}

/// Each held enterprise's status, in enterprise order.
fn statuses(list: &Worklist) -> Vec<WorkStatus> {
    list.rows.iter().map(|r| r.status).collect()
}

fn count(list: &Worklist, status: WorkStatus) -> u64 {
    list.counts
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| *n)
}

pub fn worklist_statuses_follow_the_flow(db: &TestDb) {
    let s = &db.store;
    let f = setup(s);
    let now = yinqi_store::now_millis();
    let wang = Scope::Manager(f.wang);
    use WorkStatus::*;
    let list = all(s, &f, f.wang, now);
    assert_eq!(list.total, 3);
    assert_eq!(statuses(&list), [NotContacted; 3]);
    assert_eq!(count(&list, NotContacted), 3);
    assert!(
        list.rows.iter().all(|r| r.code.is_some()),
        "wang reads his codes"
    );
    assert_eq!(list.rows[0].bank_name.as_deref(), Some("中国工商银行"));

    // 1: pushed by SMS, then answered wanting a visit, visited, given a solution, closed.
    let push = s
        .mark_pushed(&wang, f.campaign, &uscc(1), PushChannel::Sms, None, "wang")
        .unwrap();
    assert_eq!(
        (push.channel, push.user_id),
        (PushChannel::Sms, Some(f.wang))
    );
    let list = all(s, &f, f.wang, now);
    assert_eq!(statuses(&list), [Pushed, NotContacted, NotContacted]);
    assert_eq!(list.rows[0].last_push.map(|p| p.1), Some(PushChannel::Sms));
    let mut wants = q1_full();
    wants.insert("wants_visit".into(), json!("yes"));
    wants.insert("visit_time".into(), json!("weekday_am"));
    let e1 = Scope::Enterprise(f.ids[0]);
    s.submit(&e1, &input(f.ids[0], "q1", "e1-q1", &wants))
        .unwrap();
    let later = now + 1000;
    assert_eq!(all(s, &f, f.wang, later).rows[0].status, WantsVisit);
    assert!(all(s, &f, f.wang, later).rows[0].wants_visit);
    // The same facts seen more than VISIT_DUE_DAYS later: overdue.
    let overdue_at = later + VISIT_DUE_DAYS * DAY_MS;
    assert_eq!(all(s, &f, f.wang, overdue_at).rows[0].status, VisitOverdue);
    // A visit saved as a draft is not a visit yet.
    let visit = q2_full();
    s.save_draft(&wang, &input(f.ids[0], "q2", "v1", &visit))
        .unwrap();
    assert_eq!(all(s, &f, f.wang, overdue_at).rows[0].status, VisitOverdue);
    s.submit(&wang, &input(f.ids[0], "q2", "v1", &visit))
        .unwrap();
    let list = all(s, &f, f.wang, overdue_at);
    assert_eq!((list.rows[0].status, list.rows[0].visits), (Visited, 1));
    let solution = s
        .submit(&wang, &input(f.ids[0], "q3", "s1", &q3("proposed")))
        .unwrap();
    assert_eq!(all(s, &f, f.wang, now).rows[0].status, SolutionOpen);
    s.update_solution(
        &wang,
        solution.id,
        &q3("closed"),
        today(),
        None,
        None,
        "wang",
    )
    .unwrap();
    let list = all(s, &f, f.wang, now);
    assert_eq!((list.rows[0].status, list.rows[0].solutions), (Done, 1));

    // 2: the enterprise opened q1 (a draft) without a recorded push: it has been reached.
    let e2 = Scope::Enterprise(f.ids[1]);
    s.save_draft(
        &e2,
        &input(f.ids[1], "q1", "e2-q1", &map(json!({"need": "no"}))),
    )
    .unwrap();
    // 3: answered without wanting a visit: nothing left to do.
    let e3 = Scope::Enterprise(f.ids[2]);
    s.submit(&e3, &input(f.ids[2], "q1", "e3-q1", &q1_full()))
        .unwrap();
    let list = all(s, &f, f.wang, now);
    assert_eq!(statuses(&list), [Done, Pushed, Done]);
    assert!(list.rows[1].q1_draft && list.rows[2].q1_submitted_at.is_some());
    assert_eq!(
        (
            count(&list, Done),
            count(&list, Pushed),
            count(&list, NotContacted)
        ),
        (2, 1, 0)
    );
    // lili's worklist is hers alone.
    let theirs = all(s, &f, f.li, now);
    assert_eq!((theirs.total, statuses(&theirs)), (1, vec![NotContacted]));
}

pub fn worklist_filters_search_and_pages(db: &TestDb) {
    let s = &db.store;
    let f = setup(s);
    let wang = Scope::Manager(f.wang);
    let now = yinqi_store::now_millis();
    s.mark_pushed(
        &wang,
        f.campaign,
        &uscc(2),
        PushChannel::Wechat,
        None,
        "wang",
    )
    .unwrap();
    let page = |filter: WorkFilter, after: Option<i64>, size: u32| {
        s.manager_worklist(&wang, f.campaign, &filter, WorkPage { after, size })
            .unwrap()
    };
    let by_status = |status| WorkFilter {
        status: Some(status),
        as_of: now,
        ..WorkFilter::default()
    };
    let pushed = page(by_status(WorkStatus::Pushed), None, 50);
    assert_eq!(
        pushed
            .rows
            .iter()
            .map(|r| r.uscc.clone())
            .collect::<Vec<_>>(),
        [uscc(2)]
    );
    // The counts are of every held enterprise, whatever the filter.
    assert_eq!(pushed.total, 3);
    assert_eq!(count(&pushed, WorkStatus::NotContacted), 2);
    assert!(
        page(by_status(WorkStatus::SolutionOpen), None, 50)
            .rows
            .is_empty()
    );
    // Search by part of the name or by the whole credit code (any case).
    let search = |q: &str| WorkFilter {
        query: Some(q.into()),
        as_of: now,
        ..WorkFilter::default()
    };
    let found = page(search("测试企业3"), None, 50);
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].uscc, uscc(3));
    assert_eq!(
        page(search(&uscc(1).to_lowercase()), None, 50).rows[0].uscc,
        uscc(1)
    );
    assert!(page(search("没有这家"), None, 50).rows.is_empty());
    // Pages of one walk every row once, in order, and say when more follow.
    let mut seen = vec![];
    let mut after = None;
    loop {
        let p = page(
            WorkFilter {
                as_of: now,
                ..WorkFilter::default()
            },
            after,
            1,
        );
        seen.extend(p.rows.iter().map(|r| r.enterprise_id));
        after = p.rows.last().map(|r| r.enterprise_id);
        if !p.more {
            break;
        }
    }
    assert_eq!(seen, f.ids[..3]);
    // Only managers have a worklist.
    for scope in [
        bank_scope(f.bank),
        Scope::Bureau("44".into()),
        Scope::Nation,
    ] {
        assert!(matches!(
            s.manager_worklist(
                &scope,
                f.campaign,
                &WorkFilter::default(),
                WorkPage {
                    after: None,
                    size: 5
                }
            ),
            Err(StoreError::NotFound)
        ));
    }
}

pub fn pushes_are_kept_audited_and_scoped(db: &TestDb) {
    let s = &db.store;
    let f = setup(s);
    let wang = Scope::Manager(f.wang);
    // Not another manager's enterprise, not the bureau or HQ (they never read codes).
    for scope in [
        Scope::Manager(f.li),
        Scope::Bureau("44".into()),
        Scope::Nation,
        Scope::Enterprise(f.ids[0]),
    ] {
        assert!(
            matches!(
                s.mark_pushed(&scope, f.campaign, &uscc(1), PushChannel::Sms, None, "x"),
                Err(StoreError::NotFound)
            ),
            "{scope:?}"
        );
    }
    s.mark_pushed(&wang, f.campaign, &uscc(1), PushChannel::Sms, None, "wang")
        .unwrap();
    // The bank may mark a push too (it sends SMS files); history keeps both, newest first.
    s.mark_pushed(
        &bank_scope(f.bank),
        f.campaign,
        &uscc(1),
        PushChannel::Phone,
        None,
        "admin",
    )
    .unwrap_or_else(|e| panic!("bank push: {e}"));
    let history = s.pushes(&wang, f.campaign, &uscc(1)).unwrap();
    assert_eq!(
        history
            .iter()
            .map(|p| (p.channel, p.actor.as_str()))
            .collect::<Vec<_>>(),
        [(PushChannel::Phone, "admin"), (PushChannel::Sms, "wang")]
    );
    assert!(history.iter().all(|p| p.code_in_force));
    assert!(matches!(
        s.pushes(&Scope::Manager(f.li), f.campaign, &uscc(1)),
        Err(StoreError::NotFound)
    ));
    let audited = s
        .audit_entries(&Scope::Bureau("44".into()), 20)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "code.push")
        .count();
    assert_eq!(audited, 2, "each push is in the bureau's audit log");
    // A reissued code has not been sent: the enterprise is back to "not contacted", and
    // the old push stays in the history marked as an old code's.
    s.revoke_code(
        &bank_scope(f.bank),
        f.campaign,
        &uscc(1),
        "短信误发",
        true,
        "admin",
    )
    .unwrap();
    let list = all(s, &f, f.wang, yinqi_store::now_millis());
    assert_eq!(list.rows[0].status, WorkStatus::NotContacted);
    assert!(list.rows[0].last_push.is_none());
    let history = s.pushes(&wang, f.campaign, &uscc(1)).unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|p| !p.code_in_force));
    // An enterprise whose code has not reached its manager cannot be marked pushed.
    s.revoke_code(
        &bank_scope(f.bank),
        f.campaign,
        &uscc(2),
        "作废",
        false,
        "admin",
    )
    .unwrap();
    let err = s
        .mark_pushed(&wang, f.campaign, &uscc(2), PushChannel::Sms, None, "wang")
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(_)) && err.to_string().contains("邀请码"),
        "{err}"
    );
}
