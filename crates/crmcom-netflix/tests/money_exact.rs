//! Amounts are priced from exactly the number on the wire: every JSON number is read with
//! correct rounding (the double nearest to the text, bit for bit), priced by rounding the shortest
//! decimal of that double half away from zero, and written back so that it reads as the same
//! double. Checked against an exact decimal reading of the text done with digit arithmetic.

#[path = "common/exact_decimal.rs"]
mod exact_decimal;

use crmcom_netflix::{decode, Charge, ListCharges};
use exact_decimal::round_half_away;
use proptest::prelude::*;

fn page_with(amount_text: &str, currency: &str) -> Vec<u8> {
    format!(
        r#"{{"status":{{"code":"OK","description":"","message":""}},"data":{{"charges_set":[
        {{"number":"I1","billing_system_customer_identifier":"pci1","amount":{amount_text},
        "currency":"{currency}","charge_status":"APPROVED","paid_through_date":"2017-02-19T02:00:00",
        "received_on":"2017-02-21T10:07:23","set_as_approved_on":"2017-02-21T10:38:58",
        "set_as_declined_on":null,"set_as_bad_request_on":null,"set_as_rejected_request_on":null}}]}}}}"#
    )
    .into_bytes()
}

fn decoded_charge(amount_text: &str, currency: &str) -> Charge {
    let page = decode::<ListCharges>(&page_with(amount_text, currency), None)
        .unwrap_or_else(|e| panic!("{amount_text} {currency}: {e}"));
    page.charges()[0].clone()
}

const CURRENCIES: [(&str, u32); 3] = [("USD", 2), ("JPY", 0), ("KWD", 3)];

/// The whole chain for one double: shortest text, decode, same bits, priced as the exact decimal
/// reading of that text, and the charge's JSON form reads back as the same charge.
fn check_double(x: f64) {
    // The shortest text with, on an exact tie between two, the even last digit (Ryu's, serde_json's
    // and Python's choice); Rust's `{x}` may write the other one, which reads as the same double and
    // so must price the same.
    let canonical = serde_json::to_string(&x).unwrap();
    for text in [canonical.clone(), format!("{x}")] {
        for (code, e) in CURRENCIES {
            let charge = decoded_charge(&text, code);
            let money = charge.amount;
            assert_eq!(money.raw().to_bits(), x.to_bits(), "{text} read back");
            // Within i64 minor units the amount is priced; beyond, it is not billable.
            if let Some(want) = round_half_away(&canonical, e, 16) {
                assert_eq!(money.to_string(), want, "{text} {code}");
                let digits: String = want.chars().filter(|c| *c != '.').collect();
                assert_eq!(
                    money.minor_units(),
                    digits.parse::<i64>().ok(),
                    "{text} {code}"
                );
            }
            let json = serde_json::to_string(&charge).unwrap();
            let again: Charge = serde_json::from_str(&json).unwrap();
            assert_eq!(again, charge, "{json}");
            assert_eq!(again.amount.raw().to_bits(), x.to_bits(), "{json}");
        }
    }
}

