//! The charge loop (`ChargeSync`) against hand-written responses: offsets, acknowledgements,
//! failures, errors, resumes and runs.

use crmcom_netflix::{
    BillingAction, ChargeStatusFilter, ChargeSync, DeliveredCharge, Error, Method, PreparedRequest,
    Release, SyncMode, SyncOptions, SyncState, Token, ViolationCode,
};
use serde_json::{json, Value};

fn ok(data: Value) -> Vec<u8> {
    json!({"status": {"code": "OK", "description": "", "message": ""}, "data": data})
        .to_string()
        .into_bytes()
}

fn charge_of(number: &str, customer: &str, amount: f64, currency: &str, status: &str) -> Value {
    json!({
        "number": number,
        "billing_system_customer_identifier": customer,
        "amount": amount,
        "currency": currency,
        "paid_through_date": "2024-02-01T00:00:00",
        "charge_status": status,
        "received_on": "2024-01-01T00:00:00",
        "set_as_approved_on": null,
        "set_as_declined_on": null,
        "set_as_bad_request_on": null,
        "set_as_rejected_request_on": null
    })
}

fn charge(number: &str) -> Value {
    charge_of(number, "pci1", 5.989999771118164, "USD", "APPROVED")
}

fn page(numbers: &[&str]) -> Vec<u8> {
    ok(json!({"charges_set": numbers.iter().map(|n| charge(n)).collect::<Vec<_>>()}))
}

fn acknowledged(failed: &[(&str, &str)]) -> Vec<u8> {
    ok(
        json!({"failed_charges_set": failed.iter().map(|(n, code)| json!({
        "number": n, "reference_number": null, "error_code": code,
        "error_description": format!("{code} happened")
    })).collect::<Vec<_>>()}),
    )
}

fn token() -> Token {
    Token::new("T")
}

fn options(page_size: u32) -> SyncOptions {
    SyncOptions {
        page_size,
        ..SyncOptions::default()
    }
}

fn query(request: &PreparedRequest, key: &str) -> Option<String> {
    request
        .query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// The next request must be a list at `offset`.
fn expect_list(sync: &mut ChargeSync, offset: u64) {
    let r = sync.next_request(&token()).unwrap().expect("a request");
    assert_eq!(r.method, Method::ChargesList, "{r:?}");
    assert_eq!(query(&r, "offset"), Some(offset.to_string()), "{r:?}");
}

/// The next request must acknowledge exactly `numbers`.
fn expect_ack(sync: &mut ChargeSync, numbers: &[&str]) {
    let r = sync.next_request(&token()).unwrap().expect("a request");
    assert_eq!(r.method, Method::ChargesAcknowledge, "{r:?}");
    let sent: Vec<String> = r.body.as_ref().unwrap()["acknowledged_charges_set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, numbers);
}

fn numbers(delivered: &[DeliveredCharge]) -> Vec<(String, bool)> {
    delivered
        .iter()
        .map(|d| (d.charge.number().to_owned(), d.redelivered))
        .collect()
}

fn fresh(list: &[&str]) -> Vec<(String, bool)> {
    list.iter().map(|n| (n.to_string(), false)).collect()
}

#[test]
fn acknowledging_a_page_leaves_the_offset_at_the_charges_left_in_place() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2", "I3"])).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I1", "I2", "I3"]));
    sync.confirm(["I1", "I3"]).unwrap();
    expect_ack(&mut sync, &["I1", "I3"]);
    sync.feed(&acknowledged(&[])).unwrap();
    // I2 was not confirmed: it stays in place, in front of the cursor.
    expect_list(&mut sync, 1);
    sync.feed(&page(&["I4"])).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I4"]));
    sync.confirm(["I4"]).unwrap();
    expect_ack(&mut sync, &["I4"]);
    sync.feed(&acknowledged(&[])).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());
    let report = sync.report();
    assert!(report.finished);
    assert_eq!(
        (report.pages, report.handed_over, report.confirmed),
        (2, 4, 3)
    );
    assert_eq!((report.acknowledged, report.unconfirmed), (3, 1));
}

