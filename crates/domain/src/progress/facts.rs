//! What one enterprise's case contributes to the dashboards: how far along the funnel it
//! is, the amounts demanded, approved and disbursed, the days things happened, and its
//! quality flags. Computed from the case as stored (list row, code, submitted answers);
//! the store keeps the result per enterprise so a change is counted as a difference.

use crate::questionnaire::SolutionStatus;

use super::day::{self, Day};
use super::quality::{self, Flags, SharedCounts, Thresholds};

/// A step of the campaign funnel (issue 5 part 1), in the order an enterprise passes them.
/// Each counts the enterprises that reached it; later steps need not imply earlier ones
/// (a manager may visit an enterprise that never answered questionnaire 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Listed,
    Eligible,
    /// Eligible and matched to a branch of its basic-account bank.
    Assigned,
    /// Given to a customer manager.
    Managed,
    /// Holds an invitation code in force.
    Coded,
    /// Questionnaire 1 submitted.
    Answered,
    NeedsFinancing,
    WantsVisit,
    /// At least one visit recorded (questionnaire 2 submitted).
    Visited,
    /// At least one financing solution recorded (questionnaire 3 submitted).
    Solution,
    /// A solution approved (or further: disbursed, closed).
    Approved,
    /// A solution disbursed (or closed after disbursement).
    Disbursed,
}

impl Stage {
    pub const ALL: [Stage; 12] = [
        Stage::Listed,
        Stage::Eligible,
        Stage::Assigned,
        Stage::Managed,
        Stage::Coded,
        Stage::Answered,
        Stage::NeedsFinancing,
        Stage::WantsVisit,
        Stage::Visited,
        Stage::Solution,
        Stage::Approved,
        Stage::Disbursed,
    ];

    /// The stable name: the column of the rollup tables, the key in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Listed => "listed",
            Stage::Eligible => "eligible",
            Stage::Assigned => "assigned",
            Stage::Managed => "managed",
            Stage::Coded => "coded",
            Stage::Answered => "q1",
            Stage::NeedsFinancing => "need",
            Stage::WantsVisit => "wants_visit",
            Stage::Visited => "visited",
            Stage::Solution => "solution",
            Stage::Approved => "approved",
            Stage::Disbursed => "disbursed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Stage::Listed => "名单企业",
            Stage::Eligible => "符合条件",
            Stage::Assigned => "已对应网点",
            Stage::Managed => "已分配客户经理",
            Stage::Coded => "已发邀请码",
            Stage::Answered => "已填问卷一",
            Stage::NeedsFinancing => "有融资需求",
            Stage::WantsVisit => "愿意上门走访",
            Stage::Visited => "已走访",
            Stage::Solution => "已有融资方案",
            Stage::Approved => "已审批",
            Stage::Disbursed => "已放款",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The stages an enterprise has reached, as a bit set (stored as an integer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stages(pub u16);

impl Stages {
    pub fn has(self, stage: Stage) -> bool {
        self.0 & stage.bit() != 0
    }

    fn set(&mut self, stage: Stage, on: bool) {
        if on {
            self.0 |= stage.bit();
        }
    }
}

/// What the list and the codes say about an enterprise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFacts {
    pub eligible: bool,
    /// Eligible and matched to a bank branch.
    pub assigned: bool,
    pub managed: bool,
    pub coded: bool,
    /// Operating revenue from the list, in yuan, when the bureau gave it.
    pub revenue: Option<i64>,
}

/// A submitted questionnaire 1, reduced to what the dashboards and quality rules read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Q1 {
    pub submitted_at: i64,
    pub duration_ms: Option<i64>,
    pub needs_financing: bool,
    pub wants_visit: bool,
    /// The amount asked for, in yuan (only when financing is needed).
    pub need_amount: Option<i64>,
    /// The revenue band the enterprise chose (`under_100`, …), for the plausibility rule.
    pub revenue_band: Option<String>,
    /// Short keys of the client's (salted) IP hash and of the respondent's mobile; 0 = none.
    pub ip_key: i64,
    pub mobile_key: i64,
}

