//! The vector format's outcomes, computed from the core: shared by the vector runner here and the
//! simulator's vector check (`crates/crmcom-netflix-sim/tests/sim_vectors.rs`), so that both
//! describe a result the same way.

use crmcom_netflix::{decode, decode_projected, Error, ListCharges, Money};
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

/// The `charges` entry: what a billing system reads of each charge of a page, decoded with the
/// vector's `fields_set` (the projected form) or without one.
pub fn charges_outcome(body: &[u8], fields_set: Option<&[String]>) -> Result<Value, String> {
    let entry = |number: Option<&str>, amount: Option<&Money>, billable, is_final, pending| {
        json!({
            "number": number,
            "exact_amount": amount.map(|m| m.to_string()),
            "amount_minor": amount.and_then(|m| m.minor_units()),
            "minor_unit_exponent": amount.and_then(|m| m.minor_unit_exponent()),
            "billable": billable,
            "final": is_final,
            "pending": pending,
        })
    };
    Ok(match fields_set {
        None => decode::<ListCharges>(body, None)
            .map_err(|e| e.to_string())?
            .charges()
            .iter()
            .map(|c| {
                entry(
                    Some(c.number()),
                    Some(&c.amount),
                    c.billable(),
                    c.is_final(),
                    c.is_pending(),
                )
            })
            .collect(),
        Some(fields) => decode_projected::<ListCharges>(body, fields)
            .map_err(|e| e.to_string())?
            .charges()
            .iter()
            .map(|c| {
                entry(
                    c.number(),
                    c.amount.as_ref(),
                    c.billable(),
                    c.is_final(),
                    c.is_pending(),
                )
            })
            .collect(),
    })
}
