//! The mock server over real HTTP on 127.0.0.1: the API, the faults as a client sees them, the
//! admin API, and the state file.

mod common;

use std::collections::BTreeSet;

use common::{admin_get, admin_post, call, http, login, login_as, send, Reply};
use crmcom_netflix::{
    prepare, AcknowledgeCharges, AcknowledgedCharge, ChargeStatusFilter, Error, ListCharges,
    ListPromotions, Release, ShowSubscriptions,
};
use crmcom_netflix_mock::{
    BlockingMockServer, Clock, FaultKind, FaultRule, Fixtures, MockConfig, Population,
};
use crmcom_netflix_sim::{epoch_seconds, User};
use serde_json::{json, Value};

fn t0() -> i64 {
    epoch_seconds("2024-03-01T02:00:00").unwrap()
}

fn config() -> MockConfig {
    MockConfig {
        clock: Clock::frozen_at(t0()),
        ..MockConfig::default()
    }
}

fn start(config: MockConfig) -> BlockingMockServer {
    BlockingMockServer::start(config).unwrap()
}

fn processed() -> ListCharges {
    ListCharges::new(Some(ChargeStatusFilter::Processed))
}

fn ack_request(charges: &[(String, String)]) -> AcknowledgeCharges {
    AcknowledgeCharges {
        acknowledged_charges_set: charges
            .iter()
            .map(|(n, c)| AcknowledgedCharge::new(n.as_str(), c.as_str()))
            .collect(),
    }
}

fn first_page(base: &str, token: &crmcom_netflix::Token) -> Vec<(String, String)> {
    call(base, &processed(), token)
        .unwrap()
        .charges()
        .iter()
        .map(|c| {
            (
                c.number().to_owned(),
                c.billing_system_customer_identifier.to_string(),
            )
        })
        .collect()
}

