//! `sync_charges` and the journal against the simulator in-process: nights of charges billed
//! once each, token expiry mid-run, failed acknowledgements, a page shifted under the cursor,
//! a billing system that takes only some charges, an export that fails, the journal's lock, its
//! schema and its contents.

mod support;

use std::sync::{Arc, Barrier};

use crmcom_netflix::{ChargeStatus, SyncOptions};
use crmcom_netflix_client::{
    blocking, Client, Error, Handover, Journal, ManualClock, Start, Taken, JOURNAL_SCHEMA_VERSION,
};
use crmcom_netflix_sim::{ChargeSpec, TOKEN_LIFETIME_SECONDS};
use support::{add_charges, credentials, sim_at_start, Faulty, Ledger, BASE};

fn client(t: &Faulty, clock: &Arc<ManualClock>) -> Client {
    Client::builder(BASE, credentials())
        .transport(t.clone())
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// A simulator with `n` approved charges numbered after `prefix`, behind the fault layer, its
/// clock and a client of it.
fn with_charges(n: usize, prefix: &str) -> (Faulty, Arc<ManualClock>, Client) {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), n, prefix);
    let t = Faulty::new(sim, clock.clone());
    let c = client(&t, &clock);
    (t, clock, c)
}

fn now(clock: &ManualClock) -> i64 {
    crmcom_netflix_client::Clock::now(clock)
}

fn options(page_size: u32) -> SyncOptions {
    SyncOptions {
        page_size,
        ..SyncOptions::default()
    }
}

/// Pages of 10, acknowledged 4 pages at a time: the page after one being billed goes ahead.
fn grouped() -> SyncOptions {
    SyncOptions {
        acknowledge_after_pages: 4,
        ..options(10)
    }
}

fn unacknowledged(t: &Faulty) -> Vec<String> {
    t.with_sim(|s| {
        s.charges()
            .filter(|c| c.acknowledged_on.is_none())
            .map(|c| c.number.clone())
            .collect()
    })
}

#[tokio::test(start_paused = true)]
async fn three_nights_bill_every_charge_once_and_acknowledge_what_was_taken() {
    let (sim, clock) = sim_at_start();
    let t = Faulty::new(sim, clock.clone());
    let c = client(&t, &clock);
    let dir = tempdir();
    let mut journal = Journal::open(dir.join("journal.sqlite")).unwrap();
    let mut billing = Ledger::default();
    t.with_sim(|s| s.fail_acknowledgements_at_rate(100, 7));
    for night in 0..3 {
        clock.advance(86_400);
        t.with_sim(|s| add_charges(s, now(&clock), 120, &format!("n{night}-")));
        let outcome = c
            .sync_charges(&mut journal, options(20), &mut billing)
            .await
            .unwrap();
        assert_eq!(
            outcome.start,
            if night == 0 {
                Start::New
            } else {
                Start::NextRun
            }
        );
        assert!(outcome.summary.report.finished);
        assert_eq!(outcome.summary.run, night + 1);
    }
    t.with_sim(|s| s.clear_faults());
    clock.advance(86_400);
    c.sync_charges(&mut journal, options(20), &mut billing)
        .await
        .unwrap();

    assert_eq!(billing.billed.len(), 360);
    assert!(unacknowledged(&t).is_empty());
    // Every charge was handed over as new once.
    let mut first = std::collections::BTreeMap::new();
    for (n, redelivered) in &billing.deliveries {
        if !redelivered {
            *first.entry(n.clone()).or_insert(0) += 1;
        }
    }
    assert!(first.values().all(|&k| k == 1), "{first:?}");
    // The exports hold every billable charge exactly once.
    let mut exported: Vec<String> = billing
        .exports
        .iter()
        .flat_map(|(_, n)| n.clone())
        .collect();
    exported.sort();
    let before = exported.len();
    exported.dedup();
    assert_eq!((before, exported.len()), (360, 360));
}

