//! `fields_set` projection: what the server does with a `fields_set`.

use serde_json::Value;

/// Keeps only the named fields: on an object, its named keys; on an array, each item projected.
/// Other values are returned as they are. Names are matched exactly, and `netflix_state` and
/// `netflix_sate` stand for each other.
///
/// ```
/// use crmcom_netflix::project;
/// use serde_json::json;
/// let charges = json!([{"number": "I1", "amount": 5.99, "currency": "USD"}]);
/// let fields = ["number".to_string()];
/// assert_eq!(project(&charges, &fields), json!([{"number": "I1"}]));
/// ```
pub fn project(value: &Value, fields_set: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| fields_set.iter().any(|n| same_field(n, k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| project(v, fields_set)).collect()),
        other => other.clone(),
    }
}

fn same_field(name: &str, key: &str) -> bool {
    const STATE: [&str; 2] = ["netflix_state", "netflix_sate"];
    name == key || (STATE.contains(&name) && STATE.contains(&key))
}

/// Projects a method's response `data` at the level `fields_set` applies to: each charge of
/// `charges/list`, each promotion, each subscription. Data of other methods is returned as it is.
pub fn project_data(method: crate::Method, data: &Value, fields_set: &[String]) -> Value {
    use crate::Method;
    match (method, data) {
        (Method::ChargesList, Value::Object(map)) => {
            let mut out = map.clone();
            if let Some(charges) = map.get("charges_set") {
                out.insert("charges_set".into(), project(charges, fields_set));
            }
            Value::Object(out)
        }
        (Method::PromotionsList | Method::SubscriptionsShow, _) => project(data, fields_set),
        _ => data.clone(),
    }
}
