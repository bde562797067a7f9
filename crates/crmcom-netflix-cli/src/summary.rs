//! What `sync` and `journal report` both say of a run's charges: the billed totals per currency
//! and the recorded ones by status, as JSON and as text.

use std::collections::BTreeMap;

use crmcom_netflix::{add_to_total, Charge};
use rust_decimal::Decimal;
use serde_json::Value;

/// What a run's charges add up to, counted one charge at a time (a run of any size is summed up
/// without being held in memory): the billed ones with their exact total per currency, the
/// recorded ones by status.
#[derive(Debug, Default)]
pub struct Tally {
    /// Charges billed (approved, priced in a known currency).
    pub billed: u64,
    totals: BTreeMap<String, Decimal>,
    recorded: BTreeMap<String, u64>,
}

impl Tally {
    /// Counts one charge.
    pub fn add(&mut self, c: &Charge) {
        if c.billable() {
            self.billed += 1;
            add_to_total(&mut self.totals, &c.currency, &c.amount);
        } else {
            *self
                .recorded
                .entry(c.charge_status.as_str().to_owned())
                .or_insert(0) += 1;
        }
    }

    /// The exact total per currency of the billed charges, `{"USD": "12.99", ...}`.
    pub fn totals(&self) -> Value {
        Value::Object(
            self.totals
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
                .collect(),
        )
    }

    /// How many charges of each status were recorded and not billed, `{"DECLINED": 3, ...}`.
    pub fn recorded(&self) -> Value {
        serde_json::to_value(&self.recorded).unwrap_or_default()
    }
}

/// `12.99 USD, 1490 JPY` for totals as [`billed_totals`] gives them (empty when none).
pub fn totals_text(totals: &Value) -> String {
    totals
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{} {k}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `3 DECLINED, 1 REJECTED` for counts by status; `none` when there are none.
pub fn counts_text(counts: &Value) -> String {
    let parts: Vec<String> = counts
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{v} {k}")).collect())
        .unwrap_or_default();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}
