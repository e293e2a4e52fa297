//! The floor for `bench pages`: the same page read straight from the database with no
//! scope, filter or decoding into the store's types.

use anyhow::Context as _;

pub enum Floor {
    Sqlite(rusqlite::Connection),
    Postgres(std::cell::RefCell<postgres::Client>),
}

impl Floor {
    pub fn open(url: &str) -> anyhow::Result<Floor> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(Floor::Sqlite(rusqlite::Connection::open(path)?))
        } else {
            let client = postgres::Client::connect(url, postgres::NoTls).context("PostgreSQL")?;
            Ok(Floor::Postgres(std::cell::RefCell::new(client)))
        }
    }

    /// Reads every enterprise row of the campaign in id order, touching each column once;
    /// returns the rows read.
    pub fn scan(&self, campaign: i64) -> anyhow::Result<u64> {
        const SQL: &str = "SELECT * FROM enterprises WHERE campaign_id = $1 ORDER BY id";
        let mut n = 0u64;
        match self {
            Floor::Sqlite(c) => {
                let mut stmt = c.prepare(&SQL.replace('$', "?"))?;
                let width = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params![campaign])?;
                while let Some(row) = rows.next()? {
                    for i in 0..width {
                        std::hint::black_box(row.get_ref(i)?);
                    }
                    n += 1;
                }
            }
            Floor::Postgres(c) => {
                let mut client = c.borrow_mut();
                let mut rows = client.query_raw(SQL, [&campaign])?;
                use postgres::fallible_iterator::FallibleIterator;
                while let Some(row) = rows.next()? {
                    std::hint::black_box(row.len());
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The plain aggregate a dashboard would run without rollups, at its simplest: the
    /// list counted by bureau (listed, eligible, assigned) in one GROUP BY.
    pub fn group_by_bureau(&self, campaign: i64) -> anyhow::Result<()> {
        const SQL: &str = "SELECT bureau_code, COUNT(*), SUM(CASE WHEN eligible THEN 1 ELSE 0 END),
                  SUM(CASE WHEN unassigned IS NULL THEN 1 ELSE 0 END)
             FROM enterprises WHERE campaign_id = $1 GROUP BY bureau_code";
        match self {
            Floor::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&SQL.replace('$', "?"))?;
                let mut rows = stmt.query(rusqlite::params![campaign])?;
                while rows.next()?.is_some() {}
            }
            Floor::Postgres(c) => {
                c.borrow_mut().query(SQL, &[&campaign])?;
            }
        }
        Ok(())
    }

    pub fn page(&self, campaign: i64, after: i64, limit: u32) -> anyhow::Result<()> {
        const SQL: &str =
            "SELECT * FROM enterprises WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3";
        match self {
            Floor::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&SQL.replace('$', "?"))?;
                let mut rows = stmt.query(rusqlite::params![campaign, after, limit])?;
                while rows.next()?.is_some() {}
            }
            Floor::Postgres(c) => {
                c.borrow_mut()
                    .query(SQL, &[&campaign, &after, &i64::from(limit)])?;
            }
        }
        Ok(())
    }
}
