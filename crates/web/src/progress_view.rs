//! What the dashboard, supervision and quality pages show, built from a store
//! `ProgressReport`: shares and amounts as text, the funnel as bars, the daily series as an
//! SVG drawn here (no script, nothing from outside: attributes, not inline styles, so the
//! page's CSP holds), rows ranked worst first against the schedule.

use askama::Template;
use yinqi_domain::progress::schedule::{Assessment, Measure, Progress};
use yinqi_domain::progress::{Rule, Stage, Tally, day, quality};
use yinqi_store::{Level, ProgressReport, ProgressRow, Reminder, rule_counts};

use crate::templates::Nav;

/// A count as shown: suppressed counts (−1) as "—".
pub fn count(v: i64) -> String {
    if v < 0 {
        return "—".into();
    }
    group_digits(v)
}

fn group_digits(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// `num / den` as a percentage with one decimal, "—" when undefined or suppressed.
pub fn share(num: i64, den: i64) -> String {
    if num < 0 || den <= 0 {
        return "—".into();
    }
    let per_mille = (num.min(den) * 1000 + den / 2) / den;
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

/// Yuan as 万元 with two decimals and grouped digits; "—" when suppressed.
pub fn wan(yuan: i64) -> String {
    if yuan < 0 {
        return "—".into();
    }
    let hundredths = (yuan + 50) / 100;
    format!("{}.{:02}", group_digits(hundredths / 100), hundredths % 100)
}

/// A fraction as a whole percentage.
fn pct(f: f64) -> String {
    format!("{:.0}%", (f * 100.0).round())
}

/// `2026-11-28 10:00:00`, or "尚未统计".
pub fn when(millis: i64) -> String {
    if millis <= 0 {
        "尚未统计".into()
    } else {
        crate::clock::beijing(millis)
    }
}

/// One step of the funnel with its bar (0–100).
pub struct FunnelStep {
    pub label: &'static str,
    pub count: String,
    /// Share of the step before it (the conversion), "" for the first.
    pub of_previous: String,
    pub bar: i64,
}

/// The funnel of a tally; each step's share of the one before and a bar relative to the
/// first step.
pub fn funnel(t: &Tally) -> Vec<FunnelStep> {
    let top = t.stage(Stage::Listed).max(1);
    let steps = [
        Stage::Listed,
        Stage::Eligible,
        Stage::Assigned,
        Stage::Coded,
        Stage::Answered,
        Stage::NeedsFinancing,
        Stage::WantsVisit,
        Stage::Visited,
        Stage::Solution,
        Stage::Approved,
        Stage::Disbursed,
    ];
    let mut out = Vec::new();
    let mut previous: Option<i64> = None;
    for s in steps {
        let v = t.stage(s);
        out.push(FunnelStep {
            label: s.label_zh(),
            count: count(v),
            of_previous: previous.map_or_else(String::new, |p| share(v, p)),
            bar: if v <= 0 { 0 } else { (v * 100 / top).max(1) },
        });
        previous = Some(v);
    }
    out
}

/// How a row keeps to the schedule, for the tables.
pub struct PaceView {
    pub label: &'static str,
    pub code: &'static str,
    pub shortfall: f64,
    /// Each measure: reached / expected today.
    pub measures: Vec<(String, String)>,
}

pub fn progress_of(t: &Tally) -> Progress {
    Progress {
        assigned: t.stage(Stage::Assigned),
        coded: t.stage(Stage::Coded),
        answered: t.stage(Stage::Answered),
        wants_visit: t.stage(Stage::WantsVisit),
        visited: t.stage(Stage::Visited),
    }
}

pub fn pace_view(a: &Assessment) -> PaceView {
    PaceView {
        label: a.pace.label_zh(),
        code: a.pace.code(),
        shortfall: a.shortfall,
        measures: a
            .measures
            .iter()
            .map(|m| (m.actual.map_or_else(|| "—".into(), pct), pct(m.expected)))
            .collect(),
    }
}

/// The labels of the schedule's measures, in [`PaceView::measures`] order.
pub fn measure_labels() -> Vec<&'static str> {
    Measure::ALL.iter().map(|m| m.label_zh()).collect()
}

/// A row of the dashboard table.
pub struct RowView {
    pub name: String,
    pub link: Option<String>,
    pub listed: String,
    pub assigned: String,
    pub coded: String,
    pub answered: String,
    pub response_rate: String,
    pub need: String,
    pub wants_visit: String,
    pub visited: String,
    pub visit_rate: String,
    pub solution: String,
    pub approved: String,
    pub disbursed: String,
    pub disbursed_wan: String,
    pub pace: Option<PaceView>,
    pub score: String,
    pub score_value: Option<u32>,
    /// Cases with any answer (the quality score's base) and those flagged.
    pub responded: String,
    pub flagged: String,
    pub rules: Vec<String>,
    /// Raw keys, for the press form.
    pub key: String,
}

/// The name shown for a row's "none" key.
fn none_label(level: Level) -> &'static str {
    match level {
        Level::Bureau => "（未知监管局）",
        Level::Bank => "（未对应银行）",
        Level::Branch => "（未对应网点）",
        Level::Manager => "（未分配客户经理）",
    }
}