#[test]
fn a_late_confirmation_moves_the_cursor_back_when_acknowledged() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    // Nothing confirmed yet: the next page starts after both.
    expect_list(&mut sync, 2);
    sync.feed(&page(&["I3", "I4"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1", "I2", "I3", "I4"]).unwrap();
    expect_ack(&mut sync, &["I1", "I2", "I3", "I4"]);
    sync.feed(&acknowledged(&[])).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&[])).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());
}

#[test]
fn a_failed_acknowledgement_stays_in_place_and_is_retried_a_bounded_number_of_times() {
    let mut sync = ChargeSync::new(SyncOptions {
        max_ack_attempts: 2,
        ..options(2)
    })
    .unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1", "I2"]).unwrap();
    expect_ack(&mut sync, &["I1", "I2"]);
    sync.feed(&acknowledged(&[("I1", "LOCKED")])).unwrap();
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[("I1", "LOCKED")])).unwrap();
    // Two attempts used: I1 stays in place and counts in the offset.
    expect_list(&mut sync, 1);
    sync.feed(&page(&["I1"])).unwrap();
    assert!(sync.take_charges().is_empty(), "I1 was confirmed already");
    assert!(sync.next_request(&token()).unwrap().is_none());
    let report = sync.report();
    assert_eq!(report.acknowledged, 1);
    assert_eq!(report.failed.len(), 1);
    let failed = &report.failed[0];
    assert_eq!(failed.number, "I1");
    assert_eq!(failed.error_code, "LOCKED");
    assert_eq!(failed.error_description.as_deref(), Some("LOCKED happened"));
    assert_eq!((failed.attempts, failed.deferred), (2, true));
    assert!(report.finished);
}

#[test]
fn a_failed_acknowledgement_is_carried_into_the_next_run_and_never_handed_over_again() {
    let mut sync = ChargeSync::new(SyncOptions {
        max_ack_attempts: 1,
        ..options(2)
    })
    .unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1"]).unwrap();
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[("I1", "LOCKED")])).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());

    sync.start_run();
    assert_eq!(sync.report().run, 2);
    // The carried-over acknowledgement goes first; it fails again.
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[("I1", "LOCKED")])).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I2"]));
    sync.confirm(["I2"]).unwrap();
    expect_ack(&mut sync, &["I2"]);
    sync.feed(&acknowledged(&[])).unwrap();
    expect_list(&mut sync, 1);
    sync.feed(&page(&[])).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());

    sync.start_run();
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[])).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&[])).unwrap();
    let report = sync.report();
    assert_eq!((report.acknowledged, report.handed_over), (1, 0));
    assert!(report.failed.is_empty());
}

#[test]
fn already_acknowledged_counts_as_acknowledged() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1"]).unwrap();
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[("I1", "CHARGE_ALREADY_ACKNOWLEDGED")]))
        .unwrap();
    let report = sync.report();
    assert_eq!(report.acknowledged, 1);
    assert!(report.failed.is_empty());
    assert!(sync.next_request(&token()).unwrap().is_none());
}

#[test]
fn unconfirmed_charges_are_handed_over_again_marked_redelivered_in_the_next_run() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    sync.confirm(["I2"]).unwrap();
    expect_ack(&mut sync, &["I2"]);
    sync.feed(&acknowledged(&[])).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());
    assert_eq!(sync.report().unconfirmed, 1);

    sync.start_run();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I3"])).unwrap();
    assert_eq!(
        numbers(&sync.take_charges()),
        [("I1".to_owned(), true), ("I3".to_owned(), false)]
    );
    let report = sync.report();
    assert_eq!((report.handed_over, report.redelivered), (2, 1));
}

