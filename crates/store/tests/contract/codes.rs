//! Contract: invitation codes — issuing for released lists, hand-overs down the chain, who
//! reads codes, revoke and reissue, lookups — and customer managers' codes and assignments.

use yinqi_domain::invitation::InvitationCode;
use yinqi_store::{
    Affiliation, AssignTarget, EnterpriseFilter, Holder, NewUser, Role, Scope, Store, StoreError,
    User,
};

use crate::harness::{TestDb, row, uscc};
use crate::listing::{ICBC_GZ, import, load_registry};

/// Bureau 44's list of `n` enterprises at ICBC Guangzhou, one of them (the last) without a
/// known bank; released when `release`. Returns (campaign id, bank id).
pub fn listed(store: &Store, n: u32, release: bool) -> (i64, i64) {
    let bank = load_registry(store);
    let mut rows: Vec<_> = (1..n)
        .map(|i| row(u64::from(i) + 1, i, Some((ICBC_GZ, Some(bank)))))
        .collect();
    rows.push(row(u64::from(n) + 1, n, None));
    import(store, None, "44", &rows);
    let campaign = store.campaign(None).unwrap();
    if release {
        crate::harness::freeze(store, campaign.id, "44");
    }
    (campaign.id, bank)
}

pub fn bank_scope(bank: i64) -> Scope {
    Scope::Bank {
        bank_id: bank,
        bureau: None,
    }
}

pub fn user(store: &Store, username: &str, role: Role, affiliation: Affiliation) -> User {
    store
        .create_user(
            &NewUser {
                username: username.into(),
                display_name: username.into(),
                role,
                affiliation,
                password_hash: (role != Role::CustomerManager).then(|| "x".to_owned()),
            },
            "hq",
        )
        .unwrap()
}

pub fn manager(store: &Store, username: &str) -> User {
    user(
        store,
        username,
        Role::CustomerManager,
        Affiliation {
            branch_code: Some(ICBC_GZ.into()),
            ..Affiliation::default()
        },
    )
}

fn codes_of(store: &Store, scope: &Scope, batch: i64) -> Result<Vec<String>, StoreError> {
    let mut out = vec![];
    store.each_batch_code(scope, batch, &mut |r| {
        out.push(r.code);
        Ok(())
    })?;
    Ok(out)
}

