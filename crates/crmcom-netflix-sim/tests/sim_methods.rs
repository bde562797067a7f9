//! What the simulated server does with each method, read back through the core's `decode`.

use crmcom_netflix::{
    decode, prepare, AcceptCharges, AcceptedCharge, AcknowledgeCharges, AcknowledgedCharge,
    ApiRequest, ChargeStatus, ChargeStatusFilter, CreateSubscription, DeclineCharges,
    DeclinedCharge, Error, FieldsSet, ListCharges, ListPromotions, LoginRequest, Release,
    ReleaseToken, Secret, ShowSubscriptions, SuspendSubscription, Token, UnsuspendSubscription,
};
use crmcom_netflix_sim::{codes, epoch_seconds, ChargeSpec, PromotionSpec, Sim, User};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn t0() -> i64 {
    epoch_seconds("2024-03-01T01:00:00").unwrap()
}

fn login(sim: &mut Sim, now: i64) -> Token {
    let request = prepare(&Sim::login_request(), None, sim.release()).unwrap();
    decode::<LoginRequest>(&sim.handle(&request, now), None)
        .unwrap()
        .token
}

fn call<R: ApiRequest>(
    sim: &mut Sim,
    request: &R,
    token: &Token,
    now: i64,
) -> Result<R::Response, Error> {
    let prepared = prepare(request, Some(token), sim.release()).unwrap();
    decode::<R>(&sim.handle(&prepared, now), request.fields_set())
}

/// `call` for a request with a `fields_set`: the projected form.
fn call_projected<R: ApiRequest>(
    sim: &mut Sim,
    request: &R,
    token: &Token,
    now: i64,
) -> Result<R::Projected, Error> {
    let prepared = prepare(request, Some(token), sim.release()).unwrap();
    let fields = request.fields_set().expect("a fields_set");
    crmcom_netflix::decode_projected::<R>(&sim.handle(&prepared, now), fields)
}

/// The stable code (`status.message`) of an error response.
fn code_of(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Api(e)) => {
            assert_eq!(e.code, "ERROR");
            e.message.unwrap_or_default()
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn raw_get(sim: &mut Sim, path: &str, query: &[(&str, &str)], now: i64) -> Value {
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    serde_json::from_slice(&sim.handle_http("GET", path, &pairs, None, now)).unwrap()
}

fn raw_post(sim: &mut Sim, path: &str, body: &[u8], now: i64) -> Value {
    serde_json::from_slice(&sim.handle_http("POST", path, &[], Some(body), now)).unwrap()
}

fn processed() -> ListCharges {
    ListCharges::new(Some(ChargeStatusFilter::Processed))
}

fn numbers(page: &crmcom_netflix::ChargesPage) -> Vec<&str> {
    page.charges().iter().map(|c| c.number()).collect()
}

fn ack(number: &str, customer: &str) -> AcknowledgedCharge {
    AcknowledgedCharge::new(number, customer)
}

fn failed_codes(data: &crmcom_netflix::FailedCharges) -> Vec<(String, String)> {
    data.failed()
        .iter()
        .map(|f| (f.number.clone(), f.error_code.clone()))
        .collect()
}

#[test]
fn a_login_token_is_a_jwt_that_expires_two_hours_after_issue() {
    let mut sim = Sim::new(Release::LATEST);
    let token = login(&mut sim, t0());
    assert_eq!(token.expose().split('.').count(), 3);
    assert!(token
        .expose()
        .starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."));
    assert_eq!(token.expires_at(), Some(t0() + 7200));
    assert!(call(&mut sim, &processed(), &token, t0() + 7199).is_ok());
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0() + 7200)),
        codes::TOKEN_EXPIRED
    );
    // A second login gives a different token, valid from its own issue.
    let again = login(&mut sim, t0() + 7200);
    assert_ne!(again, token);
    assert!(call(&mut sim, &processed(), &again, t0() + 7200).is_ok());
}

