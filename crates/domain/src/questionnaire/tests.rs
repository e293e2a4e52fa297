//! Tests of definitions and validation: bad definitions, hand-picked submissions, and
//! property tests over the three real questionnaires with answer sets generated from the
//! definitions themselves.

use std::cell::RefCell;
use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value as J, json};

use super::*;
use crate::region;
use crate::uscc::Uscc;

fn today() -> Date {
    Date::parse_iso("2026-06-30").unwrap()
}

fn obj(v: J) -> Map<String, J> {
    v.as_object().cloned().unwrap()
}

fn errors_of(def: &Definition, answers: J, ctx: &Context) -> Vec<FieldError> {
    def.validate(&obj(answers), ctx)
        .expect_err("should be refused")
}

fn named(errors: &[FieldError], q: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.question == q)
        .map(|e| e.message.clone())
}

// ---------------------------------------------------------------- definitions

fn base() -> J {
    json!({
        "id": "t", "version": 1, "title": "测试",
        "sections": [{"id": "s", "title": "栏目"}],
        "questions": [
            {"id": "need", "section": "s", "type": "single_choice", "label": "需要吗", "required": true,
             "choices": [{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}]},
            {"id": "amount", "section": "s", "type": "amount", "label": "金额", "min": 1, "max": 100,
             "show_if": "need == \"yes\""}
        ]
    })
}

/// A change that spoils the base definition.
type Mutation = Box<dyn Fn(&mut J)>;

fn refused(mutate: impl Fn(&mut J)) -> String {
    let mut d = base();
    mutate(&mut d);
    Definition::from_json(&d.to_string())
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn the_base_definition_loads() {
    let d = Definition::from_json(&base().to_string()).unwrap();
    assert_eq!(d.questions.len(), 2);
    assert_eq!(d.question("amount").unwrap().unit.as_deref(), Some("万元"));
}

#[test]
fn bad_definitions_are_refused_with_a_clear_message() {
    let cases: Vec<(&str, Mutation)> = vec![
        ("JSON", Box::new(|d| d["surprise"] = json!(1))),
        (
            "题目编号重复",
            Box::new(|d| d["questions"][1]["id"] = json!("need")),
        ),
        (
            "题目编号应为",
            Box::new(|d| d["questions"][1]["id"] = json!("Amount")),
        ),
        (
            "题目编号应为",
            Box::new(|d| d["questions"][1]["id"] = json!("in")),
        ),
        (
            "栏目 x 不存在",
            Box::new(|d| d["questions"][1]["section"] = json!("x")),
        ),
        (
            "选择题没有选项",
            Box::new(|d| d["questions"][0]["choices"] = json!([])),
        ),
        (
            "选项代码“yes”重复",
            Box::new(|d| d["questions"][0]["choices"][1]["code"] = json!("yes")),
        ),
        (
            "最小值大于最大值",
            Box::new(|d| d["questions"][1]["min"] = json!(1000)),
        ),
        (
            "min 应为最多两位小数",
            Box::new(|d| d["questions"][1]["min"] = json!("0.001")),
        ),
        (
            "不能设置 choices",
            Box::new(|d| d["questions"][1]["choices"] = json!([{"code": "a", "label": "a"}])),
        ),
        (
            "不存在或在本题之后",
            Box::new(|d| d["questions"][1]["show_if"] = json!("later == \"x\"")),
        ),
        (
            "显示条件不能引用本题",
            Box::new(|d| d["questions"][1]["show_if"] = json!("amount > 1")),
        ),
        (
            "没有选项代码“yse”",
            Box::new(|d| d["questions"][1]["show_if"] = json!("need == \"yse\"")),
        ),
        (
            "第 8 字节",
            Box::new(|d| d["questions"][1]["show_if"] = json!("need == ")),
        ),
        (
            "JSON",
            Box::new(|d| d["questions"][1]["prefill"] = json!("salary")),
        ),
        (
            "预填字段与题型不符",
            Box::new(|d| d["questions"][1]["prefill"] = json!("name")),
        ),
        ("版本号", Box::new(|d| d["version"] = json!(0))),
        (
            "栏目没有题目",
            Box::new(|d| {
                d["sections"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"id": "empty", "title": "空"}))
            }),
        ),
        (
            "约束没有提示文字",
            Box::new(|d| {
                d["questions"][1]["constraints"] = json!([{"rule": "amount > 1", "message": " "}])
            }),
        ),
        (
            "JSON",
            Box::new(|d| d["questions"][1]["type"] = json!("slider")),
        ),
        (
            "只有多选题",
            Box::new(|d| d["questions"][0]["choices"][1]["exclusive"] = json!(true)),
        ),
        (
            "min_selected",
            Box::new(|d| {
                d["questions"][0]["type"] = json!("multiple_choice");
                d["questions"][0]["max_selected"] = json!(5);
                d["questions"][0]["min_selected"] = json!(3);
            }),
        ),
        (
            "单位固定为万元",
            Box::new(|d| d["questions"][1]["unit"] = json!("元")),
        ),
        (
            "问卷没有题目",
            Box::new(|d| {
                d["questions"] = json!([]);
                d["sections"] = json!([]);
            }),
        ),
    ];
    for (says, mutate) in cases {
        let message = refused(mutate);
        assert!(message.contains(says), "expected “{says}” in: {message}");
    }
}

