//! The campaign's schedule (R21) and how far along a bank should be on a given day. Three
//! phases: organisation (the list settled, codes handed down), survey and visits,
//! analysis and summary. Within a phase the expected share of its work grows evenly from
//! nothing at its start to its target at its end; a bank is behind when what it has done
//! falls short of that. The dates and targets are a setting of each campaign.

use serde::{Deserialize, Serialize};

use super::day::{self, Day};

/// A campaign's phases and targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(with = "iso_day")]
    pub starts: Day,
    /// Last day of the organisation phase: every assigned enterprise has its code.
    #[serde(with = "iso_day")]
    pub organisation_ends: Day,
    /// Last day of the survey phase: questionnaires answered, visits made.
    #[serde(with = "iso_day")]
    pub survey_ends: Day,
    /// When the written summaries are due (the campaign's end).
    #[serde(with = "iso_day")]
    pub summary_due: Day,
    /// Share (%) of enterprises holding a code expected to answer questionnaire 1 by the
    /// end of the survey phase.
    pub q1_target_pct: u32,
    /// Share (%) of enterprises wanting a visit expected to be visited by then.
    pub visit_target_pct: u32,
}

/// Where the campaign stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    Organisation,
    Survey,
    Summary,
    Ended,
}

impl Phase {
    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::NotStarted => "尚未开始",
            Phase::Organisation => "组织阶段（确定名单、下发邀请码）",
            Phase::Survey => "调查走访阶段",
            Phase::Summary => "分析总结阶段",
            Phase::Ended => "已结束",
        }
    }
}

/// A measure of progress: a share of enterprises that reached one stage among those that
/// reached the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Codes issued among assigned enterprises.
    Coverage,
    /// Questionnaire 1 answered among enterprises holding a code.
    Response,
    /// Visits made among enterprises that asked for one.
    Visits,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::Coverage, Measure::Response, Measure::Visits];

    pub fn label_zh(self) -> &'static str {
        match self {
            Measure::Coverage => "发码率",
            Measure::Response => "问卷回收率",
            Measure::Visits => "走访完成率",
        }
    }
}

/// The counts a pace is judged on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub assigned: i64,
    pub coded: i64,
    pub answered: i64,
    pub wants_visit: i64,
    pub visited: i64,
}

/// How a bank keeps to the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pace {
    FarBehind,
    Behind,
    OnTrack,
    /// Nothing assigned to it: nothing to judge.
    NoWork,
}

impl Pace {
    pub fn label_zh(self) -> &'static str {
        match self {
            Pace::FarBehind => "严重滞后",
            Pace::Behind => "滞后",
            Pace::OnTrack => "正常",
            Pace::NoWork => "无任务",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Pace::FarBehind => "far_behind",
            Pace::Behind => "behind",
            Pace::OnTrack => "on_track",
            Pace::NoWork => "no_work",
        }
    }
}

/// Shortfalls (in share points) tolerated before a bank is behind, or far behind.
const BEHIND_AFTER: f64 = 0.05;
const FAR_BEHIND_AFTER: f64 = 0.20;

/// One measure of one bank on one day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeasureResult {
    pub measure: Measure,
    /// The share reached, `None` when there is nothing to measure (no denominator).
    pub actual: Option<f64>,
    pub expected: f64,
}

/// A bank's standing against the schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub measures: Vec<MeasureResult>,
    /// The largest shortfall (expected − actual, ≥ 0) over the measures.
    pub shortfall: f64,
    pub pace: Pace,
}

impl Schedule {
    /// The schedule of a campaign running from `starts` to `ends`, split like the first
    /// campaign's (1 Nov 2019 – 30 Apr 2020: organisation to 31 Dec, survey to 31 Mar,
    /// summary to the end), with every enterprise expected to answer and be visited.
    pub fn for_campaign(starts: Day, ends: Day) -> Schedule {
        let span = i64::from((ends - starts).max(3));
        let at = |num: i64| starts + ((span * num + 90) / 181) as Day;
        Schedule {
            starts,
            organisation_ends: at(60),
            survey_ends: at(151),
            summary_due: ends.max(at(151) + 1),
            q1_target_pct: 100,
            visit_target_pct: 100,
        }
    }

    /// Refuses dates out of order and targets outside 1–100, saying which (in Chinese).
    pub fn check(&self) -> Result<(), String> {
        if !(self.starts <= self.organisation_ends
            && self.organisation_ends < self.survey_ends
            && self.survey_ends <= self.summary_due)
        {
            return Err(
                "日期须依次为：开始 ≤ 组织阶段结束 < 调查走访阶段结束 ≤ 总结报送截止".into(),
            );
        }
        for (name, pct) in [
            ("问卷回收目标", self.q1_target_pct),
            ("走访完成目标", self.visit_target_pct),
        ] {
            if !(1..=100).contains(&pct) {
                return Err(format!("{name}应为 1–100 之间的百分数"));
            }
        }
        Ok(())
    }

    pub fn phase_on(&self, today: Day) -> Phase {
        if today < self.starts {
            Phase::NotStarted
        } else if today <= self.organisation_ends {
            Phase::Organisation
        } else if today <= self.survey_ends {
            Phase::Survey
        } else if today <= self.summary_due {
            Phase::Summary
        } else {
            Phase::Ended
        }
    }

