//! The enterprise's flow on its phone, through the whole router: open the link, start,
//! save a draft, resume on another device, submit, see the confirmation, retry without
//! making a second answer; the JSON contract of the same endpoint; every kind of bad input
//! (wrong types, ranges, choices, hidden answers, a tampered version, a huge body, stale
//! CSRF, mistyped and revoked codes, another enterprise's pass in the same browser) refused
//! with a Chinese message and nothing saved lost; confirming and rating visits; page weight.
//! Each scenario runs on SQLite and (ignored unless asked) PostgreSQL.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value as J, json};
use yinqi_domain::invitation::InvitationCode;
use yinqi_store::{AnswerInput, ClientMeta, Response as Answer, ResponseStatus, Scope};

use crate::harness::{World, body_bytes, code_of, jinan_ccb, jinan_icbc};

/// A phone's browser: keeps the cookies the platform sets (only those of `/q`).
struct Browser<'w> {
    world: &'w World,
    cookies: HashMap<String, String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    fn json(&self) -> J {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
    /// The value of hidden input `name`.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        self.body
            .split(&marker)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }
    /// The HTML of question `id`'s fieldset.
    fn question(&self, id: &str) -> String {
        self.body
            .split(&format!("id=\"q-{id}\""))
            .nth(1)
            .and_then(|rest| rest.split("</fieldset>").next())
            .unwrap_or_default()
            .to_owned()
    }
}

