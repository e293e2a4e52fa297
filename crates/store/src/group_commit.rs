//! Group commit: concurrent saves of answers share one transaction, so thousands of
//! submissions a second do not each pay a commit (PERF_NOTES: durable single-row commits are
//! bounded by the disk's flushes and the engine's per-transaction work).
//!
//! No thread of its own: the first caller to find no batch running becomes the *leader*,
//! takes every save queued so far (up to [`MAX_BATCH`]) and runs them one after another in
//! one transaction; callers arriving meanwhile queue up. When the leader has committed it
//! hands each caller its own result, then hands the next queued batch to the oldest waiting
//! caller, which leads it — so no caller keeps working for others after its own answer is
//! in. Every caller still gets its own result: a job that *refuses* (invalid answers, not
//! found, conflict — decided before it writes anything) does not disturb the others; a
//! database failure inside the batch rolls it back and each job is then run again in a
//! transaction of its own, so only the job that fails gets the error. A result is handed out
//! only after COMMIT returned.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};

use crate::db::{Backend, Conn};
use crate::error::{Result, StoreError};

/// Most jobs in one transaction: enough to spread a commit over many saves, few enough that
/// the last of them waits a few milliseconds at most.
pub(crate) const MAX_BATCH: usize = 256;

/// Batches in flight at once on PostgreSQL (each on a connection of its own): while one
/// waits for its commit to reach the disk, the next runs its statements.
pub(crate) const PG_BATCHES_IN_FLIGHT: usize = 2;

/// A unit of work queued for a shared transaction. It may run twice (in the batch, then on
/// its own if the batch failed), so it must not consume what it captured.
pub(crate) type Job<R> = Box<dyn FnMut(&mut dyn Conn) -> Result<R> + Send>;

pub(crate) struct GroupCommit<R> {
    queue: Mutex<Queue<R>>,
    /// Batches allowed in flight at once: 1 on SQLite (one writer), more on PostgreSQL so one
    /// batch's statements overlap another's commit.
    max_leaders: usize,
    /// Off: every save in a transaction of its own, as before group commit (for comparison
    /// in the benchmark, and as an operator's way out).
    enabled: AtomicBool,
    transactions: AtomicU64,
    jobs: AtomicU64,
}

/// How saves were committed since the store opened: `saves` jobs answered in
/// `transactions` write transactions (refused jobs included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    pub transactions: u64,
    pub saves: u64,
}

struct Queue<R> {
    waiting: VecDeque<Pending<R>>,
    leaders: usize,
}

struct Pending<R> {
    job: Job<R>,
    reply: Sender<Wake<R>>,
}

/// What a waiting caller is woken with: its result, or a batch to lead.
enum Wake<R> {
    Done(Result<R>),
    Lead(Vec<Pending<R>>),
}

impl<R: Send> GroupCommit<R> {
    pub(crate) fn new(max_leaders: usize) -> Self {
        GroupCommit {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                leaders: 0,
            }),
            max_leaders: max_leaders.max(1),
            enabled: AtomicBool::new(true),
            transactions: AtomicU64::new(0),
            jobs: AtomicU64::new(0),
        }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            saves: self.jobs.load(Ordering::Relaxed),
        }
    }

    /// Runs `job` in a transaction shared with whatever else is queued; returns once that
    /// transaction has committed (or `job` was refused, or failed on its own).
    pub(crate) fn run(&self, backend: &dyn Backend, mut job: Job<R>) -> Result<R> {
        if !self.enabled.load(Ordering::Relaxed) {
            self.jobs.fetch_add(1, Ordering::Relaxed);
            self.transactions.fetch_add(1, Ordering::Relaxed);
            return alone(backend, &mut job);
        }
        let (reply, wake) = channel();
        let first = {
            let mut q = self.lock();
            q.waiting.push_back(Pending { job, reply });
            if q.leaders < self.max_leaders {
                q.leaders += 1;
                Some(take_batch(&mut q))
            } else {
                None
            }
        };
        if let Some(batch) = first {
            self.lead(backend, batch);
        }
        loop {
            match wake.recv() {
                Ok(Wake::Done(result)) => return result,
                Ok(Wake::Lead(batch)) => self.lead(backend, batch),
                // The leader holding this job died (a panic) before answering.
                Err(_) => {
                    return Err(StoreError::Invalid("保存时发生内部错误，请重新提交".into()));
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<R>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Commits `batch`, answers its callers, then passes the lead on (also when unwinding).
    fn lead(&self, backend: &dyn Backend, batch: Vec<Pending<R>>) {
        let _hand_off = HandOff(self);
        self.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let transactions = commit_batch(backend, batch);
        self.transactions.fetch_add(transactions, Ordering::Relaxed);
    }
}

/// Passes the lead on when a leader is done: the next queued batch goes to its oldest
/// caller; with nothing queued, one leader fewer.
struct HandOff<'a, R: Send>(&'a GroupCommit<R>);

impl<R: Send> Drop for HandOff<'_, R> {
    fn drop(&mut self) {
        let mut q = self.0.lock();
        loop {
            if q.waiting.is_empty() {
                q.leaders -= 1;
                return;
            }
            let batch = take_batch(&mut q);
            let next = batch[0].reply.clone();
            if let Err(std::sync::mpsc::SendError(Wake::Lead(batch))) = next.send(Wake::Lead(batch))
            {
                // Its caller is gone (cannot happen while it waits; be safe): answer the rest.
                for p in batch.into_iter().skip(1) {
                    let _ = p.reply.send(Wake::Done(Err(StoreError::Invalid(
                        "保存时发生内部错误，请重新提交".into(),
                    ))));
                }
                continue;
            }
            return;
        }
    }
}

fn take_batch<R>(q: &mut Queue<R>) -> Vec<Pending<R>> {
    let n = q.waiting.len().min(MAX_BATCH);
    q.waiting.drain(..n).collect()
}

/// Whether an error is a job's own refusal, decided before it wrote anything, so the rest
/// of its batch may still commit.
fn is_refusal(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::NotFound
            | StoreError::Conflict(_)
            | StoreError::Invalid(_)
            | StoreError::Answers(_)
            | StoreError::Aborted(_)
    )
}

