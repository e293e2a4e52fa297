//! Validating a submission (or a draft) against the definition it was rendered from.
//!
//! Answers arrive as a JSON object `question id → value`, from a form or the bank API, and
//! are treated as hostile. Questions are taken in definition order; each one's relevance is
//! evaluated against the answers normalised so far, where a hidden or unanswered question
//! counts as null.

use std::collections::{HashMap, HashSet};

use serde_json::Value as J;

use super::definition::{Definition, Kind, Question, TextFormat};
use super::value::{Date, Dec, Value};
use crate::industry::IndustryCode;
use crate::text::to_half_width;
use crate::{phone, region, uscc};

/// A complete submission or a draft saved half-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every visible required question must be answered.
    Submit,
    /// Types, ranges and constraints are checked; required-ness is not.
    Draft,
}

/// What to do with an answer to a question that is hidden by its `show_if`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenAnswers {
    /// A field error ("此题不适用"): the API and the script-enabled form never send one, so
    /// it signals a client out of step with the rules.
    Refuse,
    /// Dropped silently: for the form posted with JavaScript off, where an answer typed
    /// before changing an earlier choice is still in the page.
    Drop,
}

/// What the caller supplies besides the answers.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// Today's date in China (UTC+8), for "not in the future": the domain has no clock.
    pub today: Date,
    pub mode: Mode,
    pub hidden: HiddenAnswers,
}

impl Context {
    /// A final submission that refuses answers to hidden questions.
    pub fn submit(today: Date) -> Context {
        Context {
            today,
            mode: Mode::Submit,
            hidden: HiddenAnswers::Refuse,
        }
    }

    /// A draft that refuses answers to hidden questions.
    pub fn draft(today: Date) -> Context {
        Context {
            today,
            mode: Mode::Draft,
            hidden: HiddenAnswers::Refuse,
        }
    }
}

/// A problem with one question's answer, worded to be shown next to the question.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The question id (for an unknown id, the id as sent, cut to 64 characters).
    pub question: String,
    pub message: String,
}

/// A valid set of answers: only visible, answered questions, in definition order, each in
/// its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    pub definition: String,
    pub version: u32,
    pub answers: Vec<(String, Value)>,
}

impl Normalised {
    /// The answer to a question, if it was given.
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.answers.iter().find(|(q, _)| q == id).map(|(_, v)| v)
    }

    /// The JSON object to store; validating it again gives the same `Normalised`.
    pub fn to_json(&self) -> serde_json::Map<String, J> {
        self.answers
            .iter()
            .map(|(q, v)| (q.clone(), v.to_json()))
            .collect()
    }
}

