//! Fails when `spec/openapi.yaml` and the Rust types disagree, in either direction: operations,
//! object property names, requiredness (alternative names included), nullability, enum values,
//! bounds, lengths, formats and patterns, release marks and the SDK's rule keys. The Rust side's
//! schemas are derived by `schemars` from the types themselves (bounds and patterns from their
//! `validator` attributes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crmcom_netflix::methods::*;
use crmcom_netflix::{schema_of, Method};
use serde_json::Value;

fn openapi() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("spec/openapi.yaml");
    serde_yaml_ng::from_str(&text).expect("valid YAML")
}

/// The Rust schema of every component the spec names.
fn rust_components() -> BTreeMap<&'static str, Value> {
    let mut m = BTreeMap::new();
    m.insert("LoginRequest", schema_of::<LoginRequest>());
    m.insert("ReleaseToken", schema_of::<ReleaseToken>());
    m.insert("WebApiKeyLogin", schema_of::<WebApiKeyLogin>());
    m.insert("ListPromotions", schema_of::<ListPromotions>());
    m.insert("ShowSubscriptions", schema_of::<ShowSubscriptions>());
    m.insert("CreateSubscription", schema_of::<CreateSubscription>());
    m.insert("SuspendSubscription", schema_of::<SuspendSubscription>());
    m.insert(
        "UnsuspendSubscription",
        schema_of::<UnsuspendSubscription>(),
    );
    m.insert("ListCharges", schema_of::<ListCharges>());
    m.insert("AcknowledgeCharges", schema_of::<AcknowledgeCharges>());
    m.insert("AcceptCharges", schema_of::<AcceptCharges>());
    m.insert("DeclineCharges", schema_of::<DeclineCharges>());
    m.insert("AcknowledgedCharge", schema_of::<AcknowledgedCharge>());
    m.insert("AcceptedCharge", schema_of::<AcceptedCharge>());
    m.insert("DeclinedCharge", schema_of::<DeclinedCharge>());
    m.insert("Address", schema_of::<Address>());
    m.insert("Email", schema_of::<Email>());
    m.insert("Phone", schema_of::<Phone>());
    m.insert("CountryIdentifier", schema_of::<CountryIdentifier>());
    m.insert("Promotion", schema_of::<Promotion>());
    m.insert("Subscription", schema_of::<Subscription>());
    m.insert("Price", schema_of::<Price>());
    m.insert("SubscriptionCreated", schema_of::<SubscriptionCreated>());
    m.insert("Charge", schema_of::<Charge>());
    m.insert("ChargesPage", schema_of::<ChargesPage>());
    m.insert("FailedCharge", schema_of::<FailedCharge>());
    m.insert("FailedCharges", schema_of::<FailedCharges>());
    m.insert("LoginResult", schema_of::<LoginResult>());
    m.insert("Empty", schema_of::<Empty>());
    m
}

/// Whether a branch only says which properties must be there (`{"required": [...]}`).
fn is_required_only(branch: &Value) -> bool {
    branch
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("required"))
}

/// Follows `$ref`s and the non-null branch of `anyOf`/`oneOf`/`allOf`, merging what each level says.
fn resolve<'a>(schema: &'a Value, root: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(schema);
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .try_fold(root, |v, seg| v.get(seg));
        if let Some(t) = target {
            resolve(t, root, out);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .filter(|b| {
                    !is_required_only(b)
                        && b.get("anyOf").is_none_or(|a| {
                            !a.as_array().is_some_and(|a| a.iter().all(is_required_only))
                        })
                })
                .collect();
            let all_const = non_null.iter().all(|b| b.get("const").is_some());
            if !all_const || non_null.is_empty() {
                for b in non_null {
                    resolve(b, root, out);
                }
            }
        }
    }
}

/// The facts the two sides must agree on, for one property.
fn facts(schema: &Value, root: &Value) -> BTreeMap<String, Value> {
    let mut levels = Vec::new();
    resolve(schema, root, &mut levels);
    let mut f = BTreeMap::new();
    let nullable = levels.iter().any(|level| {
        let null_type = |t: &Value| match t {
            Value::String(s) => s == "null",
            Value::Array(ts) => ts.iter().any(|t| t == "null"),
            _ => false,
        };
        level.get("type").is_some_and(null_type)
            || ["anyOf", "oneOf"].iter().any(|k| {
                level
                    .get(*k)
                    .and_then(Value::as_array)
                    .is_some_and(|bs| bs.iter().any(|b| b.get("type").is_some_and(null_type)))
            })
    });
    if nullable {
        f.insert("nullable".to_owned(), Value::Bool(true));
    }
    for level in &levels {
        if let Some(items) = level.get("items") {
            for key in ["enum", "x-enum-since"] {
                if let Some(v) = items.get(key) {
                    f.entry(format!("items.{key}")).or_insert(v.clone());
                }
            }
        }
        for key in [
            "minimum",
            "maximum",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "format",
            "pattern",
            "x-in",
            "x-alias-of",
            "x-since",
            "x-free-text",
            "x-required-since",
            "x-required-until",
            "x-unique-items-by",
            "x-aliases",
            "x-enum-since",
        ] {
            if let Some(v) = level.get(key) {
                let v = match v {
                    Value::Number(n) => Value::from(n.as_f64().unwrap_or_default()),
                    other => other.clone(),
                };
                f.entry(key.to_owned()).or_insert(v);
            }
        }
        let mut values: Vec<String> = Vec::new();
        if let Some(e) = level.get("enum").and_then(Value::as_array) {
            values.extend(e.iter().filter_map(|v| v.as_str().map(str::to_owned)));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(bs) = level.get(key).and_then(Value::as_array) {
                values.extend(
                    bs.iter()
                        .filter_map(|b| b.get("const").and_then(Value::as_str).map(str::to_owned)),
                );
            }
        }
        if !values.is_empty() && !f.contains_key("enum") {
            values.sort();
            f.insert("enum".into(), Value::from(values));
        }
    }
    f
}

