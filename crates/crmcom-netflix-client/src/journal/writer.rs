//! The journal's connection, and the thread that writes the ledger rows of a step while the job
//! sends its next request.
//!
//! A step's rows go into the open transaction, which only a commit makes durable, and every
//! commit waits for the rows before it. So a step may be written *behind* the job: the job goes
//! on to its next request (a page of the list, which changes nothing on the server) while a
//! thread of the journal writes the rows. Nothing irreversible happens in between, because an
//! acknowledgement, a handover to a billing system outside the journal and the export all come
//! after a commit. A write that fails is reported by the next call that waits for the writes
//! (the next step, commit or read); the journal then goes back to its last commit, as after a
//! crash at that point.

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::error::Error;

/// The log's size, in pages, at which the commit that reaches it queues a checkpoint (4 MiB of
/// 4 KiB pages, SQLite's own threshold): small enough that little is left to copy when the
/// journal closes at the end of the job, which then waits for it.
pub(super) const CHECKPOINT_FRAMES: i32 = 1000;

thread_local! {
    /// The pages in the log after the last commit made on this thread (set by [`count_frames`]).
    static WAL_FRAMES: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

/// The connection's write-ahead-log hook, in place of SQLite's automatic checkpoint (which would
/// run inside the commit, on the job's thread): it only notes the log's size for
/// [`Db::checkpoint_behind`]. SQLite calls it on the thread that commits, after the commit.
pub(super) fn count_frames(
    _: &rusqlite::hooks::Wal,
    frames: std::ffi::c_int,
) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(frames));
    Ok(())
}

/// Work on the connection, run behind the job.
pub(super) type Job = Box<dyn FnOnce(&Connection) -> rusqlite::Result<()> + Send>;

/// A write behind that failed: the step's name and the error's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failed {
    pub step: &'static str,
    pub message: String,
}

/// How far the thread is: jobs queued, jobs done, the first failure since the last reset.
#[derive(Debug, Default)]
struct Progress {
    queued: u64,
    done: u64,
    failed: Option<Failed>,
}

type Shared = Arc<(Mutex<Progress>, Condvar)>;

/// The journal's connection and its writer thread (started at the first write behind).
pub(super) struct Db {
    conn: Arc<Mutex<Connection>>,
    progress: Shared,
    sender: Option<mpsc::Sender<(&'static str, Job)>>,
    thread: Option<JoinHandle<()>>,
}

/// A lock that a panic elsewhere may have poisoned: what it guards is still consistent (every
/// writer records its outcome before it lets go), so it is used as it is.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Db {
    pub(super) fn new(conn: Connection) -> Db {
        Db {
            conn: Arc::new(Mutex::new(conn)),
            progress: Arc::default(),
            sender: None,
            thread: None,
        }
    }

    /// Waits until every write queued so far is done.
    fn wait(&self) -> MutexGuard<'_, Progress> {
        let (progress, done) = &*self.progress;
        let mut p = lock(progress);
        while p.done < p.queued {
            p = done.wait(p).unwrap_or_else(|e| e.into_inner());
        }
        p
    }

    /// The connection, once every write behind is done; the first of them that failed, if one
    /// did (it stays reported until [`Db::drained`]).
    fn settled(&self) -> Result<MutexGuard<'_, Connection>, Failed> {
        let p = self.wait();
        if let Some(f) = &p.failed {
            return Err(f.clone());
        }
        drop(p);
        Ok(lock(&self.conn))
    }

    /// [`Db::settled`], with a failure as the journal's error (named by its step).
    pub(super) fn conn(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        self.settled()
            .map_err(|f| Error::journal(f.step, f.message))
    }

    /// The connection once every write behind is done, whatever they did; forgets a failure
    /// (for a rollback, which undoes them all).
    pub(super) fn drained(&self) -> MutexGuard<'_, Connection> {
        let mut p = self.wait();
        p.failed = None;
        drop(p);
        lock(&self.conn)
    }

    /// Runs `job` behind the job, in the order queued. When no thread can be started, it runs
    /// now, and its failure is reported the same way.
    pub(super) fn behind(&mut self, step: &'static str, job: Job) {
        {
            let (progress, _) = &*self.progress;
            lock(progress).queued += 1;
        }
        let job = match self.sender() {
            Some(sender) => match sender.send((step, job)) {
                Ok(()) => return,
                Err(mpsc::SendError((_, job))) => job,
            },
            None => job,
        };
        run(&self.conn, &self.progress, step, job);
    }

    /// Lets the journal's thread checkpoint the log (copy its pages into the database file)
    /// when the commit just made on this thread left at least [`CHECKPOINT_FRAMES`] pages in
    /// it, instead of SQLite doing it inside that commit. Call after each commit.
    pub(super) fn checkpoint_behind(&mut self) {
        if WAL_FRAMES.with(|f| f.replace(0)) >= CHECKPOINT_FRAMES {
            self.checkpoint_now();
        }
    }

    /// Lets the journal's thread checkpoint the whole log now, whatever its size (at the end of
    /// a run, while the export reads on a connection of its own: little is then left for the
    /// close to copy).
    pub(super) fn checkpoint_now(&mut self) {
        // PASSIVE: never waits for a reader (a morning report); what it cannot copy now, the
        // next one does. A checkpoint that fails loses nothing (the log keeps every commit and
        // the next checkpoint copies it), so its error is not the job's.
        self.behind(
            "checkpoint",
            Box::new(|c| {
                let _ = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                Ok(())
            }),
        );
    }

    fn sender(&mut self) -> Option<&mpsc::Sender<(&'static str, Job)>> {
        if self.sender.is_none() {
            let (sender, receiver) = mpsc::channel::<(&'static str, Job)>();
            let conn = Arc::clone(&self.conn);
            let progress = Arc::clone(&self.progress);
            let thread = std::thread::Builder::new()
                .name("crmnf-journal".into())
                .spawn(move || {
                    for (step, job) in receiver {
                        run(&conn, &progress, step, job);
                    }
                })
                .ok()?;
            self.sender = Some(sender);
            self.thread = Some(thread);
        }
        self.sender.as_ref()
    }
}

