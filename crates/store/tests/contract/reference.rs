//! Contract: reference data, campaigns and the bank registry.

use yinqi_store::{BranchRecord, NewCampaign, Scope, StoreError};

use crate::harness::TestDb;

pub fn fresh_database_has_bureaus_and_first_campaign(db: &TestDb) {
    let campaign = db.store.campaign(None).expect("default campaign");
    assert_eq!(campaign.code, "2019-2020");
    assert_eq!(campaign.tax_credit_year, 2018);
    assert!(campaign.is_default);
    assert_eq!(db.store.campaigns().unwrap().len(), 1);
    assert_eq!(db.store.registry_counts().unwrap(), (0, 0));
}

pub fn reopening_does_not_migrate_twice(db: &TestDb) {
    let again = db.reopen();
    assert_eq!(again.campaigns().unwrap().len(), 1);
    let third = db.reopen();
    assert_eq!(
        third.campaign(None).unwrap().id,
        db.store.campaign(None).unwrap().id
    );
}

pub fn campaigns_are_created_beside_each_other(db: &TestDb) {
    let new = NewCampaign {
        code: "2021".into(),
        name: "百行进万企（2021）".into(),
        tax_credit_year: 2020,
        size_standard: yinqi_domain::size::MIIT_2011.id.into(),
        starts_on: "2021-03-01".into(),
        ends_on: "2021-12-31".into(),
    };
    let created = db.store.create_campaign(&new).unwrap();
    assert!(!created.is_default);
    assert!(matches!(
        db.store.create_campaign(&new),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(db.store.campaign(None).unwrap().code, "2019-2020");
    db.store.set_default_campaign("2021").unwrap();
    assert_eq!(db.store.campaign(None).unwrap().code, "2021");
    assert_eq!(
        db.store.campaign(Some("2019-2020")).unwrap().code,
        "2019-2020"
    );
    assert!(matches!(
        db.store.set_default_campaign("1999"),
        Err(StoreError::Invalid(_))
    ));
    let bad = NewCampaign {
        size_standard: "no such standard".into(),
        code: "x".into(),
        ..new
    };
    assert!(matches!(
        db.store.create_campaign(&bad),
        Err(StoreError::Invalid(_))
    ));
}

fn branch(code: &str, name: &str, bank: &str) -> BranchRecord {
    BranchRecord {
        code: code.into(),
        name: name.into(),
        bank_name: bank.into(),
        bank_type: "国有大型银行".into(),
        region_code: "440106".into(),
        parent_code: None,
    }
}

pub fn bank_registry_loads_and_reloads_in_place(db: &TestDb) {
    let rows = vec![
        branch("102581000013", "中国工商银行广州分行营业部", "中国工商银行"),
        branch("102581000021", "中国工商银行广州天河支行", "中国工商银行"),
        branch("105581000012", "中国建设银行广州分行", "中国建设银行"),
    ];
    let first = db
        .store
        .import_bank_registry(&Scope::Nation, &rows, "banks.csv", "hq")
        .unwrap();
    assert_eq!(
        (
            first.banks_created,
            first.branches_created,
            first.branches_updated
        ),
        (2, 3, 0)
    );
    let mut renamed = rows.clone();
    renamed[1].name = "中国工商银行广州天河北支行".into();
    let second = db
        .store
        .import_bank_registry(&Scope::Nation, &renamed, "banks.csv", "hq")
        .unwrap();
    assert_eq!(
        (
            second.banks_created,
            second.branches_created,
            second.branches_updated
        ),
        (0, 0, 3)
    );
    assert_eq!(db.store.registry_counts().unwrap(), (2, 3));
    let directory = db.store.bank_directory().unwrap();
    assert_eq!(directory.len(), 3);
    assert_eq!(directory["102581000013"], directory["102581000021"]);
    assert_ne!(directory["102581000013"], directory["105581000012"]);
    let audit = db.store.audit_entries(&Scope::Nation, 10).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "bank_registry.import")
            .count(),
        2
    );
}

pub fn only_hq_loads_the_registry(db: &TestDb) {
    let rows = vec![branch("102581000013", "营业部", "中国工商银行")];
    for scope in [
        Scope::Bureau("44".into()),
        Scope::Aggregates,
        Scope::Manager(1),
    ] {
        assert!(matches!(
            db.store
                .import_bank_registry(&scope, &rows, "banks.csv", "x"),
            Err(StoreError::NotFound)
        ));
    }
    assert_eq!(db.store.registry_counts().unwrap(), (0, 0));
}

pub fn housekeeping_forgets_old_windows_and_expired_sessions(db: &TestDb) {
    let window = 15 * 60 * 1000;
    assert_eq!(
        db.store.rate_hit("code:client:10.0.0.1", window).unwrap(),
        1
    );
    db.store.purge_stale(2 * 3600 * 1000).unwrap();
    assert_eq!(
        db.store.rate_hits("code:client:10.0.0.1", window).unwrap(),
        1,
        "the running window is kept"
    );
    let user = db
        .store
        .create_user(
            &yinqi_store::NewUser {
                username: "hq-root".into(),
                display_name: "总部".into(),
                role: yinqi_store::Role::HqAdmin,
                affiliation: yinqi_store::Affiliation::default(),
                password_hash: Some("x".into()),
            },
            "test",
        )
        .unwrap();
    let now = yinqi_store::now_millis();
    db.store
        .create_session("live", user.id, "t", now + 3_600_000, "c")
        .unwrap();
    // (A login already clears sessions expired at that moment; this one expires after.)
    db.store
        .create_session("dead", user.id, "t", now + 20, "c")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    // Keeping nothing: the window that started before now goes, and the dead session.
    let removed = db.store.purge_stale(0).unwrap();
    assert_eq!(removed, 2);
    assert_eq!(
        db.store.rate_hits("code:client:10.0.0.1", window).unwrap(),
        0
    );
    assert!(db.store.session("live").unwrap().is_some());
}
