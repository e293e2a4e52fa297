//! Questionnaire definitions: the JSON format (see `questionnaires/*.json` and
//! ARCHITECTURE.md "Questionnaires (domain)") and the checks a definition must pass before
//! anyone can answer it.

use std::collections::HashMap;

use serde::Deserialize;

use super::expr::{Expr, RESERVED, Ty, VarInfo};
use super::value::{Date, Dec};

/// Longest text answer when a definition does not say.
pub const DEFAULT_MAX_LENGTH: u32 = 500;

/// A checked questionnaire definition: one version of one questionnaire.
#[derive(Debug, Clone)]
pub struct Definition {
    /// `q1`, `q2`, `q3`.
    pub id: String,
    /// Increases with every published change; answers keep the version they were given to.
    pub version: u32,
    pub title: String,
    pub description: Option<String>,
    pub sections: Vec<Section>,
    /// In the order they are shown and evaluated.
    pub questions: Vec<Question>,
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: Option<String>,
}

/// One question.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    /// The id of its section.
    pub section: String,
    pub label: String,
    pub help: Option<String>,
    /// Required when shown; a hidden question is never required.
    pub required: bool,
    pub kind: Kind,
    /// `万元` for amounts; whatever the definition says for integers and decimals.
    pub unit: Option<String>,
    /// Shown only when this holds; always shown when `None`.
    pub show_if: Option<Expr>,
    /// Where the form takes its initial value from.
    pub prefill: Option<PrefillField>,
    /// Checked when the question has an answer; each must hold.
    pub constraints: Vec<Constraint>,
}

/// A cross-question rule with the message shown next to the question when it fails.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub rule: Expr,
    pub message: String,
}

/// A choice of a single- or multiple-choice question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stable code stored in answers: never changes meaning between versions.
    pub code: String,
    pub label: String,
    /// "None of these": chosen alone or not at all (multiple choice only).
    #[serde(default)]
    pub exclusive: bool,
}

/// The type of a question, with its type-specific rules.
#[derive(Debug, Clone)]
pub enum Kind {
    SingleChoice {
        choices: Vec<Choice>,
    },
    MultipleChoice {
        choices: Vec<Choice>,
        min_selected: u32,
        max_selected: Option<u32>,
    },
    Text {
        max_length: u32,
        multiline: bool,
        format: Option<TextFormat>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// An amount of money in 万元, at most two decimals.
    Amount {
        min: Option<Dec>,
        max: Option<Dec>,
    },
    /// Any other decimal (a rate in percent), at most two decimals.
    Decimal {
        min: Option<Dec>,
        max: Option<Dec>,
    },
    /// An ISO date; `not_future` compares with the `today` the caller passes.
    Date {
        min: Option<Date>,
        max: Option<Date>,
        not_future: bool,
    },
    /// A GB/T 2260 code on the embedded list.
    Region,
    /// A GB/T 4754-2017 code (section letter + division, optionally deeper).
    Industry,
}

impl Kind {
    /// The choices, for choice questions.
    pub fn choices(&self) -> Option<&[Choice]> {
        match self {
            Kind::SingleChoice { choices } | Kind::MultipleChoice { choices, .. } => Some(choices),
            _ => None,
        }
    }

    fn ty(&self) -> Ty {
        match self {
            Kind::MultipleChoice { .. } => Ty::List,
            Kind::Integer { .. } | Kind::Amount { .. } | Kind::Decimal { .. } => Ty::Num,
            _ => Ty::Str,
        }
    }
}

/// A checked text format, validated with the domain's own parsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// A mobile number (`phone::parse`, mobiles only), stored as 11 digits.
    Mobile,
    /// A unified social credit code (`uscc`), stored upper case.
    Uscc,
}

/// Fields of the enterprise record a question can be prefilled from. The caller (the web
/// layer) supplies the record; the domain only names the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrefillField {
    Name,
    Uscc,
    ContactName,
    ContactPhone,
    RegionCode,
    IndustryCode,
}

