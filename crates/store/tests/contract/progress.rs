//! Contract: the progress rollups behind the dashboards. Random sequences of everything
//! that moves a case — answers, drafts, solution updates, corrections, codes revoked and
//! reissued, managers assigned, eligibility overridden — interleaved with partial refreshes
//! in chunks of random size; after each sequence the rollups must equal a count from
//! scratch (an independent SQL GROUP BY for the funnel, a recomputation of every case for
//! the rest). Then: two refreshers at once, scopes of the dashboards, reminders, settings.

use serde_json::{Map, Value as J, json};
use yinqi_domain::eligibility::{Exclusion, Exclusions};
use yinqi_domain::progress::{Rule, Stage, Thresholds, day};
use yinqi_domain::questionnaire::{Date, HiddenAnswers, SolutionStatus};
use yinqi_store::{
    Affiliation, AnswerInput, AssignTarget, BranchRecord, ClientMeta, DashboardView, Level,
    NewCampaign, RefreshLimits, Role, Scope, Store, StoreError, SupervisionSettings,
};

use crate::codes::user;
use crate::harness::{TestDb, freeze, row, uscc};
use crate::listing::import;

const ICBC_GZ: &str = "102581000013";
const ICBC_GZ2: &str = "102581000029";
const CCB_GZ: &str = "105581000013";

/// A small deterministic generator (xorshift64*): the sequences are reproducible, and
/// `YINQI_PROGRESS_SEED` explores others.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn map(v: J) -> Map<String, J> {
    match v {
        J::Object(m) => m,
        _ => unreachable!(),
    }
}

fn today() -> Date {
    let (y, m, d) = day::ymd(day::of_millis(yinqi_store::now_millis()));
    Date::from_ymd(y as u16, m as u8, d as u8).unwrap()
}

fn iso_days_ago(n: u64) -> String {
    day::iso(day::of_millis(yinqi_store::now_millis()) - n as i32)
}

const MOBILES: [&str; 4] = ["13800138000", "13900139000", "13700137000", "13600136000"];
const IPS: [&str; 3] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];

fn q1_answers(rng: &mut Rng, n: u32) -> Map<String, J> {
    let need = *rng.pick(&["yes", "no", "unsure"]);
    let wants = *rng.pick(&["yes", "no"]);
    let mut m = map(json!({
        "company_name": format!("广州测试企业{n}有限公司"), "company_uscc": uscc(n),
        "respondent_name": "张三", "respondent_role": "owner",
        "respondent_mobile": *rng.pick(&MOBILES), "staff_band": "10_to_49",
        "revenue_band": *rng.pick(&["under_100", "100_to_500", "over_10000"]),
        "assets_band": "100_to_500", "current_credit": "none", "need": need,
        "obstacles": ["collateral"], "wants_visit": wants, "consent": "agree"
    }));
    if need == "yes" {
        let amount = if rng.below(2) == 0 {
            json!(rng.below(3000) + 1)
        } else {
            json!(format!("{}.{:02}", rng.below(3000) + 1, rng.below(100)))
        };
        for (k, v) in [
            ("need_amount", amount),
            ("need_term", json!("6_to_12m")),
            ("need_purpose", json!(["working_capital"])),
            ("guarantee", json!(["property"])),
            ("acceptable_rate", json!("4_to_5")),
        ] {
            m.insert(k.into(), v);
        }
    }
    if need == "no" {
        m.insert("no_need_reason".into(), json!(["own_funds"]));
    }
    if wants == "yes" {
        m.insert("visit_time".into(), json!("any"));
    }
    m
}

fn q2_answers(rng: &mut Rng) -> Map<String, J> {
    map(json!({
        "visit_date": iso_days_ago(rng.below(4)), "visit_mode": "on_site", "premises": "owned",
        "people_met": ["owner"], "operating_status": "normal", "main_business": "机械加工",
        "staff_count": 20, "revenue": 500, "profit": 50, "total_assets": 300,
        "total_liabilities": 100, "tax_paid": 10, "existing_credit": "none",
        "confirmed_need": "no", "exclusion_check": ["none"], "need_real": "yes",
        "meets_policy": "yes", "suggested_products": ["credit"]
    }))
}

