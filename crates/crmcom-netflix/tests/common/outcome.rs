//! The vector format's outcomes, computed from the core: shared by the vector runner here and the
//! simulator's vector check (`crates/crmcom-netflix-sim/tests/sim_vectors.rs`), so that both
//! describe a result the same way.

use crmcom_netflix::{ChargesPage, Error};
use serde_json::{json, Value};

/// `{"violations": [...]}`, `{"api_error": {...}}` or `{"malformed": {"path"}}`.
pub fn error_outcome(e: &Error) -> Value {
    match e {
        Error::InvalidRequest(v) => json!({"violations": v
            .iter()
            .map(|v| json!({"path": v.path, "code": v.code.as_str()}))
            .collect::<Vec<_>>()}),
        Error::Api(a) => {
            json!({"api_error": {"code": a.code, "description": a.description, "message": a.message}})
        }
        Error::MalformedResponse(m) => json!({"malformed": {"path": m.path}}),
    }
}

/// The `charges` entry: what a billing system reads of each charge of a page.
pub fn charges_outcome(page: &ChargesPage) -> Value {
    page.charges()
        .iter()
        .map(|c| {
            json!({
                "number": c.number,
                "exact_amount": c.amount.map(|m| m.to_string()),
                "amount_minor": c.amount.and_then(|m| m.minor_units()),
                "minor_unit_exponent": c.amount.and_then(|m| m.minor_unit_exponent()),
                "billable": c.billable(),
                "final": c.is_final(),
                "pending": c.is_pending(),
            })
        })
        .collect()
}