/// Why a definition was refused. The messages are for HQ staff publishing a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("问卷定义不是有效的 JSON 或字段不对：{0}")]
    Json(String),
    #[error("问卷定义有误：{0}")]
    Header(String),
    #[error("栏目 {section}：{message}")]
    Section { section: String, message: String },
    #[error("题目 {question}：{message}")]
    Question { question: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    id: String,
    version: u32,
    title: String,
    #[serde(default)]
    description: Option<String>,
    sections: Vec<Section>,
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawType {
    SingleChoice,
    MultipleChoice,
    Text,
    Integer,
    Amount,
    Decimal,
    Date,
    Region,
    Industry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    rule: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    section: String,
    label: String,
    #[serde(default)]
    help: Option<String>,
    #[serde(rename = "type")]
    ty: RawType,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    min_selected: Option<u32>,
    #[serde(default)]
    max_selected: Option<u32>,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    format: Option<TextFormat>,
    #[serde(default)]
    min: Option<serde_json::Value>,
    #[serde(default)]
    max: Option<serde_json::Value>,
    #[serde(default)]
    not_future: bool,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    show_if: Option<String>,
    #[serde(default)]
    prefill: Option<PrefillField>,
    #[serde(default)]
    constraints: Vec<RawConstraint>,
}

/// Ids and codes: lower-case ASCII words, so they are safe in form field names, URLs,
/// expressions and stored JSON alike.
fn is_code(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && s.len() <= 40
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase()) && is_code(s) && !RESERVED.contains(&s)
}

impl Definition {
    /// Reads and checks a definition: unique ids, known sections, non-empty choices with
    /// unique codes, sane bounds, expressions that parse and refer only to earlier questions
    /// (to the question itself as well, for its constraints), known prefill fields.
    pub fn from_json(json: &str) -> Result<Definition, DefinitionError> {
        let raw: RawDefinition =
            serde_json::from_str(json).map_err(|e| DefinitionError::Json(e.to_string()))?;
        let header = |m: &str| DefinitionError::Header(m.to_owned());
        if !is_id(&raw.id) {
            return Err(header("问卷编号应为小写字母开头的字母、数字、下划线"));
        }
        if raw.version == 0 {
            return Err(header("版本号应从 1 开始"));
        }
        if raw.title.trim().is_empty() {
            return Err(header("问卷标题为空"));
        }
        if raw.questions.is_empty() {
            return Err(header("问卷没有题目"));
        }
        let mut section_ids: Vec<&str> = Vec::new();
        for s in &raw.sections {
            let err = |m: &str| DefinitionError::Section {
                section: s.id.clone(),
                message: m.to_owned(),
            };
            if !is_id(&s.id) {
                return Err(err("栏目编号应为小写字母开头的字母、数字、下划线"));
            }
            if section_ids.contains(&s.id.as_str()) {
                return Err(err("栏目编号重复"));
            }
            if s.title.trim().is_empty() {
                return Err(err("栏目标题为空"));
            }
            section_ids.push(&s.id);
        }
        let mut questions: Vec<Question> = Vec::with_capacity(raw.questions.len());
        let mut index = HashMap::new();
        let mut used_sections = Vec::new();
        for rq in raw.questions {
            let id = rq.id.clone();
            let err = |m: String| DefinitionError::Question {
                question: id.clone(),
                message: m,
            };
            if !is_id(&rq.id) {
                return Err(err(
                    "题目编号应为小写字母开头的字母、数字、下划线，且不能是 true/false/in/answered"
                        .into(),
                ));
            }
            if index.contains_key(&rq.id) {
                return Err(err("题目编号重复".into()));
            }
            let Some(pos) = section_ids.iter().position(|s| *s == rq.section) else {
                return Err(err(format!("栏目 {} 不存在", rq.section)));
            };
            // Sections are contiguous and in the declared order, so a page can render them
            // one after the other.
            if used_sections.last() != Some(&pos) {
                if used_sections.contains(&pos) || used_sections.last().is_some_and(|l| *l > pos) {
                    return Err(err(format!(
                        "栏目 {} 的题目应连续排列、按栏目顺序",
                        rq.section
                    )));
                }
                used_sections.push(pos);
            }
            if rq.label.trim().is_empty() {
                return Err(err("题目文字为空".into()));
            }
            let question = build_question(rq, &questions, &index).map_err(err)?;
            index.insert(question.id.clone(), questions.len());
            questions.push(question);
        }
        if let Some(empty) = section_ids
            .iter()
            .enumerate()
            .find(|(i, _)| !used_sections.contains(i))
        {
            return Err(DefinitionError::Section {
                section: empty.1.to_string(),
                message: "栏目没有题目".into(),
            });
        }
        Ok(Definition {
            id: raw.id,
            version: raw.version,
            title: raw.title,
            description: raw.description,
            sections: raw.sections,
            questions,
            index,
        })
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.index.get(id).map(|&i| &self.questions[i])
    }

