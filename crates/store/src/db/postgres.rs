//! PostgreSQL backend: a pool of synchronous clients, statements prepared once per
//! connection, bulk loads through `COPY … FROM STDIN`. Several `yinqi` processes may share
//! one database; nothing here keeps state that another process would need.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::io::Write;
use std::time::Duration;

use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls, Statement};

use super::pool::{Manager, Pool};
use super::{Backend, BulkLoad, Conn, DbRow, Dialect, EachRow, Val, in_transaction};
use crate::error::{Result, StoreError};

const POOL_SIZE: usize = 16;

pub struct PgBackend {
    pool: Pool<PgManager>,
}

impl PgBackend {
    pub fn open(url: &str) -> Result<PgBackend> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?;
        let backend = PgBackend {
            pool: Pool::new(PgManager { config }, POOL_SIZE, Duration::from_secs(30)),
        };
        // Fail now, with the server's own message, rather than on the first query.
        drop(backend.pool.get()?);
        Ok(backend)
    }
}

struct PgManager {
    config: Config,
}

impl Manager for PgManager {
    type Conn = PgConn;
    fn connect(&self) -> Result<PgConn> {
        Ok(PgConn::new(self.config.connect(NoTls)?))
    }
    fn is_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

impl Backend for PgBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()> {
        let mut conn = self.pool.get()?;
        f(&mut *conn)
    }

    fn write(&self, f: &mut dyn FnMut(&mut dyn Conn) -> Result<()>) -> Result<()> {
        let mut conn = self.pool.get()?;
        let result = in_transaction(&mut *conn, "BEGIN", f);
        if result.is_err() && conn.client.is_closed() {
            conn.discard();
        }
        result
    }

    fn dedicated(&self) -> Result<Box<dyn Conn + Send>> {
        Ok(Box::new(self.pool.manager().connect()?))
    }
}

pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    fn new(client: Client) -> Self {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

fn as_params<'a>(params: &'a [Val<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Val<'_>]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        Ok(self.client.execute(&stmt, &as_params(params))?)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Val<'_>],
        each: &mut dyn FnMut(&dyn DbRow) -> Result<()>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        let mut rows = self.client.query_raw(&stmt, as_params(params))?;
        while let Some(row) = rows.next()? {
            each(&PgRow(&row))?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.client.batch_execute(sql)?)
    }

    fn bulk(&mut self) -> &mut dyn BulkLoad {
        self
    }
}

impl BulkLoad for PgConn {
    fn load(&mut self, table: &str, columns: &[&str], values: &[Val<'_>]) -> Result<u64> {
        let width = super::row_width(columns, values)?;
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(","));
        let mut writer = self.client.copy_in(&sql)?;
        let mut line = Vec::with_capacity(1024);
        for row in values.chunks_exact(width) {
            line.clear();
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    line.push(b'\t');
                }
                write_copy_value(&mut line, v);
            }
            line.push(b'\n');
            writer.write_all(&line)?;
        }
        Ok(writer.finish()?)
    }

    fn for_each_row(
        &mut self,
        sql: &str,
        width: usize,
        values: &[Val<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        for (i, row_values) in values.chunks_exact(width.max(1)).enumerate() {
            match self.client.query_opt(&stmt, &as_params(row_values))? {
                Some(row) => each(i, Some(&PgRow(&row)))?,
                None => each(i, None)?,
            }
        }
        Ok(())
    }
}

/// Writes one value in COPY's text format (tab-separated, `\N` for NULL, backslash escapes).
fn write_copy_value(out: &mut Vec<u8>, v: &Val<'_>) {
    match *v {
        Val::Null => out.extend_from_slice(b"\\N"),
        Val::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Val::Bool(b) => out.push(if b { b't' } else { b'f' }),
        Val::Text(s) => escape_copy_text(out, s.as_bytes()),
        Val::Bytes(b) => {
            out.extend_from_slice(b"\\\\x");
            for byte in b {
                out.extend_from_slice(format!("{byte:02x}").as_bytes());
            }
        }
    }
}

fn escape_copy_text(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

impl ToSql for Val<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match *self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) => match *ty {
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Val::Text(s) => s.to_sql(ty, out),
            Val::Bool(b) => b.to_sql(ty, out),
            Val::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

struct PgRow<'a>(&'a postgres::Row);

impl DbRow for PgRow<'_> {
    fn opt_i64(&self, idx: usize) -> Result<Option<i64>> {
        let ty = self.0.columns().get(idx).map(|c| c.type_().clone());
        let value = match ty {
            Some(Type::INT8) => self.0.try_get::<_, Option<i64>>(idx)?,
            Some(Type::INT4) => self.0.try_get::<_, Option<i32>>(idx)?.map(i64::from),
            Some(Type::INT2) => self.0.try_get::<_, Option<i16>>(idx)?.map(i64::from),
            Some(Type::BOOL) => self.0.try_get::<_, Option<bool>>(idx)?.map(i64::from),
            other => {
                return Err(StoreError::Decode(format!(
                    "column {idx}: wanted integer, got {other:?}"
                )));
            }
        };
        Ok(value)
    }

    fn opt_text(&self, idx: usize) -> Result<Option<String>> {
        Ok(self.0.try_get::<_, Option<String>>(idx)?)
    }

    fn opt_bool(&self, idx: usize) -> Result<Option<bool>> {
        Ok(self.0.try_get::<_, Option<bool>>(idx)?)
    }

    fn opt_bytes(&self, idx: usize) -> Result<Option<Vec<u8>>> {
        Ok(self.0.try_get::<_, Option<Vec<u8>>>(idx)?)
    }
}
