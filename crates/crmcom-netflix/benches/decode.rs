//! Decoding the 50-charge `charges/list` response (bench/data/charges-list-50.json, the payload
//! every benchmark of the project decodes) with the core and with two baselines, and preparing a
//! full `subscriptions/create`. Criterion measures each; a final table prints the ratios measured
//! in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use crmcom_netflix::{
    decode, prepare, Address, AddressType, Channel, CountryIdentifier, CreateSubscription, Email,
    EmailType, ListCharges, Phone, PhoneType, Release, Token,
};
use serde::Deserialize;

const PAYLOAD: &[u8] = include_bytes!("../../../bench/data/charges-list-50.json");

/// The plain baseline: the same charge fields, owned `String`s, chrono dates, no validation.
/// Its fields are only written by decoding, as in a program that would read them later.
#[allow(dead_code)]
mod plain {
    use chrono::NaiveDateTime;
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Envelope {
        pub data: Data,
        pub status: Status,
    }
    #[derive(Deserialize)]
    pub struct Status {
        pub code: String,
        pub description: Option<String>,
        pub message: Option<String>,
    }
    #[derive(Deserialize)]
    pub struct Data {
        pub charges_set: Vec<Charge>,
    }
    #[derive(Deserialize)]
    pub struct Charge {
        pub number: String,
        pub billing_system_customer_identifier: String,
        pub amount: f64,
        pub currency: String,
        pub local_currency_amount: Option<f64>,
        pub local_currency: Option<String>,
        pub paid_through_date: NaiveDateTime,
        pub charge_status: String,
        pub received_on: NaiveDateTime,
        pub set_as_approved_on: Option<NaiveDateTime>,
        pub set_as_declined_on: Option<NaiveDateTime>,
        pub set_as_bad_request_on: Option<NaiveDateTime>,
        pub set_as_rejected_request_on: Option<NaiveDateTime>,
    }
}

fn core_decode() -> usize {
    let page = decode::<ListCharges>(black_box(PAYLOAD), None).expect("valid payload");
    page.charges().len()
}

fn value_decode() -> usize {
    let v: serde_json::Value = serde_json::from_slice(black_box(PAYLOAD)).expect("valid JSON");
    v["data"]["charges_set"].as_array().map_or(0, Vec::len)
}

fn plain_decode() -> usize {
    let e = plain::Envelope::deserialize(&mut serde_json::Deserializer::from_slice(black_box(
        PAYLOAD,
    )))
    .expect("valid payload");
    e.data.charges_set.len()
}

fn full_create() -> CreateSubscription {
    let mut r = CreateSubscription::new("pci150");
    r.promotion_code = Some("14".into());
    r.channel = Some(Channel::Broadband);
    r.validity_duration = Some(86_400);
    r.customer_first_name = Some("Eleni".into());
    r.customer_last_name = Some("Georgiou".into());
    let mut a = Address::new(AddressType::Home);
    a.street_name = Some("Makariou".into());
    a.street_number = Some("12".into());
    a.town_city = Some("Nicosia".into());
    a.postal_code = Some("1065".into());
    a.country_identifier = Some(CountryIdentifier {
        two_character_code: Some("CY".into()),
        ..Default::default()
    });
    r.customer_address = Some(a);
    let mut email = Email::new(EmailType::Personal, "eleni@example.com");
    email.is_primary = Some(true);
    r.customer_email = Some(email);
    let mut phone = Phone::new(PhoneType::Mobile, "99123456");
    phone.is_primary = Some(true);
    phone.area_code = Some("357".into());
    r.customer_phone = Some(phone);
    r
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("charges-list-50");
    g.throughput(Throughput::Bytes(PAYLOAD.len() as u64));
    g.bench_function("crmcom_netflix::decode", |b| b.iter(core_decode));
    g.bench_function("serde_json::Value", |b| b.iter(value_decode));
    g.bench_function("plain serde derive (String + chrono)", |b| {
        b.iter(plain_decode)
    });
    g.finish();
    let request = full_create();
    let token = Token::new("737C2CC402644029BA7827E41B932C79");
    c.bench_function("prepare subscriptions/create (full)", |b| {
        b.iter(|| prepare(black_box(&request), Some(&token), Release::LATEST).unwrap())
    });
}

criterion_group!(group, benches);

/// Median time per call of each function over interleaved rounds, so that a change in machine
/// load affects every contender alike.
fn medians(fs: &[fn() -> usize]) -> Vec<Duration> {
    let mut rounds: Vec<Vec<Duration>> = vec![Vec::new(); fs.len()];
    for _ in 0..21 {
        for (i, f) in fs.iter().enumerate() {
            let n = 300;
            let start = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            rounds[i].push(start.elapsed() / n);
        }
    }
    rounds
        .into_iter()
        .map(|mut r| {
            r.sort();
            r[r.len() / 2]
        })
        .collect()
}

fn ratios() {
    assert_eq!(core_decode(), 50);
    assert_eq!(plain_decode(), 50);
    assert_eq!(value_decode(), 50);
    let m = medians(&[core_decode, value_decode, plain_decode]);
    let (core, value, plain) = (m[0], m[1], m[2]);
    let mb = |d: Duration| PAYLOAD.len() as f64 / d.as_secs_f64() / 1e6;
    println!();
    println!(
        "decode charges/list, 50 charges, {} bytes (median of 21 interleaved rounds):",
        PAYLOAD.len()
    );
    for (name, d) in [
        ("crmcom_netflix::decode (validated, exact money)", core),
        ("serde_json::from_slice::<Value>", value),
        ("plain serde derive (String + chrono)", plain),
    ] {
        println!(
            "  {name:<50} {:>8.2} us  {:>7.1} MB/s",
            d.as_secs_f64() * 1e6,
            mb(d)
        );
    }
    println!(
        "  speed-up of the core over the plain derive: {:.2}x",
        plain.as_secs_f64() / core.as_secs_f64()
    );
    println!(
        "  speed-up of the core over serde_json::Value: {:.2}x",
        value.as_secs_f64() / core.as_secs_f64()
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--ratios-only");
    if !quick {
        group();
        Criterion::default().configure_from_args().final_summary();
    }
    ratios();
}
