//! A bank admin's API tokens through the pages: shown once, usable at once, revocable,
//! and invisible to everyone else.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{World, body_text, jinan_ccb, jinan_icbc};

fn bearer(token: &str, uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_token_is_shown_once_works_and_can_be_revoked() {
    let world = World::sqlite();
    let admin = world.login("icbc-admin").await;
    let html = body_text(world.send(admin.form("/tokens", "name=CRM")).await).await;
    let token = html
        .split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the new token is shown")
        .to_owned();
    assert!(token.starts_with("yq_") && token.len() == 43, "{token}");
    let listing = body_text(world.send(admin.get("/tokens")).await).await;
    assert!(!listing.contains(&token), "never shown again");
    assert!(listing.contains(&token[..10]));

    let own = world
        .send(bearer(
            &token,
            &format!("/api/v1/enterprises/{}", jinan_icbc()),
        ))
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    let other = world
        .send(bearer(
            &token,
            &format!("/api/v1/enterprises/{}", jinan_ccb()),
        ))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    let id = world.store.api_tokens(world.icbc).unwrap()[0].id;
    // Another bank's admin cannot revoke it.
    let ccb = world.login("ccb-admin").await;
    let r = world
        .send(ccb.form(&format!("/tokens/{id}/revoke"), ""))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = world
        .send(admin.form(&format!("/tokens/{id}/revoke"), ""))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(body_text(r).await.contains("已吊销"));
    let after = world.send(bearer(&token, "/api/v1/enterprises")).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hq_creates_and_revokes_a_banks_token_by_its_name() {
    let world = World::sqlite();
    let hq = world.login("hq-admin").await;
    let chooser = world.send(hq.get("/tokens")).await;
    assert_eq!(chooser.status(), StatusCode::OK);
    assert!(body_text(chooser).await.contains("法人银行名称"));
    let unknown = world
        .send(hq.get("/tokens?bank=%E6%97%A0%E6%AD%A4%E9%93%B6%E8%A1%8C"))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(body_text(unknown).await.contains("没有法人机构"));
    // 中国建设银行, URL-encoded.
    let ccb = "%E4%B8%AD%E5%9B%BD%E5%BB%BA%E8%AE%BE%E9%93%B6%E8%A1%8C";
    let html = body_text(
        world
            .send(hq.form("/tokens", &format!("name=CRM&bank={ccb}")))
            .await,
    )
    .await;
    let token = html
        .split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the new token is shown")
        .to_owned();
    let own = world
        .send(bearer(
            &token,
            &format!("/api/v1/enterprises/{}", jinan_ccb()),
        ))
        .await;
    assert_eq!(own.status(), StatusCode::OK, "the token acts for CCB");
    let other = world
        .send(bearer(
            &token,
            &format!("/api/v1/enterprises/{}", jinan_icbc()),
        ))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let id = world.store.api_tokens(world.ccb).unwrap()[0].id;
    // Naming another bank does not reach CCB's token.
    let icbc = "%E4%B8%AD%E5%9B%BD%E5%B7%A5%E5%95%86%E9%93%B6%E8%A1%8C";
    let wrong = world
        .send(hq.form(&format!("/tokens/{id}/revoke"), &format!("bank={icbc}")))
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let revoked = world
        .send(hq.form(&format!("/tokens/{id}/revoke"), &format!("bank={ccb}")))
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let after = world.send(bearer(&token, "/api/v1/enterprises")).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_a_legal_entitys_admin_and_hq_admins_have_the_token_page() {
    let world = World::sqlite();
    for role in ["icbc-qingdao", "bureau-37", "hq-staff", "icbc-jinan-staff"] {
        let s = world.login(role).await;
        assert_eq!(
            world.send(s.get("/tokens")).await.status(),
            StatusCode::NOT_FOUND,
            "{role}"
        );
    }
}