#[test]
fn read_only_paging_advances_the_offset_by_what_was_received_and_acknowledges_nothing() {
    let mut sync = ChargeSync::new(SyncOptions {
        page_size: 2,
        ..SyncOptions::read_only(Release::LATEST, ChargeStatusFilter::NotProcessed)
    })
    .unwrap();
    let r = sync.next_request(&token()).unwrap().unwrap();
    assert_eq!(query(&r, "charge_status").as_deref(), Some("NOT_PROCESSED"));
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1", "I2"]).unwrap();
    expect_list(&mut sync, 2);
    sync.feed(&page(&["I3", "I4"])).unwrap();
    sync.take_charges();
    expect_list(&mut sync, 4);
    sync.feed(&page(&["I5"])).unwrap();
    sync.take_charges();
    sync.confirm(["I5"]).unwrap();
    assert!(sync.next_request(&token()).unwrap().is_none());
    let report = sync.report();
    assert_eq!(report.mode, SyncMode::ReadOnly);
    assert_eq!(
        (
            report.handed_over,
            report.confirmed,
            report.acknowledge_requests
        ),
        (5, 3, 0)
    );
    assert!(report.finished);
}

#[test]
fn pages_that_overlap_never_hand_a_charge_over_twice_in_a_run() {
    let mut sync = ChargeSync::new(SyncOptions {
        page_size: 3,
        ..SyncOptions::read_only(Release::LATEST, ChargeStatusFilter::Processed)
    })
    .unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2", "I3"])).unwrap();
    assert_eq!(sync.take_charges().len(), 3);
    expect_list(&mut sync, 3);
    // The server slipped a charge in front: the page repeats I3.
    sync.feed(&page(&["I3", "I4", "I5"])).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I4", "I5"]));
}

#[test]
fn an_api_error_leaves_the_same_request_to_send_again_after_logging_in() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    let first = sync.next_request(&Token::new("OLD")).unwrap().unwrap();
    let expired = br#"{"status":{"code":"ERROR","description":"The token has expired","message":"TOKEN_EXPIRED"},"data":null}"#;
    let before = sync.state().clone();
    match sync.feed(expired) {
        Err(Error::Api(e)) => assert_eq!(e.message.as_deref(), Some("TOKEN_EXPIRED")),
        other => panic!("{other:?}"),
    }
    assert_eq!(sync.state(), &before);
    let again = sync.next_request(&Token::new("NEW")).unwrap().unwrap();
    assert_eq!(query(&again, "token").as_deref(), Some("NEW"));
    assert_eq!(first.query[1..], again.query[1..]);
    sync.feed(&page(&["I1"])).unwrap();
    assert_eq!(sync.take_charges().len(), 1);
}

#[test]
fn a_malformed_response_changes_nothing() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    sync.next_request(&token()).unwrap();
    let before = sync.state().clone();
    assert!(matches!(
        sync.feed(b"<html>"),
        Err(Error::MalformedResponse(_))
    ));
    let missing_amount = ok(json!({"charges_set": [{"number": "I1"}]}));
    assert!(matches!(
        sync.feed(&missing_amount),
        Err(Error::MalformedResponse(_))
    ));
    assert_eq!(sync.state(), &before);
}

#[test]
fn feeding_without_a_request_in_flight_is_refused() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    let err = sync.feed(&page(&[])).unwrap_err();
    assert_eq!(err.violations()[0].path, "request");
}

#[test]
fn an_invalid_token_is_refused_before_anything_changes() {
    let mut sync = ChargeSync::new(options(2)).unwrap();
    let err = sync.next_request(&Token::new(" ")).unwrap_err();
    assert_eq!(err.violations()[0].path, "token");
    assert_eq!(sync.state(), ChargeSync::new(options(2)).unwrap().state());
}

#[test]
fn resuming_hands_over_unconfirmed_charges_again_marked_redelivered() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2", "I3"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1"]).unwrap();
    let saved = sync.state().to_json();
    drop(sync);

    let mut sync = ChargeSync::from_state(SyncState::from_json(&saved).unwrap()).unwrap();
    assert_eq!(
        numbers(&sync.take_charges()),
        [("I2".to_owned(), true), ("I3".to_owned(), true)]
    );
    assert!(sync.take_charges().is_empty());
    sync.confirm(["I2", "I3"]).unwrap();
    expect_ack(&mut sync, &["I1", "I2", "I3"]);
    sync.feed(&acknowledged(&[])).unwrap();
    expect_list(&mut sync, 0);
}

