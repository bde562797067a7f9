//! What a server shell over the simulator relies on: fault rules answered as an `Exchange`,
//! pending charges processed over time, fixtures, generated data, and the state saved and
//! restored.

use std::collections::BTreeSet;

use crmcom_netflix::{
    decode, prepare, AcknowledgeCharges, AcknowledgedCharge, ChargeStatus, ChargeStatusFilter,
    ListCharges, LoginRequest, Method, PreparedRequest, Release, Token,
};
use crmcom_netflix_sim::{
    codes, epoch_seconds, ChargeSpec, Delivery, Exchange, FaultKind, FaultRule, Fixtures,
    HttpRequest, Population, Sim, SimState,
};
use serde_json::{json, Value};

fn t0() -> i64 {
    epoch_seconds("2024-03-01T01:00:00").unwrap()
}

/// Sends a prepared request through `exchange`, as an HTTP shell would.
fn exchange(sim: &mut Sim, request: &PreparedRequest, now: i64) -> Exchange {
    let body = request.body_bytes();
    sim.exchange(
        HttpRequest {
            verb: request.verb.as_str(),
            path: request.path,
            query: &request.query,
            body: body.as_deref(),
            headers: &[],
        },
        now,
    )
}

fn login(sim: &mut Sim, now: i64) -> Token {
    let request = prepare(&Sim::login_request(), None, sim.release()).unwrap();
    decode::<LoginRequest>(&exchange(sim, &request, now).body, None)
        .unwrap()
        .token
}

fn list(sim: &mut Sim, token: &Token, offset: u64, now: i64) -> Exchange {
    let mut request = ListCharges::new(Some(ChargeStatusFilter::Processed));
    request.offset = offset;
    exchange(
        sim,
        &prepare(&request, Some(token), sim.release()).unwrap(),
        now,
    )
}

fn listed(sim: &mut Sim, token: &Token, now: i64) -> Vec<String> {
    let e = list(sim, token, 0, now);
    decode::<ListCharges>(&e.body, None)
        .unwrap()
        .charges()
        .iter()
        .map(|c| c.number().to_owned())
        .collect()
}

fn acknowledge(sim: &mut Sim, token: &Token, numbers: &[&str], now: i64) -> Exchange {
    let items = numbers
        .iter()
        .map(|n| {
            let customer = sim
                .charge(n)
                .unwrap()
                .billing_system_customer_identifier
                .clone();
            AcknowledgedCharge::new(*n, customer.as_str())
        })
        .collect();
    let request = AcknowledgeCharges {
        acknowledged_charges_set: items,
    };
    exchange(
        sim,
        &prepare(&request, Some(token), sim.release()).unwrap(),
        now,
    )
}

fn failed_codes(e: &Exchange) -> Vec<String> {
    decode::<AcknowledgeCharges>(&e.body, None)
        .unwrap()
        .failed()
        .iter()
        .map(|f| f.error_code.clone())
        .collect()
}

fn sim_with(charges: usize) -> Sim {
    let mut sim = Sim::new(Release::LATEST);
    for i in 0..charges {
        sim.add_charge(
            ChargeSpec::approved(&format!("pci{i}"), "5.99", "USD")
                .received_at(t0() - 1000 + i as i64),
            t0(),
        );
    }
    sim
}

fn rule(json: Value) -> FaultRule {
    FaultRule::from_json(&json, "fault").unwrap()
}

#[test]
fn an_http_status_fault_answers_without_doing_anything_and_429_says_when_to_retry() {
    let mut sim = sim_with(2);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "netflix/charges/acknowledge", "fault": "http_status",
                               "status": 429, "retry_after": 7}),
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!(e.status, 429);
    assert!(e.headers.contains(&("Retry-After".into(), "7".into())));
    assert_eq!(sim.charge("I00000001").unwrap().acknowledged_on, None);
    assert_eq!(sim.charge("I00000001").unwrap().acknowledge_attempts, 0);
    // The rule fired once (a rule without a rate fires once unless told otherwise).
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!((e.status, failed_codes(&e)), (200, vec![]));
    assert_eq!(sim.fault_rules()[0].fired, 1);
    assert_eq!(sim.stats().faults["http_status"], 1);
}

#[test]
fn a_502_comes_with_an_html_body_as_from_a_proxy() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "*", "fault": "http_status", "status": 502}),
    ));
    let e = list(&mut sim, &token, 0, t0());
    assert_eq!(e.status, 502);
    assert!(String::from_utf8(e.body).unwrap().starts_with("<html>"));
    assert!(e
        .headers
        .contains(&("Content-Type".into(), "text/html".into())));
}