#[test]
fn the_builtin_questionnaires_load() {
    let ids: Vec<&str> = builtin().iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["q1", "q2", "q3"]);
    for d in builtin() {
        assert!(
            d.questions
                .iter()
                .all(|q| d.sections.iter().any(|s| s.id == q.section))
        );
    }
    // Expressions print back to something that parses to the same tree (the page script
    // receives the printed form).
    for q in builtin().iter().flat_map(|d| &d.questions) {
        if let Some(e) = &q.show_if {
            assert_eq!(&Expr::parse(&e.to_string()).unwrap(), e);
        }
    }
}

#[test]
fn prefill_takes_known_fields_only() {
    let record = |f: PrefillField| match f {
        PrefillField::Name => Some("青岛某某机械有限公司".to_owned()),
        PrefillField::ContactPhone => Some("13912345678".to_owned()),
        _ => None,
    };
    let p = q1().prefill(&record);
    assert_eq!(p.get("company_name"), Some(&json!("青岛某某机械有限公司")));
    assert_eq!(p.get("respondent_mobile"), Some(&json!("13912345678")));
    assert_eq!(p.len(), 2);
}

// ---------------------------------------------------------------- hand-picked submissions

fn uscc() -> String {
    Uscc::from_first17("91370202123456789")
        .unwrap()
        .as_str()
        .to_owned()
}

fn q1_yes() -> J {
    json!({
        "company_name": "青岛某某机械有限公司", "company_uscc": uscc(),
        "respondent_name": "王某", "respondent_role": "finance", "respondent_mobile": "139 1234 5678",
        "staff_band": "10_to_49", "revenue_band": "500_to_2000", "assets_band": "100_to_500",
        "current_credit": "none", "need": "yes", "need_amount": "50.5", "need_term": "1_to_3y",
        "need_purpose": ["equipment", "working_capital"], "guarantee": ["none"],
        "acceptable_rate": "4_to_5", "obstacles": ["collateral", "cost"],
        "wants_visit": "yes", "visit_time": "weekday_am", "consent": "agree"
    })
}

#[test]
fn a_complete_q1_is_normalised() {
    let n = q1()
        .validate(&obj(q1_yes()), &Context::submit(today()))
        .unwrap();
    assert_eq!((n.definition.as_str(), n.version), ("q1", 1));
    assert_eq!(
        n.get("respondent_mobile"),
        Some(&Value::Str("13912345678".into()))
    );
    assert_eq!(n.get("need_amount"), Some(&Value::Num(Dec(5050))));
    // Definition order, whatever order the boxes were ticked in.
    assert_eq!(
        n.get("need_purpose"),
        Some(&Value::List(vec![
            "working_capital".into(),
            "equipment".into()
        ]))
    );
    // A Chinese input method's full-width digits are read as digits.
    let mut a = q1_yes();
    a["need_amount"] = json!("５０.５000");
    let m = q1().validate(&obj(a), &Context::submit(today())).unwrap();
    assert_eq!(m.get("need_amount"), Some(&Value::Num(Dec(5050))));
    // The stored form validates to the same thing.
    let again = q1()
        .validate(&n.to_json(), &Context::submit(today()))
        .unwrap();
    assert_eq!(again, n);
}

