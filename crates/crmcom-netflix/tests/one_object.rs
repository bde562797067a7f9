//! One response object decoded on its own (`decode_object`: what Python's `Charge.from_json`,
//! the client's ledger and a saved sync state read back) refuses exactly what `decode` refuses
//! for it inside a response, with the same error kind and the path rooted at the object.

use std::path::{Path, PathBuf};

// The vector comparison (`same`); the rest of the shared support is for the vector runner.
#[allow(dead_code)]
mod common;

use common::json::same;

use crmcom_netflix::{
    decode_json, decode_object, Charge, ChargeSync, Error, ProjectedCharge, ProjectedPromotion,
    Promotion, SyncOptions, SyncState, Token,
};
use serde_json::value::RawValue;
use serde_json::Value;

const CHARGE: &str = r#"{"number":"I1","billing_system_customer_identifier":"pci1","amount":5.99,
    "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
    "received_on":"2017-02-21T10:07:23","set_as_approved_on":"2017-02-21T10:38:58",
    "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}"#;

const OK: &str = r#"{"code":"OK","description":"","message":""}"#;

fn charge(from: &str, to: &str) -> String {
    assert!(CHARGE.contains(from), "{from}");
    CHARGE.replacen(from, to, 1)
}

fn one_malformed_at(json: &str) -> String {
    match decode_object::<Charge>(json.as_bytes(), None) {
        Err(Error::MalformedResponse(m)) => m.path,
        other => panic!("expected a malformed charge, got {other:?}\n{json}"),
    }
}

