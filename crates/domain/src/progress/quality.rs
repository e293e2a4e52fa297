//! Data-quality rules (issue 5 part 3, R18): signs that a questionnaire was not filled the
//! way the campaign intends — too fast, many answers from one network or one mobile, a
//! demand out of proportion to the business, a visit nobody asked for or dated before the
//! enterprise answered, more disbursed than approved, a solution left untouched. Every
//! threshold is a setting of the campaign ([`Thresholds`]); a flag is a reason to look, not
//! a verdict. A bank's score is the share of its answered cases with no flag.

use serde::{Deserialize, Serialize};

use super::day::Day;
use super::facts::Case;

/// One quality rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    TooFast,
    SharedIp,
    SharedMobile,
    ImplausibleDemand,
    VisitUnwanted,
    VisitBeforeQ1,
    OverDisbursed,
    /// Time-dependent, so not a stored flag: counted from [`super::Facts::open_since`].
    StuckSolution,
}

impl Rule {
    pub const ALL: [Rule; 8] = [
        Rule::TooFast,
        Rule::SharedIp,
        Rule::SharedMobile,
        Rule::ImplausibleDemand,
        Rule::VisitUnwanted,
        Rule::VisitBeforeQ1,
        Rule::OverDisbursed,
        Rule::StuckSolution,
    ];

    /// The rules kept as flags of each case (all but the time-dependent one).
    pub const FLAGGED: [Rule; 7] = [
        Rule::TooFast,
        Rule::SharedIp,
        Rule::SharedMobile,
        Rule::ImplausibleDemand,
        Rule::VisitUnwanted,
        Rule::VisitBeforeQ1,
        Rule::OverDisbursed,
    ];

    /// The stable name (the rollup column is `f_` + it).
    pub fn code(self) -> &'static str {
        match self {
            Rule::TooFast => "too_fast",
            Rule::SharedIp => "shared_ip",
            Rule::SharedMobile => "shared_mobile",
            Rule::ImplausibleDemand => "implausible",
            Rule::VisitUnwanted => "visit_unwanted",
            Rule::VisitBeforeQ1 => "visit_before_q1",
            Rule::OverDisbursed => "over_disbursed",
            Rule::StuckSolution => "stuck",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Rule::TooFast => "填写过快",
            Rule::SharedIp => "同一网络大量填报",
            Rule::SharedMobile => "多家企业同一手机号",
            Rule::ImplausibleDemand => "需求金额与经营规模不符",
            Rule::VisitUnwanted => "未经企业申请的走访",
            Rule::VisitBeforeQ1 => "走访日期早于问卷一",
            Rule::OverDisbursed => "放款金额超过批准金额",
            Rule::StuckSolution => "融资方案长期未更新",
        }
    }

    /// What the rule checks, with the campaign's threshold, for the supervisor's page.
    pub fn explain_zh(self, t: &Thresholds) -> String {
        match self {
            Rule::TooFast => format!(
                "问卷一用时少于 {} 秒，或走访问卷（问卷二）用时少于 {} 秒",
                t.q1_min_seconds, t.q2_min_seconds
            ),
            Rule::SharedIp => format!(
                "同一网络地址（只保存加盐摘要）提交的问卷一达到 {} 份及以上",
                t.shared_ip_answers
            ),
            Rule::SharedMobile => format!(
                "问卷一填写人手机号在 {} 家及以上企业中相同",
                t.shared_mobile_enterprises
            ),
            Rule::ImplausibleDemand => format!(
                "融资需求超过 {} 万元，且超过年营业收入的 {} 倍（营业收入取名单数据，没有时取问卷一所选区间的上限）",
                t.demand_floor_wan, t.demand_revenue_factor
            ),
            Rule::VisitUnwanted => {
                "已记录走访，但企业未填问卷一或在问卷一中表示不愿走访".to_owned()
            }
            Rule::VisitBeforeQ1 => "走访日期早于企业提交问卷一的日期".to_owned(),
            Rule::OverDisbursed => "融资方案的放款金额大于批准金额".to_owned(),
            Rule::StuckSolution => format!(
                "融资方案处于放款前的状态（已提出、已申请、审批中、已批准），且 {} 天以上没有任何更新",
                t.stuck_days
            ),
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The flags a case carries, as a bit set (stored as an integer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags(pub u16);

impl Flags {
    pub fn has(self, rule: Rule) -> bool {
        self.0 & rule.bit() != 0
    }

    pub fn any(self) -> bool {
        self.0 != 0
    }

    fn set(&mut self, rule: Rule, on: bool) {
        if on {
            self.0 |= rule.bit();
        }
    }
}

/// The thresholds of the rules, a setting of each campaign. Missing fields take the
/// defaults, so a stored setting survives new rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Questionnaire 1 has about twenty questions: under a minute is not reading them.
    pub q1_min_seconds: u32,
    /// A visit survey of thirty questions recorded in under two minutes was typed from
    /// memory, not filled in on site.
    pub q2_min_seconds: u32,
    /// Answers from one IP. Mobile networks put many phones behind one address, so this is
    /// high: it finds a branch office filling questionnaires for its enterprises.
    pub shared_ip_answers: u32,
    /// Enterprises giving one mobile (one bookkeeper may serve two firms; three is a pattern).
    pub shared_mobile_enterprises: u32,
    /// Demand above this many times the annual revenue…
    pub demand_revenue_factor: u32,
    /// …and above this many 万元 (small demands are never implausible).
    pub demand_floor_wan: u32,
    /// Days an open solution may go without any update.
    pub stuck_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            q1_min_seconds: 60,
            q2_min_seconds: 120,
            shared_ip_answers: 20,
            shared_mobile_enterprises: 3,
            demand_revenue_factor: 5,
            demand_floor_wan: 100,
            stuck_days: 30,
        }
    }
}

