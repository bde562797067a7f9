//! `validator::Validate` on the typed requests says what `validate_json` says for the newest
//! release: the same requests pass, and the paths of what fails are the same. Both read the same
//! `#[validate]` attributes (the walker through the schema `schemars` derives from them).

use std::collections::BTreeSet;

use crmcom_netflix::methods::*;
use crmcom_netflix::{validate, ApiRequest, Date, FieldsSet, Release, Secret};
use proptest::prelude::*;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

/// Every path `Validate` reports, in the SDK's notation (`a.b[3].c`); a struct-level error
/// carries its own path relative to the struct in `params["path"]`.
fn paths(errors: &ValidationErrors, prefix: &str, out: &mut BTreeSet<String>) {
    let join = |p: &str, name: &str| {
        if p.is_empty() {
            name.to_owned()
        } else if name.starts_with('[') {
            format!("{p}{name}")
        } else {
            format!("{p}.{name}")
        }
    };
    for (field, kind) in errors.errors() {
        let here = if field == "__all__" {
            prefix.to_owned()
        } else {
            join(prefix, &wire_name(field))
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    match e.params.get("path").and_then(|p| p.as_str()) {
                        Some(p) if !p.is_empty() => out.insert(join(&here, p)),
                        _ => out.insert(here.clone()),
                    };
                }
            }
            ValidationErrorsKind::Struct(inner) => paths(inner, &here, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    paths(inner, &format!("{here}[{i}]"), out);
                }
            }
        }
    }
}

/// The wire name of a Rust field (`address_type` and `kind` are `type` on the wire).
fn wire_name(field: &str) -> String {
    match field {
        "address_type" | "kind" => "type".to_owned(),
        other => other.to_owned(),
    }
}

fn validator_paths<T: Validate>(request: &T) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Err(errors) = request.validate() {
        paths(&errors, "", &mut out);
    }
    out
}

fn sdk_paths<T: ApiRequest>(request: &T) -> BTreeSet<String> {
    match validate(request, Release::LATEST) {
        Ok(()) => BTreeSet::new(),
        Err(e) => e.violations().iter().map(|v| v.path.clone()).collect(),
    }
}

