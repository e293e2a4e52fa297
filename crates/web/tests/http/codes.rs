//! Invitation codes over HTTP: who reads which code, batches handed down through the pages,
//! the SMS export, the public entry page and its throttles, revoke and reissue, manager
//! activation and assignment.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use yinqi_domain::invitation::InvitationCode;
use yinqi_store::Scope;
use yinqi_web::entry_limits::{CLIENT_FAILURES_ALLOWED, CODE_LOOKUPS_ALLOWED};

use crate::harness::{
    ICBC_JINAN, PASSWORD, World, batch_of, body_bytes, body_json, body_text, code_of, jinan_ccb,
    jinan_icbc, qingdao_icbc,
};

fn from_client(uri: &str, ip: [u8; 4]) -> Request<Body> {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    request
}

/// Which fixture enterprises' codes each user reads (see the harness: ICBC's Shandong batch
/// reached its managers, CCB's the bank, ICBC's Qingdao batch is still at HQ).
fn reads_code_of(username: &str) -> BTreeSet<String> {
    match username {
        "icbc-admin" | "icbc-jinan-staff" | "icbc-jinan-manager" => [jinan_icbc()].into(),
        "ccb-admin" => [jinan_ccb()].into(),
        _ => BTreeSet::new(),
    }
}

async fn code_matrix(world: &World) {
    let users = [
        "hq-admin",
        "hq-staff",
        "bureau-37",
        "bureau-3702",
        "icbc-admin",
        "icbc-qingdao",
        "ccb-admin",
        "icbc-jinan-staff",
        "icbc-jinan-manager",
        "association",
    ];
    for username in users {
        let session = world.login(username).await;
        let readable = reads_code_of(username);
        for uscc in [jinan_icbc(), jinan_ccb(), qingdao_icbc()] {
            let api = world
                .send(session.get(&format!("/api/v1/enterprises/{uscc}/code")))
                .await;
            let qr = world
                .send(session.get(&format!("/enterprises/{uscc}/qr.svg")))
                .await;
            if readable.contains(&uscc) {
                assert_eq!(
                    api.status(),
                    StatusCode::OK,
                    "{username} reads {uscc}'s code"
                );
                let body = body_json(api).await;
                let code = InvitationCode::parse(body["code"].as_str().unwrap()).unwrap();
                assert!(body["link"].as_str().unwrap().ends_with(code.as_str()));
                assert!(body["sms"].as_str().unwrap().contains(&code.grouped()));
                assert_eq!(qr.status(), StatusCode::OK);
                assert!(body_text(qr).await.contains("<svg"));
            } else {
                assert_eq!(
                    api.status(),
                    StatusCode::NOT_FOUND,
                    "{username} must not read {uscc}'s code"
                );
                assert_eq!(qr.status(), StatusCode::NOT_FOUND, "{username} QR {uscc}");
            }
        }
    }
}

#[tokio::test]
async fn codes_are_read_by_the_bank_side_only() {
    code_matrix(&World::sqlite()).await;
}

