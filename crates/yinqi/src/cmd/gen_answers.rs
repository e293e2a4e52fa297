//! `yinqi gen answers`: synthetic submitted answers written straight into a database, for
//! the dashboards' benchmark and the browser checks — every enterprise holding a code (and
//! no answer yet) gets the answers `synth::answers_for` draws for it. Bulk-loaded (SQLite: multi-row INSERTs in
//! one transaction; PostgreSQL: `COPY` with foreign-key triggers off for the session, which
//! needs a superuser), so millions of rows take a minute, not hours. Bypasses validation
//! (the generator's answers are tested to pass it) and is refused on a database that
//! already holds synthetic answers for the campaign. The rollups are rebuilt afterwards.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, bail};
use yinqi::synth::{AnswerShares, SyntheticAnswer, answers_for};
use yinqi_domain::progress::day;
use yinqi_store::{Scope, Store};

/// Columns written, in order.
const COLUMNS: [&str; 15] = [
    "campaign_id",
    "enterprise_id",
    "questionnaire",
    "version",
    "status",
    "answers",
    "solution_status",
    "client_id",
    "opened_at",
    "saved_at",
    "submitted_at",
    "duration_ms",
    "ip_hash",
    "user_agent",
    "actor",
];
const ROWS_PER_INSERT: usize = 64;

/// One row ready for either engine.
struct Row {
    enterprise_id: i64,
    answer: SyntheticAnswer,
    answers: String,
}

pub fn run(
    database: &str,
    campaign: Option<&str>,
    seed: u64,
    shares: AnswerShares,
) -> anyhow::Result<()> {
    let store = Store::open(database)?;
    let campaign = store.campaign(campaign)?;
    let schedule = store.supervision_settings(campaign.id)?.schedule;
    // Answers fall in the survey phase (China time).
    let to_millis = |d: day::Day| i64::from(d) * 86_400_000 - 8 * 3_600_000;
    let window = (
        to_millis(schedule.organisation_ends + 1),
        to_millis(schedule.survey_ends),
    );
    let started = Instant::now();
    let mut target = Target::open(database)?;
    let existing = target.count_synthetic(campaign.id)?;
    if existing > 0 {
        bail!("数据库中已有本活动的 {existing} 份模拟答卷，不再重复生成");
    }
    let mut counts = [0u64; 3];
    let mut enterprises = 0u64;
    target.each_coded_enterprise(campaign.id, &mut |id, uscc, name, batch| {
        enterprises += 1;
        for answer in answers_for(seed, id, uscc, name, window, shares) {
            counts[["q1", "q2", "q3"]
                .iter()
                .position(|q| *q == answer.questionnaire)
                .unwrap_or(0)] += 1;
            let answers = serde_json::Value::Object(answer.answers.clone()).to_string();
            batch.push(Row {
                enterprise_id: id,
                answer,
                answers,
            });
        }
        if enterprises.is_multiple_of(1_000_000) {
            eprintln!(
                "  {enterprises} 家企业…（{:.0} 秒）",
                started.elapsed().as_secs_f64()
            );
        }
    })?;
    println!(
        "已为 {enterprises} 家持码企业生成模拟答卷：问卷一 {}、问卷二 {}、问卷三 {}（{:.1} 秒）",
        counts[0],
        counts[1],
        counts[2],
        started.elapsed().as_secs_f64()
    );
    store.rebuild_progress(&Scope::Nation)?;
    println!("统计将重新计算：请运行 yinqi rollup refresh（或由 yinqi serve 在后台完成）");
    Ok(())
}

/// Where the rows go.
enum Target {
    Sqlite {
        reader: Box<rusqlite::Connection>,
        writer: Box<rusqlite::Connection>,
    },
    Postgres {
        reader: Box<postgres::Client>,
        writer: Box<postgres::Client>,
    },
}

/// Receives rows while the reader walks the enterprises.
enum Writer<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(postgres::CopyInWriter<'a>),
}

impl Writer<'_> {
    fn write(&mut self, campaign_id: i64, rows: &[Row]) -> anyhow::Result<()> {
        match self {
            Writer::Sqlite(conn) => {
                let one = format!("({})", vec!["?"; COLUMNS.len()].join(","));
                let sql = format!(
                    "INSERT INTO responses ({}) VALUES {}",
                    COLUMNS.join(","),
                    vec![one.as_str(); rows.len()].join(",")
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let mut i = 1;
                for r in rows {
                    let a = &r.answer;
                    let client = format!("synth-{}-{}", a.questionnaire, r.enterprise_id);
                    let values: [&dyn rusqlite::ToSql; 15] = [
                        &campaign_id,
                        &r.enterprise_id,
                        &a.questionnaire,
                        &1i64,
                        &"submitted",
                        &r.answers,
                        &a.solution_status,
                        &client,
                        &a.opened_at,
                        &a.submitted_at,
                        &a.submitted_at,
                        &(a.submitted_at - a.opened_at),
                        &&a.ip_hash[..],
                        &"synthetic",
                        &"synthetic",
                    ];
                    for v in values {
                        stmt.raw_bind_parameter(i, v)?;
                        i += 1;
                    }
                }
                stmt.raw_execute()?;
            }
            Writer::Postgres(copy) => {
                let mut line = Vec::with_capacity(1024);
                for r in rows {
                    let a = &r.answer;
                    line.clear();
                    let hex: String = a.ip_hash.iter().map(|b| format!("{b:02x}")).collect();
                    writeln!(
                        line,
                        "{campaign_id}\t{}\t{}\t1\tsubmitted\t{}\t{}\tsynth-{}-{}\t{}\t{}\t{}\t{}\t\\\\x{hex}\tsynthetic\tsynthetic",
                        r.enterprise_id,
                        a.questionnaire,
                        copy_escape(&r.answers),
                        a.solution_status.unwrap_or("\\N"),
                        a.questionnaire,
                        r.enterprise_id,
                        a.opened_at,
                        a.submitted_at,
                        a.submitted_at,
                        a.submitted_at - a.opened_at,
                    )?;
                    copy.write_all(&line)?;
                }
            }
        }
        Ok(())
    }
}