fn q3_answers(rng: &mut Rng, status: SolutionStatus) -> Map<String, J> {
    let mut m = map(json!({
        "product_name": "经营快贷", "product_type": "credit", "proposed_amount": 100,
        "proposed_term_months": 12, "proposed_rate": "3.85", "guarantee_fund": "no",
        "status": status.code()
    }));
    let approved = rng.below(500) + 10;
    if matches!(
        status,
        SolutionStatus::Approved | SolutionStatus::Disbursed | SolutionStatus::Closed
    ) {
        m.insert("approved_amount".into(), json!(approved));
    }
    if matches!(status, SolutionStatus::Disbursed | SolutionStatus::Closed) {
        for (k, v) in [
            ("disbursed_amount", json!(format!("{}.50", approved - 1))),
            ("disbursed_date", json!(iso_days_ago(rng.below(3)))),
            ("disbursed_rate", json!("3.85")),
            ("disbursed_term_months", json!(12)),
            ("first_time_borrower", json!("yes")),
            ("unsecured", json!("yes")),
        ] {
            m.insert(k.into(), v);
        }
    }
    if status == SolutionStatus::Declined {
        m.insert("decline_reason".into(), json!("finances"));
    }
    if status == SolutionStatus::Referred {
        m.insert("referred_to".into(), json!("其他银行"));
    }
    m
}

#[allow(clippy::too_many_arguments)]
fn input<'a>(
    id: i64,
    questionnaire: &'a str,
    client_id: &'a str,
    answers: &'a Map<String, J>,
    opened_ago_s: i64,
    ip: &'a str,
) -> AnswerInput<'a> {
    AnswerInput {
        enterprise_id: id,
        questionnaire,
        version: 1,
        client_id,
        answers,
        today: today(),
        hidden: HiddenAnswers::Refuse,
        opened_at: Some(yinqi_store::now_millis() - opened_ago_s * 1000),
        user_id: None,
        actor: "test",
        client: ClientMeta {
            ip: Some(ip),
            user_agent: Some("test"),
        },
    }
}

fn registry(store: &Store) -> (i64, i64) {
    let branch = |code: &str, name: &str, bank: &str| BranchRecord {
        code: code.into(),
        name: name.into(),
        bank_name: bank.into(),
        bank_type: "国有大型银行".into(),
        region_code: "440106".into(),
        parent_code: None,
    };
    store
        .import_bank_registry(
            &Scope::Nation,
            &[
                branch(ICBC_GZ, "工行广州分行营业部", "中国工商银行"),
                branch(ICBC_GZ2, "工行广州天河支行", "中国工商银行"),
                branch(CCB_GZ, "建行广州分行", "中国建设银行"),
            ],
            "banks.csv",
            "hq",
        )
        .unwrap();
    let dir = store.bank_directory().unwrap();
    (dir[ICBC_GZ], dir[CCB_GZ])
}

/// One enterprise of the world, as the test remembers it.
struct Case {
    id: i64,
    n: u32,
    bank: Option<i64>,
    q1: bool,
}

struct World {
    campaign: i64,
    icbc: i64,
    ccb: i64,
    managers: Vec<(i64, i64)>,
    cases: Vec<Case>,
    solutions: Vec<(i64, i64, SolutionStatus)>,
}

