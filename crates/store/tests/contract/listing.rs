//! Contract: loading a bureau's list — staging, merge, duplicates, scope, overrides, options.

use yinqi_domain::eligibility::{EligibilityOptions, Exclusion, Exclusions};
use yinqi_store::{
    BranchRecord, DuplicateKind, EnterpriseFilter, MergeReport, Scope, StagedRow, Store, StoreError,
};

use crate::harness::{TestDb, row, row_named, uscc};

pub const ICBC_GZ: &str = "102581000013";
const UNKNOWN_BANK: &str = "308581000999";

pub fn load_registry(store: &Store) -> i64 {
    let rows = vec![BranchRecord {
        code: ICBC_GZ.into(),
        name: "中国工商银行广州分行营业部".into(),
        bank_name: "中国工商银行".into(),
        bank_type: "国有大型银行".into(),
        region_code: "440106".into(),
        parent_code: None,
    }];
    store
        .import_bank_registry(&Scope::Nation, &rows, "banks.csv", "hq")
        .unwrap();
    store.bank_directory().unwrap()[ICBC_GZ]
}

fn bits(reasons: &[Exclusion]) -> i64 {
    reasons
        .iter()
        .copied()
        .collect::<Exclusions>()
        .bits()
        .into()
}

pub fn import(
    store: &Store,
    campaign_code: Option<&str>,
    bureau: &str,
    rows: &[StagedRow],
) -> MergeReport {
    import_sorting_after(store, campaign_code, bureau, rows, None)
}

/// [`import`], with SQLite switching to sorted runs after `sort_after` rows.
fn import_sorting_after(
    store: &Store,
    campaign_code: Option<&str>,
    bureau: &str,
    rows: &[StagedRow],
    sort_after: Option<u64>,
) -> MergeReport {
    let campaign = store.campaign(campaign_code).unwrap();
    let scope = Scope::Bureau(bureau.into());
    let mut import = store
        .begin_listing_import(&scope, &campaign, bureau, "list.csv", "clerk")
        .unwrap();
    if let Some(n) = sort_after {
        import.sort_after(n);
    }
    // Batches, as the pipeline sends them.
    for batch in rows.chunks(rows.len().div_ceil(3).max(1)) {
        import.stage(batch).unwrap();
    }
    let n = rows.len();
    import
        .finish(|_| Ok(serde_json::json!({ "rows": n, "accepted": n, "rejected": 0 })))
        .unwrap()
}

fn in_44(store: &Store, n: u32) -> Result<yinqi_store::Enterprise, StoreError> {
    let campaign = store.campaign(None).unwrap();
    store.enterprise_by_uscc(&Scope::Bureau("44".into()), campaign.id, &uscc(n))
}

