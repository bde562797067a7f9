//! Snapshots of a prepared request for every method, so that any change to what goes on the wire
//! shows up in review.

use crmcom_netflix::*;

fn snapshot<R: ApiRequest>(name: &str, request: &R, token: Option<&Token>) {
    let prepared = prepare(request, token, Release::LATEST).expect("valid request");
    let text = serde_json::to_string_pretty(&prepared.to_json()).unwrap();
    insta::assert_snapshot!(name, text);
}

fn token() -> Token {
    Token::new("737C2CC402644029BA7827E41B932C79")
}

#[test]
fn prepared_request_of_every_method() {
    snapshot(
        "authentication_token",
        &LoginRequest {
            username: "mpadministrator".into(),
            password: Secret::new("1234"),
            organisation: "CRMDEMO".into(),
            unit: Some("EE63A82C4FEBE02FF34E90DD1EBA5ABE".into()),
        },
        None,
    );
    snapshot(
        "authentication_token_release",
        &ReleaseToken {},
        Some(&token()),
    );
    snapshot(
        "authentication_web_api_key_token",
        &WebApiKeyLogin {
            api_key: Secret::new("3F2504E04F8911D39A0C0305E82C3301"),
            unit: Some("EE63A82C4FEBE02FF34E90DD1EBA5ABE".into()),
        },
        None,
    );
    snapshot(
        "promotions_list",
        &ListPromotions {
            fields_set: Some(FieldsSet::new(["code", "name"])),
        },
        Some(&token()),
    );
    snapshot(
        "subscriptions_show",
        &ShowSubscriptions {
            billing_system_customer_identifier: Some("pci123".into()),
            netflix_customer_identifier: None,
            fields_set: None,
        },
        Some(&token()),
    );
    let mut create = CreateSubscription::new("pci123");
    create.promotion_code = Some("14".into());
    create.channel = Some(Channel::Broadband);
    create.validity_duration = Some(3600);
    create.customer_first_name = Some("Eleni".into());
    create.customer_last_name = Some("Georgiou".into());
    let mut address = Address::new(AddressType::Home);
    address.street_name = Some("Makariou".into());
    address.street_number = Some("12".into());
    address.floor = Some(3);
    address.town_city = Some("Nicosia".into());
    address.country_identifier = Some(CountryIdentifier {
        two_character_code: Some("CY".into()),
        ..CountryIdentifier::default()
    });
    create.customer_address = Some(address);
    snapshot("subscriptions_create", &create, Some(&token()));
    snapshot(
        "subscriptions_suspend",
        &SuspendSubscription::new("pci123"),
        Some(&token()),
    );
    snapshot(
        "subscriptions_unsuspend",
        &UnsuspendSubscription::new("pci123"),
        Some(&token()),
    );
    snapshot(
        "charges_list",
        &ListCharges::new(Some(ChargeStatusFilter::Processed)),
        Some(&token()),
    );
    let mut item = AcknowledgedCharge::new("I00002706", "pci155");
    item.reference_number = Some("BILL-2017-0001".into());
    snapshot(
        "charges_acknowledge",
        &AcknowledgeCharges {
            acknowledged_charges_set: vec![item],
        },
        Some(&token()),
    );
    snapshot(
        "charges_accept",
        &AcceptCharges {
            accepted_charges_set: vec![AcceptedCharge::new("I00002706", "pci155")],
        },
        Some(&token()),
    );
    snapshot(
        "charges_decline",
        &DeclineCharges {
            declined_charges_set: vec![DeclinedCharge::new("I00002706", "pci155")],
        },
        Some(&token()),
    );
}

#[test]
fn debug_of_a_prepared_login_never_shows_the_password_or_token() {
    let login = LoginRequest {
        username: "u".into(),
        password: Secret::new("p4ssw0rd-secret"),
        organisation: "o".into(),
        unit: None,
    };
    let text = format!(
        "{login:?} {:?}",
        prepare(&login, None, Release::LATEST).unwrap()
    );
    assert!(!text.contains("p4ssw0rd-secret"), "{text}");
    let prepared = prepare(&ReleaseToken {}, Some(&token()), Release::LATEST).unwrap();
    let text = format!("{prepared:?}");
    assert!(!text.contains("737C2CC4"), "{text}");
    insta::assert_snapshot!("debug_redacted_release", text);
}

#[test]
fn debug_of_a_web_api_key_login_never_shows_the_key() {
    let login = WebApiKeyLogin::new(Secret::new("K3Y-VERY-SECRET"));
    let prepared = prepare(&login, None, Release::LATEST).unwrap();
    let header = prepared.header("authorization").unwrap().to_owned();
    assert!(header.starts_with("Basic "));
    let text = format!("{login:?} {prepared:?}");
    assert!(!text.contains("K3Y-VERY-SECRET"), "{text}");
    assert!(!text.contains(&header["Basic ".len()..]), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
    // A violation never echoes the key either.
    let err = prepare_json(
        "authentication/web_api_key/token",
        r#"{"api_key": "K3Y:VERY-SECRET"}"#,
        None,
        None,
    )
    .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("VERY-SECRET"));
}
