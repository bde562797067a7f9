//! `crmnf sync`, `crmnf call` and `crmnf journal` against `crmnf mock`, as an operator's cron
//! job runs them: every exit code, the billing files, the report, and kills of either side.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{crmnf, run, run_with, write, Mock};
use serde_json::{json, Value};

const PASSWORD: &str = "secret";

fn sync_command(base_url: &str, dir: &Path) -> Command {
    let mut c = crmnf();
    c.args([
        "sync",
        "--base-url",
        base_url,
        "--username",
        "billing",
        "--organisation",
        "NETFLIXOP",
        "--journal",
        &dir.join("journal.sqlite").display().to_string(),
        "--out",
        &dir.join("bills").display().to_string(),
    ])
    .env("CRMNF_PASSWORD", PASSWORD);
    c
}

fn sync(base_url: &str, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    run_with(sync_command(base_url, dir).args(extra), None)
}

/// Every billed number in the billing files, with the file it is in.
fn billed(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(files) = std::fs::read_dir(dir.join("bills")) else {
        return out;
    };
    let mut files: Vec<_> = files.map(|f| f.unwrap().path()).collect();
    files.sort();
    for f in files {
        if f.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&f).unwrap();
            for line in text.lines().skip(1) {
                let number = line.split(',').next().unwrap().to_owned();
                out.push((
                    number,
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                ));
            }
        }
    }
    out
}

fn state(mock: &Mock) -> Vec<Value> {
    mock.get("/_mock/state")["charges"]
        .as_array()
        .unwrap()
        .clone()
}

fn numbers(charges: &[Value], pick: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    charges
        .iter()
        .filter(|c| pick(c))
        .map(|c| c["number"].as_str().unwrap().to_owned())
        .collect()
}

/// Every approved charge billed exactly once and every processed charge acknowledged.
fn assert_exactly_once(mock: &Mock, dir: &Path) {
    let charges = state(mock);
    let bills = billed(dir);
    let mut seen = BTreeMap::new();
    for (n, file) in &bills {
        if let Some(other) = seen.insert(n.clone(), file.clone()) {
            panic!("{n} billed twice: in {other} and {file}");
        }
    }
    let approved = numbers(&charges, |c| c["charge_status"] == "APPROVED");
    assert_eq!(
        seen.keys().cloned().collect::<BTreeSet<_>>(),
        approved,
        "billed = approved"
    );
    let processed = numbers(&charges, |c| c["charge_status"] != "PENDING");
    let acknowledged = numbers(&charges, |c| c["acknowledged"] == json!(true));
    assert_eq!(acknowledged, processed, "acknowledged = processed");
}

#[test]
fn a_night_bills_the_approved_charges_and_the_next_picks_up_those_approved_meanwhile() {
    let mock = Mock::start(&["--charges", "150", "--seed", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("run 1 complete: "), "{out}");
    assert!(
        out.contains("billing file: ") && out.contains("run-000001.csv"),
        "{out}"
    );
    assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD));
    assert_exactly_once(&mock, dir.path());
    let first = billed(dir.path()).len();
    let pending = numbers(&state(&mock), |c| c["charge_status"] == "PENDING");
    assert!(!pending.is_empty());
    // A day and a half later the pending charges have been processed.
    mock.post("/_mock/clock/advance", &json!({"hours": 40}));
    let (code, out, err) = sync(&mock.base_url, dir.path(), &["--json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (report["run"].as_u64(), report["start"].as_str()),
        (Some(2), Some("next_run"))
    );
    assert!(report["billed"]["charges"].as_u64().unwrap() > 0);
    assert!(report["billing_file"]
        .as_str()
        .unwrap()
        .ends_with("run-000002.csv"));
    assert!(billed(dir.path()).len() > first);
    assert_exactly_once(&mock, dir.path());
    // The morning check.
    let journal = dir.path().join("journal.sqlite").display().to_string();
    let (code, out, _) = run(&["journal", "status", &journal], None);
    assert_eq!(code, 0);
    assert!(out.contains("run 2 complete"), "{out}");
    assert!(out.contains(" charges taken in 2 runs\n"), "{out}");
    let (code, out, _) = common::run(
        &["journal", "report", &journal, "--run", "1", "--json"],
        None,
    );
    assert_eq!(code, 0);
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["billed"]["charges"].as_u64().unwrap() as usize, first);
    assert!(r["billed"]["totals"]
        .as_object()
        .unwrap()
        .contains_key("JPY"));
}

