//! The progress pages through the router: every role's dashboard within its scope (a
//! view outside it is 404), the association's suppressed numbers, the supervision list's
//! press action reaching the bank's home page and its reply coming back, the quality page,
//! refused and hostile forms.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Map, Value as J, json};
use yinqi_domain::questionnaire::{Date, HiddenAnswers};
use yinqi_store::{AnswerInput, ClientMeta, RefreshLimits, Scope, Store};

use crate::harness::{World, body_text, jinan_ccb, jinan_icbc};

fn today() -> Date {
    let d = yinqi_domain::progress::day::of_millis(yinqi_store::now_millis());
    let (y, m, dd) = yinqi_domain::progress::day::ymd(d);
    Date::from_ymd(y as u16, m as u8, dd as u8).unwrap()
}

/// Questionnaire 1 of `uscc`'s enterprise, opened `seconds` before it was submitted.
fn answer_q1(store: &Store, uscc: &str, seconds: i64) {
    let campaign = store.campaign(None).unwrap();
    let id = store
        .enterprise_by_uscc(&Scope::Nation, campaign.id, uscc)
        .unwrap()
        .id;
    let answers: Map<String, J> = match json!({
        "company_name": "测试企业有限公司", "company_uscc": uscc,
        "respondent_name": "王小明", "respondent_role": "owner",
        "respondent_mobile": "13912345678", "staff_band": "10_to_49",
        "revenue_band": "100_to_500", "assets_band": "100_to_500", "current_credit": "none",
        "need": "yes", "need_amount": 120, "need_term": "6_to_12m",
        "need_purpose": ["working_capital"], "guarantee": ["property"],
        "acceptable_rate": "4_to_5", "obstacles": ["collateral"], "wants_visit": "yes",
        "visit_time": "any", "consent": "agree"
    }) {
        J::Object(m) => m,
        _ => unreachable!(),
    };
    let client = format!("web-{uscc}");
    store
        .submit(
            &Scope::Enterprise(id),
            &AnswerInput {
                enterprise_id: id,
                questionnaire: "q1",
                version: 1,
                client_id: &client,
                answers: &answers,
                today: today(),
                hidden: HiddenAnswers::Refuse,
                opened_at: Some(yinqi_store::now_millis() - seconds * 1000),
                user_id: None,
                actor: "enterprise",
                client: ClientMeta {
                    ip: Some("10.0.0.1"),
                    user_agent: None,
                },
            },
        )
        .unwrap();
}

fn refresh(store: &Store) {
    while !store
        .refresh_progress(RefreshLimits::default())
        .unwrap()
        .is_complete()
    {}
}

/// The fixture with two answers (one too fast) counted.
async fn answered() -> World {
    let world = World::sqlite();
    answer_q1(&world.store, &jinan_icbc(), 600);
    answer_q1(&world.store, &jinan_ccb(), 20);
    refresh(&world.store);
    world
}

async fn page(world: &World, user: &str, uri: &str) -> (StatusCode, String) {
    let session = world.login(user).await;
    let r = world.send(session.get(uri)).await;
    let status = r.status();
    (status, body_text(r).await)
}

