//! The answers API (issue 4, part 7) through the whole router, on SQLite and PostgreSQL: a
//! bank's system reads an enterprise's answers (personal data masked unless asked for and
//! audited), creates a financing solution idempotently and moves it along its statuses;
//! everything outside the caller's scope is 404 and every malformed request has a clear
//! JSON answer.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Map, Value, json};
use yinqi_domain::questionnaire::{Date, HiddenAnswers};
use yinqi_store::{AnswerInput, ClientMeta, Scope, Store};

use crate::harness::{World, body_json, jinan_ccb, jinan_icbc};

/// Runs a store call off the async workers (the PostgreSQL client blocks).
async fn on_store<T: Send + 'static>(
    world: &World,
    f: impl FnOnce(&Store) -> T + Send + 'static,
) -> T {
    let store = world.store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .unwrap()
}

async fn token(world: &World, bank: i64) -> String {
    let token = format!("yq_{}", &yinqi_web::auth::random_token()[..40]);
    let t = token.clone();
    on_store(world, move |s| {
        s.create_api_token(
            bank,
            "CRM",
            &yinqi_web::auth::sha256_hex(&t),
            &t[..10],
            "test",
        )
        .unwrap()
    })
    .await;
    token
}

/// A request with a bank's API token, and a JSON body if given.
fn call(method: &str, uri: &str, token: &str, body: Option<&Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

fn raw(uri: &str, token: &str, content_type: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::post(uri).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(Body::from(body)).unwrap()
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A complete questionnaire 3 at `status`.
fn q3(status: &str) -> Value {
    let mut m = map(json!({
        "product_name": "经营快贷", "product_type": "credit", "proposed_amount": 100,
        "proposed_term_months": 12, "proposed_rate": "3.85", "guarantee_fund": "no",
        "status": status
    }));
    if matches!(status, "approved" | "disbursed" | "closed") {
        m.insert("approved_amount".into(), json!(80));
    }
    Value::Object(m)
}

fn new_solution(client_id: &str, answers: Value) -> Value {
    json!({ "client_id": client_id, "version": 1, "answers": answers })
}

fn solutions_uri(uscc: &str) -> String {
    format!("/api/v1/enterprises/{uscc}/solutions")
}

/// The enterprise answers questionnaire 1 (through the store: its pages are another part).
async fn enterprise_answers_q1(world: &World, uscc: &str) {
    let uscc = uscc.to_owned();
    on_store(world, move |s| enterprise_submits_q1(s, &uscc)).await;
}

fn enterprise_submits_q1(store: &Store, uscc: &str) {
    let campaign = store.campaign(None).unwrap();
    let id = store
        .enterprise_by_uscc(&Scope::Nation, campaign.id, uscc)
        .unwrap()
        .id;
    let answers = map(json!({
        "company_name": "测试企业有限公司", "company_uscc": uscc,
        "respondent_name": "张三丰", "respondent_role": "owner",
        "respondent_mobile": "13800138000", "staff_band": "10_to_49",
        "revenue_band": "100_to_500", "assets_band": "100_to_500", "current_credit": "none",
        "need": "no", "no_need_reason": ["own_funds"], "obstacles": ["none"],
        "wants_visit": "no", "consent": "agree"
    }));
    store
        .submit(
            &Scope::Enterprise(id),
            &AnswerInput {
                enterprise_id: id,
                questionnaire: "q1",
                version: 1,
                client_id: "phone-tab-1",
                answers: &answers,
                today: Date::from_ymd(2026, 11, 28).unwrap(),
                hidden: HiddenAnswers::Refuse,
                opened_at: None,
                user_id: None,
                actor: "enterprise",
                client: ClientMeta {
                    ip: Some("10.1.2.3"),
                    user_agent: Some("Mozilla/5.0"),
                },
            },
        )
        .unwrap();
}

fn questions(refused: &Value) -> Vec<&str> {
    refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["question"].as_str().unwrap_or("-"))
        .collect()
}

async fn status_change(world: &World, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    let r = world
        .send(call(
            "POST",
            &format!("/api/v1/solutions/{id}/status"),
            token,
            Some(&body),
        ))
        .await;
    (r.status(), body_json(r).await)
}

async fn solutions_are_created_idempotently_and_moved_along(world: &World) {
    let icbc = token(world, world.icbc).await;
    let uri = solutions_uri(&jinan_icbc());
    let created = world
        .send(call(
            "POST",
            &uri,
            &icbc,
            Some(&new_solution("crm-1", q3("proposed"))),
        ))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let first = body_json(created).await;
    let id = first["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/solutions/{id}"));
    assert_eq!(
        (
            first["status"].as_str(),
            first["solution_status"].as_str(),
            first["version"].as_i64()
        ),
        (Some("submitted"), Some("proposed"), Some(1))
    );
    assert_eq!(first["history"][0]["from"], Value::Null);
    assert_eq!(first["history"][0]["to"], "proposed");
    // A retry of the same call: the same solution, not a second one.
    let again = world
        .send(call(
            "POST",
            &uri,
            &icbc,
            Some(&new_solution("crm-1", q3("proposed"))),
        ))
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(body_json(again).await["id"].as_i64(), Some(id));
    let listed = body_json(
        world
            .send(call(
                "GET",
                &format!(
                    "/api/v1/enterprises/{}/answers?questionnaire=q3",
                    jinan_icbc()
                ),
                &icbc,
                None,
            ))
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Along the main line, with the answers each step needs.
    let (status, moved) = status_change(
        world,
        &icbc,
        id,
        json!({ "status": "applied", "reason": "企业已提交申请" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["solution_status"], "applied");
    assert_eq!(moved["history"][1]["reason"], "企业已提交申请");
    let (status, refused) = status_change(world, &icbc, id, json!({ "status": "approved" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(questions(&refused), ["approved_amount"]);
    let (status, _) = status_change(
        world,
        &icbc,
        id,
        json!({ "status": "approved", "answers": { "approved_amount": 80 } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Declining an approved solution is not a step the rules allow.
    let (status, conflict) = status_change(
        world,
        &icbc,
        id,
        json!({ "status": "declined", "answers": { "decline_reason": "finances" } }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["error"]["code"], "conflict");
    let disbursed = json!({
        "disbursed_amount": 80, "disbursed_date": "2026-11-20", "disbursed_rate": "3.85",
        "disbursed_term_months": 12, "first_time_borrower": "yes", "unsecured": "yes"
    });
    let (status, body) = status_change(
        world,
        &icbc,
        id,
        json!({ "status": "disbursed", "answers": disbursed }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = status_change(world, &icbc, id, json!({ "status": "closed" })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, after_close) =
        status_change(world, &icbc, id, json!({ "status": "applied" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        after_close["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已结束"),
        "{after_close}"
    );
    let shown = body_json(
        world
            .send(call("GET", &format!("/api/v1/solutions/{id}"), &icbc, None))
            .await,
    )
    .await;
    let steps: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["proposed", "applied", "approved", "disbursed", "closed"]
    );
    assert_eq!(shown["answers"]["disbursed_amount"], 80);

    // Going out of the line drops the answers the new status hides.
    let second = body_json(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("crm-2", q3("approved"))),
            ))
            .await,
    )
    .await;
    let second_id = second["id"].as_i64().unwrap();
    let (status, withdrawn) =
        status_change(world, &icbc, second_id, json!({ "status": "withdrawn" })).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert!(withdrawn["answers"].get("approved_amount").is_none());
    // …but an answer sent for a hidden question is refused by name.
    let third = body_json(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("crm-3", q3("proposed"))),
            ))
            .await,
    )
    .await;
    let (status, refused) = status_change(
        world,
        &icbc,
        third["id"].as_i64().unwrap(),
        json!({ "status": "applied", "answers": { "approved_amount": 5 } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(questions(&refused), ["approved_amount"]);

    // The customer manager holding the enterprise works through the same API with a
    // session, which must carry its CSRF token.
    let manager = world.login("icbc-jinan-manager").await;
    let with_session = |csrf: Option<&str>| {
        let mut b = Request::post(&uri)
            .header(header::COOKIE, format!("yinqi_session={}", manager.cookie))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(
            new_solution("mgr-1", q3("proposed")).to_string(),
        ))
        .unwrap()
    };
    assert_eq!(
        world.send(with_session(None)).await.status(),
        StatusCode::FORBIDDEN
    );
    let by_manager = world.send(with_session(Some(&manager.csrf))).await;
    assert_eq!(by_manager.status(), StatusCode::CREATED);
    let by_manager = body_json(by_manager).await;
    assert!(by_manager["user_id"].as_i64().is_some());
    assert_eq!(
        world
            .send(manager.get(&format!("/api/v1/solutions/{id}")))
            .await
            .status(),
        StatusCode::OK
    );
}

async fn answers_are_scoped_and_personal_data_masked(world: &World) {
    enterprise_answers_q1(world, &jinan_icbc()).await;
    let icbc = token(world, world.icbc).await;
    let ccb = token(world, world.ccb).await;
    let answers_uri = format!("/api/v1/enterprises/{}/answers", jinan_icbc());
    let masked = world.send(call("GET", &answers_uri, &icbc, None)).await;
    assert_eq!(masked.status(), StatusCode::OK);
    let masked = body_json(masked).await;
    let q1 = &masked["items"][0];
    assert_eq!(
        (
            q1["questionnaire"].as_str(),
            q1["status"].as_str(),
            q1["version"].as_i64()
        ),
        (Some("q1"), Some("submitted"), Some(1))
    );
    assert!(q1["submitted_at"].as_i64().is_some() && q1["duration_ms"].as_i64().is_some());
    assert_eq!(q1["answers"]["respondent_mobile"], "138****8000");
    assert_eq!(q1["answers"]["respondent_name"], "张**");
    assert_eq!(q1["answers"]["need"], "no");
    let text = masked.to_string();
    assert!(!text.contains("13800138000") && !text.contains("张三丰"));
    assert!(q1.get("ip_hash").is_none() && q1.get("user_agent").is_none());
    for bad in ["questionnaire=q9", "contacts=all"] {
        let r = world
            .send(call("GET", &format!("{answers_uri}?{bad}"), &icbc, None))
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let none = body_json(
        world
            .send(call(
                "GET",
                &format!("{answers_uri}?questionnaire=q2"),
                &icbc,
                None,
            ))
            .await,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    // In full on request, and the look is in the audit log.
    let full = body_json(
        world
            .send(call(
                "GET",
                &format!("{answers_uri}?contacts=full"),
                &icbc,
                None,
            ))
            .await,
    )
    .await;
    assert_eq!(
        full["items"][0]["answers"]["respondent_mobile"],
        "13800138000"
    );
    let audit = on_store(world, |s| s.audit_entries(&Scope::Nation, 20).unwrap()).await;
    assert!(audit.iter().any(
        |a| a.action == "answers.reveal" && a.subject.as_deref() == Some(jinan_icbc().as_str())
    ));
    // The bureau reads them too (masked) but does not record solutions.
    let bureau = world.login("bureau-37").await;
    let r = world.send(bureau.get(&answers_uri)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let create_as_bureau = Request::post(solutions_uri(&jinan_icbc()))
        .header(header::COOKIE, format!("yinqi_session={}", bureau.cookie))
        .header("x-csrf-token", &bureau.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            new_solution("bureau-1", q3("proposed")).to_string(),
        ))
        .unwrap();
    assert_eq!(
        world.send(create_as_bureau).await.status(),
        StatusCode::NOT_FOUND
    );

    // Another bank: its token finds nothing of ICBC's enterprise, whatever it tries.
    let mine = body_json(
        world
            .send(call(
                "POST",
                &solutions_uri(&jinan_icbc()),
                &icbc,
                Some(&new_solution("icbc-sol", q3("proposed"))),
            ))
            .await,
    )
    .await;
    let id = mine["id"].as_i64().unwrap();
    let q1_id = q1["id"].as_i64().unwrap();
    for request in [
        call("GET", &answers_uri, &ccb, None),
        call(
            "POST",
            &solutions_uri(&jinan_icbc()),
            &ccb,
            Some(&new_solution("ccb-sol", q3("proposed"))),
        ),
        call("GET", &format!("/api/v1/solutions/{id}"), &ccb, None),
        call(
            "POST",
            &format!("/api/v1/solutions/{id}/status"),
            &ccb,
            Some(&json!({ "status": "applied" })),
        ),
        // A questionnaire 1 is not a solution, even for its own bank.
        call("GET", &format!("/api/v1/solutions/{q1_id}"), &icbc, None),
        call(
            "POST",
            &format!("/api/v1/solutions/{q1_id}/status"),
            &icbc,
            Some(&json!({ "status": "applied" })),
        ),
        call("GET", "/api/v1/solutions/999999", &icbc, None),
        call("GET", "/api/v1/solutions/abc", &icbc, None),
        call("GET", "/api/v1/enterprises/not-a-code/answers", &icbc, None),
    ] {
        let uri = request.uri().to_string();
        let r = world.send(request).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body_json(r).await["error"]["code"], "not_found", "{uri}");
    }
    // CCB reads its own enterprise; nobody reads anything without credentials.
    let own = world
        .send(call(
            "GET",
            &format!("/api/v1/enterprises/{}/answers", jinan_ccb()),
            &ccb,
            None,
        ))
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    let anonymous = Request::get(&answers_uri).body(Body::empty()).unwrap();
    assert_eq!(
        world.send(anonymous).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let ccb_sol = world
        .send(call(
            "POST",
            &solutions_uri(&jinan_ccb()),
            &ccb,
            Some(&new_solution("ccb-own", q3("proposed"))),
        ))
        .await;
    assert_eq!(ccb_sol.status(), StatusCode::CREATED);
}

async fn malformed_requests_get_clear_answers_and_save_nothing(world: &World) {
    let icbc = token(world, world.icbc).await;
    let uri = solutions_uri(&jinan_icbc());
    let expect = |r: axum::http::Response<Body>, status: StatusCode, code: &'static str| async move {
        assert_eq!(r.status(), status);
        let body = body_json(r).await;
        assert_eq!(body["error"]["code"], code, "{body}");
        body
    };
    let json_ct = Some("application/json");
    let body = expect(
        world
            .send(raw(&uri, &icbc, json_ct, b"{\"client_id\": ".to_vec()))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));
    for wrong in [
        json!({ "client_id": "x1", "version": "one", "answers": {} }),
        json!({ "client_id": "x1", "version": 1, "answers": [] }),
        json!({ "client_id": "x1", "version": 1, "answers": {}, "extra": 1 }),
        json!({ "version": 1, "answers": {} }),
    ] {
        expect(
            world.send(call("POST", &uri, &icbc, Some(&wrong))).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
    }
    expect(
        world
            .send(raw(
                &uri,
                &icbc,
                None,
                new_solution("x2", q3("proposed")).to_string().into_bytes(),
            ))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let mut huge = map(new_solution("x3", q3("proposed")));
    huge["answers"]["follow_up_note"] = json!("很".repeat(40_000));
    let body = expect(
        world
            .send(raw(
                &uri,
                &icbc,
                json_ct,
                Value::Object(huge).to_string().into_bytes(),
            ))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    assert!(body["error"]["message"].as_str().unwrap().contains("KiB"));

    // Well-formed but refused: 422, each problem named.
    let mut tampered = new_solution("x4", q3("proposed"));
    tampered["version"] = json!(99);
    let body = expect(
        world.send(call("POST", &uri, &icbc, Some(&tampered))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(body["errors"][0]["question"], Value::Null);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("第 99 版")
    );
    expect(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("has space", q3("proposed"))),
            ))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let mut wrong_types = q3("proposed");
    wrong_types["proposed_amount"] = json!("很多");
    wrong_types["product_type"] = json!("gold");
    wrong_types["approved_amount"] = json!(5);
    wrong_types["no_such_question"] = json!(1);
    let body = expect(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("x5", wrong_types)),
            ))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let mut named = questions(&body);
    named.sort_unstable();
    assert_eq!(
        named,
        [
            "approved_amount",
            "no_such_question",
            "product_type",
            "proposed_amount"
        ]
    );
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
    let mut missing = map(q3("proposed"));
    missing.remove("product_name");
    let body = expect(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("x6", Value::Object(missing))),
            ))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(questions(&body), ["product_name"]);
    // Nothing of it was saved; a status change of nothing is 404; a bad status value 422.
    let saved = body_json(
        world
            .send(call(
                "GET",
                &format!(
                    "/api/v1/enterprises/{}/answers?questionnaire=q3",
                    jinan_icbc()
                ),
                &icbc,
                None,
            ))
            .await,
    )
    .await;
    assert_eq!(saved["items"], json!([]));
    let good = body_json(
        world
            .send(call(
                "POST",
                &uri,
                &icbc,
                Some(&new_solution("x7", q3("proposed"))),
            ))
            .await,
    )
    .await;
    let id = good["id"].as_i64().unwrap();
    let (status, body) = status_change(world, &icbc, id, json!({ "status": "paid" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(questions(&body), ["status"]);
    let r = world
        .send(raw(
            &format!("/api/v1/solutions/{id}/status"),
            &icbc,
            json_ct,
            b"[1,2]".to_vec(),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The refused calls left the solution as it was.
    let shown = body_json(
        world
            .send(call("GET", &format!("/api/v1/solutions/{id}"), &icbc, None))
            .await,
    )
    .await;
    assert_eq!(shown["solution_status"], "proposed");
    assert_eq!(shown["history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn solutions_are_created_idempotently_and_moved_along_sqlite() {
    solutions_are_created_idempotently_and_moved_along(&World::sqlite()).await;
}

#[tokio::test]
async fn answers_are_scoped_and_personal_data_masked_sqlite() {
    answers_are_scoped_and_personal_data_masked(&World::sqlite()).await;
}

#[tokio::test]
async fn malformed_requests_get_clear_answers_and_save_nothing_sqlite() {
    malformed_requests_get_clear_answers_and_save_nothing(&World::sqlite()).await;
}

mod postgres {
    use super::*;

    async fn on_postgres<F, Fut>(scenario: F)
    where
        F: FnOnce(World) -> Fut,
        Fut: std::future::Future<Output = World>,
    {
        // The PostgreSQL client blocks: build and drop the world off the async workers.
        let world = tokio::task::spawn_blocking(World::postgres).await.unwrap();
        let world = scenario(world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn solutions_are_created_idempotently_and_moved_along() {
        on_postgres(|w| async move {
            super::solutions_are_created_idempotently_and_moved_along(&w).await;
            w
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn answers_are_scoped_and_personal_data_masked() {
        on_postgres(|w| async move {
            super::answers_are_scoped_and_personal_data_masked(&w).await;
            w
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn malformed_requests_get_clear_answers_and_save_nothing() {
        on_postgres(|w| async move {
            super::malformed_requests_get_clear_answers_and_save_nothing(&w).await;
            w
        })
        .await;
    }
}