#[test]
fn a_wrong_password_organisation_or_unit_is_an_invalid_login() {
    let mut sim = Sim::new(Release::LATEST);
    let mut user = User::new("ops", "pw", "ORG");
    user.units = vec!["U1".into()];
    sim.add_user(user);
    let attempt = |sim: &mut Sim, username: &str, password: &str, org: &str, unit: Option<&str>| {
        let request = LoginRequest {
            username: username.into(),
            password: Secret::new(password),
            organisation: org.into(),
            unit: unit.map(Into::into),
        };
        let prepared = prepare(&request, None, Release::LATEST).unwrap();
        decode::<LoginRequest>(&sim.handle(&prepared, t0()), None)
    };
    assert!(attempt(&mut sim, "ops", "pw", "ORG", Some("U1")).is_ok());
    assert!(attempt(&mut sim, "ops", "pw", "ORG", None).is_ok());
    for (u, p, o, unit) in [
        ("ops", "PW", "ORG", None),
        ("ops", "pw", "org", None),
        ("nobody", "pw", "ORG", None),
        ("ops", "pw", "ORG", Some("U2")),
    ] {
        assert_eq!(
            code_of(attempt(&mut sim, u, p, o, unit)),
            codes::INVALID_LOGIN
        );
    }
}

#[test]
fn released_unknown_and_expired_tokens_are_refused() {
    let mut sim = Sim::new(Release::LATEST);
    let token = login(&mut sim, t0());
    call(&mut sim, &ReleaseToken {}, &token, t0()).unwrap();
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0())),
        codes::INVALID_TOKEN
    );
    assert_eq!(
        code_of(call(&mut sim, &processed(), &Token::new("forged"), t0())),
        codes::INVALID_TOKEN
    );
    let token = login(&mut sim, t0());
    sim.expire_token(token.expose());
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0())),
        codes::TOKEN_EXPIRED
    );
    let token = login(&mut sim, t0());
    sim.expire_all_tokens();
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0())),
        codes::TOKEN_EXPIRED
    );
}