/// Bureau 44's list of 30 enterprises in a campaign of its own (ids `first..`): ICBC's two
/// branches and CCB, one with an unknown bank, two not eligible; frozen, codes issued.
fn world(store: &Store, code: &str, first: u32) -> World {
    let (icbc, ccb) = match store.bank_id_by_name("中国工商银行").unwrap() {
        Some(icbc) => (
            icbc,
            store.bank_id_by_name("中国建设银行").unwrap().unwrap(),
        ),
        None => registry(store),
    };
    store
        .create_campaign(&NewCampaign {
            code: code.into(),
            name: code.into(),
            tax_credit_year: 2018,
            size_standard: yinqi_domain::size::MIIT_2011.id.into(),
            starts_on: "2019-11-01".into(),
            ends_on: "2020-04-30".into(),
        })
        .unwrap();
    let campaign = store.campaign(Some(code)).unwrap().id;
    let mut rows = Vec::new();
    for i in 0..30u32 {
        let n = first + i;
        let bank = match i {
            0..=17 => Some((ICBC_GZ, Some(icbc))),
            18..=23 => Some((ICBC_GZ2, Some(icbc))),
            24..=28 => Some((CCB_GZ, Some(ccb))),
            _ => None,
        };
        let mut r = row(u64::from(i) + 2, n, bank);
        if i == 5 || i == 25 {
            r.exclusions = [Exclusion::Dishonest]
                .into_iter()
                .collect::<Exclusions>()
                .bits()
                .into();
        }
        rows.push(r);
    }
    import(store, Some(code), "44", &rows);
    freeze(store, campaign, "44");
    store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    let cases = (0..30u32)
        .map(|i| {
            let e = store
                .enterprise_by_uscc(&Scope::Nation, campaign, &uscc(first + i))
                .unwrap();
            Case {
                id: e.id,
                n: first + i,
                bank: e.bank_id,
                q1: false,
            }
        })
        .collect();
    let mut managers = Vec::new();
    for (name, branch, bank) in [
        ("wang", ICBC_GZ, icbc),
        ("li", ICBC_GZ2, icbc),
        ("zhao", CCB_GZ, ccb),
    ] {
        let username = format!("{name}-{code}");
        let u = user(
            store,
            &username,
            Role::CustomerManager,
            Affiliation {
                branch_code: Some(branch.into()),
                ..Affiliation::default()
            },
        );
        managers.push((u.id, bank));
    }
    World {
        campaign,
        icbc,
        ccb,
        managers,
        cases,
        solutions: Vec::new(),
    }
}

fn bank_scope(bank: i64) -> Scope {
    Scope::Bank {
        bank_id: bank,
        bureau: None,
    }
}