pub fn import_lists_screens_and_assigns(db: &TestDb) {
    let bank = load_registry(&db.store);
    let mut invalid_bank = row(5, 4, None);
    invalid_bank.edit(|t| t.account_bank_raw = Some("1025810"));
    let mut medium = row(6, 5, Some((ICBC_GZ, Some(bank))));
    medium.exclusions = bits(&[Exclusion::Medium, Exclusion::CreditLevel]);
    medium.edit(|t| t.size_class = Some("medium"));
    let rows = vec![
        row(2, 1, Some((ICBC_GZ, Some(bank)))),
        row(3, 2, Some((UNKNOWN_BANK, None))),
        row(4, 3, None),
        invalid_bank,
        medium,
    ];
    let report = import(&db.store, None, "44", &rows);
    assert_eq!((report.staged, report.inserted, report.updated), (5, 5, 0));
    assert!(report.duplicates.is_empty() && report.overridden.is_empty());

    let assigned = in_44(&db.store, 1).unwrap();
    assert!(assigned.eligible);
    assert_eq!(assigned.branch_code.as_deref(), Some(ICBC_GZ));
    assert_eq!(assigned.bank_id, Some(bank));
    assert_eq!(assigned.unassigned, None);
    assert_eq!(assigned.source_line, 2);
    assert_eq!(assigned.import_id, report.import_id);
    assert_eq!(assigned.tax_credit_year, 2018);
    assert_eq!(assigned.contact_phone.as_deref(), Some("13800138000"));

    let unknown = in_44(&db.store, 2).unwrap();
    assert!(unknown.eligible);
    assert_eq!(
        (unknown.branch_code, unknown.unassigned.as_deref()),
        (None, Some("bank_unknown"))
    );
    assert_eq!(
        in_44(&db.store, 3).unwrap().unassigned.as_deref(),
        Some("bank_code_invalid")
    );
    let invalid = in_44(&db.store, 4).unwrap();
    assert_eq!(invalid.account_bank_raw.as_deref(), Some("1025810"));
    assert_eq!(invalid.unassigned.as_deref(), Some("bank_code_invalid"));
    let excluded = in_44(&db.store, 5).unwrap();
    assert!(!excluded.eligible);
    assert_eq!(
        excluded.exclusions,
        bits(&[Exclusion::Medium, Exclusion::CreditLevel])
    );
    assert_eq!((excluded.branch_code, excluded.bank_id), (None, None));
    assert_eq!(excluded.unassigned.as_deref(), Some("excluded"));

    let campaign = db.store.campaign(None).unwrap();
    let counts = db
        .store
        .list_counts(&Scope::Bureau("44".into()), campaign.id)
        .unwrap();
    assert_eq!((counts.listed, counts.eligible, counts.assigned), (5, 4, 1));
    assert_eq!(counts.unassigned["bank_unknown"], 1);
    assert_eq!(counts.unassigned["bank_code_invalid"], 2);
    assert_eq!(counts.unassigned["excluded"], 1);
    let audit = db
        .store
        .audit_entries(&Scope::Bureau("44".into()), 10)
        .unwrap();
    assert_eq!(audit[0].action, "enterprise_list.import");
    assert_eq!(audit[0].detail["rows"], 5);
    assert!(
        db.store
            .audit_entries(&Scope::Bureau("11".into()), 10)
            .unwrap()
            .is_empty()
    );
}

pub fn reupload_updates_in_place(db: &TestDb) {
    let rows: Vec<StagedRow> = (1..=3).map(|n| row(n as u64 + 1, n, None)).collect();
    let first = import(&db.store, None, "44", &rows);
    assert_eq!((first.inserted, first.updated), (3, 0));
    let before = in_44(&db.store, 2).unwrap();

    let mut again = rows.clone();
    again[1].edit(|t| t.name = "广州测试企业2（更名）有限公司");
    again.push(row(5, 4, None));
    let second = import(&db.store, None, "44", &again);
    assert_eq!((second.inserted, second.updated), (1, 3));
    let after = in_44(&db.store, 2).unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.name, "广州测试企业2（更名）有限公司");
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(after.import_id, second.import_id);
    let campaign = db.store.campaign(None).unwrap();
    assert_eq!(
        db.store
            .list_counts(&Scope::Nation, campaign.id)
            .unwrap()
            .listed,
        4
    );
}

pub fn duplicates_in_one_file_are_held_back(db: &TestDb) {
    let mut later = row(4, 1, None);
    later.edit(|t| t.name = "同一企业的第二行");
    let rows = vec![row(2, 1, None), row(3, 2, None), later, row(5, 1, None)];
    let report = import(&db.store, None, "44", &rows);
    assert_eq!((report.inserted, report.updated), (2, 0));
    let held: Vec<(u64, DuplicateKind)> = report
        .duplicates
        .iter()
        .map(|d| (d.row.line, d.kind.clone()))
        .collect();
    assert_eq!(
        held,
        vec![
            (4, DuplicateKind::InFile { first_line: 2 }),
            (5, DuplicateKind::InFile { first_line: 2 })
        ]
    );
    assert_eq!(report.duplicates[0].row.text().name, "同一企业的第二行");
    let kept = in_44(&db.store, 1).unwrap();
    assert_eq!(
        (kept.source_line, kept.name.as_str()),
        (2, "广州测试企业1有限公司")
    );
}