fn page_malformed_at(json: &str) -> String {
    let body = format!(r#"{{"status":{OK},"data":{{"charges_set":[{json}]}}}}"#);
    match decode_json("netflix/charges/list", body.as_bytes(), None) {
        Err(Error::MalformedResponse(m)) => m.path,
        other => panic!("expected a malformed page, got {other:?}\n{body}"),
    }
}

/// The case is refused alone at `path`, and in a page at the same place under the charge.
fn refused_like_decode(json: &str, path: &str) {
    assert_eq!(one_malformed_at(json), path, "{json}");
    let in_page = if path.is_empty() {
        "data.charges_set[0]".to_owned()
    } else {
        format!("data.charges_set[0].{path}")
    };
    assert_eq!(page_malformed_at(json), in_page, "{json}");
}

#[test]
fn a_charge_decoded_alone_prices_and_keeps_what_decode_keeps() {
    let c: Charge = decode_object(CHARGE.as_bytes(), None).unwrap();
    assert_eq!(c.number(), "I1");
    assert_eq!(c.amount.minor_units(), Some(599));
    assert!(c.billable());
    let unknown = charge(r#""amount":5.99"#, r#""amount":5.99,"x":{"a":[1,{"b":2}]}"#);
    let c: Charge = decode_object(unknown.as_bytes(), None).unwrap();
    assert_eq!(c.extra["x"]["a"][1]["b"], 2);
    // Written out and read back, it is the same charge.
    let again: Charge = decode_object(serde_json::to_string(&c).unwrap().as_bytes(), None).unwrap();
    assert_eq!(again, c);
}

#[test]
fn a_key_twice_in_a_charge_alone_is_malformed_at_the_second_occurrence() {
    refused_like_decode(
        &charge(r#""amount":5.99,"#, r#""amount":5.99,"amount":599.0,"#),
        "amount",
    );
    refused_like_decode(
        &charge(
            r#""charge_status":"APPROVED","#,
            r#""charge_status":"DECLINED","charge_status":"APPROVED","#,
        ),
        "charge_status",
    );
    refused_like_decode(
        &charge(r#""amount":5.99"#, r#""amount":5.99,"x":{"a":1,"a":2}"#),
        "x.a",
    );
    refused_like_decode(
        &charge(r#""amount":5.99"#, r#""amount":5.99,"x":1,"x":2"#),
        "x",
    );
    // After unescaping: `amo\u0075nt` is `amount`.
    refused_like_decode(
        &charge(r#""amount":5.99,"#, r#""amount":5.99,"amo\u0075nt":599.0,"#),
        "amount",
    );
}

#[test]
fn dates_outside_years_1_to_9999_in_a_charge_alone_are_malformed() {
    for (from, to, path) in [
        ("2017-02-21T10:07:23", "0000-01-01T00:00:00", "received_on"),
        (
            "2017-02-19T02:00:00",
            "10000-01-01T00:00:00",
            "paid_through_date",
        ),
        (
            "2017-02-21T10:38:58",
            "0000-12-31T23:59:59Z",
            "set_as_approved_on",
        ),
        ("2017-02-21T10:07:23", "2017-02-30T10:07:23", "received_on"),
    ] {
        refused_like_decode(&charge(from, to), path);
    }
    for edge in ["0001-01-01T00:00:00", "9999-12-31T23:59:59.999"] {
        let c = charge("2017-02-21T10:07:23", edge);
        decode_object::<Charge>(c.as_bytes(), None).unwrap();
    }
}

#[test]
fn control_characters_in_identifiers_of_a_charge_alone_are_malformed() {
    for (from, to, path) in [
        (r#""number":"I1""#, r#""number":"I\u00001""#, "number"),
        (r#""number":"I1""#, r#""number":"I1\u007f""#, "number"),
        (
            r#""billing_system_customer_identifier":"pci1""#,
            r#""billing_system_customer_identifier":"pci\n1""#,
            "billing_system_customer_identifier",
        ),
        (
            r#""currency":"USD""#,
            r#""currency":"US\u0001""#,
            "currency",
        ),
        (
            r#""charge_status":"APPROVED""#,
            r#""charge_status":"APPR\u0000OVED""#,
            "charge_status",
        ),
    ] {
        refused_like_decode(&charge(from, to), path);
    }
    let local = charge(
        r#""currency":"USD""#,
        r#""currency":"USD","local_currency_amount":1.5,"local_currency":"EU\tR""#,
    );
    refused_like_decode(&local, "local_currency");
}

#[test]
fn numbers_a_charge_alone_cannot_hold_are_malformed() {
    for to in [r#""amount":"5.99""#, r#""amount":null"#, r#""amount":true"#] {
        refused_like_decode(&charge(r#""amount":5.99"#, to), "amount");
    }
    // No JSON number is that large: the text is not valid JSON, reported at the object.
    let huge = charge(r#""amount":5.99"#, r#""amount":1e400"#);
    assert_eq!(one_malformed_at(&huge), "");
    // Correctly rounded: 0.12499999999999999 is not 0.125, so it is 0.12 USD.
    let near = charge(r#""amount":5.99"#, r#""amount":0.12499999999999999"#);
    let c: Charge = decode_object(near.as_bytes(), None).unwrap();
    assert_eq!(c.amount.minor_units(), Some(12));
}

#[test]
fn missing_and_null_mandatory_fields_of_a_charge_alone_are_malformed_at_the_field() {
    let without = CHARGE.replacen(r#""received_on":"2017-02-21T10:07:23","#, "", 1);
    refused_like_decode(&without, "received_on");
    refused_like_decode(&charge(r#""number":"I1""#, r#""number":null"#), "number");
    // Nullable fields may be null or absent.
    let bare = CHARGE.replacen(r#","set_as_declined_on":null"#, "", 1);
    decode_object::<Charge>(bare.as_bytes(), None).unwrap();
}

#[test]
fn an_unknown_enum_value_in_a_charge_alone_is_kept_and_never_billed() {
    let c: Charge =
        decode_object(charge(r#""APPROVED""#, r#""SETTLED""#).as_bytes(), None).unwrap();
    assert_eq!(c.charge_status.as_str(), "SETTLED");
    assert!(!c.billable());
}

#[test]
fn what_is_not_a_charge_object_is_malformed_at_the_object() {
    for text in ["[]", "5", "null", "\"I1\"", "", "{", "{} x"] {
        assert_eq!(one_malformed_at(text), "", "{text}");
    }
    let deep = format!(
        "{}{}",
        charge(r#""amount":5.99"#, r#""amount":5.99,"x":"#).trim_end_matches('}'),
        "[".repeat(100_000)
    );
    assert_eq!(one_malformed_at(&deep), "");
    assert_eq!(one_malformed_at("{\"number\":\"\u{0}\"\u{ff}"), "");
    match decode_object::<Charge>(b"{\"number\":\"\xff\"}", None) {
        Err(Error::MalformedResponse(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_a_fields_set_the_named_fields_must_be_there_and_follow_the_rules() {
    let names = [
        "number".to_owned(),
        "amount".to_owned(),
        "currency".to_owned(),
    ];
    let json = r#"{"number":"I1","amount":5.99,"currency":"USD"}"#;
    let c: ProjectedCharge = decode_object(json.as_bytes(), Some(&names)).unwrap();
    assert_eq!(c.number(), Some("I1"));
    assert_eq!(c.amount.unwrap().minor_units(), Some(599));
    let missing = r#"{"number":"I1","currency":"USD"}"#;
    match decode_object::<ProjectedCharge>(missing.as_bytes(), Some(&names)) {
        Err(Error::MalformedResponse(m)) => assert_eq!(m.path, "amount"),
        other => panic!("{other:?}"),
    }
    let nul = r#"{"number":"I\u00001","amount":5.99,"currency":"USD"}"#;
    match decode_object::<ProjectedCharge>(nul.as_bytes(), Some(&names)) {
        Err(Error::MalformedResponse(m)) => assert_eq!(m.path, "number"),
        other => panic!("{other:?}"),
    }
    // The full form cannot lack a field, whatever the fields_set says.
    match decode_object::<Charge>(json.as_bytes(), Some(&names)) {
        Err(Error::MalformedResponse(m)) => {
            assert_eq!(m.path, "billing_system_customer_identifier");
            assert!(m.message.contains("decode_projected"), "{}", m.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_response_objects_decoded_alone_follow_their_rules() {
    let promotion = r#"{"code":"P\u00001","name":"n","description":null,
        "effective_from":"2017-01-01T00:00:00","expires_on":null}"#;
    match decode_object::<Promotion>(promotion.as_bytes(), None) {
        Err(Error::MalformedResponse(m)) => assert_eq!(m.path, "code"),
        other => panic!("{other:?}"),
    }
    let names = ["code".to_owned()];
    let p: ProjectedPromotion = decode_object(br#"{"code":"P1"}"#, Some(&names)).unwrap();
    assert_eq!(p.code.as_deref(), Some("P1"));
}

/// The saved state of a sync that has received a page with `CHARGE`.
fn saved_state() -> String {
    let mut sync = ChargeSync::new(SyncOptions::default()).unwrap();
    sync.next_request(&Token::new("T")).unwrap();
    let body = format!(r#"{{"status":{OK},"data":{{"charges_set":[{CHARGE}]}}}}"#);
    sync.feed(body.as_bytes()).unwrap();
    sync.state().to_json()
}

#[test]
fn a_saved_sync_state_refuses_a_charge_that_decode_would_refuse() {
    let saved = saved_state();
    SyncState::from_json(&saved).expect("a clean state reads back");
    for (from, to, path) in [
        (r#""number":"I1""#, r#""number":"I\u00001""#, "number"),
        ("2017-02-21T10:07:23", "0000-01-01T00:00:00", "received_on"),
        (
            r#""amount":5.99,"#,
            r#""amount":5.99,"amount":599.0,"#,
            "amount",
        ),
        (
            r#""billing_system_customer_identifier":"pci1""#,
            r#""billing_system_customer_identifier":"p\u0007""#,
            "billing_system_customer_identifier",
        ),
        (r#""currency":"USD""#, r#""currency":"U\tS""#, "currency"),
    ] {
        assert!(saved.contains(from), "{from} in {saved}");
        let state = saved.replacen(from, to, 1);
        match SyncState::from_json(&state) {
            Err(Error::InvalidRequest(v)) => {
                assert_eq!(v.len(), 1);
                assert_eq!(v[0].path, "state");
                assert!(v[0].message.contains(path), "{}: {}", path, v[0].message);
            }
            other => panic!("expected the state refused for {path}, got {other:?}"),
        }
    }
}

fn vectors() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let case = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            (f, case)
        })
        .collect()
}

/// The charges of a body as their own texts, as the server wrote them (repeated keys included).
fn raw_charges(body: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        data: Option<Data<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        charges_set: Option<Vec<&'a RawValue>>,
    }
    // A repeated key is an error to serde's derive: such bodies are split by hand below.
    let envelope: Envelope<'_> = serde_json::from_str(body).ok()?;
    Some(
        envelope
            .data?
            .charges_set?
            .into_iter()
            .map(|c| c.get().to_owned())
            .collect(),
    )
}

/// Every `charges/list` response vector is a one-charge case too: each charge of its page,
/// decoded alone (with the vector's `fields_set`), decodes to what the page holds, or is refused
/// at the vector's path under that charge.
#[test]
fn every_charges_list_vector_agrees_charge_by_charge() {
    let mut checked = 0;
    let mut refused = 0;
    for (file, case) in vectors() {
        if case["method"] != "netflix/charges/list" {
            continue;
        }
        let body = match (case.get("response"), case.get("response_text")) {
            (Some(v), _) => v.to_string(),
            (None, Some(Value::String(t))) => t.clone(),
            _ => continue,
        };
        let Some(charges) = raw_charges(&body) else {
            continue;
        };
        let fields_set: Option<Vec<String>> = case["fields_set"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect());
        let expect = &case["expect"];
        let malformed = expect["malformed"]["path"].as_str();
        let decoded = expect["decoded"]["charges_set"].as_array();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut numbers = Vec::new();
        for (i, text) in charges.iter().enumerate() {
            let prefix = format!("data.charges_set[{i}]");
            let alone = match &fields_set {
                None => decode_object::<Charge>(text.as_bytes(), None)
                    .map(|c| serde_json::to_value(c).unwrap()),
                Some(names) => decode_object::<ProjectedCharge>(text.as_bytes(), Some(names))
                    .map(|c| serde_json::to_value(c).unwrap()),
            };
            let here = malformed.filter(|p| *p == prefix || p.starts_with(&format!("{prefix}.")));
            match (here, alone) {
                (Some(path), Err(Error::MalformedResponse(m))) => {
                    let want = path[prefix.len()..].trim_start_matches('.');
                    assert_eq!(m.path, want, "{name}: charge {i}");
                    refused += 1;
                    break;
                }
                // The page refuses it for a page's reason: another charge under its number.
                (Some(path), Ok(value)) => {
                    assert_eq!(
                        path,
                        format!("{prefix}.number"),
                        "{name}: charge {i} decoded"
                    );
                    assert!(numbers.contains(&value["number"]), "{name}: charge {i}");
                    break;
                }
                (None, Ok(value)) => {
                    if let Some(decoded) = decoded {
                        assert!(
                            decoded.iter().any(|d| same(d, &value)),
                            "{name}: charge {i} alone is {value}, not one of the page's"
                        );
                    }
                    numbers.push(value["number"].clone());
                    checked += 1;
                }
                (None, Err(e)) => {
                    // The page failed earlier than this charge (a status, an envelope) or
                    // decoded: in either case it was not refused for this charge.
                    assert!(
                        malformed.is_some() || expect.get("api_error").is_some(),
                        "{name}: charge {i} refused alone ({e}) though the page decodes"
                    );
                    break;
                }
                (Some(_), Err(e)) => panic!("{name}: charge {i}: {e:?}"),
            }
        }
    }
    println!("{checked} charges decoded alone, {refused} refused alone");
    assert!(checked >= 80, "only {checked} charges checked");
    assert!(refused >= 20, "only {refused} refusals checked");
}
