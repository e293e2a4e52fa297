//! The database `bench submit` runs against: every simulated enterprise needs its own
//! invitation code, so the bench goes through the campaign's first phase with the platform's
//! own functions — a generated registry and list (bureau 44), imported, taken through the
//! list round to frozen, codes issued and handed down to the banks — and reads the codes the
//! way a bank does (`each_batch_code`).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use yinqi::synth::{self, DEFAULT_BANK_SEED, ListingSpec, OutputFormat};
use yinqi_imports::{self as import, ListingRequest};
use yinqi_store::{Scope, Store};

const BUREAU: &str = "44";

/// One simulated enterprise.
#[derive(Clone, Debug)]
pub struct Target {
    pub uscc: String,
    pub name: String,
    /// The invitation code (`/q/{code}`).
    pub code: String,
}

/// Prepares the (fresh) database at `url` with at least `wanted` enterprises holding codes
/// and returns them.
pub fn prepare(url: &str, dir: &Path, wanted: usize, actor: &str) -> anyhow::Result<Vec<Target>> {
    let started = Instant::now();
    let store = Store::open(url).map_err(|e| anyhow::anyhow!("打开数据库 {url} 失败：{e}"))?;
    let campaign = store.campaign(None)?;
    let banks = dir.join("banks.csv");
    synth::write_registry(DEFAULT_BANK_SEED, &banks, OutputFormat::CsvUtf8)?;
    import::import_registry(&store, &Scope::Nation, &banks, None, actor, &|_| {})?;
    // About two rows in three of the generator's lists are eligible and assigned to a bank.
    let rows = (wanted as u64) * 3 / 2 + 2_000;
    let bureau = yinqi_domain::bureau::by_code(BUREAU).expect("bureau 44 exists");
    let list = dir.join(format!("submit-list-{BUREAU}-{rows}.csv"));
    if !list.exists() {
        synth::write_listing(
            &ListingSpec::new(bureau, rows, 7),
            &list,
            OutputFormat::CsvUtf8,
        )?;
    }
    let report = dir.join(format!("submit-list-{BUREAU}-{rows}.errors.csv"));
    import::import_listing(
        &store,
        &Scope::Bureau(BUREAU.into()),
        &ListingRequest {
            path: &list,
            campaign: &campaign,
            bureau: BUREAU,
            actor,
            error_report: Some(&report),
            display_name: None,
        },
        &|_| {},
    )?;
    store.submit_list(&Scope::Bureau(BUREAU.into()), campaign.id, BUREAU, actor)?;
    store.check_list(&Scope::Nation, campaign.id, BUREAU, None, actor)?;
    store.freeze_list(&Scope::Nation, campaign.id, BUREAU, actor)?;
    store.issue_codes(&Scope::Nation, campaign.id, BUREAU, actor)?;
    let mut targets = Vec::with_capacity(wanted);
    for batch in store.code_batches(&Scope::Nation, campaign.id)? {
        store.hand_over(&Scope::Nation, batch.id, actor)?;
        store.hand_over(&Scope::Bureau(BUREAU.into()), batch.id, actor)?;
        let bank = Scope::Bank {
            bank_id: batch.bank_id,
            bureau: None,
        };
        store.each_batch_code(&bank, batch.id, &mut |row| {
            targets.push(Target {
                uscc: row.uscc,
                name: row.name,
                code: row.code,
            });
            Ok(())
        })?;
    }
    if targets.len() < wanted {
        bail!(
            "the generated list gave {} enterprises with codes, fewer than {wanted}",
            targets.len()
        );
    }
    targets.truncate(wanted);
    eprintln!(
        "prepared {url}: {rows} listed, {wanted} enterprises with codes, in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(targets)
}

/// Submitted answers to questionnaire 1 in the database, counted directly (not through the
/// store): what was really committed.
pub fn submitted_q1(url: &str) -> anyhow::Result<u64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM responses WHERE questionnaire = 'q1' AND status = 'submitted'";
    match url.strip_prefix("sqlite:") {
        Some(path) => {
            let conn = rusqlite::Connection::open(path)?;
            Ok(conn.query_row(SQL, [], |r| r.get::<_, i64>(0))? as u64)
        }
        None => {
            let mut client =
                postgres::Client::connect(url, postgres::NoTls).context("PostgreSQL")?;
            Ok(client.query_one(SQL, &[])?.get::<_, i64>(0) as u64)
        }
    }
}

/// The answers a simulated enterprise gives: a complete questionnaire 1 of version 1 (a
/// need, a wish to be visited), its own name and credit code prefilled.
pub fn q1_answers(t: &Target, n: usize) -> serde_json::Value {
    serde_json::json!({
        "company_name": t.name, "company_uscc": t.uscc,
        "respondent_name": "张经理", "respondent_role": "owner",
        "respondent_mobile": format!("138{:08}", n % 100_000_000),
        "staff_band": "10_to_49", "revenue_band": "100_to_500", "assets_band": "100_to_500",
        "current_credit": "one_bank", "need": "yes", "need_amount": 50 + (n % 500) as u64,
        "need_term": "6_to_12m", "need_purpose": ["working_capital", "equipment"],
        "guarantee": ["property"], "acceptable_rate": "4_to_5",
        "obstacles": ["collateral", "procedure"], "wants_visit": "yes",
        "visit_time": "weekday_am", "consent": "agree"
    })
}
