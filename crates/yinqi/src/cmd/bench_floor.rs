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