#[test]
fn q1_skip_logic() {
    let ctx = Context::submit(today());
    let mut a = q1_yes();
    a["need"] = json!("no");
    let e = errors_of(q1(), a.clone(), &ctx);
    for hidden in [
        "need_amount",
        "need_term",
        "need_purpose",
        "guarantee",
        "acceptable_rate",
    ] {
        assert!(
            named(&e, hidden).unwrap().contains("无需填写"),
            "{hidden}: {e:?}"
        );
    }
    assert_eq!(named(&e, "no_need_reason").as_deref(), Some("此题必答"));
    // With JavaScript off the stale answers are still in the form: dropped instead.
    let lenient = Context {
        hidden: HiddenAnswers::Drop,
        ..ctx
    };
    a["no_need_reason"] = json!(["own_funds"]);
    let n = q1().validate(&obj(a), &lenient).unwrap();
    assert_eq!(n.get("need_amount"), None);
    // "Unsure" needs neither the details nor a reason.
    let mut a = q1_yes();
    a["need"] = json!("unsure");
    for k in [
        "need_amount",
        "need_term",
        "need_purpose",
        "guarantee",
        "acceptable_rate",
    ] {
        a.as_object_mut().unwrap().remove(k);
    }
    a["wants_visit"] = json!("no");
    a["visit_time"] = json!("");
    q1().validate(&obj(a), &ctx).unwrap();
}

#[test]
fn hostile_answers_get_a_message_next_to_the_question() {
    let ctx = Context::submit(today());
    for (q, v, says) in [
        ("need", json!("maybe"), "不在列表"),
        ("need", json!(["yes"]), "请选择"),
        ("need_amount", json!("12.345"), "两位小数"),
        ("need_amount", json!("12.3401"), "两位小数"),
        ("need_amount", json!("1.2.3"), "请填写数字"),
        ("need_amount", json!("1e3"), "请填写数字"),
        ("need_amount", json!(0.5), "不能小于 1万元"),
        ("need_amount", json!(true), "请填写数字"),
        (
            "need_amount",
            json!("１２３４５６７"),
            "不能大于 1000000万元",
        ),
        ("need_purpose", json!(["equipment", "equipment"]), "两次"),
        (
            "need_purpose",
            json!(["equipment", "expansion", "technology", "other"]),
            "最多选 3 项",
        ),
        ("guarantee", json!(["none", "property"]), "就不能再选"),
        ("obstacles", json!({"a": 1}), "请勾选"),
        ("respondent_mobile", json!("0532-88886666"), "手机"),
        ("company_uscc", json!("123"), "统一社会信用代码"),
        ("respondent_name", json!("王".repeat(31)), "最多 30 个字"),
        ("respondent_name", json!("王\n某"), "控制字符"),
        ("consent", json!("disagree"), "不在列表"),
    ] {
        let mut a = q1_yes();
        a[q] = v;
        let e = errors_of(q1(), a, &ctx);
        let m = named(&e, q).unwrap_or_else(|| panic!("{q}: {e:?}"));
        assert!(m.contains(says), "{q}: {m}");
    }
    // An invalid answer does not make the questions that depend on it say "not applicable"
    // or "required": only the answer to fix is named (and real problems further on).
    let mut a = q1_yes();
    a["need"] = json!("maybe");
    a["need_term"] = json!("forever");
    let e = errors_of(q1(), a, &ctx);
    let named_ids: Vec<&str> = e.iter().map(|e| e.question.as_str()).collect();
    assert_eq!(named_ids, ["need", "need_term"]);
    let mut a = q1_yes();
    a["<script>"] = json!("x");
    let e = errors_of(q1(), a, &ctx);
    assert_eq!(e.len(), 1);
    assert!(e[0].message.contains("没有这道题"));
}

#[test]
fn drafts_skip_required_but_not_ranges() {
    let draft = Context::draft(today());
    let n = q1().validate(&obj(json!({"need": "yes"})), &draft).unwrap();
    assert_eq!(n.answers.len(), 1);
    let e = errors_of(q1(), json!({"need": "yes", "need_amount": "-1"}), &draft);
    assert!(named(&e, "need_amount").is_some());
    // Still no answers to hidden questions.
    let e = errors_of(q1(), json!({"need": "no", "need_amount": "10"}), &draft);
    assert!(named(&e, "need_amount").is_some());
}