#[test]
fn resuming_with_a_request_in_flight_sends_it_again() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1"]).unwrap();
    expect_ack(&mut sync, &["I1"]);
    let saved = sync.state().to_json();
    let mut sync = ChargeSync::from_state(SyncState::from_json(&saved).unwrap()).unwrap();
    expect_ack(&mut sync, &["I1"]);
    // The first attempt had reached the server.
    sync.feed(&acknowledged(&[("I1", "CHARGE_ALREADY_ACKNOWLEDGED")]))
        .unwrap();
    assert_eq!(sync.report().acknowledged, 1);
}

#[test]
fn a_charge_received_but_never_taken_before_a_crash_is_not_marked_redelivered() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    let saved = sync.state().to_json();
    let mut sync = ChargeSync::from_state(SyncState::from_json(&saved).unwrap()).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I1"]));
}

#[test]
fn the_state_survives_json_unchanged() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&ok(json!({"charges_set": [
        charge_of("I1", "pci1", 500.0, "JPY", "APPROVED"),
        charge_of("I2", "pci2", 1.2345, "KWD", "DECLINED"),
    ]})))
    .unwrap();
    let json = sync.state().to_json();
    let back = SyncState::from_json(&json).unwrap();
    assert_eq!(&back, sync.state());
    assert_eq!(back.to_json(), json);
}

#[test]
fn a_state_that_is_not_a_state_is_refused() {
    let err = SyncState::from_json("{\"format\": 1}").unwrap_err();
    assert_eq!(err.violations()[0].path, "state");
    let mut value: Value = serde_json::from_str(
        &ChargeSync::new(SyncOptions::default())
            .unwrap()
            .state()
            .to_json(),
    )
    .unwrap();
    value["format"] = json!(99);
    let state = SyncState::from_json(&value.to_string()).unwrap();
    let err = ChargeSync::from_state(state).unwrap_err();
    assert_eq!(err.violations()[0].path, "format");
}

#[test]
fn confirming_a_charge_not_handed_over_is_refused_and_records_nothing() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    let err = sync.confirm(["I1"]).unwrap_err();
    assert_eq!(err.violations()[0].path, "numbers[0]");
    sync.take_charges();
    let err = sync.confirm(["I1", "NOPE"]).unwrap_err();
    assert_eq!(err.violations()[0].path, "numbers[1]");
    assert_eq!(err.violations()[0].code, ViolationCode::InvalidEnum);
    assert_eq!(sync.report().confirmed, 0);
    assert_eq!(sync.confirm(["I1", "I1"]).unwrap(), 1);
    assert_eq!(sync.confirm(["I1"]).unwrap(), 0);
}

#[test]
fn reference_numbers_are_sent_with_the_acknowledgement_and_must_be_unique() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    assert!(sync.confirm_with_reference("I1", "INV-1").unwrap());
    let err = sync.confirm_with_reference("I2", "INV-1").unwrap_err();
    assert_eq!(err.violations()[0].code, ViolationCode::Duplicate);
    let err = sync.confirm_with_reference("I2", " ").unwrap_err();
    assert_eq!(err.violations()[0].code, ViolationCode::Required);
    let r = sync.next_request(&token()).unwrap().unwrap();
    assert_eq!(
        r.body.unwrap()["acknowledged_charges_set"],
        json!([{"number": "I1", "billing_system_customer_identifier": "pci1", "reference_number": "INV-1"}])
    );
}