pub fn codes_wait_for_a_frozen_list(db: &TestDb) {
    let (campaign, _) = listed(&db.store, 3, false);
    let err = db
        .store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap_err();
    assert!(err.to_string().contains("尚未冻结"), "{err}");
    // Submitted and checked is not enough: only a frozen list gets codes.
    db.store
        .submit_list(&Scope::Bureau("44".into()), campaign, "44", "clerk")
        .unwrap();
    db.store
        .check_list(&Scope::Nation, campaign, "44", None, "hq")
        .unwrap();
    assert!(
        db.store
            .issue_codes(&Scope::Nation, campaign, "44", "hq")
            .is_err()
    );
    db.store
        .freeze_list(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    assert_eq!(
        db.store
            .issue_codes(&Scope::Nation, campaign, "44", "hq")
            .unwrap()
            .codes,
        2
    );
    assert!(matches!(
        db.store
            .issue_codes(&Scope::Bureau("44".into()), campaign, "44", "clerk"),
        Err(StoreError::NotFound)
    ));
}

pub fn codes_travel_down_to_the_bank(db: &TestDb) {
    let (campaign, bank) = listed(&db.store, 4, true);
    let issued = db
        .store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    // Three enterprises have a bank; the fourth is unassigned and gets no code.
    assert_eq!((issued.batches, issued.codes), (1, 3));
    let again = db
        .store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    assert_eq!(
        (again.batches, again.codes),
        (0, 0),
        "issuing twice adds nothing"
    );

    let bureau = Scope::Bureau("44".into());
    let batches = db.store.code_batches(&bureau, campaign).unwrap();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!((batch.holder, batch.codes), (Holder::Hq, 3));
    // The bank sees nothing yet; another bureau never.
    assert!(
        db.store
            .code_batches(&bank_scope(bank), campaign)
            .unwrap()
            .is_empty()
    );
    assert!(
        db.store
            .code_batches(&Scope::Bureau("11".into()), campaign)
            .unwrap()
            .is_empty()
    );
    // Only the holder hands on.
    assert!(db.store.hand_over(&bureau, batch.id, "clerk").is_err());
    let at_bureau = db.store.hand_over(&Scope::Nation, batch.id, "hq").unwrap();
    assert_eq!(at_bureau.holder, Holder::Bureau);
    assert!(db.store.hand_over(&Scope::Nation, batch.id, "hq").is_err());
    assert!(matches!(
        db.store
            .hand_over(&Scope::Bureau("11".into()), batch.id, "x"),
        Err(StoreError::NotFound)
    ));
    // HQ and the bureau never read the codes themselves.
    assert!(codes_of(&db.store, &bureau, batch.id).is_err());
    assert!(codes_of(&db.store, &Scope::Nation, batch.id).is_err());
    let at_bank = db.store.hand_over(&bureau, batch.id, "clerk").unwrap();
    assert_eq!(at_bank.holder, Holder::Bank);
    let codes = codes_of(&db.store, &bank_scope(bank), batch.id).unwrap();
    assert_eq!(codes.len(), 3);
    assert_eq!(
        codes_of(&db.store, &Scope::Branch(ICBC_GZ.into()), batch.id)
            .unwrap()
            .len(),
        3
    );
    // Each code opens its own enterprise.
    for (i, text) in codes.iter().enumerate() {
        let code = InvitationCode::parse(text).unwrap();
        let holder = db.store.enterprise_for_code(&code).unwrap().unwrap();
        assert_eq!(holder.uscc, uscc(i as u32 + 1));
        assert_eq!(holder.bank_name.as_deref(), Some("中国工商银行"));
    }
    let history = db.store.handovers(&bureau, batch.id).unwrap();
    let steps: Vec<_> = history.iter().map(|h| (h.from, h.to, h.codes)).collect();
    assert_eq!(
        steps,
        [
            (Holder::Hq, Holder::Bureau, 3),
            (Holder::Bureau, Holder::Bank, 3)
        ]
    );
}

pub fn revoked_code_stops_at_once(db: &TestDb) {
    let (campaign, bank) = listed(&db.store, 2, true);
    db.store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    let batch = db.store.code_batches(&Scope::Nation, campaign).unwrap()[0].id;
    db.store.hand_over(&Scope::Nation, batch, "hq").unwrap();
    db.store
        .hand_over(&Scope::Bureau("44".into()), batch, "clerk")
        .unwrap();
    let bank = bank_scope(bank);
    let old = db
        .store
        .enterprise_code(&bank, campaign, &uscc(1))
        .unwrap()
        .unwrap();
    assert!(db.store.enterprise_for_code(&old).unwrap().is_some());
    assert!(
        db.store
            .revoke_code(&bank, campaign, &uscc(1), "  ", true, "b")
            .is_err(),
        "a reason is required"
    );
    let new = db
        .store
        .revoke_code(
            &bank,
            campaign,
            &uscc(1),
            "短信发错了号码",
            true,
            "bankadmin",
        )
        .unwrap()
        .unwrap();
    assert_ne!(old, new);
    assert!(
        db.store.enterprise_for_code(&old).unwrap().is_none(),
        "the old code is dead"
    );
    assert_eq!(
        db.store.enterprise_for_code(&new).unwrap().unwrap().uscc,
        uscc(1)
    );
    assert_eq!(
        db.store.enterprise_code(&bank, campaign, &uscc(1)).unwrap(),
        Some(new)
    );
    // Revoking without reissue leaves the enterprise without a code; a second revoke says so.
    db.store
        .revoke_code(
            &Scope::Bureau("44".into()),
            campaign,
            &uscc(1),
            "企业注销",
            false,
            "clerk",
        )
        .unwrap();
    assert!(db.store.enterprise_for_code(&new).unwrap().is_none());
    assert!(
        db.store
            .revoke_code(&bank, campaign, &uscc(1), "x", true, "b")
            .is_err()
    );
    // Another bureau cannot touch it.
    assert!(matches!(
        db.store.revoke_code(
            &Scope::Bureau("11".into()),
            campaign,
            &uscc(1),
            "x",
            true,
            "b"
        ),
        Err(StoreError::NotFound)
    ));
    // The audit log has both.
    let actions: Vec<String> = db
        .store
        .audit_entries(&Scope::Nation, 50)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.iter().any(|a| a == "code.reissue"));
    assert!(actions.iter().any(|a| a == "code.revoke"));
    assert!(actions.iter().filter(|a| *a == "codes.hand_over").count() == 2);
}

