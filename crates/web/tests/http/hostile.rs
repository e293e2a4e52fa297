//! SQL and HTML in every text field a user can fill: stored and shown literally, escaped on
//! the page, never executed, never a server error.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use yinqi_store::Scope;

use crate::harness::{ICBC_JINAN, World, body_text, jinan_icbc};

const PAYLOADS: [&str; 4] = [
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "'); DROP TABLE enterprises;--",
    "%_\\ \"<b>粗</b>\"",
];

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page shows `payload` only escaped (a `<` never comes back raw).
fn shown_escaped(html: &str, payload: &str) {
    if payload.contains('<') {
        assert!(!html.contains(payload), "raw HTML reflected: {payload}");
    }
}

#[tokio::test]
async fn hostile_text_is_kept_literally_and_shown_escaped() {
    let world = World::sqlite();
    let bureau = world.login("bureau-37").await;
    let admin = world.login("icbc-admin").await;
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let p = encode(payload);
        // Searches: the list page and the API.
        let page = world.send(bureau.get(&format!("/enterprises?q={p}"))).await;
        assert_eq!(page.status(), StatusCode::OK, "search {payload}");
        shown_escaped(&body_text(page).await, payload);
        let api = world
            .send(bureau.get(&format!("/api/v1/enterprises?q={p}")))
            .await;
        assert_eq!(api.status(), StatusCode::OK, "API search {payload}");

        // A user's display name.
        let created = world
            .send(admin.form(
                "/users",
                &format!(
                    "role=branch_staff&username=hostile-{n}&display_name={p}&branch={ICBC_JINAN}&password=Hostile-pass-{n}0"
                ),
            ))
            .await;
        assert_eq!(created.status(), StatusCode::OK, "user {payload}");
        let listing = body_text(world.send(admin.get("/users")).await).await;
        shown_escaped(&listing, payload);
        let stored = world
            .store
            .user_for_login(&format!("hostile-{n}"))
            .unwrap()
            .unwrap()
            .0;
        assert_eq!(stored.display_name, payload.trim(), "kept literally");

        // An API token's name.
        let token = world
            .send(admin.form("/tokens", &format!("name={p}")))
            .await;
        assert_eq!(token.status(), StatusCode::OK, "token {payload}");
        shown_escaped(&body_text(token).await, payload);

        // A revocation reason, kept in the audit log as typed.
        let revoked = world
            .send(admin.form(
                &format!("/enterprises/{}/code", jinan_icbc()),
                &format!("reason={p}&reissue=yes"),
            ))
            .await;
        assert_eq!(revoked.status(), StatusCode::OK, "reason {payload}");
        shown_escaped(&body_text(revoked).await, payload);

        // The public code entry echoes what was typed.
        let form = world
            .send(Request::get("/q").body(Body::empty()).unwrap())
            .await;
        let csrf = crate::harness::form_token(&form);
        let typed = world
            .send(
                Request::post("/q")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("yinqi_login_csrf={csrf}"))
                    .body(Body::from(format!("csrf={csrf}&code={p}")))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            typed.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code {payload}"
        );
        shown_escaped(&body_text(typed).await, payload);
    }
    // Nothing was executed: the list is whole, and the reasons are in the log as typed.
    let campaign = world.store.campaign(None).unwrap();
    let all = world
        .store
        .enterprise_page(&Scope::Nation, campaign.id, &Default::default(), None, 50)
        .unwrap();
    assert_eq!(all.len(), 3);
    let reasons: Vec<String> = world
        .store
        .audit_entries(&Scope::Nation, 200)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "code.reissue")
        .filter_map(|a| a.detail["reason"].as_str().map(str::to_owned))
        .collect();
    for payload in PAYLOADS {
        assert!(
            reasons.iter().any(|r| r == payload.trim()),
            "{payload} in {reasons:?}"
        );
    }
}
