//! Twenty nights of billing against the simulator: 10,000 charges arrive (during the day and
//! during the runs), 2% of acknowledgements fail, the login token expires between nights, the
//! shell crashes now and then. Every charge is taken exactly once, everything ends acknowledged,
//! and the reports' totals equal the billed charges in exact money.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{add_totals, BillingSystem, Chaos, Rng, Shell};
use crmcom_netflix::{ChargeStatus, Release, SyncOptions};
use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, Sim};
use rust_decimal::Decimal;

const NIGHTS: usize = 20;
const PER_NIGHT: usize = 500;
const DURING_THE_RUN: usize = 150;

fn charge(rng: &mut Rng, last_night: bool) -> ChargeSpec {
    let (currency, exponent) =
        [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0), ("KWD", 3)][rng.below(5) as usize];
    let minor = match exponent {
        0 => 100 + rng.below(2_000) as i64,
        2 => 99 + rng.below(9_900) as i64,
        _ => 990 + rng.below(99_000) as i64,
    };
    let roll = rng.below(100);
    let status = match roll {
        0..=2 => ChargeStatus::Declined,
        3..=4 => ChargeStatus::Rejected,
        5 => ChargeStatus::BadRequest,
        // Pending charges are processed the next day; none arrive on the last one.
        6..=11 if !last_night => ChargeStatus::Pending,
        _ => ChargeStatus::Approved,
    };
    ChargeSpec::new(
        &format!("pci{}", rng.below(3_000)),
        Decimal::new(minor, exponent),
        currency,
        status,
    )
}

#[test]
fn ten_thousand_charges_over_twenty_nights_are_each_billed_exactly_once() {
    let mut sim = Sim::new(Release::LATEST);
    sim.fail_acknowledgements_at_rate(20, 2024);
    let mut rng = Rng(20_240_301);
    let first = epoch_seconds("2024-03-01T01:00:00").unwrap();
    let mut shell = Shell::new(SyncOptions::acknowledge(Release::LATEST), first);
    let mut billing = BillingSystem::default();
    let mut reported: BTreeMap<String, Decimal> = BTreeMap::new();
    let (mut pages, mut handed, mut redelivered, mut acknowledged, mut ack_requests) =
        (0, 0, 0, 0, 0);
    let mut last_failed = Vec::new();

    for night in 0..NIGHTS {
        let last = night == NIGHTS - 1;
        let now = first + night as i64 * 86_400;
        shell.now = shell.now.max(now);
        // The day: yesterday's pending charges are processed, new charges arrive.
        let pending: Vec<String> = sim
            .charges()
            .filter(|c| c.status == ChargeStatus::Pending)
            .map(|c| c.number.clone())
            .collect();
        for number in pending {
            let status = if rng.chance(900) {
                ChargeStatus::Approved
            } else {
                ChargeStatus::Declined
            };
            sim.process_charge(&number, status, now - 7_200).unwrap();
        }
        for i in 0..PER_NIGHT - DURING_THE_RUN {
            let received = now - 86_000 + (i as i64) * 200;
            sim.add_charge(charge(&mut rng, last).received_at(received), received);
        }
        // The rest arrive between the run's requests (early on the last night, so that its
        // run reaches them).
        for _ in 0..DURING_THE_RUN {
            let at = if last {
                1 + rng.below(3)
            } else {
                1 + rng.below(25)
            };
            sim.schedule_charge(at, charge(&mut rng, last));
        }
        let mut chaos = Chaos {
            crash_points: (1..400).filter(|p| p % 97 == night as u64 % 97).collect(),
            ..Chaos::default()
        };
        let report = shell
            .night(&mut sim, &mut billing, &mut chaos)
            .unwrap_or_else(|e| panic!("night {}: {e}", night + 1));
        assert!(report.finished, "night {} did not finish", night + 1);
        assert_eq!(report.unconfirmed, 0);
        add_totals(&mut reported, &report);
        pages += report.pages;
        handed += report.handed_over;
        redelivered += report.redelivered;
        acknowledged += report.acknowledged;
        ack_requests += report.acknowledge_requests;
        last_failed = report.failed.clone();
        billing.check_deliveries().unwrap();
    }

    let ledger: Vec<_> = sim.charges().collect();
    assert_eq!(ledger.len(), NIGHTS * PER_NIGHT);
    let numbers: BTreeSet<String> = ledger.iter().map(|c| c.number.clone()).collect();
    let taken: BTreeSet<String> = billing.taken.keys().cloned().collect();
    // Every charge taken exactly once: one handover as new each, redeliveries only after one.
    assert_eq!(taken, numbers);
    let fresh = billing.deliveries.iter().filter(|(_, r)| !r).count();
    assert_eq!(fresh, NIGHTS * PER_NIGHT);
    // Nothing acknowledged unconfirmed; everything acknowledged but what the last night
    // reports as failed.
    let unacknowledged: BTreeSet<String> = ledger
        .iter()
        .filter(|c| c.acknowledged_on.is_none())
        .map(|c| c.number.clone())
        .collect();
    let reported_failed: BTreeSet<String> = last_failed.iter().map(|f| f.number.clone()).collect();
    assert_eq!(unacknowledged, reported_failed);
    assert!(ledger
        .iter()
        .filter(|c| c.acknowledged_on.is_some())
        .all(|c| billing.confirmed.contains(&c.number)));
    assert_eq!(sim.stats().invalid_requests, 0);
    // A page of 50 charges in hand plus the night's finished numbers: small enough to save
    // after every step.
    assert!(shell.largest_state < 64 * 1024, "{}", shell.largest_state);
    // The reports add up, in exact money, to what was billed and to the ledger's approved
    // charges.
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for c in &ledger {
        if c.status == ChargeStatus::Approved {
            *expected.entry(c.currency.clone()).or_insert(Decimal::ZERO) += c.amount;
        }
    }
    assert_eq!(reported, billing.billed_total());
    assert_eq!(reported, expected);
    let refusals = &sim.stats().charge_refusals;
    let failed_attempts = refusals
        .get(crmcom_netflix_sim::codes::ACKNOWLEDGEMENT_FAILED)
        .copied()
        .unwrap_or(0);
    let already = refusals
        .get(crmcom_netflix_sim::codes::CHARGE_ALREADY_ACKNOWLEDGED)
        .copied()
        .unwrap_or(0);
    let attempts: u64 = ledger
        .iter()
        .map(|c| u64::from(c.acknowledge_attempts))
        .sum();
    // About 2% of attempts were refused.
    assert!(
        (attempts / 100..=attempts * 3 / 100).contains(&failed_attempts),
        "{failed_attempts} of {attempts}"
    );

    eprintln!(
        "{} charges over {NIGHTS} nights: {} requests ({pages} pages, {ack_requests} \
         acknowledgements), {} logins, {} crashes; {handed} handed over ({redelivered} \
         redelivered after a crash), {acknowledged} acknowledged; of {attempts} acknowledgement \
         attempts {failed_attempts} refused (ACKNOWLEDGEMENT_FAILED) and retried, {already} \
         repeats after a crash answered CHARGE_ALREADY_ACKNOWLEDGED; {} left failed; largest \
         saved state {} bytes; billed {}",
        ledger.len(),
        shell.requests,
        shell.logins,
        shell.crashes,
        last_failed.len(),
        shell.largest_state,
        reported
            .iter()
            .map(|(c, a)| format!("{a} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