fn acknowledged(base: &str) -> BTreeSet<String> {
    admin_get(base, "state")["charges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["acknowledged"] == json!(true))
        .map(|c| c["number"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_method_is_served_with_the_simulators_rules_and_envelopes() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    let promotions = call(&base, &ListPromotions::default(), &token).unwrap();
    assert!(!promotions.is_empty());
    let page = call(&base, &processed(), &token).unwrap();
    assert!(!page.charges().is_empty());
    let show = ShowSubscriptions {
        billing_system_customer_identifier: Some(Population::customer(0)),
        netflix_customer_identifier: None,
        fields_set: None,
    };
    assert_eq!(call(&base, &show, &token).unwrap().len(), 1);
    // A rule of the core, refused by the server as INVALID_REQUEST with the violation.
    let reply = http(
        &base,
        "GET",
        &format!("/crmapi/rest/v2/netflix/charges/list?token={}&number_of_results=51&offset=0&charge_status=PROCESSED", token.expose()),
        None,
    );
    assert_eq!(reply.status(), 200);
    let v = reply.json();
    assert_eq!(v["status"]["message"], "INVALID_REQUEST");
    assert!(v["status"]["description"]
        .as_str()
        .unwrap()
        .contains("number_of_results"));
    // A wrong password is an API error whose text never repeats it.
    let reply = login_as(&base, "billing", "hunter2", "NETFLIXOP");
    assert_eq!(reply.json()["status"]["message"], "INVALID_LOGIN");
    assert!(!String::from_utf8_lossy(reply.body()).contains("hunter2"));
    // Unknown method, wrong verb, unknown path.
    assert_eq!(
        http(&base, "GET", "/crmapi/rest/v2/netflix/charges/cancel", None).status(),
        404
    );
    let wrong = http(
        &base,
        "GET",
        "/crmapi/rest/v2/netflix/charges/acknowledge",
        None,
    );
    assert_eq!((wrong.status(), wrong.header("allow")), (405, Some("POST")));
    let nowhere = http(&base, "GET", "/index.html", None);
    assert_eq!(nowhere.status(), 404);
    assert_eq!(nowhere.json()["status"]["message"], "NOT_FOUND");
    // A body that is not JSON.
    let reply = http(
        &base,
        "POST",
        "/crmapi/rest/v2/netflix/charges/acknowledge",
        Some(b"{"),
    );
    assert_eq!(reply.json()["status"]["message"], "INVALID_REQUEST");
}

#[test]
fn the_chosen_release_decides_the_rules() {
    let server = start(MockConfig {
        release: Release::R12_0_0,
        ..config()
    });
    let base = server.base_url();
    let token = login(&base);
    // R12.0.0 has no charge_status filter: a client targeting R16.1.0 is refused.
    let reply = send(
        &base,
        &prepare(&processed(), Some(&token), Release::LATEST).unwrap(),
    );
    let v = reply.json();
    assert_eq!(v["status"]["message"], "INVALID_REQUEST");
    assert!(v["status"]["description"]
        .as_str()
        .unwrap()
        .contains("not_in_release"));
    let old = ListCharges::new(None);
    let reply = send(
        &base,
        &prepare(&old, Some(&token), Release::R12_0_0).unwrap(),
    );
    assert_eq!(reply.json()["status"]["code"], "OK");
    assert_eq!(admin_get(&base, "health")["release"], "R12.0.0");
}

#[test]
fn users_from_the_configuration_replace_the_default_user() {
    let server = start(MockConfig {
        users: vec![User::new("ops", "pw", "ORG")],
        ..config()
    });
    let base = server.base_url();
    assert_eq!(
        login_as(&base, "billing", "secret", "NETFLIXOP").json()["status"]["message"],
        "INVALID_LOGIN"
    );
    assert_eq!(
        login_as(&base, "ops", "pw", "ORG").json()["status"]["code"],
        "OK"
    );
    let users = admin_get(&base, "state")["users"].clone();
    assert_eq!(
        users,
        json!([{"username": "ops", "organisation": "ORG", "units": []}])
    );
}

#[test]
fn a_dropped_acknowledgement_is_committed_and_its_retry_is_already_acknowledged() {
    let server = start(MockConfig {
        faults: vec![FaultRule::once(
            crmcom_netflix::Method::ChargesAcknowledge,
            FaultKind::DropResponse,
        )],
        ..config()
    });
    let base = server.base_url();
    let token = login(&base);
    let page = first_page(&base, &token);
    let request = prepare(&ack_request(&page[..2]), Some(&token), Release::LATEST).unwrap();
    assert!(matches!(send(&base, &request), Reply::Closed));
    assert_eq!(
        acknowledged(&base),
        page[..2].iter().map(|(n, _)| n.clone()).collect()
    );
    let again = call(&base, &ack_request(&page[..2]), &token).unwrap();
    let codes: Vec<_> = again
        .failed()
        .iter()
        .map(|f| f.error_code.clone())
        .collect();
    assert_eq!(codes, ["CHARGE_ALREADY_ACKNOWLEDGED"; 2]);
    let log = admin_get(&base, "requests?method=netflix/charges/acknowledge");
    assert_eq!(log["requests"][0]["fault"], "drop_response");
    assert_eq!(log["requests"][0]["status"], 0);
}

#[test]
fn a_reset_is_a_tcp_reset_and_applies_nothing() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    let page = first_page(&base, &token);
    admin_post(
        &base,
        "faults",
        &json!({"faults": [{"method": "netflix/charges/acknowledge", "fault": "connection_reset"}]}),
    );
    let request = prepare(&ack_request(&page[..1]), Some(&token), Release::LATEST).unwrap();
    assert!(matches!(send(&base, &request), Reply::Reset));
    assert!(acknowledged(&base).is_empty());
}

#[test]
fn a_truncated_body_is_shorter_than_announced_and_a_malformed_one_is_not_json() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    admin_post(
        &base,
        "faults",
        &json!([
            {"method": "netflix/charges/list", "fault": "truncated_body"},
            {"method": "netflix/charges/list", "fault": "malformed_body", "after": 1}
        ]),
    );
    let list = prepare(&processed(), Some(&token), Release::LATEST).unwrap();
    match send(&base, &list) {
        Reply::Answer { complete, body, .. } => {
            assert!(!complete, "the body must fall short of its Content-Length");
            assert!(!body.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let reply = send(&base, &list);
    assert_eq!(reply.status(), 200);
    assert!(serde_json::from_slice::<Value>(reply.body()).is_err());
    assert!(matches!(
        crmcom_netflix::decode::<ListCharges>(reply.body(), None),
        Err(Error::MalformedResponse(_))
    ));
}

#[test]
fn statuses_api_errors_and_latency_as_a_client_sees_them() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    let rules = json!({"faults": [
        {"method": "netflix/promotions/list", "fault": "http_status", "status": 429, "retry_after": 3},
        {"method": "netflix/promotions/list", "fault": "http_status", "status": 503},
        {"method": "netflix/promotions/list", "fault": "api_error", "code": "TOKEN_EXPIRED"},
        {"method": "netflix/promotions/list", "fault": "latency", "ms": 300}
    ]});
    let set = admin_post(&base, "faults", &rules);
    assert_eq!(set.json()["faults"].as_array().unwrap().len(), 4);
    let list = prepare(&ListPromotions::default(), Some(&token), Release::LATEST).unwrap();
    let r = send(&base, &list);
    assert_eq!((r.status(), r.header("retry-after")), (429, Some("3")));
    let r = send(&base, &list);
    assert_eq!((r.status(), r.header("retry-after")), (503, Some("1")));
    assert_eq!(r.json()["status"]["message"], "SERVICE_UNAVAILABLE");
    let r = send(&base, &list);
    assert_eq!(
        (r.status(), r.json()["status"]["message"].clone()),
        (200, json!("TOKEN_EXPIRED"))
    );
    let started = std::time::Instant::now();
    assert_eq!(send(&base, &list).json()["status"]["code"], "OK");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    let summary = admin_get(&base, "state")["summary"]["faults"].clone();
    assert_eq!(
        summary,
        json!({"api_error": 1, "http_status": 2, "latency": 1})
    );
}

#[test]
fn the_admin_api_adds_processes_and_moves_the_clock() {
    let server = start(MockConfig {
        population: None,
        ..config()
    });
    let base = server.base_url();
    assert_eq!(admin_get(&base, "health")["charges"], 0);
    let added = admin_post(
        &base,
        "charges",
        &json!([
            {"billing_system_customer_identifier": "pci1", "amount": "1490", "currency": "JPY"},
            {"billing_system_customer_identifier": "pci2", "amount": "2.500", "currency": "KWD",
             "charge_status": "PENDING", "processes_in": 3600},
            {"billing_system_customer_identifier": "pci3", "amount": "5.99", "currency": "USD",
             "charge_status": "PENDING"}
        ]),
    );
    assert_eq!(
        added.json()["added"],
        json!(["I00000001", "I00000002", "I00000003"])
    );
    let token = login(&base);
    assert_eq!(first_page(&base, &token).len(), 1);
    // The clock moves: the scheduled charge turns approved, the others stay pending.
    let moved = admin_post(&base, "clock/advance", &json!({"minutes": 61})).json();
    assert_eq!(moved["now"], "2024-03-01T03:01:00");
    assert_eq!(moved["processed"], 1);
    assert_eq!(first_page(&base, &token).len(), 2);
    let state = admin_get(&base, "state");
    assert_eq!(
        state["charges"][1]["set_as_approved_on"],
        "2024-03-01T03:00:00"
    );
    assert_eq!(state["charges"][2]["charge_status"], "PENDING");
    let done = admin_post(&base, "charges/process", &json!({"status": "DECLINED"})).json();
    assert_eq!(done["processed"], json!(["I00000003"]));
    // Two hours on, the token has expired.
    admin_post(&base, "clock/advance", &json!({"hours": 2}));
    let expired = call(&base, &processed(), &token).unwrap_err();
    assert!(expired.to_string().contains("TOKEN_EXPIRED"), "{expired}");
    // Generated charges.
    let more = admin_post(&base, "charges", &json!({"generate": 20, "seed": 3})).json();
    assert_eq!(more["added"].as_array().unwrap().len(), 20);
    // Bad admin input names the key.
    let bad = admin_post(&base, "clock/advance", &json!({"sconds": 5}));
    assert_eq!(bad.status(), 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("sconds"));
    let bad = admin_post(
        &base,
        "charges",
        &json!([{"billing_system_customer_identifier": "x", "amount": "1,5", "currency": "USD"}]),
    );
    assert_eq!(
        bad.json()["error"],
        "charges[0].amount: `1,5` is not a decimal amount"
    );
    let bad = admin_post(
        &base,
        "faults",
        &json!([{"fault": "drop_response", "count": -1}]),
    );
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("faults[0].count"));
    assert_eq!(http(&base, "GET", "/_mock/reset", None).status(), 405);
    assert_eq!(http(&base, "GET", "/_mock/nothing", None).status(), 404);
}

#[test]
fn reset_brings_back_the_data_the_server_started_with() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    let page = first_page(&base, &token);
    call(&base, &ack_request(&page), &token).unwrap();
    assert!(!acknowledged(&base).is_empty());
    admin_post(&base, "reset", &Value::Null);
    assert!(acknowledged(&base).is_empty());
    assert_eq!(admin_get(&base, "requests")["requests"], json!([]));
    admin_post(&base, "reset", &json!({"empty": true}));
    assert_eq!(admin_get(&base, "health")["charges"], 0);
}

#[test]
fn the_request_log_never_holds_a_token_or_a_password() {
    let server = start(config());
    let base = server.base_url();
    let token = login(&base);
    let page = first_page(&base, &token);
    call(&base, &ack_request(&page[..1]), &token).unwrap();
    let log = admin_get(&base, "requests");
    let text = log.to_string();
    assert!(!text.contains(token.expose()));
    assert!(!text.contains("\"secret\""));
    let records = log["requests"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["body"]["password"], "<redacted>");
    assert_eq!(records[1]["query"][0], json!(["token", "<redacted>"]));
    assert_eq!(records[2]["body"]["token"], "<redacted>");
    assert_eq!(
        admin_get(&base, "requests?since=2")["requests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_state_file_keeps_acknowledgements_tokens_and_the_clock_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mock-state.json");
    let with_state = || MockConfig {
        state_file: Some(state.clone()),
        ..config()
    };
    let server = start(with_state());
    let base = server.base_url();
    let token = login(&base);
    let page = first_page(&base, &token);
    call(&base, &ack_request(&page[..3]), &token).unwrap();
    admin_post(&base, "clock/advance", &json!({"seconds": 60}));
    let before = admin_get(&base, "state");
    drop(server);

    // Started again with other data options: the state file wins.
    let server = start(MockConfig {
        population: Some(Population {
            seed: 9,
            customers: 1,
            charges: 1,
        }),
        ..with_state()
    });
    let base = server.base_url();
    let after = admin_get(&base, "state");
    assert_eq!(after["charges"], before["charges"]);
    assert_eq!(after["now"], "2024-03-01T02:01:00");
    // The token issued before the restart still works.
    let left = first_page(&base, &token);
    assert!(left.iter().all(|c| !page[..3].contains(c)));
    assert!(!state.with_file_name("mock-state.json.tmp").exists());

    // Another release than the saved one is refused.
    drop(server);
    let err = BlockingMockServer::start(MockConfig {
        release: Release::R14_1_0,
        ..with_state()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("runs R16.1.0, not R14.1.0"),
        "{err}"
    );
}

#[test]
fn a_damaged_state_file_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        b"{\"format\": 1, \"clock\": {\"frozen\": {\"at\": 0}}, \"sim\": {\"format\": 1}}",
    )
    .unwrap();
    let err = BlockingMockServer::start(MockConfig {
        state_file: Some(state.clone()),
        ..config()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!("{}: sim.", state.display())),
        "{err}"
    );
    std::fs::write(&state, b"[]").unwrap();
    let err = BlockingMockServer::start(MockConfig {
        state_file: Some(state.clone()),
        ..config()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a state file"), "{err}");
}

#[test]
fn fixtures_are_served_as_given() {
    let fixtures = Fixtures::from_json(br#"{
        "users": [{"username": "mpadministrator", "password": "1234", "organisation": "CRMDEMO"}],
        "charges": [{"billing_system_customer_identifier": "pci150", "amount": 5.99, "currency": "USD",
                     "received_on": "2017-02-06T07:18:47"}]}"#).unwrap();
    let server = start(MockConfig {
        population: None,
        fixtures: Some(fixtures),
        ..config()
    });
    let base = server.base_url();
    let reply = login_as(&base, "mpadministrator", "1234", "CRMDEMO");
    let token = crmcom_netflix::decode::<crmcom_netflix::LoginRequest>(reply.body(), None)
        .unwrap()
        .token;
    let page = call(&base, &processed(), &token).unwrap();
    let charge = &page.charges()[0];
    assert_eq!(charge.amount.to_string(), "5.99");
    assert_eq!(charge.received_on.to_string(), "2017-02-06T07:18:47");
}

#[test]
fn thirty_two_clients_at_once_are_all_served() {
    let server = start(MockConfig {
        population: Some(Population {
            seed: 1,
            customers: 100,
            charges: 2000,
        }),
        ..config()
    });
    let base = server.base_url();
    let token = login(&base);
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let base = base.clone();
            let token = token.clone();
            std::thread::spawn(move || {
                (0..20)
                    .map(|_| call(&base, &processed(), &token).unwrap().charges().len())
                    .sum::<usize>()
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 32 * 20 * 50);
}
