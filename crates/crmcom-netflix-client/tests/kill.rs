//! The nightly job killed at random moments: child processes run `sync_charges` with a journal
//! over HTTP against a loopback server (which outlives them), and are SIGKILLed after a random
//! number of journal steps (so, often inside a transaction: the child pauses a few milliseconds
//! at each step) or after a random time, and started again until the run completes. In the end
//! every billable charge is billed exactly once, none is lost, the exports hold each billable
//! charge once, and the server's acknowledged set is what the billing took. Two billing systems:
//! one outside the journal, billing as it takes (every handover on disk before it is taken: no
//! charge is handed over as new twice), and one that bills from the journal at the export, with
//! the acknowledgements of 3 pages grouped under one commit (as `crmnf sync` runs). Also: two jobs started at once in two processes (one is refused,
//! nothing is exported twice), and a lock left by a killed process.
//!
//! The child is this test binary again, running the `child` test with `CRMNF_CHILD` set.

#![cfg(unix)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crmcom_netflix::{ChargeStatus, Release, SyncOptions};
use crmcom_netflix_client::{
    blocking, BoxError, ChargeToBill, Error, Journal, RetryPolicy, RunExport, Taken, Timeouts,
};
use crmcom_netflix_sim::{ChargeSpec, Sim};
use support::{credentials, LoopbackServer};

/// Exit code of a child refused by the journal lock (the command line's choice too).
const LOCKED: i32 = 75;

// -- the child -----------------------------------------------------------------------------

/// Writes a line for every journal step inside a transaction, and pauses there for a few
/// milliseconds so that a kill lands inside it.
struct PauseInTransactions;

impl tracing::Subscriber for PauseInTransactions {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "crmcom_netflix_client::journal"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "TXN");
        let _ = err.flush();
        std::thread::sleep(Duration::from_millis(3));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// A billing system keyed by charge number, on disk: `billed/<number>` is created once (the
/// idempotency key); every delivery is appended to `deliveries.log`; exports are
/// `run-NNNN.csv`, replaced atomically. `from_journal`: it bills only at the export (no
/// `billed/` files), and says so to the job.
struct FileBilling {
    dir: PathBuf,
    from_journal: bool,
}

fn append_synced(path: &Path, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(line.as_bytes()).unwrap();
    f.sync_all().unwrap();
}