pub fn another_bureaus_enterprise_stays_with_it(db: &TestDb) {
    import(&db.store, None, "44", &[row(2, 1, None), row(3, 2, None)]);
    let mut claimed = row(7, 1, None);
    claimed.edit(|t| t.region_code = "440305");
    let mut own = row(8, 3, None);
    own.edit(|t| t.region_code = "440305");
    let report = import(&db.store, None, "4403", &[claimed, own]);
    assert_eq!((report.inserted, report.updated), (1, 0));
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(report.duplicates[0].row.line, 7);
    assert_eq!(
        report.duplicates[0].kind,
        DuplicateKind::CrossBureau {
            owner_bureau: "44".into()
        }
    );
    let campaign = db.store.campaign(None).unwrap();
    let stays = in_44(&db.store, 1).unwrap();
    assert_eq!(
        (stays.bureau_code.as_str(), stays.region_code.as_str()),
        ("44", "440106")
    );
    let shenzhen = Scope::Bureau("4403".into());
    assert!(matches!(
        db.store
            .enterprise_by_uscc(&shenzhen, campaign.id, &uscc(1)),
        Err(StoreError::NotFound)
    ));
    let dups = db
        .store
        .cross_bureau_duplicates(&Scope::Nation, campaign.id)
        .unwrap();
    assert_eq!(dups.len(), 1);
    assert_eq!(
        (
            dups[0].claimant_bureau.as_str(),
            dups[0].owner_bureau.as_str()
        ),
        ("4403", "44")
    );
    assert_eq!(dups[0].source_line, 7);
    assert_eq!(
        db.store
            .cross_bureau_duplicates(&shenzhen, campaign.id)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        db.store
            .cross_bureau_duplicates(&Scope::Bureau("44".into()), campaign.id)
            .unwrap()
            .len(),
        1
    );
    assert!(
        db.store
            .cross_bureau_duplicates(&Scope::Bureau("11".into()), campaign.id)
            .unwrap()
            .is_empty()
    );
    // Uploading the same claim again records it once.
    let mut again = row(9, 1, None);
    again.edit(|t| t.region_code = "440305");
    import(&db.store, None, "4403", &[again]);
    let dups = db
        .store
        .cross_bureau_duplicates(&Scope::Nation, campaign.id)
        .unwrap();
    assert_eq!((dups.len(), dups[0].source_line), (1, 9));
}

pub fn abandoned_import_changes_nothing(db: &TestDb) {
    // A merge whose caller aborts (say, the error report can't be written) keeps nothing.
    let campaign = db.store.campaign(None).unwrap();
    let mut aborted = db
        .store
        .begin_listing_import(
            &Scope::Bureau("44".into()),
            &campaign,
            "44",
            "a.csv",
            "clerk",
        )
        .unwrap();
    aborted.stage(&[row(2, 9, None)]).unwrap();
    let err = aborted.finish(|_| Err("磁盘已满".into())).unwrap_err();
    assert!(matches!(err, StoreError::Aborted(ref m) if m == "磁盘已满"));
    assert!(in_44(&db.store, 9).is_err());

    import(&db.store, None, "44", &[row(2, 1, None)]);
    let campaign = db.store.campaign(None).unwrap();
    let scope = Scope::Bureau("44".into());
    {
        let mut abandoned = db
            .store
            .begin_listing_import(&scope, &campaign, "44", "broken.csv", "clerk")
            .unwrap();
        let mut changed = row(2, 1, None);
        changed.edit(|t| t.name = "不应出现");
        abandoned.stage(&[changed, row(3, 2, None)]).unwrap();
        assert_eq!(abandoned.staged(), 2);
        // Dropped here, as when the file turns out to be unreadable halfway.
    }
    assert_eq!(db.store.list_counts(&scope, campaign.id).unwrap().listed, 1);
    assert_eq!(in_44(&db.store, 1).unwrap().name, "广州测试企业1有限公司");
    let imports = db
        .store
        .audit_entries(&scope, 10)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "enterprise_list.import")
        .count();
    assert_eq!(imports, 1);
    // The store is still usable afterwards (no lock left behind).
    import(&db.store, None, "44", &[row(3, 2, None)]);
    assert_eq!(db.store.list_counts(&scope, campaign.id).unwrap().listed, 2);
}