#[test]
fn q2_and_q3_cross_question_rules() {
    let ctx = Context::draft(today());
    let e = errors_of(q2(), json!({"revenue": 100, "profit": "100.01"}), &ctx);
    assert_eq!(
        named(&e, "profit").as_deref(),
        Some("净利润不应大于营业收入，请核对")
    );
    q2().validate(&obj(json!({"revenue": 100, "profit": "-30"})), &ctx)
        .unwrap();
    let e = errors_of(q2(), json!({"visit_date": "2026-07-01"}), &ctx);
    assert_eq!(named(&e, "visit_date").as_deref(), Some("日期不能晚于今天"));
    let e = errors_of(
        q2(),
        json!({"visit_mode": "on_site", "remote_reason": "疫情"}),
        &ctx,
    );
    assert!(named(&e, "remote_reason").is_some());

    let e = errors_of(
        q3(),
        json!({"status": "disbursed", "approved_amount": "100", "disbursed_amount": "100.01"}),
        &ctx,
    );
    assert_eq!(
        named(&e, "disbursed_amount").as_deref(),
        Some("放款金额不能大于批准金额")
    );
    let e = errors_of(
        q3(),
        json!({"status": "approved", "disbursed_amount": "1"}),
        &ctx,
    );
    assert!(named(&e, "disbursed_amount").unwrap().contains("无需填写"));
    let e = errors_of(
        q3(),
        json!({"status": "proposed", "decline_reason": "policy"}),
        &ctx,
    );
    assert!(named(&e, "decline_reason").is_some());
    let e = errors_of(
        q3(),
        json!({"status": "declined", "decline_reason": "other"}),
        &Context::submit(today()),
    );
    assert_eq!(named(&e, "decline_note").as_deref(), Some("此题必答"));
    let e = errors_of(q3(), json!({"proposed_rate": "4.355"}), &ctx);
    assert_eq!(
        named(&e, "proposed_rate").as_deref(),
        Some("最多保留两位小数")
    );
}

// ---------------------------------------------------------------- generated answer sets

/// Valid raw answers for a question, in the forms a form or the API sends.
fn valid_raw(q: &Question) -> BoxedStrategy<J> {
    match &q.kind {
        Kind::SingleChoice { choices } => {
            let codes: Vec<String> = choices.iter().map(|c| c.code.clone()).collect();
            prop::sample::select(codes).prop_map(J::String).boxed()
        }
        Kind::MultipleChoice {
            choices,
            min_selected,
            max_selected,
        } => {
            let plain: Vec<String> = choices
                .iter()
                .filter(|c| !c.exclusive)
                .map(|c| c.code.clone())
                .collect();
            let lo = (*min_selected as usize).max(1);
            let hi = max_selected.map_or(plain.len(), |m| (m as usize).min(plain.len()));
            let subset = prop::sample::subsequence(plain, lo..=hi)
                .prop_shuffle()
                .prop_map(|v| json!(v));
            match choices.iter().find(|c| c.exclusive) {
                Some(x) => prop_oneof![4 => subset, 1 => Just(json!([x.code.clone()]))].boxed(),
                None => subset.boxed(),
            }
        }
        Kind::Text {
            max_length,
            format,
            multiline,
            ..
        } => match format {
            Some(TextFormat::Mobile) => "1[3-9][0-9]{9}".prop_map(J::String).boxed(),
            Some(TextFormat::Uscc) => "9137020[0-9]{10}"
                .prop_map(|b| J::String(Uscc::from_first17(&b).unwrap().as_str().to_owned()))
                .boxed(),
            None => {
                let max = (*max_length as usize).min(12);
                let pattern = if *multiline {
                    "[a-z企业银行\n ]"
                } else {
                    "[a-z企业银行 ]"
                };
                prop::collection::vec(pattern, 1..=max)
                    .prop_map(|cs| cs.concat())
                    .prop_filter("not blank", |s| !s.trim().is_empty())
                    .prop_map(J::String)
                    .boxed()
            }
        },
        Kind::Integer { min, max } => {
            let (lo, hi) = (min.unwrap_or(-1_000_000), max.unwrap_or(1_000_000));
            prop_oneof![Just(lo), Just(hi), lo..=hi]
                .prop_flat_map(|n| prop_oneof![Just(json!(n)), Just(json!(n.to_string()))])
                .boxed()
        }
        Kind::Amount { min, max } | Kind::Decimal { min, max } => {
            let lo = min.map_or(-100_000_000, |d| d.0);
            let hi = max.map_or(100_000_000, |d| d.0);
            prop_oneof![Just(lo), Just(hi), lo..=hi]
                .prop_flat_map(|h| {
                    let d = Dec(h);
                    let mut forms = vec![json!(d.to_string()), json!(d.to_fixed2())];
                    if d.is_whole() {
                        forms.push(json!(d.0 / 100));
                    }
                    prop::sample::select(forms)
                })
                .boxed()
        }
        Kind::Date {
            min,
            max,
            not_future,
        } => {
            let (min, max, not_future) = (*min, *max, *not_future);
            (2019u16..=2026, 1u8..=12, 1u8..=28)
                .prop_map(|(y, m, d)| Date::from_ymd(y, m, d).unwrap())
                .prop_filter("in range", move |d| {
                    min.is_none_or(|m| *d >= m)
                        && max.is_none_or(|m| *d <= m)
                        && (!not_future || *d <= today())
                })
                .prop_map(|d| json!(d.to_string()))
                .boxed()
        }
        Kind::Region => {
            let codes: Vec<&'static str> = region::all().iter().map(|r| r.code).collect();
            prop::sample::select(codes).prop_map(|c| json!(c)).boxed()
        }
        Kind::Industry => prop::sample::select(vec!["C3011", "F52", "k7010", "A01", "I65"])
            .prop_map(|c| json!(c))
            .boxed(),
    }
}