impl<'w> Browser<'w> {
    fn new(world: &'w World) -> Browser<'w> {
        Browser {
            world,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn csrf(&self) -> String {
        self.cookies
            .get("yinqi_ent_csrf")
            .cloned()
            .unwrap_or_default()
    }

    async fn send(&mut self, mut request: Request<Body>) -> Page {
        if !self.cookies.is_empty() {
            let jar = self.cookie_header();
            request
                .headers_mut()
                .insert(header::COOKIE, jar.parse().unwrap());
        }
        request.headers_mut().insert(
            header::USER_AGENT,
            "Mozilla/5.0 (Linux; Android 14) 测试手机".parse().unwrap(),
        );
        let response = self.world.send(request).await;
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = String::from_utf8(body_bytes(response).await).unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, uri: &str) -> Page {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// Posts `fields` as the page's form does (its CSRF token first).
    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf();
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("csrf", &csrf);
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        self.post_raw(uri, "application/x-www-form-urlencoded", form.finish())
            .await
    }

    async fn post_raw(&mut self, uri: &str, content_type: &str, body: String) -> Page {
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// The JSON contract: the CSRF token in `X-CSRF-Token` (`None`: no header).
    async fn post_json(&mut self, uri: &str, body: &J, csrf: Option<&str>) -> Page {
        let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = csrf {
            request = request.header("X-CSRF-Token", token);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }
}

/// The two enterprises whose codes have reached their banks: (code, credit code).
fn enterprise_a(world: &World) -> (InvitationCode, String) {
    let code = sync(|| code_of(&world.store, &jinan_icbc(), world.icbc));
    (code, jinan_icbc())
}

fn enterprise_b(world: &World) -> (InvitationCode, String) {
    let code = sync(|| code_of(&world.store, &jinan_ccb(), world.ccb));
    (code, jinan_ccb())
}

/// A complete questionnaire 1 as the form posts it (needs financing, wants a visit).
fn complete(uscc: &str) -> Vec<(&'static str, String)> {
    let fields: Vec<(&str, String)> = vec![
        ("company_name", "测试企业有限公司".into()),
        ("company_uscc", uscc.into()),
        ("respondent_name", "张三".into()),
        ("respondent_role", "finance".into()),
        ("respondent_mobile", "13800138000".into()),
        ("staff_band", "10_to_49".into()),
        ("revenue_band", "100_to_500".into()),
        ("assets_band", "100_to_500".into()),
        ("current_credit", "none".into()),
        ("need", "yes".into()),
        ("need_amount", "50".into()),
        ("need_term", "6_to_12m".into()),
        ("need_purpose", "working_capital".into()),
        ("need_purpose", "equipment".into()),
        ("guarantee", "property".into()),
        ("acceptable_rate", "4_to_5".into()),
        ("obstacles", "collateral".into()),
        ("wants_visit", "yes".into()),
        ("visit_time", "weekday_am".into()),
        ("consent", "agree".into()),
    ];
    fields
}

/// The answers of [`complete`] as the JSON contract sends them.
fn complete_json(uscc: &str) -> J {
    let mut answers = serde_json::Map::new();
    for (k, v) in complete(uscc) {
        match answers.get_mut(k) {
            Some(J::Array(items)) => items.push(J::String(v)),
            Some(first) => *first = J::Array(vec![first.take(), J::String(v)]),
            None if ["need_purpose", "guarantee", "obstacles"].contains(&k) => {
                answers.insert(k.into(), json!([v]));
            }
            None if k == "need_amount" => {
                answers.insert(k.into(), json!(50));
            }
            None => {
                answers.insert(k.into(), J::String(v));
            }
        }
    }
    J::Object(answers)
}

/// The form fields of a page plus `answers`, with `action`.
fn with_form<'a>(
    page: &'a Page,
    answers: &'a [(&'a str, String)],
    action: &'a str,
    js: &'a str,
) -> Vec<(&'a str, String)> {
    let mut fields = vec![
        ("client_id", page.hidden("client_id")),
        ("version", page.hidden("version")),
        ("opened_at", page.hidden("opened_at")),
        ("js", js.to_owned()),
        ("action", action.to_owned()),
    ];
    fields.extend(answers.iter().cloned());
    fields
}

fn as_refs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Runs a store call off the async workers (the PostgreSQL client blocks).
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn q1_rows(world: &World, uscc: &str) -> Vec<Answer> {
    sync(|| {
        let campaign = world.store.campaign(None).unwrap();
        let id = world
            .store
            .enterprise_by_uscc(&Scope::Nation, campaign.id, uscc)
            .unwrap()
            .id;
        world
            .store
            .responses_of(&Scope::Nation, id, Some("q1"))
            .unwrap()
    })
}

async fn the_whole_flow(world: &World) {
    let (code, uscc) = enterprise_a(world);
    let link = format!("/q/{}", code.as_str());
    let mut phone = Browser::new(world);
    let home = phone.get(&link).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("测试企业有限公司") && home.body.contains(&uscc));
    assert!(home.body.contains("中国工商银行") && home.body.contains("开始填写"));
    let pass = home
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("yinqi_ent="))
        .expect("the enterprise's pass");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/q;"] {
        assert!(pass.contains(attribute), "{pass}");
    }
    assert!(!pass.contains("Secure"), "not configured behind TLS");

    let form = phone.get(&format!("{link}/q1")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.question("company_name")
            .contains("value=\"测试企业有限公司\"")
    );
    assert!(
        form.question("company_uscc")
            .contains(&format!("value=\"{uscc}\""))
    );
    assert!(
        !form.body.contains("13912345678") && !form.body.contains("王小明"),
        "the list's contact is not put on a page behind a link"
    );
    assert_eq!(form.hidden("version"), "1");
    assert_eq!(form.hidden("js"), "0", "the script sets it to 1");
    assert_eq!(form.hidden("csrf"), phone.csrf());
    let client_id = form.hidden("client_id");
    assert_eq!(client_id.len(), 32);
    let opened_at: i64 = form.hidden("opened_at").parse().unwrap();

    // The questionnaire pages trust the pass: no lookup, so the per-code throttle (which
    // the link's lookup counts) never stops an enterprise filling in its form.
    for _ in 0..(yinqi_web::entry_limits::CODE_LOOKUPS_ALLOWED + 5) {
        assert_eq!(
            phone.get(&format!("{link}/q1")).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(phone.get(&link).await.status, StatusCode::OK);

    // Half-way: save a draft (the script ran: js=1).
    let part: Vec<(&str, String)> = complete(&uscc).into_iter().take(5).collect();
    let saved = phone
        .post_form(
            &format!("{link}/q1"),
            &as_refs(&with_form(&form, &part, "save", "1")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), format!("{link}/q1?saved=1"));
    let shown = phone.get(saved.location()).await;
    assert!(shown.body.contains("草稿已于"));
    assert!(shown.question("respondent_name").contains("value=\"张三\""));

    // Later, on another device: the same link shows the draft, with its client id.
    let mut laptop = Browser::new(world);
    let home = laptop.get(&link).await;
    assert!(home.body.contains("继续填写") && home.body.contains("草稿已于"));
    let resumed = laptop.get(&format!("{link}/q1")).await;
    assert!(
        resumed
            .question("respondent_name")
            .contains("value=\"张三\"")
    );
    assert!(
        resumed
            .question("respondent_role")
            .contains("value=\"finance\" checked")
    );
    assert_eq!(resumed.hidden("client_id"), client_id);
    assert!(
        !resumed.body.contains("草稿已于"),
        "no 'saved' note unless just saved"
    );

    let answers = complete(&uscc);
    let fields = with_form(&resumed, &answers, "submit", "1");
    let submitted = laptop
        .post_form(&format!("{link}/q1"), &as_refs(&fields))
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    assert_eq!(submitted.location(), format!("{link}/done"));
    let done = laptop.get(&format!("{link}/done")).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("问卷已提交") && done.body.contains("客户经理"));
    assert!(done.body.contains("工作日上午"), "the visit time chosen");
    assert!(done.body.contains("财务负责人") && done.body.contains("50 万元"));
    assert!(
        done.body.contains("138****8000") && !done.body.contains("13800138000"),
        "the mobile is masked on the summary"
    );

    // Submitted: never a second form, on either device.
    for browser in [&mut phone, &mut laptop] {
        let again = browser.get(&format!("{link}/q1")).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(again.location(), format!("{link}/done"));
        let home = browser.get(&link).await;
        assert!(home.body.contains("已提交") && home.body.contains("查看提交内容"));
    }

    // A retry of the same submission (the network dropped the answer): the same result.
    let retry = laptop
        .post_form(&format!("{link}/q1"), &as_refs(&fields))
        .await;
    assert_eq!(retry.location(), format!("{link}/done"));
    let rows = q1_rows(world, &uscc);
    assert_eq!(rows.len(), 1, "one answer, however often it is sent");
    let row = &rows[0];
    assert_eq!(row.status, ResponseStatus::Submitted);
    assert_eq!(row.client_id, client_id);
    assert_eq!(
        row.opened_at, opened_at,
        "timing from when the form first opened"
    );
    assert!(row.duration_ms.is_some_and(|d| d >= 0));
    assert!(row.ip_hash.is_some());
    assert!(row.user_agent.as_deref().unwrap().contains("Android"));
    assert_eq!(row.answers["need_amount"], json!(50));
    let json_retry = laptop
        .post_json(
            &format!("{link}/q1"),
            &json!({"client_id": client_id, "version": 1, "opened_at": opened_at,
                    "action": "submit", "answers": complete_json(&uscc)}),
            Some(&laptop.csrf()),
        )
        .await;
    assert_eq!(json_retry.status, StatusCode::OK);
    assert_eq!(
        json_retry.json(),
        json!({"status": "submitted", "response_id": row.id})
    );
    // Another form (another client id) submitting again: told it is done, nothing changed.
    let mut other = fields.clone();
    other[0].1 = "another-tab-id".into();
    let second = phone
        .post_form(&format!("{link}/q1"), &as_refs(&other))
        .await;
    assert_eq!(second.location(), format!("{link}/done"));
    let json_second = phone
        .post_json(
            &format!("{link}/q1"),
            &json!({"client_id": "another-tab-id", "version": 1, "action": "submit",
                    "answers": complete_json(&uscc)}),
            Some(&phone.csrf()),
        )
        .await;
    assert_eq!(json_second.status, StatusCode::CONFLICT);
    assert_eq!(json_second.json()["error"]["code"], "conflict");
    assert_eq!(q1_rows(world, &uscc), rows);
}

