//! Schema migrations: one ordered list of versions, each with a SQLite and a PostgreSQL
//! script, applied on open. A test checks the two dialects cover the same versions.

use crate::db::{Conn, ConnExt, Dialect};
use crate::error::{Result, StoreError};
use crate::params;

/// A schema version with its script for each dialect.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, oldest first. Add new ones at the end; never edit one that has shipped.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("../migrations/sqlite/0002_access.sql"),
        postgres: include_str!("../migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "release",
        sqlite: include_str!("../migrations/sqlite/0003_release.sql"),
        postgres: include_str!("../migrations/postgres/0003_release.sql"),
    },
    Migration {
        version: 4,
        name: "codes",
        sqlite: include_str!("../migrations/sqlite/0004_codes.sql"),
        postgres: include_str!("../migrations/postgres/0004_codes.sql"),
    },
    Migration {
        version: 5,
        name: "list_round",
        sqlite: include_str!("../migrations/sqlite/0005_list_round.sql"),
        postgres: include_str!("../migrations/postgres/0005_list_round.sql"),
    },
    Migration {
        version: 6,
        name: "name_search",
        sqlite: include_str!("../migrations/sqlite/0006_name_search.sql"),
        postgres: include_str!("../migrations/postgres/0006_name_search.sql"),
    },
    Migration {
        version: 7,
        name: "housekeeping",
        sqlite: include_str!("../migrations/sqlite/0007_housekeeping.sql"),
        postgres: include_str!("../migrations/postgres/0007_housekeeping.sql"),
    },
    Migration {
        version: 8,
        name: "answers",
        sqlite: include_str!("../migrations/sqlite/0008_answers.sql"),
        postgres: include_str!("../migrations/postgres/0008_answers.sql"),
    },
    Migration {
        version: 9,
        name: "visit_feedback",
        sqlite: include_str!("../migrations/sqlite/0009_visit_feedback.sql"),
        postgres: include_str!("../migrations/postgres/0009_visit_feedback.sql"),
    },
    Migration {
        version: 10,
        name: "pushes",
        sqlite: include_str!("../migrations/sqlite/0010_pushes.sql"),
        postgres: include_str!("../migrations/postgres/0010_pushes.sql"),
    },
    Migration {
        version: 11,
        name: "progress",
        sqlite: include_str!("../migrations/sqlite/0011_progress.sql"),
        postgres: include_str!("../migrations/postgres/0011_progress.sql"),
    },
];

/// The newest version this program knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies the pending migrations on `conn` (inside a transaction the caller opened).
pub fn migrate(conn: &mut dyn Conn) -> Result<()> {
    let dialect = conn.dialect();
    if dialect == Dialect::Postgres {
        // Several app processes may start at once against one database.
        conn.query_each(
            "SELECT pg_advisory_xact_lock(8721001)",
            params![],
            &mut |_| Ok(()),
        )?;
    }
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )?;
    let applied = conn.query_vec("SELECT version FROM schema_migrations", params![], |r| {
        r.i64(0)
    })?;
    let current = applied.iter().copied().max().unwrap_or(0);
    if current > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: latest_version(),
        });
    }
    // Every version not yet applied, not only those above the newest: versions written on
    // two branches at once may land out of order (4 after 5), and each must still run once.
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        conn.batch(match dialect {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        })?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            params![m.version, m.name, crate::now_millis()],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_strictly_increase() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
    }

    /// Both dialects must create the same tables and indexes, in the same order.
    #[test]
    fn dialects_define_the_same_objects() {
        let names = |sql: &str| -> Vec<String> {
            sql.lines()
                .filter_map(|l| {
                    let l = l.trim();
                    [
                        "CREATE TABLE ",
                        "CREATE INDEX ",
                        "CREATE UNIQUE INDEX ",
                        "ALTER TABLE ",
                    ]
                    .iter()
                    .find_map(|p| l.strip_prefix(p))
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
                })
                .collect()
        };
        for m in MIGRATIONS {
            assert_eq!(
                names(m.sqlite),
                names(m.postgres),
                "migration {}",
                m.version
            );
            assert!(!names(m.sqlite).is_empty());
        }
    }
}
