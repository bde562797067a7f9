//! Reading what a command works on: a JSON file, standard input, `--param` pairs; and writing
//! violations the same way for every command.

use std::io::{IsTerminal, Read};
use std::path::Path;

use crmcom_netflix::{Error, Violation};
use serde_json::{Map, Value};

use crate::exit::{Exit, Failure};

/// The bytes of `FILE`, of standard input for `-`, or `None` when no file is named and standard
/// input is a terminal (nothing piped in).
pub fn read_input(file: Option<&Path>) -> Result<Option<Vec<u8>>, Failure> {
    match file {
        Some(p) if p.as_os_str() != "-" => std::fs::read(p)
            .map(Some)
            .map_err(|e| Failure::config(format!("cannot read {}: {e}", p.display()))),
        Some(_) => read_stdin().map(Some),
        None if std::io::stdin().is_terminal() => Ok(None),
        None => read_stdin().map(|b| (!b.iter().all(u8::is_ascii_whitespace)).then_some(b)),
    }
}

fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::config(format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}

/// Parameters from an optional JSON document and `--param` pairs, which win over it.
///
/// A pair `key=value` sets a string; `key:=JSON` sets any JSON value (`number_of_results:=50`,
/// `is_primary:=true`); a dotted key reaches into objects (`customer_address.type=HOME`).
pub fn params(document: Option<Vec<u8>>, pairs: &[String]) -> Result<Value, Failure> {
    let mut params = match document {
        None => Value::Object(Map::new()),
        Some(bytes) => serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| Failure::data(format!("the parameters are not JSON: {e}")))?,
    };
    for pair in pairs {
        let (key, value) = if let Some((k, v)) = pair.split_once(":=") {
            let v = serde_json::from_str::<Value>(v).map_err(|e| {
                Failure::usage(format!(
                    "--param {pair}: the value after := is not JSON: {e}"
                ))
            })?;
            (k, v)
        } else if let Some((k, v)) = pair.split_once('=') {
            (k, Value::String(v.to_owned()))
        } else {
            return Err(Failure::usage(format!(
                "--param {pair}: expected key=value (a string) or key:=JSON"
            )));
        };
        set(&mut params, key, value).map_err(|m| Failure::usage(format!("--param {pair}: {m}")))?;
    }
    Ok(params)
}

fn set(target: &mut Value, key: &str, value: Value) -> Result<(), String> {
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err("the key is empty".into());
    }
    let mut at = target;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let Value::Object(map) = at else {
            return Err("the parameters are not a JSON object".into());
        };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return Ok(());
        }
        at = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !at.is_object() {
            return Err(format!("`{part}` is not an object"));
        }
    }
    Ok(())
}

/// `--fields-set a,b` as the list decode takes.
pub fn fields_set(list: Option<&str>) -> Option<Vec<String>> {
    list.map(|l| {
        l.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// Prints the violations of an invalid request (text on standard error, or JSON on standard
/// output) and returns the failure to exit with (65).
pub fn report_violations(violations: &[Violation], json: bool) -> Failure {
    if json {
        let listed: Vec<Value> = violations
            .iter()
            .map(|v| serde_json::json!({"path": v.path, "code": v.code.as_str(), "message": v.message}))
            .collect();
        crate::out!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "violations": listed }))
                .unwrap_or_default()
        );
    } else {
        for v in violations {
            let path = if v.path.is_empty() {
                "(parameters)"
            } else {
                &v.path
            };
            eprintln!("{path}: {}: {}", v.code.as_str(), v.message);
        }
    }
    let n = violations.len();
    Failure::new(
        Exit::DataErr,
        format!("invalid request: {n} violation{}", plural(n)),
    )
}

/// The ending of a noun counted `n` times: "" for one, "s" otherwise.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The failure for an error of the core (a request that breaks rules, an API error, a
/// malformed response).
pub fn core_failure(error: &Error, json: bool) -> Failure {
    match error {
        Error::InvalidRequest(v) => report_violations(v, json),
        Error::Api(e) => {
            if json {
                crate::out!(
                    "{}",
                    serde_json::json!({"api_error": {"code": e.code, "description": e.description, "message": e.message}})
                );
            }
            Failure::new(Exit::ApiError, error.to_string())
        }
        Error::MalformedResponse(_) => {
            if json {
                crate::out!(
                    "{}",
                    serde_json::json!({"malformed_response": error.to_string()})
                );
            }
            Failure::data(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pairs_set_strings_json_values_and_nested_keys_over_the_document() {
        let doc = br#"{"number_of_results": 5, "offset": 0}"#.to_vec();
        let pairs = [
            "number_of_results:=50".to_owned(),
            "charge_status=PROCESSED".to_owned(),
            "customer_address.type=HOME".to_owned(),
            "customer_address.is_primary:=true".to_owned(),
            "billing_system_customer_identifier=0123".to_owned(),
        ];
        assert_eq!(
            params(Some(doc), &pairs).unwrap(),
            json!({"number_of_results": 50, "offset": 0, "charge_status": "PROCESSED",
                   "customer_address": {"type": "HOME", "is_primary": true},
                   "billing_system_customer_identifier": "0123"})
        );
    }

    #[test]
    fn bad_pairs_are_usage_errors_that_name_the_pair() {
        for (pair, text) in [
            ("offset", "expected key=value"),
            ("offset:=zero", "not JSON"),
            ("=x", "the key is empty"),
            ("a.=x", "the key is empty"),
        ] {
            let e = params(None, &[pair.to_owned()]).unwrap_err();
            assert_eq!(e.exit, Exit::Usage);
            assert!(e.message.contains(text), "{pair}: {}", e.message);
        }
        let e = params(None, &["a=1".to_owned(), "a.b=2".to_owned()]).unwrap_err();
        assert!(e.message.contains("`a` is not an object"), "{}", e.message);
    }

    #[test]
    fn a_document_that_is_not_json_is_invalid_data() {
        assert_eq!(
            params(Some(b"{".to_vec()), &[]).unwrap_err().exit,
            Exit::DataErr
        );
    }
}