/// The object's shape: its properties' facts, its required set (as of the newest release) and its
/// semi-optional groups.
#[derive(Debug, PartialEq)]
struct Shape {
    properties: BTreeMap<String, BTreeMap<String, Value>>,
    required: BTreeSet<String>,
    /// Groups of names of which one must be present (`anyOf` of `required`).
    required_any: BTreeSet<BTreeSet<String>>,
    one_of_required: Value,
}

/// The `anyOf` groups of a level whose branches only list required names.
fn required_groups(level: &Value, out: &mut BTreeSet<BTreeSet<String>>) {
    let mut group = |branches: &Vec<Value>| {
        if !branches.is_empty() && branches.iter().all(is_required_only) {
            out.insert(
                branches
                    .iter()
                    .flat_map(|b| b["required"].as_array().cloned().unwrap_or_default())
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect(),
            );
        }
    };
    if let Some(bs) = level.get("anyOf").and_then(Value::as_array) {
        group(bs);
    }
    for item in level
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(bs) = item.get("anyOf").and_then(Value::as_array) {
            group(bs);
        }
    }
}

fn shape(schema: &Value, root: &Value) -> Shape {
    let mut levels = Vec::new();
    resolve(schema, root, &mut levels);
    let mut properties = BTreeMap::new();
    let mut required = BTreeSet::new();
    let mut required_any = BTreeSet::new();
    let mut one_of_required = Value::Null;
    for level in levels {
        required_groups(level, &mut required_any);
        if let Some(props) = level.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                let f = facts(p, root);
                if f.contains_key("x-required-since") {
                    required.insert(name.clone());
                }
                properties.insert(name.clone(), f);
            }
        }
        if let Some(r) = level.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(|v| v.as_str().map(str::to_owned)));
        }
        if let Some(g) = level.get("x-one-of-required") {
            one_of_required = g.clone();
        }
    }
    Shape {
        properties,
        required,
        required_any,
        one_of_required,
    }
}

/// The response objects (the others are request parameter objects).
const RESPONSE_OBJECTS: [&str; 10] = [
    "Promotion",
    "Subscription",
    "Price",
    "SubscriptionCreated",
    "Charge",
    "ChargesPage",
    "FailedCharge",
    "FailedCharges",
    "LoginResult",
    "Empty",
];

fn differences(spec: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let components = &spec["components"]["schemas"];
    for (name, rust) in rust_components() {
        let response = RESPONSE_OBJECTS.contains(&name);
        let Some(yaml) = components.get(name) else {
            out.push(format!("{name}: in Rust, missing from the spec"));
            continue;
        };
        let a = shape(yaml, spec);
        let b = shape(&rust, &rust);
        let names_a: BTreeSet<_> = a.properties.keys().collect();
        let names_b: BTreeSet<_> = b.properties.keys().collect();
        for n in names_a.difference(&names_b) {
            out.push(format!("{name}.{n}: in the spec, not in Rust"));
        }
        for n in names_b.difference(&names_a) {
            out.push(format!("{name}.{n}: in Rust, not in the spec"));
        }
        for n in names_a.intersection(&names_b) {
            let (mut fa, mut fb) = (a.properties[*n].clone(), b.properties[*n].clone());
            // A request parameter the newest release requires is an `Option` in Rust (older
            // releases may lack it) and never `null` in the spec; every other optional parameter
            // admits `null` in both (the SDK leaves it out).
            if !response && a.required.contains(n.as_str()) {
                fa.remove("nullable");
                fb.remove("nullable");
            }
            if fa != fb {
                out.push(format!("{name}.{n}: spec says {fa:?}, Rust says {fb:?}"));
            }
        }
        if a.required != b.required {
            out.push(format!(
                "{name}: required in the spec {:?}, in Rust {:?}",
                a.required, b.required
            ));
        }
        if a.required_any != b.required_any {
            out.push(format!(
                "{name}: one-of-the-names groups in the spec {:?}, in Rust {:?}",
                a.required_any, b.required_any
            ));
        }
        if a.one_of_required != b.one_of_required {
            out.push(format!(
                "{name}: x-one-of-required in the spec {}, in Rust {}",
                a.one_of_required, b.one_of_required
            ));
        }
    }
    // Operations: every method once, with its verb and release, and nothing else.
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    for m in Method::ALL {
        let key = format!("/{}", m.name());
        let verb = m.verb().as_str().to_lowercase();
        match paths.get(&key).and_then(|p| p.get(&verb)) {
            None => out.push(format!("{key}: {verb} in Rust, missing from the spec")),
            Some(op) => {
                if op.get("x-since").and_then(Value::as_str) != Some(m.since().as_str()) {
                    out.push(format!("{key}: x-since differs from Rust's {}", m.since()));
                }
            }
        }
    }
    for key in paths.keys() {
        if Method::from_name(key.trim_start_matches('/')).is_none() {
            out.push(format!("{key}: in the spec, not in Rust"));
        }
    }
    out
}