#[test]
fn invalid_requests_are_refused_with_the_cores_violations() {
    let mut sim = Sim::new(Release::LATEST);
    let token = login(&mut sim, t0());
    let t = token.expose();
    let body = raw_get(
        &mut sim,
        "netflix/charges/list",
        &[
            ("token", t),
            ("number_of_results", "51"),
            ("offset", "x"),
            ("charge_status", "PROCESSED"),
        ],
        t0(),
    );
    assert_eq!(body["status"]["code"], "ERROR");
    assert_eq!(body["status"]["message"], codes::INVALID_REQUEST);
    assert_eq!(body["data"], Value::Null);
    let description = body["status"]["description"].as_str().unwrap();
    assert!(
        description.contains("number_of_results: ") && description.contains("(out_of_range)"),
        "{description}"
    );
    assert!(
        description.contains("offset: ") && description.contains("(invalid_type)"),
        "{description}"
    );
    // The release's rules: the status filter is mandatory from R14.1.0.
    let body = raw_get(
        &mut sim,
        "netflix/charges/list",
        &[("token", t), ("number_of_results", "5"), ("offset", "0")],
        t0(),
    );
    assert!(body["status"]["description"]
        .as_str()
        .unwrap()
        .contains("charge_status"));
    // A typo'd parameter, a missing token, a body that is not an object.
    let body = raw_post(
        &mut sim,
        "netflix/subscriptions/suspend",
        format!(r#"{{"token":"{t}","billing_system_customer_identifer":"c1"}}"#).as_bytes(),
        t0(),
    );
    assert!(body["status"]["description"]
        .as_str()
        .unwrap()
        .contains("unknown_field"));
    let body = raw_post(
        &mut sim,
        "netflix/subscriptions/suspend",
        br#"{"billing_system_customer_identifier":"c1"}"#,
        t0(),
    );
    assert!(body["status"]["description"]
        .as_str()
        .unwrap()
        .starts_with("token: "));
    let body = raw_post(&mut sim, "netflix/subscriptions/suspend", b"[1]", t0());
    assert_eq!(body["status"]["message"], codes::INVALID_REQUEST);
    let body = raw_post(&mut sim, "netflix/subscriptions/suspend", b"{", t0());
    assert_eq!(body["status"]["message"], codes::INVALID_REQUEST);
    let body = raw_get(
        &mut sim,
        "netflix/promotions/list",
        &[("token", t), ("token", t)],
        t0(),
    );
    assert_eq!(body["status"]["message"], codes::INVALID_REQUEST);
    assert_eq!(sim.stats().invalid_requests, 7);
    // Methods: unknown, wrong verb, newer than the release.
    let body = raw_post(&mut sim, "netflix/charges/cancel", b"{}", t0());
    assert_eq!(body["status"]["message"], codes::UNKNOWN_METHOD);
    let body = raw_get(
        &mut sim,
        "netflix/charges/acknowledge",
        &[("token", t)],
        t0(),
    );
    assert_eq!(body["status"]["message"], codes::METHOD_NOT_ALLOWED);
    let mut r12 = Sim::new(Release::R12_0_0);
    let token = login(&mut r12, t0());
    let body = raw_post(
        &mut r12,
        "netflix/charges/accept",
        format!(
            r#"{{"token":"{}","accepted_charges_set":[{{"number":"I1","billing_system_customer_identifier":"c"}}]}}"#,
            token.expose()
        )
        .as_bytes(),
        t0(),
    );
    assert!(body["status"]["description"]
        .as_str()
        .unwrap()
        .contains("not_in_release"));
}

#[test]
fn promotions_list_shows_the_promotions_not_expired_projected_by_fields_set() {
    let mut sim = Sim::new(Release::LATEST);
    sim.add_promotion(PromotionSpec {
        description: Some("Three months for two".into()),
        ..PromotionSpec::new("14", "Test", epoch_seconds("2024-01-01T00:00:00").unwrap())
    });
    sim.add_promotion(PromotionSpec {
        expires_on: Some(t0()),
        ..PromotionSpec::new("15", "Gone", 0)
    });
    let token = login(&mut sim, t0());
    let all = call(&mut sim, &ListPromotions::default(), &token, t0()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].code, "14");
    assert_eq!(all[0].effective_from.to_string(), "2024-01-01T00:00:00");
    assert_eq!(all[0].expires_on, None);
    let codes_only = ListPromotions {
        fields_set: Some(FieldsSet::new(["code"])),
    };
    let projected = call_projected(&mut sim, &codes_only, &token, t0()).unwrap();
    assert_eq!(
        serde_json::to_value(&projected).unwrap(),
        json!([{"code": "14"}])
    );
    // Before it expired, the second was listed.
    assert_eq!(
        call(&mut sim, &ListPromotions::default(), &token, t0() - 1)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_subscription_gets_a_netflix_token_whose_validity_follows_validity_duration() {
    let mut sim = Sim::new(Release::LATEST);
    sim.add_promotion(PromotionSpec::new("14", "Test", 0));
    let token = login(&mut sim, t0());
    let mut create = CreateSubscription::new("pci1");
    create.validity_duration = Some(600);
    create.promotion_code = Some("14".into());
    let created = call(&mut sim, &create, &token, t0()).unwrap();
    let netflix_token = created.netflix_token.unwrap();
    assert_eq!(
        created.expires_on.unwrap().to_string(),
        "2024-03-01T01:10:00"
    );
    assert_eq!(
        sim.complete_sign_up(&netflix_token, t0() + 600),
        Err(codes::NETFLIX_TOKEN_EXPIRED)
    );
    let pai = sim.complete_sign_up(&netflix_token, t0() + 599).unwrap();
    // Without validity_duration the token lasts a day.
    let created = call(&mut sim, &CreateSubscription::new("pci2"), &token, t0()).unwrap();
    assert_eq!(
        created.expires_on.unwrap().to_string(),
        "2024-03-02T01:00:00"
    );
    assert_eq!(
        sim.complete_sign_up("nope", t0()),
        Err(codes::NETFLIX_TOKEN_NOT_FOUND)
    );
    // Show by either identifier, or both.
    let by_billing = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci1".into()),
        ..ShowSubscriptions::default()
    };
    let by_netflix = ShowSubscriptions {
        netflix_customer_identifier: Some(pai.clone()),
        ..ShowSubscriptions::default()
    };
    let by_both = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci2".into()),
        netflix_customer_identifier: Some(pai),
        fields_set: None,
    };
    let a = call(&mut sim, &by_billing, &token, t0()).unwrap();
    let b = call(&mut sim, &by_netflix, &token, t0()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a[0].subscription_number, "NS000001");
    assert_eq!(a[0].netflix_state.as_str(), "EFFECTIVE");
    assert_eq!(a[0].life_cycle_state.as_str(), "EFFECTIVE");
    assert_eq!(a[0].promotions_set.as_ref().unwrap().len(), 1);
    assert_eq!(
        a[0].prices_set.as_ref().unwrap()[0]
            .formatted_price
            .as_deref(),
        Some("$9.99")
    );
    assert_eq!(
        code_of(call(&mut sim, &by_both, &token, t0())),
        codes::SUBSCRIPTION_NOT_FOUND
    );
    // Not signed up yet: not effective on Netflix.
    let pci2 = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci2".into()),
        ..ShowSubscriptions::default()
    };
    let shown = call(&mut sim, &pci2, &token, t0()).unwrap();
    assert_eq!(shown[0].netflix_state.as_str(), "NOT_EFFECTIVE");
    // The promotion counts for ten months.
    let later = epoch_seconds("2025-01-01T01:00:01").unwrap();
    let token = login(&mut sim, later);
    let shown = call(&mut sim, &by_billing, &token, later).unwrap();
    assert!(shown[0].promotions_set.as_ref().unwrap().is_empty());
    // fields_set projects each subscription.
    let projected = ShowSubscriptions {
        fields_set: Some(FieldsSet::new(["subscription_number", "netflix_state"])),
        ..by_billing.clone()
    };
    let shown = call_projected(&mut sim, &projected, &token, later).unwrap();
    assert_eq!(
        serde_json::to_value(&shown).unwrap(),
        json!([{"subscription_number": "NS000001", "netflix_state": "EFFECTIVE"}])
    );
}