#[test]
fn an_api_error_fault_is_an_error_envelope_and_nothing_is_applied() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "netflix/charges/acknowledge", "fault": "api_error",
                               "code": "TOKEN_EXPIRED"}),
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    let error = decode::<AcknowledgeCharges>(&e.body, None).unwrap_err();
    assert!(error.to_string().contains("TOKEN_EXPIRED"), "{error}");
    assert_eq!(e.status, 200);
    assert_eq!(sim.charge("I00000001").unwrap().acknowledged_on, None);
}

#[test]
fn a_dropped_response_is_applied_and_the_retry_is_told_already_acknowledged() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(FaultRule::once(
        Method::ChargesAcknowledge,
        FaultKind::DropResponse,
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!(e.delivery, Delivery::Drop);
    assert!(e.changed, "the shell must save before dropping the answer");
    assert_eq!(sim.charge("I00000001").unwrap().acknowledged_on, Some(t0()));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!(e.delivery, Delivery::Complete);
    assert_eq!(failed_codes(&e), vec![codes::CHARGE_ALREADY_ACKNOWLEDGED]);
}

#[test]
fn a_reset_connection_applies_nothing() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(FaultRule::once(
        Method::ChargesAcknowledge,
        FaultKind::ConnectionReset,
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!(e.delivery, Delivery::Reset);
    assert!(!e.changed);
    assert_eq!(sim.charge("I00000001").unwrap().acknowledged_on, None);
}

#[test]
fn truncated_and_malformed_bodies_are_applied_and_cut_in_half() {
    let mut sim = sim_with(2);
    let token = login(&mut sim, t0());
    let whole = list(&mut sim, &token, 0, t0()).body;
    sim.add_fault(rule(
        json!({"method": "netflix/charges/list", "fault": "malformed_body"}),
    ));
    let e = list(&mut sim, &token, 0, t0());
    assert_eq!(e.body, whole[..whole.len() / 2]);
    assert!(decode::<ListCharges>(&e.body, None).is_err());
    sim.add_fault(rule(
        json!({"method": "netflix/charges/acknowledge", "fault": "truncated_body"}),
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!(e.delivery, Delivery::Truncate);
    assert!(sim.charge("I00000001").unwrap().acknowledged_on.is_some());
}

#[test]
fn latency_applies_at_once_and_asks_the_shell_to_wait() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "*", "fault": "latency", "ms": 250, "count": 2}),
    ));
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert_eq!((e.delay_ms, e.delivery), (250, Delivery::Complete));
    assert!(sim.charge("I00000001").unwrap().acknowledged_on.is_some());
}

#[test]
fn a_failed_charge_fault_refuses_the_items_that_would_succeed() {
    let mut sim = sim_with(3);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "netflix/charges/acknowledge", "fault": "failed_charge",
                               "items": 2}),
    ));
    let e = acknowledge(
        &mut sim,
        &token,
        &["I00000001", "I00000002", "I00000003"],
        t0(),
    );
    assert_eq!(failed_codes(&e), vec![codes::ACKNOWLEDGEMENT_FAILED; 2]);
    assert_eq!(listed(&mut sim, &token, t0()), ["I00000001", "I00000002"]);
    // Only that request: the next acknowledgement goes through.
    let e = acknowledge(&mut sim, &token, &["I00000001"], t0());
    assert!(failed_codes(&e).is_empty());
}

#[test]
fn page_faults_shift_reorder_or_slip_a_charge_in_front_of_the_cursor() {
    let mut sim = sim_with(5);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(json!({"method": "*", "fault": "reorder_page"})));
    // A rule for any method skips requests its fault cannot touch.
    acknowledge(&mut sim, &token, &["I00000005"], t0());
    assert_eq!(
        listed(&mut sim, &token, t0()),
        ["I00000004", "I00000003", "I00000002", "I00000001"]
    );
    sim.add_fault(rule(
        json!({"method": "netflix/charges/list", "fault": "shift_page", "by": 2}),
    ));
    let e = list(&mut sim, &token, 1, t0());
    let page = decode::<ListCharges>(&e.body, None).unwrap();
    assert_eq!(page.charges()[0].number(), "I00000004");
    sim.add_fault(rule(
        json!({"method": "netflix/charges/list", "fault": "slip_charge"}),
    ));
    let first = listed(&mut sim, &token, t0());
    assert_eq!(first[0], "I00000006", "the slipped charge is at the front");
    let slipped = sim.charge("I00000006").unwrap();
    assert_eq!(
        slipped.received_on,
        sim.charge("I00000001").unwrap().received_on - 1
    );
}

