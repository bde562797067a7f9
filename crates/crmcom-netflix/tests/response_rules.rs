//! What decoding refuses, so that nothing fails or misbills after a charge is handed over: a key
//! twice in any object, dates outside years 1 to 9999, control characters in identifiers, and one
//! charge number for two different charges in a page.

use crmcom_netflix::{
    decode, decode_json, AcknowledgeCharges, ChargeSync, Error, ListCharges, Method, SyncOptions,
    Token,
};

const CHARGE: &str = r#"{"number":"I1","billing_system_customer_identifier":"pci1","amount":5.99,
    "currency":"USD","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
    "received_on":"2017-02-21T10:07:23","set_as_approved_on":"2017-02-21T10:38:58",
    "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}"#;

const OK: &str = r#"{"code":"OK","description":"","message":""}"#;

fn page(charges: &[String]) -> String {
    format!(
        r#"{{"status":{OK},"data":{{"charges_set":[{}]}}}}"#,
        charges.join(",")
    )
}

/// The charge with `replace` applied (`from`, `to`).
fn charge(from: &str, to: &str) -> String {
    assert!(CHARGE.contains(from), "{from}");
    CHARGE.replacen(from, to, 1)
}

fn malformed_at(method: &str, body: &str) -> String {
    match decode_json(method, body.as_bytes(), None) {
        Err(Error::MalformedResponse(m)) => m.path,
        other => panic!("expected a malformed response, got {other:?}\nbody {body}"),
    }
}

#[test]
fn a_key_twice_in_a_charge_is_malformed_at_the_second_occurrence() {
    let list = "netflix/charges/list";
    let twice = charge(r#""amount":5.99,"#, r#""amount":5.99,"amount":599.0,"#);
    assert_eq!(
        malformed_at(list, &page(&[twice])),
        "data.charges_set[0].amount"
    );
    let status = charge(
        r#""charge_status":"APPROVED","#,
        r#""charge_status":"DECLINED","charge_status":"APPROVED","#,
    );
    assert_eq!(
        malformed_at(list, &page(&[CHARGE.into(), status])),
        "data.charges_set[1].charge_status"
    );
    // `netflix_sate` is another spelling of `netflix_state`: both is the field twice.
    let show = format!(
        r#"{{"status":{OK},"data":{{"subscription_number":"S1","netflix_state":"EFFECTIVE",
        "netflix_sate":"NOT_EFFECTIVE","life_cycle_state":"EFFECTIVE"}}}}"#
    );
    assert_eq!(
        malformed_at("netflix/subscriptions/show", &show),
        "data.netflix_sate"
    );
}