/// Runs one job (skipped after a failure: the transaction it would write in is going back) and
/// records its outcome. A panic in a job is a failure, not a lost thread.
fn run(conn: &Mutex<Connection>, progress: &Shared, step: &'static str, job: Job) {
    let skip = lock(&progress.0).failed.is_some();
    let outcome = if skip {
        Ok(())
    } else {
        let c = lock(conn);
        match std::panic::catch_unwind(AssertUnwindSafe(|| job(&c))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the write stopped unexpectedly".to_owned()),
        }
    };
    let (p, done) = &**progress;
    let mut p = lock(p);
    if let Err(message) = outcome {
        p.failed.get_or_insert(Failed { step, message });
    }
    p.done += 1;
    done.notify_all();
}

impl Drop for Db {
    /// Lets the thread finish what was queued (inside the open transaction, which closing the
    /// connection then rolls back) and stop, before the connection closes.
    fn drop(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)")
            .unwrap();
        Db::new(conn)
    }

    fn insert(n: i64) -> Job {
        Box::new(move |c| c.execute("INSERT INTO t (n) VALUES (?1)", [n]).map(|_| ()))
    }

    fn count(db: &Db) -> i64 {
        db.settled()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn writes_behind_are_done_in_order_before_the_connection_is_handed_out() {
        let mut db = db();
        for n in 0..1000 {
            db.behind("insert", insert(n));
        }
        assert_eq!(count(&db), 1000);
        let last: i64 = db
            .settled()
            .unwrap()
            .query_row("SELECT n FROM t ORDER BY rowid DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(last, 999);
    }

    #[test]
    fn a_failed_write_is_reported_with_its_step_and_the_writes_after_it_are_skipped() {
        let mut db = db();
        db.behind("first", insert(1));
        db.behind("second", insert(1));
        db.behind("third", insert(2));
        let failed = db.settled().err().unwrap();
        assert_eq!(failed.step, "second");
        assert!(failed.message.contains("UNIQUE"), "{}", failed.message);
        // Reported again until drained.
        assert_eq!(db.settled().err().unwrap().step, "second");
        let n: i64 = db
            .drained()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "the write after the failure was skipped");
        db.behind("fourth", insert(4));
        assert_eq!(count(&db), 2);
    }

    #[test]
    fn a_panicking_write_is_a_failure_and_the_thread_goes_on() {
        let mut db = db();
        db.behind("panics", Box::new(|_| panic!("boom")));
        assert_eq!(db.settled().err().unwrap().step, "panics");
        drop(db.drained());
        db.behind("insert", insert(7));
        assert_eq!(count(&db), 1);
    }

    #[test]
    fn dropping_waits_for_the_thread() {
        let mut db = db();
        for n in 0..100 {
            db.behind("insert", insert(n));
        }
        let progress = Arc::clone(&db.progress);
        drop(db);
        let p = lock(&progress.0);
        assert_eq!(p.done, p.queued);
    }

    /// A journal-like connection on a file, in WAL mode with the journal's hook.
    fn on_file(dir: &std::path::Path) -> (Db, std::path::PathBuf) {
        let path = dir.join("j.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.wal_hook(Some(count_frames));
        conn.execute_batch("CREATE TABLE t (b BLOB NOT NULL)")
            .unwrap();
        (Db::new(conn), path)
    }

    /// Commits `pages` pages of rows on this thread, then (if `checkpoint`) lets the checkpoint
    /// go behind.
    fn commit_pages(db: &mut Db, pages: usize, checkpoint: bool) {
        {
            let c = db.settled().unwrap();
            c.execute_batch("BEGIN").unwrap();
            for _ in 0..pages {
                c.execute("INSERT INTO t (b) VALUES (zeroblob(3500))", [])
                    .unwrap();
            }
            c.execute_batch("COMMIT").unwrap();
        }
        if checkpoint {
            db.checkpoint_behind();
            drop(db.settled().unwrap());
        }
    }

    #[test]
    fn the_log_is_checkpointed_behind_the_job_once_it_holds_enough_pages_and_never_in_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut db, path) = on_file(dir.path());
        let size = || std::fs::metadata(&path).unwrap().len();
        // Below the threshold: nothing is copied.
        commit_pages(&mut db, 500, true);
        assert!(size() < 1 << 20, "checkpointed early: {} bytes", size());
        // Past it, the commit itself copies nothing (SQLite's own checkpoint would have)...
        commit_pages(&mut db, 1500, false);
        assert!(
            size() < 1 << 20,
            "checkpointed in the commit: {} bytes",
            size()
        );
        // ...and the journal's thread copies the log once asked.
        db.checkpoint_behind();
        drop(db.settled().unwrap());
        assert!(size() > 1500 * 4096, "not checkpointed: {} bytes", size());
        assert_eq!(WAL_FRAMES.with(|f| f.get()), 0);
    }
}
