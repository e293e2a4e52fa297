//! Synthetic answers for the dashboards' benchmark and the browser checks: for each
//! enterprise holding a code, deterministic from a seed, questionnaire 1 with a given
//! probability (30 % by default), a visit for most of those who want one (and a few who did
//! not ask: the quality rules must find something), a financing solution for a share of
//! visits, with realistic times, durations and a sprinkling of shared networks and phones.
//! Every answer set passes its questionnaire's validation (tested).

use serde_json::{Map, Value as J, json};

use super::rng::Rng;

/// How many enterprises (per mille of those holding a code) answer each questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerShares {
    pub q1: u64,
    pub q2: u64,
    pub q3: u64,
}

impl Default for AnswerShares {
    fn default() -> Self {
        AnswerShares {
            q1: 300,
            q2: 100,
            q3: 30,
        }
    }
}

/// One synthetic answer set, ready to be stored as submitted.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticAnswer {
    pub questionnaire: &'static str,
    pub answers: Map<String, J>,
    /// q3's status code.
    pub solution_status: Option<&'static str>,
    pub opened_at: i64,
    pub submitted_at: i64,
    /// 32 bytes standing for the salted hash of the client's address.
    pub ip_hash: [u8; 32],
}

const DAY_MS: i64 = 86_400_000;

/// Statuses of solutions and how often each is the latest (per mille).
const STATUSES: [(&str, u32); 10] = [
    ("proposed", 100),
    ("applied", 100),
    ("under_review", 100),
    ("approved", 150),
    ("disbursed", 300),
    ("closed", 100),
    ("declined", 80),
    ("withdrawn", 30),
    ("no_need", 20),
    ("referred", 20),
];

fn ip_hash(rng: &mut Rng, id: i64) -> [u8; 32] {
    // One answer in a hundred comes from one of 50 branch offices' networks.
    let source = if rng.chance(10) {
        0x0FF1_CE00 + rng.below(50)
    } else {
        id as u64 ^ 0xA5A5_5A5A_0000_0000
    };
    let mut r = Rng::new(source);
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&r.next_u64().to_le_bytes());
    }
    out
}

fn mobile(rng: &mut Rng, id: i64) -> String {
    // A few bookkeepers answer for several firms.
    if rng.chance(5) {
        format!("1390000{:04}", rng.below(100))
    } else {
        format!(
            "13{}{:08}",
            5 + id % 4,
            (id as u64).wrapping_mul(2_654_435_761) % 100_000_000
        )
    }
}

fn date(millis: i64) -> String {
    yinqi_domain::progress::day::iso(yinqi_domain::progress::day::of_millis(millis))
}

fn amount(rng: &mut Rng, lo: i64, hi: i64) -> J {
    let whole = rng.skewed(lo, hi);
    if rng.chance(100) {
        json!(format!("{whole}.{:02}", rng.range(1, 100)))
    } else {
        json!(whole)
    }
}