pub fn scope_hides_other_bureaus_rows(db: &TestDb) {
    let bank = load_registry(&db.store);
    import(
        &db.store,
        None,
        "44",
        &[row(2, 1, Some((ICBC_GZ, Some(bank))))],
    );
    let campaign = db.store.campaign(None).unwrap();
    let code = uscc(1);
    let bank_side = Scope::Branch(ICBC_GZ.into());
    // Before the bureau releases its list, the bank side sees none of it.
    assert!(matches!(
        db.store.enterprise_by_uscc(&bank_side, campaign.id, &code),
        Err(StoreError::NotFound)
    ));
    crate::harness::freeze(&db.store, campaign.id, "44");
    let visible = [
        Scope::Nation,
        Scope::Bureau("44".into()),
        Scope::Bank {
            bank_id: bank,
            bureau: None,
        },
        Scope::Bank {
            bank_id: bank,
            bureau: Some("44".into()),
        },
        Scope::Branch(ICBC_GZ.into()),
    ];
    for scope in visible {
        assert!(
            db.store
                .enterprise_by_uscc(&scope, campaign.id, &code)
                .is_ok(),
            "{scope:?}"
        );
    }
    let hidden = [
        Scope::Bureau("4403".into()),
        Scope::Bank {
            bank_id: bank + 1,
            bureau: None,
        },
        Scope::Bank {
            bank_id: bank,
            bureau: Some("11".into()),
        },
        Scope::Branch("102581000021".into()),
        Scope::Manager(1),
        Scope::Enterprise(-1),
        Scope::Aggregates,
    ];
    for scope in hidden {
        assert!(
            matches!(
                db.store.enterprise_by_uscc(&scope, campaign.id, &code),
                Err(StoreError::NotFound)
            ),
            "{scope:?}"
        );
    }
    let beijing = Scope::Bureau("11".into());
    assert!(matches!(
        db.store
            .begin_listing_import(&beijing, &campaign, "44", "x.csv", "x"),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store
            .set_override(&beijing, campaign.id, &code, Some("exclude"), "测试", "x"),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store.bureau_options(&beijing, campaign.id, "44"),
        Err(StoreError::NotFound)
    ));
    assert!(
        db.store
            .list_counts(&Scope::Aggregates, campaign.id)
            .is_err()
    );
}

pub fn override_changes_eligibility_and_survives_reupload(db: &TestDb) {
    let bank = load_registry(&db.store);
    let mut medium = row(2, 1, Some((ICBC_GZ, Some(bank))));
    medium.exclusions = bits(&[Exclusion::Medium]);
    import(
        &db.store,
        None,
        "44",
        &[medium.clone(), row(3, 2, Some((ICBC_GZ, Some(bank))))],
    );
    let campaign = db.store.campaign(None).unwrap();
    let scope = Scope::Bureau("44".into());
    assert!(!in_44(&db.store, 1).unwrap().eligible);
    assert!(matches!(
        db.store.set_override(
            &scope,
            campaign.id,
            &uscc(1),
            Some("include"),
            "  ",
            "clerk"
        ),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        db.store.set_override(
            &scope,
            campaign.id,
            &uscc(1),
            Some("maybe"),
            "理由",
            "clerk"
        ),
        Err(StoreError::Invalid(_))
    ));
    let included = db
        .store
        .set_override(
            &scope,
            campaign.id,
            &uscc(1),
            Some("include"),
            "实为小型企业，年报有误",
            "clerk",
        )
        .unwrap();
    assert!(included.eligible);
    assert_eq!(included.override_decision.as_deref(), Some("include"));
    assert_eq!(included.branch_code.as_deref(), Some(ICBC_GZ));
    assert_eq!(included.unassigned, None);
    let excluded = db
        .store
        .set_override(
            &scope,
            campaign.id,
            &uscc(2),
            Some("exclude"),
            "已注销",
            "clerk",
        )
        .unwrap();
    assert!(!excluded.eligible);
    assert_eq!(excluded.unassigned.as_deref(), Some("excluded"));

    let report = import(
        &db.store,
        None,
        "44",
        &[medium, row(3, 2, Some((ICBC_GZ, Some(bank))))],
    );
    assert_eq!(report.overridden.len(), 2);
    let first = &report.overridden[0];
    assert_eq!(
        (first.line, first.override_decision.as_str(), first.eligible),
        (2, "include", true)
    );
    assert_eq!(first.row_exclusions, bits(&[Exclusion::Medium]));
    assert!(first.row_bank_code_valid && first.row_bank_known);
    let second = &report.overridden[1];
    assert_eq!(
        (second.override_decision.as_str(), second.eligible),
        ("exclude", false)
    );
    assert_eq!(second.unassigned.as_deref(), Some("excluded"));
    assert!(in_44(&db.store, 1).unwrap().eligible);

    let cleared = db
        .store
        .set_override(&scope, campaign.id, &uscc(1), None, "撤销调整", "clerk")
        .unwrap();
    assert!(!cleared.eligible && cleared.override_decision.is_none());
    let overrides = db
        .store
        .audit_entries(&scope, 20)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "enterprise.override")
        .count();
    assert_eq!(overrides, 3);
}