/// Commits `batch` and answers its callers; returns the write transactions it took.
fn commit_batch<R>(backend: &dyn Backend, mut batch: Vec<Pending<R>>) -> u64 {
    if batch.len() > 1 {
        let mut results: Vec<Result<R>> = Vec::with_capacity(batch.len());
        let together = backend.write(&mut |c| {
            results.clear();
            for p in batch.iter_mut() {
                match (p.job)(c) {
                    Err(e) if !is_refusal(&e) => return Err(e),
                    result => results.push(result),
                }
            }
            Ok(())
        });
        if together.is_ok() {
            for (p, result) in batch.into_iter().zip(results) {
                let _ = p.reply.send(Wake::Done(result));
            }
            return 1;
        }
    }
    let mut transactions = u64::from(batch.len() > 1);
    // One job alone, or a batch a database error rolled back: each job in a transaction of
    // its own, so the failure stays with the job that caused it.
    for mut p in batch {
        let result = alone(backend, &mut p.job);
        transactions += 1;
        let _ = p.reply.send(Wake::Done(result));
    }
    transactions
}

fn alone<R>(backend: &dyn Backend, job: &mut Job<R>) -> Result<R> {
    let mut out = None;
    let written = backend.write(&mut |c| {
        out = Some(job(c)?);
        Ok(())
    });
    written.map(|()| out.expect("the job ran"))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, channel};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::db::ConnExt;
    use crate::db::sqlite::SqliteBackend;
    use crate::params;

    fn backend(dir: &tempfile::TempDir) -> SqliteBackend {
        let backend = SqliteBackend::open(&dir.path().join("t.db")).unwrap();
        backend
            .write(&mut |c| c.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            .unwrap();
        backend
    }

    fn insert(value: &'static str) -> Job<i64> {
        Box::new(move |c| {
            c.query_one(
                "INSERT INTO t (v) VALUES ($1) RETURNING id",
                params![value],
                |r| r.i64(0),
            )
        })
    }

    fn rows(backend: &SqliteBackend) -> Vec<String> {
        let mut out = Vec::new();
        backend
            .read(&mut |c| {
                out = c.query_vec("SELECT v FROM t ORDER BY v", params![], |r| r.text(0))?;
                Ok(())
            })
            .unwrap();
        out
    }

    /// Runs `first` (which holds the lead until released), queues `rest` behind it, then
    /// releases it: `rest` is then one batch. Results in the order given.
    fn run_behind_a_held_leader(
        gc: &GroupCommit<i64>,
        backend: &SqliteBackend,
        rest: Vec<Job<i64>>,
    ) -> Vec<Result<i64>> {
        let (release, held): (_, Receiver<()>) = channel();
        let held = Arc::new(Mutex::new(held));
        let queued = rest.len();
        std::thread::scope(|s| {
            let first = s.spawn(move || {
                gc.run(
                    backend,
                    Box::new(move |c| {
                        let _ = held.lock().unwrap().recv();
                        insert("held")(c)
                    }),
                )
            });
            // The leader has taken its batch (of one) once the queue is empty again.
            while gc.lock().leaders == 0 || !gc.lock().waiting.is_empty() {
                std::thread::yield_now();
            }
            let others: Vec<_> = rest
                .into_iter()
                .map(|job| s.spawn(move || gc.run(backend, job)))
                .collect();
            while gc.lock().waiting.len() < queued {
                std::thread::yield_now();
            }
            release.send(()).unwrap();
            first.join().unwrap().unwrap();
            others.into_iter().map(|t| t.join().unwrap()).collect()
        })
    }

    #[test]
    fn queued_jobs_share_one_transaction_and_a_refusal_stays_with_its_job() {
        let dir = tempfile::tempdir().unwrap();
        let backend = backend(&dir);
        let gc = GroupCommit::new(1);
        let refused: Job<i64> = Box::new(|_| Err(StoreError::Invalid("不行".into())));
        let results =
            run_behind_a_held_leader(&gc, &backend, vec![insert("a"), refused, insert("b")]);
        assert!(matches!(results[1], Err(StoreError::Invalid(_))));
        let (a, b) = (results[0].as_ref().unwrap(), results[2].as_ref().unwrap());
        assert_ne!(a, b);
        assert_eq!(rows(&backend), ["a", "b", "held"]);
        // The held job alone, then the three queued behind it in one transaction.
        assert_eq!(
            gc.stats(),
            GroupCommitStats {
                transactions: 2,
                saves: 4
            }
        );
        assert_eq!(gc.lock().leaders, 0);
    }

    #[test]
    fn a_database_failure_in_a_batch_fails_only_its_own_job() {
        let dir = tempfile::tempdir().unwrap();
        let backend = backend(&dir);
        let gc = GroupCommit::new(1);
        // "held" is committed first, so inserting it again breaks the unique key.
        let results = run_behind_a_held_leader(
            &gc,
            &backend,
            vec![insert("c"), insert("held"), insert("d")],
        );
        assert!(results[0].is_ok() && results[2].is_ok());
        assert!(
            matches!(results[1], Err(StoreError::Sqlite(_))),
            "{:?}",
            results[1]
        );
        assert_eq!(rows(&backend), ["c", "d", "held"]);
        // The batch rolled back, then each job ran on its own.
        assert_eq!(gc.stats().transactions, 1 + 1 + 3);
    }
}
