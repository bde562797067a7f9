//! The seed corpus of every fuzz target, made from `spec/vectors/`: each response body for the
//! decode targets (with its `fields_set` when it has one), each request for `prepare_json`, each
//! response's data for `project`, the amounts of every charge for `money`, and the states and page
//! sequences of a sync run over the vectors' pages for `sync_state` and `c_sync`. The replay test
//! runs them all through their targets, and writes them out for `make fuzz-corpus`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crmcom_netflix::{ChargeSync, Method, SyncOptions, Token};
use serde_json::Value;

/// The seeds: (target, name, input), made from the vector files in `vectors`.
pub fn seeds(vectors: &Path) -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds: BTreeMap<(&str, String), Vec<u8>> = BTreeMap::new();
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors)
        .expect("spec/vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let Some(method) = case["method"].as_str().and_then(Method::from_name) else {
            continue;
        };
        let index = Method::ALL.iter().position(|m| *m == method).unwrap() as u8;
        if let Some(request) = case.get("request") {
            let release = ["R12.0.0", "R14.1.0", "R14.2.0", "R16.1.0"]
                .iter()
                .position(|r| case.get("release").and_then(Value::as_str) == Some(*r))
                .unwrap_or(4) as u8;
            let token = match request.get("token").and_then(Value::as_str) {
                Some(t) if t.trim().is_empty() => 2,
                Some(_) => 0,
                None => 1,
            };
            let params = request.get("params").cloned().unwrap_or(Value::Null);
            let mut bytes = vec![index, release + 5 * token];
            bytes.extend(params.to_string().bytes());
            seeds.insert(("prepare_json", name.clone()), bytes);
            continue;
        }
        let body: Vec<u8> = match (case.get("response"), case.get("response_text")) {
            (Some(v), _) => v.to_string().into_bytes(),
            (None, Some(Value::String(t))) => t.clone().into_bytes(),
            _ => continue,
        };
        let fields: Option<String> = case.get("fields_set").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        });
        let mut bytes = match &fields {
            Some(f) => {
                let mut b = vec![index | 0x80];
                b.extend(f.bytes());
                b.push(b'\n');
                b
            }
            None => vec![index],
        };
        bytes.extend(&body);
        seeds.insert(("decode_json", name.clone()), bytes.clone());
        seeds.insert(("c_decode", name.clone()), bytes);
        if let Ok(Value::Object(envelope)) = serde_json::from_slice::<Value>(&body) {
            if let Some(data) = envelope.get("data") {
                let mut b = vec![index];
                b.extend(
                    fields
                        .as_deref()
                        .unwrap_or("number,netflix_sate,code")
                        .bytes(),
                );
                b.push(b'\n');
                b.extend(data.to_string().bytes());
                seeds.insert(("project", name.clone()), b);
            }
        }
        if method == Method::ChargesList {
            pages.push(body.clone());
            for (i, amount) in amounts(&body).into_iter().enumerate() {
                for currency in 0..6u8 {
                    let mut b = vec![currency];
                    b.extend(amount.bytes());
                    seeds.insert(("money", format!("{name}-{i}-{currency}")), b);
                }
            }
        }
    }
    for (i, state) in sync_states(&pages).into_iter().enumerate() {
        seeds.insert(
            ("sync_state", format!("state-{i:03}")),
            state.clone().into_bytes(),
        );
        let mut b = state.into_bytes();
        if let Some(page) = pages.get(i % pages.len().max(1)) {
            b.extend(b"\n--\n");
            b.extend(page);
        }
        seeds.insert(("c_sync", format!("resume-{i:03}")), b);
    }
    for (i, window) in pages.windows(3).enumerate() {
        seeds.insert(
            ("c_sync", format!("pages-{i:03}")),
            window.join(&b"\n--\n"[..]),
        );
    }
    seeds
        .into_iter()
        .map(|((target, name), bytes)| (target, name, bytes))
        .collect()
}

/// The text of every number after an `"amount":` or `"local_currency_amount":` key.
fn amounts(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut out = Vec::new();
    for key in ["\"amount\":", "\"local_currency_amount\":"] {
        for (i, _) in text.match_indices(key) {
            let rest = text[i + key.len()..].trim_start();
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || "+-.eE".contains(*c))
                .collect();
            if !number.is_empty() {
                out.push(number);
            }
        }
    }
    out
}

/// The saved states of sync runs over the pages that decode: after every step, confirming every
/// other charge, with a second run started halfway.
fn sync_states(pages: &[Vec<u8>]) -> Vec<String> {
    let token = Token::new("T");
    let mut sync = ChargeSync::new(SyncOptions::default()).unwrap();
    let mut states = vec![sync.state().to_json()];
    for (i, page) in pages.iter().enumerate() {
        if sync.next_request(&token).ok().flatten().is_none() {
            sync.start_run();
            continue;
        }
        if sync.feed(page).is_err() {
            continue;
        }
        states.push(sync.state().to_json());
        let taken = sync.take_charges();
        let numbers: Vec<&str> = taken
            .iter()
            .step_by(2)
            .filter(|c| c.charge.billing_action().confirms())
            .map(|c| c.charge.number())
            .collect();
        let _ = sync.confirm(&numbers);
        states.push(sync.state().to_json());
        if i == pages.len() / 2 {
            sync.start_run();
        }
    }
    states.sort();
    states.dedup();
    states
}
