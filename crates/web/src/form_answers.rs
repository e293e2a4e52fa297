//! A questionnaire form as the browser posts it: the control fields every answer form
//! carries (CSRF token, the version it was rendered from, the client id that makes saving
//! idempotent, when it was opened, whether the page script ran, which button was pressed)
//! and the answers, turned into the JSON object the engine validates. The body is hostile;
//! the engine decides what counts, this only reshapes it.

use serde_json::{Map, Value as J};
use yinqi_domain::questionnaire::{Definition, HiddenAnswers, Kind};

/// Names the form uses for itself. Question ids are `[a-z][a-z0-9_]*`, so a name starting
/// with `_` never clashes with one; the others are named as the brief of issue 4 names them,
/// and no questionnaire may use them as question ids.
const CONTROL_FIELDS: [&str; 4] = ["csrf", "client_id", "opened_at", "js"];

/// One posted answer form.
#[derive(Debug, Default)]
pub struct PostedForm {
    pub csrf: String,
    /// The version the form was rendered from (`_version`); `None` when missing or garbled.
    pub version: Option<u32>,
    pub client_id: String,
    pub opened_at: Option<i64>,
    /// The page script ran (it sets `js=1`): hidden questions were disabled before posting.
    pub js: bool,
    /// `_action=draft` saves a draft; anything else submits.
    pub draft: bool,
    /// `_reason`: why a correction is made, or a note on a solution's status change.
    pub reason: String,
    /// Every other field, in the order posted.
    pub fields: Vec<(String, String)>,
}

impl PostedForm {
    pub fn parse(pairs: Vec<(String, String)>) -> PostedForm {
        let mut form = PostedForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "_version" => form.version = value.trim().parse().ok(),
                "client_id" => form.client_id = value,
                "opened_at" => form.opened_at = value.trim().parse().ok(),
                "js" => form.js = value == "1",
                "_action" => form.draft = value == "draft",
                "_reason" => form.reason = value,
                _ if name.starts_with('_') || CONTROL_FIELDS.contains(&name.as_str()) => {}
                _ => form.fields.push((name, value)),
            }
        }
        form
    }

    /// What to do with answers to questions that do not apply: without the script they are
    /// still in the page (typed before an earlier choice changed) and are dropped; with it
    /// the script kept them out, so one arriving means a client out of step — refused.
    pub fn hidden_answers(&self) -> HiddenAnswers {
        if self.js {
            HiddenAnswers::Refuse
        } else {
            HiddenAnswers::Drop
        }
    }

    /// The answers as the engine takes them: a multiple-choice question's boxes as a list,
    /// every other field as the text typed (the engine parses numbers and dates itself, with
    /// its own messages). Empty fields are left out; a field the definition does not have is
    /// passed on, so the engine names it.
    pub fn answers(&self, def: &Definition) -> Map<String, J> {
        let mut out = Map::new();
        for (name, value) in &self.fields {
            let multiple = matches!(
                def.question(name).map(|q| &q.kind),
                Some(Kind::MultipleChoice { .. })
            );
            match out.get_mut(name) {
                Some(J::Array(items)) => items.push(J::String(value.clone())),
                // A second value for a one-value question: keep both, so the engine refuses
                // it instead of one silently winning.
                Some(existing) => {
                    let first = existing.take();
                    *existing = J::Array(vec![first, J::String(value.clone())]);
                }
                None if multiple => {
                    if !value.is_empty() {
                        out.insert(name.clone(), J::Array(vec![J::String(value.clone())]));
                    }
                }
                None => {
                    if !value.trim().is_empty() {
                        out.insert(name.clone(), J::String(value.clone()));
                    }
                }
            }
        }
        out
    }
}

/// A fresh client id for a form being opened: 128 random bits, as the store accepts them.
pub fn new_client_id() -> String {
    crate::auth::random_token()[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn control_fields_are_set_apart_and_answers_shaped_by_the_definition() {
        let def = yinqi_domain::questionnaire::q2();
        let form = PostedForm::parse(pairs(&[
            ("csrf", "t"),
            ("_version", "1"),
            ("client_id", "abc"),
            ("opened_at", "1700000000000"),
            ("js", "1"),
            ("_action", "draft"),
            ("_reason", "填错"),
            ("visit_mode", "on_site"),
            ("people_met", "legal_rep"),
            ("people_met", "finance"),
            ("exclusion_check", "none"),
            ("main_business", "  "),
            ("staff_count", "12"),
            ("bogus", "x"),
        ]));
        assert_eq!(
            (form.version, form.client_id.as_str(), form.opened_at),
            (Some(1), "abc", Some(1_700_000_000_000))
        );
        assert!(form.js && form.draft && form.reason == "填错");
        assert_eq!(form.hidden_answers(), HiddenAnswers::Refuse);
        let answers = form.answers(def);
        assert_eq!(
            answers["people_met"],
            serde_json::json!(["legal_rep", "finance"])
        );
        assert_eq!(answers["exclusion_check"], serde_json::json!(["none"]));
        assert_eq!(answers["staff_count"], "12");
        assert!(
            !answers.contains_key("main_business"),
            "blank is unanswered"
        );
        assert_eq!(answers["bogus"], "x", "left for the engine to name");
    }

    #[test]
    fn without_the_script_hidden_answers_are_dropped_and_twice_sent_values_kept() {
        let def = yinqi_domain::questionnaire::q2();
        let form = PostedForm::parse(pairs(&[
            ("_version", "x"),
            ("visit_mode", "on_site"),
            ("visit_mode", "phone"),
        ]));
        assert_eq!(form.version, None);
        assert!(!form.draft);
        assert_eq!(form.hidden_answers(), HiddenAnswers::Drop);
        assert_eq!(
            form.answers(def)["visit_mode"],
            serde_json::json!(["on_site", "phone"])
        );
    }
}
