//! Test databases: a fresh SQLite file in a temp dir, or a fresh schema in PostgreSQL.

use std::sync::atomic::{AtomicU32, Ordering};

use yinqi_domain::uscc::Uscc;
use yinqi_store::{RowText, StagedRow, Store};

pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("test.db").display());
        TestDb {
            store: Store::open(&url).expect("open sqlite"),
            url,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    pub fn postgres() -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("YINQI_TEST_POSTGRES")
            .expect("YINQI_TEST_POSTGRES must point at a PostgreSQL database for these tests");
        let schema = format!(
            "contract_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).expect("connect");
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        TestDb {
            store: Store::open(&url).expect("open postgres"),
            url,
            _dir: None,
            pg_schema: Some((base, schema)),
        }
    }

    /// Opens a second store on the same database (another process, or a restart).
    pub fn reopen(&self) -> Store {
        Store::open(&self.url).expect("reopen")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema
            && let Ok(mut admin) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// A valid credit code numbered `n` (distinct n → distinct codes).
pub fn uscc(n: u32) -> String {
    let body = format!("91440300{:09}", n);
    Uscc::from_first17(&body[..17])
        .expect("valid body")
        .as_str()
        .to_owned()
}

/// A small, eligible, legal-person row of bureau 44 with account bank `bank`.
pub fn row(line: u64, n: u32, bank: Option<(&str, Option<i64>)>) -> StagedRow {
    row_named(line, n, bank, &format!("广州测试企业{n}有限公司"))
}

/// [`row`] with the enterprise called `name`.
pub fn row_named(line: u64, n: u32, bank: Option<(&str, Option<i64>)>, name: &str) -> StagedRow {
    let code = uscc(n);
    let mut r = StagedRow::new(
        line,
        &RowText {
            uscc: &code,
            name,
            region_code: "440106",
            industry_code: "C3011",
            tax_credit: Some("B"),
            entity_type: "legal_person",
            special_category: None,
            account_bank_code: bank.map(|(code, _)| code),
            account_bank_raw: None,
            contact_name: Some("张三"),
            contact_phone: Some("13800138000"),
            size_class: Some("small"),
            size_unknown: None,
        },
    );
    r.employees = Some(50);
    r.revenue = Some(5_000_000);
    r.assets = Some(3_000_000);
    r.bank_id = bank.and_then(|(_, id)| id);
    r
}

/// Takes `bureau`'s list through the round to frozen (released to the banks).
pub fn freeze(store: &yinqi_store::Store, campaign_id: i64, bureau: &str) {
    let hq = yinqi_store::Scope::Nation;
    store
        .submit_list(
            &yinqi_store::Scope::Bureau(bureau.into()),
            campaign_id,
            bureau,
            "clerk",
        )
        .unwrap();
    store
        .check_list(&hq, campaign_id, bureau, None, "hq")
        .unwrap();
    store.freeze_list(&hq, campaign_id, bureau, "hq").unwrap();
}
