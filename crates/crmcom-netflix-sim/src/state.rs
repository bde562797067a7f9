//! The simulator's whole data as one serde value ([`SimState`]), so that a shell can save it
//! and start again where it stopped: users, Web API keys, tokens, promotions, subscriptions, every charge
//! (acknowledged ones included), reference numbers, the processing schedule, charges scheduled
//! to arrive and the counters. The fault rules in force are not part of it: they belong to the
//! run of a server, not to its data.

use std::collections::{BTreeMap, HashMap};

use crmcom_netflix::{ChargeStatus, Release};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Issued;
use crate::ledger::Ledger;
use crate::{
    ApiKey, ChargeSpec, LedgerCharge, PromotionSpec, Sim, SimStats, SubscriptionRecord, User,
};

/// The version of the [`SimState`] layout; a state of another version is refused.
pub const SIM_STATE_FORMAT: u32 = 1;

/// Everything the simulator holds, in a form serde writes and reads (JSON in practice).
///
/// ```
/// use crmcom_netflix::{ChargeStatus, Release};
/// use crmcom_netflix_sim::{ChargeSpec, Sim, SimState};
///
/// let mut sim = Sim::new(Release::LATEST);
/// sim.add_charge(ChargeSpec::approved("pci1", "5.99", "USD"), 1_700_000_000);
/// let saved = sim.state().to_json();
/// let again = Sim::from_state(SimState::from_json(&saved).unwrap()).unwrap();
/// assert_eq!(again.charges().count(), 1);
/// assert_eq!(again.state().to_json(), saved);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimState {
    format: u32,
    release: Release,
    users: Vec<User>,
    #[serde(default)]
    api_keys: Vec<ApiKey>,
    tokens: Vec<TokenRecord>,
    tokens_issued: u64,
    promotions: Vec<PromotionSpec>,
    prices: Vec<Value>,
    subscriptions: Vec<SubscriptionRecord>,
    /// In list order.
    charges: Vec<LedgerCharge>,
    charges_added: u64,
    processing: Vec<ProcessingRecord>,
    references: BTreeMap<String, String>,
    arrivals: Vec<ArrivalRecord>,
    stats: SimStats,
    single_precision_amounts: bool,
    changes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRecord {
    token: String,
    #[serde(flatten)]
    issued: Issued,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessingRecord {
    number: String,
    at: i64,
    status: ChargeStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArrivalRecord {
    before_request: u64,
    charge: ChargeSpec,
}

/// A saved state that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError(pub String);

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StateError {}

impl SimState {
    /// The release of the saved server.
    pub fn release(&self) -> Release {
        self.release
    }

    /// The state as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a state written by [`SimState::to_json`]; the error names the offending path.
    pub fn from_json(bytes: &[u8]) -> Result<SimState, StateError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let state: SimState = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            StateError(format!("{path}: {}", e.into_inner()))
        })?;
        de.end()
            .map_err(|e| StateError(format!("after the state: {e}")))?;
        if state.format != SIM_STATE_FORMAT {
            return Err(StateError(format!(
                "format: the state is of format {}, this simulator reads format {SIM_STATE_FORMAT}",
                state.format
            )));
        }
        Ok(state)
    }
}

impl Sim {
    /// The simulator's whole data (not its fault rules).
    pub fn state(&self) -> SimState {
        let mut tokens: Vec<TokenRecord> = self
            .tokens
            .iter()
            .map(|(token, issued)| TokenRecord {
                token: token.clone(),
                issued: issued.clone(),
            })
            .collect();
        tokens.sort_by(|a, b| a.token.cmp(&b.token));
        let mut processing: Vec<ProcessingRecord> = self
            .ledger
            .processing_queue
            .iter()
            .filter_map(|(at, number)| {
                let (_, status) = self.ledger.processing.get(number)?;
                Some(ProcessingRecord {
                    number: number.clone(),
                    at: *at,
                    status: status.clone(),
                })
            })
            .collect();
        processing.sort_by(|a, b| (a.at, &a.number).cmp(&(b.at, &b.number)));
        SimState {
            format: SIM_STATE_FORMAT,
            release: self.release,
            users: self.users.clone(),
            api_keys: self.api_keys.clone(),
            tokens,
            tokens_issued: self.issued,
            promotions: self.promotions.clone(),
            prices: self.prices.clone(),
            subscriptions: self.subscriptions.clone(),
            charges: self.ledger.by_order.values().cloned().collect(),
            charges_added: self.ledger.added,
            processing,
            references: self
                .references
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            arrivals: self
                .faults
                .scheduled
                .iter()
                .flat_map(|(at, specs)| {
                    specs.iter().map(|s| ArrivalRecord {
                        before_request: *at,
                        charge: s.clone(),
                    })
                })
                .collect(),
            stats: self.stats.clone(),
            single_precision_amounts: self.single_precision_amounts,
            changes: self.changes,
        }
    }

    /// A simulator with a saved state's data and no fault rules. Fails on a state that does
    /// not hold together (a charge number twice, a schedule for an unknown charge).
    pub fn from_state(state: SimState) -> Result<Sim, StateError> {
        let mut sim = Sim::new(state.release);
        sim.users = state.users;
        sim.api_keys = state.api_keys;
        sim.tokens = state
            .tokens
            .into_iter()
            .map(|t| (t.token, t.issued))
            .collect::<HashMap<_, _>>();
        sim.issued = state.tokens_issued;
        sim.promotions = state.promotions;
        sim.prices = state.prices;
        sim.subscriptions = state.subscriptions;
        let mut ledger = Ledger::default();
        for (i, charge) in state.charges.into_iter().enumerate() {
            if ledger.index.contains_key(&charge.number) {
                return Err(StateError(format!(
                    "charges[{i}].number: charge {} is there twice",
                    charge.number
                )));
            }
            // The list order is (received_on, order added); the position keeps the order
            // among charges received at the same second.
            ledger.insert((charge.received_on, i as u64), charge);
        }
        ledger.added = state.charges_added.max(ledger.by_order.len() as u64);
        for (i, p) in state.processing.into_iter().enumerate() {
            if !ledger.index.contains_key(&p.number) {
                return Err(StateError(format!(
                    "processing[{i}].number: no charge {}",
                    p.number
                )));
            }
            ledger.processing_queue.insert((p.at, p.number.clone()));
            ledger.processing.insert(p.number, (p.at, p.status));
        }
        sim.ledger = ledger;
        sim.references = state.references.into_iter().collect();
        for a in state.arrivals {
            sim.faults
                .scheduled
                .entry(a.before_request)
                .or_default()
                .push(a.charge);
        }
        sim.stats = state.stats;
        sim.single_precision_amounts = state.single_precision_amounts;
        sim.changes = state.changes;
        Ok(sim)
    }
}

/// Exact decimals as JSON strings (`"5.99"`), so that a saved amount reads back unchanged.
pub(crate) mod decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a decimal amount")))
    }
}

/// An optional exact decimal as a JSON string or `null`.
pub(crate) mod optional_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a decimal amount"))),
        }
    }
}