#[tokio::test]
async fn batches_are_handed_down_through_the_pages() {
    let world = World::sqlite();
    let batch = batch_of(&world.store, "3702", world.icbc);
    let hand_over = format!("/codes/batches/{batch}/hand-over");
    let bureau = world.login("bureau-3702").await;
    let hq = world.login("hq-admin").await;
    let bank = world.login("icbc-qingdao").await;
    // Not yet the bureau's to hand on; never another bureau's or bank's.
    assert_eq!(
        world.send(bureau.form(&hand_over, "")).await.status(),
        StatusCode::CONFLICT
    );
    let other = world.login("bureau-37").await;
    assert_eq!(
        world.send(other.form(&hand_over, "")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        world
            .send(bank.get(&format!("/codes/batches/{batch}")))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "the bank sees the batch only once it arrives"
    );
    // Without the form's token nothing moves.
    let forged = Request::post(&hand_over)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_session={}", hq.cookie))
        .body(Body::from("csrf=forged"))
        .unwrap();
    assert_eq!(world.send(forged).await.status(), StatusCode::FORBIDDEN);
    let moved = world.send(hq.form(&hand_over, "")).await;
    assert_eq!(moved.status(), StatusCode::OK);
    assert!(body_text(moved).await.contains("移交给监管局"));
    assert_eq!(
        world.send(bureau.form(&hand_over, "")).await.status(),
        StatusCode::OK
    );
    // The bank now lists it, exports it; the bureau still cannot export.
    let listed = body_text(world.send(bank.get("/codes")).await).await;
    assert!(listed.contains(&format!("/codes/batches/{batch}")));
    let export = format!("/codes/batches/{batch}/export?format=csv");
    assert_eq!(
        world.send(bureau.get(&export)).await.status(),
        StatusCode::NOT_FOUND
    );
    let ccb = world.login("ccb-admin").await;
    assert_eq!(
        world.send(ccb.get(&export)).await.status(),
        StatusCode::NOT_FOUND
    );
    let masked = world.send(bank.get(&export)).await;
    assert_eq!(masked.status(), StatusCode::OK);
    let csv = String::from_utf8(body_bytes(masked).await).unwrap();
    let code = code_of(&world.store, &qingdao_icbc(), world.icbc);
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with BOM for Excel");
    assert!(csv.contains(&code.grouped()) && csv.contains(&format!("/q/{}", code.as_str())));
    assert!(
        csv.contains("139****5678") && !csv.contains("13912345678"),
        "masked by default"
    );
    assert!(csv.contains("规范话术") && csv.contains("免费"));
    let full = world.send(bank.get(&format!("{export}&phones=full"))).await;
    assert!(
        String::from_utf8(body_bytes(full).await)
            .unwrap()
            .contains("13912345678")
    );
    let xlsx = world
        .send(bank.get(&format!("/codes/batches/{batch}/export?format=xlsx")))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        body_bytes(xlsx).await.starts_with(b"PK"),
        "an XLSX is a zip"
    );
    // Every export is in the audit log, the unmasked one marked so.
    let campaign = world.store.campaign(None).unwrap();
    let exports: Vec<_> = world
        .store
        .audit_entries(&Scope::Nation, 100)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "codes.export" && a.campaign_id == Some(campaign.id))
        .collect();
    assert_eq!(exports.len(), 3);
    assert_eq!(
        exports
            .iter()
            .filter(|a| a.detail["full_phones"] == true)
            .count(),
        1
    );
    let history = body_text(world.send(hq.get(&format!("/codes/batches/{batch}"))).await).await;
    assert!(history.contains("总部") && history.contains("监管局") && history.contains("银行"));
    assert!(
        !history.contains(&code.grouped()),
        "HQ never sees the codes"
    );
}