/// A submitted visit (questionnaire 2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visit {
    pub submitted_at: i64,
    pub duration_ms: Option<i64>,
    /// The visit date the manager entered.
    pub visit_day: Option<Day>,
}

/// A submitted financing solution (questionnaire 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    pub status: SolutionStatus,
    pub submitted_at: i64,
    /// When it was last saved (a status update or any other change of the form).
    pub saved_at: i64,
    pub approved: Option<i64>,
    pub disbursed: Option<i64>,
    pub disbursed_day: Option<Day>,
}

impl Solution {
    pub fn is_approved(&self) -> bool {
        matches!(
            self.status,
            SolutionStatus::Approved | SolutionStatus::Disbursed | SolutionStatus::Closed
        )
    }

    pub fn is_disbursed(&self) -> bool {
        matches!(
            self.status,
            SolutionStatus::Disbursed | SolutionStatus::Closed
        )
    }

    /// Still waiting for the bank to act (before the money is out, not finished).
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            SolutionStatus::Proposed
                | SolutionStatus::Applied
                | SolutionStatus::UnderReview
                | SolutionStatus::Approved
        )
    }
}

/// One enterprise's case as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Case {
    pub list: ListFacts,
    pub q1: Option<Q1>,
    pub visits: Vec<Visit>,
    pub solutions: Vec<Solution>,
}

/// What a case contributes to the dashboards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub stages: Stages,
    pub flags: Flags,
    /// Yuan asked for in questionnaire 1, approved and disbursed over all solutions.
    pub demanded: i64,
    pub approved: i64,
    pub disbursed: i64,
    /// Days of questionnaire 1, the first visit, the first solution, the first disbursement.
    pub q1_day: Option<Day>,
    pub visit_day: Option<Day>,
    pub solution_day: Option<Day>,
    pub disbursed_day: Option<Day>,
    /// The day the longest-untouched open solution was last saved ("stuck" counts days
    /// from it, so it needs no recomputation as days pass).
    pub open_since: Option<Day>,
    pub ip_key: i64,
    pub mobile_key: i64,
}