/// COPY's text format: backslashes, tabs and newlines escaped.
fn copy_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// Enterprises holding a code that have answered nothing yet (real answers are left alone).
const CODED: &str = "SELECT e.id, e.uscc, e.name FROM enterprises e
     WHERE e.campaign_id = $1
       AND EXISTS (SELECT 1 FROM enterprise_codes c WHERE c.enterprise_id = e.id AND c.active)
       AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.enterprise_id = e.id)
     ORDER BY e.id";

/// Adds an enterprise's rows (id, credit code, name) to the batch.
type EachEnterprise<'f> = dyn FnMut(i64, &str, &str, &mut Vec<Row>) + 'f;

impl Target {
    fn open(url: &str) -> anyhow::Result<Target> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            let writer = rusqlite::Connection::open(path)?;
            writer.execute_batch(
                "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;
                 PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
            )?;
            Ok(Target::Sqlite {
                reader: Box::new(rusqlite::Connection::open(path)?),
                writer: Box::new(writer),
            })
        } else {
            let connect = || postgres::Client::connect(url, postgres::NoTls).context("PostgreSQL");
            Ok(Target::Postgres {
                reader: Box::new(connect()?),
                writer: Box::new(connect()?),
            })
        }
    }

    fn count_synthetic(&mut self, campaign_id: i64) -> anyhow::Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM responses WHERE campaign_id = $1 AND actor = 'synthetic'";
        Ok(match self {
            Target::Sqlite { reader, .. } => {
                reader.query_row(&SQL.replace('$', "?"), [campaign_id], |r| r.get(0))?
            }
            Target::Postgres { reader, .. } => reader.query_one(SQL, &[&campaign_id])?.get(0),
        })
    }

    /// Walks the enterprises holding a code, writing the rows `each` makes for them, then
    /// the solutions' first history entries, and commits.
    fn each_coded_enterprise(
        &mut self,
        campaign_id: i64,
        each: &mut EachEnterprise<'_>,
    ) -> anyhow::Result<()> {
        let mut batch: Vec<Row> = Vec::with_capacity(2 * ROWS_PER_INSERT);
        const HISTORY: &str =
            "INSERT INTO solution_status_history (response_id, from_status, to_status, actor, at)
             SELECT id, NULL, solution_status, 'synthetic', saved_at FROM responses
             WHERE campaign_id = $1 AND questionnaire = 'q3' AND actor = 'synthetic'";
        match self {
            Target::Sqlite { reader, writer } => {
                writer.execute_batch("BEGIN")?;
                {
                    let mut w = Writer::Sqlite(writer);
                    let mut stmt = reader.prepare(&CODED.replace('$', "?"))?;
                    let mut rows = stmt.query([campaign_id])?;
                    while let Some(row) = rows.next()? {
                        let (id, uscc, name): (i64, String, String) =
                            (row.get(0)?, row.get(1)?, row.get(2)?);
                        each(id, &uscc, &name, &mut batch);
                        if batch.len() >= ROWS_PER_INSERT {
                            w.write(campaign_id, &batch[..ROWS_PER_INSERT])?;
                            batch.drain(..ROWS_PER_INSERT);
                        }
                    }
                    for rows in batch.chunks(ROWS_PER_INSERT) {
                        w.write(campaign_id, rows)?;
                    }
                }
                writer.execute(&HISTORY.replace('$', "?"), [campaign_id])?;
                writer.execute_batch("COMMIT; ANALYZE responses;")?;
            }
            Target::Postgres { reader, writer } => {
                // The foreign keys are checked by the walk itself (each row names an
                // enterprise just read); per-row trigger checks would triple the time.
                writer.batch_execute("BEGIN; SET LOCAL session_replication_role = replica")?;
                {
                    let copy = writer.copy_in(&format!(
                        "COPY responses ({}) FROM STDIN",
                        COLUMNS.join(",")
                    ))?;
                    let mut w = Writer::Postgres(copy);
                    use postgres::fallible_iterator::FallibleIterator;
                    let mut rows = reader.query_raw(CODED, [&campaign_id])?;
                    while let Some(row) = rows.next()? {
                        let (id, uscc, name): (i64, String, String) =
                            (row.get(0), row.get(1), row.get(2));
                        each(id, &uscc, &name, &mut batch);
                        if batch.len() >= ROWS_PER_INSERT {
                            w.write(campaign_id, &batch[..ROWS_PER_INSERT])?;
                            batch.drain(..ROWS_PER_INSERT);
                        }
                    }
                    for rows in batch.chunks(ROWS_PER_INSERT) {
                        w.write(campaign_id, rows)?;
                    }
                    if let Writer::Postgres(copy) = w {
                        copy.finish()?;
                    }
                }
                writer.execute(HISTORY, &[&campaign_id])?;
                writer.batch_execute("COMMIT; ANALYZE responses")?;
            }
        }
        Ok(())
    }
}