/// Runs one random event; refused ones (a visit by a manager who does not hold the
/// enterprise, a status move `may_become` forbids…) are part of the sequence too.
fn event(store: &Store, w: &mut World, rng: &mut Rng, step: usize) {
    let client = format!("c{}-{step}", w.campaign);
    let i = rng.below(w.cases.len() as u64) as usize;
    let (id, n, bank) = (w.cases[i].id, w.cases[i].n, w.cases[i].bank);
    let result: Result<(), StoreError> = match rng.below(100) {
        0..=24 => {
            let answers = q1_answers(rng, n);
            let ago = *rng.pick(&[10, 600]);
            let ip = *rng.pick(&IPS);
            store
                .submit(
                    &Scope::Enterprise(id),
                    &input(id, "q1", &client, &answers, ago, ip),
                )
                .map(|_| w.cases[i].q1 = true)
        }
        25..=31 => {
            let answers = map(json!({ "need": "yes", "need_amount": 5 }));
            store
                .save_draft(
                    &Scope::Enterprise(id),
                    &input(id, "q1", &client, &answers, 60, "10.0.0.9"),
                )
                .map(|_| ())
        }
        32..=46 => {
            let answers = q2_answers(rng);
            let (manager, _) = *rng.pick(&w.managers);
            let ago = *rng.pick(&[60, 1800]);
            store
                .submit(
                    &Scope::Manager(manager),
                    &input(id, "q2", &client, &answers, ago, "10.1.0.1"),
                )
                .map(|_| ())
        }
        47..=56 => {
            let status = *rng.pick(&SolutionStatus::ALL);
            let answers = q3_answers(rng, status);
            let scope = bank_scope(bank.unwrap_or(w.icbc));
            store
                .submit(&scope, &input(id, "q3", &client, &answers, 600, "10.1.0.2"))
                .map(|r| w.solutions.push((r.id, bank.unwrap_or(w.icbc), status)))
        }
        57..=66 if !w.solutions.is_empty() => {
            let k = rng.below(w.solutions.len() as u64) as usize;
            let (response, bank, from) = w.solutions[k];
            let to = *rng.pick(&SolutionStatus::ALL);
            let answers = q3_answers(rng, to);
            let moved = store.update_solution(
                &bank_scope(bank),
                response,
                &answers,
                today(),
                Some("进展"),
                None,
                "bank",
            );
            // (Refused also when the case was excluded since: no longer the bank's.)
            assert!(
                moved.is_err() || from.may_become(to),
                "{from:?} → {to:?} was accepted"
            );
            moved.map(|_| w.solutions[k].2 = to)
        }
        67..=72 => {
            let answers = q1_answers(rng, n);
            match store
                .responses_of(&Scope::Nation, id, Some("q1"))
                .unwrap()
                .first()
            {
                Some(r) => store
                    .correct(
                        &Scope::Bureau("44".into()),
                        r.id,
                        &answers,
                        today(),
                        "企业来电更正",
                        None,
                        "clerk",
                    )
                    .map(|_| ()),
                None => Ok(()),
            }
        }
        73..=77 => store
            .revoke_code(
                &Scope::Bureau("44".into()),
                w.campaign,
                &uscc(n),
                "短信误发",
                rng.below(2) == 0,
                "clerk",
            )
            .map(|_| ()),
        78..=87 => {
            let (manager, manager_bank) = *rng.pick(&w.managers);
            let manager = (rng.below(4) > 0).then_some(manager);
            store
                .assign_manager(
                    &bank_scope(manager_bank),
                    w.campaign,
                    &AssignTarget::One(&uscc(n)),
                    manager,
                    false,
                    "bank",
                )
                .map(|_| ())
        }
        _ => {
            let decision = *rng.pick(&[Some("exclude"), Some("include"), None]);
            store
                .set_override(
                    &Scope::Bureau("44".into()),
                    w.campaign,
                    &uscc(n),
                    decision,
                    "核实后调整",
                    "clerk",
                )
                .map(|_| ())
        }
    };
    match result {
        Ok(()) | Err(StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::NotFound) => {}
        Err(StoreError::Answers(e)) => panic!("step {step}: answers refused: {e:?}"),
        Err(e) => panic!("step {step}: {e}"),
    }
}

fn refresh_fully(store: &Store) {
    refresh_fully_with(store, RefreshLimits::default());
}

/// Refreshes until nothing waits. With `overlap_ms` 0 no answer is requeued just for being
/// recent, so a case is recounted only when something says it changed.
fn refresh_fully_with(store: &Store, limits: RefreshLimits) {
    for _ in 0..1000 {
        if store.refresh_progress(limits).unwrap().is_complete() {
            return;
        }
    }
    panic!("the refresher never finished");
}

fn assert_consistent(store: &Store, campaign: i64, when: &str) {
    let differences = store.verify_progress(&Scope::Nation, campaign).unwrap();
    assert!(
        differences.is_empty(),
        "{when}: the rollups differ from a recount:\n{}",
        differences.join("\n")
    );
}

fn nation(store: &Store, campaign: i64) -> yinqi_store::ProgressReport {
    let today = day::of_millis(yinqi_store::now_millis());
    store
        .progress_report(&Scope::Nation, campaign, &DashboardView::default(), today)
        .unwrap()
}

