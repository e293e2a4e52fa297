//! A store with two bureaus' lists, banks and one user of every role; helpers to send
//! requests through the router.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use yinqi_store::{Affiliation, BranchRecord, NewUser, Role, RowText, Scope, StagedRow, Store};
use yinqi_web::{AppState, Config};

pub const PASSWORD: &str = "correct-horse-42";

/// Banks and branches of the fixture.
pub const ICBC_JINAN: &str = "102451000018";
pub const ICBC_QINGDAO: &str = "102452000012";
pub const CCB_JINAN: &str = "105451000015";

/// How far the fixture's lists have gone through the list round.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Round {
    Drafts,
    Frozen,
}

pub struct World {
    pub app: Router,
    pub store: std::sync::Arc<Store>,
    pub icbc: i64,
    pub ccb: i64,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut admin) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

fn code(region: &str, n: u32) -> String {
    let body = format!("{n:08}");
    let org = yinqi_domain::uscc::org_code_check_char(body.as_bytes()).unwrap() as char;
    yinqi_domain::uscc::Uscc::from_first17(&format!("91{region}{body}{org}"))
        .unwrap()
        .as_str()
        .to_owned()
}

/// Credit codes of the fixture's enterprises.
pub fn jinan_icbc() -> String {
    code("370102", 1)
}
pub fn jinan_ccb() -> String {
    code("370102", 2)
}
pub fn qingdao_icbc() -> String {
    code("370202", 3)
}

fn row(line: u64, uscc: &str, region: &str, bank: (&str, i64)) -> StagedRow {
    let mut r = StagedRow::new(
        line,
        &RowText {
            uscc,
            name: "测试企业有限公司",
            region_code: region,
            industry_code: "C3011",
            tax_credit: Some("B"),
            entity_type: "legal_person",
            account_bank_code: Some(bank.0),
            contact_name: Some("王小明"),
            contact_phone: Some("13912345678"),
            size_class: Some("small"),
            ..RowText::default()
        },
    );
    r.bank_id = Some(bank.1);
    r
}

impl World {
    /// The fixture with both lists frozen and their codes given out (see `give_out_codes`).
    pub fn sqlite() -> World {
        World::sqlite_at(Round::Frozen)
    }

    /// The fixture with both lists still drafts (rows loaded, nothing released, no codes),
    /// for the list round's own tests.
    pub fn sqlite_drafts() -> World {
        World::sqlite_at(Round::Drafts)
    }

    fn sqlite_at(round: Round) -> World {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("web.db").display());
        World::build(&url, Some(dir), None, round)
    }

    pub fn postgres() -> World {
        World::postgres_at(Round::Frozen)
    }

    pub fn postgres_drafts() -> World {
        World::postgres_at(Round::Drafts)
    }

    fn postgres_at(round: Round) -> World {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("YINQI_TEST_POSTGRES").expect("YINQI_TEST_POSTGRES must be set");
        let schema = format!(
            "web_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        World::build(&url, None, Some((base, schema)), round)
    }

    fn build(
        url: &str,
        dir: Option<tempfile::TempDir>,
        pg: Option<(String, String)>,
        round: Round,
    ) -> World {
        let store = Store::open(url).unwrap();
        let branch = |code: &str, name: &str, bank: &str, region: &str| BranchRecord {
            code: code.into(),
            name: name.into(),
            bank_name: bank.into(),
            bank_type: "国有大型银行".into(),
            region_code: region.into(),
            parent_code: None,
        };
        store
            .import_bank_registry(
                &Scope::Nation,
                &[
                    branch(ICBC_JINAN, "工行济南分行", "中国工商银行", "370102"),
                    branch(ICBC_QINGDAO, "工行青岛分行", "中国工商银行", "370202"),
                    branch(CCB_JINAN, "建行济南分行", "中国建设银行", "370102"),
                ],
                "banks.csv",
                "fixture",
            )
            .unwrap();
        let icbc = store.bank_id_by_name("中国工商银行").unwrap().unwrap();
        let ccb = store.bank_id_by_name("中国建设银行").unwrap().unwrap();
        let campaign = store.campaign(None).unwrap();
        for (bureau, rows) in [
            (
                "37",
                vec![
                    row(2, &jinan_icbc(), "370102", (ICBC_JINAN, icbc)),
                    row(3, &jinan_ccb(), "370102", (CCB_JINAN, ccb)),
                ],
            ),
            (
                "3702",
                vec![row(2, &qingdao_icbc(), "370202", (ICBC_QINGDAO, icbc))],
            ),
        ] {
            let mut import = store
                .begin_listing_import(
                    &Scope::Bureau(bureau.into()),
                    &campaign,
                    bureau,
                    "list.csv",
                    "fixture",
                )
                .unwrap();
            import.stage(&rows).unwrap();
            import.finish(|_| Ok(serde_json::json!({}))).unwrap();
            if round == Round::Drafts {
                continue;
            }
            store
                .submit_list(
                    &Scope::Bureau(bureau.into()),
                    campaign.id,
                    bureau,
                    "fixture",
                )
                .unwrap();
            store
                .check_list(&Scope::Nation, campaign.id, bureau, None, "fixture")
                .unwrap();
            store
                .freeze_list(&Scope::Nation, campaign.id, bureau, "fixture")
                .unwrap();
        }
        let hash = yinqi_web::auth::hash_password(PASSWORD).unwrap();
        let association = store
            .ensure_association("山东省银行业协会", "fixture")
            .unwrap();
        let users: Vec<(&str, Role, Affiliation)> = vec![
            ("hq-admin", Role::HqAdmin, Affiliation::default()),
            ("hq-staff", Role::HqStaff, Affiliation::default()),
            (
                "bureau-37",
                Role::BureauStaff,
                Affiliation {
                    bureau_code: Some("37".into()),
                    ..Default::default()
                },
            ),
            (
                "bureau-3702",
                Role::BureauStaff,
                Affiliation {
                    bureau_code: Some("3702".into()),
                    ..Default::default()
                },
            ),
            (
                "icbc-admin",
                Role::BankAdmin,
                Affiliation {
                    bank_id: Some(icbc),
                    ..Default::default()
                },
            ),
            (
                "icbc-qingdao",
                Role::BankAdmin,
                Affiliation {
                    bank_id: Some(icbc),
                    bureau_code: Some("3702".into()),
                    ..Default::default()
                },
            ),
            (
                "ccb-admin",
                Role::BankAdmin,
                Affiliation {
                    bank_id: Some(ccb),
                    ..Default::default()
                },
            ),
            (
                "icbc-jinan-staff",
                Role::BranchStaff,
                Affiliation {
                    branch_code: Some(ICBC_JINAN.into()),
                    ..Default::default()
                },
            ),
            (
                "icbc-jinan-manager",
                Role::CustomerManager,
                Affiliation {
                    branch_code: Some(ICBC_JINAN.into()),
                    ..Default::default()
                },
            ),
            (
                "association",
                Role::AssociationViewer,
                Affiliation {
                    association_id: Some(association),
                    ..Default::default()
                },
            ),
        ];
        for (username, role, affiliation) in users {
            store
                .create_user(
                    &NewUser {
                        username: username.into(),
                        display_name: format!("{username} 用户"),
                        role,
                        affiliation,
                        password_hash: Some(hash.clone()),
                    },
                    "fixture",
                )
                .unwrap();
        }
        if round == Round::Frozen {
            give_out_codes(&store, campaign.id, icbc);
        }
        let state = AppState::new(store, Config::default());
        World {
            app: yinqi_web::app(state.clone()),
            store: state.store.clone(),
            icbc,
            ccb,
            _dir: dir,
            pg,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.unwrap()
    }

    /// Logs in through the API; returns the session cookie and CSRF token.
    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        let response = self
            .send(json_request(
                "POST",
                "/api/v1/session",
                &serde_json::json!({"username": username, "password": password}),
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let cookie = session_cookie(&response).expect("session cookie");
        let body = body_json(response).await;
        Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }
}

pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    /// A form post with this session's cookie and CSRF token, then `fields`
    /// (already URL-encoded, `a=1&b=2`).
    pub fn form(&self, uri: &str, fields: &str) -> Request<Body> {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("yinqi_session={}", self.cookie))
            .body(Body::from(format!("csrf={}&{fields}", self.csrf)))
            .unwrap()
    }

    pub fn get(&self, uri: &str) -> Request<Body> {
        Request::get(uri)
            .header(header::COOKIE, format!("yinqi_session={}", self.cookie))
            .body(Body::empty())
            .unwrap()
    }
}