#[test]
fn create_refuses_unknown_or_ended_promotions_and_a_second_subscription() {
    let mut sim = Sim::new(Release::LATEST);
    sim.add_promotion(PromotionSpec {
        expires_on: Some(t0()),
        ..PromotionSpec::new("OLD", "Old", 0)
    });
    sim.add_promotion(PromotionSpec::new("NEXT", "Next", t0() + 1));
    let token = login(&mut sim, t0());
    let with = |code: &str| CreateSubscription {
        promotion_code: Some(code.into()),
        ..CreateSubscription::new("pci1")
    };
    assert_eq!(
        code_of(call(&mut sim, &with("NONE"), &token, t0())),
        codes::PROMOTION_NOT_FOUND
    );
    assert_eq!(
        code_of(call(&mut sim, &with("OLD"), &token, t0())),
        codes::PROMOTION_NOT_EFFECTIVE
    );
    assert_eq!(
        code_of(call(&mut sim, &with("NEXT"), &token, t0())),
        codes::PROMOTION_NOT_EFFECTIVE
    );
    call(&mut sim, &CreateSubscription::new("pci1"), &token, t0()).unwrap();
    assert_eq!(
        code_of(call(
            &mut sim,
            &CreateSubscription::new("pci1"),
            &token,
            t0()
        )),
        codes::SUBSCRIPTION_ALREADY_EXISTS
    );
    sim.cancel_subscription("pci1").unwrap();
    call(&mut sim, &CreateSubscription::new("pci1"), &token, t0()).unwrap();
    assert_eq!(sim.subscriptions().len(), 2);
    assert_eq!(
        sim.subscriptions()[1].parameters,
        json!({"billing_system_customer_identifier": "pci1"})
    );
}

#[test]
fn suspend_and_unsuspend_flip_the_state_once_each() {
    let mut sim = Sim::new(Release::LATEST);
    let token = login(&mut sim, t0());
    let suspend = SuspendSubscription::new("pci1");
    let unsuspend = UnsuspendSubscription::new("pci1");
    assert_eq!(
        code_of(call(&mut sim, &suspend, &token, t0())),
        codes::SUBSCRIPTION_NOT_FOUND
    );
    let created = call(&mut sim, &CreateSubscription::new("pci1"), &token, t0()).unwrap();
    sim.complete_sign_up(&created.netflix_token.unwrap(), t0())
        .unwrap();
    assert_eq!(
        code_of(call(&mut sim, &unsuspend, &token, t0())),
        codes::SUBSCRIPTION_NOT_SUSPENDED
    );
    call(&mut sim, &suspend, &token, t0()).unwrap();
    let show = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci1".into()),
        ..ShowSubscriptions::default()
    };
    let shown = call(&mut sim, &show, &token, t0()).unwrap();
    assert_eq!(
        (
            shown[0].netflix_state.as_str(),
            shown[0].life_cycle_state.as_str()
        ),
        ("NOT_EFFECTIVE", "NOT_EFFECTIVE")
    );
    assert_eq!(
        code_of(call(&mut sim, &suspend, &token, t0())),
        codes::SUBSCRIPTION_ALREADY_SUSPENDED
    );
    call(&mut sim, &unsuspend, &token, t0()).unwrap();
    let shown = call(&mut sim, &show, &token, t0()).unwrap();
    assert_eq!(shown[0].netflix_state.as_str(), "EFFECTIVE");
    sim.cancel_subscription("pci1").unwrap();
    assert_eq!(
        code_of(call(&mut sim, &suspend, &token, t0())),
        codes::SUBSCRIPTION_CANCELLED
    );
    let shown = call(&mut sim, &show, &token, t0()).unwrap();
    assert_eq!(shown[0].life_cycle_state.as_str(), "CANCELLED");
}