pub fn bureau_options_rescreen_credit_levels(db: &TestDb) {
    let credit = bits(&[Exclusion::CreditLevel]);
    let with_level = |line: u64, n: u32, level: Option<&'static str>, exclusions: i64| {
        let mut r = row(line, n, None);
        r.edit(|t| t.tax_credit = level);
        r.exclusions = exclusions;
        r
    };
    let rows = vec![
        with_level(2, 1, Some("B"), 0),
        with_level(3, 2, Some("C"), credit),
        with_level(4, 3, Some("M"), credit),
        with_level(5, 4, None, credit),
        with_level(6, 5, Some("D"), credit | bits(&[Exclusion::Dishonest])),
    ];
    import(&db.store, None, "44", &rows);
    let campaign = db.store.campaign(None).unwrap();
    let scope = Scope::Bureau("44".into());
    assert_eq!(
        db.store.bureau_options(&scope, campaign.id, "44").unwrap(),
        EligibilityOptions::default()
    );
    let options = EligibilityOptions {
        accept_c: true,
        accept_d: true,
        accept_m: false,
    };
    db.store
        .set_bureau_options(&scope, campaign.id, "44", options, "clerk")
        .unwrap();
    assert_eq!(
        db.store.bureau_options(&scope, campaign.id, "44").unwrap(),
        options
    );
    let eligible: Vec<bool> = (1..=5)
        .map(|n| in_44(&db.store, n).unwrap().eligible)
        .collect();
    assert_eq!(eligible, vec![true, true, false, false, false]);
    assert_eq!(
        in_44(&db.store, 5).unwrap().exclusions,
        bits(&[Exclusion::Dishonest])
    );
    let with_m = EligibilityOptions {
        accept_m: true,
        ..EligibilityOptions::default()
    };
    db.store
        .set_bureau_options(&scope, campaign.id, "44", with_m, "clerk")
        .unwrap();
    let eligible: Vec<bool> = (1..=5)
        .map(|n| in_44(&db.store, n).unwrap().eligible)
        .collect();
    // Unrated enterprises are treated like M (DOMAIN §4).
    assert_eq!(eligible, vec![true, false, true, true, false]);
}

/// Eligible, branch, bank, unassigned reason and exclusions of one row.
type Assignment = (bool, Option<String>, Option<i64>, Option<String>, i64);