pub fn managers_activate_and_see_their_enterprises(db: &TestDb) {
    let (campaign, bank) = listed(&db.store, 4, true);
    let admin = user(
        &db.store,
        "icbc-admin",
        Role::BankAdmin,
        Affiliation {
            bank_id: Some(bank),
            ..Affiliation::default()
        },
    );
    let wang = manager(&db.store, "wang");
    let li = manager(&db.store, "lili");
    let code = db.store.issue_manager_code(&admin, wang.id).unwrap();
    let replaced = db.store.issue_manager_code(&admin, wang.id).unwrap();
    assert!(
        db.store
            .activate_manager(&code, "hash-1")
            .unwrap()
            .is_none(),
        "replaced code is dead"
    );
    let active = db
        .store
        .activate_manager(&replaced, "hash-2")
        .unwrap()
        .unwrap();
    assert_eq!(active.id, wang.id);
    assert!(active.has_password);
    assert!(
        db.store
            .activate_manager(&replaced, "hash-3")
            .unwrap()
            .is_none(),
        "used once"
    );
    // A bureau cannot issue a manager's code.
    let clerk = user(
        &db.store,
        "gd-clerk",
        Role::BureauStaff,
        Affiliation {
            bureau_code: Some("44".into()),
            ..Affiliation::default()
        },
    );
    assert!(matches!(
        db.store.issue_manager_code(&clerk, li.id),
        Err(StoreError::NotFound)
    ));

    let bank = bank_scope(bank);
    let wang_scope = Scope::Manager(wang.id);
    // One by one.
    assert_eq!(
        db.store
            .assign_manager(
                &bank,
                campaign,
                &AssignTarget::One(&uscc(1)),
                Some(wang.id),
                false,
                "icbc-admin"
            )
            .unwrap(),
        1
    );
    assert!(
        db.store
            .enterprise_by_uscc(&wang_scope, campaign, &uscc(1))
            .is_ok()
    );
    assert!(
        db.store
            .enterprise_by_uscc(&wang_scope, campaign, &uscc(2))
            .is_err()
    );
    // In bulk, keeping those already given out.
    let all = EnterpriseFilter::default();
    let moved = db
        .store
        .assign_manager(
            &bank,
            campaign,
            &AssignTarget::Filter(&all),
            Some(li.id),
            true,
            "icbc-admin",
        )
        .unwrap();
    assert_eq!(
        moved, 2,
        "two eligible enterprises of the bank had no manager"
    );
    assert!(
        db.store
            .enterprise_by_uscc(&wang_scope, campaign, &uscc(1))
            .is_ok()
    );
    // Reassigning moves it: wang loses it at once.
    db.store
        .assign_manager(
            &bank,
            campaign,
            &AssignTarget::One(&uscc(1)),
            Some(li.id),
            false,
            "icbc-admin",
        )
        .unwrap();
    assert!(
        db.store
            .enterprise_by_uscc(&wang_scope, campaign, &uscc(1))
            .is_err()
    );
    let summaries = db.store.managers_of(&admin, campaign).unwrap();
    let li_count = summaries
        .iter()
        .find(|m| m.user.id == li.id)
        .unwrap()
        .enterprises;
    assert_eq!(li_count, 3);
    // Not from a bureau, not to someone who is not this bank's manager, not another's rows.
    assert!(
        db.store
            .assign_manager(
                &Scope::Bureau("44".into()),
                campaign,
                &AssignTarget::One(&uscc(1)),
                Some(wang.id),
                false,
                "x"
            )
            .is_err()
    );
    assert!(matches!(
        db.store.assign_manager(
            &bank,
            campaign,
            &AssignTarget::One(&uscc(1)),
            Some(admin.id),
            false,
            "x"
        ),
        Err(StoreError::NotFound)
    ));
    let other_bank = bank_scope(bank_id_plus_one(&bank));
    assert!(
        db.store
            .assign_manager(
                &other_bank,
                campaign,
                &AssignTarget::One(&uscc(2)),
                Some(wang.id),
                false,
                "x"
            )
            .is_err()
    );
    // The enterprise without a bank cannot be given to a manager.
    assert!(
        db.store
            .assign_manager(
                &bank,
                campaign,
                &AssignTarget::One(&uscc(4)),
                Some(wang.id),
                false,
                "x"
            )
            .is_err()
    );

    // Handing the codes to managers: li then reads the codes of li's enterprises only.
    db.store
        .issue_codes(&Scope::Nation, campaign, "44", "hq")
        .unwrap();
    let batch = db.store.code_batches(&Scope::Nation, campaign).unwrap()[0].id;
    let li_scope = Scope::Manager(li.id);
    db.store.hand_over(&Scope::Nation, batch, "hq").unwrap();
    db.store
        .hand_over(&Scope::Bureau("44".into()), batch, "clerk")
        .unwrap();
    assert!(
        codes_of(&db.store, &li_scope, batch).is_err()
            || codes_of(&db.store, &li_scope, batch).unwrap().is_empty()
    );
    let to_managers = db.store.hand_over(&bank, batch, "icbc-admin").unwrap();
    assert_eq!(to_managers.holder, Holder::Managers);
    assert_eq!(codes_of(&db.store, &li_scope, batch).unwrap().len(), 3);
    assert!(codes_of(&db.store, &wang_scope, batch).unwrap().is_empty());
    let detail = &db.store.handovers(&bank, batch).unwrap()[2].detail;
    assert_eq!(detail["managers"]["lili"], 3);
}

fn bank_id_plus_one(scope: &Scope) -> i64 {
    match scope {
        Scope::Bank { bank_id, .. } => bank_id + 1,
        _ => unreachable!(),
    }
}
