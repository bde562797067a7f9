//! Properties of `ChargeSync` against the simulator: for random ledgers, random arrivals (some in
//! front of the cursor), random acknowledgement failures, pages out of order, expired tokens,
//! refusals by the billing system and crashes at random steps (resumed from the last saved
//! state), successive runs hand every charge over exactly once as new, acknowledge nothing
//! unconfirmed, never send a request that fails validation, and end.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{add_totals, BillingSystem, Chaos, Hook, Rng, Shell};
use crmcom_netflix::{ChargeStatus, ChargeStatusFilter, Release, SyncOptions};
use crmcom_netflix_sim::{epoch_seconds, ChargeSpec, LedgerCharge, Sim};
use proptest::prelude::*;
use rust_decimal::Decimal;

const CURRENCIES: [(&str, u32); 5] = [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("XYZ", 2)];

#[derive(Debug, Clone)]
struct ChargeGen {
    customer: u8,
    minor: u32,
    currency: usize,
    status: u8,
    /// Received ten days ago: it lands in front of the cursor.
    old: bool,
}

impl ChargeGen {
    fn spec(&self, release: Release, now: i64) -> ChargeSpec {
        let (code, exponent) = CURRENCIES[self.currency];
        let status = match self.status {
            0..=5 => ChargeStatus::Approved,
            6 => ChargeStatus::Declined,
            7 => ChargeStatus::BadRequest,
            8 => ChargeStatus::Rejected,
            9 if release >= Release::R14_1_0 => ChargeStatus::Pending,
            9 => ChargeStatus::Approved,
            _ => ChargeStatus::from_wire("SETTLED"),
        };
        let spec = ChargeSpec::new(
            &format!("pci{}", self.customer),
            Decimal::new(i64::from(self.minor), exponent),
            code,
            status,
        );
        if self.old {
            spec.received_at(now - 10 * 86_400)
        } else {
            spec
        }
    }
}

fn charge_gen() -> impl Strategy<Value = ChargeGen> {
    (
        0u8..20,
        1u32..100_000,
        0usize..CURRENCIES.len(),
        0u8..11,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(customer, minor, currency, status, old)| ChargeGen {
            customer,
            minor,
            currency,
            status,
            old,
        })
}

#[derive(Debug, Clone)]
struct NightGen {
    day_arrivals: Vec<ChargeGen>,
    run_arrivals: Vec<(u64, ChargeGen)>,
    ack_fail_per_mille: u32,
    forced_failures: Vec<(usize, u32)>,
    refuse_per_mille: u32,
    crash_points: BTreeSet<u64>,
    hooks: Vec<(u64, u8, i64)>,
    process_per_mille: u32,
}

fn night_gen() -> impl Strategy<Value = NightGen> {
    (
        prop::collection::vec(charge_gen(), 0..30),
        prop::collection::vec((1u64..40, charge_gen()), 0..20),
        prop_oneof![Just(0u32), 1u32..400],
        prop::collection::vec((0usize..1000, 1u32..4), 0..4),
        prop_oneof![Just(0u32), 1u32..300],
        prop::collection::btree_set(1u64..250, 0..6),
        prop::collection::vec((1u64..40, 0u8..4, -3i64..4), 0..4),
        0u32..1000,
    )
        .prop_map(
            |(
                day_arrivals,
                run_arrivals,
                ack_fail_per_mille,
                forced_failures,
                refuse_per_mille,
                crash_points,
                hooks,
                process_per_mille,
            )| NightGen {
                day_arrivals,
                run_arrivals,
                ack_fail_per_mille,
                forced_failures,
                refuse_per_mille,
                crash_points,
                hooks,
                process_per_mille,
            },
        )
}

#[derive(Debug, Clone)]
struct Scenario {
    r12: bool,
    page_size: u32,
    max_ack_attempts: u32,
    initial: Vec<ChargeGen>,
    nights: Vec<NightGen>,
    seed: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::bool::weighted(0.25),
        prop_oneof![1u32..6, 6u32..=50],
        1u32..4,
        prop::collection::vec(charge_gen(), 0..80),
        prop::collection::vec(night_gen(), 1..4),
        any::<u64>(),
    )
        .prop_map(
            |(r12, page_size, max_ack_attempts, initial, nights, seed)| Scenario {
                r12,
                page_size,
                max_ack_attempts,
                initial,
                nights,
                seed,
            },
        )
}

fn night_start(n: usize) -> i64 {
    epoch_seconds("2024-03-01T01:00:00").unwrap() + n as i64 * 86_400
}