async fn the_json_contract(world: &World) {
    let (code, uscc) = enterprise_a(world);
    let uri = format!("/q/{}/q1", code.as_str());
    let mut client = Browser::new(world);
    // Without the pass (the link not opened in this client): refused, in JSON.
    let blind = client
        .post_json(
            &uri,
            &json!({"client_id": "x", "version": 1, "action": "save", "answers": {}}),
            None,
        )
        .await;
    assert_eq!(blind.status, StatusCode::FORBIDDEN);
    assert_eq!(blind.json()["error"]["code"], "reopen_link");
    client.get(&format!("/q/{}", code.as_str())).await;
    let csrf = client.csrf();
    let body = |action: &str, answers: J| {
        json!({"client_id": "bench-client-1", "version": 1, "opened_at": 1_700_000_000_000i64,
               "action": action, "answers": answers})
    };
    let draft = client
        .post_json(
            &uri,
            &body("save", json!({"respondent_name": "李四", "need": "no"})),
            Some(&csrf),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK);
    let draft = draft.json();
    assert_eq!(draft["status"], "draft");
    let id = draft["response_id"].as_i64().unwrap();

    // Each refused call names its questions; the saved draft stays as it was.
    let cases: Vec<(J, &str)> = vec![
        (json!({"need": "no", "need_amount": 50}), "need_amount"),
        (json!({"need": "yes", "need_amount": "五十"}), "need_amount"),
        (json!({"need": "yes", "need_amount": 0}), "need_amount"),
        (json!({"respondent_role": "boss"}), "respondent_role"),
        (json!({"respondent_role": 5}), "respondent_role"),
        (json!({"respondent_mobile": "12345"}), "respondent_mobile"),
        (json!({"obstacles": ["collateral", "none"]}), "obstacles"),
        (json!({"favourite_colour": "red"}), "favourite_colour"),
    ];
    for (answers, question) in cases {
        let refused = client
            .post_json(&uri, &body("save", answers.clone()), Some(&csrf))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{answers}"
        );
        let errors = refused.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["question"] == question && !e["message"].as_str().unwrap().is_empty()),
            "{answers}: {errors}"
        );
    }
    // A submission missing required answers: each one named.
    let incomplete = client
        .post_json(&uri, &body("submit", json!({"need": "no"})), Some(&csrf))
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = incomplete.json()["errors"].clone();
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["question"] == "consent" && e["message"] == "此题必答")
    );
    // A tampered version: a form-level error.
    let mut tampered = body("save", json!({}));
    tampered["version"] = json!(99);
    let refused = client.post_json(&uri, &tampered, Some(&csrf)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = &refused.json()["errors"][0];
    assert!(e["question"].is_null() && e["message"].as_str().unwrap().contains("99"));
    // Not the contract at all: 400; no CSRF header or a wrong one: 403.
    for bad in [
        "{not json".to_owned(),
        json!({"client_id": "c", "version": "1", "action": "save", "answers": {}}).to_string(),
        json!({"client_id": "c", "version": 1, "action": "publish", "answers": {}}).to_string(),
        json!({"client_id": "c", "version": 1, "action": "save", "answers": [], "x": 1})
            .to_string(),
    ] {
        let r = client
            .send(
                Request::post(&uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("X-CSRF-Token", &csrf)
                    .body(Body::from(bad.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["error"]["code"], "bad_request");
    }
    for token in [None, Some("0".repeat(64))] {
        let r = client
            .post_json(&uri, &body("save", json!({})), token.as_deref())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "csrf");
    }
    let rows = q1_rows(world, &uscc);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(
        rows[0].answers,
        json!({"respondent_name": "李四", "need": "no"})
            .as_object()
            .unwrap()
            .clone(),
        "nothing refused touched the draft"
    );
    // The complete answer: submitted; again: the same response.
    let full = complete_json(&uscc);
    for _ in 0..2 {
        let ok = client
            .post_json(&uri, &body("submit", full.clone()), Some(&csrf))
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.json(), json!({"status": "submitted", "response_id": id}));
    }
    let saving_after = client
        .post_json(&uri, &body("save", json!({})), Some(&csrf))
        .await;
    assert_eq!(saving_after.status, StatusCode::CONFLICT);
}

async fn bad_input_on_the_form(world: &World) {
    let (code, uscc) = enterprise_a(world);
    let link = format!("/q/{}", code.as_str());
    let uri = format!("{link}/q1");
    let mut phone = Browser::new(world);
    phone.get(&link).await;
    let form = phone.get(&uri).await;
    let first: Vec<(&str, String)> = vec![("respondent_name", "王五".into())];
    let saved = phone
        .post_form(&uri, &as_refs(&with_form(&form, &first, "save", "1")))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    // Wrong types, out of range, not in the list: each message next to its question,
    // everything typed still there.
    let typed: Vec<(&str, String)> = vec![
        ("respondent_name", "王五六".into()),
        ("respondent_role", "boss".into()),
        ("respondent_mobile", "12345".into()),
        ("need", "yes".into()),
        ("need_amount", "abc".into()),
        ("staff_band", "10_to_49".into()),
        ("staff_band", "50_to_99".into()),
    ];
    let refused = phone
        .post_form(&uri, &as_refs(&with_form(&form, &typed, "save", "1")))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("有题目需要修改"));
    for (question, message) in [
        ("respondent_role", "不在列表中"),
        ("respondent_mobile", "11 位手机号码"),
        ("need_amount", "数字"),
        ("staff_band", "请选择一个选项"),
    ] {
        let html = refused.question(question);
        assert!(
            html.contains("class=\"error\"") && html.contains(message),
            "{question}: {html}"
        );
    }
    assert!(
        refused
            .question("respondent_name")
            .contains("value=\"王五六\"")
    );
    assert!(refused.question("need_amount").contains("value=\"abc\""));
    assert!(refused.question("need").contains("value=\"yes\" checked"));
    assert_eq!(refused.hidden("client_id"), form.hidden("client_id"));

    // An answer to a question its earlier answer hides: refused when the script ran (the
    // script never sends one) …
    let hidden: Vec<(&str, String)> = vec![("need", "no".into()), ("need_amount", "50".into())];
    let refused = phone
        .post_form(&uri, &as_refs(&with_form(&form, &hidden, "save", "1")))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.question("need_amount").contains("无需填写"));
    // … and dropped without a script (typed before the choice changed, still in the page).
    let dropped = phone
        .post_form(&uri, &as_refs(&with_form(&form, &hidden, "save", "0")))
        .await;
    assert_eq!(dropped.status, StatusCode::SEE_OTHER);
    let rows = q1_rows(world, &uscc);
    assert_eq!(rows[0].answers.get("need"), Some(&json!("no")));
    assert_eq!(rows[0].answers.get("need_amount"), None);

    // A tampered version: said plainly, the form back in the real version.
    let mut tampered = with_form(&form, &first, "save", "1");
    tampered[1].1 = "99".into();
    let refused = phone.post_form(&uri, &as_refs(&tampered)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("第 99 版"));
    assert_eq!(refused.hidden("version"), "1");
    let mut tampered = with_form(&form, &first, "save", "1");
    tampered[1].1 = "一".into();
    assert_eq!(
        phone.post_form(&uri, &as_refs(&tampered)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A stale token (the page sat in another tab while the cookie changed): kept, told.
    let stale: Vec<(&str, String)> = vec![("respondent_name", "赵六".into())];
    let mut fields = with_form(&form, &stale, "save", "1");
    fields.insert(0, ("csrf", "f".repeat(64)));
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &fields {
        body.append_pair(k, v);
    }
    let refused = phone
        .post_raw(&uri, "application/x-www-form-urlencoded", body.finish())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("页面已过期"));
    assert!(
        refused
            .question("respondent_name")
            .contains("value=\"赵六\"")
    );
    assert_eq!(
        refused.hidden("csrf"),
        phone.csrf(),
        "a usable token to try again"
    );

    // A huge body: refused before it is read, in Chinese, as a page and as JSON.
    let huge = format!(
        "csrf={}&respondent_name={}",
        phone.csrf(),
        "x".repeat(70 * 1024)
    );
    let refused = phone
        .post_raw(&uri, "application/x-www-form-urlencoded", huge.clone())
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.body.contains("64 KB") && refused.body.contains("草稿不受影响"));
    let refused = phone.post_raw(&uri, "application/json", huge).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(refused.json()["error"]["code"], "too_large");

    // Nothing refused lost what was saved.
    let rows = q1_rows(world, &uscc);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].answers.get("need"), Some(&json!("no")));
    assert_eq!(rows[0].status, ResponseStatus::Draft);
}

