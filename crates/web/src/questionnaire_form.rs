//! A questionnaire definition as a form: one view per question — its input kind, choices,
//! current value, error, and its `show_if` rule as JSON for the page script. Without
//! JavaScript every question is shown and a conditional one says when it applies; with it,
//! `static/q.js` hides what does not apply. The server's validation is the one that counts.

use std::collections::HashMap;

use serde_json::Value as J;
use yinqi_domain::questionnaire::{Definition, Expr, FieldError, Kind};

/// The form of one definition version.
pub struct FormView {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub description: String,
    pub sections: Vec<SectionView>,
}

pub struct SectionView {
    pub title: String,
    pub help: String,
    pub questions: Vec<QuestionView>,
}

/// One choice as a radio button or checkbox.
pub struct ChoiceView {
    pub code: String,
    pub label: String,
    pub checked: bool,
    pub exclusive: bool,
}

pub struct QuestionView {
    pub id: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// `single`, `multiple`, `text`, `textarea`, `number`, `date`.
    pub input: &'static str,
    /// The HTML `inputmode` for text and number inputs (the phone's keyboard).
    pub inputmode: &'static str,
    pub choices: Vec<ChoiceView>,
    pub value: String,
    pub unit: String,
    pub min: String,
    pub max: String,
    pub step: String,
    pub max_length: u32,
    pub error: String,
    /// The `show_if` rule as JSON (empty when always shown).
    pub show_if: String,
    /// The rule in words, for pages without JavaScript.
    pub applies_when: String,
}

fn text_of(v: Option<&J>) -> String {
    match v {
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        Some(J::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn selected(v: Option<&J>, code: &str) -> bool {
    match v {
        Some(J::String(s)) => s == code,
        Some(J::Array(items)) => items.iter().any(|i| i.as_str() == Some(code)),
        _ => false,
    }
}

/// "Answer when …" in words, from the rule and the labels of the questions and choices it
/// names (a code stays a code when no label is found).
fn in_words(rule: &Expr, def: &Definition) -> String {
    words(&rule.to_json(), def)
}

fn words(node: &J, def: &Definition) -> String {
    let label = |id: &str| {
        def.question(id)
            .map_or_else(|| id.to_owned(), |q| format!("“{}”", q.label))
    };
    let choice = |id: &str, code: &str| {
        def.question(id)
            .and_then(|q| q.kind.choices())
            .and_then(|cs| cs.iter().find(|c| c.code == code))
            .map_or_else(|| code.to_owned(), |c| format!("“{}”", c.label))
    };
    let J::Object(o) = node else {
        return String::new();
    };
    let both = |key: &str, joiner: &str| {
        o.get(key)
            .and_then(J::as_array)
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| words(p, def))
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(joiner)
            })
            .unwrap_or_default()
    };
    if o.contains_key("and") {
        return both("and", "，并且");
    }
    if o.contains_key("or") {
        return both("or", "，或者");
    }
    if let Some(inner) = o.get("not") {
        return format!("不是以下情况：{}", words(inner, def));
    }
    if let Some(id) = o.get("answered").and_then(J::as_str) {
        return format!("{}已填写", label(id));
    }
    let Some(op) = o.get("op").and_then(J::as_str) else {
        return String::new();
    };
    let args = o
        .get("args")
        .and_then(J::as_array)
        .cloned()
        .unwrap_or_default();
    let var = args.iter().find_map(|a| a.get("var").and_then(J::as_str));
    let literal = args.iter().find(|a| !a.is_object()).cloned();
    match (op, var, literal) {
        ("==" | "in", Some(v), Some(J::String(l))) => {
            format!("{}选择了{}", label(v), choice(v, &l))
        }
        ("!=", Some(v), Some(J::String(l))) => format!("{}没有选择{}", label(v), choice(v, &l)),
        (op, Some(v), Some(l)) => format!("{} {op} {l}", label(v)),
        (_, Some(v), None) => format!("{}满足条件", label(v)),
        _ => String::new(),
    }
}