/// Runs a scenario, then calm nights until everything is acknowledged; checks the properties.
fn run(s: &Scenario) -> Result<(), TestCaseError> {
    let release = if s.r12 {
        Release::R12_0_0
    } else {
        Release::LATEST
    };
    let mut sim = Sim::new(release);
    let mut rng = Rng(s.seed);
    let options = SyncOptions {
        page_size: s.page_size,
        max_ack_attempts: s.max_ack_attempts,
        ..SyncOptions::acknowledge(release)
    };
    let mut shell = Shell::new(options, night_start(0));
    let mut billing = BillingSystem::default();
    let mut reported = BTreeMap::new();
    for c in &s.initial {
        sim.add_charge(c.spec(release, shell.now), shell.now - 3600);
    }
    let calm = NightGen {
        day_arrivals: vec![],
        run_arrivals: vec![],
        ack_fail_per_mille: 0,
        forced_failures: vec![],
        refuse_per_mille: 0,
        crash_points: BTreeSet::new(),
        hooks: vec![],
        process_per_mille: 1000,
    };
    let nights = s.nights.iter().cloned().chain(std::iter::repeat_n(calm, 5));
    let mut drained = false;
    for (n, night) in nights.enumerate() {
        shell.now = shell.now.max(night_start(n));
        let now = shell.now;
        // The day: charges scheduled for requests the last night never reached arrive, CRM.COM
        // processes pending charges, new charges arrive.
        sim.add_scheduled_charges(now - 7200);
        sim.clear_faults();
        let pending: Vec<String> = sim
            .charges()
            .filter(|c| c.status == ChargeStatus::Pending)
            .map(|c| c.number.clone())
            .collect();
        for number in pending {
            if rng.chance(night.process_per_mille) {
                let status = if rng.chance(800) {
                    ChargeStatus::Approved
                } else {
                    ChargeStatus::Declined
                };
                sim.process_charge(&number, status, now - 60).unwrap();
            }
        }
        for c in &night.day_arrivals {
            sim.add_charge(c.spec(release, now), now - 1800);
        }
        for (at, c) in &night.run_arrivals {
            sim.schedule_charge(*at, c.spec(release, now));
        }
        sim.fail_acknowledgements_at_rate(night.ack_fail_per_mille, rng.next_u64());
        let numbers: Vec<String> = sim.charges().map(|c| c.number.clone()).collect();
        for (i, times) in &night.forced_failures {
            if !numbers.is_empty() {
                sim.fail_acknowledgement(&numbers[i % numbers.len()], *times);
            }
        }
        let mut hooks: BTreeMap<u64, Vec<Hook>> = BTreeMap::new();
        for (at, kind, by) in &night.hooks {
            hooks.entry(*at).or_default().push(match kind {
                0 => Hook::Reorder,
                1 => Hook::Shift(*by),
                2 => Hook::ExpireTokens,
                _ => Hook::Unavailable(1 + by.unsigned_abs() as u32 % 2),
            });
        }
        let mut chaos = Chaos {
            crash_points: night.crash_points.clone(),
            refuse_per_mille: night.refuse_per_mille,
            hooks,
            rng: Some(Rng(rng.next_u64())),
        };
        let report = shell
            .night(&mut sim, &mut billing, &mut chaos)
            .map_err(TestCaseError::fail)?;
        add_totals(&mut reported, &report);

        // Never acknowledged unless confirmed; never an invalid request; never twice as new.
        for c in sim.charges() {
            if c.acknowledged_on.is_some() {
                prop_assert!(
                    billing.confirmed.contains(&c.number),
                    "{} acknowledged but never confirmed",
                    c.number
                );
            }
        }
        prop_assert_eq!(sim.stats().invalid_requests, 0);
        billing.check_deliveries().map_err(TestCaseError::fail)?;

        // A charge to be left on the server is never acknowledged.
        for c in sim.charges().filter(|c| left_on_server(c)) {
            prop_assert!(
                c.acknowledged_on.is_none(),
                "{} ({}) acknowledged",
                c.number,
                c.status
            );
        }

        // A calm night skips nothing: every charge in the ledger has been taken by its end.
        if n == s.nights.len() {
            for c in sim.charges().filter(|c| !left_on_server(c)) {
                prop_assert!(
                    billing.taken.contains_key(&c.number),
                    "{} ({}) skipped by a calm run: {:?} confirmed={} delivered={}\n{}",
                    c.number,
                    c.status,
                    c,
                    billing.confirmed.contains(&c.number),
                    billing.deliveries.iter().any(|(n, _)| n == &c.number),
                    shell.log.join("\n")
                );
            }
        }
        if n >= s.nights.len()
            && sim
                .charges()
                .all(|c| c.acknowledged_on.is_some() || left_on_server(c))
            && report.failed.is_empty()
        {
            drained = true;
            break;
        }
    }
    if !drained {
        let left: Vec<String> = sim
            .charges()
            .filter(|c| c.acknowledged_on.is_none() && !left_on_server(c))
            .map(|c| {
                format!(
                    "{} {} attempts={} confirmed={} taken={}",
                    c.number,
                    c.status,
                    c.acknowledge_attempts,
                    billing.confirmed.contains(&c.number),
                    billing.taken.contains_key(&c.number)
                )
            })
            .collect();
        return Err(TestCaseError::fail(format!(
            "five calm nights did not acknowledge everything: {left:?}\nreport: {:?}\nstate: {}",
            shell.sync.report(),
            shell.sync.state().to_json()
        )));
    }

    // Every charge was taken exactly once, and the reports add up to what was billed.
    let ledger: BTreeSet<String> = sim
        .charges()
        .filter(|c| !left_on_server(c))
        .map(|c| c.number.clone())
        .collect();
    let taken: BTreeSet<String> = billing.taken.keys().cloned().collect();
    prop_assert_eq!(&taken, &ledger);
    prop_assert_eq!(&billing.confirmed, &ledger);
    prop_assert_eq!(&reported, &billing.billed_total());
    let mut expected: BTreeMap<String, Decimal> = BTreeMap::new();
    for c in sim.charges() {
        if c.status == ChargeStatus::Approved && c.currency != "XYZ" {
            *expected.entry(c.currency.clone()).or_insert(Decimal::ZERO) += c.amount;
        }
    }
    prop_assert_eq!(&reported, &expected);
    Ok(())
}