/// How many enterprises' questionnaire 1 share this case's IP key and mobile key (itself
/// included); 0 when it has none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharedCounts {
    pub ip: u32,
    pub mobile: u32,
}

const YUAN_PER_WAN: i64 = 10_000;

/// The top of a questionnaire 1 revenue band, in yuan (`over_10000` has none).
fn band_ceiling(band: &str) -> Option<i64> {
    let wan = match band {
        "under_100" => 100,
        "100_to_500" => 500,
        "500_to_2000" => 2_000,
        "2000_to_10000" => 10_000,
        _ => return None,
    };
    Some(wan * YUAN_PER_WAN)
}

/// The stored flags of a case (every rule but [`Rule::StuckSolution`]).
pub fn flags(case: &Case, shared: SharedCounts, t: &Thresholds) -> Flags {
    let mut f = Flags::default();
    let q1 = case.q1.as_ref();
    let too_fast =
        |ms: Option<i64>, seconds: u32| ms.is_some_and(|ms| ms < i64::from(seconds) * 1000);
    f.set(
        Rule::TooFast,
        q1.is_some_and(|q| too_fast(q.duration_ms, t.q1_min_seconds))
            || case
                .visits
                .iter()
                .any(|v| too_fast(v.duration_ms, t.q2_min_seconds)),
    );
    if let Some(q) = q1 {
        f.set(
            Rule::SharedIp,
            q.ip_key != 0 && shared.ip >= t.shared_ip_answers.max(2),
        );
        f.set(
            Rule::SharedMobile,
            q.mobile_key != 0 && shared.mobile >= t.shared_mobile_enterprises.max(2),
        );
        let revenue = case
            .list
            .revenue
            .or_else(|| q.revenue_band.as_deref().and_then(band_ceiling));
        f.set(
            Rule::ImplausibleDemand,
            match (q.needs_financing, q.need_amount, revenue) {
                (true, Some(amount), Some(revenue)) => {
                    amount > i64::from(t.demand_floor_wan) * YUAN_PER_WAN
                        && amount > revenue.saturating_mul(i64::from(t.demand_revenue_factor))
                }
                _ => false,
            },
        );
        let answered = super::day::of_millis(q.submitted_at);
        f.set(
            Rule::VisitBeforeQ1,
            case.visits
                .iter()
                .any(|v| v.visit_day.is_some_and(|d| d < answered)),
        );
    }
    f.set(
        Rule::VisitUnwanted,
        !case.visits.is_empty() && !q1.is_some_and(|q| q.wants_visit),
    );
    let approved: i64 = case.solutions.iter().filter_map(|s| s.approved).sum();
    let disbursed: i64 = case.solutions.iter().filter_map(|s| s.disbursed).sum();
    f.set(
        Rule::OverDisbursed,
        case.solutions
            .iter()
            .any(|s| matches!((s.approved, s.disbursed), (Some(a), Some(d)) if d > a))
            || disbursed > approved,
    );
    f
}

/// Whether an open solution last saved on `open_since` is stuck on `today`.
pub fn is_stuck(open_since: Option<Day>, today: Day, t: &Thresholds) -> bool {
    open_since.is_some_and(|d| today - d > t.stuck_days as i32)
}