impl Definition {
    /// Validates `answers` against this definition. All problems are reported at once, one
    /// per question at most.
    pub fn validate(
        &self,
        answers: &serde_json::Map<String, J>,
        ctx: &Context,
    ) -> Result<Normalised, Vec<FieldError>> {
        let mut errors = Vec::new();
        for key in answers.keys() {
            if self.question(key).is_none() {
                errors.push(FieldError {
                    question: key.chars().take(64).collect(),
                    message: "问卷中没有这道题，请刷新页面后重新填写".into(),
                });
            }
        }
        let mut so_far: HashMap<&str, Value> = HashMap::new();
        // Questions whose answer was refused, and those whose relevance depends on one: the
        // person must fix the earlier answer first, so "required" or "not applicable" would
        // be noise next to a question that may well change its state.
        let mut unsettled: HashSet<&str> = HashSet::new();
        let mut normalised = Vec::new();
        for q in &self.questions {
            let raw = answers.get(&q.id).filter(|v| !is_empty(v));
            let error = |message: String| FieldError {
                question: q.id.clone(),
                message,
            };
            let depends_on_refused = q
                .show_if
                .as_ref()
                .is_some_and(|e| e.references().iter().any(|r| unsettled.contains(r)));
            if depends_on_refused {
                unsettled.insert(&q.id);
                if let Some(Err(m)) = raw.map(|raw| normalise(q, raw, ctx)) {
                    errors.push(error(m));
                }
                continue;
            }
            let lookup = |id: &str| so_far.get(id).cloned().unwrap_or(Value::Null);
            let visible = q.show_if.as_ref().is_none_or(|e| e.holds(&lookup));
            let Some(raw) = raw else {
                if visible && q.required && ctx.mode == Mode::Submit {
                    errors.push(error("此题必答".into()));
                }
                continue;
            };
            if !visible {
                if ctx.hidden == HiddenAnswers::Refuse {
                    errors.push(error("根据前面的回答，此题无需填写，请清空".into()));
                }
                continue;
            }
            let value = match normalise(q, raw, ctx) {
                Ok(v) => v,
                Err(m) => {
                    errors.push(error(m));
                    unsettled.insert(&q.id);
                    continue;
                }
            };
            so_far.insert(&q.id, value.clone());
            let lookup = |id: &str| so_far.get(id).cloned().unwrap_or(Value::Null);
            if let Some(c) = q.constraints.iter().find(|c| !c.rule.holds(&lookup)) {
                errors.push(error(c.message.clone()));
                so_far.remove(q.id.as_str());
                unsettled.insert(&q.id);
                continue;
            }
            normalised.push((q.id.clone(), value));
        }
        if errors.is_empty() {
            Ok(Normalised {
                definition: self.id.clone(),
                version: self.version,
                answers: normalised,
            })
        } else {
            Err(errors)
        }
    }
}