#[tokio::test(start_paused = true)]
async fn a_token_that_expires_mid_run_is_renewed_and_the_run_goes_on() {
    let (t, clock, c) = with_charges(100, "p");
    let mut journal = Journal::in_memory().unwrap();
    // A billing system that takes an hour per page: the token (two hours) runs out mid-run.
    struct Slow<'a>(Ledger, &'a ManualClock, &'a Faulty);
    impl crmcom_netflix_client::Billing for Slow<'_> {
        fn take(
            &mut self,
            charges: &[crmcom_netflix_client::ChargeToBill],
        ) -> Result<Vec<crmcom_netflix_client::Taken>, crmcom_netflix_client::BoxError> {
            self.1.advance(3600);
            // And the server revokes every token once, too.
            if self.0.deliveries.len() == 40 {
                self.2.with_sim(|s| s.expire_all_tokens());
            }
            self.0.take(charges)
        }
    }
    let mut billing = Slow(Ledger::default(), &clock, &t);
    let outcome = c
        .sync_charges(&mut journal, options(20), &mut billing)
        .await
        .unwrap();
    assert_eq!(outcome.summary.report.acknowledged, 100);
    assert_eq!(billing.0.billed.len(), 100);
    assert!(c.logins() >= 4, "{}", c.logins());
    const { assert!(TOKEN_LIFETIME_SECONDS < 5 * 3600) };
}

#[tokio::test(start_paused = true)]
async fn a_page_shifted_under_the_cursor_loses_no_charge_and_bills_none_twice() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), 60, "p");
    sim.shift_next_page(-5);
    let t = Faulty::new(sim, clock.clone());
    let c = client(&t, &clock);
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger::default();
    c.sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap();
    t.with_sim(|s| s.shift_next_page(7));
    clock.advance(86_400);
    c.sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap();
    clock.advance(86_400);
    c.sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap();
    assert_eq!(billing.billed.len(), 60);
    assert!(unacknowledged(&t).is_empty());
}

/// With acknowledgements grouped, each page is sent while the one before is fed and billed; its
/// answer is the one used (no page goes twice), one that fails is sent again, and at most the
/// page after the last one of a run is sent for nothing.
#[tokio::test(start_paused = true)]
async fn pages_sent_ahead_are_used_once_and_one_that_fails_is_sent_again() {
    let (t, clock, c) = with_charges(95, "a");
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger::default();
    // Pages 3 and 6 of the night (sent ahead) fail once: the connection is reset.
    let list = "netflix/charges/list";
    t.fault(
        list,
        support::Fault::Delay(std::time::Duration::from_millis(1)),
    );
    t.fault(
        list,
        support::Fault::Delay(std::time::Duration::from_millis(1)),
    );
    t.fault(list, support::Fault::Reset);
    t.fault(
        list,
        support::Fault::Delay(std::time::Duration::from_millis(1)),
    );
    t.fault(
        list,
        support::Fault::Delay(std::time::Duration::from_millis(1)),
    );
    t.fault(list, support::Fault::Reset);
    let outcome = c
        .sync_charges(&mut journal, grouped(), &mut billing)
        .await
        .unwrap();
    let report = &outcome.summary.report;
    assert!(report.finished);
    assert_eq!(billing.billed.len(), 95);
    assert!(unacknowledged(&t).is_empty());
    assert!(billing
        .deliveries
        .iter()
        .all(|(_, redelivered)| !redelivered));
    assert_eq!(billing.deliveries.len(), 95, "each charge handed over once");
    // Every page received was sent once, and twice for the two that were reset; at most one
    // more went ahead after the last.
    let sent = t.count(list) as u64;
    assert!(
        (report.pages + 2..=report.pages + 3).contains(&sent),
        "{sent} list requests for {} pages",
        report.pages
    );
    // Without grouping (a new journal: a journal keeps its options), nothing goes ahead: one
    // request per page.
    clock.advance(86_400);
    t.with_sim(|s| add_charges(s, now(&clock), 25, "b"));
    let before = t.count(list) as u64;
    let mut journal = Journal::in_memory().unwrap();
    let outcome = c
        .sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap();
    assert_eq!(t.count(list) as u64 - before, outcome.summary.report.pages);
    assert_eq!(billing.billed.len(), 120);
}

