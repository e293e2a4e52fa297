//! The thin layer both databases sit behind: parameter values, rows, connections and a pool.
//! SQL is written once with `$1` placeholders wherever the two dialects agree; the SQLite
//! backend rewrites them to `?1`. Each backend keeps the driver that suits it (PERF_NOTES):
//! rusqlite for SQLite (no cross-thread hop per statement), the `postgres` client for PostgreSQL.

pub mod pool;
pub mod postgres;
pub mod sqlite;

use crate::error::{Result, StoreError};

/// Which SQL dialect a connection speaks, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter value. Only the types the schema uses: BIGINT, TEXT, BOOLEAN, BYTEA/BLOB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
    Bytes(&'a [u8]),
}

impl From<i64> for Val<'_> {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<i32> for Val<'_> {
    fn from(v: i32) -> Self {
        Val::Int(v.into())
    }
}
impl From<u32> for Val<'_> {
    fn from(v: u32) -> Self {
        Val::Int(v.into())
    }
}
impl From<bool> for Val<'_> {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl<'a> From<&'a str> for Val<'a> {
    fn from(v: &'a str) -> Self {
        Val::Text(v)
    }
}
impl<'a> From<&'a String> for Val<'a> {
    fn from(v: &'a String) -> Self {
        Val::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Val<'a> {
    fn from(v: &'a [u8]) -> Self {
        Val::Bytes(v)
    }
}
impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}
impl<'a> From<&'a Option<String>> for Val<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(Val::Null, Val::Text)
    }
}

/// Builds a `&[Val]` from expressions that convert into [`Val`].
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::db::Val<'_>] };
    ($($v:expr),+ $(,)?) => { &[$($crate::db::Val::from($v)),+] as &[$crate::db::Val<'_>] };
}

/// One result row, read by column position.
pub trait DbRow {
    fn opt_i64(&self, idx: usize) -> Result<Option<i64>>;
    fn opt_text(&self, idx: usize) -> Result<Option<String>>;
    fn opt_bool(&self, idx: usize) -> Result<Option<bool>>;
    fn opt_bytes(&self, idx: usize) -> Result<Option<Vec<u8>>>;

    fn i64(&self, idx: usize) -> Result<i64> {
        self.opt_i64(idx)?.ok_or_else(|| null_at(idx))
    }
    fn text(&self, idx: usize) -> Result<String> {
        self.opt_text(idx)?.ok_or_else(|| null_at(idx))
    }
    fn bool(&self, idx: usize) -> Result<bool> {
        self.opt_bool(idx)?.ok_or_else(|| null_at(idx))
    }
}

fn null_at(idx: usize) -> StoreError {
    StoreError::Decode(format!("column {idx} is NULL"))
}

/// A connection of either backend. Object-safe so the store's code exists once.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs one statement, returning the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64>;
    /// Runs one statement and hands each result row to `each`.
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        each: &mut dyn FnMut(&dyn DbRow) -> Result<()>,
    ) -> Result<()>;
    /// Runs several statements without parameters.
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Backend-specific bulk path; see [`BulkLoad`].
    fn bulk(&mut self) -> &mut dyn BulkLoad;
}

/// Receives each row's index and its first result row (if any) in [`BulkLoad::for_each_row`].
pub type EachRow<'a> = dyn FnMut(usize, Option<&dyn DbRow>) -> Result<()> + 'a;

/// Loads many rows into a table as fast as the backend allows: SQLite multi-row INSERTs on a
/// prepared statement, PostgreSQL `COPY`. Values are given row-major, `columns.len()` per row.
pub trait BulkLoad {
    fn load(&mut self, table: &str, columns: &[&str], values: &[Val<'_>]) -> Result<u64>;

    /// Runs the one statement `sql` for each row of `values` (`width` parameters each),
    /// prepared once, handing `each` the row's index and its first result row, if any.
    fn for_each_row(
        &mut self,
        sql: &str,
        width: usize,
        values: &[Val<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<()>;
}

/// The number of columns per row of a bulk load, checking the values fill whole rows.
fn row_width(columns: &[&str], values: &[Val<'_>]) -> Result<usize> {
    let width = columns.len();
    if width == 0 || !values.len().is_multiple_of(width) {
        return Err(StoreError::Invalid("bulk load: ragged rows".into()));
    }
    Ok(width)
}

/// Convenience queries on any connection.
pub trait ConnExt: Conn {
    fn query_vec<T>(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        mut map: impl FnMut(&dyn DbRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query_each(sql, params, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn query_opt<T>(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        mut map: impl FnMut(&dyn DbRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut out = None;
        self.query_each(sql, params, &mut |row| {
            if out.is_none() {
                out = Some(map(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn query_one<T>(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        map: impl FnMut(&dyn DbRow) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, params, map)?
            .ok_or(StoreError::NotFound)
    }

    fn query_i64(&mut self, sql: &str, params: &[Val<'_>]) -> Result<i64> {
        self.query_one(sql, params, |r| r.i64(0))
    }
}

impl<C: Conn + ?Sized> ConnExt for C {}

/// Runs `f` between `begin` and COMMIT, rolling back when it fails.
pub fn in_transaction(
    conn: &mut dyn Conn,
    begin: &str,
    f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>,
) -> Result<()> {
    conn.batch(begin)?;
    match f(conn) {
        Ok(()) => conn.batch("COMMIT"),
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A database: hands out connections for reading and runs closures in write transactions.
pub trait Backend: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// Runs `f` on a connection that may only read.
    fn read(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()>;
    /// Runs `f` inside one transaction, committed if it returns Ok, rolled back otherwise.
    fn write(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()>;
    /// A connection of its own, outside the pool, for long work (bulk imports) that must not
    /// hold a pooled connection or the shared writer while it reads a file.
    fn dedicated(&self) -> Result<Box<dyn Conn + Send>>;
}