#[test]
fn a_key_twice_in_the_envelope_or_its_status_is_malformed_whatever_the_status_says() {
    let list = "netflix/charges/list";
    let error_then_ok = format!(
        r#"{{"status":{{"code":"ERROR","description":"expired","message":"no"}},"status":{OK},
        "data":{{"charges_set":[]}}}}"#
    );
    assert_eq!(malformed_at(list, &error_then_ok), "status");
    let ok_then_error = format!(
        r#"{{"status":{OK},"data":{{"charges_set":[]}},
        "status":{{"code":"ERROR","description":"","message":""}}}}"#
    );
    assert_eq!(malformed_at(list, &ok_then_error), "status");
    let code_twice = r#"{"status":{"code":"ERROR","code":"OK"},"data":{"charges_set":[]}}"#;
    assert_eq!(malformed_at(list, code_twice), "status.code");
    let data_twice = format!(
        r#"{{"status":{OK},"data":{{"charges_set":[]}},"data":{{"charges_set":[{CHARGE}]}}}}"#
    );
    assert_eq!(malformed_at(list, &data_twice), "data");
    let set_twice =
        format!(r#"{{"status":{OK},"data":{{"charges_set":[],"charges_set":[{CHARGE}]}}}}"#);
    assert_eq!(malformed_at(list, &set_twice), "data.charges_set");
    let unknown_twice =
        format!(r#"{{"status":{OK},"trace":1,"trace":2,"data":{{"charges_set":[]}}}}"#);
    assert_eq!(malformed_at(list, &unknown_twice), "trace");
    let nested_unknown = format!(
        r#"{{"status":{OK},"trace":{{"a":[{{"b":1,"b":2}}]}},"data":{{"charges_set":[]}}}}"#
    );
    assert_eq!(malformed_at(list, &nested_unknown), "trace.a[0].b");
}

#[test]
fn a_key_twice_in_unknown_fields_and_free_json_is_malformed() {
    let list = "netflix/charges/list";
    let extra = charge(r#""number":"I1","#, r#""number":"I1","note":1,"note":2,"#);
    assert_eq!(
        malformed_at(list, &page(&[extra])),
        "data.charges_set[0].note"
    );
    let nested = charge(
        r#""number":"I1","#,
        r#""number":"I1","note":{"x":[{"y":1,"y":1}]},"#,
    );
    assert_eq!(
        malformed_at(list, &page(&[nested])),
        "data.charges_set[0].note.x[0].y"
    );
    let price = format!(
        r#"{{"status":{OK},"data":[{{"subscription_number":"S1","netflix_state":"EFFECTIVE",
        "life_cycle_state":"EFFECTIVE","prices_set":[{{"FormattedPrice":"$9.99","Amount":9.99,
        "Amount":0.99}}]}}]}}"#
    );
    assert_eq!(
        malformed_at("netflix/subscriptions/show", &price),
        "data[0].prices_set[0].Amount"
    );
    let failed = format!(
        r#"{{"status":{OK},"data":{{"failed_charges_set":[{{"number":"I1","number":"I2",
        "reference_number":null,"error_code":"E","error_description":null}}]}}}}"#
    );
    assert_eq!(
        malformed_at("netflix/charges/acknowledge", &failed),
        "data.failed_charges_set[0].number"
    );
}

#[test]
fn escaped_spellings_of_one_key_are_the_same_key() {
    let twice = charge(r#""amount":5.99,"#, r#""amount":5.99,"amo\u0075nt":599.0,"#);
    assert_eq!(
        malformed_at("netflix/charges/list", &page(&[twice])),
        "data.charges_set[0].amount"
    );
}

#[test]
fn dates_outside_years_1_to_9999_are_malformed_at_decode() {
    let list = "netflix/charges/list";
    for date in [
        "0000-01-01T00:00:00",
        "0000-12-31T23:59:59Z",
        "10000-01-01T00:00:00",
    ] {
        let c = charge(
            r#""paid_through_date":"2017-02-19T02:00:00""#,
            &format!(r#""paid_through_date":"{date}""#),
        );
        assert_eq!(
            malformed_at(list, &page(&[c])),
            "data.charges_set[0].paid_through_date",
            "{date}"
        );
    }
    for date in ["0001-01-01T00:00:00", "9999-12-31T23:59:59.999999999"] {
        let c = charge(
            r#""paid_through_date":"2017-02-19T02:00:00""#,
            &format!(r#""paid_through_date":"{date}""#),
        );
        let page = decode::<ListCharges>(page(&[c]).as_bytes(), None).unwrap();
        let d = page.charges()[0].paid_through_date;
        assert!((1..=9999).contains(&chrono::Datelike::year(&d.0)), "{date}");
    }
}

#[test]
fn control_characters_in_identifiers_are_malformed() {
    let list = "netflix/charges/list";
    for (from, to, path) in [
        (r#""number":"I1""#, r#""number":"I\u00001""#, "number"),
        (r#""number":"I1""#, r#""number":"I1\n""#, "number"),
        (
            r#""billing_system_customer_identifier":"pci1""#,
            r#""billing_system_customer_identifier":"pci\u001f1""#,
            "billing_system_customer_identifier",
        ),
        (
            r#""currency":"USD""#,
            r#""currency":"US\u0000D""#,
            "currency",
        ),
        (
            r#""charge_status":"APPROVED""#,
            r#""charge_status":"APPROVED\u0000""#,
            "charge_status",
        ),
    ] {
        let body = page(&[charge(from, to)]);
        assert_eq!(
            malformed_at(list, &body),
            format!("data.charges_set[0].{path}"),
            "{to}"
        );
    }
    let failed = format!(
        r#"{{"status":{OK},"data":{{"failed_charges_set":[{{"number":"I\u00001",
        "reference_number":null,"error_code":"E","error_description":"free\ttext"}}]}}}}"#
    );
    assert_eq!(
        malformed_at("netflix/charges/accept", &failed),
        "data.failed_charges_set[0].number"
    );
    let login = format!(r#"{{"status":{OK},"data":{{"token":"ab\u0000cd"}}}}"#);
    let err = decode_json("authentication/token", login.as_bytes(), None).unwrap_err();
    assert!(matches!(&err, Error::MalformedResponse(m) if m.path == "data.token"));
    assert!(
        !err.to_string().contains("ab"),
        "the token is not echoed: {err}"
    );
}