#[test]
fn after_and_count_pick_which_requests_fail() {
    let mut sim = sim_with(1);
    let token = login(&mut sim, t0());
    sim.add_fault(rule(
        json!({"method": "netflix/charges/list", "fault": "http_status",
                               "status": 503, "after": 1, "count": 2}),
    ));
    let statuses: Vec<u16> = (0..5)
        .map(|_| list(&mut sim, &token, 0, t0()).status)
        .collect();
    assert_eq!(statuses, [200, 503, 503, 200, 200]);
    assert_eq!(
        (sim.fault_rules()[0].seen, sim.fault_rules()[0].fired),
        (5, 2)
    );
}

#[test]
fn a_seeded_rate_fires_on_the_same_requests_every_time() {
    let pattern = |seed: u64| -> Vec<u16> {
        let mut sim = sim_with(1);
        let token = login(&mut sim, t0());
        sim.add_fault(rule(
            json!({"method": "netflix/charges/list", "fault": "http_status",
                                   "status": 500, "rate": 0.3, "seed": seed}),
        ));
        (0..200)
            .map(|_| list(&mut sim, &token, 0, t0()).status)
            .collect()
    };
    assert_eq!(pattern(7), pattern(7));
    assert_ne!(pattern(7), pattern(8));
    let failures = pattern(7).iter().filter(|s| **s == 500).count();
    assert!(
        (30..=90).contains(&failures),
        "{failures} of 200 at a rate of 0.3"
    );
}

#[test]
fn fault_rules_read_strictly_from_json_and_text() {
    let err = |v: Value| FaultRule::from_json(&v, "faults[0]").unwrap_err();
    assert_eq!(
        err(json!({"fault": "http_status", "status": 200})),
        "faults[0].status: an error status, 400 to 599"
    );
    assert!(err(json!({"fault": "drop"})).starts_with("faults[0].fault: unknown fault `drop`"));
    assert!(err(json!({"fault": "latency", "ms": 5, "sttus": 1}))
        .starts_with("faults[0].sttus: unknown key"));
    assert!(
        err(json!({"method": "netflix/charges/list", "fault": "failed_charge"}))
            .contains("does not apply to netflix/charges/list")
    );
    assert!(
        err(json!({"method": "charges/list", "fault": "reorder_page"}))
            .starts_with("faults[0].method: unknown method `charges/list`")
    );
    assert!(
        err(json!({"fault": "http_status", "status": 500, "rate": 2}))
            .contains("a chance from 0 to 1")
    );
    let r = FaultRule::parse("netflix/charges/list:shift_page:by=-3,after=1").unwrap();
    assert_eq!(r.kind, FaultKind::ShiftPage { by: -3 });
    assert_eq!(FaultRule::from_json(&r.to_json(), "x").unwrap(), r);
    assert!(FaultRule::parse("drop_response").is_err());
    assert!(FaultRule::parse("*:latency:ms")
        .unwrap_err()
        .contains("not key=value"));
}

#[test]
fn unknown_methods_are_404_and_a_wrong_verb_is_405_with_allow() {
    let mut sim = Sim::new(Release::LATEST);
    let request = |verb, path| HttpRequest {
        verb,
        path,
        query: &[],
        body: None,
        headers: &[],
    };
    let e = sim.exchange(request("GET", "netflix/charges/cancel"), t0());
    assert_eq!(e.status, 404);
    let e = sim.exchange(request("GET", "netflix/charges/acknowledge"), t0());
    assert_eq!(e.status, 405);
    assert!(e.headers.contains(&("Allow".into(), "POST".into())));
    assert!(String::from_utf8(e.body)
        .unwrap()
        .contains(codes::METHOD_NOT_ALLOWED));
}

#[test]
fn pending_charges_turn_approved_at_their_scheduled_time_dated_then() {
    let mut sim = Sim::new(Release::LATEST);
    let n = sim.add_charge(ChargeSpec::pending("pci1", "8.99", "USD"), t0());
    sim.schedule_processing(&n, t0() + 3600, ChargeStatus::Approved)
        .unwrap();
    let token = login(&mut sim, t0());
    assert!(listed(&mut sim, &token, t0() + 3599).is_empty());
    let before = sim.changes();
    assert_eq!(listed(&mut sim, &token, t0() + 7000), vec![n.clone()]);
    assert!(
        sim.changes() > before,
        "processing over time is a change to save"
    );
    let c = sim.charge(&n).unwrap();
    assert_eq!(c.status, ChargeStatus::Approved);
    assert_eq!(c.set_as_approved_on, Some(t0() + 3600));
    assert_eq!(sim.scheduled_processing(&n), None);
    assert_eq!(
        sim.schedule_processing(&n, t0(), ChargeStatus::Approved),
        Err(codes::CHARGE_ALREADY_PROCESSED)
    );
}