/// A body cut short inside a complete answer (a proxy, a garbled stream) does not end the night:
/// the state did not change, so the same request goes again within the retry policy's attempts.
/// A garbled acknowledgement was applied on the server; sent again, it is answered
/// CHARGE_ALREADY_ACKNOWLEDGED and counts as done. Nothing is handed over or billed twice.
#[tokio::test(start_paused = true)]
async fn a_malformed_answer_is_sent_again_and_the_night_bills_every_charge_once() {
    let (t, _clock, c) = with_charges(95, "a");
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger::default();
    let (list, ack) = ("netflix/charges/list", "netflix/charges/acknowledge");
    t.fault(list, support::Fault::Truncate);
    // Three in a row: the fourth attempt (the policy's last) gets through.
    for _ in 0..3 {
        t.fault(ack, support::Fault::Truncate);
    }
    let outcome = c
        .sync_charges(&mut journal, grouped(), &mut billing)
        .await
        .unwrap();
    let report = &outcome.summary.report;
    assert!(report.finished);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.acknowledged, 95);
    assert_eq!(billing.billed.len(), 95);
    assert_eq!(billing.deliveries.len(), 95, "each charge handed over once");
    assert!(unacknowledged(&t).is_empty());
    assert!(t.count(ack) >= 4, "the acknowledgement went again");
}

/// A server that answers a request malformed every time: the error once the retry policy's
/// attempts are spent (no endless loop), with the journal where it was; the next night goes on
/// from there and bills nothing twice.
#[tokio::test(start_paused = true)]
async fn a_request_answered_malformed_every_time_is_the_error_after_the_attempts() {
    let (t, _clock, c) = with_charges(35, "a");
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let mut billing = Ledger::default();
    let ack = "netflix/charges/acknowledge";
    for _ in 0..4 {
        t.fault(ack, support::Fault::Truncate);
    }
    let mut journal = Journal::open(&path).unwrap();
    let e = c
        .sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "malformed_response", "{e}");
    assert_eq!(e.method(), Some(crmcom_netflix::Method::ChargesAcknowledge));
    assert_eq!(t.count(ack), 4, "the policy's 4 attempts, no more");
    drop(journal);
    let mut journal = Journal::open(&path).unwrap();
    let outcome = c
        .sync_charges(&mut journal, options(10), &mut billing)
        .await
        .unwrap();
    assert_eq!(outcome.start, Start::Resumed);
    assert!(outcome.summary.report.finished);
    assert_eq!(billing.billed.len(), 35);
    assert!(unacknowledged(&t).is_empty());
    let first = |n: &str| {
        billing
            .deliveries
            .iter()
            .filter(|(d, r)| d == n && !r)
            .count()
    };
    assert!(
        billing.billed.keys().all(|n| first(n) == 1),
        "no charge handed over as new twice"
    );
}

/// The page after the one being billed is already sent when the billing takes a charge (within
/// a group of pages), and never across a group's acknowledgements.
#[tokio::test(start_paused = true)]
async fn the_next_page_is_out_while_the_billing_takes_a_page() {
    let (t, _clock, c) = with_charges(80, "a");
    let mut journal = Journal::in_memory().unwrap();
    let list = "netflix/charges/list";
    let acknowledge = "netflix/charges/acknowledge";
    // (list requests sent, acknowledgements sent) as each charge is taken.
    let mut seen_at_take = Vec::new();
    let mut billing = |_: &crmcom_netflix_client::ChargeToBill| {
        seen_at_take.push((t.count(list), t.count(acknowledge)));
        Ok(())
    };
    c.sync_charges(&mut journal, grouped(), &mut billing)
        .await
        .unwrap();
    assert_eq!(seen_at_take.len(), 80);
    for (i, &(lists, acks)) in seen_at_take.iter().enumerate() {
        let page = i / 10 + 1;
        // Pages 4 and 8 end a group: their acknowledgement comes before the next page.
        let ahead = if page % 4 == 0 { 0 } else { 1 };
        assert_eq!(lists, page + ahead, "charge {i}: {seen_at_take:?}");
        assert_eq!(acks, (page - 1) / 4, "charge {i}");
    }
}

#[tokio::test(start_paused = true)]
async fn failed_acknowledgements_are_reported_and_carried_into_the_next_run() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), 5, "p");
    sim.fail_acknowledgement("I00000002", 10);
    let t = Faulty::new(sim, clock.clone());
    let c = client(&t, &clock);
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger::default();
    let outcome = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap();
    let failed = &outcome.summary.report.failed;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].number, "I00000002");
    assert!(failed[0].deferred);
    assert_eq!(unacknowledged(&t), ["I00000002"]);
    t.with_sim(|s| s.clear_faults());
    let outcome = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap();
    assert_eq!(outcome.summary.report.acknowledged, 1);
    assert!(unacknowledged(&t).is_empty());
    assert_eq!(billing.billed.len(), 5);
    assert_eq!(
        billing.deliveries.len(),
        5,
        "the failed one was not handed over again"
    );
}