#[test]
fn one_number_twice_in_a_page_is_merged_when_identical_and_malformed_otherwise() {
    let other = charge("\"I1\"", "\"I2\"");
    let body = page(&[CHARGE.into(), other.clone(), CHARGE.into(), CHARGE.into()]);
    let decoded = decode::<ListCharges>(body.as_bytes(), None).unwrap();
    let numbers: Vec<&str> = decoded.charges().iter().map(|c| c.number()).collect();
    assert_eq!(numbers, ["I1", "I2"]);
    // Key order and an escaped spelling do not make a charge different.
    let reordered = format!(
        "{{\"amount\":5.99,{}",
        charge(r#""amount":5.99,"#, "").trim_start_matches('{')
    );
    let decoded = decode::<ListCharges>(page(&[CHARGE.into(), reordered]).as_bytes(), None);
    assert_eq!(decoded.unwrap().charges().len(), 1);

    let different = charge("5.99", "599.0");
    let body = page(&[CHARGE.into(), other, different]);
    assert_eq!(
        malformed_at("netflix/charges/list", &body),
        "data.charges_set[2].number"
    );
}

#[test]
fn the_sync_counts_identical_repeats_in_its_cursor_and_hands_the_charge_over_once() {
    let options = SyncOptions {
        page_size: 3,
        ..SyncOptions::default()
    };
    let mut sync = ChargeSync::new(options).unwrap();
    let token = Token::new("T");
    sync.next_request(&token).unwrap().unwrap();
    let other = charge("\"I1\"", "\"I2\"");
    sync.feed(page(&[CHARGE.into(), CHARGE.into(), other]).as_bytes())
        .unwrap();
    let taken: Vec<String> = sync
        .take_charges()
        .iter()
        .map(|c| c.charge.number().to_owned())
        .collect();
    assert_eq!(taken, ["I1", "I2"]);
    // Three charges came: a full page, so the list goes on after them.
    let next = sync.next_request(&token).unwrap().unwrap();
    assert_eq!(next.method, Method::ChargesList);
    assert!(
        next.query_string().contains("offset=3"),
        "{}",
        next.query_string()
    );
}

#[test]
fn a_blank_token_is_refused_even_when_the_run_has_ended() {
    let mut sync = ChargeSync::new(SyncOptions::default()).unwrap();
    let token = Token::new("T");
    sync.next_request(&token).unwrap().unwrap();
    sync.feed(page(&[]).as_bytes()).unwrap();
    assert!(sync.next_request(&token).unwrap().is_none());
    for blank in ["", "  ", "T\u{0}"] {
        let err = sync.next_request(&Token::new(blank)).unwrap_err();
        assert_eq!(err.violations()[0].path, "token", "{blank:?}");
    }
}

#[test]
fn acknowledge_responses_keep_their_rules() {
    let body = format!(r#"{{"status":{OK},"data":{{"failed_charges_set":null}}}}"#);
    let data = decode::<AcknowledgeCharges>(body.as_bytes(), None).unwrap();
    assert!(data.failed().is_empty());
}