#[test]
fn process_pending_moves_pending_charges_on_to_their_scheduled_status() {
    let mut sim = Sim::new(Release::LATEST);
    let a = sim.add_charge(ChargeSpec::pending("pci1", "8.99", "USD"), t0());
    let b = sim.add_charge(ChargeSpec::pending("pci2", "8.99", "USD"), t0());
    let c = sim.add_charge(ChargeSpec::pending("pci3", "8.99", "USD"), t0());
    sim.schedule_processing(&b, t0() + 99_999, ChargeStatus::Declined)
        .unwrap();
    assert_eq!(
        sim.process_pending(None, None, Some(2), t0()),
        [a.clone(), b.clone()]
    );
    assert_eq!(sim.charge(&b).unwrap().status, ChargeStatus::Declined);
    assert_eq!(
        sim.process_pending(
            Some(&[a.clone(), c.clone()]),
            Some(ChargeStatus::Rejected),
            None,
            t0()
        ),
        vec![c.clone()]
    );
    assert_eq!(sim.charge(&c).unwrap().status, ChargeStatus::Rejected);
}

#[test]
fn a_saved_state_restores_every_charge_token_and_acknowledgement() {
    let mut sim = Sim::new(Release::LATEST);
    sim.populate(&Population::default(), t0());
    let token = login(&mut sim, t0());
    let first = listed(&mut sim, &token, t0());
    acknowledge(&mut sim, &token, &[first[0].as_str()], t0());
    let saved = sim.state().to_json();
    let mut again = Sim::from_state(SimState::from_json(&saved).unwrap()).unwrap();
    assert_eq!(
        again.state().to_json(),
        saved,
        "the state reads back unchanged"
    );
    // The token issued before the restart still works; the acknowledged charge stays gone.
    assert_eq!(listed(&mut again, &token, t0()), first[1..]);
    // New charges are numbered after the old ones.
    let n = again.add_charge(ChargeSpec::approved("pci9", "1.00", "USD"), t0());
    assert_eq!(n, format!("I{:08}", sim.charges().count() + 1));
    // And pending charges still turn approved on time.
    let token = login(&mut again, t0() + 2 * 86_400);
    let later = listed(&mut again, &token, t0() + 2 * 86_400);
    assert!(later.len() > first.len() - 1);
}

#[test]
fn a_state_of_another_format_or_with_unknown_keys_is_refused() {
    let sim = Sim::new(Release::LATEST);
    let mut v: Value = serde_json::from_slice(&sim.state().to_json()).unwrap();
    v["format"] = json!(99);
    let e = SimState::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("format 99"), "{e}");
    v["format"] = json!(1);
    v["surprise"] = json!(true);
    let e = SimState::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("surprise"), "{e}");
    let e = SimState::from_json(b"{\"format\": 1").unwrap_err();
    assert!(!e.to_string().is_empty());
}

#[test]
fn generated_data_mixes_statuses_and_currencies_the_same_way_every_time() {
    let population = Population {
        seed: 42,
        customers: 200,
        charges: 2000,
    };
    let mut a = Sim::new(Release::LATEST);
    a.populate(&population, t0());
    let mut b = Sim::new(Release::LATEST);
    b.populate(&population, t0());
    assert_eq!(a.state().to_json(), b.state().to_json());
    let statuses: BTreeSet<String> = a.charges().map(|c| c.status.as_str().to_owned()).collect();
    assert_eq!(
        statuses,
        ["APPROVED", "BAD_REQUEST", "DECLINED", "PENDING", "REJECTED"]
            .map(String::from)
            .into()
    );
    let currencies: BTreeSet<&str> = a.charges().map(|c| c.currency.as_str()).collect();
    assert!(
        currencies.contains("JPY") && currencies.contains("KWD"),
        "{currencies:?}"
    );
    let pending: Vec<_> = a
        .charges()
        .filter(|c| c.status == ChargeStatus::Pending)
        .collect();
    assert!(pending.len() > 300, "{}", pending.len());
    assert!(pending.iter().all(|c| a
        .scheduled_processing(&c.number)
        .is_some_and(|(at, _)| at > t0())));
    assert!(a.charges().any(|c| c.local_currency.is_some()));
    assert_eq!(a.subscriptions().len(), 200);
    // R12.0.0 has no PENDING status.
    let mut old = Sim::new(Release::R12_0_0);
    old.populate(&population, t0());
    assert!(old.charges().all(|c| c.status != ChargeStatus::Pending));
}

