//! A billing job for tests: a shell that drives `ChargeSync` against the simulator, saves the state
//! after every step (write-ahead), may crash between any two steps and resumes from what it saved;
//! and a billing system keyed by charge number that survives the crashes.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use crmcom_netflix::{
    decode, prepare, BillingAction, Charge, ChargeSync, Error, LoginRequest, SyncOptions,
    SyncReport, SyncState, Token,
};
use crmcom_netflix_sim::{codes, Sim};
use rust_decimal::Decimal;

/// Steps one night may take before the test calls it a loop that does not end.
pub const STEP_LIMIT: u64 = 200_000;

/// A small deterministic generator for the tests' own choices.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }
}

/// The operator's billing system: keyed by charge number, durable across crashes of the shell.
#[derive(Debug, Default)]
pub struct BillingSystem {
    /// Every charge taken, once.
    pub taken: BTreeMap<String, Charge>,
    /// Charges handed over whose billing action is `leave`: not taken, never confirmed.
    pub left: BTreeSet<String>,
    /// Every handover, in order: (number, redelivered).
    pub deliveries: Vec<(String, bool)>,
    /// Every number passed to a `confirm` that the shell saved.
    pub confirmed: BTreeSet<String>,
}

impl BillingSystem {
    /// The exact total billed per currency: billable charges taken.
    pub fn billed_total(&self) -> BTreeMap<String, Decimal> {
        let mut totals = BTreeMap::new();
        for charge in self.taken.values().filter(|c| c.billable()) {
            *totals
                .entry(charge.currency.code().to_owned())
                .or_insert(Decimal::ZERO) += charge.amount.exact();
        }
        totals
    }

    /// Every number handed over exactly once as new, and marked redelivered only after that.
    pub fn check_deliveries(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for (number, redelivered) in &self.deliveries {
            let before = !seen.insert(number.clone());
            if *redelivered && !before {
                return Err(format!("{number} marked redelivered on its first handover"));
            }
            if !*redelivered && before {
                return Err(format!("{number} handed over twice as new"));
            }
        }
        Ok(())
    }
}

/// What goes wrong during a night, and when.
#[derive(Debug, Clone, Default)]
pub struct Chaos {
    /// Crash at these crash points of the night (counted from 1).
    pub crash_points: BTreeSet<u64>,
    /// The billing system refuses (does not take) a new charge with this chance.
    pub refuse_per_mille: u32,
    /// Before the night's `n`-th request to the sync (from 1): disturb the simulator.
    pub hooks: BTreeMap<u64, Vec<Hook>>,
    pub rng: Option<Rng>,
}

/// A disturbance of the simulator.
#[derive(Debug, Clone, Copy)]
pub enum Hook {
    Reorder,
    Shift(i64),
    ExpireTokens,
    Unavailable(u32),
}

impl Chaos {
    fn refuse(&mut self) -> bool {
        let per_mille = self.refuse_per_mille;
        per_mille > 0 && self.rng.get_or_insert(Rng(1)).chance(per_mille)
    }
}

/// The billing job's process: the sync in memory, the last saved state, a login token.
pub struct Shell {
    pub sync: ChargeSync,
    saved: String,
    token: Option<Token>,
    started: bool,
    /// The clock, in epoch seconds; each request takes a few seconds.
    pub now: i64,
    pub crashes: u64,
    pub logins: u64,
    pub requests: u64,
    /// The largest state saved, in bytes of JSON.
    pub largest_state: usize,
    crash_point: u64,
    /// What happened in the current night, for failure messages.
    pub log: Vec<String>,
}

impl Shell {
    pub fn new(options: SyncOptions, now: i64) -> Shell {
        let sync = ChargeSync::new(options).expect("valid options");
        let saved = sync.state().to_json();
        Shell {
            sync,
            saved,
            token: None,
            started: false,
            now,
            crashes: 0,
            logins: 0,
            requests: 0,
            largest_state: 0,
            crash_point: 0,
            log: Vec::new(),
        }
    }

    fn save(&mut self) {
        self.saved = self.sync.state().to_json();
        self.largest_state = self.largest_state.max(self.saved.len());
    }

    /// Passes a crash point: on a planned crash the process dies and restarts from the last
    /// saved state (the token is lost with it).
    fn crashed(&mut self, chaos: &Chaos) -> bool {
        self.crash_point += 1;
        if !chaos.crash_points.contains(&self.crash_point) {
            return false;
        }
        self.crashes += 1;
        self.log
            .push(format!("crash at point {}", self.crash_point));
        let state = SyncState::from_json(&self.saved).expect("a saved state reads back");
        self.sync = ChargeSync::from_state(state).expect("a saved state resumes");
        self.token = None;
        true
    }

