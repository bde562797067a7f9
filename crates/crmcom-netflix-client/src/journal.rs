//! The journal of the nightly charge job: the core's [`ChargeSync`] state and the ledger of the
//! charges the billing system was handed and took, in one SQLite file, written once here and
//! used by every language (the Python client goes through the native module).
//!
//! Each step of the job is one `BEGIN IMMEDIATE` transaction that moves the sync state and the
//! ledger together, so a process killed at any point resumes from a state that agrees with the
//! ledger: no charge is lost and none is handed to the billing system as new twice. The schema
//! is in `docs/journal.md`.
//!
//! One job at a time: [`Journal::open`] takes an exclusive lock on `<path>.lock` (an OS file
//! lock, so a killed process leaves nothing behind that blocks the next start). A second job on
//! the same journal, in another process or another thread, gets [`Error::JournalLocked`] at once
//! and changes nothing. The journal never holds a secret: the token is never part of the state.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crmcom_netflix::{
    BillingAction, Charge, ChargeSync, Method, PreparedRequest, SyncOptions, SyncReport, SyncState,
    Token,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::Error;

/// The schema version this build reads and writes (SQLite's `user_version`). Version 1 journals
/// (written by earlier Python clients, without the ledger's `status` column) are upgraded in place.
pub const JOURNAL_SCHEMA_VERSION: i64 = 2;

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

