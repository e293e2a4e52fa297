//! `yinqi bench pages`: how long the enterprise list pages take on a loaded database (8M
//! rows, say), for each kind of page a user opens, against the floor of the same database
//! in the same run — a plain keyset page read with no scope or filter. Samples are spread
//! over the whole table (a deterministic walk), each kind run on every sample.

use std::time::{Duration, Instant};

use yinqi_store::{Enterprise, EnterpriseFilter, Scope, Store};

/// Rows per page, as the pages and the API default to.
const PAGE: u32 = 50;

/// One kind of page and its timings.
struct Timing {
    what: &'static str,
    runs: Vec<Duration>,
}

impl Timing {
    fn quantile(&self, q: f64) -> f64 {
        let mut v: Vec<f64> = self.runs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return f64::NAN;
        }
        v[((v.len() - 1) as f64 * q).round() as usize]
    }
}

pub fn run(database: &str, samples: usize) -> anyhow::Result<()> {
    let store = Store::open(database)?;
    let campaign = store.campaign(None)?;
    let max_id = store
        .enterprise_page(
            &Scope::Nation,
            campaign.id,
            &EnterpriseFilter::default(),
            None,
            1,
        )?
        .first()
        .map(|_| store.max_enterprise_id())
        .transpose()?
        .unwrap_or(0);
    if max_id == 0 {
        anyhow::bail!("数据库中没有企业名单，请先导入（见 docs/BENCHMARKS.md）");
    }
    let picked = sample(&store, campaign.id, max_id, samples)?;
    println!(
        "database {database}: {max_id} enterprise ids, {} samples, {PAGE} rows per page",
        picked.len()
    );
    let floor = super::bench_floor::Floor::open(database)?;
    let mut timings: Vec<Timing> = Vec::new();
    let mut time =
        |what: &'static str, f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<()> {
            let started = Instant::now();
            f()?;
            let elapsed = started.elapsed();
            match timings.iter_mut().find(|t| t.what == what) {
                Some(t) => t.runs.push(elapsed),
                None => timings.push(Timing {
                    what,
                    runs: vec![elapsed],
                }),
            }
            Ok(())
        };
    let none = EnterpriseFilter::default();
    for e in &picked {
        let page = |scope: &Scope, filter: &EnterpriseFilter, after: Option<i64>| {
            store
                .enterprise_page(scope, campaign.id, filter, after, PAGE)
                .map(|_| ())
                .map_err(anyhow::Error::from)
        };
        let prefix: String = e.name.chars().take(2).collect();
        let by_prefix = EnterpriseFilter {
            query: Some(prefix),
            ..EnterpriseFilter::default()
        };
        let by_name = EnterpriseFilter {
            query: Some(e.name.clone()),
            ..EnterpriseFilter::default()
        };
        let by_code = EnterpriseFilter {
            query: Some(e.uscc.clone()),
            ..EnterpriseFilter::default()
        };
        let after = Some(e.id - 1);
        let bureau = Scope::Bureau(e.bureau_code.clone());
        time("floor: plain keyset page, no scope or filter", &mut || {
            floor.page(campaign.id, e.id - 1, PAGE)
        })?;
        time("HQ: next page", &mut || page(&Scope::Nation, &none, after))?;
        time("bureau: next page", &mut || page(&bureau, &none, after))?;
        time("HQ: credit code search", &mut || {
            page(&Scope::Nation, &by_code, None)
        })?;
        time("HQ: name search, 2-character prefix", &mut || {
            page(&Scope::Nation, &by_prefix, None)
        })?;
        time("HQ: name search, whole name", &mut || {
            page(&Scope::Nation, &by_name, None)
        })?;
        time("bureau: name search, 2-character prefix", &mut || {
            page(&bureau, &by_prefix, None)
        })?;
        if let (Some(bank_id), Some(branch)) = (e.bank_id, e.branch_code.clone()) {
            let bank = Scope::Bank {
                bank_id,
                bureau: None,
            };
            time("bank: next page", &mut || page(&bank, &none, after))?;
            time("bank: name search, 2-character prefix", &mut || {
                page(&bank, &by_prefix, None)
            })?;
            time("bank: name search, whole name", &mut || {
                page(&bank, &by_name, None)
            })?;
            time("branch: next page", &mut || {
                page(&Scope::Branch(branch.clone()), &none, after)
            })?;
        }
    }
    println!();
    println!("| page | runs | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for t in &timings {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            t.what,
            t.runs.len(),
            t.quantile(0.5),
            t.quantile(0.95),
            t.quantile(1.0)
        );
    }
    Ok(())
}

/// `n` enterprises spread over the id range by a fixed stride walk (reproducible).
fn sample(store: &Store, campaign: i64, max_id: i64, n: usize) -> anyhow::Result<Vec<Enterprise>> {
    let mut out = Vec::with_capacity(n);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let id = (x >> 33) as i64 % max_id;
        if let Some(e) = store
            .enterprise_page(
                &Scope::Nation,
                campaign,
                &EnterpriseFilter::default(),
                Some(id),
                1,
            )?
            .into_iter()
            .next()
        {
            out.push(e);
        }
    }
    Ok(out)
}