#[test]
fn charges_list_is_oldest_first_filtered_and_paged() {
    let mut sim = Sim::new(Release::LATEST);
    let a = sim.add_charge(ChargeSpec::approved("c1", "5.99", "USD"), t0() - 10);
    let b = sim.add_charge(ChargeSpec::pending("c2", "2.99", "USD"), t0() - 20);
    let c = sim.add_charge(
        ChargeSpec::approved("c3", "500", "JPY").with_status(ChargeStatus::Declined),
        t0() - 30,
    );
    let d = sim.add_charge(
        ChargeSpec::approved("c4", "1.235", "KWD").received_at(t0() - 30),
        t0(),
    );
    let token = login(&mut sim, t0());
    let page = call(&mut sim, &processed(), &token, t0()).unwrap();
    // Same received_on: the order added.
    assert_eq!(numbers(&page), [c.as_str(), d.as_str(), a.as_str()]);
    let amounts: Vec<String> = page
        .charges()
        .iter()
        .map(|c| c.amount.to_string())
        .collect();
    assert_eq!(amounts, ["500", "1.235", "5.99"]);
    assert_eq!(page.charges()[0].amount.raw(), 500.0);
    assert_eq!(page.charges()[2].amount.raw(), 5.989999771118164);
    let pending = ListCharges::new(Some(ChargeStatusFilter::NotProcessed));
    assert_eq!(
        numbers(&call(&mut sim, &pending, &token, t0()).unwrap()),
        [b.as_str()]
    );
    let second = ListCharges {
        number_of_results: 1,
        offset: 1,
        ..processed()
    };
    assert_eq!(
        numbers(&call(&mut sim, &second, &token, t0()).unwrap()),
        [d.as_str()]
    );
    // fields_set projects each charge; the core decodes the projection.
    let projected = ListCharges {
        fields_set: Some(FieldsSet::new(["number", "amount", "currency"])),
        ..processed()
    };
    let page = call_projected(&mut sim, &projected, &token, t0()).unwrap();
    assert_eq!(
        serde_json::to_value(&page.charges()[0]).unwrap(),
        json!({"number": c, "amount": 500.0, "currency": "JPY"})
    );
}

#[test]
fn before_r14_1_the_list_has_no_filter_no_pending_and_no_local_currency() {
    let mut sim = Sim::new(Release::R12_0_0);
    let now = t0();
    let a = sim.add_charge(
        ChargeSpec::approved("c1", "5.99", "USD").with_local(Decimal::new(550, 2), "EUR"),
        now,
    );
    sim.add_charge(ChargeSpec::pending("c2", "2.99", "USD"), now);
    let token = login(&mut sim, now);
    let page = call(&mut sim, &ListCharges::new(None), &token, now).unwrap();
    assert_eq!(numbers(&page), [a.as_str()]);
    assert_eq!(page.charges()[0].local_currency, None);
    assert!(page.charges()[0].extra.is_empty());

    let mut sim = Sim::new(Release::LATEST);
    sim.add_charge(
        ChargeSpec::approved("c1", "5.99", "USD").with_local(Decimal::new(550, 2), "EUR"),
        now,
    );
    let token = login(&mut sim, now);
    let page = call(&mut sim, &processed(), &token, now).unwrap();
    let charge = &page.charges()[0];
    assert_eq!(charge.local_currency.as_ref().unwrap().code(), "EUR");
    assert_eq!(charge.local_currency_amount.unwrap().to_string(), "5.50");
}