/// Values the question must refuse whatever the other answers are.
fn invalid_raw(q: &Question) -> Vec<J> {
    let mut bad = vec![json!({"x": 1}), json!(true)];
    match &q.kind {
        Kind::SingleChoice { .. } => bad.extend([json!("no_such_code"), json!(1), json!(["x"])]),
        Kind::MultipleChoice {
            choices,
            min_selected,
            max_selected,
        } => {
            bad.push(json!(["no_such_code"]));
            bad.push(json!([choices[0].code, choices[0].code]));
            bad.push(json!([1]));
            let plain: Vec<&String> = choices
                .iter()
                .filter(|c| !c.exclusive)
                .map(|c| &c.code)
                .collect();
            if let Some(x) = choices.iter().find(|c| c.exclusive) {
                bad.push(json!([x.code, plain[0]]));
            }
            if let Some(m) = max_selected
                && plain.len() > *m as usize
            {
                bad.push(json!(plain));
            }
            if *min_selected > 1 {
                bad.push(json!([plain[0]]));
            }
        }
        Kind::Text {
            max_length,
            format,
            multiline,
        } => {
            bad.push(json!("字".repeat(*max_length as usize + 1)));
            bad.push(json!(1));
            if !multiline {
                bad.push(json!("a\nb"));
            }
            if format.is_some() {
                bad.push(json!("12345"));
            }
        }
        Kind::Integer { min, max } => {
            bad.extend([json!("1.5"), json!("abc"), json!(1.5)]);
            bad.extend(min.map(|m| json!(m - 1)));
            bad.extend(max.map(|m| json!(m + 1)));
        }
        Kind::Amount { min, max } | Kind::Decimal { min, max } => {
            bad.extend([json!("1.234"), json!("1e3"), json!("1,000"), json!("十万")]);
            bad.extend(min.map(|m| json!(Dec(m.0 - 1).to_string())));
            bad.extend(max.map(|m| json!(Dec(m.0 + 1).to_string())));
        }
        Kind::Date {
            min, not_future, ..
        } => {
            bad.extend([json!("2020-02-30"), json!("2020/01/01"), json!(20200101)]);
            if *not_future {
                bad.push(json!("2026-07-01"));
            }
            if min.is_some() {
                bad.push(json!("1999-12-31"));
            }
        }
        Kind::Region => bad.extend([json!("12345"), json!("990000"), json!(370202)]),
        Kind::Industry => bad.extend([json!("Z99"), json!("C"), json!("C99")]),
    }
    bad
}