/// Null, a blank string and an empty list all mean "not answered" (an empty form field).
fn is_empty(v: &J) -> bool {
    match v {
        J::Null => true,
        J::String(s) => s.trim().is_empty(),
        J::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The text of a scalar answer: forms send strings, the API may send numbers. Full-width
/// digits and signs (a Chinese input method's) become ASCII.
fn scalar_text(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.trim().chars().map(to_half_width).collect()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn normalise(q: &Question, raw: &J, ctx: &Context) -> Result<Value, String> {
    match &q.kind {
        Kind::SingleChoice { choices } => {
            let code = raw.as_str().ok_or("请选择一个选项")?.trim();
            choices
                .iter()
                .find(|c| c.code == code)
                .map(|c| Value::Str(c.code.clone()))
                .ok_or_else(|| "所选选项不在列表中，请重新选择".into())
        }
        Kind::MultipleChoice {
            choices,
            min_selected,
            max_selected,
        } => {
            // A form with one box ticked sends a single string.
            let picked: Vec<&str> = match raw {
                J::String(s) => vec![s.trim()],
                J::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::trim))
                    .collect::<Option<_>>()
                    .ok_or("请勾选列表中的选项")?,
                _ => return Err("请勾选列表中的选项".into()),
            };
            if picked.iter().any(|p| !choices.iter().any(|c| c.code == *p)) {
                return Err("所选选项不在列表中，请重新选择".into());
            }
            // Definition order, each once: the stored form does not depend on click order.
            let chosen: Vec<&_> = choices
                .iter()
                .filter(|c| picked.contains(&c.code.as_str()))
                .collect();
            if chosen.len() != picked.len() {
                return Err("同一选项选了两次".into());
            }
            if let Some(x) = chosen.iter().find(|c| c.exclusive)
                && chosen.len() > 1
            {
                return Err(format!("选了“{}”就不能再选其他项", x.label));
            }
            let n = chosen.len() as u32;
            if n < *min_selected {
                return Err(format!("请至少选 {min_selected} 项"));
            }
            if let Some(max) = max_selected
                && n > *max
            {
                return Err(format!("最多选 {max} 项"));
            }
            Ok(Value::List(chosen.iter().map(|c| c.code.clone()).collect()))
        }
        Kind::Text {
            max_length,
            multiline,
            format,
        } => {
            let text = raw.as_str().ok_or("请填写文字")?.trim();
            let text = text.replace("\r\n", "\n");
            if text
                .chars()
                .any(|c| c.is_control() && !(*multiline && (c == '\n' || c == '\t')))
            {
                return Err("不能包含换行或控制字符".into());
            }
            let len = text.chars().count();
            if len > *max_length as usize {
                return Err(format!("最多 {max_length} 个字，现在 {len} 个字"));
            }
            match format {
                None => Ok(Value::Str(text)),
                Some(TextFormat::Mobile) => match phone::parse(&text) {
                    Ok(phone::Phone::Mobile(m)) => Ok(Value::Str(m)),
                    _ => Err("请填写 11 位手机号码".into()),
                },
                Some(TextFormat::Uscc) => uscc::Uscc::parse(&text)
                    .map(|p| Value::Str(p.code.as_str().to_owned()))
                    .map_err(|e| e.to_string()),
            }
        }
        Kind::Integer { min, max } => {
            let text = scalar_text(raw).ok_or("请填写整数")?;
            let n: i64 = text
                .parse()
                .ok()
                .filter(|_| text.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
                .ok_or("请填写整数，不带小数点和单位")?;
            in_range(n, *min, *max, &q.unit)?;
            Dec::from_int(n)
                .map(Value::Num)
                .ok_or_else(|| "数字太大".into())
        }
        Kind::Amount { min, max } | Kind::Decimal { min, max } => {
            let text = scalar_text(raw).ok_or("请填写数字")?;
            // JSON numbers print as `100.0`, and `1.50` or `2.000` are still two decimals:
            // zeros at the end of the fraction say nothing.
            let text = match text.contains('.') {
                true => text.trim_end_matches('0').trim_end_matches('.'),
                false => &text,
            };
            let d = Dec::parse(text).ok_or_else(|| {
                if text
                    .split_once('.')
                    .is_some_and(|(_, f)| f.len() > 2 && f.bytes().all(|b| b.is_ascii_digit()))
                {
                    "最多保留两位小数".to_owned()
                } else {
                    "请填写数字，不带单位和逗号".to_owned()
                }
            })?;
            in_range(d, *min, *max, &q.unit)?;
            Ok(Value::Num(d))
        }
        Kind::Date {
            min,
            max,
            not_future,
        } => {
            let d = scalar_text(raw)
                .and_then(|s| Date::parse_iso(&s))
                .ok_or("请填写有效日期，格式为 YYYY-MM-DD")?;
            if *not_future && d > ctx.today {
                return Err("日期不能晚于今天".into());
            }
            if let Some(m) = min
                && d < *m
            {
                return Err(format!("日期不能早于 {m}"));
            }
            if let Some(m) = max
                && d > *m
            {
                return Err(format!("日期不能晚于 {m}"));
            }
            Ok(Value::Str(d.to_string()))
        }
        Kind::Region => {
            let code = raw
                .as_str()
                .and_then(|s| region::parse_code(s).ok())
                .ok_or("请填写 6 位行政区划代码，如 370202")?;
            region::lookup(&code)
                .map(|r| Value::Str(r.code.to_owned()))
                .ok_or_else(|| format!("行政区划代码 {code} 不在现行列表中"))
        }
        Kind::Industry => {
            let raw = raw.as_str().ok_or("请填写行业代码，如 C3011")?;
            IndustryCode::parse(raw)
                .map(|c| Value::Str(c.as_string()))
                .map_err(|e| e.to_string())
        }
    }
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    v: T,
    min: Option<T>,
    max: Option<T>,
    unit: &Option<String>,
) -> Result<(), String> {
    let unit = unit.as_deref().unwrap_or("");
    if let Some(m) = min
        && v < m
    {
        return Err(format!("不能小于 {m}{unit}"));
    }
    if let Some(m) = max
        && v > m
    {
        return Err(format!("不能大于 {m}{unit}"));
    }
    Ok(())
}