/// Whether the charge's billing action is `leave` (approved in a currency the SDK cannot price,
/// or of a status it does not know): the billing system neither bills nor confirms it.
fn left_on_server(c: &LedgerCharge) -> bool {
    (c.status == ChargeStatus::Approved && c.currency == "XYZ") || !c.status.is_known()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_charge_is_handed_over_once_and_acknowledged_only_when_confirmed(s in scenario()) {
        run(&s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Read-only paging over a list that only grows: every charge there at the start is handed
    /// over exactly once, nothing is acknowledged, and each page starts where the last one ended.
    #[test]
    fn read_only_paging_hands_over_every_charge_once_without_acknowledging(
        initial in prop::collection::vec(charge_gen(), 0..120),
        arrivals in prop::collection::vec((1u64..30, charge_gen()), 0..30),
        page_size in prop_oneof![1u32..6, 6u32..=50],
        not_processed in any::<bool>(),
    ) {
        let mut sim = Sim::new(Release::LATEST);
        let now = night_start(0);
        for c in &initial {
            sim.add_charge(ChargeGen { old: false, ..c.clone() }.spec(Release::LATEST, now), now - 60);
        }
        for (at, c) in &arrivals {
            sim.schedule_charge(*at, ChargeGen { old: false, ..c.clone() }.spec(Release::LATEST, now));
        }
        let filter = if not_processed {
            ChargeStatusFilter::NotProcessed
        } else {
            ChargeStatusFilter::Processed
        };
        let wanted: BTreeSet<String> = sim
            .charges()
            .filter(|c| (c.status == ChargeStatus::Pending) == not_processed)
            .map(|c| c.number.clone())
            .collect();
        let options = SyncOptions {
            page_size,
            ..SyncOptions::read_only(Release::LATEST, filter)
        };
        let mut shell = Shell::new(options, now);
        let mut billing = BillingSystem::default();
        let report = shell
            .night(&mut sim, &mut billing, &mut Chaos::default())
            .map_err(TestCaseError::fail)?;
        billing.check_deliveries().map_err(TestCaseError::fail)?;
        let handed: BTreeSet<String> = billing.deliveries.iter().map(|(n, _)| n.clone()).collect();
        prop_assert!(wanted.is_subset(&handed));
        prop_assert_eq!(report.acknowledge_requests, 0);
        prop_assert!(sim.charges().all(|c| c.acknowledged_on.is_none()));
        prop_assert_eq!(report.handed_over, report.listed);
        prop_assert_eq!(shell.sync.state().offset(), report.listed);
        prop_assert!(report.finished);
        prop_assert_eq!(sim.stats().invalid_requests, 0);
    }
}
