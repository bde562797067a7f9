//! The journal of the nightly charge job: the core's [`ChargeSync`] state and the ledger of the
//! charges the billing system was handed and took, in one SQLite file, written once here and
//! used by every language (the Python client goes through the native module).
//!
//! The steps of the job are written in `BEGIN IMMEDIATE` transactions that move the sync state
//! and the ledger together, so a process killed at any point resumes from a state that agrees
//! with the ledger: no charge is lost and none is handed to the billing system as new twice. A
//! transaction is committed (on disk, `synchronous=FULL`) whenever what comes next could not be
//! undone by a restart: before an acknowledgement goes out with confirmations not yet on disk,
//! before charges are handed to a billing system outside the journal, and at the end of a run.
//! Between those points the steps of several pages share one commit, so the job writes to disk
//! once per group of pages, not once per step. The schema is in `docs/journal.md`.
//!
//! One job at a time: [`Journal::open`] takes an exclusive lock on `<path>.lock` (an OS file
//! lock, so a killed process leaves nothing behind that blocks the next start). A second job on
//! the same journal, in another process or another thread, gets [`Error::JournalLocked`] at once
//! and changes nothing. The journal never holds a secret: the token is never part of the state.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crmcom_netflix::{
    BillingAction, Charge, ChargeSync, Method, PreparedRequest, SyncOptions, SyncReport, SyncState,
    Token,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::{BoxError, Error};

mod writer;
use writer::Db;

/// The schema version this build reads and writes (SQLite's `user_version`). Version 1 journals
/// (written by earlier Python clients, without the ledger's `status` column) and version 2 ones
/// (without the `finished` table) are upgraded in place.
pub const JOURNAL_SCHEMA_VERSION: i64 = 3;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    run_complete INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
    number TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    charge TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'taken' CHECK (status IN ('handed', 'taken')),
    reference_number TEXT,
    taken_at TEXT
);
CREATE INDEX IF NOT EXISTS charges_by_run ON charges (run, seq);
";

/// The numbers finished in the run, kept out of the state (what version 2 lacks; a new journal
/// gets it with [`SCHEMA`]).
const FINISHED_TABLE: &str = "
CREATE TABLE IF NOT EXISTS finished (
    run INTEGER NOT NULL,
    number TEXT NOT NULL
);
";

macro_rules! trace_step {
    ($step:expr) => {
        #[cfg(feature = "client")]
        tracing::trace!(target: "crmcom_netflix_client::journal", step = $step, "journal step in a transaction");
    };
}

/// A charge handed to the billing system.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeToBill {
    /// The charge as the server sent it.
    pub charge: Charge,
    /// [`BillingAction::Bill`] (approved and priced: bill it) or [`BillingAction::Record`]
    /// (declined, bad request or rejected: record that it is not billed).
    pub action: BillingAction,
    /// Whether the billing system may have been handed this charge before (the job was
    /// interrupted after handing it over, or it did not take it in an earlier run). Whatever
    /// this says, bill by [`ChargeToBill::idempotency_key`] and a charge is billed once.
    pub redelivered: bool,
}

impl ChargeToBill {
    /// The key under which to bill the charge exactly once: its number, stable across runs,
    /// restarts and languages.
    pub fn idempotency_key(&self) -> &str {
        self.charge.number()
    }

    /// The charge number.
    pub fn number(&self) -> &str {
        self.charge.number()
    }
}

/// What one page handed over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handover {
    /// The charges for the billing system (action bill or record), in the order received.
    pub charges: Vec<ChargeToBill>,
    /// Charges left on the server for a person to look at: pending, of a status this SDK does not
    /// know, or approved with an amount it cannot price. They come back in a later run.
    pub left: Vec<Charge>,
}

/// A charge the billing system took, with the operator's reference number to send with its
/// acknowledgement, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The charge number.
    pub number: String,
    /// The operator's reference (unique per operator), sent with the acknowledgement.
    pub reference_number: Option<String>,
}

impl Taken {
    /// A charge taken without a reference number.
    pub fn new(number: impl Into<String>) -> Taken {
        Taken {
            number: number.into(),
            reference_number: None,
        }
    }

    /// A charge taken with a reference number.
    pub fn with_reference(number: impl Into<String>, reference: impl Into<String>) -> Taken {
        Taken {
            number: number.into(),
            reference_number: Some(reference.into()),
        }
    }
}

impl From<&str> for Taken {
    fn from(number: &str) -> Taken {
        Taken::new(number)
    }
}

impl From<String> for Taken {
    fn from(number: String) -> Taken {
        Taken::new(number)
    }
}

/// A charge of the ledger: taken by the billing system in `run`.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// The charge as the server sent it.
    pub charge: Charge,
    /// The run that took it.
    pub run: u64,
    /// The reference number confirmed with it.
    pub reference_number: Option<String>,
}

/// The end of a run: the core's report and how many charges the billing system took in the run
/// (including the ones taken before an interruption). The charges themselves stay in the ledger:
/// [`Journal::charges`] or [`Journal::for_each_charge`] read them, and [`RunExport`] hands them
/// to [`crate::Billing::export`] one at a time, so a run of any size is summed up and exported
/// without being held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The run number, from 1.
    pub run: u64,
    /// The core's summary of the run.
    pub report: SyncReport,
    /// How many charges the billing took in this run (the ledger's `taken` rows of the run).
    pub taken: u64,
}

