//! The two forms of a response object: decoded without a `fields_set`, the documented
//! non-nullable fields are plain values; decoded with one, the projected form holds what was sent.

use crmcom_netflix::{
    decode, decode_projected, Charge, Error, FieldState, ListCharges, ListPromotions,
    ProjectedCharge, ResponseObject, ShowSubscriptions,
};

fn body(data: &str) -> Vec<u8> {
    format!(r#"{{"status":{{"code":"OK","description":"","message":""}},"data":{data}}}"#)
        .into_bytes()
}

const FULL: &str = r#"{"charges_set":[{"number":"I1","billing_system_customer_identifier":"pci1",
    "amount":5.989999771118164,"currency":"USD","paid_through_date":"2017-02-19T02:00:00",
    "charge_status":"APPROVED","received_on":"2017-02-21T10:07:23","set_as_approved_on":null}]}"#;

const PROJECTED: &str = r#"{"charges_set":[{"number":"I1","amount":5.99,"currency":"USD"}]}"#;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn malformed(e: Error) -> (String, String) {
    match e {
        Error::MalformedResponse(m) => (m.path, m.message),
        other => panic!("expected a malformed response, got {other:?}"),
    }
}

#[test]
fn decoded_without_a_fields_set_the_documented_fields_are_plain_values() {
    let page = decode::<ListCharges>(&body(FULL), None).unwrap();
    let c: &Charge = &page.charges()[0];
    let number: &str = &c.number;
    assert_eq!(number, "I1");
    assert_eq!(c.amount.minor_units(), Some(599));
    assert_eq!(c.currency.code(), "USD");
    assert_eq!(c.received_on.to_string(), "2017-02-21T10:07:23");
    assert_eq!(c.set_as_approved_on, None);
    assert!(c.billable());
}

#[test]
fn a_missing_documented_field_is_malformed_at_its_path() {
    let (path, message) = malformed(decode::<ListCharges>(&body(PROJECTED), None).unwrap_err());
    assert_eq!(
        path,
        "data.charges_set[0].billing_system_customer_identifier"
    );
    assert_eq!(
        message,
        "the mandatory field `billing_system_customer_identifier` is missing"
    );
}

#[test]
fn the_full_form_of_a_projected_response_says_to_decode_the_projected_form() {
    let fields = names(&["number", "amount", "currency"]);
    let err = decode::<ListCharges>(&body(PROJECTED), Some(&fields)).unwrap_err();
    let (path, message) = malformed(err);
    assert_eq!(
        path,
        "data.charges_set[0].billing_system_customer_identifier"
    );
    assert!(message.contains("decode_projected"), "{message}");
}

#[test]
fn the_projected_form_holds_what_was_sent_and_nothing_else() {
    let fields = names(&["number", "amount", "currency"]);
    let page = decode_projected::<ListCharges>(&body(PROJECTED), &fields).unwrap();
    let c: &ProjectedCharge = &page.charges()[0];
    assert_eq!(c.number(), Some("I1"));
    assert_eq!(c.amount.unwrap().minor_units(), Some(599));
    assert_eq!(c.received_on, None);
    assert!(!c.billable(), "no status: never billed");
    assert_eq!(
        c.field_state("amount", Some(&fields)),
        Some(FieldState::Value)
    );
    assert_eq!(
        c.field_state("received_on", Some(&fields)),
        Some(FieldState::NotRequested)
    );
    assert_eq!(c.field_state("no_such_field", Some(&fields)), None);
    // The full form needs what the fields_set left out.
    let err = Charge::try_from(c.clone()).unwrap_err();
    assert!(
        err.to_string()
            .contains("billing_system_customer_identifier"),
        "{err}"
    );
}

#[test]
fn a_named_field_must_have_come_in_the_projected_form() {
    let fields = names(&["number", "set_as_approved_on"]);
    let err = decode_projected::<ListCharges>(&body(PROJECTED), &fields).unwrap_err();
    assert_eq!(malformed(err).0, "data.charges_set[0].set_as_approved_on");
}

#[test]
fn a_named_null_is_null_and_the_forms_convert_both_ways() {
    let full = decode::<ListCharges>(&body(FULL), None).unwrap().charges()[0].clone();
    let projected = ProjectedCharge::from(full.clone());
    assert_eq!(
        projected.field_state("set_as_approved_on", None),
        Some(FieldState::Null)
    );
    assert_eq!(
        serde_json::to_value(&projected).unwrap(),
        serde_json::to_value(&full).unwrap()
    );
    assert_eq!(Charge::try_from(projected).unwrap(), full);
}

#[test]
fn promotions_and_subscriptions_have_a_projected_form_too() {
    let fields = names(&["code"]);
    let promotions =
        decode_projected::<ListPromotions>(&body(r#"[{"code":"14"}]"#), &fields).unwrap();
    assert_eq!(promotions[0].code.as_deref(), Some("14"));
    assert_eq!(promotions[0].name, None);
    assert!(decode::<ListPromotions>(&body(r#"[{"code":"14"}]"#), None).is_err());
    let fields = names(&["subscription_number"]);
    let shown =
        decode_projected::<ShowSubscriptions>(&body(r#"{"subscription_number":"S1"}"#), &fields)
            .unwrap();
    assert_eq!(shown[0].subscription_number.as_deref(), Some("S1"));
    assert_eq!(shown[0].netflix_state, None);
}