/// `Validate` stops at field errors before its struct-level rules (validator's
/// `skip_on_field_errors`), so when both fail, its paths are a subset of the walker's.
fn agree<T: ApiRequest + Validate + std::fmt::Debug>(request: &T) -> Result<(), TestCaseError> {
    let (ours, theirs) = (sdk_paths(request), validator_paths(request));
    prop_assert_eq!(
        ours.is_empty(),
        theirs.is_empty(),
        "{:?}: {:?} vs {:?}",
        request,
        ours,
        theirs
    );
    prop_assert!(
        theirs.is_subset(&ours),
        "{:?}: validate {:?}, Validate {:?}",
        request,
        ours,
        theirs
    );
    Ok(())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("\u{3000}\t".to_owned()),
        Just("\u{FEFF}".to_owned()),
        Just("I\u{0}1".to_owned()),
        Just("a\tb".to_owned()),
        Just(" \t".to_owned()),
        "[a-zA-Z0-9]{1,8}",
        "[ a-z:\u{e9}]{0,6}",
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn items() -> impl Strategy<Value = Vec<(String, String, Option<String>)>> {
    prop::collection::vec(
        (
            prop_oneof![text(), Just("I1".to_owned()), Just("I2".to_owned())],
            text(),
            prop::option::of(prop_oneof![
                Just("R1".to_owned()),
                Just("R2".to_owned()),
                text()
            ]),
        ),
        0..=52,
    )
}

fn fields_set<T: std::fmt::Debug>() -> impl Strategy<Value = Option<FieldsSet<T>>> {
    prop::option::of(
        prop::collection::vec(
            prop::sample::select(vec!["number", "amount", "code", "netflix_sate", "nope", ""]),
            0..4,
        )
        .prop_map(FieldsSet::new),
    )
}

fn country() -> impl Strategy<Value = Option<CountryIdentifier>> {
    prop::option::of(
        (opt_text(), opt_text()).prop_map(|(id, name)| CountryIdentifier {
            id,
            name,
            ..CountryIdentifier::default()
        }),
    )
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn validate_agrees_on_logins(user in text(), password in text(), org in text(), key in text(), unit in opt_text()) {
        agree(&LoginRequest { username: user, password: Secret::new(password), organisation: org, unit: unit.clone() })?;
        agree(&WebApiKeyLogin { api_key: Secret::new(key), unit })?;
        agree(&ReleaseToken {})?;
    }

    #[test]
    fn validate_agrees_on_lists(
        number_of_results in prop_oneof![0u32..=51, Just(u32::MAX)],
        offset in any::<u64>(),
        status in prop::option::of(prop_oneof![Just(ChargeStatusFilter::Processed), Just(ChargeStatusFilter::NotProcessed)]),
        charge_fields in fields_set::<Charge>(),
        promotion_fields in fields_set::<Promotion>(),
        subscription_fields in fields_set::<Subscription>(),
        billing in opt_text(),
        netflix in opt_text(),
    ) {
        agree(&ListCharges { number_of_results, offset, charge_status: status, fields_set: charge_fields })?;
        agree(&ListPromotions { fields_set: promotion_fields })?;
        agree(&ShowSubscriptions {
            billing_system_customer_identifier: billing,
            netflix_customer_identifier: netflix,
            fields_set: subscription_fields,
        })?;
    }

    #[test]
    fn validate_agrees_on_subscriptions(
        customer in text(),
        validity_duration in prop::option::of(prop_oneof![0u32..=2, 86_399u32..=86_401, Just(u32::MAX)]),
        street in opt_text(),
        floor in prop::option::of(any::<i64>()),
        address_country in country(),
        email in prop::option::of(text()),
        phone in prop::option::of((text(), country())),
        udf_date in prop::option::of(Just(Date::parse("2017-02-06T07:22:07").unwrap())),
    ) {
        let mut create = CreateSubscription::new(customer.clone());
        create.validity_duration = validity_duration;
        let mut address = Address::new(AddressType::Home);
        address.street_name = street;
        address.floor = floor;
        address.country_identifier = address_country;
        create.customer_address = Some(address);
        create.customer_email = email.map(|e| {
            let mut email = Email::new(EmailType::Personal, e);
            email.udf_date_1 = udf_date;
            email
        });
        create.customer_phone = phone.map(|(n, c)| {
            let mut phone = Phone::new(PhoneType::Mobile, n);
            phone.country_identifier = c;
            phone
        });
        agree(&create)?;
        agree(&SuspendSubscription::new(customer.clone()))?;
        agree(&UnsuspendSubscription::new(customer))?;
    }

    #[test]
    fn validate_agrees_on_charge_sets(items in items()) {
        let ack: Vec<AcknowledgedCharge> = items.iter().map(|(n, c, r)| AcknowledgedCharge { number: n.clone(), billing_system_customer_identifier: c.clone(), reference_number: r.clone() }).collect();
        let acc: Vec<AcceptedCharge> = items.iter().map(|(n, c, r)| AcceptedCharge { number: n.clone(), billing_system_customer_identifier: c.clone(), reference_number: r.clone() }).collect();
        let dec: Vec<DeclinedCharge> = items.iter().map(|(n, c, r)| DeclinedCharge { number: n.clone(), billing_system_customer_identifier: c.clone(), reference_number: r.clone() }).collect();
        agree(&AcknowledgeCharges { acknowledged_charges_set: ack })?;
        agree(&AcceptCharges { accepted_charges_set: acc })?;
        agree(&DeclineCharges { declined_charges_set: dec })?;
    }
}

#[test]
fn validate_reports_the_rules_validator_cannot_say() {
    // A one-of group, a release-dependent requirement and a unique key, each at its path.
    let show = ShowSubscriptions::default();
    assert_eq!(
        validator_paths(&show),
        BTreeSet::from(["billing_system_customer_identifier".to_owned()])
    );
    let list = ListCharges::new(None);
    assert_eq!(
        validator_paths(&list),
        BTreeSet::from(["charge_status".to_owned()])
    );
    let twice = AcceptCharges {
        accepted_charges_set: vec![
            AcceptedCharge::new("I1", "c"),
            AcceptedCharge::new("I1", "c"),
        ],
    };
    assert_eq!(
        validator_paths(&twice),
        BTreeSet::from(["accepted_charges_set[1].number".to_owned()])
    );
}