/// A finished run as [`crate::Billing::export`] sees it: its summary, and its charges read from
/// the journal one at a time, in the order taken.
pub struct RunExport<'j> {
    /// The run's summary.
    pub summary: RunSummary,
    journal: &'j Journal,
    /// A read-only connection of its own when everything is committed (a journal on disk), so
    /// that the export reads while the journal's thread checkpoints the log; `None`: the
    /// journal's connection.
    reader: Option<std::sync::Mutex<Connection>>,
}

impl std::fmt::Debug for RunExport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunExport")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl RunExport<'_> {
    /// The run number, from 1.
    pub fn run(&self) -> u64 {
        self.summary.run
    }

    /// The core's report of the run.
    pub fn report(&self) -> &SyncReport {
        &self.summary.report
    }

    /// Calls `each` with every charge taken in the run, in the order taken, reading the ledger
    /// as it goes (nothing is collected); the first error of `each` stops and is returned.
    pub fn for_each_charge(
        &self,
        each: impl FnMut(LedgerEntry) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        let run = self.summary.run;
        let read = match &self.reader {
            Some(reader) => read_charges(&writer::lock(reader), run, each),
            None => self.journal.read_charges(run, each),
        };
        read.map_err(ReadError::into_boxed)
    }

    /// Calls `each` with every charge of the run to bill (approved, priced in a known currency),
    /// in the order taken, as [`RunExport::for_each_charge`] does.
    pub fn for_each_billable(
        &self,
        mut each: impl FnMut(LedgerEntry) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        self.for_each_charge(|e| if e.charge.billable() { each(e) } else { Ok(()) })
    }

    /// Every charge taken in the run, in memory (for small runs and tests; an export of any size
    /// goes through [`RunExport::for_each_charge`]).
    pub fn charges(&self) -> Result<Vec<LedgerEntry>, Error> {
        self.journal.charges(self.summary.run)
    }
}

/// How [`Journal::start`] found the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A new journal: run 1 begins.
    New,
    /// The last run was complete: the next run begins.
    NextRun,
    /// The last run was interrupted: it goes on.
    Resumed,
}

/// The journal of one nightly job. See the [module documentation](self).
pub struct Journal {
    /// The connection, with the thread that writes a step's ledger rows behind the job.
    db: Db,
    path: Option<PathBuf>,
    // Held for the journal's lifetime: the OS lock is the one-job-at-a-time guarantee.
    _lock: Option<File>,
    sync: Option<ChargeSync>,
    in_flight: Option<Method>,
    /// A `BEGIN IMMEDIATE` transaction is open with steps not yet committed (the state itself
    /// is written when it commits).
    open: bool,
    /// Confirmations were written since the last commit: they go to disk before an
    /// acknowledgement is sent.
    unsaved_confirms: bool,
    /// A page's handover is committed before `feed` returns it (the billing is outside the
    /// journal); see [`Journal::set_durable_handover`].
    durable_handover: bool,
    /// The ledger's last `seq`.
    seq: i64,
    /// Without a durable handover: the charges of the last page handed over and not yet in the
    /// ledger. Those taken are written once, as taken; the others as handed, at the next step.
    pending: Vec<PendingRow>,
    /// The numbers of the `finished` table of the current run, as a filter; `None` until the
    /// job starts.
    finished_filter: Option<FinishedFilter>,
}

/// The numbers finished in the current run as a fixed-size Bloom filter (1 MiB whatever the run's
/// size): a number it has never seen is answered without a query, and only the rare "maybe" is
/// looked up in the `finished` table (which has no index on the number: rows are appended in
/// order, so that a commit writes few pages however large the table). It only caches what the
/// table holds: a wrong "maybe" (about one in 200,000 at 100,000 numbers) costs a scan of the
/// run's rows, never a wrong answer.
struct FinishedFilter {
    bits: Vec<u64>,
}

impl FinishedFilter {
    const WORDS: usize = 1 << 17; // 2^23 bits
    const HASHES: u64 = 4;

    fn new() -> FinishedFilter {
        FinishedFilter {
            bits: vec![0; Self::WORDS],
        }
    }

    fn positions(number: &str) -> impl Iterator<Item = usize> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        number.hash(&mut h);
        let h = h.finish();
        let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
        let bits = (Self::WORDS * 64) as u64;
        (0..Self::HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % bits) as usize)
    }

    fn insert(&mut self, number: &str) {
        for p in Self::positions(number) {
            self.bits[p / 64] |= 1 << (p % 64);
        }
    }

    fn may_hold(&self, number: &str) -> bool {
        Self::positions(number).all(|p| self.bits[p / 64] & (1 << (p % 64)) != 0)
    }

    fn clear(&mut self) {
        self.bits.iter_mut().for_each(|w| *w = 0);
    }
}

/// A charge handed over, not yet written to the ledger (its row is made on the journal's
/// thread, behind the job: see [`PendingRow::json`]).
struct PendingRow {
    charge: Charge,
}

impl PendingRow {
    fn number(&self) -> &str {
        self.charge.number()
    }