#[tokio::test]
async fn every_role_sees_its_own_dashboard() {
    let world = answered().await;
    let (status, hq) = page(&world, "hq-staff", "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "全国 · 进度看板",
        "数据更新于",
        "山东银保监局",
        "青岛银保监局",
        "已填问卷一",
        "对接漏斗",
    ] {
        assert!(hq.contains(text), "HQ dashboard: {text}");
    }
    assert!(
        hq.contains("href=\"/dashboard?bureau=37\""),
        "rows link down"
    );
    let (_, shandong) = page(&world, "hq-staff", "/dashboard?bureau=37").await;
    assert!(shandong.contains("中国工商银行") && shandong.contains("中国建设银行"));
    // (askama writes `&` in attributes as `&#38;`)
    assert!(
        shandong.contains(&format!(
            "href=\"/dashboard?bureau=37&#38;bank={}\"",
            world.icbc
        )),
        "{shandong}"
    );
    // A bureau: its own; another bureau's view does not exist for it.
    let (_, bureau) = page(&world, "bureau-37", "/dashboard").await;
    assert!(bureau.contains("山东银保监局 · 进度看板") && bureau.contains("各银行"));
    assert!(!bureau.contains("青岛"));
    let (status, _) = page(&world, "bureau-37", "/dashboard?bureau=3702").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A bank: its own, by bureau, then by branch; another bank's is not found.
    let (_, icbc) = page(&world, "icbc-admin", "/dashboard").await;
    assert!(icbc.contains("中国工商银行（全国）") && icbc.contains("各监管局"));
    assert!(!icbc.contains("中国建设银行"));
    let (_, branches) = page(&world, "icbc-admin", "/dashboard?bureau=37").await;
    assert!(branches.contains("各网点") && branches.contains("工行济南分行"));
    let (status, _) = page(
        &world,
        "icbc-admin",
        &format!("/dashboard?bank={}", world.ccb),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&world, "icbc-qingdao", "/dashboard?bureau=37").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in [
        "/dashboard?bank=abc",
        "/dashboard?bureau=99",
        "/dashboard?branch=999999999999",
    ] {
        let (status, _) = page(&world, "hq-staff", bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    // A branch by manager; a manager sees their own.
    let (_, branch) = page(&world, "icbc-jinan-staff", "/dashboard").await;
    assert!(branch.contains("工行济南分行 · 进度看板") && branch.contains("各客户经理"));
    let (_, mine) = page(&world, "icbc-jinan-manager", "/dashboard").await;
    assert!(mine.contains("我的企业 · 进度看板"));
    // Associations: aggregates only, small numbers hidden.
    let (status, assoc) = page(&world, "association", "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(assoc.contains("少于 10 家的数字不显示"));
    assert!(!assoc.contains("质量得分"));
    // Not logged in: the login page.
    let r = world
        .send(Request::get("/dashboard").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/login");
}

#[tokio::test]
async fn pressing_a_bank_reaches_it_and_its_reply_comes_back() {
    let world = answered().await;
    let bureau = world.login("bureau-37").await;
    let list = body_text(world.send(bureau.get("/supervision")).await).await;
    assert!(list.contains("进度督导") && list.contains("action=\"/supervision/remind\""));
    assert!(list.contains(&format!("<option value=\"{}\"", world.icbc)));
    // A row's link chooses the bank and suggests what to say.
    let chosen = body_text(
        world
            .send(bureau.get(&format!("/supervision?press={}", world.icbc)))
            .await,
    )
    .await;
    assert!(
        chosen.contains(&format!("<option value=\"{}\" selected>", world.icbc)),
        "{chosen}"
    );
    assert!(chosen.contains("按日程应达"));
    // An empty message: refused next to the form, nothing recorded.
    let r = world
        .send(bureau.form(
            "/supervision/remind",
            &format!("bank={}&bureau=37&message=+", world.icbc),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(r).await.contains("请填写督促内容"));
    let campaign = world.store.campaign(None).unwrap().id;
    assert!(
        world
            .store
            .reminders(&Scope::Nation, campaign, 10)
            .unwrap()
            .is_empty()
    );
    // Without the form's token: refused.
    let mut forged = bureau.form(
        "/supervision/remind",
        &format!("bank={}&message=x", world.icbc),
    );
    *forged.body_mut() = Body::from(format!("bank={}&message=x", world.icbc));
    assert_eq!(world.send(forged).await.status(), StatusCode::FORBIDDEN);
    // Another bureau cannot press about Shandong, nor a bank with nothing in its province.
    let qingdao = world.login("bureau-3702").await;
    let r = world
        .send(qingdao.form(
            "/supervision/remind",
            &format!("bank={}&bureau=37&message=x", world.icbc),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = world
        .send(qingdao.form(
            "/supervision/remind",
            &format!("bank={}&message=x", world.ccb),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A bank cannot press anyone.
    let icbc = world.login("icbc-admin").await;
    let r = world
        .send(icbc.form(
            "/supervision/remind",
            &format!("bank={}&message=x", world.icbc),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The bureau presses ICBC.
    let message = "问卷回收率偏低，请于本周内完成推送";
    let r = world
        .send(bureau.form(
            "/supervision/remind",
            &format!(
                "bank={}&bureau=37&message={}",
                world.icbc,
                urlencode(message)
            ),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        "/supervision?bureau=37&done=1"
    );
    let list = body_text(
        world
            .send(bureau.get("/supervision?bureau=37&done=1"))
            .await,
    )
    .await;
    assert!(list.contains("已记录督促") && list.contains(message) && list.contains("尚未回复"));
    // The bank sees it on its home page, its dashboard and its reminders page.
    let home = body_text(world.send(icbc.get("/")).await).await;
    assert!(home.contains("1 条督促待您回复"));
    let dash = body_text(world.send(icbc.get("/dashboard")).await).await;
    assert!(dash.contains(message));
    let ccb = world.login("ccb-admin").await;
    assert!(
        !body_text(world.send(ccb.get("/reminders")).await)
            .await
            .contains(message)
    );
    let page = body_text(world.send(icbc.get("/reminders")).await).await;
    let id = world.store.reminders(&Scope::Nation, campaign, 1).unwrap()[0].id;
    assert!(page.contains(&format!("action=\"/reminders/{id}/reply\"")));
    // Another bank cannot answer it; an empty reply is refused; the bank answers once.
    let r = world
        .send(ccb.form(&format!("/reminders/{id}/reply"), "reply=ok"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = world
        .send(icbc.form(&format!("/reminders/{id}/reply"), "reply="))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(r).await.contains("请填写回复内容"));
    let reply = "已部署各网点两天内完成推送";
    let r = world
        .send(icbc.form(
            &format!("/reminders/{id}/reply"),
            &format!("reply={}", urlencode(reply)),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = world
        .send(icbc.form(&format!("/reminders/{id}/reply"), "reply=again"))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let list = body_text(world.send(bureau.get("/supervision")).await).await;
    assert!(list.contains(reply));
    assert!(
        !body_text(world.send(icbc.get("/")).await)
            .await
            .contains("督促待您回复")
    );
    // Both steps are in the bureau's audit log.
    let audit = body_text(world.send(bureau.get("/audit")).await).await;
    assert!(audit.contains("督促银行") && audit.contains("银行回复督促"));
    // Supervision is for HQ and bureaus only.
    assert_eq!(
        world.send(icbc.get("/supervision")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_quality_page_counts_each_rule_worst_first() {
    let world = answered().await;
    let (status, q) = page(&world, "bureau-37", "/quality").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "填写过快",
        "同一网络大量填报",
        "融资方案长期未更新",
        "60 秒",
        "规则与阈值",
    ] {
        assert!(q.contains(text), "{text}");
    }
    // CCB's only answer was too fast: score 0, listed before ICBC's 100.
    let ccb = q.find("中国建设银行").unwrap();
    let icbc = q.find("中国工商银行").unwrap();
    assert!(ccb < icbc, "worst first");
    let (status, _) = page(&world, "association", "/quality").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, mine) = page(&world, "icbc-admin", "/quality?bureau=37").await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains("工行济南分行") && !mine.contains("中国建设银行"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn dashboards_and_pressing_on_postgres() {
        let world = tokio::task::spawn_blocking(|| {
            let world = World::postgres();
            answer_q1(&world.store, &jinan_icbc(), 600);
            answer_q1(&world.store, &jinan_ccb(), 20);
            refresh(&world.store);
            world
        })
        .await
        .unwrap();
        let (_, hq) = page(&world, "hq-staff", "/dashboard?bureau=37").await;
        assert!(hq.contains("中国工商银行") && hq.contains("中国建设银行"));
        let (status, _) = page(
            &world,
            "icbc-admin",
            &format!("/dashboard?bank={}", world.ccb),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let bureau = world.login("bureau-37").await;
        let r = world
            .send(bureau.form(
                "/supervision/remind",
                &format!("bank={}&bureau=37&message=%E5%8A%A0%E5%BF%AB", world.icbc),
            ))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, home) = page(&world, "icbc-admin", "/").await;
        assert!(home.contains("1 条督促待您回复"));
        let (_, q) = page(&world, "bureau-37", "/quality").await;
        assert!(q.find("中国建设银行").unwrap() < q.find("中国工商银行").unwrap());
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }
}