/// The normalised value a valid raw answer should become, computed independently of the
/// validator (the test's oracle for relevance and constraints).
fn expected_value(q: &Question, raw: &J) -> Value {
    match (&q.kind, raw) {
        (Kind::MultipleChoice { choices, .. }, J::Array(items)) => Value::List(
            choices
                .iter()
                .filter(|c| items.contains(&json!(c.code)))
                .map(|c| c.code.clone())
                .collect(),
        ),
        (Kind::Integer { .. } | Kind::Amount { .. } | Kind::Decimal { .. }, J::Number(n)) => {
            Value::Num(Dec::from_int(n.as_i64().unwrap()).unwrap())
        }
        (Kind::Integer { .. } | Kind::Amount { .. } | Kind::Decimal { .. }, J::String(s)) => {
            Value::Num(Dec::parse(s).unwrap())
        }
        (Kind::Industry, J::String(s)) => Value::Str(s.to_uppercase()),
        (
            Kind::Text {
                format: Some(TextFormat::Mobile),
                ..
            },
            J::String(s),
        ) => Value::Str(s.clone()),
        (_, J::String(s)) => Value::Str(s.trim().to_owned()),
        _ => unreachable!("generated raw answers are strings, numbers or arrays"),
    }
}

/// Per question: whether an optional one is answered, and two candidate answers (the
/// second is tried when the first breaks a cross-question constraint).
type Plan = Vec<(bool, J, J)>;

fn plan(def: &'static Definition) -> impl Strategy<Value = Plan> {
    def.questions
        .iter()
        .map(|q| (prop::bool::weighted(0.7), valid_raw(q), valid_raw(q)))
        .collect::<Vec<_>>()
}

/// A valid answer set built from a plan: hidden questions left out, constraints respected.
/// `None` when no candidate satisfies a required question's constraint (the case is skipped).
struct Built {
    answers: Map<String, J>,
    values: HashMap<String, Value>,
    visible: Vec<bool>,
}

fn build(def: &Definition, plan: &Plan) -> Option<Built> {
    let mut answers = Map::new();
    let mut values: HashMap<String, Value> = HashMap::new();
    let mut visible = Vec::new();
    for (q, (answer_optional, a, b)) in def.questions.iter().zip(plan) {
        let lookup = |id: &str| values.get(id).cloned().unwrap_or(Value::Null);
        let shown = q.show_if.as_ref().is_none_or(|e| e.holds(&lookup));
        visible.push(shown);
        if !shown || !(q.required || *answer_optional) {
            continue;
        }
        let fits = |raw: &J| {
            let mut with = values.clone();
            with.insert(q.id.clone(), expected_value(q, raw));
            let lookup = |id: &str| with.get(id).cloned().unwrap_or(Value::Null);
            q.constraints.iter().all(|c| c.rule.holds(&lookup))
        };
        match [a, b].into_iter().find(|raw| fits(raw)) {
            Some(raw) => {
                values.insert(q.id.clone(), expected_value(q, raw));
                answers.insert(q.id.clone(), raw.clone());
            }
            None if q.required => return None,
            None => {}
        }
    }
    Some(Built {
        answers,
        values,
        visible,
    })
}

/// How often each question was shown and hidden over the run, and how often a constraint
/// was exercised by an injected violation.
#[derive(Default)]
struct Coverage {
    shown: HashMap<String, (u32, u32)>,
    constraint_violations: HashMap<String, u32>,
}

