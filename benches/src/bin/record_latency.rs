//! `openreg record` latency measured inside the process on a warm store: opens the store, warms it
//! with one pass, then times `Store::record_json` (the call `openreg record` and an HTTP API make:
//! the whole OCDS record as JSON text) over random ocids.
//!
//!     record-latency --data-dir DIR [--samples N] [--seed S]

use std::path::PathBuf;
use std::time::Instant;

use openreg_store::Store;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data_dir = None;
    let mut samples = 10_000usize;
    let mut seed = 1u64;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => data_dir = args.next().map(PathBuf::from),
            "--samples" => samples = args.next().and_then(|v| v.parse().ok()).expect("--samples N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            other => panic!("unknown argument {other}"),
        }
    }
    let store = Store::open(&data_dir.expect("--data-dir DIR")).expect("the store opens");
    let ocids: Vec<String> = store.ocids().collect::<Result<_, _>>().expect("ocids");
    assert!(!ocids.is_empty(), "the store is empty");
    // Warm: every record once.
    for ocid in &ocids {
        store.record_json(ocid).expect("record");
    }
    let mut state = seed.max(1);
    let mut times = Vec::with_capacity(samples);
    let mut bytes = 0usize;
    for _ in 0..samples {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let ocid = &ocids[(state % ocids.len() as u64) as usize];
        let started = Instant::now();
        let json = store.record_json(ocid).expect("record").expect("present");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        bytes += json.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "record latency over {samples} random ocids of {}: median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms (mean record {:.1} KB)",
        ocids.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1],
        bytes as f64 / samples as f64 / 1e3
    );
}