/// The rows of a report as shown, with links to the level below (`link` builds them; a
/// row without a key to follow gets none), ranked worst first against the schedule when
/// `rank` (name order otherwise).
pub fn rows(
    report: &ProgressReport,
    link: &dyn Fn(&ProgressRow) -> Option<String>,
    rank: bool,
) -> Vec<RowView> {
    let Some(level) = report.rows_level else {
        return Vec::new();
    };
    let schedule = &report.settings.schedule;
    let mut out: Vec<RowView> = report
        .rows
        .iter()
        .map(|r| {
            let t = &r.tally;
            let is_none = matches!(r.key.as_str(), "" | "0");
            let suppressed = report.min_cell.is_some();
            let pace =
                (!suppressed).then(|| pace_view(&schedule.assess(&progress_of(t), report.today)));
            let score = (!suppressed)
                .then(|| quality::score(t.responded(), t.flagged(), r.stuck))
                .flatten();
            RowView {
                name: if is_none || r.label.is_empty() {
                    if is_none {
                        none_label(level).to_owned()
                    } else {
                        r.key.clone()
                    }
                } else {
                    r.label.clone()
                },
                link: if is_none { None } else { link(r) },
                listed: count(t.stage(Stage::Listed)),
                assigned: count(t.stage(Stage::Assigned)),
                coded: count(t.stage(Stage::Coded)),
                answered: count(t.stage(Stage::Answered)),
                response_rate: share(t.stage(Stage::Answered), t.stage(Stage::Coded)),
                need: count(t.stage(Stage::NeedsFinancing)),
                wants_visit: count(t.stage(Stage::WantsVisit)),
                visited: count(t.stage(Stage::Visited)),
                visit_rate: share(t.stage(Stage::Visited), t.stage(Stage::WantsVisit)),
                solution: count(t.stage(Stage::Solution)),
                approved: count(t.stage(Stage::Approved)),
                disbursed: count(t.stage(Stage::Disbursed)),
                disbursed_wan: wan(t.disbursed()),
                score: score.map_or_else(|| "—".into(), |s| s.to_string()),
                score_value: score,
                responded: count(t.responded()),
                flagged: count(t.flagged()),
                rules: rule_counts(t, r.stuck)
                    .into_iter()
                    .map(|(_, n)| count(n))
                    .collect(),
                pace,
                key: r.key.clone(),
            }
        })
        .collect();
    if rank {
        // Worst first: the largest shortfall; rows with no work last.
        out.sort_by(|a, b| {
            let key = |r: &RowView| {
                r.pace.as_ref().map_or(f64::NEG_INFINITY, |p| {
                    if p.code == "no_work" {
                        -1.0
                    } else {
                        p.shortfall
                    }
                })
            };
            key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name))
        });
    }
    out
}

