//! SQLite backend (the embedded default): one writer connection serialised by a mutex, a
//! small pool of readers, WAL so readers never wait for the writer.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use super::pool::{Manager, Pool};
use super::{Backend, BulkLoad, Conn, DbRow, Dialect, EachRow, Val, in_transaction};
use crate::error::{Result, StoreError};

/// Pages of 16 KiB hold whole answer documents and halve B-tree depth (PERF_NOTES).
const PAGE_SIZE: u32 = 16384;
const READERS: usize = 4;
/// Rows per multi-row INSERT in bulk loads: large enough to amortise the statement, small
/// enough to stay under SQLite's parameter limit for our widest table.
const BULK_ROWS: usize = 64;

pub struct SqliteBackend {
    path: PathBuf,
    writer: Mutex<SqliteConn>,
    readers: Pool<ReaderManager>,
}

impl SqliteBackend {
    pub fn open(path: &Path) -> Result<SqliteBackend> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let writer = open_connection(path, false)?;
        // The writer's statement journals stay in memory. A statement that may abort midway
        // (an INSERT checked against foreign keys) journals every page it changes that the
        // transaction changed before; with 16 KiB pages one answer's row and five index
        // entries pass SQLite's 64 KiB in-memory limit, and each page then cost a write
        // system call to a temporary file — 11 of them per submission in a group commit,
        // 5× its time. Large sorts (a migration building an index) then also stay in memory.
        writer.execute_batch("PRAGMA temp_store = MEMORY;")?;
        Ok(SqliteBackend {
            path: path.to_owned(),
            writer: Mutex::new(SqliteConn::new(writer)),
            readers: Pool::new(
                ReaderManager {
                    path: path.to_owned(),
                },
                READERS,
                Duration::from_secs(30),
            ),
        })
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.set_prepared_statement_cache_capacity(128);
    // One plan per statement, whatever the values bound (the query planner stability
    // guarantee). Without it, SQLite built with STAT4 (as rusqlite bundles it) treats a
    // statement that joins the analysed enterprise table as depending on its parameters
    // and parses and plans it again on every run: 13 % of a submission's CPU went there,
    // and 22 % of the enterprise pages' code check. Plans still use the table statistics
    // (sqlite_stat1); only per-value sample estimates are given up (the list pages measured
    // the same with and without).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    if !read_only {
        // page_size only takes effect before the first table exists.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -32000;
         PRAGMA temp_store = FILE;",
    )?;
    Ok(conn)
}

struct ReaderManager {
    path: PathBuf,
}

impl Manager for ReaderManager {
    type Conn = SqliteConn;
    fn connect(&self) -> Result<SqliteConn> {
        Ok(SqliteConn::new(open_connection(&self.path, true)?))
    }
    fn is_broken(&self, _conn: &mut SqliteConn) -> bool {
        false
    }
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()> {
        let mut conn = self.readers.get()?;
        f(&mut *conn)
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        in_transaction(&mut *conn, "BEGIN IMMEDIATE", f)
    }

    fn dedicated(&self) -> Result<Box<dyn Conn + Send>> {
        let conn = open_connection(&self.path, false)?;
        // Bulk work gets a bigger page cache (the unique index is touched all over) and keeps
        // statement journals in memory: every upsert opens one, and a temp file for each
        // costs a write system call per changed page.
        conn.execute_batch("PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;")?;
        Ok(Box::new(SqliteConn::new(conn)))
    }
}

pub struct SqliteConn {
    conn: Connection,
}