#[tokio::test(start_paused = true)]
async fn charges_the_billing_does_not_take_stay_on_the_server_and_come_back_redelivered() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), 3, "p");
    let n = now(&clock);
    sim.add_charge(ChargeSpec::pending("p9", "1.99", "USD"), n);
    sim.add_charge(
        ChargeSpec::approved("p10", "1.99", "USD").with_status(ChargeStatus::Declined),
        n,
    );
    sim.add_charge(ChargeSpec::approved("p11", "1.99", "XTS"), n);
    let t = Faulty::new(sim, clock.clone());
    let c = client(&t, &clock);
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger::default();
    billing.refuse.insert("I00000002".into(), 1);
    let outcome = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap();
    // Left for a person: the approved XTS charge (cannot be priced). The pending one is not
    // listed (PROCESSED only); the declined one is recorded.
    assert_eq!(outcome.left.len(), 1);
    assert_eq!(billing.recorded.len(), 1);
    assert_eq!(outcome.summary.report.unconfirmed, 2);
    let mut left = unacknowledged(&t);
    left.sort();
    assert_eq!(left, ["I00000002", "I00000004", "I00000006"]);
    let outcome = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap();
    assert_eq!(outcome.summary.report.acknowledged, 1);
    assert!(billing.deliveries.contains(&("I00000002".to_owned(), true)));
    assert_eq!(billing.billed.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_export_leaves_the_run_open_and_the_next_start_exports_it_again() {
    let (_, _, c) = with_charges(7, "p");
    let mut journal = Journal::in_memory().unwrap();
    let mut billing = Ledger {
        fail_export: 1,
        ..Ledger::default()
    };
    let e = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "billing");
    assert!(e.to_string().contains("could not be written"), "{e}");
    let outcome = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap();
    assert_eq!(outcome.start, Start::Resumed);
    assert_eq!(outcome.summary.run, 1);
    assert_eq!(outcome.summary.taken, 7);
    assert_eq!(billing.exports, [(1, billing.exports[0].1.clone())]);
    assert_eq!(billing.exports[0].1.len(), 7);
}

#[tokio::test(start_paused = true)]
async fn a_ledger_charge_that_decode_would_refuse_is_not_exported() {
    let (_, _, c) = with_charges(3, "p");
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let mut billing = Ledger {
        fail_export: 1,
        ..Ledger::default()
    };
    let mut journal = Journal::open(&path).unwrap();
    let e = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "billing");
    drop(journal);
    // The ledger edited on disk: a control character in the customer identifier of a charge
    // the run took (a reader without the response rules would export it).
    let changed = rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            r#"UPDATE charges SET charge = replace(charge,
                 '"billing_system_customer_identifier":"', '"billing_system_customer_identifier":"\u0007')
               WHERE seq = (SELECT min(seq) FROM charges)"#,
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let mut journal = Journal::open(&path).unwrap();
    let e = c
        .sync_charges(&mut journal, options(50), &mut billing)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "journal");
    assert!(
        e.to_string().contains("billing_system_customer_identifier"),
        "{e}"
    );
    assert!(billing.exports.is_empty());
}