    /// The ledger's text of the charge, which reads back the same charge.
    fn json(&self) -> String {
        serde_json::to_string(&self.charge).unwrap_or_default()
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("run", &self.sync.as_ref().map(|s| s.state().run()))
            .finish()
    }
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The lock file of a journal: `<path>.lock`, beside the journal's real file (symbolic links and
/// `..` resolved), so that every path that names one journal takes the same lock.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = real_path(path).into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// The journal's file with symbolic links resolved; for a journal not created yet, its directory
/// resolved and the name kept. A path that cannot be resolved (its directory is missing) is kept
/// as given, and opening it fails with its own error.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

fn lock(path: &Path) -> Result<File, Error> {
    let lock_file = lock_path(path);
    let display = path.display().to_string();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_file)
        .map_err(|e| Error::journal(&format!("cannot open {}", lock_file.display()), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(Error::JournalLocked {
                path: display,
                holder: Some(holder.trim().to_owned()).filter(|h| !h.is_empty()),
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(Error::journal(
                &format!("cannot lock {}", lock_file.display()),
                e,
            ))
        }
    }
    // Who holds it, for the message the next job gets. Best effort: the lock itself is what counts.
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(file, "process {} since {}", std::process::id(), now());
    Ok(file)
}

impl Journal {
    /// A journal on `conn`, before [`Journal::start`].
    fn on(conn: Connection, path: Option<PathBuf>, lock: Option<File>) -> Journal {
        Journal {
            db: Db::new(conn),
            path,
            _lock: lock,
            sync: None,
            in_flight: None,
            open: false,
            unsaved_confirms: false,
            durable_handover: true,
            seq: 0,
            pending: Vec::new(),
            finished_filter: None,
        }
    }

    /// Opens (or creates) the journal at `path`, taking its lock. Another job holding it is
    /// [`Error::JournalLocked`], returned at once, with nothing read or changed.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal, Error> {
        let path = path.as_ref();
        let lock = lock(path)?;
        let conn = Connection::open(path)
            .map_err(|e| Error::journal(&format!("cannot open {}", path.display()), e))?;
        let mut journal = Journal::on(conn, Some(path.to_owned()), Some(lock));
        journal.set_up()?;
        Ok(journal)
    }

    /// Opens an existing journal to read it (a report), without its lock and without writing
    /// anything: it works while a job runs (SQLite's WAL lets a reader see the last commit)
    /// and changes nothing. A missing file is an error, not a new journal; the job methods
    /// ([`Journal::start`] and the steps after it) fail on a journal opened this way.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Journal, Error> {
        let path = path.as_ref();
        let display = path.display();
        if !path.is_file() {
            return Err(Error::Journal(format!("{display}: no journal there")));
        }
        let conn =
            open_reader(path).map_err(|e| Error::journal(&format!("cannot open {display}"), e))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| Error::journal(&format!("{display}: not a journal"), e))?;
        if version != JOURNAL_SCHEMA_VERSION {
            return Err(Error::Journal(format!(
                "{display}: journal schema version {version} cannot be read without writing \
                 (this version reads {JOURNAL_SCHEMA_VERSION}; a job upgrades versions 1 and 2 when it opens them)"
            )));
        }
        Ok(Journal::on(conn, Some(path.to_owned()), None))
    }

    /// When the last step was written (`yyyy-MM-ddTHH:mm:ssZ`, UTC), if any was.
    pub fn updated_at(&self) -> Result<Option<String>, Error> {
        self.conn()?
            .query_row("SELECT updated_at FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| Error::journal("reading the state", e))
    }

    /// Every run of the ledger with the number of charges taken in it, oldest first.
    pub fn runs(&self) -> Result<Vec<(u64, u64)>, Error> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT run, COUNT(*) FROM charges WHERE status = 'taken' GROUP BY run ORDER BY run",
            )
            .map_err(|e| Error::journal("reading the ledger", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| Error::journal("reading the ledger", e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| Error::journal("reading the ledger", e))
    }

    /// Charges handed to the billing system and not (yet) taken: they are handed over again,
    /// marked redelivered, when the run goes on.
    pub fn handed_not_taken(&self) -> Result<u64, Error> {
        self.conn()?
            .query_row(
                "SELECT COUNT(*) FROM charges WHERE status = 'handed'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| Error::journal("reading the ledger", e))
    }

    /// A journal in memory (for tests and one-off runs: nothing survives the process).
    pub fn in_memory() -> Result<Journal, Error> {
        let conn = Connection::open_in_memory().map_err(|e| Error::journal("in memory", e))?;
        let mut journal = Journal::on(conn, None, None);
        journal.set_up()?;
        Ok(journal)
    }

    /// The connection, once the writes behind are done (their failure, if one failed).
    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, Error> {
        self.db.conn()
    }

    fn set_up(&mut self) -> Result<(), Error> {
        let name = self.describe();
        let mut c = self.db.conn()?;
        let e = |e: rusqlite::Error| Error::journal("setting up", e);
        // WAL: a reader (a report) never blocks the job. FULL: every commit is on disk before
        // the job acts on it (the default in WAL mode, NORMAL, may lose the last commits).
        c.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
        c.pragma_update(None, "synchronous", "FULL").map_err(e)?;
        // No checkpoint inside a commit: the journal's thread checkpoints after the commits
        // that leave 4 MiB of log (see `writer::Db::checkpoint_behind`).
        c.wal_hook(Some(writer::count_frames));
        // A page cache of 4 MiB rather than 2: a group's commit then writes the pages of the
        // ledger's number index (random numbers touch most of its leaves) once, without spilling
        // them to the log before the commit and reading them back. It is full at 10,000 charges
        // as at 100,000, so memory does not grow with the run.
        c.pragma_update(None, "cache_size", -4096).map_err(e)?;
        c.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(e)?;
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(e)?;
        match version {
            0 => {
                tx.execute_batch(SCHEMA).map_err(e)?;
                tx.execute_batch(FINISHED_TABLE).map_err(e)?;
            }
            1 => {
                // Version 1 recorded a charge when the billing took it: every row is taken.
                tx.execute_batch(
                    "ALTER TABLE charges ADD COLUMN status TEXT NOT NULL DEFAULT 'taken' \
                         CHECK (status IN ('handed', 'taken'));
                     ALTER TABLE charges ADD COLUMN reference_number TEXT;
                     ALTER TABLE charges ADD COLUMN taken_at TEXT;",
                )
                .map_err(e)?;
                tx.execute_batch(FINISHED_TABLE).map_err(e)?;
            }
            2 => {
                tx.execute_batch(FINISHED_TABLE).map_err(e)?;
            }
            JOURNAL_SCHEMA_VERSION => {}
            other => {
                return Err(Error::Journal(format!(
                    "{}: journal schema version {other} is not supported (this version reads 1 \
                     to {JOURNAL_SCHEMA_VERSION})",
                    name
                )))
            }
        }
        if version != JOURNAL_SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", JOURNAL_SCHEMA_VERSION)
                .map_err(e)?;
        }
        tx.commit().map_err(e)?;
        let seq = last_seq(&c).map_err(e)?;
        drop(c);
        self.seq = seq;
        Ok(())
    }

    fn describe(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string())
    }

    /// A setting of the journal's SQLite connection (`journal_mode`, `synchronous`,
    /// `user_version`, ...), as text: for checks and reports.
    pub fn pragma(&self, name: &str) -> Result<String, Error> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Journal(format!("`{name}` is not a pragma name")));
        }
        self.conn()?
            .query_row(&format!("PRAGMA {name}"), [], |r| {
                let v: rusqlite::types::Value = r.get(0)?;
                Ok(match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Real(f) => f.to_string(),
                    _ => String::new(),
                })
            })
            .map_err(|e| Error::journal("reading a setting", e))
    }

    /// The journal's path (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The saved sync state and whether its run was completed, without starting anything.
    pub fn saved_state(&self) -> Result<Option<(SyncState, bool)>, Error> {
        let row: Option<(String, bool)> = self
            .conn()?
            .query_row(
                "SELECT state, run_complete FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| Error::journal("reading the state", e))?;
        row.map(|(state, complete)| {
            SyncState::from_json(&state)
                .map(|s| (s, complete))
                .map_err(|e| Error::journal("the saved state", e))
        })
        .transpose()
    }

    /// Starts the job: a new sync with `options` on a new journal, the next run after a
    /// completed one, or the interrupted run where it stopped (a saved journal keeps its own
    /// options).
    pub fn start(&mut self, options: SyncOptions) -> Result<Start, Error> {
        if self.open {
            self.rollback();
        }
        let (sync, start) = match self.saved_sync()? {
            None => (
                ChargeSync::new(options)
                    .map_err(|e| Error::from_core(e, Method::ChargesList, 0))?,
                Start::New,
            ),
            Some(saved) => saved,
        };
        self.sync = Some(sync);
        self.in_flight = None;
        self.load_finished_filter()?;
        if start != Start::Resumed {
            let run = self.run() as i64;
            // The numbers finished in earlier runs are not needed any more.
            self.step("start", |c| {
                c.execute("DELETE FROM finished WHERE run < ?1", [run])
                    .map(|_| ())
            })?;
            self.commit("start")?;
        }
        Ok(start)
    }

    /// Fills the filter with the `finished` numbers of the current run.
    fn load_finished_filter(&mut self) -> Result<(), Error> {
        let run = self.run() as i64;
        let filter = self.finished_filter.get_or_insert_with(FinishedFilter::new);
        filter.clear();
        let e = |e| Error::journal("reading the finished numbers", e);
        let conn = self.db.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT number FROM finished WHERE run = ?1")
            .map_err(e)?;
        let mut rows = stmt.query([run]).map_err(e)?;
        while let Some(row) = rows.next().map_err(e)? {
            filter.insert(&row.get::<_, String>(0).map_err(e)?);
        }
        Ok(())
    }

    /// The sync of the last commit: the interrupted run ([`Start::Resumed`]) or, after a
    /// completed one, the next ([`Start::NextRun`]); `None` for a new journal.
    fn saved_sync(&self) -> Result<Option<(ChargeSync, Start)>, Error> {
        let Some((state, complete)) = self.saved_state()? else {
            return Ok(None);
        };
        let mut sync =
            ChargeSync::from_state(state).map_err(|e| Error::journal("the saved state", e))?;
        Ok(Some(if complete {
            sync.start_run();
            (sync, Start::NextRun)
        } else {
            (sync, Start::Resumed)
        }))
    }

    /// Whether a page's handover is on disk before [`Journal::feed`] returns it (the default:
    /// yes). A billing system outside the journal needs it, so that a charge handed over before
    /// a crash is handed over again marked `redelivered`. A billing made from the journal alone
    /// (its [`crate::Billing::take`] only decides, and the bills are written from the ledger at
    /// the export, as `crmnf sync` does) does not: a crash then undoes the handover and the take
    /// together, and the journal commits once per group of pages
    /// ([`SyncOptions::acknowledge_after_pages`]) instead of once per page.
    pub fn set_durable_handover(&mut self, durable: bool) {
        self.durable_handover = durable;
    }

    /// The sync, once started.
    pub fn sync(&self) -> Option<&ChargeSync> {
        self.sync.as_ref()
    }

    fn sync_mut(&mut self) -> Result<&mut ChargeSync, Error> {
        self.sync.as_mut().ok_or_else(not_started)
    }

    /// The run number (0 before [`Journal::start`]).
    pub fn run(&self) -> u64 {
        self.sync.as_ref().map_or(0, |s| s.state().run())
    }

    /// The next request to send, prepared with `token`; `None` when the run has nothing left to
    /// send. The request follows from the state, so after a crash the same request is built
    /// again; what was written since the last commit goes to disk first when the request is an
    /// acknowledgement that would act on unsaved confirmations, and when the run has nothing
    /// left to send.
    pub fn next_request(&mut self, token: &Token) -> Result<Option<PreparedRequest>, Error> {
        let request = self
            .sync_mut()?
            .next_request(token)
            .map_err(|e| Error::from_core(e, Method::ChargesList, 0))?;
        match request.as_ref().map(|r| r.method) {
            Some(Method::ChargesAcknowledge) if self.unsaved_confirms => {
                self.commit("acknowledge")?;
            }
            None => self.commit("end of the run")?,
            _ => {}
        }
        self.in_flight = request.as_ref().map(|r| r.method);
        Ok(request)
    }

    /// The page the job may send ahead while it feeds and bills the one in flight (see
    /// [`ChargeSync::page_ahead`]): it changes nothing on the server, and its answer is used
    /// only when [`Journal::next_request`] then gives the same request.
    pub fn page_ahead(&self, token: &Token) -> Option<PreparedRequest> {
        self.sync.as_ref()?.page_ahead(token)
    }

    /// Takes the response body of the request in flight (`http_status` is only for the error
    /// message) and, for a page, hands over its charges, recorded in the ledger as handed over
    /// in the same transaction (committed before this returns, unless
    /// [`Journal::set_durable_handover`] says otherwise). An API error or a malformed body
    /// changes nothing; send the same request again (after logging in again, for a token error).
    pub fn feed(&mut self, body: &[u8], http_status: u16) -> Result<Handover, Error> {
        let method = self.in_flight.unwrap_or(Method::ChargesList);
        let run = self.run() as i64;
        // What the billing did not take of the last page goes to the ledger first.
        self.write_pending()?;
        let Some(sync) = self.sync.as_mut() else {
            return Err(not_started());
        };
        // The numbers finished earlier in this run are in the `finished` table, not the state.
        let mut lookup_error = None;
        let db = &self.db;
        let filter = self.finished_filter.as_ref();
        let fed = sync.feed_with(body, |numbers| {
            finished_among(db, filter, numbers, run).unwrap_or_else(|e| {
                lookup_error = Some(e);
                // Not handed over: the step fails below and the state goes back.
                vec![true; numbers.len()]
            })
        });
        if let Err(e) = fed {
            // The core changed nothing.
            return Err(Error::from_core(e, method, http_status));
        }
        if let Some(e) = lookup_error {
            self.rollback();
            return Err(e);
        }
        let delivered = sync.take_charges();
        let mut handover = Handover::default();
        let mut take = Vec::new();
        for d in delivered {
            let action = d.charge.billing_action();
            if action.confirms() {
                take.push((d, action));
            } else {
                handover.left.push(d.charge);
            }
        }
        let rows: Vec<PendingRow> = take
            .iter()
            .map(|(d, _)| PendingRow {
                charge: d.charge.clone(),
            })
            .collect();
        // With a durable handover the rows are written now, and a charge the ledger had already
        // was handed over before. Without, `redelivered` is the sync's own: a crash undoes a
        // handover with its take, and a charge the ledger has already (a rare listing of one the
        // sync forgot) is written once all the same, with the step that takes it (or as handed,
        // at the next step).
        let known: Vec<bool> = if self.durable_handover {
            let mut seq = self.seq;
            let inserted = self.step("feed", |c| insert_rows(c, &rows, run, &mut seq, "handed"))?;
            self.seq = seq;
            inserted.into_iter().map(|i| !i).collect()
        } else {
            // Nothing to write yet: the transaction is begun behind the job.
            self.behind("feed", |_| Ok(()))?;
            self.pending = rows;
            Vec::new()
        };
        handover.charges = take
            .into_iter()
            .enumerate()
            .map(|(i, (d, action))| ChargeToBill {
                redelivered: d.redelivered || known.get(i).copied().unwrap_or(false),
                charge: d.charge,
                action,
            })
            .collect();
        if self.durable_handover && !handover.charges.is_empty() {
            self.commit("feed")?;
        }
        self.in_flight = None;
        Ok(handover)
    }

    /// Writes the charges handed over and not taken (without a durable handover) as handed.
    fn write_pending(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        let run = self.run() as i64;
        let first = self.seq;
        self.seq += rows.len() as i64;
        self.behind("hand over", move |c| {
            let mut seq = first;
            insert_rows(c, &rows, run, &mut seq, "handed").map(|_| ())
        })
    }

    /// Records that the billing system took these charges, and confirms them to the sync (their
    /// acknowledgements go out with the next requests), in one step: all or nothing. A number
    /// that was not handed over fails the whole call and nothing is recorded; confirming a charge
    /// again is harmless. Returns how many charges were newly confirmed.
    pub fn confirm(&mut self, taken: &[Taken]) -> Result<usize, Error> {
        if taken.is_empty() {
            return Ok(0);
        }
        let run = self.run() as i64;
        let Some(sync) = self.sync.as_mut() else {
            return Err(not_started());
        };
        let mut lookup_error = None;
        let db = &self.db;
        let filter = self.finished_filter.as_ref();
        let confirmed = sync.confirm_items(
            taken
                .iter()
                .map(|t| (t.number.as_str(), t.reference_number.as_deref())),
            |number| match finished_among(db, filter, &[number], run) {
                Ok(finished) => finished.first().copied().unwrap_or(false),
                Err(e) => {
                    lookup_error.get_or_insert(e);
                    false
                }
            },
        );
        if let Some(e) = lookup_error {
            self.rollback();
            return Err(e);
        }
        let count = confirmed.map_err(|e| {
            Error::Billing(format!("the billing system's confirmation was refused: {e}").into())
        })?;
        // The ledger is written behind the job (see `writer`): which row each write is, and
        // its seq, are decided here. A charge of the last page, taken, is written once, as taken
        // (or, if the ledger had it as handed over in an earlier run, marked taken as the update
        // does); the rest of the last page is written as handed.
        let pending = std::mem::take(&mut self.pending);
        let mut written = vec![false; pending.len()];
        let by_number: HashMap<&str, usize> = pending
            .iter()
            .enumerate()
            .map(|(i, r)| (r.number(), i))
            .collect();
        let rows: Vec<Option<usize>> = taken
            .iter()
            .map(|t| match by_number.get(t.number.as_str()) {
                Some(&i) if !written[i] => {
                    written[i] = true;
                    Some(i)
                }
                _ => None,
            })
            .collect();
        let rest: Vec<usize> = (0..pending.len()).filter(|&i| !written[i]).collect();
        let taken = taken.to_vec();
        let first = self.seq;
        self.seq += (taken.len() + rest.len()) as i64;
        self.behind("confirm", move |c| {
            let at = now();
            let mut update = c.prepare_cached(
                "UPDATE charges SET status = 'taken', run = ?2, seq = ?3, \
                 reference_number = COALESCE(reference_number, ?4), taken_at = ?5 \
                 WHERE number = ?1 AND status = 'handed'",
            )?;
            let mut insert = c.prepare_cached(
                "INSERT INTO charges (number, run, seq, billable, charge, recorded_at, \
                 status, reference_number, taken_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'taken', ?7, ?6) \
                 ON CONFLICT (number) DO UPDATE SET status = 'taken', run = excluded.run, \
                 seq = excluded.seq, \
                 reference_number = COALESCE(charges.reference_number, excluded.reference_number), \
                 taken_at = excluded.taken_at WHERE charges.status = 'handed'",
            )?;
            let mut seq = first;
            for (t, row) in taken.iter().zip(rows) {
                seq += 1;
                match row {
                    Some(i) => {
                        let r = &pending[i];
                        insert.execute(params![
                            r.number(),
                            run,
                            seq,
                            r.charge.billable(),
                            r.json(),
                            at,
                            t.reference_number
                        ])?;
                    }
                    None => {
                        update.execute(params![t.number, run, seq, t.reference_number, at])?;
                    }
                }
            }
            insert_rows(
                c,
                rest.iter().map(|&i| &pending[i]),
                run,
                &mut seq,
                "handed",
            )
            .map(|_| ())
        })?;
        self.unsaved_confirms = true;
        Ok(count)
    }

    /// Whether the run has nothing left to send or take.
    pub fn is_finished(&self) -> bool {
        self.sync.as_ref().is_some_and(ChargeSync::is_finished)
    }

    /// The summary of the current run: the report and how many charges were taken in it.
    pub fn summary(&self) -> Result<RunSummary, Error> {
        let sync = self.sync.as_ref().ok_or_else(not_started)?;
        let run = sync.state().run();
        let taken: i64 = self
            .conn()?
            .query_row(
                "SELECT COUNT(*) FROM charges WHERE run = ?1 AND status = 'taken'",
                [run as i64],
                |r| r.get(0),
            )
            .map_err(|e| Error::journal("reading the ledger", e))?;
        Ok(RunSummary {
            run,
            report: sync.report(),
            taken: taken as u64,
        })
    }

    /// The current run's summary with its charges, for [`crate::Billing::export`].
    ///
    /// With everything committed (as at the end of a run), the export reads on a connection of
    /// its own while the journal's thread copies the log into the database file, which the
    /// close would otherwise do after the export.
    pub fn export(&mut self) -> Result<RunExport<'_>, Error> {
        let summary = self.summary()?;
        let committed = !self.open && self.pending.is_empty();
        let reader = match &self.path {
            Some(path) if committed && self._lock.is_some() => open_reader(path).ok(),
            _ => None,
        };
        if reader.is_some() {
            self.db.checkpoint_now();
        }
        Ok(RunExport {
            summary,
            journal: self,
            reader: reader.map(std::sync::Mutex::new),
        })
    }

    /// Marks the run complete (after its export) and commits: the next [`Journal::start`]
    /// begins the next run.
    pub fn complete(&mut self) -> Result<(), Error> {
        self.sync_mut()?;
        self.step("complete", |_| Ok(()))?;
        self.commit_as("complete", true)
    }

    /// Writes every step done since the last commit to disk now. The job commits by itself
    /// whenever it must (see the [module documentation](self)); a caller that stops driving the
    /// steps before the end of a run calls this to keep what was done (dropping the journal
    /// without it is the same as a crash at the last commit, which loses nothing but repeats
    /// that work).
    pub fn flush(&mut self) -> Result<(), Error> {
        self.commit("flush")
    }

    /// The charges taken in `run`, in the order taken.
    pub fn charges(&self, run: u64) -> Result<Vec<LedgerEntry>, Error> {
        let mut out = Vec::new();
        self.read_charges(run, |e| {
            out.push(e);
            Ok(())
        })
        .map_err(|e| match e {
            ReadError::Journal(e) => e,
            ReadError::Caller(e) => Error::Billing(e),
        })?;
        Ok(out)
    }

    /// Calls `each` with every charge taken in `run`, in the order taken, reading the ledger as
    /// it goes; the first error (of the ledger or of `each`) stops and is returned.
    pub fn for_each_charge(
        &self,
        run: u64,
        each: impl FnMut(LedgerEntry) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        self.read_charges(run, each).map_err(ReadError::into_boxed)
    }

    fn read_charges(
        &self,
        run: u64,
        each: impl FnMut(LedgerEntry) -> Result<(), BoxError>,
    ) -> Result<(), ReadError> {
        let conn = self.conn().map_err(ReadError::Journal)?;
        read_charges(&conn, run, each)
    }

    /// Whether the billing system took the charge (in any run).
    pub fn has_taken(&self, number: &str) -> Result<bool, Error> {
        self.conn()?
            .query_row(
                "SELECT 1 FROM charges WHERE number = ?1 AND status = 'taken'",
                [number],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| Error::journal("reading the ledger", e))
    }

    /// One step: `write` in the open transaction (one is begun if none is). On an error the
    /// transaction is rolled back and the sync goes back to the last commit, as after a crash.
    fn step<T>(
        &mut self,
        name: &'static str,
        write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        if self.sync.is_none() {
            return Err(not_started());
        }
        let open = &mut self.open;
        let result = self.db.conn().and_then(|c| {
            (|| {
                if !*open {
                    c.execute_batch("BEGIN IMMEDIATE")?;
                    *open = true;
                }
                trace_step!(name);
                write(&c)
            })()
            .map_err(|e| Error::journal(name, e))
        });
        if result.is_err() {
            self.rollback();
        }
        result
    }

    /// A step written behind the job (see `writer`), in the open transaction (one is begun if
    /// none is). Its failure is the error of the next call that waits for it, and the journal
    /// then goes back to the last commit.
    fn behind(
        &mut self,
        name: &'static str,
        write: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<(), Error> {
        if self.sync.is_none() {
            return Err(not_started());
        }
        let begin = !self.open;
        self.open = true;
        self.db.behind(
            name,
            Box::new(move |c| {
                if begin {
                    c.execute_batch("BEGIN IMMEDIATE")?;
                }
                trace_step!(name);
                write(c)
            }),
        );
        Ok(())
    }

    fn commit(&mut self, name: &'static str) -> Result<(), Error> {
        self.commit_as(name, false)
    }

    /// Commits the open transaction, writing the sync state (its finished numbers moved to the
    /// `finished` table) first; `complete` marks the run complete.
    fn commit_as(&mut self, name: &'static str, complete: bool) -> Result<(), Error> {
        if !self.open {
            return Ok(());
        }
        self.write_pending()?;
        let Some(sync) = self.sync.as_mut() else {
            return Ok(());
        };
        let finished = sync.forget_finished();
        if let Some(filter) = self.finished_filter.as_mut() {
            // A number rolled back stays in the filter: a wasted query at worst.
            finished.iter().for_each(|n| filter.insert(n));
        }
        let state = sync.state().to_json();
        let run = sync.state().run() as i64;
        let result = self.db.conn().and_then(|c| {
            (|| {
                if !finished.is_empty() {
                    c.prepare_cached(
                        "INSERT INTO finished (number, run) \
                         SELECT value, ?2 FROM json_each(?1)",
                    )?
                    .execute(params![
                        serde_json::to_string(&finished).unwrap_or_default(),
                        run
                    ])?;
                }
                trace_step!(name);
                c.execute(
                    "INSERT INTO sync_state (id, state, run_complete, updated_at) \
                     VALUES (1, ?1, ?3, ?2) \
                     ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                     run_complete = excluded.run_complete, updated_at = excluded.updated_at",
                    params![state, now(), complete],
                )?;
                c.execute_batch("COMMIT")
            })()
            .map_err(|e| Error::journal(name, e))
        });
        match result {
            Ok(()) => {
                self.open = false;
                self.unsaved_confirms = false;
                self.db.checkpoint_behind();
                Ok(())
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    /// Rolls back the open transaction, if any, and takes the sync back to the last commit (the
    /// charges it had handed over are handed over again, `redelivered`, as after a crash).
    fn rollback(&mut self) {
        let c = self.db.drained();
        if self.open {
            let _ = c.execute_batch("ROLLBACK");
        }
        self.seq = last_seq(&c).unwrap_or(self.seq);
        drop(c);
        self.open = false;
        self.unsaved_confirms = false;
        self.in_flight = None;
        self.pending.clear();
        if self.sync.is_some() {
            self.sync = self.saved_sync().ok().flatten().map(|(sync, _)| sync);
        }
    }
}

/// The error of a job step before [`Journal::start`].
fn not_started() -> Error {
    Error::Journal("the job has not been started (call start)".into())
}

/// The ledger's last `seq` (0 for an empty ledger).
fn last_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM charges", [], |r| {
        r.get(0)
    })
}

