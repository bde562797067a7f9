//! Runs every golden vector in `spec/vectors/` through the core.

use std::path::{Path, PathBuf};

mod common;

use common::json::same;
use common::outcome::{charges_outcome, error_outcome};
use crmcom_netflix::{decode_json, prepare_json};
use serde_json::{json, Value};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors")
}

fn run(case: &Value) -> Result<(), String> {
    let method = case["method"].as_str().ok_or("no method")?;
    let release = case.get("release").and_then(Value::as_str);
    let expect = &case["expect"];
    if let Some(request) = case.get("request") {
        let token = request.get("token").and_then(Value::as_str);
        // `params_text` is the parameters as JSON text, for what a JSON value cannot hold (a
        // key twice); `params` is a value.
        let params = match request.get("params_text").and_then(Value::as_str) {
            Some(text) => text.to_owned(),
            None => request
                .get("params")
                .cloned()
                .unwrap_or(json!({}))
                .to_string(),
        };
        let got = match prepare_json(method, &params, token, release) {
            Ok(p) => json!({"prepared": p.to_json()}),
            Err(e) => error_outcome(&e),
        };
        return if same(&got, expect) {
            Ok(())
        } else {
            Err(format!("expected {expect}\n     got {got}"))
        };
    }
    let body: Vec<u8> = match (case.get("response"), case.get("response_text")) {
        (Some(v), _) => v.to_string().into_bytes(),
        (None, Some(Value::String(t))) => t.clone().into_bytes(),
        _ => return Err("no response".into()),
    };
    let fields_set: Option<Vec<String>> =
        case.get("fields_set").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        });
    let got = match decode_json(method, &body, fields_set.as_deref()) {
        Ok(data) => json!({"decoded": data}),
        Err(e) => error_outcome(&e),
    };
    let mut want = expect.clone();
    let charges_expected = want.as_object_mut().and_then(|m| m.remove("charges"));
    if !same(&got, &want) {
        return Err(format!("expected {want}\n     got {got}"));
    }
    if let Some(expected) = charges_expected {
        let got = charges_outcome(&body, fields_set.as_deref())?;
        if !same(&got, &expected) {
            return Err(format!(
                "charges expected {expected}\n             got {got}"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_vector_in_spec_vectors_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("spec/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 89, "only {} vectors", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        if let Err(e) = run(&case) {
            failures.push(format!(
                "{}: {e}",
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
