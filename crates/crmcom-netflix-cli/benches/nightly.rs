//! End-to-end benchmarks on loopback (`make bench`):
//!
//! 1. A nightly run of N processed charges (N = 10,000 and 100,000, 50 per page) through
//!    `crmnf sync` (journal, billing file) against `crmnf mock`; the same through the Python
//!    client (`Client.sync_charges` with its journal, over `UrllibTransport`), when a Python
//!    with `crmcom_netflix` is given in `CRMNF_BENCH_PYTHON`; and a naive loop with the same
//!    HTTP client as `crmnf sync` (the Rust client: list a page, decode, acknowledge it, no
//!    journal). Charges per second, requests per second, peak RSS, journal size, and the ratios:
//!    the journaled job against the naive loop (target at least 0.7), peak RSS at 100,000
//!    against 10,000 (target at most 1.1).
//! 2. The mock server alone under 32 concurrent clients (keep-alive connections, `charges/list`
//!    pages of 50): requests per second and latency percentiles.
//!
//! Each of `crmnf sync` and the naive loop runs three times at each size, in turn, after a
//! warm-up run of both; the median run of each is printed (with the highest peak RSS of its
//! three), and the ratios are of those medians. Both are timed the same way, as a process from
//! its start to its exit (the naive loop is this benchmark's own binary, `--naive-loop`).
//!
//! `cargo bench -p crmcom-netflix-cli --bench nightly [-- --quick]` (`--quick`: 2,000 and 20,000
//! charges, one run each).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crmcom_netflix::{
    AcknowledgeCharges, AcknowledgedCharge, ChargeStatusFilter, ListCharges, Release,
};
use crmcom_netflix_client::{blocking, Credentials};

const CRMNF: &str = env!("CARGO_BIN_EXE_crmnf");

#[path = "../tests/common/mod.rs"]
mod common;

use common::Mock;

/// `crmnf mock` with `charges` charges, every pending one processed now: the night has that many
/// processed charges to take. Its standard error is not kept (a long run would fill a pipe).
fn start_mock(charges: u32) -> Mock {
    let mut command = Command::new(CRMNF);
    command
        .args(["mock", "--port", "0", "--seed", "1", "--request-log", "0"])
        .args(["--charges", &charges.to_string()])
        .args(["--customers", &(charges / 4).max(10).to_string()])
        .stderr(Stdio::null());
    let mock = Mock::spawn(command);
    mock.post("/_mock/charges/process", &serde_json::json!({}));
    mock
}

/// Requests the mock has answered so far.
fn requests(mock: &Mock) -> u64 {
    mock.get("/_mock/health")["requests"].as_u64().unwrap()
}

/// The peak resident set of a running process, in KiB (its high-water mark).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// Runs a command to its end, watching its peak RSS; returns (seconds, peak RSS KiB).
fn measure(mut command: Command) -> (f64, u64) {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let status = loop {
        if let Some(p) = peak_rss_kib(child.id()) {
            peak = peak.max(p);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("{command:?} failed: {status}\n{err}");
    }
    (seconds, peak)
}

fn file_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
        })
        .sum()
}

struct Figures {
    what: String,
    charges: u64,
    seconds: f64,
    requests: u64,
    peak_rss_kib: Option<u64>,
    journal_bytes: Option<u64>,
}

impl Figures {
    fn charges_per_second(&self) -> f64 {
        self.charges as f64 / self.seconds
    }

    fn print(&self) {
        println!(
            "  {:<44} {:>8} charges {:>7.2} s {:>9.0} charges/s {:>7.0} requests/s  peak RSS {:>7}  journal {:>9}",
            self.what,
            self.charges,
            self.seconds,
            self.charges_per_second(),
            self.requests as f64 / self.seconds,
            self.peak_rss_kib
                .map_or("-".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
            self.journal_bytes
                .map_or("-".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0)),
        );
    }
}

