//! Logging in and out: wrong passwords, throttling, sessions, CSRF, fixation, bad bodies.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::harness::{PASSWORD, World, body_json, body_text, json_request, session_cookie};

#[tokio::test]
async fn wrong_and_unknown_logins_get_the_same_answer() {
    let world = World::sqlite();
    for (username, password) in [
        ("bureau-37", "wrong-password-1"),
        ("no-such-user", PASSWORD),
        ("", ""),
    ] {
        let response = world
            .send(json_request(
                "POST",
                "/api/v1/session",
                &json!({"username": username, "password": password}),
            ))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{username}");
        assert!(session_cookie(&response).is_none());
        let body = body_json(response).await;
        assert_eq!(body["error"]["message"], "用户名或密码错误");
    }
    // Attempts with a username are audited (an empty form is not an attempt on anyone).
    let audit = world
        .store
        .audit_entries(&yinqi_store::Scope::Nation, 20)
        .unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == "login.failed").count(),
        2
    );
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_json_errors() {
    let world = World::sqlite();
    for body in ["{", "[]", "{\"username\": 5}", "\"x\""] {
        let request = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let response = world.send(request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body_json(response).await["error"]["code"], "bad_request");
    }
    let huge = format!(
        "{{\"username\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(200_000)
    );
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(huge))
        .unwrap();
    let response = world.send(request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(response).await["error"]["code"], "too_large");
    let response = world
        .send(
            Request::get("/api/v1/enterprises?limit=abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(response.status().is_client_error());
}

#[tokio::test]
async fn an_account_is_locked_after_five_failures_even_for_the_right_password() {
    let world = World::sqlite();
    for _ in 0..5 {
        let r = world
            .send(json_request(
                "POST",
                "/api/v1/session",
                &json!({"username": "bureau-37", "password": "nope-nope-1"}),
            ))
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = world
        .send(json_request(
            "POST",
            "/api/v1/session",
            &json!({"username": "bureau-37", "password": PASSWORD}),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body_json(r).await["error"]["code"], "throttled");
    // Other accounts are not affected.
    world.login("bureau-3702").await;
}

#[tokio::test]
async fn one_client_cannot_try_many_accounts() {
    let world = World::sqlite();
    let mut throttled = 0;
    for i in 0..40 {
        let r = world
            .send(json_request(
                "POST",
                "/api/v1/session",
                &json!({"username": format!("guess-{i}"), "password": "x1234567890"}),
            ))
            .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    assert_eq!(
        throttled,
        40 - yinqi_web::auth::CLIENT_ATTEMPTS_ALLOWED as usize
    );
}

#[tokio::test]
async fn sessions_work_and_end() {
    let world = World::sqlite();
    let session = world.login("bureau-37").await;
    let me = world.send(session.get("/api/v1/me")).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(body_json(me).await["user"]["role"], "bureau_staff");
    // Logging out needs the CSRF token.
    let no_csrf = Request::delete("/api/v1/session")
        .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
        .body(Body::empty())
        .unwrap();
    assert_eq!(world.send(no_csrf).await.status(), StatusCode::FORBIDDEN);
    let logout = Request::delete("/api/v1/session")
        .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
        .header("x-csrf-token", &session.csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(world.send(logout).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        world.send(session.get("/api/v1/me")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A forged cookie is nobody; pages send it to the login form.
    let forged = Request::get("/enterprises")
        .header(header::COOKIE, "yinqi_session=0000")
        .body(Body::empty())
        .unwrap();
    let r = world.send(forged).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/login");
}

/// Logs in through the page form, starting from `existing` session cookie (if any).
async fn page_login(world: &World, existing: Option<&str>) -> (StatusCode, Option<String>) {
    let form = world
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let csrf_cookie = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("yinqi_login_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let html = body_text(form).await;
    assert!(html.contains(&csrf_cookie), "the form carries the token");
    let mut cookies = format!("yinqi_login_csrf={csrf_cookie}");
    if let Some(s) = existing {
        cookies.push_str(&format!("; yinqi_session={s}"));
    }
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies)
        .body(Body::from(format!(
            "username=bureau-37&password={PASSWORD}&csrf={csrf_cookie}"
        )))
        .unwrap();
    let r = world.send(request).await;
    (r.status(), session_cookie(&r))
}

#[tokio::test]
async fn page_login_issues_a_new_session_every_time() {
    let world = World::sqlite();
    let (status, first) = page_login(&world, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let first = first.unwrap();
    // An attacker-planted (or old) session id is replaced, and stops working.
    let (status, second) = page_login(&world, Some(&first)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = second.unwrap();
    assert_ne!(first, second);
    let old = Request::get("/api/v1/me")
        .header(header::COOKIE, format!("yinqi_session={first}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(world.send(old).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let world = World::sqlite();
    // Login form posted without the matching cookie (a cross-site form).
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username=bureau-37&password={PASSWORD}&csrf=abc"
        )))
        .unwrap();
    let r = world.send(request).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&r).is_none());
    // Logout and password change need the session's token.
    let session = world.login("bureau-37").await;
    for (uri, body) in [
        ("/logout", "csrf=wrong".to_owned()),
        (
            "/password",
            format!("csrf=&current={PASSWORD}&new_password=another-pass-99"),
        ),
    ] {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
            .body(Body::from(body))
            .unwrap();
        assert_eq!(
            world.send(request).await.status(),
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    assert_eq!(
        world.send(session.get("/api/v1/me")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let world = World::sqlite();
    let here = world.login("icbc-admin").await;
    let elsewhere = world.login("icbc-admin").await;
    let post = |body: String| {
        Request::post("/password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("yinqi_session={}", here.cookie))
            .body(Body::from(body))
            .unwrap()
    };
    let weak = world
        .send(post(format!(
            "csrf={}&current={PASSWORD}&new_password=short",
            here.csrf
        )))
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(weak).await.contains("密码长度"));
    let wrong = world
        .send(post(format!(
            "csrf={}&current=nope&new_password=another-pass-99",
            here.csrf
        )))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = world
        .send(post(format!(
            "csrf={}&current={PASSWORD}&new_password=another-pass-99",
            here.csrf
        )))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        world.send(here.get("/api/v1/me")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        world.send(elsewhere.get("/api/v1/me")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = world
        .send(json_request(
            "POST",
            "/api/v1/session",
            &json!({"username": "icbc-admin", "password": "another-pass-99"}),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_escape_what_users_typed_and_send_security_headers() {
    let world = World::sqlite();
    let r = world
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"));
    assert_eq!(r.headers()[header::X_FRAME_OPTIONS], "DENY");
    let html = body_text(r).await;
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing loads from outside"
    );
    // A username with HTML comes back escaped in the re-shown form.
    let form = world
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let csrf = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("yinqi_login_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_login_csrf={csrf}"))
        .body(Body::from(format!(
            "username=%3Cscript%3Ealert(1)%3C%2Fscript%3E&password=x&csrf={csrf}"
        )))
        .unwrap();
    let html = body_text(world.send(request).await).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let world = World::sqlite();
    let r = world
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = body_json(
        world
            .send(
                Request::get("/api/v1/openapi.json")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await,
    )
    .await;
    assert_eq!(doc["openapi"], "3.1.0");
    // Every documented path is routed (not the 404 fallback).
    let hq = world.login("hq-admin").await;
    // Codes are read by the bank side only.
    let bank = world.login("icbc-admin").await;
    let mut paths = yinqi_web::API_PATHS.to_vec();
    paths.sort_by_key(|p| p.ends_with("session")); // logging out last
    for path in paths {
        let uri = path
            .replace("{uscc}", &crate::harness::jinan_icbc())
            .replace("{id}", "1");
        let session = if path.ends_with("/code") { &bank } else { &hq };
        let method = if path.ends_with("session") {
            "DELETE"
        } else if path.ends_with("contact")
            || path.ends_with("solutions")
            || path.ends_with("status")
        {
            "POST"
        } else {
            "GET"
        };
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
            .header("x-csrf-token", &session.csrf)
            .body(Body::empty())
            .unwrap();
        let response = world.send(request).await;
        let status = response.status();
        if path.contains("solutions") {
            // Answered by the API (400 for the empty body, a JSON 404 for no such
            // solution), not the HTML fallback; their behaviour is tested in answers_api.
            let json = response.headers()[header::CONTENT_TYPE] == "application/json";
            assert!(json && status.is_client_error(), "{path}: {status}");
        } else {
            assert!(status.is_success(), "{path}: {status}");
        }
    }
    let metrics = body_text(
        world
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    assert!(
        metrics.contains("route=\"/api/v1/enterprises/{uscc}\""),
        "{metrics}"
    );
    assert!(
        !metrics.contains(&crate::harness::jinan_icbc()),
        "no codes in labels"
    );
}
