//! `yinqi bench worklist`: how long a customer manager's workbench takes to compute when the
//! manager holds thousands of enterprises with mixed progress, beside the plain read of the
//! same manager's rows in the same run (`enterprise_page` over all of them, no statuses).
//!
//! It sets up its own data on the database given by `--database` (a fresh one): a generated
//! list for bureau 44, frozen, its codes issued and handed down, every enterprise of the
//! busiest bank given to one manager, and the facts the statuses come from — a third pushed,
//! a quarter with questionnaire 1 (half of them wanting a visit), visits and solutions —
//! written through the store as the pages write them.

use std::time::{Duration, Instant};

use serde_json::{Map, Value as J, json};
use yinqi::synth::{self, DEFAULT_BANK_SEED, ListingSpec, OutputFormat};
use yinqi_domain::questionnaire::HiddenAnswers;
use yinqi_imports::{self as import, ListingRequest};
use yinqi_store::{
    Affiliation, AnswerInput, AssignTarget, ClientMeta, EnterpriseFilter, NewUser, PushChannel,
    Role, Scope, Store, WorkFilter, WorkPage, WorkStatus,
};

use super::Context;

const BUREAU: &str = "44";

fn median_p95(mut runs: Vec<Duration>) -> (f64, f64) {
    runs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(runs[((runs.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.95))
}

fn map(v: J) -> Map<String, J> {
    match v {
        J::Object(m) => m,
        _ => Map::new(),
    }
}

/// Loads the list and gives the busiest bank's enterprises to one manager; returns the
/// manager's id and how many enterprises it holds.
fn set_up(
    store: &Store,
    ctx: &Context,
    rows: u64,
    dir: &std::path::Path,
) -> anyhow::Result<(i64, i64)> {
    let campaign = ctx.campaign(store)?;
    let banks = dir.join("banks.csv");
    synth::write_registry(DEFAULT_BANK_SEED, &banks, OutputFormat::CsvUtf8)?;
    import::import_registry(store, &Scope::Nation, &banks, None, "bench", &|_| {})?;
    let bureau = super::bureau_arg(BUREAU)?;
    let list = dir.join(format!("worklist-{rows}.csv"));
    synth::write_listing(
        &ListingSpec::new(bureau, rows, 7),
        &list,
        OutputFormat::CsvUtf8,
    )?;
    let request = ListingRequest {
        path: &list,
        campaign: &campaign,
        bureau: BUREAU,
        actor: "bench",
        error_report: None,
        display_name: None,
    };
    import::import_listing(store, &Scope::Bureau(BUREAU.into()), &request, &|_| {})?;
    let bureau_scope = Scope::Bureau(BUREAU.into());
    store.submit_list(&bureau_scope, campaign.id, BUREAU, "bench")?;
    store.check_list(&Scope::Nation, campaign.id, BUREAU, None, "bench")?;
    store.freeze_list(&Scope::Nation, campaign.id, BUREAU, "bench")?;
    let (bank_id, _, branch) = store
        .busiest_bank_branch(campaign.id)?
        .ok_or_else(|| anyhow::anyhow!("no enterprise was assigned to a bank"))?;
    let manager = store.create_user(
        &NewUser {
            username: "bench-manager".into(),
            display_name: "bench".into(),
            role: Role::CustomerManager,
            affiliation: Affiliation {
                branch_code: Some(branch),
                ..Affiliation::default()
            },
            password_hash: None,
        },
        "bench",
    )?;
    let bank = Scope::Bank {
        bank_id,
        bureau: None,
    };
    let held = store.assign_manager(
        &bank,
        campaign.id,
        &AssignTarget::Filter(&EnterpriseFilter::default()),
        Some(manager.id),
        false,
        "bench",
    )?;
    store.issue_codes(&Scope::Nation, campaign.id, BUREAU, "bench")?;
    for batch in store.code_batches(&bureau_scope, campaign.id)? {
        store.hand_over(&Scope::Nation, batch.id, "bench")?;
        store.hand_over(&bureau_scope, batch.id, "bench")?;
        if batch.bank_id == bank_id {
            store.hand_over(&bank, batch.id, "bench")?;
        }
    }
    Ok((manager.id, held as i64))
}

/// Writes the facts: pushes, q1 answers, visits and solutions over the held enterprises.
fn progress(store: &Store, campaign: i64, manager: i64) -> anyhow::Result<()> {
    let mine = Scope::Manager(manager);
    let today = yinqi_web::clock::today_beijing();
    let q1 = |wants: bool| {
        let mut m = map(json!({
            "company_name": "企业", "company_uscc": "91350100M000100Y43", "respondent_name": "张三",
            "respondent_role": "owner", "respondent_mobile": "13800138000",
            "staff_band": "10_to_49", "revenue_band": "100_to_500", "assets_band": "100_to_500",
            "current_credit": "none", "need": "no", "no_need_reason": ["own_funds"],
            "obstacles": ["none"], "wants_visit": if wants { "yes" } else { "no" },
            "consent": "agree"
        }));
        if wants {
            m.insert("visit_time".into(), json!("any"));
        }
        m
    };
    let visit = map(json!({
        "visit_date": today.to_string(), "visit_mode": "phone", "remote_reason": "远程",
        "people_met": ["owner"], "operating_status": "normal", "main_business": "加工",
        "staff_count": 10, "revenue": 100, "profit": 10, "total_assets": 100,
        "total_liabilities": 10, "tax_paid": 1, "existing_credit": "none",
        "confirmed_need": "no", "exclusion_check": ["none"], "need_real": "no",
        "meets_policy": "no", "not_meeting_reason": "无需求"
    }));
    let solution = map(json!({
        "product_name": "贷", "product_type": "credit", "proposed_amount": 10,
        "proposed_term_months": 12, "proposed_rate": "4", "guarantee_fund": "no",
        "status": "proposed"
    }));
    let mut after = None;
    let mut i = 0u64;
    loop {
        let page =
            store.enterprise_page(&mine, campaign, &EnterpriseFilter::default(), after, 500)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for e in &page {
            i += 1;
            if i.is_multiple_of(3) {
                store.mark_pushed(&mine, campaign, &e.uscc, PushChannel::Sms, None, "bench")?;
            }
            let answer = |scope: &Scope, q: &str, answers: &Map<String, J>| {
                let client_id = format!("bench-{q}-{}", e.id);
                store.submit(
                    scope,
                    &AnswerInput {
                        enterprise_id: e.id,
                        questionnaire: q,
                        version: 1,
                        client_id: &client_id,
                        answers,
                        today,
                        hidden: HiddenAnswers::Refuse,
                        opened_at: None,
                        user_id: None,
                        actor: "bench",
                        client: ClientMeta::default(),
                    },
                )
            };
            if i.is_multiple_of(4) {
                answer(&Scope::Enterprise(e.id), "q1", &q1(i.is_multiple_of(8)))?;
            }
            if i.is_multiple_of(16) {
                answer(&mine, "q2", &visit)?;
            }
            if i.is_multiple_of(32) {
                answer(&mine, "q3", &solution)?;
            }
        }
    }
    Ok(())
}

pub fn run(ctx: &Context, rows: u64, samples: usize) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let dir = std::path::PathBuf::from("target/bench");
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let (manager, held) = set_up(&store, ctx, rows, &dir)?;
    let campaign = ctx.campaign(&store)?.id;
    progress(&store, campaign, manager)?;
    println!(
        "database {}: one manager holding {held} enterprises (set up in {:.1}s), {samples} samples each",
        ctx.database,
        started.elapsed().as_secs_f64()
    );
    let mine = Scope::Manager(manager);
    let now = yinqi_store::now_millis();
    let kinds: [(&str, WorkFilter); 3] = [
        (
            "workbench, all statuses",
            WorkFilter {
                as_of: now,
                ..WorkFilter::default()
            },
        ),
        (
            "workbench, one status (希望走访)",
            WorkFilter {
                status: Some(WorkStatus::WantsVisit),
                as_of: now,
                ..WorkFilter::default()
            },
        ),
        (
            "workbench, name search",
            WorkFilter {
                query: Some("公司".into()),
                as_of: now,
                ..WorkFilter::default()
            },
        ),
    ];
    let page = WorkPage {
        after: None,
        size: 30,
    };
    let first = store.manager_worklist(&mine, campaign, &kinds[0].1, page)?;
    println!("statuses: {:?}", first.counts);
    let mut floor = vec![];
    let mut timings: Vec<Vec<Duration>> = vec![vec![]; kinds.len()];
    for _ in 0..samples {
        // The floor: every row the manager holds, read as the list pages read them (500 a
        // page, the most a page gives), no statuses.
        let t = Instant::now();
        let mut after = None;
        loop {
            let rows =
                store.enterprise_page(&mine, campaign, &EnterpriseFilter::default(), after, 500)?;
            after = rows.last().map(|e| e.id);
            if std::hint::black_box(rows).len() < 500 {
                break;
            }
        }
        floor.push(t.elapsed());
        for (k, (_, filter)) in kinds.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(store.manager_worklist(&mine, campaign, filter, page)?);
            timings[k].push(t.elapsed());
        }
    }
    let (m, p) = median_p95(floor);
    println!(
        "{:<40} median {m:>8.2} ms   p95 {p:>8.2} ms",
        format!("floor: read all {held} held rows")
    );
    for ((what, _), runs) in kinds.iter().zip(timings) {
        let (m, p) = median_p95(runs);
        println!("{what:<40} median {m:>8.2} ms   p95 {p:>8.2} ms");
    }
    Ok(())
}