fn check_definition(def: &'static Definition, cases: u32) {
    let submit = Context::submit(today());
    let draft = Context::draft(today());
    let coverage = RefCell::new(Coverage::default());
    let mut runner = TestRunner::new(Config {
        cases,
        max_global_rejects: cases * 4,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&plan(def), |plan| {
        let Some(built) = build(def, &plan) else {
            return Err(TestCaseError::reject(
                "a required constraint had no fitting candidate",
            ));
        };
        let Built {
            answers,
            values,
            visible,
        } = built;
        // Every answer set that keeps the rules is accepted, as a submission and as a draft,
        // and normalised to what the oracle expects.
        let n = def
            .validate(&answers, &submit)
            .map_err(|e| TestCaseError::fail(format!("valid set refused: {e:?}\n{answers:?}")))?;
        prop_assert!(def.validate(&answers, &draft).is_ok());
        for (id, v) in &n.answers {
            prop_assert_eq!(Some(v), values.get(id), "{}", id);
        }
        prop_assert_eq!(n.answers.len(), answers.len());

        let mut cov = coverage.borrow_mut();
        let refused_naming =
            |set: &Map<String, J>, ctx: &Context, q: &str| -> Result<(), TestCaseError> {
                match def.validate(set, ctx) {
                    Ok(_) => Err(TestCaseError::fail(format!(
                        "accepted a violation at {q}: {set:?}"
                    ))),
                    Err(e) if e.iter().any(|e| e.question == q && !e.message.is_empty()) => Ok(()),
                    Err(e) => Err(TestCaseError::fail(format!("no error names {q}: {e:?}"))),
                }
            };
        for (i, q) in def.questions.iter().enumerate() {
            let entry = cov.shown.entry(q.id.clone()).or_default();
            if visible[i] {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
            if !visible[i] {
                // A hidden question is never required (the set above left it out) and an
                // answer to it is refused, or dropped when asked.
                let mut with = answers.clone();
                with.insert(q.id.clone(), plan[i].1.clone());
                refused_naming(&with, &submit, &q.id)?;
                refused_naming(&with, &draft, &q.id)?;
                let lenient = Context {
                    hidden: HiddenAnswers::Drop,
                    ..submit
                };
                let dropped = def.validate(&with, &lenient);
                prop_assert_eq!(dropped.as_ref(), Ok(&n));
                continue;
            }
            if q.required {
                let mut without = answers.clone();
                without.remove(&q.id);
                refused_naming(&without, &submit, &q.id)?;
                // An empty field is the same as a missing one.
                without.insert(q.id.clone(), json!(""));
                refused_naming(&without, &submit, &q.id)?;
            }
            for bad in invalid_raw(q) {
                let mut with = answers.clone();
                with.insert(q.id.clone(), bad.clone());
                refused_naming(&with, &submit, &q.id)?;
                refused_naming(&with, &draft, &q.id)?;
            }
            // Valid on its own but breaking a cross-question rule: refused at this question.
            for candidate in [&plan[i].1, &plan[i].2] {
                let mut with_values = values.clone();
                with_values.insert(q.id.clone(), expected_value(q, candidate));
                let lookup = |id: &str| with_values.get(id).cloned().unwrap_or(Value::Null);
                if q.constraints.iter().any(|c| !c.rule.holds(&lookup)) {
                    let mut with = answers.clone();
                    with.insert(q.id.clone(), candidate.clone());
                    refused_naming(&with, &draft, &q.id)?;
                    *cov.constraint_violations.entry(q.id.clone()).or_default() += 1;
                }
            }
        }
        let mut with = answers.clone();
        with.insert("no_such_question".into(), json!("x"));
        refused_naming(&with, &submit, "no_such_question")?;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{}: {e}", def.id);
    }
    // Every relevance rule was seen both ways, and every constraint was broken at least
    // once, so the run above covered each combination the definition has.
    let cov = coverage.into_inner();
    for q in &def.questions {
        let (shown, hidden) = cov.shown[&q.id];
        assert!(shown > 0, "{}.{} never shown", def.id, q.id);
        if q.show_if.is_some() {
            assert!(hidden > 0, "{}.{} never hidden", def.id, q.id);
        }
        if !q.constraints.is_empty() {
            assert!(
                cov.constraint_violations.get(&q.id).is_some_and(|n| *n > 0),
                "{}.{}: constraint never exercised",
                def.id,
                q.id
            );
        }
    }
}

#[test]
fn q1_accepts_every_valid_set_and_refuses_each_violation() {
    check_definition(q1(), 200);
}

#[test]
fn q2_accepts_every_valid_set_and_refuses_each_violation() {
    check_definition(q2(), 200);
}

#[test]
fn q3_accepts_every_valid_set_and_refuses_each_violation() {
    check_definition(q3(), 600);
}

#[test]
fn min_selected_above_one() {
    let mut d = base();
    d["questions"][0] = json!({
        "id": "need", "section": "s", "type": "multiple_choice", "label": "选两项", "required": true,
        "min_selected": 2,
        "choices": [{"code": "a", "label": "甲"}, {"code": "b", "label": "乙"}, {"code": "c", "label": "丙"}]
    });
    d["questions"][1]["show_if"] = json!("\"a\" in need");
    let def = Definition::from_json(&d.to_string()).unwrap();
    let ctx = Context::submit(today());
    let e = errors_of(&def, json!({"need": "a"}), &ctx);
    assert_eq!(named(&e, "need").as_deref(), Some("请至少选 2 项"));
    def.validate(&obj(json!({"need": ["c", "a"], "amount": 5})), &ctx)
        .unwrap();
}