/// A journal named through a symbolic link (or with `..` in its path) is the same journal and
/// takes the same lock: a second job cannot slip past it by another name.
#[cfg(unix)]
#[test]
fn a_journal_opened_by_another_name_takes_the_same_lock() {
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    std::fs::create_dir(dir.join("sub")).unwrap();
    let _first = Journal::open(&path).unwrap();
    std::os::unix::fs::symlink(&path, dir.join("link.sqlite")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub").join("dir")).unwrap();
    for other in [
        dir.join("link.sqlite"),
        dir.join("sub").join("..").join("journal.sqlite"),
        dir.join("sub").join("dir").join("journal.sqlite"),
    ] {
        let e = Journal::open(&other).unwrap_err();
        assert!(matches!(e, Error::JournalLocked { .. }), "{other:?}: {e:?}");
    }
    // A journal not created yet resolves its directory: both names lock the same file.
    let fresh = dir.join("sub").join("dir").join("fresh.sqlite");
    let _second = Journal::open(&fresh).unwrap();
    let e = Journal::open(dir.join("fresh.sqlite")).unwrap_err();
    assert!(matches!(e, Error::JournalLocked { .. }), "{e:?}");
}

#[test]
fn a_second_job_on_the_same_journal_is_refused_at_once_and_changes_nothing() {
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let first = Journal::open(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Journal::open(&path).unwrap_err();
    assert!(matches!(e, Error::JournalLocked { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("is in use by another job"), "{text}");
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    drop(first);
    Journal::open(&path).unwrap();
}

#[test]
fn two_jobs_started_together_in_two_threads_run_once_and_export_once() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), 200, "p");
    let t = Faulty::new(sim, clock.clone());
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let barrier = Arc::new(Barrier::new(2));
    let jobs: Vec<_> = (0..2)
        .map(|_| {
            let (t, clock, path, barrier) =
                (t.clone(), clock.clone(), path.clone(), barrier.clone());
            std::thread::spawn(move || {
                let c = blocking::Client::builder(BASE, credentials())
                    .transport(t)
                    .clock(clock)
                    .build()
                    .unwrap();
                barrier.wait();
                let mut journal = Journal::open(&path)?;
                let mut billing = Ledger::default();
                let outcome = c.sync_charges(&mut journal, options(10), &mut billing)?;
                Ok::<_, Error>((outcome, billing))
            })
        })
        .collect();
    let results: Vec<Result<_, Error>> = jobs.into_iter().map(|j| j.join().unwrap()).collect();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(Error::JournalLocked { .. })))
        .count();
    let done: Vec<_> = results.into_iter().filter_map(Result::ok).collect();
    assert_eq!((refused, done.len()), (1, 1));
    assert_eq!(done[0].1.exports.len(), 1);
    assert_eq!(done[0].1.exports[0].1.len(), 200);
}

