//! Decodes the 50-charge benchmark payload in a loop, for profilers (`valgrind --tool=callgrind`,
//! `perf`), and prints the time per page (the best of batches of 100 pages, which a busy machine
//! disturbs least).
//!
//! `profile_decode [rounds] [pages.jsonl]`: with a file of one response body per line (such as
//! pages whose values vary), the rounds go through its pages in turn.
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let pages: Vec<Vec<u8>> = match args.next() {
        Some(path) => std::fs::read(&path)
            .expect("a readable file of pages")
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
        None => vec![include_bytes!("../../../bench/data/charges-list-50.json").to_vec()],
    };
    let mut n = 0;
    let mut best = Duration::MAX;
    let mut done = 0;
    while done < rounds {
        let batch = (rounds - done).min(100);
        let start = Instant::now();
        for i in done..done + batch {
            n += crmcom_netflix::decode::<crmcom_netflix::ListCharges>(
                &pages[i % pages.len()],
                None,
            )
            .expect("valid payload")
            .charges()
            .len();
        }
        best = best.min(start.elapsed() / batch as u32);
        done += batch;
    }
    println!("{n} charges decoded, {best:?} per page at best");
}
