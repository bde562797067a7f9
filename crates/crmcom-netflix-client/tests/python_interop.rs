//! One journal, two languages: a run begun by the Python client (`Client.sync_charges`, through
//! the native module) is finished by the Rust client, and a run begun by the Rust client is
//! finished by the Python one; every charge is billed once and acknowledged.
//!
//! Needs the Python package installed in a virtualenv: `CRMNF_PYTHON` names its interpreter
//! (`make test` sets it, after building the wheel). Without it the test says so and passes.

mod support;

use std::path::PathBuf;
use std::process::Command;

use crmcom_netflix::{Release, SyncOptions};
use crmcom_netflix_client::{
    blocking, BoxError, ChargeToBill, Error, Journal, Start, SystemClock, Taken,
};
use crmcom_netflix_sim::Sim;
use support::{add_charges, credentials, Ledger, LoopbackServer};

const SCRIPT: &str = r#"
import sys
import crmcom_netflix as nf

base_url, journal, fail_after = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Failing:
    """urllib, failing for good after `fail_after` requests (a dying network)."""
    def __init__(self):
        self.inner = nf.UrllibTransport(proxies={})
        self.sent = 0
    def send(self, request):
        self.sent += 1
        if fail_after and self.sent > fail_after:
            raise OSError("the network is gone")
        return self.inner.send(request)

client = nf.Client(base_url, username="billing", password="secret", organisation="NETFLIXOP",
                   retries=0, transport=Failing())
exported = []
try:
    result = client.sync_charges(journal=journal, page_size=10,
                                 export=lambda r: exported.append(r))
except nf.TransportError:
    sys.exit(3)
print(result.run, len(result.charges), len(set(c.number for c in result.charges)),
      sum(1 for c in result.charges if c.redelivered), len(exported))
"#;

fn python() -> Option<PathBuf> {
    let python = std::env::var_os("CRMNF_PYTHON")?;
    let path = PathBuf::from(python);
    assert!(
        path.exists(),
        "CRMNF_PYTHON={} does not exist",
        path.display()
    );
    Some(path)
}

fn run_python(
    python: &PathBuf,
    base_url: &str,
    journal: &std::path::Path,
    fail_after: u32,
) -> (i32, String) {
    let out = Command::new(python)
        .args([
            "-c",
            SCRIPT,
            base_url,
            &journal.display().to_string(),
            &fail_after.to_string(),
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn client(base_url: &str) -> blocking::Client {
    blocking::Client::builder(base_url, credentials())
        .build()
        .unwrap()
}

#[test]
fn a_run_begun_in_one_language_is_finished_in_the_other() {
    let Some(python) = python() else {
        eprintln!("CRMNF_PYTHON is not set: the cross-language journal test is not run");
        return;
    };
    let now = crmcom_netflix_client::Clock::now(&SystemClock);
    let mut sim = Sim::new(Release::LATEST);
    add_charges(&mut sim, now, 60, "a");
    let server = LoopbackServer::start(sim);
    let dir = std::env::temp_dir().join(format!("crmnf-interop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.sqlite");

    // Python begins run 1 and loses the network after a few requests.
    let (code, output) = run_python(&python, &server.base_url, &path, 4);
    assert_eq!(code, 3, "{output}");
    let taken_by_python = Journal::open(&path).unwrap().charges(1).unwrap().len();
    assert!(taken_by_python > 0, "{output}");

    // Rust finishes run 1: the export has every charge of the run, the ones Python took too.
    let c = client(&server.base_url);
    let mut journal = Journal::open(&path).unwrap();
    let mut ledger = Ledger::default();
    let outcome = c
        .sync_charges(&mut journal, SyncOptions::default(), &mut ledger)
        .unwrap();
    assert_eq!(outcome.start, Start::Resumed);
    assert_eq!(outcome.summary.run, 1);
    assert_eq!(outcome.summary.taken, 60);
    assert_eq!(ledger.exports.len(), 1);
    assert_eq!(ledger.exports[0].1.len(), 60);
    let unacknowledged = |s: &LoopbackServer| {
        s.with_sim(|sim| {
            sim.charges()
                .filter(|c| c.acknowledged_on.is_none())
                .count()
        })
    };
    assert_eq!(unacknowledged(&server), 0);

    // Rust begins run 2, and its billing system fails on the third page.
    server.with_sim(|sim| add_charges(sim, now, 40, "b"));
    struct FailOnThird(u32);
    impl crmcom_netflix_client::Billing for FailOnThird {
        fn take(&mut self, charges: &[ChargeToBill]) -> Result<Vec<Taken>, BoxError> {
            self.0 += 1;
            if self.0 == 3 {
                return Err("the billing database is down".into());
            }
            Ok(charges.iter().map(|c| Taken::new(c.number())).collect())
        }
    }
    let options = SyncOptions {
        page_size: 10,
        ..SyncOptions::default()
    };
    let e = c
        .sync_charges(&mut journal, options, &mut FailOnThird(0))
        .unwrap_err();
    assert!(matches!(e, Error::Billing(_)), "{e:?}");
    drop(journal);

    // Python finishes run 2: all 40, the page Rust's billing failed on handed over again.
    let (code, output) = run_python(&python, &server.base_url, &path, 0);
    assert_eq!(code, 0, "{output}");
    let fields: Vec<u64> = output
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    assert_eq!(fields[..3], [2, 40, 40], "{output}");
    assert_eq!(fields[4], 1, "exported once");
    assert_eq!(unacknowledged(&server), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