impl crmcom_netflix_client::Billing for FileBilling {
    fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError> {
        let mut taken = Vec::new();
        for c in charges {
            append_synced(
                &self.dir.join("deliveries.log"),
                &format!("{} {}\n", c.number(), c.redelivered),
            );
            if self.from_journal {
                taken.push(Taken::new(c.number()));
                continue;
            }
            let kind = match c.action {
                crmcom_netflix::BillingAction::Bill => "billed",
                _ => "recorded",
            };
            let file = self.dir.join(kind).join(c.idempotency_key());
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&file)
            {
                Ok(mut f) => {
                    f.write_all(c.charge.amount.to_string().as_bytes())?;
                    f.sync_all()?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
            taken.push(Taken::new(c.number()));
        }
        Ok(taken)
    }

    fn export(&mut self, run: &RunExport<'_>) -> Result<(), BoxError> {
        let path = self.dir.join(format!("run-{:04}.csv", run.run()));
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        run.for_each_billable(|e| {
            let c = &e.charge;
            writeln!(f, "{},{},{}", c.number(), c.amount, c.currency.code())?;
            Ok(())
        })?;
        f.sync_all()?;
        std::fs::rename(tmp, path)?;
        Ok(())
    }

    fn bills_from_journal(&self) -> bool {
        self.from_journal
    }
}

#[test]
fn child() {
    let Ok(mode) = std::env::var("CRMNF_CHILD") else {
        return; // run as a test: nothing to do
    };
    let arg = |name: &str| std::env::var(name).unwrap();
    let journal_path = PathBuf::from(arg("CRMNF_JOURNAL"));
    if mode == "hold" {
        let _journal = Journal::open(&journal_path).unwrap();
        println!("HOLDING");
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let _ = tracing::subscriber::set_global_default(PauseInTransactions);
    let dir = PathBuf::from(arg("CRMNF_OUT"));
    let client = blocking::Client::builder(arg("CRMNF_BASE_URL"), credentials())
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .timeouts(Timeouts {
            attempt: Duration::from_secs(10),
            call: Duration::from_secs(30),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    let mut journal = match Journal::open(&journal_path) {
        Ok(j) => j,
        Err(Error::JournalLocked { .. }) => std::process::exit(LOCKED),
        Err(e) => panic!("{e}"),
    };
    let from_journal = mode == "grouped";
    let options = SyncOptions {
        page_size: 20,
        acknowledge_after_pages: if from_journal { 3 } else { 1 },
        ..SyncOptions::default()
    };
    let outcome = client
        .sync_charges(
            &mut journal,
            options,
            &mut FileBilling { dir, from_journal },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "DONE run {} finished {}",
        outcome.summary.run, outcome.summary.report.finished
    );
    // Never reach the harness's own output: the parent reads ours.
    std::process::exit(0);
}

// -- the parent ----------------------------------------------------------------------------

struct Job {
    base_url: String,
    journal: PathBuf,
    out: PathBuf,
}

impl Job {
    fn spawn(&self, mode: &str) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .args(["child", "--exact", "--nocapture", "--test-threads=1"])
            .env("CRMNF_CHILD", mode)
            .env("CRMNF_BASE_URL", &self.base_url)
            .env("CRMNF_JOURNAL", &self.journal)
            .env("CRMNF_OUT", &self.out)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// A small deterministic generator (the kill points are reproducible from the seed).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn dir_for(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmnf-kill-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["billed", "recorded"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    dir
}

fn add_arrivals(server: &LoopbackServer, rng: &mut Lcg, n: u64) {
    let now = crmcom_netflix_client::Clock::now(&crmcom_netflix_client::SystemClock);
    server.with_sim(|sim| {
        for i in 0..n {
            let amount = ["8.99", "12.99", "15.49"][rng.below(3) as usize];
            let mut spec =
                ChargeSpec::approved(&format!("pci{:05}", rng.below(500)), amount, "USD");
            match rng.below(20) {
                0 => spec = spec.with_status(ChargeStatus::Declined),
                1 => spec.currency = "XTS".into(), // approved, cannot be priced: left
                _ => {}
            }
            sim.add_charge(spec, now - 100 + i as i64);
        }
    });
}

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_job_killed_at_random_moments_bills_every_charge_exactly_once() {
    killed_at_random_moments("sync", 20_240_301);
}

#[test]
fn a_job_billing_from_the_journal_killed_at_random_moments_bills_every_charge_exactly_once() {
    killed_at_random_moments("grouped", 20_241_202);
}

/// Kills and restarts a job in `mode` (`sync`: billing outside the journal; `grouped`: billing
/// from the journal, acknowledgements grouped), then checks that nothing was lost or billed twice.
fn killed_at_random_moments(mode: &str, seed: u64) {
    let from_journal = mode == "grouped";
    let mut rng = Lcg(seed);
    let server = LoopbackServer::start(Sim::new(Release::LATEST));
    server.with_sim(|sim| sim.fail_acknowledgements_at_rate(100, 5));
    add_arrivals(&server, &mut rng, 150);
    let out = dir_for(mode);
    let job = Job {
        base_url: server.base_url.clone(),
        journal: out.join("journal.sqlite"),
        out: out.clone(),
    };
    let (mut starts, mut kills, mut kills_in_transactions, mut finished) = (0, 0, 0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    for round in 0..60 {
        if Instant::now() > deadline {
            break;
        }
        if round % 3 == 0 {
            let n = 5 + rng.below(40);
            add_arrivals(&server, &mut rng, n);
        }
        let mut child = job.spawn(mode);
        starts += 1;
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line == "TXN" && tx.send(()).is_err() {
                    break;
                }
            }
        });
        // Half the starts are killed at the k-th journal step (inside a transaction, as the child
        // pauses there), the other half after a random time.
        let (k, wait) = if rng.below(2) == 0 {
            (1 + rng.below(15), 3_000)
        } else {
            (u64::MAX, 5 + rng.below(300))
        };
        let time_limit = Instant::now() + Duration::from_millis(wait);
        let mut seen = 0;
        let mut by_transaction = false;
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if rx.recv_timeout(Duration::from_millis(1)).is_ok() {
                seen += 1;
                if seen >= k {
                    by_transaction = true;
                    break;
                }
            }
            if Instant::now() > time_limit {
                break;
            }
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            kills_in_transactions += usize::from(by_transaction);
        } else {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stdout)
            );
            finished += 1;
        }
    }
    // Then night after night without kills or faults, until every taken charge is acknowledged.
    server.with_sim(|sim| sim.clear_faults());
    for _ in 0..5 {
        let output = job.spawn(mode).wait_with_output().unwrap();
        starts += 1;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        finished += 1;
    }
    assert!(
        kills >= 15 && kills_in_transactions >= 5,
        "kills {kills}, in transactions {kills_in_transactions}"
    );

    let charges: BTreeMap<String, (ChargeStatus, String, bool)> = server.with_sim(|sim| {
        sim.charges()
            .map(|c| {
                (
                    c.number.clone(),
                    (
                        c.status.clone(),
                        c.currency.clone(),
                        c.acknowledged_on.is_some(),
                    ),
                )
            })
            .collect()
    });
    let billable: BTreeSet<String> = charges
        .iter()
        .filter(|(_, (s, cur, _))| *s == ChargeStatus::Approved && cur != "XTS")
        .map(|(n, _)| n.clone())
        .collect();
    let recordable: BTreeSet<String> = charges
        .iter()
        .filter(|(_, (s, _, _))| *s == ChargeStatus::Declined)
        .map(|(n, _)| n.clone())
        .collect();
    if !from_journal {
        let billed = files(&out.join("billed"));
        assert_eq!(
            billed, billable,
            "billed = billable: none lost, none unexpected"
        );
        assert_eq!(files(&out.join("recorded")), recordable);

        // Handed over as new at most once each. (Billing from the journal, a kill undoes a
        // handover and its take together, and the charge is handed over as new again.)
        let log = std::fs::read_to_string(out.join("deliveries.log")).unwrap();
        let mut as_new: BTreeMap<&str, u32> = BTreeMap::new();
        for line in log.lines() {
            let (number, redelivered) = line.split_once(' ').unwrap();
            if redelivered == "false" {
                *as_new.entry(number).or_default() += 1;
            }
        }
        let twice: Vec<_> = as_new.iter().filter(|(_, &k)| k > 1).collect();
        assert!(twice.is_empty(), "handed over as new twice: {twice:?}");
    }

    // The exports hold every billable charge exactly once.
    let mut exported: BTreeMap<String, u32> = BTreeMap::new();
    for name in files(&out).into_iter().filter(|n| n.ends_with(".csv")) {
        for line in std::fs::read_to_string(out.join(name)).unwrap().lines() {
            *exported
                .entry(line.split(',').next().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(exported.values().all(|&k| k == 1), "exported twice");
    assert_eq!(exported.keys().cloned().collect::<BTreeSet<_>>(), billable);

    // The server's acknowledged set is what the billing took, billed or recorded.
    let acknowledged: BTreeSet<String> = charges
        .iter()
        .filter(|(_, (_, _, a))| *a)
        .map(|(n, _)| n.clone())
        .collect();
    let taken: BTreeSet<String> = billable.union(&recordable).cloned().collect();
    assert_eq!(acknowledged, taken);
    let db = rusqlite::Connection::open(&job.journal).unwrap();
    let ledger: BTreeSet<String> = db
        .prepare("SELECT number FROM charges WHERE status = 'taken'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ledger, taken);
    println!(
        "kill test ({mode}): {starts} starts, {kills} kills ({kills_in_transactions} inside \
         journal transactions), {finished} finished; {} charges billed exactly once, {} \
         recorded, {} left on the server on purpose",
        billable.len(),
        recordable.len(),
        charges.len() - taken.len()
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn two_jobs_started_at_once_in_two_processes_run_once_and_export_once() {
    let server = LoopbackServer::start(Sim::new(Release::LATEST));
    let mut rng = Lcg(7);
    add_arrivals(&server, &mut rng, 300);
    let out = dir_for("two");
    let job = Job {
        base_url: server.base_url.clone(),
        journal: out.join("journal.sqlite"),
        out: out.clone(),
    };
    let a = job.spawn("sync");
    let b = job.spawn("sync");
    let codes: Vec<i32> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    // Both may also run one after the other (the second starting a run of its own, with nothing
    // in it); what must never happen is one run exported by both.
    assert!(sorted == [0, LOCKED] || sorted == [0, 0], "{codes:?}");
    let exports: Vec<String> = files(&out)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .collect();
    let mut lines = 0;
    for e in &exports {
        lines += std::fs::read_to_string(out.join(e))
            .unwrap()
            .lines()
            .count();
    }
    assert_eq!(lines, files(&out.join("billed")).len());
    // Held by a running process: refused at once; its SIGKILL leaves no lock behind.
    let mut holder = job.spawn("hold");
    let holding = BufReader::new(holder.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("HOLDING"));
    assert!(holding);
    let before = std::fs::read(&job.journal).unwrap();
    let started = Instant::now();
    let e = Journal::open(&job.journal).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(e, Error::JournalLocked { .. }), "{e:?}");
    assert!(
        e.to_string().contains(&format!("process {}", holder.id())),
        "{e}"
    );
    let code = job.spawn("sync").wait().unwrap().code();
    assert_eq!(code, Some(LOCKED));
    assert_eq!(
        std::fs::read(&job.journal).unwrap(),
        before,
        "the refused job changed nothing"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    Journal::open(&job.journal).unwrap();
    let _ = std::fs::remove_dir_all(&out);
}
