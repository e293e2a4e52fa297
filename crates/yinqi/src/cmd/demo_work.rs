//! The demo's customer manager at work: a few of manager01's enterprises pushed, answered,
//! visited and given a solution — through the store's own API, as the pages would — so the
//! workbench opens on mixed statuses. The first enterprise (the one whose link the demo
//! prints) is left untouched for whoever tries the enterprise's side. Running the demo again
//! adds nothing: each step is skipped when its record exists.

use serde_json::{Map, Value as J, json};
use yinqi_domain::questionnaire::HiddenAnswers;
use yinqi_store::{
    AnswerInput, ClientMeta, Enterprise, EnterpriseFilter, PushChannel, Scope, Store,
};

/// What the demo does with each of manager01's enterprises after the first.
#[derive(Clone, Copy)]
enum Step {
    Pushed,
    PushedAndWantsVisit,
    WantsVisit,
    NoVisitWanted,
    Visited,
    SolutionUnderReview,
    PushedAndOpened,
}

const STEPS: [Step; 7] = [
    Step::Pushed,
    Step::PushedAndWantsVisit,
    Step::WantsVisit,
    Step::NoVisitWanted,
    Step::Visited,
    Step::SolutionUnderReview,
    Step::PushedAndOpened,
];

fn map(v: J) -> Map<String, J> {
    match v {
        J::Object(m) => m,
        _ => Map::new(),
    }
}

fn q1(e: &Enterprise, wants_visit: bool) -> Map<String, J> {
    let mobile = e
        .contact_phone
        .as_deref()
        .filter(|p| p.len() == 11 && p.starts_with('1'))
        .unwrap_or("13800138000");
    let mut m = map(json!({
        "company_name": e.name, "company_uscc": e.uscc, "respondent_name": "张经理",
        "respondent_role": "legal_rep", "respondent_mobile": mobile,
        "staff_band": "10_to_49", "revenue_band": "500_to_2000", "assets_band": "100_to_500",
        "current_credit": "one_bank", "need": "yes", "need_amount": 200, "need_term": "1_to_3y",
        "need_purpose": ["working_capital", "equipment"], "guarantee": ["receivables"],
        "acceptable_rate": "4_to_5", "obstacles": ["collateral", "speed"],
        "wants_visit": if wants_visit { "yes" } else { "no" }, "consent": "agree"
    }));
    if wants_visit {
        m.insert("visit_time".into(), json!("weekday_pm"));
    }
    m
}

fn q2(today: &str) -> Map<String, J> {
    map(json!({
        "visit_date": today, "visit_mode": "on_site", "people_met": ["legal_rep", "finance"],
        "premises": "rented", "operating_status": "normal", "main_business": "机械零部件加工",
        "staff_count": 42, "revenue": 1600, "profit": 120, "total_assets": 900,
        "total_liabilities": 380, "tax_paid": 65, "existing_credit": "has",
        "credit_balance": 150, "lender_count": 1, "overdue": "never", "confirmed_need": "yes",
        "need_amount": 200, "need_term_months": 24, "need_purpose": ["working_capital"],
        "repayment_source": ["operating_income"], "collateral": ["receivables"],
        "exclusion_check": ["none"], "need_real": "yes", "meets_policy": "yes",
        "suggested_products": ["credit", "tax_data"]
    }))
}

fn q3() -> Map<String, J> {
    map(json!({
        "product_name": "银税互动信用贷", "product_type": "tax_data", "proposed_amount": 150,
        "proposed_term_months": 12, "proposed_rate": "4.35", "guarantee_fund": "no",
        "status": "under_review"
    }))
}

/// Seeds the work of the manager `manager` (user id and username, the actor of the
/// manager's steps); returns how many enterprises it touched this run.
pub fn seed(store: &Store, campaign_id: i64, manager: (i64, &str)) -> anyhow::Result<usize> {
    let (manager_id, actor) = manager;
    let mine = Scope::Manager(manager_id);
    let held = store.enterprise_page(
        &mine,
        campaign_id,
        &EnterpriseFilter::default(),
        None,
        1 + STEPS.len() as u32,
    )?;
    let today = yinqi_web::clock::today_beijing();
    let mut touched = 0;
    for (e, step) in held.iter().skip(1).zip(STEPS) {
        let has = |q: &str| -> anyhow::Result<bool> {
            Ok(!store
                .responses_of(&Scope::Nation, e.id, Some(q))?
                .is_empty())
        };
        let answer = |scope: &Scope, q: &str, answers: &Map<String, J>, draft: bool| {
            let client_id = format!("demo-{q}-{}", e.id);
            let input = AnswerInput {
                enterprise_id: e.id,
                questionnaire: q,
                version: 1,
                client_id: &client_id,
                answers,
                today,
                hidden: HiddenAnswers::Refuse,
                opened_at: None,
                user_id: None,
                // The enterprise answers through its code, not as a user.
                actor: if q == "q1" {
                    "企业（邀请码）"
                } else {
                    actor
                },
                client: ClientMeta::default(),
            };
            if draft {
                store.save_draft(scope, &input)
            } else {
                store.submit(scope, &input)
            }
        };
        if !store.pushes(&mine, campaign_id, &e.uscc)?.is_empty() || has("q1")? {
            continue;
        }
        touched += 1;
        let push = |channel| store.mark_pushed(&mine, campaign_id, &e.uscc, channel, None, actor);
        let enterprise = Scope::Enterprise(e.id);
        match step {
            Step::Pushed => drop(push(PushChannel::Sms)?),
            Step::PushedAndWantsVisit => {
                push(PushChannel::Wechat)?;
                answer(&enterprise, "q1", &q1(e, true), false)?;
            }
            Step::WantsVisit => drop(answer(&enterprise, "q1", &q1(e, true), false)?),
            Step::NoVisitWanted => drop(answer(&enterprise, "q1", &q1(e, false), false)?),
            Step::Visited | Step::SolutionUnderReview => {
                push(PushChannel::Sms)?;
                answer(&enterprise, "q1", &q1(e, true), false)?;
                answer(&mine, "q2", &q2(&today.to_string()), false)?;
                if matches!(step, Step::SolutionUnderReview) {
                    answer(&mine, "q3", &q3(), false)?;
                }
            }
            Step::PushedAndOpened => {
                push(PushChannel::Phone)?;
                answer(&enterprise, "q1", &map(json!({ "need": "unsure" })), true)?;
            }
        }
    }
    Ok(touched)
}