#[test]
fn acknowledged_charges_leave_the_list_and_each_refusal_has_its_code() {
    let mut sim = Sim::new(Release::LATEST);
    let a = sim.add_charge(ChargeSpec::approved("c1", "5.99", "USD"), t0());
    let b = sim.add_charge(ChargeSpec::approved("c2", "5.99", "USD"), t0());
    let p = sim.add_charge(ChargeSpec::pending("c3", "5.99", "USD"), t0());
    let f = sim.add_charge(ChargeSpec::approved("c4", "5.99", "USD"), t0());
    let token = login(&mut sim, t0());
    sim.fail_acknowledgement(&f, 1);
    let mut with_ref = ack(&a, "c1");
    with_ref.reference_number = Some("INV-1".into());
    let request = AcknowledgeCharges {
        acknowledged_charges_set: vec![
            with_ref,
            ack(&b, "WRONG"),
            ack(&p, "c3"),
            ack(&f, "c4"),
            ack("I99999999", "c9"),
        ],
    };
    let data = call(&mut sim, &request, &token, t0()).unwrap();
    assert_eq!(
        failed_codes(&data),
        [
            (b.clone(), codes::CUSTOMER_MISMATCH.to_owned()),
            (p.clone(), codes::CHARGE_NOT_PROCESSED.to_owned()),
            (f.clone(), codes::ACKNOWLEDGEMENT_FAILED.to_owned()),
            ("I99999999".to_owned(), codes::CHARGE_NOT_FOUND.to_owned()),
        ]
    );
    assert_eq!(sim.charge(&a).unwrap().acknowledged_on, Some(t0()));
    assert_eq!(
        sim.charge(&a).unwrap().reference_number.as_deref(),
        Some("INV-1")
    );
    let page = call(&mut sim, &processed(), &token, t0()).unwrap();
    assert_eq!(numbers(&page), [b.as_str(), f.as_str()]);

    // Again: already acknowledged; a reference reused for another charge; the injected failure
    // is used up.
    let mut reused = ack(&b, "c2");
    reused.reference_number = Some("INV-1".into());
    let request = AcknowledgeCharges {
        acknowledged_charges_set: vec![ack(&a, "c1"), reused, ack(&f, "c4")],
    };
    let data = call(&mut sim, &request, &token, t0()).unwrap();
    assert_eq!(
        failed_codes(&data),
        [
            (a.clone(), codes::CHARGE_ALREADY_ACKNOWLEDGED.to_owned()),
            (b.clone(), codes::DUPLICATE_REFERENCE_NUMBER.to_owned()),
        ]
    );
    assert_eq!(data.failed()[1].reference_number.as_deref(), Some("INV-1"));
    // Full success: an empty failed set.
    let request = AcknowledgeCharges {
        acknowledged_charges_set: vec![ack(&b, "c2")],
    };
    let prepared = prepare(&request, Some(&token), Release::LATEST).unwrap();
    let body: Value = serde_json::from_slice(&sim.handle(&prepared, t0())).unwrap();
    assert_eq!(body["data"], json!({"failed_charges_set": []}));
    assert_eq!(sim.charge(&f).unwrap().acknowledge_attempts, 2);
}

#[test]
fn accept_and_decline_settle_pending_charges_only() {
    let mut sim = Sim::new(Release::LATEST);
    let p1 = sim.add_charge(ChargeSpec::pending("c1", "5.99", "USD"), t0());
    let p2 = sim.add_charge(ChargeSpec::pending("c2", "5.99", "USD"), t0());
    let done = sim.add_charge(ChargeSpec::approved("c3", "5.99", "USD"), t0());
    let token = login(&mut sim, t0());
    let accept = AcceptCharges {
        accepted_charges_set: vec![AcceptedCharge::new(&p1, "c1")],
    };
    let prepared = prepare(&accept, Some(&token), Release::LATEST).unwrap();
    let body: Value = serde_json::from_slice(&sim.handle(&prepared, t0() + 5)).unwrap();
    assert_eq!(body["data"], json!({}));
    let charge = sim.charge(&p1).unwrap();
    assert_eq!(charge.status, ChargeStatus::Approved);
    assert_eq!(charge.set_as_approved_on, Some(t0() + 5));
    let decline = DeclineCharges {
        declined_charges_set: vec![
            DeclinedCharge::new(&p2, "c2"),
            DeclinedCharge::new(&done, "c3"),
            DeclinedCharge::new(&p1, "c1"),
        ],
    };
    let data = call(&mut sim, &decline, &token, t0()).unwrap();
    assert_eq!(
        failed_codes(&data),
        [
            (done, codes::CHARGE_ALREADY_PROCESSED.to_owned()),
            (p1.clone(), codes::CHARGE_ALREADY_PROCESSED.to_owned()),
        ]
    );
    assert_eq!(sim.charge(&p2).unwrap().status, ChargeStatus::Declined);
    // Accepted and declined charges are processed: they list under PROCESSED.
    let page = call(&mut sim, &processed(), &token, t0()).unwrap();
    assert_eq!(page.charges().len(), 3);
    assert_eq!(
        sim.process_charge(&p1, ChargeStatus::Rejected, t0()),
        Err(codes::CHARGE_ALREADY_PROCESSED)
    );
}

