//! A minimal blocking connection pool: connections are created on demand up to a maximum,
//! handed out one caller at a time and returned on drop. Checked connections that died
//! (a restarted PostgreSQL) are replaced on the next checkout.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::{Result, StoreError};

/// How a pool makes and checks its connections.
pub trait Manager: Send + Sync {
    type Conn: Send;
    fn connect(&self) -> Result<Self::Conn>;
    fn is_broken(&self, conn: &mut Self::Conn) -> bool;
}

pub struct Pool<M: Manager> {
    manager: M,
    max: usize,
    state: Mutex<State<M::Conn>>,
    available: Condvar,
    wait: Duration,
}

struct State<C> {
    idle: Vec<C>,
    open: usize,
}

impl<M: Manager> Pool<M> {
    pub fn new(manager: M, max: usize, wait: Duration) -> Self {
        Pool {
            manager,
            max: max.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            available: Condvar::new(),
            wait,
        }
    }

    pub fn manager(&self) -> &M {
        &self.manager
    }

    /// Borrows a connection, waiting for one if all are in use.
    pub fn get(&self) -> Result<Pooled<'_, M>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(mut conn) = state.idle.pop() {
                if self.manager.is_broken(&mut conn) {
                    state.open -= 1;
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.manager.connect() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.release_slot();
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self
                .available
                .wait_timeout(state, self.wait)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if timeout.timed_out() && state.idle.is_empty() && state.open >= self.max {
                return Err(StoreError::Invalid("数据库连接繁忙，请稍后重试".into()));
            }
        }
    }

    fn release_slot(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.open -= 1;
        self.available.notify_one();
    }

    fn put_back(&self, conn: M::Conn) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.idle.push(conn);
        self.available.notify_one();
    }
}

/// A connection on loan from a [`Pool`].
pub struct Pooled<'p, M: Manager> {
    pool: &'p Pool<M>,
    conn: Option<M::Conn>,
}

impl<M: Manager> Pooled<'_, M> {
    /// Drops the connection instead of returning it (after an error that may have left it
    /// in an unknown state).
    pub fn discard(mut self) {
        self.conn = None;
        self.pool.release_slot();
    }
}

impl<M: Manager> std::ops::Deref for Pooled<'_, M> {
    type Target = M::Conn;
    fn deref(&self) -> &M::Conn {
        self.conn
            .as_ref()
            .expect("pooled connection present until drop")
    }
}

impl<M: Manager> std::ops::DerefMut for Pooled<'_, M> {
    fn deref_mut(&mut self) -> &mut M::Conn {
        self.conn
            .as_mut()
            .expect("pooled connection present until drop")
    }
}

impl<M: Manager> Drop for Pooled<'_, M> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put_back(conn);
        }
    }
}