pub fn merge_and_recompute_agree(db: &TestDb) {
    let bank = load_registry(&db.store);
    let mut rows = Vec::new();
    for n in 1..=40u32 {
        let bank_ref = match n % 3 {
            0 => Some((ICBC_GZ, Some(bank))),
            1 => Some((UNKNOWN_BANK, None)),
            _ => None,
        };
        let mut r = row(u64::from(n) + 1, n, bank_ref);
        if n % 4 == 0 {
            r.exclusions = bits(&[Exclusion::Large]);
        }
        if n % 5 == 0 {
            r.edit(|t| t.tax_credit = Some("C"));
            r.exclusions |= bits(&[Exclusion::CreditLevel]);
        }
        rows.push(r);
    }
    import(&db.store, None, "44", &rows);
    let snapshot = |store: &Store| -> Vec<Assignment> {
        (1..=40)
            .map(|n| {
                let e = in_44(store, n).unwrap();
                (
                    e.eligible,
                    e.branch_code,
                    e.bank_id,
                    e.unassigned,
                    e.exclusions,
                )
            })
            .collect()
    };
    let merged = snapshot(&db.store);
    let campaign = db.store.campaign(None).unwrap();
    // Setting the default options again recomputes every row with the one shared rule.
    db.store
        .set_bureau_options(
            &Scope::Bureau("44".into()),
            campaign.id,
            "44",
            EligibilityOptions::default(),
            "x",
        )
        .unwrap();
    assert_eq!(snapshot(&db.store), merged);
}

pub fn campaigns_keep_separate_lists(db: &TestDb) {
    let next = yinqi_store::NewCampaign {
        code: "2021".into(),
        name: "百行进万企（2021）".into(),
        tax_credit_year: 2020,
        size_standard: yinqi_domain::size::MIIT_2011.id.into(),
        starts_on: "2021-03-01".into(),
        ends_on: "2021-12-31".into(),
    };
    let c2021 = db.store.create_campaign(&next).unwrap();
    import(&db.store, None, "44", &[row(2, 1, None)]);
    let report = import(
        &db.store,
        Some("2021"),
        "44",
        &[row(2, 1, None), row(3, 2, None)],
    );
    assert_eq!((report.inserted, report.updated), (2, 0));
    assert!(report.duplicates.is_empty());
    let first = db.store.campaign(None).unwrap();
    assert_eq!(
        db.store
            .list_counts(&Scope::Nation, first.id)
            .unwrap()
            .listed,
        1
    );
    assert_eq!(
        db.store
            .list_counts(&Scope::Nation, c2021.id)
            .unwrap()
            .listed,
        2
    );
    let later = db
        .store
        .enterprise_by_uscc(&Scope::Nation, c2021.id, &uscc(1))
        .unwrap();
    assert_eq!(later.tax_credit_year, 2020);
}

pub fn name_search_walks_frozen_and_draft_lists_in_name_order(db: &TestDb) {
    let bank = load_registry(&db.store);
    // Guangdong (44) is frozen; Shenzhen (4403) is still a draft.
    let named = |line: u64, n: u32, name: &'static str, region: &'static str| {
        let mut r = row(line, n, Some((ICBC_GZ, Some(bank))));
        r.edit(|t| {
            t.name = name;
            t.region_code = region;
        });
        r
    };
    let gd = [
        named(2, 1, "华南机械有限公司", "440106"),
        named(3, 2, "华南电子有限公司", "440106"),
        named(4, 3, "华北贸易有限公司", "440106"),
        named(5, 4, "南方物流有限公司", "440106"),
    ];
    import(&db.store, None, "44", &gd);
    let campaign = db.store.campaign(None).unwrap();
    crate::harness::freeze(&db.store, campaign.id, "44");
    let sz = [
        named(2, 11, "华南包装有限公司", "440305"),
        named(3, 12, "华南%通配有限公司", "440305"),
    ];
    import(&db.store, None, "4403", &sz);
    let search = |scope: &Scope, q: &str, after: Option<i64>, limit: u32| -> Vec<(String, i64)> {
        let filter = EnterpriseFilter {
            query: Some(q.into()),
            ..EnterpriseFilter::default()
        };
        db.store
            .enterprise_page(scope, campaign.id, &filter, after, limit)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.id))
            .collect()
    };
    let names = |rows: &[(String, i64)]| rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>();
    // HQ sees both lists, merged in bytewise name order; paging by the last id continues it.
    let all = search(&Scope::Nation, "华南", None, 50);
    let mut expected = vec![
        "华南机械有限公司",
        "华南电子有限公司",
        "华南包装有限公司",
        "华南%通配有限公司",
    ];
    expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(names(&all), expected);
    let first = search(&Scope::Nation, "华南", None, 2);
    let second = search(&Scope::Nation, "华南", Some(first[1].1), 2);
    assert_eq!([names(&first), names(&second)].concat(), expected);
    assert!(search(&Scope::Nation, "华南", Some(second[1].1), 2).is_empty());
    // A bureau sees its own only; the bank sees the frozen list only.
    assert_eq!(
        names(&search(&Scope::Bureau("4403".into()), "华南", None, 50)).len(),
        2
    );
    let bank_scope = Scope::Bank {
        bank_id: bank,
        bureau: None,
    };
    let mut gd_only: Vec<_> = expected[..]
        .iter()
        .filter(|n| !n.contains("包装") && !n.contains('%'))
        .map(|s| s.to_string())
        .collect();
    gd_only.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(names(&search(&bank_scope, "华南", None, 50)), gd_only);
    // Wildcards are literal, not patterns; a prefix must be a prefix.
    assert_eq!(
        names(&search(&Scope::Nation, "华南%", None, 50)),
        ["华南%通配有限公司"]
    );
    assert!(search(&Scope::Nation, "南方物流有限公司x", None, 50).is_empty());
    assert_eq!(
        names(&search(&Scope::Nation, "南方", None, 50)),
        ["南方物流有限公司"]
    );
}

