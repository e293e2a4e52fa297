//! Stored answers in words, for pages that show them rather than edit them: each answered
//! question's label with its answer as the respondent saw it (choice labels, units), by
//! section. Personal data in answers — the respondent's name and mobile — is masked unless
//! the caller asked to see it (an audited reveal).

use serde_json::{Map, Value as J};
use yinqi_domain::phone::{mask_name, mask_phone};
use yinqi_domain::questionnaire::{Definition, Kind, PrefillField, Question, TextFormat};

/// One answered question.
pub struct AnswerLine {
    pub label: String,
    pub value: String,
}

/// The answered questions of one section.
pub struct AnswerSection {
    pub title: String,
    pub lines: Vec<AnswerLine>,
}

/// One question a correction changed: its answer before and after.
pub struct ChangedLine {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// Whether a question asks for personal data (DOMAIN §11): a mobile number, a contact's
/// name or phone prefilled from the list, or the respondent's name.
pub fn is_personal(q: &Question) -> bool {
    matches!(
        q.kind,
        Kind::Text {
            format: Some(TextFormat::Mobile),
            ..
        }
    ) || matches!(
        q.prefill,
        Some(PrefillField::ContactName | PrefillField::ContactPhone)
    ) || q.id.ends_with("respondent_name")
}

/// Whether any answered question of `answers` is personal data.
pub fn has_personal(def: &Definition, answers: &Map<String, J>) -> bool {
    def.questions
        .iter()
        .any(|q| is_personal(q) && answers.contains_key(&q.id))
}

fn choice_label(q: &Question, code: &str) -> String {
    q.kind
        .choices()
        .and_then(|cs| cs.iter().find(|c| c.code == code))
        .map_or_else(|| code.to_owned(), |c| c.label.clone())
}

/// One answer in words; `reveal` shows personal data in full.
pub fn answer_text(q: &Question, value: &J, reveal: bool) -> String {
    let plain = match value {
        J::String(s) => s.clone(),
        J::Number(n) => n.to_string(),
        J::Array(items) => items
            .iter()
            .filter_map(J::as_str)
            .map(|c| choice_label(q, c))
            .collect::<Vec<_>>()
            .join("、"),
        J::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        J::Null | J::Object(_) => String::new(),
    };
    let text = match &q.kind {
        Kind::SingleChoice { .. } => choice_label(q, &plain),
        Kind::Amount { .. } => format!("{plain} 万元"),
        Kind::Integer { .. } | Kind::Decimal { .. } => match &q.unit {
            Some(unit) if unit == "%" => format!("{plain}%"),
            Some(unit) => format!("{plain} {unit}"),
            None => plain,
        },
        _ => plain,
    };
    if reveal || !is_personal(q) {
        return text;
    }
    match &q.kind {
        Kind::Text {
            format: Some(TextFormat::Mobile),
            ..
        } => mask_phone(&text),
        _ if q.prefill == Some(PrefillField::ContactPhone) => mask_phone(&text),
        _ => mask_name(&text),
    }
}

/// The answered questions of `answers`, by section, in the definition's order.
pub fn in_words(def: &Definition, answers: &Map<String, J>, reveal: bool) -> Vec<AnswerSection> {
    def.sections
        .iter()
        .map(|s| AnswerSection {
            title: s.title.clone(),
            lines: def
                .questions
                .iter()
                .filter(|q| q.section == s.id)
                .filter_map(|q| {
                    answers.get(&q.id).map(|v| AnswerLine {
                        label: q.label.clone(),
                        value: answer_text(q, v, reveal),
                    })
                })
                .collect(),
        })
        .filter(|s| !s.lines.is_empty())
        .collect()
}

/// The questions whose answer differs between `before` and `after` (personal data masked:
/// a history is read by more people than a reveal is meant for).
pub fn changes(
    def: &Definition,
    before: &Map<String, J>,
    after: &Map<String, J>,
) -> Vec<ChangedLine> {
    let text = |q: &Question, m: &Map<String, J>| {
        m.get(&q.id)
            .map_or_else(|| "（未答）".to_owned(), |v| answer_text(q, v, false))
    };
    def.questions
        .iter()
        .filter(|q| before.get(&q.id) != after.get(&q.id))
        .map(|q| ChangedLine {
            label: q.label.clone(),
            before: text(q, before),
            after: text(q, after),
        })
        .collect()
}

/// The label of one answer's choice (a q3 status, say), or the code when it has none.
pub fn label_of(def: &Definition, question: &str, code: &str) -> String {
    def.question(question)
        .map_or_else(|| code.to_owned(), |q| choice_label(q, code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: J) -> Map<String, J> {
        match v {
            J::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn answers_read_as_the_respondent_saw_them_with_personal_data_masked() {
        let q1 = yinqi_domain::questionnaire::q1();
        let answers = map(json!({
            "respondent_name": "王小明", "respondent_mobile": "13912345678",
            "need": "yes", "need_amount": "75.50", "need_purpose": ["working_capital", "equipment"]
        }));
        let words: Vec<(String, String)> = in_words(q1, &answers, false)
            .into_iter()
            .flat_map(|s| s.lines)
            .map(|l| (l.label, l.value))
            .collect();
        let value = |label_part: &str| {
            words
                .iter()
                .find(|(l, _)| l.contains(label_part))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(value("姓名"), "王**");
        assert_eq!(value("手机"), "139****5678");
        assert_eq!(value("多少资金"), "75.50 万元");
        assert!(value("用来做什么").contains('、'));
        assert!(has_personal(q1, &answers));
        let revealed = in_words(q1, &answers, true);
        assert!(
            revealed
                .iter()
                .flat_map(|s| &s.lines)
                .any(|l| l.value == "13912345678")
        );
        let changed = changes(q1, &answers, &map(json!({ "need": "no" })));
        assert!(
            changed
                .iter()
                .any(|c| c.before == "139****5678" && c.after == "（未答）")
        );
        assert!(
            !changed
                .iter()
                .any(|c| c.label.contains("需要融资吗") && c.before == c.after)
        );
    }
}