fn crmnf_sync(charges: u32, dir: &Path) -> Figures {
    std::fs::create_dir_all(dir).unwrap();
    let mock = start_mock(charges);
    let before = requests(&mock);
    let journal = dir.join(format!("sync-{charges}.sqlite"));
    let mut c = Command::new(CRMNF);
    c.args([
        "sync",
        "--base-url",
        &mock.base_url,
        "--username",
        "billing",
    ])
    .args(["--organisation", "NETFLIXOP", "--journal"])
    .arg(&journal)
    .arg("--out")
    .arg(dir.join(format!("bills-{charges}")))
    .env("CRMNF_PASSWORD", "secret");
    let (seconds, peak) = measure(c);
    Figures {
        what: "crmnf sync (journal, billing file)".into(),
        charges: u64::from(charges),
        seconds,
        requests: requests(&mock) - before,
        peak_rss_kib: Some(peak),
        journal_bytes: Some(file_size(&journal)),
    }
}

/// The naive loop, in a process of its own (`nightly --naive-loop BASE_URL CHARGES`, started by
/// [`naive_loop`]): list a page, decode it, acknowledge what it would bill, until a page has
/// nothing; it fails unless it took `charges` charges.
fn naive_loop_process(base_url: &str, charges: u64) {
    let client = blocking::Client::builder(
        format!("{base_url}/crmapi/rest/v2"),
        Credentials::password("billing", "secret", "NETFLIXOP"),
    )
    .release(Release::LATEST)
    .build()
    .unwrap();
    let mut taken = 0u64;
    loop {
        let page = client
            .list_charges(&ListCharges::new(Some(ChargeStatusFilter::Processed)))
            .unwrap();
        let items: Vec<AcknowledgedCharge> = page
            .charges()
            .iter()
            .filter(|c| c.billing_action().confirms())
            .map(|c| {
                AcknowledgedCharge::new(c.number(), c.billing_system_customer_identifier.as_str())
            })
            .collect();
        if items.is_empty() {
            break;
        }
        taken += items.len() as u64;
        let failed = client
            .acknowledge_charges(
                AcknowledgeCharges {
                    acknowledged_charges_set: items,
                }
                .acknowledged_charges_set,
            )
            .unwrap();
        assert!(failed.is_empty());
    }
    assert_eq!(taken, charges);
}

/// The naive loop against a mock of `charges` charges, timed as `crmnf sync` is: a process from
/// its start to its exit.
fn naive_loop(charges: u32) -> Figures {
    let mock = start_mock(charges);
    let before = requests(&mock);
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--naive-loop", &mock.base_url, &charges.to_string()]);
    let (seconds, peak) = measure(c);
    Figures {
        what: "naive loop (same client, no journal)".into(),
        charges: u64::from(charges),
        seconds,
        requests: requests(&mock) - before,
        peak_rss_kib: Some(peak),
        journal_bytes: None,
    }
}

fn python_sync(python: &str, charges: u32, dir: &Path) -> Figures {
    let mock = start_mock(charges);
    let before = requests(&mock);
    let journal = dir.join(format!("python-{charges}.sqlite"));
    let script = "import sys, crmcom_netflix as nf\n\
        c = nf.Client(sys.argv[1] + '/crmapi/rest/v2', username='billing', password='secret',\n\
                      organisation='NETFLIXOP', transport=nf.UrllibTransport(proxies={}))\n\
        r = c.sync_charges(journal=sys.argv[2])\n\
        assert r.report.finished, r.report\n";
    let mut c = Command::new(python);
    c.args(["-c", script, &mock.base_url]).arg(&journal);
    let (seconds, peak) = measure(c);
    Figures {
        what: "Python Client.sync_charges (journal)".into(),
        charges: u64::from(charges),
        seconds,
        requests: requests(&mock) - before,
        peak_rss_kib: Some(peak),
        journal_bytes: Some(file_size(&journal)),
    }
}