/// The last day an open solution may have been saved on and be stuck on `today`.
pub fn stuck_before(today: Day, t: &Thresholds) -> Day {
    today - t.stuck_days as i32
}

/// A bank's (or manager's) quality score, 0–100: the share of its cases with answers that
/// carry no flag, counting stuck solutions as flagged. `None` when it has no answers yet.
/// Spot-check outcomes (part 4) will count here too.
pub fn score(responded: i64, flagged: i64, stuck: i64) -> Option<u32> {
    if responded <= 0 {
        return None;
    }
    let bad = (flagged + stuck).clamp(0, responded);
    let clean_per_mille = (responded - bad) * 1000 / responded;
    Some(((clean_per_mille + 5) / 10) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::day;
    use crate::progress::facts::{ListFacts, Q1, Solution, Visit};
    use crate::questionnaire::SolutionStatus;

    const T0: i64 = 1_580_000_000_000;

    fn answered(duration_s: i64) -> Q1 {
        Q1 {
            submitted_at: T0,
            duration_ms: Some(duration_s * 1000),
            needs_financing: true,
            wants_visit: true,
            need_amount: Some(50 * YUAN_PER_WAN),
            revenue_band: Some("100_to_500".into()),
            ip_key: 7,
            mobile_key: 9,
        }
    }

    fn case(q1: Option<Q1>) -> Case {
        Case {
            list: ListFacts::default(),
            q1,
            visits: vec![],
            solutions: vec![],
        }
    }

    fn only(rule: Rule, c: &Case, shared: SharedCounts) -> bool {
        flags(c, shared, &Thresholds::default()).has(rule)
    }

    fn visit(on: Day, duration_s: i64) -> Visit {
        Visit {
            submitted_at: T0 + 86_400_000 * 5,
            duration_ms: Some(duration_s * 1000),
            visit_day: Some(on),
        }
    }

    #[test]
    fn too_fast() {
        let none = SharedCounts::default();
        assert!(only(Rule::TooFast, &case(Some(answered(59))), none));
        assert!(!only(Rule::TooFast, &case(Some(answered(60))), none));
        let mut c = case(Some(answered(600)));
        c.visits.push(visit(day::of_millis(T0) + 3, 119));
        assert!(
            only(Rule::TooFast, &c, none),
            "a visit typed in two minutes"
        );
        c.visits[0].duration_ms = Some(120_000);
        assert!(!only(Rule::TooFast, &c, none));
        let mut unknown = answered(600);
        unknown.duration_ms = None;
        assert!(!only(Rule::TooFast, &case(Some(unknown)), none));
    }

    #[test]
    fn shared_ip_and_mobile() {
        let c = case(Some(answered(600)));
        let t = Thresholds::default();
        assert!(only(
            Rule::SharedIp,
            &c,
            SharedCounts {
                ip: t.shared_ip_answers,
                mobile: 1
            }
        ));
        assert!(!only(
            Rule::SharedIp,
            &c,
            SharedCounts {
                ip: t.shared_ip_answers - 1,
                mobile: 1
            }
        ));
        assert!(only(
            Rule::SharedMobile,
            &c,
            SharedCounts { ip: 1, mobile: 3 }
        ));
        assert!(!only(
            Rule::SharedMobile,
            &c,
            SharedCounts { ip: 1, mobile: 2 }
        ));
        let mut no_keys = answered(600);
        no_keys.ip_key = 0;
        no_keys.mobile_key = 0;
        let crowded = SharedCounts { ip: 99, mobile: 99 };
        assert!(!only(Rule::SharedIp, &case(Some(no_keys.clone())), crowded));
        assert!(!only(Rule::SharedMobile, &case(Some(no_keys)), crowded));
        // A threshold of 1 would flag everyone: two is the least that means "shared".
        let one = Thresholds {
            shared_mobile_enterprises: 1,
            ..Thresholds::default()
        };
        assert!(!flags(&c, SharedCounts { ip: 1, mobile: 1 }, &one).has(Rule::SharedMobile));
    }

    #[test]
    fn implausible_demand() {
        let none = SharedCounts::default();
        // 500 万 of revenue (band ceiling): up to 2,500 万 is plausible.
        let mut q = answered(600);
        q.need_amount = Some(2_500 * YUAN_PER_WAN);
        assert!(!only(Rule::ImplausibleDemand, &case(Some(q.clone())), none));
        q.need_amount = Some(2_501 * YUAN_PER_WAN);
        assert!(only(Rule::ImplausibleDemand, &case(Some(q.clone())), none));
        // The list's own revenue wins over the band.
        let mut c = case(Some(q.clone()));
        c.list.revenue = Some(1_000 * YUAN_PER_WAN);
        assert!(!only(Rule::ImplausibleDemand, &c, none));
        // Small demands never count; nor do demands of firms whose revenue is unknown.
        let mut small = answered(600);
        small.revenue_band = Some("under_100".into());
        small.need_amount = Some(100 * YUAN_PER_WAN);
        assert!(!only(
            Rule::ImplausibleDemand,
            &case(Some(small.clone())),
            none
        ));
        small.need_amount = Some(501 * YUAN_PER_WAN);
        assert!(only(Rule::ImplausibleDemand, &case(Some(small)), none));
        q.revenue_band = Some("over_10000".into());
        assert!(!only(Rule::ImplausibleDemand, &case(Some(q)), none));
    }

    #[test]
    fn visits_nobody_asked_for_or_dated_too_early() {
        let none = SharedCounts::default();
        let q1_day = day::of_millis(T0);
        let mut no_q1 = case(None);
        no_q1.visits.push(visit(q1_day, 900));
        assert!(only(Rule::VisitUnwanted, &no_q1, none));
        assert!(
            !only(Rule::VisitBeforeQ1, &no_q1, none),
            "nothing to compare with"
        );
        let mut declined = answered(600);
        declined.wants_visit = false;
        let mut c = case(Some(declined));
        c.visits.push(visit(q1_day + 1, 900));
        assert!(only(Rule::VisitUnwanted, &c, none));
        let mut wanted = case(Some(answered(600)));
        wanted.visits.push(visit(q1_day, 900));
        assert!(!only(Rule::VisitUnwanted, &wanted, none));
        assert!(
            !only(Rule::VisitBeforeQ1, &wanted, none),
            "the same day is fine"
        );
        wanted.visits.push(visit(q1_day - 1, 900));
        assert!(only(Rule::VisitBeforeQ1, &wanted, none));
        assert!(!only(Rule::VisitUnwanted, &case(Some(answered(600))), none));
    }

    #[test]
    fn over_disbursed() {
        let none = SharedCounts::default();
        let sol = |approved: Option<i64>, disbursed: Option<i64>| Solution {
            status: SolutionStatus::Disbursed,
            submitted_at: T0,
            saved_at: T0,
            approved,
            disbursed,
            disbursed_day: None,
        };
        let mut c = case(None);
        c.solutions = vec![sol(Some(100), Some(100))];
        assert!(!only(Rule::OverDisbursed, &c, none));
        c.solutions = vec![sol(Some(100), Some(101))];
        assert!(only(Rule::OverDisbursed, &c, none));
        c.solutions = vec![sol(None, Some(1))];
        assert!(
            only(Rule::OverDisbursed, &c, none),
            "disbursed without approval"
        );
    }

    #[test]
    fn stuck_counts_whole_days() {
        let t = Thresholds::default();
        assert!(!is_stuck(Some(100), 130, &t));
        assert!(is_stuck(Some(100), 131, &t));
        assert!(!is_stuck(None, 1000, &t));
        assert_eq!(stuck_before(131, &t), 101);
    }

    #[test]
    fn a_clean_case_has_no_flag() {
        let mut c = case(Some(answered(600)));
        c.visits.push(visit(day::of_millis(T0) + 2, 1800));
        assert!(
            !flags(
                &c,
                SharedCounts { ip: 1, mobile: 1 },
                &Thresholds::default()
            )
            .any()
        );
    }

    #[test]
    fn scores() {
        assert_eq!(score(0, 0, 0), None);
        assert_eq!(score(200, 0, 0), Some(100));
        assert_eq!(score(200, 20, 10), Some(85));
        assert_eq!(score(3, 1, 0), Some(67));
        assert_eq!(score(10, 8, 8), Some(0), "never below zero");
    }

    #[test]
    fn thresholds_read_with_defaults_and_refuse_unknown_keys() {
        let t: Thresholds = serde_json::from_str(r#"{"stuck_days": 14}"#).unwrap();
        assert_eq!(t.stuck_days, 14);
        assert_eq!(t.q1_min_seconds, 60);
        assert!(serde_json::from_str::<Thresholds>(r#"{"stuck_dayz": 14}"#).is_err());
    }
}