/// The form of `def` with `values` (answers so far, or prefilled) and `errors`.
pub fn form_view(
    def: &Definition,
    values: &serde_json::Map<String, J>,
    errors: &[FieldError],
) -> FormView {
    let errors: HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.question.as_str(), e.message.as_str()))
        .collect();
    let sections = def
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            help: s.help.clone().unwrap_or_default(),
            questions: def
                .questions
                .iter()
                .filter(|q| q.section == s.id)
                .map(|q| {
                    let value = values.get(&q.id);
                    let (input, inputmode, min, max, step, max_length) = match &q.kind {
                        Kind::SingleChoice { .. } => {
                            ("single", "", String::new(), String::new(), "", 0)
                        }
                        Kind::MultipleChoice { .. } => {
                            ("multiple", "", String::new(), String::new(), "", 0)
                        }
                        Kind::Text {
                            max_length,
                            multiline,
                            ..
                        } => (
                            if *multiline { "textarea" } else { "text" },
                            "",
                            String::new(),
                            String::new(),
                            "",
                            *max_length,
                        ),
                        Kind::Integer { min, max } => (
                            "number",
                            "numeric",
                            min.map(|v| v.to_string()).unwrap_or_default(),
                            max.map(|v| v.to_string()).unwrap_or_default(),
                            "1",
                            0,
                        ),
                        Kind::Amount { min, max } | Kind::Decimal { min, max } => (
                            "number",
                            "decimal",
                            min.map(|v| v.to_string()).unwrap_or_default(),
                            max.map(|v| v.to_string()).unwrap_or_default(),
                            "0.01",
                            0,
                        ),
                        Kind::Date { .. } => ("date", "", String::new(), String::new(), "", 0),
                        Kind::Region | Kind::Industry => {
                            ("text", "", String::new(), String::new(), "", 12)
                        }
                    };
                    let inputmode = match &q.kind {
                        Kind::Text {
                            format: Some(yinqi_domain::questionnaire::TextFormat::Mobile),
                            ..
                        } => "tel",
                        Kind::Region => "numeric",
                        _ => inputmode,
                    };
                    QuestionView {
                        id: q.id.clone(),
                        label: q.label.clone(),
                        help: q.help.clone().unwrap_or_default(),
                        required: q.required,
                        input,
                        inputmode,
                        choices: q
                            .kind
                            .choices()
                            .unwrap_or_default()
                            .iter()
                            .map(|c| ChoiceView {
                                code: c.code.clone(),
                                label: c.label.clone(),
                                checked: selected(value, &c.code),
                                exclusive: c.exclusive,
                            })
                            .collect(),
                        value: text_of(value),
                        unit: q.unit.clone().unwrap_or_default(),
                        min,
                        max,
                        step: step.to_owned(),
                        max_length,
                        error: errors
                            .get(q.id.as_str())
                            .map(|m| (*m).to_owned())
                            .unwrap_or_default(),
                        show_if: q
                            .show_if
                            .as_ref()
                            .map(|e| e.to_json().to_string())
                            .unwrap_or_default(),
                        applies_when: q
                            .show_if
                            .as_ref()
                            .map(|e| in_words(e, def))
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    FormView {
        id: def.id.clone(),
        version: def.version,
        title: def.title.clone(),
        description: def.description.clone().unwrap_or_default(),
        sections,
    }
}

/// One answered question as read back to the person who answered it.
pub struct SummaryRow {
    pub label: String,
    pub value: String,
}

/// The answered questions of `answers` (stored, normalised) in definition order, choices
/// by their labels. Mobile numbers are masked: the summary sits behind a link that may
/// have been forwarded.
pub fn summary(def: &Definition, answers: &serde_json::Map<String, J>) -> Vec<SummaryRow> {
    def.questions
        .iter()
        .filter_map(|q| {
            let v = answers.get(&q.id)?;
            let label_of = |code: &str| {
                q.kind
                    .choices()
                    .and_then(|cs| cs.iter().find(|c| c.code == code))
                    .map_or_else(|| code.to_owned(), |c| c.label.clone())
            };
            let value = match (&q.kind, v) {
                (_, J::Array(items)) => items
                    .iter()
                    .filter_map(J::as_str)
                    .map(label_of)
                    .collect::<Vec<_>>()
                    .join("、"),
                (Kind::SingleChoice { .. }, J::String(code)) => label_of(code),
                (
                    Kind::Text {
                        format: Some(yinqi_domain::questionnaire::TextFormat::Mobile),
                        ..
                    },
                    J::String(m),
                ) => yinqi_domain::phone::mask_phone(m),
                (Kind::Amount { .. }, v) => format!("{} 万元", text_of(Some(v))),
                (_, v) => {
                    let unit = q.unit.as_deref().unwrap_or("");
                    format!(
                        "{}{}{unit}",
                        text_of(Some(v)),
                        if unit.is_empty() { "" } else { " " }
                    )
                }
            };
            Some(SummaryRow {
                label: q.label.clone(),
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_reads_choices_by_label_and_masks_mobiles() {
        let def = yinqi_domain::questionnaire::q1();
        let answers = match serde_json::json!({
            "respondent_mobile": "13912345678", "respondent_role": "finance",
            "need": "yes", "need_amount": "50.5", "guarantee": ["property", "equipment"],
            "company_name": "测试企业"
        }) {
            J::Object(m) => m,
            _ => unreachable!(),
        };
        let rows = summary(def, &answers);
        let find = |label: &str| {
            rows.iter()
                .find(|r| r.label.contains(label))
                .map(|r| r.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(find("企业名称"), "测试企业");
        assert_eq!(find("身份"), "财务负责人");
        assert!(!find("手机").contains("1234"), "{}", find("手机"));
        assert_eq!(find("多少资金"), "50.5 万元");
        assert_eq!(find("担保"), "房产、土地抵押、机器设备抵押");
        assert_eq!(rows.len(), 6, "unanswered questions are left out");
        assert_eq!(rows[0].label, "企业名称", "definition order");
    }
}