#[test]
fn acknowledgements_go_in_sets_of_at_most_fifty() {
    let mut sync = ChargeSync::new(options(50)).unwrap();
    let all: Vec<String> = (0..120).map(|i| format!("I{i:04}")).collect();
    for (p, chunk) in all.chunks(50).enumerate() {
        expect_list(&mut sync, (p * 50) as u64);
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        sync.feed(&page(&refs)).unwrap();
        sync.take_charges();
    }
    sync.confirm(&all).unwrap();
    let mut sizes = Vec::new();
    while let Some(r) = sync.next_request(&token()).unwrap() {
        assert_eq!(r.method, Method::ChargesAcknowledge);
        sizes.push(
            r.body.unwrap()["acknowledged_charges_set"]
                .as_array()
                .unwrap()
                .len(),
        );
        sync.feed(&acknowledged(&[])).unwrap();
    }
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(sync.state().offset(), 0);
    assert_eq!(sync.report().acknowledged, 120);
}

#[test]
fn report_totals_are_exact_per_currency_and_count_only_billable_charges() {
    let mut sync = ChargeSync::new(options(10)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&ok(json!({"charges_set": [
        charge_of("I1", "pci1", 5.989999771118164, "USD", "APPROVED"),
        charge_of("I2", "pci1", 2.990000009536743, "USD", "APPROVED"),
        charge_of("I3", "pci2", 500.0, "JPY", "APPROVED"),
        charge_of("I4", "pci3", 1.2345000505447388, "KWD", "APPROVED"),
        charge_of("I5", "pci4", 9.99, "USD", "DECLINED"),
        charge_of("I6", "pci5", 9.99, "XYZ", "APPROVED"),
        charge_of("I7", "pci6", 9.99, "USD", "SOMETHING_NEW"),
    ]})))
    .unwrap();
    let delivered = sync.take_charges();
    sync.confirm(
        delivered
            .iter()
            .filter(|d| d.charge.billing_action() != BillingAction::Leave)
            .map(|d| d.charge.number()),
    )
    .unwrap();
    let report = sync.report();
    assert_eq!(report.confirmed, 5);
    assert_eq!(report.billable_confirmed, 4);
    let totals: Vec<(String, String)> = report
        .billable_total
        .iter()
        .map(|(c, d)| (c.clone(), d.to_string()))
        .collect();
    assert_eq!(
        totals,
        [
            ("JPY".to_owned(), "500".to_owned()),
            ("KWD".to_owned(), "1.235".to_owned()),
            ("USD".to_owned(), "8.98".to_owned())
        ]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["billable_total"]["USD"], "8.98");
}

#[test]
fn the_release_decides_the_status_filter() {
    let mut r12 = ChargeSync::new(SyncOptions::acknowledge(Release::R12_0_0)).unwrap();
    let r = r12.next_request(&token()).unwrap().unwrap();
    assert_eq!(query(&r, "charge_status"), None);
    assert_eq!(r12.report().charge_status, None);

    let mut r14 = ChargeSync::new(SyncOptions::acknowledge(Release::R14_1_0)).unwrap();
    let r = r14.next_request(&token()).unwrap().unwrap();
    assert_eq!(query(&r, "charge_status").as_deref(), Some("PROCESSED"));

    let err = ChargeSync::new(SyncOptions::read_only(
        Release::R12_0_0,
        ChargeStatusFilter::NotProcessed,
    ))
    .unwrap_err();
    assert_eq!(err.violations()[0].path, "charge_status");
    assert_eq!(err.violations()[0].code, ViolationCode::NotInRelease);
}

#[test]
fn acknowledge_mode_refuses_the_not_processed_filter() {
    let err = ChargeSync::new(SyncOptions {
        charge_status: ChargeStatusFilter::NotProcessed,
        ..SyncOptions::default()
    })
    .unwrap_err();
    assert_eq!(err.violations()[0].path, "charge_status");
}

#[test]
fn options_out_of_bounds_are_all_reported() {
    let err = ChargeSync::new(SyncOptions {
        page_size: 51,
        max_ack_attempts: 0,
        max_pages_per_run: 0,
        keep_unconfirmed_runs: 0,
        ..SyncOptions::default()
    })
    .unwrap_err();
    let paths: Vec<(&str, ViolationCode)> = err
        .violations()
        .iter()
        .map(|v| (v.path.as_str(), v.code))
        .collect();
    assert_eq!(
        paths,
        [
            ("keep_unconfirmed_runs", ViolationCode::OutOfRange),
            ("max_ack_attempts", ViolationCode::OutOfRange),
            ("max_pages_per_run", ViolationCode::OutOfRange),
            ("page_size", ViolationCode::OutOfRange),
        ]
    );
    assert!(ChargeSync::new(options(0)).is_err());
    assert!(ChargeSync::new(options(50)).is_ok());
}