    /// The share of `measure` expected to be reached by the end of `today`.
    pub fn expected(&self, measure: Measure, today: Day) -> f64 {
        let (from, to, target) = match measure {
            Measure::Coverage => (self.starts, self.organisation_ends, 100),
            Measure::Response => (
                self.organisation_ends + 1,
                self.survey_ends,
                self.q1_target_pct,
            ),
            Measure::Visits => (
                self.organisation_ends + 1,
                self.survey_ends,
                self.visit_target_pct,
            ),
        };
        let elapsed = f64::from(today - from + 1) / f64::from(to - from + 1);
        elapsed.clamp(0.0, 1.0) * f64::from(target) / 100.0
    }

    /// How `progress` compares with what the schedule expects on `today`.
    pub fn assess(&self, progress: &Progress, today: Day) -> Assessment {
        let share = |num: i64, den: i64| (den > 0).then(|| num.min(den) as f64 / den as f64);
        let measures: Vec<MeasureResult> = Measure::ALL
            .iter()
            .map(|m| MeasureResult {
                measure: *m,
                actual: match m {
                    Measure::Coverage => share(progress.coded, progress.assigned),
                    Measure::Response => share(progress.answered, progress.coded),
                    Measure::Visits => share(progress.visited, progress.wants_visit),
                },
                expected: self.expected(*m, today),
            })
            .collect();
        let shortfall = measures
            .iter()
            .filter_map(|m| m.actual.map(|a| m.expected - a))
            .fold(0.0, f64::max);
        let pace = if progress.assigned == 0 {
            Pace::NoWork
        } else if shortfall > FAR_BEHIND_AFTER {
            Pace::FarBehind
        } else if shortfall > BEHIND_AFTER {
            Pace::Behind
        } else {
            Pace::OnTrack
        };
        Assessment {
            measures,
            shortfall,
            pace,
        }
    }
}

/// Days as `YYYY-MM-DD` in stored settings.
mod iso_day {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{Day, day};

    pub fn serialize<S: Serializer>(d: &Day, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&day::iso(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let text = String::deserialize(d)?;
        day::parse_iso(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("不是 YYYY-MM-DD 日期：{text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first() -> Schedule {
        Schedule::for_campaign(day::of_ymd(2019, 11, 1), day::of_ymd(2020, 4, 30))
    }

    #[test]
    fn the_first_campaign_gets_the_seed_dates() {
        let s = first();
        assert_eq!(day::iso(s.organisation_ends), "2019-12-31");
        assert_eq!(day::iso(s.survey_ends), "2020-03-31");
        assert_eq!(day::iso(s.summary_due), "2020-04-30");
        assert!(s.check().is_ok());
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"survey_ends\":\"2020-03-31\""), "{json}");
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), s);
    }

    #[test]
    fn phases() {
        let s = first();
        assert_eq!(s.phase_on(day::of_ymd(2019, 10, 31)), Phase::NotStarted);
        assert_eq!(s.phase_on(day::of_ymd(2019, 12, 31)), Phase::Organisation);
        assert_eq!(s.phase_on(day::of_ymd(2020, 1, 1)), Phase::Survey);
        assert_eq!(s.phase_on(day::of_ymd(2020, 4, 1)), Phase::Summary);
        assert_eq!(s.phase_on(day::of_ymd(2020, 5, 1)), Phase::Ended);
    }

    #[test]
    fn expectations_grow_through_each_phase() {
        let s = first();
        let mid_survey = day::of_ymd(2020, 2, 15);
        assert_eq!(s.expected(Measure::Coverage, mid_survey), 1.0);
        let r = s.expected(Measure::Response, mid_survey);
        assert!((0.45..0.55).contains(&r), "{r}");
        assert_eq!(s.expected(Measure::Response, day::of_ymd(2019, 12, 1)), 0.0);
        assert_eq!(s.expected(Measure::Response, day::of_ymd(2020, 3, 31)), 1.0);
        let lower = Schedule {
            q1_target_pct: 80,
            ..first()
        };
        assert_eq!(
            lower.expected(Measure::Response, day::of_ymd(2021, 1, 1)),
            0.8
        );
    }

    #[test]
    fn pace_follows_the_worst_measure() {
        let s = first();
        let end = day::of_ymd(2020, 3, 31);
        let base = Progress {
            assigned: 100,
            coded: 100,
            answered: 96,
            wants_visit: 10,
            visited: 10,
        };
        assert_eq!(s.assess(&base, end).pace, Pace::OnTrack);
        let slow = Progress {
            answered: 90,
            ..base
        };
        assert_eq!(s.assess(&slow, end).pace, Pace::Behind);
        let unvisited = Progress { visited: 5, ..base };
        let a = s.assess(&unvisited, end);
        assert_eq!(a.pace, Pace::FarBehind);
        assert!((a.shortfall - 0.5).abs() < 1e-9);
        // Nobody wanting a visit is not a shortfall of visits.
        let none_wanted = Progress {
            wants_visit: 0,
            visited: 0,
            ..base
        };
        assert_eq!(s.assess(&none_wanted, end).pace, Pace::OnTrack);
        assert_eq!(s.assess(&Progress::default(), end).pace, Pace::NoWork);
        // Early in the survey phase little is expected yet.
        let early = Progress {
            answered: 5,
            ..base
        };
        assert_eq!(
            s.assess(&early, day::of_ymd(2020, 1, 3)).pace,
            Pace::OnTrack
        );
    }

    #[test]
    fn checks_refuse_bad_settings() {
        let mut s = first();
        s.survey_ends = s.organisation_ends;
        assert!(s.check().is_err());
        let mut s = first();
        s.q1_target_pct = 0;
        assert!(s.check().is_err());
        assert!(serde_json::from_str::<Schedule>(r#"{"starts":"2019-11-31"}"#).is_err());
    }
}