#[test]
fn fixtures_load_users_promotions_subscriptions_and_charges() {
    let fixtures = Fixtures::from_json(
        br#"{
        "users": [{"username": "ops", "password": "pw", "organisation": "ORG"}],
        "promotions": [{"code": "14", "name": "Welcome", "effective_from": "2024-01-01T00:00:00"}],
        "subscriptions": [{"billing_system_customer_identifier": "pci1", "promotion_code": "14"},
                          {"billing_system_customer_identifier": "pci2", "signed_up": false}],
        "charges": [
          {"billing_system_customer_identifier": "pci1", "amount": "1490", "currency": "JPY",
           "received_on": "2024-02-29T00:00:00"},
          {"billing_system_customer_identifier": "pci1", "amount": 2.5, "currency": "KWD",
           "charge_status": "PENDING", "processes_in": 60},
          {"billing_system_customer_identifier": "pci2", "amount": "5.99", "currency": "USD",
           "acknowledged": true}
        ]}"#,
    )
    .unwrap();
    let mut sim = Sim::new(Release::LATEST);
    let numbers = sim.load_fixtures(&fixtures, t0()).unwrap();
    assert_eq!(numbers.len(), 3);
    assert_eq!(sim.users().len(), 2);
    assert_eq!(sim.subscriptions()[0].netflix_state(), "EFFECTIVE");
    assert_eq!(sim.subscriptions()[1].netflix_state(), "NOT_EFFECTIVE");
    assert_eq!(sim.charge(&numbers[1]).unwrap().amount.to_string(), "2.5");
    assert_eq!(
        sim.scheduled_processing(&numbers[1]),
        Some((t0() + 60, &ChargeStatus::Approved))
    );
    assert!(sim.charge(&numbers[2]).unwrap().acknowledged_on.is_some());
    let token = login(&mut sim, t0());
    assert_eq!(listed(&mut sim, &token, t0()), [numbers[0].clone()]);
}

#[test]
fn bad_fixtures_name_the_path_and_change_nothing() {
    let load = |text: &str| {
        let mut sim = Sim::new(Release::LATEST);
        let result = Fixtures::from_json(text.as_bytes())
            .and_then(|f| sim.load_fixtures(&f, t0()).map(|_| ()));
        (result.unwrap_err().to_string(), sim.charges().count())
    };
    let (e, _) = load(
        r#"{"charges": [{"billing_system_customer_identifier": "a", "amount": "1", "currency": "USD", "colour": 1}]}"#,
    );
    assert!(
        e.starts_with("charges[0].colour") || e.contains("colour"),
        "{e}"
    );
    let (e, n) = load(
        r#"{"charges": [{"billing_system_customer_identifier": "a", "amount": "1", "currency": "USD"},
                                      {"billing_system_customer_identifier": "a", "amount": "x", "currency": "USD"}]}"#,
    );
    assert_eq!(
        (e.as_str(), n),
        ("charges[1].amount: `x` is not a decimal amount", 0)
    );
    let (e, _) = load(
        r#"{"charges": [{"billing_system_customer_identifier": "a", "amount": "1", "currency": "USD", "received_on": "yesterday"}]}"#,
    );
    assert!(e.starts_with("charges[0].received_on: `yesterday`"), "{e}");
    let (e, _) = load(
        r#"{"charges": [{"billing_system_customer_identifier": "a", "amount": "1", "currency": "USD", "processes_in": 5}]}"#,
    );
    assert_eq!(
        e,
        "charges[0].processes_at: only a PENDING charge is processed later"
    );
    let (e, _) = load(
        r#"{"subscriptions": [{"billing_system_customer_identifier": "a", "promotion_code": "99"}]}"#,
    );
    assert_eq!(
        e,
        "subscriptions[0].promotion_code: no promotion has code `99`"
    );
}

#[test]
fn a_users_debug_hides_the_password() {
    let user = crmcom_netflix_sim::User::new("ops", "hunter2", "ORG");
    assert!(!format!("{user:?}").contains("hunter2"));
}