/// A large list loads partly straight in and partly through sorted runs (SQLite); whatever
/// the split, the list, the counts and the held-back rows are those of loading it directly.
pub fn sorted_runs_load_the_same_list_as_direct_loading(db: &TestDb) {
    let next = yinqi_store::NewCampaign {
        code: "2021".into(),
        name: "百行进万企（2021）".into(),
        tax_credit_year: 2019,
        size_standard: yinqi_domain::size::MIIT_2011.id.into(),
        starts_on: "2021-03-01".into(),
        ends_on: "2021-12-31".into(),
    };
    db.store.create_campaign(&next).unwrap();
    db.store
        .create_campaign(&yinqi_store::NewCampaign {
            code: "2022".into(),
            ..next
        })
        .unwrap();
    // Codes in no order, some repeated within the file and across its batches, one of them
    // (5) listed by another bureau first.
    let rows: Vec<StagedRow> = (2..62u64)
        .map(|line| {
            row_named(
                line,
                ((line * 37) % 40 + 1) as u32,
                None,
                &format!("第{line}行"),
            )
        })
        .collect();
    let listed = |campaign: Option<&str>| {
        let c = db.store.campaign(campaign).unwrap();
        let mut all: Vec<(String, i64, String)> = (1..=40)
            .filter_map(|n| {
                db.store
                    .enterprise_by_uscc(&Scope::Bureau("44".into()), c.id, &uscc(n))
                    .ok()
            })
            .map(|e| (e.uscc, e.source_line, e.name))
            .collect();
        all.sort();
        all
    };
    let held = |report: &MergeReport| -> Vec<(u64, DuplicateKind)> {
        report
            .duplicates
            .iter()
            .map(|d| (d.row.line, d.kind.clone()))
            .collect()
    };
    let mut results = Vec::new();
    for (campaign, sort_after) in [
        (None, None),
        (Some("2021"), Some(0)),
        (Some("2022"), Some(25)),
    ] {
        let mut claimed = row(2, 5, None);
        claimed.edit(|t| t.region_code = "440305");
        import(&db.store, campaign, "4403", &[claimed]);
        let first = import_sorting_after(&db.store, campaign, "44", &rows, sort_after);
        let list = listed(campaign);
        // Uploading the file again updates every listed row in place.
        let again = import_sorting_after(&db.store, campaign, "44", &rows, sort_after);
        assert_eq!(listed(campaign).len(), list.len());
        results.push((
            (first.inserted, first.updated, held(&first)),
            (again.inserted, again.updated),
            list,
        ));
    }
    assert_eq!(results[0].0.0, 39, "40 codes, one of them another bureau's");
    assert_eq!(results[0].1, (0, 39));
    assert!(
        results[0]
            .0
            .2
            .iter()
            .any(|(_, k)| matches!(k, DuplicateKind::CrossBureau { .. })),
        "the other bureau's enterprise is held back"
    );
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}
