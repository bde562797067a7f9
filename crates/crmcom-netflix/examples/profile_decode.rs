//! Decodes the 50-charge benchmark payload in a loop, for profilers (`valgrind --tool=callgrind`).
fn main() {
    let payload = include_bytes!("../../../bench/data/charges-list-50.json");
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mut n = 0;
    for _ in 0..rounds {
        n += crmcom_netflix::decode::<crmcom_netflix::ListCharges>(payload, None)
            .expect("valid payload")
            .charges()
            .len();
    }
    println!("{n} charges decoded");
}
