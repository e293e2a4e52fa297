//! Administering users: each admin creates users only below them, in their organisation.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{CCB_JINAN, ICBC_JINAN, Session, World, body_text};

fn create(session: &Session, fields: &str) -> Request<Body> {
    Request::post("/users")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
        .body(Body::from(format!("csrf={}&{fields}", session.csrf)))
        .unwrap()
}

#[tokio::test]
async fn a_bank_admin_creates_managers_of_its_own_branches_only() {
    let world = World::sqlite();
    let icbc = world.login("icbc-admin").await;
    let ok = world
        .send(create(&icbc, &format!("role=customer_manager&username=mgr-li&display_name=%E6%9D%8E%E7%BB%8F%E7%90%86&branch={ICBC_JINAN}")))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(body_text(ok).await.contains("已创建用户 mgr-li"));
    let refused = world
        .send(create(
            &icbc,
            &format!("role=customer_manager&username=mgr-x&display_name=x&branch={CCB_JINAN}"),
        ))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(body_text(refused).await.contains("无权"));
    let no_csrf = Request::post("/users")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_session={}", icbc.cookie))
        .body(Body::from(
            "role=branch_staff&username=sneaky&display_name=x",
        ))
        .unwrap();
    assert_eq!(world.send(no_csrf).await.status(), StatusCode::FORBIDDEN);
    let listed = body_text(world.send(icbc.get("/users")).await).await;
    assert!(
        listed.contains("mgr-li")
            && listed.contains("icbc-jinan-staff")
            && !listed.contains("ccb-admin")
    );
}

#[tokio::test]
async fn a_bureau_creates_bank_admins_for_its_territory_only() {
    let world = World::sqlite();
    let shandong = world.login("bureau-37").await;
    let bank = "%E4%B8%AD%E5%9B%BD%E5%B7%A5%E5%95%86%E9%93%B6%E8%A1%8C"; // 中国工商银行
    let ok = world
        .send(create(&shandong, &format!("role=bank_admin&username=icbc-sd-2&display_name=x&bank={bank}&bureau=37&password=first-pass-123")))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    world.login_with("icbc-sd-2", "first-pass-123").await;
    for fields in [
        format!(
            "role=bank_admin&username=icbc-bj&display_name=x&bank={bank}&bureau=11&password=first-pass-123"
        ),
        "role=bureau_staff&username=sd-2&display_name=x&bureau=37&password=first-pass-123"
            .to_owned(),
        "role=hq_admin&username=boss&display_name=x&password=first-pass-123".to_owned(),
    ] {
        let r = world.send(create(&shandong, &fields)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{fields}");
    }
    let weak = world
        .send(create(&shandong, &format!("role=bank_admin&username=icbc-sd-3&display_name=x&bank={bank}&bureau=37&password=short")))
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn staff_without_admin_rights_have_no_user_page() {
    let world = World::sqlite();
    for role in ["icbc-jinan-staff", "hq-staff", "association"] {
        let s = world.login(role).await;
        assert_eq!(
            world.send(s.get("/users")).await.status(),
            StatusCode::NOT_FOUND,
            "{role}"
        );
    }
}