    fn token(&mut self, sim: &mut Sim) -> Result<Token, String> {
        if let Some(t) = &self.token {
            return Ok(t.clone());
        }
        let release = self.sync.options().release;
        let login = prepare(&Sim::login_request(), None, release).map_err(|e| e.to_string())?;
        for _ in 0..20 {
            let body = sim.handle(&login, self.now);
            self.now += 1;
            match decode::<LoginRequest>(&body, None) {
                Ok(result) => {
                    self.logins += 1;
                    let token = result.token;
                    self.token = Some(token.clone());
                    return Ok(token);
                }
                Err(Error::Api(e)) if e.message.as_deref() == Some(codes::SERVICE_UNAVAILABLE) => {}
                Err(e) => return Err(format!("login failed: {e}")),
            }
        }
        Err("cannot log in".into())
    }

    /// One night: start a run (after the first), then send, feed, hand over, bill and confirm
    /// until the sync has nothing left to do.
    pub fn night(
        &mut self,
        sim: &mut Sim,
        billing: &mut BillingSystem,
        chaos: &mut Chaos,
    ) -> Result<SyncReport, String> {
        self.crash_point = 0;
        self.log.clear();
        if self.started {
            loop {
                self.sync.start_run();
                if self.crashed(chaos) {
                    continue;
                }
                self.save();
                break;
            }
        }
        self.started = true;
        let mut sent = 0u64;
        let mut steps = 0u64;
        loop {
            steps += 1;
            if steps > STEP_LIMIT {
                return Err(format!("the night did not end after {STEP_LIMIT} steps"));
            }
            let delivered = self.sync.take_charges();
            if !delivered.is_empty() {
                if self.crashed(chaos) {
                    continue;
                }
                self.save();
                self.log.push(format!(
                    "take {:?}",
                    delivered
                        .iter()
                        .map(|d| (d.charge.number(), d.redelivered))
                        .collect::<Vec<_>>()
                ));
                for d in &delivered {
                    billing
                        .deliveries
                        .push((d.charge.number().to_owned(), d.redelivered));
                }
                if self.crashed(chaos) {
                    continue;
                }
                let mut taken = Vec::new();
                for d in delivered {
                    let number = d.charge.number().to_owned();
                    // A charge to be left stays on the server: neither billed nor confirmed.
                    if d.charge.billing_action() == BillingAction::Leave {
                        billing.left.insert(number);
                        continue;
                    }
                    if !billing.taken.contains_key(&number) {
                        if chaos.refuse() {
                            continue;
                        }
                        billing.taken.insert(number.clone(), d.charge);
                    }
                    taken.push(number);
                }
                if self.crashed(chaos) {
                    continue;
                }
                self.sync
                    .confirm(&taken)
                    .map_err(|e| format!("confirm refused: {e}"))?;
                if self.crashed(chaos) {
                    continue;
                }
                self.save();
                billing.confirmed.extend(taken);
                continue;
            }
            let token = self.token(sim)?;
            let request = match self.sync.next_request(&token) {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return Err(format!("the sync built an invalid request: {e}")),
            };
            if self.crashed(chaos) {
                continue;
            }
            self.save();
            if self.crashed(chaos) {
                continue;
            }
            sent += 1;
            for hook in chaos.hooks.get(&sent).cloned().unwrap_or_default() {
                match hook {
                    Hook::Reorder => sim.reorder_next_page(),
                    Hook::Shift(by) => sim.shift_next_page(by),
                    Hook::ExpireTokens => sim.expire_all_tokens(),
                    Hook::Unavailable(n) => sim.fail_next_requests(n),
                }
            }
            let body = sim.handle(&request, self.now);
            self.log.push(format!(
                "{} {:?} {} -> {}",
                request.path,
                request
                    .query
                    .iter()
                    .filter(|(k, _)| k != "token")
                    .collect::<Vec<_>>(),
                request
                    .body
                    .as_ref()
                    .map(|b| b["acknowledged_charges_set"].to_string())
                    .unwrap_or_default(),
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
            self.requests += 1;
            self.now += 3;
            if self.crashed(chaos) {
                continue;
            }
            match self.sync.feed(&body) {
                Ok(()) => {}
                Err(Error::Api(e)) => match e.message.as_deref() {
                    Some(codes::TOKEN_EXPIRED | codes::INVALID_TOKEN) => {
                        self.token = None;
                        continue;
                    }
                    Some(codes::SERVICE_UNAVAILABLE) => continue,
                    _ => return Err(format!("unexpected API error: {e:?}")),
                },
                Err(e) => return Err(format!("feed failed: {e}")),
            }
            if self.crashed(chaos) {
                continue;
            }
            self.save();
        }
        Ok(self.sync.report())
    }
}

/// Adds reports' billable totals.
pub fn add_totals(into: &mut BTreeMap<String, Decimal>, report: &SyncReport) {
    for (currency, amount) in &report.billable_total {
        *into.entry(currency.clone()).or_insert(Decimal::ZERO) += amount;
    }
}