macro_rules! trace_step {
    ($step:expr) => {
        #[cfg(feature = "client")]
        tracing::trace!(target: "crmcom_netflix_client::journal", step = $step, "journal transaction begun");
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

/// The end of a run: the core's report and every charge the billing system took in the run
/// (including the ones taken before an interruption), in the order taken.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The run number, from 1.
    pub run: u64,
    /// The core's summary of the run.
    pub report: SyncReport,
    /// The charges taken in this run, from the ledger.
    pub charges: Vec<LedgerEntry>,
}

impl RunSummary {
    /// The charges of the run to bill: approved, priced in a known currency.
    pub fn billable(&self) -> impl Iterator<Item = &Charge> {
        self.charges
            .iter()
            .map(|e| &e.charge)
            .filter(|c| c.billable())
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
    conn: Connection,
    path: Option<PathBuf>,
    // Held for the journal's lifetime: the OS lock is the one-job-at-a-time guarantee.
    _lock: Option<File>,
    sync: Option<ChargeSync>,
    in_flight: Option<Method>,
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
    /// Opens (or creates) the journal at `path`, taking its lock. Another job holding it is
    /// [`Error::JournalLocked`], returned at once, with nothing read or changed.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal, Error> {
        let path = path.as_ref();
        let lock = lock(path)?;
        let conn = Connection::open(path)
            .map_err(|e| Error::journal(&format!("cannot open {}", path.display()), e))?;
        let mut journal = Journal {
            conn,
            path: Some(path.to_owned()),
            _lock: Some(lock),
            sync: None,
            in_flight: None,
        };
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
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::journal(&format!("cannot open {display}"), e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| Error::journal("setting up", e))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| Error::journal(&format!("{display}: not a journal"), e))?;
        if version != JOURNAL_SCHEMA_VERSION {
            return Err(Error::Journal(format!(
                "{display}: journal schema version {version} cannot be read without writing \
                 (this version reads {JOURNAL_SCHEMA_VERSION}; a job upgrades version 1 when it opens it)"
            )));
        }
        Ok(Journal {
            conn,
            path: Some(path.to_owned()),
            _lock: None,
            sync: None,
            in_flight: None,
        })
    }

    /// When the last step was written (`yyyy-MM-ddTHH:mm:ssZ`, UTC), if any was.
    pub fn updated_at(&self) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT updated_at FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| Error::journal("reading the state", e))
    }

    /// Every run of the ledger with the number of charges taken in it, oldest first.
    pub fn runs(&self) -> Result<Vec<(u64, u64)>, Error> {
        let mut stmt = self
            .conn
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
        self.conn
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
        let mut journal = Journal {
            conn,
            path: None,
            _lock: None,
            sync: None,
            in_flight: None,
        };
        journal.set_up()?;
        Ok(journal)
    }

    fn set_up(&mut self) -> Result<(), Error> {
        let c = &self.conn;
        let e = |e: rusqlite::Error| Error::journal("setting up", e);
        let name = self.describe();
        // WAL: a reader (a report) never blocks the job. FULL: every commit is on disk before
        // the job acts on it (the default in WAL mode, NORMAL, may lose the last commits).
        c.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
        c.pragma_update(None, "synchronous", "FULL").map_err(e)?;
        c.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(e)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(e)?;
        match version {
            0 => {
                tx.execute_batch(SCHEMA).map_err(e)?;
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
        tx.commit().map_err(e)
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
        self.conn
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
            .conn
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
        let (sync, start) = match self.saved_state()? {
            None => (
                ChargeSync::new(options)
                    .map_err(|e| Error::from_core(e, Method::ChargesList, 0))?,
                Start::New,
            ),
            Some((state, complete)) => {
                let mut sync = ChargeSync::from_state(state)
                    .map_err(|e| Error::journal("the saved state", e))?;
                if complete {
                    sync.start_run();
                    (sync, Start::NextRun)
                } else {
                    (sync, Start::Resumed)
                }
            }
        };
        self.sync = Some(sync);
        self.in_flight = None;
        if start != Start::Resumed {
            self.step("start", |_, _| Ok(()))?;
        }
        Ok(start)
    }

    /// The sync, once started.
    pub fn sync(&self) -> Option<&ChargeSync> {
        self.sync.as_ref()
    }

    fn sync_mut(&mut self) -> Result<&mut ChargeSync, Error> {
        self.sync
            .as_mut()
            .ok_or_else(|| Error::Journal("the job has not been started (call start)".into()))
    }

    /// The run number (0 before [`Journal::start`]).
    pub fn run(&self) -> u64 {
        self.sync.as_ref().map_or(0, |s| s.state().run())
    }

    /// The next request to send, prepared with `token`; `None` when the run has nothing left to
    /// send. Nothing is written: the request follows from the saved state, so after a crash the
    /// same request is built again.
    pub fn next_request(&mut self, token: &Token) -> Result<Option<PreparedRequest>, Error> {
        let request = self
            .sync_mut()?
            .next_request(token)
            .map_err(|e| Error::from_core(e, Method::ChargesList, 0))?;
        self.in_flight = request.as_ref().map(|r| r.method);
        Ok(request)
    }

    /// Takes the response body of the request in flight (`http_status` is only for the error
    /// message) and, for a page, hands over its charges: the page and the handover are one
    /// transaction. An API error or a malformed body changes nothing; send the same request
    /// again (after logging in again, for a token error).
    pub fn feed(&mut self, body: &[u8], http_status: u16) -> Result<Handover, Error> {
        let method = self.in_flight.unwrap_or(Method::ChargesList);
        let before = self.sync_mut()?.state().clone();
        if let Err(e) = self.sync_mut()?.feed(body) {
            return Err(Error::from_core(e, method, http_status));
        }
        let delivered = self.sync_mut()?.take_charges();
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
        let result = self.step("feed", |tx, run| {
            let mut seq: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM charges", [], |r| {
                    r.get(0)
                })?;
            let mut out = Vec::with_capacity(take.len());
            for (d, action) in take {
                seq += 1;
                let json = serde_json::to_string(&d.charge).unwrap_or_default();
                let inserted = tx.execute(
                    "INSERT OR IGNORE INTO charges \
                     (number, run, seq, billable, charge, recorded_at, status) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'handed')",
                    params![
                        d.charge.number(),
                        run as i64,
                        seq,
                        d.charge.billable(),
                        json,
                        now()
                    ],
                )?;
                out.push(ChargeToBill {
                    redelivered: d.redelivered || inserted == 0,
                    charge: d.charge,
                    action,
                });
            }
            Ok(out)
        });
        match result {
            Ok(charges) => {
                self.in_flight = None;
                handover.charges = charges;
                Ok(handover)
            }
            Err(e) => {
                // Nothing was written: go back to the state on disk.
                self.sync = ChargeSync::from_state(before).ok();
                Err(e)
            }
        }
    }

    /// Records that the billing system took these charges, and confirms them to the sync (their
    /// acknowledgements go out with the next requests), in one transaction. A number that was
    /// not handed over fails the whole call and nothing is recorded. Returns how many charges
    /// were newly confirmed.
    pub fn confirm(&mut self, taken: &[Taken]) -> Result<usize, Error> {
        if taken.is_empty() {
            return Ok(0);
        }
        let before = self.sync_mut()?.state().clone();
        let sync = self.sync_mut()?;
        let mut count = 0;
        let mut failure = None;
        let plain: Vec<&str> = taken
            .iter()
            .filter(|t| t.reference_number.is_none())
            .map(|t| t.number.as_str())
            .collect();
        match sync.confirm(&plain) {
            Ok(n) => count += n,
            Err(e) => failure = Some(e),
        }
        if failure.is_none() {
            for t in taken {
                if let Some(r) = &t.reference_number {
                    match sync.confirm_with_reference(&t.number, r) {
                        Ok(new) => count += usize::from(new),
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        if let Some(e) = failure {
            self.sync = ChargeSync::from_state(before).ok();
            return Err(Error::Billing(
                format!("the billing system's confirmation was refused: {e}").into(),
            ));
        }
        let result = self.step("confirm", |tx, run| {
            let mut seq: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM charges", [], |r| {
                    r.get(0)
                })?;
            for t in taken {
                seq += 1;
                tx.execute(
                    "UPDATE charges SET status = 'taken', run = ?2, seq = ?3, \
                     reference_number = COALESCE(reference_number, ?4), taken_at = ?5 \
                     WHERE number = ?1 AND status = 'handed'",
                    params![t.number, run as i64, seq, t.reference_number, now()],
                )?;
            }
            Ok(())
        });
        if let Err(e) = result {
            self.sync = ChargeSync::from_state(before).ok();
            return Err(e);
        }
        Ok(count)
    }

    /// Whether the run has nothing left to send or take.
    pub fn is_finished(&self) -> bool {
        self.sync.as_ref().is_some_and(ChargeSync::is_finished)
    }

    /// The summary of the current run: the report and the charges taken in it.
    pub fn summary(&self) -> Result<RunSummary, Error> {
        let sync = self
            .sync
            .as_ref()
            .ok_or_else(|| Error::Journal("the job has not been started (call start)".into()))?;
        let run = sync.state().run();
        Ok(RunSummary {
            run,
            report: sync.report(),
            charges: self.charges(run)?,
        })
    }

    /// Marks the run complete (after its export): the next [`Journal::start`] begins the next
    /// run.
    pub fn complete(&mut self) -> Result<(), Error> {
        self.sync_mut()?;
        self.step("complete", |_, _| Ok(()))
    }

    /// The charges taken in `run`, in the order taken.
    pub fn charges(&self, run: u64) -> Result<Vec<LedgerEntry>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT charge, reference_number FROM charges \
                 WHERE run = ?1 AND status = 'taken' ORDER BY seq",
            )
            .map_err(|e| Error::journal("reading the ledger", e))?;
        let rows = stmt
            .query_map([run as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| Error::journal("reading the ledger", e))?;
        let mut out = Vec::new();
        for row in rows {
            let (json, reference_number) =
                row.map_err(|e| Error::journal("reading the ledger", e))?;
            // Read back with the rules its page was decoded with: a ledger edited or damaged on
            // disk cannot export a charge that decode would have refused.
            let charge: Charge = crmcom_netflix::decode_object(json.as_bytes(), None)
                .map_err(|e| Error::journal("a charge of the ledger", e))?;
            out.push(LedgerEntry {
                charge,
                run,
                reference_number,
            });
        }
        Ok(out)
    }

    /// Whether the billing system took the charge (in any run).
    pub fn has_taken(&self, number: &str) -> Result<bool, Error> {
        self.conn
            .query_row(
                "SELECT 1 FROM charges WHERE number = ?1 AND status = 'taken'",
                [number],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| Error::journal("reading the ledger", e))
    }

    /// One step: `write` and the sync state in one `BEGIN IMMEDIATE` transaction.
    fn step<T>(
        &mut self,
        name: &'static str,
        write: impl FnOnce(&rusqlite::Transaction<'_>, u64) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        let Some(sync) = self.sync.as_ref() else {
            return Err(Error::Journal(
                "the job has not been started (call start)".into(),
            ));
        };
        let state = sync.state().to_json();
        let run = sync.state().run();
        let e = |e: rusqlite::Error| Error::journal(name, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        trace_step!(name);
        let out = write(&tx, run).map_err(e)?;
        tx.execute(
            "INSERT INTO sync_state (id, state, run_complete, updated_at) VALUES (1, ?1, 0, ?2) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
             run_complete = CASE WHEN ?3 THEN 1 ELSE 0 END, updated_at = excluded.updated_at",
            params![state, now(), name == "complete"],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(out)
    }
}
