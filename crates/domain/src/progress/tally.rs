//! Tallies: what the facts of many cases add up to — the rows of the rollup tables and of
//! every dashboard. A tally is a fixed vector of counters named by [`COLUMNS`], so adding
//! and subtracting facts is the same loop whatever the counter.

use super::facts::{Facts, Stage};
use super::quality::Rule;

/// The counters, in storage order: the funnel stages, the amounts (yuan), the cases with
/// answers ("responded") and those with any quality flag, then one per flagged rule.
pub const COLUMNS: [&str; 24] = [
    "listed",
    "eligible",
    "assigned",
    "managed",
    "coded",
    "q1",
    "need",
    "wants_visit",
    "visited",
    "solution",
    "approved",
    "disbursed",
    "demanded_yuan",
    "approved_yuan",
    "disbursed_yuan",
    "responded",
    "flagged",
    "f_too_fast",
    "f_shared_ip",
    "f_shared_mobile",
    "f_implausible",
    "f_visit_unwanted",
    "f_visit_before_q1",
    "f_over_disbursed",
];

const STAGES: usize = 12;
const DEMANDED: usize = 12;
const APPROVED: usize = 13;
const DISBURSED: usize = 14;
const RESPONDED: usize = 15;
const FLAGGED: usize = 16;
const FIRST_RULE: usize = 17;

/// Counters in [`COLUMNS`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally(pub [i64; 24]);

impl Tally {
    /// What one case contributes.
    pub fn of(facts: &Facts) -> Tally {
        let mut t = Tally::default();
        for (i, stage) in Stage::ALL.iter().enumerate() {
            t.0[i] = i64::from(facts.stages.has(*stage));
        }
        t.0[DEMANDED] = facts.demanded;
        t.0[APPROVED] = facts.approved;
        t.0[DISBURSED] = facts.disbursed;
        let s = facts.stages;
        t.0[RESPONDED] =
            i64::from(s.has(Stage::Answered) || s.has(Stage::Visited) || s.has(Stage::Solution));
        t.0[FLAGGED] = i64::from(facts.flags.any());
        for (i, rule) in Rule::FLAGGED.iter().enumerate() {
            t.0[FIRST_RULE + i] = i64::from(facts.flags.has(*rule));
        }
        t
    }

    pub fn add(&mut self, other: &Tally) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn sub(&mut self, other: &Tally) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a -= b;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }

    pub fn stage(&self, stage: Stage) -> i64 {
        self.0[stage as usize]
    }

    pub fn demanded(&self) -> i64 {
        self.0[DEMANDED]
    }
    pub fn approved(&self) -> i64 {
        self.0[APPROVED]
    }
    pub fn disbursed(&self) -> i64 {
        self.0[DISBURSED]
    }
    pub fn responded(&self) -> i64 {
        self.0[RESPONDED]
    }
    pub fn flagged(&self) -> i64 {
        self.0[FLAGGED]
    }

    /// Cases flagged by `rule` (0 for the stuck rule, which is counted apart).
    pub fn rule(&self, rule: Rule) -> i64 {
        Rule::FLAGGED
            .iter()
            .position(|r| *r == rule)
            .map_or(0, |i| self.0[FIRST_RULE + i])
    }

    /// The number of funnel stages (the first counters).
    pub const STAGES: usize = STAGES;
}

/// What one case contributes to the daily series: (day, counter) pairs, counters being
/// [`DAILY_COLUMNS`] indexes.
pub const DAILY_COLUMNS: [&str; 4] = ["q1", "visited", "solution", "disbursed"];

pub fn daily(facts: &Facts) -> Vec<(super::day::Day, usize)> {
    [
        facts.q1_day,
        facts.visit_day,
        facts.solution_day,
        facts.disbursed_day,
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(i, d)| d.map(|d| (d, i)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::facts::{Case, ListFacts, Q1};
    use crate::progress::quality::{SharedCounts, Thresholds};

    #[test]
    fn columns_line_up_with_stages_and_rules() {
        for (i, s) in Stage::ALL.iter().enumerate() {
            assert_eq!(COLUMNS[i], s.code());
        }
        for (i, r) in Rule::FLAGGED.iter().enumerate() {
            assert_eq!(COLUMNS[FIRST_RULE + i], format!("f_{}", r.code()));
        }
    }

    #[test]
    fn adding_then_subtracting_a_case_leaves_nothing() {
        let case = Case {
            list: ListFacts {
                eligible: true,
                assigned: true,
                ..ListFacts::default()
            },
            q1: Some(Q1 {
                submitted_at: 1_580_000_000_000,
                duration_ms: Some(10_000),
                needs_financing: true,
                need_amount: Some(10_000),
                ..Q1::default()
            }),
            ..Case::default()
        };
        let t = Tally::of(&Facts::of(
            &case,
            SharedCounts::default(),
            &Thresholds::default(),
        ));
        assert_eq!(t.stage(Stage::Answered), 1);
        assert_eq!(
            (t.responded(), t.flagged(), t.rule(Rule::TooFast)),
            (1, 1, 1)
        );
        let mut sum = Tally::default();
        sum.add(&t);
        sum.add(&t);
        sum.sub(&t);
        assert_eq!(sum, t);
        sum.sub(&t);
        assert!(sum.is_zero());
    }
}
