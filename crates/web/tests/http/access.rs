//! The scope matrix: every role × every route that takes an id or a filter × every
//! enterprise — nobody reads another party's rows, through pages or the API.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{World, batch_of, body_json, body_text, jinan_ccb, jinan_icbc, qingdao_icbc};

/// Which fixture enterprises each user may see.
pub fn expected(username: &str) -> BTreeSet<String> {
    let all = [jinan_icbc(), jinan_ccb(), qingdao_icbc()];
    let pick = |idx: &[usize]| idx.iter().map(|i| all[*i].clone()).collect();
    match username {
        "hq-admin" | "hq-staff" => pick(&[0, 1, 2]),
        "bureau-37" => pick(&[0, 1]),
        "bureau-3702" => pick(&[2]),
        "icbc-admin" => pick(&[0, 2]),
        "icbc-qingdao" => pick(&[2]),
        "ccb-admin" => pick(&[1]),
        "icbc-jinan-staff" => pick(&[0]),
        "icbc-jinan-manager" => pick(&[0]),
        "association" => pick(&[]),
        other => panic!("unknown fixture user {other}"),
    }
}

pub const USERS: [&str; 10] = [
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

async fn matrix(world: &World) {
    let everyone = [jinan_icbc(), jinan_ccb(), qingdao_icbc()];
    for username in USERS {
        let session = world.login(username).await;
        let visible = expected(username);
        for uscc in &everyone {
            let api = world
                .send(session.get(&format!("/api/v1/enterprises/{uscc}")))
                .await;
            let page = world
                .send(session.get(&format!("/enterprises/{uscc}")))
                .await;
            if visible.contains(uscc) {
                assert_eq!(
                    api.status(),
                    StatusCode::OK,
                    "{username} reads {uscc} by API"
                );
                assert_eq!(body_json(api).await["uscc"], uscc.as_str());
                assert_eq!(
                    page.status(),
                    StatusCode::OK,
                    "{username} reads {uscc} as a page"
                );
                assert!(body_text(page).await.contains(uscc.as_str()));
            } else {
                assert_eq!(
                    api.status(),
                    StatusCode::NOT_FOUND,
                    "{username} must not read {uscc}"
                );
                let body = body_json(api).await;
                assert_eq!(body["error"]["code"], "not_found");
                assert!(!body.to_string().contains("测试企业"), "no detail leaks");
                assert_eq!(
                    page.status(),
                    StatusCode::NOT_FOUND,
                    "{username} page {uscc}"
                );
            }
        }
        // The list shows exactly the scope, and a filter cannot widen it.
        for filter in ["", "&bureau=37", "&bureau=3702", "&bank=1", "&bank=2"] {
            let response = world
                .send(session.get(&format!("/api/v1/enterprises?limit=50{filter}")))
                .await;
            if username == "association" {
                assert_eq!(response.status(), StatusCode::NOT_FOUND);
                continue;
            }
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{username} list {filter}"
            );
            let listed: BTreeSet<String> = body_json(response).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["uscc"].as_str().unwrap().to_owned())
                .collect();
            assert!(
                listed.is_subset(&visible),
                "{username} {filter}: {listed:?} ⊄ {visible:?}"
            );
            if filter.is_empty() {
                assert_eq!(listed, visible, "{username} sees all of their scope");
            }
        }
        if username != "association" {
            let html = body_text(world.send(session.get("/enterprises?bureau=3702")).await).await;
            for uscc in &everyone {
                let shown = visible.contains(uscc) && *uscc == qingdao_icbc();
                assert_eq!(
                    html.contains(uscc.as_str()),
                    shown,
                    "{username} list page {uscc}"
                );
            }
        }
    }
}

#[tokio::test]
async fn nobody_reads_another_partys_rows_sqlite() {
    matrix(&World::sqlite()).await;
}