/// The answers enterprise `id` (credit code `uscc`, name `name`) gives, submitted between
/// `from` and `to` (ms since the epoch): empty for most enterprises.
pub fn answers_for(
    seed: u64,
    id: i64,
    uscc: &str,
    name: &str,
    (from, to): (i64, i64),
    shares: AnswerShares,
) -> Vec<SyntheticAnswer> {
    let mut rng = Rng::for_item(seed, 0x5155_4553, id as u64);
    let mut out = Vec::new();
    // Two enterprises of three who answer want a visit? No: one in three; all of those
    // are visited (q2 share), and a few visits nobody asked for.
    let answered = rng.chance(shares.q1);
    let wants_visit = answered && rng.below(shares.q1.max(1)) < shares.q2;
    let visited = wants_visit || (!answered && rng.chance(shares.q2 / 50));
    let solved = visited && rng.below(shares.q2.max(1)) < shares.q3;
    let mut at = rng.range(from, to.max(from + 1));
    if answered {
        let duration = if rng.chance(30) {
            rng.range(15_000, 60_000)
        } else {
            rng.range(120_000, 1_200_000)
        };
        let need = *rng.pick(&[
            "yes", "yes", "yes", "yes", "yes", "yes", "no", "no", "no", "unsure",
        ]);
        let mut a = json!({
            "company_name": name, "company_uscc": uscc, "respondent_name": "张经理",
            "respondent_role": *rng.pick(&["legal_rep", "owner", "finance", "other"]),
            "respondent_mobile": mobile(&mut rng, id),
            "staff_band": *rng.pick(&["under_10", "10_to_49", "50_to_99"]),
            "revenue_band": *rng.pick(&["under_100", "100_to_500", "500_to_2000", "2000_to_10000"]),
            "assets_band": *rng.pick(&["under_100", "100_to_500", "500_to_2000"]),
            "current_credit": *rng.pick(&["none", "one_bank", "several_banks"]),
            "need": need,
            "obstacles": [*rng.pick(&["collateral", "guarantor", "procedure", "cost"])],
            "wants_visit": if wants_visit { "yes" } else { "no" },
            "consent": "agree"
        });
        let m = a.as_object_mut().expect("an object");
        if need == "yes" {
            // Most ask for tens to a few hundred 万元; one in fifty for far more.
            let top = if rng.chance(20) { 5000 } else { 500 };
            m.insert("need_amount".into(), amount(&mut rng, 5, top));
            m.insert(
                "need_term".into(),
                json!(*rng.pick(&["under_6m", "6_to_12m", "1_to_3y"])),
            );
            m.insert("need_purpose".into(), json!(["working_capital"]));
            m.insert(
                "guarantee".into(),
                json!([*rng.pick(&["property", "receivables", "none"])]),
            );
            m.insert(
                "acceptable_rate".into(),
                json!(*rng.pick(&["under_4", "4_to_5", "5_to_6"])),
            );
        }
        if need == "no" {
            m.insert("no_need_reason".into(), json!(["own_funds"]));
        }
        if wants_visit {
            m.insert("visit_time".into(), json!("any"));
        }
        out.push(SyntheticAnswer {
            questionnaire: "q1",
            answers: a.as_object().cloned().unwrap_or_default(),
            solution_status: None,
            opened_at: at - duration,
            submitted_at: at,
            ip_hash: ip_hash(&mut rng, id),
        });
    }
    if visited {
        at += rng.range(DAY_MS, 20 * DAY_MS);
        let duration = if rng.chance(30) {
            rng.range(30_000, 120_000)
        } else {
            rng.range(600_000, 3_600_000)
        };
        let visit_day = at - rng.range(0, 3) * DAY_MS;
        let revenue = rng.skewed(50, 5000);
        let answers = json!({
            "visit_date": date(visit_day), "visit_mode": "on_site", "premises": "rented",
            "people_met": ["legal_rep"], "operating_status": "normal", "main_business": "批发零售",
            "staff_count": rng.range(3, 80), "revenue": revenue, "profit": revenue / 10,
            "total_assets": rng.skewed(50, 3000), "total_liabilities": rng.skewed(0, 1000),
            "tax_paid": revenue / 50, "existing_credit": "none", "confirmed_need": "no",
            "exclusion_check": ["none"], "need_real": "yes", "meets_policy": "yes",
            "suggested_products": ["credit"]
        });
        out.push(SyntheticAnswer {
            questionnaire: "q2",
            answers: answers.as_object().cloned().unwrap_or_default(),
            solution_status: None,
            opened_at: at - duration,
            submitted_at: at,
            ip_hash: ip_hash(&mut rng, id),
        });
    }
    if solved {
        at += rng.range(DAY_MS, 30 * DAY_MS);
        let weights: Vec<u32> = STATUSES.iter().map(|(_, w)| *w).collect();
        let status = STATUSES[rng.weighted(&weights)].0;
        let mut a = json!({
            "product_name": "普惠经营贷", "product_type": *rng.pick(&["credit", "mortgage", "tax_data"]),
            "proposed_amount": amount(&mut rng, 10, 1000), "proposed_term_months": 12,
            "proposed_rate": "4.35", "guarantee_fund": "no", "status": status
        });
        let m = a.as_object_mut().expect("an object");
        if matches!(status, "approved" | "disbursed" | "closed") {
            m.insert("approved_amount".into(), json!(rng.skewed(10, 1000)));
        }
        if matches!(status, "disbursed" | "closed") {
            let approved = m["approved_amount"].as_i64().unwrap_or(10);
            m.insert(
                "disbursed_amount".into(),
                json!(rng.range(approved / 2 + 1, approved + 1)),
            );
            m.insert("disbursed_date".into(), json!(date(at)));
            m.insert("disbursed_rate".into(), json!("4.35"));
            m.insert("disbursed_term_months".into(), json!(12));
            m.insert(
                "first_time_borrower".into(),
                json!(*rng.pick(&["yes", "no"])),
            );
            m.insert("unsecured".into(), json!(*rng.pick(&["yes", "no"])));
        }
        if status == "declined" {
            m.insert("decline_reason".into(), json!("finances"));
        }
        if status == "referred" {
            m.insert("referred_to".into(), json!("地方农商银行"));
        }
        out.push(SyntheticAnswer {
            questionnaire: "q3",
            answers: a.as_object().cloned().unwrap_or_default(),
            solution_status: Some(status),
            opened_at: at - 600_000,
            submitted_at: at,
            ip_hash: ip_hash(&mut rng, id),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinqi_domain::questionnaire::{Context, Date, builtin};

    const FROM: i64 = 1_577_808_000_000; // 2020-01-01 00:00 Beijing
    const TO: i64 = 1_585_670_400_000; // 2020-04-01

    #[test]
    fn every_answer_passes_its_questionnaire() {
        let ctx = Context::submit(Date::from_ymd(2020, 12, 31).unwrap());
        let mut seen = [0usize; 3];
        for id in 0..3000 {
            for a in answers_for(
                7,
                id,
                "91350100M000100Y43",
                "测试企业",
                (FROM, TO),
                AnswerShares::default(),
            ) {
                let def = builtin().iter().find(|d| d.id == a.questionnaire).unwrap();
                let normalised = def
                    .validate(&a.answers, &ctx)
                    .unwrap_or_else(|e| panic!("{id} {}: {e:?}", a.questionnaire));
                assert_eq!(
                    J::Object(normalised.to_json()),
                    J::Object(a.answers.clone())
                );
                seen[["q1", "q2", "q3"]
                    .iter()
                    .position(|q| *q == a.questionnaire)
                    .unwrap()] += 1;
                assert!(a.opened_at < a.submitted_at);
            }
        }
        // About 30 %, 10 % and 3 %.
        assert!((800..1000).contains(&seen[0]), "{seen:?}");
        assert!((250..380).contains(&seen[1]), "{seen:?}");
        assert!((50..140).contains(&seen[2]), "{seen:?}");
    }

    #[test]
    fn deterministic_per_seed_and_enterprise() {
        let a = answers_for(
            1,
            42,
            "x",
            "y",
            (FROM, TO),
            AnswerShares {
                q1: 1000,
                q2: 1000,
                q3: 1000,
            },
        );
        assert_eq!(
            a,
            answers_for(
                1,
                42,
                "x",
                "y",
                (FROM, TO),
                AnswerShares {
                    q1: 1000,
                    q2: 1000,
                    q3: 1000
                }
            )
        );
        assert_eq!(a.len(), 3);
        assert!(
            answers_for(
                1,
                42,
                "x",
                "y",
                (FROM, TO),
                AnswerShares {
                    q1: 0,
                    q2: 0,
                    q3: 0
                }
            )
            .is_empty()
        );
    }
}