    /// The position of the question with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The initial answers of the prefilled questions, from the enterprise record the caller
    /// supplies (`record(field)`); fields the record lacks are left out.
    pub fn prefill(
        &self,
        record: &dyn Fn(PrefillField) -> Option<String>,
    ) -> serde_json::Map<String, serde_json::Value> {
        self.questions
            .iter()
            .filter_map(|q| {
                let value = record(q.prefill?)?;
                Some((q.id.clone(), serde_json::Value::String(value)))
            })
            .collect()
    }
}

fn build_question(
    rq: RawQuestion,
    earlier: &[Question],
    index: &HashMap<String, usize>,
) -> Result<Question, String> {
    let t = rq.ty;
    let is_choice = matches!(t, RawType::SingleChoice | RawType::MultipleChoice);
    let not_for = |what: &str| format!("此题型不能设置 {what}");
    if !is_choice && !rq.choices.is_empty() {
        return Err(not_for("choices"));
    }
    if t != RawType::MultipleChoice && (rq.min_selected.is_some() || rq.max_selected.is_some()) {
        return Err(not_for("min_selected/max_selected"));
    }
    if t != RawType::Text && (rq.max_length.is_some() || rq.multiline || rq.format.is_some()) {
        return Err(not_for("max_length/multiline/format"));
    }
    let bounded = matches!(
        t,
        RawType::Integer | RawType::Amount | RawType::Decimal | RawType::Date
    );
    if !bounded && (rq.min.is_some() || rq.max.is_some()) {
        return Err(not_for("min/max"));
    }
    if t != RawType::Date && rq.not_future {
        return Err(not_for("not_future"));
    }
    if !matches!(t, RawType::Integer | RawType::Amount | RawType::Decimal) && rq.unit.is_some() {
        return Err(not_for("unit"));
    }
    if t == RawType::Amount && rq.unit.as_deref().is_some_and(|u| u != "万元") {
        return Err("金额题的单位固定为万元".into());
    }
    if let Some(p) = rq.prefill {
        let fits = match p {
            PrefillField::RegionCode => t == RawType::Region,
            PrefillField::IndustryCode => t == RawType::Industry,
            _ => t == RawType::Text,
        };
        if !fits {
            return Err("预填字段与题型不符".into());
        }
    }
    if is_choice {
        if rq.choices.is_empty() {
            return Err("选择题没有选项".into());
        }
        let mut seen: Vec<&str> = Vec::new();
        for c in &rq.choices {
            if !is_code(&c.code) {
                return Err(format!("选项代码“{}”应为小写字母、数字、下划线", c.code));
            }
            if seen.contains(&c.code.as_str()) {
                return Err(format!("选项代码“{}”重复", c.code));
            }
            if c.label.trim().is_empty() {
                return Err(format!("选项“{}”没有文字", c.code));
            }
            if c.exclusive && t != RawType::MultipleChoice {
                return Err("只有多选题的选项可以设为互斥（exclusive）".into());
            }
            seen.push(&c.code);
        }
    }
    let kind = match t {
        RawType::SingleChoice => Kind::SingleChoice {
            choices: rq.choices,
        },
        RawType::MultipleChoice => {
            let n = rq.choices.len() as u32;
            let min_selected = rq.min_selected.unwrap_or(u32::from(rq.required));
            if rq.max_selected.is_some_and(|m| m == 0 || m < min_selected) || min_selected > n {
                return Err(
                    "可选个数的上下限不合理（min_selected ≤ max_selected，且不超过选项数）".into(),
                );
            }
            if rq.required && min_selected == 0 {
                return Err("必答的多选题 min_selected 至少为 1".into());
            }
            Kind::MultipleChoice {
                choices: rq.choices,
                min_selected,
                max_selected: rq.max_selected,
            }
        }
        RawType::Text => {
            let max_length = rq.max_length.unwrap_or(DEFAULT_MAX_LENGTH);
            if !(1..=10_000).contains(&max_length) {
                return Err("max_length 应在 1–10000 之间".into());
            }
            Kind::Text {
                max_length,
                multiline: rq.multiline,
                format: rq.format,
            }
        }
        RawType::Integer => {
            let int = |v: &Option<serde_json::Value>, which: &str| -> Result<Option<i64>, String> {
                v.as_ref()
                    .map(|v| v.as_i64().ok_or(format!("{which} 应为整数")))
                    .transpose()
            };
            let (min, max) = (int(&rq.min, "min")?, int(&rq.max, "max")?);
            ordered(min, max)?;
            Kind::Integer { min, max }
        }
        RawType::Amount | RawType::Decimal => {
            let dec = |v: &Option<serde_json::Value>, which: &str| -> Result<Option<Dec>, String> {
                v.as_ref()
                    .map(|v| {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) => n.to_string(),
                            _ => String::new(),
                        };
                        Dec::parse(&text).ok_or(format!("{which} 应为最多两位小数的数字"))
                    })
                    .transpose()
            };
            let (min, max) = (dec(&rq.min, "min")?, dec(&rq.max, "max")?);
            ordered(min, max)?;
            if t == RawType::Amount {
                Kind::Amount { min, max }
            } else {
                Kind::Decimal { min, max }
            }
        }
        RawType::Date => {
            let date =
                |v: &Option<serde_json::Value>, which: &str| -> Result<Option<Date>, String> {
                    v.as_ref()
                        .map(|v| {
                            v.as_str()
                                .and_then(Date::parse_iso)
                                .ok_or(format!("{which} 应为 YYYY-MM-DD 格式的日期"))
                        })
                        .transpose()
                };
            let (min, max) = (date(&rq.min, "min")?, date(&rq.max, "max")?);
            ordered(min, max)?;
            Kind::Date {
                min,
                max,
                not_future: rq.not_future,
            }
        }
        RawType::Region => Kind::Region,
        RawType::Industry => Kind::Industry,
    };
    let unit = match t {
        RawType::Amount => Some("万元".to_owned()),
        _ => rq.unit,
    };
    // Relevance sees only earlier questions; a constraint sees them and the question itself.
    let relevance_scope = |name: &str| scope(name, &rq.id, None, earlier, index);
    let constraint_scope = |name: &str| scope(name, &rq.id, Some(&kind), earlier, index);
    let parse = |src: &str, scope: &dyn Fn(&str) -> Result<VarInfo, String>| {
        let e = Expr::parse(src).map_err(|e| e.to_string())?;
        e.check(scope)
            .map_err(|m| format!("表达式“{src}”有误：{m}"))?;
        Ok::<Expr, String>(e)
    };
    let show_if = match &rq.show_if {
        Some(src) => Some(parse(src, &relevance_scope)?),
        None => None,
    };
    let mut constraints = Vec::new();
    for c in &rq.constraints {
        if c.message.trim().is_empty() {
            return Err("约束没有提示文字".into());
        }
        constraints.push(Constraint {
            rule: parse(&c.rule, &constraint_scope)?,
            message: c.message.clone(),
        });
    }
    Ok(Question {
        id: rq.id,
        section: rq.section,
        label: rq.label,
        help: rq.help,
        required: rq.required,
        kind,
        unit,
        show_if,
        prefill: rq.prefill,
        constraints,
    })
}

/// What an expression in question `this` may know about the question `name`.
fn scope(
    name: &str,
    this: &str,
    this_kind: Option<&Kind>,
    earlier: &[Question],
    index: &HashMap<String, usize>,
) -> Result<VarInfo, String> {
    let kind = match (index.get(name), this_kind) {
        (Some(&i), _) => &earlier[i].kind,
        (None, Some(kind)) if name == this => kind,
        (None, None) if name == this => return Err("显示条件不能引用本题".into()),
        (None, _) => return Err(format!("引用的题目 {name} 不存在或在本题之后")),
    };
    Ok(VarInfo {
        ty: kind.ty(),
        codes: kind
            .choices()
            .map(|cs| cs.iter().map(|c| c.code.clone()).collect()),
    })
}

fn ordered<T: PartialOrd>(min: Option<T>, max: Option<T>) -> Result<(), String> {
    match (min, max) {
        (Some(a), Some(b)) if a > b => Err("最小值大于最大值".into()),
        _ => Ok(()),
    }
}
