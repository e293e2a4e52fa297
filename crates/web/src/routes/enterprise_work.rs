//! What an enterprise's page shows of the work done with it, to whoever sees the enterprise
//! (its bank, branch, manager, bureau, HQ): questionnaire 1, the visits, the solutions with
//! their status, the link's pushes — and, for those who do the work, the ways to do more.
//! The respondent's name and mobile are masked unless the page was opened through the
//! audited reveal, which then also records that the answers' personal data was shown.

use yinqi_domain::questionnaire::{Definition, SolutionStatus};
use yinqi_store::{
    Enterprise, Response as Answer, ResponseStatus, Scope, may_correct, may_update_solution,
};

use crate::AppState;
use crate::answers_view::{has_personal, in_words, label_of};
use crate::auth::Caller;
use crate::clock::beijing;
use crate::work_templates::{AnswerCard, EnterpriseWork};

/// An answer with its definition and how often it was corrected.
struct Shown {
    answer: Answer,
    def: std::sync::Arc<Definition>,
    corrected: usize,
}

fn text(answer: &Answer, question: &str) -> String {
    answer
        .answers
        .get(question)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn card(scope: &Scope, shown: &Shown, revealed: bool) -> AnswerCard {
    let a = &shown.answer;
    let def = &shown.def;
    let (title, link) = match a.questionnaire.as_str() {
        "q1" => ("问卷一".to_owned(), None),
        "q2" => (
            format!(
                "走访 {} · {}",
                text(a, "visit_date"),
                label_of(def, "visit_mode", &text(a, "visit_mode"))
            ),
            None,
        ),
        _ => {
            let status = a.solution_status.unwrap_or(SolutionStatus::Proposed);
            (
                format!(
                    "{} · {}",
                    text(a, "product_name"),
                    label_of(def, "status", status.code())
                ),
                Some(format!("/work/solutions/{}", a.id)),
            )
        }
    };
    AnswerCard {
        title,
        when: a.submitted_at.map(beijing).unwrap_or_default(),
        actor: a.actor.clone(),
        sections: in_words(def, &a.answers, revealed),
        link,
        correct_link: may_correct(scope, &a.questionnaire)
            .then(|| format!("/responses/{}/correct", a.id)),
        corrected: shown.corrected,
    }
}

/// The page's answers section. `has_code`: the caller reads the enterprise's code in force
/// (so may mark its link as pushed).
pub async fn enterprise_work(
    state: &AppState,
    caller: &Caller,
    e: &Enterprise,
    revealed: bool,
    has_code: bool,
) -> EnterpriseWork {
    let scope = caller.scope.clone();
    let me = caller.user.as_ref().map(|u| u.id);
    let actor = caller.actor.clone();
    let (id, campaign, uscc, bureau) = (e.id, e.campaign_id, e.uscc.clone(), e.bureau_code.clone());
    let loaded = state
        .db(move |s| {
            let mut shown = vec![];
            for answer in s.responses_of(&scope, id, None)? {
                let def = s.questionnaire(&answer.questionnaire, answer.version)?;
                let corrected = match answer.status {
                    ResponseStatus::Submitted => s.corrections(&scope, answer.id)?.len(),
                    ResponseStatus::Draft => 0,
                };
                shown.push(Shown {
                    answer,
                    def,
                    corrected,
                });
            }
            let pushes = s.pushes(&scope, campaign, &uscc)?;
            let personal: Vec<i64> = shown
                .iter()
                .filter(|x| {
                    x.answer.status == ResponseStatus::Submitted
                        && has_personal(&x.def, &x.answer.answers)
                })
                .map(|x| x.answer.id)
                .collect();
            if revealed && !personal.is_empty() {
                s.record_audit(
                    &actor,
                    "answers.reveal",
                    Some(campaign),
                    Some(&bureau),
                    Some(&uscc),
                    &serde_json::json!({ "responses": personal }),
                )?;
            }
            Ok((shown, pushes))
        })
        .await;
    let Ok((shown, pushes)) = loaded else {
        return EnterpriseWork::default();
    };
    let scope = &caller.scope;
    let mut work = EnterpriseWork {
        q1_note: "企业尚未填写问卷一。",
        visit_link: matches!(scope, Scope::Manager(_)).then(|| format!("/work/{}/visit", e.uscc)),
        solution_link: may_update_solution(scope)
            .then(|| format!("/work/{}/solutions/new", e.uscc)),
        may_push: has_code && may_update_solution(scope),
        channels: super::work::channels(),
        answers_revealed: revealed,
        pushes: pushes
            .iter()
            .map(|p| {
                format!(
                    "{} {} 通过{}推送{}",
                    beijing(p.at),
                    p.actor,
                    p.channel.label_zh(),
                    if p.code_in_force {
                        ""
                    } else {
                        "（邀请码已作废重发，此链接已失效）"
                    }
                )
            })
            .collect(),
        ..EnterpriseWork::default()
    };
    for x in &shown {
        let a = &x.answer;
        match (a.questionnaire.as_str(), a.status) {
            ("q1", ResponseStatus::Submitted) => work.q1 = Some(card(scope, x, revealed)),
            ("q1", ResponseStatus::Draft) => work.q1_note = "企业已打开问卷一，尚未提交。",
            ("q2", ResponseStatus::Submitted) => work.visits.push(card(scope, x, revealed)),
            ("q3", ResponseStatus::Submitted) => work.solutions.push(card(scope, x, revealed)),
            (q @ ("q2" | "q3"), ResponseStatus::Draft)
                if a.user_id.is_some() && a.user_id == me =>
            {
                let (label, path) = if q == "q2" {
                    ("走访记录草稿", "visit")
                } else {
                    ("融资方案草稿", "solutions/new")
                };
                work.drafts.push((
                    format!("{label}（{} 保存）", beijing(a.saved_at)),
                    format!("/work/{}/{path}?draft={}", e.uscc, a.id),
                ));
            }
            _ => {}
        }
    }
    work
}
