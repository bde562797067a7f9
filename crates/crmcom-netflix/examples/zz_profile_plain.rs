//! temporary
use serde::Deserialize;
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

fn main() {
    let payload = include_bytes!("../../../bench/data/charges-list-50.json");
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mut n = 0;
    for _ in 0..rounds {
        let e = plain::Envelope::deserialize(&mut serde_json::Deserializer::from_slice(
            std::hint::black_box(payload),
        ))
        .unwrap();
        n += e.data.charges_set.len();
    }
    println!("{n}");
}