pub fn rollups_match_a_recount_after_random_events(db: &TestDb) {
    let store = &db.store;
    let seeds: Vec<u64> = match std::env::var("YINQI_PROGRESS_SEED") {
        Ok(s) => vec![s.parse().expect("a number")],
        Err(_) => vec![1, 2, 3],
    };
    for (k, seed) in seeds.into_iter().enumerate() {
        let mut w = world(store, &format!("seed-{seed}"), 1000 * (k as u32 + 1));
        // Low thresholds, so the shared IP / mobile rules flip back and forth.
        let settings = SupervisionSettings {
            thresholds: Thresholds {
                shared_ip_answers: 3,
                shared_mobile_enterprises: 2,
                ..Thresholds::default()
            },
            ..store.supervision_settings(w.campaign).unwrap()
        };
        store
            .set_supervision_settings(&Scope::Nation, w.campaign, &settings, "hq")
            .unwrap();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let no_overlap = RefreshLimits {
            overlap_ms: 0,
            ..RefreshLimits::default()
        };
        for step in 0..160 {
            if rng.below(8) == 0 {
                // A partial refresh: a few cases at a time, stopping early.
                let limits = RefreshLimits {
                    chunk: rng.below(7) as i64 + 1,
                    sweep_chunk: rng.below(7) as i64 + 1,
                    budget: rng.below(12),
                    overlap_ms: 0,
                };
                store.refresh_progress(limits).unwrap();
            } else {
                event(store, &mut w, &mut rng, step);
                if std::env::var_os("YINQI_PROGRESS_CHECK_EACH").is_some() {
                    refresh_fully_with(store, no_overlap);
                    assert_consistent(store, w.campaign, &format!("seed {seed}, step {step}"));
                }
            }
            if step % 40 == 39 {
                refresh_fully_with(store, no_overlap);
                assert_consistent(store, w.campaign, &format!("seed {seed}, step {step}"));
            }
        }
        refresh_fully_with(store, no_overlap);
        assert_consistent(store, w.campaign, &format!("seed {seed}, end"));
        // The dashboard's own totals agree with what the test did.
        let report = nation(store, w.campaign);
        let answered = w.cases.iter().filter(|c| c.q1).count() as i64;
        assert_eq!(
            report.totals.stage(Stage::Answered),
            answered,
            "seed {seed}"
        );
        assert_eq!(report.totals.stage(Stage::Listed), 30);
        assert_eq!(
            report.totals.stage(Stage::Solution),
            w.solutions
                .iter()
                .map(|s| s.0)
                .map(|r| store.response(&Scope::Nation, r).unwrap().enterprise_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len() as i64
        );
        assert!(report.status.complete_at > 0);
    }
}

pub fn two_refreshers_at_once_count_each_change_once(db: &TestDb) {
    let store = &db.store;
    let mut w = world(store, "twice", 5000);
    refresh_fully(store);
    let other = db.reopen();
    let mut rng = Rng(77);
    std::thread::scope(|t| {
        let a = t.spawn(|| {
            for _ in 0..30 {
                store
                    .refresh_progress(RefreshLimits {
                        chunk: 3,
                        sweep_chunk: 4,
                        budget: 9,
                        overlap_ms: 0,
                    })
                    .unwrap();
            }
        });
        let b = t.spawn(|| {
            for _ in 0..30 {
                other
                    .refresh_progress(RefreshLimits {
                        chunk: 2,
                        sweep_chunk: 5,
                        budget: 6,
                        overlap_ms: 0,
                    })
                    .unwrap();
            }
        });
        for step in 0..120 {
            event(store, &mut w, &mut rng, step);
        }
        a.join().unwrap();
        b.join().unwrap();
    });
    refresh_fully(&other);
    assert_consistent(store, w.campaign, "two refreshers");
    // A third full pass over everything changes nothing.
    store.rebuild_progress(&Scope::Nation).unwrap();
    let before = nation(store, w.campaign);
    refresh_fully(store);
    let after = nation(store, w.campaign);
    assert_eq!(before.totals, after.totals);
    assert_consistent(store, w.campaign, "after a rebuild");
    assert!(matches!(
        store.rebuild_progress(&Scope::Bureau("44".into())),
        Err(StoreError::NotFound)
    ));
}

/// Submits q1 for case `i` with the given need / visit / amount.
fn answer_q1(store: &Store, w: &World, i: usize, need: &str, wants: &str, ago_s: i64) {
    let c = &w.cases[i];
    let mut answers = q1_answers(&mut Rng(i as u64 + 1), c.n);
    answers.insert("need".into(), json!(need));
    answers.insert("wants_visit".into(), json!(wants));
    for k in [
        "need_amount",
        "need_term",
        "need_purpose",
        "guarantee",
        "acceptable_rate",
        "no_need_reason",
        "visit_time",
    ] {
        answers.remove(k);
    }
    if need == "yes" {
        for (k, v) in [
            ("need_amount", json!(200)),
            ("need_term", json!("6_to_12m")),
            ("need_purpose", json!(["working_capital"])),
            ("guarantee", json!(["property"])),
            ("acceptable_rate", json!("4_to_5")),
        ] {
            answers.insert(k.into(), v);
        }
    }
    if need == "no" {
        answers.insert("no_need_reason".into(), json!(["own_funds"]));
    }
    if wants == "yes" {
        answers.insert("visit_time".into(), json!("any"));
    }
    let client = format!("fixed-{}", c.id);
    store
        .submit(
            &Scope::Enterprise(c.id),
            &input(c.id, "q1", &client, &answers, ago_s, "10.9.9.9"),
        )
        .unwrap();
}

pub fn dashboards_stay_within_scope(db: &TestDb) {
    let store = &db.store;
    let w = world(store, "scopes", 7000);
    answer_q1(store, &w, 0, "yes", "yes", 600);
    answer_q1(store, &w, 1, "no", "no", 20);
    answer_q1(store, &w, 24, "yes", "no", 600);
    store
        .assign_manager(
            &bank_scope(w.icbc),
            w.campaign,
            &AssignTarget::One(&uscc(w.cases[0].n)),
            Some(w.managers[0].0),
            false,
            "bank",
        )
        .unwrap();
    refresh_fully(store);
    let today = day::of_millis(yinqi_store::now_millis());
    let report =
        |scope: &Scope, view: DashboardView| store.progress_report(scope, w.campaign, &view, today);
    // HQ: the nation by bureau; the bureau by bank (worst first is the page's business).
    let hq = report(&Scope::Nation, DashboardView::default()).unwrap();
    assert_eq!(hq.rows_level, Some(Level::Bureau));
    assert_eq!(hq.rows.len(), 1);
    assert_eq!(hq.rows[0].label, "广东银保监局");
    assert_eq!(hq.totals.stage(Stage::Answered), 3);
    assert_eq!(hq.totals.stage(Stage::Listed), 30);
    assert_eq!(hq.totals.demanded(), 400 * 10_000);
    assert_eq!(hq.totals.rule(Rule::TooFast), 1);
    let bureau = report(&Scope::Bureau("44".into()), DashboardView::default()).unwrap();
    assert_eq!(bureau.rows_level, Some(Level::Bank));
    let banks: Vec<&str> = bureau.rows.iter().map(|r| r.label.as_str()).collect();
    assert!(
        banks.contains(&"中国工商银行") && banks.contains(&"中国建设银行"),
        "{banks:?}"
    );
    assert!(
        bureau.rows.iter().any(|r| r.key == "0"),
        "cases without a bank have a row"
    );
    assert!(matches!(
        report(
            &Scope::Bureau("37".into()),
            DashboardView {
                bureau: Some("44".into()),
                ..Default::default()
            }
        ),
        Err(StoreError::NotFound)
    ));
    // A bank: its own cases only, by branch; another bank's view is not found.
    let icbc = report(
        &bank_scope(w.icbc),
        DashboardView {
            bureau: Some("44".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(icbc.rows_level, Some(Level::Branch));
    // Case 5 is not eligible, so it has no bank.
    assert_eq!(icbc.totals.stage(Stage::Listed), 23);
    assert_eq!(icbc.totals.stage(Stage::Answered), 2);
    assert_eq!(icbc.rows.len(), 2, "two branches");
    let national = report(&bank_scope(w.icbc), DashboardView::default()).unwrap();
    assert_eq!(national.rows_level, Some(Level::Bureau));
    assert!(matches!(
        report(
            &bank_scope(w.icbc),
            DashboardView {
                bank: Some(w.ccb),
                ..Default::default()
            }
        ),
        Err(StoreError::NotFound)
    ));
    // A branch by manager; a manager sees their own totals.
    let branch = report(&Scope::Branch(ICBC_GZ.into()), DashboardView::default()).unwrap();
    assert_eq!(branch.rows_level, Some(Level::Manager));
    assert_eq!(branch.totals.stage(Stage::Listed), 17);
    assert!(matches!(
        report(
            &Scope::Branch(ICBC_GZ.into()),
            DashboardView {
                branch: Some(CCB_GZ.into()),
                ..Default::default()
            }
        ),
        Err(StoreError::NotFound)
    ));
    let mine = report(&Scope::Manager(w.managers[0].0), DashboardView::default()).unwrap();
    assert!(mine.rows.is_empty());
    assert_eq!(mine.totals.stage(Stage::Listed), 1);
    assert_eq!(mine.totals.stage(Stage::Answered), 1);
    assert!(matches!(
        report(
            &Scope::Manager(w.managers[0].0),
            DashboardView {
                bureau: Some("44".into()),
                ..Default::default()
            }
        ),
        Err(StoreError::NotFound)
    ));
    // Associations: aggregates with small cells suppressed, no quality counts.
    let assoc = report(&Scope::Aggregates, DashboardView::default()).unwrap();
    assert_eq!(assoc.min_cell, Some(yinqi_store::MIN_CELL));
    assert_eq!(assoc.totals.stage(Stage::Listed), 30);
    assert_eq!(
        assoc.totals.stage(Stage::Answered),
        -1,
        "3 is under the minimum"
    );
    assert_eq!(
        assoc.totals.demanded(),
        -1,
        "amounts of suppressed counts go too"
    );
    assert_eq!(assoc.totals.flagged(), -1);
    assert_eq!(
        assoc.daily.last().map(|(_, c)| c[0]),
        Some(-1),
        "3 answers today: hidden"
    );
    assert!(matches!(
        report(
            &Scope::Aggregates,
            DashboardView {
                branch: Some(ICBC_GZ.into()),
                ..Default::default()
            }
        ),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        report(&Scope::Enterprise(w.cases[0].id), DashboardView::default()),
        Err(StoreError::NotFound)
    ));
    // The daily series has today's answers.
    assert_eq!(hq.daily.last().map(|(d, c)| (*d, c[0])), Some((today, 3)));
}

pub fn a_bank_sees_no_list_before_it_is_frozen(db: &TestDb) {
    let store = &db.store;
    let w = world(store, "frozen", 8000);
    // A second bureau's draft list at ICBC: counted for HQ and the bureau, not the bank.
    let rows = vec![row(2, 8100, Some((ICBC_GZ, Some(w.icbc))))];
    import(store, Some("frozen"), "37", &rows);
    refresh_fully(store);
    let today = day::of_millis(yinqi_store::now_millis());
    let hq = store
        .progress_report(&Scope::Nation, w.campaign, &DashboardView::default(), today)
        .unwrap();
    assert_eq!(hq.totals.stage(Stage::Listed), 31);
    let bank = store
        .progress_report(
            &bank_scope(w.icbc),
            w.campaign,
            &DashboardView::default(),
            today,
        )
        .unwrap();
    assert_eq!(
        bank.totals.stage(Stage::Listed),
        23,
        "case 5 is not eligible: no bank"
    );
    assert!(bank.rows.iter().all(|r| r.key == "44"));
}

pub fn stuck_solutions_count_by_the_day_asked(db: &TestDb) {
    let store = &db.store;
    let w = world(store, "stuck", 9000);
    let answers = q3_answers(&mut Rng(3), SolutionStatus::Applied);
    let c = &w.cases[0];
    store
        .submit(
            &bank_scope(w.icbc),
            &input(c.id, "q3", "stuck-1", &answers, 600, "10.1.1.1"),
        )
        .unwrap();
    refresh_fully(store);
    let today = day::of_millis(yinqi_store::now_millis());
    let on = |d| {
        store
            .progress_report(&Scope::Nation, w.campaign, &DashboardView::default(), d)
            .unwrap()
            .stuck
    };
    assert_eq!(on(today), 0);
    assert_eq!(on(today + 30), 0, "thirty days is still within the limit");
    assert_eq!(on(today + 31), 1);
}

pub fn reminders_reach_the_bank_and_take_one_reply(db: &TestDb) {
    let store = &db.store;
    let w = world(store, "press", 9500);
    refresh_fully(store);
    let bureau = Scope::Bureau("44".into());
    let r = store
        .remind_bank(
            &bureau,
            w.campaign,
            w.icbc,
            None,
            "问卷回收率偏低，请加快进度",
            "clerk",
        )
        .unwrap();
    assert_eq!(r.bureau_code.as_deref(), Some("44"));
    assert_eq!(r.bank_name, "中国工商银行");
    // Only about its own territory, only banks with enterprises there, never empty.
    assert!(matches!(
        store.remind_bank(&bureau, w.campaign, w.icbc, Some("37"), "x", "clerk"),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.remind_bank(
            &Scope::Bureau("37".into()),
            w.campaign,
            w.icbc,
            None,
            "x",
            "clerk"
        ),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.remind_bank(&bureau, w.campaign, w.icbc, None, "  ", "clerk"),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.remind_bank(&bank_scope(w.icbc), w.campaign, w.icbc, None, "x", "bank"),
        Err(StoreError::NotFound)
    ));
    // The bank reads it; another bank and a branch do not.
    assert_eq!(
        store
            .reminders(&bank_scope(w.icbc), w.campaign, 10)
            .unwrap(),
        vec![r.clone()]
    );
    assert!(
        store
            .reminders(&bank_scope(w.ccb), w.campaign, 10)
            .unwrap()
            .is_empty()
    );
    let other_province = Scope::Bank {
        bank_id: w.icbc,
        bureau: Some("37".into()),
    };
    assert!(
        store
            .reminders(&other_province, w.campaign, 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .reminders(&Scope::Branch(ICBC_GZ.into()), w.campaign, 10)
            .is_err()
    );
    assert!(matches!(
        store.reply_reminder(&bank_scope(w.ccb), r.id, "收到", "ccb"),
        Err(StoreError::NotFound)
    ));
    let replied = store
        .reply_reminder(&bank_scope(w.icbc), r.id, "已部署各网点加快推送", "icbc")
        .unwrap();
    assert_eq!(replied.reply.as_deref(), Some("已部署各网点加快推送"));
    assert!(matches!(
        store.reply_reminder(&bank_scope(w.icbc), r.id, "再次回复", "icbc"),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.reminders(&bureau, w.campaign, 10).unwrap(),
        vec![replied]
    );
    let actions: Vec<String> = store
        .audit_entries(&Scope::Nation, 20)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.iter().any(|a| a == "reminder.create"));
    assert!(actions.iter().any(|a| a == "reminder.reply"));
}

pub fn new_thresholds_recount_the_flags(db: &TestDb) {
    let store = &db.store;
    let w = world(store, "thresholds", 9700);
    answer_q1(store, &w, 0, "yes", "yes", 90);
    refresh_fully(store);
    assert_eq!(nation(store, w.campaign).totals.rule(Rule::TooFast), 0);
    let mut settings = store.supervision_settings(w.campaign).unwrap();
    settings.thresholds.q1_min_seconds = 120;
    store
        .set_supervision_settings(&Scope::Nation, w.campaign, &settings, "hq")
        .unwrap();
    refresh_fully(store);
    assert_eq!(nation(store, w.campaign).totals.rule(Rule::TooFast), 1);
    assert_consistent(store, w.campaign, "after new thresholds");
    assert_eq!(store.supervision_settings(w.campaign).unwrap(), settings);
    // Only HQ sets them; dates out of order are refused.
    assert!(matches!(
        store.set_supervision_settings(&Scope::Bureau("44".into()), w.campaign, &settings, "x"),
        Err(StoreError::NotFound)
    ));
    let mut bad = settings.clone();
    bad.schedule.survey_ends = bad.schedule.starts;
    assert!(matches!(
        store.set_supervision_settings(&Scope::Nation, w.campaign, &bad, "hq"),
        Err(StoreError::Invalid(_))
    ));
}