async fn codes_and_browsers(world: &World) {
    let (a, a_uscc) = enterprise_a(world);
    let (b, b_uscc) = enterprise_b(world);
    let a_link = format!("/q/{}", a.as_str());
    let b_link = format!("/q/{}", b.as_str());

    // A mistyped code on the questionnaire's path.
    let mut typo = a.as_str().as_bytes().to_vec();
    typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    let mut phone = Browser::new(world);
    let wrong = phone.get(&format!("/q/{typo}/q1")).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("邀请码有误"));
    // No pass yet: the form sends the browser to the link; a post is refused.
    let blind = phone.get(&format!("{a_link}/q1")).await;
    assert_eq!(blind.status, StatusCode::SEE_OTHER);
    assert_eq!(blind.location(), a_link);
    let blind = phone
        .post_form(
            &format!("{a_link}/q1"),
            &[("action", "save"), ("respondent_name", "x")],
        )
        .await;
    assert_eq!(blind.status, StatusCode::FORBIDDEN);
    assert!(blind.body.contains("请先打开"));

    // Enterprise A starts and saves a draft in this browser.
    phone.get(&a_link).await;
    let form = phone.get(&format!("{a_link}/q1")).await;
    let a_answers: Vec<(&str, String)> = vec![("respondent_name", "甲企业填表人".into())];
    let saved = phone
        .post_form(
            &format!("{a_link}/q1"),
            &as_refs(&with_form(&form, &a_answers, "save", "1")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    // B's link in the same browser, without opening it: A's pass does not open it, and
    // neither page shows the other's data.
    for path in ["/q1", "/done"] {
        let crossed = phone.get(&format!("{b_link}{path}")).await;
        assert_eq!(crossed.status, StatusCode::FORBIDDEN, "{path}");
        assert!(crossed.body.contains("另一家企业"));
        assert!(crossed.body.contains(&format!("href=\"{b_link}\"")));
        for secret in [a_uscc.as_str(), b_uscc.as_str(), "甲企业填表人"] {
            assert!(!crossed.body.contains(secret), "{path} shows {secret}");
        }
    }
    let crossed = phone
        .post_form(
            &format!("{b_link}/q1"),
            &as_refs(&with_form(&form, &a_answers, "save", "1")),
        )
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    let crossed = phone
        .post_json(
            &format!("{b_link}/q1"),
            &json!({"client_id": "cross", "version": 1, "action": "save", "answers": {}}),
            Some(&phone.csrf()),
        )
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    assert_eq!(crossed.json()["error"]["code"], "reopen_link");
    assert!(q1_rows(world, &b_uscc).is_empty(), "nothing saved for B");

    // Opening B's own link switches the browser to B: B's form, nothing of A's.
    let b_home = phone.get(&b_link).await;
    assert!(b_home.body.contains(&b_uscc) && !b_home.body.contains(&a_uscc));
    let b_form = phone.get(&format!("{b_link}/q1")).await;
    assert_eq!(b_form.status, StatusCode::OK);
    assert!(b_form.body.contains(&b_uscc) && !b_form.body.contains("甲企业填表人"));
    assert_ne!(b_form.hidden("client_id"), form.hidden("client_id"));
    assert_eq!(
        phone.get(&format!("{a_link}/q1")).await.status,
        StatusCode::FORBIDDEN
    );

    // A forged pass (another enterprise id, same signature) is no pass.
    let mut forger = Browser::new(world);
    forger.get(&a_link).await;
    let real = forger.cookies["yinqi_ent"].clone();
    let (id, rest) = real.split_once('.').unwrap();
    let forged = format!("{}.{rest}", id.parse::<i64>().unwrap() + 1);
    forger.cookies.insert("yinqi_ent".into(), forged);
    let refused = forger.get(&format!("{a_link}/q1")).await;
    assert_eq!(
        refused.status,
        StatusCode::SEE_OTHER,
        "sent to open the link"
    );

    // A's code is revoked and reissued: the old pass stops at once, clearly; the draft
    // waits for the new link.
    let mut a_phone = Browser::new(world);
    a_phone.get(&a_link).await;
    let new_code = sync(|| {
        let campaign = world.store.campaign(None).unwrap();
        world
            .store
            .revoke_code(
                &Scope::Bank {
                    bank_id: world.icbc,
                    bureau: None,
                },
                campaign.id,
                &a_uscc,
                "短信发错",
                true,
                "test",
            )
            .unwrap()
            .unwrap()
    });
    let gone = a_phone.get(&format!("{a_link}/q1")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body.contains("已作废") && !gone.body.contains("甲企业填表人"));
    assert!(
        !a_phone.cookies.contains_key("yinqi_ent"),
        "the pass is cleared"
    );
    let gone = a_phone
        .post_json(
            &format!("{a_link}/q1"),
            &json!({"client_id": "x", "version": 1, "action": "save", "answers": {}}),
            Some(&a_phone.csrf()),
        )
        .await;
    assert_eq!(
        gone.status,
        StatusCode::FORBIDDEN,
        "no pass left after the notice"
    );
    let old_link = a_phone.get(&a_link).await;
    assert_eq!(old_link.status, StatusCode::NOT_FOUND);
    let new_link = format!("/q/{}", new_code.as_str());
    a_phone.get(&new_link).await;
    let resumed = a_phone.get(&format!("{new_link}/q1")).await;
    assert_eq!(resumed.status, StatusCode::OK);
    assert!(
        resumed
            .question("respondent_name")
            .contains("value=\"甲企业填表人\"")
    );
}

/// Manager of jinan_icbc records a visit (q2 submitted) on `date`; its response id.
fn record_visit(world: &World, client_id: &str, mode: &str) -> i64 {
    sync(|| {
        let manager = world
            .store
            .user_for_login("icbc-jinan-manager")
            .unwrap()
            .unwrap()
            .0;
        let campaign = world.store.campaign(None).unwrap();
        let enterprise = world
            .store
            .enterprise_by_uscc(&Scope::Nation, campaign.id, &jinan_icbc())
            .unwrap()
            .id;
        let mut answers = json!({
            "visit_date": "2026-11-20", "visit_mode": mode,
            "people_met": ["legal_rep"], "operating_status": "normal", "main_business": "零件加工",
            "staff_count": 20, "revenue": 500, "profit": 20, "total_assets": 300,
            "total_liabilities": 100, "tax_paid": 10, "existing_credit": "none",
            "confirmed_need": "no", "exclusion_check": ["none"], "need_real": "no",
            "meets_policy": "no", "not_meeting_reason": "经理的内部评价：暂无需求"
        });
        if mode == "on_site" {
            answers["premises"] = json!("rented");
        } else {
            answers["remote_reason"] = json!("负责人出差");
        }
        world
            .store
            .submit(
                &Scope::Manager(manager.id),
                &AnswerInput {
                    enterprise_id: enterprise,
                    questionnaire: "q2",
                    version: 1,
                    client_id,
                    answers: answers.as_object().unwrap(),
                    today: yinqi_domain::questionnaire::Date::from_ymd(2026, 11, 28).unwrap(),
                    hidden: yinqi_domain::questionnaire::HiddenAnswers::Refuse,
                    opened_at: None,
                    user_id: None,
                    actor: "icbc-jinan-manager",
                    client: ClientMeta::default(),
                },
            )
            .unwrap()
            .id
    })
}

async fn visits_confirmed_and_rated(world: &World) {
    let (a, _) = enterprise_a(world);
    let (b, _) = enterprise_b(world);
    let link = format!("/q/{}", a.as_str());
    let mut phone = Browser::new(world);
    assert!(
        !phone.get(&link).await.body.contains("走访确认"),
        "no visits yet"
    );
    let first = record_visit(world, "visit-1", "phone");
    let second = record_visit(world, "visit-2", "on_site");
    let home = phone.get(&link).await;
    assert!(home.body.contains("银行走访确认") && home.body.contains("2026-11-20"));
    assert!(home.body.contains("电话") && home.body.contains("实地上门"));
    assert!(
        !home.body.contains("经理的内部评价"),
        "the enterprise sees when and how, not the manager's answers"
    );
    let uri = |id: i64| format!("{link}/visits/{id}");

    // Took place but no rating; a comment too long; a stale token: each said, kept.
    let refused = phone
        .post_form(
            &uri(first),
            &[("took_place", "yes"), ("comment", "来得准时")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("请为这次走访评分") && refused.body.contains("来得准时"));
    let long = "好".repeat(201);
    let refused = phone
        .post_form(
            &uri(first),
            &[("took_place", "yes"), ("rating", "4"), ("comment", &long)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("最多 200 个字"));
    let refused = phone
        .post_form(&uri(first), &[("took_place", "maybe")])
        .await;
    assert!(refused.body.contains("请选择这次走访是否确实进行"));
    let refused = phone
        .post_form(&uri(first), &[("took_place", "yes"), ("rating", "9")])
        .await;
    assert!(refused.body.contains("评分应为 1–5 分"));
    let stale = phone
        .send(
            Request::post(uri(first))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf=bad&took_place=yes&rating=4"))
                .unwrap(),
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);

    // Did not take place: a rating left ticked without a script is dropped.
    let denied = phone
        .post_form(
            &uri(first),
            &[
                ("took_place", "no"),
                ("rating", "3"),
                ("comment", "没人来过"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::SEE_OTHER);
    assert_eq!(denied.location(), format!("{link}#visit-{first}"));
    let rated = phone
        .post_form(
            &uri(second),
            &[
                ("took_place", "yes"),
                ("rating", "5"),
                ("comment", "很专业"),
            ],
        )
        .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER);
    let home = phone.get(&link).await;
    assert!(home.body.contains("没有进行这次走访") && home.body.contains("评分 5 分"));
    assert!(!home.body.contains("提交确认"), "no form left to fill");
    // A double click: the same; changing one's mind: refused, the first answer stays.
    let again = phone
        .post_form(
            &uri(second),
            &[
                ("took_place", "yes"),
                ("rating", "5"),
                ("comment", "很专业"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let changed = phone.post_form(&uri(second), &[("took_place", "no")]).await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    assert!(changed.body.contains("已经确认过"));

    // Another enterprise cannot confirm A's visits: not with A's link and its own pass,
    // nor with its own link and A's visit id.
    let mut other = Browser::new(world);
    other.get(&format!("/q/{}", b.as_str())).await;
    let crossed = other
        .post_form(&uri(first), &[("took_place", "yes"), ("rating", "1")])
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    let crossed = other
        .post_form(
            &format!("/q/{}/visits/{first}", b.as_str()),
            &[("took_place", "yes"), ("rating", "1")],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND);

    // What the bank and the bureau will check.
    let feedback = sync(|| {
        let campaign = world.store.campaign(None).unwrap();
        let id = world
            .store
            .enterprise_by_uscc(&Scope::Nation, campaign.id, &jinan_icbc())
            .unwrap()
            .id;
        world
            .store
            .visit_feedback_of(&Scope::Bureau("37".into()), id)
            .unwrap()
    });
    assert_eq!(feedback.len(), 2);
    assert_eq!(
        (
            feedback[0].took_place,
            feedback[0].rating,
            feedback[0].comment.as_deref()
        ),
        (false, None, Some("没人来过"))
    );
    assert_eq!(
        (feedback[1].took_place, feedback[1].rating),
        (true, Some(5))
    );
}

/// Every enterprise page with its stylesheet and script stays under 30 KB before
/// compression (so after it too), at its heaviest: the form full of error messages, the
/// home page with visits, the confirmation with a full summary.
async fn pages_are_light(world: &World) {
    let (a, uscc) = enterprise_a(world);
    let link = format!("/q/{}", a.as_str());
    let mut phone = Browser::new(world);
    let css = phone.get("/static/app.css").await.body.len();
    let js = phone.get("/static/q.js").await.body.len();
    let weigh = |name: &str, page: &Page| {
        let weight = page.body.len() + css + js;
        assert!(weight <= 30 * 1024, "{name} weighs {weight} bytes");
    };
    record_visit(world, "visit-a", "phone");
    record_visit(world, "visit-b", "video");
    let home = phone.get(&link).await;
    weigh("home", &home);
    let form = phone.get(&format!("{link}/q1")).await;
    weigh("q1", &form);
    let refused = phone
        .post_form(
            &format!("{link}/q1"),
            &as_refs(&with_form(&form, &[], "submit", "0")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    weigh("q1 with every error", &refused);
    let answers = complete(&uscc);
    phone
        .post_form(
            &format!("{link}/q1"),
            &as_refs(&with_form(&form, &answers, "submit", "1")),
        )
        .await;
    let done = phone.get(&format!("{link}/done")).await;
    assert_eq!(done.status, StatusCode::OK);
    weigh("done", &done);
    let notice = phone
        .get(&format!("/q/{}/q1", enterprise_b(world).0.as_str()))
        .await;
    weigh("notice", &notice);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enterprise_fills_in_questionnaire_1_on_its_phone() {
    the_whole_flow(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_json_contract_of_the_questionnaire_endpoint() {
    the_json_contract(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_form_input_is_explained_and_loses_nothing() {
    bad_input_on_the_form(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_opens_only_its_own_code_while_it_is_in_force() {
    codes_and_browsers(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_enterprise_confirms_and_rates_its_visits() {
    visits_confirmed_and_rated(&World::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_enterprise_page_stays_under_30_kb() {
    pages_are_light(&World::sqlite()).await;
}

/// Each scenario on PostgreSQL too (the world built and dropped off the async workers,
/// whose blocking client must not run on them).
mod postgres {
    use super::*;

    macro_rules! on_postgres {
        ($($name:ident => $scenario:ident),+ $(,)?) => {$(
            #[tokio::test(flavor = "multi_thread")]
            #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
            async fn $name() {
                let world = tokio::task::spawn_blocking(World::postgres).await.unwrap();
                $scenario(&world).await;
                tokio::task::spawn_blocking(move || drop(world)).await.unwrap();
            }
        )+};
    }

    on_postgres!(
        an_enterprise_fills_in_questionnaire_1_on_its_phone => the_whole_flow,
        the_json_contract_of_the_questionnaire_endpoint => the_json_contract,
        bad_form_input_is_explained_and_loses_nothing => bad_input_on_the_form,
        a_pass_opens_only_its_own_code_while_it_is_in_force => codes_and_browsers,
        the_enterprise_confirms_and_rates_its_visits => visits_confirmed_and_rated,
        every_enterprise_page_stays_under_30_kb => pages_are_light,
    );
}