fn amount() -> impl Strategy<Value = f64> {
    prop_oneof![
        // Anything a double can be, within what an amount may be.
        any::<f64>().prop_filter("an amount", |x| x.is_finite() && x.abs() < 7.9e28),
        // Cents, tenths of a mill and yen with their single-precision artefacts.
        (0u64..100_000_000).prop_map(|n| n as f32 as f64 / 1000.0),
        // At and next to a half unit of every currency's minor unit.
        (0u64..4_000_000, 0u32..4, -2i64..=2).prop_map(|(k, e, step)| {
            let mid: f64 = format!("{}.5e-{e}", k).parse().unwrap();
            f64::from_bits((mid.to_bits() as i64 + step) as u64)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn every_double_reads_back_bit_for_bit_and_prices_as_its_exact_decimal(x in amount()) {
        check_double(x);
        check_double(-x);
    }
}

/// The 17-digit neighbours of half units that a parser without correct rounding reads as the
/// half unit itself, and so bills one minor unit too high.
#[test]
fn half_unit_neighbours_are_read_exactly() {
    for (text, code, want) in [
        ("0.12499999999999999", "USD", "0.12"),
        ("0.024999999999999998", "USD", "0.02"),
        ("0.09499999999999999", "USD", "0.09"),
        ("0.125", "USD", "0.13"),
        ("0.12500000000000003", "USD", "0.13"),
        ("90.49999999999999", "JPY", "90"),
        ("90.5", "JPY", "91"),
        ("90.50000000000001", "JPY", "91"),
        ("0.012499999999999999", "KWD", "0.012"),
        ("0.0125", "KWD", "0.013"),
        ("0.010499999999999999", "KWD", "0.010"),
    ] {
        let money = decoded_charge(text, code).amount;
        assert_eq!(money.to_string(), want, "{text} {code}");
        assert_eq!(money.raw(), text.parse::<f64>().unwrap(), "{text}");
    }
}

/// Every half cent up to 2,000 and both of its neighbouring doubles: read bit for bit and priced
/// as the exact decimal of their shortest text.
#[test]
fn every_half_cent_up_to_2000_and_its_neighbours_is_priced_exactly() {
    use crmcom_netflix::{Currency, Money};
    let usd = Currency::new("USD");
    let mut misread = 0;
    for k in 0..200_000u64 {
        let mid: f64 = format!("{}.{:03}", k / 100, (k % 100) * 10 + 5)
            .parse()
            .unwrap();
        for bits in [mid.to_bits() - 1, mid.to_bits(), mid.to_bits() + 1] {
            let x = f64::from_bits(bits);
            let text = serde_json::to_string(&x).unwrap();
            let read: Money = serde_json::from_str(&text).unwrap();
            if read.raw().to_bits() != bits {
                misread += 1;
                continue;
            }
            let priced = Money::new(read.raw(), Some(&usd)).unwrap();
            assert_eq!(
                Some(priced.to_string()),
                round_half_away(&text, 2, 16),
                "{text}"
            );
        }
    }
    assert_eq!(misread, 0, "doubles not read back bit for bit");
}

/// The journal keeps charges as JSON: written and read back, a charge is the same charge.
#[test]
fn a_charge_written_to_json_reads_back_exactly() {
    for text in [
        "1.2350000143051145",
        "5.989999771118164",
        "0.12499999999999999",
    ] {
        let charge = decoded_charge(text, "USD");
        let json = serde_json::to_string(&charge).unwrap();
        assert!(json.contains(text), "{json}");
        let again: Charge = serde_json::from_str(&json).unwrap();
        assert_eq!(again, charge);
        assert_eq!(again.amount.raw(), text.parse::<f64>().unwrap());
    }
}

/// A wire value below half a minor unit is priced zero (the rounding rule of every amount),
/// unsigned, and billable as a zero amount; 5.99e-400 is below the smallest double and reads as 0.
#[test]
fn amounts_below_half_a_minor_unit_are_priced_zero() {
    for (text, code, want) in [
        ("5.99e-400", "USD", "0.00"),
        ("-5.99e-400", "USD", "0.00"),
        ("0.001", "USD", "0.00"),
        ("-0.004", "USD", "0.00"),
        ("0.0004", "KWD", "0.000"),
        ("0.4", "JPY", "0"),
        ("-0.0", "USD", "0.00"),
    ] {
        let charge = decoded_charge(text, code);
        let money = charge.amount;
        assert_eq!(money.to_string(), want, "{text} {code}");
        assert_eq!(money.minor_units(), Some(0), "{text}");
        assert!(!money.is_negative(), "{text}");
        assert!(charge.billable(), "{text} {code}");
    }
}

#[test]
fn approved_negative_amounts_are_priced_and_left_unbilled() {
    use crmcom_netflix::BillingAction;
    let charge = decoded_charge("-2.990000009536743", "USD");
    let money = charge.amount;
    assert_eq!(money.to_string(), "-2.99");
    assert_eq!(money.minor_units(), Some(-299));
    assert!(money.is_negative());
    assert!(!charge.billable());
    assert_eq!(charge.billing_action(), BillingAction::Leave);
}