#[tokio::test]
async fn only_hq_admin_issues_and_only_for_released_lists() {
    let world = World::sqlite();
    let bureau = world.login("bureau-37").await;
    assert_eq!(
        world
            .send(bureau.form("/codes/issue", "bureau=37"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let hq = world.login("hq-admin").await;
    let none = world.send(hq.form("/codes/issue", "bureau=11")).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(none).await.contains("尚未"));
    let again = world.send(hq.form("/codes/issue", "bureau=37")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(
        body_text(again).await.contains("发放邀请码 0 个"),
        "issuing twice adds nothing"
    );
}

#[tokio::test]
async fn the_link_opens_its_enterprise_and_nothing_else() {
    let world = World::sqlite();
    let code = code_of(&world.store, &jinan_icbc(), world.icbc);
    for form in [code.as_str().to_owned(), code.grouped().to_lowercase()] {
        let page = world
            .send(from_client(&format!("/q/{form}"), [10, 0, 0, 1]))
            .await;
        assert_eq!(page.status(), StatusCode::OK, "{form}");
        let html = body_text(page).await;
        assert!(html.contains("测试企业有限公司") && html.contains(&jinan_icbc()));
        assert!(
            !html.contains("13912345678") && !html.contains("王小明"),
            "no contact on a public page"
        );
    }
    // One character wrong: caught by the check character, said in Chinese.
    let mut typo = code.as_str().as_bytes().to_vec();
    typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    let wrong = world
        .send(from_client(&format!("/q/{typo}"), [10, 0, 0, 1]))
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert!(body_text(wrong).await.contains("邀请码有误"));
    // HTML in the path comes back escaped.
    let hostile = world
        .send(from_client(
            "/q/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            [10, 0, 0, 1],
        ))
        .await;
    assert!(!body_text(hostile).await.contains("<script>alert"));
    // The entry form: a double-submit token, then a redirect to the link.
    let form = world.send(from_client("/q", [10, 0, 0, 1])).await;
    let cookie = crate::harness::form_token(&form);
    let submit = |csrf: &str, with_cookie: bool| {
        let mut r =
            Request::post("/q").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if with_cookie {
            r = r.header(header::COOKIE, format!("yinqi_login_csrf={cookie}"));
        }
        r.body(Body::from(format!("csrf={csrf}&code={}", code.grouped())))
            .unwrap()
    };
    let went = world.send(submit(&cookie, true)).await;
    assert_eq!(went.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        went.headers()[header::LOCATION],
        format!("/q/{}", code.as_str())
    );
    assert_eq!(
        world.send(submit(&cookie, false)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn guessing_is_throttled_per_client_and_per_code() {
    let world = std::sync::Arc::new(World::sqlite());
    // One client fires many well-formed guesses at once.
    let mut guesses = Vec::new();
    for _ in 0..(CLIENT_FAILURES_ALLOWED + 30) {
        let world = world.clone();
        let guess = yinqi_store::new_code();
        guesses.push(tokio::spawn(async move {
            world
                .send(from_client(
                    &format!("/q/{}", guess.as_str()),
                    [10, 0, 0, 7],
                ))
                .await
                .status()
        }));
    }
    let mut unknown = 0;
    let mut throttled = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::NOT_FOUND => unknown += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        unknown, CLIENT_FAILURES_ALLOWED,
        "exactly the allowance gets an answer"
    );
    assert_eq!(throttled, 30);
    // The throttled client cannot use even a good code; another client can.
    let code = code_of(&world.store, &jinan_icbc(), world.icbc);
    let link = format!("/q/{}", code.as_str());
    assert_eq!(
        world.send(from_client(&link, [10, 0, 0, 7])).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Mistyped codes count too (no database lookup, still a guess).
    for _ in 0..CLIENT_FAILURES_ALLOWED {
        world
            .send(from_client("/q/AAAAAAAAAAAA", [10, 0, 0, 8]))
            .await;
    }
    assert_eq!(
        world
            .send(from_client("/q/AAAAAAAAAAAA", [10, 0, 0, 8]))
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // One code looked up from many places stops at its own limit; good lookups do not
    // use up a client's allowance.
    let mut ok = 0;
    for i in 0..(CODE_LOOKUPS_ALLOWED + 5) {
        let status = world
            .send(from_client(
                &link,
                [10, 1, (i / 200) as u8, (i % 200) as u8 + 1],
            ))
            .await
            .status();
        if status == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    // (10.0.0.7's attempt above was stopped by its own limit before reaching the code's.)
    assert_eq!(ok, CODE_LOOKUPS_ALLOWED);
}

#[tokio::test]
async fn a_revoked_code_stops_at_once_and_the_new_one_works() {
    let world = World::sqlite();
    let old = code_of(&world.store, &jinan_icbc(), world.icbc);
    let admin = world.login("icbc-admin").await;
    let uri = format!("/enterprises/{}/code", jinan_icbc());
    let hq_staff = world.login("hq-staff").await;
    let refused = world
        .send(hq_staff.form(&uri, "reason=x&reissue=yes"))
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "HQ staff only read"
    );
    let other_bank = world.login("ccb-admin").await;
    assert_eq!(
        world
            .send(other_bank.form(&uri, "reason=x&reissue=yes"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let done = world
        .send(admin.form(
            &uri,
            "reason=%E7%9F%AD%E4%BF%A1%E5%8F%91%E9%94%99&reissue=yes",
        ))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let html = body_text(done).await;
    assert!(html.contains("已作废并立即失效"));
    let new = code_of(&world.store, &jinan_icbc(), world.icbc);
    assert_ne!(old, new);
    assert!(html.contains(&new.grouped()), "the page shows the new code");
    assert_eq!(
        world
            .send(from_client(&format!("/q/{}", old.as_str()), [10, 2, 0, 1]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        world
            .send(from_client(&format!("/q/{}", new.as_str()), [10, 2, 0, 1]))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_manager_activates_with_a_code_and_works_their_enterprises() {
    let world = World::sqlite();
    let admin = world.login("icbc-admin").await;
    let created = world
        .send(
            Request::post("/users")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("yinqi_session={}", admin.cookie))
                .body(Body::from(format!(
                    "csrf={}&role=customer_manager&username=mgr-zhao&display_name=zhao&branch={ICBC_JINAN}",
                    admin.csrf
                )))
                .unwrap(),
        )
        .await;
    let html = body_text(created).await;
    let code_text = html
        .split("激活码：")
        .nth(1)
        .and_then(|rest| rest.get(..14))
        .expect("the activation code is shown once")
        .to_owned();
    InvitationCode::parse(&code_text).unwrap();
    // Activate on the public page (double-submit token).
    let form = world.send(from_client("/activate", [10, 3, 0, 1])).await;
    let token = crate::harness::form_token(&form);
    let activate = |code: &str, password2: &str| {
        Request::post("/activate")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("yinqi_login_csrf={token}"))
            .body(Body::from(format!(
                "csrf={token}&code={code}&password={PASSWORD}&password2={password2}"
            )))
            .unwrap()
    };
    let mismatch = world.send(activate(&code_text, "other-password-1")).await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = world.send(activate(&code_text, PASSWORD)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(body_text(ok).await.contains("mgr-zhao"));
    let reused = world.send(activate(&code_text, PASSWORD)).await;
    assert_eq!(
        reused.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    let zhao = world.login("mgr-zhao").await;
    let none = body_json(world.send(zhao.get("/api/v1/enterprises")).await).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    // The bank gives zhao its Jinan enterprise, in bulk by branch.
    let id = world
        .store
        .user_for_login("mgr-zhao")
        .unwrap()
        .unwrap()
        .0
        .id;
    let assigned = world
        .send(admin.form(
            "/managers/assign",
            &format!("manager={id}&branch={ICBC_JINAN}&only_unassigned=yes"),
        ))
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    assert!(
        body_text(assigned).await.contains("已将 0 家"),
        "the Jinan enterprise already has a manager and keeps it"
    );
    let reassigned = world
        .send(admin.form(
            "/managers/assign",
            &format!("manager={id}&branch={ICBC_JINAN}"),
        ))
        .await;
    assert!(body_text(reassigned).await.contains("已将 1 家"));
    let mine = body_json(world.send(zhao.get("/api/v1/enterprises")).await).await;
    assert_eq!(mine["items"][0]["uscc"], jinan_icbc());
    let old_manager = world.login("icbc-jinan-manager").await;
    assert_eq!(
        world
            .send(old_manager.get(&format!("/api/v1/enterprises/{}", jinan_icbc())))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "reassigned away at once"
    );
    // One by one, and not to another bank's enterprise.
    let one = world
        .send(admin.form(
            &format!("/enterprises/{}/manager", jinan_icbc()),
            "manager=",
        ))
        .await;
    assert_eq!(one.status(), StatusCode::SEE_OTHER);
    let ccb = world.login("ccb-admin").await;
    assert_eq!(
        world
            .send(ccb.form(
                &format!("/enterprises/{}/manager", jinan_icbc()),
                &format!("manager={id}")
            ))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let managers = body_text(world.send(admin.get("/managers")).await).await;
    assert!(managers.contains("mgr-zhao") && managers.contains("已激活"));
    assert_eq!(
        world
            .send(world.login("bureau-37").await.get("/managers"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_poster_draws_the_entry_page_qr() {
    let world = World::sqlite();
    let poster = world
        .send(Request::get("/poster").body(Body::empty()).unwrap())
        .await;
    assert_eq!(poster.status(), StatusCode::OK);
    let html = body_text(poster).await;
    assert!(html.contains("<svg") && html.contains("/q</p>"));
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn codes_are_read_by_the_bank_side_only() {
        let world = tokio::task::spawn_blocking(World::postgres).await.unwrap();
        code_matrix(&world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }
}
