//! Contract: an enterprise sees its recorded visits (date, mode, bank — nothing else of
//! questionnaire 2), confirms each once and rates it; the bank side, the bureau and HQ read
//! the confirmations, the customer manager does not.

use serde_json::{Map, Value as J, json};
use yinqi_domain::visit_feedback::Feedback;
use yinqi_store::{ClientMeta, Scope, Store, StoreError, VisitFeedback};

use crate::answers::{input, map, q1_full, setup};
use crate::codes::bank_scope;
use crate::harness::TestDb;

/// A complete visit by phone on 2026-11-20 (no need found, so the short branch).
pub fn q2_full() -> Map<String, J> {
    map(json!({
        "visit_date": "2026-11-20", "visit_mode": "phone", "remote_reason": "企业负责人出差",
        "people_met": ["legal_rep"], "operating_status": "normal", "main_business": "零件加工",
        "staff_count": 20, "revenue": 500, "profit": 20, "total_assets": 300,
        "total_liabilities": 100, "tax_paid": 10, "existing_credit": "none",
        "confirmed_need": "no", "exclusion_check": ["none"], "need_real": "no",
        "meets_policy": "no", "not_meeting_reason": "暂无融资需求"
    }))
}

/// Manager `wang` records a visit of `enterprise` (submitted q2); its response id.
fn visit(s: &Store, wang: i64, enterprise: i64, client_id: &str) -> i64 {
    let answers = q2_full();
    s.submit(
        &Scope::Manager(wang),
        &input(enterprise, "q2", client_id, &answers),
    )
    .unwrap()
    .id
}

fn client() -> ClientMeta<'static> {
    ClientMeta {
        ip: Some("10.9.8.7"),
        user_agent: None,
    }
}

pub fn enterprises_confirm_their_own_visits_once(db: &TestDb) {
    let s = &db.store;
    let (_, ids, wang, _) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let visited = visit(s, wang, ids[0], "visit-1");
    let elsewhere = visit(s, wang, ids[1], "visit-2");
    // A draft visit is not shown, nor is the enterprise's own q1.
    let draft = s
        .save_draft(
            &Scope::Manager(wang),
            &input(ids[0], "q2", "visit-draft", &q2_full()),
        )
        .unwrap()
        .id;
    let full = q1_full();
    let q1 = s
        .submit(&me, &input(ids[0], "q1", "e-1", &full))
        .unwrap()
        .id;

    let visits = s.visits_to_confirm(&me, ids[0]).unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].response_id, visited);
    assert_eq!(visits[0].visit_date.as_deref(), Some("2026-11-20"));
    assert_eq!(visits[0].visit_mode.as_deref(), Some("phone"));
    assert_eq!(visits[0].bank_name.as_deref(), Some("中国工商银行"));
    assert_eq!(visits[0].feedback, None);
    // Still no way to q2's answers for the enterprise.
    assert!(matches!(
        s.response(&me, visited),
        Err(StoreError::NotFound)
    ));
    // Another enterprise's visits are not found.
    assert!(matches!(
        s.visits_to_confirm(&Scope::Enterprise(ids[1]), ids[0]),
        Err(StoreError::NotFound)
    ));

    let good = Feedback::new(true, Some(4), "准时，讲解清楚").unwrap();
    // Only this enterprise, only its own submitted visits.
    for (scope, response) in [
        (me.clone(), elsewhere),
        (me.clone(), draft),
        (me.clone(), q1),
        (me.clone(), 999_999),
        (Scope::Enterprise(ids[1]), visited),
        (Scope::Manager(wang), visited),
        (Scope::Nation, visited),
        (bank_scope(1), visited),
    ] {
        assert!(
            matches!(
                s.record_visit_feedback(&scope, ids[0], response, &good, client()),
                Err(StoreError::NotFound)
            ),
            "{scope:?} on {response}"
        );
    }
    let stored = s
        .record_visit_feedback(&me, ids[0], visited, &good, client())
        .unwrap();
    assert_eq!(
        (stored.took_place, stored.rating, stored.comment.as_deref()),
        (true, Some(4), Some("准时，讲解清楚"))
    );
    assert_eq!(stored.ip_hash.as_ref().map(Vec::len), Some(32));
    // The same again (a retry) gets the stored row; a different answer is refused.
    let again = s
        .record_visit_feedback(&me, ids[0], visited, &good, client())
        .unwrap();
    assert_eq!(again, stored);
    let changed = Feedback::new(false, None, "").unwrap();
    assert!(matches!(
        s.record_visit_feedback(&me, ids[0], visited, &changed, client()),
        Err(StoreError::Conflict(m)) if m.contains("已经确认过")
    ));
    assert_eq!(
        s.visits_to_confirm(&me, ids[0]).unwrap()[0].feedback,
        Some(stored.clone())
    );

    // A visit the enterprise says never happened: no rating.
    let other = Scope::Enterprise(ids[1]);
    let denied = s
        .record_visit_feedback(
            &other,
            ids[1],
            elsewhere,
            &Feedback::new(false, None, "没有人来过").unwrap(),
            ClientMeta::default(),
        )
        .unwrap();
    assert_eq!((denied.took_place, denied.rating), (false, None));
    assert_eq!(denied.ip_hash, None);
}

pub fn visit_feedback_is_read_by_the_bank_side_and_supervisors(db: &TestDb) {
    let s = &db.store;
    let (bank, ids, wang, li) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let visited = visit(s, wang, ids[0], "visit-1");
    let stored: VisitFeedback = s
        .record_visit_feedback(
            &me,
            ids[0],
            visited,
            &Feedback::new(true, Some(2), "").unwrap(),
            client(),
        )
        .unwrap();
    for scope in [
        bank_scope(bank),
        Scope::Branch(crate::listing::ICBC_GZ.into()),
        Scope::Bureau("44".into()),
        Scope::Nation,
        me.clone(),
    ] {
        assert_eq!(
            s.visit_feedback_of(&scope, ids[0]).unwrap(),
            vec![stored.clone()],
            "{scope:?}"
        );
    }
    for scope in [
        Scope::Manager(wang),
        Scope::Manager(li),
        Scope::Aggregates,
        bank_scope(bank + 1000),
        Scope::Bureau("11".into()),
        Scope::Enterprise(ids[1]),
    ] {
        assert!(
            matches!(
                s.visit_feedback_of(&scope, ids[0]),
                Err(StoreError::NotFound)
            ),
            "{scope:?}"
        );
    }
    assert!(
        s.visit_feedback_of(&Scope::Nation, ids[1])
            .unwrap()
            .is_empty()
    );
}

pub fn a_double_click_on_a_confirmation_makes_one_row(db: &TestDb) {
    let s = &db.store;
    let (_, ids, wang, _) = setup(s);
    let me = Scope::Enterprise(ids[0]);
    let visited = visit(s, wang, ids[0], "visit-1");
    let feedback = Feedback::new(true, Some(5), "很好").unwrap();
    let results: Vec<Result<VisitFeedback, StoreError>> = std::thread::scope(|t| {
        let a = t.spawn(|| s.record_visit_feedback(&me, ids[0], visited, &feedback, client()));
        let b = t.spawn(|| s.record_visit_feedback(&me, ids[0], visited, &feedback, client()));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert_eq!(
        s.visit_feedback_of(&Scope::Nation, ids[0]).unwrap().len(),
        1
    );
}
