//! The customer manager's workbench over HTTP: statuses move through the flow (push, q1,
//! visit, solution), a visit saved as a draft, refused with messages next to its questions
//! and submitted once however often it is posted, a solution moved on only where allowed and
//! read-only once closed, audited corrections with their history, personal data in answers
//! masked until revealed — and every new route 404 for anyone outside its scope.

use axum::http::StatusCode;
use serde_json::json;
use yinqi_domain::questionnaire::Date;
use yinqi_store::{
    AnswerInput, ClientMeta, Response, ResponseStatus, Scope, WorkFilter, WorkPage, WorkStatus,
};

use crate::access::{USERS, expected};
use crate::harness::{Session, World, body_text, jinan_ccb, jinan_icbc, qingdao_icbc};

/// Runs a direct store call from inside the test's (multi-threaded) runtime: the PostgreSQL
/// client blocks.
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Percent-encodes a form value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn fields(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A complete on-site visit (q2) as the form posts it.
const VISIT: [(&str, &str); 24] = [
    ("visit_date", "2020-01-15"),
    ("visit_mode", "on_site"),
    ("people_met", "legal_rep"),
    ("people_met", "finance"),
    ("premises", "rented"),
    ("operating_status", "normal"),
    ("main_business", "五金加工"),
    ("staff_count", "35"),
    ("revenue", "800"),
    ("profit", "60"),
    ("total_assets", "500"),
    ("total_liabilities", "200"),
    ("tax_paid", "30"),
    ("existing_credit", "none"),
    ("confirmed_need", "yes"),
    ("need_amount", "100"),
    ("need_term_months", "12"),
    ("need_purpose", "working_capital"),
    ("repayment_source", "operating_income"),
    ("collateral", "receivables"),
    ("exclusion_check", "none"),
    ("need_real", "yes"),
    ("meets_policy", "yes"),
    ("suggested_products", "credit"),
];

/// A solution (q3) in `status`, with what that status asks for.
fn solution(status: &str) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = [
        ("product_name", "经营快贷"),
        ("product_type", "credit"),
        ("proposed_amount", "100"),
        ("proposed_term_months", "12"),
        ("proposed_rate", "3.85"),
        ("guarantee_fund", "no"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    v.push(("status", status.to_owned()));
    if matches!(status, "approved" | "disbursed" | "closed") {
        v.push(("approved_amount", "80".into()));
    }
    if matches!(status, "disbursed" | "closed") {
        for (k, x) in [
            ("disbursed_amount", "80"),
            ("disbursed_date", "2020-02-10"),
            ("disbursed_rate", "3.85"),
            ("disbursed_term_months", "12"),
            ("first_time_borrower", "yes"),
            ("unsecured", "yes"),
        ] {
            v.push((k, x.into()));
        }
    }
    v
}

fn solution_fields(status: &str, extra: &str) -> String {
    let v = solution(status);
    let pairs: Vec<(&str, &str)> = v.iter().map(|(k, x)| (*k, x.as_str())).collect();
    format!("_version=1&{}{extra}", fields(&pairs))
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn location(response: &axum::http::Response<axum::body::Body>) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn campaign(world: &World) -> i64 {
    sync(|| world.store.campaign(None)).unwrap().id
}

fn enterprise_id(world: &World, uscc: &str) -> i64 {
    let c = campaign(world);
    sync(|| world.store.enterprise_by_uscc(&Scope::Nation, c, uscc))
        .unwrap()
        .id
}

fn manager_id(world: &World) -> i64 {
    sync(|| world.store.user_for_login("icbc-jinan-manager"))
        .unwrap()
        .unwrap()
        .0
        .id
}

fn answers_of(world: &World, uscc: &str, q: &str) -> Vec<Response> {
    let id = enterprise_id(world, uscc);
    sync(|| world.store.responses_of(&Scope::Nation, id, Some(q))).unwrap()
}

/// The status the manager's worklist gives `uscc` now.
fn work_status(world: &World, uscc: &str) -> WorkStatus {
    let scope = Scope::Manager(manager_id(world));
    let c = campaign(world);
    let list = sync(|| {
        world.store.manager_worklist(
            &scope,
            c,
            &WorkFilter {
                as_of: yinqi_store::now_millis(),
                ..WorkFilter::default()
            },
            WorkPage {
                after: None,
                size: 50,
            },
        )
    })
    .unwrap();
    list.rows.iter().find(|r| r.uscc == uscc).unwrap().status
}

/// The enterprise answers q1 itself (through its code, as the enterprise pages will).
fn enterprise_answers_q1(world: &World, uscc: &str, wants_visit: bool) -> Response {
    let id = enterprise_id(world, uscc);
    let mut answers = serde_json::Map::new();
    for (k, v) in [
        ("company_name", json!("测试企业有限公司")),
        ("company_uscc", json!(uscc)),
        ("respondent_name", json!("李四")),
        ("respondent_role", json!("owner")),
        ("respondent_mobile", json!("13712345678")),
        ("staff_band", json!("10_to_49")),
        ("revenue_band", json!("100_to_500")),
        ("assets_band", json!("100_to_500")),
        ("current_credit", json!("none")),
        ("need", json!("yes")),
        ("need_amount", json!(50)),
        ("need_term", json!("6_to_12m")),
        ("need_purpose", json!(["working_capital"])),
        ("guarantee", json!(["property"])),
        ("acceptable_rate", json!("4_to_5")),
        ("obstacles", json!(["collateral"])),
        ("wants_visit", json!(if wants_visit { "yes" } else { "no" })),
        ("consent", json!("agree")),
    ] {
        answers.insert(k.into(), v);
    }
    if wants_visit {
        answers.insert("visit_time".into(), json!("weekday_am"));
    }
    let client_id = format!("q1-{uscc}");
    sync(|| {
        world.store.submit(
            &Scope::Enterprise(id),
            &AnswerInput {
                enterprise_id: id,
                questionnaire: "q1",
                version: 1,
                client_id: &client_id,
                answers: &answers,
                today: Date::from_ymd(2026, 11, 28).unwrap(),
                hidden: yinqi_domain::questionnaire::HiddenAnswers::Refuse,
                opened_at: None,
                user_id: None,
                actor: "enterprise",
                client: ClientMeta::default(),
            },
        )
    })
    .unwrap()
}

async fn post(
    world: &World,
    session: &Session,
    uri: &str,
    body: &str,
) -> (StatusCode, String, String) {
    let r = world.send(session.form(uri, body)).await;
    let status = r.status();
    let to = if status == StatusCode::SEE_OTHER {
        location(&r)
    } else {
        String::new()
    };
    (status, to, body_text(r).await)
}

async fn get(world: &World, session: &Session, uri: &str) -> (StatusCode, String) {
    let r = world.send(session.get(uri)).await;
    (r.status(), body_text(r).await)
}

/// Push, q1, a visit (draft, refusals, submission, retries), a solution moved along and
/// closed: the worklist follows each step.
async fn flow(world: &World) {
    let uscc = jinan_icbc();
    let manager = world.login("icbc-jinan-manager").await;
    let (status, home) = get(world, &manager, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("我的企业") && home.contains(&uscc) && home.contains("未联系"));
    assert!(
        home.contains("/q/"),
        "the SMS with the link is on the workbench"
    );
    assert!(
        home.contains("href=\"/work\""),
        "the nav links the workbench"
    );
    assert_eq!(work_status(world, &uscc), WorkStatus::NotContacted);

    // Push the link by WeChat.
    let (status, to, _) = post(
        world,
        &manager,
        &format!("/work/{uscc}/push"),
        "channel=wechat&back=work&status=not_contacted",
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (
            StatusCode::SEE_OTHER,
            "/work?status=not_contacted&done=pushed"
        )
    );
    let (_, pushed) = get(world, &manager, "/work?status=pushed&done=pushed").await;
    assert!(pushed.contains(&uscc) && pushed.contains("微信") && pushed.contains("已标记为已推送"));
    let (_, not_contacted) = get(world, &manager, "/work?status=not_contacted").await;
    assert!(!not_contacted.contains(&format!("/enterprises/{uscc}\"")));
    let (status, _, page) = post(
        world,
        &manager,
        &format!("/work/{uscc}/push"),
        "channel=pigeon",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择推送方式"));
    assert_eq!(work_status(world, &uscc), WorkStatus::Pushed);

    // The enterprise answers, wanting a visit.
    let q1 = enterprise_answers_q1(world, &uscc, true);
    assert_eq!(work_status(world, &uscc), WorkStatus::WantsVisit);
    let (_, wants) = get(world, &manager, "/work?status=wants_visit").await;
    assert!(wants.contains(&uscc) && wants.contains("希望客户经理上门走访"));

    // The visit: a draft first, reopened later with the same client id.
    let (status, form) = get(world, &manager, &format!("/work/{uscc}/visit")).await;
    assert_eq!(status, StatusCode::OK);
    let client_id = hidden(&form, "client_id");
    let opened_at = hidden(&form, "opened_at");
    assert_eq!(client_id.len(), 32);
    assert!(form.contains("name=\"js\" value=\"0\""));
    let control = format!("_version=1&client_id={client_id}&opened_at={opened_at}&js=0");
    let visit_uri = format!("/work/{uscc}/visit");
    let (status, _, page) = post(
        world,
        &manager,
        &visit_uri,
        &format!(
            "{control}&_action=draft&visit_mode=on_site&main_business={}",
            enc("五金")
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("草稿已于"), "draft saved");
    let (_, again) = get(world, &manager, &visit_uri).await;
    assert!(again.contains("继续填写") && hidden(&again, "client_id") == client_id);
    assert!(
        again.contains("value=\"五金\""),
        "the draft's answers are back"
    );

    // Submitting it incomplete or wrong: messages next to the questions, the draft kept.
    let (status, _, page) = post(
        world,
        &manager,
        &visit_uri,
        &format!("{control}&visit_mode=on_site&staff_count=abc"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff = page.split("id=\"q-staff_count\"").nth(1).unwrap();
    let staff = staff.split("</fieldset>").next().unwrap();
    assert!(
        staff.contains("class=\"error\"") && staff.contains("整数"),
        "{staff}"
    );
    let date = page
        .split("id=\"q-visit_date\"")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(
        date.contains("class=\"error\""),
        "a required question left out is named"
    );
    assert!(page.contains("道题需要修改"));
    let drafts = answers_of(world, &uscc, "q2");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].status, ResponseStatus::Draft);
    assert_eq!(
        drafts[0].answers["main_business"], "五金",
        "the saved draft is untouched"
    );

    // Complete, without JavaScript and with a stale answer to a question that no longer
    // applies (typed before choosing "on site"): dropped, submitted, redirected.
    let complete = format!(
        "{control}&{}&remote_reason={}",
        fields(&VISIT),
        enc("曾打算电话访谈")
    );
    let (status, to, _) = post(world, &manager, &visit_uri, &complete).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/enterprises/{uscc}?done=visit#answers"));
    // A retry of the same post (a double click, a dropped connection): the same answer.
    let (status, again_to, _) = post(world, &manager, &visit_uri, &complete).await;
    assert_eq!((status, again_to), (StatusCode::SEE_OTHER, to));
    let visits = answers_of(world, &uscc, "q2");
    assert_eq!(visits.len(), 1, "one visit however often it is posted");
    assert_eq!(visits[0].status, ResponseStatus::Submitted);
    assert!(!visits[0].answers.contains_key("remote_reason"));
    assert_eq!(visits[0].user_id, Some(manager_id(world)));
    assert_eq!(work_status(world, &uscc), WorkStatus::Visited);
    // With the script on, an answer to a hidden question is a client out of step: refused.
    let (_, fresh) = get(world, &manager, &format!("{visit_uri}?new=1")).await;
    let second = hidden(&fresh, "client_id");
    assert_ne!(second, client_id);
    let (status, _, page) = post(
        world,
        &manager,
        &visit_uri,
        &format!(
            "_version=1&client_id={second}&js=1&{}&remote_reason=x",
            fields(&VISIT)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"q-remote_reason\""));
    assert_eq!(answers_of(world, &uscc, "q2").len(), 1);
    // A tampered version: the message, nothing saved.
    let (status, _, page) = post(
        world,
        &manager,
        &visit_uri,
        &format!("_version=9&client_id={second}&{}", fields(&VISIT)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("问卷版本无效"));

    // A solution, moved on only where allowed, read-only once closed.
    let (_, form) = get(world, &manager, &format!("/work/{uscc}/solutions/new")).await;
    let sol_client = hidden(&form, "client_id");
    let (status, to, _) = post(
        world,
        &manager,
        &format!("/work/{uscc}/solutions/new"),
        &solution_fields("proposed", &format!("&client_id={sol_client}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = to
        .strip_prefix("/work/solutions/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(work_status(world, &uscc), WorkStatus::SolutionOpen);
    let sol_uri = format!("/work/solutions/{id}");
    let (status, page) = get(world, &manager, &format!("{sol_uri}?done=solution")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("融资方案已提交") && page.contains("提交方案") && page.contains("保存进展")
    );
    assert!(
        page.contains("可改为"),
        "the status question says where it may go"
    );
    let (status, _, page) = post(
        world,
        &manager,
        &sol_uri,
        &solution_fields("declined", "&decline_reason=finances"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("不能从当前状态变更为所选状态"),
        "a clear refusal"
    );
    assert!(
        page.contains("“已提出方案”→“未获批准”"),
        "statuses in words"
    );
    let (status, _, _) = post(
        world,
        &manager,
        &sol_uri,
        &solution_fields("applied", &format!("&_reason={}", enc("企业已递交申请"))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = post(world, &manager, &sol_uri, &solution_fields("closed", "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let history = sync(|| world.store.solution_history(&Scope::Nation, id)).unwrap();
    let steps: Vec<_> = history.iter().map(|h| h.to.code()).collect();
    assert_eq!(steps, ["proposed", "applied", "closed"]);
    assert_eq!(history[1].reason.as_deref(), Some("企业已递交申请"));
    let (_, page) = get(world, &manager, &sol_uri).await;
    assert!(
        page.contains("方案已结束") && !page.contains("保存进展"),
        "closed is read-only"
    );
    assert!(
        page.contains("企业已递交申请"),
        "the history shows the notes"
    );
    let (status, _, _) = post(world, &manager, &sol_uri, &solution_fields("applied", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(work_status(world, &uscc), WorkStatus::Done);

    // The enterprise's page shows it all; the bank sees the respondent masked until revealed.
    let bank = world.login("icbc-admin").await;
    let (_, page) = get(world, &bank, &format!("/enterprises/{uscc}")).await;
    assert!(page.contains("问卷一") && page.contains("五金加工") && page.contains("经营快贷"));
    assert!(page.contains("李*") && page.contains("137****5678") && !page.contains("13712345678"));
    let r = world
        .send(bank.form(&format!("/enterprises/{uscc}/reveal"), ""))
        .await;
    let revealed = body_text(r).await;
    assert!(revealed.contains("13712345678") && revealed.contains("李四"));
    let audit = sync(|| world.store.audit_entries(&Scope::Bureau("37".into()), 50)).unwrap();
    assert!(audit.iter().any(|a| a.action == "answers.reveal"));
    assert!(audit.iter().any(|a| a.action == "code.push"));
    let _ = q1;
}

/// Corrections: the holder corrects the visit with a reason; q1 only by the regulator;
/// the history shows old → new; each one is audited.
async fn corrections(world: &World) {
    let uscc = jinan_icbc();
    let q1 = enterprise_answers_q1(world, &uscc, false);
    let manager = world.login("icbc-jinan-manager").await;
    let (_, form) = get(world, &manager, &format!("/work/{uscc}/visit")).await;
    let client_id = hidden(&form, "client_id");
    let (status, _, _) = post(
        world,
        &manager,
        &format!("/work/{uscc}/visit"),
        &format!("_version=1&client_id={client_id}&{}", fields(&VISIT)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let visit = answers_of(world, &uscc, "q2").remove(0);
    let uri = format!("/responses/{}/correct", visit.id);
    let (status, page) = get(world, &manager, &uri).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("更正原因") && page.contains("value=\"35\""));
    let mut changed = VISIT.to_vec();
    changed[7] = ("staff_count", "38");
    let body = format!("_version=1&{}", fields(&changed));
    let (status, _, page) = post(world, &manager, &uri, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("更正须说明原因") && page.contains("value=\"38\""),
        "what was typed stays"
    );
    let (status, to, _) = post(
        world,
        &manager,
        &uri,
        &format!("{body}&_reason={}", enc("人数录错")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/enterprises/{uscc}?done=corrected#answers"));
    let history = sync(|| world.store.corrections(&Scope::Nation, visit.id)).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            history[0].old_answers["staff_count"].clone(),
            history[0].new_answers["staff_count"].clone()
        ),
        (json!(35), json!(38))
    );
    let (_, page) = get(world, &manager, &uri).await;
    assert!(
        page.contains("人数录错") && page.contains("<td>35 人</td><td>38 人</td>"),
        "old → new"
    );
    let (_, page) = get(world, &manager, &format!("/enterprises/{uscc}")).await;
    assert!(page.contains("已更正 1 次"));

    // q1 is the enterprise's statement: not the bank side's to correct.
    let q1_uri = format!("/responses/{}/correct", q1.id);
    for username in ["icbc-jinan-manager", "icbc-admin", "icbc-jinan-staff"] {
        let s = world.login(username).await;
        assert_eq!(
            get(world, &s, &q1_uri).await.0,
            StatusCode::NOT_FOUND,
            "{username}"
        );
    }
    let bureau = world.login("bureau-37").await;
    let (status, page) = get(world, &bureau, &q1_uri).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("13712345678"),
        "the form to correct shows what it corrects"
    );
    let (status, _, _) = post(
        world,
        &bureau,
        &q1_uri,
        &format!(
            "_version=1&_reason={}&{}",
            enc("企业来电更正金额"),
            q1_form(&q1)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let audit = sync(|| world.store.audit_entries(&Scope::Bureau("37".into()), 50)).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "answers.correct")
            .count(),
        2
    );
    assert!(
        audit
            .iter()
            .any(|a| a.action == "answers.reveal" && a.actor == "bureau-37"),
        "opening q1 to correct it shows personal data: recorded"
    );
}

/// Stored answers as the form would post them, with `need_amount` changed.
fn q1_form(q1: &Response) -> String {
    let mut out = vec![];
    for (k, v) in &q1.answers {
        let value = match v {
            serde_json::Value::Array(items) => {
                for i in items {
                    out.push(format!("{k}={}", enc(i.as_str().unwrap())));
                }
                continue;
            }
            _ if k == "need_amount" => "65".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push(format!("{k}={}", enc(&value)));
    }
    out.join("&")
}

/// Every new route that names an enterprise or an answer, for every fixture user and every
/// enterprise or answer outside what they may do there: 404, and nothing changes.
async fn scope_matrix(world: &World) {
    let icbc = jinan_icbc();
    let q1 = enterprise_answers_q1(world, &icbc, true);
    let manager = world.login("icbc-jinan-manager").await;
    let (_, form) = get(world, &manager, &format!("/work/{icbc}/visit")).await;
    let cid = hidden(&form, "client_id");
    post(
        world,
        &manager,
        &format!("/work/{icbc}/visit"),
        &format!("_version=1&client_id={cid}&{}", fields(&VISIT)),
    )
    .await;
    let (_, form) = get(world, &manager, &format!("/work/{icbc}/solutions/new")).await;
    let cid = hidden(&form, "client_id");
    post(
        world,
        &manager,
        &format!("/work/{icbc}/solutions/new"),
        &solution_fields("proposed", &format!("&client_id={cid}")),
    )
    .await;
    // CCB's own solution for its enterprise (through its bank login).
    let ccb = world.login("ccb-admin").await;
    let ccb_uscc = jinan_ccb();
    let (_, form) = get(world, &ccb, &format!("/work/{ccb_uscc}/solutions/new")).await;
    let cid = hidden(&form, "client_id");
    let (status, _, _) = post(
        world,
        &ccb,
        &format!("/work/{ccb_uscc}/solutions/new"),
        &solution_fields("proposed", &format!("&client_id={cid}")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a bank writes its own solutions"
    );
    let visit = answers_of(world, &icbc, "q2").remove(0);
    let icbc_solution = answers_of(world, &icbc, "q3").remove(0);
    let ccb_solution = answers_of(world, &ccb_uscc, "q3").remove(0);
    let answer_owner = [
        (q1.id, icbc.clone(), "q1"),
        (visit.id, icbc.clone(), "q2"),
        (icbc_solution.id, icbc.clone(), "q3"),
        (ccb_solution.id, ccb_uscc.clone(), "q3"),
    ];
    let snapshot = || {
        let counts: Vec<usize> = [icbc.clone(), ccb_uscc.clone(), qingdao_icbc()]
            .iter()
            .map(|u| answers_of(world, u, "q2").len() + answers_of(world, u, "q3").len())
            .collect();
        let c = campaign(world);
        let pushes = sync(|| world.store.pushes(&Scope::Nation, c, &icbc))
            .unwrap()
            .len();
        let corrections: usize = answer_owner
            .iter()
            .map(|(id, _, _)| {
                sync(|| world.store.corrections(&Scope::Nation, *id))
                    .unwrap()
                    .len()
            })
            .sum();
        (counts, pushes, corrections)
    };
    let before = snapshot();
    let everyone = [jinan_icbc(), jinan_ccb(), qingdao_icbc()];
    for username in USERS {
        let session = world.login(username).await;
        let visible = expected(username);
        let is_manager = username == "icbc-jinan-manager";
        let bank_side = matches!(
            username,
            "icbc-admin" | "icbc-qingdao" | "ccb-admin" | "icbc-jinan-staff"
        ) || is_manager;
        if !is_manager {
            assert_eq!(
                get(world, &session, "/work").await.0,
                StatusCode::NOT_FOUND,
                "{username} /work"
            );
        }
        for uscc in &everyone {
            let sees = visible.contains(uscc);
            // A visit is the holding manager's; a solution the bank side's.
            let checks = [
                (format!("/work/{uscc}/visit"), !(sees && is_manager)),
                (format!("/work/{uscc}/solutions/new"), !(sees && bank_side)),
            ];
            for (uri, refused) in checks {
                if !refused {
                    continue;
                }
                assert_eq!(
                    get(world, &session, &uri).await.0,
                    StatusCode::NOT_FOUND,
                    "{username} GET {uri}"
                );
                let body = format!("_version=1&client_id=matrix-{username}&{}", fields(&VISIT));
                assert_eq!(
                    post(world, &session, &uri, &body).await.0,
                    StatusCode::NOT_FOUND,
                    "{username} POST {uri}"
                );
            }
            // Only those who read the code mark its link pushed (see codes.rs): anyone else
            // gets 404, except the bank side seeing an enterprise whose code has not reached
            // it yet (ICBC's Qingdao batch is still at HQ), which is told so.
            let reads_code = match username {
                "icbc-admin" | "icbc-jinan-staff" | "icbc-jinan-manager" => *uscc == icbc,
                "ccb-admin" => *uscc == ccb_uscc,
                _ => false,
            };
            if !reads_code {
                let uri = format!("/work/{uscc}/push");
                let want = if sees && bank_side {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(
                    post(world, &session, &uri, "channel=sms").await.0,
                    want,
                    "{username} POST {uri}"
                );
            }
        }
        for (id, owner, q) in &answer_owner {
            let sees = visible.contains(owner);
            let corrects = sees
                && (matches!(username, "hq-admin" | "hq-staff" | "bureau-37")
                    || (bank_side && *q != "q1"));
            let uri = format!("/responses/{id}/correct");
            if !corrects {
                assert_eq!(
                    get(world, &session, &uri).await.0,
                    StatusCode::NOT_FOUND,
                    "{username} GET {uri}"
                );
                let body = format!("_version=1&_reason=x&{}", fields(&VISIT));
                assert_eq!(
                    post(world, &session, &uri, &body).await.0,
                    StatusCode::NOT_FOUND,
                    "{username} POST {uri}"
                );
            }
            if *q == "q3" {
                let uri = format!("/work/solutions/{id}");
                if !sees {
                    assert_eq!(
                        get(world, &session, &uri).await.0,
                        StatusCode::NOT_FOUND,
                        "{username} GET {uri}"
                    );
                }
                if !(sees && bank_side) {
                    let body = solution_fields("applied", "");
                    assert_eq!(
                        post(world, &session, &uri, &body).await.0,
                        StatusCode::NOT_FOUND,
                        "{username} POST {uri}"
                    );
                }
            }
        }
        // Ids that are no answer at all, or not numbers.
        for uri in [
            "/work/solutions/999999",
            "/work/solutions/abc",
            "/responses/999999/correct",
        ] {
            assert_eq!(
                get(world, &session, uri).await.0,
                StatusCode::NOT_FOUND,
                "{username} {uri}"
            );
        }
    }
    assert_eq!(before, snapshot(), "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workbench_follows_the_flow_sqlite() {
    flow(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn corrections_are_reasoned_audited_and_scoped_sqlite() {
    corrections(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn new_routes_are_not_found_outside_scope_sqlite() {
    scope_matrix(&World::sqlite()).await;
}

mod postgres {
    use super::*;

    async fn on_postgres(
        test: fn(&World) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>,
    ) {
        let world = tokio::task::spawn_blocking(World::postgres).await.unwrap();
        test(&world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn the_workbench_follows_the_flow() {
        on_postgres(|w| Box::pin(flow(w))).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn corrections_are_reasoned_audited_and_scoped() {
        on_postgres(|w| Box::pin(corrections(w))).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn new_routes_are_not_found_outside_scope() {
        on_postgres(|w| Box::pin(scope_matrix(w))).await;
    }
}
