//! Batching of acknowledge, accept and decline sets: at most 50 per request, repeats merged,
//! reference numbers kept, no charge dropped.

use std::collections::{HashMap, HashSet};

use crmcom_netflix::{
    batch, prepare, try_batch, AcceptCharges, AcceptedCharge, AcknowledgeCharges,
    AcknowledgedCharge, ChargeSetItem, ChargeSetRequest, DeclineCharges, DeclinedCharge, Release,
    Token, ViolationCode,
};
use proptest::prelude::*;

fn item(number: &str, customer: &str, reference: Option<&str>) -> AcknowledgedCharge {
    AcknowledgedCharge {
        number: number.into(),
        billing_system_customer_identifier: customer.into(),
        reference_number: reference.map(Into::into),
    }
}

fn sets<R: ChargeSetRequest>(requests: &[R]) -> Vec<Vec<String>> {
    requests
        .iter()
        .map(|r| r.items().iter().map(|i| i.number().to_owned()).collect())
        .collect()
}

#[test]
fn a_repeated_charge_is_merged_into_its_first_occurrence() {
    let requests: Vec<AcknowledgeCharges> = batch([
        item("I1", "pci1", None),
        item("I2", "pci2", None),
        item("I1", "pci1", Some("R1")),
    ]);
    assert_eq!(sets(&requests), [["I1", "I2"]]);
    // The later occurrence lent its reference number.
    assert_eq!(
        requests[0].acknowledged_charges_set[0].reference_number,
        Some("R1".into())
    );
}

#[test]
fn a_reference_number_on_two_charges_keeps_both_charges_in_different_requests() {
    let requests: Vec<AcceptCharges> = batch([
        AcceptedCharge::new("I1", "pci1"),
        AcceptedCharge {
            reference_number: Some("R".into()),
            ..AcceptedCharge::new("I2", "pci1")
        },
        AcceptedCharge {
            reference_number: Some("R".into()),
            ..AcceptedCharge::new("I3", "pci1")
        },
    ]);
    assert_eq!(sets(&requests), [vec!["I1", "I2"], vec!["I3"]]);
    for r in &requests {
        prepare(r, Some(&Token::new("T")), Release::LATEST).unwrap();
    }
}

#[test]
fn try_batch_refuses_conflicting_input_at_the_later_item() {
    let err = try_batch::<AcknowledgeCharges>([
        item("I1", "pci1", Some("R1")),
        item("I2", "pci1", Some("R1")),
        item("I1", "pci9", Some("R2")),
    ])
    .unwrap_err();
    let got: Vec<(&str, ViolationCode)> = err
        .violations()
        .iter()
        .map(|v| (v.path.as_str(), v.code))
        .collect();
    assert_eq!(
        got,
        [
            ("[1].reference_number", ViolationCode::Duplicate),
            (
                "[2].billing_system_customer_identifier",
                ViolationCode::Duplicate
            ),
            ("[2].reference_number", ViolationCode::Duplicate),
        ]
    );
}

#[test]
fn try_batch_merges_plain_repeats() {
    let requests = try_batch::<DeclineCharges>(
        (0..101).map(|i| DeclinedCharge::new(format!("I{}", i % 100), "pci1")),
    )
    .unwrap();
    let sizes: Vec<usize> = requests
        .iter()
        .map(|r| r.declined_charges_set.len())
        .collect();
    assert_eq!(sizes, [50, 50]);
}

#[test]
fn blank_reference_numbers_count_as_none() {
    let requests: Vec<AcknowledgeCharges> =
        batch([item("I1", "pci1", Some("")), item("I2", "pci1", Some(""))]);
    assert_eq!(sets(&requests), [["I1", "I2"]]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever comes in, every request passes the set rules, no charge is lost or repeated,
    /// and every reference number given to one charge only reaches the server.
    #[test]
    fn batches_are_valid_and_keep_every_charge(
        raw in prop::collection::vec((0u32..150, 0u32..3, prop::option::of(0u32..40)), 0..260)
    ) {
        let items: Vec<AcknowledgedCharge> = raw
            .iter()
            .map(|(n, c, r)| {
                let r = r.map(|r| format!("R{r}"));
                item(&format!("I{n}"), &format!("pci{c}"), r.as_deref())
            })
            .collect();
        let requests: Vec<AcknowledgeCharges> = batch(items.clone());
        let token = Token::new("T");
        let mut seen = HashSet::new();
        for r in &requests {
            prop_assert!(!r.acknowledged_charges_set.is_empty());
            prop_assert!(r.acknowledged_charges_set.len() <= 50);
            prop_assert!(prepare(r, Some(&token), Release::LATEST).is_ok());
            for i in &r.acknowledged_charges_set {
                prop_assert!(seen.insert(i.number.clone()), "{} twice", i.number);
            }
        }
        let wanted: HashSet<String> = items.iter().map(|i| i.number.clone()).collect();
        prop_assert_eq!(&seen, &wanted);
        // First occurrence wins for the customer.
        let mut first: HashMap<&str, &str> = HashMap::new();
        for i in &items {
            first.entry(&i.number).or_insert(&i.billing_system_customer_identifier);
        }
        for r in &requests {
            for i in &r.acknowledged_charges_set {
                prop_assert_eq!(first[i.number.as_str()], i.billing_system_customer_identifier.as_str());
            }
        }
        // Without reference numbers sets fill strictly in order.
        if items.iter().all(|i| i.reference_number.is_none()) {
            let sizes: Vec<usize> = requests.iter().map(|r| r.acknowledged_charges_set.len()).collect();
            let mut want = vec![50; wanted.len() / 50];
            if !wanted.len().is_multiple_of(50) {
                want.push(wanted.len() % 50);
            }
            prop_assert_eq!(sizes, want);
        }
    }
}
