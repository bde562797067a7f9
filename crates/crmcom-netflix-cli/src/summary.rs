//! What `sync` and `journal report` both say of a run's charges: the billed totals per currency
//! and the recorded ones by status, as JSON and as text.

use std::collections::BTreeMap;

use crmcom_netflix::{total_by_currency, Charge};
use serde_json::Value;

/// The exact total per currency of the billed charges, `{"USD": "12.99", ...}`.
pub fn billed_totals<'a>(charges: impl IntoIterator<Item = &'a Charge>) -> Value {
    let totals = total_by_currency(charges.into_iter().map(|c| (&c.currency, &c.amount)));
    Value::Object(
        totals
            .into_iter()
            .map(|(k, v)| (k, Value::String(v.to_string())))
            .collect(),
    )
}

/// How many charges of each status, for the charges recorded and not billed.
pub fn by_status<'a>(charges: impl IntoIterator<Item = &'a Charge>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for c in charges {
        let status = c.charge_status.as_str();
        *out.entry(status.to_owned()).or_insert(0) += 1;
    }
    out
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