impl SqliteConn {
    fn new(conn: Connection) -> Self {
        SqliteConn { conn }
    }
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64> {
        let mut stmt = self.conn.prepare_cached(&to_sqlite_placeholders(sql))?;
        bind_all(&mut stmt, params, 0)?;
        Ok(stmt.raw_execute()? as u64)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        each: &mut dyn FnMut(&dyn DbRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&to_sqlite_placeholders(sql))?;
        bind_all(&mut stmt, params, 0)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            each(&SqliteRow(row))?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn bulk(&mut self) -> &mut dyn BulkLoad {
        self
    }
}

impl BulkLoad for SqliteConn {
    fn load(&mut self, table: &str, columns: &[&str], values: &[Val<'_>]) -> Result<u64> {
        let width = super::row_width(columns, values)?;
        let chunk = width * BULK_ROWS;
        let mut full = values.chunks_exact(chunk);
        if full.len() > 0 {
            let mut stmt = self
                .conn
                .prepare_cached(&multi_row_insert(table, columns, BULK_ROWS))?;
            for rows in full.by_ref() {
                bind_all(&mut stmt, rows, 0)?;
                stmt.raw_execute()?;
            }
        }
        let rest = full.remainder();
        if !rest.is_empty() {
            let mut stmt =
                self.conn
                    .prepare(&multi_row_insert(table, columns, rest.len() / width))?;
            bind_all(&mut stmt, rest, 0)?;
            stmt.raw_execute()?;
        }
        Ok((values.len() / width) as u64)
    }

    fn for_each_row(
        &mut self,
        sql: &str,
        width: usize,
        values: &[Val<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&to_sqlite_placeholders(sql))?;
        for (i, row_values) in values.chunks_exact(width.max(1)).enumerate() {
            bind_all(&mut stmt, row_values, 0)?;
            let mut rows = stmt.raw_query();
            match rows.next()? {
                Some(row) => each(i, Some(&SqliteRow(row)))?,
                None => each(i, None)?,
            }
        }
        Ok(())
    }
}

fn multi_row_insert(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        columns.join(","),
        vec![one.as_str(); rows].join(",")
    )
}

fn bind_all(stmt: &mut rusqlite::Statement<'_>, params: &[Val<'_>], offset: usize) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(offset + i + 1, p)?;
    }
    Ok(())
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(v)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(b.into())),
            Val::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals alone.
pub(crate) fn to_sqlite_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut in_literal = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_literal = !in_literal;
                out.push(c);
            }
            '$' if !in_literal && chars.peek().is_some_and(|n| n.is_ascii_digit()) => out.push('?'),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

struct SqliteRow<'a, 'b>(&'a rusqlite::Row<'b>);

impl DbRow for SqliteRow<'_, '_> {
    fn opt_i64(&self, idx: usize) -> Result<Option<i64>> {
        match self.0.get_ref(idx)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            other => Err(decode_error(idx, "integer", other)),
        }
    }

    fn opt_text(&self, idx: usize) -> Result<Option<String>> {
        match self.0.get_ref(idx)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => String::from_utf8(t.to_vec())
                .map(Some)
                .map_err(|_| StoreError::Decode(format!("column {idx} is not UTF-8"))),
            other => Err(decode_error(idx, "text", other)),
        }
    }

    fn opt_bool(&self, idx: usize) -> Result<Option<bool>> {
        Ok(self.opt_i64(idx)?.map(|v| v != 0))
    }

    fn opt_bytes(&self, idx: usize) -> Result<Option<Vec<u8>>> {
        match self.0.get_ref(idx)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) | ValueRef::Text(b) => Ok(Some(b.to_vec())),
            other => Err(decode_error(idx, "blob", other)),
        }
    }
}

fn decode_error(idx: usize, wanted: &str, got: ValueRef<'_>) -> StoreError {
    StoreError::Decode(format!(
        "column {idx}: wanted {wanted}, got {:?}",
        got.data_type()
    ))
}

#[cfg(test)]
mod tests {
    use super::to_sqlite_placeholders;

    #[test]
    fn dollar_placeholders_become_numbered_question_marks() {
        assert_eq!(
            to_sqlite_placeholders("SELECT a FROM t WHERE b = $2 AND c = $1 AND d = '$1'"),
            "SELECT a FROM t WHERE b = ?2 AND c = ?1 AND d = '$1'"
        );
    }
}