pub fn json_request(method: &str, uri: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn session_cookie(response: &Response<Body>) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("yinqi_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .filter(|v| !v.is_empty())
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec()
}

pub async fn body_json(response: Response<Body>) -> Value {
    serde_json::from_slice(&body_bytes(response).await).expect("JSON body")
}

pub async fn body_text(response: Response<Body>) -> String {
    String::from_utf8(body_bytes(response).await).unwrap()
}

/// Codes of the fixture: issued for both bureaus; ICBC's Shandong batch handed all the way
/// to its managers (jinan_icbc is icbc-jinan-manager's), CCB's to the bank, ICBC's Qingdao
/// batch left at HQ.
fn give_out_codes(store: &Store, campaign: i64, icbc: i64) {
    let manager = store
        .user_for_login("icbc-jinan-manager")
        .unwrap()
        .unwrap()
        .0;
    let icbc_scope = Scope::Bank {
        bank_id: icbc,
        bureau: None,
    };
    store
        .assign_manager(
            &icbc_scope,
            campaign,
            &yinqi_store::AssignTarget::One(&jinan_icbc()),
            Some(manager.id),
            false,
            "fixture",
        )
        .unwrap();
    for bureau in ["37", "3702"] {
        store
            .issue_codes(&Scope::Nation, campaign, bureau, "fixture")
            .unwrap();
    }
    let shandong = Scope::Bureau("37".into());
    for batch in store.code_batches(&shandong, campaign).unwrap() {
        store
            .hand_over(&Scope::Nation, batch.id, "fixture")
            .unwrap();
        store.hand_over(&shandong, batch.id, "fixture").unwrap();
        if batch.bank_id == icbc {
            store.hand_over(&icbc_scope, batch.id, "fixture").unwrap();
        }
    }
}

/// The batch of `bank` in `bureau`'s list.
pub fn batch_of(store: &Store, bureau: &str, bank: i64) -> i64 {
    let campaign = store.campaign(None).unwrap();
    store
        .code_batches(&Scope::Nation, campaign.id)
        .unwrap()
        .into_iter()
        .find(|b| b.bureau_code == bureau && b.bank_id == bank)
        .unwrap()
        .id
}

/// The code in force of `uscc`, read as its bank.
pub fn code_of(store: &Store, uscc: &str, bank: i64) -> yinqi_domain::invitation::InvitationCode {
    let campaign = store.campaign(None).unwrap();
    let scope = Scope::Bank {
        bank_id: bank,
        bureau: None,
    };
    store
        .enterprise_code(&scope, campaign.id, uscc)
        .unwrap()
        .expect("a code the bank reads")
}

/// The double-submit token a public form page (login, code entry, activation) set.
pub fn form_token(response: &Response<Body>) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("yinqi_login_csrf="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .expect("a form token cookie")
}