impl Facts {
    /// The facts of `case`. `shared` counts the enterprises whose questionnaire 1 came from
    /// the same IP and gave the same mobile (this one included).
    pub fn of(case: &Case, shared: SharedCounts, thresholds: &Thresholds) -> Facts {
        let mut stages = Stages::default();
        let list = &case.list;
        stages.set(Stage::Listed, true);
        stages.set(Stage::Eligible, list.eligible);
        stages.set(Stage::Assigned, list.assigned);
        stages.set(Stage::Managed, list.managed);
        stages.set(Stage::Coded, list.coded);
        if let Some(q1) = &case.q1 {
            stages.set(Stage::Answered, true);
            stages.set(Stage::NeedsFinancing, q1.needs_financing);
            stages.set(Stage::WantsVisit, q1.wants_visit);
        }
        let solutions = &case.solutions;
        stages.set(Stage::Visited, !case.visits.is_empty());
        stages.set(Stage::Solution, !solutions.is_empty());
        stages.set(Stage::Approved, solutions.iter().any(Solution::is_approved));
        stages.set(
            Stage::Disbursed,
            solutions.iter().any(Solution::is_disbursed),
        );
        let q1 = case.q1.as_ref();
        Facts {
            stages,
            flags: quality::flags(case, shared, thresholds),
            demanded: q1
                .filter(|q| q.needs_financing)
                .and_then(|q| q.need_amount)
                .unwrap_or(0),
            approved: solutions
                .iter()
                .filter(|s| s.is_approved())
                .filter_map(|s| s.approved)
                .sum(),
            disbursed: solutions
                .iter()
                .filter(|s| s.is_disbursed())
                .filter_map(|s| s.disbursed)
                .sum(),
            q1_day: q1.map(|q| day::of_millis(q.submitted_at)),
            visit_day: case
                .visits
                .iter()
                .map(|v| {
                    v.visit_day
                        .unwrap_or_else(|| day::of_millis(v.submitted_at))
                })
                .min(),
            solution_day: solutions
                .iter()
                .map(|s| day::of_millis(s.submitted_at))
                .min(),
            disbursed_day: solutions
                .iter()
                .filter(|s| s.is_disbursed())
                .map(|s| {
                    s.disbursed_day
                        .unwrap_or_else(|| day::of_millis(s.saved_at))
                })
                .min(),
            open_since: solutions
                .iter()
                .filter(|s| s.is_open())
                .map(|s| day::of_millis(s.saved_at))
                .min(),
            ip_key: q1.map_or(0, |q| q.ip_key),
            mobile_key: q1.map_or(0, |q| q.mobile_key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn solution(status: SolutionStatus, approved: i64, disbursed: i64) -> Solution {
        Solution {
            status,
            submitted_at: 1_580_000_000_000,
            saved_at: 1_580_000_000_000,
            approved: Some(approved).filter(|a| *a > 0),
            disbursed: Some(disbursed).filter(|d| *d > 0),
            disbursed_day: None,
        }
    }

    #[test]
    fn an_untouched_listed_enterprise_is_only_listed() {
        let f = Facts::of(
            &Case::default(),
            SharedCounts::default(),
            &Thresholds::default(),
        );
        assert!(f.stages.has(Stage::Listed));
        for s in &Stage::ALL[1..] {
            assert!(!f.stages.has(*s), "{s:?}");
        }
        assert_eq!((f.demanded, f.approved, f.disbursed), (0, 0, 0));
        assert_eq!(f.flags, Flags::default());
    }

    #[test]
    fn stages_and_amounts_follow_the_answers() {
        let case = Case {
            list: ListFacts {
                eligible: true,
                assigned: true,
                managed: true,
                coded: true,
                revenue: Some(5_000_000),
            },
            q1: Some(Q1 {
                submitted_at: 1_580_000_000_000,
                duration_ms: Some(300_000),
                needs_financing: true,
                wants_visit: true,
                need_amount: Some(500_000),
                ..Q1::default()
            }),
            visits: vec![Visit {
                submitted_at: 1_580_100_000_000,
                duration_ms: Some(900_000),
                visit_day: Some(day::of_millis(1_580_100_000_000)),
            }],
            solutions: vec![
                solution(SolutionStatus::Disbursed, 400_000, 300_000),
                solution(SolutionStatus::Approved, 100_000, 0),
                solution(SolutionStatus::Declined, 0, 0),
            ],
        };
        let f = Facts::of(&case, SharedCounts::default(), &Thresholds::default());
        assert!(Stage::ALL.iter().all(|s| f.stages.has(*s)));
        assert_eq!(
            (f.demanded, f.approved, f.disbursed),
            (500_000, 500_000, 300_000)
        );
        assert_eq!(f.flags, Flags::default(), "a clean case");
        assert_eq!(f.open_since, Some(day::of_millis(1_580_000_000_000)));
    }

    #[test]
    fn no_need_means_no_demand_and_declined_means_nothing_approved() {
        let case = Case {
            q1: Some(Q1 {
                submitted_at: 1,
                needs_financing: false,
                need_amount: Some(100),
                ..Q1::default()
            }),
            solutions: vec![solution(SolutionStatus::Declined, 0, 0)],
            ..Case::default()
        };
        let f = Facts::of(&case, SharedCounts::default(), &Thresholds::default());
        assert_eq!(f.demanded, 0);
        assert!(f.stages.has(Stage::Solution) && !f.stages.has(Stage::Approved));
        assert_eq!(f.open_since, None, "a declined solution is not waiting");
    }
}