#[test]
fn the_journal_is_wal_with_full_sync_of_a_known_version_and_holds_no_secret() {
    let (mut sim, clock) = sim_at_start();
    add_charges(&mut sim, now(&clock), 30, "p");
    let t = Faulty::new(sim, clock.clone());
    let c = blocking::Client::builder(BASE, credentials())
        .transport(t.clone())
        .clock(clock)
        .build()
        .unwrap();
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let mut journal = Journal::open(&path).unwrap();
    assert_eq!(journal.pragma("journal_mode").unwrap(), "wal");
    assert_eq!(journal.pragma("synchronous").unwrap(), "2"); // FULL
    assert_eq!(
        journal.pragma("user_version").unwrap(),
        JOURNAL_SCHEMA_VERSION.to_string()
    );
    c.sync_charges(&mut journal, options(10), &mut Ledger::default())
        .unwrap();
    let token = c.login().unwrap();
    drop(journal);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(dir.join("journal.sqlite-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("I00000030"), "the ledger is in the file");
    // The token of this process's logins starts with the same header; the claims differ.
    let claims = token.expose().split('.').nth(1).unwrap().to_owned();
    assert!(!text.contains(&claims[..20]), "no token in the journal");
    assert!(!text.contains("\"secret\""), "no password in the journal");
}

#[test]
fn a_version_1_journal_is_upgraded_and_a_newer_one_refused() {
    let dir = tempdir();
    let path = dir.join("v1.sqlite");
    old_journal(
        &path,
        "INSERT INTO charges VALUES ('I1', 1, 1, 1, '{\"number\":\"I1\"}', 'x');
         PRAGMA user_version = 1;",
    );
    let journal = Journal::open(&path).unwrap();
    assert!(journal.has_taken("I1").unwrap());
    assert_eq!(journal.pragma("user_version").unwrap(), "3");
    drop(journal);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 9")
        .unwrap();
    let e = Journal::open(&path).unwrap_err();
    assert!(
        e.to_string().contains("schema version 9 is not supported"),
        "{e}"
    );
}

/// A fresh directory under the target directory (removed at the next run of the same test).
pub fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "crmnf-client-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn body(data: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"status": {"code": "OK", "description": "", "message": ""}, "data": data})
        .to_string()
        .into_bytes()
}

fn page_of(numbers: &[&str]) -> Vec<u8> {
    let charges: Vec<serde_json::Value> = numbers
        .iter()
        .map(|n| {
            serde_json::json!({
                "number": n, "billing_system_customer_identifier": "pci1",
                "amount": 5.989999771118164, "currency": "USD",
                "paid_through_date": "2024-02-01T00:00:00", "charge_status": "APPROVED",
                "received_on": "2024-01-01T00:00:00", "set_as_approved_on": null,
                "set_as_declined_on": null, "set_as_bad_request_on": null,
                "set_as_rejected_request_on": null
            })
        })
        .collect();
    body(serde_json::json!({ "charges_set": charges }))
}

/// A journal at `path`, started with pages of 2.
fn started(path: &std::path::Path) -> Journal {
    let mut journal = Journal::open(path).unwrap();
    journal.start(options(2)).unwrap();
    journal
}

/// Every charge of a handover, taken.
fn taken_all(handover: &Handover) -> Vec<Taken> {
    handover.charges.iter().map(|c| c.number().into()).collect()
}

#[test]
fn a_charge_finished_in_the_run_is_not_handed_over_again_after_a_restart() {
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let token = crmcom_netflix::Token::new("T");
    let mut journal = started(&path);
    journal.next_request(&token).unwrap().unwrap();
    let handover = journal.feed(&page_of(&["I1", "I2"]), 200).unwrap();
    assert_eq!(handover.charges.len(), 2);
    let taken = taken_all(&handover);
    journal.confirm(&taken).unwrap();
    let ack = journal.next_request(&token).unwrap().unwrap();
    assert_eq!(ack.method, crmcom_netflix::Method::ChargesAcknowledge);
    journal
        .feed(&body(serde_json::json!({"failed_charges_set": []})), 200)
        .unwrap();
    journal.flush().unwrap();
    drop(journal);
    // The finished numbers went to their table, not into the state.
    let db = rusqlite::Connection::open(&path).unwrap();
    let finished: i64 = db
        .query_row("SELECT COUNT(*) FROM finished WHERE run = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(finished, 2);
    let state: String = db
        .query_row("SELECT state FROM sync_state", [], |r| r.get(0))
        .unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["finished"], serde_json::json!([]), "{state}");
    drop(db);
    // A restart in the same run; the server lists I1 again beside a new charge.
    let mut journal = Journal::open(&path).unwrap();
    assert_eq!(journal.start(options(2)).unwrap(), Start::Resumed);
    let list = journal.next_request(&token).unwrap().unwrap();
    assert_eq!(list.method, crmcom_netflix::Method::ChargesList);
    let handover = journal.feed(&page_of(&["I1", "I3"]), 200).unwrap();
    let numbers: Vec<&str> = handover.charges.iter().map(|c| c.number()).collect();
    assert_eq!(
        numbers,
        ["I3"],
        "a charge finished in the run is not handed over again"
    );
    // The next run is a fresh pass: its finished numbers start empty.
    journal.confirm(&["I3".into()]).unwrap();
    journal.next_request(&token).unwrap().unwrap();
    journal
        .feed(&body(serde_json::json!({"failed_charges_set": []})), 200)
        .unwrap();
    // The page was full: one more, empty, ends the list.
    journal.next_request(&token).unwrap().unwrap();
    journal.feed(&page_of(&[]), 200).unwrap();
    assert!(journal.next_request(&token).unwrap().is_none());
    journal.complete().unwrap();
    assert_eq!(journal.start(options(2)).unwrap(), Start::NextRun);
    let db = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = db
        .query_row("SELECT COUNT(*) FROM finished", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "the finished numbers of earlier runs are dropped");
}

#[test]
fn a_version_2_journal_gains_its_finished_table() {
    let dir = tempdir();
    let path = dir.join("v2.sqlite");
    old_journal(
        &path,
        "ALTER TABLE charges ADD COLUMN status TEXT NOT NULL DEFAULT 'taken';
         ALTER TABLE charges ADD COLUMN reference_number TEXT;
         ALTER TABLE charges ADD COLUMN taken_at TEXT;
         PRAGMA user_version = 2;",
    );
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.pragma("user_version").unwrap(), "3");
    drop(journal);
    let db = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'finished'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

/// A journal file as version 1 made it, then `then` (SQL) run on it.
fn old_journal(path: &std::path::Path, then: &str) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL,
             run_complete INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
         CREATE TABLE charges (number TEXT PRIMARY KEY, run INTEGER NOT NULL, seq INTEGER NOT NULL,
             billable INTEGER NOT NULL, charge TEXT NOT NULL, recorded_at TEXT NOT NULL);",
    )
    .unwrap();
    db.execute_batch(then).unwrap();
}