#[tokio::test]
async fn bank_tokens_see_their_bank_only() {
    let world = World::sqlite();
    for (bank, token, visible) in [
        (
            world.icbc,
            "icbc-token-0123456789",
            vec![jinan_icbc(), qingdao_icbc()],
        ),
        (world.ccb, "ccb-token-0123456789", vec![jinan_ccb()]),
    ] {
        let hash = yinqi_web::auth::sha256_hex(token);
        world
            .store
            .create_api_token(bank, "CRM", &hash, &token[..8], "fixture")
            .unwrap();
        for uscc in [jinan_icbc(), jinan_ccb(), qingdao_icbc()] {
            let request = Request::get(format!("/api/v1/enterprises/{uscc}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let status = world.send(request).await.status();
            let want = if visible.contains(&uscc) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, want, "token of bank {bank} reading {uscc}");
        }
    }
    // A revoked token stops working at once; a made-up one never worked.
    let tokens = world.store.api_tokens(world.icbc).unwrap();
    world
        .store
        .revoke_api_token(world.icbc, tokens[0].id, "fixture")
        .unwrap();
    for token in ["icbc-token-0123456789", "forged-token"] {
        let request = Request::get("/api/v1/enterprises")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            world.send(request).await.status(),
            StatusCode::UNAUTHORIZED,
            "{token}"
        );
    }
    // Another bank cannot revoke it either.
    let ccb_token = world.store.api_tokens(world.ccb).unwrap()[0].id;
    assert!(
        world
            .store
            .revoke_api_token(world.icbc, ccb_token, "x")
            .is_err()
    );
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn nobody_reads_another_partys_rows() {
        // The PostgreSQL client blocks: build and drop the world off the async workers.
        let world = tokio::task::spawn_blocking(World::postgres).await.unwrap();
        matrix(&world).await;
        change_matrix(&world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }
}

/// The code batches each fixture user may see (see the harness: ICBC's Shandong batch is
/// with its managers, CCB's with the bank, ICBC's Qingdao batch still at HQ).
fn batches_seen_by(world: &World, username: &str) -> BTreeSet<i64> {
    let icbc_37 = batch_of(&world.store, "37", world.icbc);
    let ccb_37 = batch_of(&world.store, "37", world.ccb);
    let icbc_3702 = batch_of(&world.store, "3702", world.icbc);
    match username {
        "hq-admin" | "hq-staff" => [icbc_37, ccb_37, icbc_3702].into(),
        "bureau-37" => [icbc_37, ccb_37].into(),
        "bureau-3702" => [icbc_3702].into(),
        "icbc-admin" | "icbc-jinan-staff" => [icbc_37].into(),
        "ccb-admin" => [ccb_37].into(),
        _ => BTreeSet::new(),
    }
}

/// Runs a direct store call (synchronous; the PostgreSQL client must not block an async
/// worker) from inside the test's runtime.
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Every code's status, every enterprise's manager, every batch's holder: what the change
/// matrix must leave as it found.
fn snapshot(world: &World) -> impl PartialEq + std::fmt::Debug {
    let nation = yinqi_store::Scope::Nation;
    let campaign = world.store.campaign(None).unwrap().id;
    let everyone = [jinan_icbc(), jinan_ccb(), qingdao_icbc()];
    let codes: Vec<_> = everyone
        .iter()
        .map(|u| world.store.code_status(&nation, campaign, u).unwrap())
        .collect();
    let managers: Vec<_> = everyone
        .iter()
        .map(|u| {
            world
                .store
                .enterprise_by_uscc(&nation, campaign, u)
                .unwrap()
                .manager_id
        })
        .collect();
    let batches: Vec<_> = world
        .store
        .code_batches(&nation, campaign)
        .unwrap()
        .into_iter()
        .map(|b| (b.id, b.holder, b.codes))
        .collect();
    (codes, managers, batches)
}

/// Every role × every route that changes or reads a row by id × every object outside the
/// caller's scope: 404, and afterwards nothing has changed.
async fn change_matrix(world: &World) {
    let everyone = [jinan_icbc(), jinan_ccb(), qingdao_icbc()];
    let before = sync(|| snapshot(world));
    let manager = sync(|| world.store.user_for_login("icbc-jinan-manager"))
        .unwrap()
        .unwrap()
        .0
        .id;
    let all_batches: Vec<i64> = sync(|| {
        let campaign = world.store.campaign(None).unwrap().id;
        world
            .store
            .code_batches(&yinqi_store::Scope::Nation, campaign)
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect()
    });
    assert_eq!(all_batches.len(), 3);
    for username in USERS {
        let session = world.login(username).await;
        let visible = expected(username);
        for uscc in everyone.iter().filter(|u| !visible.contains(*u)) {
            for (uri, fields) in [
                (
                    format!("/enterprises/{uscc}/code"),
                    "reason=x&reissue=yes".to_owned(),
                ),
                (
                    format!("/enterprises/{uscc}/manager"),
                    format!("manager={manager}"),
                ),
                (format!("/enterprises/{uscc}/reveal"), String::new()),
            ] {
                let status = world.send(session.form(&uri, &fields)).await.status();
                assert_eq!(status, StatusCode::NOT_FOUND, "{username} POST {uri}");
            }
            let qr = world
                .send(session.get(&format!("/enterprises/{uscc}/qr.svg")))
                .await;
            assert_eq!(qr.status(), StatusCode::NOT_FOUND, "{username} QR {uscc}");
        }
        let seen = sync(|| batches_seen_by(world, username));
        for batch in all_batches.iter().filter(|b| !seen.contains(*b)) {
            for uri in [
                format!("/codes/batches/{batch}"),
                format!("/codes/batches/{batch}/export?format=csv"),
            ] {
                let status = world.send(session.get(&uri)).await.status();
                assert_eq!(status, StatusCode::NOT_FOUND, "{username} GET {uri}");
            }
            let uri = format!("/codes/batches/{batch}/hand-over");
            let status = world.send(session.form(&uri, "")).await.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{username} POST {uri}");
        }
        // A manager's activation code, by anyone but that manager's bank admin or HQ.
        if !matches!(username, "icbc-admin" | "hq-admin") {
            let uri = format!("/managers/{manager}/code");
            let status = world.send(session.form(&uri, "")).await.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{username} POST {uri}");
        }
    }
    assert_eq!(
        before,
        sync(|| snapshot(world)),
        "no code, manager or batch changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_changes_another_partys_rows_sqlite() {
    change_matrix(&World::sqlite()).await;
}

#[tokio::test]
async fn hq_and_bureaus_filter_the_list_by_bank_name_within_their_scope() {
    let world = World::sqlite();
    // 中国建设银行 / 中国工商银行 / an unknown name, URL-encoded.
    let ccb = "%E4%B8%AD%E5%9B%BD%E5%BB%BA%E8%AE%BE%E9%93%B6%E8%A1%8C";
    let icbc = "%E4%B8%AD%E5%9B%BD%E5%B7%A5%E5%95%86%E9%93%B6%E8%A1%8C";
    let unknown = "%E6%97%A0%E6%AD%A4%E9%93%B6%E8%A1%8C";
    let cases = [
        ("hq-admin", ccb, vec![jinan_ccb()]),
        ("hq-admin", icbc, vec![jinan_icbc(), qingdao_icbc()]),
        ("hq-admin", unknown, vec![]),
        ("bureau-37", icbc, vec![jinan_icbc()]),
        ("bureau-3702", ccb, vec![]),
    ];
    for (username, bank, shown) in cases {
        let session = world.login(username).await;
        let html = body_text(
            world
                .send(session.get(&format!("/enterprises?bank={bank}")))
                .await,
        )
        .await;
        for uscc in [jinan_icbc(), jinan_ccb(), qingdao_icbc()] {
            assert_eq!(
                html.contains(uscc.as_str()),
                shown.contains(&uscc),
                "{username} bank={bank} {uscc}"
            );
        }
    }
}
