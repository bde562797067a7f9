//! Generated data that looks like an operator's: customers with subscriptions in several
//! states and currencies (JPY with no minor digits and KWD with three among them), and charges
//! of every status, the pending ones scheduled to be processed over the next hours. The same
//! seed, sizes, release and time give the same data.

use crmcom_netflix::{Channel, ChargeStatus, Release};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::wire::SplitMix64;
use crate::{ChargeSpec, PromotionSpec, Sim, DEFAULT_VALIDITY_DURATION};

/// How much data to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Population {
    /// The generator's seed.
    pub seed: u64,
    /// Customers, each with one Netflix subscription.
    pub customers: u32,
    /// Charges, spread over the customers.
    pub charges: u32,
}

impl Default for Population {
    /// 10 customers and 30 charges from seed 1.
    fn default() -> Self {
        Population {
            seed: 1,
            customers: 10,
            charges: 30,
        }
    }
}

/// Currencies with the monthly prices of three plans, in each currency's minor unit: USD, EUR
/// and GBP have 2 digits, JPY none, KWD 3.
const PLANS: [(&str, [i64; 3], u32); 5] = [
    ("USD", [799, 1549, 2299], 2),
    ("EUR", [599, 1349, 1999], 2),
    ("GBP", [599, 1099, 1799], 2),
    ("JPY", [890, 1490, 1980], 0),
    ("KWD", [2500, 3750, 4950], 3),
];

/// Per mille of customers in each currency, in the order of [`PLANS`].
const CURRENCY_SHARE: [u64; 5] = [400, 250, 150, 100, 100];

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

impl Population {
    /// The identifier of customer `i` (from 0) in the operator's billing system.
    pub fn customer(i: u32) -> String {
        format!("pci{:05}", i + 1)
    }
}

impl Sim {
    /// Adds generated promotions, customers with subscriptions, and charges, at `now` (epoch
    /// seconds). Charge statuses are mixed: most `APPROVED`, some `DECLINED`, `BAD_REQUEST`
    /// and `REJECTED`, and (from R14.1.0, where `PENDING` exists) about a quarter `PENDING`,
    /// each scheduled to be processed between ten minutes and a day and a half later, most of
    /// them to `APPROVED`. Some charges carry a local-currency amount in EUR. Returns the
    /// numbers of the charges added.
    pub fn populate(&mut self, population: &Population, now: i64) -> Vec<String> {
        let mut rng = SplitMix64(population.seed ^ 0x504F_5055_4C41);
        let promotions = [
            ("14", "Welcome offer", now - 365 * DAY, None),
            ("15", "Broadband bundle", now - 90 * DAY, None),
            ("16", "Summer offer", now - 300 * DAY, Some(now - 200 * DAY)),
        ];
        for (code, name, from, until) in promotions {
            if self.promotions.iter().all(|p| p.code != code) {
                let mut p = PromotionSpec::new(code, name, from);
                p.expires_on = until;
                self.add_promotion(p);
            }
        }
        let customers = population.customers.max(1);
        let mut currency = Vec::with_capacity(customers as usize);
        for i in 0..customers {
            let draw = rng.next_u64() % 1000;
            let mut acc = 0;
            let c = CURRENCY_SHARE
                .iter()
                .position(|share| {
                    acc += share;
                    draw < acc
                })
                .unwrap_or(0);
            let plan = (rng.next_u64() % 3) as usize;
            currency.push((c, plan));
            let customer = Population::customer(i);
            let promotion = match rng.next_u64() % 10 {
                0..=2 => Some("14".to_owned()),
                3 => Some("15".to_owned()),
                _ => None,
            };
            let channel = [
                Channel::Web,
                Channel::Store,
                Channel::Mobile,
                Channel::Broadband,
                Channel::Other,
            ][(rng.next_u64() % 5) as usize];
            let created = now - 7 * DAY - (rng.next_u64() % (270 * DAY as u64)) as i64;
            let state = rng.next_u64() % 100;
            let s = self.new_subscription(
                &customer,
                promotion,
                Some(channel),
                DEFAULT_VALIDITY_DURATION,
                Value::Object(Default::default()),
                created,
            );
            if state >= 3 {
                s.sign_up();
            }
            s.suspended = (3..8).contains(&state);
            s.cancelled = (8..11).contains(&state);
        }
        let pending_exists = self.release >= Release::R14_1_0;
        let mut numbers = Vec::with_capacity(population.charges as usize);
        for _ in 0..population.charges {
            let who = (rng.next_u64() % u64::from(customers)) as u32;
            let (c, plan) = currency[who as usize];
            let (code, prices, digits) = PLANS[c];
            let amount = Decimal::new(prices[plan], digits);
            let roll = rng.next_u64() % 1000;
            let status = match roll {
                0..=649 => ChargeStatus::Approved,
                650..=699 => ChargeStatus::Declined,
                700..=719 => ChargeStatus::BadRequest,
                720..=749 => ChargeStatus::Rejected,
                _ if pending_exists => ChargeStatus::Pending,
                _ => ChargeStatus::Approved,
            };
            let pending = status == ChargeStatus::Pending;
            let received_on = if pending {
                now - (rng.next_u64() % (6 * HOUR as u64)) as i64
            } else {
                now - HOUR - (rng.next_u64() % (7 * DAY as u64)) as i64
            };
            let mut spec = ChargeSpec::new(&Population::customer(who), amount, code, status)
                .received_at(received_on);
            spec.paid_through_date = Some(received_on + 30 * DAY);
            if code != "EUR" && rng.next_u64().is_multiple_of(5) {
                let rate = [
                    Decimal::new(92, 2),
                    Decimal::new(117, 2),
                    Decimal::new(61, 4),
                    Decimal::new(298, 2),
                ];
                let to_eur = match code {
                    "USD" => rate[0],
                    "GBP" => rate[1],
                    "JPY" => rate[2],
                    _ => rate[3],
                };
                spec = spec.with_local((amount * to_eur).round_dp(2), "EUR");
            }
            let number = self.add_charge(spec, now);
            if pending {
                let at = now + 10 * 60 + (rng.next_u64() % (36 * HOUR as u64)) as i64;
                let to = if rng.next_u64().is_multiple_of(10) {
                    ChargeStatus::Declined
                } else {
                    ChargeStatus::Approved
                };
                // A charge just added as pending: the schedule cannot be refused.
                let _ = self.schedule_processing(&number, at, to);
            }
            numbers.push(number);
        }
        numbers
    }
}