#[test]
fn page_faults_reorder_shift_and_late_arrivals() {
    let mut sim = Sim::new(Release::LATEST);
    let n: Vec<String> = (0..5)
        .map(|i| sim.add_charge(ChargeSpec::approved("c", "1", "USD"), t0() + i))
        .collect();
    let token = login(&mut sim, t0());
    let three = ListCharges {
        number_of_results: 3,
        ..processed()
    };
    sim.reorder_next_page();
    assert_eq!(
        numbers(&call(&mut sim, &three, &token, t0()).unwrap()),
        [n[2].as_str(), n[1].as_str(), n[0].as_str()]
    );
    let from_2 = ListCharges {
        offset: 2,
        ..three.clone()
    };
    sim.shift_next_page(-1);
    assert_eq!(
        numbers(&call(&mut sim, &from_2, &token, t0()).unwrap()),
        [n[1].as_str(), n[2].as_str(), n[3].as_str()]
    );
    sim.shift_next_page(2);
    assert_eq!(
        numbers(&call(&mut sim, &from_2, &token, t0()).unwrap()),
        [n[4].as_str()]
    );
    assert_eq!(
        numbers(&call(&mut sim, &from_2, &token, t0()).unwrap()).len(),
        3
    );
    sim.schedule_charge(2, ChargeSpec::approved("late", "1", "USD"));
    assert_eq!(
        call(&mut sim, &processed(), &token, t0() + 10)
            .unwrap()
            .charges()
            .len(),
        5
    );
    let page = call(&mut sim, &processed(), &token, t0() + 20).unwrap();
    assert_eq!(page.charges().len(), 6);
    assert_eq!(
        page.charges()[5].received_on.to_string(),
        "2024-03-01T01:00:20"
    );
    sim.fail_next_requests(2);
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0())),
        codes::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        code_of(call(&mut sim, &processed(), &token, t0())),
        codes::SERVICE_UNAVAILABLE
    );
    assert!(call(&mut sim, &processed(), &token, t0()).is_ok());
}

#[test]
fn a_failure_rate_refuses_about_that_share_of_acknowledgements() {
    let mut sim = Sim::new(Release::LATEST);
    let numbers: Vec<String> = (0..2000)
        .map(|_| sim.add_charge(ChargeSpec::approved("c", "1", "USD"), t0()))
        .collect();
    sim.fail_acknowledgements_at_rate(20, 7);
    let token = login(&mut sim, t0());
    let mut refused = 0;
    for chunk in numbers.chunks(50) {
        let request = AcknowledgeCharges {
            acknowledged_charges_set: chunk.iter().map(|n| ack(n, "c")).collect(),
        };
        refused += call(&mut sim, &request, &token, t0())
            .unwrap()
            .failed()
            .len();
    }
    assert!((20..=60).contains(&refused), "{refused} of 2000");
}

#[test]
fn the_same_calls_give_the_same_bytes() {
    let run = || {
        let mut sim = Sim::new(Release::LATEST);
        sim.fail_acknowledgements_at_rate(300, 42);
        let mut out = Vec::new();
        for i in 0..30 {
            sim.add_charge(ChargeSpec::approved("c", "1.99", "USD"), t0() + i);
        }
        let login = prepare(&Sim::login_request(), None, Release::LATEST).unwrap();
        out.push(sim.handle(&login, t0()));
        let token = decode::<LoginRequest>(&out[0], None).unwrap().token;
        let list = prepare(&processed(), Some(&token), Release::LATEST).unwrap();
        out.push(sim.handle(&list, t0()));
        let page = decode::<ListCharges>(&out[1], None).unwrap();
        let ack = AcknowledgeCharges {
            acknowledged_charges_set: crmcom_netflix::items_from_charges(page.charges()),
        };
        let ack = prepare(&ack, Some(&token), Release::LATEST).unwrap();
        out.push(sim.handle(&ack, t0()));
        out
    };
    assert_eq!(run(), run());
}