#[test]
fn a_ledger_write_that_fails_behind_the_job_stops_it_before_any_acknowledgement() {
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let token = crmcom_netflix::Token::new("T");
    let mut journal = started(&path);
    // Bills made from the journal: the ledger rows are written behind the job.
    journal.set_durable_handover(false);
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON charges WHEN NEW.number = 'I2' \
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
    )
    .unwrap();
    journal.next_request(&token).unwrap().unwrap();
    let handover = journal.feed(&page_of(&["I1", "I2"]), 200).unwrap();
    let taken = taken_all(&handover);
    assert_eq!(journal.confirm(&taken).unwrap(), 2);
    // The acknowledgement would act on the confirmations: they must be on disk first, and the
    // failed write is the error instead.
    let err = journal.next_request(&token).unwrap_err();
    assert!(matches!(err, Error::Journal(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("confirm") && text.contains("refused by the test"),
        "{text}"
    );
    // Back at the last commit, as after a crash: nothing of the page is in the ledger.
    let rows: i64 = db
        .query_row("SELECT COUNT(*) FROM charges", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
    db.execute_batch("DROP TRIGGER refuse").unwrap();
    // The job goes on from there: the page is listed again, taken and acknowledged once.
    let list = journal.next_request(&token).unwrap().unwrap();
    assert_eq!(list.method, crmcom_netflix::Method::ChargesList);
    let handover = journal.feed(&page_of(&["I1", "I2"]), 200).unwrap();
    assert_eq!(handover.charges.len(), 2);
    let taken = taken_all(&handover);
    journal.confirm(&taken).unwrap();
    let ack = journal.next_request(&token).unwrap().unwrap();
    assert_eq!(ack.method, crmcom_netflix::Method::ChargesAcknowledge);
    let taken_rows: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM charges WHERE status = 'taken'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(taken_rows, 2, "committed before the acknowledgement");
}

/// The numbers of the charges an export of the current run reads.
fn exported(journal: &mut Journal) -> Vec<String> {
    let export = journal.export().unwrap();
    let mut numbers = Vec::new();
    export
        .for_each_charge(|e| {
            numbers.push(e.charge.number().to_owned());
            Ok(())
        })
        .unwrap();
    numbers
}

#[test]
fn an_export_reads_every_charge_taken_committed_or_not_and_the_closed_journal_keeps_no_log() {
    let dir = tempdir();
    let path = dir.join("journal.sqlite");
    let token = crmcom_netflix::Token::new("T");
    let mut journal = started(&path);
    journal.set_durable_handover(false);
    journal.next_request(&token).unwrap().unwrap();
    let handover = journal.feed(&page_of(&["I1", "I2"]), 200).unwrap();
    journal.confirm(&taken_all(&handover)).unwrap();
    // Not committed yet: the export reads the journal's own transaction.
    assert_eq!(exported(&mut journal), ["I1", "I2"]);
    let ack = journal.next_request(&token).unwrap().unwrap();
    assert_eq!(ack.method, crmcom_netflix::Method::ChargesAcknowledge);
    journal
        .feed(&body(serde_json::json!({"failed_charges_set": []})), 200)
        .unwrap();
    journal.next_request(&token).unwrap().unwrap();
    let handover = journal.feed(&page_of(&["I3"]), 200).unwrap();
    journal.confirm(&taken_all(&handover)).unwrap();
    journal.next_request(&token).unwrap().unwrap();
    journal
        .feed(&body(serde_json::json!({"failed_charges_set": []})), 200)
        .unwrap();
    assert!(journal.next_request(&token).unwrap().is_none());
    // All committed: the export reads on a connection of its own while the log is copied.
    assert_eq!(exported(&mut journal), ["I1", "I2", "I3"]);
    journal.complete().unwrap();
    drop(journal);
    let log = dir.join("journal.sqlite-wal");
    assert!(!log.exists(), "the log is left beside the journal");
    // The journal file alone has the run, complete.
    let copy = dir.join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let db = rusqlite::Connection::open(&copy).unwrap();
    let (taken, complete): (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM charges WHERE status = 'taken'), run_complete \
             FROM sync_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((taken, complete), (3, 1));
}
