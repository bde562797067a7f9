//! Decoding the 50-charge `charges/list` response with the Rust core and through the C API, in one
//! process: rounds of each alternate, and each keeps its best round, so that load on the machine
//! hits both alike. The C API is called exactly as C calls it (`crmnf_charges_decode` with raw
//! pointers, then `crmnf_charges_free`); `bench/bench_decode.c` does the same from a C program.
//!
//! `cargo run --release -p crmcom-netflix-c --example bench_decode -- FILE [ROUNDS [ITERATIONS]]`

use std::hint::black_box;
use std::ptr;
use std::time::Instant;

use crmcom_netflix::{decode, ListCharges};
use crmnf::charges::{crmnf_charges_count, crmnf_charges_decode, crmnf_charges_free};
use crmnf::crmnf_status;

fn rust_core(body: &[u8]) -> usize {
    let page = decode::<ListCharges>(black_box(body), None).expect("decode");
    let n = page.charges().len();
    drop(black_box(page));
    n
}

fn c_api(body: &[u8]) -> usize {
    let body = black_box(body);
    let mut charges = ptr::null_mut();
    // SAFETY: a valid buffer and output pointer, as a C caller passes them; the list is freed once.
    unsafe {
        let status = crmnf_charges_decode(
            body.as_ptr(),
            body.len(),
            ptr::null(),
            &mut charges,
            ptr::null_mut(),
        );
        assert_eq!(status, crmnf_status::CRMNF_OK);
        let n = crmnf_charges_count(charges);
        crmnf_charges_free(charges);
        n
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .expect("usage: bench_decode FILE [ROUNDS [ITERATIONS]]");
    let rounds: u32 = args.next().map_or(60, |s| s.parse().expect("ROUNDS"));
    let iterations: u32 = args.next().map_or(100, |s| s.parse().expect("ITERATIONS"));
    let body = std::fs::read(&file).expect("read the response");

    let mut best = [f64::MAX; 2];
    let runs: [fn(&[u8]) -> usize; 2] = [rust_core, c_api];
    for round in 0..=rounds {
        for (which, run) in runs.iter().enumerate() {
            let start = Instant::now();
            let mut count = 0;
            for _ in 0..iterations {
                count += run(&body);
            }
            let per = start.elapsed().as_nanos() as f64 / f64::from(iterations);
            assert_eq!(count, iterations as usize * 50, "50 charges per decode");
            // Round 0 warms up.
            if round > 0 {
                best[which] = best[which].min(per);
            }
        }
    }
    println!("rust_core_ns_per_decode {:.0}", best[0]);
    println!("c_api_in_process_ns_per_decode {:.0}", best[1]);
}