#[test]
fn the_billing_file_holds_exact_amounts_in_every_currency() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = write(
        dir.path(),
        "f.json",
        r#"{"charges": [
        {"billing_system_customer_identifier": "pci,1", "amount": "1490", "currency": "JPY"},
        {"billing_system_customer_identifier": "pci2", "amount": "2.500", "currency": "KWD"},
        {"billing_system_customer_identifier": "pci3", "amount": 5.99, "currency": "USD"}]}"#,
    );
    let mock = Mock::start(&["--fixtures", &fixtures]);
    let (code, _, err) = sync(&mock.base_url, dir.path(), &["--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("bills/run-000001.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let amounts: Vec<(&str, &str, i64)> = lines
        .iter()
        .map(|l| {
            (
                l["amount"].as_str().unwrap(),
                l["currency"].as_str().unwrap(),
                l["amount_minor_units"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [
            ("1490", "JPY", 1490),
            ("2.500", "KWD", 2500),
            ("5.99", "USD", 599)
        ]
    );
    let dir2 = tempfile::tempdir().unwrap();
    mock.post("/_mock/reset", &json!({}));
    let (code, _, _) = sync(&mock.base_url, dir2.path(), &[]);
    assert_eq!(code, 0);
    let csv = std::fs::read_to_string(dir2.path().join("bills/run-000001.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("I00000001,\"pci,1\",1490,JPY,1490,"),
        "{csv}"
    );
}

#[test]
fn exit_3_when_acknowledgements_fail_or_charges_are_left_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = write(
        dir.path(),
        "f.json",
        r#"{"charges": [
        {"billing_system_customer_identifier": "pci1", "amount": "5.99", "currency": "USD"},
        {"billing_system_customer_identifier": "pci2", "amount": "5.99", "currency": "XTS"}]}"#,
    );
    let mock = Mock::start(&[
        "--fixtures",
        &fixtures,
        "--fault",
        "netflix/charges/acknowledge:failed_charge:count=100",
    ]);
    let (code, out, _) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("failed acknowledgements: 1 (retried first in the next run)"),
        "{out}"
    );
    assert!(out.contains("ACKNOWLEDGEMENT_FAILED"), "{out}");
    assert!(
        out.contains("left on the server: 1 (1 approved with an amount that cannot be priced"),
        "{out}"
    );
    // The failed acknowledgement goes through in the next run: nothing billed twice.
    mock.post("/_mock/faults", &json!({"faults": []}));
    let (code, out, _) = sync(&mock.base_url, dir.path(), &["--json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["failed_acknowledgements"], json!([]));
    assert_eq!(code, 3, "the unpriceable charge is still there: {out}");
    assert_eq!(billed(dir.path()).len(), 1);
}

#[test]
fn exit_77_when_the_login_is_refused_and_78_for_missing_settings() {
    let mock = Mock::start(&["--charges", "3"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_with(
        sync_command(&mock.base_url, dir.path()).env("CRMNF_PASSWORD", "wrong"),
        None,
    );
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("INVALID_LOGIN") && !err.contains("wrong"),
        "{err}"
    );
    let (code, _, err) = run_with(
        sync_command(&mock.base_url, dir.path()).env_remove("CRMNF_PASSWORD"),
        None,
    );
    assert_eq!(code, 78);
    assert!(err.contains("CRMNF_PASSWORD"), "{err}");
    let (code, _, err) = run_with(
        crmnf()
            .args(["sync", "--journal", "j", "--out", "o"])
            .env("CRMNF_PASSWORD", "x"),
        None,
    );
    assert_eq!(code, 78);
    assert!(
        err.contains("--base-url (or CRMNF_BASE_URL) is required"),
        "{err}"
    );
    let (code, _, _) = sync(
        &mock.base_url,
        dir.path(),
        &["--password-file", "/nonexistent"],
    );
    assert_eq!(code, 78);
    let pw = write(dir.path(), "pw", "secret\n");
    let (code, _, err) = run_with(
        sync_command(&mock.base_url, dir.path())
            .env_remove("CRMNF_PASSWORD")
            .args(["--password-file", &pw]),
        None,
    );
    assert_eq!(code, 0, "{err}");
    // A secret is never a flag's value.
    let (code, _, _) = sync(&mock.base_url, dir.path(), &["--password", "secret"]);
    assert_eq!(code, 64);
    // Settings from the environment.
    let (code, _, err) = run_with(
        crmnf()
            .args(["sync"])
            .env("CRMNF_BASE_URL", &mock.base_url)
            .env("CRMNF_USERNAME", "billing")
            .env("CRMNF_ORGANISATION", "NETFLIXOP")
            .env("CRMNF_PASSWORD", PASSWORD)
            .env("CRMNF_JOURNAL", dir.path().join("env.sqlite"))
            .env("CRMNF_OUT", dir.path().join("env-bills")),
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("env-bills/run-000001.csv").exists());
}

#[test]
fn exit_69_when_the_server_stays_unavailable_and_65_for_malformed_answers() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, _, err) = sync(&url, dir.path(), &["--attempts", "2"]);
    assert_eq!(code, 69, "{err}");
    let mock = Mock::start(&[
        "--charges",
        "10",
        "--fault",
        "netflix/charges/list:http_status:status=503,count=100",
    ]);
    let started = Instant::now();
    let (code, _, err) = sync(&mock.base_url, dir.path(), &["--attempts", "2"]);
    assert_eq!(code, 69, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    let mock = Mock::start(&[
        "--charges",
        "10",
        "--fault",
        "netflix/charges/list:malformed_body:count=100",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = sync(&mock.base_url, dir.path(), &["--attempts", "1"]);
    assert_eq!(code, 65, "{err}");
    // Nothing was lost: once the server answers properly, the same run completes. Two garbled
    // answers to acknowledgements applied on the server do not stop it: each goes again within
    // the attempts, and the charges are billed once.
    mock.post(
        "/_mock/faults",
        &json!({"faults": [{"method": "netflix/charges/acknowledge", "fault": "malformed_body", "count": 2}]}),
    );
    let (code, out, err) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let fired = mock.get("/_mock/state")["faults"][0]["fired"].as_u64();
    assert_eq!(fired, Some(2));
    assert!(out.starts_with("run 1 complete"), "{out}");
    assert_exactly_once(&mock, dir.path());
}

#[test]
fn exit_75_when_another_job_holds_the_journal_and_the_morning_check_still_reads_it() {
    let mock = Mock::start(&[
        "--charges",
        "200",
        "--fault",
        "netflix/charges/list:latency:ms=400,count=20",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut first = sync_command(&mock.base_url, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("journal.sqlite.lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&lock).map_or(true, |t| t.is_empty()) {
        assert!(
            Instant::now() < deadline,
            "the first job never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let (code, _, err) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 75, "{err}");
    assert!(
        err.contains("process"),
        "the message names the holder: {err}"
    );
    let journal = dir.path().join("journal.sqlite").display().to_string();
    let (code, out, err) = run(&["journal", "status", &journal, "--json"], None);
    assert_eq!(code, 0, "{err}");
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["run"], 1);
    assert_eq!(first.wait().unwrap().code(), Some(0));
    assert_exactly_once(&mock, dir.path());
}

#[test]
fn journal_commands_refuse_what_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.sqlite").display().to_string();
    let (code, _, err) = run(&["journal", "status", &missing], None);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("no journal there"), "{err}");
    assert!(
        !dir.path().join("none.sqlite").exists(),
        "a report creates nothing"
    );
    let not_journal = write(dir.path(), "text.sqlite", "hello");
    let (code, _, err) = run(&["journal", "report", &not_journal], None);
    assert_ne!(code, 0, "{err}");
    let mock = Mock::start(&["--charges", "5"]);
    sync(&mock.base_url, dir.path(), &[]);
    let journal = dir.path().join("journal.sqlite").display().to_string();
    let (code, _, err) = run(&["journal", "report", &journal, "--run", "7"], None);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("no run 7"), "{err}");
    let (code, out, _) = run(&["journal", "report", &journal], None);
    assert_eq!(code, 0);
    assert!(out.starts_with("run 1: "), "{out}");
}

/// The simulator's default Web API key (`crmcom_netflix_sim::API_KEY`).
const API_KEY: &str = "3F2504E04F8911D39A0C0305E82C3301";

/// `sync` logging in with the Web API key held by the variable `NIGHTLY_KEY`, no user name,
/// organisation or password anywhere.
fn sync_with_key(base_url: &str, dir: &Path, key: Option<&str>) -> (i32, String, String) {
    let mut c = crmnf();
    c.args([
        "sync",
        "--base-url",
        base_url,
        "--api-key-env",
        "NIGHTLY_KEY",
    ])
    .arg("--journal")
    .arg(dir.join("journal.sqlite"))
    .arg("--out")
    .arg(dir.join("bills"))
    .env_remove("CRMNF_PASSWORD")
    .env_remove("CRMNF_USERNAME")
    .env_remove("NIGHTLY_KEY");
    if let Some(key) = key {
        c.env("NIGHTLY_KEY", key);
    }
    run_with(&mut c, None)
}

#[test]
fn a_night_logs_in_with_the_web_api_key_of_the_named_variable_and_never_shows_it() {
    let mock = Mock::start(&["--charges", "60", "--seed", "5"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = sync_with_key(&mock.base_url, dir.path(), Some(API_KEY));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("run 1 complete: "), "{out}");
    assert!(!out.contains(API_KEY) && !err.contains(API_KEY));
    assert_exactly_once(&mock, dir.path());
    let log = mock.get("/_mock/requests");
    let methods: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(
        methods.contains(&"authentication/web_api_key/token"),
        "{methods:?}"
    );
    assert!(!methods.contains(&"authentication/token"), "{methods:?}");
    assert!(
        !log.to_string().contains(API_KEY),
        "the request log shows the key"
    );
    // The journal's morning check knows nothing of how the job logged in.
    let journal = dir.path().join("journal.sqlite").display().to_string();
    let (code, out, _) = run(&["journal", "status", &journal], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" charges taken in 1 run\n"), "{out}");
}

#[test]
fn the_mock_logs_in_the_web_api_keys_it_is_given_and_no_other() {
    let key = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
    let mock = Mock::start(&["--charges", "20", "--api-key", &format!("{key}:NETFLIXOP")]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = sync_with_key(&mock.base_url, dir.path(), Some(API_KEY));
    assert_eq!(code, 77, "the default key is replaced: {out}\n{err}");
    let (code, out, err) = sync_with_key(&mock.base_url, dir.path(), Some(key));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_exactly_once(&mock, dir.path());
    let (code, _, err) = run(&["mock", "--api-key", "no-organisation"], None);
    assert_eq!(code, 64, "{err}");
}

#[test]
fn a_web_api_key_refused_unset_or_empty_ends_with_its_exit_code_and_never_shows_the_key() {
    let mock = Mock::start(&["--charges", "5"]);
    let dir = tempfile::tempdir().unwrap();
    let wrong = "0000000000000000000000000000BEEF";
    let (code, out, err) = sync_with_key(&mock.base_url, dir.path(), Some(wrong));
    assert_eq!(code, 77, "{out}\n{err}");
    assert!(!out.contains(wrong) && !err.contains(wrong), "{err}");
    assert!(!mock.get("/_mock/requests").to_string().contains(wrong));
    let (code, _, err) = sync_with_key(&mock.base_url, dir.path(), None);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("NIGHTLY_KEY is not set"), "{err}");
    let (code, _, err) = sync_with_key(&mock.base_url, dir.path(), Some("  "));
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("NIGHTLY_KEY is empty"), "{err}");
    // The name of the variable, never the key: a key given as the flag's value is no name.
    for given in [format!("KEY={API_KEY}"), API_KEY.to_owned()] {
        let (code, _, err) = run_with(
            crmnf()
                .args([
                    "sync",
                    "--base-url",
                    &mock.base_url,
                    "--journal",
                    "j",
                    "--out",
                    "o",
                ])
                .args(["--api-key-env", &given])
                .current_dir(dir.path()),
            None,
        );
        assert_eq!(code, 78, "{err}");
        assert!(err.contains("never the key itself"), "{err}");
        assert!(!err.contains(API_KEY), "{err}");
    }
    assert!(
        !dir.path().join("j").exists(),
        "no journal made before the login settings are checked"
    );
    assert!(billed(dir.path()).is_empty(), "nothing billed");
    // The setting from the environment, as the other settings.
    let (code, out, err) = run_with(
        crmnf()
            .args(["call", "netflix/promotions/list"])
            .env("CRMNF_BASE_URL", &mock.base_url)
            .env("CRMNF_API_KEY_ENV", "OPS_KEY")
            .env("OPS_KEY", API_KEY)
            .env_remove("CRMNF_PASSWORD"),
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"code\""), "{out}");
    assert!(!out.contains(API_KEY) && !err.contains(API_KEY));
}

#[test]
fn call_runs_one_method_and_exits_by_the_answer() {
    let mock = Mock::start(&["--charges", "5", "--customers", "3"]);
    let call = |args: &[&str]| {
        run_with(
            crmnf()
                .arg("call")
                .args(args)
                .env("CRMNF_BASE_URL", &mock.base_url)
                .env("CRMNF_USERNAME", "billing")
                .env("CRMNF_ORGANISATION", "NETFLIXOP")
                .env("CRMNF_PASSWORD", PASSWORD),
            None,
        )
    };
    let (code, out, err) = call(&["netflix/promotions/list"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()[0]["code"],
        "14"
    );
    let (code, out, _) = call(&[
        "netflix/subscriptions/show",
        "-p",
        "billing_system_customer_identifier=pci00001",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()[0]["subscription_number"],
        "NS000001"
    );
    let (code, _, err) = call(&[
        "netflix/subscriptions/suspend",
        "-p",
        "billing_system_customer_identifier=nobody",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("SUBSCRIPTION_NOT_FOUND"), "{err}");
    // A request that breaks a rule is never sent (no login either).
    let before = mock.get("/_mock/health")["requests"].as_u64().unwrap();
    let (code, _, err) = call(&[
        "netflix/charges/list",
        "-p",
        "number_of_results:=51",
        "-p",
        "offset:=0",
        "-p",
        "charge_status=PROCESSED",
    ]);
    assert_eq!(code, 65);
    assert!(err.contains("number_of_results: out_of_range"), "{err}");
    assert_eq!(
        mock.get("/_mock/health")["requests"].as_u64().unwrap(),
        before
    );
    let (code, _, _) = run_with(
        crmnf()
            .args([
                "call",
                "netflix/promotions/list",
                "--base-url",
                &mock.base_url,
                "--username",
                "billing",
                "--organisation",
                "NETFLIXOP",
            ])
            .env("CRMNF_PASSWORD", "nope"),
        None,
    );
    assert_eq!(code, 77);
    let (code, _, err) = call(&["netflix/charges/list", "-"]);
    assert_eq!(code, 65, "an empty document is not JSON: {err}");
}

/// Runs `crmnf sync` again and again, SIGKILLing it at a random moment until `kills` kills have
/// landed, new charges arriving between starts (`more`), then lets it finish; returns the starts.
fn sync_with_kills(
    base_url: &str,
    dir: &Path,
    seed: u64,
    kills: u32,
    more: &dyn Fn(),
    after_kill: Option<&dyn Fn()>,
) -> u32 {
    let mut rng = seed;
    let mut next = || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        rng >> 33
    };
    let (mut starts, mut killed) = (0, 0);
    loop {
        starts += 1;
        assert!(
            starts <= 8 * kills + 20,
            "{starts} starts: {killed} kills landed, no complete run after them"
        );
        if starts % 3 == 0 {
            more();
        }
        let mut child = sync_command(base_url, dir)
            .args(["--page-size", "7"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Within the time a run takes (a run that ends first is started again; the journal makes
        // runs fast, so a wider window would mostly miss).
        let kill_after = (killed < kills).then(|| Duration::from_millis(2 + next() % 200));
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if kill_after.is_some_and(|k| started.elapsed() >= k) {
                child.kill().unwrap();
                child.wait().unwrap();
                killed += 1;
                if let Some(f) = after_kill {
                    f();
                }
                break None;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "a sync hung");
            std::thread::sleep(Duration::from_millis(1));
        };
        match status.map(|s| s.code()) {
            Some(Some(0)) if killed >= kills => return starts,
            // Killed, finished early, failed acknowledgements left (3), or the server away (69).
            None | Some(Some(0 | 3 | 69)) => continue,
            Some(other) => panic!("crmnf sync exited {other:?}"),
        }
    }
}

#[test]
fn a_sync_killed_at_random_moments_bills_every_charge_exactly_once() {
    let mock = Mock::start(&[
        "--charges",
        "400",
        "--customers",
        "40",
        "--seed",
        "11",
        "--fault",
        "*:latency:ms=10,rate=0.5,seed=3",
        "--fault",
        "netflix/charges/acknowledge:drop_response:rate=0.1,seed=4",
        "--fault",
        "netflix/charges/acknowledge:failed_charge:rate=0.1,seed=5",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let more = || {
        mock.post("/_mock/charges", &json!({"generate": 40, "seed": 1}));
    };
    let starts = sync_with_kills(&mock.base_url, dir.path(), 7, 12, &more, None);
    println!("crmnf sync: {starts} starts, 12 of them killed with SIGKILL");
    // Acknowledgements refused in the last run are retried in the next one.
    mock.post("/_mock/faults", &json!({"faults": []}));
    let (code, _, err) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_exactly_once(&mock, dir.path());
}

#[test]
fn a_mock_server_killed_and_restarted_from_its_state_forgets_no_acknowledgement() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mock-state.json").display().to_string();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let args = [
        "--state",
        state.as_str(),
        "--charges",
        "300",
        "--customers",
        "30",
        "--seed",
        "21",
        "--fault",
        "*:latency:ms=10,rate=0.5,seed=8",
        "--fault",
        "netflix/charges/acknowledge:drop_response:rate=0.1,seed=9",
    ];
    let mock = std::cell::RefCell::new(Some(Mock::start_on(&args, &port)));
    let base_url = mock.borrow().as_ref().unwrap().base_url.clone();
    let restarts = std::cell::Cell::new(0);
    // The server is killed too (SIGKILL, with the job), and started again from its state file.
    let restart = || {
        if let Some(m) = mock.borrow_mut().take() {
            m.kill();
        }
        *mock.borrow_mut() = Some(Mock::start_on(&args, &port));
        restarts.set(restarts.get() + 1);
    };
    let more = || {
        mock.borrow()
            .as_ref()
            .unwrap()
            .post("/_mock/charges", &json!({"generate": 30, "seed": 2}));
    };
    let starts = sync_with_kills(&base_url, dir.path(), 99, 10, &more, Some(&restart));
    println!(
        "crmnf sync: {starts} starts, 10 kills of the job and {} of the server",
        restarts.get()
    );
    let m = mock.borrow();
    let m = m.as_ref().unwrap();
    m.post("/_mock/faults", &json!({"faults": []}));
    let (code, _, err) = sync(&base_url, dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_exactly_once(m, dir.path());
}

#[test]
fn a_report_read_only_in_part_ends_quietly_with_its_exit_code() {
    let mock = Mock::start(&["--charges", "2500", "--customers", "100"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = sync(&mock.base_url, dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    // More than a pipe holds: the reader goes after the first line (`| head -n 1`).
    let journal = dir.path().join("journal.sqlite");
    let mut child = crmnf()
        .args(["journal", "report"])
        .arg(&journal)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with("run 1: "), "{first}");
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
