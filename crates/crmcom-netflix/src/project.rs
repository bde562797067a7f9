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

/// The by-name form of [`project_data`], for the C API: a method name and its response `data` as
/// JSON text in, the projected `data` out. An unknown method is `invalid_enum` at `method`; data
/// that is not JSON is a malformed response at the empty path.
///
/// ```
/// use crmcom_netflix::project_json;
/// let data = r#"{"charges_set": [{"number": "I1", "amount": 5.99}]}"#;
/// let fields = ["number".to_string()];
/// let projected = project_json("netflix/charges/list", data, &fields).unwrap();
/// assert_eq!(projected.to_string(), r#"{"charges_set":[{"number":"I1"}]}"#);
/// ```
pub fn project_json(
    method: &str,
    data_json: &str,
    fields_set: &[String],
) -> Result<Value, crate::Error> {
    let method = crate::Method::from_name(method).ok_or_else(|| {
        crate::Error::InvalidRequest(vec![crate::Violation::new(
            "method",
            crate::ViolationCode::InvalidEnum,
            crate::UnknownMethod(method.to_owned()).to_string(),
        )])
    })?;
    // Read with the response rules: a key twice is malformed here too.
    let data = crate::json::strict_value(data_json.as_bytes())?;
    Ok(project_data(method, &data, fields_set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ViolationCode};

    #[test]
    fn by_name_projection_keeps_only_named_charge_fields() {
        let data = r#"{"charges_set":[{"number":"I1","amount":5.99,"currency":"USD"}],"x":1}"#;
        let fields = ["number".to_owned(), "currency".to_owned()];
        let got = project_json("netflix/charges/list", data, &fields).unwrap();
        assert_eq!(
            got,
            serde_json::json!({"charges_set":[{"number":"I1","currency":"USD"}],"x":1})
        );
    }

    #[test]
    fn by_name_projection_reports_unknown_methods_and_bad_json() {
        let err = project_json("netflix/nothing", "{}", &[]).unwrap_err();
        assert_eq!(err.violations()[0].path, "method");
        assert_eq!(err.violations()[0].code, ViolationCode::InvalidEnum);
        let err = project_json("netflix/promotions/list", "[{", &[]).unwrap_err();
        assert!(matches!(err, Error::MalformedResponse(m) if m.path.is_empty()));
    }

    #[test]
    fn by_name_projection_refuses_a_key_given_twice() {
        let data = r#"{"charges_set":[{"number":"I1","number":"I2"}]}"#;
        let err = project_json("netflix/charges/list", data, &["number".into()]).unwrap_err();
        assert!(
            matches!(&err, Error::MalformedResponse(m) if m.path == "charges_set[0].number"),
            "{err:?}"
        );
    }
}