/// For each of `numbers`, whether it was finished in `run` (acknowledged, or confirmed in
/// read-only mode) and moved out of the state into the `finished` table: the numbers the filter
/// may hold are looked up in one query (a filter not loaded holds every number).
fn finished_among(
    db: &Db,
    filter: Option<&FinishedFilter>,
    numbers: &[&str],
    run: i64,
) -> Result<Vec<bool>, Error> {
    let maybe: Vec<&str> = numbers
        .iter()
        .copied()
        .filter(|n| filter.is_none_or(|f| f.may_hold(n)))
        .collect();
    let mut found = HashSet::new();
    if !maybe.is_empty() {
        let list = serde_json::to_string(&maybe).unwrap_or_default();
        let conn = db.conn()?;
        let e = |e| Error::journal("looking up the finished numbers", e);
        let mut stmt = conn
            .prepare_cached(
                "SELECT j.value FROM json_each(?1) AS j \
                 WHERE EXISTS (SELECT 1 FROM finished AS f WHERE f.number = j.value AND f.run = ?2)",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map(params![list, run], |r| r.get::<_, String>(0))
            .map_err(e)?;
        for number in rows {
            found.insert(number.map_err(e)?);
        }
    }
    Ok(numbers.iter().map(|n| found.contains(*n)).collect())
}

/// Inserts charges handed over as ledger rows of `status`, each with the next `seq`; a number
/// already there is left as it is. Whether each was inserted.
fn insert_rows<'a>(
    conn: &Connection,
    rows: impl IntoIterator<Item = &'a PendingRow>,
    run: i64,
    seq: &mut i64,
    status: &str,
) -> rusqlite::Result<Vec<bool>> {
    let at = now();
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO charges (number, run, seq, billable, charge, recorded_at, status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut inserted = Vec::new();
    for r in rows {
        *seq += 1;
        let n = insert.execute(params![
            r.number(),
            run,
            *seq,
            r.charge.billable(),
            r.json(),
            at,
            status
        ])?;
        inserted.push(n > 0);
    }
    Ok(inserted)
}

/// An error while reading the ledger for a caller: the journal's or the caller's own.
enum ReadError {
    Journal(Error),
    Caller(BoxError),
}

impl ReadError {
    fn into_boxed(self) -> BoxError {
        match self {
            ReadError::Journal(e) => Box::new(e),
            ReadError::Caller(e) => e,
        }
    }
}

/// Calls `each` with every charge taken in `run`, in the order taken, read on `conn`.
fn read_charges(
    conn: &Connection,
    run: u64,
    mut each: impl FnMut(LedgerEntry) -> Result<(), BoxError>,
) -> Result<(), ReadError> {
    let ledger = |e| ReadError::Journal(Error::journal("reading the ledger", e));
    let mut stmt = conn
        .prepare_cached(
            "SELECT charge, reference_number FROM charges \
             WHERE run = ?1 AND status = 'taken' ORDER BY seq",
        )
        .map_err(ledger)?;
    let mut rows = stmt.query([run as i64]).map_err(ledger)?;
    while let Some(row) = rows.next().map_err(ledger)? {
        let json: String = row.get(0).map_err(ledger)?;
        let reference_number: Option<String> = row.get(1).map_err(ledger)?;
        // Read back with the rules its page was decoded with: a ledger edited or damaged on
        // disk cannot export a charge that decode would have refused.
        let charge: Charge = crmcom_netflix::decode_object(json.as_bytes(), None)
            .map_err(|e| ReadError::Journal(Error::journal("a charge of the ledger", e)))?;
        each(LedgerEntry {
            charge,
            run,
            reference_number,
        })
        .map_err(ReadError::Caller)?;
    }
    Ok(())
}

/// A read-only connection to the journal at `path`, for the export (see [`Journal::export`]).
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}