#[test]
fn openapi_spec_and_rust_types_agree() {
    let diffs = differences(&openapi());
    assert!(diffs.is_empty(), "spec drift:\n{}", diffs.join("\n"));
}

#[test]
fn drift_is_caught_when_a_field_is_renamed_in_the_spec_only() {
    let mut spec = openapi();
    let props = spec["components"]["schemas"]["Charge"]["properties"]
        .as_object_mut()
        .unwrap();
    let v = props.shift_remove("received_on").unwrap();
    props.insert("recieved_on".into(), v);
    let diffs = differences(&spec);
    assert!(diffs
        .iter()
        .any(|d| d.contains("Charge.recieved_on: in the spec, not in Rust")));
    assert!(diffs
        .iter()
        .any(|d| d.contains("Charge.received_on: in Rust, not in the spec")));
}

#[test]
fn drift_is_caught_when_a_bound_or_enum_changes_in_the_spec_only() {
    let mut spec = openapi();
    spec["components"]["schemas"]["CreateSubscription"]["properties"]["validity_duration"]
        ["maximum"] = Value::from(86401);
    let channel = &mut spec["components"]["schemas"]["CreateSubscription"]["properties"]["channel"];
    if let Some(values) = channel.get_mut("enum").and_then(Value::as_array_mut) {
        values.retain(|v| v != "OTHER");
    }
    let diffs = differences(&spec);
    assert!(diffs
        .iter()
        .any(|d| d.starts_with("CreateSubscription.validity_duration")));
    assert!(diffs
        .iter()
        .any(|d| d.starts_with("CreateSubscription.channel")));
}

#[test]
fn drift_is_caught_when_requiredness_changes_in_the_spec_only() {
    let mut spec = openapi();
    spec["components"]["schemas"]["AcknowledgedCharge"]["required"] = serde_json::json!(["number"]);
    let diffs = differences(&spec);
    assert!(diffs
        .iter()
        .any(|d| d.starts_with("AcknowledgedCharge: required")));
}

#[test]
fn drift_is_caught_when_nullability_or_a_pattern_changes_in_the_spec_only() {
    let mut spec = openapi();
    spec["components"]["schemas"]["FailedCharge"]["properties"]["error_description"]["type"] =
        Value::from("string");
    spec["components"]["schemas"]["Charge"]["properties"]["local_currency"]
        .as_object_mut()
        .unwrap()
        .remove("pattern");
    let diffs = differences(&spec);
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("FailedCharge.error_description")),
        "{diffs:?}"
    );
    assert!(
        diffs.iter().any(|d| d.starts_with("Charge.local_currency")),
        "{diffs:?}"
    );
}

/// The token is no field of a request type, so the comparison above does not reach it: its
/// schema, in the query and in a body, must say what the core enforces of every mandatory string
/// (not blank, no control character), as the customer identifier of `subscriptions/suspend` does.
#[test]
fn the_token_is_described_as_the_mandatory_string_it_is() {
    let spec = openapi();
    let mandatory = &spec["components"]["schemas"]["SuspendSubscription"]["properties"]
        ["billing_system_customer_identifier"];
    assert!(mandatory["pattern"].is_string(), "{mandatory}");
    for (place, token) in [
        (
            "the query parameter",
            &spec["components"]["parameters"]["token"]["schema"],
        ),
        (
            "the body property",
            &spec["components"]["schemas"]["TokenParameter"]["properties"]["token"],
        ),
    ] {
        assert_eq!(token["minLength"], 1, "{place}: {token}");
        assert_eq!(token["pattern"], mandatory["pattern"], "{place}: {token}");
    }
}

#[test]
fn drift_is_caught_when_an_optional_parameter_stops_admitting_null_in_the_spec_only() {
    let mut spec = openapi();
    spec["components"]["schemas"]["CreateSubscription"]["properties"]["promotion_code"]["type"] =
        Value::from("string");
    let diffs = differences(&spec);
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("CreateSubscription.promotion_code")),
        "{diffs:?}"
    );
}