#[test]
fn options_read_from_json_with_defaults() {
    let options = SyncOptions::from_json(r#"{"release": "R14.1.0", "page_size": 20}"#).unwrap();
    assert_eq!(options.release, Release::R14_1_0);
    assert_eq!(options.page_size, 20);
    assert_eq!(options.mode, SyncMode::Acknowledge);
    let err = SyncOptions::from_json(r#"{"page_sise": 20}"#).unwrap_err();
    assert_eq!(err.violations()[0].path, "page_sise");
    let err = SyncOptions::from_json(r#"{"page_size": "20"}"#).unwrap_err();
    assert_eq!(err.violations()[0].path, "page_size");
    assert_eq!(
        err.violations()[0].message,
        r#"invalid type: string "20", expected an integer from 0 to 4294967295"#
    );
    assert!(SyncOptions::from_json("{} x").is_err());
    let err = SyncOptions::from_json(r#"{"page_size":"#).unwrap_err();
    assert_eq!(err.violations()[0].path, "options");
}

#[test]
fn a_page_limit_ends_the_run() {
    let mut sync = ChargeSync::new(SyncOptions {
        max_pages_per_run: 2,
        ..SyncOptions::read_only(Release::LATEST, ChargeStatusFilter::Processed)
    })
    .unwrap();
    let full: Vec<String> = (0..50).map(|i| format!("I{i}")).collect();
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    for _ in 0..2 {
        sync.next_request(&token()).unwrap().unwrap();
        sync.feed(&page(&refs)).unwrap();
    }
    assert!(sync.next_request(&token()).unwrap().is_none());
    assert!(sync.report().page_limit_reached);
}

/// A charge that could not make a valid acknowledge item (a blank customer identifier or number)
/// never reaches the billing system: the page is malformed, the state is as it was, and the same
/// list request is sent again.
#[test]
fn a_page_with_a_charge_that_could_not_be_acknowledged_is_malformed_and_changes_nothing() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    let before = sync.state().clone();
    for (number, customer, path) in [
        (
            "I1",
            " ",
            "data.charges_set[0].billing_system_customer_identifier",
        ),
        ("", "pci1", "data.charges_set[0].number"),
    ] {
        let err = sync
            .feed(&ok(json!({"charges_set": [
                charge_of(number, customer, 1.0, "USD", "APPROVED"),
                charge_of("I2", "pci2", 1.0, "USD", "APPROVED"),
            ]})))
            .unwrap_err();
        assert!(
            matches!(&err, Error::MalformedResponse(m) if m.path == path),
            "{err:?}"
        );
        assert_eq!(sync.state(), &before);
        assert!(sync.take_charges().is_empty());
    }
    expect_list(&mut sync, 0);
}

#[test]
fn confirmations_after_the_end_of_the_list_are_still_acknowledged() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    sync.take_charges();
    assert!(sync.next_request(&token()).unwrap().is_none());
    assert!(sync.is_finished());
    sync.confirm(["I1"]).unwrap();
    assert!(!sync.is_finished());
    expect_ack(&mut sync, &["I1"]);
    sync.feed(&acknowledged(&[])).unwrap();
    assert!(sync.is_finished());
}

#[test]
fn an_unconfirmed_charge_is_forgotten_after_keep_unconfirmed_runs_without_a_listing() {
    let mut sync = ChargeSync::new(SyncOptions {
        keep_unconfirmed_runs: 2,
        ..options(3)
    })
    .unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    sync.take_charges();
    for _ in 0..2 {
        sync.start_run();
        expect_list(&mut sync, 0);
        sync.feed(&page(&[])).unwrap();
        assert_eq!(sync.report().unconfirmed, 1);
    }
    sync.start_run();
    assert_eq!(sync.report().unconfirmed, 0);
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1"])).unwrap();
    assert_eq!(numbers(&sync.take_charges()), fresh(&["I1"]));
}

/// A saved state is the sync's own text, but it is read from a file: one whose charges are not
/// filed under their own numbers (or hold no number) is refused, never run (acknowledging by one
/// number and tracking by another would never finish).
#[test]
fn a_state_whose_charges_are_filed_under_other_numbers_is_refused() {
    let mut sync = ChargeSync::new(options(3)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page(&["I1", "I2"])).unwrap();
    sync.take_charges();
    sync.confirm(["I1"]).unwrap();
    let saved: Value = serde_json::from_str(&sync.state().to_json()).unwrap();
    let mut moved = saved.clone();
    let charges = moved["charges"].as_object_mut().unwrap();
    let i1 = charges.shift_remove("I1").unwrap();
    charges.insert("I9".into(), i1);
    let state = SyncState::from_json(&moved.to_string()).unwrap();
    let err = ChargeSync::from_state(state).unwrap_err();
    assert_eq!(err.violations()[0].path, "charges.I9");
    assert_eq!(err.violations()[0].code, ViolationCode::InvalidFormat);
    let mut blank = saved;
    blank["charges"]["I2"]["charge"]
        .as_object_mut()
        .unwrap()
        .shift_remove("number");
    // A tracked charge is a full charge: one without its number does not even load.
    let err = SyncState::from_json(&blank.to_string()).unwrap_err();
    assert_eq!(err.violations()[0].code, ViolationCode::InvalidFormat);
    assert!(err.to_string().contains("missing field `number`"), "{err}");
}

/// A charge whose billing action is `leave` (approved in a currency the SDK cannot price, approved
/// and negative, pending, or of an unknown status) stays on the server: in acknowledge mode,
/// confirming it would acknowledge it without a bill, so the whole call is refused and nothing is
/// recorded. Reading only, confirming it acknowledges nothing and is allowed.
#[test]
fn a_charge_to_be_left_on_the_server_cannot_be_confirmed_for_acknowledgement() {
    let page = ok(json!({"charges_set": [
        charge_of("I1", "pci1", 5.99, "USD", "APPROVED"),
        charge_of("I2", "pci2", 9.99, "XTS", "APPROVED"),
        charge_of("I3", "pci3", -1.0, "USD", "APPROVED"),
        charge_of("I4", "pci4", 9.99, "USD", "WEIRD"),
        charge_of("I5", "pci5", 9.99, "USD", "PENDING"),
    ]}));
    let mut sync = ChargeSync::new(options(10)).unwrap();
    expect_list(&mut sync, 0);
    sync.feed(&page).unwrap();
    let delivered = sync.take_charges();
    assert_eq!(delivered.len(), 5);
    for (i, number) in ["I2", "I3", "I4", "I5"].into_iter().enumerate() {
        let err = sync.confirm(["I1", number]).unwrap_err();
        let v = &err.violations()[0];
        assert_eq!(v.path, "numbers[1]", "{number}");
        assert!(v.message.contains("left on the server"), "{}", v.message);
        let err = sync
            .confirm_with_reference(number, &format!("R{i}"))
            .unwrap_err();
        assert_eq!(err.violations()[0].path, "number");
    }
    assert_eq!(sync.report().confirmed, 0, "a refused call records nothing");
    assert_eq!(sync.confirm(["I1"]).unwrap(), 1);
    let r = sync.next_request(&token()).unwrap().unwrap();
    let items = r.body.unwrap()["acknowledged_charges_set"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["number"], "I1");

    let mut read_only = ChargeSync::new(SyncOptions {
        mode: SyncMode::ReadOnly,
        ..options(10)
    })
    .unwrap();
    expect_list(&mut read_only, 0);
    read_only.feed(&page).unwrap();
    read_only.take_charges();
    assert_eq!(
        read_only.confirm(["I1", "I2", "I3", "I4", "I5"]).unwrap(),
        5
    );
}
