//! Personal data: masked by default; revealing it is audited and scoped; the audit log is
//! readable by HQ and by each bureau for its own entries only.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{World, body_json, body_text, jinan_icbc, qingdao_icbc};

fn reveal_request(uscc: &str, cookie: &str, csrf: &str) -> Request<Body> {
    Request::post(format!("/api/v1/enterprises/{uscc}/contact"))
        .header(header::COOKIE, format!("yinqi_session={cookie}"))
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn contacts_are_masked_until_an_audited_reveal() {
    let world = World::sqlite();
    let bureau = world.login("bureau-37").await;
    let masked = body_json(
        world
            .send(bureau.get(&format!("/api/v1/enterprises/{}", jinan_icbc())))
            .await,
    )
    .await;
    assert_eq!(masked["contact_phone"], "139****5678");
    assert_eq!(masked["contact_name"], "王**");
    let page = body_text(
        world
            .send(bureau.get(&format!("/enterprises/{}", jinan_icbc())))
            .await,
    )
    .await;
    assert!(!page.contains("13912345678") && page.contains("139****5678"));

    // Without the CSRF token: refused, nothing recorded.
    let r = world
        .send(reveal_request(&jinan_icbc(), &bureau.cookie, "wrong"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = world
        .send(reveal_request(&jinan_icbc(), &bureau.cookie, &bureau.csrf))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let revealed = body_json(r).await;
    assert_eq!(
        (
            revealed["contact_name"].as_str(),
            revealed["contact_phone"].as_str()
        ),
        (Some("王小明"), Some("13912345678"))
    );
    // Outside the scope: 404, nothing recorded.
    let r = world
        .send(reveal_request(
            &qingdao_icbc(),
            &bureau.cookie,
            &bureau.csrf,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let reveals: Vec<_> = world
        .store
        .audit_entries(&yinqi_store::Scope::Nation, 50)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "enterprise.reveal")
        .collect();
    assert_eq!(reveals.len(), 1);
    assert_eq!(
        (reveals[0].actor.as_str(), reveals[0].subject.as_deref()),
        ("bureau-37", Some(jinan_icbc().as_str()))
    );

    // The page's reveal form does the same.
    let form = Request::post(format!("/enterprises/{}/reveal", jinan_icbc()))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_session={}", bureau.cookie))
        .body(Body::from(format!("csrf={}", bureau.csrf)))
        .unwrap();
    let html = body_text(world.send(form).await).await;
    assert!(html.contains("13912345678") && html.contains("已记入审计日志"));
}

#[tokio::test]
async fn the_audit_log_is_scoped() {
    let world = World::sqlite();
    world.login("bureau-3702").await;
    let shandong = world.login("bureau-37").await;
    // Shandong's page shows its own list import, not Qingdao's.
    let html = body_text(world.send(shandong.get("/audit")).await).await;
    assert!(html.contains("导入企业名单"));
    let entries = world
        .store
        .audit_entries(&yinqi_store::Scope::Bureau("37".into()), 100)
        .unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e.bureau_code.as_deref() == Some("37"))
    );
    assert!(
        entries.iter().any(|e| e.action == "login"),
        "a bureau user's login is its bureau's"
    );
    let hq = world.login("hq-admin").await;
    let all = body_text(world.send(hq.get("/audit")).await).await;
    assert!(all.contains("导入银行机构名录"));
    for role in ["icbc-admin", "icbc-jinan-staff", "association"] {
        let s = world.login(role).await;
        assert_eq!(
            world.send(s.get("/audit")).await.status(),
            StatusCode::NOT_FOUND,
            "{role}"
        );
    }
}
