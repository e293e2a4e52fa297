//! The pages of the customer manager's work (issue 4): the workbench, the answer forms
//! (a visit, a solution, a correction), a solution's page, and the answers shown on an
//! enterprise's page. Text shown to users lives in the templates; handlers fill in values.

use askama::Template;

use crate::answers_view::{AnswerSection, ChangedLine};
use crate::questionnaire_form::FormView;
use crate::templates::Nav;

/// The ways a link can be pushed, for the push form: (code, label).
pub type Channels = Vec<(&'static str, &'static str)>;

/// One status filter of the workbench, with its count.
pub struct WorkChip {
    pub code: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub active: bool,
}

/// One held enterprise on the workbench (contact masked).
pub struct WorkCard {
    pub uscc: String,
    pub name: String,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub contact: String,
    /// What has happened so far, one short line each.
    pub facts: Vec<String>,
    /// The standard SMS with the link, when the manager holds the code.
    pub sms: Option<String>,
}

#[derive(Template)]
#[template(path = "work.html")]
pub struct WorkbenchPage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub chips: Vec<WorkChip>,
    pub total: u64,
    /// The status filter in force (`""` for all) and the search text.
    pub status: String,
    pub q: String,
    pub cards: Vec<WorkCard>,
    pub next_link: Option<String>,
    pub notice: Option<&'static str>,
    pub channels: Channels,
    pub due_days: i64,
}

/// One change of a solution's status, as listed.
pub struct StatusRow {
    pub at: String,
    pub change: String,
    pub reason: String,
    pub actor: String,
}

/// One correction of an answer, with what it changed.
pub struct CorrectionRow {
    pub at: String,
    pub actor: String,
    pub reason: String,
    pub lines: Vec<ChangedLine>,
}

/// The free-text field under a form: a correction's reason (required) or a note on a
/// solution's status change.
pub struct ReasonField {
    pub label: &'static str,
    pub required: bool,
    pub value: String,
    pub error: String,
    pub help: &'static str,
}

/// A questionnaire form filled in by staff: a visit (q2), a solution (q3, new or moving
/// on), or a correction of any submitted answer.
#[derive(Template)]
#[template(path = "answer_form.html")]
pub struct AnswerFormPage {
    pub nav: Option<Nav>,
    pub form: FormView,
    pub preview: bool,
    pub action: String,
    pub csrf: String,
    pub heading: String,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    /// Empty when the form does not save new answers (a correction, a status update).
    pub client_id: String,
    pub opened_at: i64,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// Problems with fields the form does not show (a tampered post).
    pub other_errors: Vec<String>,
    /// How many questions carry an error message.
    pub field_errors: usize,
    /// Offered when a saved draft was opened: start a new one instead.
    pub new_link: Option<String>,
    pub history: Vec<StatusRow>,
    pub reason: Option<ReasonField>,
    pub draft_button: bool,
    pub submit_label: &'static str,
    pub corrections: Vec<CorrectionRow>,
    pub back_link: String,
}

/// A financing solution that can no longer move on (closed, declined…), or that the
/// caller reads without updating it.
#[derive(Template)]
#[template(path = "solution.html")]
pub struct SolutionPage {
    pub nav: Option<Nav>,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub title: String,
    pub status_label: String,
    pub is_final: bool,
    pub sections: Vec<AnswerSection>,
    pub history: Vec<StatusRow>,
    pub correct_link: Option<String>,
    pub notice: Option<&'static str>,
}

/// One submitted answer set on an enterprise's page.
pub struct AnswerCard {
    pub title: String,
    pub when: String,
    pub actor: String,
    pub sections: Vec<AnswerSection>,
    /// The solution's own page (q3).
    pub link: Option<String>,
    pub correct_link: Option<String>,
    pub corrected: usize,
}

/// What the enterprise's page shows of the campaign's work on it.
#[derive(Default)]
pub struct EnterpriseWork {
    pub q1: Option<AnswerCard>,
    /// "Opened but not submitted" and the like, when q1 is not in.
    pub q1_note: &'static str,
    pub visits: Vec<AnswerCard>,
    pub solutions: Vec<AnswerCard>,
    /// The caller's own drafts: (label, link to continue).
    pub drafts: Vec<(String, String)>,
    pub visit_link: Option<String>,
    pub solution_link: Option<String>,
    /// Pushes of the link, newest first, in words.
    pub pushes: Vec<String>,
    pub may_push: bool,
    pub channels: Channels,
    /// Whether personal data in the answers is shown in full (after an audited reveal).
    pub answers_revealed: bool,
}