/// A keep-alive client doing `charges/list` as fast as the server answers; the latencies.
fn hammer(base_url: &str, target: &str, until: Instant) -> Vec<Duration> {
    let address = base_url.trim_start_matches("http://").to_owned();
    let mut stream = BufReader::new(TcpStream::connect(&address).unwrap());
    stream.get_ref().set_nodelay(true).unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    let mut latencies = Vec::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        stream.get_mut().write_all(request.as_bytes()).unwrap();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        body.resize(length, 0);
        stream.read_exact(&mut body).unwrap();
        latencies.push(t.elapsed());
    }
    latencies
}

fn mock_alone(clients: usize, seconds: f64) {
    let mock = start_mock(5000);
    let answer = mock.post(
        "/crmapi/rest/v2/authentication/token",
        &serde_json::json!({"username": "billing", "password": "secret", "organisation": "NETFLIXOP"}),
    );
    let token = answer["data"]["token"].as_str().unwrap().to_owned();
    let target = format!(
        "/crmapi/rest/v2/netflix/charges/list?token={token}&number_of_results=50&offset=0&charge_status=PROCESSED"
    );
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let base = mock.base_url.clone();
            let target = target.clone();
            std::thread::spawn(move || hammer(&base, &target, until))
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "  crmnf mock, {clients} keep-alive clients, charges/list pages of 50 for {seconds} s: \
         {:.0} requests/s, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len() as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// The run of median time of `runs` (the figures printed), with the highest peak RSS of them.
fn median(mut runs: Vec<Figures>) -> Figures {
    let peak = runs.iter().filter_map(|f| f.peak_rss_kib).max();
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mut m = runs.swap_remove(runs.len() / 2);
    m.peak_rss_kib = peak;
    m
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--naive-loop") {
        naive_loop_process(&args[i + 1], args[i + 2].parse().unwrap());
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let (small, large) = if quick {
        (2_000, 20_000)
    } else {
        (10_000, 100_000)
    };
    // Each side runs this many times, the two sides in turn, and the median run of each is
    // printed: one run of either on a busy machine says little.
    let rounds = if quick { 1 } else { 3 };
    let python = std::env::var("CRMNF_BENCH_PYTHON").ok();
    let dir = tempfile::tempdir().unwrap();
    println!(
        "nightly run end to end on loopback against crmnf mock (50 charges a page; \
         median of {rounds} runs of each, in turn, after a warm-up run)"
    );
    // The warm-up: the binaries and the libraries in the page cache, the CPU's clock up.
    crmnf_sync(1_000, &dir.path().join("warm-up"));
    naive_loop(1_000);
    let mut figures = Vec::new();
    for n in [small, large] {
        let (mut syncs, mut naives) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            syncs.push(crmnf_sync(n, &dir.path().join(format!("round-{round}"))));
            naives.push(naive_loop(n));
        }
        let (sync, naive) = (median(syncs), median(naives));
        sync.print();
        naive.print();
        if let Some(py) = &python {
            let p = python_sync(py, n, dir.path());
            p.print();
            println!(
                "    ratio: Python client / crmnf sync throughput {:.2}",
                p.charges_per_second() / sync.charges_per_second()
            );
        }
        println!(
            "    ratio: crmnf sync / naive loop throughput {:.2} (target at least 0.70)",
            sync.charges_per_second() / naive.charges_per_second()
        );
        figures.push(sync);
    }
    let (s, l) = (&figures[0], &figures[1]);
    println!(
        "    ratio: crmnf sync peak RSS at {} / at {} charges {:.2} (target at most 1.10)",
        l.charges,
        s.charges,
        l.peak_rss_kib.unwrap() as f64 / s.peak_rss_kib.unwrap() as f64
    );
    println!("the mock server alone");
    mock_alone(32, if quick { 2.0 } else { 5.0 });
}