/// Ranks rows by quality score, lowest first (rows without answers last).
pub fn rank_by_quality(rows: &mut [RowView]) {
    rows.sort_by(|a, b| {
        a.score_value
            .unwrap_or(u32::MAX)
            .cmp(&b.score_value.unwrap_or(u32::MAX))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The daily series drawn as cumulative lines (questionnaire 1, visits, solutions) in a
/// 600 × 160 SVG, and the last days as table rows (the chart's text alternative).
pub struct Chart {
    pub lines: Vec<(&'static str, &'static str, String)>,
    pub first: String,
    pub last: String,
    pub top: String,
    pub recent: Vec<(String, [String; 4])>,
}

pub fn chart(daily: &[(day::Day, [i64; 4])]) -> Option<Chart> {
    let (first, last) = (daily.first()?.0, daily.last()?.0);
    let span = (last - first).max(1) as f64;
    let mut totals = [0i64; 4];
    let mut cumulative: Vec<(day::Day, [i64; 4])> = Vec::new();
    for (d, v) in daily {
        // Suppressed days (−1, for aggregates-only viewers) add nothing to the lines.
        for i in 0..4 {
            totals[i] += v[i].max(0);
        }
        cumulative.push((*d, totals));
    }
    let top = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let series = [
        (0usize, "已填问卷一", "#b0202e"),
        (1, "已走访", "#1f6fb2"),
        (2, "已有方案", "#19703a"),
    ];
    let lines = series
        .iter()
        .map(|(i, label, colour)| {
            let points: Vec<String> = cumulative
                .iter()
                .map(|(d, v)| {
                    let x = f64::from(d - first) / span * 600.0;
                    let y = 160.0 - v[*i] as f64 / top * 150.0;
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            (*label, *colour, points.join(" "))
        })
        .collect();
    let recent = daily
        .iter()
        .rev()
        .take(14)
        .map(|(d, v)| (day::iso(*d), v.map(count)))
        .collect();
    Some(Chart {
        lines,
        first: day::iso(first),
        last: day::iso(last),
        top: count(top as i64),
        recent,
    })
}

/// A reminder as listed.
pub struct ReminderView {
    pub id: i64,
    pub bank: String,
    pub territory: String,
    pub message: String,
    pub created: String,
    pub created_by: String,
    pub reply: Option<String>,
    pub replied: String,
}

pub fn reminder_view(r: &Reminder) -> ReminderView {
    ReminderView {
        id: r.id,
        bank: r.bank_name.clone(),
        territory: r
            .bureau_code
            .as_deref()
            .and_then(yinqi_domain::bureau::by_code)
            .map_or_else(|| "全国".to_owned(), |b| b.name.to_owned()),
        message: r.message.clone(),
        created: when(r.created_at),
        created_by: r.created_by.clone(),
        reply: r.reply.clone(),
        replied: r.replied_at.map(when).unwrap_or_default(),
    }
}

/// The rule names and what each checks, for the quality page.
pub fn rules_explained(t: &yinqi_domain::progress::Thresholds) -> Vec<(&'static str, String)> {
    Rule::ALL
        .iter()
        .map(|r| (r.label_zh(), r.explain_zh(t)))
        .collect()
}

pub fn rule_labels() -> Vec<&'static str> {
    Rule::ALL.iter().map(|r| r.label_zh()).collect()
}

/// A link back up, shown above the table.
pub struct Crumb {
    pub label: String,
    pub href: String,
}

/// How fresh the numbers are, for every page that shows them.
pub struct Freshness {
    pub updated: String,
    /// Cases still waiting to be counted ("" when none).
    pub pending: String,
}

pub fn freshness(report: &ProgressReport) -> Freshness {
    let s = &report.status;
    Freshness {
        updated: when(report.status.complete_at),
        pending: if s.queue_left == 0 && s.sweeps_left == 0 {
            String::new()
        } else if s.sweeps_left > 0 {
            format!(
                "正在重新统计（尚有 {} 个监管局的名单待统计）",
                s.sweeps_left
            )
        } else {
            format!("尚有 {} 家企业的最新变化待统计", count(s.queue_left as i64))
        },
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage<'a> {
    pub nav: Option<Nav>,
    pub title: String,
    pub campaign: &'a str,
    pub crumbs: Vec<Crumb>,
    pub fresh: Freshness,
    pub phase: String,
    pub funnel: Vec<FunnelStep>,
    pub demanded: String,
    pub approved: String,
    pub disbursed: String,
    pub rows_heading: &'static str,
    pub rows: Vec<RowView>,
    pub measures: Vec<&'static str>,
    pub chart: Option<Chart>,
    pub suppressed: Option<i64>,
    pub reminders: Vec<ReminderView>,
    /// Where this view's supervision and quality pages are ("" when the viewer has none).
    pub supervision_link: String,
    pub quality_link: String,
}

#[derive(Template)]
#[template(path = "supervision.html")]
pub struct SupervisionPage<'a> {
    pub nav: Option<Nav>,
    pub title: String,
    pub campaign: &'a str,
    pub crumbs: Vec<Crumb>,
    pub fresh: Freshness,
    pub phase: String,
    pub schedule: Vec<(&'static str, String)>,
    pub measures: Vec<&'static str>,
    pub rows: Vec<RowView>,
    /// Whether the rows are banks (pressable) rather than bureaus.
    pub banks: bool,
    pub bureau: String,
    pub csrf: &'a str,
    pub notice: Option<&'a str>,
    /// The press form: the bank chosen (from a row's link or the refused post), the text
    /// (a suggestion, or what was typed) and why it was refused.
    pub press_bank: String,
    pub press_message: String,
    pub error: Option<String>,
    pub reminders: Vec<ReminderView>,
}

/// A reminder's suggested text: what lags, by how much, against the schedule.
pub fn suggested_message(row: &RowView, measures: &[&str]) -> String {
    let Some(p) = &row.pace else {
        return String::new();
    };
    let behind: Vec<String> = p
        .measures
        .iter()
        .zip(measures)
        .filter(|((actual, expected), _)| actual != "—" && actual != expected)
        .map(|((actual, expected), label)| format!("{label}为 {actual}（按日程应达 {expected}）"))
        .collect();
    if behind.is_empty() {
        return String::new();
    }
    format!(
        "{}：贵行{}，进度落后。请督促各网点加快推送问卷和上门走访，并回复整改安排。",
        row.name,
        behind.join("，")
    )
}

#[derive(Template)]
#[template(path = "quality.html")]
pub struct QualityPage<'a> {
    pub nav: Option<Nav>,
    pub title: String,
    pub campaign: &'a str,
    pub crumbs: Vec<Crumb>,
    pub fresh: Freshness,
    pub rows_heading: &'static str,
    pub rules: Vec<&'static str>,
    pub explained: Vec<(&'static str, String)>,
    pub rows: Vec<RowView>,
    pub total_rules: Vec<String>,
    pub total_score: String,
    pub total_responded: String,
}

#[derive(Template)]
#[template(path = "reminders.html")]
pub struct RemindersPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rows: Vec<ReminderView>,
    /// Whether the viewer (a bank admin) replies.
    pub replies: bool,
    pub notice: Option<&'a str>,
    pub error: Option<(i64, String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_shown() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(0), "0");
        assert_eq!(count(-1), "—");
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(5, 0), "—");
        assert_eq!(share(-1, 10), "—");
        assert_eq!(wan(12_345_600), "1,234.56");
        assert_eq!(wan(50), "0.01");
        assert_eq!(wan(-1), "—");
    }

    #[test]
    fn the_funnel_bars_are_relative_to_the_list() {
        let mut t = Tally::default();
        t.0[Stage::Listed as usize] = 200;
        t.0[Stage::Eligible as usize] = 100;
        t.0[Stage::Answered as usize] = 1;
        let f = funnel(&t);
        assert_eq!((f[0].bar, f[1].bar), (100, 50));
        assert_eq!(f[1].of_previous, "50.0%");
        assert_eq!(f[4].bar, 1, "a tiny non-zero step stays visible");
        assert_eq!(f[5].bar, 0);
    }

    #[test]
    fn the_chart_accumulates() {
        let c = chart(&[(10, [2, 0, 0, 0]), (12, [3, 1, 0, 0])]).unwrap();
        assert_eq!(c.lines[0].2, "0.0,100.0 600.0,10.0", "2 then 5 of 5");
        assert_eq!(c.recent[0].0, day::iso(12));
        assert!(chart(&[]).is_none());
    }
}
